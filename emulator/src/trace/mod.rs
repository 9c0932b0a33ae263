//! Observation of execution (DESIGN.md §8, §10): the [`Event`] model, the [`Observer`] that
//! receives events, and the writers that turn them into trace files ([`writer`]).
//!
//! An observer is a generic parameter of the interpreter loop whose `ENABLED = false` compiles
//! every hook out of it: with [`NoObserver`] the loop, the executor and the memory fast paths
//! are the untraced ones, instruction for instruction. With an enabled observer, the loop and
//! the executor call the *traced* memory paths (`Memory::load_traced` …), which do exactly the
//! same modelled accounting and also build each access's journey.

pub mod bin;
pub mod block_run;
pub mod event;
pub mod fetch_run;
pub mod filter;
pub mod run_access;
pub mod writer;

pub use event::{
    Access, AccessKind, ClientEvent, ClientRequest, Event, PageEvent, PageEventKind, PageFaultKind,
    ProcessEvent, RegWrite, Retire, TlbOutcome,
};
pub use filter::Filter;
pub use writer::{Format, Tracer};

/// Receives execution events. Implement it to build tracers, visualisers or autograders.
pub trait Observer {
    /// If false, the interpreter never calls the hooks (they compile away).
    const ENABLED: bool;

    /// Something happened (see [`Event`]); events arrive in program order: an instruction's
    /// fetch, the page-table reads of its data access, the access, then its retirement.
    fn on_event(&mut self, event: &Event) {
        let _ = event;
    }

    /// A memory access (an [`Event::Access`]): every access is reported through this method,
    /// which by default passes it on to [`Observer::on_event`]. It exists so that an observer
    /// can take the commonest event without the `Event` around it (the `bin` writer turns a
    /// plain access into its record right where the access is made).
    #[inline(always)]
    fn on_access(&mut self, access: &Access) {
        self.on_event(&Event::Access(*access));
    }

    /// A plain fetch ([`fetch_run::PlainFetch`]: an L1 hit at the instruction's own address,
    /// nothing unusual): the commonest access, reported by the traced fetch path with no
    /// [`Access`] built. By default it is passed on to [`Observer::on_access`] as the access it
    /// is; the `bin` writer folds it into a fetch run.
    #[inline(always)]
    fn on_plain_fetch(&mut self, fetch: &fetch_run::PlainFetch) {
        self.on_access(&fetch.access());
    }

    /// A plain fetch of the instruction right after the last one reported through
    /// [`Observer::on_plain_fetch`] or this method, on the same page (its pc follows that
    /// fetch's, and no other fetch came between): an observer that gathers fetch runs may take
    /// it as its open run's next fetch from these fields alone (the pc and region are the
    /// run's), and return true. False (the default: the fetch then comes to
    /// [`Observer::on_plain_fetch`]) if it does not.
    #[inline(always)]
    fn continue_fetch_run(&mut self, fetch: &fetch_run::NextFetch) -> bool {
        let _ = fetch;
        false
    }

    /// True if the observer gathers *block runs* ([`block_run`]): the interpreter then reports
    /// a block run's plain fetches through [`Observer::open_block_run`], its later ones by
    /// [`Observer::in_block_run`] alone, and its end through [`Observer::end_block_run`].
    const BLOCK_RUNS: bool = false;

    /// True while a block run opened by [`Observer::open_block_run`] is open: the next plain
    /// fetch of the same block run (the next instruction, an L1 hit on each line it touches
    /// at the L1I's latency each — two for a fetch across a line boundary —, the I-TLB's most
    /// recent page) is then the run's without being reported at all. The observer closes the
    /// run itself when any event other than a plain data access ([`Observer::on_plain_data`])
    /// comes, and is told when the block run ends ([`Observer::end_block_run`]).
    #[inline(always)]
    fn in_block_run(&self) -> bool {
        false
    }

    /// A plain fetch of one L1I line in a block run, while [`Observer::in_block_run`] is
    /// false: the observer may open a block run with it. Bit `k` of `four_byte` is set if the
    /// block run's `k`-th instruction from this one is 4 bytes long (else 2; bits past the
    /// block's end are clear); the L1I's lines are `1 << line_shift` bytes (a later fetch of
    /// the run across two of them costs twice the first's cycles). By default it is an
    /// ordinary plain fetch.
    #[inline(always)]
    fn open_block_run(&mut self, fetch: &fetch_run::PlainFetch, four_byte: u64, line_shift: u8) {
        let _ = (four_byte, line_shift);
        self.on_plain_fetch(fetch);
    }

