//! Golden disassembly of the objdump quirks `disasm` reproduces (the objdump-agreement tests check
//! the same against the real tool; this table documents them and runs without a toolchain).

use crate::isa::{decode, disasm, disasm_with, PrivSpec};

/// (raw, pc, text) — raw halfwords below 0x10000 with low bits != 11 are compressed.
const GOLDEN: &[(u32, u32, &str)] = &[
    (0x00558513, 0, "add\ta0,a1,5"),    // addi prints as add
    (0x0ff5f513, 0, "zext.b\ta0,a1"),   // andi 255
    (0x0055f513, 0, "and\ta0,a1,5"),    // andi
    (0x01f59513, 0, "sll\ta0,a1,0x1f"), // slli, hex shamt
    (0x00000013, 0, "nop"),
    (0x00100013, 0, "li\tzero,1"), // addi x0,x0,1
    (0x00050013, 0, "mv\tzero,a0"),
    (0x0015b513, 0, "seqz\ta0,a1"),
    (0xfff5c513, 0, "not\ta0,a1"),
    (0x40c00533, 0, "neg\ta0,a2"),
    (0x00b00533, 0, "add\ta0,zero,a1"), // 32-bit add x0 source: no mv
    (0x0005a533, 0, "sltz\ta0,a1"),
    (0x00b02533, 0, "sgtz\ta0,a1"),
    (0x00c03533, 0, "snez\ta0,a2"),
    (0x00005463, 0x4e, "blez\tzero,56"), // bge zero,zero: the rs1 alias wins
    (0x00004463, 0x56, "bltz\tzero,5e"), // blt zero,zero: the rs2 alias wins
    (0xfab548e3, 0x50, "blt\ta0,a1,0"),  // never bgt/ble
    (0xff5ff0ef, 0xc, "jal\t0"),         // rd = ra
    (0xff1ff06f, 0x10, "j\t0"),
    (0xfedff56f, 0x14, "jal\ta0,0"),
    (0xf01ff0ef, 0xe, "jal\tffffff0e"), // target wraps below 0
    (0x000505e7, 0, "jalr\ta1,a0"),     // offset 0
    (0x008500e7, 0, "jalr\t8(a0)"),     // rd = ra
    (0x00408067, 0, "jr\t4(ra)"),
    (0x00008067, 0, "ret"),
    (0x3002d073, 0, "csrw\tmstatus,5"),     // csrrwi zero: no "i"
    (0x3002e573, 0, "csrrs\ta0,mstatus,5"), // csrrsi
    (0xc0002073, 0, "rdcycle\tzero"),
    (0x30002073, 0, "csrr\tzero,mstatus"),
    (0xc0001073, 0, "unimp"),                  // csrrw zero,cycle,zero
    (0x7ff02573, 0, "csrr\ta0,0x7ff"),         // unnamed CSR
    (0x0000000f, 0, "fence\tunknown,unknown"), // empty sets
    (0x0ff0000f, 0, "fence"),
    (0x8330000f, 0, "fence.tso"),
    (0x1ff0000f, 0, ".4byte\t0x1ff0000f"), // unknown fm
    (0x0ff5050f, 0, ".4byte\t0xff5050f"),  // reserved rd/rs1 set
    (0x1605a52f, 0, "lr.w.aqrl\ta0,(a1)"),
    (0x06c5a52f, 0, "amoadd.w.aqrl\ta0,a2,(a1)"),
    (0x02059513, 0, "sll\ta0,a1,0x20"), // illegal on RV32, objdump decodes it
    (0x00200073, 0, "uret"),            // illegal here, objdump decodes it
    (0x0005b503, 0, ".4byte\t0x5b503"), // ld
    (0x0000, 0, "unimp"),               // c.unimp
    (0x0001, 0, "nop"),                 // c.nop
    (0x1001, 0, "c.nop\t-32"),          // HINT
    (0x0501, 0, "add\ta0,a0,0"),        // c.addi a0,0: not mv
    (0x852e, 0, "mv\ta0,a1"),           // c.mv (32-bit add prints add)
    (0x8006, 0, "c.mv\tzero,ra"),       // HINT
    (0x9006, 0, "c.add\tzero,ra"),      // HINT
    (0x4001, 0, "c.li\tzero,0"),        // HINT
    (0x7001, 0, "c.lui\tzero,0xfffe0"), // HINT
    (0x0502, 0, "c.slli64\ta0"),        // shamt 0
    (0x8001, 0, "c.srli64\ts0"),
    (0x8401, 0, "c.srai64\ts0"),
    (0x0006, 0, "c.slli\tzero,0x1"), // HINT
    (0x1082, 0, "sll\tra,ra,0x20"),  // illegal on RV32, objdump decodes it
    (0x6101, 0, "add\tsp,sp,0"),     // reserved, objdump decodes it
    (0x717d, 0, "add\tsp,sp,-16"),   // c.addi16sp
    (0x0808, 0, "add\ta0,sp,16"),    // c.addi4spn
    (0x8082, 0, "ret"),              // c.jr ra
    (0x9002, 0, "ebreak"),           // c.ebreak
    (0x0004, 0, ".2byte\t0x4"),      // reserved
    (0x2002, 0, ".2byte\t0x2002"),   // c.fldsp (no D)
];

