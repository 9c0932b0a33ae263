//! System calls (DESIGN.md §3): numbers, errno values, and the file and time calls.
//!
//! The ABI is rv32 Linux's, as `qemu-riscv32` implements it: `a7` = number, `a0..a5` =
//! arguments, `a0` = result or `-errno`; asm-generic numbers, `O_*`/`AT_*` values and
//! structures (`struct stat64` for `fstat`/`fstatat`, the 64-bit `struct __kernel_timespec` of
//! `clock_gettime64`), and number 62 is `llseek`. rvscope's newlib overlay
//! (`toolchain/newlib-overlay/`) makes guest programs speak exactly this.
//!
//! For programs built with stock libgloss, the riscv-pk-only numbers that rv32 Linux lacks are
//! kept: `open` 1024 (newlib `O_*` values), `link` 1025, `unlink` 1026, `mkdir` 1030, `access`
//! 1033, `stat` 1038 / `lstat` 1039 (writing `struct stat64` too), `clock_gettime` 113,
//! `clock_getres` 114 and `gettimeofday` 169 (newlib's 64-bit-`time_t` layouts). riscv-pk's
//! 3-argument `lseek` on 62 is not: that number is Linux's `llseek`, as on qemu-riscv32.

use super::files::{atflag, Files, OpenFlags, PATH_MAX};
use super::simtime::{SimClock, USER_HZ};
use super::uaccess::UserMemory;

/// Syscall numbers: rv32 Linux (asm-generic), then the riscv-pk-only ones.
pub mod nr {
    /// `getcwd(buf, size)`.
    pub const GETCWD: u32 = 17;
    /// `mkdirat(dirfd, path, mode)`.
    pub const MKDIRAT: u32 = 34;
    /// `unlinkat(dirfd, path, flags)`.
    pub const UNLINKAT: u32 = 35;
    /// `linkat(olddirfd, old, newdirfd, new, flags)`.
    pub const LINKAT: u32 = 37;
    /// `faccessat(dirfd, path, mode)` (no flags argument on Linux).
    pub const FACCESSAT: u32 = 48;
    /// `openat(dirfd, path, flags, mode)` (Linux `O_*` values).
    pub const OPENAT: u32 = 56;
    /// `close(fd)`.
    pub const CLOSE: u32 = 57;
    /// `llseek(fd, offset_high, offset_low, loff_t *result, whence)`.
    pub const LLSEEK: u32 = 62;
    /// `read(fd, buf, count)`.
    pub const READ: u32 = 63;
    /// `write(fd, buf, count)`.
    pub const WRITE: u32 = 64;
    /// `readv(fd, iov, iovcnt)`.
    pub const READV: u32 = 65;
    /// `writev(fd, iov, iovcnt)`.
    pub const WRITEV: u32 = 66;
    /// `fstatat64(dirfd, path, statbuf, flags)`.
    pub const FSTATAT: u32 = 79;
    /// `fstat64(fd, statbuf)`.
    pub const FSTAT: u32 = 80;
    /// `exit(status)`.
    pub const EXIT: u32 = 93;
    /// `exit_group(status)`.
    pub const EXIT_GROUP: u32 = 94;
    /// `clock_gettime(clockid, tp)` (riscv-pk; newlib's 64-bit-`time_t` timespec).
    pub const CLOCK_GETTIME: u32 = 113;
    /// `clock_getres(clockid, res)` (riscv-pk).
    pub const CLOCK_GETRES: u32 = 114;
    /// `kill(pid, sig)`.
    pub const KILL: u32 = 129;
    /// `times(buf)`.
    pub const TIMES: u32 = 153;
    /// `uname(buf)`.
    pub const UNAME: u32 = 160;
    /// `gettimeofday(tv, tz)` (riscv-pk; newlib's `struct timeval`).
    pub const GETTIMEOFDAY: u32 = 169;
    /// `getpid()`.
    pub const GETPID: u32 = 172;
    /// `getuid()`.
    pub const GETUID: u32 = 174;
    /// `brk(addr)`.
    pub const BRK: u32 = 214;
    /// `munmap(addr, len)`.
    pub const MUNMAP: u32 = 215;
    /// `mmap(addr, len, prot, flags, fd, offset)`.
    pub const MMAP: u32 = 222;
    /// `renameat2(olddirfd, old, newdirfd, new, flags)`.
    pub const RENAMEAT2: u32 = 276;
    /// `clock_gettime64(clockid, tp)` (rv32 Linux).
    pub const CLOCK_GETTIME64: u32 = 403;
    /// `clock_getres_time64(clockid, res)` (rv32 Linux).
    pub const CLOCK_GETRES_TIME64: u32 = 406;
    /// `open(path, flags, mode)` (riscv-pk; newlib `O_*` values).
    pub const OPEN: u32 = 1024;
    /// `link(old, new)` (riscv-pk).
    pub const LINK: u32 = 1025;
    /// `unlink(path)` (riscv-pk).
    pub const UNLINK: u32 = 1026;
    /// `mkdir(path, mode)` (riscv-pk).
    pub const MKDIR: u32 = 1030;
    /// `access(path, mode)` (riscv-pk).
    pub const ACCESS: u32 = 1033;
    /// `stat(path, statbuf)` (riscv-pk).
    pub const STAT: u32 = 1038;
    /// `lstat(path, statbuf)` (riscv-pk).
    pub const LSTAT: u32 = 1039;
    /// `time(tloc)` (riscv-pk).
    pub const TIME: u32 = 1062;

    /// The name of a syscall number, for messages.
    pub fn name(nr: u32) -> Option<&'static str> {
        Some(match nr {
            GETCWD => "getcwd",
            23 => "dup",
            25 => "fcntl",
            MKDIRAT => "mkdirat",
            UNLINKAT => "unlinkat",
            LINKAT => "linkat",
            FACCESSAT => "faccessat",
            49 => "chdir",
            OPENAT => "openat",
            CLOSE => "close",
            61 => "getdents64",
            LLSEEK => "llseek",
            READ => "read",
            WRITE => "write",
            READV => "readv",
            WRITEV => "writev",
            67 => "pread64",
            68 => "pwrite64",
            FSTATAT => "fstatat64",
            FSTAT => "fstat64",
            EXIT => "exit",
            EXIT_GROUP => "exit_group",
            101 => "nanosleep",
            CLOCK_GETTIME => "clock_gettime",
            CLOCK_GETRES => "clock_getres",
            KILL => "kill",
            134 => "rt_sigaction",
            135 => "rt_sigprocmask",
            TIMES => "times",
            UNAME => "uname",
            GETTIMEOFDAY => "gettimeofday",
            GETPID => "getpid",
            GETUID => "getuid",
            175 => "geteuid",
            176 => "getgid",
            177 => "getegid",
            178 => "gettid",
            BRK => "brk",
            MUNMAP => "munmap",
            216 => "mremap",
            MMAP => "mmap",
            226 => "mprotect",
            RENAMEAT2 => "renameat2",
            CLOCK_GETTIME64 => "clock_gettime64",
            CLOCK_GETRES_TIME64 => "clock_getres_time64",
            OPEN => "open",
            LINK => "link",
            UNLINK => "unlink",
            MKDIR => "mkdir",
            ACCESS => "access",
            STAT => "stat",
            LSTAT => "lstat",
            TIME => "time",
            2011 => "getmainvars",
            _ => return None,
        })
    }
}

/// A Linux errno value (positive); a syscall returns its negation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident = $val:expr, $desc:expr;)*) => {
        impl Errno {
            $(
                #[doc = $desc]
                pub const $name: Errno = Errno($val);
            )*

            /// The symbolic name (`"ENOENT"`), if known.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted.";
    ENOENT = 2, "No such file or directory.";
    EINTR = 4, "Interrupted system call.";
    EIO = 5, "I/O error.";
    ENXIO = 6, "No such device or address.";
    EBADF = 9, "Bad file descriptor.";
    EAGAIN = 11, "Try again.";
    ENOMEM = 12, "Out of memory.";
    EACCES = 13, "Permission denied.";
    EFAULT = 14, "Bad address.";
    EBUSY = 16, "Device or resource busy.";
    EEXIST = 17, "File exists.";
    EXDEV = 18, "Cross-device link.";
    ENOTDIR = 20, "Not a directory.";
    EISDIR = 21, "Is a directory.";
    EINVAL = 22, "Invalid argument.";
    EMFILE = 24, "Too many open files.";
    EFBIG = 27, "File too large.";
    ENOSPC = 28, "No space left on device.";
    ESPIPE = 29, "Illegal seek.";
    EROFS = 30, "Read-only file system.";
    EMLINK = 31, "Too many links.";
    EPIPE = 32, "Broken pipe.";
    ERANGE = 34, "Result out of range.";
    ENAMETOOLONG = 36, "File name too long.";
    ENOSYS = 38, "Function not implemented.";
    ENOTEMPTY = 39, "Directory not empty.";
    ELOOP = 40, "Too many symbolic links.";
    EOVERFLOW = 75, "Value too large for defined data type.";
    EOPNOTSUPP = 95, "Operation not supported.";
}

impl Errno {
    /// The syscall return value: `-errno`.
    pub fn ret(self) -> i32 {
        -self.0
    }
}

/// The symbolic name of an errno value (`2` → `"ENOENT"`), if known.
pub fn errno_name(errno: i32) -> Option<&'static str> {
    Errno(errno).name()
}

/// Largest byte count one read or write transfers (Linux `MAX_RW_COUNT` for 4 KiB pages).
const MAX_RW: u32 = 0x7fff_f000;
/// Bytes moved between host and guest per step.
const CHUNK: usize = 64 * 1024;
/// Most entries in an iovec array (Linux `UIO_MAXIOV`).
const IOV_MAX: u32 = 1024;
/// User pages are this big; copies are split at page boundaries to find where a fault starts.
const PAGE: u32 = 4096;

