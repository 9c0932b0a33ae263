//! One cache level: a set-associative, physically indexed, tag-only model (no data: the bytes
//! live in RAM) with per-level statistics and 3C miss classification.
//!
//! Layout follows DESIGN.md §10: tags of all sets in one flat array (`set × ways + way`), the set
//! index a power-of-two mask of the line number, the set's most recently used way checked first.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;

use crate::mem::cache_config::{AllocPolicy, LevelConfig, WritePolicy};
use crate::mem::replacement::{Replacement, Replacer};

/// What kind of access the hart made (DESIGN.md §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessKind {
    /// Instruction fetch.
    Fetch,
    /// Data load (LR included).
    Load,
    /// Data store (SC included).
    Store,
    /// Atomic read-modify-write (needs the line for writing).
    Amo,
    /// Page-table-walk read of a PTE.
    Ptw,
}

impl AccessKind {
    /// Whether the access writes the line.
    #[inline]
    pub fn is_write(self) -> bool {
        matches!(self, AccessKind::Store | AccessKind::Amo)
    }
}

/// What a request reaching a level is about: one of the hart's kinds, or a dirty line written
/// back from the level above.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Traffic {
    /// On behalf of a hart access of this kind (the access itself, its line fill, its
    /// write-through copy or its no-write-allocate pass-through).
    Hart(AccessKind),
    /// A dirty line evicted from the level above.
    Writeback,
}

/// Number of [`Traffic`] classes the statistics count.
pub const TRAFFIC_CLASSES: usize = 6;
/// Names of the traffic classes, in index order (the JSON keys of `by_kind`).
pub const TRAFFIC_NAMES: [&str; TRAFFIC_CLASSES] =
    ["fetch", "load", "store", "amo", "ptw", "writeback"];

impl Traffic {
    /// Index into per-class counters (see [`TRAFFIC_NAMES`]).
    #[inline]
    pub fn index(self) -> usize {
        match self {
            Traffic::Hart(k) => k as usize,
            Traffic::Writeback => 5,
        }
    }
}

/// Whether a request reads or writes the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Read (fetch, load, PTE read, line fill for the level above).
    Read,
    /// Write (store, AMO, write-through copy, writeback).
    Write,
}

/// Accesses, hits and misses of one traffic class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    /// Lines looked up.
    pub accesses: u64,
    /// Lines found.
    pub hits: u64,
    /// Lines not found.
    pub misses: u64,
}

/// What one line lookup did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineOutcome {
    /// The line was present.
    pub hit: bool,
    /// A miss brought the line in (false on a hit, and on a no-write-allocate write miss).
    pub allocated: bool,
    /// The allocated line's contents must be read from the next level (false when a write
    /// covers the whole line).
    pub needs_fill: bool,
    /// Line number of a dirty line evicted to make room; the caller writes it to the next level.
    pub writeback: Option<u64>,
    /// A valid line (clean or dirty) was evicted to make room (for traces).
    pub evicted: bool,
}

/// Tag value of an invalid way: line numbers of 32-bit addresses never reach it.
const INVALID: u64 = u64::MAX;

/// One cache level.
#[derive(Clone, Debug)]
pub struct Cache {
    config: LevelConfig,
    line_shift: u32,
    set_mask: u64,
    ways: usize,
    /// Line number held by each way (`INVALID` if none), `set × ways + way`.
    tags: Vec<u64>,
    dirty: Vec<bool>,
    /// Most recently used way of each set: looked at before the others.
    mru: Vec<u32>,
    replacer: Replacer,
    classifier: Option<Classifier>,
    counts: [KindCounts; TRAFFIC_CLASSES],
    compulsory: u64,
    capacity: u64,
    conflict: u64,
    evictions: u64,
    writebacks: u64,
}

