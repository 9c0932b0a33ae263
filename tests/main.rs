//! The integration suite (one test binary, as ripgrep does): guest programs built with the
//! project's toolchain, run under rvscope and checked against qemu-riscv32 (bare-metal ones
//! against qemu-system-riscv32's spike machine) and hand-computed figures.

mod support;

mod bare;
mod cache_guests;
mod cachesim;
mod cli;
mod config;
mod disasm;
mod faults;
mod guests;
mod maps;
mod swap;
mod timing;
mod tlb;
mod trace;
mod trace_bin;
mod trace_client;
