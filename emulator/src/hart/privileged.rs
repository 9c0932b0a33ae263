//! Privilege modes and the machine/supervisor CSRs of an RV32 hart (priv spec 1.12 chapters 3
//! and 4): CSR access rules, trap entry with delegation, `mret`/`sret`, interrupt selection and
//! the translation context the MMU works in.
//!
//! The counter values (`cycle`, `instret`, `time`) belong to the hart, which passes them in as
//! [`Counters`]; `Csrs` keeps only what makes `mcycle`/`minstret` writable and inhibitable.

use super::csr::*;
use crate::mmu::context::MmuContext;
use crate::mmu::sv32::{PrivContext, Privilege, Satp, SatpMode};

/// A privilege mode, numbered as in `mstatus.MPP` and CSR address bits `[9:8]` (priv §1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrivMode {
    /// U-mode: applications.
    User = 0,
    /// S-mode: the operating system.
    Supervisor = 1,
    /// M-mode: firmware; never translated.
    Machine = 3,
}

impl PrivMode {
    /// The mode encoded by `bits` (0, 1 or 3); `None` for the reserved (hypervisor) value 2.
    pub fn from_bits(bits: u32) -> Option<PrivMode> {
        match bits {
            0 => Some(PrivMode::User),
            1 => Some(PrivMode::Supervisor),
            3 => Some(PrivMode::Machine),
            _ => None,
        }
    }
}

/// `mstatus` fields of RV32 (priv §3.1.6); `SSTATUS_*` are the bits `sstatus` shows.
pub mod mstatus {
    /// S-mode interrupt enable.
    pub const SIE: u32 = 1 << 1;
    /// M-mode interrupt enable.
    pub const MIE: u32 = 1 << 3;
    /// SIE before the last trap into S-mode.
    pub const SPIE: u32 = 1 << 5;
    /// MIE before the last trap into M-mode.
    pub const MPIE: u32 = 1 << 7;
    /// The mode the last trap into S-mode came from (0 U, 1 S).
    pub const SPP: u32 = 1 << 8;
    /// Position of MPP, the mode the last trap into M-mode came from.
    pub const MPP_SHIFT: u32 = 11;
    /// MPP (2 bits).
    pub const MPP: u32 = 0b11 << MPP_SHIFT;
    /// Modify PRiVilege: M-mode loads and stores act at MPP.
    pub const MPRV: u32 = 1 << 17;
    /// Permit Supervisor User Memory access.
    pub const SUM: u32 = 1 << 18;
    /// Make eXecutable Readable.
    pub const MXR: u32 = 1 << 19;
    /// Trap Virtual Memory: `satp` and `sfence.vma` are illegal in S-mode.
    pub const TVM: u32 = 1 << 20;
    /// Timeout Wait: `wfi` is illegal below M-mode.
    pub const TW: u32 = 1 << 21;
    /// Trap SRET: `sret` is illegal in S-mode.
    pub const TSR: u32 = 1 << 22;
    /// The bits software can change. FS, VS, XS and SD stay 0 (no F, D, V or custom state);
    /// UBE, SBE and MBE stay 0 (little-endian only).
    pub const WRITABLE: u32 =
        SIE | MIE | SPIE | MPIE | SPP | MPP | MPRV | SUM | MXR | TVM | TW | TSR;
    /// The bits `sstatus` can change (priv §4.1.1).
    pub const SSTATUS_WRITABLE: u32 = SIE | SPIE | SPP | SUM | MXR;
    /// The bits `sstatus` shows: the writable ones plus the read-only-zero UBE, VS, FS, XS, SD.
    pub const SSTATUS_VISIBLE: u32 =
        SSTATUS_WRITABLE | 1 << 6 | 0b11 << 9 | 0b11 << 13 | 0b11 << 15 | 1 << 31;
}

/// Interrupt codes (priv §3.1.9, `mip`/`mie` bit positions, `mcause` codes with [`INTERRUPT`]).
pub mod irq {
    /// Supervisor software interrupt.
    pub const SSI: u32 = 1;
    /// Machine software interrupt.
    pub const MSI: u32 = 3;
    /// Supervisor timer interrupt.
    pub const STI: u32 = 5;
    /// Machine timer interrupt.
    pub const MTI: u32 = 7;
    /// Supervisor external interrupt.
    pub const SEI: u32 = 9;
    /// Machine external interrupt.
    pub const MEI: u32 = 11;
    /// Priv §3.1.9: the order in which simultaneous interrupts for one mode are taken.
    pub const PRIORITY: [u32; 6] = [MEI, MSI, MTI, SEI, SSI, STI];
    /// The `mip`/`mie` bits that exist.
    pub const ALL: u32 = 1 << SSI | 1 << MSI | 1 << STI | 1 << MTI | 1 << SEI | 1 << MEI;
    /// The S-level interrupts: the only ones `mideleg` can delegate.
    pub const S_LEVEL: u32 = 1 << SSI | 1 << STI | 1 << SEI;
}

/// `mcause`/`scause` bit 31: the trap is an interrupt.
pub const INTERRUPT: u32 = 1 << 31;

/// `misa`: MXL = 1 (RV32) and the extensions A, C, I, M, S, U (priv §3.1.1).
pub const MISA_VALUE: u32 =
    1 << 30 | ext(b'A') | ext(b'C') | ext(b'I') | ext(b'M') | ext(b'S') | ext(b'U');

/// The `misa` bit of extension `letter`.
const fn ext(letter: u8) -> u32 {
    1 << (letter - b'A')
}

/// Exception codes `medeleg` can delegate: all defined ones but ecall from M (cause 11, priv
/// §3.1.8 makes `medeleg[11]` read-only zero); reserved codes 10 and 14 read zero.
const MEDELEG_WRITABLE: u32 = 0b1011_0011_1111_1111;
/// `mip` bits software writes (priv §3.1.9): the M-level ones are driven by devices only.
const MIP_WRITABLE: u32 = irq::S_LEVEL;
/// `mtvec`/`stvec` MODE 1: interrupts jump to BASE + 4 × cause (priv §3.1.7).
const TVEC_VECTORED: u32 = 1;
/// `mcountinhibit`/`mcounteren` bit positions of the fixed counters (priv §3.1.11, §3.1.13).
const CY: u32 = 1 << 0;
const TM: u32 = 1 << 1;
const IR: u32 = 1 << 2;
/// `menvcfg`/`senvcfg`: only FIOM exists on a hart without Zicbo*/Svpbmt (priv §3.1.18).
const ENVCFG_FIOM: u32 = 1;
/// Implemented PMP entries (4 `pmpcfg` registers of 4 entries each); the other 48 read zero.
const PMP_ENTRIES: usize = 16;