/// Result of a file/time syscall: Some(a0 value) or None if `nr` is not one of ours.
pub fn file_or_time_syscall(
    nr: u32,
    args: [u32; 6],
    files: &mut Files,
    clock: &SimClock,
    cycles: u64,
    mem: &mut impl UserMemory,
) -> Option<i32> {
    let [a0, a1, a2, a3, a4, _a5] = args;
    let fd = a0 as i32;
    let r: Result<i32, Errno> = match nr {
        nr::READ => sys_read(files, mem, fd, a1, a2),
        nr::WRITE => sys_write(files, mem, fd, a1, a2),
        nr::READV => sys_iov(files, mem, fd, a1, a2, false),
        nr::WRITEV => sys_iov(files, mem, fd, a1, a2, true),
        nr::OPENAT => read_path(mem, a1)
            .and_then(|p| files.openat(a0 as i32, &p, OpenFlags::from_linux(a2), a3)),
        nr::OPEN => read_path(mem, a0)
            .and_then(|p| files.openat(atflag::AT_FDCWD, &p, OpenFlags::from_newlib(a1), a2)),
        nr::CLOSE => files.close(fd).map(|()| 0),
        nr::LLSEEK => sys_llseek(files, mem, fd, (a1, a2), a3, a4),
        nr::FSTAT => files.fstat(fd).and_then(|st| put(mem, a1, &st.to_bytes())),
        nr::FSTATAT => sys_fstatat(files, mem, a0 as i32, a1, a2, a3),
        nr::STAT | nr::LSTAT => read_path(mem, a0)
            .and_then(|p| files.stat_path(atflag::AT_FDCWD, &p, nr == nr::STAT))
            .and_then(|st| put(mem, a1, &st.to_bytes())),
        // Linux's faccessat (48) has no flags argument: a3 is not looked at.
        nr::FACCESSAT => {
            read_path(mem, a1).and_then(|p| files.access(a0 as i32, &p, a2).map(|()| 0))
        }
        nr::ACCESS => {
            read_path(mem, a0).and_then(|p| files.access(atflag::AT_FDCWD, &p, a1).map(|()| 0))
        }
        nr::UNLINKAT => {
            if a2 & !atflag::AT_REMOVEDIR != 0 {
                Err(Errno::EINVAL)
            } else {
                read_path(mem, a1)
                    .and_then(|p| files.unlink(a0 as i32, &p, a2 & atflag::AT_REMOVEDIR != 0))
                    .map(|()| 0)
            }
        }
        nr::UNLINK => read_path(mem, a0)
            .and_then(|p| files.unlink(atflag::AT_FDCWD, &p, false))
            .map(|()| 0),
        nr::MKDIRAT => read_path(mem, a1)
            .and_then(|p| files.mkdir(a0 as i32, &p, a2))
            .map(|()| 0),
        nr::MKDIR => read_path(mem, a0)
            .and_then(|p| files.mkdir(atflag::AT_FDCWD, &p, a1))
            .map(|()| 0),
        nr::LINKAT => {
            if a4 & !(atflag::AT_SYMLINK_FOLLOW | atflag::AT_EMPTY_PATH) != 0 {
                Err(Errno::EINVAL)
            } else {
                read_two_paths(mem, a1, a3).and_then(|(o, n)| {
                    let follow = a4 & atflag::AT_SYMLINK_FOLLOW != 0;
                    files
                        .link((a0 as i32, &o), (a2 as i32, &n), follow)
                        .map(|()| 0)
                })
            }
        }
        nr::LINK => read_two_paths(mem, a0, a1).and_then(|(o, n)| {
            let cwd = atflag::AT_FDCWD;
            files.link((cwd, &o), (cwd, &n), false).map(|()| 0)
        }),
        nr::RENAMEAT2 => sys_renameat2(files, mem, (a0 as i32, a1), (a2 as i32, a3), a4),
        nr::GETCWD => sys_getcwd(mem, a0, a1),
        nr::GETPID => Ok(1),
        nr::GETTIMEOFDAY => sys_gettimeofday(mem, clock, cycles, a0, a1),
        nr::CLOCK_GETTIME | nr::CLOCK_GETTIME64 => sys_clock_gettime(mem, clock, cycles, a0, a1),
        nr::CLOCK_GETRES | nr::CLOCK_GETRES_TIME64 => sys_clock_getres(mem, clock, a0, a1),
        nr::TIMES => sys_times(mem, clock, cycles, a0),
        _ => return None,
    };
    Some(r.unwrap_or_else(Errno::ret))
}

/// Copies `data` to the guest; `Ok(0)` or `-EFAULT`.
fn put(mem: &mut impl UserMemory, addr: u32, data: &[u8]) -> Result<i32, Errno> {
    mem.copy_to_user(addr, data)
        .map(|()| 0)
        .map_err(|_| Errno::EFAULT)
}

/// Reads a guest path (at most `PATH_MAX` bytes with the NUL).
fn read_path(mem: &mut impl UserMemory, addr: u32) -> Result<Vec<u8>, Errno> {
    match mem.read_c_string(addr, PATH_MAX) {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(Errno::ENAMETOOLONG),
        Err(_) => Err(Errno::EFAULT),
    }
}

fn read_two_paths(mem: &mut impl UserMemory, a: u32, b: u32) -> Result<(Vec<u8>, Vec<u8>), Errno> {
    Ok((read_path(mem, a)?, read_path(mem, b)?))
}

/// Copies `data` to `addr` page by page; returns how many bytes arrived before a fault.
fn copy_out(mem: &mut impl UserMemory, addr: u32, data: &[u8]) -> usize {
    let mut done = 0;
    while done < data.len() {
        let at = addr.wrapping_add(done as u32);
        let n = ((PAGE - at % PAGE) as usize).min(data.len() - done);
        if mem.copy_to_user(at, &data[done..done + n]).is_err() {
            break;
        }
        done += n;
    }
    done
}

/// Copies from `addr` into `buf` page by page; returns how many bytes came before a fault.
fn copy_in(mem: &mut impl UserMemory, addr: u32, buf: &mut [u8]) -> usize {
    let mut done = 0;
    while done < buf.len() {
        let at = addr.wrapping_add(done as u32);
        let n = ((PAGE - at % PAGE) as usize).min(buf.len() - done);
        if mem.copy_from_user(at, &mut buf[done..done + n]).is_err() {
            break;
        }
        done += n;
    }
    done
}

/// A byte count as a syscall result.
fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// `read`: fills the guest buffer in chunks; a short host read (pipe, tty, end of file) ends it.
/// A fault after some bytes returns the partial count; bytes read but not delivered are given
/// back to a seekable file.
fn sys_read(
    files: &mut Files,
    mem: &mut impl UserMemory,
    fd: i32,
    buf: u32,
    len: u32,
) -> Result<i32, Errno> {
    files.check_access(fd, false)?;
    let len = len.min(MAX_RW) as usize;
    let mut chunk = vec![0u8; len.min(CHUNK)];
    let mut done = 0usize;
    while done < len {
        let want = (len - done).min(CHUNK);
        let n = match files.read(fd, &mut chunk[..want]) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        let copied = copy_out(mem, buf.wrapping_add(done as u32), &chunk[..n]);
        done += copied;
        if copied < n {
            let _ = files.lseek(fd, -((n - copied) as i64), 1);
            if done == 0 {
                return Err(Errno::EFAULT);
            }
            break;
        }
        if n < want {
            break;
        }
    }
    Ok(count(done))
}

