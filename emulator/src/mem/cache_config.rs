//! Cache hierarchy configuration: per-level geometry and policies, Spike-style `SETS:WAYS:BLOCK`
//! parsing, validation with one-line errors, and the DESIGN.md §7 defaults. Serde-ready so a
//! TOML file can hold it.

use serde::{Deserialize, Serialize};

use crate::config::format_size;
use crate::error::{Error, Result};
use crate::mem::replacement::Policy;

/// What a write hit does to the level below.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WritePolicy {
    /// Mark the line dirty; write it to the next level only when it is evicted.
    #[default]
    WriteBack,
    /// Pass every write on to the next level; lines are never dirty.
    WriteThrough,
}

/// What a write miss does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AllocPolicy {
    /// Bring the line in (fetching it unless the write covers the whole line), then write.
    #[default]
    WriteAllocate,
    /// Leave the cache unchanged and send the write to the next level.
    NoWriteAllocate,
}

impl std::str::FromStr for WritePolicy {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "back" | "write-back" | "wb" => Ok(WritePolicy::WriteBack),
            "through" | "write-through" | "wt" => Ok(WritePolicy::WriteThrough),
            _ => Err(format!("unknown write policy '{s}' (back, through)")),
        }
    }
}

impl std::str::FromStr for AllocPolicy {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "write" | "write-allocate" | "wa" => Ok(AllocPolicy::WriteAllocate),
            "no-write" | "no-write-allocate" | "nwa" => Ok(AllocPolicy::NoWriteAllocate),
            _ => Err(format!("unknown allocate policy '{s}' (write, no-write)")),
        }
    }
}

/// Largest level rvscope models (tags for it already take 16 M entries at 64 B lines).
pub const MAX_LEVEL_BYTES: u64 = 1 << 30;
/// Tree-PLRU keeps a set's tree in one 64-bit word.
pub const MAX_PLRU_WAYS: u32 = 64;

/// One cache level: geometry, policies and hit latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelConfig {
    /// Number of sets (a power of two).
    pub sets: u32,
    /// Associativity (ways per set, ≥ 1).
    pub ways: u32,
    /// Line (block) size in bytes (a power of two).
    pub line_bytes: u32,
    /// Replacement policy.
    #[serde(default)]
    pub policy: Policy,
    /// Write hit policy.
    #[serde(default)]
    pub write: WritePolicy,
    /// Write miss policy.
    #[serde(default)]
    pub alloc: AllocPolicy,
    /// Cycles to look this level up (charged to every access that reaches it).
    pub latency_cycles: u32,
}

impl LevelConfig {
    /// A level of `sets × ways` lines of `line_bytes`, LRU, write-back, write-allocate (not
    /// validated: callers that take user input use [`LevelConfig::from_size`] or the parsers).
    pub fn lru_write_back(sets: u32, ways: u32, line_bytes: u32, latency_cycles: u32) -> Self {
        LevelConfig {
            sets,
            ways,
            line_bytes,
            policy: Policy::Lru,
            write: WritePolicy::WriteBack,
            alloc: AllocPolicy::WriteAllocate,
            latency_cycles,
        }
    }

    /// A level of `size_bytes` with `ways` ways and `line_bytes` lines, LRU, write-back,
    /// write-allocate. Fails if the size is not `sets × ways × line` with `sets` a power of two.
    pub fn from_size(
        name: &str,
        size_bytes: u64,
        ways: u32,
        line_bytes: u32,
        latency_cycles: u32,
    ) -> Result<Self> {
        let per_set = ways as u64 * line_bytes as u64;
        if per_set == 0 || !size_bytes.is_multiple_of(per_set) {
            return Err(Error::Config(format!(
                "{name}: size {size_bytes} is not a multiple of ways × line ({ways} × {line_bytes})"
            )));
        }
        let sets = u32::try_from(size_bytes / per_set)
            .map_err(|_| Error::Config(format!("{name}: size {size_bytes} is too large")))?;
        let level = LevelConfig::lru_write_back(sets, ways, line_bytes, latency_cycles);
        level.validate(name)?;
        Ok(level)
    }

