//! The process's file-descriptor table and its file-system sandbox (DESIGN.md §3).
//!
//! fds 0/1/2 are the host's standard streams (or injected buffers); every other fd is a host file
//! opened inside `--fs-root DIR`. Guest paths are chroot-like: `/a/b` and `a/b` both name
//! `DIR/a/b`, `..` may not climb above `DIR`, and a symlink that leads outside `DIR` is refused
//! with `EACCES`. Without an fs-root every path operation fails with `EACCES`.
//!
//! Open flags and `AT_*` constants are newlib's (`sys/_default_fcntl.h`), which libgloss/riscv
//! passes to the kernel unchanged; Linux's `AT_*` values are accepted too where they don't clash.

use super::syscall::Errno;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, IsTerminal, Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A byte buffer shared with the embedder: input for fd 0 or captured output of fd 1/2.
pub type SharedBuf = Arc<Mutex<Vec<u8>>>;

/// newlib's `open` flags (`sys/_default_fcntl.h`), as libgloss/riscv passes them.
pub mod oflag {
    /// Mask of the access mode.
    pub const O_ACCMODE: u32 = 3;
    /// Open for reading only.
    pub const O_RDONLY: u32 = 0;
    /// Open for writing only.
    pub const O_WRONLY: u32 = 1;
    /// Open for reading and writing.
    pub const O_RDWR: u32 = 2;
    /// Every write appends.
    pub const O_APPEND: u32 = 0x0008;
    /// Create the file if missing.
    pub const O_CREAT: u32 = 0x0200;
    /// Truncate to length 0.
    pub const O_TRUNC: u32 = 0x0400;
    /// With `O_CREAT`: fail if the file exists.
    pub const O_EXCL: u32 = 0x0800;
    /// Fail with `ELOOP` if the last component is a symlink.
    pub const O_NOFOLLOW: u32 = 0x0010_0000;
    /// Fail with `ENOTDIR` unless the path is a directory.
    pub const O_DIRECTORY: u32 = 0x0020_0000;
}

/// `*at` flags: newlib's values and Linux's.
pub mod atflag {
    /// Linux's "current directory" dirfd.
    pub const AT_FDCWD: i32 = -100;
    /// newlib's "current directory" dirfd.
    pub const NEWLIB_AT_FDCWD: i32 = -2;
    /// Don't follow a final symlink (newlib | Linux).
    pub const AT_SYMLINK_NOFOLLOW: u32 = 0x2 | 0x100;
    /// Follow a final symlink in `linkat` (newlib | Linux).
    pub const AT_SYMLINK_FOLLOW: u32 = 0x4 | 0x400;
    /// `unlinkat` removes a directory (newlib | Linux).
    pub const AT_REMOVEDIR: u32 = 0x8 | 0x200;
    /// An empty path names `dirfd` itself (newlib | Linux).
    pub const AT_EMPTY_PATH: u32 = 0x10 | 0x1000;
}

/// File-type bits of `st_mode` (the same on Linux, newlib and the host).
pub mod mode {
    /// Mask of the file type.
    pub const S_IFMT: u32 = 0o170_000;
    /// Regular file.
    pub const S_IFREG: u32 = 0o100_000;
    /// Directory.
    pub const S_IFDIR: u32 = 0o040_000;
    /// Character device (a tty).
    pub const S_IFCHR: u32 = 0o020_000;
    /// FIFO (a pipe).
    pub const S_IFIFO: u32 = 0o010_000;
    /// Symbolic link.
    pub const S_IFLNK: u32 = 0o120_000;
    /// Socket.
    pub const S_IFSOCK: u32 = 0o140_000;
}

/// Most fds a process may have open (Linux's default `RLIMIT_NOFILE`).
pub const MAX_FDS: usize = 1024;
/// Longest path accepted, including the NUL (Linux `PATH_MAX`).
pub const PATH_MAX: usize = 4096;
/// Longest path component (Linux `NAME_MAX`).
pub const NAME_MAX: usize = 255;
/// Size of the host-stdout buffer.
const STDOUT_BUF: usize = 64 * 1024;

