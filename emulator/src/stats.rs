//! Run statistics: what `--stats` prints and `--stats-file` writes as JSON.
//!
//! The JSON schema is versioned (`schema`); fields are only ever added within a version.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::isa::InsnClass;
use crate::machine::{Machine, Outcome};
use crate::mem::phys::PAGE_SIZE;
use crate::os::layout::Region;

/// Version tag of the JSON statistics.
pub const STATS_SCHEMA: &str = "rvscope-stats/1";

/// Loads and stores of one region.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RegionAccesses {
    /// Loads (LR and AMO reads included).
    pub loads: u64,
    /// Stores (SC and AMO writes included).
    pub stores: u64,
    /// Pages mapped on first touch.
    pub minor_faults: u64,
}

/// How the program ended, for the JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExitInfo {
    /// `exited`, `signaled`, `insn-limit` or `running`.
    pub how: &'static str,
    /// Exit status as a shell sees it.
    pub status: Option<u8>,
    /// Signal name if killed.
    pub signal: Option<&'static str>,
}

/// All statistics of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Schema version, [`STATS_SCHEMA`].
    pub schema: &'static str,
    /// How the run ended.
    pub exit: ExitInfo,
    /// Instructions retired.
    pub instructions: u64,
    /// Cycles (functional model: one per instruction plus kernel time).
    pub cycles: u64,
    /// Timing model in use.
    pub timing: &'static str,
    /// Retired instructions per class.
    pub instruction_mix: BTreeMap<&'static str, u64>,
    /// Memory accesses per region.
    pub regions: BTreeMap<&'static str, RegionAccesses>,
    /// System calls made.
    pub syscalls: u64,
    /// Peak resident memory (frames in use) in bytes.
    pub peak_resident_bytes: u64,
    /// Simulated RAM in bytes.
    pub ram_bytes: u64,
}

impl Stats {
    /// Gathers the statistics of `m`.
    pub fn collect(m: &Machine) -> Stats {
        let mix = m.instruction_mix();
        let instruction_mix = InsnClass::ALL
            .iter()
            .map(|c| (c.name(), mix[*c as usize]))
            .collect();
        let counts = &m.mem.counts;
        let faults = &m.kernel.process.paging.minor_faults;
        let regions = Region::ALL
            .iter()
            .filter(|r| **r != Region::Kernel)
            .map(|r| {
                let i = *r as usize;
                (
                    r.name(),
                    RegionAccesses {
                        loads: counts.loads[i],
                        stores: counts.stores[i],
                        minor_faults: faults[i],
                    },
                )
            })
            .collect();
        let exit = match m.outcome() {
            None => ExitInfo {
                how: "running",
                status: None,
                signal: None,
            },
            Some(o @ Outcome::Exited(_)) => ExitInfo {
                how: "exited",
                status: Some(o.exit_status()),
                signal: None,
            },
            Some(o @ Outcome::Signaled { signal, .. }) => ExitInfo {
                how: "signaled",
                status: Some(o.exit_status()),
                signal: Some(signal.name()),
            },
            Some(o @ Outcome::InsnLimit(_)) => ExitInfo {
                how: "insn-limit",
                status: Some(o.exit_status()),
                signal: None,
            },
        };
        Stats {
            schema: STATS_SCHEMA,
            exit,
            instructions: m.hart.instret,
            cycles: m.hart.cycles(),
            timing: "functional",
            instruction_mix,
            regions,
            syscalls: m.kernel.syscalls,
            peak_resident_bytes: m.mem.ram.peak_frames_in_use() as u64 * PAGE_SIZE as u64,
            ram_bytes: m.mem.ram.frame_count() as u64 * PAGE_SIZE as u64,
        }
    }

    /// The human-readable table `--stats` prints.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "== rvscope statistics ==");
        let _ = writeln!(s, "instructions  {:>14}", self.instructions);
        let _ = writeln!(
            s,
            "cycles        {:>14}   ({} model)",
            self.cycles, self.timing
        );
        let _ = writeln!(s, "syscalls      {:>14}", self.syscalls);
        let _ = writeln!(
            s,
            "peak resident {:>11} KiB   (of {} KiB RAM)",
            self.peak_resident_bytes / 1024,
            self.ram_bytes / 1024
        );
        let _ = writeln!(s, "-- instruction mix --");
        for (class, n) in &self.instruction_mix {
            if *n > 0 {
                let _ = writeln!(
                    s,
                    "  {class:<8} {n:>14}  {:>5.1}%",
                    percent(*n, self.instructions)
                );
            }
        }
        let _ = writeln!(s, "-- memory accesses by region --");
        let _ = writeln!(
            s,
            "  {:<8} {:>14} {:>14} {:>12}",
            "region", "loads", "stores", "page faults"
        );
        let (mut tl, mut ts, mut tf) = (0, 0, 0);
        let in_layout_order = Region::ALL
            .iter()
            .filter_map(|r| self.regions.get_key_value(r.name()));
        for (region, a) in in_layout_order {
            tl += a.loads;
            ts += a.stores;
            tf += a.minor_faults;
            if a.loads + a.stores + a.minor_faults > 0 {
                let _ = writeln!(
                    s,
                    "  {region:<8} {:>14} {:>14} {:>12}",
                    a.loads, a.stores, a.minor_faults
                );
            }
        }
        let _ = writeln!(s, "  {:<8} {tl:>14} {ts:>14} {tf:>12}", "total");
        s
    }
}

/// `n` as a percentage of `total` (0 when `total` is 0), for the statistics tables.
pub fn percent(n: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        100.0 * n as f64 / total as f64
    }
}