/// The hart's counters at the start of the current instruction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Cycles since reset.
    pub cycle: u64,
    /// Instructions retired since reset.
    pub instret: u64,
    /// Ticks of the `time` timebase.
    pub time: u64,
}

/// What a Zicsr instruction does to its CSR (unpriv spec §9.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrOp {
    /// Read only: `csrrs`/`csrrc` with rs1 = x0, `csrrsi`/`csrrci` with uimm = 0.
    Read,
    /// `csrrw`/`csrrwi`: replace.
    Write(u32),
    /// `csrrs`/`csrrsi`: set these bits (a write even when the mask is 0, if rs1 ≠ x0).
    Set(u32),
    /// `csrrc`/`csrrci`: clear these bits.
    Clear(u32),
}

impl CsrOp {
    /// True if the instruction writes the CSR (and so is illegal on a read-only one).
    pub fn writes(self) -> bool {
        self != CsrOp::Read
    }
}

/// A writable view of a hart-owned count (`mcycle`, `minstret`): an offset from the count, or
/// a frozen value while `mcountinhibit` stops it (priv §3.1.12).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct CounterCsr {
    offset: u64,
    frozen: Option<u64>,
}

impl CounterCsr {
    fn value(self, count: u64) -> u64 {
        self.frozen.unwrap_or(count.wrapping_add(self.offset))
    }

    /// Makes the counter read `value` when the hart's count is `count`.
    fn set(&mut self, count: u64, value: u64) {
        match &mut self.frozen {
            Some(frozen) => *frozen = value,
            None => self.offset = value.wrapping_sub(count),
        }
    }

    /// Writes one 32-bit half at the hart's count `after`; the other half keeps the value it
    /// had at `before`, the count when the writing instruction started (its own increment is
    /// the one the write replaces, so a carry from it must not reach the other half).
    fn set_half(&mut self, before: u64, after: u64, value: u32, high: bool) {
        let old = self.value(before);
        let count = after;
        let new = if high {
            (old & 0xFFFF_FFFF) | u64::from(value) << 32
        } else {
            (old & !0xFFFF_FFFF) | u64::from(value)
        };
        self.set(count, new);
    }

    fn inhibit(&mut self, count: u64, inhibited: bool) {
        match (inhibited, self.frozen) {
            (true, None) => self.frozen = Some(self.value(count)),
            (false, Some(frozen)) => {
                self.frozen = None;
                self.offset = frozen.wrapping_sub(count);
            }
            _ => {}
        }
    }
}

/// The machine- and supervisor-level CSRs of one hart (priv spec 1.12, chapters 3 and 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Csrs {
    mstatus: u32,
    medeleg: u32,
    mideleg: u32,
    mie: u32,
    mip: u32,
    mtvec: u32,
    stvec: u32,
    mepc: u32,
    sepc: u32,
    mcause: u32,
    scause: u32,
    mtval: u32,
    stval: u32,
    mscratch: u32,
    sscratch: u32,
    satp: Satp,
    mcounteren: u32,
    scounteren: u32,
    mcountinhibit: u32,
    menvcfg: u32,
    senvcfg: u32,
    pmpcfg: [u32; PMP_ENTRIES / 4],
    pmpaddr: [u32; PMP_ENTRIES],
    cycle: CounterCsr,
    instret: CounterCsr,
}

impl Default for Csrs {
    fn default() -> Self {
        Self::new()
    }
}

impl Csrs {
    /// The reset state (priv §3.4): everything zero — MIE and MPRV clear, `satp` Bare, nothing
    /// delegated — except `mcounteren`/`scounteren`, whose reset value the spec leaves open:
    /// CY, TM and IR are set so U-mode reads `cycle`/`time`/`instret` as it does under Linux
    /// (which sets `scounteren` for them), while the `hpmcounter`s stay M-only.
    pub fn new() -> Csrs {
        Csrs {
            mstatus: 0,
            medeleg: 0,
            mideleg: 0,
            mie: 0,
            mip: 0,
            mtvec: 0,
            stvec: 0,
            mepc: 0,
            sepc: 0,
            mcause: 0,
            scause: 0,
            mtval: 0,
            stval: 0,
            mscratch: 0,
            sscratch: 0,
            satp: Satp(0),
            mcounteren: CY | TM | IR,
            scounteren: CY | TM | IR,
            mcountinhibit: 0,
            menvcfg: 0,
            senvcfg: 0,
            pmpcfg: [0; PMP_ENTRIES / 4],
            pmpaddr: [0; PMP_ENTRIES],
            cycle: CounterCsr::default(),
            instret: CounterCsr::default(),
        }
    }

    /// `mstatus` as M-mode reads it.
    pub fn mstatus(&self) -> u32 {
        self.mstatus
    }

    /// The `satp` register.
    pub fn satp(&self) -> Satp {
        self.satp
    }

    /// Raises or lowers the interrupt line `code` (an [`irq`] code), as a device (CLINT, PLIC)
    /// drives `mip`; software can still write the S-level bits through the CSRs.
    pub fn set_interrupt_pending(&mut self, code: u32, pending: bool) {
        let bit = (1 << code) & irq::ALL;
        if pending {
            self.mip |= bit;
        } else {
            self.mip &= !bit;
        }
    }

