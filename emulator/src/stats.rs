//! Run statistics: what `--stats` prints and `--stats-file` writes as JSON.
//!
//! The JSON schema is versioned (`schema`); fields are only ever added within a version.
//!
//! A bare-metal run (`machine: "bare"`) has no kernel and no process layout: its `regions` map
//! is empty and `syscalls`, `peak_resident_bytes`, `resident_pages` and `page_table_frames` are
//! 0 (the program owns all of RAM; its page tables, if any, are its own data). Its loads and
//! stores are in the `loads`/`stores` totals, which both kinds of run report.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::config::Config;
use crate::isa::InsnClass;
use crate::machine::{BareMachine, Core, Machine, Outcome};
use crate::mem::hierarchy::HierarchyStats;
use crate::mem::phys::PAGE_SIZE;
use crate::mmu::model::{TlbModel, WalkStats};
use crate::os::layout::Region;
use crate::timing::{CpiStack, PipelineConfig};

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
    /// Pages brought back from swap.
    pub major_faults: u64,
}

/// Demand paging and swap (process runs; DESIGN.md §6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PagingReport {
    /// Victim selection: `clock`, `fifo` or `lru`.
    pub page_policy: &'static str,
    /// Swap device size in bytes (0: no swap).
    pub swap_bytes: u64,
    /// Page faults served by zero-filling or copying from the ELF (all regions).
    pub minor_faults: u64,
    /// Page faults served from swap (all regions).
    pub major_faults: u64,
    /// Pages read from swap (major faults, including the kernel's own fault-ins).
    pub swap_ins: u64,
    /// Dirty pages written to swap.
    pub swap_outs: u64,
    /// Clean pages evicted without a write.
    pub clean_drops: u64,
    /// Most user pages resident at once.
    pub resident_peak_pages: u32,
    /// Most swap slots in use at once.
    pub swap_peak_slots: u32,
    /// Swap slots in use at the end.
    pub swap_slots_in_use: u32,
    /// Kernel cycles spent on page faults and swap transfers.
    pub paging_cycles: u64,
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

/// One modelled TLB.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlbReport {
    /// Entries.
    pub entries: u32,
    /// Ways (entries for fully associative).
    pub ways: u32,
    /// Accesses (one per fetch for the I-TLB, per load/store/AMO for the D-TLB).
    pub accesses: u64,
    /// Hits.
    pub hits: u64,
    /// Misses (each one starts a walk).
    pub misses: u64,
    /// `sfence.vma` operations applied (the kernel's after each unmap included).
    pub flushes: u64,
}

impl TlbReport {
    fn of(t: &TlbModel) -> TlbReport {
        let s = t.stats();
        TlbReport {
            entries: t.config().entries(),
            ways: t.config().ways(),
            accesses: s.hits + s.misses,
            hits: s.hits,
            misses: s.misses,
            flushes: s.flushes,
        }
    }
}

/// The MMU's figures (present unless the timing mode is functional).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MmuReport {
    /// Instruction TLB.
    pub itlb: TlbReport,
    /// Data TLB.
    pub dtlb: TlbReport,
    /// Page-table walks.
    pub walks: WalkStats,
}

/// The pipeline model's settings and counts (absent in the functional timing mode).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PipelineReport {
    /// Settings.
    #[serde(flatten)]
    pub config: PipelineConfig,
    /// Conditional branches retired.
    pub branches: u64,
    /// Of which mispredicted.
    pub mispredictions: u64,
}

