//! The cache hierarchy (DESIGN.md §5): split L1I/L1D, optional unified L2 and L3, then RAM.
//! Non-inclusive, non-exclusive: each level fills on its own misses and evicts on its own.
//!
//! Timing: an access costs the hit latency of every level it visits, plus the RAM latency if it
//! reaches memory; a straddling access pays for each line. Writebacks of dirty victims and
//! write-through copies are counted at the level below but not charged to the access (a write
//! buffer absorbs them).

use std::fmt::Write as _;

use serde::Serialize;

use crate::error::Result;
use crate::mem::cache::{AccessKind, Cache, LevelStats, LineOutcome, Op, Traffic, TRAFFIC_CLASSES};
use crate::mem::cache_config::{AllocPolicy, HierarchyConfig, WritePolicy};

/// Where an access was served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Level {
    /// L1 (instruction or data).
    L1,
    /// Unified L2.
    L2,
    /// Unified L3.
    L3,
    /// Main memory.
    Ram,
}

/// The result of one timed access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessOutcome {
    /// The deepest level any of its lines had to reach.
    pub served_by: Level,
    /// Sum of the latencies of the levels visited (per line touched).
    pub cycles: u64,
}

/// What an access did at one cache level (for traces; DESIGN.md §8 "each level's hit/miss and
/// any eviction/writeback it caused").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LevelVisit {
    /// The access (or its line fill) looked this level up: `Some(true)` if every line it
    /// needed was there, `Some(false)` if one was missing, `None` if it never got here.
    pub hit: Option<bool>,
    /// Valid lines this level evicted to make room.
    pub evictions: u8,
    /// Dirty lines among them, written back to the level below.
    pub writebacks: u8,
}

/// The journey of one access through the hierarchy: what it did at L1 (the instruction or data
/// cache, as its kind says), L2 and L3, and where it was served. A new level is a new entry of
/// `levels`, not a new type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CacheJourney {
    /// L1, L2, L3 in that order (index = [`Level`] as usize).
    pub levels: [LevelVisit; 3],
    /// Line reads from RAM the access caused (its fills).
    pub ram_reads: u8,
    /// Line writes to RAM it caused (writebacks, write-through, no-write-allocate).
    pub ram_writes: u8,
}

impl CacheJourney {
    /// The journey of a plain L1 hit: looked up at L1, found, nothing below.
    pub const L1_HIT: CacheJourney = CacheJourney {
        levels: [
            LevelVisit {
                hit: Some(true),
                evictions: 0,
                writebacks: 0,
            },
            LevelVisit {
                hit: None,
                evictions: 0,
                writebacks: 0,
            },
            LevelVisit {
                hit: None,
                evictions: 0,
                writebacks: 0,
            },
        ],
        ram_reads: 0,
        ram_writes: 0,
    };
}

/// Receives each line lookup of an access (the per-level detail of
/// [`Hierarchy::access_detailed`]). The plain access passes `()`, whose empty method compiles
/// away, so both share one implementation of the lookups.
trait LineRecorder {
    /// Level `level` looked up a line for `traffic` and did `out`.
    fn line(&mut self, level: Level, traffic: Traffic, out: &LineOutcome);
    /// A line transfer reached RAM.
    fn ram(&mut self, op: Op);
}

impl LineRecorder for () {
    #[inline(always)]
    fn line(&mut self, _: Level, _: Traffic, _: &LineOutcome) {}
    #[inline(always)]
    fn ram(&mut self, _: Op) {}
}

impl LineRecorder for CacheJourney {
    fn line(&mut self, level: Level, traffic: Traffic, out: &LineOutcome) {
        let Some(visit) = self.levels.get_mut(level as usize) else {
            return;
        };
        if traffic != Traffic::Writeback {
            visit.hit = Some(visit.hit.unwrap_or(true) && out.hit);
        }
        visit.evictions = visit.evictions.saturating_add(u8::from(out.evicted));
        visit.writebacks = visit
            .writebacks
            .saturating_add(u8::from(out.writeback.is_some()));
    }

    fn ram(&mut self, op: Op) {
        match op {
            Op::Read => self.ram_reads = self.ram_reads.saturating_add(1),
            Op::Write => self.ram_writes = self.ram_writes.saturating_add(1),
        }
    }
}

/// A [`CacheJourney`] packed into one word, as the `bin` trace stores it: bits 0..6 what
/// each level's lookups did, 2 bits per level from L1 (0 not reached, 1 hit, 2 a miss), byte 1
/// the RAM reads, byte 2 the RAM writes, bytes 3, 4, 5 per level (L1, L2, L3) its evictions
/// (low nibble) and writebacks (high nibble), saturating at 15. The hierarchy records it
/// directly ([`Hierarchy::access_packed_past_mru`]) for the traced loop's run accesses, which
/// store it as it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PackedJourney(pub u64);

impl PackedJourney {
    /// [`CacheJourney::L1_HIT`], packed.
    pub const L1_HIT: PackedJourney = PackedJourney(1);

    /// `j`, packed.
    #[inline(always)]
    pub fn of(j: &CacheJourney) -> PackedJourney {
        let mut bits = u64::from(j.ram_reads) << 8 | u64::from(j.ram_writes) << 16;
        for (i, v) in j.levels.iter().enumerate() {
            let code = u64::from(v.hit.is_some()) + u64::from(v.hit == Some(false));
            let ew = v.evictions.min(15) | (v.writebacks.min(15) << 4);
            bits |= code << (2 * i) | u64::from(ew) << (8 * (3 + i));
        }
        PackedJourney(bits)
    }

    /// The journey this packs (a level's code 3, which no recording makes, reads as a miss).
    #[inline]
    pub fn unpack(self) -> CacheJourney {
        let b = self.0.to_le_bytes();
        let mut levels = [LevelVisit::default(); 3];
        for (i, v) in levels.iter_mut().enumerate() {
            v.hit = match (b[0] >> (2 * i)) & 3 {
                0 => None,
                1 => Some(true),
                _ => Some(false),
            };
            v.evictions = b[3 + i] & 15;
            v.writebacks = b[3 + i] >> 4;
        }
        CacheJourney {
            levels,
            ram_reads: b[1],
            ram_writes: b[2],
        }
    }
}