impl Cache {
    /// An empty cache; `config` must have passed [`LevelConfig::validate`]. `classify` enables
    /// 3C classification; `seed` feeds the random policy.
    pub fn new(config: LevelConfig, classify: bool, seed: u64) -> Self {
        let sets = config.sets as usize;
        let ways = config.ways as usize;
        let line_shift = config.line_bytes.trailing_zeros();
        Cache {
            config,
            line_shift,
            set_mask: sets as u64 - 1,
            ways,
            tags: vec![INVALID; sets * ways],
            dirty: vec![false; sets * ways],
            mru: vec![0; sets],
            replacer: Replacer::new(config.policy, sets, ways, seed),
            classifier: classify.then(|| Classifier::new(sets * ways, line_shift)),
            counts: [KindCounts::default(); TRAFFIC_CLASSES],
            compulsory: 0,
            capacity: 0,
            conflict: 0,
            evictions: 0,
            writebacks: 0,
        }
    }

    /// The level's configuration.
    pub fn config(&self) -> &LevelConfig {
        &self.config
    }

    /// log2 of the line size.
    #[inline]
    pub fn line_shift(&self) -> u32 {
        self.line_shift
    }

    /// The way of `set` holding `line`, MRU way first.
    #[inline]
    fn find(&self, set: usize, line: u64) -> Option<usize> {
        let base = set * self.ways;
        let mru = self.mru[set] as usize;
        if self.tags[base + mru] == line {
            return Some(mru);
        }
        self.tags[base..base + self.ways]
            .iter()
            .position(|&t| t == line)
    }

    /// Whether `line` (an address shifted right by the line size) is present. No side effects:
    /// no statistics, no replacement update.
    pub fn probe(&self, line: u64) -> bool {
        self.find((line & self.set_mask) as usize, line).is_some()
    }

    /// Whether a present `line` is dirty (false if absent).
    pub fn is_dirty(&self, line: u64) -> bool {
        let set = (line & self.set_mask) as usize;
        self.find(set, line)
            .is_some_and(|way| self.dirty[set * self.ways + way])
    }

    /// Looks `line` up for `op` on behalf of `traffic`, updating replacement state and
    /// statistics, and allocating on a miss as the policies say. `whole_line` says a write
    /// covers every byte of the line (so a write-allocate miss need not fetch it).
    #[inline]
    pub fn access_line(
        &mut self,
        line: u64,
        op: Op,
        traffic: Traffic,
        whole_line: bool,
    ) -> LineOutcome {
        let set = (line & self.set_mask) as usize;
        let is_write = op == Op::Write;
        let allocates = !is_write || self.config.alloc == AllocPolicy::WriteAllocate;
        let class = traffic.index();
        self.counts[class].accesses += 1;
        let shadow_hit = self
            .classifier
            .as_mut()
            .map(|c| c.shadow.access(line, allocates));
        if let Some(way) = self.find(set, line) {
            self.counts[class].hits += 1;
            self.replacer.touch(set, way);
            self.mru[set] = way as u32;
            if is_write && self.config.write == WritePolicy::WriteBack {
                self.dirty[set * self.ways + way] = true;
            }
            return LineOutcome {
                hit: true,
                allocated: false,
                needs_fill: false,
                writeback: None,
                evicted: false,
            };
        }
        self.counts[class].misses += 1;
        if let Some(c) = self.classifier.as_mut() {
            // Hill's 3C: never seen → compulsory; missed by a fully associative LRU cache of
            // the same size → capacity; otherwise the mapping is to blame → conflict.
            if !c.seen.insert(line) {
                self.compulsory += 1;
            } else if shadow_hit == Some(false) {
                self.capacity += 1;
            } else {
                self.conflict += 1;
            }
        }
        if !allocates {
            return LineOutcome {
                hit: false,
                allocated: false,
                needs_fill: false,
                writeback: None,
                evicted: false,
            };
        }
        let base = set * self.ways;
        let way = match self.tags[base..base + self.ways]
            .iter()
            .position(|&t| t == INVALID)
        {
            Some(w) => w,
            None => self.replacer.victim(set),
        };
        let slot = base + way;
        let mut writeback = None;
        let evicted = self.tags[slot] != INVALID;
        if evicted {
            self.evictions += 1;
            if self.dirty[slot] {
                self.writebacks += 1;
                writeback = Some(self.tags[slot]);
            }
        }
        self.tags[slot] = line;
        self.dirty[slot] = is_write && self.config.write == WritePolicy::WriteBack;
        self.replacer.insert(set, way);
        self.mru[set] = way as u32;
        LineOutcome {
            hit: false,
            allocated: true,
            needs_fill: !(is_write && whole_line),
            writeback,
            evicted,
        }
    }

