//! Run configuration (what the CLI flags set) and size parsing (`8M`, `64K`, `1G`).

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::mem::cache_config::HierarchyConfig;
use crate::mmu::tlb::TlbConfig;
use crate::os::layout::DEFAULT_STACK_LIMIT;

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
}

/// How much of the machine is modelled on every access.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimingMode {
    /// Translation through the real page tables, but no TLB or cache model: fastest.
    Functional,
    /// TLBs modelled (hits, misses, walks), no caches.
    Tlb,
    /// TLBs and the whole cache hierarchy (the default).
    #[default]
    Full,
}

impl TimingMode {
    /// TLB lookups are modelled and counted.
    pub fn models_tlb(self) -> bool {
        !matches!(self, TimingMode::Functional)
    }
    /// The mode's name (`functional`, `tlb`, `full`).
    pub fn name(self) -> &'static str {
        match self {
            TimingMode::Functional => "functional",
            TimingMode::Tlb => "tlb",
            TimingMode::Full => "full",
        }
    }
    /// Caches are modelled and counted.
    pub fn models_caches(self) -> bool {
        matches!(self, TimingMode::Full)
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
            caches: HierarchyConfig::default(),
            ptw_through_cache: true,
        }
    }
}

impl Config {
    /// Checks the values make a runnable machine.
    pub fn validate(&self) -> Result<()> {
        const MIN_STACK: u32 = 16 << 10;
        const MAX_STACK: u32 = 512 << 20;
        if self.stack_bytes < MIN_STACK || self.stack_bytes > MAX_STACK {
            return Err(Error::Config(format!(
                "stack size {} is out of range (16K..512M)",
                self.stack_bytes
            )));
        }
        if !self.stack_bytes.is_multiple_of(crate::mem::phys::PAGE_SIZE) {
            return Err(Error::Config(format!(
                "stack size {} is not a multiple of the 4K page size",
                self.stack_bytes
            )));
        }
        if self.ram_bytes < 64 << 10 || self.ram_bytes > 2 << 30 {
            return Err(Error::Config(format!(
                "RAM size {} is out of range (64K..2G)",
                self.ram_bytes
            )));
        }
        if self.clock_hz == 0 {
            return Err(Error::Config("clock frequency must be positive".into()));
        }
        self.caches.validate()?;
        Ok(())
    }
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
    fn validation() {
        assert!(Config::default().validate().is_ok());
        let tiny = Config {
            stack_bytes: 4096,
            ..Config::default()
        };
        assert!(tiny.validate().is_err());
    }
}
