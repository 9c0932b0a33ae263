//! A translation lookaside buffer: `ENTRIES` entries in `ENTRIES / WAYS` sets, LRU within a set,
//! entries tagged by VPN, page size and ASID, with the global bit and the four `sfence.vma` forms
//! of the privileged spec (§4.2.1, "Supervisor Memory-Management Fence Instruction").
//!
//! Not yet wired into the interpreter. The I-TLB and the D-TLB are two instances.
//!
//! Indexing: a 4 KiB entry lives in set `VPN mod sets` (VPN = vaddr >> 12), a megapage entry in
//! set `VPN[1] mod sets` (vaddr >> 22), so a lookup probes at most two sets; fully associative
//! (one set) probes one. Lookup ([`Tlb::lookup`]) counts and updates LRU; [`Tlb::probe`] is the
//! side-effect-free look for tests and tools.

use std::str::FromStr;

use crate::mmu::sv32::{PageSize, Pte, Translation, PAGE_SHIFT};

/// Default number of entries per TLB (DESIGN.md §4: 32, fully associative).
pub const DEFAULT_ENTRIES: u32 = 32;
/// Largest accepted number of entries (a sanity bound for the CLI).
pub const MAX_ENTRIES: u32 = 1 << 16;

/// Shape of one TLB: `ENTRIES[:WAYS]` on the command line (`--itlb`, `--dtlb`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbConfig {
    entries: u32,
    ways: u32,
}

/// Why an `ENTRIES[:WAYS]` value was rejected (each message is one line).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TlbConfigError {
    /// Not of the form `ENTRIES` or `ENTRIES:WAYS` with decimal numbers.
    #[error("invalid TLB shape '{0}': expected ENTRIES[:WAYS], e.g. 32 or 64:4")]
    Syntax(String),
    /// ENTRIES is not a power of two in range.
    #[error("TLB entries {0} must be a power of two from 1 to {MAX_ENTRIES}")]
    Entries(u32),
    /// WAYS is zero or does not divide ENTRIES.
    #[error("TLB ways {ways} must be at least 1 and divide the entries ({entries})")]
    Ways {
        /// The entries given.
        entries: u32,
        /// The ways given.
        ways: u32,
    },
}

impl TlbConfig {
    /// A TLB of `entries` (a power of two) with `ways` ways (dividing `entries`).
    pub fn new(entries: u32, ways: u32) -> Result<TlbConfig, TlbConfigError> {
        if !entries.is_power_of_two() || entries > MAX_ENTRIES {
            return Err(TlbConfigError::Entries(entries));
        }
        if ways == 0 || !entries.is_multiple_of(ways) {
            return Err(TlbConfigError::Ways { entries, ways });
        }
        Ok(TlbConfig { entries, ways })
    }

    /// Total entries.
    pub fn entries(self) -> u32 {
        self.entries
    }

    /// Ways per set (= entries when fully associative).
    pub fn ways(self) -> u32 {
        self.ways
    }

    /// Number of sets (a power of two, since ENTRIES is and WAYS divides it).
    pub fn sets(self) -> u32 {
        self.entries / self.ways
    }
}

impl Default for TlbConfig {
    fn default() -> Self {
        TlbConfig {
            entries: DEFAULT_ENTRIES,
            ways: DEFAULT_ENTRIES,
        }
    }
}

impl FromStr for TlbConfig {
    type Err = TlbConfigError;

    /// Parses `ENTRIES` (fully associative) or `ENTRIES:WAYS`.
    fn from_str(text: &str) -> Result<TlbConfig, TlbConfigError> {
        let syntax = || TlbConfigError::Syntax(text.to_string());
        let number = |s: &str| {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(syntax());
            }
            s.parse::<u32>().map_err(|_| syntax())
        };
        let (entries, ways) = match text.trim().split_once(':') {
            None => {
                let n = number(text.trim())?;
                (n, n)
            }
            Some((e, w)) => (number(e)?, number(w)?),
        };
        TlbConfig::new(entries, ways)
    }
}

impl std::fmt::Display for TlbConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.entries, self.ways)
    }
}

/// One cached translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbEntry {
    /// The page's number at its own size: vaddr >> 12 (4 KiB) or vaddr >> 22 (megapage).
    pub vpn: u32,
    /// Page or megapage.
    pub page_size: PageSize,
    /// Address space the entry belongs to (ignored when `global`).
    pub asid: u16,
    /// A global mapping matches every ASID.
    pub global: bool,
    /// The leaf PTE as the walk left it (permissions are checked against it on a hit).
    pub pte: Pte,
    /// Physical address of the leaf PTE (for a later A/D update).
    pub pte_paddr: u64,
}