    /// Invalidates `line` if present (the pager reclaiming its frame); returns whether it was
    /// held and dirty (`Some(dirty)`), counting a writeback if so. Replacement state is left as
    /// it is: an invalid way is filled first whatever the policy. The 3C shadow keeps the line
    /// (its "capacity" reference is a fully associative cache that saw the same accesses).
    pub fn invalidate_line(&mut self, line: u64) -> Option<bool> {
        let set = (line & self.set_mask) as usize;
        let way = self.find(set, line)?;
        let slot = set * self.ways + way;
        let dirty = self.dirty[slot];
        self.tags[slot] = INVALID;
        self.dirty[slot] = false;
        self.writebacks += u64::from(dirty);
        Some(dirty)
    }

    /// Counts one writeback of a line that was clean here but written back into this level
    /// from above just before being invalidated.
    pub fn count_writeback(&mut self) {
        self.writebacks += 1;
    }

    /// Invalidates every line; returns the dirty ones (line numbers), which the caller writes
    /// to the next level. The 3C shadow cache is emptied too; the "seen" record is kept.
    pub fn flush(&mut self) -> Vec<u64> {
        let mut dirty = Vec::new();
        for (tag, d) in self.tags.iter_mut().zip(self.dirty.iter_mut()) {
            if *tag != INVALID && *d {
                dirty.push(*tag);
            }
            *tag = INVALID;
            *d = false;
        }
        self.writebacks += dirty.len() as u64;
        if let Some(c) = self.classifier.as_mut() {
            c.shadow.clear();
        }
        dirty
    }

    /// Statistics so far, labelled `name`.
    pub fn stats(&self, name: &str) -> LevelStats {
        let total = self
            .counts
            .iter()
            .fold(KindCounts::default(), |a, c| KindCounts {
                accesses: a.accesses + c.accesses,
                hits: a.hits + c.hits,
                misses: a.misses + c.misses,
            });
        LevelStats {
            level: name.to_owned(),
            size_bytes: self.config.size_bytes(),
            sets: self.config.sets,
            ways: self.config.ways,
            line_bytes: self.config.line_bytes,
            policy: self.config.policy.name(),
            write: self.config.write,
            alloc: self.config.alloc,
            latency_cycles: self.config.latency_cycles,
            accesses: total.accesses,
            hits: total.hits,
            misses: total.misses,
            by_kind: TRAFFIC_NAMES
                .iter()
                .zip(self.counts)
                .map(|(n, c)| (*n, c))
                .collect(),
            three_c: self.classifier.as_ref().map(|_| ThreeC {
                compulsory: self.compulsory,
                capacity: self.capacity,
                conflict: self.conflict,
            }),
            evictions: self.evictions,
            writebacks: self.writebacks,
        }
    }
}

/// Misses of a level split by cause (Hill's 3C model).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ThreeC {
    /// First reference to the line at this level.
    pub compulsory: u64,
    /// A fully associative LRU cache of the same size would have missed too.
    pub capacity: u64,
    /// Missed only because of the set mapping (or the replacement policy).
    pub conflict: u64,
}

