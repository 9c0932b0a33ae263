//! The process's file-descriptor table and its file-system sandbox (DESIGN.md §3).
//!
//! fds 0/1/2 are the host's standard streams (or injected buffers); every other fd is a host file
//! opened inside `--fs-root DIR`. Guest paths are chroot-like: `/a/b` and `a/b` both name
//! `DIR/a/b`, `..` (resolved lexically) may not climb above `DIR`, and a symlink that leads
//! outside `DIR` is refused with `EACCES`. Without an fs-root every path operation fails with
//! `EACCES`. A relative path may also be resolved against a directory fd (`*at` calls).
//!
//! The ABI is rv32 Linux's, as `qemu-riscv32` implements it: [`oflag`] and [`atflag`] hold the
//! asm-generic values and [`KernelStat`] is written as `struct stat64`. The riscv-pk `open`
//! (1024), which receives newlib's `O_*` values, is served through [`newlib_oflag`]: both flag
//! sets are translated into one [`OpenFlags`] at the syscall boundary.

use super::syscall::Errno;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, IsTerminal, Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// A byte buffer shared with the embedder: input for fd 0 or captured output of fd 1/2.
pub type SharedBuf = Arc<Mutex<Vec<u8>>>;

/// rv32 Linux `open` flags (asm-generic `fcntl.h`; RISC-V overrides none), as `openat` (56)
/// receives them.
pub mod oflag {
    /// Mask of the access mode.
    pub const O_ACCMODE: u32 = 0o3;
    /// Open for reading only.
    pub const O_RDONLY: u32 = 0;
    /// Open for writing only.
    pub const O_WRONLY: u32 = 1;
    /// Open for reading and writing.
    pub const O_RDWR: u32 = 2;
    /// Create the file if missing.
    pub const O_CREAT: u32 = 0o100;
    /// With `O_CREAT`: fail if the file exists.
    pub const O_EXCL: u32 = 0o200;
    /// Don't make a tty the controlling terminal (ignored).
    pub const O_NOCTTY: u32 = 0o400;
    /// Truncate a regular file to length 0 (even when opened read-only, as Linux does).
    pub const O_TRUNC: u32 = 0o1000;
    /// Every write appends.
    pub const O_APPEND: u32 = 0o2000;
    /// Non-blocking I/O (ignored).
    pub const O_NONBLOCK: u32 = 0o4000;
    /// Synchronised data writes (ignored).
    pub const O_DSYNC: u32 = 0o10000;
    /// Direct I/O (ignored).
    pub const O_DIRECT: u32 = 0o40000;
    /// Large-file offsets (ignored: offsets are always 64-bit here).
    pub const O_LARGEFILE: u32 = 0o100000;
    /// Fail with `ENOTDIR` unless the path is a directory.
    pub const O_DIRECTORY: u32 = 0o200000;
    /// Fail with `ELOOP` if the last component is a symlink.
    pub const O_NOFOLLOW: u32 = 0o400000;
    /// Don't update the access time (ignored).
    pub const O_NOATIME: u32 = 0o1000000;
    /// Close on exec (ignored: there is no exec).
    pub const O_CLOEXEC: u32 = 0o2000000;
    /// Synchronised writes (ignored; includes `O_DSYNC`).
    pub const O_SYNC: u32 = 0o4010000;
    /// A descriptor usable only as a location (fstat, dirfd), not for I/O. (With `O_NOFOLLOW`
    /// on a symlink this gives `ELOOP`, where Linux would open the link itself.)
    pub const O_PATH: u32 = 0o10000000;
    /// An unnamed temporary file in the directory named (`__O_TMPFILE | O_DIRECTORY`).
    pub const O_TMPFILE: u32 = 0o20200000;
    /// The bit that marks `O_TMPFILE`.
    pub const TMPFILE_BIT: u32 = 0o20000000;
}

/// newlib's `open` flags (`sys/_default_fcntl.h`), as the riscv-pk `open` (1024) of stock
/// libgloss passes them.
pub mod newlib_oflag {
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
    /// An unnamed temporary file.
    pub const O_TMPFILE: u32 = 0x0080_0000;
    /// A location-only descriptor.
    pub const O_PATH: u32 = 0x0200_0000;
}

