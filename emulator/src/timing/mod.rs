//! The cycle model (DESIGN.md §7): a classic in-order 5-stage pipeline (IF ID EX MEM WB) timed
//! from the functional execution, with no second execution engine. Every retired instruction
//! costs one cycle; on top of that come the stalls below, each counted as if the others did
//! not happen (they are additive: the CPI stack's components sum to the total by construction).
//!
//! | hazard | cycles |
//! |---|---|
//! | load-use (forwarding on) | [`LOAD_USE_STALL_CYCLES`] when the instruction right after a load, LR or AMO reads its result |
//! | RAW (`--no-forwarding`) | a result is read in ID no earlier than the producer's WB: 2 bubbles at distance 1, 1 at distance 2 (bubbles already inserted count towards the distance) |
//! | conditional branch, resolved in EX | mispredicted: [`MISPREDICT_PENALTY_CYCLES`]; predicted taken (at ID, no BTB) and taken: [`TAKEN_REDIRECT_CYCLES`]; predicted not taken and not taken: 0 |
//! | `jal` | [`JAL_PENALTY_CYCLES`] (target known in ID) |
//! | `jalr` | [`JALR_PENALTY_CYCLES`] (target known in EX; no return-address stack) |
//! | mul / div | latency − 1 (EX is busy, nothing overlaps; defaults [`DEFAULT_MUL_LATENCY_CYCLES`], [`DEFAULT_DIV_LATENCY_CYCLES`]) |
//!
//! Memory stalls are counted by [`Memory`](crate::mem::access::Memory) (see
//! [`Hart::cpi_stack`](crate::hart::Hart::cpi_stack)): each fetch or data access costs the latencies on its path in the cache
//! hierarchy, of which IF or MEM covers one cycle; TLB-miss walks cost all their PTE reads'
//! cycles; page faults and swap transfers cost kernel time (`page_faults`, `swap`).
//!
//! Cost on the hot path: the interpreter runs decoded blocks ([`crate::hart::blocks`]), and
//! within a block everything but the exit point is static. [`Pipeline::prepare`] therefore
//! computes, per block slot, the hazard cycles of a run that leaves the block after that slot;
//! [`Pipeline::exit`] adds them once per block run and checks the one hazard that crosses block
//! boundaries (a load ending one block, used by the next block's first instruction). Only the
//! bimodal predictor and `--no-forwarding` walk the run's instructions ([`Pipeline::exit`] then
//! visits each slot the run executed).

pub mod hazard;
pub mod predictor;
pub mod view;

use serde::Serialize;

use crate::hart::blocks::BlockSlot;
use crate::isa::{Insn, InsnClass};
use crate::mem::access::CachedInsn;
use hazard::RegUse;
use predictor::Bimodal;
pub use predictor::PredictorKind;

/// Stall of an instruction that reads the result of the load right before it, with forwarding
/// (the value leaves MEM one cycle after the consumer wants it in EX).
pub const LOAD_USE_STALL_CYCLES: u32 = 1;
/// A mispredicted conditional branch is resolved in EX: the two younger instructions (IF, ID)
/// are flushed.
pub const MISPREDICT_PENALTY_CYCLES: u32 = 2;
/// A branch predicted taken is redirected from ID (where its target is computed; there is no
/// BTB): the instruction fetched behind it is flushed.
pub const TAKEN_REDIRECT_CYCLES: u32 = 1;
/// `jal` is redirected from ID.
pub const JAL_PENALTY_CYCLES: u32 = 1;
/// `jalr` needs its register: redirected from EX.
pub const JALR_PENALTY_CYCLES: u32 = 2;
/// Without forwarding, a result can be read by the instruction this many places behind its
/// producer (ID reads in the second half of the cycle WB writes in).
pub const RAW_READY_DISTANCE: u32 = 3;
/// Default multiply latency (a 3-stage multiplier, as in small in-order cores).
pub const DEFAULT_MUL_LATENCY_CYCLES: u32 = 3;
/// Default divide latency (a radix-2 iterative divider: one bit per cycle plus setup).
pub const DEFAULT_DIV_LATENCY_CYCLES: u32 = 34;
/// Largest mul/div latency accepted.
pub const MAX_UNIT_LATENCY_CYCLES: u32 = 1_000;

/// Whether results are forwarded to EX (`--no-forwarding` turns it off).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Forwarding {
    /// EX/MEM and MEM/WB results feed EX: only load-use pairs stall.
    #[default]
    On,
    /// Results are read from the register file only: every read-after-write closer than
    /// [`RAW_READY_DISTANCE`] stalls.
    Off,
}

