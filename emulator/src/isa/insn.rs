//! The decoded instruction: one flat enum variant per RV32IMAC + Zicsr + Zifencei + privileged
//! instruction. Compressed (RVC) encodings are expanded at decode time into the base variant they
//! stand for, so the executor and the timing model never see a `c.` form; the encoded length is
//! kept beside the instruction in [`Decoded`].
//!
//! The enum is flat (no nested `op` enums) so the executor's `match` is a single jump table.

/// An integer register number, `x0`..`x31`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Reg(pub u8);

impl Reg {
    /// The hard-wired zero register.
    pub const ZERO: Reg = Reg(0);
    /// Return address (`x1`).
    pub const RA: Reg = Reg(1);
    /// Stack pointer (`x2`).
    pub const SP: Reg = Reg(2);

    /// Register number as an array index.
    #[inline(always)]
    pub fn idx(self) -> usize {
        // The mask lets the compiler drop bounds checks on the 32-entry register file.
        (self.0 & 31) as usize
    }

    /// ABI name as objdump prints it (`zero`, `ra`, `sp`, `a0`, `s0`, ...).
    pub fn abi_name(self) -> &'static str {
        const NAMES: [&str; 32] = [
            "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3",
            "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
            "t3", "t4", "t5", "t6",
        ];
        NAMES[self.idx() & 31]
    }
}

/// Ordering bits of an atomic instruction (`.aq`, `.rl`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AqRl {
    /// Acquire.
    pub aq: bool,
    /// Release.
    pub rl: bool,
}