/// The open flags that matter here, whichever ABI they came from. The access mode (0 read, 1
/// write, 2 both) is the same in both; 3 is Linux's "check read and write permission, allow
/// neither".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenFlags {
    /// `flags & O_ACCMODE`.
    pub access: u32,
    /// `O_CREAT`.
    pub create: bool,
    /// `O_EXCL`.
    pub excl: bool,
    /// `O_TRUNC`.
    pub trunc: bool,
    /// `O_APPEND`.
    pub append: bool,
    /// `O_DIRECTORY`.
    pub directory: bool,
    /// `O_NOFOLLOW`.
    pub nofollow: bool,
    /// `O_PATH`.
    pub path: bool,
    /// `O_TMPFILE`.
    pub tmpfile: bool,
}

impl OpenFlags {
    /// From rv32 Linux flags ([`oflag`]); bits that don't matter are ignored, as Linux ignores
    /// unknown ones.
    pub fn from_linux(f: u32) -> Self {
        use oflag::*;
        Self {
            access: f & O_ACCMODE,
            create: f & O_CREAT != 0,
            excl: f & O_EXCL != 0,
            trunc: f & O_TRUNC != 0,
            append: f & O_APPEND != 0,
            directory: f & O_DIRECTORY != 0,
            nofollow: f & O_NOFOLLOW != 0,
            path: f & O_PATH != 0,
            tmpfile: f & TMPFILE_BIT != 0,
        }
    }

    /// From newlib flags ([`newlib_oflag`]).
    pub fn from_newlib(f: u32) -> Self {
        use newlib_oflag::*;
        let tmpfile = f & O_TMPFILE != 0;
        Self {
            access: f & oflag::O_ACCMODE,
            create: f & O_CREAT != 0,
            excl: f & O_EXCL != 0,
            trunc: f & O_TRUNC != 0,
            append: f & O_APPEND != 0,
            // newlib's O_TMPFILE lacks Linux's implied O_DIRECTORY.
            directory: f & O_DIRECTORY != 0 || tmpfile,
            nofollow: f & O_NOFOLLOW != 0,
            path: f & O_PATH != 0,
            tmpfile,
        }
    }
}