impl LineRecorder for PackedJourney {
    #[inline(always)]
    fn line(&mut self, level: Level, traffic: Traffic, out: &LineOutcome) {
        let i = level as u64;
        if i > 2 {
            return;
        }
        if traffic != Traffic::Writeback {
            // As `CacheJourney`: a hit while every lookup so far hit, else a miss.
            let code = self.0 >> (2 * i) & 3;
            let code = if !out.hit { 2 } else { code.max(1) };
            self.0 = self.0 & !(3 << (2 * i)) | code << (2 * i);
        }
        let at = 8 * (3 + i);
        let ev = self.0 >> at & 15;
        let wb = self.0 >> (at + 4) & 15;
        let ev = ev + u64::from(out.evicted && ev < 15);
        let wb = wb + u64::from(out.writeback.is_some() && wb < 15);
        self.0 = self.0 & !(0xff << at) | (ev | wb << 4) << at;
    }

    #[inline(always)]
    fn ram(&mut self, op: Op) {
        let at = match op {
            Op::Read => 8,
            Op::Write => 16,
        };
        let n = self.0 >> at & 0xff;
        self.0 += u64::from(n < 0xff) << at;
    }
}

/// Line transfers that reached RAM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RamStats {
    /// Reads (line fills).
    pub reads: u64,
    /// Writes (writebacks, write-through copies, no-write-allocate misses).
    pub writes: u64,
}

/// Statistics of the whole hierarchy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HierarchyStats {
    /// Each cache level, L1I and L1D first.
    pub levels: Vec<LevelStats>,
    /// Memory traffic.
    pub ram: RamStats,
    /// RAM latency in cycles.
    pub ram_latency_cycles: u32,
}

/// Index of the L1 instruction cache in `Hierarchy::levels`.
const L1I: usize = 0;
/// Index of the L1 data cache.
const L1D: usize = 1;
/// Index of the first unified level.
const UNIFIED: usize = 2;
/// No MRU line (line numbers of 32-bit addresses never reach `u64::MAX >> 1`).
const NO_MRU: u64 = u64::MAX;

/// MRU slots of an L1: one per set, or one for the whole cache when the 3C shadow must see
/// every change of global recency.
fn mru_slots(level: &crate::mem::cache_config::LevelConfig, classify: bool) -> usize {
    if classify {
        1
    } else {
        level.sets as usize
    }
}

/// The cache hierarchy of one hart.
#[derive(Clone, Debug)]
pub struct Hierarchy {
    /// Per L1 (instruction, data) and slot: `line << 1 | store_ok` of the line the last access
    /// to that slot touched, or `NO_MRU`. A slot is one set, or the whole cache when misses
    /// are 3C-classified. Every replacement policy (LRU, tree-PLRU, FIFO, random) leaves a
    /// set unchanged when its most recently used line is used again, and so does the seen-set;
    /// the 3C shadow (fully associative LRU) only when the line is the most recent of the
    /// whole cache. So such a repeat is a counted hit without the lookup (DESIGN.md §10:
    /// "check MRU first; keep modeling exact"). `store_ok`: a store changes nothing either
    /// (write-back, line already dirty).
    mru: [Vec<u64>; 2],
    /// Per L1: slot of a line = line & mask.
    mru_mask: [u64; 2],
    /// Misses are 3C-classified.
    classify: bool,
    /// Per L1: line shift.
    l1_shift: [u32; 2],
    /// Per L1: hit latency.
    l1_latency: [u64; 2],
    /// Per L1 and traffic class: hits on the MRU line, added to the level's counts on output.
    mru_hits: [[u64; TRAFFIC_CLASSES]; 2],
    /// L1I, L1D, then the unified levels in order.
    levels: Vec<Cache>,
    /// What each entry of `levels` is called and where it sits.
    names: Vec<(&'static str, Level)>,
    ram_latency_cycles: u64,
    ram: RamStats,
}

impl Hierarchy {
    /// Builds an empty hierarchy; fails with a one-line [`crate::Error::Config`] on bad geometry.
    pub fn new(config: &HierarchyConfig) -> Result<Self> {
        config.validate()?;
        let mut levels = Vec::with_capacity(4);
        let mut names = Vec::with_capacity(4);
        let classify = config.classify_misses;
        // Each level gets its own random stream so adding a level does not shift the others.
        let seed = |i: u64| {
            config
                .seed
                .wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        };
        levels.push(Cache::new(config.l1i, classify, seed(0)));
        names.push(("L1I", Level::L1));
        levels.push(Cache::new(config.l1d, classify, seed(1)));
        names.push(("L1D", Level::L1));
        if let Some(l2) = config.l2 {
            levels.push(Cache::new(l2, classify, seed(2)));
            names.push(("L2", Level::L2));
        }
        if let Some(l3) = config.l3 {
            levels.push(Cache::new(l3, classify, seed(3)));
            names.push(("L3", Level::L3));
        }
        Ok(Hierarchy {
            mru: [
                vec![NO_MRU; mru_slots(&config.l1i, classify)],
                vec![NO_MRU; mru_slots(&config.l1d, classify)],
            ],
            mru_mask: [
                mru_slots(&config.l1i, classify) as u64 - 1,
                mru_slots(&config.l1d, classify) as u64 - 1,
            ],
            classify,
            l1_shift: [levels[L1I].line_shift(), levels[L1D].line_shift()],
            l1_latency: [
                u64::from(config.l1i.latency_cycles),
                u64::from(config.l1d.latency_cycles),
            ],
            mru_hits: [[0; TRAFFIC_CLASSES]; 2],
            levels,
            names,
            ram_latency_cycles: config.ram_latency_cycles as u64,
            ram: RamStats::default(),
        })
    }

    /// The level after `idx` (an index past the end is RAM).
    #[inline]
    fn next(idx: usize) -> usize {
        if idx < UNIFIED {
            UNIFIED
        } else {
            idx + 1
        }
    }

    /// The timed access of `size` bytes at physical address `paddr` (size 0 counts as 1): every
    /// line it touches is looked up, filled, evicted and counted.
    pub fn access(&mut self, paddr: u32, size: u32, kind: AccessKind) -> AccessOutcome {
        let (l1, line, last) = self.l1_lines(paddr, size.max(1) - 1, kind);
        self.access_remembering(paddr, size, kind, l1, line, last, &mut ())
    }

    /// The L1 an access of `kind` goes to (0 the L1I, 1 the L1D), and the first and last of
    /// its lines there, for the access of `bytes_after + 1` bytes at `paddr`.
    #[inline(always)]
    fn l1_lines(&self, paddr: u32, bytes_after: u32, kind: AccessKind) -> (usize, u64, u64) {
        let l1 = (kind != AccessKind::Fetch) as usize;
        let shift = self.l1_shift[l1];
        let line = u64::from(paddr >> shift);
        let last = u64::from(paddr.wrapping_add(bytes_after) >> shift);
        (l1, line, last)
    }

