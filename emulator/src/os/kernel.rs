//! The kernel's trap handler: what happens when the hart raises an exception in U-mode.
//! System calls are performed, page faults resolved by demand paging, and anything else ends the
//! process with the signal Linux would send.

use std::collections::BTreeSet;

use crate::hart::trap::{AccessKind, Exception};
use crate::hart::Hart;
use crate::mem::access::Memory;
use crate::os::files::Files;
use crate::os::process::{FaultCause, KernelAccess, Process};
use crate::os::signal::Signal;
use crate::os::simtime::SimClock;
use crate::os::syscall::{self, nr};

/// Kernel time charged for resolving one minor page fault (DESIGN.md §7).
pub const MINOR_FAULT_CYCLES: u64 = 1_000;

/// How the process ended (or why it stopped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Termination {
    /// `exit`/`exit_group` with this status.
    Exited(u8),
    /// Killed by a signal raised by a fault.
    Signaled(FatalFault),
}

/// A fault the kernel could not resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FatalFault {
    /// The signal delivered.
    pub signal: Signal,
    /// The exception behind it.
    pub exception: Exception,
    /// The faulting address (tval), where meaningful.
    pub addr: u32,
    /// For memory faults: why the address was bad.
    pub cause: Option<FaultCause>,
    /// The pc of the instruction that faulted.
    pub pc: u32,
    /// What was attempted, for memory faults.
    pub access: Option<AccessKind>,
}

/// The emulated kernel's state for one process.
pub struct Kernel {
    /// The process's address space.
    pub process: Process,
    /// Its open files.
    pub files: Files,
    /// Simulated time source.
    pub clock: SimClock,
    /// Unknown syscall numbers already warned about (one warning each).
    warned: BTreeSet<u32>,
    /// System calls performed.
    pub syscalls: u64,
}

impl Kernel {
    /// A kernel running `process` with `files`.
    pub fn new(process: Process, files: Files, clock: SimClock) -> Self {
        Kernel {
            process,
            files,
            clock,
            warned: BTreeSet::new(),
            syscalls: 0,
        }
    }

    /// Handles `exc` raised at `hart.pc`. Returns `Some` when the process is finished.
    pub fn handle_exception(
        &mut self,
        hart: &mut Hart,
        mem: &mut Memory,
        exc: Exception,
    ) -> Option<Termination> {
        let fatal = |signal, cause, access| {
            Some(Termination::Signaled(FatalFault {
                signal,
                exception: exc,
                addr: exc.tval(),
                cause,
                pc: hart.pc,
                access,
            }))
        };
        match exc {
            Exception::EcallFromU => self.syscall(hart, mem),
            Exception::FetchPageFault(addr)
            | Exception::LoadPageFault(addr)
            | Exception::StorePageFault(addr) => {
                let kind = match exc {
                    Exception::FetchPageFault(_) => AccessKind::Fetch,
                    Exception::LoadPageFault(_) => AccessKind::Load,
                    _ => AccessKind::Store,
                };
                match self.process.handle_page_fault(mem, addr, kind) {
                    Ok(()) => {
                        hart.kernel_cycles += MINOR_FAULT_CYCLES;
                        None
                    }
                    Err(FaultCause::OutOfMemory) => {
                        fatal(Signal::Kill, Some(FaultCause::OutOfMemory), Some(kind))
                    }
                    Err(cause) => fatal(Signal::Segv, Some(cause), Some(kind)),
                }
            }
            Exception::IllegalInsn(_) => fatal(Signal::Ill, None, None),
            Exception::Breakpoint(_) => fatal(Signal::Trap, None, None),
            Exception::LoadMisaligned(_) => fatal(Signal::Bus, None, Some(AccessKind::Load)),
            Exception::StoreMisaligned(_) => fatal(Signal::Bus, None, Some(AccessKind::Store)),
            Exception::InsnMisaligned(_) => fatal(Signal::Bus, None, Some(AccessKind::Fetch)),
        }
    }

    /// Performs the system call in a7 (DESIGN.md §3); `ecall` is always 4 bytes long.
    fn syscall(&mut self, hart: &mut Hart, mem: &mut Memory) -> Option<Termination> {
        self.syscalls += 1;
        let number = hart.regs[17];
        let a = |i: usize| hart.regs[10 + i];
        let args = [a(0), a(1), a(2), a(3), a(4), a(5)];
        let result: i32 = match number {
            nr::EXIT | nr::EXIT_GROUP => {
                hart.pc = hart.pc.wrapping_add(4);
                return Some(Termination::Exited(args[0] as u8));
            }
            nr::BRK => self.process.sys_brk(mem, args[0]) as i32,
            nr::MMAP => self
                .process
                .sys_mmap(args[0], args[1], args[2], args[3], args[4]),
            nr::MUNMAP => self.process.sys_munmap(mem, args[0], args[1]),
            _ => {
                let cycles = hart.cycles();
                let mut user = KernelAccess {
                    process: &mut self.process,
                    mem,
                };
                let outcome = syscall::file_or_time_syscall(
                    number,
                    args,
                    &mut self.files,
                    &self.clock,
                    cycles,
                    &mut user,
                );
                // Linux: writing to a pipe whose reader has gone raises SIGPIPE, whose default
                // action ends the process (status 141), e.g. `rvscope run prog | head -1`.
                if matches!(number, nr::WRITE | nr::WRITEV)
                    && outcome == Some(syscall::Errno::EPIPE.ret())
                {
                    return Some(Termination::Signaled(FatalFault {
                        signal: Signal::Pipe,
                        exception: Exception::EcallFromU,
                        addr: 0,
                        cause: None,
                        pc: hart.pc,
                        access: None,
                    }));
                }
                match outcome {
                    Some(r) => r,
                    None => {
                        if self.warned.insert(number) {
                            log::debug!("syscall {number} at {:#010x} unsupported", hart.pc);
                            eprintln!(
                                "rvscope: warning: unsupported system call {number} at pc {:#010x} returns -ENOSYS",
                                hart.pc
                            );
                        }
                        syscall::Errno::ENOSYS.ret()
                    }
                }
            }
        };
        hart.regs[10] = result as u32;
        hart.pc = hart.pc.wrapping_add(4);
        None
    }
}
