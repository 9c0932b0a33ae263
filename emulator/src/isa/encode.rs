//! Encoder: [`Insn`] → 32-bit base encoding (the inverse of the decoder's 32-bit path).
//!
//! Fields the decoder ignores (FENCE `rd`/`rs1`, FENCE.I `imm`/`rs1`/`rd`) are encoded as zero, as
//! standard software must. Out-of-range immediates are truncated to their field width.

use super::insn::{AqRl, Insn, Reg};

#[inline]
fn r(reg: Reg) -> u32 {
    (reg.0 & 31) as u32
}

/// R-type: funct7 | rs2 | rs1 | funct3 | rd | opcode.
#[inline]
fn r_type(f7: u32, rs2: Reg, rs1: Reg, f3: u32, rd: Reg, opcode: u32) -> u32 {
    (f7 << 25) | (r(rs2) << 20) | (r(rs1) << 15) | (f3 << 12) | (r(rd) << 7) | opcode
}

/// I-type with a 12-bit immediate.
#[inline]
fn i_type(imm: i32, rs1: Reg, f3: u32, rd: Reg, opcode: u32) -> u32 {
    (((imm as u32) & 0xfff) << 20) | (r(rs1) << 15) | (f3 << 12) | (r(rd) << 7) | opcode
}

/// S-type (stores).
#[inline]
fn s_type(imm: i32, rs2: Reg, rs1: Reg, f3: u32) -> u32 {
    let imm = imm as u32;
    (((imm >> 5) & 0x7f) << 25)
        | (r(rs2) << 20)
        | (r(rs1) << 15)
        | (f3 << 12)
        | ((imm & 0x1f) << 7)
        | 0x23
}

/// B-type (branches); `offset` is a byte offset.
#[inline]
fn b_type(offset: i32, rs2: Reg, rs1: Reg, f3: u32) -> u32 {
    let o = offset as u32;
    (((o >> 12) & 1) << 31)
        | (((o >> 5) & 0x3f) << 25)
        | (r(rs2) << 20)
        | (r(rs1) << 15)
        | (f3 << 12)
        | (((o >> 1) & 0xf) << 8)
        | (((o >> 11) & 1) << 7)
        | 0x63
}

/// J-type (JAL); `offset` is a byte offset.
#[inline]
fn j_type(offset: i32, rd: Reg) -> u32 {
    let o = offset as u32;
    (((o >> 20) & 1) << 31)
        | (((o >> 1) & 0x3ff) << 21)
        | (((o >> 11) & 1) << 20)
        | (o & 0x000f_f000)
        | (r(rd) << 7)
        | 0x6f
}

/// Shift-immediate: funct7 | shamt | rs1 | funct3 | rd | OP-IMM.
#[inline]
fn shift(f7: u32, shamt: u8, rs1: Reg, f3: u32, rd: Reg) -> u32 {
    (f7 << 25) | (((shamt & 31) as u32) << 20) | (r(rs1) << 15) | (f3 << 12) | (r(rd) << 7) | 0x13
}

/// CSR instruction (register or 5-bit immediate source in the rs1 field).
#[inline]
fn csr_type(csr: u16, src: u8, f3: u32, rd: Reg) -> u32 {
    (((csr & 0xfff) as u32) << 20) | (((src & 31) as u32) << 15) | (f3 << 12) | (r(rd) << 7) | 0x73
}

/// AMO: funct5 | aq | rl | rs2 | rs1 | 010 | rd | AMO.
#[inline]
fn amo(f5: u32, order: AqRl, rs2: Reg, rs1: Reg, rd: Reg) -> u32 {
    (f5 << 27)
        | ((order.aq as u32) << 26)
        | ((order.rl as u32) << 25)
        | (r(rs2) << 20)
        | (r(rs1) << 15)
        | (2 << 12)
        | (r(rd) << 7)
        | 0x2f
}