    /// Executes a Zicsr access from `mode`: the CSR's old value, or `None` when the instruction
    /// is illegal (priv §2.1: unknown CSR, too little privilege, a write to a read-only CSR;
    /// §3.1.11 counter enables; §3.1.6.5 TVM).
    pub fn access(
        &mut self,
        csr: u16,
        op: CsrOp,
        mode: PrivMode,
        counters: Counters,
    ) -> Option<u32> {
        if !self.accessible(csr, mode, op.writes()) {
            return None;
        }
        let old = self.read(csr, counters)?;
        let new = match op {
            CsrOp::Read => return Some(old),
            CsrOp::Write(v) => v,
            CsrOp::Set(v) => old | v,
            CsrOp::Clear(v) => old & !v,
        };
        // Unpriv §9.1: a write to a counter the instruction itself advances "is done instead
        // of the increment", so the write lands on the counts after this instruction (it
        // retires, costing one cycle).
        let after = Counters {
            cycle: counters.cycle.wrapping_add(1),
            instret: counters.instret.wrapping_add(1),
            time: counters.time,
        };
        self.write(csr, new, counters, after);
        Some(old)
    }

    fn accessible(&self, csr: u16, mode: PrivMode, writes: bool) -> bool {
        if writes && is_read_only(csr) {
            return false;
        }
        // Bits [9:8] = 2 are hypervisor CSRs, which this hart does not have.
        let needed = min_privilege(csr);
        if needed == 2 || (mode as u8) < needed {
            return false;
        }
        match csr {
            SATP => !(mode == PrivMode::Supervisor && self.mstatus & mstatus::TVM != 0),
            CYCLE..=HPMCOUNTER31 | CYCLEH..=HPMCOUNTER31H => {
                self.counter_enabled(u32::from(csr & 31), mode)
            }
            _ => true,
        }
    }

    /// Priv §3.1.11, §4.1.5: S-mode needs the `mcounteren` bit, U-mode also the `scounteren`
    /// bit.
    fn counter_enabled(&self, index: u32, mode: PrivMode) -> bool {
        let bit = 1 << index;
        match mode {
            PrivMode::Machine => true,
            PrivMode::Supervisor => self.mcounteren & bit != 0,
            PrivMode::User => self.mcounteren & self.scounteren & bit != 0,
        }
    }

    /// The value of `csr` (no access check); `None` if it does not exist.
    fn read(&self, csr: u16, c: Counters) -> Option<u32> {
        let lo = |v: u64| v as u32;
        let hi = |v: u64| (v >> 32) as u32;
        let value = match csr {
            CYCLE | MCYCLE => lo(self.cycle.value(c.cycle)),
            CYCLEH | MCYCLEH => hi(self.cycle.value(c.cycle)),
            INSTRET | MINSTRET => lo(self.instret.value(c.instret)),
            INSTRETH | MINSTRETH => hi(self.instret.value(c.instret)),
            TIME => lo(c.time),
            TIMEH => hi(c.time),
            // Priv §3.1.10: the event counters may be read-only zero; so are their selectors.
            HPMCOUNTER3..=HPMCOUNTER31
            | HPMCOUNTER3H..=HPMCOUNTER31H
            | MHPMCOUNTER3..=MHPMCOUNTER31
            | MHPMCOUNTER3H..=MHPMCOUNTER31H
            | MHPMEVENT3..=MHPMEVENT31 => 0,

            SSTATUS => self.mstatus & mstatus::SSTATUS_VISIBLE,
            SIE => self.mie & self.mideleg,
            SIP => self.mip & self.mideleg,
            STVEC => self.stvec,
            SCOUNTEREN => self.scounteren,
            SENVCFG => self.senvcfg,
            SSCRATCH => self.sscratch,
            SEPC => self.sepc,
            SCAUSE => self.scause,
            STVAL => self.stval,
            SATP => self.satp.0,

            MVENDORID | MARCHID | MIMPID | MHARTID | MCONFIGPTR => 0,
            MSTATUS => self.mstatus,
            // Little-endian only: SBE and MBE are zero.
            MSTATUSH => 0,
            MISA => MISA_VALUE,
            MEDELEG => self.medeleg,
            MIDELEG => self.mideleg,
            MIE => self.mie,
            MIP => self.mip,
            MTVEC => self.mtvec,
            MCOUNTEREN => self.mcounteren,
            MENVCFG => self.menvcfg,
            MENVCFGH => 0,
            MCOUNTINHIBIT => self.mcountinhibit,
            MSCRATCH => self.mscratch,
            MEPC => self.mepc,
            MCAUSE => self.mcause,
            MTVAL => self.mtval,
            PMPCFG0..=PMPCFG15 => {
                let i = usize::from(csr - PMPCFG0);
                self.pmpcfg.get(i).copied().unwrap_or(0)
            }
            PMPADDR0..=PMPADDR63 => {
                let i = usize::from(csr - PMPADDR0);
                self.pmpaddr.get(i).copied().unwrap_or(0)
            }
            // Sdtrig with no triggers (debug spec §5.1): tselect is WARL with 0 its only legal
            // value; tdata1 reads type 0, "no trigger at this index", so software probing for
            // breakpoints (as riscv-tests' `breakpoint` does) finds none; tinfo says only type 0.
            TSELECT | TDATA1 | TDATA2 | TDATA3 => 0,
            TINFO => 1,
            _ => return None,
        };
        Some(value)
    }