/// Where one of the standard streams (fd 0, 1 or 2) is connected on the host.
#[derive(Debug)]
pub enum StdStream {
    /// The emulator's own stdin/stdout/stderr.
    Inherit,
    /// An in-memory buffer: bytes to read (fd 0) or captured output (fd 1/2); fstat says pipe.
    Buffer(SharedBuf),
    /// A host file or other handle.
    File(File),
    /// Like `/dev/null`: reads see end of file, writes are discarded.
    Null,
}

/// The `struct kernel_stat` of libgloss/riscv `kernel_stat.h`, as laid out for ilp32.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelStat {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Type and permission bits.
    pub mode: u32,
    /// Link count.
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device number of a device file.
    pub rdev: u64,
    /// Size in bytes.
    pub size: i64,
    /// Preferred I/O block size.
    pub blksize: i32,
    /// 512-byte blocks allocated.
    pub blocks: i64,
    /// Last access (seconds, nanoseconds).
    pub atime: (i64, i32),
    /// Last modification (seconds, nanoseconds).
    pub mtime: (i64, i32),
    /// Last status change (seconds, nanoseconds).
    pub ctime: (i64, i32),
}

/// Byte offsets of `struct kernel_stat` fields for ilp32 (checked with riscv64-unknown-elf-gcc
/// `-march=rv32imac -mabi=ilp32`: `long long` and the 64-bit-`time_t` `struct timespec` are
/// 8-byte aligned).
pub mod kstat_off {
    /// `st_dev` (u64).
    pub const DEV: usize = 0;
    /// `st_ino` (u64).
    pub const INO: usize = 8;
    /// `st_mode` (u32).
    pub const MODE: usize = 16;
    /// `st_nlink` (u32).
    pub const NLINK: usize = 20;
    /// `st_uid` (u32).
    pub const UID: usize = 24;
    /// `st_gid` (u32).
    pub const GID: usize = 28;
    /// `st_rdev` (u64).
    pub const RDEV: usize = 32;
    /// `st_size` (i64); `__pad1` is at 40.
    pub const SIZE: usize = 48;
    /// `st_blksize` (i32); `__pad2` is at 60.
    pub const BLKSIZE: usize = 56;
    /// `st_blocks` (i64).
    pub const BLOCKS: usize = 64;
    /// `st_atim` (timespec: i64 `tv_sec`, i32 `tv_nsec` at +8, 4 bytes padding).
    pub const ATIM: usize = 72;
    /// `st_mtim`.
    pub const MTIM: usize = 88;
    /// `st_ctim`.
    pub const CTIM: usize = 104;
    /// `__glibc_reserved[2]`.
    pub const RESERVED: usize = 120;
    /// `sizeof(struct kernel_stat)`.
    pub const SIZE_OF: usize = 128;
}

impl KernelStat {
    /// The guest's bytes for this struct (little-endian, padding zeroed).
    pub fn to_bytes(&self) -> [u8; kstat_off::SIZE_OF] {
        use kstat_off as o;
        let mut b = [0u8; o::SIZE_OF];
        let mut put = |off: usize, bytes: &[u8]| b[off..off + bytes.len()].copy_from_slice(bytes);
        put(o::DEV, &self.dev.to_le_bytes());
        put(o::INO, &self.ino.to_le_bytes());
        put(o::MODE, &self.mode.to_le_bytes());
        put(o::NLINK, &self.nlink.to_le_bytes());
        put(o::UID, &self.uid.to_le_bytes());
        put(o::GID, &self.gid.to_le_bytes());
        put(o::RDEV, &self.rdev.to_le_bytes());
        put(o::SIZE, &self.size.to_le_bytes());
        put(o::BLKSIZE, &self.blksize.to_le_bytes());
        put(o::BLOCKS, &self.blocks.to_le_bytes());
        for (off, (sec, nsec)) in [
            (o::ATIM, self.atime),
            (o::MTIM, self.mtime),
            (o::CTIM, self.ctime),
        ] {
            put(off, &sec.to_le_bytes());
            put(off + 8, &nsec.to_le_bytes());
        }
        b
    }

    /// The stat of a host file, field by field.
    fn from_metadata(m: &Metadata) -> Self {
        let nsec = |n: i64| n.clamp(0, 999_999_999) as i32;
        Self {
            dev: m.dev(),
            ino: m.ino(),
            mode: m.mode(),
            nlink: u32::try_from(m.nlink()).unwrap_or(u32::MAX),
            uid: m.uid(),
            gid: m.gid(),
            rdev: m.rdev(),
            size: i64::try_from(m.size()).unwrap_or(i64::MAX),
            blksize: i32::try_from(m.blksize()).unwrap_or(4096),
            blocks: i64::try_from(m.blocks()).unwrap_or(i64::MAX),
            atime: (m.atime(), nsec(m.atime_nsec())),
            mtime: (m.mtime(), nsec(m.mtime_nsec())),
            ctime: (m.ctime(), nsec(m.ctime_nsec())),
        }
    }

