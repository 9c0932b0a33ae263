//! The machines: [`Machine`] runs one user process on a host-side kernel, [`BareMachine`] runs
//! a bare-metal program that owns the hart from M-mode up. Both are a [`Core`] (hart, memory,
//! decoded code and the interpreter loop, in `interp.rs`) plus what serves its stops.

use std::ops::{Deref, DerefMut};
use std::path::Path;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::hart::trap::{AccessKind, Exception};
use crate::hart::Hart;
use crate::isa::{self, Decoded, InsnClass};
use crate::mem::access::Memory;
use crate::mem::access::TraceAt;
use crate::mem::hierarchy::Hierarchy;
use crate::mem::phys::{PhysMem, PAGE_SIZE};
use crate::mmu::model::Tlbs;
use crate::os::files::Files;
use crate::os::kernel::{FatalFault, Kernel, Termination};
use crate::os::layout::Region;
use crate::os::layout::{STACK_GUARD_GAP, STACK_TOP};
use crate::os::loader::ElfImage;
use crate::os::maps::Maps;
use crate::os::pager::{PagePolicy, Pager};
use crate::os::process::{FaultCause, Process};
use crate::os::signal::Signal;
use crate::os::simtime::SimClock;
use crate::os::symbols::Symbols;
use crate::os::syscall::nr;
use crate::stats::Snapshot;
use crate::stats::Stats;
use crate::timing::Pipeline;
use crate::trace::{
    ClientEvent, ClientRequest, Event, NoObserver, Observer, PageEvent, PageEventKind,
    PageFaultKind, ProcessEvent, Retire,
};

pub mod bare;
#[cfg(test)]
mod fuse_tests;
mod htif;
mod interp;

pub use bare::BareMachine;
pub use interp::Core;
use interp::Stop;
#[doc(hidden)]
pub use interp::{lean_block_run, LeanExit};

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The program called `exit(status)`.
    Exited(u8),
    /// The program was killed by a signal; `report` is the one-line explanation (empty for
    /// SIGPIPE, which a shell reports silently).
    Signaled {
        /// The signal.
        signal: Signal,
        /// One line for stderr, without the trailing newline.
        report: String,
    },
    /// `--max-insns` was reached.
    InsnLimit(u64),
    /// The user interrupted the run (Ctrl-C) after this many instructions (see
    /// [`Core::set_interrupt_flag`]).
    Interrupted(u64),
}

impl Outcome {
    /// The exit status a shell would see (128+signal for a killed process; for the instruction
    /// limit, 124 as `timeout` uses).
    pub fn exit_status(&self) -> u8 {
        match self {
            Outcome::Exited(code) => *code,
            Outcome::Signaled { signal, .. } => signal.exit_status(),
            Outcome::InsnLimit(_) => 124,
            Outcome::Interrupted(_) => INTERRUPTED_STATUS,
        }
    }
}

/// The exit status of an interrupted run: 128 + SIGINT, as a shell reports a program Ctrl-C
/// ended.
pub const INTERRUPTED_STATUS: u8 = 130;

/// A RISC-V machine running one user process. Its hart and memory are its [`Core`]'s
/// (`machine.hart`, `machine.mem` reach them through `Deref`).
pub struct Machine {
    /// Hart, memory and the interpreter.
    core: Core,
    /// The kernel.
    pub kernel: Kernel,
    symbols: Symbols,
    config: Config,
    outcome: Option<Outcome>,
    /// The run has begun (its start reported to the observer): a paused run
    /// ([`Machine::run_for_with`]) goes on without a second start.
    started: bool,
    /// The address of the memory fault that killed the process, if one did (for the trace).
    last_fault_addr: Option<u32>,
    /// Take `rvscope_stats_snapshot()` requests (else they are no-ops).
    record_snapshots: bool,
    /// The snapshots taken.
    snapshots: Vec<Snapshot>,
}

