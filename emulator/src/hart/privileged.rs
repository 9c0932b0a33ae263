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
pub const MISA_VALUE: u32 = 1 << 30
    | 1 << (b'A' - b'A')
    | 1 << (b'C' - b'A')
    | 1 << (b'I' - b'A')
    | 1 << (b'M' - b'A')
    | 1 << (b'S' - b'A')
    | 1 << (b'U' - b'A');

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

    /// Writes one 32-bit half; the other half keeps its value at `count`.
    fn set_half(&mut self, count: u64, value: u32, high: bool) {
        let old = self.value(count);
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
        self.write(csr, new, after);
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
            _ => return None,
        };
        Some(value)
    }

    /// Writes an existing, writable `csr` with WARL legalisation; `after` are the counts once
    /// the writing instruction has retired.
    fn write(&mut self, csr: u16, v: u32, after: Counters) {
        match csr {
            MCYCLE => self.cycle.set_half(after.cycle, v, false),
            MCYCLEH => self.cycle.set_half(after.cycle, v, true),
            MINSTRET => self.instret.set_half(after.instret, v, false),
            MINSTRETH => self.instret.set_half(after.instret, v, true),
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
            // misa (fixed extensions), mstatush, menvcfgh and the event counters ignore writes.
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