/// The pipeline's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PipelineConfig {
    /// Forwarding paths.
    pub forwarding: Forwarding,
    /// Conditional-branch predictor.
    pub predictor: PredictorKind,
    /// Multiply latency in cycles (1 = no stall).
    pub mul_latency_cycles: u32,
    /// Divide/remainder latency in cycles.
    pub div_latency_cycles: u32,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            forwarding: Forwarding::On,
            predictor: PredictorKind::StaticNotTaken,
            mul_latency_cycles: DEFAULT_MUL_LATENCY_CYCLES,
            div_latency_cycles: DEFAULT_DIV_LATENCY_CYCLES,
        }
    }
}

impl PipelineConfig {
    /// Checks the latencies (1..=[`MAX_UNIT_LATENCY_CYCLES`]); the error names the setting.
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("mul-latency", self.mul_latency_cycles),
            ("div-latency", self.div_latency_cycles),
        ] {
            if v == 0 || v > MAX_UNIT_LATENCY_CYCLES {
                return Err(format!(
                    "{name} {v} is out of range (1..{MAX_UNIT_LATENCY_CYCLES})"
                ));
            }
        }
        Ok(())
    }
}

/// Index of each hazard counter in [`Costs`].
const BRANCH: usize = 0;
const MISPREDICTS: usize = 1;
const LOAD_USE: usize = 2;
const MUL_DIV: usize = 3;

/// Hazard cycles (and mispredictions) of part of a block run: branch, mispredictions,
/// load-use, mul/div.
type Costs = [u32; 4];

fn plus(a: Costs, b: Costs) -> Costs {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]]
}

/// What the model precomputes for one block slot.
#[derive(Clone, Copy, Debug, Default)]
struct SlotCost {
    /// A run that leaves the block right after this slot (a taken branch, or the block's
    /// end): the hazards of every slot it ran. A conditional branch at the end of a block is
    /// counted as not taken here (see `taken_delta`).
    exit: Costs,
    /// A run that executed the slots before this one and none of this one (an exception
    /// here): their hazards.
    before: Costs,
    /// For a conditional branch ending its block, what taking it adds to `exit` (branch
    /// cycles, mispredictions; may be negative).
    taken_delta: [i8; 2],
    /// The slot is a conditional branch ending its block: `exit` checks where the run went.
    end_branch: bool,
    /// The slot is a conditional branch (for the dynamic predictor).
    branch: bool,
    /// The register a load in this slot writes, if forwarding is on (else 0).
    load_rd: u8,
    /// The register this slot writes (0 for none).
    rd: u8,
    /// Registers it reads (bit per register, never bit 0).
    reads: u32,
    /// Byte offset in its block.
    offset: u16,
    /// Byte offset of the instruction after it (its fall-through).
    next_off: u16,
}

/// Hazard totals and the state that crosses block boundaries.
#[derive(Clone, Debug)]
pub struct Pipeline {
    config: PipelineConfig,
    /// Per block-cache arena slot (same index as [`crate::hart::blocks::BlockCache`]'s arena).
    slots: Vec<SlotCost>,
    totals: [u64; 4],
    /// The destination of the load that ended the previous block run (0: none).
    pending_load_rd: u8,
    /// `--no-forwarding`: the previous instruction's destination (2 bubbles for a reader)…
    raw_last: u8,
    /// …and the one before it, if no bubble separated them (1 bubble for a reader).
    raw_before_last: u8,
    bimodal: Option<Bimodal>,
    /// Runs must be walked instruction by instruction (bimodal predictor, no forwarding).
    dynamic: bool,
}

/// Hazard cycles of the pipeline (the non-memory part of the CPI stack).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HazardCycles {
    /// Control hazards: mispredictions, taken-branch redirects, jumps.
    pub branch: u64,
    /// Data hazards: load-use stalls (all RAW stalls without forwarding).
    pub load_use: u64,
    /// Multi-cycle multiply and divide.
    pub mul_div: u64,
    /// Mispredicted conditional branches (a count, not cycles).
    pub mispredictions: u64,
}

impl Pipeline {
    /// An idle pipeline.
    pub fn new(config: PipelineConfig) -> Pipeline {
        let bimodal = match config.predictor {
            PredictorKind::Bimodal { entries } => Some(Bimodal::new(entries)),
            _ => None,
        };
        Pipeline {
            config,
            slots: Vec::new(),
            totals: [0; 4],
            pending_load_rd: 0,
            raw_last: 0,
            raw_before_last: 0,
            dynamic: bimodal.is_some() || config.forwarding == Forwarding::Off,
            bimodal,
        }
    }

    /// Its settings.
    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// The hazard cycles so far.
    pub fn hazards(&self) -> HazardCycles {
        HazardCycles {
            branch: self.totals[BRANCH],
            load_use: self.totals[LOAD_USE],
            mul_div: self.totals[MUL_DIV],
            mispredictions: self.totals[MISPREDICTS],
        }
    }