impl Deref for Machine {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl DerefMut for Machine {
    fn deref_mut(&mut self) -> &mut Core {
        &mut self.core
    }
}

/// The TLBs and caches `config`'s timing mode models.
fn models(config: &Config) -> Result<(Option<Tlbs>, Option<Hierarchy>)> {
    let tlbs = config
        .timing
        .models_tlb()
        .then(|| Tlbs::new(config.itlb, config.dtlb));
    let caches = if config.timing.models_caches() {
        Some(Hierarchy::new(&config.caches)?)
    } else {
        None
    };
    Ok((tlbs, caches))
}

/// The pipeline model, if `config`'s timing mode runs one.
pub(crate) fn pipeline_model(config: &Config) -> Option<Box<Pipeline>> {
    config
        .timing
        .models_pipeline()
        .then(|| Box::new(Pipeline::new(config.pipeline)))
}

impl Machine {
    /// Loads the ELF at `elf_path` and builds its process with `argv` (`argv[0]` included) and the
    /// configuration's environment. `files` gives the process its file descriptors.
    pub fn new(config: &Config, elf_path: &Path, argv: &[String], files: Files) -> Result<Machine> {
        config.validate()?;
        let image = ElfImage::load(elf_path)?;
        Self::from_image(config, image, Symbols::load(elf_path), argv, files)
    }

    /// Builds the process of an already-validated `image` (for embedders and tests that make
    /// programs in memory); `symbols` may be [`Symbols::none`].
    pub fn from_image(
        config: &Config,
        image: ElfImage,
        symbols: Symbols,
        argv: &[String],
        files: Files,
    ) -> Result<Machine> {
        config.validate()?;
        // The loader checked the segments against the default stack; a bigger --stack-size
        // must not reach down into them either (the guard gap below the stack included).
        let stack_floor = STACK_TOP as u64 - config.stack_bytes as u64 - STACK_GUARD_GAP as u64;
        if let Some(seg) = image.segments.iter().find(|s| s.end() > stack_floor) {
            return Err(Error::Config(format!(
                "--stack-size {} KiB: the stack and its guard gap would overlap the program's segment at {:#x}..{:#x}",
                config.stack_bytes / 1024,
                seg.vaddr,
                seg.end()
            )));
        }
        let entry = image.entry;
        let mut mem = Memory::new(PhysMem::new(config.ram_bytes));
        let (tlbs, caches) = models(config)?;
        mem.set_models(tlbs, caches, config.ptw_through_cache);
        mem.set_uncached_pte_read_cycles(config.caches.ram_latency_cycles.into());
        let mut process = Process::new(image, config.stack_bytes);
        process.pager = Pager::new(config.paging, Some(mem.ram.frame_count()));
        if config.paging.policy == PagePolicy::Lru {
            mem.track_references();
        }
        let argv: Vec<Vec<u8>> = argv.iter().map(|a| a.as_bytes().to_vec()).collect();
        let envp: Vec<Vec<u8>> = config.env.iter().map(|e| e.as_bytes().to_vec()).collect();
        let sp = process
            .build_initial_stack(&mut mem, &argv, &envp)
            .map_err(|cause| {
                Error::Config(format!(
                    "cannot build the initial stack: {}",
                    cause.describe()
                ))
            })?;
        let mut hart = Hart::new(entry, config.clock_hz);
        hart.regs[2] = sp;
        hart.pipeline = pipeline_model(config);
        let clock = SimClock::new(config.clock_hz);
        Ok(Machine {
            core: Core::new(hart, mem, config.max_insns),
            kernel: Kernel::new(process, files, clock),
            symbols,
            config: config.clone(),
            outcome: None,
            started: false,
            last_fault_addr: None,
            record_snapshots: false,
            snapshots: Vec::new(),
        })
    }

    /// Runs to the end with no observer.
    pub fn run(&mut self) -> Outcome {
        self.run_with(&mut NoObserver)
    }

    /// Runs to the end (exit, fatal signal or instruction limit), reporting to `observer`.
    pub fn run_with<O: Observer>(&mut self, observer: &mut O) -> Outcome {
        loop {
            if let Some(outcome) = self.run_until(observer, u64::MAX) {
                return outcome;
            }
        }
    }

    /// Runs on for `insns` more instructions, or to the end of the run if that comes first,
    /// with no observer: `None` if the run paused, its outcome if it ended. See
    /// [`Machine::run_for_with`].
    pub fn run_for(&mut self, insns: u64) -> Option<Outcome> {
        self.run_for_with(&mut NoObserver, insns)
    }

