//! Hand-checked decode expectations. The encodings come from GNU `as` (not from our encoder); the
//! expected `Insn`s were written by hand from the specification.

use crate::isa::{decode, encode, AqRl, Decoded, Insn, Reg};

use Insn::*;

const ZERO: Reg = Reg(0);
const RA: Reg = Reg(1);
const SP: Reg = Reg(2);
const T0: Reg = Reg(5);
const S0: Reg = Reg(8);
const S1: Reg = Reg(9);
const A0: Reg = Reg(10);
const A1: Reg = Reg(11);
const A2: Reg = Reg(12);
const A5: Reg = Reg(15);
const T6: Reg = Reg(31);

const NONE: AqRl = AqRl {
    aq: false,
    rl: false,
};
const AQ: AqRl = AqRl {
    aq: true,
    rl: false,
};
const RL: AqRl = AqRl {
    aq: false,
    rl: true,
};
const AQRL: AqRl = AqRl { aq: true, rl: true };

/// 32-bit encodings and what they decode to.
#[rustfmt::skip]
const TABLE32: &[(u32, Insn)] = &[
    (0x00000517, Auipc { rd: A0, imm: 0 }),
    (0x00010517, Auipc { rd: A0, imm: 0x10000 }),
    (0x800000b7, Lui { rd: RA, imm: 0x8000_0000 }),
    (0xfffff7b7, Lui { rd: A5, imm: 0xffff_f000 }),
    (0xff5ff0ef, Jal { rd: RA, offset: -12 }),
    (0xff1ff06f, Jal { rd: ZERO, offset: -16 }),
    (0xfedff56f, Jal { rd: A0, offset: -20 }),
    (0x7ffff06f, Jal { rd: ZERO, offset: 0xffffe }),
    (0x8000006f, Jal { rd: ZERO, offset: -0x100000 }),
    (0x000500e7, Jalr { rd: RA, rs1: A0, offset: 0 }),
    (0x00008067, Jalr { rd: ZERO, rs1: RA, offset: 0 }),
    (0x00408067, Jalr { rd: ZERO, rs1: RA, offset: 4 }),
    (0x008505e7, Jalr { rd: A1, rs1: A0, offset: 8 }),
    (0x800500e7, Jalr { rd: RA, rs1: A0, offset: -2048 }),
    (0xfcb506e3, Beq { rs1: A0, rs2: A1, offset: -52 }),
    (0xfc0540e3, Blt { rs1: A0, rs2: ZERO, offset: -64 }),
    (0xfaa04ee3, Blt { rs1: ZERO, rs2: A0, offset: -68 }),
    (0xfa055ce3, Bge { rs1: A0, rs2: ZERO, offset: -72 }),
    (0xfaa05ae3, Bge { rs1: ZERO, rs2: A0, offset: -76 }),
    (0xfab564e3, Bltu { rs1: A0, rs2: A1, offset: -88 }),
    (0xfab572e3, Bgeu { rs1: A0, rs2: A1, offset: -92 }),
    (0x00b51463, Bne { rs1: A0, rs2: A1, offset: 8 }),
    (0x7eb51fe3, Bne { rs1: A0, rs2: A1, offset: 4094 }),
    (0x80b51063, Bne { rs1: A0, rs2: A1, offset: -4096 }),
    (0xfec40503, Lb { rd: A0, rs1: S0, offset: -20 }),
    (0x00041503, Lh { rd: A0, rs1: S0, offset: 0 }),
    (0x7ff42503, Lw { rd: A0, rs1: S0, offset: 2047 }),
    (0x80044503, Lbu { rd: A0, rs1: S0, offset: -2048 }),
    (0x00445503, Lhu { rd: A0, rs1: S0, offset: 4 }),
    (0xfea40623, Sb { rs1: S0, rs2: A0, offset: -20 }),
    (0xfea41623, Sh { rs1: S0, rs2: A0, offset: -20 }),
    (0xfea42623, Sw { rs1: S0, rs2: A0, offset: -20 }),
    (0x7ea42fa3, Sw { rs1: S0, rs2: A0, offset: 2047 }),
    (0x00558513, Addi { rd: A0, rs1: A1, imm: 5 }),
    (0x00000013, Addi { rd: ZERO, rs1: ZERO, imm: 0 }),
    (0x00100013, Addi { rd: ZERO, rs1: ZERO, imm: 1 }),
    (0xfff5a513, Slti { rd: A0, rs1: A1, imm: -1 }),
    (0x0015b513, Sltiu { rd: A0, rs1: A1, imm: 1 }),
    (0xfff5c513, Xori { rd: A0, rs1: A1, imm: -1 }),
    (0x0055e513, Ori { rd: A0, rs1: A1, imm: 5 }),
    (0x0055f513, Andi { rd: A0, rs1: A1, imm: 5 }),
    (0x01f59513, Slli { rd: A0, rs1: A1, shamt: 31 }),
    (0x0035d513, Srli { rd: A0, rs1: A1, shamt: 3 }),
    (0x4035d513, Srai { rd: A0, rs1: A1, shamt: 3 }),
    (0x00c58533, Add { rd: A0, rs1: A1, rs2: A2 }),
    (0x40c58533, Sub { rd: A0, rs1: A1, rs2: A2 }),
    (0x00c59533, Sll { rd: A0, rs1: A1, rs2: A2 }),
    (0x00c5a533, Slt { rd: A0, rs1: A1, rs2: A2 }),
    (0x00c5b533, Sltu { rd: A0, rs1: A1, rs2: A2 }),
    (0x00c5c533, Xor { rd: A0, rs1: A1, rs2: A2 }),
    (0x00c5d533, Srl { rd: A0, rs1: A1, rs2: A2 }),
    (0x40c5d533, Sra { rd: A0, rs1: A1, rs2: A2 }),
    (0x00c5e533, Or { rd: A0, rs1: A1, rs2: A2 }),
    (0x00c5f533, And { rd: A0, rs1: A1, rs2: A2 }),
    (0x02c58533, Mul { rd: A0, rs1: A1, rs2: A2 }),
    (0x02c59533, Mulh { rd: A0, rs1: A1, rs2: A2 }),
    (0x02c5a533, Mulhsu { rd: A0, rs1: A1, rs2: A2 }),
    (0x02c5b533, Mulhu { rd: A0, rs1: A1, rs2: A2 }),
    (0x02c5c533, Div { rd: A0, rs1: A1, rs2: A2 }),
    (0x02c5d533, Divu { rd: A0, rs1: A1, rs2: A2 }),
    (0x02c5e533, Rem { rd: A0, rs1: A1, rs2: A2 }),
    (0x02c5f533, Remu { rd: A0, rs1: A1, rs2: A2 }),
    (0x0ff0000f, Fence { pred: 0xf, succ: 0xf, fm: 0 }),
    (0x0330000f, Fence { pred: 0x3, succ: 0x3, fm: 0 }),
    (0x8330000f, Fence { pred: 0x3, succ: 0x3, fm: 8 }),
    (0x0840000f, Fence { pred: 0x8, succ: 0x4, fm: 0 }),
    (0x0000000f, Fence { pred: 0, succ: 0, fm: 0 }),
    (0x1ff0000f, Fence { pred: 0xf, succ: 0xf, fm: 1 }),
    (0x0000100f, FenceI),
    (0x00000073, Ecall),
    (0x00100073, Ebreak),
    (0x30200073, Mret),
    (0x10200073, Sret),
    (0x10500073, Wfi),
    (0x12000073, SfenceVma { rs1: ZERO, rs2: ZERO }),
    (0x12050073, SfenceVma { rs1: A0, rs2: ZERO }),
    (0x12b50073, SfenceVma { rs1: A0, rs2: A1 }),
    (0x30059573, Csrrw { rd: A0, rs1: A1, csr: 0x300 }),
    (0x30002573, Csrrs { rd: A0, rs1: ZERO, csr: 0x300 }),
    (0x3005b073, Csrrc { rd: ZERO, rs1: A1, csr: 0x300 }),
    (0x3002d573, Csrrwi { rd: A0, uimm: 5, csr: 0x300 }),
    (0x3002e073, Csrrsi { rd: ZERO, uimm: 5, csr: 0x300 }),
    (0x3002f573, Csrrci { rd: A0, uimm: 5, csr: 0x300 }),
    (0xc0002573, Csrrs { rd: A0, rs1: ZERO, csr: 0xc00 }),
    (0xfff02573, Csrrs { rd: A0, rs1: ZERO, csr: 0xfff }),
    (0xc0001073, Csrrw { rd: ZERO, rs1: ZERO, csr: 0xc00 }),
    (0x1005a52f, LrW { rd: A0, rs1: A1, order: NONE }),
    (0x1405a52f, LrW { rd: A0, rs1: A1, order: AQ }),
    (0x1605a52f, LrW { rd: A0, rs1: A1, order: AQRL }),
    (0x18c5a52f, ScW { rd: A0, rs1: A1, rs2: A2, order: NONE }),
    (0x1ac5a52f, ScW { rd: A0, rs1: A1, rs2: A2, order: RL }),
    (0x08c5a52f, AmoswapW { rd: A0, rs1: A1, rs2: A2, order: NONE }),
    (0x06c5a52f, AmoaddW { rd: A0, rs1: A1, rs2: A2, order: AQRL }),
    (0x20c5a52f, AmoxorW { rd: A0, rs1: A1, rs2: A2, order: NONE }),
    (0x60c5a52f, AmoandW { rd: A0, rs1: A1, rs2: A2, order: NONE }),
    (0x40c5a52f, AmoorW { rd: A0, rs1: A1, rs2: A2, order: NONE }),
    (0x80c5a52f, AmominW { rd: A0, rs1: A1, rs2: A2, order: NONE }),
    (0xa0c5a52f, AmomaxW { rd: A0, rs1: A1, rs2: A2, order: NONE }),
    (0xc0c5a52f, AmominuW { rd: A0, rs1: A1, rs2: A2, order: NONE }),
    (0xe4c5a52f, AmomaxuW { rd: A0, rs1: A1, rs2: A2, order: AQ }),
];

