//! The events an [`super::Observer`] receives (DESIGN.md §8). One enum of event kinds; each kind
//! is a plain struct, so a new level, a new field or a new kind is an addition, never a rewrite:
//! writers that do not know a field ignore it.

use serde::Serialize;

use crate::hart::trap::Exception;
use crate::mem::hierarchy::{CacheJourney, Level};
use crate::os::layout::Region;
use crate::os::signal::Signal;

/// One observed event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// An instruction retired.
    Retire(Retire),
    /// A memory access and its journey through TLB, caches and RAM.
    Access(Access),
    /// Something happened to a page (a fault the kernel resolved, a mapping).
    Page(PageEvent),
    /// The process started, exited, was killed or stopped at the instruction limit.
    Process(ProcessEvent),
    /// The program made a client request (`guest/include/rvscope.h`, DESIGN.md §9).
    Client(ClientEvent),
}

impl Event {
    /// Instructions retired before it: the trace's clock (`None` for the process start,
    /// which comes before any).
    pub fn insn(&self) -> Option<u64> {
        match self {
            Event::Retire(r) => Some(r.insn),
            Event::Access(a) => Some(a.insn),
            Event::Page(p) => Some(p.insn),
            Event::Client(c) => Some(c.insn),
            Event::Process(ProcessEvent::Start { .. }) => None,
            Event::Process(
                ProcessEvent::Exit { insn, .. }
                | ProcessEvent::Signal { insn, .. }
                | ProcessEvent::Limit { insn }
                | ProcessEvent::Interrupted { insn },
            ) => Some(*insn),
        }
    }
}

/// What made a memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessKind {
    /// Instruction fetch.
    Fetch,
    /// Load (LR included).
    Load,
    /// Store (SC included).
    Store,
    /// Atomic read-modify-write.
    Amo,
    /// Page-table walker reading a PTE.
    Ptw,
    /// The kernel copying to or from user memory (a system call's buffer).
    Kernel,
}

impl AccessKind {
    /// Every kind, in index order.
    pub const ALL: [AccessKind; 6] = [
        AccessKind::Fetch,
        AccessKind::Load,
        AccessKind::Store,
        AccessKind::Amo,
        AccessKind::Ptw,
        AccessKind::Kernel,
    ];

    /// The lowercase name used by the text formats and `--trace-kind`.
    pub fn name(self) -> &'static str {
        match self {
            AccessKind::Fetch => "fetch",
            AccessKind::Load => "load",
            AccessKind::Store => "store",
            AccessKind::Amo => "amo",
            AccessKind::Ptw => "ptw",
            AccessKind::Kernel => "kernel",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<AccessKind> {
        AccessKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The modelled TLB's part in an access.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TlbOutcome {
    /// No TLB is modelled (functional mode), the access is physical, or the walker made it.
    #[default]
    None,
    /// The TLB held the translation.
    Hit,
    /// It did not: the walker read the page table (the `ptw` events just before).
    Miss,
}

/// A page fault an access caused and the kernel resolved before the access was retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageFaultKind {
    /// The page was mapped on first touch (zero-filled or loaded from the ELF).
    Minor,
    /// The page had to be read back from swap (the swap issue).
    Major,
}

/// One memory access: its journey left to right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// Number of this access among all accesses of the run (from 0).
    pub seq: u64,
    /// Instructions retired before the one that made it (the `--trace-from/to` clock).
    pub insn: u64,
    /// The hart's cycle count when it started (instructions plus kernel cycles until the
    /// timing model lands).
    pub cycle: u64,
    /// The instruction that made it (for `kernel` accesses, the `ecall`).
    pub pc: u32,
    /// What made it.
    pub kind: AccessKind,
    /// Bytes.
    pub size: u8,
    /// Virtual address (the physical one for `ptw`).
    pub vaddr: u32,
    /// Physical address of its first byte (`None` if translation failed).
    pub paddr: Option<u32>,
    /// An access crossing into another page reaches the caches as two accesses: the
    /// physical address and size of the second one.
    pub split: Option<(u32, u8)>,
    /// Region of its page (`None` when the page was not mapped).
    pub region: Option<Region>,
    /// The TLB lookup.
    pub tlb: TlbOutcome,
    /// The caches it went through (`None` when caches are not modelled or it faulted).
    pub cache: Option<CacheJourney>,
    /// The level that served it (`None` when caches are not modelled or it faulted).
    pub served_by: Option<Level>,
    /// The page fault resolved before this (retried) access.
    pub page_fault: Option<PageFaultKind>,
    /// The exception the access raised (then it had no effect on memory or caches).
    pub fault: Option<Exception>,
    /// The value written (stores and AMOs: the new value), little-endian in the low bytes.
    pub data: Option<u32>,
    /// Cycles of the access in the caches (latencies of the levels visited).
    pub cycles: u64,
}

impl Access {
    /// True if the access completed (it reached memory).
    pub fn completed(&self) -> bool {
        self.fault.is_none()
    }
}

