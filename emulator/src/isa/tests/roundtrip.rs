//! Encode/decode round trips: proptest over every variant and over random words, plus an
//! exhaustive pass over all compressed encodings.

use proptest::prelude::*;

use crate::isa::{decode, encode, Insn};

use super::gen::{biased_word, build, variant_index, Fields, Rng, VARIANTS};

/// `raw` with the reserved fields the decoder ignores cleared (what `encode` produces).
fn canonical(raw: u32) -> u32 {
    match (raw & 0x7f, (raw >> 12) & 7) {
        (0x0f, 0) => raw & 0xfff0_007f, // FENCE: rd, rs1 are reserved
        (0x0f, 1) => 0x0000_100f,       // FENCE.I: imm, rs1, rd are reserved
        _ => raw,
    }
}

fn check_word(w: u32) -> Result<(), TestCaseError> {
    let d = decode(w);
    if w & 3 == 3 {
        prop_assert_eq!(d.len, 4);
        prop_assert_eq!(d.raw, w);
        if !matches!(d.insn, Insn::Illegal { .. }) {
            prop_assert_eq!(encode(&d.insn), canonical(w), "{:?}", d.insn);
        }
    } else {
        prop_assert_eq!(d.len, 2);
        prop_assert_eq!(d.raw, w & 0xffff);
    }
    Ok(())
}

fn arb_fields() -> impl Strategy<Value = Fields> {
    // Bias registers towards the special ones (zero, ra, sp) that select aliases/expansions.
    let reg = prop_oneof![Just(0u8), Just(1u8), Just(2u8), 0u8..32];
    (reg.clone(), reg.clone(), reg, any::<u32>()).prop_map(|(rd, rs1, rs2, x)| Fields {
        rd,
        rs1,
        rs2,
        x,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    /// Every valid instruction encodes to 32 bits that decode back to it.
    #[test]
    fn encode_then_decode_is_identity(idx in 0..VARIANTS - 1, f in arb_fields()) {
        let insn = build(idx, f);
        prop_assert_eq!(variant_index(&insn), idx);
        let raw = encode(&insn);
        let d = decode(raw);
        prop_assert_eq!(d.insn, insn, "raw {:#010x}", raw);
        prop_assert_eq!(d.len, 4);
        prop_assert_eq!(d.raw, raw);
    }

    /// Any legal 32-bit word re-encodes to itself (reserved fence fields cleared).
    #[test]
    fn decode_then_encode_random_word(w in any::<u32>()) {
        check_word(w | 3)?;
        check_word(w)?;
    }

    /// Same, with words biased towards real opcodes so most of them are legal.
    #[test]
    fn decode_then_encode_biased_word(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        check_word(biased_word(&mut rng))?;
    }
}

/// Every compressed halfword: legal ones expand to an instruction whose 32-bit encoding decodes
/// back to the same expansion; the upper halfword never matters.
#[test]
fn every_compressed_expansion_round_trips() {
    let mut legal = 0;
    for h in 0..=0xffffu32 {
        if h & 3 == 3 {
            continue;
        }
        let d = decode(h);
        assert_eq!((d.len, d.raw), (2, h));
        assert_eq!(decode(h | 0xa5a5_0000), d);
        if let Insn::Illegal { raw } = d.insn {
            assert_eq!(raw, h);
            continue;
        }
        legal += 1;
        let e = encode(&d.insn);
        let back = decode(e);
        assert_eq!(back.insn, d.insn, "{h:#06x} -> {e:#010x}");
        assert_eq!(back.len, 4);
    }
    // 49152 halfwords minus the reserved, RV64-only and F/D ones.
    assert!(legal > 25_000 && legal < 49_152, "{legal}");
}

/// `build` yields each variant (the exhaustive `variant_index` keeps this honest).
#[test]
fn generator_covers_every_variant() {
    let f = Fields {
        rd: 1,
        rs1: 2,
        rs2: 3,
        x: 0x1234_5678,
    };
    for idx in 0..VARIANTS - 1 {
        assert_eq!(variant_index(&build(idx, f)), idx);
    }
    assert_eq!(variant_index(&Insn::Illegal { raw: 0 }), VARIANTS - 1);
}
