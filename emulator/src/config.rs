//! Run configuration (what the CLI flags set), its TOML file form (`--config FILE`, and what
//! `rvscope config show` prints), the same schema as JSON in trace headers (read back by
//! [`recorded_caches`]) and size parsing (`8M`, `64K`, `1G`).
//!
//! The TOML schema (every key optional; an absent key keeps the built-in default, an unknown key
//! is an error). Top-level keys are the `rvscope run` flags without their dashes:
//!
//! ```toml
//! ram = "128M"               # size: "64K".."2G", or a number of bytes
//! stack-size = "8M"
//! clock-hz = 1000000000
//! max-insns = 5000000        # absent: no limit
//! env = ["LANG=C"]           # K=V strings; --env on the command line adds to / replaces these
//! fs-root = "sandbox"        # absent: the program cannot open files
//! timing = "full"            # functional | tlb | full
//! itlb = "32:32"             # ENTRIES[:WAYS] (or a number: fully associative)
//! dtlb = "32:32"
//! ptw-through-cache = true
//! swap = "512M"              # size: "0" (no swap).."16G"
//! swap-latency = 100000      # cycles per page moved in or out
//! page-policy = "clock"      # clock | fifo | lru
//! forwarding = true          # the pipeline model (timing = "tlb" or "full")
//! bp = "static-not-taken"    # static-not-taken | btfn | bimodal:ENTRIES
//! mul-latency = 3
//! div-latency = 34
//!
//! [caches]                   # the all-level settings, then one table per level
//! ram-latency = 200
//! seed = 0
//! classify-misses = false
//! l3 = "none"                # removes L3 (L2 likewise); must come before the level tables
//!
//! [caches.l1d]               # also l1i, l2, l3; each key optional
//! size = "32K"
//! ways = 8
//! line = 64
//! policy = "lru"             # lru | fifo | random | tree-plru
//! write = "back"             # back | through
//! alloc = "write"            # write | no-write
//! latency = 4
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::mem::cache_config::{
    AllocPolicy, HierarchyConfig, LevelConfig, LevelOverrides, WritePolicy,
};
use crate::mmu::tlb::TlbConfig;
use crate::os::layout::DEFAULT_STACK_LIMIT;
use crate::os::pager::{PagePolicy, PagingConfig};
use crate::os::pagetable::MAX_SWAP_SLOTS;
use crate::timing::{Forwarding, PipelineConfig};

/// Default simulated RAM (DESIGN.md §6).
pub const DEFAULT_RAM_BYTES: u64 = 128 << 20;
/// Default simulated clock (DESIGN.md §7).
pub const DEFAULT_CLOCK_HZ: u64 = 1_000_000_000;

/// How to build and run the machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Physical RAM in bytes.
    pub ram_bytes: u64,
    /// Stack size limit in bytes.
    pub stack_bytes: u32,
    /// Simulated core clock in Hz (for `time` and `clock_gettime`).
    pub clock_hz: u64,
    /// Stop after this many instructions.
    pub max_insns: Option<u64>,
    /// Directory the program's file system calls are confined to (none: file access denied).
    pub fs_root: Option<PathBuf>,
    /// Environment strings `K=V` for the program.
    pub env: Vec<String>,
    /// Which hardware models every access goes through.
    pub timing: TimingMode,
    /// Instruction TLB shape.
    pub itlb: TlbConfig,
    /// Data TLB shape.
    pub dtlb: TlbConfig,
    /// The cache hierarchy (used when `timing` models caches).
    pub caches: HierarchyConfig,
    /// Page-table-walk PTE reads go through the data cache hierarchy (DESIGN.md §4; default on).
    pub ptw_through_cache: bool,
    /// Swap and page replacement (DESIGN.md §6).
    pub paging: PagingConfig,
    /// The pipeline timing model (used when `timing` models it).
    pub pipeline: PipelineConfig,
}

/// How much of the machine is modelled on every access.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimingMode {
    /// Translation through the real page tables, but no TLB, cache or pipeline model:
    /// fastest; every instruction costs one cycle (plus kernel time).
    Functional,
    /// TLBs modelled (hits, misses, walks) and the pipeline; no caches (every access hits in
    /// one cycle, a PTE read costs the RAM latency).
    Tlb,
    /// TLBs, the whole cache hierarchy and the pipeline (the default).
    #[default]
    Full,
}