/// One decoded RV32 instruction.
///
/// Immediates are stored sign-extended and already shifted into place (e.g. `Lui::imm` is the
/// full 32-bit value `imm20 << 12`; branch/jump offsets are byte offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insn {
    // ---- RV32I ----
    /// `rd = imm` (imm already `<< 12`).
    Lui { rd: Reg, imm: u32 },
    /// `rd = pc + imm` (imm already `<< 12`).
    Auipc { rd: Reg, imm: u32 },
    /// Jump and link, byte offset.
    Jal { rd: Reg, offset: i32 },
    /// Jump and link register.
    Jalr { rd: Reg, rs1: Reg, offset: i32 },
    /// Branch if equal.
    Beq { rs1: Reg, rs2: Reg, offset: i32 },
    /// Branch if not equal.
    Bne { rs1: Reg, rs2: Reg, offset: i32 },
    /// Branch if less than (signed).
    Blt { rs1: Reg, rs2: Reg, offset: i32 },
    /// Branch if greater or equal (signed).
    Bge { rs1: Reg, rs2: Reg, offset: i32 },
    /// Branch if less than (unsigned).
    Bltu { rs1: Reg, rs2: Reg, offset: i32 },
    /// Branch if greater or equal (unsigned).
    Bgeu { rs1: Reg, rs2: Reg, offset: i32 },
    /// Load byte (sign-extend).
    Lb { rd: Reg, rs1: Reg, offset: i32 },
    /// Load halfword (sign-extend).
    Lh { rd: Reg, rs1: Reg, offset: i32 },
    /// Load word.
    Lw { rd: Reg, rs1: Reg, offset: i32 },
    /// Load byte (zero-extend).
    Lbu { rd: Reg, rs1: Reg, offset: i32 },
    /// Load halfword (zero-extend).
    Lhu { rd: Reg, rs1: Reg, offset: i32 },
    /// Store byte.
    Sb { rs1: Reg, rs2: Reg, offset: i32 },
    /// Store halfword.
    Sh { rs1: Reg, rs2: Reg, offset: i32 },
    /// Store word.
    Sw { rs1: Reg, rs2: Reg, offset: i32 },
    /// Add immediate.
    Addi { rd: Reg, rs1: Reg, imm: i32 },
    /// Set less than immediate (signed).
    Slti { rd: Reg, rs1: Reg, imm: i32 },
    /// Set less than immediate (unsigned compare of the sign-extended immediate).
    Sltiu { rd: Reg, rs1: Reg, imm: i32 },
    /// Xor immediate.
    Xori { rd: Reg, rs1: Reg, imm: i32 },
    /// Or immediate.
    Ori { rd: Reg, rs1: Reg, imm: i32 },
    /// And immediate.
    Andi { rd: Reg, rs1: Reg, imm: i32 },
    /// Shift left logical immediate (shamt 0..31).
    Slli { rd: Reg, rs1: Reg, shamt: u8 },
    /// Shift right logical immediate.
    Srli { rd: Reg, rs1: Reg, shamt: u8 },
    /// Shift right arithmetic immediate.
    Srai { rd: Reg, rs1: Reg, shamt: u8 },
    /// Add.
    Add { rd: Reg, rs1: Reg, rs2: Reg },
    /// Subtract.
    Sub { rd: Reg, rs1: Reg, rs2: Reg },
    /// Shift left logical.
    Sll { rd: Reg, rs1: Reg, rs2: Reg },
    /// Set less than (signed).
    Slt { rd: Reg, rs1: Reg, rs2: Reg },
    /// Set less than (unsigned).
    Sltu { rd: Reg, rs1: Reg, rs2: Reg },
    /// Xor.
    Xor { rd: Reg, rs1: Reg, rs2: Reg },
    /// Shift right logical.
    Srl { rd: Reg, rs1: Reg, rs2: Reg },
    /// Shift right arithmetic.
    Sra { rd: Reg, rs1: Reg, rs2: Reg },
    /// Or.
    Or { rd: Reg, rs1: Reg, rs2: Reg },
    /// And.
    And { rd: Reg, rs1: Reg, rs2: Reg },
    /// Memory fence; `pred`/`succ` are the 4-bit IORW sets, `fm` the fence mode.
    Fence { pred: u8, succ: u8, fm: u8 },
    /// Environment call.
    Ecall,
    /// Breakpoint.
    Ebreak,

    // ---- Zifencei ----
    /// Instruction-fetch fence.
    FenceI,

    // ---- Zicsr ---- (`csr` is the 12-bit CSR number)
    /// Atomic read/write CSR.
    Csrrw { rd: Reg, rs1: Reg, csr: u16 },
    /// Atomic read and set bits.
    Csrrs { rd: Reg, rs1: Reg, csr: u16 },
    /// Atomic read and clear bits.
    Csrrc { rd: Reg, rs1: Reg, csr: u16 },
    /// Read/write CSR with a 5-bit zero-extended immediate.
    Csrrwi { rd: Reg, uimm: u8, csr: u16 },
    /// Read and set bits, immediate.
    Csrrsi { rd: Reg, uimm: u8, csr: u16 },
    /// Read and clear bits, immediate.
    Csrrci { rd: Reg, uimm: u8, csr: u16 },

    // ---- M ----
    /// Multiply (low 32 bits).
    Mul { rd: Reg, rs1: Reg, rs2: Reg },
    /// Multiply high, signed × signed.
    Mulh { rd: Reg, rs1: Reg, rs2: Reg },
    /// Multiply high, signed × unsigned.
    Mulhsu { rd: Reg, rs1: Reg, rs2: Reg },
    /// Multiply high, unsigned × unsigned.
    Mulhu { rd: Reg, rs1: Reg, rs2: Reg },
    /// Divide (signed).
    Div { rd: Reg, rs1: Reg, rs2: Reg },
    /// Divide (unsigned).
    Divu { rd: Reg, rs1: Reg, rs2: Reg },
    /// Remainder (signed).
    Rem { rd: Reg, rs1: Reg, rs2: Reg },
    /// Remainder (unsigned).
    Remu { rd: Reg, rs1: Reg, rs2: Reg },

    // ---- A ---- (word-sized only on RV32)
    /// Load reserved.
    LrW { rd: Reg, rs1: Reg, order: AqRl },
    /// Store conditional.
    ScW {
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        order: AqRl,
    },
    /// Atomic swap.
    AmoswapW {
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        order: AqRl,
    },
    /// Atomic add.
    AmoaddW {
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        order: AqRl,
    },
    /// Atomic xor.
    AmoxorW {
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        order: AqRl,
    },
    /// Atomic and.
    AmoandW {
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        order: AqRl,
    },
    /// Atomic or.
    AmoorW {
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        order: AqRl,
    },
    /// Atomic signed minimum.
    AmominW {
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        order: AqRl,
    },
    /// Atomic signed maximum.
    AmomaxW {
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        order: AqRl,
    },
    /// Atomic unsigned minimum.
    AmominuW {
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        order: AqRl,
    },
    /// Atomic unsigned maximum.
    AmomaxuW {
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        order: AqRl,
    },

    // ---- Privileged ----
    /// Return from M-mode trap.
    Mret,
    /// Return from S-mode trap.
    Sret,
    /// Wait for interrupt.
    Wfi,
    /// Supervisor fence of address-translation caches.
    SfenceVma { rs1: Reg, rs2: Reg },

    /// Any encoding this decoder does not accept; carries the raw bits (16-bit forms zero-extended).
    Illegal { raw: u32 },

    // ---- Fused pairs (crate::hart::fuse) ----
    // Never decoded, encoded or shown: the block cache builds them for the functional
    // interpreter loop, which runs a frequent adjacent pair with one dispatch. They are `Insn`
    // variants so that the executor's one `match` dispatches them with the rest: an enum
    // wrapping `Insn`, or a `match` on the pairs in front of the executor's, cost a second
    // indirect jump per instruction (coremark_like: 547 M and 507 M host instructions instead
    // of 434 M; the compiler did not merge the two dispatches). Each fits the 8 bytes of an
    // `Insn`; a branch `target` is relative to the first instruction's pc.
    /// `addi rd1, rd1, imm1; addi rd2, rd2, imm2` (two pointer or counter steps).
    AddiAddi {
        rd1: Reg,
        rd2: Reg,
        imm1: i16,
        imm2: i16,
    },
    /// `addi rd, rd, imm; bne b1, b2, target` (a loop counter and its test).
    AddiBne {
        rd: Reg,
        b1: Reg,
        b2: Reg,
        imm: i16,
        target: i16,
    },
    /// `mul rd1, a1, a2; add rd2, b1, b2` (multiply-accumulate).
    MulAdd {
        rd1: Reg,
        a1: Reg,
        a2: Reg,
        rd2: Reg,
        b1: Reg,
        b2: Reg,
    },
    /// `slli rd1, rs1, sh1; srli rd2, rs2, sh2` (zero-extension, bit-field extraction).
    SlliSrli {
        rd1: Reg,
        rs1: Reg,
        sh1: u8,
        rd2: Reg,
        rs2: Reg,
        sh2: u8,
    },
    /// `slli rd1, rs1, sh1; slli rd2, rs2, sh2`.
    SlliSlli {
        rd1: Reg,
        rs1: Reg,
        sh1: u8,
        rd2: Reg,
        rs2: Reg,
        sh2: u8,
    },
    /// `addi rd1, rs1, imm; slli rd2, rs2, sh` (`mv` and a shift).
    AddiSlli {
        rd1: Reg,
        rs1: Reg,
        imm: i16,
        rd2: Reg,
        rs2: Reg,
        sh: u8,
    },
    /// `srai rd1, rs1, sh; xor rd2, b1, b2`.
    SraiXor {
        rd1: Reg,
        rs1: Reg,
        sh: u8,
        rd2: Reg,
        b1: Reg,
        b2: Reg,
    },
    /// `srli rd, rs, sh; bge b1, b2, target`.
    SrliBge {
        rd: Reg,
        rs: Reg,
        sh: u8,
        b1: Reg,
        b2: Reg,
        target: i16,
    },
    /// `slli rd1, rs1, sh; add rd2, b1, b2` (array indexing).
    SlliAdd {
        rd1: Reg,
        rs1: Reg,
        sh: u8,
        rd2: Reg,
        b1: Reg,
        b2: Reg,
    },
    /// `lui rd, imm; addi rd, rd, imm2` (a 32-bit constant).
    LuiAddi { rd: Reg, imm2: i16, imm: u32 },
    /// `auipc rd, imm; addi rd, rd, imm2` (a pc-relative address).
    AuipcAddi { rd: Reg, imm2: i16, imm: u32 },
    /// `lh rd1, off1(rs1); lh rd2, off2(rs2)` (two operands fetched; offsets that fit 8 bits).
    LhLh {
        rd1: Reg,
        rs1: Reg,
        rd2: Reg,
        rs2: Reg,
        off1: i8,
        off2: i8,
    },
    /// `lw rd1, off1(rs1); lw rd2, off2(rs2)` (offsets that fit 8 bits).
    LwLw {
        rd1: Reg,
        rs1: Reg,
        rd2: Reg,
        rs2: Reg,
        off1: i8,
        off2: i8,
    },
    /// `lw rd, off(rs1); beq rd, b2, target` (a load and a test of it).
    LwBeq {
        rd: Reg,
        rs1: Reg,
        b2: Reg,
        off: i16,
        target: i16,
    },
    /// `lw rd, off(rs1); bne rd, b2, target`.
    LwBne {
        rd: Reg,
        rs1: Reg,
        b2: Reg,
        off: i16,
        target: i16,
    },
    /// `lh rd, off(rs1); beq rd, b2, target`.
    LhBeq {
        rd: Reg,
        rs1: Reg,
        b2: Reg,
        off: i16,
        target: i16,
    },
    /// `lh rd, off(rs1); bne rd, b2, target`.
    LhBne {
        rd: Reg,
        rs1: Reg,
        b2: Reg,
        off: i16,
        target: i16,
    },
}

