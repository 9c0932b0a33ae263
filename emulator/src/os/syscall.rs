//! System calls (DESIGN.md §3). TEMPORARY stand-in until the file/time layer lands.
use crate::os::files::Files;
use crate::os::simtime::SimClock;
use crate::os::uaccess::UserMemory;
use std::io::Write;

/// ENOSYS.
pub const ENOSYS: i32 = 38;
/// Syscall numbers.
pub mod nr {
    /// exit
    pub const EXIT: u32 = 93;
    /// exit_group
    pub const EXIT_GROUP: u32 = 94;
    /// brk
    pub const BRK: u32 = 214;
    /// mmap
    pub const MMAP: u32 = 222;
    /// munmap
    pub const MUNMAP: u32 = 215;
}

/// File and time syscalls.
pub fn file_or_time_syscall(
    number: u32,
    args: [u32; 6],
    files: &mut Files,
    clock: &SimClock,
    cycles: u64,
    mem: &mut impl UserMemory,
) -> Option<i32> {
    let _ = (files, clock, cycles);
    match number {
        64 => {
            let mut buf = vec![0u8; args[2] as usize];
            if mem.copy_from_user(args[1], &mut buf).is_err() {
                return Some(-14);
            }
            match args[0] {
                1 => std::io::stdout().write_all(&buf).ok()?,
                2 => std::io::stderr().write_all(&buf).ok()?,
                _ => return Some(-9),
            }
            Some(args[2] as i32)
        }
        57 => Some(0),
        _ => None,
    }
}