/// Encodes `insn` as a 32-bit instruction.
pub fn encode(insn: &Insn) -> u32 {
    use Insn::*;
    const OP: u32 = 0x33;
    const OP_IMM: u32 = 0x13;
    const LOAD: u32 = 0x03;
    const Z: Reg = Reg::ZERO;
    match *insn {
        Lui { rd, imm } => (imm & 0xffff_f000) | (r(rd) << 7) | 0x37,
        Auipc { rd, imm } => (imm & 0xffff_f000) | (r(rd) << 7) | 0x17,
        Jal { rd, offset } => j_type(offset, rd),
        Jalr { rd, rs1, offset } => i_type(offset, rs1, 0, rd, 0x67),
        Beq { rs1, rs2, offset } => b_type(offset, rs2, rs1, 0),
        Bne { rs1, rs2, offset } => b_type(offset, rs2, rs1, 1),
        Blt { rs1, rs2, offset } => b_type(offset, rs2, rs1, 4),
        Bge { rs1, rs2, offset } => b_type(offset, rs2, rs1, 5),
        Bltu { rs1, rs2, offset } => b_type(offset, rs2, rs1, 6),
        Bgeu { rs1, rs2, offset } => b_type(offset, rs2, rs1, 7),
        Lb { rd, rs1, offset } => i_type(offset, rs1, 0, rd, LOAD),
        Lh { rd, rs1, offset } => i_type(offset, rs1, 1, rd, LOAD),
        Lw { rd, rs1, offset } => i_type(offset, rs1, 2, rd, LOAD),
        Lbu { rd, rs1, offset } => i_type(offset, rs1, 4, rd, LOAD),
        Lhu { rd, rs1, offset } => i_type(offset, rs1, 5, rd, LOAD),
        Sb { rs1, rs2, offset } => s_type(offset, rs2, rs1, 0),
        Sh { rs1, rs2, offset } => s_type(offset, rs2, rs1, 1),
        Sw { rs1, rs2, offset } => s_type(offset, rs2, rs1, 2),
        Addi { rd, rs1, imm } => i_type(imm, rs1, 0, rd, OP_IMM),
        Slti { rd, rs1, imm } => i_type(imm, rs1, 2, rd, OP_IMM),
        Sltiu { rd, rs1, imm } => i_type(imm, rs1, 3, rd, OP_IMM),
        Xori { rd, rs1, imm } => i_type(imm, rs1, 4, rd, OP_IMM),
        Ori { rd, rs1, imm } => i_type(imm, rs1, 6, rd, OP_IMM),
        Andi { rd, rs1, imm } => i_type(imm, rs1, 7, rd, OP_IMM),
        Slli { rd, rs1, shamt } => shift(0x00, shamt, rs1, 1, rd),
        Srli { rd, rs1, shamt } => shift(0x00, shamt, rs1, 5, rd),
        Srai { rd, rs1, shamt } => shift(0x20, shamt, rs1, 5, rd),
        Add { rd, rs1, rs2 } => r_type(0x00, rs2, rs1, 0, rd, OP),
        Sub { rd, rs1, rs2 } => r_type(0x20, rs2, rs1, 0, rd, OP),
        Sll { rd, rs1, rs2 } => r_type(0x00, rs2, rs1, 1, rd, OP),
        Slt { rd, rs1, rs2 } => r_type(0x00, rs2, rs1, 2, rd, OP),
        Sltu { rd, rs1, rs2 } => r_type(0x00, rs2, rs1, 3, rd, OP),
        Xor { rd, rs1, rs2 } => r_type(0x00, rs2, rs1, 4, rd, OP),
        Srl { rd, rs1, rs2 } => r_type(0x00, rs2, rs1, 5, rd, OP),
        Sra { rd, rs1, rs2 } => r_type(0x20, rs2, rs1, 5, rd, OP),
        Or { rd, rs1, rs2 } => r_type(0x00, rs2, rs1, 6, rd, OP),
        And { rd, rs1, rs2 } => r_type(0x00, rs2, rs1, 7, rd, OP),
        Fence { pred, succ, fm } => {
            (((fm & 0xf) as u32) << 28)
                | (((pred & 0xf) as u32) << 24)
                | (((succ & 0xf) as u32) << 20)
                | 0x0f
        }
        Ecall => 0x0000_0073,
        Ebreak => 0x0010_0073,
        FenceI => 0x0000_100f,
        Csrrw { rd, rs1, csr } => csr_type(csr, rs1.0, 1, rd),
        Csrrs { rd, rs1, csr } => csr_type(csr, rs1.0, 2, rd),
        Csrrc { rd, rs1, csr } => csr_type(csr, rs1.0, 3, rd),
        Csrrwi { rd, uimm, csr } => csr_type(csr, uimm, 5, rd),
        Csrrsi { rd, uimm, csr } => csr_type(csr, uimm, 6, rd),
        Csrrci { rd, uimm, csr } => csr_type(csr, uimm, 7, rd),
        Mul { rd, rs1, rs2 } => r_type(0x01, rs2, rs1, 0, rd, OP),
        Mulh { rd, rs1, rs2 } => r_type(0x01, rs2, rs1, 1, rd, OP),
        Mulhsu { rd, rs1, rs2 } => r_type(0x01, rs2, rs1, 2, rd, OP),
        Mulhu { rd, rs1, rs2 } => r_type(0x01, rs2, rs1, 3, rd, OP),
        Div { rd, rs1, rs2 } => r_type(0x01, rs2, rs1, 4, rd, OP),
        Divu { rd, rs1, rs2 } => r_type(0x01, rs2, rs1, 5, rd, OP),
        Rem { rd, rs1, rs2 } => r_type(0x01, rs2, rs1, 6, rd, OP),
        Remu { rd, rs1, rs2 } => r_type(0x01, rs2, rs1, 7, rd, OP),
        LrW { rd, rs1, order } => amo(0x02, order, Z, rs1, rd),
        ScW {
            rd,
            rs1,
            rs2,
            order,
        } => amo(0x03, order, rs2, rs1, rd),
        AmoswapW {
            rd,
            rs1,
            rs2,
            order,
        } => amo(0x01, order, rs2, rs1, rd),
        AmoaddW {
            rd,
            rs1,
            rs2,
            order,
        } => amo(0x00, order, rs2, rs1, rd),
        AmoxorW {
            rd,
            rs1,
            rs2,
            order,
        } => amo(0x04, order, rs2, rs1, rd),
        AmoandW {
            rd,
            rs1,
            rs2,
            order,
        } => amo(0x0c, order, rs2, rs1, rd),
        AmoorW {
            rd,
            rs1,
            rs2,
            order,
        } => amo(0x08, order, rs2, rs1, rd),
        AmominW {
            rd,
            rs1,
            rs2,
            order,
        } => amo(0x10, order, rs2, rs1, rd),
        AmomaxW {
            rd,
            rs1,
            rs2,
            order,
        } => amo(0x14, order, rs2, rs1, rd),
        AmominuW {
            rd,
            rs1,
            rs2,
            order,
        } => amo(0x18, order, rs2, rs1, rd),
        AmomaxuW {
            rd,
            rs1,
            rs2,
            order,
        } => amo(0x1c, order, rs2, rs1, rd),
        Mret => 0x3020_0073,
        Sret => 0x1020_0073,
        Wfi => 0x1050_0073,
        SfenceVma { rs1, rs2 } => r_type(0x09, rs2, rs1, 0, Z, 0x73),
        Illegal { raw } => raw,
        super::insn::fused_pairs!() => panic!("a fused pair has no encoding: {insn:?}"),
    }
}