    /// [`Hierarchy::access`] that also tells what the access did at each level (for traces).
    /// The statistics and replacement state it leaves are exactly those of `access` and
    /// `access_fast` (it takes the same MRU shortcut, whose journey is an L1 hit).
    pub fn access_detailed(
        &mut self,
        paddr: u32,
        size: u32,
        kind: AccessKind,
    ) -> (AccessOutcome, CacheJourney) {
        self.access_recorded(paddr, size, kind, CacheJourney::L1_HIT)
    }

    /// The access with the MRU shortcut of `access_fast` first — a repeat of the set's most
    /// recent line changes no state, and its journey is a plain L1 hit (`l1_hit`: no
    /// eviction, nothing below) — its journey otherwise recorded by a fresh `R`.
    #[inline(always)]
    fn access_recorded<R: LineRecorder + Default>(
        &mut self,
        paddr: u32,
        size: u32,
        kind: AccessKind,
        l1_hit: R,
    ) -> (AccessOutcome, R) {
        if let Some(cycles) = self.access_mru(paddr, size, kind) {
            let out = AccessOutcome {
                served_by: Level::L1,
                cycles,
            };
            return (out, l1_hit);
        }
        self.access_recorded_past_mru(paddr, size, kind)
    }

    /// [`Hierarchy::access_detailed`] for an access [`Hierarchy::access_mru`] just refused
    /// (so the MRU shortcut is not tried again).
    pub fn access_detailed_past_mru(
        &mut self,
        paddr: u32,
        size: u32,
        kind: AccessKind,
    ) -> (AccessOutcome, CacheJourney) {
        self.access_recorded_past_mru(paddr, size, kind)
    }

    /// [`Hierarchy::access_detailed`] with the journey packed as it is recorded.
    #[inline(always)]
    pub fn access_packed(
        &mut self,
        paddr: u32,
        size: u32,
        kind: AccessKind,
    ) -> (AccessOutcome, PackedJourney) {
        self.access_recorded(paddr, size, kind, PackedJourney::L1_HIT)
    }

    /// [`Hierarchy::access_detailed_past_mru`] with the journey packed as it is recorded.
    pub fn access_packed_past_mru(
        &mut self,
        paddr: u32,
        size: u32,
        kind: AccessKind,
    ) -> (AccessOutcome, PackedJourney) {
        self.access_recorded_past_mru(paddr, size, kind)
    }

    /// The full access, its journey recorded by a fresh `R`.
    #[inline(always)]
    fn access_recorded_past_mru<R: LineRecorder + Default>(
        &mut self,
        paddr: u32,
        size: u32,
        kind: AccessKind,
    ) -> (AccessOutcome, R) {
        let (l1, line, last) = self.l1_lines(paddr, size.max(1) - 1, kind);
        let mut journey = R::default();
        let out = self.access_remembering(paddr, size, kind, l1, line, last, &mut journey);
        (out, journey)
    }

    /// [`Hierarchy::access`] with the MRU check first: returns the cycles of the access. This is
    /// what the interpreter calls on every load and store (`size` ≥ 1).
    #[inline(always)]
    pub fn access_fast(&mut self, paddr: u32, size: u32, kind: AccessKind) -> u64 {
        match self.access_mru(paddr, size, kind) {
            Some(cycles) => cycles,
            None => self.access_past_mru(paddr, size, kind),
        }
    }

    /// [`Hierarchy::access_fast`] of an instruction fetch of `len` (2 or 4) bytes, through
    /// [`Hierarchy::access_mru_fetch`]: the untraced loop's fetch (2 % fewer host instructions
    /// for coremark_like than `access_fast`'s general MRU test).
    #[inline(always)]
    pub fn fetch_fast(&mut self, paddr: u32, len: u8) -> u64 {
        match self.access_mru_fetch(paddr, len) {
            Some(cycles) => cycles,
            None => self.access_past_mru(paddr, u32::from(len), AccessKind::Fetch),
        }
    }

    /// The full access of `size` ≥ 1 bytes after the MRU shortcut refused it: its cycles.
    #[inline(always)]
    fn access_past_mru(&mut self, paddr: u32, size: u32, kind: AccessKind) -> u64 {
        let (l1, line, last) = self.l1_lines(paddr, size - 1, kind);
        self.access_remembering(paddr, size, kind, l1, line, last, &mut ())
            .cycles
    }

    /// The latency of an L1 hit by an access of `kind` (a fetch: the L1I's).
    #[inline(always)]
    pub fn l1_hit_cycles(&self, kind: AccessKind) -> u64 {
        self.l1_latency[(kind != AccessKind::Fetch) as usize]
    }

    /// The line size of the L1 an access of `kind` goes to, as a power of two.
    #[inline(always)]
    pub fn l1_line_shift(&self, kind: AccessKind) -> u32 {
        self.l1_shift[(kind != AccessKind::Fetch) as usize]
    }

    /// How many lines of its L1 the access of `size` ≥ 1 bytes at `paddr` touches.
    #[inline(always)]
    pub fn l1_lines_touched(&self, paddr: u32, size: u32, kind: AccessKind) -> u64 {
        let (_, line, last) = self.l1_lines(paddr, size.max(1) - 1, kind);
        last.wrapping_sub(line) + 1
    }

    /// The MRU shortcut alone: if the access repeats its L1 set's most recent line (and a write
    /// finds it already dirty), it changes no state but the L1's hit count and is a plain L1
    /// hit: its cycles. `None` if the full lookup is needed. (The traced paths use it to report
    /// the common access without building a journey.)
    #[inline(always)]
    pub fn access_mru(&mut self, paddr: u32, size: u32, kind: AccessKind) -> Option<u64> {
        let (l1, line, last) = self.l1_lines(paddr, size.max(1) - 1, kind);
        self.mru_hit(l1, line, last, kind)
    }

    /// [`Hierarchy::access_mru`] of an instruction fetch of `len` (2 or 4) bytes: the
    /// interpreter's per-instruction L1I test, traced or not. `size.max(1) - 1` of the
    /// widened `u8` length compiled to six host instructions per guest instruction in the
    /// traced block loop; `len - 1` is one. (Written as `saturating_sub` inside `access_mru`
    /// instead, the untraced loop ran 3 % slower in wall time for the same instructions.)
    #[inline(always)]
    pub fn access_mru_fetch(&mut self, paddr: u32, len: u8) -> Option<u64> {
        // A zero length (never a decoded instruction's) would only miss the shortcut.
        let (l1, line, last) =
            self.l1_lines(paddr, u32::from(len).wrapping_sub(1), AccessKind::Fetch);
        self.mru_hit(l1, line, last, AccessKind::Fetch)
    }

