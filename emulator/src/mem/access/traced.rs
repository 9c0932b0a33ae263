//! The traced memory paths (DESIGN.md §8): what the interpreter calls instead of `load`,
//! `store`, `amo` and the fetch models when its observer is enabled.
//!
//! Each does exactly the modelled accounting of its fast path — the same host-map test, the
//! same D-TLB access, the same translation on the slow path, the same cache accesses, the same
//! counts — so a traced run's statistics equal an untraced one's (tested in `tests/trace.rs`).
//! What differs: caches are asked through [`Hierarchy::access_detailed`] (the same lookups,
//! MRU shortcut included, reporting per-level outcomes), the TLB outcome is read from its
//! miss counter, and an [`Event::Access`] is built for the observer.
//!
//! Accesses made deep inside a translation or the kernel — the walker's PTE reads, the halves
//! of a fetch straddling two pages, `copy_to_user`/`copy_from_user` — are not traced where they
//! happen (those paths have no observer); while tracing is on they are written to a journal,
//! a runtime check on those slow paths only, and the next traced call emits them first, so
//! events stay in the order the accesses reached the caches.

use super::*;
use crate::mem::hierarchy::{AccessOutcome, CacheJourney, Level, PackedJourney};
use crate::trace::event::{Access, AccessKind as TraceKind, PageFaultKind, TlbOutcome};
use crate::trace::fetch_run::{NextFetch, PlainFetch};
use crate::trace::Observer;

/// Where an access comes from: the instruction and the time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceAt {
    /// The instruction's pc.
    pub pc: u32,
    /// Instructions retired before it.
    pub insn: u64,
    /// The hart's cycle count.
    pub cycle: u64,
}

/// Where a run through a decoded block starts, for its traced fetches
/// ([`Memory::begin_block_run`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockRunAt {
    /// The block run's first pc.
    pub pc: u32,
    /// Its RAM offset.
    pub off: usize,
    /// Instructions retired before it.
    pub insn: u64,
    /// The hart's cycles outside the memory's stalls, fixed during the run.
    pub cycles: u64,
    /// Bit `k`: the run's instruction `k` is 4 bytes long.
    pub four_byte: u64,
    /// The address of the block's first decoded slot: in a lean run
    /// ([`Memory::lean_access_at`]) an instruction's position is its slot's distance from it,
    /// so the loop keeps no count.
    pub first_slot: usize,
}

/// An access made where no observer is at hand, waiting to be emitted.
#[derive(Clone, Copy, Debug)]
pub(super) struct Journaled {
    kind: TraceKind,
    vaddr: u32,
    paddr: u32,
    size: u8,
    /// What the caches did, the journey packed (a walked run access's record keeps it so).
    cache: Option<(AccessOutcome, PackedJourney)>,
    /// Cycles of an access that bypassed the caches (a PTE read without caches: the RAM
    /// latency); 0 otherwise.
    uncached_cycles: u64,
}

/// One page's part of a completed data access: physical address, bytes, and what the caches
/// did with it.
type DonePart = (u32, u32, Option<(AccessOutcome, CacheJourney)>);

/// Tracing state of a memory (all empty when not tracing).
#[derive(Clone, Debug, Default)]
pub(super) struct TraceState {
    /// Accesses waiting to be emitted; `Some` while tracing.
    pub(super) journal: Option<Vec<Journaled>>,
    /// Accesses emitted so far (the next access's `seq`).
    seq: u64,
    /// Page (number) of a page fault the kernel just resolved: the retried access is marked.
    fault_page: Option<u32>,
    /// The fault at `fault_page` was major (the page came back from swap).
    fault_major: bool,
    /// The I-TLB's part in the next fetch (the block entry looks the I-TLB up once).
    itlb: TlbOutcome,
    /// The pc after the last fetch reported as a [`PlainFetch`], if no other fetch was
    /// reported since (else 0, which is no fetch's address after a plain fetch): a plain fetch
    /// there, on the same page, may continue the observer's fetch run
    /// ([`Observer::continue_fetch_run`]).
    next_plain_pc: u32,
    /// The block run being traced ([`Memory::begin_block_run`]).
    run: BlockRunAt,
    /// In a lean run (the traced loop without retirements): how many of the run's fetches
    /// `seq` counts. Its common fetches leave `seq` alone; whatever needs `seq` exact first
    /// adds the fetches since ([`Memory::count_run_fetches`]).
    counted: usize,
}

impl TraceState {
    /// True if nothing waits to be emitted before the next access and no resolved page fault
    /// waits to mark it: the next access's event depends on that access alone.
    #[inline(always)]
    fn quiet(&self) -> bool {
        self.fault_page.is_none() && self.journal.as_ref().is_some_and(|j| j.is_empty())
    }

    /// The kind of the fault just resolved.
    fn fault_kind(&self) -> PageFaultKind {
        if self.fault_major {
            PageFaultKind::Major
        } else {
            PageFaultKind::Minor
        }
    }
}

/// Up to 4 little-endian bytes as a value.
fn le_value(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .enumerate()
        .fold(0, |v, (i, &b)| v | u32::from(b) << (8 * i))
}

/// The access of `kind` as the trace names it.
fn trace_kind(kind: CacheKind) -> TraceKind {
    match kind {
        CacheKind::Fetch => TraceKind::Fetch,
        CacheKind::Load => TraceKind::Load,
        CacheKind::Store => TraceKind::Store,
        CacheKind::Amo => TraceKind::Amo,
        CacheKind::Ptw => TraceKind::Ptw,
    }
}

impl PtwPort<'_> {
    /// The modelled cache access of a PTE read (journaled while tracing).
    pub(super) fn cache_read(&mut self, paddr: u32) {
        let Some(c) = self.caches.as_deref_mut() else {
            self.stats.cycles += self.uncached_read_cycles;
            if let Some(j) = self.journal.as_deref_mut() {
                j.push(Journaled {
                    kind: TraceKind::Ptw,
                    vaddr: paddr,
                    paddr,
                    size: 4,
                    cache: None,
                    uncached_cycles: self.uncached_read_cycles,
                });
            }
            return;
        };
        match self.journal.as_deref_mut() {
            None => self.stats.cycles += c.access_fast(paddr, 4, CacheKind::Ptw),
            Some(j) => {
                let (out, journey) = c.access_packed(paddr, 4, CacheKind::Ptw);
                self.stats.cycles += out.cycles;
                j.push(Journaled {
                    kind: TraceKind::Ptw,
                    vaddr: paddr,
                    paddr,
                    size: 4,
                    cache: Some((out, journey)),
                    uncached_cycles: 0,
                });
            }
        }
    }
}

impl Memory {
    /// Starts tracing: from now on journaled accesses are kept for the traced paths to emit.
    pub fn start_tracing(&mut self) {
        self.trace.journal.get_or_insert_with(Vec::new);
    }