    /// Writes an existing, writable `csr` with WARL legalisation; `before` are the counts when
    /// the writing instruction started, `after` once it has retired.
    fn write(&mut self, csr: u16, v: u32, before: Counters, after: Counters) {
        match csr {
            MCYCLE => self.cycle.set_half(before.cycle, after.cycle, v, false),
            MCYCLEH => self.cycle.set_half(before.cycle, after.cycle, v, true),
            MINSTRET => self
                .instret
                .set_half(before.instret, after.instret, v, false),
            MINSTRETH => self
                .instret
                .set_half(before.instret, after.instret, v, true),
            SSTATUS => self.write_mstatus(
                (self.mstatus & !mstatus::SSTATUS_WRITABLE) | (v & mstatus::SSTATUS_WRITABLE),
            ),
            MSTATUS => self.write_mstatus(v),
            // Priv §4.1.3: bits of interrupts not delegated are read-only zero in sie/sip; of
            // sip only SSIP is writable (STIP and SEIP are set by M-mode or the PLIC).
            SIE => self.mie = (self.mie & !self.mideleg) | (v & self.mideleg),
            SIP => {
                let writable = self.mideleg & 1 << irq::SSI;
                self.mip = (self.mip & !writable) | (v & writable);
            }
            MIE => self.mie = v & irq::ALL,
            MIP => self.mip = (self.mip & !MIP_WRITABLE) | (v & MIP_WRITABLE),
            MEDELEG => self.medeleg = v & MEDELEG_WRITABLE,
            MIDELEG => self.mideleg = v & irq::S_LEVEL,
            // WARL MODE: the reserved modes 2 and 3 become 0 (direct) and 1 (vectored).
            MTVEC => self.mtvec = v & !2,
            STVEC => self.stvec = v & !2,
            // Priv §3.1.14: bit 0 of xepc is always zero; with C, bit 1 is kept.
            MEPC => self.mepc = v & !1,
            SEPC => self.sepc = v & !1,
            MCAUSE => self.mcause = v,
            SCAUSE => self.scause = v,
            MTVAL => self.mtval = v,
            STVAL => self.stval = v,
            MSCRATCH => self.mscratch = v,
            SSCRATCH => self.sscratch = v,
            // Priv §4.1.11: both RV32 modes (Bare, Sv32) and all 9 ASID bits are implemented,
            // so every value is legal.
            SATP => self.satp = Satp(v),
            MCOUNTEREN => self.mcounteren = v,
            SCOUNTEREN => self.scounteren = v,
            MCOUNTINHIBIT => {
                // Priv §3.1.12: there is no bit for `time`.
                self.mcountinhibit = v & !TM;
                self.cycle.inhibit(after.cycle, v & CY != 0);
                self.instret.inhibit(after.instret, v & IR != 0);
            }
            MENVCFG => self.menvcfg = v & ENVCFG_FIOM,
            SENVCFG => self.senvcfg = v & ENVCFG_FIOM,
            PMPCFG0..=PMPCFG15 => {
                if let Some(r) = self.pmpcfg.get_mut(usize::from(csr - PMPCFG0)) {
                    *r = v;
                }
            }
            PMPADDR0..=PMPADDR63 => {
                if let Some(r) = self.pmpaddr.get_mut(usize::from(csr - PMPADDR0)) {
                    *r = v;
                }
            }
            // misa (fixed extensions), mstatush, menvcfgh, the event counters and the trigger
            // registers (no triggers) ignore writes.
            _ => {}
        }
    }

    fn write_mstatus(&mut self, v: u32) {
        let mut new = (self.mstatus & !mstatus::WRITABLE) | (v & mstatus::WRITABLE);
        // MPP is WARL over the implemented modes: the reserved value 2 keeps the old mode.
        if PrivMode::from_bits((v & mstatus::MPP) >> mstatus::MPP_SHIFT).is_none() {
            new = (new & !mstatus::MPP) | (self.mstatus & mstatus::MPP);
        }
        self.mstatus = new;
    }

    fn set_mstatus_bit(&mut self, bit: u32, on: bool) {
        if on {
            self.mstatus |= bit;
        } else {
            self.mstatus &= !bit;
        }
    }

    /// Takes a trap with `cause` (with [`INTERRUPT`] for interrupts) raised at `epc` in mode
    /// `from`: records it in the target mode's CSRs and returns the handler's pc and mode.
    pub fn trap(&mut self, cause: u32, tval: u32, epc: u32, from: PrivMode) -> (u32, PrivMode) {
        let interrupt = cause & INTERRUPT != 0;
        let code = cause & !INTERRUPT;
        let delegated = if interrupt {
            self.mideleg
        } else {
            self.medeleg
        };
        // Priv §3.1.8: a trap never moves to a less privileged mode, so traps taken in M-mode
        // stay there whatever medeleg/mideleg say.
        let to_supervisor =
            from != PrivMode::Machine && delegated.checked_shr(code).unwrap_or(0) & 1 != 0;
        // Priv §3.1.7: vectored mode applies to interrupts only; exceptions go to BASE.
        let target = |tvec: u32| {
            let base = tvec & !3;
            if interrupt && tvec & 3 == TVEC_VECTORED {
                base.wrapping_add(4 * code)
            } else {
                base
            }
        };
        // Priv §3.1.6.1: xPIE ← xIE, xIE ← 0, xPP ← the mode the trap came from.
        if to_supervisor {
            self.scause = cause;
            self.sepc = epc & !1;
            self.stval = tval;
            self.set_mstatus_bit(mstatus::SPIE, self.mstatus & mstatus::SIE != 0);
            self.set_mstatus_bit(mstatus::SIE, false);
            self.set_mstatus_bit(mstatus::SPP, from == PrivMode::Supervisor);
            (target(self.stvec), PrivMode::Supervisor)
        } else {
            self.mcause = cause;
            self.mepc = epc & !1;
            self.mtval = tval;
            self.set_mstatus_bit(mstatus::MPIE, self.mstatus & mstatus::MIE != 0);
            self.set_mstatus_bit(mstatus::MIE, false);
            self.mstatus = (self.mstatus & !mstatus::MPP) | (from as u32) << mstatus::MPP_SHIFT;
            (target(self.mtvec), PrivMode::Machine)
        }
    }

    /// `mret` executed in `mode`: the return pc and mode, or `None` if illegal (below M).
    pub fn mret(&mut self, mode: PrivMode) -> Option<(u32, PrivMode)> {
        if mode != PrivMode::Machine {
            return None;
        }
        let to = PrivMode::from_bits((self.mstatus & mstatus::MPP) >> mstatus::MPP_SHIFT)
            .unwrap_or(PrivMode::User);
        // Priv §3.1.6.1: MIE ← MPIE, MPIE ← 1, MPP ← the least privileged mode (U); a return
        // below M also clears MPRV.
        self.set_mstatus_bit(mstatus::MIE, self.mstatus & mstatus::MPIE != 0);
        self.set_mstatus_bit(mstatus::MPIE, true);
        self.mstatus &= !mstatus::MPP;
        if to != PrivMode::Machine {
            self.set_mstatus_bit(mstatus::MPRV, false);
        }
        Some((self.mepc, to))
    }