/// `write`: copies the guest buffer in chunks; a fault after some bytes returns the partial count.
fn sys_write(
    files: &mut Files,
    mem: &mut impl UserMemory,
    fd: i32,
    buf: u32,
    len: u32,
) -> Result<i32, Errno> {
    files.check_access(fd, true)?;
    let len = len.min(MAX_RW) as usize;
    let mut chunk = vec![0u8; len.min(CHUNK)];
    let mut done = 0usize;
    while done < len {
        let want = (len - done).min(CHUNK);
        let got = copy_in(mem, buf.wrapping_add(done as u32), &mut chunk[..want]);
        if got > 0 {
            match files.write(fd, &chunk[..got]) {
                Ok(n) => done += n,
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
        }
        if got < want {
            if done == 0 {
                return Err(Errno::EFAULT);
            }
            break;
        }
    }
    Ok(count(done))
}

/// `readv` / `writev`: `struct iovec { void *base; size_t len; }` (8 bytes on ilp32).
fn sys_iov(
    files: &mut Files,
    mem: &mut impl UserMemory,
    fd: i32,
    iov: u32,
    cnt: u32,
    write: bool,
) -> Result<i32, Errno> {
    files.check_access(fd, write)?;
    if cnt > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    let mut raw = vec![0u8; cnt as usize * 8];
    mem.copy_from_user(iov, &mut raw)
        .map_err(|_| Errno::EFAULT)?;
    let vecs: Vec<(u32, u32)> = raw
        .chunks_exact(8)
        .map(|e| {
            let w = |i: usize| u32::from_le_bytes([e[i], e[i + 1], e[i + 2], e[i + 3]]);
            (w(0), w(4))
        })
        .collect();
    let mut total: u32 = 0;
    for &(_, len) in &vecs {
        total = total
            .checked_add(len)
            .filter(|&t| t <= i32::MAX as u32)
            .ok_or(Errno::EINVAL)?;
    }
    let mut done: i32 = 0;
    for (base, len) in vecs {
        if len == 0 {
            continue;
        }
        let len = len.min(MAX_RW - done as u32);
        let r = if write {
            sys_write(files, mem, fd, base, len)
        } else {
            sys_read(files, mem, fd, base, len)
        };
        match r {
            Ok(n) => {
                done += n;
                if n as u32 != len || done as u32 >= MAX_RW {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

/// `llseek(fd, offset_high, offset_low, result, whence)`: seeks to the 64-bit offset and stores
/// the new position as a 64-bit `loff_t` at `result`; returns 0. As on Linux, the seek has
/// happened even when storing the result fails with `EFAULT`.
fn sys_llseek(
    files: &mut Files,
    mem: &mut impl UserMemory,
    fd: i32,
    (high, low): (u32, u32),
    result: u32,
    whence: u32,
) -> Result<i32, Errno> {
    let offset = ((u64::from(high) << 32) | u64::from(low)) as i64;
    let pos = files.lseek(fd, offset, whence)?;
    put(mem, result, &pos.to_le_bytes())
}

/// `fstatat64(dirfd, path, statbuf, flags)`: `AT_SYMLINK_NOFOLLOW` and `AT_EMPTY_PATH` honoured,
/// `AT_NO_AUTOMOUNT` accepted, any other flag `EINVAL`.
fn sys_fstatat(
    files: &mut Files,
    mem: &mut impl UserMemory,
    dirfd: i32,
    path: u32,
    statbuf: u32,
    flags: u32,
) -> Result<i32, Errno> {
    use atflag::{AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW};
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let p = read_path(mem, path)?;
    let st = if p.is_empty() && flags & AT_EMPTY_PATH != 0 {
        if dirfd == AT_FDCWD {
            files.stat_path(AT_FDCWD, b".", true)?
        } else {
            files.fstat(dirfd)?
        }
    } else {
        files.stat_path(dirfd, &p, flags & AT_SYMLINK_NOFOLLOW == 0)?
    };
    put(mem, statbuf, &st.to_bytes())
}

/// `renameat2(olddirfd, old, newdirfd, new, flags)`: `RENAME_NOREPLACE` (1) is honoured;
/// `RENAME_EXCHANGE` and `RENAME_WHITEOUT` are `EINVAL`, as on a file system without them.
fn sys_renameat2(
    files: &mut Files,
    mem: &mut impl UserMemory,
    (old_dirfd, old): (i32, u32),
    (new_dirfd, new): (i32, u32),
    flags: u32,
) -> Result<i32, Errno> {
    const RENAME_NOREPLACE: u32 = 1;
    if flags & !RENAME_NOREPLACE != 0 {
        return Err(Errno::EINVAL);
    }
    let (o, n) = read_two_paths(mem, old, new)?;
    files
        .rename((old_dirfd, &o), (new_dirfd, &n), flags != 0)
        .map(|()| 0)
}

/// `getcwd(buf, size)`: the guest's cwd is always the fs-root, `/`; returns the length with NUL.
fn sys_getcwd(mem: &mut impl UserMemory, buf: u32, size: u32) -> Result<i32, Errno> {
    const CWD: &[u8] = b"/\0";
    if (size as usize) < CWD.len() {
        return Err(Errno::ERANGE);
    }
    put(mem, buf, CWD)?;
    Ok(CWD.len() as i32)
}

/// `gettimeofday(tv, tz)`: newlib's ilp32 `struct timeval { int64 tv_sec; long tv_usec; }`
/// (16 bytes, `tv_usec` at 8); a non-NULL `tz` gets a zeroed `struct timezone` (8 bytes).
fn sys_gettimeofday(
    mem: &mut impl UserMemory,
    clock: &SimClock,
    cycles: u64,
    tv: u32,
    tz: u32,
) -> Result<i32, Errno> {
    if tv != 0 {
        let t = clock.realtime(cycles);
        let mut b = [0u8; 16];
        b[0..8].copy_from_slice(&(t.secs as i64).to_le_bytes());
        b[8..12].copy_from_slice(&(t.micros() as i32).to_le_bytes());
        put(mem, tv, &b)?;
    }
    if tz != 0 {
        put(mem, tz, &[0u8; 8])?;
    }
    Ok(0)
}

/// A 64-bit-`time_t` timespec as rv32 Linux writes it: `int64 tv_sec; int64 tv_nsec` (16 bytes;
/// newlib's `long tv_nsec` at offset 8 reads the low half).
fn timespec_bytes(secs: u64, nanos: u32) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[0..8].copy_from_slice(&(secs as i64).to_le_bytes());
    b[8..16].copy_from_slice(&i64::from(nanos).to_le_bytes());
    b
}

/// Which simulated clock a Linux clock id reads: `Some(true)` wall clock, `Some(false)` time
/// since start (monotonic, boot time, CPU time), `None` invalid (`EINVAL`). The alarm clocks (8,
/// 9) are invalid as on a kernel without an RTC alarm, which is what qemu-riscv32 reports on
/// typical hosts; negative (per-pid CPU clock) ids are not supported.
fn clock_kind(id: u32) -> Option<bool> {
    match id {
        0 | 5 | 11 => Some(true),             // REALTIME, REALTIME_COARSE, TAI
        1 | 2 | 3 | 4 | 6 | 7 => Some(false), // MONOTONIC(_RAW/_COARSE), CPUTIME, BOOTTIME
        _ => None,
    }
}

/// `clock_gettime(id, tp)` / `clock_gettime64`.
fn sys_clock_gettime(
    mem: &mut impl UserMemory,
    clock: &SimClock,
    cycles: u64,
    id: u32,
    tp: u32,
) -> Result<i32, Errno> {
    let t = match clock_kind(id).ok_or(Errno::EINVAL)? {
        true => clock.realtime(cycles),
        false => clock.elapsed(cycles),
    };
    put(mem, tp, &timespec_bytes(t.secs, t.nanos))
}

/// `clock_getres(id, res)`: one cycle (at least 1 ns); `res` may be NULL.
fn sys_clock_getres(
    mem: &mut impl UserMemory,
    clock: &SimClock,
    id: u32,
    res: u32,
) -> Result<i32, Errno> {
    clock_kind(id).ok_or(Errno::EINVAL)?;
    if res == 0 {
        return Ok(0);
    }
    let ns = clock.resolution_nanos();
    put(
        mem,
        res,
        &timespec_bytes(ns / 1_000_000_000, (ns % 1_000_000_000) as u32),
    )
}

/// `times(buf)`: `struct tms` = 4 × 32-bit `clock_t` at [`USER_HZ`]; all time is user time.
/// Returns the ticks since start (wrapping like a 32-bit `clock_t`).
fn sys_times(
    mem: &mut impl UserMemory,
    clock: &SimClock,
    cycles: u64,
    buf: u32,
) -> Result<i32, Errno> {
    let ticks = clock.ticks(cycles, USER_HZ) as u32;
    if buf != 0 {
        let mut b = [0u8; 16];
        b[0..4].copy_from_slice(&ticks.to_le_bytes());
        put(mem, buf, &b)?;
    }
    Ok(ticks as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::os::files::{kstat_off, mode, newlib_oflag, oflag::*, StdStream};
    use crate::os::uaccess::BadUserAddr;
    use std::path::Path;
    use std::sync::{Arc, Mutex};

    const BASE: u32 = 0x1_0000;
    const SIZE: usize = 3 * PAGE as usize;
    /// Scratch areas in the fake memory.
    const PATH: u32 = BASE;
    const PATH2: u32 = BASE + 0x400;
    const BUF: u32 = BASE + 0x800;
    const STAT: u32 = BASE + 0x1000;
    const LOFF: u32 = BASE + 0x1800;
    /// `AT_FDCWD` as a register value.
    const CWD: u32 = (-100i32) as u32;

    /// User memory: `SIZE` bytes at `BASE`; everything else faults.
    struct FakeMem(Vec<u8>);

    impl FakeMem {
        fn new() -> Self {
            Self(vec![0; SIZE])
        }
        fn range(&self, addr: u32, len: usize) -> Result<std::ops::Range<usize>, BadUserAddr> {
            let start = addr.checked_sub(BASE).ok_or(BadUserAddr(addr))? as usize;
            let end = start.checked_add(len).ok_or(BadUserAddr(addr))?;
            if end > self.0.len() {
                return Err(BadUserAddr(addr));
            }
            Ok(start..end)
        }
        fn set(&mut self, addr: u32, data: &[u8]) {
            let r = self.range(addr, data.len()).unwrap();
            self.0[r].copy_from_slice(data);
        }
        fn set_str(&mut self, addr: u32, s: &str) {
            let mut v = s.as_bytes().to_vec();
            v.push(0);
            self.set(addr, &v);
        }
        fn get(&self, addr: u32, len: usize) -> &[u8] {
            &self.0[self.range(addr, len).unwrap()]
        }
        fn u32_at(&self, addr: u32) -> u32 {
            u32::from_le_bytes(self.get(addr, 4).try_into().unwrap())
        }
        fn i64_at(&self, addr: u32) -> i64 {
            i64::from_le_bytes(self.get(addr, 8).try_into().unwrap())
        }
    }

    impl UserMemory for FakeMem {
        fn copy_from_user(&mut self, vaddr: u32, buf: &mut [u8]) -> Result<(), BadUserAddr> {
            let r = self.range(vaddr, buf.len())?;
            buf.copy_from_slice(&self.0[r]);
            Ok(())
        }
        fn copy_to_user(&mut self, vaddr: u32, data: &[u8]) -> Result<(), BadUserAddr> {
            let r = self.range(vaddr, data.len())?;
            self.0[r].copy_from_slice(data);
            Ok(())
        }
    }

    struct Env {
        files: Files,
        clock: SimClock,
        mem: FakeMem,
        out: Arc<Mutex<Vec<u8>>>,
        err: Arc<Mutex<Vec<u8>>>,
        dir: tempfile::TempDir,
    }

    impl Env {
        fn new() -> Self {
            Self::with_stdin(b"")
        }
        fn with_stdin(input: &[u8]) -> Self {
            let dir = tempfile::tempdir().unwrap();
            let out = Arc::new(Mutex::new(Vec::new()));
            let err = Arc::new(Mutex::new(Vec::new()));
            let files = Files::new(
                Some(dir.path().join("root")).filter(|p| std::fs::create_dir(p).is_ok()),
                StdStream::Buffer(Arc::new(Mutex::new(input.to_vec()))),
                StdStream::Buffer(out.clone()),
                StdStream::Buffer(err.clone()),
            )
            .unwrap();
            Self {
                files,
                clock: SimClock::new(1_000_000_000),
                mem: FakeMem::new(),
                out,
                err,
                dir,
            }
        }
        fn root(&self) -> std::path::PathBuf {
            self.dir.path().join("root")
        }
        fn call_at(&mut self, nr: u32, args: &[u32], cycles: u64) -> i32 {
            let mut a = [0u32; 6];
            a[..args.len()].copy_from_slice(args);
            file_or_time_syscall(nr, a, &mut self.files, &self.clock, cycles, &mut self.mem)
                .expect("a file/time syscall")
        }
        fn call(&mut self, nr: u32, args: &[u32]) -> i32 {
            self.call_at(nr, args, 0)
        }
        fn open(&mut self, path: &str, flags: u32) -> i32 {
            self.mem.set_str(PATH, path);
            self.call(nr::OPENAT, &[CWD, PATH, flags, 0o644])
        }
        /// `llseek`; returns the syscall result and the 64-bit `loff_t` it stored.
        fn llseek(&mut self, fd: i32, offset: i64, whence: u32) -> (i32, i64) {
            self.mem.set(LOFF, &[0xee; 8]);
            let (hi, lo) = ((offset >> 32) as u32, offset as u32);
            let r = self.call(nr::LLSEEK, &[fd as u32, hi, lo, LOFF, whence]);
            (r, self.mem.i64_at(LOFF))
        }
        fn stat(&mut self, path: &str, nr: u32) -> i32 {
            self.mem.set_str(PATH, path);
            self.call(nr, &[PATH, STAT])
        }
        fn write_str(&mut self, fd: i32, s: &str) -> i32 {
            self.mem.set(BUF, s.as_bytes());
            self.call(nr::WRITE, &[fd as u32, BUF, s.len() as u32])
        }
        fn read_str(&mut self, fd: i32, len: u32) -> Result<String, i32> {
            let n = self.call(nr::READ, &[fd as u32, BUF, len]);
            if n < 0 {
                return Err(n);
            }
            Ok(String::from_utf8(self.mem.get(BUF, n as usize).to_vec()).unwrap())
        }
    }

    fn write_file(p: &Path, s: &str) {
        std::fs::write(p, s).unwrap();
    }

    const EACCES: i32 = -13;
    const ENOENT: i32 = -2;
    const EBADF: i32 = -9;
    const EFAULT: i32 = -14;

    #[test]
    fn open_write_read_seek_fstat_close_round_trip() {
        let mut e = Env::new();
        let fd = e.open("data.txt", O_WRONLY | O_CREAT | O_TRUNC);
        assert_eq!(fd, 3, "lowest free fd");
        assert_eq!(e.write_str(fd, "hello world"), 11);
        assert_eq!(e.call(nr::CLOSE, &[fd as u32]), 0);
        assert_eq!(
            std::fs::read_to_string(e.root().join("data.txt")).unwrap(),
            "hello world"
        );

        e.mem.set_str(PATH, "/data.txt");
        let fd = e.call(nr::OPENAT, &[(-100i32) as u32, PATH, O_RDONLY, 0]);
        assert_eq!(fd, 3);
        // fstat, with the exact kernel_stat offsets.
        e.mem.set(STAT, &[0xee; 128]);
        assert_eq!(e.call(nr::FSTAT, &[fd as u32, STAT]), 0);
        let host = std::fs::metadata(e.root().join("data.txt")).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(
            e.mem.i64_at(STAT + kstat_off::DEV as u32) as u64,
            host.dev()
        );
        assert_eq!(
            e.mem.i64_at(STAT + kstat_off::INO as u32) as u64,
            host.ino()
        );
        let st_mode = e.mem.u32_at(STAT + kstat_off::MODE as u32);
        assert_eq!(st_mode & mode::S_IFMT, mode::S_IFREG);
        assert_eq!(st_mode, host.mode());
        assert_eq!(e.mem.u32_at(STAT + kstat_off::NLINK as u32), 1);
        assert_eq!(e.mem.u32_at(STAT + kstat_off::UID as u32), host.uid());
        assert_eq!(e.mem.i64_at(STAT + kstat_off::SIZE as u32), 11);
        assert_eq!(e.mem.i64_at(STAT + kstat_off::PAD1 as u32), 0);
        assert_eq!(
            e.mem.u32_at(STAT + kstat_off::BLKSIZE as u32),
            host.blksize() as u32
        );
        assert_eq!(e.mem.u32_at(STAT + kstat_off::PAD2 as u32), 0);
        assert_eq!(
            e.mem.i64_at(STAT + kstat_off::BLOCKS as u32),
            host.blocks() as i64
        );
        let secs = |off: usize| i64::from(e.mem.u32_at(STAT + off as u32) as i32);
        let nsecs = |off: usize| e.mem.u32_at(STAT + off as u32);
        assert_eq!(secs(kstat_off::MTIME), host.mtime());
        assert_eq!(nsecs(kstat_off::MTIME_NSEC), host.mtime_nsec() as u32);
        assert_eq!(secs(kstat_off::ATIME), host.atime());
        assert_eq!(nsecs(kstat_off::ATIME_NSEC), host.atime_nsec() as u32);
        assert_eq!(secs(kstat_off::CTIME), host.ctime());
        assert_eq!(nsecs(kstat_off::CTIME_NSEC), host.ctime_nsec() as u32);
        assert_eq!(e.mem.get(STAT + 96, 8), &[0; 8], "__unused4/5");
        assert_eq!(
            e.mem.get(STAT + 104, 24),
            &[0xee; 24],
            "nothing past the 104-byte struct stat64"
        );

        assert_eq!(e.llseek(fd, 6, 0), (0, 6));
        assert_eq!(e.read_str(fd, 100).unwrap(), "world");
        assert_eq!(e.read_str(fd, 100).unwrap(), "", "end of file");
        assert_eq!(e.llseek(fd, -5, 2), (0, 6));
        assert_eq!(e.llseek(fd, -6, 1), (0, 0));
        assert_eq!(e.read_str(fd, 5).unwrap(), "hello");
        assert_eq!(e.llseek(fd, -1, 0).0, -22);
        assert_eq!(e.llseek(fd, 0, 7).0, -22);
        assert_eq!(e.write_str(fd, "x"), EBADF, "opened read-only");
        assert_eq!(e.call(nr::CLOSE, &[fd as u32]), 0);
        assert_eq!(e.call(nr::CLOSE, &[fd as u32]), EBADF);
        assert_eq!(e.read_str(fd, 1), Err(EBADF));
        assert_eq!(e.call(nr::FSTAT, &[fd as u32, STAT]), EBADF);
        assert_eq!(e.llseek(fd, 0, 0).0, EBADF);
        assert_eq!(e.read_str(-1, 1), Err(EBADF));
        assert_eq!(e.read_str(5000, 1), Err(EBADF));
    }

    #[test]
    fn open_flags_append_excl_and_errors() {
        let mut e = Env::new();
        write_file(&e.root().join("f"), "abc");
        let fd = e.open("f", O_WRONLY | O_APPEND);
        assert_eq!(e.write_str(fd, "def"), 3);
        assert_eq!(
            std::fs::read_to_string(e.root().join("f")).unwrap(),
            "abcdef"
        );
        assert_eq!(e.open("f", O_WRONLY | O_CREAT | O_EXCL), -17);
        assert_eq!(e.open("missing", O_RDONLY), ENOENT);
        assert_eq!(e.open("no/such/dir/x", O_RDONLY), ENOENT);
        assert_eq!(e.open("f/x", O_RDONLY), -20, "ENOTDIR");
        assert_eq!(e.open("", O_RDONLY), ENOENT);
        assert_eq!(e.open("f/", O_RDONLY), -20, "ENOTDIR");
        std::fs::create_dir(e.root().join("d")).unwrap();
        assert_eq!(e.open("d", O_WRONLY), -21, "EISDIR");
        assert_eq!(e.open("f", O_RDONLY | O_DIRECTORY), -20);
        // O_RDONLY | O_CREAT creates the file, like Linux.
        let fd2 = e.open("new", O_RDONLY | O_CREAT);
        assert!(fd2 > fd);
        assert!(e.root().join("new").exists());
        // Truncation and read-write.
        let fd3 = e.open("f", O_RDWR | O_TRUNC);
        assert_eq!(e.write_str(fd3, "xy"), 2);
        assert_eq!(e.llseek(fd3, 0, 0), (0, 0));
        assert_eq!(e.read_str(fd3, 10).unwrap(), "xy");
        // Lowest free fd is reused.
        assert_eq!(e.call(nr::CLOSE, &[fd as u32]), 0);
        assert_eq!(e.open("f", O_RDONLY), fd);
        // A name that is too long.
        let long = "a".repeat(300);
        assert_eq!(e.open(&long, O_RDONLY), -36);
        // A relative path against a dirfd that is a file, or not open (newlib's AT_FDCWD, -2,
        // is just a bad fd to Linux); an absolute path ignores dirfd.
        e.mem.set_str(PATH, "f");
        assert_eq!(e.call(nr::OPENAT, &[fd3 as u32, PATH, 0, 0]), -20);
        assert_eq!(e.call(nr::OPENAT, &[(-2i32) as u32, PATH, 0, 0]), EBADF);
        assert_eq!(e.call(nr::OPENAT, &[77, PATH, 0, 0]), EBADF);
        e.mem.set_str(PATH, "/f");
        assert_eq!(e.call(nr::OPENAT, &[77, PATH, 0, 0]), fd3 + 1);
    }

    #[test]
    fn sandbox_escapes_are_refused() {
        let mut e = Env::new();
        write_file(&e.dir.path().join("secret"), "top secret");
        write_file(&e.root().join("inside"), "fine");
        std::fs::create_dir(e.root().join("sub")).unwrap();
        // `..` above the root.
        assert_eq!(e.open("../secret", O_RDONLY), EACCES);
        assert_eq!(e.open("sub/../../secret", O_RDONLY), EACCES);
        assert_eq!(e.open("/../secret", O_RDONLY), EACCES);
        assert_eq!(e.open("../root/inside", O_RDONLY), EACCES);
        // `..` that stays inside is fine.
        let fd = e.open("sub/../inside", O_RDONLY);
        assert_eq!(e.read_str(fd, 10).unwrap(), "fine");
        // Absolute paths are relative to the root: the host's files are not reachable.
        assert_eq!(e.open("/etc/passwd", O_RDONLY), ENOENT);
        let secret = e.dir.path().join("secret");
        assert_eq!(e.open(secret.to_str().unwrap(), O_RDONLY), ENOENT);
        let fd = e.open("/inside", O_RDONLY);
        assert_eq!(e.read_str(fd, 10).unwrap(), "fine");
        // Symlinks out of the root: as the final component and as a directory.
        std::os::unix::fs::symlink(&secret, e.root().join("link")).unwrap();
        std::os::unix::fs::symlink(e.dir.path(), e.root().join("up")).unwrap();
        std::os::unix::fs::symlink("inside", e.root().join("ok_link")).unwrap();
        assert_eq!(e.open("link", O_RDONLY), EACCES);
        assert_eq!(e.open("link", O_WRONLY | O_TRUNC), EACCES);
        assert_eq!(e.open("up/secret", O_RDONLY), EACCES);
        assert_eq!(e.open("up/new", O_WRONLY | O_CREAT), EACCES);
        assert_eq!(e.stat("link", nr::STAT), EACCES);
        assert_eq!(e.stat("up/secret", nr::STAT), EACCES);
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "top secret");
        assert!(!e.dir.path().join("new").exists());
        // lstat of the link itself is allowed; so is a link that stays inside.
        assert_eq!(e.stat("link", nr::LSTAT), 0);
        let m = e.mem.u32_at(STAT + kstat_off::MODE as u32);
        assert_eq!(m & mode::S_IFMT, mode::S_IFLNK);
        let fd = e.open("ok_link", O_RDONLY);
        assert_eq!(e.read_str(fd, 10).unwrap(), "fine");
        assert_eq!(e.open("ok_link", O_RDONLY | O_NOFOLLOW), -40);
        // Removing the escaping link removes only the link.
        e.mem.set_str(PATH, "link");
        assert_eq!(e.call(nr::UNLINK, &[PATH]), 0);
        assert!(secret.exists());
    }

    #[test]
    fn no_fs_root_means_eacces() {
        let mut files =
            Files::new(None, StdStream::Null, StdStream::Null, StdStream::Null).unwrap();
        let clock = SimClock::new(1_000_000_000);
        let mut mem = FakeMem::new();
        mem.set_str(PATH, "x");
        let mut call = |nr: u32, args: [u32; 6]| {
            file_or_time_syscall(nr, args, &mut files, &clock, 0, &mut mem).unwrap()
        };
        assert_eq!(call(nr::OPEN, [PATH, O_RDONLY, 0, 0, 0, 0]), EACCES);
        let creat = O_WRONLY | newlib_oflag::O_CREAT;
        assert_eq!(call(nr::OPEN, [PATH, creat, 0o644, 0, 0, 0]), EACCES);
        assert_eq!(call(nr::OPENAT, [CWD, PATH, 0, 0, 0, 0]), EACCES);
        let creat = O_WRONLY | O_CREAT;
        assert_eq!(call(nr::OPENAT, [CWD, PATH, creat, 0o644, 0, 0]), EACCES);
        assert_eq!(call(nr::FSTATAT, [CWD, PATH, STAT, 0, 0, 0]), EACCES);
        assert_eq!(call(nr::FACCESSAT, [CWD, PATH, 0, 0, 0, 0]), EACCES);
        assert_eq!(call(nr::UNLINKAT, [CWD, PATH, 0, 0, 0, 0]), EACCES);
        assert_eq!(call(nr::STAT, [PATH, STAT, 0, 0, 0, 0]), EACCES);
        assert_eq!(call(nr::ACCESS, [PATH, 0, 0, 0, 0, 0]), EACCES);
        assert_eq!(call(nr::UNLINK, [PATH, 0, 0, 0, 0, 0]), EACCES);
        assert_eq!(call(nr::MKDIR, [PATH, 0o755, 0, 0, 0, 0]), EACCES);
        // The standard streams still work; /dev/null-like fds.
        assert_eq!(call(nr::WRITE, [1, BUF, 4, 0, 0, 0]), 4);
        assert_eq!(call(nr::READ, [0, BUF, 4, 0, 0, 0]), 0);
        assert_eq!(call(nr::FSTAT, [1, STAT, 0, 0, 0, 0]), 0);
        assert_eq!(mem.u32_at(STAT + 16) & mode::S_IFMT, mode::S_IFCHR);
        assert_eq!(mem.i64_at(STAT + 32), 0x103, "rdev of /dev/null");
        assert_eq!(mem.u32_at(STAT + 56), 4096, "blksize of /dev/null");
    }

    #[test]
    fn standard_streams_buffers() {
        let mut e = Env::with_stdin(b"line one\nrest");
        assert_eq!(e.write_str(1, "to stdout\n"), 10);
        assert_eq!(e.write_str(2, "to stderr\n"), 10);
        assert_eq!(&*e.out.lock().unwrap(), b"to stdout\n");
        assert_eq!(&*e.err.lock().unwrap(), b"to stderr\n");
        assert_eq!(e.read_str(0, 5).unwrap(), "line ");
        assert_eq!(e.read_str(0, 100).unwrap(), "one\nrest");
        assert_eq!(e.read_str(0, 100).unwrap(), "");
        assert_eq!(e.read_str(1, 1), Err(EBADF), "stdout buffer is write-only");
        assert_eq!(e.write_str(0, "x"), EBADF);
        assert_eq!(e.llseek(0, 0, 0).0, -29, "ESPIPE");
        assert_eq!(e.llseek(1, 0, 3).0, -29, "ESPIPE for SEEK_DATA too");
        assert_eq!(e.llseek(1, 0, 5).0, -22, "a bad whence first");
        for fd in 0..3 {
            assert_eq!(e.call(nr::FSTAT, &[fd, STAT]), 0);
            assert_eq!(e.mem.u32_at(STAT + 16) & mode::S_IFMT, mode::S_IFIFO);
            assert_eq!(e.mem.u32_at(STAT + 56), 4096);
        }
        // fd 1 can be closed and reused by a file.
        assert_eq!(e.call(nr::CLOSE, &[1]), 0);
        assert_eq!(e.open("out.txt", O_WRONLY | O_CREAT), 1);
        assert_eq!(e.write_str(1, "redirected"), 10);
        assert_eq!(&*e.out.lock().unwrap(), b"to stdout\n");
        // Zero-length transfers check the fd only.
        assert_eq!(e.call(nr::WRITE, &[2, 0, 0]), 0);
        assert_eq!(e.call(nr::WRITE, &[9, 0, 0]), EBADF);
    }

    #[test]
    fn host_stdout_is_buffered_and_flushed_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let out_path = dir.path().join("stdout");
        let out = std::fs::File::create(&out_path).unwrap();
        let err = std::fs::File::create(dir.path().join("stderr")).unwrap();
        let mut files = Files::new(
            None,
            StdStream::Null,
            StdStream::File(out),
            StdStream::File(err),
        )
        .unwrap();
        let clock = SimClock::new(1);
        let mut mem = FakeMem::new();
        mem.set(BUF, b"abc");
        let mut write = |files: &mut Files, fd: u32| {
            file_or_time_syscall(nr::WRITE, [fd, BUF, 3, 0, 0, 0], files, &clock, 0, &mut mem)
        };
        assert_eq!(write(&mut files, 1), Some(3));
        assert_eq!(std::fs::read(&out_path).unwrap(), b"", "still buffered");
        // Writing to stderr (or reading stdin) flushes stdout first.
        assert_eq!(write(&mut files, 2), Some(3));
        assert_eq!(std::fs::read(&out_path).unwrap(), b"abc");
        assert_eq!(write(&mut files, 1), Some(3));
        files.flush_all().unwrap();
        assert_eq!(std::fs::read(&out_path).unwrap(), b"abcabc");
        assert_eq!(write(&mut files, 1), Some(3));
        drop(files);
        assert_eq!(
            std::fs::read(&out_path).unwrap(),
            b"abcabcabc",
            "flushed on drop"
        );
    }

    #[test]
    fn broken_pipe_on_stdout_is_epipe() {
        let (reader, writer) = std::io::pipe().unwrap();
        let writer = std::fs::File::from(std::os::fd::OwnedFd::from(writer));
        let mut files = Files::new(
            None,
            StdStream::Null,
            StdStream::Null,
            StdStream::File(writer),
        )
        .unwrap();
        let clock = SimClock::new(1);
        let mut mem = FakeMem::new();
        let mut call = |files: &mut Files, nr: u32, args: [u32; 6]| {
            file_or_time_syscall(nr, args, files, &clock, 0, &mut mem).unwrap()
        };
        assert_eq!(call(&mut files, nr::FSTAT, [2, STAT, 0, 0, 0, 0]), 0);
        assert_eq!(call(&mut files, nr::WRITE, [2, BUF, 3, 0, 0, 0]), 3);
        drop(reader);
        assert_eq!(call(&mut files, nr::WRITE, [2, BUF, 3, 0, 0, 0]), -32);
        assert_eq!(call(&mut files, nr::LLSEEK, [2, 0, 0, BUF, 1, 0]), -29);
    }

    #[test]
    fn pipe_on_a_std_stream_reports_fifo() {
        let (reader, writer) = std::io::pipe().unwrap();
        let reader = std::fs::File::from(std::os::fd::OwnedFd::from(reader));
        let files = Files::new(
            None,
            StdStream::File(reader),
            StdStream::Null,
            StdStream::Null,
        )
        .unwrap();
        let st = files.fstat(0).unwrap();
        assert_eq!(st.mode & mode::S_IFMT, mode::S_IFIFO);
        assert_eq!(st.blksize, 4096);
        assert_eq!((st.ino, st.uid, st.mtime), (0, 0, (0, 0)), "deterministic");
        drop(writer);
    }

    #[test]
    fn bad_user_buffers_are_efault() {
        let mut e = Env::new();
        write_file(&e.root().join("f"), "0123456789");
        let fd = e.open("f", O_RDWR) as u32;
        let end = BASE + SIZE as u32;
        assert_eq!(e.call(nr::READ, &[fd, 0x10, 4]), EFAULT);
        // Nothing was consumed by the failed read.
        assert_eq!(e.read_str(fd as i32, 2).unwrap(), "01");
        // A buffer running off the end: the bytes that fit arrive, the rest stays in the file.
        assert_eq!(e.call(nr::READ, &[fd, end - 3, 8]), 3);
        assert_eq!(e.mem.get(end - 3, 3), b"234");
        assert_eq!(e.read_str(fd as i32, 100).unwrap(), "56789");
        assert_eq!(e.call(nr::WRITE, &[fd, 0x10, 4]), EFAULT);
        assert_eq!(e.call(nr::WRITE, &[1, u32::MAX - 1, 4]), EFAULT);
        e.mem.set(end - 2, b"XY");
        assert_eq!(e.call(nr::WRITE, &[1, end - 2, 100]), 2, "partial write");
        assert_eq!(&*e.out.lock().unwrap(), b"XY");
        assert_eq!(e.call(nr::FSTAT, &[fd, end - 100]), EFAULT);
        assert_eq!(e.call(nr::OPEN, &[0x20, 0, 0]), EFAULT);
        assert_eq!(e.call(nr::STAT, &[0x20, STAT]), EFAULT);
        assert_eq!(e.call(nr::GETTIMEOFDAY, &[0x20, 0]), EFAULT);
        assert_eq!(e.call(nr::CLOCK_GETTIME, &[0, 0x20]), EFAULT);
        assert_eq!(e.call(nr::TIMES, &[0x20]), EFAULT);
        assert_eq!(e.call(nr::WRITEV, &[1, 0x20, 2]), EFAULT);
        // A path with no NUL before the end of memory.
        let n = 64;
        e.mem.set(end - n, &vec![b'a'; n as usize]);
        assert_eq!(e.call(nr::OPEN, &[end - n, 0, 0]), EFAULT);
        // Huge lengths are clamped, not trusted.
        assert_eq!(e.call(nr::READ, &[fd, BUF, u32::MAX]), 0, "at end of file");
    }

    #[test]
    fn readv_writev() {
        let mut e = Env::new();
        e.mem.set(BUF, b"hello, world");
        let iov = STAT;
        let mut v = Vec::new();
        for (base, len) in [(BUF, 5u32), (BUF + 5, 0), (BUF + 5, 7)] {
            v.extend_from_slice(&base.to_le_bytes());
            v.extend_from_slice(&len.to_le_bytes());
        }
        e.mem.set(iov, &v);
        assert_eq!(e.call(nr::WRITEV, &[1, iov, 3]), 12);
        assert_eq!(&*e.out.lock().unwrap(), b"hello, world");
        assert_eq!(e.call(nr::WRITEV, &[1, iov, 5000]), -22);
        let mut e = Env::with_stdin(b"abcdefgh");
        let mut v = Vec::new();
        for (base, len) in [(BUF, 3u32), (BUF + 0x10, 10)] {
            v.extend_from_slice(&base.to_le_bytes());
            v.extend_from_slice(&len.to_le_bytes());
        }
        e.mem.set(iov, &v);
        assert_eq!(e.call(nr::READV, &[0, iov, 2]), 8);
        assert_eq!(e.mem.get(BUF, 3), b"abc");
        assert_eq!(e.mem.get(BUF + 0x10, 5), b"defgh");
    }

    #[test]
    fn path_operations() {
        let mut e = Env::new();
        write_file(&e.root().join("a"), "data");
        // access
        e.mem.set_str(PATH, "a");
        assert_eq!(e.call(nr::ACCESS, &[PATH, 0]), 0);
        assert_eq!(e.call(nr::ACCESS, &[PATH, 4 | 2]), 0);
        assert_eq!(e.call(nr::ACCESS, &[PATH, 1]), EACCES, "not executable");
        assert_eq!(e.call(nr::ACCESS, &[PATH, 8]), -22);
        assert_eq!(e.call(nr::FACCESSAT, &[CWD, PATH, 0, 0]), 0);
        assert_eq!(
            e.call(nr::FACCESSAT, &[CWD, PATH, 4, 0x7fff]),
            0,
            "no flags argument"
        );
        assert_eq!(e.call(nr::FACCESSAT, &[(-2i32) as u32, PATH, 0]), EBADF);
        // stat / fstatat
        assert_eq!(e.stat("a", nr::STAT), 0);
        assert_eq!(e.mem.i64_at(STAT + 48), 4);
        assert_eq!(e.stat("/", nr::STAT), 0);
        assert_eq!(e.mem.u32_at(STAT + 16) & mode::S_IFMT, mode::S_IFDIR);
        assert_eq!(e.stat("nope", nr::LSTAT), ENOENT);
        assert_eq!(e.stat("a/", nr::STAT), -20);
        e.mem.set_str(PATH, "a");
        assert_eq!(e.call(nr::FSTATAT, &[CWD, PATH, STAT, 0]), 0);
        assert_eq!(e.mem.i64_at(STAT + 48), 4);
        e.mem.set_str(PATH, "");
        assert_eq!(
            e.call(nr::FSTATAT, &[1, PATH, STAT, 0x1000]),
            0,
            "AT_EMPTY_PATH"
        );
        assert_eq!(e.mem.u32_at(STAT + 16) & mode::S_IFMT, mode::S_IFIFO);
        // link + unlink = newlib's rename
        e.mem.set_str(PATH, "a");
        e.mem.set_str(PATH2, "b");
        assert_eq!(e.call(nr::LINK, &[PATH, PATH2]), 0);
        assert_eq!(e.call(nr::LINK, &[PATH, PATH2]), -17);
        assert_eq!(e.call(nr::UNLINK, &[PATH]), 0);
        assert_eq!(e.call(nr::UNLINK, &[PATH]), ENOENT);
        assert_eq!(std::fs::read_to_string(e.root().join("b")).unwrap(), "data");
        // renameat
        e.mem.set_str(PATH, "c");
        let cwd = CWD;
        assert_eq!(e.call(nr::RENAMEAT2, &[cwd, PATH2, cwd, PATH, 0]), 0);
        assert!(e.root().join("c").exists() && !e.root().join("b").exists());
        write_file(&e.root().join("b"), "other");
        assert_eq!(e.call(nr::RENAMEAT2, &[cwd, PATH, cwd, PATH2, 1]), -17);
        assert_eq!(e.call(nr::RENAMEAT2, &[cwd, PATH, cwd, PATH2, 2]), -22);
        assert_eq!(e.call(nr::RENAMEAT2, &[cwd, PATH, cwd, PATH2, 0]), 0);
        assert_eq!(std::fs::read_to_string(e.root().join("b")).unwrap(), "data");
        e.mem.set_str(PATH, "../escaped");
        assert_eq!(e.call(nr::RENAMEAT2, &[cwd, PATH2, cwd, PATH, 0]), EACCES);
        // mkdir / rmdir
        e.mem.set_str(PATH, "dir");
        assert_eq!(e.call(nr::MKDIR, &[PATH, 0o755]), 0);
        assert_eq!(e.call(nr::MKDIR, &[PATH, 0o755]), -17);
        assert_eq!(e.call(nr::UNLINK, &[PATH]), -21, "EISDIR");
        e.mem.set_str(PATH2, "dir/f");
        assert_eq!(
            e.call(nr::OPENAT, &[CWD, PATH2, O_WRONLY | O_CREAT, 0o600]),
            3
        );
        assert_eq!(e.call(nr::UNLINKAT, &[cwd, PATH, 0x200]), -39, "ENOTEMPTY");
        assert_eq!(e.call(nr::UNLINKAT, &[cwd, PATH2, 0]), 0);
        assert_eq!(
            e.call(nr::UNLINKAT, &[cwd, PATH, 8]),
            -22,
            "newlib's AT_REMOVEDIR is not a Linux flag"
        );
        assert_eq!(e.call(nr::UNLINKAT, &[cwd, PATH, 0x200]), 0);
        assert!(!e.root().join("dir").exists());
        e.mem.set_str(PATH, "/");
        assert_eq!(e.call(nr::UNLINKAT, &[cwd, PATH, 0x200]), -16);
        // getcwd / getpid
        assert_eq!(e.call(nr::GETCWD, &[BUF, 64]), 2);
        assert_eq!(e.mem.get(BUF, 2), b"/\0");
        assert_eq!(e.call(nr::GETCWD, &[BUF, 1]), -34);
        assert_eq!(e.call(nr::GETPID, &[]), 1);
    }

    #[test]
    fn simulated_time_at_1ghz() {
        let mut e = Env::new();
        let cycles = 2_500_001_234; // 2.500001234 s
        let epoch = SimClock::EPOCH_UNIX_SECS as i64;
        e.mem.set(BUF, &[0xee; 32]);
        assert_eq!(e.call_at(nr::GETTIMEOFDAY, &[BUF, BUF + 16], cycles), 0);
        assert_eq!(e.mem.i64_at(BUF), epoch + 2);
        assert_eq!(e.mem.u32_at(BUF + 8), 500_001);
        assert_eq!(e.mem.u32_at(BUF + 12), 0);
        assert_eq!(e.mem.get(BUF + 16, 8), &[0; 8], "struct timezone");
        assert_eq!(e.call_at(nr::GETTIMEOFDAY, &[0, 0], cycles), 0);

        for n in [nr::CLOCK_GETTIME, nr::CLOCK_GETTIME64] {
            assert_eq!(e.call_at(n, &[0, BUF], cycles), 0, "CLOCK_REALTIME");
            assert_eq!(e.mem.i64_at(BUF), epoch + 2);
            assert_eq!(e.mem.i64_at(BUF + 8), 500_001_234);
            assert_eq!(e.call_at(n, &[1, BUF], cycles), 0, "CLOCK_MONOTONIC");
            assert_eq!(e.mem.i64_at(BUF), 2);
            assert_eq!(e.mem.i64_at(BUF + 8), 500_001_234);
            assert_eq!(e.call_at(n, &[2, BUF], 7), 0, "CLOCK_PROCESS_CPUTIME_ID");
            assert_eq!((e.mem.i64_at(BUF), e.mem.i64_at(BUF + 8)), (0, 7));
            // Every id the overlay's clock translation can produce is valid.
            for id in [0, 1, 2, 3, 4, 5, 6, 7, 11] {
                assert_eq!(e.call_at(n, &[id, BUF], cycles), 0, "clock {id}");
            }
            for id in [8, 9, 10, 12, 99, u32::MAX] {
                assert_eq!(e.call_at(n, &[id, BUF], cycles), -22, "clock {id}");
            }
            assert_eq!(e.call_at(n, &[0, 0], cycles), EFAULT);
        }
        // clock_gettime64 writes a 16-byte struct __kernel_timespec, nothing more.
        e.mem.set(BUF, &[0xee; 24]);
        assert_eq!(e.call_at(nr::CLOCK_GETTIME64, &[5, BUF], cycles), 0);
        assert_eq!(e.mem.i64_at(BUF), epoch + 2, "REALTIME_COARSE");
        assert_eq!(e.mem.i64_at(BUF + 8), 500_001_234);
        assert_eq!(e.mem.get(BUF + 16, 8), &[0xee; 8]);
        assert_eq!(e.call(nr::CLOCK_GETRES, &[1, BUF]), 0);
        assert_eq!((e.mem.i64_at(BUF), e.mem.i64_at(BUF + 8)), (0, 1));
        assert_eq!(e.call(nr::CLOCK_GETRES_TIME64, &[0, 0]), 0);

        e.mem.set(BUF, &[0xee; 20]);
        assert_eq!(e.call_at(nr::TIMES, &[BUF], cycles), 250);
        assert_eq!(e.mem.u32_at(BUF), 250);
        assert_eq!(e.mem.get(BUF + 4, 12), &[0; 12]);
        assert_eq!(e.mem.get(BUF + 16, 1), &[0xee], "struct tms is 16 bytes");
        assert_eq!(e.call_at(nr::TIMES, &[0], 10_000_000), 1);
    }

    #[test]
    fn unknown_numbers_are_not_ours() {
        let mut e = Env::new();
        // 38 is riscv-pk/arm64's renameat, absent from rv32 Linux.
        for n in [nr::BRK, nr::MMAP, nr::EXIT, nr::KILL, 38, 9999, u32::MAX] {
            let r = file_or_time_syscall(n, [0; 6], &mut e.files, &e.clock, 0, &mut e.mem);
            assert_eq!(r, None, "nr {n}");
        }
        assert_eq!(nr::name(nr::OPENAT), Some("openat"));
        assert_eq!(nr::name(nr::LLSEEK), Some("llseek"));
        assert_eq!(errno_name(2), Some("ENOENT"));
        assert_eq!(errno_name(1000), None);
        assert_eq!(Errno::EACCES.ret(), -13);
    }

    #[test]
    fn llseek_returns_a_64_bit_offset_through_the_result_pointer() {
        let mut e = Env::new();
        write_file(&e.root().join("f"), "0123456789");
        let fd = e.open("f", O_RDWR);
        // A 64-bit offset split into high and low words, and a result beyond 4 GiB.
        let big = (1i64 << 32) + 5;
        assert_eq!(e.llseek(fd, big, 0), (0, big));
        assert_eq!(
            e.llseek(fd, 0, 1),
            (0, big),
            "SEEK_CUR 0 reports the offset"
        );
        assert_eq!(e.llseek(fd, -big + 3, 1), (0, 3));
        assert_eq!(e.read_str(fd, 2).unwrap(), "34");
        assert_eq!(e.llseek(fd, -2, 2), (0, 8));
        assert_eq!(e.read_str(fd, 10).unwrap(), "89");
        // Negative results and bad whence values are EINVAL and leave the offset alone.
        assert_eq!(e.llseek(fd, -1, 0), (-22, -0x1111_1111_1111_1112));
        assert_eq!(e.llseek(fd, -11, 2).0, -22);
        assert_eq!(e.llseek(fd, 0, 5).0, -22);
        assert_eq!(e.llseek(fd, 0, 1), (0, 10));
        // SEEK_DATA / SEEK_HOLE on a file without holes.
        assert_eq!(e.llseek(fd, 4, 3), (0, 4));
        assert_eq!(e.llseek(fd, 4, 4), (0, 10));
        assert_eq!(e.llseek(fd, 10, 3).0, -6, "ENXIO at end of file");
        assert_eq!(e.llseek(fd, -1, 4).0, -6, "ENXIO for a negative offset");
        // A bad result pointer: EFAULT, but the seek happened (as on Linux and qemu).
        assert_eq!(e.call(nr::LLSEEK, &[fd as u32, 0, 7, 0x20, 0]), EFAULT);
        assert_eq!(e.llseek(fd, 0, 1), (0, 7));
        assert_eq!(
            e.call(nr::LLSEEK, &[fd as u32, 0, 1, BASE + SIZE as u32 - 4, 0]),
            EFAULT
        );
        // The result is exactly 8 bytes.
        e.mem.set(LOFF, &[0xee; 16]);
        assert_eq!(e.call(nr::LLSEEK, &[fd as u32, 0, 2, LOFF, 0]), 0);
        assert_eq!(e.mem.i64_at(LOFF), 2);
        assert_eq!(e.mem.get(LOFF + 8, 8), &[0xee; 8]);
        // riscv-pk's 3-argument lseek(fd, 4, SEEK_SET) reads as result = NULL: EFAULT.
        assert_eq!(e.call(nr::LLSEEK, &[fd as u32, 4, 0]), EFAULT);
        assert_eq!(e.llseek(99, 0, 0).0, EBADF);
        // Directories seek; stdio buffers are pipes.
        e.mem.set_str(PATH, ".");
        let dfd = e.call(nr::OPENAT, &[CWD, PATH, O_RDONLY | O_DIRECTORY, 0]);
        assert_eq!(e.llseek(dfd, 0, 0), (0, 0));
        assert_eq!(e.llseek(2, 0, 1).0, -29);
    }

    #[test]
    fn dev_null_streams_seek_to_zero() {
        let mut files =
            Files::new(None, StdStream::Null, StdStream::Null, StdStream::Null).unwrap();
        let clock = SimClock::new(1);
        let mut mem = FakeMem::new();
        let r = file_or_time_syscall(
            nr::LLSEEK,
            [1, 0, 100, LOFF, 0, 0],
            &mut files,
            &clock,
            0,
            &mut mem,
        );
        assert_eq!((r, mem.i64_at(LOFF)), (Some(0), 0));
    }

    /// The translation in the overlay's `sys_openat.c`, newlib flag → Linux flag.
    const OVERLAY_FLAG_MAP: [(u32, u32); 11] = [
        (0x0200, 0x40),      // O_CREAT
        (0x0800, 0x80),      // O_EXCL
        (0x8000, 0x100),     // O_NOCTTY
        (0x0400, 0x200),     // O_TRUNC
        (0x0008, 0x400),     // O_APPEND
        (0x4000, 0x800),     // O_NONBLOCK
        (0x2000, 0x101000),  // O_SYNC
        (0x80000, 0x4000),   // O_DIRECT
        (0x200000, 0x10000), // O_DIRECTORY
        (0x100000, 0x20000), // O_NOFOLLOW
        (0x40000, 0x80000),  // O_CLOEXEC
    ];

    #[test]
    fn linux_and_newlib_open_flags_mean_the_same() {
        use crate::os::files::OpenFlags;
        for (newlib, linux) in OVERLAY_FLAG_MAP {
            for acc in 0..4 {
                assert_eq!(
                    OpenFlags::from_newlib(newlib | acc),
                    OpenFlags::from_linux(linux | acc),
                    "newlib {newlib:#x} / Linux {linux:#o}"
                );
            }
        }
        let f = OpenFlags::from_linux(O_RDWR | O_CREAT | O_EXCL | O_TRUNC | O_APPEND);
        assert_eq!(
            (f.access, f.create, f.excl, f.trunc, f.append),
            (2, true, true, true, true)
        );
        // Linux values that don't matter here are ignored.
        let ignored = O_NOCTTY | O_NONBLOCK | O_SYNC | O_DIRECT | O_LARGEFILE | O_CLOEXEC;
        assert_eq!(
            OpenFlags::from_linux(O_WRONLY | ignored),
            OpenFlags::from_linux(O_WRONLY)
        );
        // The two ABIs through the syscalls: same files, same results.
        let mut e = Env::new();
        let newlib_creat = O_WRONLY | newlib_oflag::O_CREAT | newlib_oflag::O_TRUNC;
        e.mem.set_str(PATH, "a");
        assert_eq!(e.call(nr::OPEN, &[PATH, newlib_creat, 0o600]), 3);
        assert_eq!(e.write_str(3, "pk"), 2);
        assert_eq!(e.open("b", O_WRONLY | O_CREAT | O_TRUNC), 4);
        assert_eq!(e.write_str(4, "linux"), 5);
        let append = O_WRONLY | newlib_oflag::O_APPEND;
        e.mem.set_str(PATH, "a");
        assert_eq!(e.call(nr::OPEN, &[PATH, append, 0]), 5);
        assert_eq!(e.write_str(5, "+"), 1);
        assert_eq!(std::fs::read_to_string(e.root().join("a")).unwrap(), "pk+");
        assert_eq!(
            std::fs::read_to_string(e.root().join("b")).unwrap(),
            "linux"
        );
        // A newlib value read as a Linux one means something else: 0x200 is O_TRUNC there.
        e.mem.set_str(PATH, "c");
        assert_eq!(
            e.call(nr::OPENAT, &[CWD, PATH, O_WRONLY | 0x200, 0]),
            ENOENT
        );
        e.mem.set_str(PATH, "a");
        let excl = O_WRONLY | newlib_oflag::O_CREAT | newlib_oflag::O_EXCL;
        assert_eq!(e.call(nr::OPEN, &[PATH, excl, 0o600]), -17);
    }

    #[test]
    fn openat_follows_linux_semantics() {
        let mut e = Env::new();
        write_file(&e.root().join("f"), "contents");
        // O_RDONLY | O_TRUNC truncates a regular file, as Linux does.
        let fd = e.open("f", O_RDONLY | O_TRUNC);
        assert_eq!(e.read_str(fd, 10).unwrap(), "");
        assert_eq!(std::fs::read(e.root().join("f")).unwrap(), b"");
        assert_eq!(e.write_str(fd, "x"), EBADF);
        write_file(&e.root().join("f"), "contents");
        // Access mode 3: opens (read and write permission needed) but allows neither.
        let fd3 = e.open("f", 3);
        assert!(fd3 > fd);
        assert_eq!(e.read_str(fd3, 1), Err(EBADF));
        assert_eq!(e.write_str(fd3, "x"), EBADF);
        assert_eq!(e.call(nr::FSTAT, &[fd3 as u32, STAT]), 0);
        // O_CREAT | O_DIRECTORY is EINVAL; O_CREAT on a directory EISDIR; trailing slashes.
        assert_eq!(e.open("new", O_CREAT | O_DIRECTORY), -22);
        assert_eq!(e.open(".", O_RDONLY | O_CREAT), -21);
        assert_eq!(e.open(".", O_RDONLY | O_CREAT | O_EXCL), -17);
        assert_eq!(e.open("new/", O_WRONLY | O_CREAT), -21);
        assert_eq!(e.open("f/", O_RDONLY), -20);
        assert_eq!(e.open("f/.", O_RDONLY), -20);
        assert_eq!(e.open(".", O_WRONLY), -21);
        assert_eq!(e.open(".", O_RDONLY | O_TRUNC), -21);
        assert!(!e.root().join("new").exists());
        // O_EXCL without O_CREAT is ignored.
        assert!(e.open("f", O_RDONLY | O_EXCL) >= 0);
        // O_PATH: a location only.
        let pfd = e.open("f", O_PATH | O_RDWR | O_TRUNC);
        assert_eq!(std::fs::read(e.root().join("f")).unwrap(), b"contents");
        assert_eq!(e.read_str(pfd, 1), Err(EBADF));
        assert_eq!(e.write_str(pfd, "x"), EBADF);
        assert_eq!(e.llseek(pfd, 0, 0).0, EBADF);
        assert_eq!(e.call(nr::FSTAT, &[pfd as u32, STAT]), 0);
        assert_eq!(e.mem.i64_at(STAT + kstat_off::SIZE as u32), 8);
        // O_TMPFILE: an unnamed file in a directory, readable and writable.
        assert_eq!(e.open(".", O_TMPFILE | O_RDONLY), -22);
        let tfd = e.open(".", O_TMPFILE | O_RDWR);
        assert!(tfd >= 0);
        assert_eq!(e.write_str(tfd, "temp"), 4);
        assert_eq!(e.llseek(tfd, 0, 0), (0, 0));
        assert_eq!(e.read_str(tfd, 10).unwrap(), "temp");
        assert_eq!(std::fs::read_dir(e.root()).unwrap().count(), 1, "only f");
        assert_eq!(e.open("f", O_TMPFILE | O_RDWR), -20);
        let t3 = e.open(".", O_TMPFILE | 3);
        assert!(t3 > tfd);
        assert_eq!(e.write_str(t3, "x"), EBADF, "access mode 3 allows no I/O");
    }

    #[test]
    fn directory_fds_anchor_relative_paths() {
        let mut e = Env::new();
        std::fs::create_dir_all(e.root().join("d/e")).unwrap();
        write_file(&e.root().join("top"), "top");
        let dfd = e.open("d", O_RDONLY | O_DIRECTORY) as u32;
        e.mem.set_str(PATH, "g");
        let g = e.call(nr::OPENAT, &[dfd, PATH, O_WRONLY | O_CREAT, 0o644]);
        assert_eq!(e.write_str(g, "in d"), 4);
        assert_eq!(
            std::fs::read_to_string(e.root().join("d/g")).unwrap(),
            "in d"
        );
        assert_eq!(e.call(nr::FSTATAT, &[dfd, PATH, STAT, 0]), 0);
        assert_eq!(e.mem.i64_at(STAT + kstat_off::SIZE as u32), 4);
        assert_eq!(e.call(nr::FACCESSAT, &[dfd, PATH, 4]), 0);
        e.mem.set_str(PATH, "../top");
        assert_eq!(e.call(nr::FSTATAT, &[dfd, PATH, STAT, 0]), 0);
        assert_eq!(e.mem.i64_at(STAT + kstat_off::SIZE as u32), 3);
        e.mem.set_str(PATH, "../../top");
        assert_eq!(e.call(nr::FSTATAT, &[dfd, PATH, STAT, 0]), EACCES, "escape");
        // An O_PATH directory fd works as a dirfd too.
        e.mem.set_str(PATH, "d/e");
        let efd = e.call(nr::OPENAT, &[CWD, PATH, O_PATH | O_DIRECTORY, 0]) as u32;
        e.mem.set_str(PATH, "../g");
        assert_eq!(e.call(nr::FSTATAT, &[efd, PATH, STAT, 0]), 0);
        // AT_EMPTY_PATH: the dirfd itself; with AT_FDCWD the cwd (the fs-root).
        e.mem.set_str(PATH, "");
        assert_eq!(e.call(nr::FSTATAT, &[g as u32, PATH, STAT, 0x1000]), 0);
        assert_eq!(e.mem.i64_at(STAT + kstat_off::SIZE as u32), 4);
        assert_eq!(e.call(nr::FSTATAT, &[CWD, PATH, STAT, 0x1000]), 0);
        let m = e.mem.u32_at(STAT + kstat_off::MODE as u32);
        assert_eq!(m & mode::S_IFMT, mode::S_IFDIR);
        assert_eq!(e.call(nr::FSTATAT, &[CWD, PATH, STAT, 0]), ENOENT);
        // unlinkat through the dirfd.
        e.mem.set_str(PATH, "g");
        assert_eq!(e.call(nr::UNLINKAT, &[dfd, PATH, 0]), 0);
        assert!(!e.root().join("d/g").exists());
        // A file fd is ENOTDIR, a closed one EBADF; absolute paths ignore dirfd.
        assert_eq!(e.call(nr::FSTATAT, &[g as u32, PATH, STAT, 0]), -20);
        assert_eq!(e.call(nr::FSTATAT, &[0, PATH, STAT, 0]), -20);
        assert_eq!(e.call(nr::FSTATAT, &[99, PATH, STAT, 0]), EBADF);
        e.mem.set_str(PATH, "/top");
        assert_eq!(e.call(nr::FSTATAT, &[99, PATH, STAT, 0]), 0);
        // Linux fstatat flags only.
        assert_eq!(e.call(nr::FSTATAT, &[CWD, PATH, STAT, 0x800]), 0);
        assert_eq!(
            e.call(nr::FSTATAT, &[CWD, PATH, STAT, 2]),
            -22,
            "newlib's NOFOLLOW"
        );
        // A removed directory: still fstat-able, nothing can be created in it.
        e.mem.set_str(PATH, "d/e");
        assert_eq!(e.call(nr::UNLINKAT, &[CWD, PATH, 0x200]), 0);
        assert_eq!(e.call(nr::FSTAT, &[efd, STAT]), 0);
        e.mem.set_str(PATH, "h");
        assert_eq!(
            e.call(nr::OPENAT, &[efd, PATH, O_WRONLY | O_CREAT, 0o644]),
            ENOENT
        );
    }

    #[test]
    fn unlinkat_errors_match_linux() {
        let mut e = Env::new();
        write_file(&e.root().join("f"), "x");
        std::fs::create_dir_all(e.root().join("d/sub")).unwrap();
        let mut unlinkat = |path: &str, flags: u32| {
            e.mem.set_str(PATH, path);
            e.call(nr::UNLINKAT, &[CWD, PATH, flags])
        };
        const RMDIR: u32 = 0x200;
        assert_eq!(unlinkat(".", 0), -21);
        assert_eq!(unlinkat("d/..", 0), -21);
        assert_eq!(unlinkat("/", 0), -21);
        assert_eq!(unlinkat(".", RMDIR), -22);
        assert_eq!(unlinkat("d/.", RMDIR), -22);
        assert_eq!(unlinkat("d/sub/..", RMDIR), -39);
        assert_eq!(unlinkat("/", RMDIR), -16);
        assert_eq!(unlinkat("f/", 0), -20);
        assert_eq!(unlinkat("nope/", 0), ENOENT);
        assert_eq!(unlinkat("d/", 0), -21);
        assert_eq!(unlinkat("d", 0), -21);
        assert_eq!(unlinkat("f", RMDIR), -20);
        assert_eq!(unlinkat("d", RMDIR), -39);
        assert_eq!(unlinkat("d", 8), -22);
        assert_eq!(unlinkat("d/sub/", RMDIR), 0);
        assert_eq!(unlinkat("f", 0), 0);
        assert_eq!(unlinkat("f", 0), ENOENT);
        assert!(e.root().join("d").exists());
    }
}