/// Statistics of one level (part of the JSON schema `rvscope-cachesim/1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LevelStats {
    /// `L1I`, `L1D`, `L2` or `L3`.
    pub level: String,
    /// Capacity in bytes.
    pub size_bytes: u64,
    /// Sets.
    pub sets: u32,
    /// Ways.
    pub ways: u32,
    /// Line size in bytes.
    pub line_bytes: u32,
    /// Replacement policy name.
    pub policy: &'static str,
    /// Write hit policy.
    pub write: WritePolicy,
    /// Write miss policy.
    pub alloc: AllocPolicy,
    /// Hit latency in cycles.
    pub latency_cycles: u32,
    /// Line lookups of all classes.
    pub accesses: u64,
    /// Lookups that hit.
    pub hits: u64,
    /// Lookups that missed.
    pub misses: u64,
    /// The same three figures per traffic class (`fetch`, `load`, `store`, `amo`, `ptw`,
    /// `writeback`).
    pub by_kind: BTreeMap<&'static str, KindCounts>,
    /// 3C split of `misses` (absent when classification is off).
    pub three_c: Option<ThreeC>,
    /// Valid lines replaced.
    pub evictions: u64,
    /// Dirty lines written to the next level (evictions and flushes).
    pub writebacks: u64,
}

impl LevelStats {
    /// Adds hits counted outside the level (the hierarchy's MRU fast path), per traffic class.
    pub fn add_hits(&mut self, hits: &[u64; TRAFFIC_CLASSES]) {
        for (name, &n) in TRAFFIC_NAMES.iter().zip(hits) {
            if n == 0 {
                continue;
            }
            let counts = self.by_kind.entry(name).or_default();
            counts.accesses += n;
            counts.hits += n;
            self.accesses += n;
            self.hits += n;
        }
    }
}

/// The 3C bookkeeping of a level: which lines were ever referenced, and a fully associative LRU
/// cache of the same number of lines fed the same requests.
#[derive(Clone, Debug)]
struct Classifier {
    seen: SeenLines,
    shadow: FullyAssocLru,
}

impl Classifier {
    fn new(lines: usize, line_shift: u32) -> Self {
        Classifier {
            seen: SeenLines::new(line_shift),
            shadow: FullyAssocLru::new(lines),
        }
    }
}

/// Log2 of the lines one bitmap page covers (8 KiB of bits).
const SEEN_PAGE_SHIFT: u32 = 16;

/// A bitmap over every line number of the 32-bit address space, allocated a page at a time on
/// first touch (so a run allocates at most once per 64 Ki distinct lines, not per access).
#[derive(Clone, Debug)]
struct SeenLines {
    pages: Vec<Option<Box<[u64]>>>,
}

impl SeenLines {
    fn new(line_shift: u32) -> Self {
        let lines = 1u64 << (32 - line_shift.min(32));
        let pages = lines.div_ceil(1 << SEEN_PAGE_SHIFT) as usize;
        SeenLines {
            pages: vec![None; pages],
        }
    }

    /// Marks `line`; returns whether it was already marked.
    fn insert(&mut self, line: u64) -> bool {
        let page = (line >> SEEN_PAGE_SHIFT) as usize;
        let bit = line & ((1 << SEEN_PAGE_SHIFT) - 1);
        let Some(slot) = self.pages.get_mut(page) else {
            return true; // beyond 32 bits: cannot happen for RV32 addresses
        };
        let words = slot.get_or_insert_with(|| vec![0u64; 1 << (SEEN_PAGE_SHIFT - 6)].into());
        let (w, m) = ((bit >> 6) as usize, 1u64 << (bit & 63));
        let was = words[w] & m != 0;
        words[w] |= m;
        was
    }
}

/// Fibonacci hashing of line numbers: line numbers are already well spread, they only need
/// mixing into the high bits the hash table uses.
#[derive(Clone, Copy, Debug, Default)]
struct LineHasher(u64);

impl Hasher for LineHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }
}

const NIL: u32 = u32::MAX;

/// One entry of the shadow cache's recency list.
#[derive(Clone, Copy, Debug)]
struct Node {
    line: u64,
    prev: u32,
    next: u32,
}

/// A fully associative LRU cache of `capacity` lines in O(1) per access: a hash map from line to
/// slot and a doubly linked recency list through the slots. Both are sized at construction.
#[derive(Clone, Debug)]
struct FullyAssocLru {
    slots: HashMap<u64, u32, BuildHasherDefault<LineHasher>>,
    nodes: Vec<Node>,
    capacity: usize,
    /// Most recently used.
    head: u32,
    /// Least recently used.
    tail: u32,
}

