//! Client requests (DESIGN.md §9): a program running under rvscope talks to the emulator
//! through one reserved system call, like Valgrind's client requests or gem5's m5ops.
//! `guest/include/rvscope.h` wraps it.
//!
//! ABI: `a7 = RVSCOPE_SYSCALL`, `a0` = the sub-request, `a1` = its argument; the result in `a0`
//! is 0, or `-EINVAL` for an unknown sub-request or an unreadable label. Linux (and so
//! `qemu-riscv32`) does not know the number and returns `-ENOSYS`: the header's functions are
//! harmless there. The kernel only decodes the request; the machine acts on it (the tracer
//! and the statistics are its business).

use crate::os::uaccess::UserMemory;
use crate::trace::event::ClientRequest;

/// The reserved system call number: 0x5256, "RV", far above Linux's numbers (riscv32 ends
/// below 500; the old-style 1024+ block that newlib uses ends near 1100).
pub const RVSCOPE_SYSCALL: u32 = 0x5256;

/// Sub-request numbers (in `a0`).
pub mod request {
    /// `rvscope_trace_on()`.
    pub const TRACE_ON: u32 = 0;
    /// `rvscope_trace_off()`.
    pub const TRACE_OFF: u32 = 1;
    /// `rvscope_mark(label)`: `a1` points at a NUL-terminated label.
    pub const MARK: u32 = 2;
    /// `rvscope_stats_snapshot_named(label)`: `a1` points at a label, or is 0 (unnamed).
    pub const SNAPSHOT: u32 = 3;
}

/// Longest label kept (longer ones are cut there).
pub const LABEL_MAX: usize = 256;

/// Decodes the request in `a0`/`a1`; `None` if it is unknown or its label unreadable.
pub fn decode(a0: u32, a1: u32, mem: &mut impl UserMemory) -> Option<ClientRequest> {
    match a0 {
        request::TRACE_ON => Some(ClientRequest::TraceOn),
        request::TRACE_OFF => Some(ClientRequest::TraceOff),
        request::MARK => read_label(mem, a1).map(ClientRequest::Mark),
        request::SNAPSHOT if a1 == 0 => Some(ClientRequest::Snapshot(String::new())),
        request::SNAPSHOT => read_label(mem, a1).map(ClientRequest::Snapshot),
        _ => None,
    }
}

/// The NUL-terminated label at `addr`, at most [`LABEL_MAX`] bytes, lossily UTF-8.
fn read_label(mem: &mut impl UserMemory, addr: u32) -> Option<String> {
    let mut bytes = Vec::new();
    for i in 0..LABEL_MAX as u32 {
        let mut b = [0u8];
        mem.copy_from_user(addr.wrapping_add(i), &mut b).ok()?;
        if b[0] == 0 {
            break;
        }
        bytes.push(b[0]);
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