#[test]
fn golden_objdump_quirks() {
    for &(raw, pc, want) in GOLDEN {
        assert_eq!(disasm(&decode(raw), pc), want, "{raw:#x} at {pc:#x}");
    }
}

#[test]
fn csr_names_follow_priv_spec() {
    let d = decode(0x04402573); // csrr a0,0x44
    assert_eq!(disasm_with(&d, 0, PrivSpec::V1_11), "csrr\ta0,uip");
    assert_eq!(disasm_with(&d, 0, PrivSpec::V1_12), "csrr\ta0,0x44");
    let d = decode(0x30a02573); // csrr a0,0x30a
    assert_eq!(disasm_with(&d, 0, PrivSpec::V1_11), "csrr\ta0,0x30a");
    assert_eq!(disasm_with(&d, 0, PrivSpec::V1_12), "csrr\ta0,menvcfg");
    assert_eq!(disasm(&d, 0), disasm_with(&d, 0, PrivSpec::default()));
    assert_eq!(PrivSpec::default(), PrivSpec::V1_11);
}

/// `.riscv.attributes` of an object `as` built with CSR instructions (from `readelf -x`), and
/// variants of it.
#[test]
fn reads_priv_spec_attribute() {
    use crate::isa::PrivSpec;
    let mut sec: Vec<u8> = vec![0x41, 0x4a, 0, 0, 0];
    sec.extend_from_slice(b"riscv\0");
    sec.extend_from_slice(&[0x01, 0x40, 0, 0, 0, 0x05]);
    sec.extend_from_slice(b"rv32i2p1_m2p0_a2p1_c2p0_zicsr2p0_zifencei2p0_zmmul1p0\0");
    sec.extend_from_slice(&[0x08, 0x01, 0x0a, 0x0b]);
    assert_eq!(sec.len(), 0x4b);
    assert_eq!(PrivSpec::from_riscv_attributes(&sec), PrivSpec::V1_11);
    let mut v12 = sec.clone();
    *v12.last_mut().unwrap() = 12;
    assert_eq!(PrivSpec::from_riscv_attributes(&v12), PrivSpec::V1_12);
    // No priv-spec tags (stack_align = 16 instead), no section, garbage, truncation.
    let mut none = sec.clone();
    none.truncate(none.len() - 4);
    none.extend_from_slice(&[0x04, 0x10, 0x04, 0x10]);
    assert_eq!(PrivSpec::from_riscv_attributes(&none), PrivSpec::V1_12);
    assert_eq!(PrivSpec::from_riscv_attributes(&[]), PrivSpec::V1_12);
    assert_eq!(PrivSpec::from_riscv_attributes(b"Axyz"), PrivSpec::V1_12);
    assert_eq!(PrivSpec::from_riscv_attributes(&sec[..40]), PrivSpec::V1_12);
}