/// All statistics of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// Schema version, [`STATS_SCHEMA`].
    pub schema: &'static str,
    /// `process` (`rvscope run`) or `bare` (`rvscope run --bare`).
    pub machine: &'static str,
    /// How the run ended.
    pub exit: ExitInfo,
    /// Instructions retired.
    pub instructions: u64,
    /// Cycles (functional model: one per instruction plus kernel time); the sum of
    /// `cpi_stack`.
    pub cycles: u64,
    /// Cycles per instruction.
    pub cpi: f64,
    /// Cycles per component (see `timing/mod.rs` for the rules); they sum to `cycles`.
    pub cpi_stack: CpiStack,
    /// Timing model in use.
    pub timing: &'static str,
    /// The pipeline model (absent in the functional timing mode).
    pub pipeline: Option<PipelineReport>,
    /// Retired instructions per class.
    pub instruction_mix: BTreeMap<&'static str, u64>,
    /// Loads in total (LR and AMO reads included).
    pub loads: u64,
    /// Stores in total (SC and AMO writes included).
    pub stores: u64,
    /// Memory accesses per region (empty for a bare-metal run).
    pub regions: BTreeMap<&'static str, RegionAccesses>,
    /// System calls made.
    pub syscalls: u64,
    /// Peak resident memory (frames in use) in bytes.
    pub peak_resident_bytes: u64,
    /// Simulated RAM in bytes.
    pub ram_bytes: u64,
    /// User pages mapped at the end.
    pub resident_pages: u32,
    /// Frames holding the process's page tables at the end.
    pub page_table_frames: u32,
    /// TLBs and walks (absent in the functional timing mode).
    pub mmu: Option<MmuReport>,
    /// The cache hierarchy (absent unless the timing mode models caches).
    pub caches: Option<HierarchyStats>,
    /// Paging and swap (absent for a bare-metal run).
    pub paging: Option<PagingReport>,
    /// The program's `rvscope_stats_snapshot()` requests, in order (empty if it made none).
    pub snapshots: Vec<Snapshot>,
}

/// The key counters at one `rvscope_stats_snapshot()` (cumulative since the start of the run;
/// the `--stats` table shows the differences between consecutive snapshots).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// The label given (`rvscope_stats_snapshot_named`), empty for none.
    pub name: String,
    /// Instructions retired (the snapshot's `ecall` included).
    pub insn: u64,
    /// Cycles.
    pub cycles: u64,
    /// Loads.
    pub loads: u64,
    /// Stores.
    pub stores: u64,
    /// Misses per cache level (`L1I`, `L1D`, `L2`, `L3`; empty when caches are not modelled).
    pub cache_misses: BTreeMap<String, u64>,
    /// I-TLB and D-TLB misses (absent in the functional timing mode).
    pub tlb_misses: Option<u64>,
    /// Minor page faults.
    pub minor_faults: u64,
    /// Major page faults (swap-ins).
    pub major_faults: u64,
}

impl Snapshot {
    /// The snapshot named `name` of the statistics `stats`.
    pub fn of(name: String, stats: &Stats) -> Snapshot {
        Snapshot {
            name,
            insn: stats.instructions,
            cycles: stats.cycles,
            loads: stats.loads,
            stores: stats.stores,
            cache_misses: stats
                .caches
                .iter()
                .flat_map(|c| c.levels.iter().map(|l| (l.level.clone(), l.misses)))
                .collect(),
            tlb_misses: stats.mmu.as_ref().map(|m| m.itlb.misses + m.dtlb.misses),
            minor_faults: stats.paging.as_ref().map_or(0, |p| p.minor_faults),
            major_faults: stats.paging.as_ref().map_or(0, |p| p.major_faults),
        }
    }

    /// `self - earlier`, counter by counter (the name is `self`'s).
    fn since(&self, earlier: &Snapshot) -> Snapshot {
        Snapshot {
            name: self.name.clone(),
            insn: self.insn - earlier.insn,
            cycles: self.cycles - earlier.cycles,
            loads: self.loads - earlier.loads,
            stores: self.stores - earlier.stores,
            cache_misses: self
                .cache_misses
                .iter()
                .map(|(k, v)| {
                    let before = earlier.cache_misses.get(k).copied().unwrap_or(0);
                    (k.clone(), v - before)
                })
                .collect(),
            tlb_misses: self.tlb_misses.map(|m| m - earlier.tlb_misses.unwrap_or(0)),
            minor_faults: self.minor_faults - earlier.minor_faults,
            major_faults: self.major_faults - earlier.major_faults,
        }
    }
}

