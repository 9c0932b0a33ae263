//! The kernel's trap handler: what happens when the hart raises an exception in U-mode.
//! System calls are performed, page faults resolved by demand paging, and anything else ends the
//! process with the signal Linux would send.

use std::collections::BTreeSet;

use crate::hart::trap::{AccessKind, Exception};
use crate::hart::Hart;
use crate::mem::access::Memory;
use crate::os::client;
use crate::os::files::Files;
use crate::os::process::{FaultCause, KernelAccess, Process};
use crate::os::signal::Signal;
use crate::os::simtime::SimClock;
use crate::os::syscall::{self, nr};
use crate::trace::event::ClientRequest;

/// Kernel time charged for resolving one minor page fault (DESIGN.md §7).
pub const MINOR_FAULT_CYCLES: u64 = 1_000;
/// Page faults in a row without an instruction retiring after which the process is out of
/// memory: one instruction needs at most four pages (a fetch and a load, each straddling two),
/// so a longer streak means RAM is too small for it and the pager is evicting the very pages
/// it needs, round and round.
const FAULT_STREAK_LIMIT: u32 = 16;

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
    /// Page faults in a row at instruction count `streak_instret`.
    fault_streak: u32,
    streak_instret: u64,
    /// The client request the last system call made, for the machine to act on
    /// ([`Kernel::take_client_request`]).
    client_request: Option<ClientRequest>,
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
            fault_streak: 0,
            streak_instret: u64::MAX,
            client_request: None,
        }
    }

    /// The client request (`rvscope.h`) the last `ecall` made, if it made one.
    pub fn take_client_request(&mut self) -> Option<ClientRequest> {
        self.client_request.take()
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
        let ended = match exc {
            Exception::EcallFromU => self.syscall(hart, mem),
            Exception::FetchPageFault(addr)
            | Exception::LoadPageFault(addr)
            | Exception::StorePageFault(addr) => {
                let kind = match exc {
                    Exception::FetchPageFault(_) => AccessKind::Fetch,
                    Exception::LoadPageFault(_) => AccessKind::Load,
                    _ => AccessKind::Store,
                };
                if hart.instret == self.streak_instret {
                    self.fault_streak += 1;
                } else {
                    self.streak_instret = hart.instret;
                    self.fault_streak = 1;
                }
                let resolved = if self.fault_streak > FAULT_STREAK_LIMIT {
                    Err(FaultCause::OutOfMemory)
                } else {
                    self.process.handle_page_fault(mem, addr, kind)
                };
                match resolved {
                    Ok(()) => {
                        hart.kernel_cycles += MINOR_FAULT_CYCLES;
                        self.process.paging.paging_cycles += MINOR_FAULT_CYCLES;
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
            // Linux reports access faults as SIGSEGV (arch/riscv/kernel/traps.c).
            Exception::InsnAccessFault(_) => fatal(Signal::Segv, None, Some(AccessKind::Fetch)),
            Exception::LoadAccessFault(_) => fatal(Signal::Segv, None, Some(AccessKind::Load)),
            Exception::StoreAccessFault(_) => fatal(Signal::Segv, None, Some(AccessKind::Store)),
            // A process runs in U-mode; these come only from a hart in S- or M-mode.
            Exception::EcallFromS | Exception::EcallFromM => fatal(Signal::Ill, None, None),
        };
        // Swap transfers (a major fault's page-in, the page-outs that made room, a system
        // call's fault-in) are kernel time like the fault itself (DESIGN.md §6).
        let swap_cycles = self.process.pager.take_pending_cycles();
        hart.swap_cycles += swap_cycles;
        self.process.paging.paging_cycles += swap_cycles;
        ended
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
            client::RVSCOPE_SYSCALL => {
                let mut user = KernelAccess {
                    process: &mut self.process,
                    mem,
                };
                self.client_request = client::decode(args[0], args[1], &mut user);
                if self.client_request.is_some() {
                    0
                } else {
                    syscall::Errno::EINVAL.ret()
                }
            }
            _ => {
                let cycles = hart.cycles(mem);
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

#[cfg(test)]
mod tests {
    //! The trap handler on a tiny synthetic process: text [0x10000, 0x11000) R-X, data
    //! [0x11000, 0x12000) RW- (file bytes "hello, kernel\n"), heap from 0x12000, 8 MiB stack.

    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::mem::phys::{PhysMem, PAGE_SIZE};
    use crate::mmu::pagemap::Perms;
    use crate::os::files::{SharedBuf, StdStream};
    use crate::os::layout::{Region, DEFAULT_STACK_LIMIT, KERNEL_BASE, STACK_TOP};
    use crate::os::loader::{ElfImage, Segment};

    const TEXT: u32 = 0x10000;
    const DATA: u32 = 0x11000;
    const HEAP: u32 = 0x12000;
    const PC: u32 = TEXT + 0x40;
    const MSG: &[u8] = b"hello, kernel\n";
    const EFAULT: i32 = 14;

    struct Rig {
        kernel: Kernel,
        hart: Hart,
        mem: Memory,
        stdout: SharedBuf,
    }

    fn rig_with_ram(ram: u64) -> Rig {
        let image = ElfImage {
            entry: TEXT,
            segments: vec![
                Segment {
                    vaddr: TEXT,
                    mem_size: 0x100,
                    data: vec![0x13; 0x100],
                    perms: Perms {
                        read: true,
                        write: false,
                        exec: true,
                    },
                },
                Segment {
                    vaddr: DATA,
                    mem_size: 0x800,
                    data: MSG.to_vec(),
                    perms: Perms {
                        read: true,
                        write: true,
                        exec: false,
                    },
                },
            ],
            phdr_vaddr: 0,
            phent: 32,
            phnum: 2,
            uses_rvc: false,
        };
        let stdout: SharedBuf = Arc::new(Mutex::new(Vec::new()));
        let files = Files::new(
            None,
            StdStream::Null,
            StdStream::Buffer(stdout.clone()),
            StdStream::Null,
        )
        .unwrap();
        let process = Process::new(image, DEFAULT_STACK_LIMIT);
        let mut hart = Hart::new(TEXT, 1_000_000_000);
        hart.pc = PC;
        Rig {
            kernel: Kernel::new(process, files, SimClock::new(1_000_000_000)),
            hart,
            mem: Memory::new(PhysMem::new(ram)),
            stdout,
        }
    }

    fn rig() -> Rig {
        rig_with_ram(16 << 20)
    }

    impl Rig {
        /// Performs system call `number` with `args`; returns a0 afterwards.
        fn syscall(&mut self, number: u32, args: &[u32]) -> (Option<Termination>, u32) {
            self.hart.regs[17] = number;
            for (i, &a) in args.iter().enumerate() {
                self.hart.regs[10 + i] = a;
            }
            let pc = self.hart.pc;
            let end = self.trap(Exception::EcallFromU);
            assert_eq!(self.hart.pc, pc + 4, "ecall completes (syscall {number})");
            (end, self.hart.regs[10])
        }

        /// a0 of a system call that must not end the process.
        fn call(&mut self, number: u32, args: &[u32]) -> u32 {
            let (end, a0) = self.syscall(number, args);
            assert_eq!(end, None, "syscall {number}");
            a0
        }

        fn trap(&mut self, exc: Exception) -> Option<Termination> {
            self.kernel
                .handle_exception(&mut self.hart, &mut self.mem, exc)
        }
    }

    fn errno(e: i32) -> u32 {
        (-e) as u32
    }

    #[test]
    fn exit_and_exit_group_end_with_the_low_byte() {
        for (number, status, want) in [
            (nr::EXIT, 0, 0u8),
            (nr::EXIT, 42, 42),
            (nr::EXIT_GROUP, 0x1234, 0x34),
            (nr::EXIT_GROUP, u32::MAX, 255),
            (nr::EXIT, 256, 0),
        ] {
            let mut r = rig();
            let (end, _) = r.syscall(number, &[status]);
            assert_eq!(end, Some(Termination::Exited(want)), "{number}({status})");
            assert_eq!(r.kernel.syscalls, 1);
        }
    }

    #[test]
    fn client_requests_return_zero_and_reach_the_machine() {
        use crate::os::client::{request, RVSCOPE_SYSCALL};
        let mut r = rig();
        assert_eq!(r.call(RVSCOPE_SYSCALL, &[request::TRACE_ON, 0]), 0);
        assert_eq!(r.kernel.take_client_request(), Some(ClientRequest::TraceOn));
        assert_eq!(r.kernel.take_client_request(), None, "taken once");
        assert_eq!(r.call(RVSCOPE_SYSCALL, &[request::MARK, 0x11000]), 0);
        assert_eq!(
            r.kernel.take_client_request(),
            Some(ClientRequest::Mark("hello, kernel\n".into()))
        );
        assert_eq!(r.call(RVSCOPE_SYSCALL, &[request::SNAPSHOT, 0]), 0);
        assert_eq!(
            r.kernel.take_client_request(),
            Some(ClientRequest::Snapshot(String::new()))
        );
        // An unknown request or an unreadable label: -EINVAL, nothing handed over.
        assert_eq!(r.call(RVSCOPE_SYSCALL, &[99, 0]), errno(22));
        assert_eq!(r.call(RVSCOPE_SYSCALL, &[request::MARK, 0]), errno(22));
        assert_eq!(r.kernel.take_client_request(), None);
    }

    #[test]
    fn brk_mmap_munmap_are_dispatched() {
        let mut r = rig();
        assert_eq!(r.call(nr::BRK, &[0]), HEAP);
        assert_eq!(r.call(nr::BRK, &[HEAP + 0x1800]), HEAP + 0x1800);
        assert_eq!(r.call(nr::BRK, &[0]), HEAP + 0x1800);
        assert_eq!(r.kernel.process.brk(), HEAP + 0x1800);
        let gap_bottom = STACK_TOP - DEFAULT_STACK_LIMIT - crate::os::layout::STACK_GUARD_GAP;
        let m = r.call(nr::MMAP, &[0, 5000, 3, 0x22, u32::MAX, 0]);
        assert_eq!(m, gap_bottom - 2 * PAGE_SIZE);
        assert_eq!(r.call(nr::MMAP, &[0, 0, 3, 0x22, u32::MAX, 0]), errno(22));
        assert_eq!(r.call(nr::MMAP, &[0, 4096, 3, 0x02, 3, 0]), errno(22));
        assert_eq!(r.call(nr::MUNMAP, &[m + 1, 4096]), errno(22));
        assert_eq!(r.call(nr::MUNMAP, &[m, 5000]), 0);
        assert_eq!(r.kernel.syscalls, 8);
    }

    #[test]
    fn unknown_syscalls_are_enosys_and_warned_about_once() {
        let mut r = rig();
        assert_eq!(r.call(4000, &[1, 2, 3]), errno(38));
        assert_eq!(r.call(4000, &[]), errno(38));
        assert_eq!(r.call(4001, &[]), errno(38));
        assert_eq!(
            r.kernel.warned.iter().copied().collect::<Vec<_>>(),
            [4000, 4001]
        );
    }

    #[test]
    fn syscalls_read_user_memory_with_fault_in() {
        let mut r = rig();
        // write(1, data, len): the data page is not mapped yet; the kernel faults it in.
        assert_eq!(
            r.call(nr::WRITE, &[1, DATA, MSG.len() as u32]),
            MSG.len() as u32
        );
        assert_eq!(&r.stdout.lock().unwrap()[..], MSG);
        assert!(r.mem.user_frame(DATA).is_some());
        assert_eq!(
            r.kernel.process.paging.minor_faults[Region::Data as usize],
            1
        );
        // Bad buffers are -EFAULT, and the process goes on.
        for addr in [0u32, HEAP, KERNEL_BASE] {
            assert_eq!(r.call(nr::WRITE, &[1, addr, 4]), errno(EFAULT), "{addr:#x}");
        }
        assert_eq!(r.stdout.lock().unwrap().len(), MSG.len());
    }

    #[test]
    fn page_faults_in_a_region_map_the_page_and_retry() {
        let mut r = rig();
        let cases = [
            (Exception::FetchPageFault(TEXT), Region::Text),
            (Exception::LoadPageFault(DATA + 4), Region::Data),
            (Exception::StorePageFault(STACK_TOP - 16), Region::Stack),
        ];
        for (i, (exc, region)) in cases.into_iter().enumerate() {
            assert_eq!(r.trap(exc), None, "{exc:?}");
            assert!(r.mem.user_frame(exc.tval()).is_some());
            assert_eq!(r.hart.pc, PC, "the instruction is retried");
            assert_eq!(r.hart.kernel_cycles, MINOR_FAULT_CYCLES * (i as u64 + 1));
            assert_eq!(r.kernel.process.paging.minor_faults[region as usize], 1);
        }
        assert_eq!(
            r.mem.ram.frames_in_use() - r.mem.page_tables().unwrap().table_frames(),
            3
        );
        assert_eq!(r.kernel.syscalls, 0);
    }

    #[test]
    fn fatal_memory_faults_carry_signal_cause_address_and_pc() {
        let cases = [
            (
                Exception::LoadPageFault(0),
                FaultCause::NullPage,
                AccessKind::Load,
            ),
            (
                Exception::StorePageFault(TEXT + 8),
                FaultCause::Protection {
                    region: Region::Text,
                    kind: AccessKind::Store,
                },
                AccessKind::Store,
            ),
            (
                Exception::FetchPageFault(DATA),
                FaultCause::Protection {
                    region: Region::Data,
                    kind: AccessKind::Fetch,
                },
                AccessKind::Fetch,
            ),
            (
                Exception::LoadPageFault(KERNEL_BASE),
                FaultCause::Kernel,
                AccessKind::Load,
            ),
            (
                Exception::StorePageFault(STACK_TOP - DEFAULT_STACK_LIMIT - 4),
                FaultCause::StackOverflow {
                    depth: DEFAULT_STACK_LIMIT + 4,
                },
                AccessKind::Store,
            ),
            (
                Exception::LoadPageFault(HEAP),
                FaultCause::Unmapped,
                AccessKind::Load,
            ),
        ];
        for (exc, cause, access) in cases {
            let mut r = rig();
            assert_eq!(
                r.trap(exc),
                Some(Termination::Signaled(FatalFault {
                    signal: Signal::Segv,
                    exception: exc,
                    addr: exc.tval(),
                    cause: Some(cause),
                    pc: PC,
                    access: Some(access),
                })),
                "{exc:?}"
            );
            assert_eq!(r.hart.kernel_cycles, 0);
            assert_eq!(r.mem.resident_user_pages(), 0);
        }
    }

    #[test]
    fn out_of_memory_is_sigkill() {
        // One frame for data, two for the page tables.
        let mut r = rig_with_ram(3 * PAGE_SIZE as u64);
        assert_eq!(r.trap(Exception::StorePageFault(STACK_TOP - 4)), None);
        // The retried store makes the page dirty; with no swap it cannot be evicted.
        r.mem.user_page_written(STACK_TOP - 4);
        let exc = Exception::StorePageFault(STACK_TOP - 4 - PAGE_SIZE);
        assert_eq!(
            r.trap(exc),
            Some(Termination::Signaled(FatalFault {
                signal: Signal::Kill,
                exception: exc,
                addr: exc.tval(),
                cause: Some(FaultCause::OutOfMemory),
                pc: PC,
                access: Some(AccessKind::Store),
            }))
        );
    }

    #[test]
    fn other_exceptions_are_fatal_signals() {
        let cases = [
            (Exception::IllegalInsn(0xffff_ffff), Signal::Ill, None),
            (Exception::Breakpoint(PC), Signal::Trap, None),
            (
                Exception::LoadMisaligned(DATA + 1),
                Signal::Bus,
                Some(AccessKind::Load),
            ),
            (
                Exception::StoreMisaligned(DATA + 2),
                Signal::Bus,
                Some(AccessKind::Store),
            ),
            (
                Exception::InsnMisaligned(PC + 2),
                Signal::Bus,
                Some(AccessKind::Fetch),
            ),
        ];
        for (exc, signal, access) in cases {
            let mut r = rig();
            let end = r.trap(exc);
            assert_eq!(
                end,
                Some(Termination::Signaled(FatalFault {
                    signal,
                    exception: exc,
                    addr: exc.tval(),
                    cause: None,
                    pc: PC,
                    access,
                })),
                "{exc:?}"
            );
            assert_eq!(r.hart.pc, PC, "a fatal fault does not advance the pc");
        }
    }
}
