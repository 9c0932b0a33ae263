//! The configuration flags shared by `rvscope run`, `rvscope config show` and (the cache part)
//! `rvscope cachesim`, how they layer over a `--config` file, and `rvscope config show`.
//!
//! Precedence: built-in defaults < the `--config` TOML file < flags. Within the cache flags:
//! the Spike forms (`--ic/--dc/--l2/--l3`) first, then the all-level `--policy/--write/--alloc`,
//! then the per-level long forms (`--l1d-size` …), so the most specific flag wins. A long form
//! for a level that is `none` (e.g. `--l3=none` or `l3 = "none"` in the file) brings the level
//! back from its built-in default before changing it.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use rvscope::config::{merge_env, parse_env_entry, parse_size, TimingMode};
use rvscope::mem::cache_config::{
    AllocPolicy, HierarchyConfig, LevelConfig, LevelOverrides, WritePolicy,
};
use rvscope::mem::replacement::Policy;
use rvscope::mmu::tlb::TlbConfig;
use rvscope::os::pager::PagePolicy;
use rvscope::timing::{Forwarding, PredictorKind};
use rvscope::{Config, Error};

use super::ShowArgs;

/// Flags that set the run configuration (`rvscope run`, `rvscope config show`).
#[derive(Debug, Default, Args)]
pub struct ConfigArgs {
    /// TOML configuration file (a preset; `rvscope config show` prints one). Flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Stack size limit (e.g. 8M, 512K; default 8M).
    #[arg(long, value_name = "SIZE", value_parser = parse_size_u32)]
    pub stack_size: Option<u32>,
    /// Simulated physical RAM (e.g. 128M, 1G; default 128M).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub ram: Option<u64>,
    /// Add K=V to the program's environment (repeatable; replaces the file's entry for K).
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env_entry)]
    pub env: Vec<String>,
    /// Let the program open files, confined to DIR (its "/" and working directory).
    #[arg(long, value_name = "DIR")]
    pub fs_root: Option<PathBuf>,
    /// Stop after N instructions (exit status 124, like `timeout`).
    #[arg(long, value_name = "N")]
    pub max_insns: Option<u64>,
    /// Simulated clock frequency in Hz, for rdtime and clock_gettime (default 1000000000).
    #[arg(long, value_name = "HZ")]
    pub clock_hz: Option<u64>,
    /// What is modelled: functional, tlb (TLBs, no caches) or full (default).
    #[arg(long, value_name = "MODE")]
    pub timing: Option<TimingMode>,
    /// Instruction TLB shape: ENTRIES[:WAYS] (default 32, fully associative).
    #[arg(long, value_name = "ENTRIES[:WAYS]")]
    pub itlb: Option<TlbConfig>,
    /// Data TLB shape: ENTRIES[:WAYS] (default 32, fully associative).
    #[arg(long, value_name = "ENTRIES[:WAYS]")]
    pub dtlb: Option<TlbConfig>,
    /// Page-table walks read PTEs through the data caches (default true).
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub ptw_through_cache: Option<bool>,
    /// Swap device size (e.g. 512M, 0 for no swap; default 512M).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub swap: Option<u64>,
    /// Cycles to move one page to or from swap (default 100000).
    #[arg(long, value_name = "CYCLES")]
    pub swap_latency: Option<u64>,
    /// Which user page to evict when RAM is full: clock (default), fifo or lru (exact, slower).
    #[arg(long, value_name = "POLICY")]
    pub page_policy: Option<PagePolicy>,
    /// No forwarding paths in the pipeline model: every read-after-write hazard stalls.
    #[arg(long)]
    pub no_forwarding: bool,
    /// Branch predictor: static-not-taken (default), btfn or bimodal:ENTRIES.
    #[arg(long, value_name = "PREDICTOR")]
    pub bp: Option<PredictorKind>,
    /// Multiply latency in cycles (default 3).
    #[arg(long, value_name = "CYCLES")]
    pub mul_latency: Option<u32>,
    /// Divide/remainder latency in cycles (default 34).
    #[arg(long, value_name = "CYCLES")]
    pub div_latency: Option<u32>,
    /// The cache hierarchy.
    #[command(flatten)]
    pub caches: CacheArgs,
}