/// 32-bit encodings whose reserved fields the decoder ignores (spec: "base implementations shall
/// ignore these fields"); they decode, but do not re-encode to the same bits.
#[rustfmt::skip]
const IGNORED_FIELDS32: &[(u32, Insn)] = &[
    (0x0ff5050f, Fence { pred: 0xf, succ: 0xf, fm: 0 }), // rd = rs1 = a0
    (0x0000128f, FenceI),                                // rd = t0
    (0x1232928f, FenceI),                                // imm, rs1, rd
];

/// 32-bit encodings that must be rejected.
#[rustfmt::skip]
const ILLEGAL32: &[u32] = &[
    0xffffffff, // all ones
    0x02059513, // slli with shamt[5] = 1 (RV64 only)
    0x0205d513, // srli with shamt[5] = 1
    0x4205d513, // srai with shamt[5] = 1
    0x42059513, // slli with funct7 = 0x21
    0x5005d513, // srai-like with funct7 = 0x28
    0x40059513, // slli with funct7 = 0x20
    0x02001013, // slli with funct7 = 1
    0x00001067, // jalr with funct3 = 1
    0x00002063, // branch funct3 = 2
    0x00003063, // branch funct3 = 3
    0x00003003, // ld
    0x00006003, // lwu
    0x00007003, // load funct3 = 7
    0x00003023, // sd
    0x00004023, // store funct3 = 4
    0x0000003b, // addw (OP-32)
    0x0000001b, // addiw (OP-IMM-32)
    0x00000007, // flw
    0x00000027, // fsw
    0x00000053, // OP-FP
    0x0000200f, // MISC-MEM funct3 = 2
    0x0000302f, // amoadd.d
    0x0000102f, // AMO funct3 = 1
    0xf800202f, // AMO funct5 = 0x1f
    0x1015a52f, // lr.w with rs2 != 0
    0x04000033, // OP funct7 = 0x02
    0x40001033, // sll with funct7 = 0x20
    0x40002033, // slt with funct7 = 0x20
    0x001000f3, // ebreak with rd != 0
    0x00008073, // ecall with rs1 != 0
    0x00200073, // uret (N extension, withdrawn)
    0x30208073, // mret with rs1 != 0
    0x105000f3, // wfi with rd != 0
    0x7b200073, // dret
    0x120000f3, // sfence.vma with rd != 0
    0x16000073, // sinval.vma (Svinval)
    0x22000073, // hfence.vvma (H)
    0x00004073, // SYSTEM funct3 = 4 (hlv.*)
    0x0000007f, // 64-bit encoding prefix bits
    0x0000001f, // 48-bit encoding prefix bits
];

