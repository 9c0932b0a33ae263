//! Superinstructions for the functional loop: frequent adjacent pairs of a block run as one
//! dispatch.
//!
//! The untraced loop without TLB or cache models spends a good part of its time on the
//! executor's indirect jump (perf: 16–20% of samples, mostly mispredictions), once per
//! instruction. A pair such as `addi` + `bne` (a loop counter and its test) run as one fused
//! [`Insn`] (`Insn::AddiBne`) takes one dispatch instead of two.
//!
//! A block's fused form lies beside its instructions in the block cache, slot for slot: a
//! pair's fused instruction is in the slot of its first instruction, and the slot of the second
//! keeps the second unchanged. The loop running a fused pair consumes the second slot too, so
//! the per-slot exit counters, `instret` and the instruction mix come out exactly as unfused.
//! Every other reader of a block (the traced and modelled loops, which fetch per instruction,
//! and the pipeline model) sees only the original instructions.
//!
//! A pair is fused only when running it as one changes nothing observable:
//! - the first instruction cannot leave the block: an ALU instruction, a multiply or a load
//!   (a load's fault is the first instruction's, raised before anything changed, exactly as
//!   unfused);
//! - the second cannot fault (ALU, multiply, conditional branch), or is a load that is run
//!   after the pair's second slot was consumed: its fault is then counted as the second
//!   instruction's, with the first retired, exactly as unfused;
//! - the second executes after the first completed, reading registers afresh: a second that
//!   reads the first's result sees it;
//! - a branch whose offset is its own length (a taken branch to the next instruction, which
//!   falls through) is not fused.
//!
//! The pairs are the most frequent adjacent pairs of coremark_like's runs (each 2.5–4% of its
//! instructions: loop counters and their tests, a load and a test of it, multiply-accumulate,
//! shift sequences, pointer steps), plus `lui`/`auipc` + `addi` (every 32-bit constant and
//! pc-relative address). Some need a register to repeat (`addi rd, rd, ..`; a branch testing
//! the loaded register) so that the fused form fits the 8 bytes of an [`Insn`].
//! coremark_like: 434 M host instructions for 15 M guest instructions before, 406 M after.

use crate::isa::Insn;
use crate::mem::access::CachedInsn;

/// Appends the fused form of `block` to `out`: one slot per instruction, pairs fused left to
/// right.
pub fn fuse_block(block: &[CachedInsn], out: &mut Vec<CachedInsn>) {
    let mut i = 0;
    while i < block.len() {
        let a = block[i];
        match block.get(i + 1).and_then(|b| fuse_pair(&a, b)) {
            Some(insn) => {
                out.push(CachedInsn { insn, ..a });
                out.push(block[i + 1]);
                i += 2;
            }
            None => {
                out.push(a);
                i += 1;
            }
        }
    }
}