impl TimingMode {
    /// The name used on the command line and in TOML.
    pub fn name(self) -> &'static str {
        match self {
            TimingMode::Functional => "functional",
            TimingMode::Tlb => "tlb",
            TimingMode::Full => "full",
        }
    }

    /// TLB lookups are modelled and counted.
    pub fn models_tlb(self) -> bool {
        !matches!(self, TimingMode::Functional)
    }
    /// Caches are modelled and counted.
    pub fn models_caches(self) -> bool {
        matches!(self, TimingMode::Full)
    }
    /// The pipeline timing model runs (hazards, branch prediction, memory stalls).
    pub fn models_pipeline(self) -> bool {
        !matches!(self, TimingMode::Functional)
    }
}

impl std::str::FromStr for TimingMode {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        [TimingMode::Functional, TimingMode::Tlb, TimingMode::Full]
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown timing mode '{s}' (functional, tlb, full)"))
    }
}

impl std::fmt::Display for TimingMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ram_bytes: DEFAULT_RAM_BYTES,
            stack_bytes: DEFAULT_STACK_LIMIT,
            clock_hz: DEFAULT_CLOCK_HZ,
            max_insns: None,
            fs_root: None,
            env: Vec::new(),
            timing: TimingMode::default(),
            itlb: TlbConfig::default(),
            dtlb: TlbConfig::default(),
            // A run classifies misses only on request (`--3c`): the fully associative shadow
            // of every level roughly halves the full model's speed. `cachesim` classifies by
            // default.
            caches: HierarchyConfig {
                classify_misses: false,
                ..HierarchyConfig::default()
            },
            ptw_through_cache: true,
            paging: PagingConfig::default(),
            pipeline: PipelineConfig::default(),
        }
    }
}

impl Config {
    /// Checks the values make a runnable machine.
    pub fn validate(&self) -> Result<()> {
        const MIN_STACK: u32 = 16 << 10;
        const MAX_STACK: u32 = 512 << 20;
        // Messages name the setting as both its flag and its TOML key spell it.
        if self.stack_bytes < MIN_STACK || self.stack_bytes > MAX_STACK {
            return Err(Error::Config(format!(
                "stack-size {} is out of range (16K..512M)",
                format_size(self.stack_bytes.into())
            )));
        }
        if !self.stack_bytes.is_multiple_of(crate::mem::phys::PAGE_SIZE) {
            return Err(Error::Config(format!(
                "stack-size {} is not a multiple of the 4K page size",
                self.stack_bytes
            )));
        }
        if self.ram_bytes < 64 << 10 || self.ram_bytes > 2 << 30 {
            return Err(Error::Config(format!(
                "ram {} is out of range (64K..2G)",
                format_size(self.ram_bytes)
            )));
        }
        let max_swap = MAX_SWAP_SLOTS * u64::from(crate::mem::phys::PAGE_SIZE);
        if self.paging.swap_bytes > max_swap {
            return Err(Error::Config(format!(
                "swap {} is out of range (0..16G)",
                format_size(self.paging.swap_bytes)
            )));
        }
        if self.clock_hz == 0 {
            return Err(Error::Config("clock-hz must be positive".into()));
        }
        self.caches.validate()?;
        self.pipeline.validate().map_err(Error::Config)?;
        Ok(())
    }
}

/// Largest integer a TOML file can hold; larger `u64` values are written as strings.
const TOML_INT_MAX: u64 = i64::MAX as u64;

impl Config {
    /// Layers a TOML configuration file over `self`: the keys it sets replace the current
    /// values, the others stay. The result is validated; every error is one line naming
    /// `path` and the key (or line).
    pub fn apply_toml_file(&mut self, path: &Path) -> Result<()> {
        let origin = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
        self.apply_toml(&text, &origin)
    }

    /// [`Config::apply_toml_file`] on text already read; `origin` names it in errors.
    pub fn apply_toml(&mut self, text: &str, origin: &str) -> Result<()> {
        let file: FileConfig = toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
        file.apply(self, &|key, why| {
            Error::Config(format!("{origin}: {key}: {why}"))
        })?;
        self.validate()
            .map_err(|e| Error::Config(format!("{origin}: {e}")))
    }

