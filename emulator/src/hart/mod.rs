//! The hart: register file, program counter, counters, privilege state, and the executor.

pub mod blocks;
pub mod csr;
mod execute;
pub mod fuse;
pub mod privileged;
pub mod trap;

use crate::mem::access::Memory;
use crate::timing::{CpiStack, Pipeline};
use privileged::{Counters, Csrs, PrivMode};
use trap::Exception;

/// Slots in [`Hart::regs`]: one per value a register number's byte can hold. Only `x0`..`x31`
/// exist (the decoder builds every [`crate::isa::Reg`] from a 5- or 3-bit field); the other
/// slots let the executor index the register file by the raw byte with neither a mask nor a
/// bounds check, which is about a tenth of the host instructions of a simple instruction.
pub const REG_SLOTS: usize = 256;

/// Architectural state of one RV32 hart.
pub struct Hart {
    /// Integer registers `x0`..`x31` in `regs[..32]`; `regs[0]` is kept zero. The rest is
    /// never read or written (see [`REG_SLOTS`]).
    pub regs: [u32; REG_SLOTS],
    /// Program counter.
    pub pc: u32,
    /// Instructions retired (`instret`).
    pub instret: u64,
    /// Cycles spent in the kernel on the program's behalf resolving page faults.
    pub kernel_cycles: u64,
    /// Cycles spent in the kernel moving pages to and from swap (major faults' page-ins and
    /// the page-outs that made room), kernel time too but a CPI-stack component of its own.
    pub swap_cycles: u64,
    /// The pipeline timing model (`None` in the functional timing mode, where every
    /// instruction costs one cycle: `cycle = instret + kernel_cycles + swap_cycles`).
    pub pipeline: Option<Box<Pipeline>>,
    /// Address reserved by the last LR.W, if still held.
    pub reservation: Option<u32>,
    /// Simulated core clock (Hz), to derive the `time` CSR.
    pub clock_hz: u64,
    /// Current privilege mode.
    pub mode: PrivMode,
    /// Machine and supervisor CSRs.
    pub csrs: Csrs,
}

/// Frequency of the `time` CSR (as Spike's and QEMU's CLINT `mtime`: 10 MHz).
pub const TIMEBASE_HZ: u64 = 10_000_000;

impl Hart {
    /// A hart at `pc` in U-mode with all registers zero, as the process runner starts one.
    pub fn new(pc: u32, clock_hz: u64) -> Self {
        Hart {
            regs: [0; REG_SLOTS],
            pc,
            instret: 0,
            kernel_cycles: 0,
            swap_cycles: 0,
            pipeline: None,
            reservation: None,
            clock_hz,
            mode: PrivMode::User,
            csrs: Csrs::new(),
        }
    }

    /// A hart at `pc` in M-mode with reset CSRs (priv spec §3.4), for bare-metal guests.
    pub fn new_machine(pc: u32, clock_hz: u64) -> Self {
        Hart {
            mode: PrivMode::Machine,
            ..Hart::new(pc, clock_hz)
        }
    }

    /// The counters as the CSRs see them (exact at block boundaries, where CSR instructions
    /// and system calls run).
    pub fn counters(&self, mem: &Memory) -> Counters {
        Counters {
            cycle: self.cycles(mem),
            instret: self.instret,
            time: self.time(mem),
        }
    }

    /// Takes `exc`, raised by the instruction at `self.pc`, into M- or S-mode (priv spec
    /// §3.1.8 delegation). The bare-metal runner calls this; the process runner hands
    /// exceptions to its host-side kernel instead.
    pub fn take_trap(&mut self, exc: Exception, mem: &mut Memory) {
        self.enter_trap(exc.cause(), exc.tval(), mem);
    }

    /// Takes the highest-priority enabled pending interrupt before the instruction at
    /// `self.pc`, if there is one; true if it did.
    pub fn take_interrupt(&mut self, mem: &mut Memory) -> bool {
        match self.csrs.pending_interrupt(self.mode) {
            Some(cause) => {
                self.enter_trap(cause, 0, mem);
                true
            }
            None => false,
        }
    }

    /// True if an interrupt is pending and enabled in the current mode.
    pub fn interrupt_takeable(&self) -> bool {
        self.csrs.pending_interrupt(self.mode).is_some()
    }

    fn enter_trap(&mut self, cause: u32, tval: u32, mem: &mut Memory) {
        let (pc, mode) = self.csrs.trap(cause, tval, self.pc, self.mode);
        self.pc = pc;
        self.switch_mode(mode, mem);
    }

    /// Enters `mode` after a trap or an xRET: the translation context may have changed, and
    /// (A spec §8.2 allows it) the LR reservation is dropped.
    fn switch_mode(&mut self, mode: PrivMode, mem: &mut Memory) {
        self.mode = mode;
        self.reservation = None;
        mem.set_context(self.csrs.mmu_context(mode));
    }

    /// Where the cycles so far went; its total is the `cycle` counter. Exact at block
    /// boundaries (the pipeline counts a block run when it leaves the block).
    pub fn cpi_stack(&self, mem: &Memory) -> CpiStack {
        let hazards = self
            .pipeline
            .as_ref()
            .map(|p| p.hazards())
            .unwrap_or_default();
        let [icache, dcache, tlb] = mem.stall_cycles();
        CpiStack {
            base: self.instret,
            branch: hazards.branch,
            load_use: hazards.load_use,
            mul_div: hazards.mul_div,
            icache,
            dcache,
            tlb,
            page_faults: self.kernel_cycles,
            swap: self.swap_cycles,
        }
    }

    /// The `cycle` counter: one per instruction, plus pipeline, memory and kernel stalls.
    pub fn cycles(&self, mem: &Memory) -> u64 {
        self.cycles_outside_memory() + mem.stall_cycle_total()
    }

    /// [`Hart::cycles`] without the memory's stalls: instructions, kernel, swap and pipeline
    /// cycles.
    #[inline(always)]
    pub fn cycles_outside_memory(&self) -> u64 {
        self.instret
            + self.kernel_cycles
            + self.swap_cycles
            + self.pipeline.as_ref().map_or(0, |p| p.stall_cycles())
    }

    /// The `time` counter (ticks of [`TIMEBASE_HZ`]).
    pub fn time(&self, mem: &Memory) -> u64 {
        (self.cycles(mem) as u128 * TIMEBASE_HZ as u128 / self.clock_hz.max(1) as u128) as u64
    }

    /// Register `r`.
    #[inline(always)]
    pub fn reg(&self, r: crate::isa::Reg) -> u32 {
        self.regs[r.idx()]
    }
}

/// [`Hart::cycles`] from the hart's fields (for code holding a borrow of another field, such as
/// the executor's of the register file).
#[inline(always)]
pub(crate) fn cycle_count(
    instret: u64,
    kernel_cycles: u64,
    swap_cycles: u64,
    pipeline: Option<&Pipeline>,
    mem: &Memory,
) -> u64 {
    let pipeline = pipeline.map_or(0, |p| p.stall_cycles());
    instret + kernel_cycles + swap_cycles + pipeline + mem.stall_cycle_total()
}