/// rv32 Linux `*at` constants.
pub mod atflag {
    /// The "current directory" dirfd (the guest's cwd is always the fs-root).
    pub const AT_FDCWD: i32 = -100;
    /// Don't follow a final symlink (`fstatat`).
    pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
    /// `unlinkat` removes a directory.
    pub const AT_REMOVEDIR: u32 = 0x200;
    /// Follow a final symlink (`linkat`).
    pub const AT_SYMLINK_FOLLOW: u32 = 0x400;
    /// Don't trigger an automount (accepted, no effect).
    pub const AT_NO_AUTOMOUNT: u32 = 0x800;
    /// An empty path names `dirfd` itself.
    pub const AT_EMPTY_PATH: u32 = 0x1000;
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

/// `lseek` whence values.
pub mod whence {
    /// From the start.
    pub const SEEK_SET: u32 = 0;
    /// From the current offset.
    pub const SEEK_CUR: u32 = 1;
    /// From the end.
    pub const SEEK_END: u32 = 2;
    /// The next data at or after the offset.
    pub const SEEK_DATA: u32 = 3;
    /// The next hole at or after the offset.
    pub const SEEK_HOLE: u32 = 4;
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

/// What `fstat`/`fstatat` report about a file; written to the guest as rv32 Linux's
/// `struct stat64` (see [`kstat_off`]), the `struct kernel_stat` of rvscope's libgloss overlay.
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
    /// Last access (seconds, nanoseconds); the guest sees the seconds truncated to 32 bits.
    pub atime: (i64, u32),
    /// Last modification (seconds, nanoseconds).
    pub mtime: (i64, u32),
    /// Last status change (seconds, nanoseconds).
    pub ctime: (i64, u32),
}

/// Byte offsets of rv32 Linux's `struct stat64` (asm-generic `stat.h` for 32-bit), 104 bytes:
/// what qemu-riscv32 writes and what the overlay's `kernel_stat.h` declares (offsets checked
/// with riscv64-unknown-elf-gcc `-march=rv32imac -mabi=ilp32`). The timestamps are a 32-bit
/// `int` of seconds and an `unsigned int` of nanoseconds each.
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
    /// `__pad1` (u64, zero).
    pub const PAD1: usize = 40;
    /// `st_size` (i64).
    pub const SIZE: usize = 48;
    /// `st_blksize` (i32).
    pub const BLKSIZE: usize = 56;
    /// `__pad2` (i32, zero).
    pub const PAD2: usize = 60;
    /// `st_blocks` (i64).
    pub const BLOCKS: usize = 64;
    /// `st_atime` (i32 seconds).
    pub const ATIME: usize = 72;
    /// `st_atime_nsec` (u32).
    pub const ATIME_NSEC: usize = 76;
    /// `st_mtime` (i32 seconds).
    pub const MTIME: usize = 80;
    /// `st_mtime_nsec` (u32).
    pub const MTIME_NSEC: usize = 84;
    /// `st_ctime` (i32 seconds).
    pub const CTIME: usize = 88;
    /// `st_ctime_nsec` (u32).
    pub const CTIME_NSEC: usize = 92;
    /// `__unused4` (u32, zero).
    pub const UNUSED4: usize = 96;
    /// `__unused5` (u32, zero).
    pub const UNUSED5: usize = 100;
    /// `sizeof(struct stat64)`: exactly this many bytes are written.
    pub const SIZE_OF: usize = 104;
}

impl KernelStat {
    /// The guest's bytes for this struct (little-endian, padding and unused words zeroed;
    /// seconds truncated to 32 bits as the kernel and qemu do).
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
        for (sec_off, nsec_off, (sec, nsec)) in [
            (o::ATIME, o::ATIME_NSEC, self.atime),
            (o::MTIME, o::MTIME_NSEC, self.mtime),
            (o::CTIME, o::CTIME_NSEC, self.ctime),
        ] {
            put(sec_off, &(sec as i32).to_le_bytes());
            put(nsec_off, &nsec.to_le_bytes());
        }
        b
    }

    /// The stat of a host file, field by field.
    fn from_metadata(m: &Metadata) -> Self {
        let nsec = |n: i64| n.clamp(0, 999_999_999) as u32;
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
    /// permissions and block size (which newlib sizes its stdio buffer by).
    fn synthetic(mode: u32, blksize: i32) -> Self {
        Self {
            mode,
            nlink: 1,
            blksize,
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
    /// Opened with `O_PATH`: no I/O, no seeking (`EBADF`), but fstat and use as a dirfd.
    path_only: bool,
    /// For a directory: its canonical host path (under the fs-root), so it can be a dirfd.
    dir: Option<PathBuf>,
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
            path_only: false,
            dir: None,
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
                    // The host's block size: 1024 for a pseudo-terminal, 4096 for a pipe or
                    // /dev/null, as Linux reports them.
                    let blksize = i32::try_from(m.blksize()).unwrap_or(4096);
                    Ok(KernelStat::synthetic(kind | (m.mode() & 0o7777), blksize))
                } else {
                    Ok(KernelStat::from_metadata(&m))
                }
            }
            Backing::Mem { .. } => Ok(KernelStat::synthetic(mode::S_IFIFO | 0o600, 4096)),
            Backing::Null => Ok(KernelStat {
                rdev: 0x103, // makedev(1, 3), like /dev/null
                ..KernelStat::synthetic(mode::S_IFCHR | 0o666, 4096)
            }),
        }
    }
}

/// What the last component of a guest path was, which decides some `unlinkat` errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Last {
    /// A name.
    Name,
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// The path was only slashes.
    Root,
}