    /// Runs on for `insns` more instructions, or to the end of the run if that comes first,
    /// reporting to `observer`: `None` if the run paused, its outcome if it ended. A pause comes
    /// at the end of the decoded block in which the count is reached (a block is never split,
    /// as with Ctrl-C's slices), so a little more than `insns` may retire. A later call, or
    /// [`Machine::run_with`], goes on where this one stopped; given the same observer every
    /// time, the counts, the cycles and the trace are those of one uninterrupted run (the
    /// start is reported once). For stepping through a program, refreshing a view of its
    /// statistics while it runs, or running two machines in alternation.
    pub fn run_for_with<O: Observer>(&mut self, observer: &mut O, insns: u64) -> Option<Outcome> {
        let pause_at = self.core.hart.instret.saturating_add(insns);
        self.run_until(observer, pause_at)
    }

    /// Runs until the run ends (its outcome) or, between bursts, `pause_at` instructions have
    /// retired (`None`).
    fn run_until<O: Observer>(&mut self, observer: &mut O, pause_at: u64) -> Option<Outcome> {
        if let Some(done) = &self.outcome {
            return Some(done.clone());
        }
        if O::ENABLED && !self.started {
            self.core.mem.start_tracing();
            self.kernel.process.pager.log_evictions();
            observer.on_event(&Event::Process(ProcessEvent::Start {
                entry: self.core.hart.pc,
                sp: self.core.hart.regs[2],
            }));
        }
        self.started = true;
        self.core.set_pause(pause_at);
        let outcome = loop {
            // Between bursts the hart is at an instruction boundary: a clean place to stop.
            if self.core.interrupted() {
                break Outcome::Interrupted(self.core.hart.instret);
            }
            if self.core.hart.instret >= pause_at {
                return None;
            }
            let stop = self.core.run_burst(observer);
            if O::ENABLED {
                // Accesses journaled where no observer was at hand (a walk for an SC's check).
                let at = self.trace_at();
                self.core.mem.emit_journal(at, observer);
            }
            match stop {
                Stop::Limit => break Outcome::InsnLimit(self.core.hart.instret),
                // A process has no watched memory and its hart no interrupts: nothing to do.
                Stop::Watch => self.core.mem.take_watched_stores(&mut Vec::new()),
                Stop::Request => {}
                Stop::Exception(exc) => {
                    let core = &mut self.core;
                    let pc = core.hart.pc;
                    let insn = core.hart.instret;
                    let before = if O::ENABLED {
                        Some(SyscallWatch::before(
                            &core.hart,
                            &core.mem,
                            &self.kernel,
                            exc,
                        ))
                    } else {
                        None
                    };
                    let ended = self
                        .kernel
                        .handle_exception(&mut core.hart, &mut core.mem, exc);
                    if O::ENABLED {
                        let at = TraceAt {
                            pc,
                            insn,
                            cycle: core.hart.cycles(&core.mem),
                        };
                        // The kernel's copies to and from user memory.
                        core.mem.emit_journal(at, observer);
                        let evictions = self.kernel.process.pager.take_evictions();
                        for e in evictions {
                            observer.on_event(&Event::Page(PageEvent {
                                kind: PageEventKind::SwapOut,
                                insn,
                                pc,
                                vaddr: e.vaddr,
                                region: core.mem.page_region(e.vaddr),
                                fault: if e.written {
                                    PageFaultKind::Major
                                } else {
                                    PageFaultKind::Minor
                                },
                                len: PAGE_SIZE,
                            }));
                        }
                        if ended.is_none() {
                            let major = before.as_ref().is_some_and(|b| b.swapped_page);
                            trace_resolved_fault(&mut core.mem, exc, pc, insn, major, observer);
                            if let Some(b) = &before {
                                b.emit_range_events(&core.hart, &self.kernel, pc, insn, observer);
                            }
                        }
                    }
                    if exc == Exception::EcallFromU && core.hart.pc != pc {
                        // The ecall completed: it retires like any instruction.
                        if O::ENABLED && observer.wants_retires() {
                            let raw = core.mem.peek_insn(pc).map_or(0x73, |c| c.raw);
                            observer.on_event(&Event::Retire(Retire {
                                insn,
                                pc,
                                raw,
                                len: 4,
                                privilege: core.hart.mode as u8,
                                write: None,
                            }));
                        }
                        core.retire_one(InsnClass::System);
                    }
                    if let Some(request) = self.kernel.take_client_request() {
                        self.client_request(request, pc, insn, observer);
                    }
                    match ended {
                        None => {}
                        Some(Termination::Exited(code)) => break Outcome::Exited(code),
                        Some(Termination::Signaled(fault)) => {
                            self.last_fault_addr = fault.cause.map(|_| fault.addr);
                            break Outcome::Signaled {
                                signal: fault.signal,
                                report: self.fault_report(&fault),
                            };
                        }
                    }
                }
            }
        };
        if O::ENABLED {
            let insn = self.core.hart.instret;
            let event = match &outcome {
                Outcome::Exited(status) => ProcessEvent::Exit {
                    insn,
                    status: *status,
                },
                Outcome::Signaled { signal, .. } => ProcessEvent::Signal {
                    insn,
                    pc: self.core.hart.pc,
                    signal: *signal,
                    addr: self.last_fault_addr,
                },
                Outcome::InsnLimit(_) => ProcessEvent::Limit { insn },
                Outcome::Interrupted(_) => ProcessEvent::Interrupted { insn },
            };
            observer.on_event(&Event::Process(event));
        }
        let _ = self.kernel.files.flush_all();
        self.outcome = Some(outcome.clone());
        Some(outcome)
    }