/// Declares the long-form flags of one cache level (`--l1d-size` …) and their conversion to
/// [`LevelOverrides`].
macro_rules! level_args {
    ($name:ident, $prefix:literal, $level:literal) => {
        #[doc = concat!("The `--", $prefix, "-…` flags.")]
        #[derive(Clone, Debug, Default, Args)]
        #[command(next_help_heading = "Cache levels (long forms)")]
        pub struct $name {
            #[arg(help = concat!($level, " size (e.g. 32K, 1M)"),
                          id = concat!($prefix, "-size"), long = concat!($prefix, "-size"),
                                  value_name = "SIZE", value_parser = parse_size)]
            pub size: Option<u64>,
            #[arg(help = concat!($level, " associativity"),
                          id = concat!($prefix, "-ways"), long = concat!($prefix, "-ways"),
                                  value_name = "N")]
            pub ways: Option<u32>,
            #[arg(help = concat!($level, " line size in bytes"),
                          id = concat!($prefix, "-line"), long = concat!($prefix, "-line"),
                                  value_name = "BYTES")]
            pub line: Option<u32>,
            #[arg(help = concat!($level, " replacement policy: lru, fifo, random, tree-plru"),
                          id = concat!($prefix, "-policy"), long = concat!($prefix, "-policy"),
                                  value_name = "POLICY")]
            pub policy: Option<Policy>,
            #[arg(help = concat!($level, " write hit policy: back or through"),
                          id = concat!($prefix, "-write"), long = concat!($prefix, "-write"),
                                  value_name = "back|through")]
            pub write: Option<WritePolicy>,
            #[arg(help = concat!($level, " write miss policy: write or no-write (allocate)"),
                          id = concat!($prefix, "-alloc"), long = concat!($prefix, "-alloc"),
                                  value_name = "write|no-write")]
            pub alloc: Option<AllocPolicy>,
            #[arg(help = concat!($level, " hit latency in cycles"),
                          id = concat!($prefix, "-latency"), long = concat!($prefix, "-latency"),
                                  value_name = "CYCLES")]
            pub latency: Option<u32>,
        }

        impl $name {
            /// The flag prefix, e.g. `--l1d`.
            const FLAG: &'static str = concat!("--", $prefix);

            fn overrides(&self) -> LevelOverrides {
                LevelOverrides {
                    size_bytes: self.size,
                    ways: self.ways,
                    line_bytes: self.line,
                    policy: self.policy,
                    write: self.write,
                    alloc: self.alloc,
                    latency_cycles: self.latency,
                }
            }
        }
    };
}

level_args!(L1iArgs, "l1i", "L1 instruction cache");
level_args!(L1dArgs, "l1d", "L1 data cache");
level_args!(L2Args, "l2", "L2 cache");
level_args!(L3Args, "l3", "L3 cache");

/// The cache flags, identical for `run`, `config show` and `cachesim`.
#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Caches")]
pub struct CacheArgs {
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
    pub policy: Option<Policy>,
    /// Write hit policy of every level: back or through (default back).
    #[arg(long, value_name = "back|through")]
    pub write: Option<WritePolicy>,
    /// Write miss policy of every level: write or no-write allocate (default write).
    #[arg(long, value_name = "write|no-write")]
    pub alloc: Option<AllocPolicy>,
    /// Seed of the random replacement policy (default 0).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// RAM latency in cycles per line (default 200).
    #[arg(long, value_name = "CYCLES")]
    pub ram_latency: Option<u32>,
    /// Classify misses as compulsory/capacity/conflict (`run` default: off, it costs about
    /// half the full model's speed; `cachesim` default: on).
    #[arg(long = "3c", conflicts_with = "no_3c")]
    pub three_c: bool,
    /// Skip the compulsory/capacity/conflict classification (faster).
    #[arg(long)]
    pub no_3c: bool,
    // The per-level long forms.
    #[command(flatten)]
    pub l1i: L1iArgs,
    #[command(flatten)]
    pub l1d: L1dArgs,
    #[command(flatten)]
    pub l2_level: L2Args,
    #[command(flatten)]
    pub l3_level: L3Args,
}

impl ConfigArgs {
    /// The effective configuration: defaults, then the `--config` file, then the flags;
    /// validated. Errors are one line (exit 125).
    pub fn resolve(&self) -> Result<Config, Error> {
        let mut config = Config::default();
        if let Some(path) = &self.config {
            config.apply_toml_file(path)?;
        }
        self.apply(&mut config)?;
        config.validate()?;
        Ok(config)
    }