/// A pattern matching every fused pair ([`Insn::AddiAddi`] and the rest), for the matches that
/// never see one (the decoder does not make them).
macro_rules! fused_pairs {
    () => {
        $crate::isa::Insn::AddiAddi { .. }
            | $crate::isa::Insn::AddiBne { .. }
            | $crate::isa::Insn::MulAdd { .. }
            | $crate::isa::Insn::SlliSrli { .. }
            | $crate::isa::Insn::SlliAdd { .. }
            | $crate::isa::Insn::SlliSlli { .. }
            | $crate::isa::Insn::AddiSlli { .. }
            | $crate::isa::Insn::SraiXor { .. }
            | $crate::isa::Insn::SrliBge { .. }
            | $crate::isa::Insn::LuiAddi { .. }
            | $crate::isa::Insn::AuipcAddi { .. }
            | $crate::isa::Insn::LhLh { .. }
            | $crate::isa::Insn::LwLw { .. }
            | $crate::isa::Insn::LwBeq { .. }
            | $crate::isa::Insn::LwBne { .. }
            | $crate::isa::Insn::LhBeq { .. }
            | $crate::isa::Insn::LhBne { .. }
    };
}
pub(crate) use fused_pairs;

/// An instruction as decoded from memory: the instruction plus its encoded length and raw bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The (expanded) instruction.
    pub insn: Insn,
    /// The raw encoding (a 16-bit compressed form is zero-extended).
    pub raw: u32,
    /// Encoded length in bytes: 2 (compressed) or 4.
    pub len: u8,
}