    /// A deterministic stat for a standard stream that isn't a regular file: only the type,
    /// permissions and block size (1024 for a tty, 4096 otherwise, as Linux reports).
    fn synthetic(mode: u32) -> Self {
        let is_chr = mode & mode::S_IFMT == mode::S_IFCHR;
        Self {
            mode,
            nlink: 1,
            blksize: if is_chr { 1024 } else { 4096 },
            ..Self::default()
        }
    }
}

/// Maps a host I/O error to the Linux errno the guest sees.
pub fn host_errno(e: &io::Error) -> Errno {
    // asm-generic errno numbers, shared by these hosts and RISC-V Linux.
    #[cfg(all(
        target_os = "linux",
        any(
            target_arch = "x86_64",
            target_arch = "x86",
            target_arch = "aarch64",
            target_arch = "arm",
            target_arch = "riscv64",
            target_arch = "riscv32",
            target_arch = "loongarch64"
        )
    ))]
    if let Some(raw) = e.raw_os_error() {
        if (1..4096).contains(&raw) {
            return Errno(raw);
        }
    }
    use io::ErrorKind as K;
    match e.kind() {
        K::NotFound => Errno::ENOENT,
        K::PermissionDenied => Errno::EACCES,
        K::AlreadyExists => Errno::EEXIST,
        K::InvalidInput => Errno::EINVAL,
        K::BrokenPipe => Errno::EPIPE,
        K::WouldBlock => Errno::EAGAIN,
        K::Interrupted => Errno::EINTR,
        K::OutOfMemory => Errno::ENOMEM,
        K::NotADirectory => Errno::ENOTDIR,
        K::IsADirectory => Errno::EISDIR,
        K::DirectoryNotEmpty => Errno::ENOTEMPTY,
        K::ReadOnlyFilesystem => Errno::EROFS,
        K::StorageFull => Errno::ENOSPC,
        K::NotSeekable => Errno::ESPIPE,
        K::FileTooLarge => Errno::EFBIG,
        K::CrossesDevices => Errno::EXDEV,
        K::ResourceBusy => Errno::EBUSY,
        K::InvalidFilename => Errno::ENAMETOOLONG,
        K::TooManyLinks => Errno::EMLINK,
        K::Unsupported => Errno::ENOSYS,
        _ => Errno::EIO,
    }
}

/// What an open fd is connected to.
enum Backing {
    Host(File),
    Mem { buf: SharedBuf, pos: usize },
    Null,
}

/// One open file description.
struct OpenFile {
    backing: Backing,
    readable: bool,
    writable: bool,
    /// Set up at start as fd 0/1/2 (fstat reports the host's stream type, deterministically).
    std_stream: bool,
    /// Output is collected in `pending` and written in large pieces.
    buffered: bool,
    pending: Vec<u8>,
}