    /// The kernel resolved a page fault at `vaddr` (mapped the page): the retried access is
    /// marked with a minor fault.
    pub fn trace_fault_resolved(&mut self, vaddr: u32) {
        if self.trace.journal.is_some() {
            self.trace.fault_page = Some(vaddr >> PAGE_SHIFT);
            self.trace.fault_major = false;
        }
    }

    /// Like [`Memory::trace_fault_resolved`], for a major fault (the page came from swap).
    pub fn trace_major_fault_resolved(&mut self, vaddr: u32) {
        self.trace_fault_resolved(vaddr);
        self.trace.fault_major = true;
    }

    /// The kernel copied `size` bytes at user address `vaddr` (physical `paddr`); journaled as
    /// a `kernel` access while tracing. Kernel copies do not go through the modelled TLBs or
    /// caches.
    pub fn note_kernel_access(&mut self, vaddr: u32, paddr: u32, size: usize) {
        if let Some(j) = self.trace.journal.as_mut() {
            j.push(Journaled {
                kind: TraceKind::Kernel,
                vaddr,
                paddr,
                size: size.min(u8::MAX as usize) as u8,
                cache: None,
                uncached_cycles: 0,
            });
        }
    }

    /// Emits the journaled accesses, oldest first, as made by the instruction at `at`.
    pub fn emit_journal<O: Observer>(&mut self, at: TraceAt, observer: &mut O) {
        let Some(journal) = self.trace.journal.as_mut() else {
            return;
        };
        if journal.is_empty() {
            return;
        }
        let entries = std::mem::take(journal);
        for e in &entries {
            let region = if e.kind == TraceKind::Ptw {
                Region::Kernel
            } else {
                self.region_of(e.vaddr)
            };
            let access = Access {
                seq: self.next_seq(),
                insn: at.insn,
                cycle: at.cycle,
                pc: at.pc,
                kind: e.kind,
                size: e.size,
                vaddr: e.vaddr,
                paddr: Some(e.paddr),
                split: None,
                region: Some(region),
                tlb: TlbOutcome::None,
                cache: e.cache.map(|(_, j)| j.unpack()),
                served_by: e.cache.map(|(o, _)| o.served_by),
                page_fault: None,
                fault: None,
                data: None,
                cycles: e.cache.map_or(e.uncached_cycles, |(o, _)| o.cycles),
            };
            observer.on_access(&access);
        }
        // Give the vector back so its buffer is reused.
        let mut entries = entries;
        entries.clear();
        if let Some(journal) = self.trace.journal.as_mut() {
            if journal.is_empty() {
                *journal = entries;
            }
        }
    }

    fn next_seq(&mut self) -> u64 {
        let s = self.trace.seq;
        self.trace.seq += 1;
        s
    }

    /// The region of user page `vaddr`, as the kernel mapped it.
    fn region_of(&self, vaddr: u32) -> Region {
        Region::from_index(self.page_region[(vaddr >> PAGE_SHIFT) as usize] as usize)
    }

    /// The D-TLB's miss count, if a D-TLB translates data accesses now.
    fn dtlb_misses(&self) -> Option<u64> {
        match self.tlbs.as_deref() {
            Some(t) if self.context.data.is_some() => Some(t.dtlb.stats().misses),
            _ => None,
        }
    }

    /// The I-TLB's miss count, if an I-TLB translates fetches now.
    fn itlb_misses(&self) -> Option<u64> {
        match self.tlbs.as_deref() {
            Some(t) if self.context.fetch.is_some() => Some(t.itlb.stats().misses),
            _ => None,
        }
    }

    /// The TLB outcome between two miss counts.
    fn tlb_outcome(before: Option<u64>, after: Option<u64>) -> TlbOutcome {
        match (before, after) {
            (Some(b), Some(a)) if a > b => TlbOutcome::Miss,
            (Some(_), Some(_)) => TlbOutcome::Hit,
            _ => TlbOutcome::None,
        }
    }

    /// The cache access of a traced access: [`Memory::cache_access`] with the journey. The
    /// MRU shortcut is tried here, inline: most accesses end there, as plain L1 hits.
    #[inline(always)]
    fn cache_access_detailed(
        &mut self,
        off: usize,
        size: u32,
        kind: CacheKind,
    ) -> Option<(AccessOutcome, CacheJourney)> {
        let c = self.caches.as_deref_mut()?;
        let paddr = RAM_BASE.wrapping_add(off as u32);
        match c.access_mru(paddr, size, kind) {
            Some(cycles) => {
                self.count_cache_cycles(kind, cycles);
                let out = AccessOutcome {
                    served_by: Level::L1,
                    cycles,
                };
                Some((out, CacheJourney::L1_HIT))
            }
            None => self.cache_access_past_mru(off, size, kind),
        }
    }

    /// [`Memory::cache_access_detailed`] for an access the L1's MRU shortcut just refused (it
    /// is not tried again).
    fn cache_access_past_mru(
        &mut self,
        off: usize,
        size: u32,
        kind: CacheKind,
    ) -> Option<(AccessOutcome, CacheJourney)> {
        let c = self.caches.as_deref_mut()?;
        let paddr = RAM_BASE.wrapping_add(off as u32);
        let (out, journey) = c.access_detailed_past_mru(paddr, size, kind);
        self.count_cache_cycles(kind, out.cycles);
        Some((out, journey))
    }

    /// The common data access of `N` bytes at `vaddr`: nothing journaled and no fault just
    /// resolved ([`TraceState::quiet`]), inside one page whose host entry allows it (`entry &
    /// mask == want`, as the fast path tests), and a D-TLB hit that needs no walk (on its most
    /// recent page, or found by a lookup; counted as the fast path counts it) or no D-TLB. Its
    /// host entry and TLB outcome; `None`, having counted nothing, if the access needs the
    /// general path.
    #[inline(always)]
    fn plain_data<const N: usize>(
        &mut self,
        vaddr: u32,
        kind: AccessKind,
        mask: u32,
        want: u32,
    ) -> Option<(u32, TlbOutcome)> {
        if !self.trace.quiet() {
            return None;
        }
        let entry = self.map.entry(vaddr);
        if entry & mask != want || (vaddr & 0xfff) as usize > 0x1000 - N {
            return None;
        }
        let tlb = match self.tlbs.as_deref_mut() {
            Some(t) if self.context.data.is_some() => {
                if !t.dtlb.hit_mru(vaddr) && !self.dtlb_hit_without_walk(vaddr, kind) {
                    return None;
                }
                TlbOutcome::Hit
            }
            _ => TlbOutcome::None,
        };
        Some((entry, tlb))
    }