/// Coarse instruction class for the instruction-mix statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum InsnClass {
    /// Integer ALU, LUI/AUIPC.
    Alu = 0,
    /// Loads.
    Load,
    /// Stores.
    Store,
    /// Conditional branches.
    Branch,
    /// JAL / JALR.
    Jump,
    /// Multiply.
    Mul,
    /// Divide / remainder.
    Div,
    /// LR/SC and AMOs.
    Atomic,
    /// CSR accesses.
    Csr,
    /// ECALL/EBREAK, fences, privileged, illegal.
    System,
}

impl InsnClass {
    /// Number of classes (array size for per-class counters).
    pub const COUNT: usize = 10;
    /// All classes in counter order.
    pub const ALL: [InsnClass; Self::COUNT] = [
        InsnClass::Alu,
        InsnClass::Load,
        InsnClass::Store,
        InsnClass::Branch,
        InsnClass::Jump,
        InsnClass::Mul,
        InsnClass::Div,
        InsnClass::Atomic,
        InsnClass::Csr,
        InsnClass::System,
    ];

    /// Lower-case name used in statistics output.
    pub fn name(self) -> &'static str {
        match self {
            InsnClass::Alu => "alu",
            InsnClass::Load => "load",
            InsnClass::Store => "store",
            InsnClass::Branch => "branch",
            InsnClass::Jump => "jump",
            InsnClass::Mul => "mul",
            InsnClass::Div => "div",
            InsnClass::Atomic => "atomic",
            InsnClass::Csr => "csr",
            InsnClass::System => "system",
        }
    }
}