/// Compressed encodings and their expansion.
#[rustfmt::skip]
const TABLE16: &[(u16, Insn)] = &[
    // quadrant 0
    (0x0808, Addi { rd: A0, rs1: SP, imm: 16 }),            // c.addi4spn a0,sp,16
    (0x1fe4, Addi { rd: S1, rs1: SP, imm: 1020 }),          // c.addi4spn s1,sp,1020
    (0x0040, Addi { rd: S0, rs1: SP, imm: 4 }),             // c.addi4spn s0,sp,4
    (0x41c8, Lw { rd: A0, rs1: A1, offset: 4 }),            // c.lw a0,4(a1)
    (0x5fe0, Lw { rd: S0, rs1: A5, offset: 124 }),          // c.lw s0,124(a5)
    (0xc1c8, Sw { rs1: A1, rs2: A0, offset: 4 }),           // c.sw a0,4(a1)
    (0xc384, Sw { rs1: A5, rs2: S1, offset: 0 }),           // c.sw s1,0(a5)
    // quadrant 1
    (0x0001, Addi { rd: ZERO, rs1: ZERO, imm: 0 }),         // c.nop
    (0x0005, Addi { rd: ZERO, rs1: ZERO, imm: 1 }),         // c.nop 1 (HINT)
    (0x0515, Addi { rd: A0, rs1: A0, imm: 5 }),             // c.addi a0,5
    (0x1501, Addi { rd: A0, rs1: A0, imm: -32 }),           // c.addi a0,-32
    (0x017d, Addi { rd: SP, rs1: SP, imm: 31 }),            // c.addi sp,31
    (0x0501, Addi { rd: A0, rs1: A0, imm: 0 }),             // c.addi a0,0 (HINT)
    (0x3195, Jal { rd: RA, offset: -0x39c }),               // c.jal
    (0x2849, Jal { rd: RA, offset: 0x92 }),                 // c.jal
    (0x2ffd, Jal { rd: RA, offset: 2046 }),                 // c.jal max
    (0x3001, Jal { rd: RA, offset: -2048 }),                // c.jal min
    (0x557d, Addi { rd: A0, rs1: ZERO, imm: -1 }),          // c.li a0,-1
    (0x4081, Addi { rd: RA, rs1: ZERO, imm: 0 }),           // c.li ra,0
    (0x4ffd, Addi { rd: T6, rs1: ZERO, imm: 31 }),          // c.li t6,31
    (0x4001, Addi { rd: ZERO, rs1: ZERO, imm: 0 }),         // c.li zero,0 (HINT)
    (0x717d, Addi { rd: SP, rs1: SP, imm: -16 }),           // c.addi16sp -16
    (0x617d, Addi { rd: SP, rs1: SP, imm: 496 }),           // c.addi16sp 496
    (0x7101, Addi { rd: SP, rs1: SP, imm: -512 }),          // c.addi16sp -512
    (0x6141, Addi { rd: SP, rs1: SP, imm: 16 }),            // c.addi16sp 16
    (0x757d, Lui { rd: A0, imm: 0xffff_f000 }),             // c.lui a0,0xfffff
    (0x6505, Lui { rd: A0, imm: 0x1000 }),                  // c.lui a0,1
    (0x6ffd, Lui { rd: T6, imm: 0x1f000 }),                 // c.lui t6,0x1f
    (0x7081, Lui { rd: RA, imm: 0xfffe_0000 }),             // c.lui ra,0xfffe0
    (0x6005, Lui { rd: ZERO, imm: 0x1000 }),                // c.lui zero,1 (HINT)
    (0x810d, Srli { rd: A0, rs1: A0, shamt: 3 }),           // c.srli a0,3
    (0x807d, Srli { rd: S0, rs1: S0, shamt: 31 }),          // c.srli s0,31
    (0x8001, Srli { rd: S0, rs1: S0, shamt: 0 }),           // c.srli64 s0 (HINT)
    (0x850d, Srai { rd: A0, rs1: A0, shamt: 3 }),           // c.srai a0,3
    (0x8785, Srai { rd: A5, rs1: A5, shamt: 1 }),           // c.srai a5,1
    (0x8401, Srai { rd: S0, rs1: S0, shamt: 0 }),           // c.srai64 s0 (HINT)
    (0x997d, Andi { rd: A0, rs1: A0, imm: -1 }),            // c.andi a0,-1
    (0x8901, Andi { rd: A0, rs1: A0, imm: 0 }),             // c.andi a0,0
    (0x88fd, Andi { rd: S1, rs1: S1, imm: 31 }),            // c.andi s1,31
    (0x8d0d, Sub { rd: A0, rs1: A0, rs2: A1 }),             // c.sub
    (0x8d2d, Xor { rd: A0, rs1: A0, rs2: A1 }),             // c.xor
    (0x8d4d, Or { rd: A0, rs1: A0, rs2: A1 }),              // c.or
    (0x8d6d, And { rd: A0, rs1: A0, rs2: A1 }),             // c.and
    (0xb91d, Jal { rd: ZERO, offset: -0x3ca }),             // c.j
    (0xa095, Jal { rd: ZERO, offset: 0x64 }),               // c.j
    (0xa001, Jal { rd: ZERO, offset: 0 }),                  // c.j .
    (0xc12d, Beq { rs1: A0, rs2: ZERO, offset: 0x62 }),     // c.beqz
    (0xdcc5, Beq { rs1: S1, rs2: ZERO, offset: -0x48 }),    // c.beqz
    (0xd561, Beq { rs1: A0, rs2: ZERO, offset: -56 }),      // c.beqz
    (0xed39, Bne { rs1: A0, rs2: ZERO, offset: 0x5e }),     // c.bnez
    (0xfbd5, Bne { rs1: A5, rs2: ZERO, offset: -0x4c }),    // c.bnez
    (0xeffd, Bne { rs1: A5, rs2: ZERO, offset: 254 }),      // c.bnez max
    (0xf001, Bne { rs1: S0, rs2: ZERO, offset: -256 }),     // c.bnez min
    // quadrant 2
    (0x050e, Slli { rd: A0, rs1: A0, shamt: 3 }),           // c.slli a0,3
    (0x0ffe, Slli { rd: T6, rs1: T6, shamt: 31 }),          // c.slli t6,31
    (0x0002, Slli { rd: ZERO, rs1: ZERO, shamt: 0 }),       // c.slli64 zero (HINT)
    (0x0006, Slli { rd: ZERO, rs1: ZERO, shamt: 1 }),       // c.slli zero,1 (HINT)
    (0x4512, Lw { rd: A0, rs1: SP, offset: 4 }),            // c.lwsp a0,4(sp)
    (0x50fe, Lw { rd: RA, rs1: SP, offset: 252 }),          // c.lwsp ra,252(sp)
    (0x8082, Jalr { rd: ZERO, rs1: RA, offset: 0 }),        // c.jr ra
    (0x8502, Jalr { rd: ZERO, rs1: A0, offset: 0 }),        // c.jr a0
    (0x852e, Add { rd: A0, rs1: ZERO, rs2: A1 }),           // c.mv a0,a1
    (0x8122, Add { rd: SP, rs1: ZERO, rs2: S0 }),           // c.mv sp,s0
    (0x8006, Add { rd: ZERO, rs1: ZERO, rs2: RA }),         // c.mv zero,ra (HINT)
    (0x9002, Ebreak),                                       // c.ebreak
    (0x9502, Jalr { rd: RA, rs1: A0, offset: 0 }),          // c.jalr a0
    (0x9082, Jalr { rd: RA, rs1: RA, offset: 0 }),          // c.jalr ra
    (0x952e, Add { rd: A0, rs1: A0, rs2: A1 }),             // c.add a0,a1
    (0x9116, Add { rd: SP, rs1: SP, rs2: T0 }),             // c.add sp,t0
    (0x9006, Add { rd: ZERO, rs1: ZERO, rs2: RA }),         // c.add zero,ra (HINT)
    (0xc22a, Sw { rs1: SP, rs2: A0, offset: 4 }),           // c.swsp a0,4(sp)
    (0xdf86, Sw { rs1: SP, rs2: RA, offset: 252 }),         // c.swsp ra,252(sp)
];