impl TlbEntry {
    /// The entry caching walk result `t` for `vaddr` in address space `asid`.
    pub fn from_translation(vaddr: u32, asid: u16, t: &Translation) -> TlbEntry {
        TlbEntry {
            vpn: vaddr >> t.page_size.shift(),
            page_size: t.page_size,
            asid,
            global: t.global,
            pte: t.pte,
            pte_paddr: t.pte_paddr,
        }
    }

    /// Does the entry's page contain `vaddr`?
    pub fn covers(&self, vaddr: u32) -> bool {
        vaddr >> self.page_size.shift() == self.vpn
    }

    /// Does the entry translate `vaddr` in address space `asid`?
    pub fn matches(&self, vaddr: u32, asid: u16) -> bool {
        self.covers(vaddr) && (self.global || self.asid == asid)
    }

    /// The physical address of `vaddr` (which the entry covers), 34-bit.
    pub fn paddr(&self, vaddr: u32) -> u64 {
        let offset_mask = self.page_size.bytes() - 1;
        ((u64::from(self.pte.ppn()) << PAGE_SHIFT) & !offset_mask)
            | (u64::from(vaddr) & offset_mask)
    }
}

/// What an `sfence.vma` invalidates (§4.2.1). `rs1 = x0` means all addresses, `rs2 = x0` all
/// address spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SfenceVma {
    /// `sfence.vma x0, x0`: every entry, global ones included.
    All,
    /// `sfence.vma x0, rs2`: every non-global entry of this ASID.
    Asid(u16),
    /// `sfence.vma rs1, x0`: the entries for this address in every ASID, global ones included.
    Addr(u32),
    /// `sfence.vma rs1, rs2`: the non-global entry for this address in this ASID.
    AddrAsid(u32, u16),
}

impl SfenceVma {
    /// The fence for operands `rs1` and `rs2`, `None` meaning the register is `x0` (a non-`x0`
    /// register holding zero still names address 0 or ASID 0).
    pub fn from_operands(vaddr: Option<u32>, asid: Option<u16>) -> SfenceVma {
        match (vaddr, asid) {
            (None, None) => SfenceVma::All,
            (None, Some(asid)) => SfenceVma::Asid(asid),
            (Some(vaddr), None) => SfenceVma::Addr(vaddr),
            (Some(vaddr), Some(asid)) => SfenceVma::AddrAsid(vaddr, asid),
        }
    }

    /// Does this fence invalidate `entry`?
    pub fn invalidates(self, entry: &TlbEntry) -> bool {
        match self {
            SfenceVma::All => true,
            SfenceVma::Asid(asid) => !entry.global && entry.asid == asid,
            SfenceVma::Addr(vaddr) => entry.covers(vaddr),
            SfenceVma::AddrAsid(vaddr, asid) => {
                entry.covers(vaddr) && !entry.global && entry.asid == asid
            }
        }
    }
}

/// Counters of one TLB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TlbStats {
    /// Lookups that found a matching entry.
    pub hits: u64,
    /// Lookups that found none (each is followed by a walk).
    pub misses: u64,
    /// `sfence.vma` operations applied.
    pub flushes: u64,
}

/// A set-associative TLB with LRU replacement.
#[derive(Clone, Debug)]
pub struct Tlb {
    config: TlbConfig,
    /// `sets - 1`: the set of a page is its VPN masked with this.
    set_mask: u32,
    ways: usize,
    /// `sets × ways` slots, set after set.
    slots: Vec<Option<TlbEntry>>,
    /// Per slot, its page as one comparable word ([`page_tag`]; `NO_TAG` when empty): a lookup
    /// compares words and touches the entry only on a match.
    tags: Vec<u32>,
    /// Per slot, the value of `clock` at its last use (insert or hit); the smallest is LRU.
    last_use: Vec<u64>,
    clock: u64,
    /// Valid megapage entries (when none, lookups skip the megapage scan).
    mega_entries: u32,
    /// A host-side shortcut, not TLB state: per `vpn % HINTS`, the slot a 4 KiB page was
    /// last found or put in. A lookup checks that slot's tag first and scans only if it is
    /// not the page; hits, misses and LRU order are exactly those of the scan.
    hints: Vec<u32>,
    /// Another host-side shortcut: the key ([`miss_key`]) of the last lookup whose scan found
    /// nothing, while no entry was put in since (else `NO_MISS`; taking entries out keeps a
    /// miss a miss). The traced loop asks whether an access hits without a walk before the
    /// general path makes the counted lookup of the same page; on a miss the second lookup
    /// needs no scan.
    last_miss: u64,
    stats: TlbStats,
}