    /// Acts on a client request the program made with the `ecall` at `pc`, instruction `insn`
    /// (DESIGN.md §9): a snapshot is taken if snapshots are recorded, and every request goes
    /// to the observer (the tracer turns itself on and off, and writes marks).
    fn client_request<O: Observer>(
        &mut self,
        request: ClientRequest,
        pc: u32,
        insn: u64,
        observer: &mut O,
    ) {
        if let ClientRequest::Snapshot(name) = &request {
            if self.record_snapshots {
                let snapshot = Snapshot::of(name.clone(), &self.stats());
                self.snapshots.push(snapshot);
            }
        }
        if O::ENABLED {
            let cycle = self.core.hart.cycles(&self.core.mem);
            observer.on_event(&Event::Client(ClientEvent {
                insn,
                cycle,
                pc,
                request,
            }));
        }
    }

    /// Makes `rvscope_stats_snapshot()` record the counters (`--stats`, `--stats-file`);
    /// without it the request does nothing.
    pub fn record_snapshots(&mut self, on: bool) {
        self.record_snapshots = on;
    }

    /// The snapshots the program took so far.
    pub fn snapshots(&self) -> &[Snapshot] {
        &self.snapshots
    }

    /// Where the hart stands, for events emitted between bursts.
    fn trace_at(&self) -> TraceAt {
        let hart = &self.core.hart;
        TraceAt {
            pc: hart.pc,
            insn: hart.instret,
            cycle: hart.cycles(&self.mem),
        }
    }

    /// Statistics of the run so far.
    pub fn stats(&self) -> Stats {
        Stats::collect(self)
    }

    /// The process's regions and what its page tables hold (`--show-maps`).
    pub fn maps(&self) -> Maps {
        Maps::collect(&self.kernel.process, &self.mem)
    }

    /// The configuration this machine was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How the run ended, if it has.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// `name+0xoff (file:line)` for a code address, as far as the symbols tell.
    pub fn describe_code_addr(&mut self, pc: u32) -> String {
        let mut out = String::new();
        if let Some((f, off)) = self.symbols.function_at(pc) {
            out.push_str(" in ");
            out.push_str(&f.name);
            if off != 0 {
                out.push_str(&format!("+{off:#x}"));
            }
        }
        if let Some(line) = self.symbols.source_line(pc) {
            out.push_str(&format!(" ({line})"));
        }
        out
    }