/// The fused instruction for `a` followed by `b`, if the pair has one (see the module comment
/// for what may be fused).
pub fn fuse_pair(a: &CachedInsn, b: &CachedInsn) -> Option<Insn> {
    use Insn::*;
    // A branch's target relative to `a`'s pc; none for a branch to the next instruction.
    let target = |offset: i32| -> Option<i16> {
        if offset == b.len as i32 {
            return None;
        }
        i16::try_from(offset + a.len as i32).ok()
    };
    let imm = |imm: i32| i16::try_from(imm).ok();
    let small = |off: i32| i8::try_from(off).ok();
    Some(match (a.insn, b.insn) {
        (
            Lh {
                rd,
                rs1,
                offset: o1,
            },
            Lh {
                rd: rd2,
                rs1: rs2,
                offset: o2,
            },
        ) => LhLh {
            rd1: rd,
            rs1,
            rd2,
            rs2,
            off1: small(o1)?,
            off2: small(o2)?,
        },
        (
            Lw {
                rd,
                rs1,
                offset: o1,
            },
            Lw {
                rd: rd2,
                rs1: rs2,
                offset: o2,
            },
        ) => LwLw {
            rd1: rd,
            rs1,
            rd2,
            rs2,
            off1: small(o1)?,
            off2: small(o2)?,
        },
        (
            Addi { rd, rs1, imm: i1 },
            Addi {
                rd: rd2,
                rs1: rs2,
                imm: i2,
            },
        ) if rd == rs1 && rd2 == rs2 => AddiAddi {
            rd1: rd,
            rd2,
            imm1: imm(i1)?,
            imm2: imm(i2)?,
        },
        (
            Addi { rd, rs1, imm: i },
            Bne {
                rs1: b1,
                rs2: b2,
                offset,
            },
        ) if rd == rs1 => AddiBne {
            rd,
            b1,
            b2,
            imm: imm(i)?,
            target: target(offset)?,
        },
        (
            Mul { rd, rs1, rs2 },
            Add {
                rd: rd2,
                rs1: b1,
                rs2: b2,
            },
        ) => MulAdd {
            rd1: rd,
            a1: rs1,
            a2: rs2,
            rd2,
            b1,
            b2,
        },
        (
            Slli { rd, rs1, shamt },
            Srli {
                rd: rd2,
                rs1: rs2,
                shamt: sh2,
            },
        ) => SlliSrli {
            rd1: rd,
            rs1,
            sh1: shamt,
            rd2,
            rs2,
            sh2,
        },
        (
            Slli { rd, rs1, shamt },
            Slli {
                rd: rd2,
                rs1: rs2,
                shamt: sh2,
            },
        ) => SlliSlli {
            rd1: rd,
            rs1,
            sh1: shamt,
            rd2,
            rs2,
            sh2,
        },
        (
            Addi { rd, rs1, imm: i },
            Slli {
                rd: rd2,
                rs1: rs2,
                shamt,
            },
        ) => AddiSlli {
            rd1: rd,
            rs1,
            imm: imm(i)?,
            rd2,
            rs2,
            sh: shamt,
        },
        (
            Srai { rd, rs1, shamt },
            Xor {
                rd: rd2,
                rs1: b1,
                rs2: b2,
            },
        ) => SraiXor {
            rd1: rd,
            rs1,
            sh: shamt,
            rd2,
            b1,
            b2,
        },
        (
            Srli { rd, rs1, shamt },
            Bge {
                rs1: b1,
                rs2: b2,
                offset,
            },
        ) => SrliBge {
            rd,
            rs: rs1,
            sh: shamt,
            b1,
            b2,
            target: target(offset)?,
        },
        (
            Slli { rd, rs1, shamt },
            Add {
                rd: rd2,
                rs1: b1,
                rs2: b2,
            },
        ) => SlliAdd {
            rd1: rd,
            rs1,
            sh: shamt,
            rd2,
            b1,
            b2,
        },
        (
            Lui { rd, imm: i },
            Addi {
                rd: rd2,
                rs1,
                imm: i2,
            },
        ) if rd == rd2 && rd == rs1 => LuiAddi {
            rd,
            imm2: imm(i2)?,
            imm: i,
        },
        (
            Auipc { rd, imm: i },
            Addi {
                rd: rd2,
                rs1,
                imm: i2,
            },
        ) if rd == rd2 && rd == rs1 => AuipcAddi {
            rd,
            imm2: imm(i2)?,
            imm: i,
        },
        (
            Lw { rd, rs1, offset: o },
            Beq {
                rs1: b1,
                rs2: b2,
                offset,
            },
        ) if b1 == rd => LwBeq {
            rd,
            rs1,
            b2,
            off: imm(o)?,
            target: target(offset)?,
        },
        (
            Lw { rd, rs1, offset: o },
            Bne {
                rs1: b1,
                rs2: b2,
                offset,
            },
        ) if b1 == rd => LwBne {
            rd,
            rs1,
            b2,
            off: imm(o)?,
            target: target(offset)?,
        },
        (
            Lh { rd, rs1, offset: o },
            Beq {
                rs1: b1,
                rs2: b2,
                offset,
            },
        ) if b1 == rd => LhBeq {
            rd,
            rs1,
            b2,
            off: imm(o)?,
            target: target(offset)?,
        },
        (
            Lh { rd, rs1, offset: o },
            Bne {
                rs1: b1,
                rs2: b2,
                offset,
            },
        ) if b1 == rd => LhBne {
            rd,
            rs1,
            b2,
            off: imm(o)?,
            target: target(offset)?,
        },
        _ => return None,
    })
}