impl OpenFile {
    fn std(stream: StdStream, fd: usize) -> Option<Self> {
        let backing = match stream {
            StdStream::Inherit => {
                let owned = match fd {
                    0 => io::stdin().as_fd().try_clone_to_owned(),
                    1 => io::stdout().as_fd().try_clone_to_owned(),
                    _ => io::stderr().as_fd().try_clone_to_owned(),
                };
                // A host stream that is closed leaves the guest's fd closed too.
                Backing::Host(File::from(owned.ok()?))
            }
            StdStream::File(f) => Backing::Host(f),
            StdStream::Buffer(buf) => Backing::Mem { buf, pos: 0 },
            StdStream::Null => Backing::Null,
        };
        let (readable, writable) = match backing {
            // The host decides what a dup of its stream allows.
            Backing::Host(_) | Backing::Null => (true, true),
            Backing::Mem { .. } => (fd == 0, fd != 0),
        };
        let buffered = fd == 1 && matches!(&backing, Backing::Host(f) if !f.is_terminal());
        Some(Self {
            backing,
            readable,
            writable,
            std_stream: true,
            buffered,
            pending: Vec::new(),
        })
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.backing {
            Backing::Host(f) => loop {
                match f.read(buf) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    r => return r,
                }
            },
            Backing::Mem { buf: shared, pos } => {
                let data = shared.lock().unwrap_or_else(|e| e.into_inner());
                let avail = data.get(*pos..).unwrap_or(&[]);
                let n = avail.len().min(buf.len());
                buf[..n].copy_from_slice(&avail[..n]);
                *pos += n;
                Ok(n)
            }
            Backing::Null => Ok(0),
        }
    }

    fn write_through(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.backing {
            Backing::Host(f) => f.write_all(data),
            Backing::Mem { buf, .. } => {
                buf.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(data);
                Ok(())
            }
            Backing::Null => Ok(()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let r = self.write_through(&pending);
        // Keep the allocation; drop the bytes even on error so a dead pipe isn't retried forever.
        self.pending = pending;
        self.pending.clear();
        r
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if !self.buffered {
            return self.write_through(data);
        }
        if self.pending.len() + data.len() > STDOUT_BUF {
            self.flush()?;
        }
        if data.len() >= STDOUT_BUF {
            self.write_through(data)
        } else {
            self.pending.extend_from_slice(data);
            Ok(())
        }
    }

    fn stat(&self) -> io::Result<KernelStat> {
        match &self.backing {
            Backing::Host(f) => {
                let m = f.metadata()?;
                if self.std_stream && !m.is_file() {
                    let ft = m.file_type();
                    let kind = if ft.is_char_device() {
                        mode::S_IFCHR
                    } else if ft.is_fifo() {
                        mode::S_IFIFO
                    } else if ft.is_socket() {
                        mode::S_IFSOCK
                    } else {
                        m.mode() & mode::S_IFMT
                    };
                    Ok(KernelStat::synthetic(kind | (m.mode() & 0o7777)))
                } else {
                    Ok(KernelStat::from_metadata(&m))
                }
            }
            Backing::Mem { .. } => Ok(KernelStat::synthetic(mode::S_IFIFO | 0o600)),
            Backing::Null => Ok(KernelStat {
                rdev: 0x103, // makedev(1, 3), like /dev/null
                ..KernelStat::synthetic(mode::S_IFCHR | 0o666)
            }),
        }
    }
}

/// A guest path resolved inside the fs-root: a canonical parent directory under the root and
/// the last component (`None` when the path names the root itself).
struct Resolved {
    parent: PathBuf,
    name: Option<std::ffi::OsString>,
    /// The guest path ended in `/`: it must name a directory.
    trailing_slash: bool,
}

impl Resolved {
    /// The path without following a final symlink.
    fn path(&self) -> PathBuf {
        match &self.name {
            Some(n) => self.parent.join(n),
            None => self.parent.clone(),
        }
    }
}

/// The process's open files and file-system sandbox.
pub struct Files {
    /// Canonical fs-root, if any.
    root: Option<PathBuf>,
    fds: Vec<Option<OpenFile>>,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let open: Vec<usize> = (0..self.fds.len())
            .filter(|&i| self.fds[i].is_some())
            .collect();
        f.debug_struct("Files")
            .field("root", &self.root)
            .field("open_fds", &open)
            .finish()
    }
}

impl Files {
    /// A table with fds 0/1/2 connected as given and paths confined to `fs_root` (which must be
    /// an existing directory; `None` forbids all path operations).
    pub fn new(
        fs_root: Option<PathBuf>,
        stdin: StdStream,
        stdout: StdStream,
        stderr: StdStream,
    ) -> io::Result<Self> {
        let root = match fs_root {
            Some(dir) => {
                let canon = fs::canonicalize(&dir)?;
                if !fs::metadata(&canon)?.is_dir() {
                    return Err(io::Error::new(
                        io::ErrorKind::NotADirectory,
                        format!("fs-root {} is not a directory", dir.display()),
                    ));
                }
                Some(canon)
            }
            None => None,
        };
        let fds = [stdin, stdout, stderr]
            .into_iter()
            .enumerate()
            .map(|(fd, s)| OpenFile::std(s, fd))
            .collect();
        Ok(Self { root, fds })
    }

