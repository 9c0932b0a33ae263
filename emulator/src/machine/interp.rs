//! The interpreter core shared by both machines: a hart, its memory, the decoded-block cache and
//! the loop that runs them ([`Core::burst`]). What happens when the loop stops — an exception, a
//! watched store, the instruction limit — is the machine's business: the process runner hands
//! exceptions to its host-side kernel ([`super::Machine`]), the bare machine lets the hart take
//! them and serves HTIF ([`super::bare::BareMachine`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::hart::blocks::{BlockCache, Fetched};
use crate::hart::trap::Exception;
use crate::hart::Hart;
use crate::isa::InsnClass;
use crate::mem::access::{BlockRunAt, CachedInsn, Memory, TraceAt};
use crate::mem::phys::PAGE_SIZE;
use crate::trace::{Event, Observer, RegWrite, Retire};

/// Why the inner loop stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The instruction at `hart.pc` raised an exception; it has not retired.
    Exception(Exception),
    /// The instruction limit was reached.
    Limit,
    /// Stores to a watched range wait in the memory's log (`hart.pc` is the next instruction).
    Watch,
    /// The hart asked to stop ([`Memory::request_stop`]): an interrupt may be takeable before
    /// the instruction at `hart.pc`.
    Request,
}

/// Instructions per burst while an interrupt flag is watched: about a tenth of a second at
/// the interpreter's speed, so Ctrl-C feels immediate.
pub const SLICE_INSNS: u64 = 1 << 24;

/// A hart, its memory, its decoded code and the instruction mix: everything the interpreter loop
/// touches.
pub struct Core {
    /// The hart.
    pub hart: Hart,
    /// Its memory.
    pub mem: Memory,
    /// Decoded code.
    blocks: BlockCache,
    /// Instructions retired per class outside complete block runs (partial blocks, ecalls).
    mix: [u64; InsnClass::COUNT],
    /// Where the current burst stops: `max` or the end of its slice, whichever is first.
    limit: u64,
    /// `--max-insns` (`u64::MAX` for none).
    max: u64,
    /// Instructions per burst (`u64::MAX`: unbounded bursts).
    slice: u64,
    /// Where a paused run ([`crate::Machine::run_for_with`]) pauses: bursts end there as at a
    /// slice's end (`u64::MAX`: no pause).
    pause: u64,
    /// Set (by a signal handler) when the user wants the run to stop.
    interrupt: Option<Arc<AtomicBool>>,
}

impl Core {
    /// A core running `hart` on `mem`, stopping once `max_insns` instructions have retired.
    pub fn new(hart: Hart, mem: Memory, max_insns: Option<u64>) -> Core {
        Core {
            hart,
            mem,
            blocks: BlockCache::new(),
            mix: [0; InsnClass::COUNT],
            limit: max_insns.unwrap_or(u64::MAX),
            max: max_insns.unwrap_or(u64::MAX),
            slice: u64::MAX,
            pause: u64::MAX,
            interrupt: None,
        }
    }

    /// Watches `flag`: bursts are cut into slices of `SLICE_INSNS` (2^24) instructions, each ending
    /// at a block boundary (so the counts are exactly those of an unsliced run), and between
    /// slices the machine stops the run cleanly once the flag is set (Ctrl-C). The untraced
    /// loop pays nothing per instruction: the slice is its instruction limit.
    pub fn set_interrupt_flag(&mut self, flag: Arc<AtomicBool>) {
        self.interrupt = Some(flag);
        self.slice = SLICE_INSNS;
    }

    /// Cuts bursts into slices of `insns` instructions (tests: slices far shorter than
    /// [`SLICE_INSNS`]).
    #[cfg(test)]
    pub(crate) fn set_slice_insns(&mut self, insns: u64) {
        self.slice = insns;
    }

    /// Ends bursts once `instret` reaches `insns` (at a block boundary, like a slice).
    pub(crate) fn set_pause(&mut self, insns: u64) {
        self.pause = insns;
    }