    /// Layers a `[caches]` table given as JSON (the form trace headers carry it in, see
    /// [`recorded_caches`]) over `self.caches`, exactly as [`Config::apply_toml`] layers a
    /// file's: absent keys keep their current values, an unknown key, a bad value or an
    /// impossible geometry is a one-line error naming `origin` and the key.
    pub fn apply_caches_json(&mut self, caches: &serde_json::Value, origin: &str) -> Result<()> {
        let at = |key: &str, why: String| Error::Config(format!("{origin}: {key}: {why}"));
        let file = CachesFile::deserialize(caches).map_err(|e| {
            let key = json_key_at_fault(caches).map_or("[caches]".to_owned(), |k| {
                if caches[k].is_object() {
                    format!("[caches.{k}]")
                } else {
                    format!("[caches] {k}")
                }
            });
            at(&key, e.to_string())
        })?;
        file.apply(&mut self.caches, &at)?;
        self.caches
            .validate()
            .map_err(|e| Error::Config(format!("{origin}: {e}")))
    }

    /// The configuration as a TOML file in the schema [`Config::apply_toml`] reads (every
    /// setting spelled out, so the output is a complete preset), with a comment header line.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        // `fmt::Write` for a String cannot fail.
        let _ = self.write_toml(&mut out);
        out
    }

    fn write_toml(&self, out: &mut String) -> std::fmt::Result {
        writeln!(
            out,
            "# rvscope run configuration (`rvscope config show`); use with `rvscope run --config FILE`"
        )?;
        writeln!(out, "ram = {}", size_value(self.ram_bytes))?;
        writeln!(out, "stack-size = {}", size_value(self.stack_bytes.into()))?;
        writeln!(out, "clock-hz = {}", int_value(self.clock_hz))?;
        match self.max_insns {
            Some(n) => writeln!(out, "max-insns = {}", int_value(n))?,
            None => writeln!(out, "# max-insns = N  (absent: no instruction limit)")?,
        }
        let env: Vec<String> = self.env.iter().map(|e| string_value(e)).collect();
        writeln!(out, "env = [{}]", env.join(", "))?;
        match &self.fs_root {
            Some(dir) => writeln!(out, "fs-root = {}", string_value(&dir.to_string_lossy()))?,
            None => writeln!(
                out,
                "# fs-root = \"DIR\"  (absent: the program cannot open files)"
            )?,
        }
        writeln!(out, "timing = \"{}\"", self.timing)?;
        writeln!(out, "itlb = \"{}\"", self.itlb)?;
        writeln!(out, "dtlb = \"{}\"", self.dtlb)?;
        writeln!(out, "ptw-through-cache = {}", self.ptw_through_cache)?;
        writeln!(out, "swap = {}", size_value(self.paging.swap_bytes))?;
        writeln!(
            out,
            "swap-latency = {}",
            int_value(self.paging.swap_latency_cycles)
        )?;
        writeln!(out, "page-policy = \"{}\"", self.paging.policy)?;
        let p = &self.pipeline;
        writeln!(out, "forwarding = {}", p.forwarding == Forwarding::On)?;
        writeln!(out, "bp = \"{}\"", p.predictor)?;
        writeln!(out, "mul-latency = {}", p.mul_latency_cycles)?;
        writeln!(out, "div-latency = {}", p.div_latency_cycles)?;
        let c = &self.caches;
        writeln!(out, "\n[caches]")?;
        writeln!(out, "ram-latency = {}", c.ram_latency_cycles)?;
        writeln!(out, "seed = {}", int_value(c.seed))?;
        writeln!(out, "classify-misses = {}", c.classify_misses)?;
        for (key, level) in [("l2", &c.l2), ("l3", &c.l3)] {
            if level.is_none() {
                writeln!(out, "{key} = \"none\"")?;
            }
        }
        let levels = [
            ("l1i", Some(&c.l1i)),
            ("l1d", Some(&c.l1d)),
            ("l2", c.l2.as_ref()),
            ("l3", c.l3.as_ref()),
        ];
        for (key, level) in levels {
            if let Some(l) = level {
                writeln!(out, "\n[caches.{key}]")?;
                writeln!(out, "size = {}", size_value(l.size_bytes()))?;
                writeln!(out, "ways = {}", l.ways)?;
                writeln!(out, "line = {}", l.line_bytes)?;
                writeln!(out, "policy = \"{}\"", l.policy)?;
                writeln!(out, "write = \"{}\"", write_word(l.write))?;
                writeln!(out, "alloc = \"{}\"", alloc_word(l.alloc))?;
                writeln!(out, "latency = {}", l.latency_cycles)?;
            }
        }
        Ok(())
    }
}

/// The `--write` / TOML word of a write policy.
fn write_word(w: WritePolicy) -> &'static str {
    match w {
        WritePolicy::WriteBack => "back",
        WritePolicy::WriteThrough => "through",
    }
}