    /// Parses Spike's `SETS:WAYS:BLOCK` (e.g. `64:8:64`) and keeps this level's policies and
    /// latency.
    pub fn with_geometry(self, name: &str, spec: &str) -> Result<Self> {
        let bad = |why: &str| Error::Config(format!("{name}={spec}: {why}"));
        let fields: Vec<&str> = spec.split(':').collect();
        let [sets, ways, line] = fields[..] else {
            return Err(bad("expected SETS:WAYS:BLOCK, e.g. 64:8:64"));
        };
        let num = |what: &str, text: &str| -> Result<u32> {
            text.trim()
                .parse::<u32>()
                .map_err(|_| bad(&format!("{what} '{text}' is not a number")))
        };
        let level = LevelConfig {
            sets: num("SETS", sets)?,
            ways: num("WAYS", ways)?,
            line_bytes: num("BLOCK", line)?,
            ..self
        };
        level.check().map_err(|why| bad(&why))?;
        Ok(level)
    }

    /// Total capacity in bytes.
    pub fn size_bytes(&self) -> u64 {
        self.sets as u64 * self.ways as u64 * self.line_bytes as u64
    }

    /// Checks the geometry and policy make a cache rvscope can model; the one-line error starts
    /// with `name`.
    pub fn validate(&self, name: &str) -> Result<()> {
        self.check()
            .map_err(|why| Error::Config(format!("{name}: {why}")))
    }

    /// Why this level cannot be modelled, if it cannot.
    fn check(&self) -> std::result::Result<(), String> {
        let err = Err;
        if self.sets == 0 || !self.sets.is_power_of_two() {
            return err(format!("{} sets is not a power of two", self.sets));
        }
        if self.ways == 0 {
            return err("a cache needs at least one way".into());
        }
        if self.line_bytes == 0 || !self.line_bytes.is_power_of_two() {
            return err(format!(
                "line size {} is not a power of two",
                self.line_bytes
            ));
        }
        if self.size_bytes() > MAX_LEVEL_BYTES {
            return err(format!(
                "{} bytes is larger than the {} MiB rvscope models",
                self.size_bytes(),
                MAX_LEVEL_BYTES >> 20
            ));
        }
        if self.policy == Policy::TreePlru
            && (!self.ways.is_power_of_two() || self.ways > MAX_PLRU_WAYS)
        {
            return err(format!(
                "tree-plru needs a power-of-two number of ways up to {MAX_PLRU_WAYS}, not {}",
                self.ways
            ));
        }
        Ok(())
    }

    /// The DESIGN.md §7 L1 (instruction or data): 32 KiB, 8-way, 64 B lines, 4 cycles.
    pub fn default_l1() -> Self {
        LevelConfig {
            sets: 64,
            ways: 8,
            line_bytes: 64,
            policy: Policy::Lru,
            write: WritePolicy::WriteBack,
            alloc: AllocPolicy::WriteAllocate,
            latency_cycles: 4,
        }
    }

    /// The DESIGN.md §7 L2: 256 KiB, 8-way, 64 B lines, 12 cycles.
    pub fn default_l2() -> Self {
        LevelConfig {
            sets: 512,
            latency_cycles: 12,
            ..Self::default_l1()
        }
    }

    /// The DESIGN.md §7 L3: 4 MiB, 16-way, 64 B lines, 40 cycles.
    pub fn default_l3() -> Self {
        LevelConfig {
            sets: 4096,
            ways: 16,
            latency_cycles: 40,
            ..Self::default_l1()
        }
    }
}

/// Changes to one level in the user's terms — size, ways, line — as the `--l1d-size`-style flags
/// and a TOML `[caches.l1d]` table give them. Unset fields keep the level's current value; the
/// number of sets follows from `size / (ways × line)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LevelOverrides {
    /// Total capacity in bytes.
    pub size_bytes: Option<u64>,
    /// Associativity.
    pub ways: Option<u32>,
    /// Line size in bytes.
    pub line_bytes: Option<u32>,
    /// Replacement policy.
    pub policy: Option<Policy>,
    /// Write hit policy.
    pub write: Option<WritePolicy>,
    /// Write miss policy.
    pub alloc: Option<AllocPolicy>,
    /// Hit latency in cycles.
    pub latency_cycles: Option<u32>,
}

/// Which user-facing setting of a level an override error is about (its TOML key, and the suffix
/// of its `--l1d-…` flag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LevelKey {
    /// `size`
    Size,
    /// `ways`
    Ways,
    /// `line`
    Line,
    /// `policy`
    Policy,
}

