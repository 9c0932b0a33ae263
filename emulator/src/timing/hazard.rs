//! Which registers an instruction reads and writes: what the pipeline model needs to find data
//! hazards (a load followed by a use of its result, or any read-after-write without forwarding).

use crate::isa::{Insn, Reg};

/// The registers of one instruction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegUse {
    /// The register written (0 for none: `x0` is never a hazard).
    pub rd: u8,
    /// Bit `r` set if `x{r}` is read (bit 0 never set).
    pub reads: u32,
    /// The result comes from memory in the MEM stage (loads, LR, AMOs): the value a
    /// dependent instruction right behind it waits one cycle for, even with forwarding.
    pub from_memory: bool,
}

fn bit(r: Reg) -> u32 {
    (1u32 << r.idx()) & !1
}

impl RegUse {
    /// The registers `insn` reads and writes.
    pub fn of(insn: &Insn) -> RegUse {
        use Insn::*;
        let (rd, reads, from_memory) = match *insn {
            Lui { rd, .. } | Auipc { rd, .. } | Jal { rd, .. } => (rd, 0, false),
            Jalr { rd, rs1, .. } => (rd, bit(rs1), false),
            Beq { rs1, rs2, .. }
            | Bne { rs1, rs2, .. }
            | Blt { rs1, rs2, .. }
            | Bge { rs1, rs2, .. }
            | Bltu { rs1, rs2, .. }
            | Bgeu { rs1, rs2, .. }
            | Sb { rs1, rs2, .. }
            | Sh { rs1, rs2, .. }
            | Sw { rs1, rs2, .. }
            | SfenceVma { rs1, rs2 } => (Reg::ZERO, bit(rs1) | bit(rs2), false),
            Lb { rd, rs1, .. }
            | Lh { rd, rs1, .. }
            | Lw { rd, rs1, .. }
            | Lbu { rd, rs1, .. }
            | Lhu { rd, rs1, .. }
            | LrW { rd, rs1, .. } => (rd, bit(rs1), true),
            Addi { rd, rs1, .. }
            | Slti { rd, rs1, .. }
            | Sltiu { rd, rs1, .. }
            | Xori { rd, rs1, .. }
            | Ori { rd, rs1, .. }
            | Andi { rd, rs1, .. }
            | Slli { rd, rs1, .. }
            | Srli { rd, rs1, .. }
            | Srai { rd, rs1, .. }
            | Csrrw { rd, rs1, .. }
            | Csrrs { rd, rs1, .. }
            | Csrrc { rd, rs1, .. } => (rd, bit(rs1), false),
            Add { rd, rs1, rs2 }
            | Sub { rd, rs1, rs2 }
            | Sll { rd, rs1, rs2 }
            | Slt { rd, rs1, rs2 }
            | Sltu { rd, rs1, rs2 }
            | Xor { rd, rs1, rs2 }
            | Srl { rd, rs1, rs2 }
            | Sra { rd, rs1, rs2 }
            | Or { rd, rs1, rs2 }
            | And { rd, rs1, rs2 }
            | Mul { rd, rs1, rs2 }
            | Mulh { rd, rs1, rs2 }
            | Mulhsu { rd, rs1, rs2 }
            | Mulhu { rd, rs1, rs2 }
            | Div { rd, rs1, rs2 }
            | Divu { rd, rs1, rs2 }
            | Rem { rd, rs1, rs2 }
            | Remu { rd, rs1, rs2 } => (rd, bit(rs1) | bit(rs2), false),
            ScW { rd, rs1, rs2, .. }
            | AmoswapW { rd, rs1, rs2, .. }
            | AmoaddW { rd, rs1, rs2, .. }
            | AmoxorW { rd, rs1, rs2, .. }
            | AmoandW { rd, rs1, rs2, .. }
            | AmoorW { rd, rs1, rs2, .. }
            | AmominW { rd, rs1, rs2, .. }
            | AmomaxW { rd, rs1, rs2, .. }
            | AmominuW { rd, rs1, rs2, .. }
            | AmomaxuW { rd, rs1, rs2, .. } => (rd, bit(rs1) | bit(rs2), true),
            Csrrwi { rd, .. } | Csrrsi { rd, .. } | Csrrci { rd, .. } => (rd, 0, false),
            Fence { .. } | Ecall | Ebreak | FenceI | Mret | Sret | Wfi | Illegal { .. } => {
                (Reg::ZERO, 0, false)
            }
            // The pipeline model sees only the original instructions (hart/fuse.rs).
            crate::isa::fused_pairs!() => unreachable!("a fused pair in the pipeline model"),
        };
        RegUse {
            rd: rd.idx() as u8,
            reads,
            from_memory: from_memory && rd.idx() != 0,
        }
    }

    /// True if this instruction reads `x{r}` (never for `x0`).
    #[inline(always)]
    pub fn reads_reg(reads: u32, r: u8) -> bool {
        (reads >> (r & 31)) & 1 != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_destination_per_format() {
        let (a0, a1, a2) = (Reg(10), Reg(11), Reg(12));
        let cases = [
            (
                Insn::Add {
                    rd: a0,
                    rs1: a1,
                    rs2: a2,
                },
                10,
                (1 << 11) | (1 << 12),
                false,
            ),
            (
                Insn::Lw {
                    rd: a0,
                    rs1: a1,
                    offset: 0,
                },
                10,
                1 << 11,
                true,
            ),
            (
                Insn::Lw {
                    rd: Reg::ZERO,
                    rs1: a1,
                    offset: 0,
                },
                0,
                1 << 11,
                false,
            ),
            (
                Insn::Sw {
                    rs1: a1,
                    rs2: a2,
                    offset: 0,
                },
                0,
                (1 << 11) | (1 << 12),
                false,
            ),
            (
                Insn::Beq {
                    rs1: Reg::ZERO,
                    rs2: a2,
                    offset: 8,
                },
                0,
                1 << 12,
                false,
            ),
            (
                Insn::Jal {
                    rd: Reg::RA,
                    offset: 8,
                },
                1,
                0,
                false,
            ),
            (Insn::Lui { rd: a0, imm: 0 }, 10, 0, false),
        ];
        for (insn, rd, reads, mem) in cases {
            let u = RegUse::of(&insn);
            assert_eq!((u.rd, u.reads, u.from_memory), (rd, reads, mem), "{insn:?}");
        }
    }
}