    /// The MRU shortcut's test for an access of `kind` to lines `line..=last` of L1 `l1`.
    #[inline(always)]
    fn mru_hit(&mut self, l1: usize, line: u64, last: u64, kind: AccessKind) -> Option<u64> {
        let mru = self.mru[l1][(line & self.mru_mask[l1]) as usize];
        if mru >> 1 == line && last == line && (!kind.is_write() || mru & 1 != 0) {
            self.mru_hits[l1][kind as usize] += 1;
            return Some(self.l1_latency[l1]);
        }
        None
    }

    /// The full access, then the L1's MRU slot(s) updated to what the access left.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn access_remembering<R: LineRecorder>(
        &mut self,
        paddr: u32,
        size: u32,
        kind: AccessKind,
        l1: usize,
        line: u64,
        last: u64,
        rec: &mut R,
    ) -> AccessOutcome {
        let out = self.lookup(paddr, size, kind, rec);
        let cache = &self.levels[l1];
        let slot = (line & self.mru_mask[l1]) as usize;
        // With 3C, the slot promises the line is also the 3C shadow's most recent; a
        // no-write-allocate write does not put the line into the shadow if it missed there.
        let shadow_unsure = self.classify
            && kind.is_write()
            && cache.config().alloc == AllocPolicy::NoWriteAllocate;
        if line == last && !shadow_unsure && cache.probe(line) {
            let store_ok = cache.config().write == WritePolicy::WriteBack && cache.is_dirty(line);
            self.mru[l1][slot] = line << 1 | u64::from(store_ok);
        } else {
            self.remember_lines(l1, line, last, shadow_unsure);
        }
        out
    }

    /// The MRU slots after an access of lines `line..=last` of L1 `l1` that is not one
    /// resident line's: the lines were looked up in that order, so each one still resident is
    /// its slot's most recent line unless a later line of the same slot follows it (written
    /// over it here). A line not resident (no-write-allocate), or any line if the 3C shadow
    /// may not hold it (`shadow_unsure`), leaves its slot unknown. A fetch across a line
    /// boundary thus leaves the next instruction's line as the MRU, as a fetch of one line
    /// would.
    #[cold]
    fn remember_lines(&mut self, l1: usize, line: u64, last: u64, shadow_unsure: bool) {
        let cache = &self.levels[l1];
        let write_back = cache.config().write == WritePolicy::WriteBack;
        for l in line..=last {
            let mru = if !shadow_unsure && cache.probe(l) {
                l << 1 | u64::from(write_back && cache.is_dirty(l))
            } else {
                NO_MRU
            };
            self.mru[l1][(l & self.mru_mask[l1]) as usize] = mru;
        }
    }

    /// The lookups of one access (no MRU bookkeeping).
    #[inline]
    fn lookup<R: LineRecorder>(
        &mut self,
        paddr: u32,
        size: u32,
        kind: AccessKind,
        rec: &mut R,
    ) -> AccessOutcome {
        let start = paddr as u64;
        let end = (start + size.max(1) as u64 - 1).min(u32::MAX as u64);
        let first = if kind == AccessKind::Fetch { L1I } else { L1D };
        let op = if kind.is_write() { Op::Write } else { Op::Read };
        let shift = self.levels[first].line_shift();
        let (served_by, cycles) = if start >> shift == end >> shift {
            // The common case: one line, no loop.
            self.line_request(
                first,
                start >> shift,
                start,
                end,
                op,
                Traffic::Hart(kind),
                rec,
            )
        } else {
            self.request(first, start, end, op, Traffic::Hart(kind), rec)
        };
        AccessOutcome { served_by, cycles }
    }

    /// Sends bytes `start..=end` to level `idx` (RAM past the last level); returns the deepest
    /// level reached and the cycles on the access's path.
    fn request<R: LineRecorder>(
        &mut self,
        idx: usize,
        start: u64,
        end: u64,
        op: Op,
        traffic: Traffic,
        rec: &mut R,
    ) -> (Level, u64) {
        if idx >= self.levels.len() {
            rec.ram(op);
            match op {
                Op::Read => self.ram.reads += 1,
                Op::Write => self.ram.writes += 1,
            }
            return (Level::Ram, self.ram_latency_cycles);
        }
        let shift = self.levels[idx].line_shift();
        let mut served_by = self.names[idx].1;
        let mut cycles = 0;
        for line in (start >> shift)..=(end >> shift) {
            let (level, c) = self.line_request(idx, line, start, end, op, traffic, rec);
            served_by = served_by.max(level);
            cycles += c;
        }
        (served_by, cycles)
    }