    /// Applies the flags given over `config`.
    fn apply(&self, config: &mut Config) -> Result<(), Error> {
        if let Some(v) = self.stack_size {
            config.stack_bytes = v;
        }
        if let Some(v) = self.ram {
            config.ram_bytes = v;
        }
        merge_env(&mut config.env, &self.env);
        if let Some(dir) = &self.fs_root {
            config.fs_root = Some(dir.clone());
        }
        if let Some(n) = self.max_insns {
            config.max_insns = Some(n);
        }
        if let Some(hz) = self.clock_hz {
            config.clock_hz = hz;
        }
        if let Some(t) = self.timing {
            config.timing = t;
        }
        if let Some(t) = self.itlb {
            config.itlb = t;
        }
        if let Some(t) = self.dtlb {
            config.dtlb = t;
        }
        if let Some(b) = self.ptw_through_cache {
            config.ptw_through_cache = b;
        }
        if let Some(v) = self.swap {
            config.paging.swap_bytes = v;
        }
        if let Some(v) = self.swap_latency {
            config.paging.swap_latency_cycles = v;
        }
        if let Some(p) = self.page_policy {
            config.paging.policy = p;
        }
        if self.no_forwarding {
            config.pipeline.forwarding = Forwarding::Off;
        }
        if let Some(p) = self.bp {
            config.pipeline.predictor = p;
        }
        if let Some(n) = self.mul_latency {
            config.pipeline.mul_latency_cycles = n;
        }
        if let Some(n) = self.div_latency {
            config.pipeline.div_latency_cycles = n;
        }
        self.caches.apply(&mut config.caches)
    }
}

impl CacheArgs {
    /// The hierarchy for `cachesim` and `trace replay`: `recorded` (the caches a bin trace's
    /// header records) or else the defaults, then the `[caches]` of `file`, then these flags.
    pub fn resolve(
        &self,
        recorded: Option<&HierarchyConfig>,
        file: Option<&std::path::Path>,
    ) -> Result<HierarchyConfig, Error> {
        let mut config = Config::default();
        if let Some(caches) = recorded {
            config.caches = caches.clone();
        }
        // Trace-driven runs classify misses unless told not to (`--no-3c`, or the file); a
        // recorded run's choice was about its speed, not the caches, so it is not followed.
        config.caches.classify_misses = true;
        if let Some(path) = file {
            config.apply_toml_file(path)?;
        }
        self.apply(&mut config.caches)?;
        config.caches.validate()?;
        Ok(config.caches)
    }

    /// Applies the cache flags given over `h` (order: module documentation).
    pub fn apply(&self, h: &mut HierarchyConfig) -> Result<(), Error> {
        h.apply_spike_flags(
            self.ic.as_deref(),
            self.dc.as_deref(),
            self.l2.as_deref(),
            self.l3.as_deref(),
        )?;
        let l2 = self.l2_level.overrides();
        let l3 = self.l3_level.overrides();
        // A long form for a removed level brings it back with its defaults first, so that the
        // all-level policies below reach it too.
        if !l2.is_empty() && h.l2.is_none() {
            h.l2 = Some(LevelConfig::default_l2());
        }
        if !l3.is_empty() && h.l3.is_none() {
            h.l3 = Some(LevelConfig::default_l3());
        }
        h.set_policies(self.policy, self.write, self.alloc);
        h.l1i = apply_level(L1iArgs::FLAG, &self.l1i.overrides(), h.l1i)?;
        h.l1d = apply_level(L1dArgs::FLAG, &self.l1d.overrides(), h.l1d)?;
        if let Some(level) = h.l2 {
            h.l2 = Some(apply_level(L2Args::FLAG, &l2, level)?);
        }
        if let Some(level) = h.l3 {
            h.l3 = Some(apply_level(L3Args::FLAG, &l3, level)?);
        }
        if let Some(seed) = self.seed {
            h.seed = seed;
        }
        if let Some(cycles) = self.ram_latency {
            h.ram_latency_cycles = cycles;
        }
        if self.no_3c {
            h.classify_misses = false;
        }
        if self.three_c {
            h.classify_misses = true;
        }
        Ok(())
    }
}

/// One level's long forms over `base`; an error names the flag at fault (`--l1d-size: …`).
fn apply_level(
    flag: &str,
    overrides: &LevelOverrides,
    base: LevelConfig,
) -> Result<LevelConfig, Error> {
    if overrides.is_empty() {
        return Ok(base);
    }
    overrides
        .apply(base)
        .map_err(|(key, why)| Error::Config(format!("{flag}-{}: {why}", key.name())))
}

fn parse_size_u32(s: &str) -> Result<u32, String> {
    let v = parse_size(s)?;
    u32::try_from(v).map_err(|_| format!("size '{s}' is too large"))
}

/// `rvscope config show`: prints the effective configuration as TOML.
pub fn show(args: ShowArgs) -> Result<u8> {
    let config = args.config.resolve()?;
    print!("{}", config.to_toml());
    Ok(0)
}