impl FullyAssocLru {
    fn new(capacity: usize) -> Self {
        FullyAssocLru {
            slots: HashMap::with_capacity_and_hasher(capacity, Default::default()),
            nodes: Vec::with_capacity(capacity),
            capacity,
            head: NIL,
            tail: NIL,
        }
    }

    fn clear(&mut self) {
        self.slots.clear();
        self.nodes.clear();
        self.head = NIL;
        self.tail = NIL;
    }

    fn unlink(&mut self, i: u32) {
        let Node { prev, next, .. } = self.nodes[i as usize];
        if prev == NIL {
            self.head = next;
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.nodes[next as usize].prev = prev;
        }
    }

    fn push_front(&mut self, i: u32) {
        self.nodes[i as usize].prev = NIL;
        self.nodes[i as usize].next = self.head;
        if self.head != NIL {
            self.nodes[self.head as usize].prev = i;
        }
        self.head = i;
        if self.tail == NIL {
            self.tail = i;
        }
    }

    /// Looks `line` up; on a miss inserts it if `allocate`, evicting the LRU line when full.
    /// Returns whether it hit.
    #[inline]
    fn access(&mut self, line: u64, allocate: bool) -> bool {
        // Runs of accesses to one line are the common case: no hashing for them.
        if self.head != NIL && self.nodes[self.head as usize].line == line {
            return true;
        }
        if let Some(&i) = self.slots.get(&line) {
            if self.head != i {
                self.unlink(i);
                self.push_front(i);
            }
            return true;
        }
        if allocate {
            let i = if self.nodes.len() < self.capacity {
                self.nodes.push(Node {
                    line,
                    prev: NIL,
                    next: NIL,
                });
                (self.nodes.len() - 1) as u32
            } else {
                let i = self.tail;
                self.unlink(i);
                self.slots.remove(&self.nodes[i as usize].line);
                self.nodes[i as usize].line = line;
                i
            };
            self.push_front(i);
            self.slots.insert(line, i);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(sets: u32, ways: u32, line: u32) -> LevelConfig {
        LevelConfig::lru_write_back(sets, ways, line, 1)
    }

    const LOAD: Traffic = Traffic::Hart(AccessKind::Load);
    const STORE: Traffic = Traffic::Hart(AccessKind::Store);

    #[test]
    fn hit_after_fill_and_lru_eviction_in_one_set() {
        let mut c = Cache::new(level(4, 2, 16), true, 0);
        // Lines 0, 4, 8 all map to set 0 of a 4-set cache.
        assert!(!c.access_line(0, Op::Read, LOAD, false).hit);
        assert!(!c.access_line(4, Op::Read, LOAD, false).hit);
        assert!(c.access_line(0, Op::Read, LOAD, false).hit);
        let out = c.access_line(8, Op::Read, LOAD, false);
        assert!(!out.hit && out.allocated && out.needs_fill);
        assert!(
            c.probe(0) && c.probe(8) && !c.probe(4),
            "LRU victim was line 4"
        );
        let s = c.stats("L1D");
        assert_eq!((s.accesses, s.hits, s.misses, s.evictions), (4, 1, 3, 1));
        assert_eq!(s.by_kind["load"].misses, 3);
    }

    #[test]
    fn probe_has_no_side_effects() {
        let mut c = Cache::new(level(1, 2, 16), true, 0);
        c.access_line(1, Op::Read, LOAD, false);
        c.access_line(2, Op::Read, LOAD, false);
        let before = c.stats("x");
        for _ in 0..10 {
            assert!(c.probe(1));
            assert!(!c.probe(3));
        }
        assert_eq!(c.stats("x"), before);
        // Probing line 1 did not refresh it: line 1 is still the LRU victim.
        c.access_line(3, Op::Read, LOAD, false);
        assert!(!c.probe(1) && c.probe(2) && c.probe(3));
    }

    #[test]
    fn write_back_marks_dirty_and_reports_victim() {
        let mut c = Cache::new(level(1, 1, 16), false, 0);
        c.access_line(5, Op::Write, STORE, false);
        assert!(c.is_dirty(5));
        let out = c.access_line(6, Op::Read, LOAD, false);
        assert_eq!(out.writeback, Some(5));
        let out = c.access_line(7, Op::Read, LOAD, false);
        assert_eq!(out.writeback, None, "line 6 was clean");
        assert_eq!(c.stats("x").writebacks, 1);
    }

    #[test]
    fn write_through_never_dirty() {
        let mut cfg = level(1, 1, 16);
        cfg.write = WritePolicy::WriteThrough;
        let mut c = Cache::new(cfg, false, 0);
        c.access_line(5, Op::Write, STORE, false);
        assert!(c.probe(5) && !c.is_dirty(5));
        assert_eq!(c.access_line(6, Op::Read, LOAD, false).writeback, None);
    }

    #[test]
    fn no_write_allocate_leaves_cache_unchanged() {
        let mut cfg = level(1, 2, 16);
        cfg.alloc = AllocPolicy::NoWriteAllocate;
        let mut c = Cache::new(cfg, true, 0);
        let out = c.access_line(5, Op::Write, STORE, false);
        assert!(!out.hit && !out.allocated);
        assert!(!c.probe(5));
        // A write hit still hits.
        c.access_line(6, Op::Read, LOAD, false);
        assert!(c.access_line(6, Op::Write, STORE, false).hit);
        assert!(c.is_dirty(6));
        // The write miss counted as compulsory; the later read of line 5 is not compulsory.
        c.access_line(5, Op::Read, LOAD, false);
        let three_c = c.stats("x").three_c.unwrap();
        assert_eq!((three_c.compulsory, three_c.capacity), (2, 1));
    }

    #[test]
    fn whole_line_write_allocates_without_fill() {
        let mut c = Cache::new(level(1, 1, 16), false, 0);
        let out = c.access_line(5, Op::Write, Traffic::Writeback, true);
        assert!(out.allocated && !out.needs_fill);
        let out = c.access_line(6, Op::Write, STORE, false);
        assert!(out.allocated && out.needs_fill);
    }

    #[test]
    fn flush_returns_dirty_lines() {
        let mut c = Cache::new(level(2, 2, 16), true, 0);
        c.access_line(1, Op::Write, STORE, false);
        c.access_line(2, Op::Read, LOAD, false);
        c.access_line(3, Op::Write, STORE, false);
        let mut dirty = c.flush();
        dirty.sort();
        assert_eq!(dirty, vec![1, 3]);
        assert!(!c.probe(2));
        // After a flush the line is not compulsory any more, and the shadow missed too.
        c.access_line(2, Op::Read, LOAD, false);
        let t = c.stats("x").three_c.unwrap();
        assert_eq!((t.compulsory, t.capacity, t.conflict), (3, 1, 0));
    }

    #[test]
    fn shadow_lru_is_exact() {
        let mut s = FullyAssocLru::new(3);
        let hits: Vec<bool> = [1, 2, 3, 1, 4, 2, 1, 3, 4]
            .iter()
            .map(|&l| s.access(l, true))
            .collect();
        // 1 2 3 | 1 hit | 4 evicts 2 | 2 miss evicts 3 | 1 hit | 3 miss evicts 4 | 4 miss
        assert_eq!(
            hits,
            [false, false, false, true, false, false, true, false, false]
        );
        assert!(!s.access(9, false));
        assert!(!s.access(9, false), "no allocation when told not to");
    }

    #[test]
    fn seen_lines_covers_the_whole_address_space() {
        let mut s = SeenLines::new(0);
        assert!(!s.insert(0xFFFF_FFFF));
        assert!(s.insert(0xFFFF_FFFF));
        assert!(!s.insert(0));
        let mut s = SeenLines::new(6);
        assert!(!s.insert(0x3FF_FFFF));
        assert!(s.insert(0x3FF_FFFF));
    }
}