/// Compressed encodings that must be rejected.
#[rustfmt::skip]
const ILLEGAL16: &[u16] = &[
    0x0000, // defined illegal instruction (c.unimp)
    0x0004, // c.addi4spn with nzuimm = 0
    0x001c, // c.addi4spn with nzuimm = 0, rd' = a5
    0x2000, // c.fld
    0x6000, // c.flw
    0x8000, // reserved quadrant-0 slot
    0x9000, // reserved quadrant-0 slot, bit 12 set
    0xa000, // c.fsd
    0xe000, // c.fsw
    0x6101, // c.addi16sp with imm = 0
    0x6001, // c.lui zero with imm = 0
    0x6081, // c.lui ra with imm = 0
    0x9001, // c.srli with shamt[5] = 1
    0x9401, // c.srai with shamt[5] = 1
    0x9c01, // c.subw (RV64)
    0x9c21, // c.addw (RV64)
    0x9c41, // reserved
    0x9c61, // reserved
    0x1002, // c.slli zero with shamt[5] = 1
    0x1082, // c.slli ra with shamt[5] = 1
    0x2002, // c.fldsp
    0x4002, // c.lwsp with rd = 0
    0x6002, // c.flwsp
    0x8002, // c.jr with rs1 = 0
    0xa002, // c.fsdsp
    0xe002, // c.fswsp
];

