//! Generators shared by the tests: one index per `Insn` variant, and a builder that turns an
//! index plus random field material into a valid instruction of that variant.

use crate::isa::{AqRl, Insn, Reg};

/// Number of `Insn` variants, `Illegal` included (it is the last index).
pub const VARIANTS: usize = 71;

/// Index of `insn`'s variant. The match is exhaustive, so adding a variant breaks the build here
/// until the generators know about it.
pub fn variant_index(insn: &Insn) -> usize {
    use Insn::*;
    match insn {
        Lui { .. } => 0,
        Auipc { .. } => 1,
        Jal { .. } => 2,
        Jalr { .. } => 3,
        Beq { .. } => 4,
        Bne { .. } => 5,
        Blt { .. } => 6,
        Bge { .. } => 7,
        Bltu { .. } => 8,
        Bgeu { .. } => 9,
        Lb { .. } => 10,
        Lh { .. } => 11,
        Lw { .. } => 12,
        Lbu { .. } => 13,
        Lhu { .. } => 14,
        Sb { .. } => 15,
        Sh { .. } => 16,
        Sw { .. } => 17,
        Addi { .. } => 18,
        Slti { .. } => 19,
        Sltiu { .. } => 20,
        Xori { .. } => 21,
        Ori { .. } => 22,
        Andi { .. } => 23,
        Slli { .. } => 24,
        Srli { .. } => 25,
        Srai { .. } => 26,
        Add { .. } => 27,
        Sub { .. } => 28,
        Sll { .. } => 29,
        Slt { .. } => 30,
        Sltu { .. } => 31,
        Xor { .. } => 32,
        Srl { .. } => 33,
        Sra { .. } => 34,
        Or { .. } => 35,
        And { .. } => 36,
        Fence { .. } => 37,
        Ecall => 38,
        Ebreak => 39,
        FenceI => 40,
        Csrrw { .. } => 41,
        Csrrs { .. } => 42,
        Csrrc { .. } => 43,
        Csrrwi { .. } => 44,
        Csrrsi { .. } => 45,
        Csrrci { .. } => 46,
        Mul { .. } => 47,
        Mulh { .. } => 48,
        Mulhsu { .. } => 49,
        Mulhu { .. } => 50,
        Div { .. } => 51,
        Divu { .. } => 52,
        Rem { .. } => 53,
        Remu { .. } => 54,
        LrW { .. } => 55,
        ScW { .. } => 56,
        AmoswapW { .. } => 57,
        AmoaddW { .. } => 58,
        AmoxorW { .. } => 59,
        AmoandW { .. } => 60,
        AmoorW { .. } => 61,
        AmominW { .. } => 62,
        AmomaxW { .. } => 63,
        AmominuW { .. } => 64,
        AmomaxuW { .. } => 65,
        Mret => 66,
        Sret => 67,
        Wfi => 68,
        SfenceVma { .. } => 69,
        Illegal { .. } => 70,
        crate::isa::insn::fused_pairs!() => unreachable!("the decoder makes no fused pair"),
    }
}

/// Random material for [`build`].
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// Register numbers (taken mod 32).
    pub rd: u8,
    /// Register numbers (taken mod 32).
    pub rs1: u8,
    /// Register numbers (taken mod 32).
    pub rs2: u8,
    /// Immediate bits; each variant takes the bits it needs.
    pub x: u32,
}