    /// True if the watched interrupt flag is set.
    pub fn interrupted(&self) -> bool {
        self.interrupt
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// Instructions retired per class.
    pub fn instruction_mix(&self) -> [u64; InsnClass::COUNT] {
        let mut mix = self.blocks.mix();
        for (total, partial) in mix.iter_mut().zip(self.mix) {
            *total += partial;
        }
        mix
    }

    /// Counts one instruction of `class` that retired outside the loop (an `ecall` the kernel
    /// completed).
    pub(crate) fn retire_one(&mut self, class: InsnClass) {
        self.hart.instret += 1;
        self.mix[class as usize] += 1;
    }

    /// Runs until the loop stops, with or without the TLB and cache models as the memory says.
    #[inline(always)]
    pub(crate) fn run_burst<O: Observer>(&mut self, observer: &mut O) -> Stop {
        self.limit = self
            .max
            .min(self.hart.instret.saturating_add(self.slice))
            .min(self.pause);
        // Three loops, not four: with caches, whether there are TLBs is tested at run time.
        match (self.mem.tlbs().is_some(), self.mem.caches().is_some()) {
            (false, false) => self.burst::<O, false, false>(observer),
            (true, false) => self.burst::<O, true, false>(observer),
            (_, true) => self.burst::<O, true, true>(observer),
        }
    }

    /// The interpreter's inner loop: run decoded blocks until an exception, a watched store or
    /// the instruction limit stops it. Counts are exact at every exit: `instret` and the mix
    /// include exactly the instructions that completed. With a model (`TLBS` or `CACHES`: the
    /// memory may have modelled TLBs, caches; false means it has none), every fetch also goes
    /// through the modelled I-TLB (once per block entry; the block's later fetches are hits on
    /// the same page) and the L1I (per instruction, where the MRU-line check makes it cheap).
    #[inline(never)]
    fn burst<O: Observer, const TLBS: bool, const CACHES: bool>(
        &mut self,
        observer: &mut O,
    ) -> Stop {
        // The fetch models (I-TLB per block, L1I per instruction) are in use.
        let model = TLBS || CACHES;
        let limit = self.limit;
        let max = self.max;
        let hart = &mut self.hart;
        let mem = &mut self.mem;
        let blocks = &mut self.blocks;
        let mix = &mut self.mix;
        let mut pc = hart.pc;
        // Whether retirements are reported: asked once per burst (only a client request, an
        // `ecall` that ends the burst, changes it).
        let retires = O::ENABLED && observer.wants_retires();
        let stop = 'run: loop {
            // One flag per block boundary covers stale code, watched stores and stop requests.
            if mem.needs_attention() {
                if mem.has_stale_code() {
                    blocks.drop_stale(mem);
                }
                if mem.has_watched_stores() {
                    break 'run Stop::Watch;
                }
                if mem.take_stop_request() {
                    break 'run Stop::Request;
                }
            }
            // RAM offset of the page of `pc` (modelled runs only).
            let page_off = if model {
                let entered = if O::ENABLED {
                    mem.fetch_block_traced(pc, |m| trace_at(hart, m, pc, 0), observer)
                } else {
                    mem.fetch_block(pc)
                };
                match entered {
                    Ok(off) => off,
                    Err(e) => break 'run Stop::Exception(e),
                }
            } else {
                0
            };
            let slot = match blocks.find(pc) {
                Some(slot) => slot,
                None => match blocks.block_at(pc, mem) {
                    Ok(Fetched::Block(slot)) => {
                        if let Some(p) = hart.pipeline.as_deref_mut() {
                            p.prepare(slot, blocks.insns(slot));
                        }
                        slot
                    }
                    Ok(Fetched::Uncached) => {
                        if hart.instret >= limit {
                            if limit == max {
                                break 'run Stop::Limit;
                            }
                            // The slice is over: stop at the next block boundary.
                            mem.request_stop();
                        }
                        let c = match mem.fetch_straddling(pc) {
                            Ok(c) => c,
                            Err(e) => {
                                if O::ENABLED {
                                    let at = trace_at(hart, mem, pc, 0);
                                    mem.emit_fetch_fault(pc, e, at, observer);
                                }
                                break 'run Stop::Exception(e);
                            }
                        };
                        if O::ENABLED {
                            mem.emit_journal(trace_at(hart, mem, pc, 0), observer);
                        }
                        let insn_no = hart.instret;
                        // A lone instruction has offset 0: `pc` is its own base.
                        match hart.execute::<O, TLBS, CACHES>(&c, pc, mem, observer, insn_no) {
                            Ok(next) => {
                                if O::ENABLED {
                                    retire(hart, pc, &c, insn_no, observer);
                                }
                                pc = next.unwrap_or(pc.wrapping_add(c.len as u32));
                                hart.instret += 1;
                                mix[c.class as usize] += 1;
                                continue 'run;
                            }
                            Err(e) => break 'run Stop::Exception(e),
                        }
                    }
                    Err(e) => {
                        if O::ENABLED {
                            mem.emit_fetch_fault(pc, e, trace_at(hart, mem, pc, 0), observer);
                        }
                        break 'run Stop::Exception(e);
                    }
                },
            };
            let insns = blocks.insns(slot);
            let len = insns.len();
            // What the block loop runs: the functional loop, the block's fused form
            // (hart/fuse.rs: slot for slot like `insns`, the same counts); the others, which
            // fetch per instruction, the instructions themselves.
            let run = if !O::ENABLED && !model {
                blocks.fused_insns(slot)
            } else {
                insns
            };
            // RAM offset of the block's first instruction (modelled runs only).
            let block_off = page_off + (pc & (PAGE_SIZE - 1)) as usize;
            // The whole block fits under the limit (`instret` is far below 2^64).
            if hart.instret + len as u64 <= limit
                || slice_ends_in_block(mem, limit, max, hart.instret, len)
            {
                // The common case: run the block until its end or a taken branch (a side exit).
                // Each instruction's pc comes from its offset in the block, so consecutive
                // instructions do not wait on each other's pc arithmetic.
                let start = pc;
                loop {
                    // A plain iterator: the per-instruction step is one pointer increment and
                    // compare. An instruction's position in the block is derived from what is
                    // left only where it is needed (exits, tracing); `enumerate()` kept a counter
                    // in a stack slot (coremark_like ran at 282 instead of 338 MIPS), and an index
                    // loop paid for the index arithmetic on every instruction.
                    let mut rest = run.iter();
                    // The hart's part of the cycle counter is fixed during a run (instructions,
                    // kernel, swap and pipeline cycles are counted when it ends); only the
                    // memory's stalls move, so a traced fetch adds just those.
                    let run_cycles = if O::ENABLED {
                        hart.cycles_outside_memory()
                    } else {
                        0
                    };
                    // Which instructions are 4 bytes long, for a block run's record.
                    let four_byte = if O::BLOCK_RUNS && CACHES {
                        blocks.four_byte_mask(slot)
                    } else {
                        0
                    };
                    // Traced runs count the position (each access and retirement needs it);
                    // the others derive it from `rest` where needed.
                    let mut traced_i = usize::MAX;
                    if O::BLOCK_RUNS && CACHES {
                        let run = BlockRunAt {
                            pc: start,
                            off: block_off,
                            insn: hart.instret,
                            cycles: run_cycles,
                            four_byte,
                            first_slot: insns.as_ptr() as usize,
                        };
                        mem.begin_block_run(run, observer);
                    }
                    // A lean run: block runs without retirements, the common traced loop,
                    // which keeps nothing per instruction that the untraced loop does not:
                    // no position (an access finds it from its slot), no sequence number
                    // (the memory counts the run's fetches in it where it needs it,
                    // [`Memory::count_run_fetches`]), no retirement test.
                    let mut lean = O::BLOCK_RUNS && CACHES && !retires;
                    // Leaving the block at the exception of its instruction `i`: the
                    // instructions before it retired, it did not (the faulting instruction's
                    // slot, not `c`'s: in a fused load pair, functional runs, it is the
                    // second's).
                    macro_rules! exception_in_block {
                        ($i:expr, $e:expr) => {{
                            let i = $i;
                            pc = start.wrapping_add(insns[i].offset as u32);
                            if O::BLOCK_RUNS {
                                if lean {
                                    mem.count_run_fetches(i + 1);
                                }
                                // The faulting instruction was fetched.
                                observer.end_block_run(hart.instret + i as u64 + 1);
                            }
                            hart.instret += i as u64;
                            for done in &insns[..i] {
                                mix[done.class as usize] += 1;
                            }
                            if model {
                                mem.itlb_same_page_fetches(i as u64);
                            }
                            if let Some(p) = hart.pipeline.as_deref_mut() {
                                p.interrupted(slot, i);
                            }
                            Stop::Exception($e)
                        }};
                    }
                    let done = 'block: {
                        if O::BLOCK_RUNS && CACHES && lean {
                            // The observer runs it (`Observer::lean_block_run`), so that the
                            // other loops' code does not hold it.
                            match observer.lean_block_run::<TLBS, CACHES>(hart, mem, insns, start) {
                                LeanExit::NotRun => lean = false,
                                LeanExit::Left(done, next) => {
                                    pc = next;
                                    break 'block done;
                                }
                                LeanExit::FellThrough => {
                                    if let Some(c) = insns.last() {
                                        pc = start.wrapping_add(c.offset as u32 + c.len as u32);
                                    }
                                    break 'block len;
                                }
                                LeanExit::Fault(i, e) => {
                                    break 'run exception_in_block!(i, e);
                                }
                            }
                        }
                        while let Some(c) = rest.next() {
                            let i = if O::ENABLED {
                                traced_i = traced_i.wrapping_add(1);
                                traced_i
                            } else {
                                len - 1 - rest.len()
                            };
                            let insn_no = hart.instret + i as u64;
                            if O::BLOCK_RUNS && CACHES {
                                // The open block run's next fetch costs the L1I's shortcut
                                // and a count; the others are reported (what they need of the
                                // run is the memory's, from `begin_block_run`: fewer values
                                // live across the loop).
                                let off = block_off + c.offset as usize;
                                if !mem.fetch_in_open_block_run::<O, false>(off, c.len, observer) {
                                    mem.fetch_in_block_run(c.offset, c.len, i, observer);
                                }
                            } else if O::ENABLED {
                                let ipc = start.wrapping_add(c.offset as u32);
                                let off = model.then_some(block_off + c.offset as usize);
                                let at = TraceAt {
                                    pc: ipc,
                                    insn: insn_no,
                                    cycle: run_cycles + mem.stall_cycle_total() + i as u64,
                                };
                                mem.fetch_traced(ipc, off, c.len as u32, at, observer);
                            } else if CACHES {
                                mem.fetch_line(block_off + c.offset as usize, c.len as u32);
                            }
                            // Fused pairs (functional runs only) consume a second slot
                            // of `rest`; the other loops leave it alone, which keeps their
                            // code as it was (`rest` handed to the executor cost the TLB loop
                            // 4% more host instructions).
                            let done = if !O::ENABLED && !model {
                                hart.execute_in_block::<O, TLBS, CACHES, false>(
                                    c, &mut rest, start, mem, observer, insn_no,
                                )
                            } else {
                                hart.execute::<O, TLBS, CACHES>(c, start, mem, observer, insn_no)
                            };
                            match done {
                                Ok(next) => {
                                    if retires {
                                        let pc = start.wrapping_add(c.offset as u32);
                                        report_retire(hart, pc, c, insn_no, observer);
                                    }
                                    // Only a jump or a taken branch leaves early (a branch to
                                    // the next instruction returns `None`, like every other
                                    // instruction).
                                    if let Some(next) = next {
                                        pc = next;
                                        break 'block len - rest.len();
                                    }
                                }
                                Err(e) => {
                                    break 'run exception_in_block!(len - 1 - rest.len(), e);
                                }
                            }
                        }
                        // The run fell through the whole block (most runs leave by a jump or a
                        // taken branch, so this pc is computed here rather than tracked per
                        // instruction).
                        if let Some(c) = insns.last() {
                            pc = start.wrapping_add(c.offset as u32 + c.len as u32);
                        }
                        len
                    };
                    if O::BLOCK_RUNS {
                        if lean {
                            mem.count_run_fetches(done);
                        }
                        observer.end_block_run(hart.instret + done as u64);
                    }
                    hart.instret += done as u64;
                    blocks.count_exit(slot, done);
                    if let Some(p) = hart.pipeline.as_deref_mut() {
                        p.exit(slot, done, pc);
                    }
                    if model {
                        mem.itlb_same_page_fetches(done as u64 - 1);
                    }
                    // A loop that branches back to its block's start (over half of
                    // coremark_like's runs) runs the block again at once: no block was decoded
                    // or dropped since the lookup, so it would find this very block. Anything
                    // unusual takes the full path: the attention flag (stale code, watched
                    // stores, stop requests), an instruction limit inside the block, and
                    // modelled runs (their I-TLB access per block entry).
                    if model
                        || pc != start
                        || mem.needs_attention()
                        || hart.instret + len as u64 > limit
                    {
                        break;
                    }
                }
            } else {
                // The instruction limit falls inside this block: run up to it, one by one.
                let budget = max.saturating_sub(hart.instret);
                let start = pc;
                for (i, c) in insns.iter().take(budget as usize).enumerate() {
                    let fallthrough = pc.wrapping_add(c.len as u32);
                    if model && i > 0 {
                        mem.itlb_same_page_fetches(1);
                    }
                    if O::ENABLED {
                        let off = model.then_some(block_off + c.offset as usize);
                        let at = trace_at(hart, mem, pc, 0);
                        mem.fetch_traced(pc, off, c.len as u32, at, observer);
                    } else if CACHES {
                        mem.fetch_line(block_off + c.offset as usize, c.len as u32);
                    }
                    let insn_no = hart.instret;
                    match hart.execute::<O, TLBS, CACHES>(c, start, mem, observer, insn_no) {
                        Ok(next) => {
                            if O::ENABLED {
                                retire(hart, pc, c, insn_no, observer);
                            }
                            let next = next.unwrap_or(fallthrough);
                            pc = next;
                            hart.instret += 1;
                            mix[c.class as usize] += 1;
                            if next != fallthrough {
                                // A side exit before the limit: back to the block lookup.
                                continue 'run;
                            }
                        }
                        Err(e) => break 'run Stop::Exception(e),
                    }
                }
                break 'run Stop::Limit;
            }
        };
        hart.pc = pc;
        stop
    }
}