    /// The mnemonic of the instruction at `pc`, if it can be read.
    fn mnemonic_at(&mut self, pc: u32) -> Option<String> {
        let c = self.core.mem.peek_insn(pc)?;
        let text = isa::disasm(
            &Decoded {
                insn: c.insn,
                raw: c.raw,
                len: c.len,
            },
            pc,
        );
        Some(text.split('\t').next().unwrap_or(&text).to_owned())
    }

    /// The one-line report of a fatal fault (DESIGN.md §2), e.g.
    /// `rvscope: segmentation fault at 0x00000000 (null page) by lw at 0x000101a4 in main (t.c:4)`.
    fn fault_report(&mut self, fault: &FatalFault) -> String {
        let pc = fault.pc;
        let place = self.describe_code_addr(pc);
        let what = fault.signal.description();
        match (fault.signal, fault.cause) {
            (Signal::Kill, _) => format!(
                "rvscope: out of memory: RAM {} KiB, swap {} KiB, resident {} pages; killed {}{}",
                self.mem.ram.frame_count() as u64 * PAGE_SIZE as u64 / 1024,
                self.kernel.process.pager.swap_bytes() / 1024,
                { self.kernel.process.pager.counts.resident },
                match self.mnemonic_at(pc) {
                    Some(m) => format!("at {m} at {pc:#010x}"),
                    None => format!("at {pc:#010x}"),
                },
                place
            ),
            (Signal::Segv, Some(cause)) => {
                let by = if fault.access == Some(AccessKind::Fetch) {
                    format!("fetching the instruction at {pc:#010x}")
                } else {
                    match self.mnemonic_at(pc) {
                        Some(m) => format!("by {m} at {pc:#010x}"),
                        None => format!("at pc {pc:#010x}"),
                    }
                };
                let place = if fault.access == Some(AccessKind::Fetch) {
                    String::new()
                } else {
                    place
                };
                let desc = cause.describe();
                let headline = if matches!(cause, FaultCause::StackOverflow { .. }) {
                    "stack overflow".to_owned()
                } else {
                    what.to_owned()
                };
                format!(
                    "rvscope: {headline} at {:#010x} ({desc}) {by}{place}",
                    fault.addr
                )
            }
            (Signal::Ill, _) => {
                let raw = fault.exception.tval();
                let text = self.mem.peek_insn(pc).map(|c| {
                    isa::disasm(
                        &Decoded {
                            insn: c.insn,
                            raw: c.raw,
                            len: c.len,
                        },
                        pc,
                    )
                    .replace('\t', " ")
                });
                match text {
                    Some(t) if !t.is_empty() && !t.starts_with("Illegal") => {
                        format!(
                            "rvscope: {what} {t} (not allowed in user mode) at {pc:#010x}{place}"
                        )
                    }
                    _ => format!("rvscope: {what} {raw:#010x} at {pc:#010x}{place}"),
                }
            }
            (Signal::Bus, _) => format!(
                "rvscope: {what} at {:#010x} (misaligned atomic access) by {} at {pc:#010x}{place}",
                fault.addr,
                self.mnemonic_at(pc).unwrap_or_else(|| "?".into())
            ),
            (Signal::Pipe, _) => String::new(),
            (signal, _) => format!("rvscope: {} at {pc:#010x}{place}", signal.description()),
        }
    }
}

/// After the kernel resolved exception `exc` of the instruction at `pc` without ending the
/// process: if it was a page fault, report the page it mapped and mark the retried access.
fn trace_resolved_fault<O: Observer>(
    mem: &mut Memory,
    exc: Exception,
    pc: u32,
    insn: u64,
    major: bool,
    observer: &mut O,
) {
    let vaddr = match exc {
        Exception::FetchPageFault(a)
        | Exception::LoadPageFault(a)
        | Exception::StorePageFault(a) => a,
        _ => return,
    };
    let region = mem.page_region(vaddr);
    let page = vaddr & !(PAGE_SIZE - 1);
    if major {
        mem.trace_major_fault_resolved(vaddr);
        observer.on_event(&Event::Page(PageEvent {
            kind: PageEventKind::SwapIn,
            insn,
            pc,
            vaddr: page,
            region,
            fault: PageFaultKind::Major,
            len: PAGE_SIZE,
        }));
    } else {
        mem.trace_fault_resolved(vaddr);
    }
    observer.on_event(&Event::Page(PageEvent {
        kind: PageEventKind::Fault,
        insn,
        pc,
        vaddr,
        region,
        fault: if major {
            PageFaultKind::Major
        } else {
            PageFaultKind::Minor
        },
        len: PAGE_SIZE,
    }));
}

/// What a traced run notes before the kernel handles an exception, to report what it changed:
/// the address-space calls' ranges (`brk`, `mmap`, `munmap`) and whether a faulting page
/// was in swap (a major fault).
struct SyscallWatch {
    /// The system call number, for an `ecall`.
    number: Option<u32>,
    /// `a0`, `a1` before the call.
    args: [u32; 2],
    /// The break before the call.
    brk: u32,
    /// The faulting page was in swap.
    swapped_page: bool,
}

impl SyscallWatch {
    fn before(hart: &Hart, mem: &Memory, kernel: &Kernel, exc: Exception) -> SyscallWatch {
        let swapped_page = match exc {
            Exception::FetchPageFault(a)
            | Exception::LoadPageFault(a)
            | Exception::StorePageFault(a) => mem.swap_slot(a & !(PAGE_SIZE - 1)).is_some(),
            _ => false,
        };
        SyscallWatch {
            number: (exc == Exception::EcallFromU).then_some(hart.regs[17]),
            args: [hart.regs[10], hart.regs[11]],
            brk: kernel.process.brk(),
            swapped_page,
        }
    }