/// A register write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegWrite {
    /// Register number (1..=31; writes to `x0` are not reported).
    pub reg: u8,
    /// The value written.
    pub value: u32,
}

/// An instruction that retired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retire {
    /// Instructions retired before it.
    pub insn: u64,
    /// Its address.
    pub pc: u32,
    /// Its encoding (16-bit forms zero-extended).
    pub raw: u32,
    /// Encoded length (2 or 4).
    pub len: u8,
    /// Privilege level it ran at (0 U, 1 S, 3 M).
    pub privilege: u8,
    /// The register it wrote, if any.
    pub write: Option<RegWrite>,
}

/// What happened to a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageEventKind {
    /// A page fault the kernel resolved by mapping the page (the access is retried).
    Fault,
    /// The heap grew (`brk`): `vaddr..vaddr+len` was added; its pages are mapped lazily, on
    /// first touch.
    Brk,
    /// The heap shrank (`brk`): `vaddr..vaddr+len` was removed and its pages freed.
    #[serde(rename = "brk-shrink")]
    BrkShrink,
    /// An anonymous `mmap` reserved `vaddr..vaddr+len`.
    Mmap,
    /// `munmap` removed `vaddr..vaddr+len`.
    Munmap,
    /// The pager evicted the page to make room: written to swap (it was dirty, or never
    /// there), or dropped clean (`fault` is then minor: no transfer).
    #[serde(rename = "swap-out")]
    SwapOut,
    /// A major fault read the page back from swap.
    #[serde(rename = "swap-in")]
    SwapIn,
}

impl PageEventKind {
    /// The name the text and jsonl formats use.
    pub fn name(self) -> &'static str {
        match self {
            PageEventKind::Fault => "fault",
            PageEventKind::Brk => "brk",
            PageEventKind::BrkShrink => "brk-shrink",
            PageEventKind::Mmap => "mmap",
            PageEventKind::Munmap => "munmap",
            PageEventKind::SwapOut => "swap-out",
            PageEventKind::SwapIn => "swap-in",
        }
    }
}

/// A page event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageEvent {
    /// What happened.
    pub kind: PageEventKind,
    /// Instructions retired before it.
    pub insn: u64,
    /// The instruction that caused it.
    pub pc: u32,
    /// The page's (faulting) virtual address.
    pub vaddr: u32,
    /// Its region.
    pub region: Region,
    /// Minor or major (for `fault`); for `swap-out`, major if the page was written to swap,
    /// minor if it was dropped clean; minor for the others.
    pub fault: PageFaultKind,
    /// Bytes of the range (`brk`, `brk-shrink`, `mmap`, `munmap`; a page for the others).
    pub len: u32,
}

/// A process event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessEvent {
    /// The process starts at `entry` with stack pointer `sp`.
    Start {
        /// Entry point.
        entry: u32,
        /// Initial stack pointer.
        sp: u32,
    },
    /// It called `exit(status)`.
    Exit {
        /// Instructions retired.
        insn: u64,
        /// Exit status.
        status: u8,
    },
    /// A fatal signal killed it.
    Signal {
        /// Instructions retired.
        insn: u64,
        /// The instruction that faulted.
        pc: u32,
        /// The signal.
        signal: Signal,
        /// The faulting address, if any.
        addr: Option<u32>,
    },
    /// `--max-insns` stopped it.
    Limit {
        /// Instructions retired.
        insn: u64,
    },
    /// The user interrupted the run (Ctrl-C, SIGINT or SIGTERM to rvscope), at an instruction
    /// boundary.
    Interrupted {
        /// Instructions retired.
        insn: u64,
    },
}

/// A client request the program made (an `ecall` with [`crate::os::client::RVSCOPE_SYSCALL`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientEvent {
    /// Instructions retired before the `ecall`.
    pub insn: u64,
    /// The hart's cycle count then.
    pub cycle: u64,
    /// The `ecall`'s address.
    pub pc: u32,
    /// What was asked.
    pub request: ClientRequest,
}

/// What a client request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientRequest {
    /// `rvscope_trace_on()`: the trace keeps events from here on.
    TraceOn,
    /// `rvscope_trace_off()`: the trace drops access, retire and page events from here on.
    TraceOff,
    /// `rvscope_mark("phase 2")`: a labelled point in the trace.
    Mark(String),
    /// `rvscope_stats_snapshot()` / `rvscope_stats_snapshot_named(name)`: the counters here.
    Snapshot(String),
}

impl ClientRequest {
    /// The event name in the text and jsonl formats.
    pub fn name(&self) -> &'static str {
        match self {
            ClientRequest::TraceOn => "trace-on",
            ClientRequest::TraceOff => "trace-off",
            ClientRequest::Mark(_) => "mark",
            ClientRequest::Snapshot(_) => "snapshot",
        }
    }

    /// The label of a mark or snapshot.
    pub fn label(&self) -> Option<&str> {
        match self {
            ClientRequest::Mark(s) | ClientRequest::Snapshot(s) => Some(s),
            _ => None,
        }
    }
}