/// How a lean block run ended ([`lean_block_run`]).
#[doc(hidden)]
#[derive(Debug)]
pub enum LeanExit {
    /// The observer runs none: the general traced loop runs the block.
    NotRun,
    /// A jump or taken branch after this many instructions, to this pc.
    Left(usize, u32),
    /// The run went through the whole block.
    FellThrough,
    /// Instruction `i` raised the exception (it did not retire).
    Fault(usize, Exception),
}

/// A lean block run of the decoded block `insns` (at `start`; its RAM offset is the run's,
/// [`Memory::lean_run_offset`], from [`Memory::begin_block_run`]): the
/// traced loop without retirements, which keeps nothing per instruction that the untraced loop
/// does not — no position (an access finds it from its decoded slot,
/// [`Memory::lean_access_at`]), no sequence number (the memory counts the run's fetches where
/// it needs them, [`Memory::count_run_fetches`]), no retirement test. Block-run observers run
/// it from [`Observer::lean_block_run`]: inside `Core::burst` its mere presence changed how
/// the untraced loop compiled (a register spilled, 2% more host instructions).
#[doc(hidden)]
#[inline(always)]
pub fn lean_block_run<O: Observer, const TLBS: bool, const CACHES: bool>(
    hart: &mut Hart,
    mem: &mut Memory,
    observer: &mut O,
    insns: &[CachedInsn],
    start: u32,
) -> LeanExit {
    // The block's RAM offset and an instruction's position come from the run's state in the
    // memory (`begin_block_run`), not from values held across the instruction's handler:
    // fewer of those leave the loop's iterator in a register.
    for c in insns {
        let off = mem.lean_run_offset() + c.offset as usize;
        if !mem.fetch_in_open_block_run::<O, true>(off, c.len, observer) {
            let i = mem.lean_position(c);
            mem.fetch_in_lean_run(c.offset, c.len, i, observer);
        }
        match hart.execute_in_lean_run::<O, TLBS, CACHES>(c, start, mem, observer) {
            Ok(None) => {}
            Ok(Some(next)) => return LeanExit::Left(mem.lean_position(c) + 1, next),
            Err(e) => return LeanExit::Fault(mem.lean_position(c), e),
        }
    }
    LeanExit::FellThrough
}

