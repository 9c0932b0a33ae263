//! rvscope: a cycle-level RISC-V (RV32) CPU + MMU emulator that runs newlib C programs as user
//! processes and shows where every memory access goes.

pub mod isa;
pub mod os;