    /// Reports the range a successful `brk`, `mmap` or `munmap` changed.
    fn emit_range_events<O: Observer>(
        &self,
        hart: &Hart,
        kernel: &Kernel,
        pc: u32,
        insn: u64,
        observer: &mut O,
    ) {
        let page_ceil =
            |a: u32| (u64::from(a) + u64::from(PAGE_SIZE) - 1) & !u64::from(PAGE_SIZE - 1);
        let result = hart.regs[10];
        let (kind, vaddr, len, region) = match self.number {
            Some(nr::BRK) => {
                let (old, new) = (page_ceil(self.brk), page_ceil(kernel.process.brk()));
                if old == new {
                    return;
                }
                let (lo, hi) = (old.min(new), old.max(new));
                let kind = if new > old {
                    PageEventKind::Brk
                } else {
                    PageEventKind::BrkShrink
                };
                (kind, lo as u32, (hi - lo) as u32, Region::Heap)
            }
            Some(nr::MMAP) if (result as i32) < 0 && (result as i32) > -4096 => return,
            Some(nr::MMAP) => (
                PageEventKind::Mmap,
                result,
                page_ceil(self.args[1]) as u32,
                Region::Mmap,
            ),
            Some(nr::MUNMAP) if result == 0 => (
                PageEventKind::Munmap,
                self.args[0],
                page_ceil(self.args[1]) as u32,
                Region::Mmap,
            ),
            _ => return,
        };
        observer.on_event(&Event::Page(PageEvent {
            kind,
            insn,
            pc,
            vaddr,
            region,
            fault: PageFaultKind::Minor,
            len,
        }));
    }
}

#[cfg(test)]
mod tests {
    //! Hand-computable runs of tiny programs assembled in memory.

    use super::*;
    use crate::isa::{encode, Insn, Reg};
    use crate::mmu::pagemap::Perms;
    use crate::os::files::StdStream;
    use crate::os::loader::Segment;

    const TEXT: u32 = 0x10000;
    const A0: Reg = Reg(10);
    const A1: Reg = Reg(11);
    const A7: Reg = Reg(17);

    fn machine(program: &[Insn], config: Config) -> Machine {
        let data: Vec<u8> = program
            .iter()
            .flat_map(|i| encode(i).to_le_bytes())
            .collect();
        let size = data.len() as u32;
        let image = ElfImage::synthetic(vec![Segment::synthetic(TEXT, data, size, Perms::RX)]);
        let files = Files::new(None, StdStream::Null, StdStream::Null, StdStream::Null).unwrap();
        Machine::from_image(&config, image, Symbols::none(), &["t".into()], files).unwrap()
    }