    /// The part of request `start..=end` that falls in `line` of level `idx` (not RAM).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn line_request<R: LineRecorder>(
        &mut self,
        idx: usize,
        line: u64,
        start: u64,
        end: u64,
        op: Op,
        traffic: Traffic,
        rec: &mut R,
    ) -> (Level, u64) {
        let shift = self.levels[idx].line_shift();
        let line_start = line << shift;
        let line_end = line_start + (1 << shift) - 1;
        let (lo, hi) = (start.max(line_start), end.min(line_end));
        let whole = lo == line_start && hi == line_end;
        let out = self.levels[idx].access_line(line, op, traffic, whole);
        rec.line(self.names[idx].1, traffic, &out);
        let config = self.levels[idx].config();
        let mut cycles = config.latency_cycles as u64;
        let write_through = config.write == WritePolicy::WriteThrough;
        let mut served_by = self.names[idx].1;
        if out.hit && !(op == Op::Write && write_through) {
            return (served_by, cycles);
        }
        let next = Self::next(idx);
        if let Some(victim) = out.writeback {
            let v = victim << shift;
            self.request(
                next,
                v,
                v + (1 << shift) - 1,
                Op::Write,
                Traffic::Writeback,
                rec,
            );
        }
        if !out.hit {
            let below = if out.allocated {
                out.needs_fill
                    .then(|| self.request(next, line_start, line_end, Op::Read, traffic, rec))
            } else {
                // No-write-allocate: the write itself continues downwards.
                Some(self.request(next, lo, hi, op, traffic, rec))
            };
            if let Some((level, c)) = below {
                served_by = served_by.max(level);
                cycles += c;
            }
        }
        if op == Op::Write && write_through && (out.hit || out.allocated) {
            self.request(next, lo, hi, Op::Write, traffic, rec);
        }
        (served_by, cycles)
    }

    /// Which level holds the line of `paddr` for an access of `kind`, without changing any
    /// state or statistic.
    pub fn probe(&self, paddr: u32, kind: AccessKind) -> Level {
        let mut idx = if kind == AccessKind::Fetch { L1I } else { L1D };
        while idx < self.levels.len() {
            let cache = &self.levels[idx];
            if cache.probe(paddr as u64 >> cache.line_shift()) {
                return self.names[idx].1;
            }
            idx = Self::next(idx);
        }
        Level::Ram
    }

    /// Writes every dirty line back and invalidates every level, top down (Dinero's flush
    /// record; later also `--ram` frame eviction).
    pub fn flush(&mut self) {
        for slots in &mut self.mru {
            slots.fill(NO_MRU);
        }
        for idx in 0..self.levels.len() {
            let shift = self.levels[idx].line_shift();
            for line in self.levels[idx].flush() {
                let v = line << shift;
                self.request(
                    Self::next(idx),
                    v,
                    v + (1 << shift) - 1,
                    Op::Write,
                    Traffic::Writeback,
                    &mut (),
                );
            }
        }
    }

    /// Writes back and invalidates every level's lines of the physical range
    /// `[paddr, paddr + bytes)` (the pager reclaiming a frame, DESIGN.md §6). The bytes are in
    /// RAM already, so only the counters move: each dirty line counts a writeback at the level
    /// that held it, and carries its dirtiness down (a line clean below becomes a writeback
    /// there too) until RAM counts the write.
    pub fn write_back_invalidate(&mut self, paddr: u32, bytes: u32) {
        if bytes == 0 {
            return;
        }
        for slots in &mut self.mru {
            slots.fill(NO_MRU);
        }
        let start = u64::from(paddr);
        let end = start + u64::from(bytes);
        // Dirty byte ranges [lo, hi) handed to the next level down.
        let mut from_above: Vec<(u64, u64)> = Vec::new();
        let mut from_l1s: Vec<(u64, u64)> = Vec::new();
        for idx in 0..self.levels.len() {
            let shift = self.levels[idx].line_shift();
            let mut out = Vec::new();
            for line in (start >> shift)..=((end - 1) >> shift) {
                let lo = line << shift;
                let hi = lo + (1 << shift);
                let carried = idx >= UNIFIED && from_above.iter().any(|&(a, b)| a < hi && lo < b);
                match self.levels[idx].invalidate_line(line) {
                    Some(true) => out.push((lo, hi)),
                    Some(false) if carried => {
                        self.levels[idx].count_writeback();
                        out.push((lo, hi));
                    }
                    // Not held here: the write from above passes through.
                    None if carried => out.push((lo, hi)),
                    _ => {}
                }
            }
            if idx < UNIFIED {
                // Both L1s write back into the first unified level.
                from_l1s.extend(out);
                if idx + 1 == UNIFIED {
                    from_above = std::mem::take(&mut from_l1s);
                }
            } else {
                from_above = out;
            }
        }
        self.ram.writes += from_above.len() as u64;
    }

    /// Statistics so far.
    pub fn stats(&self) -> HierarchyStats {
        HierarchyStats {
            levels: self
                .levels
                .iter()
                .zip(&self.names)
                .enumerate()
                .map(|(idx, (c, (name, _)))| {
                    let mut stats = c.stats(name);
                    if idx < UNIFIED {
                        stats.add_hits(&self.mru_hits[idx]);
                    }
                    stats
                })
                .collect(),
            ram: self.ram,
            ram_latency_cycles: self.ram_latency_cycles as u32,
        }
    }
}