impl LevelKey {
    /// The key as written in TOML and in the flag's name.
    pub fn name(self) -> &'static str {
        match self {
            LevelKey::Size => "size",
            LevelKey::Ways => "ways",
            LevelKey::Line => "line",
            LevelKey::Policy => "policy",
        }
    }
}

impl LevelOverrides {
    /// Nothing to change.
    pub fn is_empty(&self) -> bool {
        *self == LevelOverrides::default()
    }

    /// `base` with these changes, checked. On error, returns the setting at fault and a one-line
    /// reason (the caller names it as a flag or a TOML key).
    pub fn apply(&self, base: LevelConfig) -> std::result::Result<LevelConfig, (LevelKey, String)> {
        let size = self.size_bytes.unwrap_or_else(|| base.size_bytes());
        let ways = self.ways.unwrap_or(base.ways);
        let line = self.line_bytes.unwrap_or(base.line_bytes);
        if ways == 0 {
            return Err((LevelKey::Ways, "a cache needs at least one way".into()));
        }
        if line == 0 || !line.is_power_of_two() {
            return Err((
                LevelKey::Line,
                format!("line size {line} is not a power of two"),
            ));
        }
        if u64::from(line) > size {
            return Err((
                LevelKey::Line,
                format!(
                    "line size {line} is larger than the level ({})",
                    format_size(size)
                ),
            ));
        }
        let per_set = u64::from(ways) * u64::from(line);
        if !size.is_multiple_of(per_set) {
            return Err((
                LevelKey::Size,
                format!(
                    "size {} is not a multiple of ways × line ({ways} × {line})",
                    format_size(size)
                ),
            ));
        }
        if size > MAX_LEVEL_BYTES {
            return Err((
                LevelKey::Size,
                format!(
                    "size {} is larger than the {} MiB rvscope models",
                    format_size(size),
                    MAX_LEVEL_BYTES >> 20
                ),
            ));
        }
        let sets = size / per_set;
        if !sets.is_power_of_two() {
            return Err((
                LevelKey::Size,
                format!(
                    "size {} gives {sets} sets of {ways} × {line} B, not a power of two",
                    format_size(size)
                ),
            ));
        }
        let level = LevelConfig {
            // size ≤ MAX_LEVEL_BYTES, so the set count fits.
            sets: sets as u32,
            ways,
            line_bytes: line,
            policy: self.policy.unwrap_or(base.policy),
            write: self.write.unwrap_or(base.write),
            alloc: self.alloc.unwrap_or(base.alloc),
            latency_cycles: self.latency_cycles.unwrap_or(base.latency_cycles),
        };
        // What is left is the replacement policy's own constraint (tree-PLRU ways).
        level.check().map_err(|why| (LevelKey::Policy, why))?;
        Ok(level)
    }
}

/// Default RAM latency per line transfer (DESIGN.md §7).
pub const DEFAULT_RAM_LATENCY_CYCLES: u32 = 200;

/// The whole hierarchy: split L1, optional unified L2 and L3, then RAM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HierarchyConfig {
    /// L1 instruction cache.
    pub l1i: LevelConfig,
    /// L1 data cache.
    pub l1d: LevelConfig,
    /// Unified L2 (none: L1 misses go to the L3 or RAM).
    pub l2: Option<LevelConfig>,
    /// Unified L3 (none: L2 misses go to RAM).
    pub l3: Option<LevelConfig>,
    /// Cycles of one RAM access (a line fill or a write reaching memory).
    pub ram_latency_cycles: u32,
    /// Seed of the random replacement policy's generators (each level derives its own).
    #[serde(default)]
    pub seed: u64,
    /// Classify misses as compulsory/capacity/conflict (costs a shadow fully associative cache
    /// per level).
    #[serde(default = "yes")]
    pub classify_misses: bool,
}

fn yes() -> bool {
    true
}

impl Default for HierarchyConfig {
    fn default() -> Self {
        HierarchyConfig {
            l1i: LevelConfig::default_l1(),
            l1d: LevelConfig::default_l1(),
            l2: Some(LevelConfig::default_l2()),
            l3: Some(LevelConfig::default_l3()),
            ram_latency_cycles: DEFAULT_RAM_LATENCY_CYCLES,
            seed: 0,
            classify_misses: true,
        }
    }
}