    /// A table connected to the emulator's own stdin/stdout/stderr.
    pub fn with_host_stdio(fs_root: Option<PathBuf>) -> io::Result<Self> {
        Self::new(
            fs_root,
            StdStream::Inherit,
            StdStream::Inherit,
            StdStream::Inherit,
        )
    }

    /// The canonical fs-root, if any.
    pub fn fs_root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Turns the host-stdout buffer of fd 1 on or off (flushing it when turned off).
    pub fn set_stdout_buffered(&mut self, on: bool) -> io::Result<()> {
        if let Some(Some(f)) = self.fds.get_mut(1) {
            if f.std_stream && matches!(f.backing, Backing::Host(_)) {
                if !on {
                    f.flush()?;
                }
                f.buffered = on;
            }
        }
        Ok(())
    }

    /// Writes out all buffered output (call at exit, and before the emulator prints to stdout).
    pub fn flush_all(&mut self) -> io::Result<()> {
        let mut result = Ok(());
        for f in self.fds.iter_mut().flatten() {
            if let Err(e) = f.flush() {
                if result.is_ok() {
                    result = Err(e);
                }
            }
        }
        result
    }

    /// Whether `fd` is open.
    pub fn is_open(&self, fd: i32) -> bool {
        self.entry(fd).is_ok()
    }