/// The `--alloc` / TOML word of an allocate policy.
fn alloc_word(a: AllocPolicy) -> &'static str {
    match a {
        AllocPolicy::WriteAllocate => "write",
        AllocPolicy::NoWriteAllocate => "no-write",
    }
}

/// A size as TOML: `"32K"` when a binary unit divides it, else the number of bytes.
fn size_value(bytes: u64) -> String {
    let text = format_size(bytes);
    if text.ends_with(|c: char| c.is_ascii_digit()) {
        int_value(bytes)
    } else {
        format!("\"{text}\"")
    }
}

/// A `u64` as TOML: an integer, or a string past TOML's 64-bit signed range (read back either
/// way).
fn int_value(n: u64) -> String {
    if n <= TOML_INT_MAX {
        n.to_string()
    } else {
        format!("\"{n}\"")
    }
}

/// A TOML basic string with the escapes it needs.
fn string_value(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// One line naming the file and line of a TOML syntax or type error, and the key when the line
/// has one.
fn toml_error(origin: &str, text: &str, e: &toml::de::Error) -> Error {
    let message = e
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let Some(span) = e.span() else {
        return Error::Config(format!("{origin}: {message}"));
    };
    let start = span.start.min(text.len());
    let line_no = text[..start].matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with(['[', '#']) && !message.contains(k));
    match key {
        Some(key) => Error::Config(format!("{origin}:{line_no}: {key}: {message}")),
        None => Error::Config(format!("{origin}:{line_no}: {message}")),
    }
}

/// A value TOML may give as an integer or a string (`size = 32768` or `size = "32K"`,
/// `itlb = 32` or `itlb = "64:4"`), kept as text for the setting's own parser.
#[derive(Debug)]
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Text, E> {
                Ok(Text(v.to_owned()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl Text {
    fn size(&self) -> std::result::Result<u64, String> {
        parse_size(&self.0)
    }
    fn number(&self) -> std::result::Result<u64, String> {
        self.0
            .trim()
            .parse()
            .map_err(|_| format!("'{}' is not a non-negative integer", self.0))
    }
    fn parse<T: std::str::FromStr>(&self) -> std::result::Result<T, String>
    where
        T::Err: std::fmt::Display,
    {
        self.0.parse().map_err(|e: T::Err| e.to_string())
    }
}

/// The top level of a configuration file (see the module documentation).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileConfig {
    ram: Option<Text>,
    stack_size: Option<Text>,
    clock_hz: Option<Text>,
    max_insns: Option<Text>,
    env: Option<Vec<String>>,
    fs_root: Option<PathBuf>,
    timing: Option<Text>,
    itlb: Option<Text>,
    dtlb: Option<Text>,
    ptw_through_cache: Option<bool>,
    swap: Option<Text>,
    swap_latency: Option<Text>,
    page_policy: Option<Text>,
    forwarding: Option<bool>,
    bp: Option<Text>,
    mul_latency: Option<u32>,
    div_latency: Option<u32>,
    caches: Option<CachesFile>,
}

/// `[caches]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CachesFile {
    ram_latency: Option<u32>,
    seed: Option<Text>,
    classify_misses: Option<bool>,
    l1i: Option<LevelFile>,
    l1d: Option<LevelFile>,
    l2: Option<LevelEntry>,
    l3: Option<LevelEntry>,
}

/// `[caches.LEVEL]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelFile {
    size: Option<Text>,
    ways: Option<u32>,
    line: Option<u32>,
    policy: Option<Text>,
    write: Option<Text>,
    alloc: Option<Text>,
    latency: Option<u32>,
}

/// `l2` / `l3`: a table, or the string `"none"`.
#[derive(Debug)]
enum LevelEntry {
    None,
    Level(LevelFile),
}

impl<'de> Deserialize<'de> for LevelEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = LevelEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a level table or \"none\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<LevelEntry, E> {
                if v.eq_ignore_ascii_case("none") {
                    Ok(LevelEntry::None)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<LevelEntry, A::Error> {
                LevelFile::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(LevelEntry::Level)
            }
        }
        d.deserialize_any(V)
    }
}

/// Builds the error for a bad value of `key` (adds the file name).
type KeyError<'a> = dyn Fn(&str, String) -> Error + 'a;