/// No lookup's miss is remembered.
const NO_MISS: u64 = u64::MAX;

/// A lookup's page and address space, as one word for [`Tlb::last_miss`].
#[inline(always)]
fn miss_key(tag: u32, asid: u16) -> u64 {
    u64::from(tag) << 16 | u64::from(asid)
}

/// Bit `i` set when `tags[i] == tag` (a branch-free loop the compiler vectorises; sets wider
/// than 64 ways are scanned in 64-way chunks by the caller's loop over the result).
#[inline(always)]
fn tag_matches(tags: &[u32], tag: u32) -> u64 {
    if tags.len() <= 64 {
        let mut bits = 0u64;
        for (i, &t) in tags.iter().enumerate() {
            bits |= u64::from(t == tag) << i;
        }
        bits
    } else {
        // Wide sets: the first match only (more than 64 ways of one page in several ASIDs is
        // not a case worth a second code path).
        tags.iter()
            .position(|&t| t == tag)
            .map_or(0, |i| if i < 64 { 1 << i } else { 0 })
    }
}

/// Entries of [`Tlb::hints`] (power of two).
const HINTS: usize = 256;

/// Tag of an empty slot (page tags are below 2^31).
const NO_TAG: u32 = u32::MAX;
/// Marks a megapage tag, so a megapage number never equals a 4 KiB page number.
const MEGA_TAG: u32 = 1 << 30;

/// The tag of the page of `size` holding `vaddr`.
#[inline(always)]
fn page_tag(vaddr: u32, size: PageSize) -> u32 {
    match size {
        PageSize::Page4K => vaddr >> PageSize::Page4K.shift(),
        PageSize::Mega4M => MEGA_TAG | (vaddr >> PageSize::Mega4M.shift()),
    }
}

impl Tlb {
    /// An empty TLB of the given shape.
    pub fn new(config: TlbConfig) -> Tlb {
        let slots = config.entries() as usize;
        Tlb {
            config,
            set_mask: config.sets() - 1,
            ways: config.ways() as usize,
            slots: vec![None; slots],
            tags: vec![NO_TAG; slots],
            last_use: vec![0; slots],
            clock: 0,
            mega_entries: 0,
            hints: vec![0; HINTS],
            last_miss: NO_MISS,
            stats: TlbStats::default(),
        }
    }

    /// The shape.
    pub fn config(&self) -> TlbConfig {
        self.config
    }

    /// The counters.
    pub fn stats(&self) -> TlbStats {
        self.stats
    }