    /// Cycles of every hazard so far.
    pub fn stall_cycles(&self) -> u64 {
        self.totals[BRANCH] + self.totals[LOAD_USE] + self.totals[MUL_DIV]
    }

    /// Precomputes the hazards of the block in `slot`, whose instructions are `insns` (called
    /// when the block cache hands out a block it decoded; a block is never changed once
    /// decoded, and a slot of the arena is prepared again when a new block reuses it).
    pub fn prepare(&mut self, slot: BlockSlot, insns: &[CachedInsn]) {
        let start = slot.start as usize;
        if self.slots.len() < start + insns.len() {
            self.slots.resize(start + insns.len(), SlotCost::default());
        }
        let forwarding = self.config.forwarding == Forwarding::On;
        let predictor = self.config.predictor;
        let mut before: Costs = [0; 4];
        let mut prev_load_rd = 0u8;
        for (k, c) in insns.iter().enumerate() {
            let regs = RegUse::of(&c.insn);
            let mut own: Costs = [0; 4];
            if forwarding && RegUse::reads_reg(regs.reads, prev_load_rd) {
                own[LOAD_USE] = LOAD_USE_STALL_CYCLES;
            }
            own[MUL_DIV] = match c.class {
                InsnClass::Mul => self.config.mul_latency_cycles - 1,
                InsnClass::Div => self.config.div_latency_cycles - 1,
                _ => 0,
            };
            let last = k + 1 == insns.len();
            let mut pass: Costs = [0; 4];
            let mut leave: Costs = [0; 4];
            let mut taken_delta = [0i8; 2];
            let mut branch = false;
            match branch_offset(&c.insn) {
                Some(offset) => {
                    branch = true;
                    if predictor.is_static() {
                        let (not_taken, taken) = branch_costs(predictor.static_taken(offset));
                        pass = not_taken;
                        leave = if last { not_taken } else { taken };
                        if last {
                            taken_delta = [
                                (taken[BRANCH] as i32 - not_taken[BRANCH] as i32) as i8,
                                (taken[MISPREDICTS] as i32 - not_taken[MISPREDICTS] as i32) as i8,
                            ];
                        }
                    }
                }
                None => match c.insn {
                    Insn::Jal { .. } => leave[BRANCH] = JAL_PENALTY_CYCLES,
                    Insn::Jalr { .. } => leave[BRANCH] = JALR_PENALTY_CYCLES,
                    _ => {}
                },
            }
            let ran = plus(before, own);
            self.slots[start + k] = SlotCost {
                exit: plus(ran, leave),
                before,
                taken_delta,
                end_branch: last && branch && predictor.is_static(),
                branch,
                load_rd: if forwarding && regs.from_memory {
                    regs.rd
                } else {
                    0
                },
                rd: regs.rd,
                reads: regs.reads,
                offset: c.offset,
                next_off: c.offset + u16::from(c.len),
            };
            before = plus(ran, pass);
            prev_load_rd = if forwarding && regs.from_memory {
                regs.rd
            } else {
                0
            };
        }
    }

    /// Counts one run of the block in `slot` that retired its first `done` instructions and
    /// went on to `next_pc`.
    #[inline(always)]
    pub fn exit(&mut self, slot: BlockSlot, done: usize, next_pc: u32) {
        let first = slot.start as usize;
        let s = &self.slots[first + done - 1];
        let mut c = s.exit;
        if s.end_branch && next_pc != slot.pc.wrapping_add(u32::from(s.next_off)) {
            c[BRANCH] = c[BRANCH].wrapping_add(s.taken_delta[0] as u32);
            c[MISPREDICTS] = c[MISPREDICTS].wrapping_add(s.taken_delta[1] as u32);
        }
        let load_rd = s.load_rd;
        c[LOAD_USE] += self.entry_stall(first);
        self.pending_load_rd = load_rd;
        for (total, part) in self.totals.iter_mut().zip(c) {
            *total += u64::from(part);
        }
        if self.dynamic {
            self.walk_run(slot, done, Some(next_pc));
        }
    }

    /// Counts a run of the block in `slot` that executed its first `executed` instructions and
    /// stopped at the next one with an exception. The trap drains the pipeline: no hazard
    /// reaches past it.
    pub fn interrupted(&mut self, slot: BlockSlot, executed: usize) {
        if executed > 0 {
            let first = slot.start as usize;
            let mut c = self.slots[first + executed].before;
            c[LOAD_USE] += self.entry_stall(first);
            for (total, part) in self.totals.iter_mut().zip(c) {
                *total += u64::from(part);
            }
            if self.dynamic {
                self.walk_run(slot, executed, None);
            }
        }
        self.drain();
    }