    fn entry(&self, fd: i32) -> Result<&OpenFile, Errno> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.fds.get(i))
            .and_then(Option::as_ref)
            .ok_or(Errno::EBADF)
    }

    fn entry_mut(&mut self, fd: i32) -> Result<&mut OpenFile, Errno> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.fds.get_mut(i))
            .and_then(Option::as_mut)
            .ok_or(Errno::EBADF)
    }

    /// Flushes buffered standard output (before stdin is read or stderr written, so the order
    /// the guest produced is kept).
    fn flush_std(&mut self, except: i32) {
        for (i, f) in self.fds.iter_mut().enumerate() {
            if let Some(f) = f {
                if f.std_stream && f.buffered && i as i64 != i64::from(except) {
                    let _ = f.flush();
                }
            }
        }
    }

    /// Checks that `fd` is open for reading (`write == false`) or writing.
    pub fn check_access(&self, fd: i32, write: bool) -> Result<(), Errno> {
        let f = self.entry(fd)?;
        if (write && f.writable) || (!write && f.readable) {
            Ok(())
        } else {
            Err(Errno::EBADF)
        }
    }

    /// Reads up to `buf.len()` bytes from `fd` (one host read; 0 at end of file).
    pub fn read(&mut self, fd: i32, buf: &mut [u8]) -> Result<usize, Errno> {
        self.check_access(fd, false)?;
        if self.entry(fd)?.std_stream {
            self.flush_std(-1);
        }
        self.entry_mut(fd)?.read(buf).map_err(|e| host_errno(&e))
    }

    /// Writes all of `data` to `fd`.
    pub fn write(&mut self, fd: i32, data: &[u8]) -> Result<usize, Errno> {
        self.check_access(fd, true)?;
        if self.entry(fd)?.std_stream {
            self.flush_std(fd);
        }
        self.entry_mut(fd)?
            .write(data)
            .map(|()| data.len())
            .map_err(|e| host_errno(&e))
    }

    /// Moves the file offset (`whence`: 0 SEEK_SET, 1 SEEK_CUR, 2 SEEK_END); returns the new one.
    pub fn lseek(&mut self, fd: i32, offset: i64, whence: u32) -> Result<u64, Errno> {
        let f = self.entry_mut(fd)?;
        let pos = match whence {
            0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::EINVAL)?),
            1 => SeekFrom::Current(offset),
            2 => SeekFrom::End(offset),
            _ => return Err(Errno::EINVAL),
        };
        f.flush().map_err(|e| host_errno(&e))?;
        match &mut f.backing {
            Backing::Host(file) => file.seek(pos).map_err(|e| host_errno(&e)),
            Backing::Mem { .. } => Err(Errno::ESPIPE),
            Backing::Null => Ok(0),
        }
    }

    /// Closes `fd` (flushing its buffered output).
    pub fn close(&mut self, fd: i32) -> Result<(), Errno> {
        self.entry(fd)?;
        let slot = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        let mut f = self.fds[slot].take().ok_or(Errno::EBADF)?;
        while matches!(self.fds.last(), Some(None)) {
            self.fds.pop();
        }
        f.flush().map_err(|e| host_errno(&e))
    }

    /// The stat of an open fd.
    pub fn fstat(&self, fd: i32) -> Result<KernelStat, Errno> {
        self.entry(fd)?.stat().map_err(|e| host_errno(&e))
    }

    fn lowest_free_fd(&self) -> Result<usize, Errno> {
        let fd = self
            .fds
            .iter()
            .position(Option::is_none)
            .unwrap_or(self.fds.len());
        if fd >= MAX_FDS {
            Err(Errno::EMFILE)
        } else {
            Ok(fd)
        }
    }

    fn install(&mut self, fd: usize, f: OpenFile) {
        if fd >= self.fds.len() {
            self.fds.resize_with(fd + 1, || None);
        }
        self.fds[fd] = Some(f);
    }

    /// Resolves a guest path (relative to `dirfd`, which must be `AT_FDCWD` unless the path is
    /// absolute) inside the fs-root. The parent directory is canonicalised and must lie under
    /// the root; the last component is left unresolved.
    fn resolve(&self, dirfd: i32, path: &[u8]) -> Result<Resolved, Errno> {
        let root = self.root.as_ref().ok_or(Errno::EACCES)?;
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let absolute = path[0] == b'/';
        if !absolute && dirfd != atflag::AT_FDCWD && dirfd != atflag::NEWLIB_AT_FDCWD {
            return Err(Errno::EBADF);
        }
        let mut comps: Vec<&[u8]> = Vec::new();
        for c in path.split(|&b| b == b'/') {
            match c {
                b"" | b"." => {}
                b".." => {
                    // Lexically; climbing above the root is an escape attempt.
                    comps.pop().ok_or(Errno::EACCES)?;
                }
                name if name.len() > NAME_MAX => return Err(Errno::ENAMETOOLONG),
                name => comps.push(name),
            }
        }
        let trailing_slash = path.ends_with(b"/");
        let Some((last, dirs)) = comps.split_last() else {
            return Ok(Resolved {
                parent: root.clone(),
                name: None,
                trailing_slash,
            });
        };
        let mut parent = root.clone();
        for d in dirs {
            parent.push(std::ffi::OsStr::from_bytes(d));
        }
        let parent = fs::canonicalize(&parent).map_err(|e| host_errno(&e))?;
        if !parent.starts_with(root) {
            return Err(Errno::EACCES);
        }
        if !fs::metadata(&parent).map_err(|e| host_errno(&e))?.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(Resolved {
            parent,
            name: Some(std::ffi::OsStr::from_bytes(last).to_os_string()),
            trailing_slash,
        })
    }

    /// The host path to use for `r`, following a final symlink only if it stays in the root.
    fn follow(&self, r: &Resolved) -> Result<PathBuf, Errno> {
        let path = r.path();
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::canonicalize(&path).map_err(|e| host_errno(&e))?;
                let root = self.root.as_ref().ok_or(Errno::EACCES)?;
                if target.starts_with(root) {
                    Ok(target)
                } else {
                    Err(Errno::EACCES)
                }
            }
            _ => Ok(path),
        }
    }

    /// Opens `path` (newlib `O_*` flags, permission bits `mode` for a new file); returns the
    /// lowest free fd.
    pub fn openat(&mut self, dirfd: i32, path: &[u8], flags: u32, perm: u32) -> Result<i32, Errno> {
        use oflag::*;
        let acc = flags & O_ACCMODE;
        if acc == O_ACCMODE {
            return Err(Errno::EINVAL);
        }
        let fd = self.lowest_free_fd()?;
        let r = self.resolve(dirfd, path)?;
        let create = flags & O_CREAT != 0;
        let excl = create && flags & O_EXCL != 0;
        let lmeta = fs::symlink_metadata(r.path()).ok();
        if excl && (lmeta.is_some() || r.name.is_none()) {
            return Err(Errno::EEXIST);
        }
        let is_link = lmeta.as_ref().is_some_and(|m| m.file_type().is_symlink());
        if is_link && flags & O_NOFOLLOW != 0 {
            return Err(Errno::ELOOP);
        }
        let target = self.follow(&r)?;
        let exists = lmeta.is_some() || r.name.is_none();
        if r.trailing_slash {
            match fs::metadata(&target) {
                Ok(m) if !m.is_dir() => return Err(Errno::ENOTDIR),
                Err(_) if create => return Err(Errno::EISDIR),
                _ => {}
            }
        }
        let read = acc != O_WRONLY;
        let write = acc != O_RDONLY;
        let perm = perm & 0o7777;
        if create && !write && !exists {
            // Linux creates the file even when opening it read-only.
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(perm)
                .open(&target)
                .map_err(|e| host_errno(&e))?;
        }
        let mut opts = OpenOptions::new();
        opts.read(read);
        if write {
            opts.write(true).append(flags & O_APPEND != 0);
            if excl {
                opts.create_new(true);
            } else if create {
                opts.create(true);
            }
            opts.mode(perm);
        }
        let file = opts.open(&target).map_err(|e| host_errno(&e))?;
        if flags & O_DIRECTORY != 0 && !file.metadata().map_err(|e| host_errno(&e))?.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if write && flags & O_TRUNC != 0 && file.metadata().is_ok_and(|m| m.is_file()) {
            file.set_len(0).map_err(|e| host_errno(&e))?;
        }
        self.install(
            fd,
            OpenFile {
                backing: Backing::Host(file),
                readable: read,
                writable: write,
                std_stream: false,
                buffered: false,
                pending: Vec::new(),
            },
        );
        i32::try_from(fd).map_err(|_| Errno::EMFILE)
    }

    /// The stat of a path (`follow`: of a final symlink's target, else of the link itself).
    pub fn stat_path(&self, dirfd: i32, path: &[u8], follow: bool) -> Result<KernelStat, Errno> {
        let r = self.resolve(dirfd, path)?;
        let m = if follow {
            fs::metadata(self.follow(&r)?)
        } else {
            fs::symlink_metadata(r.path())
        }
        .map_err(|e| host_errno(&e))?;
        if r.trailing_slash && !m.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(KernelStat::from_metadata(&m))
    }

    /// `access`: `mode` is F_OK (0) or a mask of R_OK 4 / W_OK 2 / X_OK 1, checked against the
    /// owner's permission bits.
    pub fn access(&self, dirfd: i32, path: &[u8], amode: u32) -> Result<(), Errno> {
        if amode & !7 != 0 {
            return Err(Errno::EINVAL);
        }
        let st = self.stat_path(dirfd, path, true)?;
        let owner = (st.mode >> 6) & 7;
        if amode & !owner != 0 {
            Err(Errno::EACCES)
        } else {
            Ok(())
        }
    }

    /// Removes a file (`rmdir == false`) or an empty directory.
    pub fn unlink(&self, dirfd: i32, path: &[u8], rmdir: bool) -> Result<(), Errno> {
        let r = self.resolve(dirfd, path)?;
        if r.name.is_none() {
            return Err(if rmdir { Errno::EBUSY } else { Errno::EISDIR });
        }
        if rmdir {
            fs::remove_dir(r.path())
        } else {
            fs::remove_file(r.path())
        }
        .map_err(|e| host_errno(&e))
    }

    /// Creates a directory with permission bits `perm`.
    pub fn mkdir(&self, dirfd: i32, path: &[u8], perm: u32) -> Result<(), Errno> {
        let r = self.resolve(dirfd, path)?;
        if r.name.is_none() {
            return Err(Errno::EEXIST);
        }
        fs::DirBuilder::new()
            .mode(perm & 0o7777)
            .create(r.path())
            .map_err(|e| host_errno(&e))
    }

    /// Makes a hard link `new` to `old` (following a final symlink of `old` only if `follow`).
    pub fn link(
        &self,
        (old_dirfd, old): (i32, &[u8]),
        (new_dirfd, new): (i32, &[u8]),
        follow: bool,
    ) -> Result<(), Errno> {
        let o = self.resolve(old_dirfd, old)?;
        let n = self.resolve(new_dirfd, new)?;
        if o.name.is_none() {
            return Err(Errno::EPERM);
        }
        if n.name.is_none() {
            return Err(Errno::EEXIST);
        }
        let src = if follow { self.follow(&o)? } else { o.path() };
        fs::hard_link(src, n.path()).map_err(|e| host_errno(&e))
    }

    /// Renames `old` to `new`.
    pub fn rename(
        &self,
        (old_dirfd, old): (i32, &[u8]),
        (new_dirfd, new): (i32, &[u8]),
    ) -> Result<(), Errno> {
        let o = self.resolve(old_dirfd, old)?;
        let n = self.resolve(new_dirfd, new)?;
        if o.name.is_none() || n.name.is_none() {
            return Err(Errno::EBUSY);
        }
        fs::rename(o.path(), n.path()).map_err(|e| host_errno(&e))
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = self.flush_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_stat_bytes_follow_the_ilp32_layout() {
        let st = KernelStat {
            dev: 0x0102_0304_0506_0708,
            ino: 0x1112_1314_1516_1718,
            mode: 0x2122_2324,
            nlink: 0x3132_3334,
            uid: 0x4142_4344,
            gid: 0x5152_5354,
            rdev: 0x6162_6364_6566_6768,
            size: 0x7172_7374_7576_7778,
            blksize: 0x0a0b_0c0d,
            blocks: 0x1a1b_1c1d_1e1f_2021,
            atime: (0x2a2b_2c2d_2e2f_3031, 0x3a3b_3c3d),
            mtime: (0x4a4b_4c4d_4e4f_5051, 0x5a5b_5c5d),
            ctime: (0x6a6b_6c6d_6e6f_7071, 0x7a7b_7c7d),
        };
        let b = st.to_bytes();
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        use kstat_off as o;
        assert_eq!(u64_at(o::DEV), st.dev);
        assert_eq!(u64_at(o::INO), st.ino);
        assert_eq!(u32_at(o::MODE), st.mode);
        assert_eq!(u32_at(o::NLINK), st.nlink);
        assert_eq!(u32_at(o::UID), st.uid);
        assert_eq!(u32_at(o::GID), st.gid);
        assert_eq!(u64_at(o::RDEV), st.rdev);
        assert_eq!(u64_at(40), 0, "__pad1");
        assert_eq!(u64_at(o::SIZE) as i64, st.size);
        assert_eq!(u32_at(o::BLKSIZE) as i32, st.blksize);
        assert_eq!(u32_at(60), 0, "__pad2");
        assert_eq!(u64_at(o::BLOCKS) as i64, st.blocks);
        for (off, (sec, nsec)) in [
            (o::ATIM, st.atime),
            (o::MTIM, st.mtime),
            (o::CTIM, st.ctime),
        ] {
            assert_eq!(u64_at(off) as i64, sec);
            assert_eq!(u32_at(off + 8) as i32, nsec);
            assert_eq!(u32_at(off + 12), 0, "timespec padding");
        }
        assert_eq!(u64_at(o::RESERVED), 0);
        assert_eq!(b.len(), 128);
    }

    #[test]
    fn paths_normalise_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::fs::write(dir.path().join("d/f"), "x").unwrap();
        let files = Files::new(
            Some(dir.path().to_path_buf()),
            StdStream::Null,
            StdStream::Null,
            StdStream::Null,
        )
        .unwrap();
        let root = files.fs_root().unwrap().to_path_buf();
        let cwd = atflag::AT_FDCWD;
        for p in ["d/f", "/d/f", "//d/./f", "d/../d/f", "./d//f"] {
            let r = files.resolve(cwd, p.as_bytes()).unwrap();
            assert_eq!(r.path(), root.join("d/f"), "{p}");
        }
        for p in ["/", ".", "d/..", "/./"] {
            let r = files.resolve(cwd, p.as_bytes()).unwrap();
            assert!(r.name.is_none(), "{p}");
            assert_eq!(r.path(), root);
        }
        assert_eq!(files.resolve(cwd, b"..").err(), Some(Errno::EACCES));
        assert_eq!(files.resolve(cwd, b"").err(), Some(Errno::ENOENT));
        assert_eq!(files.resolve(5, b"d/f").err(), Some(Errno::EBADF));
        assert!(files.resolve(5, b"/d/f").is_ok());
        let long = vec![b'a'; PATH_MAX];
        assert_eq!(files.resolve(cwd, &long).err(), Some(Errno::ENAMETOOLONG));
        assert!(Files::new(
            Some(dir.path().join("d/f")),
            StdStream::Null,
            StdStream::Null,
            StdStream::Null
        )
        .is_err());
        assert!(Files::new(
            Some(dir.path().join("missing")),
            StdStream::Null,
            StdStream::Null,
            StdStream::Null
        )
        .is_err());
    }
}