    /// Number of valid entries.
    pub fn valid_entries(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// The slot range of the set a page of `size` holding `vaddr` lives in.
    #[inline(always)]
    fn set_slots(&self, vaddr: u32, size: PageSize) -> std::ops::Range<usize> {
        let set = ((vaddr >> size.shift()) & self.set_mask) as usize;
        set * self.ways..(set + 1) * self.ways
    }

    /// The slot in `range` whose tag is `tag` and whose entry belongs to `asid`.
    #[inline(always)]
    fn scan(&self, range: std::ops::Range<usize>, tag: u32, asid: u16) -> Option<usize> {
        let base = range.start;
        let mut matches = tag_matches(&self.tags[range], tag);
        // Usually at most one tag matches; more only with several ASIDs for one page.
        while matches != 0 {
            let i = base + matches.trailing_zeros() as usize;
            if self.slots[i].is_some_and(|e| e.global || e.asid == asid) {
                return Some(i);
            }
            matches &= matches - 1;
        }
        None
    }

    fn find(&self, vaddr: u32, asid: u16) -> Option<usize> {
        // A matching megapage entry can only sit in its megapage set, a 4 KiB one only in its
        // page's set (the same set when fully associative). Without megapage entries (a user
        // process) the second scan is skipped.
        self.scan(
            self.set_slots(vaddr, PageSize::Page4K),
            page_tag(vaddr, PageSize::Page4K),
            asid,
        )
        .or_else(|| {
            (self.mega_entries > 0)
                .then(|| {
                    self.scan(
                        self.set_slots(vaddr, PageSize::Mega4M),
                        page_tag(vaddr, PageSize::Mega4M),
                        asid,
                    )
                })
                .flatten()
        })
    }

    /// Looks `vaddr` up in address space `asid` without counting or touching LRU state.
    pub fn probe(&self, vaddr: u32, asid: u16) -> Option<TlbEntry> {
        self.find(vaddr, asid).and_then(|i| self.slots[i])
    }

    /// `hinted` if that slot holds the 4 KiB page tagged `tag` for `asid` (a tag can only be in
    /// its own set, so the tag check also says the slot is in the page's set).
    #[inline(always)]
    fn hinted_slot(&self, hinted: usize, tag: u32, asid: u16) -> Option<usize> {
        (self.tags.get(hinted) == Some(&tag)
            && self.slots[hinted].is_some_and(|e| e.global || e.asid == asid))
        .then_some(hinted)
    }

    /// [`Tlb::lookup`] if it hits an entry `accept` takes (counted as that lookup counts its
    /// hit); else nothing is counted or touched, and false is returned.
    pub fn lookup_hit_if(
        &mut self,
        vaddr: u32,
        asid: u16,
        accept: impl FnOnce(&TlbEntry) -> bool,
    ) -> bool {
        match self.slot_of(vaddr, asid) {
            Some(i) if self.slots[i].is_some_and(|e| accept(&e)) => {
                self.count_hit(i);
                true
            }
            _ => false,
        }
    }

    /// Looks `vaddr` up in address space `asid`: counts a hit or a miss; a hit becomes MRU.
    pub fn lookup(&mut self, vaddr: u32, asid: u16) -> Option<TlbEntry> {
        match self.slot_of(vaddr, asid) {
            Some(i) => self.count_hit(i),
            None => {
                self.stats.misses += 1;
                None
            }
        }
    }

    /// A lookup's hit at slot `i`: counted, and the slot made the most recent.
    #[inline(always)]
    fn count_hit(&mut self, i: usize) -> Option<TlbEntry> {
        self.stats.hits += 1;
        self.clock += 1;
        self.last_use[i] = self.clock;
        self.slots[i]
    }

    /// The slot holding `vaddr` for `asid`, if any (hint first); the hint is updated. Nothing
    /// is counted.
    #[inline(always)]
    fn slot_of(&mut self, vaddr: u32, asid: u16) -> Option<usize> {
        let tag = page_tag(vaddr, PageSize::Page4K);
        let hint = tag as usize % HINTS;
        let hinted = self.hints[hint] as usize;
        if let Some(i) = self.hinted_slot(hinted, tag, asid) {
            return Some(i);
        }
        let key = miss_key(tag, asid);
        if self.last_miss == key {
            return None;
        }
        let found = self.find(vaddr, asid);
        match found {
            Some(i) if self.tags[i] == tag => self.hints[hint] = i as u32,
            Some(_) => {}
            None => self.last_miss = key,
        }
        found
    }

    /// Caches walk result `t` for `vaddr` in `asid`: replaces an entry for the same page (a
    /// re-walk, e.g. to set D), else fills a free way, else evicts the set's LRU way.
    pub fn insert(&mut self, vaddr: u32, asid: u16, t: &Translation) {
        self.last_miss = NO_MISS;
        let entry = TlbEntry::from_translation(vaddr, asid, t);
        let range = self.set_slots(vaddr, t.page_size);
        let tag = page_tag(vaddr, t.page_size);
        let i = self.scan(range.clone(), tag, asid).unwrap_or_else(|| {
            // A free way, else the least recently used one (one pass).
            let base = range.start;
            let mut victim = base;
            let mut oldest = u64::MAX;
            for (w, (&t, &used)) in self.tags[range.clone()]
                .iter()
                .zip(&self.last_use[range])
                .enumerate()
            {
                let age = if t == NO_TAG { 0 } else { used + 1 };
                if age < oldest {
                    oldest = age;
                    victim = base + w;
                }
            }
            victim
        });
        if self.slots[i].is_some_and(|e| e.page_size == PageSize::Mega4M) {
            self.mega_entries -= 1;
        }
        if entry.page_size == PageSize::Mega4M {
            self.mega_entries += 1;
        }
        self.clock += 1;
        self.slots[i] = Some(entry);
        self.tags[i] = tag;
        self.last_use[i] = self.clock;
        if entry.page_size == PageSize::Page4K {
            self.hints[tag as usize % HINTS] = i as u32;
        }
    }

    /// Applies an `sfence.vma`.
    pub fn sfence(&mut self, fence: SfenceVma) {
        self.stats.flushes += 1;
        for (slot, tag) in self.slots.iter_mut().zip(&mut self.tags) {
            if slot.is_some_and(|e| fence.invalidates(&e)) {
                if slot.is_some_and(|e| e.page_size == PageSize::Mega4M) {
                    self.mega_entries -= 1;
                }
                *slot = None;
                *tag = NO_TAG;
            }
        }
    }
}

#[cfg(test)]
mod tests;
