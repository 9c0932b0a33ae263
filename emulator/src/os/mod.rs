//! The emulator's kernel: runs on the host (high-level emulated) and owns the process — its ELF
//! image, address-space layout, system calls and fatal-fault reports.

pub mod files;
pub mod simtime;
pub mod syscall;
pub mod uaccess;