impl Insn {
    /// The register the instruction writes, if it has a destination (`x0` included).
    pub fn rd(&self) -> Option<Reg> {
        use Insn::*;
        match *self {
            Lui { rd, .. } | Auipc { rd, .. } | Jal { rd, .. } | Jalr { rd, .. } => Some(rd),
            Lb { rd, .. } | Lh { rd, .. } | Lw { rd, .. } | Lbu { rd, .. } | Lhu { rd, .. } => {
                Some(rd)
            }
            Addi { rd, .. } | Slti { rd, .. } | Sltiu { rd, .. } | Xori { rd, .. } => Some(rd),
            Ori { rd, .. } | Andi { rd, .. } | Slli { rd, .. } | Srli { rd, .. } => Some(rd),
            Srai { rd, .. } | Add { rd, .. } | Sub { rd, .. } | Sll { rd, .. } => Some(rd),
            Slt { rd, .. } | Sltu { rd, .. } | Xor { rd, .. } | Srl { rd, .. } => Some(rd),
            Sra { rd, .. } | Or { rd, .. } | And { rd, .. } => Some(rd),
            Csrrw { rd, .. } | Csrrs { rd, .. } | Csrrc { rd, .. } => Some(rd),
            Csrrwi { rd, .. } | Csrrsi { rd, .. } | Csrrci { rd, .. } => Some(rd),
            Mul { rd, .. } | Mulh { rd, .. } | Mulhsu { rd, .. } | Mulhu { rd, .. } => Some(rd),
            Div { rd, .. } | Divu { rd, .. } | Rem { rd, .. } | Remu { rd, .. } => Some(rd),
            LrW { rd, .. } | ScW { rd, .. } | AmoswapW { rd, .. } | AmoaddW { rd, .. } => Some(rd),
            AmoxorW { rd, .. } | AmoandW { rd, .. } | AmoorW { rd, .. } => Some(rd),
            AmominW { rd, .. } | AmomaxW { rd, .. } | AmominuW { rd, .. } => Some(rd),
            AmomaxuW { rd, .. } => Some(rd),
            _ => None,
        }
    }

    /// The instruction's class for the instruction mix.
    pub fn class(&self) -> InsnClass {
        use Insn::*;
        match self {
            Lui { .. }
            | Auipc { .. }
            | Addi { .. }
            | Slti { .. }
            | Sltiu { .. }
            | Xori { .. }
            | Ori { .. }
            | Andi { .. }
            | Slli { .. }
            | Srli { .. }
            | Srai { .. }
            | Add { .. }
            | Sub { .. }
            | Sll { .. }
            | Slt { .. }
            | Sltu { .. }
            | Xor { .. }
            | Srl { .. }
            | Sra { .. }
            | Or { .. }
            | And { .. } => InsnClass::Alu,
            Lb { .. } | Lh { .. } | Lw { .. } | Lbu { .. } | Lhu { .. } => InsnClass::Load,
            Sb { .. } | Sh { .. } | Sw { .. } => InsnClass::Store,
            Beq { .. } | Bne { .. } | Blt { .. } | Bge { .. } | Bltu { .. } | Bgeu { .. } => {
                InsnClass::Branch
            }
            Jal { .. } | Jalr { .. } => InsnClass::Jump,
            Mul { .. } | Mulh { .. } | Mulhsu { .. } | Mulhu { .. } => InsnClass::Mul,
            Div { .. } | Divu { .. } | Rem { .. } | Remu { .. } => InsnClass::Div,
            LrW { .. }
            | ScW { .. }
            | AmoswapW { .. }
            | AmoaddW { .. }
            | AmoxorW { .. }
            | AmoandW { .. }
            | AmoorW { .. }
            | AmominW { .. }
            | AmomaxW { .. }
            | AmominuW { .. }
            | AmomaxuW { .. } => InsnClass::Atomic,
            Csrrw { .. }
            | Csrrs { .. }
            | Csrrc { .. }
            | Csrrwi { .. }
            | Csrrsi { .. }
            | Csrrci { .. } => InsnClass::Csr,
            Fence { .. }
            | Ecall
            | Ebreak
            | FenceI
            | Mret
            | Sret
            | Wfi
            | SfenceVma { .. }
            | Illegal { .. } => InsnClass::System,
            // A fused pair's is its first instruction's (the mix counts the originals).
            AddiAddi { .. }
            | AddiBne { .. }
            | SlliSrli { .. }
            | SlliAdd { .. }
            | SlliSlli { .. }
            | AddiSlli { .. }
            | SraiXor { .. }
            | SrliBge { .. }
            | LuiAddi { .. }
            | AuipcAddi { .. } => InsnClass::Alu,
            MulAdd { .. } => InsnClass::Mul,
            LhLh { .. } | LwLw { .. } => InsnClass::Load,
            LwBeq { .. } | LwBne { .. } | LhBeq { .. } | LhBne { .. } => InsnClass::Load,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insn_stays_small() {
        // The decoded-instruction cache holds one `Decoded` per halfword of a code page; keep it
        // compact so a page's worth stays cache-friendly.
        assert!(
            std::mem::size_of::<Insn>() <= 8,
            "{}",
            std::mem::size_of::<Insn>()
        );
        assert!(std::mem::size_of::<Decoded>() <= 16);
    }
}