impl FileConfig {
    fn apply(self, c: &mut Config, at: &KeyError) -> Result<()> {
        if let Some(t) = self.ram {
            c.ram_bytes = t.size().map_err(|w| at("ram", w))?;
        }
        if let Some(t) = self.stack_size {
            let bytes = t.size().map_err(|w| at("stack-size", w))?;
            c.stack_bytes = u32::try_from(bytes)
                .map_err(|_| at("stack-size", format!("{} is out of range (16K..512M)", t.0)))?;
        }
        if let Some(t) = self.clock_hz {
            c.clock_hz = t.number().map_err(|w| at("clock-hz", w))?;
        }
        if let Some(t) = self.max_insns {
            c.max_insns = Some(t.number().map_err(|w| at("max-insns", w))?);
        }
        if let Some(env) = self.env {
            for entry in &env {
                parse_env_entry(entry).map_err(|w| at("env", w))?;
            }
            c.env = env;
        }
        if let Some(dir) = self.fs_root {
            c.fs_root = Some(dir);
        }
        if let Some(t) = self.timing {
            c.timing = t.parse().map_err(|w| at("timing", w))?;
        }
        if let Some(t) = self.itlb {
            c.itlb = t.parse().map_err(|w| at("itlb", w))?;
        }
        if let Some(t) = self.dtlb {
            c.dtlb = t.parse().map_err(|w| at("dtlb", w))?;
        }
        if let Some(b) = self.ptw_through_cache {
            c.ptw_through_cache = b;
        }
        if let Some(t) = self.swap {
            c.paging.swap_bytes = t.size().map_err(|w| at("swap", w))?;
        }
        if let Some(t) = self.swap_latency {
            c.paging.swap_latency_cycles = t.number().map_err(|w| at("swap-latency", w))?;
        }
        if let Some(t) = self.page_policy {
            c.paging.policy = t.parse::<PagePolicy>().map_err(|w| at("page-policy", w))?;
        }
        if let Some(b) = self.forwarding {
            c.pipeline.forwarding = if b { Forwarding::On } else { Forwarding::Off };
        }
        if let Some(t) = self.bp {
            c.pipeline.predictor = t.parse().map_err(|w| at("bp", w))?;
        }
        if let Some(n) = self.mul_latency {
            c.pipeline.mul_latency_cycles = n;
        }
        if let Some(n) = self.div_latency {
            c.pipeline.div_latency_cycles = n;
        }
        if let Some(caches) = self.caches {
            caches.apply(&mut c.caches, at)?;
        }
        Ok(())
    }
}

impl CachesFile {
    fn apply(self, h: &mut HierarchyConfig, at: &KeyError) -> Result<()> {
        if let Some(n) = self.ram_latency {
            h.ram_latency_cycles = n;
        }
        if let Some(t) = self.seed {
            h.seed = t.number().map_err(|w| at("[caches] seed", w))?;
        }
        if let Some(b) = self.classify_misses {
            h.classify_misses = b;
        }
        if let Some(l) = self.l1i {
            h.l1i = l.apply("l1i", h.l1i, at)?;
        }
        if let Some(l) = self.l1d {
            h.l1d = l.apply("l1d", h.l1d, at)?;
        }
        let lower = |key: &str, entry, current: Option<LevelConfig>, default| match entry {
            LevelEntry::None => Ok(None),
            LevelEntry::Level(l) => l.apply(key, current.unwrap_or(default), at).map(Some),
        };
        if let Some(e) = self.l2 {
            h.l2 = lower("l2", e, h.l2, LevelConfig::default_l2())?;
        }
        if let Some(e) = self.l3 {
            h.l3 = lower("l3", e, h.l3, LevelConfig::default_l3())?;
        }
        Ok(())
    }
}

impl LevelFile {
    fn apply(self, level: &str, base: LevelConfig, at: &KeyError) -> Result<LevelConfig> {
        let key = |k: &str| format!("[caches.{level}] {k}");
        let o = LevelOverrides {
            size_bytes: self
                .size
                .map(|t| t.size().map_err(|w| at(&key("size"), w)))
                .transpose()?,
            ways: self.ways,
            line_bytes: self.line,
            policy: self
                .policy
                .map(|t| t.parse().map_err(|w| at(&key("policy"), w)))
                .transpose()?,
            write: self
                .write
                .map(|t| t.parse().map_err(|w| at(&key("write"), w)))
                .transpose()?,
            alloc: self
                .alloc
                .map(|t| t.parse().map_err(|w| at(&key("alloc"), w)))
                .transpose()?,
            latency_cycles: self.latency,
        };
        o.apply(base).map_err(|(k, why)| at(&key(k.name()), why))
    }
}

