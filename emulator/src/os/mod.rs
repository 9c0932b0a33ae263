//! The emulator's kernel: runs on the host (high-level emulated) and owns the process — its ELF
//! image, address-space layout, system calls and fatal-fault reports.

pub mod client;
pub mod files;
pub mod kernel;
pub mod layout;
pub mod loader;
pub mod maps;
pub mod pager;
pub mod pagetable;
pub mod process;
pub mod signal;
pub mod simtime;
pub mod symbols;
pub mod syscall;
pub mod uaccess;