    /// `sret` executed in `mode`: the return pc and mode, or `None` if illegal (in U-mode, or
    /// in S-mode with `mstatus.TSR`, priv §3.1.6.5).
    pub fn sret(&mut self, mode: PrivMode) -> Option<(u32, PrivMode)> {
        match mode {
            PrivMode::User => return None,
            PrivMode::Supervisor if self.mstatus & mstatus::TSR != 0 => return None,
            _ => {}
        }
        let to = if self.mstatus & mstatus::SPP != 0 {
            PrivMode::Supervisor
        } else {
            PrivMode::User
        };
        // Priv §3.1.6.1: SIE ← SPIE, SPIE ← 1, SPP ← U; SPP is never M, so MPRV clears.
        self.set_mstatus_bit(mstatus::SIE, self.mstatus & mstatus::SPIE != 0);
        self.set_mstatus_bit(mstatus::SPIE, true);
        self.set_mstatus_bit(mstatus::SPP, false);
        self.set_mstatus_bit(mstatus::MPRV, false);
        Some((self.sepc, to))
    }

    /// Whether `wfi` may execute in `mode` (priv §3.3.3, §3.1.6.5): always in M; in S unless
    /// TW. In U it is illegal: with no interrupt source this hart's wait would never end within
    /// a bounded time, which the spec says then traps.
    pub fn wfi_allowed(&self, mode: PrivMode) -> bool {
        match mode {
            PrivMode::Machine => true,
            PrivMode::Supervisor => self.mstatus & mstatus::TW == 0,
            PrivMode::User => false,
        }
    }

    /// Whether `sfence.vma` may execute in `mode` (priv §4.2.1, §3.1.6.5 TVM).
    pub fn sfence_vma_allowed(&self, mode: PrivMode) -> bool {
        match mode {
            PrivMode::Machine => true,
            PrivMode::Supervisor => self.mstatus & mstatus::TVM == 0,
            PrivMode::User => false,
        }
    }

    /// The interrupt to take now in `mode` (its `mcause` value, [`INTERRUPT`] set), if any:
    /// M-level interrupts before S-level ones, each in the order of [`irq::PRIORITY`].
    pub fn pending_interrupt(&self, mode: PrivMode) -> Option<u32> {
        let pending = self.mip & self.mie;
        // Priv §3.1.9: interrupts for M are taken below M always, in M when MIE.
        let m_enabled = mode < PrivMode::Machine || self.mstatus & mstatus::MIE != 0;
        // Priv §4.1.3: delegated ones below S always, in S when SIE, never in M.
        let s_enabled = mode < PrivMode::Supervisor
            || (mode == PrivMode::Supervisor && self.mstatus & mstatus::SIE != 0);
        let for_m = if m_enabled {
            pending & !self.mideleg
        } else {
            0
        };
        let for_s = if s_enabled { pending & self.mideleg } else { 0 };
        [for_m, for_s].into_iter().find_map(|set| {
            irq::PRIORITY
                .into_iter()
                .find(|&code| set & 1 << code != 0)
                .map(|code| INTERRUPT | code)
        })
    }