/// The first key of the JSON object `caches` that a `[caches]` table cannot hold on its own
/// (to name it in an error: serde's messages about a value do not say where it was).
fn json_key_at_fault(caches: &serde_json::Value) -> Option<&str> {
    caches.as_object()?.iter().find_map(|(k, v)| {
        let alone = serde_json::Value::Object([(k.clone(), v.clone())].into_iter().collect());
        CachesFile::deserialize(&alone)
            .is_err()
            .then_some(k.as_str())
    })
}

/// The cache hierarchy a trace header records. `config` is the header's `config` object,
/// the run configuration as `trace::writer::config_json` wrote it (the TOML schema of this
/// module, as JSON); its `caches` table is layered over the built-in defaults like a
/// `--config` file's `[caches]`, so a key an older rvscope did not record keeps its default.
/// `Ok(None)` when the header records no caches (`config` or its `caches` absent or null).
/// Errors are one line starting with `origin`.
pub fn recorded_caches(
    config: &serde_json::Value,
    origin: &str,
) -> Result<Option<HierarchyConfig>> {
    let caches = match config {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Object(fields) => match fields.get("caches") {
            None | Some(serde_json::Value::Null) => return Ok(None),
            Some(caches) => caches,
        },
        other => {
            return Err(Error::Config(format!(
                "{origin}: expected a JSON object, found {}",
                json_kind(other)
            )))
        }
    };
    if !caches.is_object() {
        return Err(Error::Config(format!(
            "{origin}: [caches]: expected a JSON object, found {}",
            json_kind(caches)
        )));
    }
    let mut c = Config::default();
    c.apply_caches_json(caches, origin)?;
    Ok(Some(c.caches))
}

/// "a string", "an array" …: what a JSON value is, for errors.
fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Checks an environment entry is `K=V` with a non-empty K.
pub fn parse_env_entry(s: &str) -> std::result::Result<String, String> {
    match s.split_once('=') {
        Some((k, _)) if !k.is_empty() => Ok(s.to_owned()),
        _ => Err(format!("'{s}' is not of the form K=V")),
    }
}

/// Adds `more` to `env`; an entry whose K is already there replaces it (so command-line
/// `--env` entries win over a configuration file's).
pub fn merge_env(env: &mut Vec<String>, more: &[String]) {
    let key = |e: &str| e.split_once('=').map_or(e, |(k, _)| k).to_owned();
    for entry in more {
        let k = key(entry);
        env.retain(|e| key(e) != k);
        env.push(entry.clone());
    }
}

