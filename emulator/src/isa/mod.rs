//! The RV32IMAC + Zicsr + Zifencei instruction set: the decoded [`Insn`] enum, the decoder
//! (32-bit forms and RVC expansion), an encoder (used by tests and tools) and a disassembler whose
//! text matches `riscv64-unknown-elf-objdump -d`. This module has no dependencies on the rest of
//! the emulator.

mod csr_names;
mod decode;
mod disasm;
mod encode;
mod insn;
pub mod objdump;

#[cfg(test)]
mod tests;

pub use csr_names::{csr_name, PrivSpec};
pub use decode::decode;
pub use disasm::{disasm, disasm_with};
pub use encode::encode;
pub(crate) use insn::fused_pairs;
pub use insn::{AqRl, Decoded, Insn, InsnClass, Reg};