#[test]
fn decodes_32bit_table() {
    for &(raw, insn) in TABLE32 {
        assert_eq!(decode(raw), Decoded { insn, raw, len: 4 }, "{raw:#010x}");
        assert_eq!(encode(&insn), raw, "encode {insn:?}");
    }
}

#[test]
fn ignores_reserved_fence_fields() {
    for &(raw, insn) in IGNORED_FIELDS32 {
        assert_eq!(decode(raw), Decoded { insn, raw, len: 4 }, "{raw:#010x}");
    }
}

#[test]
fn rejects_illegal_32bit() {
    for &raw in ILLEGAL32 {
        let want = Decoded {
            insn: Illegal { raw },
            raw,
            len: 4,
        };
        assert_eq!(decode(raw), want, "{raw:#010x}");
        assert_eq!(encode(&Illegal { raw }), raw);
    }
}

#[test]
fn decodes_compressed_table() {
    for &(h, insn) in TABLE16 {
        let raw = h as u32;
        let want = Decoded { insn, raw, len: 2 };
        assert_eq!(decode(raw), want, "{h:#06x}");
        // The upper halfword (the next instruction) must not matter.
        assert_eq!(decode(0xdead_0000 | raw), want, "{h:#06x}");
    }
}

#[test]
fn rejects_illegal_compressed() {
    for &h in ILLEGAL16 {
        let raw = h as u32;
        let want = Decoded {
            insn: Illegal { raw },
            raw,
            len: 2,
        };
        assert_eq!(decode(raw | 0xffff_0000), want, "{h:#06x}");
    }
}