/// A size in the largest binary unit that divides it exactly (`32K`, `8M`, `1G`), else in
/// bytes (`1000`); [`parse_size`] reads it back.
pub fn format_size(bytes: u64) -> String {
    for (unit, shift) in [("G", 30), ("M", 20), ("K", 10)] {
        if bytes != 0 && bytes.is_multiple_of(1 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

/// Parses a size such as `4096`, `64K`, `8M`, `1G` (binary units; `KiB`/`MB` spellings and
/// lower case accepted).
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits_end);
    if num.is_empty() {
        return Err(format!(
            "invalid size '{text}': expected a number like 64K, 8M or 1G"
        ));
    }
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => {
            return Err(format!(
                "invalid size '{text}': unknown unit '{unit}' (use K, M or G)"
            ))
        }
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("invalid size '{text}': number too large"))?;
    n.checked_mul(1 << shift)
        .filter(|&v| v <= 1 << 40)
        .ok_or_else(|| format!("invalid size '{text}': too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        for (text, want) in [
            ("4096", 4096),
            ("64K", 64 << 10),
            ("64k", 64 << 10),
            ("8M", 8 << 20),
            ("8MiB", 8 << 20),
            ("1G", 1 << 30),
        ] {
            assert_eq!(parse_size(text), Ok(want), "{text}");
        }
        for bad in ["", "M", "8X", "-1", "99999999999999999999", "1.5M"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formatted_sizes_read_back() {
        for (bytes, text) in [
            (32 << 10, "32K"),
            (8 << 20, "8M"),
            (2 << 30, "2G"),
            (1536 << 10, "1536K"),
            (1000, "1000"),
            (0, "0"),
        ] {
            assert_eq!(format_size(bytes), text);
            assert_eq!(parse_size(text), Ok(bytes));
        }
    }

    #[test]
    fn timing_words() {
        for m in [TimingMode::Functional, TimingMode::Tlb, TimingMode::Full] {
            assert_eq!(m.to_string().parse(), Ok(m));
        }
        assert_eq!("FULL".parse(), Ok(TimingMode::Full));
        assert!("fast".parse::<TimingMode>().unwrap_err().contains("'fast'"));
    }

    #[test]
    fn env_entries_merge_by_key() {
        assert!(parse_env_entry("A=1").is_ok());
        assert!(parse_env_entry("A=").is_ok());
        assert!(parse_env_entry("=1").is_err());
        assert!(parse_env_entry("A").is_err());
        let mut env = vec!["A=1".to_owned(), "B=2".to_owned()];
        merge_env(&mut env, &["A=9".to_owned(), "C=3".to_owned()]);
        assert_eq!(env, ["B=2", "A=9", "C=3"]);
    }

    fn from_toml(text: &str) -> Result<Config> {
        let mut c = Config::default();
        c.apply_toml(text, "t.toml")?;
        Ok(c)
    }

    #[test]
    fn toml_sets_what_it_names_and_keeps_the_rest() {
        let c = from_toml(
            r#"
            ram = "16M"
            stack-size = 65536
            max-insns = 1000
            env = ["X=1"]
            timing = "tlb"
            itlb = 64
            dtlb = "16:4"
            ptw-through-cache = false
            [caches]
            seed = 7
            l3 = "none"
            [caches.l1d]
            size = "8K"
            ways = 2
            policy = "tree-plru"
            write = "through"
            alloc = "no-write"
            [caches.l2]
            latency = 20
            "#,
        )
        .unwrap();
        assert_eq!(c.ram_bytes, 16 << 20);
        assert_eq!(c.stack_bytes, 64 << 10);
        assert_eq!(c.max_insns, Some(1000));
        assert_eq!(c.env, ["X=1"]);
        assert_eq!(c.timing, TimingMode::Tlb);
        assert_eq!((c.itlb.entries(), c.itlb.ways()), (64, 64));
        assert_eq!((c.dtlb.entries(), c.dtlb.ways()), (16, 4));
        assert!(!c.ptw_through_cache);
        assert_eq!(c.caches.seed, 7);
        assert!(c.caches.l3.is_none());
        let l1d = c.caches.l1d;
        assert_eq!((l1d.sets, l1d.ways, l1d.line_bytes), (64, 2, 64));
        assert_eq!(l1d.policy, crate::mem::replacement::Policy::TreePlru);
        assert_eq!(l1d.write, WritePolicy::WriteThrough);
        assert_eq!(l1d.alloc, AllocPolicy::NoWriteAllocate);
        assert_eq!(l1d.latency_cycles, 4, "unset keys keep the default");
        let l2 = c.caches.l2.unwrap();
        assert_eq!((l2.size_bytes(), l2.latency_cycles), (256 << 10, 20));
        // Untouched settings are the defaults.
        assert_eq!(c.clock_hz, DEFAULT_CLOCK_HZ);
        assert_eq!(c.caches.l1i, LevelConfig::default_l1());
    }

    #[test]
    fn to_toml_round_trips() {
        let mut c = from_toml("[caches]\nl2 = \"none\"\n").unwrap();
        c.max_insns = Some(u64::MAX);
        c.caches.seed = u64::MAX;
        c.env = vec!["Q=\"quoted\" \\ value".into(), "E=".into()];
        c.fs_root = Some(PathBuf::from("/tmp/a dir"));
        c.caches.l1i = LevelConfig::from_size("L1I", 3 << 10, 3, 64, 2).unwrap();
        let text = c.to_toml();
        assert!(text.starts_with("# "), "{text}");
        assert!(text.contains("l2 = \"none\""), "{text}");
        assert_eq!(from_toml(&text).unwrap(), c, "{text}");
        let d = Config::default();
        assert_eq!(from_toml(&d.to_toml()).unwrap(), d);
    }

    #[test]
    fn toml_errors_name_file_and_key() {
        for (text, want) in [
            ("bogus = 1", "t.toml:1: unknown field `bogus`"),
            ("ram = \"8X\"", "t.toml: ram: invalid size '8X'"),
            ("ram = \"4G\"", "t.toml: ram 4G is out of range"),
            (
                "stack-size = \"8G\"",
                "t.toml: stack-size: 8G is out of range",
            ),
            (
                "\n\n[caches.l1d]\nways = -1",
                "t.toml:4: ways: invalid value",
            ),
            (
                "[caches.l1d]\nsize = \"48K\"",
                "t.toml: [caches.l1d] size: size 48K gives 96 sets",
            ),
            (
                "[caches.l1i]\nline = 96",
                "t.toml: [caches.l1i] line: line size 96",
            ),
            (
                "[caches.l3]\nways = 0",
                "t.toml: [caches.l3] ways: a cache needs at least one way",
            ),
            ("[caches]\nl1d = \"none\"", "t.toml:2: l1d: invalid type"),
            ("[caches]\nl2 = \"off\"", "t.toml:2: l2: invalid value"),
            ("[caches.l2]\nsets = 4", "t.toml:2: unknown field `sets`"),
            ("dtlb = \"64:3\"", "t.toml: dtlb: TLB ways 3"),
            ("ram =", "t.toml:1:"),
        ] {
            let e = from_toml(text).unwrap_err();
            assert_eq!(e.exit_code(), 125);
            let e = e.to_string();
            assert!(e.starts_with(want), "{text:?}: {e}");
            assert_eq!(e.lines().count(), 1, "{e}");
        }
    }

    /// What a trace header records (`config_json`) reads back as the run's caches; an older
    /// header's missing keys are the defaults.
    #[test]
    fn recorded_caches_read_back_from_a_header() {
        use crate::trace::writer::config_json;
        let mut c = from_toml(
            "[caches]\nseed = 9\nram-latency = 150\nl3 = \"none\"\n\
             [caches.l1d]\nsize = \"1K\"\nways = 2\nline = 32\npolicy = \"fifo\"\n\
             write = \"through\"\nalloc = \"no-write\"\nlatency = 2\n\
             [caches.l2]\nsize = \"16K\"\nways = 4\npolicy = \"random\"\n",
        )
        .unwrap();
        c.caches.seed = u64::MAX;
        c.caches.classify_misses = true;
        let json = config_json(&c);
        assert_eq!(recorded_caches(&json, "h").unwrap(), Some(c.caches.clone()));
        let d = Config::default();
        assert_eq!(
            recorded_caches(&config_json(&d), "h").unwrap(),
            Some(d.caches)
        );
        // No configuration recorded: the caller falls back to the defaults.
        for none in [
            serde_json::json!(null),
            serde_json::json!({}),
            serde_json::json!({"caches": null}),
        ] {
            assert_eq!(recorded_caches(&none, "h").unwrap(), None, "{none}");
        }
        // A header from before a key existed: the key keeps its default.
        let old = serde_json::json!({"ram": "1M", "caches": {"l1d": {"size": "8K", "ways": 2}}});
        let h = recorded_caches(&old, "h").unwrap().unwrap();
        assert_eq!((h.l1d.sets, h.l1d.ways, h.l1d.line_bytes), (64, 2, 64));
        assert_eq!(h.l1i, LevelConfig::default_l1());
        assert_eq!(h.l2, Some(LevelConfig::default_l2()));
    }

    #[test]
    fn a_malformed_header_config_is_a_one_line_error() {
        use serde_json::json;
        for (config, want) in [
            (json!("caches"), "h: expected a JSON object, found a string"),
            (
                json!({"caches": [1]}),
                "h: [caches]: expected a JSON object, found an array",
            ),
            (
                json!({"caches": {"bogus": 1}}),
                "h: [caches] bogus: unknown field `bogus`",
            ),
            (
                json!({"caches": {"ram-latency": -1}}),
                "h: [caches] ram-latency: invalid value: integer `-1`",
            ),
            (
                json!({"caches": {"l2": "off"}}),
                "h: [caches] l2: invalid value",
            ),
            (
                json!({"caches": {"l1d": {"ways": "x"}}}),
                "h: [caches.l1d]: invalid type: string \"x\"",
            ),
            (
                json!({"caches": {"l1d": {"sets": 4}}}),
                "h: [caches.l1d]: unknown field `sets`",
            ),
            (
                json!({"caches": {"l1d": {"size": "48K"}}}),
                "h: [caches.l1d] size: size 48K gives 96 sets",
            ),
            (
                json!({"caches": {"l1i": {"line": 0}}}),
                "h: [caches.l1i] line: line size 0",
            ),
            (
                json!({"caches": {"l3": {"ways": 6, "policy": "tree-plru", "size": "384K"}}}),
                "h: [caches.l3] policy: tree-plru",
            ),
        ] {
            let e = recorded_caches(&config, "h").unwrap_err();
            assert_eq!(e.exit_code(), 125);
            let e = e.to_string();
            assert!(e.starts_with(want), "{config}: {e}");
            assert_eq!(e.lines().count(), 1, "{e}");
        }
    }

    #[test]
    fn validation() {
        assert!(Config::default().validate().is_ok());
        let tiny = Config {
            stack_bytes: 4096,
            ..Config::default()
        };
        assert!(tiny.validate().is_err());
    }
}
