//! The hart: register file, program counter, user counters, and the executor.

pub mod blocks;
pub mod csr;
mod execute;
pub mod trap;

/// Architectural state of one RV32 hart running in U-mode.
pub struct Hart {
    /// Integer registers; `regs[0]` is kept zero.
    pub regs: [u32; 32],
    /// Program counter.
    pub pc: u32,
    /// Instructions retired (`instret`).
    pub instret: u64,
    /// Cycles spent outside the instructions' own cost (kernel time: page faults, syscalls).
    /// Until the timing model lands every instruction costs one cycle, so
    /// `cycle = instret + kernel_cycles`.
    pub kernel_cycles: u64,
    /// Address reserved by the last LR.W, if still held.
    pub reservation: Option<u32>,
    /// Simulated core clock (Hz), to derive the `time` CSR.
    pub clock_hz: u64,
}

/// Frequency of the `time` CSR (as Spike's and QEMU's CLINT `mtime`: 10 MHz).
pub const TIMEBASE_HZ: u64 = 10_000_000;

impl Hart {
    /// A hart at `pc` with all registers zero.
    pub fn new(pc: u32, clock_hz: u64) -> Self {
        Hart {
            regs: [0; 32],
            pc,
            instret: 0,
            kernel_cycles: 0,
            reservation: None,
            clock_hz,
        }
    }

    /// The `cycle` counter.
    pub fn cycles(&self) -> u64 {
        self.instret + self.kernel_cycles
    }

    /// The `time` counter (ticks of [`TIMEBASE_HZ`]).
    pub fn time(&self) -> u64 {
        (self.cycles() as u128 * TIMEBASE_HZ as u128 / self.clock_hz.max(1) as u128) as u64
    }

    /// Register `r`.
    #[inline(always)]
    pub fn reg(&self, r: crate::isa::Reg) -> u32 {
        self.regs[r.idx()]
    }
}
