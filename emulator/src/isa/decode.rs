//! Decoder: raw bits → [`Decoded`]. RVC forms are expanded to their base instruction.
//!
//! Field conventions follow the RISC-V Unprivileged ISA (20191213) and Privileged ISA (1.12)
//! specifications. Decoding is strict: every fixed field (funct3, funct7, the rs2/rs1/rd fields of
//! the SYSTEM instructions, `rs2` of LR.W, ...) must match exactly, otherwise the result is
//! [`Insn::Illegal`]. The only fields that are *ignored* are the ones the specification says base
//! implementations shall ignore:
//!
//! * FENCE: `rd` and `rs1` (reserved for finer-grained fences). `fm`, `pred` and `succ` are kept
//!   in the [`Insn::Fence`] variant (any value; unknown `fm` values behave as a normal fence).
//! * FENCE.I: `imm[11:0]`, `rs1` and `rd`.
//!
//! HINT encodings (e.g. `addi x0, x0, 1`, `c.li x0, 5`, `c.slli` with shamt 0) are ordinary
//! instructions and decode to the base instruction they are encoded as.

use super::insn::{AqRl, Decoded, Insn, Reg};

/// Decodes the instruction whose first halfword is the low 16 bits of `raw`. If those bits mark a
/// compressed instruction, only they are used and `len` is 2; otherwise all 32 bits, `len` 4.
pub fn decode(raw: u32) -> Decoded {
    if raw & 3 != 3 {
        let half = raw & 0xffff;
        Decoded {
            insn: decode16(half as u16),
            raw: half,
            len: 2,
        }
    } else {
        Decoded {
            insn: decode32(raw),
            raw,
            len: 4,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 32-bit encodings
// ---------------------------------------------------------------------------------------------

#[inline]
fn rd(raw: u32) -> Reg {
    Reg(((raw >> 7) & 31) as u8)
}

#[inline]
fn rs1(raw: u32) -> Reg {
    Reg(((raw >> 15) & 31) as u8)
}

#[inline]
fn rs2(raw: u32) -> Reg {
    Reg(((raw >> 20) & 31) as u8)
}

#[inline]
fn funct3(raw: u32) -> u32 {
    (raw >> 12) & 7
}

#[inline]
fn funct7(raw: u32) -> u32 {
    raw >> 25
}

/// I-type immediate, sign-extended.
#[inline]
fn imm_i(raw: u32) -> i32 {
    (raw as i32) >> 20
}

/// S-type immediate, sign-extended.
#[inline]
fn imm_s(raw: u32) -> i32 {
    (((raw as i32) >> 25) << 5) | ((raw >> 7) & 0x1f) as i32
}

/// B-type immediate (byte offset), sign-extended.
#[inline]
fn imm_b(raw: u32) -> i32 {
    (((raw as i32) >> 31) << 12)
        | (((raw >> 7) & 1) << 11) as i32
        | (((raw >> 25) & 0x3f) << 5) as i32
        | (((raw >> 8) & 0xf) << 1) as i32
}

/// J-type immediate (byte offset), sign-extended.
#[inline]
fn imm_j(raw: u32) -> i32 {
    (((raw as i32) >> 31) << 20)
        | (raw & 0x000f_f000) as i32
        | (((raw >> 20) & 1) << 11) as i32
        | (((raw >> 21) & 0x3ff) << 1) as i32
}

/// Ordering bits of an AMO (bits 26 = aq, 25 = rl).
#[inline]
fn aqrl(raw: u32) -> AqRl {
    AqRl {
        aq: (raw >> 26) & 1 != 0,
        rl: (raw >> 25) & 1 != 0,
    }
}

fn decode32(raw: u32) -> Insn {
    let illegal = Insn::Illegal { raw };
    let (rd, rs1, rs2) = (rd(raw), rs1(raw), rs2(raw));
    let f3 = funct3(raw);
    let f7 = funct7(raw);
    match raw & 0x7f {
        0x37 => Insn::Lui {
            rd,
            imm: raw & 0xffff_f000,
        },
        0x17 => Insn::Auipc {
            rd,
            imm: raw & 0xffff_f000,
        },
        0x6f => Insn::Jal {
            rd,
            offset: imm_j(raw),
        },
        0x67 if f3 == 0 => Insn::Jalr {
            rd,
            rs1,
            offset: imm_i(raw),
        },
        0x63 => {
            let offset = imm_b(raw);
            match f3 {
                0 => Insn::Beq { rs1, rs2, offset },
                1 => Insn::Bne { rs1, rs2, offset },
                4 => Insn::Blt { rs1, rs2, offset },
                5 => Insn::Bge { rs1, rs2, offset },
                6 => Insn::Bltu { rs1, rs2, offset },
                7 => Insn::Bgeu { rs1, rs2, offset },
                _ => illegal,
            }
        }
        0x03 => {
            let offset = imm_i(raw);
            match f3 {
                0 => Insn::Lb { rd, rs1, offset },
                1 => Insn::Lh { rd, rs1, offset },
                2 => Insn::Lw { rd, rs1, offset },
                4 => Insn::Lbu { rd, rs1, offset },
                5 => Insn::Lhu { rd, rs1, offset },
                _ => illegal,
            }
        }
        0x23 => {
            let offset = imm_s(raw);
            match f3 {
                0 => Insn::Sb { rs1, rs2, offset },
                1 => Insn::Sh { rs1, rs2, offset },
                2 => Insn::Sw { rs1, rs2, offset },
                _ => illegal,
            }
        }
        0x13 => {
            let imm = imm_i(raw);
            let shamt = rs2.0;
            match (f3, f7) {
                (0, _) => Insn::Addi { rd, rs1, imm },
                (2, _) => Insn::Slti { rd, rs1, imm },
                (3, _) => Insn::Sltiu { rd, rs1, imm },
                (4, _) => Insn::Xori { rd, rs1, imm },
                (6, _) => Insn::Ori { rd, rs1, imm },
                (7, _) => Insn::Andi { rd, rs1, imm },
                (1, 0x00) => Insn::Slli { rd, rs1, shamt },
                (5, 0x00) => Insn::Srli { rd, rs1, shamt },
                (5, 0x20) => Insn::Srai { rd, rs1, shamt },
                _ => illegal,
            }
        }
        0x33 => match (f7, f3) {
            (0x00, 0) => Insn::Add { rd, rs1, rs2 },
            (0x20, 0) => Insn::Sub { rd, rs1, rs2 },
            (0x00, 1) => Insn::Sll { rd, rs1, rs2 },
            (0x00, 2) => Insn::Slt { rd, rs1, rs2 },
            (0x00, 3) => Insn::Sltu { rd, rs1, rs2 },
            (0x00, 4) => Insn::Xor { rd, rs1, rs2 },
            (0x00, 5) => Insn::Srl { rd, rs1, rs2 },
            (0x20, 5) => Insn::Sra { rd, rs1, rs2 },
            (0x00, 6) => Insn::Or { rd, rs1, rs2 },
            (0x00, 7) => Insn::And { rd, rs1, rs2 },
            (0x01, 0) => Insn::Mul { rd, rs1, rs2 },
            (0x01, 1) => Insn::Mulh { rd, rs1, rs2 },
            (0x01, 2) => Insn::Mulhsu { rd, rs1, rs2 },
            (0x01, 3) => Insn::Mulhu { rd, rs1, rs2 },
            (0x01, 4) => Insn::Div { rd, rs1, rs2 },
            (0x01, 5) => Insn::Divu { rd, rs1, rs2 },
            (0x01, 6) => Insn::Rem { rd, rs1, rs2 },
            (0x01, 7) => Insn::Remu { rd, rs1, rs2 },
            _ => illegal,
        },
        0x0f => match f3 {
            // rd and rs1 are reserved and ignored (see the module docs).
            0 => Insn::Fence {
                pred: ((raw >> 24) & 0xf) as u8,
                succ: ((raw >> 20) & 0xf) as u8,
                fm: (raw >> 28) as u8,
            },
            // imm, rs1 and rd are reserved and ignored.
            1 => Insn::FenceI,
            _ => illegal,
        },
        0x73 => {
            let csr = (raw >> 20) as u16;
            let uimm = rs1.0;
            match f3 {
                0 if rd.0 == 0 => match raw >> 15 {
                    // imm[11:0] ++ rs1 with rs1 == 0
                    0x00000 => Insn::Ecall,
                    0x00020 => Insn::Ebreak,
                    0x02040 => Insn::Sret,
                    0x06040 => Insn::Mret,
                    0x020a0 => Insn::Wfi,
                    _ if f7 == 0x09 => Insn::SfenceVma { rs1, rs2 },
                    _ => illegal,
                },
                1 => Insn::Csrrw { rd, rs1, csr },
                2 => Insn::Csrrs { rd, rs1, csr },
                3 => Insn::Csrrc { rd, rs1, csr },
                5 => Insn::Csrrwi { rd, uimm, csr },
                6 => Insn::Csrrsi { rd, uimm, csr },
                7 => Insn::Csrrci { rd, uimm, csr },
                _ => illegal,
            }
        }
        0x2f if f3 == 2 => {
            let order = aqrl(raw);
            match raw >> 27 {
                0x02 if rs2.0 == 0 => Insn::LrW { rd, rs1, order },
                0x03 => Insn::ScW {
                    rd,
                    rs1,
                    rs2,
                    order,
                },
                0x01 => Insn::AmoswapW {
                    rd,
                    rs1,
                    rs2,
                    order,
                },
                0x00 => Insn::AmoaddW {
                    rd,
                    rs1,
                    rs2,
                    order,
                },
                0x04 => Insn::AmoxorW {
                    rd,
                    rs1,
                    rs2,
                    order,
                },
                0x0c => Insn::AmoandW {
                    rd,
                    rs1,
                    rs2,
                    order,
                },
                0x08 => Insn::AmoorW {
                    rd,
                    rs1,
                    rs2,
                    order,
                },
                0x10 => Insn::AmominW {
                    rd,
                    rs1,
                    rs2,
                    order,
                },
                0x14 => Insn::AmomaxW {
                    rd,
                    rs1,
                    rs2,
                    order,
                },
                0x18 => Insn::AmominuW {
                    rd,
                    rs1,
                    rs2,
                    order,
                },
                0x1c => Insn::AmomaxuW {
                    rd,
                    rs1,
                    rs2,
                    order,
                },
                _ => illegal,
            }
        }
        _ => illegal,
    }
}

// ---------------------------------------------------------------------------------------------
// 16-bit (RVC) encodings, RV32C without the F/D forms
// ---------------------------------------------------------------------------------------------

/// Bit `n` of `h`, as u32.
#[inline]
fn bit(h: u32, n: u32) -> u32 {
    (h >> n) & 1
}

/// Sign-extends the low `bits` bits of `v`.
#[inline]
fn sext(v: u32, bits: u32) -> i32 {
    let s = 32 - bits;
    ((v << s) as i32) >> s
}

/// Full register number from a 3-bit `rd'`/`rs1'`/`rs2'` field (x8..x15).
#[inline]
fn creg(field: u32) -> Reg {
    Reg((field & 7) as u8 + 8)
}

/// The 6-bit signed immediate of c.addi / c.li / c.andi: imm[5] = bit 12, imm[4:0] = bits 6:2.
#[inline]
fn c_imm6(h: u32) -> i32 {
    sext((bit(h, 12) << 5) | ((h >> 2) & 0x1f), 6)
}

/// The 11-bit jump offset of c.j / c.jal: offset[11|4|9:8|10|6|7|3:1|5] in bits 12:2.
#[inline]
fn c_j_offset(h: u32) -> i32 {
    let v = (bit(h, 12) << 11)
        | (bit(h, 11) << 4)
        | (((h >> 9) & 3) << 8)
        | (bit(h, 8) << 10)
        | (bit(h, 7) << 6)
        | (bit(h, 6) << 7)
        | (((h >> 3) & 7) << 1)
        | (bit(h, 2) << 5);
    sext(v, 12)
}

/// The 8-bit branch offset of c.beqz / c.bnez: offset[8|4:3] in bits 12:10, [7:6|2:1|5] in 6:2.
#[inline]
fn c_b_offset(h: u32) -> i32 {
    let v = (bit(h, 12) << 8)
        | (((h >> 10) & 3) << 3)
        | (((h >> 5) & 3) << 6)
        | (((h >> 3) & 3) << 1)
        | (bit(h, 2) << 5);
    sext(v, 9)
}

fn decode16(half: u16) -> Insn {
    let h = half as u32;
    let illegal = Insn::Illegal { raw: h };
    let f3 = h >> 13;
    // Full-width register fields (quadrants 1 and 2) and compressed ones.
    let rd_full = Reg(((h >> 7) & 31) as u8);
    let rs2_full = Reg(((h >> 2) & 31) as u8);
    let rdp_lo = creg(h >> 2); // rd' / rs2' in bits 4:2
    let rsp_hi = creg(h >> 7); // rs1' / rd' in bits 9:7
    match (h & 3, f3) {
        // ---- quadrant 0 ----
        (0, 0) => {
            // c.addi4spn: nzuimm[5:4|9:6|2|3] in bits 12:5. nzuimm == 0 is reserved (and the
            // all-zero halfword is the defined illegal instruction).
            let imm = (((h >> 11) & 3) << 4)
                | (((h >> 7) & 0xf) << 6)
                | (bit(h, 6) << 2)
                | (bit(h, 5) << 3);
            if imm == 0 {
                illegal
            } else {
                Insn::Addi {
                    rd: rdp_lo,
                    rs1: Reg::SP,
                    imm: imm as i32,
                }
            }
        }
        (0, 2) | (0, 6) => {
            // c.lw / c.sw: uimm[5:3] in bits 12:10, uimm[2|6] in bits 6:5.
            let off = ((((h >> 10) & 7) << 3) | (bit(h, 6) << 2) | (bit(h, 5) << 6)) as i32;
            if f3 == 2 {
                Insn::Lw {
                    rd: rdp_lo,
                    rs1: rsp_hi,
                    offset: off,
                }
            } else {
                Insn::Sw {
                    rs1: rsp_hi,
                    rs2: rdp_lo,
                    offset: off,
                }
            }
        }
        // c.fld, c.flw, reserved, c.fsd, c.fsw
        (0, _) => illegal,

        // ---- quadrant 1 ----
        // c.addi (c.nop when rd = 0); imm = 0 or rd = 0 are HINTs.
        (1, 0) => Insn::Addi {
            rd: rd_full,
            rs1: rd_full,
            imm: c_imm6(h),
        },
        // c.jal (RV32 only)
        (1, 1) => Insn::Jal {
            rd: Reg::RA,
            offset: c_j_offset(h),
        },
        // c.li; rd = 0 is a HINT.
        (1, 2) => Insn::Addi {
            rd: rd_full,
            rs1: Reg::ZERO,
            imm: c_imm6(h),
        },
        (1, 3) if rd_full == Reg::SP => {
            // c.addi16sp: nzimm[9] in bit 12, nzimm[4|6|8:7|5] in bits 6:2; zero is reserved.
            let v = (bit(h, 12) << 9)
                | (bit(h, 6) << 4)
                | (bit(h, 5) << 6)
                | (((h >> 3) & 3) << 7)
                | (bit(h, 2) << 5);
            if v == 0 {
                illegal
            } else {
                Insn::Addi {
                    rd: Reg::SP,
                    rs1: Reg::SP,
                    imm: sext(v, 10),
                }
            }
        }
        (1, 3) => {
            // c.lui: nzimm[17] in bit 12, nzimm[16:12] in bits 6:2; zero is reserved, rd = 0 is a
            // HINT.
            let v = (bit(h, 12) << 17) | (((h >> 2) & 0x1f) << 12);
            if v == 0 {
                illegal
            } else {
                Insn::Lui {
                    rd: rd_full,
                    imm: sext(v, 18) as u32,
                }
            }
        }
        (1, 4) => {
            let rd = rsp_hi;
            match (h >> 10) & 3 {
                // c.srli / c.srai: shamt[5] = 1 is reserved for custom use on RV32; shamt = 0 is
                // a HINT.
                0 | 1 if bit(h, 12) != 0 => illegal,
                0 => Insn::Srli {
                    rd,
                    rs1: rd,
                    shamt: ((h >> 2) & 0x1f) as u8,
                },
                1 => Insn::Srai {
                    rd,
                    rs1: rd,
                    shamt: ((h >> 2) & 0x1f) as u8,
                },
                2 => Insn::Andi {
                    rd,
                    rs1: rd,
                    imm: c_imm6(h),
                },
                // bit 12 set: c.subw / c.addw (RV64) or reserved.
                _ if bit(h, 12) != 0 => illegal,
                _ => {
                    let rs2 = rdp_lo;
                    match (h >> 5) & 3 {
                        0 => Insn::Sub { rd, rs1: rd, rs2 },
                        1 => Insn::Xor { rd, rs1: rd, rs2 },
                        2 => Insn::Or { rd, rs1: rd, rs2 },
                        _ => Insn::And { rd, rs1: rd, rs2 },
                    }
                }
            }
        }
        // c.j
        (1, 5) => Insn::Jal {
            rd: Reg::ZERO,
            offset: c_j_offset(h),
        },
        // c.beqz / c.bnez
        (1, 6) => Insn::Beq {
            rs1: rsp_hi,
            rs2: Reg::ZERO,
            offset: c_b_offset(h),
        },
        (1, 7) => Insn::Bne {
            rs1: rsp_hi,
            rs2: Reg::ZERO,
            offset: c_b_offset(h),
        },

        // ---- quadrant 2 ----
        (2, 0) => {
            // c.slli: shamt[5] = 1 is reserved for custom use on RV32; rd = 0 or shamt = 0 are
            // HINTs.
            if bit(h, 12) != 0 {
                illegal
            } else {
                Insn::Slli {
                    rd: rd_full,
                    rs1: rd_full,
                    shamt: ((h >> 2) & 0x1f) as u8,
                }
            }
        }
        (2, 2) => {
            // c.lwsp: uimm[5] in bit 12, uimm[4:2|7:6] in bits 6:2; rd = 0 is reserved.
            let off = (bit(h, 12) << 5) | (((h >> 4) & 7) << 2) | (((h >> 2) & 3) << 6);
            if rd_full == Reg::ZERO {
                illegal
            } else {
                Insn::Lw {
                    rd: rd_full,
                    rs1: Reg::SP,
                    offset: off as i32,
                }
            }
        }
        (2, 4) => {
            let (r, rs2) = (rd_full, rs2_full);
            match (bit(h, 12), r.0, rs2.0) {
                // c.jr with rs1 = 0 is reserved.
                (0, 0, 0) => illegal,
                (0, _, 0) => Insn::Jalr {
                    rd: Reg::ZERO,
                    rs1: r,
                    offset: 0,
                },
                // c.mv; rd = 0 is a HINT.
                (0, _, _) => Insn::Add {
                    rd: r,
                    rs1: Reg::ZERO,
                    rs2,
                },
                (_, 0, 0) => Insn::Ebreak,
                (_, _, 0) => Insn::Jalr {
                    rd: Reg::RA,
                    rs1: r,
                    offset: 0,
                },
                // c.add; rd = 0 is a HINT.
                _ => Insn::Add { rd: r, rs1: r, rs2 },
            }
        }
        (2, 6) => {
            // c.swsp: uimm[5:2|7:6] in bits 12:7.
            let off = (((h >> 9) & 0xf) << 2) | (((h >> 7) & 3) << 6);
            Insn::Sw {
                rs1: Reg::SP,
                rs2: rs2_full,
                offset: off as i32,
            }
        }
        // c.fldsp, c.flwsp, c.fsdsp, c.fswsp
        _ => illegal,
    }
}