/// A guest path resolved inside the fs-root: a canonical parent directory under the root and
/// the last component (`None` when the path names the root itself).
struct Resolved {
    parent: PathBuf,
    name: Option<std::ffi::OsString>,
    /// The path must name a directory: it ended in `/`, `.` or `..`.
    must_be_dir: bool,
    last: Last,
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

/// The host credentials `access` checks against (real uid/gid, as Linux's `faccessat` uses).
#[derive(Debug)]
struct Creds {
    uid: u32,
    gid: u32,
    groups: Vec<u32>,
}

impl Creds {
    /// This process's credentials, read once from `/proc/self/status`; `None` where that's
    /// unavailable.
    fn host() -> Option<&'static Creds> {
        static CREDS: OnceLock<Option<Creds>> = OnceLock::new();
        CREDS
            .get_or_init(|| {
                let status = fs::read_to_string("/proc/self/status").ok()?;
                Self::parse(&status)
            })
            .as_ref()
    }

    /// Parses the `Uid:`, `Gid:` and `Groups:` lines of a `/proc/<pid>/status` text.
    fn parse(status: &str) -> Option<Creds> {
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(|rest| {
                    rest.split_whitespace()
                        .filter_map(|w| w.parse::<u32>().ok())
                })
        };
        Some(Creds {
            uid: field("Uid:")?.next()?,
            gid: field("Gid:")?.next()?,
            groups: field("Groups:").map(Iterator::collect).unwrap_or_default(),
        })
    }

    /// Whether `amode` (R_OK 4 | W_OK 2 | X_OK 1) is granted on a file with `m`, as Linux's
    /// `generic_permission` decides: the owner, group or other bits, and for root everything
    /// except executing a non-directory with no execute bit.
    fn permits(&self, m: &Metadata, amode: u32) -> bool {
        let perm = m.mode();
        if self.uid == 0 {
            return amode & 1 == 0 || m.is_dir() || perm & 0o111 != 0;
        }
        let bits = if m.uid() == self.uid {
            perm >> 6
        } else if m.gid() == self.gid || self.groups.contains(&m.gid()) {
            perm >> 3
        } else {
            perm
        } & 7;
        amode & !bits == 0
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

    /// Moves the file offset (see [`whence`]); returns the new one. Like Linux: `EINVAL` for
    /// a bad `whence` or a negative result, `ESPIPE` on pipes and ttys, offset 0 on `/dev/null`.
    /// `SEEK_DATA`/`SEEK_HOLE` treat a regular file as having no holes.
    pub fn lseek(&mut self, fd: i32, offset: i64, whence: u32) -> Result<u64, Errno> {
        use self::whence::*;
        let f = self.entry_mut(fd)?;
        if f.path_only {
            return Err(Errno::EBADF);
        }
        if whence > SEEK_HOLE {
            return Err(Errno::EINVAL);
        }
        f.flush().map_err(|e| host_errno(&e))?;
        let file = match &mut f.backing {
            Backing::Host(file) => file,
            Backing::Mem { .. } => return Err(Errno::ESPIPE),
            Backing::Null => return Ok(0),
        };
        let pos = match whence {
            SEEK_SET => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::EINVAL)?),
            SEEK_CUR => SeekFrom::Current(offset),
            SEEK_END => SeekFrom::End(offset),
            _ => {
                // Probe seekability first: a pipe or tty is ESPIPE whatever the whence.
                file.stream_position().map_err(|e| host_errno(&e))?;
                let m = file.metadata().map_err(|e| host_errno(&e))?;
                if !m.is_file() {
                    return Err(Errno::EINVAL);
                }
                // Compared unsigned, as Linux does, so a negative offset is past the end too.
                if offset as u64 >= m.len() {
                    return Err(Errno::ENXIO);
                }
                SeekFrom::Start(if whence == SEEK_DATA {
                    offset as u64
                } else {
                    m.len()
                })
            }
        };
        file.seek(pos).map_err(|e| host_errno(&e))
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

    /// Resolves a guest path inside the fs-root: an absolute path from the root, a relative one
    /// from `dirfd` (`AT_FDCWD`: the root, which is the guest's cwd; otherwise an open directory
    /// fd, else `EBADF`/`ENOTDIR`). The parent directory is canonicalised and must lie under the
    /// root; the last component is left unresolved.
    fn resolve(&self, dirfd: i32, path: &[u8]) -> Result<Resolved, Errno> {
        let root = self.root.as_ref().ok_or(Errno::EACCES)?;
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut comps: Vec<&[u8]> = Vec::new();
        if path[0] != b'/' && dirfd != atflag::AT_FDCWD {
            let dir = self.entry(dirfd)?.dir.as_ref().ok_or(Errno::ENOTDIR)?;
            let rel = dir.strip_prefix(root).map_err(|_| Errno::EACCES)?;
            for c in rel.components() {
                if let Component::Normal(n) = c {
                    comps.push(n.as_bytes());
                }
            }
        }
        let mut last = Last::Root;
        for c in path.split(|&b| b == b'/') {
            match c {
                b"" => continue,
                b"." => last = Last::Dot,
                b".." => {
                    // Lexically; climbing above the root is an escape attempt.
                    comps.pop().ok_or(Errno::EACCES)?;
                    last = Last::DotDot;
                }
                name if name.len() > NAME_MAX => return Err(Errno::ENAMETOOLONG),
                name => {
                    comps.push(name);
                    last = Last::Name;
                }
            }
        }
        let must_be_dir = path.ends_with(b"/") || matches!(last, Last::Dot | Last::DotDot);
        let Some((name, dirs)) = comps.split_last() else {
            return Ok(Resolved {
                parent: root.clone(),
                name: None,
                must_be_dir,
                last,
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
            name: Some(std::ffi::OsStr::from_bytes(name).to_os_string()),
            must_be_dir,
            last,
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

    /// Opens `path` with `flags`, permission bits `perm` for a new file (less the host umask),
    /// as Linux `openat` does; returns the lowest free fd.
    pub fn openat(
        &mut self,
        dirfd: i32,
        path: &[u8],
        flags: OpenFlags,
        perm: u32,
    ) -> Result<i32, Errno> {
        let fl = if flags.path {
            // O_PATH keeps only O_DIRECTORY and O_NOFOLLOW (and O_CLOEXEC).
            OpenFlags {
                directory: flags.directory,
                nofollow: flags.nofollow,
                path: true,
                ..OpenFlags::default()
            }
        } else {
            flags
        };
        if fl.create && fl.directory {
            return Err(Errno::EINVAL);
        }
        if fl.tmpfile && !(fl.directory && fl.access != oflag::O_RDONLY) {
            return Err(Errno::EINVAL);
        }
        let fd = self.lowest_free_fd()?;
        let r = self.resolve(dirfd, path)?;
        let lmeta = fs::symlink_metadata(r.path()).ok();
        let exists = lmeta.is_some() || r.name.is_none();
        if fl.create && fl.excl && exists {
            return Err(Errno::EEXIST);
        }
        let is_link = lmeta.as_ref().is_some_and(|m| m.file_type().is_symlink());
        if is_link && fl.nofollow {
            return Err(Errno::ELOOP);
        }
        let target = self.follow(&r)?;
        let tmeta = fs::metadata(&target).ok();
        match &tmeta {
            Some(m) if !m.is_dir() && (r.must_be_dir || fl.directory) => {
                return Err(Errno::ENOTDIR)
            }
            Some(m) if m.is_dir() && fl.create => return Err(Errno::EISDIR),
            None if fl.create && r.must_be_dir => return Err(Errno::EISDIR),
            _ => {}
        }
        // What the guest may do with the fd, and what the host open must be allowed (Linux
        // checks read+write permission for access mode 3, and write permission for O_TRUNC).
        let (read, write) = match fl.access {
            oflag::O_RDONLY => (true, false),
            oflag::O_WRONLY => (false, true),
            oflag::O_RDWR => (true, true),
            _ => (false, false),
        };
        if fl.tmpfile {
            return self.open_tmpfile(fd, &target, (read, write), perm);
        }
        let host_read = fl.access != oflag::O_WRONLY;
        let host_write = fl.access != oflag::O_RDONLY || fl.trunc;
        let perm = perm & 0o7777;
        if fl.create && !host_write && tmeta.is_none() {
            // Linux creates the file even when opening it read-only.
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(perm)
                .open(&target)
            {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists || fl.excl => {
                    return Err(host_errno(&e))
                }
                _ => {}
            }
        }
        let mut opts = OpenOptions::new();
        opts.read(host_read);
        if host_write {
            opts.write(true).append(fl.append && write);
            if fl.create && fl.excl {
                opts.create_new(true);
            } else if fl.create {
                opts.create(true);
            }
            opts.mode(perm);
        }
        let file = opts.open(&target).map_err(|e| host_errno(&e))?;
        let meta = file.metadata().map_err(|e| host_errno(&e))?;
        if fl.directory && !meta.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if fl.trunc && meta.is_file() {
            file.set_len(0).map_err(|e| host_errno(&e))?;
        }
        let dir = if meta.is_dir() {
            fs::canonicalize(&target)
                .ok()
                .filter(|d| self.root.as_ref().is_some_and(|root| d.starts_with(root)))
        } else {
            None
        };
        self.install(
            fd,
            OpenFile {
                backing: Backing::Host(file),
                readable: read && !fl.path,
                writable: write && !fl.path,
                std_stream: false,
                buffered: false,
                pending: Vec::new(),
                path_only: fl.path,
                dir,
            },
        );
        i32::try_from(fd).map_err(|_| Errno::EMFILE)
    }

    /// `O_TMPFILE`: an unnamed regular file in directory `dir`, made by creating a fresh name
    /// and removing it at once.
    fn open_tmpfile(
        &mut self,
        fd: usize,
        dir: &Path,
        (read, write): (bool, bool),
        perm: u32,
    ) -> Result<i32, Errno> {
        static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        if !fs::metadata(dir).map_err(|e| host_errno(&e))?.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let file = loop {
            let n = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let name = dir.join(format!(".rvscope-tmpfile-{}-{n}", std::process::id()));
            match OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .mode(perm & 0o7777)
                .open(&name)
            {
                Ok(f) => {
                    fs::remove_file(&name).map_err(|e| host_errno(&e))?;
                    break f;
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(host_errno(&e)),
            }
        };
        self.install(
            fd,
            OpenFile {
                backing: Backing::Host(file),
                readable: read,
                writable: write,
                std_stream: false,
                buffered: false,
                pending: Vec::new(),
                path_only: false,
                dir: None,
            },
        );
        i32::try_from(fd).map_err(|_| Errno::EMFILE)
    }

    /// The stat of a path (`follow`: of a final symlink's target, else of the link itself; a
    /// path that must name a directory always follows).
    pub fn stat_path(&self, dirfd: i32, path: &[u8], follow: bool) -> Result<KernelStat, Errno> {
        let r = self.resolve(dirfd, path)?;
        let m = if follow || r.must_be_dir {
            fs::metadata(self.follow(&r)?)
        } else {
            fs::symlink_metadata(r.path())
        }
        .map_err(|e| host_errno(&e))?;
        if r.must_be_dir && !m.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(KernelStat::from_metadata(&m))
    }

    /// `faccessat`: `amode` is F_OK (0) or a mask of R_OK 4 / W_OK 2 / X_OK 1, checked the way
    /// Linux checks the real uid/gid (root may read and write anything, and execute anything
    /// with an execute bit).
    pub fn access(&self, dirfd: i32, path: &[u8], amode: u32) -> Result<(), Errno> {
        if amode & !7 != 0 {
            return Err(Errno::EINVAL);
        }
        let r = self.resolve(dirfd, path)?;
        let m = fs::metadata(self.follow(&r)?).map_err(|e| host_errno(&e))?;
        if r.must_be_dir && !m.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let granted = match Creds::host() {
            Some(c) => c.permits(&m, amode),
            // Without host credentials, judge by the owner's bits.
            None => amode & !((m.mode() >> 6) & 7) == 0,
        };
        if amode == 0 || granted {
            Ok(())
        } else {
            Err(Errno::EACCES)
        }
    }

    /// Removes a file (`rmdir == false`) or an empty directory, with Linux's errors for paths
    /// ending in `.`, `..` or `/`.
    pub fn unlink(&self, dirfd: i32, path: &[u8], rmdir: bool) -> Result<(), Errno> {
        let r = self.resolve(dirfd, path)?;
        match (r.last, rmdir) {
            (Last::Name, _) => {}
            (_, false) => return Err(Errno::EISDIR),
            (Last::Dot, true) => return Err(Errno::EINVAL),
            (Last::DotDot, true) => return Err(Errno::ENOTEMPTY),
            (Last::Root, true) => return Err(Errno::EBUSY),
        }
        let p = r.path();
        if rmdir {
            fs::remove_dir(p).map_err(|e| host_errno(&e))
        } else if r.must_be_dir {
            // `unlink("x/")`: judged by what `x` itself is.
            Err(match fs::symlink_metadata(&p) {
                Err(e) => host_errno(&e),
                Ok(m) if m.is_dir() => Errno::EISDIR,
                Ok(_) => Errno::ENOTDIR,
            })
        } else {
            fs::remove_file(p).map_err(|e| host_errno(&e))
        }
    }

    /// Creates a directory with permission bits `perm`.
    pub fn mkdir(&self, dirfd: i32, path: &[u8], perm: u32) -> Result<(), Errno> {
        let r = self.resolve(dirfd, path)?;
        if r.last != Last::Name {
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
        if o.last != Last::Name {
            return Err(Errno::EPERM);
        }
        if n.last != Last::Name {
            return Err(Errno::EEXIST);
        }
        let src = if follow { self.follow(&o)? } else { o.path() };
        fs::hard_link(src, n.path()).map_err(|e| host_errno(&e))
    }

    /// Renames `old` to `new` (`noreplace`: fail with `EEXIST` if `new` exists).
    pub fn rename(
        &self,
        (old_dirfd, old): (i32, &[u8]),
        (new_dirfd, new): (i32, &[u8]),
        noreplace: bool,
    ) -> Result<(), Errno> {
        let o = self.resolve(old_dirfd, old)?;
        let n = self.resolve(new_dirfd, new)?;
        if o.last != Last::Name || n.last != Last::Name {
            return Err(Errno::EBUSY);
        }
        if noreplace && fs::symlink_metadata(n.path()).is_ok() {
            return Err(Errno::EEXIST);
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
    fn kernel_stat_bytes_are_rv32_linux_stat64() {
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
            mtime: (-2, 999_999_999),
            ctime: (0x6a6b_6c6d, 0x7a7b_7c7d),
        };
        let b = st.to_bytes();
        assert_eq!(b.len(), 104, "sizeof(struct stat64) on rv32");
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
        assert_eq!(u64_at(o::PAD1), 0);
        assert_eq!(u64_at(o::SIZE) as i64, st.size);
        assert_eq!(u32_at(o::BLKSIZE) as i32, st.blksize);
        assert_eq!(u32_at(o::PAD2), 0);
        assert_eq!(u64_at(o::BLOCKS) as i64, st.blocks);
        // 32-bit seconds (truncated, as the kernel and qemu store them) and nanoseconds.
        assert_eq!(u32_at(o::ATIME), 0x2e2f_3031);
        assert_eq!(u32_at(o::ATIME_NSEC), 0x3a3b_3c3d);
        assert_eq!(u32_at(o::MTIME) as i32, -2);
        assert_eq!(u32_at(o::MTIME_NSEC), 999_999_999);
        assert_eq!(u32_at(o::CTIME), 0x6a6b_6c6d);
        assert_eq!(u32_at(o::CTIME_NSEC), 0x7a7b_7c7d);
        assert_eq!(u32_at(o::UNUSED4), 0);
        assert_eq!(u32_at(o::UNUSED5), 0);
        // The offsets of the overlay's kernel_stat.h, in declaration order, with no gaps.
        let fields = [
            (o::DEV, 8),
            (o::INO, 8),
            (o::MODE, 4),
            (o::NLINK, 4),
            (o::UID, 4),
            (o::GID, 4),
            (o::RDEV, 8),
            (o::PAD1, 8),
            (o::SIZE, 8),
            (o::BLKSIZE, 4),
            (o::PAD2, 4),
            (o::BLOCKS, 8),
            (o::ATIME, 4),
            (o::ATIME_NSEC, 4),
            (o::MTIME, 4),
            (o::MTIME_NSEC, 4),
            (o::CTIME, 4),
            (o::CTIME_NSEC, 4),
            (o::UNUSED4, 4),
            (o::UNUSED5, 4),
        ];
        let mut next = 0;
        for (off, len) in fields {
            assert_eq!(off, next);
            next += len;
        }
        assert_eq!(next, o::SIZE_OF);
    }

    #[test]
    fn access_checks_like_generic_permission() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        fs::write(&f, "x").unwrap();
        let meta = |perm: u32| {
            fs::set_permissions(&f, fs::Permissions::from_mode(perm)).unwrap();
            fs::metadata(&f).unwrap()
        };
        let m = meta(0o640);
        let (owner, group) = (m.uid(), m.gid());
        let root = Creds {
            uid: 0,
            gid: 0,
            groups: vec![],
        };
        let user = |uid: u32, gid: u32, groups: Vec<u32>| Creds { uid, gid, groups };
        let other_id = |id: u32| if id == 4242 { 4243 } else { 4242 };
        // Root reads and writes anything, executes only what has an execute bit (or a dir).
        assert!(root.permits(&meta(0o000), 4 | 2));
        assert!(!root.permits(&meta(0o644), 1));
        assert!(root.permits(&meta(0o601), 1));
        assert!(root.permits(&fs::metadata(dir.path()).unwrap(), 7));
        let m = meta(0o640);
        if owner != 0 {
            let me = user(owner, other_id(group), vec![]);
            assert!(me.permits(&m, 4 | 2));
            assert!(!me.permits(&m, 1));
        }
        let grp = user(other_id(owner).max(1), group, vec![]);
        assert!(grp.permits(&m, 4) && !grp.permits(&m, 2));
        let supp = user(other_id(owner).max(1), other_id(group), vec![group]);
        assert!(supp.permits(&m, 4) && !supp.permits(&m, 2));
        let nobody = user(other_id(owner).max(1), other_id(group), vec![]);
        assert!(!nobody.permits(&m, 4));
        assert!(nobody.permits(&meta(0o604), 4));
        // /proc/self/status parsing.
        let c = Creds::parse("Name:\tx\nUid:\t1000\t1001\t1000\t1000\nGid:\t100\t100\t100\t100\nGroups:\t4 24 100 \n").unwrap();
        assert_eq!((c.uid, c.gid, c.groups), (1000, 100, vec![4, 24, 100]));
        let c = Creds::parse("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\n").unwrap();
        assert_eq!((c.uid, c.gid, c.groups.len()), (0, 0, 0));
        assert!(Creds::parse("Name: x\n").is_none());
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
        assert_eq!(files.resolve(-2, b"d/f").err(), Some(Errno::EBADF));
        assert_eq!(files.resolve(1, b"d/f").err(), Some(Errno::ENOTDIR));
        assert!(files.resolve(5, b"/d/f").is_ok());
        // What the last component was, and whether it must be a directory.
        for (p, last, must_be_dir) in [
            ("d/f", Last::Name, false),
            ("d/f/", Last::Name, true),
            ("d/.", Last::Dot, true),
            ("d/f/..", Last::DotDot, true),
            ("//", Last::Root, true),
        ] {
            let r = files.resolve(cwd, p.as_bytes()).unwrap();
            assert_eq!((r.last, r.must_be_dir), (last, must_be_dir), "{p}");
        }
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