    /// Completes a plain load or store (see [`Memory::plain_data`]) of `size` bytes at `vaddr`
    /// through host entry `entry`, bar moving its bytes: the cache access, the count of its
    /// region, its event (`data`: a store's value). Returns its RAM offset.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn plain_data_access<O: Observer>(
        &mut self,
        at: TraceAt,
        kind: CacheKind,
        vaddr: u32,
        size: usize,
        entry: u32,
        tlb: TlbOutcome,
        data: Option<u32>,
        observer: &mut O,
    ) -> usize {
        let off = entry_ram_offset(entry, vaddr);
        let paddr = RAM_BASE.wrapping_add(off as u32);
        let region = entry_region_index(entry);
        self.count_data_region(kind, region);
        let access = Access {
            seq: self.next_seq(),
            insn: at.insn,
            cycle: at.cycle,
            pc: at.pc,
            kind: trace_kind(kind),
            size: size as u8,
            vaddr,
            paddr: Some(paddr),
            split: None,
            region: Some(Region::from_index(region)),
            tlb,
            cache: None,
            served_by: None,
            page_fault: None,
            fault: None,
            data,
            cycles: 0,
        };
        // No walk and no fault: the hart's stall grew by its cycles less one, nothing else.
        // The L1's most recent line is reported from here, its journey a constant the
        // record is made from; the rest takes the full lookup.
        match self
            .caches
            .as_deref_mut()
            .map(|c| c.access_mru(paddr, size as u32, kind))
        {
            Some(Some(cycles)) => {
                self.count_cache_cycles(kind, cycles);
                let access = Access {
                    cache: Some(CacheJourney::L1_HIT),
                    served_by: Some(Level::L1),
                    cycles,
                    ..access
                };
                observer.on_plain_data(&access);
            }
            Some(None) => self.plain_data_lookup(access, off, kind, observer),
            None => observer.on_plain_data(&access),
        }
        off
    }

    /// Counts a load or store (`kind`) of the region of index `region`.
    #[inline(always)]
    fn count_data_region(&mut self, kind: CacheKind, region: usize) {
        if kind == CacheKind::Store {
            self.counts.stores[region] += 1;
        } else {
            self.counts.loads[region] += 1;
        }
    }

    /// The plain data access `access` of `kind` at RAM offset `off` (its journey not filled
    /// in) off the L1's most recent line: the full cache lookup, then its event.
    #[inline(never)]
    fn plain_data_lookup<O: Observer>(
        &mut self,
        mut access: Access,
        off: usize,
        kind: CacheKind,
        observer: &mut O,
    ) {
        // The caller found the access off the L1's most recent line.
        if let Some((out, journey)) = self.cache_access_past_mru(off, u32::from(access.size), kind)
        {
            access.cache = Some(journey);
            access.served_by = Some(out.served_by);
            access.cycles = out.cycles;
        }
        observer.on_plain_data(&access);
    }

    /// The fetch models' L1I access inside `fetch_straddling`: journaled while tracing.
    pub(super) fn fetch_line_logged(&mut self, pc: u32, off: usize, len: u32) {
        if self.trace.journal.is_none() {
            self.fetch_line(off, len);
            return;
        }
        let cache = self.cache_access_detailed(off, len, CacheKind::Fetch);
        if let Some(j) = self.trace.journal.as_mut() {
            j.push(Journaled {
                kind: TraceKind::Fetch,
                vaddr: pc,
                paddr: RAM_BASE.wrapping_add(off as u32),
                size: len as u8,
                cache: cache.map(|(o, j)| (o, PackedJourney::of(&j))),
                uncached_cycles: 0,
            });
        }
    }

    /// Emits the access event of a data access (after the journal: its walk came first).
    #[allow(clippy::too_many_arguments)]
    fn emit_data<O: Observer>(
        &mut self,
        at: TraceAt,
        observer: &mut O,
        kind: CacheKind,
        vaddr: u32,
        size: u32,
        tlb: TlbOutcome,
        parts: &[DonePart],
        region: Option<Region>,
        fault: Option<Exception>,
        data: Option<u32>,
    ) {
        // Page-table reads wait in the journal exactly when the access walked.
        let walked = !self.trace.journal.as_ref().is_some_and(|j| j.is_empty());
        self.emit_journal(at, observer);
        let page_fault = match self.trace.fault_page {
            Some(p) if fault.is_none() && p == vaddr >> PAGE_SHIFT => {
                self.trace.fault_page = None;
                Some(self.trace.fault_kind())
            }
            _ => None,
        };
        let first = parts.first();
        let second = parts.get(1);
        let (cache, served_by, cycles) = match (first.and_then(|p| p.2), second.and_then(|p| p.2)) {
            (Some((o1, j1)), Some((o2, j2))) => {
                let mut j = j1;
                for (a, b) in j.levels.iter_mut().zip(j2.levels) {
                    a.hit = match (a.hit, b.hit) {
                        (Some(x), Some(y)) => Some(x && y),
                        (x, y) => x.or(y),
                    };
                    a.evictions = a.evictions.saturating_add(b.evictions);
                    a.writebacks = a.writebacks.saturating_add(b.writebacks);
                }
                j.ram_reads = j.ram_reads.saturating_add(j2.ram_reads);
                j.ram_writes = j.ram_writes.saturating_add(j2.ram_writes);
                (
                    Some(j),
                    Some(o1.served_by.max(o2.served_by)),
                    o1.cycles + o2.cycles,
                )
            }
            (Some((o, j)), None) => (Some(j), Some(o.served_by), o.cycles),
            _ => (None, None, 0),
        };
        let access = Access {
            seq: self.next_seq(),
            insn: at.insn,
            cycle: at.cycle,
            pc: at.pc,
            kind: trace_kind(kind),
            size: size as u8,
            vaddr,
            paddr: first.map(|p| p.0),
            split: second.map(|p| (p.0, p.1 as u8)),
            region,
            tlb,
            cache,
            served_by,
            page_fault,
            fault,
            data,
            cycles,
        };
        // A load or store in one page that neither walked nor faulted (a D-TLB hit off its
        // most recent page, a store to a page of code) grew the stall by its cycles less one,
        // like a plain one.
        let plain = !walked
            && tlb != TlbOutcome::Miss
            && access.page_fault.is_none()
            && access.fault.is_none()
            && access.split.is_none()
            && matches!(kind, CacheKind::Load | CacheKind::Store);
        if plain {
            observer.on_plain_data(&access);
        } else {
            observer.on_access(&access);
        }
    }

    /// A load or store of `size` bytes at `vaddr` of the lean run's open block run (`at`: its
    /// instruction), translated by its host entry `entry` after a D-TLB access (`tlb`) that
    /// walked, the journal empty before it and no page fault resolved, as a walked run access
    /// ([`Observer::on_walked_run_access`]) if it is one: its PTE reads (one or two) are all
    /// the journal holds and the caches are modelled. Its cache access, its count and its
    /// event are made here, and its RAM offset returned (the caller moves the bytes); `None`,
    /// having done nothing, if it must take the general path.
    #[allow(clippy::too_many_arguments)]
    fn walked_run_access<O: Observer>(
        &mut self,
        at: TraceAt,
        kind: CacheKind,
        vaddr: u32,
        size: usize,
        entry: u32,
        tlb: TlbOutcome,
        data: Option<u32>,
        observer: &mut O,
    ) -> Option<usize> {
        use crate::trace::run_access::{PteRead, RunWalk, MAX_PTE_READS};
        if !O::RUN_ACCESSES || !observer.in_block_run() {
            return None;
        }
        let (Some(journal), Some(caches)) =
            (self.trace.journal.as_mut(), self.caches.as_deref_mut())
        else {
            return None;
        };
        if journal.is_empty()
            || journal.len() > MAX_PTE_READS
            || journal.iter().any(|e| e.kind != TraceKind::Ptw)
        {
            return None;
        }
        let mut walk = RunWalk {
            count: journal.len() as u8,
            ..RunWalk::default()
        };
        for (read, e) in walk.reads.iter_mut().zip(journal.iter()) {
            *read = PteRead {
                paddr: e.paddr,
                cycles: e.cache.map_or(e.uncached_cycles, |(o, _)| o.cycles),
                cache: e.cache.map(|(o, j)| (j, o.served_by)),
            };
        }
        journal.clear();
        let off = entry_ram_offset(entry, vaddr);
        let paddr = RAM_BASE.wrapping_add(off as u32);
        let (out, journey) = caches.access_packed(paddr, size as u32, kind);
        self.count_cache_cycles(kind, out.cycles);
        // The reads' seqs come before the access's.
        self.trace.seq += u64::from(walk.count);
        let cache = (journey, out.served_by, out.cycles);
        let access =
            self.counted_run_access(at.insn, kind, vaddr, paddr, size, entry, tlb, data, cache);
        observer.on_walked_run_access(&access, &walk);
        Some(off)
    }

    /// Translates a data access exactly as the fast path (`fast` true) or the slow path would.
    fn translate_traced(
        &mut self,
        vaddr: u32,
        size: u32,
        kind: AccessKind,
        fast_mask: u32,
    ) -> Result<(bool, [Option<AccessPart>; 2]), Exception> {
        let entry = self.map.entry(vaddr);
        let want = if kind == AccessKind::Store {
            WRITE
        } else {
            READ
        };
        if entry & fast_mask == want && (vaddr & 0xfff) <= 0x1000 - size {
            self.dtlb_access(vaddr, kind)?;
            return Ok((true, [Some((entry, vaddr, size)), None]));
        }
        Ok((false, self.translate_parts(vaddr, size, kind)?))
    }

    /// [`Memory::load`], traced.
    #[inline(always)]
    pub fn load_traced<const N: usize, O: Observer>(
        &mut self,
        vaddr: u32,
        at: TraceAt,
        observer: &mut O,
    ) -> Result<[u8; N], Exception> {
        if let Some((entry, tlb)) = self.plain_data::<N>(vaddr, AccessKind::Load, READ, READ) {
            let off =
                self.plain_data_access(at, CacheKind::Load, vaddr, N, entry, tlb, None, observer);
            return Ok(self.ram.bytes()[off..off + N].try_into().expect("N bytes"));
        }
        self.load_traced_slow::<N, false, O>(vaddr, at, observer)
    }

    /// The general traced load; `IN_RUN`: of the lean run's open block run, where a load that
    /// walked is a walked run access ([`Memory::walked_run_access`]).
    #[inline(never)]
    fn load_traced_slow<const N: usize, const IN_RUN: bool, O: Observer>(
        &mut self,
        vaddr: u32,
        at: TraceAt,
        observer: &mut O,
    ) -> Result<[u8; N], Exception> {
        // Only a walk's own PTE reads may be in the journal for a walked run access.
        let quiet = IN_RUN && self.trace.quiet();
        let before = self.dtlb_misses();
        let (fast, parts) = match self.translate_traced(vaddr, N as u32, AccessKind::Load, READ) {
            Ok(t) => t,
            Err(e) => {
                let tlb = Self::tlb_outcome(before, self.dtlb_misses());
                self.emit_data(
                    at,
                    observer,
                    CacheKind::Load,
                    vaddr,
                    N as u32,
                    tlb,
                    &[],
                    None,
                    Some(e),
                    None,
                );
                return Err(e);
            }
        };
        let tlb = Self::tlb_outcome(before, self.dtlb_misses());
        if let (true, true, [Some((entry, _, _)), None]) = (quiet, fast, parts) {
            let walked =
                self.walked_run_access(at, CacheKind::Load, vaddr, N, entry, tlb, None, observer);
            if let Some(off) = walked {
                return Ok(self.ram.bytes()[off..off + N].try_into().expect("N bytes"));
            }
        }
        let mut out = [0u8; N];
        let mut i = 0;
        let mut done = [(0, 0, None); 2];
        let mut n = 0;
        for &(entry, start, len) in parts.iter().flatten() {
            let off = entry_ram_offset(entry, start);
            let cache = self.cache_access_detailed(off, len, CacheKind::Load);
            out[i..i + len as usize].copy_from_slice(&self.ram.bytes()[off..off + len as usize]);
            i += len as usize;
            done[n] = (RAM_BASE.wrapping_add(off as u32), len, cache);
            n += 1;
        }
        let region = if fast {
            entry_region_index(parts[0].expect("a first part").0)
        } else {
            self.page_region[(vaddr >> PAGE_SHIFT) as usize] as usize & 7
        };
        self.counts.loads[region] += 1;
        let region = Some(Region::from_index(region));
        self.emit_data(
            at,
            observer,
            CacheKind::Load,
            vaddr,
            N as u32,
            tlb,
            &done[..n],
            region,
            None,
            None,
        );
        Ok(out)
    }

    /// [`Memory::load_traced`] of the lean run's instruction in decoded slot `c`: a plain
    /// L1 hit of an observer's open block run is its run access ([`Memory::run_access`]); any
    /// other load finds where it stands from `c` ([`Memory::lean_access_at`]) and is traced.
    #[inline(always)]
    pub fn load_lean<const N: usize, O: Observer>(
        &mut self,
        vaddr: u32,
        c: &CachedInsn,
        observer: &mut O,
    ) -> Result<[u8; N], Exception> {
        if O::RUN_ACCESSES && observer.in_block_run() {
            if let Some((entry, tlb)) = self.plain_data::<N>(vaddr, AccessKind::Load, READ, READ) {
                let off = self.run_access(c, CacheKind::Load, vaddr, N, entry, tlb, None, observer);
                return Ok(self.ram.bytes()[off..off + N].try_into().expect("N bytes"));
            }
            let at = self.lean_access_at(c);
            return self.load_traced_slow::<N, true, O>(vaddr, at, observer);
        }
        self.load_lean_general(vaddr, c, observer)
    }

    /// [`Memory::load_lean`] outside a block run: where it stands, then the traced load.
    #[inline(never)]
    fn load_lean_general<const N: usize, O: Observer>(
        &mut self,
        vaddr: u32,
        c: &CachedInsn,
        observer: &mut O,
    ) -> Result<[u8; N], Exception> {
        let at = self.lean_access_at(c);
        self.load_traced(vaddr, at, observer)
    }

    /// [`Memory::store_traced`] of the lean run's instruction in decoded slot `c`, as
    /// [`Memory::load_lean`].
    #[inline(always)]
    pub fn store_lean<const N: usize, O: Observer>(
        &mut self,
        vaddr: u32,
        bytes: [u8; N],
        c: &CachedInsn,
        observer: &mut O,
    ) -> Result<(), Exception> {
        if O::RUN_ACCESSES && observer.in_block_run() {
            if let Some((entry, tlb)) =
                self.plain_data::<N>(vaddr, AccessKind::Store, WRITE | DECODED | WATCHED, WRITE)
            {
                let data = Some(le_value(&bytes));
                let off =
                    self.run_access(c, CacheKind::Store, vaddr, N, entry, tlb, data, observer);
                self.ram.bytes_mut()[off..off + N].copy_from_slice(&bytes);
                return Ok(());
            }
            let at = self.lean_access_at(c);
            return self.store_traced_slow::<N, true, O>(vaddr, bytes, at, observer);
        }
        self.store_lean_general(vaddr, bytes, c, observer)
    }

    /// [`Memory::store_lean`] outside a block run: where it stands, then the traced store.
    #[inline(never)]
    fn store_lean_general<const N: usize, O: Observer>(
        &mut self,
        vaddr: u32,
        bytes: [u8; N],
        c: &CachedInsn,
        observer: &mut O,
    ) -> Result<(), Exception> {
        let at = self.lean_access_at(c);
        self.store_traced(vaddr, bytes, at, observer)
    }

    /// Completes a plain load or store of the lean run's instruction in slot `c` while the
    /// observer's block run is open (see [`Memory::plain_data_access`], which it is but for the
    /// event): it is handed over as a [`RunAccess`](crate::trace::run_access::RunAccess), with
    /// no [`Access`] built. Returns its RAM offset.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn run_access<O: Observer>(
        &mut self,
        c: &CachedInsn,
        kind: CacheKind,
        vaddr: u32,
        size: usize,
        entry: u32,
        tlb: TlbOutcome,
        data: Option<u32>,
        observer: &mut O,
    ) -> usize {
        let off = entry_ram_offset(entry, vaddr);
        let paddr = RAM_BASE.wrapping_add(off as u32);
        let hit = match self.caches.as_deref_mut() {
            Some(h) => h.access_mru(paddr, size as u32, kind),
            None => None,
        };
        match hit {
            Some(cycles) => {
                self.count_cache_cycles(kind, cycles);
                let cache = (PackedJourney::L1_HIT, Level::L1, cycles);
                self.emit_run_access(
                    c, kind, vaddr, paddr, size, entry, tlb, data, cache, observer,
                );
            }
            None => self.run_access_past_mru(c, kind, vaddr, size, entry, tlb, data, observer),
        }
        off
    }

    /// [`Memory::run_access`] off the L1's most recent line: the full lookup, its journey
    /// recorded (with no caches, the access is made whole).
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn run_access_past_mru<O: Observer>(
        &mut self,
        c: &CachedInsn,
        kind: CacheKind,
        vaddr: u32,
        size: usize,
        entry: u32,
        tlb: TlbOutcome,
        data: Option<u32>,
        observer: &mut O,
    ) {
        let off = entry_ram_offset(entry, vaddr);
        let paddr = RAM_BASE.wrapping_add(off as u32);
        let packed = self
            .caches
            .as_deref_mut()
            .map(|c| c.access_packed_past_mru(paddr, size as u32, kind));
        match packed {
            Some((out, journey)) => {
                self.count_cache_cycles(kind, out.cycles);
                let cache = (journey, out.served_by, out.cycles);
                self.emit_run_access(
                    c, kind, vaddr, paddr, size, entry, tlb, data, cache, observer,
                );
            }
            None => {
                let at = self.lean_access_at(c);
                self.plain_data_access(at, kind, vaddr, size, entry, tlb, data, observer);
            }
        }
    }

    /// Counts the run access of slot `c`'s instruction and hands it to the observer; `cache`
    /// is its journey, serving level and cycles (counted already).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn emit_run_access<O: Observer>(
        &mut self,
        c: &CachedInsn,
        kind: CacheKind,
        vaddr: u32,
        paddr: u32,
        size: usize,
        entry: u32,
        tlb: TlbOutcome,
        data: Option<u32>,
        cache: (PackedJourney, Level, u64),
        observer: &mut O,
    ) {
        let insn = self.trace.run.insn + self.run_position(c) as u64;
        let access =
            self.counted_run_access(insn, kind, vaddr, paddr, size, entry, tlb, data, cache);
        observer.on_run_access(&access);
    }

    /// The run access of instruction `insn`, its region counted and its own seq taken (the
    /// run's fetches are counted where `seq` must be exact); `cache` is its journey, serving
    /// level and cycles (counted already).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn counted_run_access(
        &mut self,
        insn: u64,
        kind: CacheKind,
        vaddr: u32,
        paddr: u32,
        size: usize,
        entry: u32,
        tlb: TlbOutcome,
        data: Option<u32>,
        (journey, served_by, cycles): (PackedJourney, Level, u64),
    ) -> crate::trace::run_access::RunAccess {
        let region = entry_region_index(entry);
        self.count_data_region(kind, region);
        self.trace.seq += 1;
        crate::trace::run_access::RunAccess {
            insn,
            kind: trace_kind(kind),
            size: size as u8,
            region: Region::from_index(region),
            tlb,
            vaddr,
            paddr,
            data,
            cycles,
            journey,
            served_by,
        }
    }

    /// [`Memory::store`], traced.
    #[inline(always)]
    pub fn store_traced<const N: usize, O: Observer>(
        &mut self,
        vaddr: u32,
        bytes: [u8; N],
        at: TraceAt,
        observer: &mut O,
    ) -> Result<(), Exception> {
        if let Some((entry, tlb)) =
            self.plain_data::<N>(vaddr, AccessKind::Store, WRITE | DECODED | WATCHED, WRITE)
        {
            let data = Some(le_value(&bytes));
            let off =
                self.plain_data_access(at, CacheKind::Store, vaddr, N, entry, tlb, data, observer);
            self.ram.bytes_mut()[off..off + N].copy_from_slice(&bytes);
            return Ok(());
        }
        self.store_traced_slow::<N, false, O>(vaddr, bytes, at, observer)
    }

    /// The general traced store; `IN_RUN` as for [`Memory::load_traced_slow`].
    #[inline(never)]
    fn store_traced_slow<const N: usize, const IN_RUN: bool, O: Observer>(
        &mut self,
        vaddr: u32,
        bytes: [u8; N],
        at: TraceAt,
        observer: &mut O,
    ) -> Result<(), Exception> {
        let quiet = IN_RUN && self.trace.quiet();
        let before = self.dtlb_misses();
        let mask = WRITE | DECODED | WATCHED;
        let (fast, parts) = match self.translate_traced(vaddr, N as u32, AccessKind::Store, mask) {
            Ok(t) => t,
            Err(e) => {
                let tlb = Self::tlb_outcome(before, self.dtlb_misses());
                self.emit_data(
                    at,
                    observer,
                    CacheKind::Store,
                    vaddr,
                    N as u32,
                    tlb,
                    &[],
                    None,
                    Some(e),
                    None,
                );
                return Err(e);
            }
        };
        let tlb = Self::tlb_outcome(before, self.dtlb_misses());
        if let (true, true, [Some((entry, _, _)), None]) = (quiet, fast, parts) {
            let data = Some(le_value(&bytes));
            let walked =
                self.walked_run_access(at, CacheKind::Store, vaddr, N, entry, tlb, data, observer);
            if let Some(off) = walked {
                self.ram.bytes_mut()[off..off + N].copy_from_slice(&bytes);
                return Ok(());
            }
        }
        let mut i = 0;
        let mut done = [(0, 0, None); 2];
        let mut n = 0;
        for &(entry, start, len) in parts.iter().flatten() {
            if !fast {
                self.frame_written(entry_frame(entry));
            }
            let off = entry_ram_offset(entry, start);
            let cache = self.cache_access_detailed(off, len, CacheKind::Store);
            self.ram.bytes_mut()[off..off + len as usize]
                .copy_from_slice(&bytes[i..i + len as usize]);
            if !fast {
                self.log_if_watched(entry, off, &bytes[i..i + len as usize]);
            }
            i += len as usize;
            done[n] = (RAM_BASE.wrapping_add(off as u32), len, cache);
            n += 1;
        }
        let region = if fast {
            entry_region_index(parts[0].expect("a first part").0)
        } else {
            self.page_region[(vaddr >> PAGE_SHIFT) as usize] as usize & 7
        };
        self.counts.stores[region] += 1;
        let region = Some(Region::from_index(region));
        self.emit_data(
            at,
            observer,
            CacheKind::Store,
            vaddr,
            N as u32,
            tlb,
            &done[..n],
            region,
            None,
            Some(le_value(&bytes)),
        );
        Ok(())
    }

    /// [`Memory::amo`], traced.
    pub fn amo_traced<O: Observer>(
        &mut self,
        vaddr: u32,
        op: impl FnOnce(u32) -> u32,
        at: TraceAt,
        observer: &mut O,
    ) -> Result<u32, Exception> {
        let before = self.dtlb_misses();
        let translated = if vaddr & 3 != 0 {
            Err(Exception::StoreMisaligned(vaddr))
        } else {
            self.translate_parts(vaddr, 4, AccessKind::Store)
        };
        let tlb = Self::tlb_outcome(before, self.dtlb_misses());
        let entry = match translated {
            Ok([Some((entry, _, _)), _]) => entry,
            Ok(_) => unreachable!("an access has a first part"),
            Err(e) => {
                self.emit_data(
                    at,
                    observer,
                    CacheKind::Amo,
                    vaddr,
                    4,
                    tlb,
                    &[],
                    None,
                    Some(e),
                    None,
                );
                return Err(e);
            }
        };
        self.frame_written(entry_frame(entry));
        let off = entry_ram_offset(entry, vaddr);
        let cache = self.cache_access_detailed(off, 4, CacheKind::Amo);
        let old = u32::from_le_bytes(self.ram.bytes()[off..off + 4].try_into().expect("4"));
        let new = op(old).to_le_bytes();
        self.ram.bytes_mut()[off..off + 4].copy_from_slice(&new);
        self.log_if_watched(entry, off, &new);
        let region = self.page_region[(vaddr >> PAGE_SHIFT) as usize] as usize & 7;
        self.counts.loads[region] += 1;
        self.counts.stores[region] += 1;
        let part = [(RAM_BASE.wrapping_add(off as u32), 4, cache)];
        self.emit_data(
            at,
            observer,
            CacheKind::Amo,
            vaddr,
            4,
            tlb,
            &part,
            Some(Region::from_index(region)),
            None,
            Some(u32::from_le_bytes(new)),
        );
        Ok(old)
    }

    /// [`Memory::fetch_block`], traced: the I-TLB outcome is kept for the block's first fetch,
    /// the walk's PTE reads are emitted, and a fetch that faults is emitted as a failed access
    /// (`at` says where it stands; it is asked only off the common entry).
    #[inline(always)]
    pub fn fetch_block_traced<O: Observer>(
        &mut self,
        pc: u32,
        at: impl FnOnce(&Memory) -> TraceAt,
        observer: &mut O,
    ) -> Result<usize, Exception> {
        // The common entry, as `fetch_block` makes it: an executable page, the I-TLB's most
        // recent one (a hit) or no I-TLB.
        let entry = self.map.entry(pc);
        if entry & EXEC != 0 {
            let itlb = match self.tlbs.as_deref_mut() {
                Some(t) if self.context.fetch.is_some() => {
                    t.itlb.hit_mru(pc).then_some(TlbOutcome::Hit)
                }
                _ => Some(TlbOutcome::None),
            };
            if let Some(itlb) = itlb {
                self.trace.itlb = itlb;
                return Ok(entry_ram_offset(entry, pc & !(PAGE_SIZE - 1)));
            }
        }
        let at = at(self);
        self.fetch_block_traced_slow(pc, at, observer)
    }

    /// [`Memory::fetch_block_traced`] off the common entry: a translation, maybe a walk.
    #[inline(never)]
    fn fetch_block_traced_slow<O: Observer>(
        &mut self,
        pc: u32,
        at: TraceAt,
        observer: &mut O,
    ) -> Result<usize, Exception> {
        let before = self.itlb_misses();
        let result = self.fetch_block(pc);
        self.trace.itlb = Self::tlb_outcome(before, self.itlb_misses());
        if let Err(e) = result {
            self.emit_fetch_fault(pc, e, at, observer);
        }
        result
    }

    /// Emits the failed fetch at `pc` (a block could not be entered or decoded).
    pub fn emit_fetch_fault<O: Observer>(
        &mut self,
        pc: u32,
        e: Exception,
        at: TraceAt,
        observer: &mut O,
    ) {
        let tlb = std::mem::take(&mut self.trace.itlb);
        self.trace.next_plain_pc = 0;
        self.emit_journal(at, observer);
        let access = Access {
            seq: self.next_seq(),
            insn: at.insn,
            cycle: at.cycle,
            pc,
            kind: TraceKind::Fetch,
            size: 2,
            vaddr: pc,
            paddr: None,
            split: None,
            region: None,
            tlb,
            cache: None,
            served_by: None,
            page_fault: None,
            fault: Some(e),
            data: None,
            cycles: 0,
        };
        observer.on_access(&access);
    }

    /// One instruction fetch of `len` bytes at `pc`, traced: with the fetch models
    /// (`off` = its RAM offset) the L1I access [`Memory::fetch_line`] makes; without them
    /// (`off` = `None`) only the event, its physical address from the host map.
    #[inline(always)]
    pub fn fetch_traced<O: Observer>(
        &mut self,
        pc: u32,
        off: Option<usize>,
        len: u32,
        at: TraceAt,
        observer: &mut O,
    ) {
        // The common fetch: nothing journaled, no fault just resolved, and the L1I's MRU line.
        // Its journey is a plain L1 hit; the event is made here, with no journey to build.
        if let Some(off) = off {
            if self.trace.quiet() {
                let paddr = RAM_BASE.wrapping_add(off as u32);
                if let Some(cycles) = self
                    .caches
                    .as_deref_mut()
                    .and_then(|c| c.access_mru(paddr, len, CacheKind::Fetch))
                {
                    self.count_cache_cycles(CacheKind::Fetch, cycles);
                    // A plain fetch: reported as one, with no `Access` built (the `bin`
                    // writer folds these into fetch runs). The cycles of an L1 hit are its
                    // latency, far below 2^32.
                    if let Ok(cycles) = u32::try_from(cycles) {
                        // On the same page: a run's fetches share its first one's page and
                        // region.
                        let follows = pc == self.trace.next_plain_pc && pc & (PAGE_SIZE - 1) != 0;
                        let seq = self.next_seq();
                        let tlb = self.fetch_tlb();
                        self.trace.next_plain_pc = pc.wrapping_add(len);
                        // The next instruction after a plain fetch: the observer may take it
                        // as its fetch run's next, from these few fields.
                        if follows
                            && observer.continue_fetch_run(&NextFetch {
                                insn: at.insn,
                                seq,
                                cycle: at.cycle,
                                paddr,
                                size: len as u8,
                                tlb,
                                cycles,
                            })
                        {
                            return;
                        }
                        let fetch = PlainFetch {
                            seq,
                            insn: at.insn,
                            cycle: at.cycle,
                            pc,
                            paddr,
                            size: len as u8,
                            region: self.region_of(pc),
                            tlb,
                            cycles,
                        };
                        observer.on_plain_fetch(&fetch);
                        return;
                    }
                    let out = AccessOutcome {
                        served_by: Level::L1,
                        cycles,
                    };
                    let cache = Some((out, CacheJourney::L1_HIT));
                    let access = self.fetch_event(pc, len, at, Some(paddr), cache, None);
                    observer.on_access(&access);
                    return;
                }
            }
        }
        self.fetch_traced_slow(pc, off, len, at, observer);
    }

    /// [`Memory::fetch_traced`] for the `len`-byte instruction `i` (at `offset` bytes) of the
    /// run through a decoded block that [`Memory::begin_block_run`] started, with an observer
    /// that gathers block runs ([`Observer::BLOCK_RUNS`]; the caller ends the run with
    /// [`Observer::end_block_run`]).
    /// The open run's common fetch is [`Memory::fetch_in_open_block_run`]'s; this one opens a
    /// run, continues it past the L1I's most recent line, or reports the fetch as an access.
    /// (The cache lookup tries the most recent line first, so a run's first fetch costs one.)
    #[inline(never)]
    pub fn fetch_in_block_run<O: Observer>(
        &mut self,
        offset: u16,
        len: u8,
        i: usize,
        observer: &mut O,
    ) {
        let run = self.trace.run;
        let pc = run.pc.wrapping_add(u32::from(offset));
        let off = run.off + usize::from(offset);
        // Where the fetch stands: `stall` is the memory's stall before it.
        let at = |stall: u64| TraceAt {
            pc,
            insn: run.insn + i as u64,
            cycle: run.cycles + stall + i as u64,
        };
        // A plain fetch continues the open run or opens one (only with nothing waiting to be
        // reported); any other is reported as an access, which closes the run.
        if self.trace.quiet() {
            let paddr = RAM_BASE.wrapping_add(off as u32);
            let size = u32::from(len);
            if let Some((out, journey)) = self.cache_access_detailed(off, size, CacheKind::Fetch) {
                // Served by the L1 at its latency per line touched: an L1 hit on each (one,
                // or two for a fetch across a line boundary), nothing evicted, the journey an
                // L1 hit. The open block run takes either (its record holds the latency and
                // the line size); a block run is opened by a fetch of one line.
                let (hit_cycles, lines) = self.caches.as_deref().map_or((0, 0), |c| {
                    let lines = c.l1_lines_touched(paddr, size, CacheKind::Fetch);
                    (c.l1_hit_cycles(CacheKind::Fetch), lines)
                });
                let plain =
                    out.served_by == Level::L1 && hit_cycles.wrapping_mul(lines) == out.cycles;
                if plain && observer.in_block_run() {
                    self.trace.seq += 1;
                    return;
                }
                // The stall before this fetch's own (it counted its cycles less one).
                let at = at(self.stall_cycle_total() - out.cycles.saturating_sub(1));
                if plain && lines == 1 {
                    // Blocks hold at most 64 instructions.
                    let four_byte = run.four_byte >> (i % 64);
                    self.open_block_run(pc, paddr, len, out.cycles, four_byte, at, observer);
                } else {
                    let cache = Some((out, journey));
                    let access = self.fetch_event(pc, size, at, Some(paddr), cache, None);
                    observer.on_access(&access);
                }
                return;
            }
        }
        let at = at(self.stall_cycle_total());
        self.fetch_traced_slow(pc, Some(off), u32::from(len), at, observer);
    }

    /// In a lean run, counts the run's first `n` fetches in `seq` (those since the last count).
    #[inline(always)]
    pub fn count_run_fetches(&mut self, n: usize) {
        debug_assert!(
            n >= self.trace.counted,
            "a lean run's fetches counted twice"
        );
        self.trace.seq += n.wrapping_sub(self.trace.counted) as u64;
        self.trace.counted = n;
    }

    /// The lean run's block's RAM offset ([`BlockRunAt::off`]).
    #[inline(always)]
    pub fn lean_run_offset(&self) -> usize {
        self.trace.run.off
    }

    /// The position in the lean run's block of the instruction in decoded slot `c`
    /// ([`Memory::run_position`], for the interpreter's loop).
    #[inline(always)]
    pub fn lean_position(&self, c: &CachedInsn) -> usize {
        self.run_position(c)
    }

    /// The position in the lean run's block of the instruction in decoded slot `c`: the
    /// slot's distance from the block's first ([`BlockRunAt::first_slot`]).
    #[inline(always)]
    fn run_position(&self, c: &CachedInsn) -> usize {
        (c as *const CachedInsn as usize).wrapping_sub(self.trace.run.first_slot)
            / std::mem::size_of::<CachedInsn>()
    }

    /// Where a data access of the instruction in decoded slot `c` of the lean run stands (its
    /// position is the slot's distance from the run's first), with the run's fetches up to
    /// and including its own counted in `seq`.
    #[inline(always)]
    pub fn lean_access_at(&mut self, c: &CachedInsn) -> TraceAt {
        let i = self.run_position(c);
        let run = &self.trace.run;
        let at = TraceAt {
            pc: run.pc.wrapping_add(u32::from(c.offset)),
            insn: run.insn + i as u64,
            cycle: run.cycles + self.stall_cycle_total() + i as u64,
        };
        self.count_run_fetches(i + 1);
        at
    }

    /// [`Memory::fetch_in_block_run`] in a lean run: the fetches before it are counted first,
    /// and it counts its own.
    #[inline(never)]
    pub fn fetch_in_lean_run<O: Observer>(
        &mut self,
        offset: u16,
        len: u8,
        i: usize,
        observer: &mut O,
    ) {
        self.count_run_fetches(i);
        self.fetch_in_block_run(offset, len, i, observer);
        self.trace.counted = i + 1;
    }

    /// A run through a decoded block starts (`run`; its `four_byte` as for
    /// [`Observer::open_block_run`]), after its block entry ([`Memory::fetch_block_traced`]):
    /// if nothing waits to be reported and the I-TLB did not miss, the observer may open its
    /// block run before the first fetch ([`Observer::begin_block_run`]), so that every fetch
    /// of the block is a [`Memory::fetch_in_open_block_run`].
    #[inline(always)]
    pub fn begin_block_run<O: Observer>(&mut self, run: BlockRunAt, observer: &mut O) {
        self.trace.run = run;
        self.trace.counted = 0;
        let Some(c) = self.caches.as_deref() else {
            return;
        };
        if self.trace.itlb == TlbOutcome::Miss || !self.trace.quiet() {
            return;
        }
        let (pc, four_byte) = (run.pc, run.four_byte);
        let first = PlainFetch {
            seq: self.trace.seq,
            insn: run.insn,
            cycle: run.cycles + self.stall_cycle_total(),
            pc,
            paddr: RAM_BASE.wrapping_add(run.off as u32),
            size: if four_byte & 1 != 0 { 4 } else { 2 },
            region: self.region_of(pc),
            // Hit or none: the same for every fetch of the block.
            tlb: self.trace.itlb,
            // An L1 hit's latency: far below 2^32.
            cycles: c.l1_hit_cycles(CacheKind::Fetch) as u32,
        };
        self.trace.next_plain_pc = 0;
        observer.begin_block_run(&first, four_byte, c.l1_line_shift(CacheKind::Fetch) as u8);
    }

    /// The common fetch of [`Memory::fetch_in_block_run`]: if the observer's block run is open
    /// and the `len` bytes at RAM offset `off` are on the L1I's most recent line, the fetch is
    /// the run's next: its cache access and seq are counted, and true returned. False, having
    /// done nothing, if not (then call [`Memory::fetch_in_block_run`]).
    #[inline(always)]
    pub fn fetch_in_open_block_run<O: Observer, const LEAN: bool>(
        &mut self,
        off: usize,
        len: u8,
        observer: &mut O,
    ) -> bool {
        if !observer.in_block_run() {
            return false;
        }
        let Some(c) = self.caches.as_deref_mut() else {
            return false;
        };
        let paddr = RAM_BASE.wrapping_add(off as u32);
        match c.access_mru_fetch(paddr, len) {
            Some(cycles) => {
                self.count_cache_cycles(CacheKind::Fetch, cycles);
                // A lean run counts its fetches in `seq` only where it needs `seq`.
                if !LEAN {
                    self.trace.seq += 1;
                }
                true
            }
            None => false,
        }
    }

    /// Reports the plain fetch at `pc` (of `len` bytes at `paddr`, `cycles` in the L1I) that
    /// opens a block run.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn open_block_run<O: Observer>(
        &mut self,
        pc: u32,
        paddr: u32,
        len: u8,
        cycles: u64,
        four_byte: u64,
        at: TraceAt,
        observer: &mut O,
    ) {
        let line_shift = self
            .caches
            .as_deref()
            .map_or(0, |c| c.l1_line_shift(CacheKind::Fetch) as u8);
        let fetch = PlainFetch {
            seq: self.next_seq(),
            insn: at.insn,
            cycle: at.cycle,
            pc,
            paddr,
            size: len,
            region: self.region_of(pc),
            tlb: self.fetch_tlb(),
            // An L1 hit's latency: far below 2^32.
            cycles: cycles as u32,
        };
        self.trace.next_plain_pc = 0;
        observer.open_block_run(&fetch, four_byte, line_shift);
    }

    /// [`Memory::fetch_traced`] in general.
    #[inline(never)]
    fn fetch_traced_slow<O: Observer>(
        &mut self,
        pc: u32,
        off: Option<usize>,
        len: u32,
        at: TraceAt,
        observer: &mut O,
    ) {
        self.emit_journal(at, observer);
        let (paddr, cache) = match off {
            Some(off) => (
                Some(RAM_BASE.wrapping_add(off as u32)),
                self.cache_access_detailed(off, len, CacheKind::Fetch),
            ),
            None => {
                let entry = self.map.entry(pc);
                let paddr = (entry & EXEC != 0)
                    .then(|| RAM_BASE.wrapping_add(entry_ram_offset(entry, pc) as u32));
                (paddr, None)
            }
        };
        let page_fault = match self.trace.fault_page {
            Some(p) if p == pc >> PAGE_SHIFT => {
                self.trace.fault_page = None;
                Some(self.trace.fault_kind())
            }
            _ => None,
        };
        let access = self.fetch_event(pc, len, at, paddr, cache, page_fault);
        observer.on_access(&access);
    }

    /// The I-TLB outcome of the fetch being reported: the one kept for the block's first
    /// fetch, then hits.
    #[inline(always)]
    fn fetch_tlb(&mut self) -> TlbOutcome {
        let tlb = self.trace.itlb;
        if tlb != TlbOutcome::None {
            // The rest of the block is on the I-TLB's most recent page: hits.
            self.trace.itlb = TlbOutcome::Hit;
        }
        tlb
    }

    /// The event of the fetch of `len` bytes at `pc` (physical `paddr`) that went through the
    /// caches as `cache`; the fetch takes the I-TLB outcome kept for it.
    #[inline(always)]
    fn fetch_event(
        &mut self,
        pc: u32,
        len: u32,
        at: TraceAt,
        paddr: Option<u32>,
        cache: Option<(AccessOutcome, CacheJourney)>,
        page_fault: Option<PageFaultKind>,
    ) -> Access {
        // A fetch reported as an `Access` ends what a fetch run can continue.
        self.trace.next_plain_pc = 0;
        let tlb = self.fetch_tlb();
        Access {
            seq: self.next_seq(),
            insn: at.insn,
            cycle: at.cycle,
            pc,
            kind: TraceKind::Fetch,
            size: len as u8,
            vaddr: pc,
            paddr,
            split: None,
            region: Some(self.region_of(pc)),
            tlb,
            cache: cache.map(|(_, j)| j),
            served_by: cache.map(|(o, _)| o.served_by),
            page_fault,
            fault: None,
            data: None,
            cycles: cache.map_or(0, |(o, _)| o.cycles),
        }
    }
}
