//! Decoder: raw bits → [`Decoded`]. RVC forms are expanded to their base instruction.

use super::insn::{Decoded, Insn};

/// Decodes the instruction whose first halfword is the low 16 bits of `raw`. If those bits mark a
/// compressed instruction, only they are used and `len` is 2; otherwise all 32 bits, `len` 4.
pub fn decode(raw: u32) -> Decoded {
    let _ = raw;
    Decoded {
        insn: Insn::Illegal { raw },
        raw,
        len: 4,
    }
}
