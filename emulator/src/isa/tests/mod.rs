//! Tests of the isa module: hand-checked decode tables, encode/decode round trips (proptest and
//! exhaustive RVC), and agreement of `disasm` with the real `riscv64-unknown-elf-objdump`.

mod decode_table;
mod disasm_table;
mod gen;
mod objdump_agree;
mod roundtrip;