/// The burst's limit falls inside a block of `len` instructions: if it is the end of a slice
/// (`limit < max`, see [`Core::set_interrupt_flag`]) and the block fits under `max`, the block
/// runs whole and the burst stops at the next block boundary (a stop request, so the common
/// path pays nothing); a block is never split, and a sliced run counts exactly like an
/// unsliced one. False if it is the instruction limit.
#[cold]
#[inline(never)]
fn slice_ends_in_block(mem: &mut Memory, limit: u64, max: u64, instret: u64, len: usize) -> bool {
    if limit < max && (len as u64) <= max.saturating_sub(instret) {
        mem.request_stop();
        true
    } else {
        false
    }
}

/// Where the instruction at `pc`, `done` instructions after the last counted one, stands in
/// the trace. Its cycle is the `cycle` counter plus one per instruction since; the pipeline's
/// stalls of a block run are added when the run ends, so they show from the next run on.
#[inline(always)]
fn trace_at(hart: &Hart, mem: &Memory, pc: u32, done: u64) -> TraceAt {
    TraceAt {
        pc,
        insn: hart.instret + done,
        cycle: hart.cycles(mem) + done,
    }
}

/// Reports the retirement of `c` at `pc`, instruction number `insn_no`, with its register
/// write.
#[inline(always)]
fn retire<O: Observer>(hart: &Hart, pc: u32, c: &CachedInsn, insn_no: u64, observer: &mut O) {
    if observer.wants_retires() {
        report_retire(hart, pc, c, insn_no, observer);
    }
}

#[inline(never)]
fn report_retire<O: Observer>(
    hart: &Hart,
    pc: u32,
    c: &CachedInsn,
    insn_no: u64,
    observer: &mut O,
) {
    let write = c.insn.rd().filter(|r| r.0 != 0).map(|r| RegWrite {
        reg: r.0,
        value: hart.regs[r.idx()],
    });
    observer.on_event(&Event::Retire(Retire {
        insn: insn_no,
        pc,
        raw: c.raw,
        len: c.len,
        privilege: hart.mode as u8,
        write,
    }));
}