impl Stats {
    /// Gathers the statistics of `m`.
    pub fn collect(m: &Machine) -> Stats {
        let mut stats = Stats::of_core(m, m.config(), m.outcome(), "process");
        let counts = &m.mem.counts;
        let paging = &m.kernel.process.paging;
        let faults = &paging.minor_faults;
        stats.regions = Region::ALL
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
                        major_faults: paging.major_faults[i],
                    },
                )
            })
            .collect();
        stats.syscalls = m.kernel.syscalls;
        stats.peak_resident_bytes = m.mem.ram.peak_frames_in_use() as u64 * PAGE_SIZE as u64;
        stats.resident_pages = m.mem.resident_user_pages();
        stats.page_table_frames = m.mem.page_tables().map_or(0, |t| t.table_frames());
        let pager = &m.kernel.process.pager;
        stats.paging = Some(PagingReport {
            page_policy: pager.policy().name(),
            swap_bytes: pager.swap_bytes(),
            minor_faults: paging.minor_faults.iter().sum(),
            major_faults: paging.major_faults.iter().sum(),
            swap_ins: pager.counts.swap_ins,
            swap_outs: pager.counts.swap_outs,
            clean_drops: pager.counts.clean_drops,
            resident_peak_pages: pager.counts.resident_peak,
            swap_peak_slots: pager.swap().peak_slots_in_use(),
            swap_slots_in_use: pager.swap().slots_in_use(),
            paging_cycles: paging.paging_cycles,
        });
        stats.snapshots = m.snapshots().to_vec();
        stats
    }

    /// Gathers the statistics of a bare-metal run (see the module comment for what differs).
    pub fn collect_bare(m: &BareMachine) -> Stats {
        Stats::of_core(m, m.config(), m.outcome(), "bare")
    }

    /// What every run has: counts of the core and its models.
    fn of_core(
        core: &Core,
        config: &Config,
        outcome: Option<&Outcome>,
        machine: &'static str,
    ) -> Stats {
        let mix = core.instruction_mix();
        let instruction_mix = InsnClass::ALL
            .iter()
            .map(|c| (c.name(), mix[*c as usize]))
            .collect();
        let exit = match outcome {
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
            Some(o @ Outcome::Interrupted(_)) => ExitInfo {
                how: "interrupted",
                status: Some(o.exit_status()),
                signal: None,
            },
        };
        let mem = &core.mem;
        let cpi_stack = core.hart.cpi_stack(mem);
        let cycles = cpi_stack.total();
        let instructions = core.hart.instret;
        Stats {
            schema: STATS_SCHEMA,
            machine,
            exit,
            instructions,
            cycles,
            cpi: if instructions == 0 {
                0.0
            } else {
                cycles as f64 / instructions as f64
            },
            cpi_stack,
            timing: config.timing.name(),
            pipeline: core.hart.pipeline.as_ref().map(|p| PipelineReport {
                config: *p.config(),
                branches: mix[InsnClass::Branch as usize],
                mispredictions: p.hazards().mispredictions,
            }),
            instruction_mix,
            loads: mem.counts.loads.iter().sum(),
            stores: mem.counts.stores.iter().sum(),
            regions: BTreeMap::new(),
            syscalls: 0,
            peak_resident_bytes: 0,
            ram_bytes: mem.ram.frame_count() as u64 * PAGE_SIZE as u64,
            resident_pages: 0,
            page_table_frames: 0,
            mmu: mem.tlbs().map(|t| MmuReport {
                itlb: TlbReport::of(&t.itlb),
                dtlb: TlbReport::of(&t.dtlb),
                walks: mem.walks,
            }),
            caches: mem.caches().map(|c| c.stats()),
            paging: None,
            snapshots: Vec::new(),
        }
    }

    /// The human-readable table `--stats` prints.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "== rvscope statistics ==");
        let _ = writeln!(s, "instructions  {:>14}", self.instructions);
        match self.timing {
            "functional" => {
                let _ = writeln!(
                    s,
                    "cycles        {:>14}   (functional model: 1 per instruction + kernel time)",
                    self.cycles
                );
            }
            timing => {
                let _ = writeln!(s, "cycles        {:>14}   ({timing} model)", self.cycles);
            }
        }
        let _ = writeln!(s, "CPI           {:>14.3}", self.cpi);
        let bare = self.machine == "bare";
        if bare {
            let _ = writeln!(s, "loads         {:>14}", self.loads);
            let _ = writeln!(s, "stores        {:>14}", self.stores);
            let _ = writeln!(s, "RAM           {:>11} KiB", self.ram_bytes / 1024);
        } else {
            let _ = writeln!(s, "syscalls      {:>14}", self.syscalls);
            let _ = writeln!(
                s,
                "peak resident {:>11} KiB   (of {} KiB RAM)",
                self.peak_resident_bytes / 1024,
                self.ram_bytes / 1024
            );
        }
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
        self.cpi_text(&mut s);
        if !bare {
            self.regions_text(&mut s);
        }
        self.models_text(&mut s);
        self.snapshots_text(&mut s);
        s
    }

    /// The counters between consecutive snapshots: from the start to the first, …, from the
    /// last to the end of the run.
    fn snapshots_text(&self, s: &mut String) {
        if self.snapshots.is_empty() {
            return;
        }
        let end = Snapshot::of("(end)".into(), self);
        // In the hierarchy's order: L1I, L1D, L2, L3.
        let levels: Vec<String> = self
            .caches
            .iter()
            .flat_map(|c| c.levels.iter().map(|l| l.level.clone()))
            .collect();
        let _ = writeln!(s, "-- between snapshots (rvscope_stats_snapshot) --");
        let _ = write!(
            s,
            "  {:<16} {:>12} {:>12} {:>7} {:>10} {:>10}",
            "up to", "insns", "cycles", "CPI", "loads", "stores"
        );
        for l in &levels {
            let _ = write!(s, " {:>9}", format!("{l} miss"));
        }
        let _ = writeln!(s, " {:>9} {:>7} {:>7}", "TLB miss", "minor", "major");
        let mut before = Snapshot::default();
        for (i, snap) in self
            .snapshots
            .iter()
            .chain(std::iter::once(&end))
            .enumerate()
        {
            let d = snap.since(&before);
            let label = if snap.name.is_empty() {
                format!("#{}", i + 1)
            } else {
                snap.name.clone()
            };
            let cpi = if d.insn == 0 {
                0.0
            } else {
                d.cycles as f64 / d.insn as f64
            };
            let _ = write!(
                s,
                "  {label:<16} {:>12} {:>12} {cpi:>7.3} {:>10} {:>10}",
                d.insn, d.cycles, d.loads, d.stores
            );
            for l in &levels {
                let _ = write!(s, " {:>9}", d.cache_misses.get(l).copied().unwrap_or(0));
            }
            let tlb = d.tlb_misses.map_or("-".to_owned(), |m| m.to_string());
            let _ = writeln!(s, " {tlb:>9} {:>7} {:>7}", d.minor_faults, d.major_faults);
            before = snap.clone();
        }
    }

    /// The CPI stack (and the predictor's figures).
    fn cpi_text(&self, s: &mut String) {
        let _ = writeln!(s, "-- CPI stack --");
        let _ = writeln!(
            s,
            "  {:<12} {:>14} {:>8} {:>7}",
            "component", "cycles", "CPI", "share"
        );
        let per_insn = |c: u64| {
            if self.instructions == 0 {
                0.0
            } else {
                c as f64 / self.instructions as f64
            }
        };
        for (name, c) in self.cpi_stack.components() {
            let _ = writeln!(
                s,
                "  {name:<12} {c:>14} {:>8.3} {:>6.1}%",
                per_insn(c),
                percent(c, self.cycles)
            );
        }
        let _ = writeln!(
            s,
            "  {:<12} {:>14} {:>8.3} {:>6.1}%",
            "total",
            self.cycles,
            self.cpi,
            percent(self.cycles, self.cycles)
        );
        if let Some(p) = &self.pipeline {
            let forwarding = match p.config.forwarding {
                crate::timing::Forwarding::On => "on",
                crate::timing::Forwarding::Off => "off",
            };
            let _ = writeln!(
                s,
                "  predictor {}: {} of {} branches mispredicted ({:.2}%); forwarding {forwarding}; mul {} / div {} cycles",
                p.config.predictor,
                p.mispredictions,
                p.branches,
                percent(p.mispredictions, p.branches),
                p.config.mul_latency_cycles,
                p.config.div_latency_cycles
            );
        }
    }

    /// The per-region table and the resident-set line (process runs).
    fn regions_text(&self, s: &mut String) {
        let _ = writeln!(s, "-- memory accesses by region --");
        let _ = writeln!(
            s,
            "  {:<8} {:>14} {:>14} {:>12} {:>12}",
            "region", "loads", "stores", "minor faults", "major faults"
        );
        let (mut tl, mut ts, mut tf, mut tm) = (0, 0, 0, 0);
        let in_layout_order = Region::ALL
            .iter()
            .filter_map(|r| self.regions.get_key_value(r.name()));
        for (region, a) in in_layout_order {
            tl += a.loads;
            ts += a.stores;
            tf += a.minor_faults;
            tm += a.major_faults;
            if a.loads + a.stores + a.minor_faults + a.major_faults > 0 {
                let _ = writeln!(
                    s,
                    "  {region:<8} {:>14} {:>14} {:>12} {:>12}",
                    a.loads, a.stores, a.minor_faults, a.major_faults
                );
            }
        }
        let _ = writeln!(s, "  {:<8} {tl:>14} {ts:>14} {tf:>12} {tm:>12}", "total");
        let _ = writeln!(
            s,
            "resident      {:>10} pages   (+{} page-table frames)",
            self.resident_pages, self.page_table_frames
        );
        if let Some(p) = &self.paging {
            let _ = writeln!(
                s,
                "-- paging ({} policy, {} KiB swap) --",
                p.page_policy,
                p.swap_bytes / 1024
            );
            let _ = writeln!(
                s,
                "  faults minor {:>12}   major {:>12}   paging cycles {:>14}  {:>5.1}%",
                p.minor_faults,
                p.major_faults,
                p.paging_cycles,
                percent(p.paging_cycles, self.cycles)
            );
            let _ = writeln!(
                s,
                "  swap-ins     {:>12}   swap-outs {:>8}   clean drops {:>16}",
                p.swap_ins, p.swap_outs, p.clean_drops
            );
            let _ = writeln!(
                s,
                "  resident peak {:>8} pages   swap peak {:>8} slots   in swap at exit {:>6}",
                p.resident_peak_pages, p.swap_peak_slots, p.swap_slots_in_use
            );
        }
    }

    /// The TLB and cache tables (when modelled).
    fn models_text(&self, s: &mut String) {
        if let Some(mmu) = &self.mmu {
            let _ = writeln!(s, "-- TLBs --");
            let _ = writeln!(
                s,
                "  {:<6} {:>9} {:>14} {:>12} {:>12} {:>8}",
                "tlb", "entries", "accesses", "hits", "misses", "hit %"
            );
            for (name, t) in [("I-TLB", &mmu.itlb), ("D-TLB", &mmu.dtlb)] {
                let shape = if t.ways == t.entries {
                    format!("{}", t.entries)
                } else {
                    format!("{}:{}", t.entries, t.ways)
                };
                let _ = writeln!(
                    s,
                    "  {name:<6} {shape:>9} {:>14} {:>12} {:>12} {:>7.2}%",
                    t.accesses,
                    t.hits,
                    t.misses,
                    percent(t.hits, t.accesses)
                );
            }
            let w = &mmu.walks;
            let _ = writeln!(
                s,
                "  page walks {:>10}   PTE reads {:>10}   A/D updates {:>8}   faulting {:>6}",
                w.walks, w.pte_reads, w.pte_writes, w.faults
            );
        }
        if let Some(caches) = &self.caches {
            let _ = writeln!(s, "-- caches --");
            s.push_str(&caches.to_text());
        }
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