impl HierarchyConfig {
    /// Checks every level (errors name the level: `L1I`, `L1D`, `L2`, `L3`).
    pub fn validate(&self) -> Result<()> {
        self.l1i.validate("L1I")?;
        self.l1d.validate("L1D")?;
        if let Some(l2) = &self.l2 {
            l2.validate("L2")?;
        }
        if let Some(l3) = &self.l3 {
            l3.validate("L3")?;
        }
        Ok(())
    }

    /// Applies one replacement/write/allocate choice to every level.
    pub fn set_policies(
        &mut self,
        policy: Option<Policy>,
        write: Option<WritePolicy>,
        alloc: Option<AllocPolicy>,
    ) {
        let levels = [
            Some(&mut self.l1i),
            Some(&mut self.l1d),
            self.l2.as_mut(),
            self.l3.as_mut(),
        ];
        for level in levels.into_iter().flatten() {
            if let Some(p) = policy {
                level.policy = p;
            }
            if let Some(w) = write {
                level.write = w;
            }
            if let Some(a) = alloc {
                level.alloc = a;
            }
        }
    }

    /// Applies Spike-style flags: `--ic`, `--dc`, `--l2` take `SETS:WAYS:BLOCK`; `--l2` and
    /// `--l3` also take `none`.
    pub fn apply_spike_flags(
        &mut self,
        ic: Option<&str>,
        dc: Option<&str>,
        l2: Option<&str>,
        l3: Option<&str>,
    ) -> Result<()> {
        if let Some(spec) = ic {
            self.l1i = self.l1i.with_geometry("--ic", spec)?;
        }
        if let Some(spec) = dc {
            self.l1d = self.l1d.with_geometry("--dc", spec)?;
        }
        let lower = |flag: &str, spec: &str, current: Option<LevelConfig>, default: LevelConfig| {
            if spec.eq_ignore_ascii_case("none") {
                Ok(None)
            } else {
                current
                    .unwrap_or(default)
                    .with_geometry(flag, spec)
                    .map(Some)
            }
        };
        if let Some(spec) = l2 {
            self.l2 = lower("--l2", spec, self.l2, LevelConfig::default_l2())?;
        }
        if let Some(spec) = l3 {
            self.l3 = lower("--l3", spec, self.l3, LevelConfig::default_l3())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_design_section_7() {
        let c = HierarchyConfig::default();
        assert_eq!(c.l1i.size_bytes(), 32 << 10);
        assert_eq!(c.l1d.size_bytes(), 32 << 10);
        assert_eq!(
            (c.l1d.ways, c.l1d.line_bytes, c.l1d.latency_cycles),
            (8, 64, 4)
        );
        let l2 = c.l2.unwrap();
        assert_eq!(
            (l2.size_bytes(), l2.ways, l2.latency_cycles),
            (256 << 10, 8, 12)
        );
        let l3 = c.l3.unwrap();
        assert_eq!(
            (l3.size_bytes(), l3.ways, l3.latency_cycles),
            (4 << 20, 16, 40)
        );
        assert_eq!(c.ram_latency_cycles, 200);
        c.validate().unwrap();
        assert_eq!(
            LevelConfig::from_size("L2", 256 << 10, 8, 64, 12).unwrap(),
            l2
        );
    }

    #[test]
    fn spike_flags() {
        let mut c = HierarchyConfig::default();
        c.apply_spike_flags(
            Some("128:2:32"),
            Some("64:4:16"),
            Some("none"),
            Some("1024:16:64"),
        )
        .unwrap();
        assert_eq!((c.l1i.sets, c.l1i.ways, c.l1i.line_bytes), (128, 2, 32));
        assert_eq!((c.l1d.sets, c.l1d.ways, c.l1d.line_bytes), (64, 4, 16));
        assert_eq!(c.l1d.latency_cycles, 4);
        assert!(c.l2.is_none());
        assert_eq!(c.l3.unwrap().sets, 1024);
        c.apply_spike_flags(None, None, Some("256:8:64"), Some("NONE"))
            .unwrap();
        assert_eq!(c.l2.unwrap().latency_cycles, 12);
        assert!(c.l3.is_none());
    }

    #[test]
    fn bad_geometry_is_one_line_naming_the_flag() {
        for (spec, needle) in [
            ("63:8:64", "63 sets is not a power of two"),
            ("64:0:64", "at least one way"),
            ("64:8:48", "line size 48"),
            ("64:8:0", "line size 0"),
            ("64:8", "expected SETS:WAYS:BLOCK"),
            ("64:x:64", "WAYS 'x' is not a number"),
            ("1048576:64:64", "larger than"),
            ("", "expected SETS:WAYS:BLOCK"),
        ] {
            let mut c = HierarchyConfig::default();
            let e = c
                .apply_spike_flags(None, Some(spec), None, None)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(&format!("--dc={spec}: ")), "{e}");
            assert!(e.contains(needle), "{spec}: {e}");
            assert_eq!(e.lines().count(), 1, "{e}");
        }
        let e = LevelConfig::from_size("L1D", 48 << 10, 8, 64, 4).unwrap_err();
        assert!(e.to_string().contains("not a power of two"), "{e}");
        let e = LevelConfig::from_size("L1D", 1000, 8, 64, 4).unwrap_err();
        assert!(e.to_string().contains("not a multiple"), "{e}");
    }

    #[test]
    fn overrides_keep_what_they_do_not_name() {
        let base = LevelConfig::default_l1();
        assert_eq!(LevelOverrides::default().apply(base), Ok(base));
        let o = LevelOverrides {
            ways: Some(4),
            latency_cycles: Some(3),
            ..Default::default()
        };
        let l = o.apply(base).unwrap();
        assert_eq!(
            (l.size_bytes(), l.sets, l.ways, l.line_bytes),
            (32 << 10, 128, 4, 64)
        );
        assert_eq!(l.latency_cycles, 3);
        let o = LevelOverrides {
            size_bytes: Some(1 << 20),
            line_bytes: Some(128),
            policy: Some(Policy::Fifo),
            ..Default::default()
        };
        let l = o.apply(base).unwrap();
        assert_eq!(
            (l.sets, l.ways, l.line_bytes, l.policy),
            (1024, 8, 128, Policy::Fifo)
        );
    }

    #[test]
    fn override_errors_name_the_setting() {
        let base = LevelConfig::default_l1();
        let o = |size, ways, line| LevelOverrides {
            size_bytes: size,
            ways,
            line_bytes: line,
            ..Default::default()
        };
        for (o, key, needle) in [
            (o(Some(48 << 10), None, None), LevelKey::Size, "96 sets"),
            (o(Some(1000), None, None), LevelKey::Size, "not a multiple"),
            (
                o(Some(2 << 30), None, None),
                LevelKey::Size,
                "larger than the 1024 MiB",
            ),
            (o(None, Some(0), None), LevelKey::Ways, "at least one way"),
            (
                o(None, None, Some(48)),
                LevelKey::Line,
                "not a power of two",
            ),
            (
                o(Some(64), Some(1), Some(128)),
                LevelKey::Line,
                "larger than the level",
            ),
        ] {
            let (k, why) = o.apply(base).unwrap_err();
            assert_eq!(k, key, "{why}");
            assert!(why.contains(needle), "{why}");
        }
        let plru = LevelOverrides {
            ways: Some(6),
            size_bytes: Some(24 << 10),
            policy: Some(Policy::TreePlru),
            ..Default::default()
        };
        assert_eq!(plru.apply(base).unwrap_err().0, LevelKey::Policy);
    }

    #[test]
    fn plru_needs_power_of_two_ways() {
        let mut c = HierarchyConfig::default();
        c.apply_spike_flags(None, Some("64:6:64"), None, None)
            .unwrap();
        c.set_policies(Some(Policy::TreePlru), None, None);
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with("L1D: tree-plru"), "{e}");
    }

    #[test]
    fn serde_round_trip() {
        let mut c = HierarchyConfig::default();
        c.set_policies(
            Some(Policy::TreePlru),
            Some(WritePolicy::WriteThrough),
            Some(AllocPolicy::NoWriteAllocate),
        );
        c.l3 = None;
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains("\"tree-plru\"") && json.contains("\"no-write-allocate\""));
        let back: HierarchyConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn policy_words() {
        assert_eq!("through".parse(), Ok(WritePolicy::WriteThrough));
        assert_eq!("back".parse(), Ok(WritePolicy::WriteBack));
        assert_eq!("no-write".parse(), Ok(AllocPolicy::NoWriteAllocate));
        assert_eq!("write".parse(), Ok(AllocPolicy::WriteAllocate));
        assert!("sometimes".parse::<WritePolicy>().is_err());
    }
}
