//! The command line (clap derive). Only argument parsing and presentation live here; everything
//! else is the library's.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub mod cachesim;
pub mod config;
pub mod disasm;
pub mod run;
pub mod trace;

pub use config::{CacheArgs, ConfigArgs};

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
    /// Run a static RV32 ELF as a user process (or, with --bare, on the bare machine).
    Run(Box<RunArgs>),
    /// Disassemble an ELF's code (objdump -d style).
    Disasm(DisasmArgs),
    /// Run the cache hierarchy alone on a Dinero IV "din" trace and print its statistics.
    Cachesim(CachesimArgs),
    /// Work with recorded traces: convert a bin trace, count its events, replay it.
    #[command(subcommand)]
    Trace(TraceCommand),
    /// Work with the run configuration (flags and `--config FILE`).
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// `rvscope trace …`.
#[derive(Debug, Subcommand)]
pub enum TraceCommand {
    /// Convert a bin trace to text, jsonl, din, lackey or commit (as `--trace-format` writes it).
    Convert(ConvertArgs),
    /// Count a bin or din trace's events: by kind, region, serving level, page faults.
    Stats(StatsArgs),
    /// Replay a bin or din trace through the cache hierarchy (as `rvscope cachesim`); a bin
    /// trace through the caches its header records, changed by `--config` and the cache flags.
    Replay(Box<CachesimArgs>),
}

/// `rvscope trace convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The bin trace (`-` for stdin).
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// Output format: text, jsonl, din, lackey, commit.
    #[arg(long, value_name = "FORMAT")]
    pub to: rvscope::trace::Format,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `rvscope trace stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The bin or din trace (`-` for stdin).
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// `rvscope config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration (defaults < --config FILE < flags) as TOML, ready to be
    /// used as a `--config` preset.
    Show(ShowArgs),
}

/// `rvscope config show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The configuration flags, as `rvscope run` takes them.
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// `rvscope run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run a bare-metal program instead of a user process: the hart starts in M-mode at the
    /// ELF's entry, RAM at 0x80000000, the run ends when the program writes HTIF `tohost`.
    #[arg(long)]
    pub bare: bool,
    /// Print statistics to stderr when the program ends.
    #[arg(long)]
    pub stats: bool,
    /// Write statistics as JSON to FILE (with --stats, the text table goes to stderr as well).
    #[arg(long, value_name = "FILE")]
    pub stats_file: Option<PathBuf>,
    /// Print the process's memory map to stderr when the program ends (however it ends): each
    /// region with its resident and dirty pages from the page tables, the kernel range, and the
    /// page-table and RAM totals.
    #[arg(long)]
    pub show_maps: bool,
    /// Write the program's standard output to FILE instead of rvscope's stdout (then
    /// `--trace -` may use stdout).
    #[arg(long, value_name = "FILE")]
    pub stdout: Option<PathBuf>,
    /// Trace every memory access to FILE (see --trace-format; README "Tracing"); `-` is
    /// rvscope's stdout, allowed with --stdout.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Trace format: text (aligned columns), jsonl, din (Dinero IV), lackey (Valgrind Lackey),
    /// commit (Spike --log-commits), bin (fixed-size records; `rvscope trace`).
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub trace_format: rvscope::trace::Format,
    /// Trace from the instruction that has N instructions retired before it.
    #[arg(long, value_name = "N")]
    pub trace_from: Option<u64>,
    /// Stop tracing at instruction N (exclusive).
    #[arg(long, value_name = "N")]
    pub trace_to: Option<u64>,
    /// Only these access kinds (comma-separated: fetch, load, store, amo, ptw, kernel).
    #[arg(long, value_name = "KINDS")]
    pub trace_kind: Option<String>,
    /// Only accesses to these regions (comma-separated: text, rodata, data, bss, heap, mmap,
    /// stack, kernel).
    #[arg(long, value_name = "REGIONS")]
    pub trace_region: Option<String>,
    /// Add each retired instruction with its register write (text, jsonl; bin: retire records,
    /// which `rvscope trace convert --to commit` needs).
    #[arg(long)]
    pub trace_regs: bool,
    /// Only accesses and retirements of instructions whose pc is in [LO, HI) (hex with 0x or
    /// decimal; repeatable: any of the ranges).
    #[arg(long, value_name = "LO:HI")]
    pub trace_pc: Vec<String>,
    /// Only accesses and retirements of instructions inside function NAME (from the ELF's
    /// symbols; repeatable or comma-separated).
    #[arg(long, value_name = "NAME")]
    pub trace_function: Vec<String>,
    /// Keep every Nth access event (the 1st, the N+1th …; page, process and client events are
    /// always kept).
    #[arg(long, value_name = "N")]
    pub trace_sample: Option<u64>,
    /// Whether the trace starts on (default) or off: with `off`, nothing but process events is
    /// traced until the program calls rvscope_trace_on() (guest/include/rvscope.h).
    #[arg(long, value_name = "on|off")]
    pub trace_start: Option<TraceStart>,
    /// Print to stderr, when the program ends, the pipeline diagram (instructions as rows,
    /// cycles as columns, stalls and flushes marked) of COUNT instructions (at most 1000) from
    /// the one with FROM instructions retired before it. Needs the pipeline model (--timing
    /// full or tlb); the run is traced, so it is slower.
    #[arg(long, value_name = "FROM:COUNT")]
    pub pipeline_view: Option<rvscope::timing::view::ViewWindow>,
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
    // Last, because its help headings apply to the flags after it.
    /// The machine: memory, timing, TLBs and caches.
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// `--trace-start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TraceStart {
    /// Trace from the start.
    On,
    /// Trace only from the program's first rvscope_trace_on().
    Off,
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
    /// Read the `[caches]` settings of a TOML configuration file (the other keys are checked
    /// and ignored); the cache flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write the statistics as JSON to FILE instead of printing the table.
    #[arg(long, value_name = "FILE")]
    pub stats_file: Option<PathBuf>,
    /// The din trace (`-` for stdin): `LABEL HEXADDR [SIZE]` per line, label 0 read, 1 write,
    /// 2 instruction fetch, 3 escape (skipped), 4 flush.
    #[arg(value_name = "TRACE")]
    pub trace: PathBuf,
    // Last, because its help headings apply to the flags after it.
    /// The cache hierarchy.
    #[command(flatten)]
    pub caches: CacheArgs,
}