/// Builds a valid instruction of variant `idx` (< `VARIANTS - 1`, i.e. not `Illegal`) with
/// in-range, correctly aligned fields taken from `f`.
#[rustfmt::skip]
pub fn build(idx: usize, f: Fields) -> Insn {
    use Insn::*;
    let (rd, rs1, rs2) = (Reg(f.rd & 31), Reg(f.rs1 & 31), Reg(f.rs2 & 31));
    let x = f.x;
    let imm12 = ((x << 20) as i32) >> 20; // -2048..=2047
    let b_off = (((x << 19) as i32) >> 19) & !1; // 13-bit, even
    let j_off = (((x << 11) as i32) >> 11) & !1; // 21-bit, even
    let upper = x & 0xffff_f000;
    let shamt = (x & 31) as u8;
    let csr = (x >> 20) as u16; // 12 bits
    let uimm = (x & 31) as u8;
    let order = AqRl { aq: x & 1 != 0, rl: x & 2 != 0 };
    let nibble = |shift: u32| ((x >> shift) & 0xf) as u8;
    match idx {
        0 => Lui { rd, imm: upper },
        1 => Auipc { rd, imm: upper },
        2 => Jal { rd, offset: j_off },
        3 => Jalr { rd, rs1, offset: imm12 },
        4 => Beq { rs1, rs2, offset: b_off },
        5 => Bne { rs1, rs2, offset: b_off },
        6 => Blt { rs1, rs2, offset: b_off },
        7 => Bge { rs1, rs2, offset: b_off },
        8 => Bltu { rs1, rs2, offset: b_off },
        9 => Bgeu { rs1, rs2, offset: b_off },
        10 => Lb { rd, rs1, offset: imm12 },
        11 => Lh { rd, rs1, offset: imm12 },
        12 => Lw { rd, rs1, offset: imm12 },
        13 => Lbu { rd, rs1, offset: imm12 },
        14 => Lhu { rd, rs1, offset: imm12 },
        15 => Sb { rs1, rs2, offset: imm12 },
        16 => Sh { rs1, rs2, offset: imm12 },
        17 => Sw { rs1, rs2, offset: imm12 },
        18 => Addi { rd, rs1, imm: imm12 },
        19 => Slti { rd, rs1, imm: imm12 },
        20 => Sltiu { rd, rs1, imm: imm12 },
        21 => Xori { rd, rs1, imm: imm12 },
        22 => Ori { rd, rs1, imm: imm12 },
        23 => Andi { rd, rs1, imm: imm12 },
        24 => Slli { rd, rs1, shamt },
        25 => Srli { rd, rs1, shamt },
        26 => Srai { rd, rs1, shamt },
        27 => Add { rd, rs1, rs2 },
        28 => Sub { rd, rs1, rs2 },
        29 => Sll { rd, rs1, rs2 },
        30 => Slt { rd, rs1, rs2 },
        31 => Sltu { rd, rs1, rs2 },
        32 => Xor { rd, rs1, rs2 },
        33 => Srl { rd, rs1, rs2 },
        34 => Sra { rd, rs1, rs2 },
        35 => Or { rd, rs1, rs2 },
        36 => And { rd, rs1, rs2 },
        37 => Fence { pred: nibble(0), succ: nibble(4), fm: nibble(8) },
        38 => Ecall,
        39 => Ebreak,
        40 => FenceI,
        41 => Csrrw { rd, rs1, csr },
        42 => Csrrs { rd, rs1, csr },
        43 => Csrrc { rd, rs1, csr },
        44 => Csrrwi { rd, uimm, csr },
        45 => Csrrsi { rd, uimm, csr },
        46 => Csrrci { rd, uimm, csr },
        47 => Mul { rd, rs1, rs2 },
        48 => Mulh { rd, rs1, rs2 },
        49 => Mulhsu { rd, rs1, rs2 },
        50 => Mulhu { rd, rs1, rs2 },
        51 => Div { rd, rs1, rs2 },
        52 => Divu { rd, rs1, rs2 },
        53 => Rem { rd, rs1, rs2 },
        54 => Remu { rd, rs1, rs2 },
        55 => LrW { rd, rs1, order },
        56 => ScW { rd, rs1, rs2, order },
        57 => AmoswapW { rd, rs1, rs2, order },
        58 => AmoaddW { rd, rs1, rs2, order },
        59 => AmoxorW { rd, rs1, rs2, order },
        60 => AmoandW { rd, rs1, rs2, order },
        61 => AmoorW { rd, rs1, rs2, order },
        62 => AmominW { rd, rs1, rs2, order },
        63 => AmomaxW { rd, rs1, rs2, order },
        64 => AmominuW { rd, rs1, rs2, order },
        65 => AmomaxuW { rd, rs1, rs2, order },
        66 => Mret,
        67 => Sret,
        68 => Wfi,
        69 => SfenceVma { rs1, rs2 },
        _ => panic!("no buildable variant {idx}"),
    }
}

/// splitmix64: a small deterministic generator (no extra dependencies).
pub struct Rng(pub u64);

impl Rng {
    /// Next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform-ish value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A random element of `xs`.
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// A random 32-bit encoding (low bits 11, never a 48/64-bit prefix) biased towards the RV32IMAC
/// opcodes and towards the field values that select aliases (zero/ra/sp registers, 0/±1
/// immediates, system funct12s, fence sets).
pub fn biased_word(rng: &mut Rng) -> u32 {
    const OPCODES: [u32; 12] = [
        0x03, 0x0f, 0x13, 0x17, 0x23, 0x2f, 0x33, 0x37, 0x63, 0x67, 0x6f, 0x73,
    ];
    let mut w = rng.next() as u32;
    let opcode = if rng.below(8) == 0 {
        // Any 32-bit major opcode (bits 4:2 == 111 would announce a longer encoding).
        let mut o = (rng.next() as u32 & 0x7f) | 3;
        if o & 0x1c == 0x1c {
            o &= !0x04;
        }
        o
    } else {
        rng.pick(&OPCODES)
    };
    w = (w & !0x7f) | opcode;
    let set = |w: &mut u32, shift: u32, width: u32, v: u32| {
        let m = ((1u32 << width) - 1) << shift;
        *w = (*w & !m) | ((v << shift) & m);
    };
    let reg_bias = [0, 0, 1, 2, 10];
    for shift in [7, 15, 20] {
        if rng.below(2) == 0 {
            set(&mut w, shift, 5, rng.pick(&reg_bias));
        }
    }
    match rng.below(6) {
        0 => {
            let f7 = rng.pick(&[0x00, 0x01, 0x20, 0x21, 0x09, 0x08, 0x10, 0x18, 0x0c]);
            set(&mut w, 25, 7, f7);
        }
        1 => {
            let imm = rng.pick(&[0, 1, 0xfff, 0x7ff, 0x800, 0xff, 0x102, 0x302, 0x105, 0xc00]);
            set(&mut w, 20, 12, imm);
        }
        2 => set(&mut w, 12, 3, rng.pick(&[0, 1, 2, 5])),
        3 if opcode == 0x0f => {
            // Canonical fences: fm 0 or 8, rd = rs1 = 0.
            set(&mut w, 28, 4, rng.pick(&[0, 0, 8]));
            set(&mut w, 7, 5, 0);
            set(&mut w, 15, 5, 0);
            set(&mut w, 12, 3, rng.pick(&[0, 0, 1]));
        }
        4 if opcode == 0x73 => {
            // Exact SYSTEM encodings, half of them with one bit flipped.
            w = rng.pick(&[
                0x0000_0073,
                0x0010_0073,
                0x3020_0073,
                0x1020_0073,
                0x1050_0073,
            ]);
            if rng.below(2) == 0 {
                w ^= 1 << (7 + rng.below(25));
            }
        }
        _ => {}
    }
    w
}