    /// How the MMU translates in `mode` (priv §4.1.11, §3.1.6.3): M-mode fetches are never
    /// translated; loads and stores use MPP instead of M when MPRV is set; with `satp` Bare
    /// nothing is.
    pub fn mmu_context(&self, mode: PrivMode) -> MmuContext {
        let sv32 = self.satp.mode() == SatpMode::Sv32;
        let context = |mode: PrivMode, sum: bool, mxr: bool| {
            let privilege = match mode {
                _ if !sv32 => return None,
                PrivMode::Machine => return None,
                PrivMode::Supervisor => Privilege::Supervisor,
                PrivMode::User => Privilege::User,
            };
            Some(PrivContext {
                privilege,
                sum,
                mxr,
            })
        };
        let data_mode = if mode == PrivMode::Machine && self.mstatus & mstatus::MPRV != 0 {
            PrivMode::from_bits((self.mstatus & mstatus::MPP) >> mstatus::MPP_SHIFT)
                .unwrap_or(PrivMode::User)
        } else {
            mode
        };
        MmuContext {
            satp: self.satp,
            // SUM and MXR only change loads and stores (§3.1.6.3).
            fetch: context(mode, false, false),
            data: context(
                data_mode,
                self.mstatus & mstatus::SUM != 0,
                self.mstatus & mstatus::MXR != 0,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PrivMode::{Machine as M, Supervisor as S, User as U};

    const NOW: Counters = Counters {
        cycle: 1000,
        instret: 900,
        time: 10,
    };

    fn read(c: &mut Csrs, csr: u16) -> u32 {
        c.access(csr, CsrOp::Read, M, NOW)
            .expect("readable in M-mode")
    }

    fn write(c: &mut Csrs, csr: u16, value: u32) {
        c.access(csr, CsrOp::Write(value), M, NOW)
            .expect("writable in M-mode");
    }

    #[test]
    fn csr_access_legality() {
        use CsrOp::{Clear, Read, Set, Write};
        #[rustfmt::skip]
        let cases: &[(PrivMode, u16, CsrOp, bool)] = &[
            // Counters: readable from U by reset default; read-only everywhere (§2.1).
            (U, CYCLE, Read, true),
            (U, TIME, Read, true),
            (U, INSTRETH, Read, true),
            (U, CYCLE, Write(0), false),
            (U, CYCLE, Set(0), false), // rs1 ≠ x0 holding 0 is still a write
            (M, CYCLE, Clear(1), false),
            (U, HPMCOUNTER3, Read, false), // mcounteren.HPM3 clear at reset
            (M, HPMCOUNTER3, Read, true),
            (S, MCYCLE, Read, false),
            (M, MCYCLE, Write(5), true),
            (M, 0xB01, Read, false), // there is no mtime CSR
            // Privilege from bits [9:8].
            (U, SSTATUS, Read, false),
            (S, SSTATUS, Read, true),
            (S, SSTATUS, Write(0), true),
            (S, MSTATUS, Read, false),
            (U, MSTATUS, Read, false),
            (M, MSTATUS, Write(0), true),
            (M, SATP, Write(0), true),
            (S, SATP, Read, true),
            (S, SIP, Set(2), true),
            // Read-only M CSRs: csrr is fine, any write is not.
            (M, MHARTID, Read, true),
            (M, MHARTID, Write(0), false),
            (M, MVENDORID, Set(0), false),
            (M, MISA, Write(0), true), // writable address, write ignored
            // PMP: 16 entries stored, the rest read zero.
            (M, PMPCFG0, Write(0x1f), true),
            (M, PMPADDR63, Read, true),
            (S, PMPADDR0, Read, false),
            // Trigger registers exist (with no triggers), for M-mode only.
            (M, TSELECT, Read, true),
            (S, TSELECT, Read, false),
            // Nonexistent: hypervisor (bits [9:8] = 2), debug mode, random.
            (M, 0x200, Read, false),
            (M, 0x600, Read, false),
            (M, 0x7B0, Read, false),
            (M, 0x5C0, Read, false),
        ];
        for &(mode, csr, op, legal) in cases {
            let mut c = Csrs::new();
            assert_eq!(
                c.access(csr, op, mode, NOW).is_some(),
                legal,
                "{mode:?} {op:?} {csr:#05x}"
            );
        }
    }

    #[test]
    fn counters_read_the_harts_counts_and_writes_replace_the_increment() {
        let mut c = Csrs::new();
        assert_eq!(read(&mut c, CYCLE), 1000);
        assert_eq!(read(&mut c, INSTRET), 900);
        assert_eq!(read(&mut c, TIME), 10);
        // csrw minstret, 50 retires; the next instruction reads 50 (unpriv §9.1).
        write(&mut c, MINSTRET, 50);
        let next = Counters {
            instret: NOW.instret + 1,
            ..NOW
        };
        assert_eq!(c.access(MINSTRET, CsrOp::Read, M, next), Some(50));
        assert_eq!(c.access(INSTRETH, CsrOp::Read, U, next), Some(0));
        write(&mut c, MCYCLEH, 7);
        assert_eq!(read(&mut c, MCYCLEH), 7);
        // Inhibited counters stop (§3.1.12) once the inhibiting instruction (at `next`) has
        // retired; `time` has no inhibit bit.
        let inhibit = CsrOp::Write(CY | TM | IR);
        c.access(MCOUNTINHIBIT, inhibit, M, next).unwrap();
        assert_eq!(read(&mut c, MCOUNTINHIBIT), CY | IR);
        let later = Counters {
            cycle: 5000,
            instret: 4000,
            time: 50,
        };
        let frozen = c.access(MINSTRET, CsrOp::Read, M, later);
        assert_eq!(frozen, Some(51));
        assert_eq!(c.access(TIME, CsrOp::Read, M, later), Some(50));
    }

    /// Writing one half of a 64-bit counter replaces the writing instruction's increment, so
    /// no carry from that increment reaches the other half (riscv-tests `instret_overflow`).
    #[test]
    fn a_half_write_takes_no_carry_from_its_own_increment() {
        let mut c = Csrs::new();
        let at = |instret: u64| Counters { instret, ..NOW };
        c.access(MINSTRET, CsrOp::Write(u32::MAX), M, at(900))
            .unwrap();
        c.access(MINSTRETH, CsrOp::Write(u32::MAX), M, at(901))
            .unwrap();
        // The next instruction (a nop at 902) wraps the counter to 0.
        assert_eq!(c.access(MINSTRET, CsrOp::Read, M, at(903)), Some(0));
        assert_eq!(c.access(MINSTRETH, CsrOp::Read, M, at(903)), Some(0));
        assert_eq!(c.access(MINSTRETH, CsrOp::Read, M, at(902)), Some(u32::MAX));
    }

    /// Sdtrig without triggers: tselect keeps 0, tdata1 reads type 0 ("no trigger"), writes
    /// are ignored, and only M-mode reaches them.
    #[test]
    fn trigger_registers_report_no_triggers() {
        let mut c = Csrs::new();
        write(&mut c, TSELECT, 1);
        assert_eq!(read(&mut c, TSELECT), 0);
        write(&mut c, TDATA1, 2 << 28 | 1 << 6 | 1 << 2);
        assert_eq!(read(&mut c, TDATA1), 0);
        assert_eq!(read(&mut c, TINFO), 1);
        assert_eq!(c.access(TSELECT, CsrOp::Read, S, NOW), None);
    }

    #[test]
    fn counter_enables_gate_s_and_u_reads() {
        let mut c = Csrs::new();
        write(&mut c, SCOUNTEREN, 0);
        assert_eq!(c.access(CYCLE, CsrOp::Read, U, NOW), None);
        assert_eq!(c.access(CYCLE, CsrOp::Read, S, NOW), Some(1000));
        write(&mut c, MCOUNTEREN, IR);
        write(&mut c, SCOUNTEREN, IR | CY);
        assert_eq!(c.access(CYCLE, CsrOp::Read, S, NOW), None);
        assert_eq!(c.access(CYCLE, CsrOp::Read, U, NOW), None);
        assert_eq!(c.access(INSTRET, CsrOp::Read, U, NOW), Some(900));
        assert_eq!(c.access(CYCLE, CsrOp::Read, M, NOW), Some(1000));
    }

    #[test]
    fn warl_fields_keep_only_legal_values() {
        let mut c = Csrs::new();
        // mstatus: FS/VS/XS/SD/UBE read zero; MPP = 2 (reserved) keeps the old MPP.
        write(&mut c, MSTATUS, u32::MAX);
        assert_eq!(read(&mut c, MSTATUS), mstatus::WRITABLE);
        write(&mut c, MSTATUS, 2 << mstatus::MPP_SHIFT);
        assert_eq!(read(&mut c, MSTATUS), mstatus::MPP);
        // sstatus is a window onto mstatus.
        write(&mut c, SSTATUS, mstatus::SUM | mstatus::MIE);
        assert_eq!(read(&mut c, MSTATUS), mstatus::MPP | mstatus::SUM);
        assert_eq!(read(&mut c, SSTATUS), mstatus::SUM);
        // xepc: bit 0 always clear, bit 1 kept (C is implemented).
        write(&mut c, MEPC, 0x8000_0003);
        write(&mut c, SEPC, 0x8000_0007);
        assert_eq!(
            (read(&mut c, MEPC), read(&mut c, SEPC)),
            (0x8000_0002, 0x8000_0006)
        );
        // xtvec: reserved MODE values fold onto direct/vectored.
        write(&mut c, MTVEC, 0x8000_0102);
        write(&mut c, STVEC, 0x8000_0203);
        assert_eq!(
            (read(&mut c, MTVEC), read(&mut c, STVEC)),
            (0x8000_0100, 0x8000_0201)
        );
        // medeleg[11] (ecall from M) and the reserved causes are read-only zero.
        write(&mut c, MEDELEG, u32::MAX);
        assert_eq!(read(&mut c, MEDELEG), 0xB3FF);
        write(&mut c, MIDELEG, u32::MAX);
        assert_eq!(read(&mut c, MIDELEG), irq::S_LEVEL);
        // satp: Bare and Sv32 and all ASID/PPN bits are implemented.
        for v in [0, 0x8000_0123, 0xFFFF_FFFF, 0x7FC0_0000] {
            write(&mut c, SATP, v);
            assert_eq!(read(&mut c, SATP), v);
        }
        write(&mut c, MISA, 0);
        assert_eq!(read(&mut c, MISA), MISA_VALUE);
        assert_eq!(MISA_VALUE, 0x4014_1105, "RV32ACIMSU");
    }

    #[test]
    fn interrupt_bits_per_view() {
        let mut c = Csrs::new();
        write(&mut c, MIE, u32::MAX);
        assert_eq!(read(&mut c, MIE), irq::ALL);
        // M-level pending bits come from devices only.
        write(&mut c, MIP, u32::MAX);
        assert_eq!(read(&mut c, MIP), irq::S_LEVEL);
        // Undelegated bits are invisible in sie/sip.
        assert_eq!((read(&mut c, SIE), read(&mut c, SIP)), (0, 0));
        write(&mut c, MIDELEG, 1 << irq::SSI | 1 << irq::STI);
        assert_eq!(read(&mut c, SIP), 1 << irq::SSI | 1 << irq::STI);
        // Only SSIP is writable through sip.
        write(&mut c, SIP, 0);
        assert_eq!(read(&mut c, MIP), 1 << irq::STI | 1 << irq::SEI);
        write(&mut c, SIE, 0);
        assert_eq!(
            read(&mut c, MIE),
            irq::ALL & !(1 << irq::SSI | 1 << irq::STI)
        );
    }

    #[test]
    fn ecall_from_u_delegated_to_s() {
        let mut c = Csrs::new();
        write(&mut c, MEDELEG, 1 << 8);
        write(&mut c, STVEC, 0x8000_2001); // vectored: still BASE for exceptions
        write(&mut c, MSTATUS, mstatus::SIE);
        let (pc, mode) = c.trap(8, 0, 0x1_0004, U);
        assert_eq!((pc, mode), (0x8000_2000, S));
        assert_eq!((read(&mut c, SCAUSE), read(&mut c, SEPC)), (8, 0x1_0004));
        let status = read(&mut c, MSTATUS);
        assert_eq!(status & mstatus::SPP, 0, "came from U");
        assert_eq!(status & (mstatus::SIE | mstatus::SPIE), mstatus::SPIE);
        assert_eq!(read(&mut c, MCAUSE), 0, "M-mode state untouched");
    }

    #[test]
    fn undelegated_trap_goes_to_m() {
        let mut c = Csrs::new();
        write(&mut c, MTVEC, 0x8000_0000);
        write(&mut c, MSTATUS, mstatus::MIE);
        let (pc, mode) = c.trap(13, 0xdead_b000, 0x1_0000, U);
        assert_eq!((pc, mode), (0x8000_0000, M));
        assert_eq!(read(&mut c, MCAUSE), 13);
        assert_eq!(read(&mut c, MTVAL), 0xdead_b000);
        assert_eq!(read(&mut c, MEPC), 0x1_0000);
        assert_eq!(read(&mut c, MSTATUS), mstatus::MPIE, "MPP = U, MIE → MPIE");
        // From S: MPP = S.
        c.trap(2, 0, 0x2000, S);
        assert_eq!(
            read(&mut c, MSTATUS) & mstatus::MPP,
            1 << mstatus::MPP_SHIFT
        );
    }

    #[test]
    fn traps_in_m_mode_are_never_delegated() {
        let mut c = Csrs::new();
        write(&mut c, MEDELEG, u32::MAX);
        write(&mut c, MIDELEG, u32::MAX);
        assert_eq!(c.trap(2, 0, 0, M).1, M);
        assert_eq!(c.trap(INTERRUPT | irq::SSI, 0, 0, M).1, M);
        assert_eq!(c.trap(2, 0, 0, S).1, S);
        // ecall from M cannot be delegated at all (bit 11 is read-only zero).
        assert_eq!(c.trap(11, 0, 0, S).1, M);
    }

    #[test]
    fn vectored_tvec_applies_to_interrupts_only() {
        let mut c = Csrs::new();
        write(&mut c, MTVEC, 0x8000_0001);
        assert_eq!(c.trap(INTERRUPT | irq::MTI, 0, 0, U).0, 0x8000_0000 + 4 * 7);
        assert_eq!(c.trap(INTERRUPT | irq::MSI, 0, 0, U).0, 0x8000_0000 + 4 * 3);
        assert_eq!(c.trap(2, 0, 0, U).0, 0x8000_0000);
        assert_eq!(read(&mut c, MCAUSE), 2);
        write(&mut c, MTVEC, 0x8000_0000);
        assert_eq!(c.trap(INTERRUPT | irq::MTI, 0, 0, U).0, 0x8000_0000);
    }

    #[test]
    fn mret_restores_the_previous_mode() {
        let mut c = Csrs::new();
        write(&mut c, MEPC, 0x1000);
        write(
            &mut c,
            MSTATUS,
            mstatus::MPIE | 1 << mstatus::MPP_SHIFT | mstatus::MPRV,
        );
        assert_eq!(c.mret(S), None);
        assert_eq!(c.mret(U), None);
        assert_eq!(c.mret(M), Some((0x1000, S)));
        // MIE ← MPIE, MPIE ← 1, MPP ← U, MPRV cleared on a return below M.
        assert_eq!(read(&mut c, MSTATUS), mstatus::MIE | mstatus::MPIE);
        // Returning to M keeps MPRV.
        write(&mut c, MSTATUS, mstatus::MPP | mstatus::MPRV);
        assert_eq!(c.mret(M), Some((0x1000, M)));
        assert_eq!(read(&mut c, MSTATUS), mstatus::MPRV | mstatus::MPIE);
    }

    #[test]
    fn sret_restores_the_previous_mode_unless_tsr() {
        let mut c = Csrs::new();
        write(&mut c, SEPC, 0x2000);
        write(&mut c, MSTATUS, mstatus::SPP | mstatus::MPRV);
        assert_eq!(c.sret(U), None);
        assert_eq!(c.sret(S), Some((0x2000, S)));
        assert_eq!(
            read(&mut c, MSTATUS),
            mstatus::SPIE,
            "SIE ← SPIE = 0, SPP ← U"
        );
        assert_eq!(c.sret(S), Some((0x2000, U)));
        assert_eq!(read(&mut c, MSTATUS), mstatus::SIE | mstatus::SPIE);
        write(&mut c, MSTATUS, mstatus::TSR);
        assert_eq!(c.sret(S), None);
        assert_eq!(c.sret(M), Some((0x2000, U)), "TSR does not bind M-mode");
    }

    #[test]
    fn tvm_and_tw_trap_s_mode_only() {
        let mut c = Csrs::new();
        assert!(c.sfence_vma_allowed(S) && !c.sfence_vma_allowed(U));
        assert!(c.wfi_allowed(S) && c.wfi_allowed(M) && !c.wfi_allowed(U));
        write(&mut c, MSTATUS, mstatus::TVM | mstatus::TW);
        assert!(!c.sfence_vma_allowed(S) && c.sfence_vma_allowed(M));
        assert!(!c.wfi_allowed(S) && c.wfi_allowed(M));
        assert_eq!(c.access(SATP, CsrOp::Read, S, NOW), None);
        assert_eq!(c.access(SATP, CsrOp::Write(0), S, NOW), None);
        assert_eq!(c.access(SATP, CsrOp::Read, M, NOW), Some(0));
    }

    #[test]
    fn interrupts_follow_enables_delegation_and_priority() {
        let mut c = Csrs::new();
        write(&mut c, MIE, irq::ALL);
        write(&mut c, MIP, 1 << irq::SSI | 1 << irq::STI);
        // Not delegated: for M, taken below M always, in M only with MIE.
        assert_eq!(c.pending_interrupt(M), None);
        assert_eq!(c.pending_interrupt(S), Some(INTERRUPT | irq::SSI));
        write(&mut c, MSTATUS, mstatus::MIE);
        assert_eq!(c.pending_interrupt(M), Some(INTERRUPT | irq::SSI));
        // M-level before S-level, MEI first.
        c.set_interrupt_pending(irq::MTI, true);
        c.set_interrupt_pending(irq::MEI, true);
        assert_eq!(c.pending_interrupt(U), Some(INTERRUPT | irq::MEI));
        c.set_interrupt_pending(irq::MEI, false);
        assert_eq!(c.pending_interrupt(U), Some(INTERRUPT | irq::MTI));
        c.set_interrupt_pending(irq::MTI, false);
        // Delegated: never in M, in S only with SIE, always in U.
        write(&mut c, MIDELEG, irq::S_LEVEL);
        assert_eq!(c.pending_interrupt(M), None);
        assert_eq!(c.pending_interrupt(S), None);
        assert_eq!(c.pending_interrupt(U), Some(INTERRUPT | irq::SSI));
        write(&mut c, SSTATUS, mstatus::SIE);
        assert_eq!(c.pending_interrupt(S), Some(INTERRUPT | irq::SSI));
        // Disabled in mie: not taken.
        write(&mut c, MIE, 1 << irq::STI);
        assert_eq!(c.pending_interrupt(U), Some(INTERRUPT | irq::STI));
        let (_, mode) = c.trap(INTERRUPT | irq::STI, 0, 0, U);
        assert_eq!((mode, read(&mut c, SCAUSE)), (S, INTERRUPT | irq::STI));
    }

    #[test]
    fn mmu_context_per_mode_and_mprv() {
        let mut c = Csrs::new();
        assert_eq!(c.mmu_context(S).fetch, None, "satp Bare");
        let satp = Satp::new(SatpMode::Sv32, 3, 0x80123);
        write(&mut c, SATP, satp.0);
        let user = c.mmu_context(U);
        assert_eq!(user, MmuContext::user(satp));
        let machine = c.mmu_context(M);
        assert_eq!((machine.fetch, machine.data), (None, None));
        // MPRV with MPP = S: M-mode data accesses translate as S with SUM/MXR; fetches don't.
        write(
            &mut c,
            MSTATUS,
            mstatus::MPRV | 1 << mstatus::MPP_SHIFT | mstatus::SUM | mstatus::MXR,
        );
        let mprv = c.mmu_context(M);
        assert_eq!(mprv.fetch, None);
        let data = PrivContext {
            privilege: Privilege::Supervisor,
            sum: true,
            mxr: true,
        };
        assert_eq!(mprv.data, Some(data));
        // In S-mode MPRV does nothing; fetches ignore SUM/MXR.
        let s = c.mmu_context(S);
        assert_eq!(
            (s.fetch, s.data),
            (Some(PrivContext::SUPERVISOR), Some(data))
        );
        // MPRV with MPP = M: untranslated.
        write(&mut c, MSTATUS, mstatus::MPRV | mstatus::MPP);
        assert_eq!(c.mmu_context(M).data, None);
    }
}