impl HierarchyStats {
    /// A small text table: one row per level, then the per-kind split of each level's traffic.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<5} {:>9} {:>5} {:>5} {:<9} {:>12} {:>12} {:>12} {:>7} {:>11} {:>11} {:>11} {:>11} {:>11}",
            "level", "size", "ways", "line", "policy", "accesses", "hits", "misses", "miss%",
            "compulsory", "capacity", "conflict", "evictions", "writebacks"
        );
        for l in &self.levels {
            let size = if l.size_bytes >= 1 << 20 && l.size_bytes % (1 << 20) == 0 {
                format!("{}M", l.size_bytes >> 20)
            } else if l.size_bytes >= 1 << 10 && l.size_bytes % (1 << 10) == 0 {
                format!("{}K", l.size_bytes >> 10)
            } else {
                l.size_bytes.to_string()
            };
            let three = |f: fn(&crate::mem::cache::ThreeC) -> u64| {
                l.three_c.as_ref().map_or("-".into(), |t| f(t).to_string())
            };
            let _ = writeln!(
                s,
                "{:<5} {:>9} {:>5} {:>5} {:<9} {:>12} {:>12} {:>12} {:>6.2}% {:>11} {:>11} {:>11} {:>11} {:>11}",
                l.level,
                size,
                l.ways,
                l.line_bytes,
                l.policy,
                l.accesses,
                l.hits,
                l.misses,
                crate::stats::percent(l.misses, l.accesses),
                three(|t| t.compulsory),
                three(|t| t.capacity),
                three(|t| t.conflict),
                l.evictions,
                l.writebacks
            );
        }
        let _ = writeln!(
            s,
            "RAM   line reads {}, line writes {} ({} cycles each)",
            self.ram.reads, self.ram.writes, self.ram_latency_cycles
        );
        let _ = writeln!(s, "-- misses / accesses by kind --");
        for l in &self.levels {
            let parts: Vec<String> = l
                .by_kind
                .iter()
                .filter(|(_, c)| c.accesses > 0)
                .map(|(k, c)| format!("{k} {}/{}", c.misses, c.accesses))
                .collect();
            if !parts.is_empty() {
                let _ = writeln!(s, "{:<5} {}", l.level, parts.join(", "));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::cache_config::{AllocPolicy, LevelConfig};

    fn level(sets: u32, ways: u32, line: u32, latency: u32) -> LevelConfig {
        LevelConfig::lru_write_back(sets, ways, line, latency)
    }

    /// One data level (`l1d`), tiny L1I, no L2/L3, RAM latency 100.
    fn single(l1d: LevelConfig) -> Hierarchy {
        Hierarchy::new(&HierarchyConfig {
            l1i: level(1, 1, 64, 1),
            l1d,
            l2: None,
            l3: None,
            ram_latency_cycles: 100,
            seed: 0,
            classify_misses: true,
        })
        .unwrap()
    }

    fn l1d(h: &Hierarchy) -> LevelStats {
        h.stats().levels.remove(1)
    }

    #[test]
    fn latencies_add_up_along_the_path() {
        let mut h = Hierarchy::new(&HierarchyConfig::default()).unwrap();
        let miss = h.access(0x8000_0000, 4, AccessKind::Load);
        assert_eq!(
            miss,
            AccessOutcome {
                served_by: Level::Ram,
                cycles: 4 + 12 + 40 + 200
            }
        );
        let hit = h.access(0x8000_0004, 4, AccessKind::Load);
        assert_eq!(
            hit,
            AccessOutcome {
                served_by: Level::L1,
                cycles: 4
            }
        );
        // The fetch side has its own L1 but shares L2: served by L2.
        let fetch = h.access(0x8000_0000, 4, AccessKind::Fetch);
        assert_eq!(
            fetch,
            AccessOutcome {
                served_by: Level::L2,
                cycles: 4 + 12
            }
        );
        assert_eq!(h.probe(0x8000_0000, AccessKind::Fetch), Level::L1);
        assert_eq!(h.probe(0x9000_0000, AccessKind::Load), Level::Ram);
        let s = h.stats();
        assert_eq!(s.levels.len(), 4);
        assert_eq!(s.ram.reads, 1);
        assert_eq!(s.levels[2].by_kind["fetch"].hits, 1);
        assert_eq!(s.levels[2].by_kind["load"].misses, 1);
    }

    #[test]
    fn write_back_invalidate_empties_one_frame_at_every_level() {
        let mut h = Hierarchy::new(&HierarchyConfig::default()).unwrap();
        let frame = 0x8000_1000;
        // Two lines of the frame dirty in L1D, one fetched (clean in L1I and L2, L3), and a
        // line of the next frame that must stay.
        h.access(frame, 4, AccessKind::Store);
        h.access(frame + 0x40, 4, AccessKind::Store);
        h.access(frame + 0x80, 4, AccessKind::Fetch);
        h.access(frame + 0x1000, 4, AccessKind::Load);
        let before = h.stats();
        h.write_back_invalidate(frame, 4096);
        for (addr, kind) in [
            (frame, AccessKind::Load),
            (frame + 0x40, AccessKind::Load),
            (frame + 0x80, AccessKind::Fetch),
        ] {
            assert_eq!(h.probe(addr, kind), Level::Ram, "{addr:#x} is gone");
        }
        assert_eq!(h.probe(frame + 0x1000, AccessKind::Load), Level::L1);
        let after = h.stats();
        // L1D wrote two dirty lines back; each was clean in L2 and L3 and becomes a writeback
        // there too; RAM takes two writes.
        for level in 1..4 {
            assert_eq!(
                after.levels[level].writebacks - before.levels[level].writebacks,
                2,
                "level {level}"
            );
        }
        assert_eq!(after.levels[0].writebacks, 0, "L1I lines are never dirty");
        assert_eq!(after.ram.writes - before.ram.writes, 2);
        // The next access misses all the way (and the MRU shortcut does not hide it).
        assert_eq!(h.access_fast(frame, 4, AccessKind::Load), 4 + 12 + 40 + 200);
    }

    #[test]
    fn l3_none_goes_straight_to_ram() {
        let mut c = HierarchyConfig::default();
        c.apply_spike_flags(None, None, None, Some("none")).unwrap();
        let mut h = Hierarchy::new(&c).unwrap();
        assert_eq!(h.access(0, 1, AccessKind::Store).cycles, 4 + 12 + 200);
        assert_eq!(h.stats().levels.len(), 3);
    }

    #[test]
    fn straddling_access_touches_both_lines() {
        let mut h = single(level(4, 1, 16, 2));
        let out = h.access(0x1C, 8, AccessKind::Load); // bytes 0x1c..0x23: lines 1 and 2
        assert_eq!(out.cycles, 2 * (2 + 100));
        assert_eq!(l1d(&h).misses, 2);
        assert_eq!(h.probe(0x10, AccessKind::Load), Level::L1);
        assert_eq!(h.probe(0x20, AccessKind::Load), Level::L1);
        assert_eq!(h.access(0x1E, 4, AccessKind::Load).cycles, 2 * 2);
        // An access ending at the top of the address space does not wrap.
        h.access(u32::MAX, 4, AccessKind::Load);
        assert_eq!(l1d(&h).accesses, 5);
    }

    /// Stores to N distinct lines of a direct-mapped cache, then N more that evict them.
    fn store_then_evict(write: WritePolicy) -> (LevelStats, RamStats) {
        let mut cfg = level(4, 1, 16, 1);
        cfg.write = write;
        let mut h = single(cfg);
        for rep in 0..3 {
            for i in 0..4u32 {
                h.access(i * 16, 4, AccessKind::Store); // a miss, then two hits per line
                let _ = rep;
            }
        }
        for i in 4..8u32 {
            h.access(i * 16, 4, AccessKind::Load); // evicts the stored lines
        }
        (l1d(&h), h.stats().ram)
    }

    #[test]
    fn write_back_writes_once_per_dirty_line() {
        let (l, ram) = store_then_evict(WritePolicy::WriteBack);
        assert_eq!((l.misses, l.hits, l.writebacks, l.evictions), (8, 8, 4, 4));
        assert_eq!(
            ram,
            RamStats {
                reads: 8,
                writes: 4
            }
        );
    }

    #[test]
    fn write_through_writes_every_store() {
        let (l, ram) = store_then_evict(WritePolicy::WriteThrough);
        assert_eq!((l.misses, l.hits, l.writebacks, l.evictions), (8, 8, 0, 4));
        assert_eq!(
            ram,
            RamStats {
                reads: 8,
                writes: 12
            }
        );
    }

    #[test]
    fn no_write_allocate_sends_write_misses_down() {
        let mut cfg = level(4, 1, 16, 1);
        cfg.alloc = AllocPolicy::NoWriteAllocate;
        let mut h = single(cfg);
        for _ in 0..3 {
            let out = h.access(0x40, 4, AccessKind::Store);
            assert_eq!(
                out,
                AccessOutcome {
                    served_by: Level::Ram,
                    cycles: 101
                }
            );
        }
        assert_eq!(h.probe(0x40, AccessKind::Load), Level::Ram);
        let l = l1d(&h);
        assert_eq!((l.misses, l.hits), (3, 0));
        assert_eq!(
            h.stats().ram,
            RamStats {
                reads: 0,
                writes: 3
            }
        );
        h.access(0x40, 4, AccessKind::Load);
        assert!(h.access(0x40, 4, AccessKind::Store).served_by == Level::L1);
    }

    #[test]
    fn dirty_l1_victim_is_written_into_l2() {
        let mut cfg = HierarchyConfig::default();
        cfg.apply_spike_flags(None, Some("1:1:64"), Some("4:2:64"), Some("none"))
            .unwrap();
        let mut h = Hierarchy::new(&cfg).unwrap();
        h.access(0x000, 4, AccessKind::Store);
        h.access(0x100, 4, AccessKind::Load); // evicts dirty line 0 into L2 (a hit there)
        let s = h.stats();
        assert_eq!(s.levels[1].writebacks, 1);
        assert_eq!(s.levels[2].by_kind["writeback"].hits, 1);
        assert_eq!(
            s.ram,
            RamStats {
                reads: 2,
                writes: 0
            }
        );
        h.flush();
        let s = h.stats();
        assert_eq!(s.levels[1].writebacks, 1, "line 0x100 is clean");
        assert_eq!(s.ram.writes, 1, "L2's dirty line 0 reached RAM");
        assert_eq!(h.probe(0, AccessKind::Load), Level::Ram);
    }

    #[test]
    fn sequential_walk_has_one_compulsory_miss_per_line() {
        // 4 KiB walked 4 bytes at a time through a 32 KiB L1D with 64 B lines: A/line misses.
        let mut h = single(LevelConfig::default_l1());
        const BYTES: u32 = 4096;
        for a in (0..BYTES).step_by(4) {
            h.access(0x1000 + a, 4, AccessKind::Load);
        }
        let l = l1d(&h);
        assert_eq!(l.misses, (BYTES / 64) as u64);
        let t = l.three_c.unwrap();
        assert_eq!((t.compulsory, t.capacity, t.conflict), (64, 0, 0));
    }

    #[test]
    fn stride_of_sets_times_line_conflicts_in_one_set() {
        // 64 sets × 64 B = 4 KiB stride: every address maps to set 0. Ten lines > 8 ways,
        // swept 3 times: every access misses; the first sweep is compulsory, the rest conflict
        // (ten lines fit easily in a fully associative 512-line cache).
        let mut h = single(LevelConfig::default_l1());
        for _ in 0..3 {
            for i in 0..10u32 {
                h.access(i * 4096, 4, AccessKind::Load);
            }
        }
        let l = l1d(&h);
        assert_eq!(l.misses, 30);
        let t = l.three_c.unwrap();
        assert_eq!((t.compulsory, t.capacity, t.conflict), (10, 0, 20));
    }

    #[test]
    fn working_set_twice_the_cache_misses_for_capacity() {
        // 64 KiB swept twice through a 32 KiB cache: LRU keeps nothing useful, so the second
        // sweep's 1024 misses are all capacity misses.
        let mut h = single(LevelConfig::default_l1());
        for _ in 0..2 {
            for a in (0..64 << 10).step_by(64) {
                h.access(a, 4, AccessKind::Load);
            }
        }
        let l = l1d(&h);
        assert_eq!(l.misses, 2048);
        let t = l.three_c.unwrap();
        assert_eq!((t.compulsory, t.capacity, t.conflict), (1024, 1024, 0));
    }

    #[test]
    fn text_table_names_every_level() {
        let mut h = Hierarchy::new(&HierarchyConfig::default()).unwrap();
        h.access(0, 4, AccessKind::Fetch);
        h.access(64, 4, AccessKind::Amo);
        h.access(128, 4, AccessKind::Ptw);
        let text = h.stats().to_text();
        for needle in [
            "L1I", "L1D", "L2", "L3", "RAM", "32K", "256K", "4M", "amo 1/1", "ptw 1/1",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
    }

    #[test]
    fn detailed_access_tells_each_level_and_changes_nothing_else() {
        let mut detailed = Hierarchy::new(&HierarchyConfig::default()).unwrap();
        let mut plain = detailed.clone();
        // Cold: misses at every level, served by RAM, one line read from RAM.
        let (out, j) = detailed.access_detailed(0x8000_0000, 4, AccessKind::Load);
        assert_eq!(out, plain.access(0x8000_0000, 4, AccessKind::Load));
        assert_eq!(out.served_by, Level::Ram);
        let misses = [Some(false); 3];
        assert_eq!(j.levels.map(|v| v.hit), misses);
        assert_eq!((j.ram_reads, j.ram_writes), (1, 0));
        // Again: an L1 hit that never reaches L2.
        let (out, j) = detailed.access_detailed(0x8000_0000, 4, AccessKind::Store);
        assert_eq!(out, plain.access(0x8000_0000, 4, AccessKind::Store));
        assert_eq!(j.levels.map(|v| v.hit), [Some(true), None, None]);
        // Lines 32 KiB apart share an L1D set (8 ways, 64 sets of 64 B): the ninth evicts the
        // first, which the store made dirty, so it is written back to L2.
        let mut last = CacheJourney::default();
        for i in 1..=8u32 {
            let a = 0x8000_0000 + i * (32 << 10);
            let (out, j) = detailed.access_detailed(a, 4, AccessKind::Load);
            assert_eq!(out, plain.access(a, 4, AccessKind::Load));
            last = j;
        }
        assert_eq!(last.levels[0].evictions, 1);
        assert_eq!(last.levels[0].writebacks, 1);
        assert_eq!(detailed.stats(), plain.stats());
    }

    mod mru_shortcut {
        use super::*;
        use crate::mem::cache_config::{AllocPolicy, WritePolicy};
        use crate::mem::replacement::Policy;
        use proptest::prelude::*;

        /// Two identical small hierarchies (one to drive through a shortcut, one through the
        /// plain lookups) for a policy, write/allocate combination and 3C setting.
        fn twin_hierarchies(
            policy: Policy,
            write_through: bool,
            no_alloc: bool,
            classify: bool,
        ) -> (Hierarchy, Hierarchy) {
            let write = if write_through {
                WritePolicy::WriteThrough
            } else {
                WritePolicy::WriteBack
            };
            let alloc = if no_alloc {
                AllocPolicy::NoWriteAllocate
            } else {
                AllocPolicy::WriteAllocate
            };
            let small = |sets, ways, latency| LevelConfig {
                policy,
                write,
                alloc,
                ..LevelConfig::lru_write_back(sets, ways, 16, latency)
            };
            let config = HierarchyConfig {
                l1i: small(4, 2, 1),
                l1d: small(4, 2, 2),
                l2: Some(small(8, 4, 10)),
                l3: None,
                ram_latency_cycles: 100,
                seed: 7,
                classify_misses: classify,
            };
            (
                Hierarchy::new(&config).unwrap(),
                Hierarchy::new(&config).unwrap(),
            )
        }

        /// Accesses (kind code, address, size) over a few sets' worth of lines.
        fn accesses() -> impl Strategy<Value = Vec<(u8, u32, u32)>> {
            prop::collection::vec(
                (0u8..5, 0u32..512, prop::sample::select(vec![1u32, 2, 4])),
                1..400,
            )
        }

        fn policies() -> impl Strategy<Value = Policy> {
            prop::sample::select(vec![
                Policy::Lru,
                Policy::Fifo,
                Policy::Random,
                Policy::TreePlru,
            ])
        }

        fn kind_of(k: u8) -> AccessKind {
            [
                AccessKind::Fetch,
                AccessKind::Load,
                AccessKind::Store,
                AccessKind::Amo,
                AccessKind::Ptw,
            ][k as usize % 5]
        }

        proptest! {
            /// The MRU shortcut (per set, or per cache with 3C) changes no figure: the same
            /// accesses through `access_fast` and through the plain lookups give identical
            /// statistics and cycles, for every policy and write/allocate combination, with
            /// aligned accesses or with misaligned ones too (which may cross a line, leaving
            /// several lines' slots to remember).
            #[test]
            fn gives_the_same_figures_as_plain_lookups(
                policy in policies(),
                write_through in any::<bool>(),
                no_alloc in any::<bool>(),
                classify in any::<bool>(),
                misaligned in any::<bool>(),
                accesses in accesses(),
            ) {
                let (mut fast, mut plain) = twin_hierarchies(policy, write_through, no_alloc, classify);
                for (k, addr, size) in accesses {
                    let kind = kind_of(k);
                    let paddr = if misaligned { addr } else { addr & !(size - 1) };
                    let c1 = fast.access_fast(paddr, size, kind);
                    let c2 = plain.lookup(paddr, size, kind, &mut ()).cycles;
                    prop_assert_eq!(c1, c2);
                }
                prop_assert_eq!(fast.stats(), plain.stats());
            }

            /// The fetch paths agree with the general ones for fetches of 2 or 4 bytes at any
            /// even address (4-byte ones may cross a line), among other accesses, for every
            /// policy, write policy and 3C setting: `access_mru_fetch` answers as
            /// `access_mru` does, `fetch_fast` costs as `access_fast` does, and both count
            /// the same.
            #[test]
            fn fetch_paths_are_the_general_ones_for_fetches(
                policy in policies(),
                write_through in any::<bool>(),
                classify in any::<bool>(),
                accesses in accesses(),
            ) {
                let (mut a, mut b) = twin_hierarchies(policy, write_through, false, classify);
                for (k, addr, size) in accesses {
                    let len: u8 = if k % 2 == 0 { 2 } else { 4 };
                    let paddr = addr & !1;
                    let fetch = AccessKind::Fetch;
                    prop_assert_eq!(
                        a.access_mru_fetch(paddr, len),
                        b.access_mru(paddr, u32::from(len), fetch)
                    );
                    prop_assert_eq!(
                        a.fetch_fast(paddr, len),
                        b.access_fast(paddr, u32::from(len), fetch)
                    );
                    let kind = kind_of(k);
                    let data = addr & !(size - 1);
                    prop_assert_eq!(a.access_fast(data, size, kind), b.access_fast(data, size, kind));
                }
                prop_assert_eq!(a.stats(), b.stats());
            }

            /// The same for `access_detailed`, journey included: a shortcut MRU hit reports
            /// exactly what the plain lookups record for it.
            #[test]
            fn detailed_accesses_report_the_plain_journey(
                policy in policies(),
                write_through in any::<bool>(),
                no_alloc in any::<bool>(),
                classify in any::<bool>(),
                accesses in accesses(),
            ) {
                let (mut detailed, mut plain) =
                    twin_hierarchies(policy, write_through, no_alloc, classify);
                for (k, addr, size) in accesses {
                    let kind = kind_of(k);
                    let paddr = addr & !(size - 1);
                    let (out1, journey1) = detailed.access_detailed(paddr, size, kind);
                    let mut journey2 = CacheJourney::default();
                    let out2 = plain.lookup(paddr, size, kind, &mut journey2);
                    prop_assert_eq!(out1, out2);
                    prop_assert_eq!(journey1, journey2);
                }
                prop_assert_eq!(detailed.stats(), plain.stats());
            }

            /// The packed journey recorded as the lookups go is the full journey packed, for
            /// accesses that may cross lines, miss, evict and write back at every level.
            #[test]
            fn packed_journeys_are_the_journeys_packed(
                policy in policies(),
                write_through in any::<bool>(),
                no_alloc in any::<bool>(),
                accesses in accesses(),
            ) {
                let (mut full, mut packed) = twin_hierarchies(policy, write_through, no_alloc, false);
                for (k, paddr, size) in accesses {
                    let kind = kind_of(k);
                    let (out1, journey) = full.access_detailed_past_mru(paddr, size, kind);
                    let (out2, bits) = packed.access_packed_past_mru(paddr, size, kind);
                    prop_assert_eq!(out1, out2);
                    prop_assert_eq!(PackedJourney::of(&journey), bits, "{:?}", journey);
                }
                prop_assert_eq!(full.stats(), packed.stats());
            }

            /// `access_packed`, MRU shortcut first, is `access_detailed` packed, and a packed
            /// journey unpacks to the journey it packs (when no count saturated).
            #[test]
            fn packed_accesses_are_detailed_accesses_packed(
                policy in policies(),
                write_through in any::<bool>(),
                no_alloc in any::<bool>(),
                accesses in accesses(),
            ) {
                let (mut full, mut packed) = twin_hierarchies(policy, write_through, no_alloc, false);
                for (k, paddr, size) in accesses {
                    let kind = kind_of(k);
                    let (out1, journey) = full.access_detailed(paddr, size, kind);
                    let (out2, bits) = packed.access_packed(paddr, size, kind);
                    prop_assert_eq!(out1, out2);
                    prop_assert_eq!(PackedJourney::of(&journey), bits);
                    let fits = journey.levels.iter().all(|v| v.evictions < 16 && v.writebacks < 16);
                    if fits {
                        prop_assert_eq!(bits.unpack(), journey);
                    }
                }
                prop_assert_eq!(full.stats(), packed.stats());
            }
        }
    }

    /// Packing saturates as the bin format does: evictions and writebacks at 15 per level,
    /// RAM reads and writes at 255; a level not reached is 0.
    #[test]
    fn packed_journeys_saturate() {
        let mut j = CacheJourney::default();
        j.levels[0] = LevelVisit {
            hit: Some(false),
            evictions: 20,
            writebacks: 3,
        };
        j.levels[2].hit = Some(true);
        j.ram_reads = 255;
        j.ram_writes = 1;
        assert_eq!(PackedJourney::of(&j).0, 0x00_00_3f_01_ff_12);
        let mut p = PackedJourney::default();
        for _ in 0..300 {
            p.ram(Op::Read);
        }
        let out = LineOutcome {
            hit: false,
            allocated: true,
            needs_fill: true,
            writeback: Some(7),
            evicted: true,
        };
        for _ in 0..20 {
            p.line(Level::L2, Traffic::Hart(AccessKind::Load), &out);
        }
        assert_eq!(p.0, 0xff_00_00_ff_08);
    }
}