    /// A block run is about to start, its first fetch expected to be the plain fetch `first`
    /// (one L1I line's hit; `four_byte` and `line_shift` as for
    /// [`Observer::open_block_run`]): the observer may open its run now, before the fetch, so
    /// that the fetch is already the run's. If the fetch turns out not to be plain it is
    /// reported as an access, which closes the run with no fetches; if it crosses into the
    /// next line with a hit there too it is the run's, at twice the cycles. By default nothing
    /// happens (the fetch comes as usual).
    #[inline(always)]
    fn begin_block_run(&mut self, first: &fetch_run::PlainFetch, four_byte: u64, line_shift: u8) {
        let _ = (first, four_byte, line_shift);
    }

    /// The block run ends: its fetches were those of the instructions before `next_insn`.
    #[inline(always)]
    fn end_block_run(&mut self, next_insn: u64) {
        let _ = next_insn;
    }

    /// A data access that made no page-table walk and resolved no page fault (a load or store
    /// inside one page, a D-TLB hit that needed no walk, or with no D-TLB): the hart's memory
    /// stall grew by its `cycles` less one and by nothing else, so it may sit inside a block
    /// run. By default it is an ordinary access.
    #[inline(always)]
    fn on_plain_data(&mut self, access: &Access) {
        self.on_access(access);
    }

    /// True if the observer takes a block run's plain data accesses as *run accesses*
    /// ([`run_access`]): while [`Observer::in_block_run`] is true, the lean traced loop then
    /// hands such an access to [`Observer::on_run_access`] without building its [`Access`]
    /// (its seq, instruction number, cycle and pc follow from the run).
    const RUN_ACCESSES: bool = false;

    /// A plain data access of the open block run (see [`Observer::on_plain_data`] and
    /// [`Observer::RUN_ACCESSES`]; called only if that is true, while
    /// [`Observer::in_block_run`] is).
    #[inline(always)]
    fn on_run_access(&mut self, access: &run_access::RunAccess) {
        let _ = access;
    }

    /// A data access of the open block run that walked the page table first, with nothing
    /// else unusual (see [`run_access`], "Walked run accesses"): its PTE reads are `walk`'s,
    /// made just before it by the same instruction at the same cycle, and the hart's memory
    /// stall grew by their cycles besides the access's `cycles` less one. Called only if
    /// [`Observer::RUN_ACCESSES`], while [`Observer::in_block_run`] is.
    #[inline(always)]
    fn on_walked_run_access(&mut self, access: &run_access::RunAccess, walk: &run_access::RunWalk) {
        let _ = (access, walk);
    }

    /// Runs a decoded block the lean way (the interpreter's, for block-run observers: see
    /// `machine::interp::lean_block_run`); by default runs none
    /// (the interpreter's general traced loop does). Called only if [`Observer::BLOCK_RUNS`].
    #[doc(hidden)]
    #[inline(always)]
    fn lean_block_run<const TLBS: bool, const CACHES: bool>(
        &mut self,
        hart: &mut crate::hart::Hart,
        mem: &mut crate::mem::access::Memory,
        insns: &[crate::mem::access::CachedInsn],
        start: u32,
    ) -> crate::machine::LeanExit
    where
        Self: Sized,
    {
        let _ = (hart, mem, insns, start);
        crate::machine::LeanExit::NotRun
    }

    /// False if this observer has no use for [`Event::Retire`] events now: the interpreter
    /// then does not build them (a retirement per instruction is the largest share of a
    /// traced run's events). Asked when a burst of the interpreter starts (and before each
    /// instruction run on its own), so it may change during a program's run (a client
    /// request ends a burst).
    fn wants_retires(&self) -> bool {
        true
    }
}

/// The observer that observes nothing: the fast path.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl Observer for NoObserver {
    const ENABLED: bool = false;
}

/// An observer that keeps every event in memory (for tests and small tools; a long run wants
/// a [`Tracer`] streaming to a file instead).
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    /// The events so far, oldest first.
    pub events: Vec<Event>,
}

impl Observer for Recorder {
    const ENABLED: bool = true;

    fn on_event(&mut self, event: &Event) {
        self.events.push(event.clone());
    }
}

/// Two observers side by side (`--trace` with `--pipeline-view`): each gets every event.
impl<A: Observer, B: Observer> Observer for (&mut A, &mut B) {
    const ENABLED: bool = A::ENABLED || B::ENABLED;

    fn on_event(&mut self, event: &Event) {
        if A::ENABLED {
            self.0.on_event(event);
        }
        if B::ENABLED {
            self.1.on_event(event);
        }
    }

    fn on_access(&mut self, access: &Access) {
        if A::ENABLED {
            self.0.on_access(access);
        }
        if B::ENABLED {
            self.1.on_access(access);
        }
    }

    fn on_plain_fetch(&mut self, fetch: &fetch_run::PlainFetch) {
        if A::ENABLED {
            self.0.on_plain_fetch(fetch);
        }
        if B::ENABLED {
            self.1.on_plain_fetch(fetch);
        }
    }

    fn wants_retires(&self) -> bool {
        (A::ENABLED && self.0.wants_retires()) || (B::ENABLED && self.1.wants_retires())
    }
}