    /// `a0 = 0; a1 = 10; loop { a0 += 3; a1 -= 1 } while a1 != 0; exit(a0)`
    fn counting_loop() -> Vec<Insn> {
        vec![
            Insn::Addi {
                rd: A0,
                rs1: Reg::ZERO,
                imm: 0,
            },
            Insn::Addi {
                rd: A1,
                rs1: Reg::ZERO,
                imm: 10,
            },
            Insn::Addi {
                rd: A0,
                rs1: A0,
                imm: 3,
            },
            Insn::Addi {
                rd: A1,
                rs1: A1,
                imm: -1,
            },
            Insn::Bne {
                rs1: A1,
                rs2: Reg::ZERO,
                offset: -8,
            },
            Insn::Addi {
                rd: A7,
                rs1: Reg::ZERO,
                imm: 93,
            },
            Insn::Ecall,
        ]
    }

    #[test]
    fn loop_counts_are_exact() {
        let mut m = machine(&counting_loop(), Config::default());
        assert_eq!(m.run(), Outcome::Exited(30));
        // 2 setup + 10 × 3 loop + li a7 + ecall.
        assert_eq!(m.hart.instret, 2 + 30 + 2);
        let mix = m.instruction_mix();
        assert_eq!(mix[InsnClass::Alu as usize], 2 + 20 + 1);
        assert_eq!(mix[InsnClass::Branch as usize], 10);
        assert_eq!(mix[InsnClass::System as usize], 1);
        assert_eq!(mix.iter().sum::<u64>(), m.hart.instret);
    }

    #[test]
    fn instruction_limit_stops_inside_a_block_exactly() {
        for limit in [1, 2, 3, 4, 5, 7, 31, 33] {
            let mut m = machine(
                &counting_loop(),
                Config {
                    max_insns: Some(limit),
                    ..Config::default()
                },
            );
            assert_eq!(m.run(), Outcome::InsnLimit(limit));
            assert_eq!(m.hart.instret, limit);
            assert_eq!(
                m.instruction_mix().iter().sum::<u64>(),
                limit,
                "limit {limit}"
            );
        }
    }

    /// The default configuration in the functional and in the full timing mode.
    fn functional_and_full() -> [Config; 2] {
        use crate::config::TimingMode;
        [TimingMode::Functional, TimingMode::Full].map(|timing| Config {
            timing,
            ..Config::default()
        })
    }

    #[test]
    fn slices_end_at_block_boundaries_and_count_exactly() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        for config in functional_and_full() {
            let timing = config.timing;
            let mut plain = machine(&counting_loop(), config.clone());
            assert_eq!(plain.run(), Outcome::Exited(30));
            for slice in [1, 2, 3, 5, 7] {
                let mut m = machine(&counting_loop(), config.clone());
                m.set_interrupt_flag(Arc::new(AtomicBool::new(false)));
                m.core.set_slice_insns(slice);
                assert_eq!(m.run(), Outcome::Exited(30));
                assert_eq!(m.stats(), plain.stats(), "slice {slice} {timing:?}");
            }
        }
        // A raised flag stops the run before the next burst, with the status a shell shows.
        let mut m = machine(&counting_loop(), Config::default());
        let flag = Arc::new(AtomicBool::new(false));
        m.set_interrupt_flag(Arc::clone(&flag));
        m.core.set_slice_insns(4);
        flag.store(true, Ordering::Relaxed);
        let out = m.run();
        assert_eq!(out, Outcome::Interrupted(0));
        assert_eq!(out.exit_status(), 130);
    }