    /// Forgets the hazards in flight (after a trap).
    pub fn drain(&mut self) {
        self.pending_load_rd = 0;
        self.raw_last = 0;
        self.raw_before_last = 0;
    }

    /// The load-use stall of a block's first instruction on the load that ended the run
    /// before.
    #[inline(always)]
    fn entry_stall(&self, first: usize) -> u32 {
        if RegUse::reads_reg(self.slots[first].reads, self.pending_load_rd) {
            LOAD_USE_STALL_CYCLES
        } else {
            0
        }
    }

    /// The per-instruction part of a run (bimodal predictor, no forwarding): the run executed
    /// slots `0..executed` and, when `next_pc` is given, left after the last to `next_pc`.
    #[inline(never)]
    fn walk_run(&mut self, slot: BlockSlot, executed: usize, next_pc: Option<u32>) {
        let first = slot.start as usize;
        let no_forwarding = self.config.forwarding == Forwarding::Off;
        for k in 0..executed {
            let s = self.slots[first + k];
            if s.branch {
                if let Some(b) = self.bimodal.as_mut() {
                    let fallthrough = slot.pc.wrapping_add(u32::from(s.next_off));
                    let taken = k + 1 == executed && next_pc.is_some_and(|n| n != fallthrough);
                    let pc = slot.pc.wrapping_add(u32::from(s.offset));
                    let (not_taken_cost, taken_cost) = branch_costs(b.predict_and_train(pc, taken));
                    let cost = if taken { taken_cost } else { not_taken_cost };
                    self.totals[BRANCH] += u64::from(cost[BRANCH]);
                    self.totals[MISPREDICTS] += u64::from(cost[MISPREDICTS]);
                }
            }
            if no_forwarding {
                let bubbles = if RegUse::reads_reg(s.reads, self.raw_last) {
                    RAW_READY_DISTANCE - 1
                } else if RegUse::reads_reg(s.reads, self.raw_before_last) {
                    RAW_READY_DISTANCE - 2
                } else {
                    0
                };
                self.totals[LOAD_USE] += u64::from(bubbles);
                self.raw_before_last = if bubbles == 0 { self.raw_last } else { 0 };
                self.raw_last = s.rd;
            }
        }
    }
}

/// The byte offset of a conditional branch.
fn branch_offset(insn: &Insn) -> Option<i32> {
    match *insn {
        Insn::Beq { offset, .. }
        | Insn::Bne { offset, .. }
        | Insn::Blt { offset, .. }
        | Insn::Bge { offset, .. }
        | Insn::Bltu { offset, .. }
        | Insn::Bgeu { offset, .. } => Some(offset),
        _ => None,
    }
}

/// The cost of a conditional branch (branch cycles, mispredictions) when it falls through and
/// when it is taken, given the prediction.
fn branch_costs(predicted_taken: bool) -> (Costs, Costs) {
    let mispredicted = [MISPREDICT_PENALTY_CYCLES, 1, 0, 0];
    if predicted_taken {
        (mispredicted, [TAKEN_REDIRECT_CYCLES, 0, 0, 0])
    } else {
        ([0; 4], mispredicted)
    }
}

/// Where the cycles went: the CPI stack. Its components sum to the run's cycles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CpiStack {
    /// One cycle per retired instruction.
    pub base: u64,
    /// Control hazards (mispredictions, taken-branch redirects, jumps).
    pub branch: u64,
    /// Data hazards (load-use; every RAW stall with `--no-forwarding`).
    pub load_use: u64,
    /// Multi-cycle multiply and divide.
    pub mul_div: u64,
    /// Instruction fetch beyond the IF stage's cycle.
    pub icache: u64,
    /// Loads, stores and AMOs beyond the MEM stage's cycle.
    pub dcache: u64,
    /// TLB-miss page walks (their PTE reads).
    pub tlb: u64,
    /// Kernel time serving page faults.
    pub page_faults: u64,
    /// Kernel time moving pages in from and out to swap (`--swap-latency` per page).
    pub swap: u64,
}

impl CpiStack {
    /// The components with their JSON names, in stack order.
    pub fn components(&self) -> [(&'static str, u64); 9] {
        [
            ("base", self.base),
            ("branch", self.branch),
            ("load_use", self.load_use),
            ("mul_div", self.mul_div),
            ("icache", self.icache),
            ("dcache", self.dcache),
            ("tlb", self.tlb),
            ("page_faults", self.page_faults),
            ("swap", self.swap),
        ]
    }

    /// Total cycles.
    pub fn total(&self) -> u64 {
        self.components().iter().map(|(_, c)| c).sum()
    }
}

#[cfg(test)]
mod tests;
