//! System calls (DESIGN.md §3): numbers, errno values, and the file and time calls.
//!
//! The ABI is the one newlib's libgloss/riscv speaks (the riscv-pk numbers, a superset of the
//! Linux asm-generic ones): `a7` = number, `a0..a5` = arguments, `a0` = result or `-errno`.
//! Structures are laid out for ilp32 with newlib's 64-bit `time_t`.

use super::files::{atflag, Files, PATH_MAX};
use super::simtime::{SimClock, USER_HZ};
use super::uaccess::UserMemory;

/// Syscall numbers (Linux/riscv-pk generic), as named constants.
pub mod nr {
    /// `getcwd(buf, size)`.
    pub const GETCWD: u32 = 17;
    /// `mkdirat(dirfd, path, mode)`.
    pub const MKDIRAT: u32 = 34;
    /// `unlinkat(dirfd, path, flags)`.
    pub const UNLINKAT: u32 = 35;
    /// `linkat(olddirfd, old, newdirfd, new, flags)`.
    pub const LINKAT: u32 = 37;
    /// `renameat(olddirfd, old, newdirfd, new)`.
    pub const RENAMEAT: u32 = 38;
    /// `faccessat(dirfd, path, mode, flags)`.
    pub const FACCESSAT: u32 = 48;
    /// `openat(dirfd, path, flags, mode)`.
    pub const OPENAT: u32 = 56;
    /// `close(fd)`.
    pub const CLOSE: u32 = 57;
    /// `lseek(fd, offset, whence)` (the 3-argument form libgloss uses).
    pub const LSEEK: u32 = 62;
    /// `read(fd, buf, count)`.
    pub const READ: u32 = 63;
    /// `write(fd, buf, count)`.
    pub const WRITE: u32 = 64;
    /// `readv(fd, iov, iovcnt)`.
    pub const READV: u32 = 65;
    /// `writev(fd, iov, iovcnt)`.
    pub const WRITEV: u32 = 66;
    /// `fstatat(dirfd, path, statbuf, flags)`.
    pub const FSTATAT: u32 = 79;
    /// `fstat(fd, statbuf)`.
    pub const FSTAT: u32 = 80;
    /// `exit(status)`.
    pub const EXIT: u32 = 93;
    /// `exit_group(status)`.
    pub const EXIT_GROUP: u32 = 94;
    /// `clock_gettime(clockid, tp)` (64-bit `time_t` timespec).
    pub const CLOCK_GETTIME: u32 = 113;
    /// `clock_getres(clockid, res)`.
    pub const CLOCK_GETRES: u32 = 114;
    /// `kill(pid, sig)`.
    pub const KILL: u32 = 129;
    /// `times(buf)`.
    pub const TIMES: u32 = 153;
    /// `uname(buf)`.
    pub const UNAME: u32 = 160;
    /// `gettimeofday(tv, tz)`.
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
    /// `open(path, flags, mode)` (riscv-pk).
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
            RENAMEAT => "renameat",
            FACCESSAT => "faccessat",
            49 => "chdir",
            OPENAT => "openat",
            CLOSE => "close",
            61 => "getdents64",
            LSEEK => "lseek",
            READ => "read",
            WRITE => "write",
            READV => "readv",
            WRITEV => "writev",
            67 => "pread64",
            68 => "pwrite64",
            FSTATAT => "fstatat",
            FSTAT => "fstat",
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
        nr::OPENAT => read_path(mem, a1).and_then(|p| files.openat(a0 as i32, &p, a2, a3)),
        nr::OPEN => read_path(mem, a0).and_then(|p| files.openat(atflag::AT_FDCWD, &p, a1, a2)),
        nr::CLOSE => files.close(fd).map(|()| 0),
        nr::LSEEK => files
            .lseek(fd, i64::from(a1 as i32), a2)
            .and_then(|off| i32::try_from(off).map_err(|_| Errno::EOVERFLOW)),
        nr::FSTAT => files.fstat(fd).and_then(|st| put(mem, a1, &st.to_bytes())),
        nr::FSTATAT => sys_fstatat(files, mem, a0 as i32, a1, a2, a3),
        nr::STAT | nr::LSTAT => read_path(mem, a0)
            .and_then(|p| files.stat_path(atflag::AT_FDCWD, &p, nr == nr::STAT))
            .and_then(|st| put(mem, a1, &st.to_bytes())),
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
            if a4 & !atflag::AT_SYMLINK_FOLLOW != 0 {
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
        nr::RENAMEAT | nr::RENAMEAT2 => {
            if nr == nr::RENAMEAT2 && a4 != 0 {
                Err(Errno::EINVAL)
            } else {
                read_two_paths(mem, a1, a3)
                    .and_then(|(o, n)| files.rename((a0 as i32, &o), (a2 as i32, &n)).map(|()| 0))
            }
        }
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

/// `fstatat(dirfd, path, statbuf, flags)`: `AT_SYMLINK_NOFOLLOW`, `AT_EMPTY_PATH` honoured.
fn sys_fstatat(
    files: &mut Files,
    mem: &mut impl UserMemory,
    dirfd: i32,
    path: u32,
    statbuf: u32,
    flags: u32,
) -> Result<i32, Errno> {
    if flags & !(atflag::AT_SYMLINK_NOFOLLOW | atflag::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let p = read_path(mem, path)?;
    let st = if p.is_empty() && flags & atflag::AT_EMPTY_PATH != 0 {
        files.fstat(dirfd)?
    } else {
        files.stat_path(dirfd, &p, flags & atflag::AT_SYMLINK_NOFOLLOW == 0)?
    };
    put(mem, statbuf, &st.to_bytes())
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
/// since start (monotonic, boot time, CPU time), `None` invalid.
fn clock_kind(id: u32) -> Option<bool> {
    match id {
        0 | 5 | 8 => Some(true), // REALTIME, REALTIME_COARSE, REALTIME_ALARM
        1 | 2 | 3 | 4 | 6 | 7 | 9 => Some(false), // MONOTONIC(_RAW/_COARSE), CPUTIME, BOOTTIME
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
