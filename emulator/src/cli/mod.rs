//! The command line (clap derive). Only argument parsing and presentation live here; everything
//! else is the library's.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub mod cachesim;
pub mod disasm;
pub mod run;

/// rvscope: run RV32 C programs and see where every memory access goes.
#[derive(Debug, Parser)]
#[command(name = "rvscope", version, about, long_about = None)]
pub struct Cli {
    /// More diagnostics on stderr (-v info, -vv debug, -vvv trace); RUST_LOG also works.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a static RV32 ELF as a user process.
    Run(RunArgs),
    /// Disassemble an ELF's code (objdump -d style).
    Disasm(DisasmArgs),
    /// Run the cache hierarchy alone on a Dinero IV "din" trace and print its statistics.
    Cachesim(CachesimArgs),
}

/// `rvscope run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Stack size limit (e.g. 8M, 512K).
    #[arg(long, value_name = "SIZE", value_parser = parse_size_u32, default_value = "8M")]
    pub stack_size: u32,
    /// Simulated physical RAM (e.g. 128M, 1G).
    #[arg(long, value_name = "SIZE", value_parser = parse_size_u64, default_value = "128M")]
    pub ram: u64,
    /// Add K=V to the program's environment (repeatable; the environment is empty otherwise).
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
    pub env: Vec<String>,
    /// Let the program open files, confined to DIR (its "/" and working directory).
    #[arg(long, value_name = "DIR")]
    pub fs_root: Option<PathBuf>,
    /// Stop after N instructions (exit status 124, like `timeout`).
    #[arg(long, value_name = "N")]
    pub max_insns: Option<u64>,
    /// Simulated clock frequency in Hz (for rdtime and clock_gettime).
    #[arg(long, value_name = "HZ", default_value_t = rvscope::config::DEFAULT_CLOCK_HZ)]
    pub clock_hz: u64,
    /// Print statistics to stderr when the program ends.
    #[arg(long)]
    pub stats: bool,
    /// Write statistics as JSON to FILE (with --stats, the text table goes to stderr as well).
    #[arg(long, value_name = "FILE")]
    pub stats_file: Option<PathBuf>,
    /// The program (a static RV32 ELF).
    #[arg(value_name = "ELF")]
    pub elf: PathBuf,
    /// Arguments for the program (passed verbatim, even if they start with '-').
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub args: Vec<String>,
}

/// `rvscope disasm`.
#[derive(Debug, Args)]
pub struct DisasmArgs {
    /// Only this function.
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
    /// The ELF.
    #[arg(value_name = "ELF")]
    pub elf: PathBuf,
}

/// `rvscope cachesim`.
#[derive(Debug, Args)]
pub struct CachesimArgs {
    /// L1 instruction cache, Spike style (default 64:8:64, i.e. 32 KiB 8-way 64 B lines).
    #[arg(long, value_name = "SETS:WAYS:BLOCK")]
    pub ic: Option<String>,
    /// L1 data cache (default 64:8:64).
    #[arg(long, value_name = "SETS:WAYS:BLOCK")]
    pub dc: Option<String>,
    /// Unified L2, or `none` (default 512:8:64, 256 KiB).
    #[arg(long, value_name = "SETS:WAYS:BLOCK|none")]
    pub l2: Option<String>,
    /// Unified L3, or `none` (default 4096:16:64, 4 MiB).
    #[arg(long, value_name = "SETS:WAYS:BLOCK|none")]
    pub l3: Option<String>,
    /// Replacement policy of every level: lru, fifo, random, tree-plru (default lru).
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<rvscope::mem::replacement::Policy>,
    /// Write hit policy of every level: back or through (default back).
    #[arg(long, value_name = "back|through")]
    pub write: Option<rvscope::mem::cache_config::WritePolicy>,
    /// Write miss policy of every level: write or no-write allocate (default write).
    #[arg(long, value_name = "write|no-write")]
    pub alloc: Option<rvscope::mem::cache_config::AllocPolicy>,
    /// Seed of the random replacement policy.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// RAM latency in cycles per line (default 200).
    #[arg(long, value_name = "CYCLES")]
    pub ram_latency: Option<u32>,
    /// Skip the compulsory/capacity/conflict classification (faster).
    #[arg(long)]
    pub no_3c: bool,
    /// Write the statistics as JSON to FILE instead of printing the table.
    #[arg(long, value_name = "FILE")]
    pub stats_file: Option<PathBuf>,
    /// The din trace (`-` for stdin): `LABEL HEXADDR [SIZE]` per line, label 0 read, 1 write,
    /// 2 instruction fetch, 3 escape (skipped), 4 flush.
    #[arg(value_name = "TRACE")]
    pub trace: PathBuf,
}

fn parse_size_u64(s: &str) -> Result<u64, String> {
    rvscope::config::parse_size(s)
}

fn parse_size_u32(s: &str) -> Result<u32, String> {
    let v = rvscope::config::parse_size(s)?;
    u32::try_from(v).map_err(|_| format!("size '{s}' is too large"))
}

fn parse_env(s: &str) -> Result<String, String> {
    match s.split_once('=') {
        Some((k, _)) if !k.is_empty() => Ok(s.to_owned()),
        _ => Err(format!("'{s}' is not of the form K=V")),
    }
}