    #[test]
    fn a_paused_run_counts_and_traces_as_one_run() {
        use crate::trace::{Filter, Format, Tracer};
        for config in functional_and_full() {
            let timing = config.timing;
            let traced = |insns: u64, format: Format| {
                let mut m = machine(&counting_loop(), config.clone());
                let mut out = Vec::new();
                let mut tracer = Tracer::new(&mut out, format, Filter::default(), &config);
                let mut pauses = 0;
                let outcome = loop {
                    match m.run_for_with(&mut tracer, insns) {
                        Some(outcome) => break outcome,
                        None => pauses += 1,
                    }
                };
                tracer.finish().unwrap();
                (outcome, pauses, m.stats(), out)
            };
            let mut whole = machine(&counting_loop(), config.clone());
            assert_eq!(whole.run(), Outcome::Exited(30));
            for format in [Format::Text, Format::Bin] {
                let (outcome, pauses, stats, one_run) = traced(u64::MAX, format);
                assert_eq!((outcome, pauses), (Outcome::Exited(30), 0));
                assert_eq!(stats, whole.stats());
                for insns in [1, 2, 3, 5, 7] {
                    let (outcome, pauses, stats, paused) = traced(insns, format);
                    assert_eq!(outcome, Outcome::Exited(30), "{insns} {timing:?}");
                    // The loop's block is three instructions long: a pause waits for its end.
                    assert!(
                        pauses >= 34 / (insns.max(3) + 2),
                        "{pauses} pauses of {insns}"
                    );
                    assert_eq!(stats, whole.stats(), "{insns} {timing:?}");
                    assert!(paused == one_run, "trace paused every {insns}, {timing:?}");
                }
            }
            // Untraced, a pause stops between blocks and the run goes on where it stopped.
            let mut m = machine(&counting_loop(), config.clone());
            assert_eq!(m.run_for(4), None);
            assert!((4..=6).contains(&m.hart.instret), "{}", m.hart.instret);
            assert_eq!(m.run_for(0), None);
            assert_eq!(m.run(), Outcome::Exited(30));
            assert_eq!(m.stats(), whole.stats());
            assert_eq!(m.run_for(4), Some(Outcome::Exited(30)));
        }
    }

    #[test]
    fn instret_csr_reads_exact_count_mid_program() {
        // Three adds, then rdinstret a0: three instructions have retired before it.
        let program = vec![
            Insn::Addi {
                rd: A1,
                rs1: Reg::ZERO,
                imm: 1,
            },
            Insn::Addi {
                rd: A1,
                rs1: A1,
                imm: 1,
            },
            Insn::Addi {
                rd: A1,
                rs1: A1,
                imm: 1,
            },
            Insn::Csrrs {
                rd: A0,
                rs1: Reg::ZERO,
                csr: crate::hart::csr::INSTRET,
            },
            Insn::Addi {
                rd: A7,
                rs1: Reg::ZERO,
                imm: 93,
            },
            Insn::Ecall,
        ];
        let mut m = machine(&program, Config::default());
        assert_eq!(m.run(), Outcome::Exited(3));
    }

    #[test]
    fn fault_after_a_not_taken_branch_counts_the_prefix() {
        // li a1, 1; beq a1, zero, +8 (not taken: the block runs on); lw a0, 0(zero) faults.
        let program = vec![
            Insn::Addi {
                rd: A1,
                rs1: Reg::ZERO,
                imm: 1,
            },
            Insn::Beq {
                rs1: A1,
                rs2: Reg::ZERO,
                offset: 8,
            },
            Insn::Lw {
                rd: A0,
                rs1: Reg::ZERO,
                offset: 0,
            },
        ];
        let mut m = machine(&program, Config::default());
        assert!(matches!(
            m.run(),
            Outcome::Signaled {
                signal: Signal::Segv,
                ..
            }
        ));
        assert_eq!(m.hart.instret, 2);
        let mix = m.instruction_mix();
        assert_eq!(mix[InsnClass::Alu as usize], 1);
        assert_eq!(mix[InsnClass::Branch as usize], 1);
        assert_eq!(mix.iter().sum::<u64>(), 2);
    }

    #[test]
    fn store_to_text_is_a_fatal_fault_not_a_panic() {
        let program = vec![
            Insn::Lui { rd: A0, imm: TEXT },
            Insn::Sw {
                rs1: A0,
                rs2: A0,
                offset: 0,
            },
        ];
        let mut m = machine(&program, Config::default());
        match m.run() {
            Outcome::Signaled { signal, report } => {
                assert_eq!(signal, Signal::Segv);
                assert!(
                    report.contains("at 0x00010000 (text: not writable) by sw at 0x00010004"),
                    "{report}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(m.hart.instret, 1, "the faulting store did not retire");
    }
}
