//! Fetch runs: the `bin` format's one record for up to [`MAX_FETCHES`] consecutive plain
//! instruction fetches.
//!
//! Nearly every fetch of a run from the caches is the same story: the next instruction, on the
//! same page, an L1 hit. A traced run used to write a 64-byte record per fetch — about three
//! quarters of a bin trace. A fetch run holds what differs between such fetches in one record:
//! the first fetch in full, one bit per fetch for its length (2 or 4 bytes) and one byte per
//! fetch for its cycle's distance from the previous one.
//!
//! # Which fetches join a run
//! A *plain* fetch ([`PlainFetch`]): the instruction's own address, translated, served by an
//! L1 hit with the journey [`CacheJourney::L1_HIT`], no page fault resolved before it, no fault.
//! A plain fetch extends the open run ([`FetchRun::extend`]) when it is the next instruction
//! (its pc and instruction number follow the last fetch's), its physical address and region are
//! what the first fetch's page gives, its TLB outcome and cycles equal the run's, its cycle is at
//! most 255 after the last fetch's, its `seq` follows the last access recorded, and every record
//! written since the last fetch belongs to an earlier instruction.
//!
//! # Where a run's fetches stand among the other records
//! The writer reserves the run's record where its first fetch happens and fills it when the run
//! closes, so the records of the data accesses (and retirements, page events) made between its
//! fetches follow it. The last condition above makes the order recoverable: in the live run,
//! a fetch of instruction `n` came after every record with a smaller instruction number and
//! before every other record of instruction `n` or later. The reader ([`crate::trace::bin::BinReader`])
//! therefore gives a run's next fetch before the next record exactly when the fetch's
//! instruction number is at most that record's. A fetch's `seq` is one more than the access
//! before it (the writer checked it), so only the first fetch's is stored.
//!
//! # Record (tag 10, 64 bytes, little-endian)
//! | bytes | field |
//! |---|---|
//! | 0 | tag 10 |
//! | 1 | fetches (1 to 16) |
//! | 2 | region |
//! | 3 | TLB outcome of the first fetch (0 none, 1 hit, 2 miss) |
//! | 4 | TLB outcome of the others |
//! | 6..8 | lengths: bit `k` set if fetch `k` is 4 bytes (else 2) |
//! | 8..16 | the first fetch's seq |
//! | 16..24 | its instruction number |
//! | 24..32 | its cycle |
//! | 32..36 | its pc (= vaddr) |
//! | 36..40 | its physical address (the others': this plus their distance in pc) |
//! | 40..44 | cycles of each fetch in the caches |
//! | 44..59 | for fetch `k` ≥ 1, byte `43 + k`: its cycle minus fetch `k − 1`'s |

use crate::mem::hierarchy::{CacheJourney, Level};
use crate::os::layout::Region;
use crate::trace::event::{Access, AccessKind, TlbOutcome};

/// The record tag of a fetch run.
pub const TAG_FETCH_RUN: u8 = 10;
/// Most fetches one record holds.
pub const MAX_FETCHES: usize = 16;
/// Bytes of a record (the `bin` format's record size).
const SIZE: usize = 64;
/// Offset of the cycle distances (fetch `k` at `DELTAS + k - 1`).
const DELTAS: usize = 44;
const _: () = assert!(DELTAS + MAX_FETCHES - 1 <= SIZE);
const _: () = assert!(MAX_FETCHES <= 16, "the lengths are a u16 bit set");

/// A plain fetch (module comment): an [`Access`] of kind fetch at its own pc, translated to
/// `paddr`, served by an L1 hit, with no page fault before it and no fault; only the fields
/// that differ between plain fetches are kept. The traced fetch path reports the common fetch
/// as one of these ([`crate::trace::Observer::on_plain_fetch`]), with no `Access` to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlainFetch {
    /// Number of the access among all accesses.
    pub seq: u64,
    /// Instructions retired before it.
    pub insn: u64,
    /// The cycle it started.
    pub cycle: u64,
    /// The instruction's address (the fetch's vaddr).
    pub pc: u32,
    /// Its physical address.
    pub paddr: u32,
    /// Bytes: 2 or 4.
    pub size: u8,
    /// The region of its page.
    pub region: Region,
    /// The I-TLB lookup.
    pub tlb: TlbOutcome,
    /// Cycles in the caches (the L1I's latency).
    pub cycles: u32,
}

impl PlainFetch {
    /// `a` as a plain fetch, if it is one.
    #[inline(always)]
    pub fn of(a: &Access) -> Option<PlainFetch> {
        let plain = a.kind == AccessKind::Fetch
            && (a.size == 2 || a.size == 4)
            && a.vaddr == a.pc
            && a.split.is_none()
            && a.served_by == Some(Level::L1)
            && a.cache == Some(CacheJourney::L1_HIT)
            && a.page_fault.is_none()
            && a.fault.is_none()
            && a.data.is_none();
        match (plain, a.paddr, a.region, u32::try_from(a.cycles)) {
            (true, Some(paddr), Some(region), Ok(cycles)) => Some(PlainFetch {
                seq: a.seq,
                insn: a.insn,
                cycle: a.cycle,
                pc: a.pc,
                paddr,
                size: a.size,
                region,
                tlb: a.tlb,
                cycles,
            }),
            _ => None,
        }
    }

    /// The access it is.
    #[inline(always)]
    pub fn access(&self) -> Access {
        Access {
            seq: self.seq,
            insn: self.insn,
            cycle: self.cycle,
            pc: self.pc,
            kind: AccessKind::Fetch,
            size: self.size,
            vaddr: self.pc,
            paddr: Some(self.paddr),
            split: None,
            region: Some(self.region),
            tlb: self.tlb,
            cache: Some(CacheJourney::L1_HIT),
            served_by: Some(Level::L1),
            page_fault: None,
            fault: None,
            data: None,
            cycles: u64::from(self.cycles),
        }
    }
}

/// The record code of a TLB outcome (0 none, 1 hit, 2 miss; fetch and block runs).
pub(crate) fn tlb_code(t: TlbOutcome) -> u8 {
    match t {
        TlbOutcome::None => 0,
        TlbOutcome::Hit => 1,
        TlbOutcome::Miss => 2,
    }
}

/// The TLB outcome of record code `c`.
pub(crate) fn tlb_from(c: u8) -> Result<TlbOutcome, String> {
    match c {
        0 => Ok(TlbOutcome::None),
        1 => Ok(TlbOutcome::Hit),
        2 => Ok(TlbOutcome::Miss),
        _ => Err(format!("bad tlb code {c}")),
    }
}

/// What a fetch run needs of a plain fetch at its next pc.
#[derive(Clone, Copy, Debug)]
pub struct NextFetch {
    /// Instructions retired before it.
    pub insn: u64,
    /// Its seq.
    pub seq: u64,
    /// Its cycle.
    pub cycle: u64,
    /// Its physical address.
    pub paddr: u32,
    /// Bytes: 2 or 4.
    pub size: u8,
    /// The I-TLB lookup.
    pub tlb: TlbOutcome,
    /// Cycles in the caches.
    pub cycles: u32,
}

impl NextFetch {
    fn of(a: &PlainFetch) -> NextFetch {
        NextFetch {
            insn: a.insn,
            seq: a.seq,
            cycle: a.cycle,
            paddr: a.paddr,
            size: a.size,
            tlb: a.tlb,
            cycles: a.cycles,
        }
    }
}

/// An open run, as the writer builds it.
#[derive(Clone, Copy, Debug)]
pub struct FetchRun {
    /// The first fetch.
    first: PlainFetch,
    /// Fetches so far.
    count: usize,
    /// Bit `k`: fetch `k` is 4 bytes.
    lens: u16,
    /// The TLB outcome of fetches after the first.
    tlb_rest: TlbOutcome,
    /// Cycle distances of fetches 1.. from the one before.
    deltas: [u8; MAX_FETCHES - 1],
    /// The pc, physical address and instruction number a fetch must have to extend the run.
    next_pc: u32,
    next_paddr: u32,
    next_insn: u64,
    /// The last fetch's cycle.
    last_cycle: u64,
}

impl FetchRun {
    /// A run of the plain fetch `a` alone.
    pub fn open(a: &PlainFetch) -> FetchRun {
        FetchRun {
            first: *a,
            count: 1,
            lens: u16::from(a.size == 4),
            // After the block's first fetch, the I-TLB's most recent page: hits (none without
            // TLBs).
            tlb_rest: if a.tlb == TlbOutcome::None {
                TlbOutcome::None
            } else {
                TlbOutcome::Hit
            },
            deltas: [0; MAX_FETCHES - 1],
            next_pc: a.pc.wrapping_add(u32::from(a.size)),
            next_paddr: a.paddr.wrapping_add(u32::from(a.size)),
            next_insn: a.insn.wrapping_add(1),
            last_cycle: a.cycle,
        }
    }

    /// Adds the plain fetch `a` if it continues the run (module comment); `last_seq` is the
    /// seq of the last access recorded, `last_insn` the instruction number of the last
    /// record. False if it does not (the caller closes the run and opens another).
    #[inline(always)]
    pub fn extend(&mut self, a: &PlainFetch, last_seq: u64, last_insn: u64) -> bool {
        a.pc == self.next_pc
            && a.region == self.first.region
            && self.push(&NextFetch::of(a), last_seq, last_insn)
    }

    /// Adds the plain fetch `a` of the instruction at the run's next pc, in the run's region
    /// (the caller knows it is there: [`crate::trace::Observer::continue_fetch_run`]) if the
    /// rest continues the run.
    #[inline(always)]
    pub fn push(&mut self, a: &NextFetch, last_seq: u64, last_insn: u64) -> bool {
        let k = self.count;
        let delta = a.cycle.wrapping_sub(self.last_cycle);
        let continues = k < MAX_FETCHES
            && a.insn == self.next_insn
            && last_insn < a.insn
            && a.seq == last_seq.wrapping_add(1)
            && delta <= u64::from(u8::MAX)
            && a.tlb == self.tlb_rest
            && a.cycles == self.first.cycles
            && a.paddr == self.next_paddr;
        if !continues {
            return false;
        }
        self.lens |= u16::from(a.size == 4) << k;
        if let Some(d) = self.deltas.get_mut(k - 1) {
            *d = delta as u8;
        }
        self.count = k + 1;
        self.next_pc = self.next_pc.wrapping_add(u32::from(a.size));
        self.next_paddr = self.next_paddr.wrapping_add(u32::from(a.size));
        self.next_insn = a.insn.wrapping_add(1);
        self.last_cycle = a.cycle;
        true
    }

    /// The run's record.
    pub fn record(&self) -> [u8; SIZE] {
        let a = &self.first;
        let mut r = [0u8; SIZE];
        r[0] = TAG_FETCH_RUN;
        r[1] = self.count as u8;
        r[2] = a.region as u8;
        r[3] = tlb_code(a.tlb);
        r[4] = tlb_code(self.tlb_rest);
        r[6..8].copy_from_slice(&self.lens.to_le_bytes());
        r[8..16].copy_from_slice(&a.seq.to_le_bytes());
        r[16..24].copy_from_slice(&a.insn.to_le_bytes());
        r[24..32].copy_from_slice(&a.cycle.to_le_bytes());
        r[32..36].copy_from_slice(&a.pc.to_le_bytes());
        r[36..40].copy_from_slice(&a.paddr.to_le_bytes());
        r[40..44].copy_from_slice(&a.cycles.to_le_bytes());
        r[DELTAS..DELTAS + MAX_FETCHES - 1].copy_from_slice(&self.deltas);
        r
    }
}

/// A run's fetches, as the reader gives them back one by one.
#[derive(Clone, Debug)]
pub struct RunFetches {
    /// The next fetch (its seq is set when it is given).
    next: Access,
    /// Index of the next fetch.
    k: usize,
    count: usize,
    lens: u16,
    tlb_rest: TlbOutcome,
    deltas: [u8; MAX_FETCHES - 1],
    first_pc: u32,
    first_paddr: u32,
}

impl RunFetches {
    /// The fetches of run record `r` (tag [`TAG_FETCH_RUN`]); the error says what is wrong.
    pub fn decode(r: &[u8; SIZE]) -> Result<RunFetches, String> {
        let word32 = |at: usize| u32::from_le_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]]);
        let word64 = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&r[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let count = r[1] as usize;
        if !(1..=MAX_FETCHES).contains(&count) {
            return Err(format!("bad fetch-run length {count}"));
        }
        if (r[2] as usize) >= Region::COUNT {
            return Err(format!("bad region code {}", r[2]));
        }
        let lens = u16::from_le_bytes([r[6], r[7]]);
        let mut deltas = [0u8; MAX_FETCHES - 1];
        deltas.copy_from_slice(&r[DELTAS..DELTAS + MAX_FETCHES - 1]);
        let pc = word32(32);
        let paddr = word32(36);
        Ok(RunFetches {
            next: Access {
                seq: word64(8),
                insn: word64(16),
                cycle: word64(24),
                pc,
                kind: AccessKind::Fetch,
                size: if lens & 1 != 0 { 4 } else { 2 },
                vaddr: pc,
                paddr: Some(paddr),
                split: None,
                region: Some(Region::from_index(r[2] as usize)),
                tlb: tlb_from(r[3])?,
                cache: Some(CacheJourney::L1_HIT),
                served_by: Some(Level::L1),
                page_fault: None,
                fault: None,
                data: None,
                cycles: u64::from(word32(40)),
            },
            k: 0,
            count,
            lens,
            tlb_rest: tlb_from(r[4])?,
            deltas,
            first_pc: pc,
            first_paddr: paddr,
        })
    }

    /// The instruction number of the next fetch; `None` once all were given.
    pub fn next_insn(&self) -> Option<u64> {
        (self.k < self.count).then_some(self.next.insn)
    }

    /// The next fetch; `prev_seq` is the seq of the access given just before it (`None` if
    /// there was none). Call only while [`RunFetches::next_insn`] is `Some`.
    pub fn take(&mut self, prev_seq: Option<u64>) -> Access {
        let mut a = self.next;
        if self.k > 0 {
            a.seq = prev_seq.map_or(0, |s| s.wrapping_add(1));
        }
        self.k += 1;
        if self.k < self.count {
            let n = &mut self.next;
            n.pc = a.pc.wrapping_add(u32::from(a.size));
            n.vaddr = n.pc;
            n.paddr = Some(
                self.first_paddr
                    .wrapping_add(n.pc.wrapping_sub(self.first_pc)),
            );
            n.size = if self.lens >> self.k & 1 != 0 { 4 } else { 2 };
            n.insn = a.insn.wrapping_add(1);
            n.cycle = a.cycle.wrapping_add(u64::from(self.deltas[self.k - 1]));
            n.tlb = self.tlb_rest;
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetch(seq: u64, insn: u64, cycle: u64, pc: u32, size: u8) -> PlainFetch {
        PlainFetch {
            seq,
            insn,
            cycle,
            pc,
            paddr: 0x8000_0000 + (pc & 0xfff) + 0x3000,
            size,
            region: Region::Text,
            tlb: if seq == 0 {
                TlbOutcome::Miss
            } else {
                TlbOutcome::Hit
            },
            cycles: 4,
        }
    }

    #[test]
    fn a_run_gives_back_exactly_its_fetches() {
        // Three fetches: 4, 2 and 4 bytes; a data access (seq 2) after the second.
        let f = [
            fetch(0, 10, 100, 0x1_0000, 4),
            fetch(1, 11, 104, 0x1_0004, 2),
            fetch(3, 12, 112, 0x1_0006, 4),
        ];
        let mut run = FetchRun::open(&f[0]);
        assert!(run.extend(&f[1], 0, 10));
        assert!(run.extend(&f[2], 2, 11));
        let mut back = RunFetches::decode(&run.record()).unwrap();
        assert_eq!(back.next_insn(), Some(10));
        assert_eq!(back.take(None), f[0].access());
        assert_eq!(back.take(Some(0)), f[1].access());
        assert_eq!(back.next_insn(), Some(12));
        assert_eq!(back.take(Some(2)), f[2].access());
        assert_eq!(back.next_insn(), None);
    }

    #[test]
    fn a_fetch_that_does_not_follow_is_refused() {
        let first = fetch(0, 10, 100, 0x1_0000, 4);
        let run = FetchRun::open(&first);
        let refused = [
            // Not the next pc (a jump).
            fetch(1, 11, 104, 0x1_0008, 4),
            // Not the next instruction number (a retry).
            fetch(1, 10, 104, 0x1_0004, 4),
            // A seq gap: an access the run did not see.
            fetch(2, 11, 104, 0x1_0004, 4),
            // Too far in cycles for a byte.
            fetch(1, 11, 100 + 256, 0x1_0004, 4),
            // Other cycles in the caches.
            PlainFetch {
                cycles: 5,
                ..fetch(1, 11, 104, 0x1_0004, 4)
            },
            // Another frame than the first fetch's page gives.
            PlainFetch {
                paddr: 0x8000_9004,
                ..fetch(1, 11, 104, 0x1_0004, 4)
            },
        ];
        for a in refused {
            assert!(!run.clone().extend(&a, 0, 10), "{a:?}");
        }
        // A record of the next instruction came first (a page event before its fetch).
        assert!(!run.clone().extend(&fetch(1, 11, 104, 0x1_0004, 4), 0, 11));
        // Not plain: a miss, a page fault resolved before it, a load.
        let plain = fetch(1, 11, 104, 0x1_0004, 4);
        assert_eq!(PlainFetch::of(&plain.access()), Some(plain));
        let mut miss = plain.access();
        miss.served_by = Some(Level::L2);
        assert_eq!(PlainFetch::of(&miss), None);
        let mut faulted = plain.access();
        faulted.page_fault = Some(crate::trace::PageFaultKind::Minor);
        assert_eq!(PlainFetch::of(&faulted), None);
        let mut load = plain.access();
        load.kind = AccessKind::Load;
        assert_eq!(PlainFetch::of(&load), None);
    }

    #[test]
    fn a_run_holds_at_most_sixteen_fetches() {
        let mut run = FetchRun::open(&fetch(0, 0, 0, 0x1_0000, 4));
        for k in 1..MAX_FETCHES as u64 {
            let a = fetch(k, k, 4 * k, 0x1_0000 + 4 * k as u32, 4);
            assert!(run.extend(&a, k - 1, k - 1));
        }
        let k = MAX_FETCHES as u64;
        assert!(!run.extend(
            &fetch(k, k, 4 * k, 0x1_0000 + 4 * k as u32, 4),
            k - 1,
            k - 1
        ));
        let mut back = RunFetches::decode(&run.record()).unwrap();
        let mut prev = None;
        for k in 0..MAX_FETCHES as u64 {
            let a = back.take(prev);
            assert_eq!(a, fetch(k, k, 4 * k, 0x1_0000 + 4 * k as u32, 4).access());
            prev = Some(a.seq);
        }
        assert_eq!(back.next_insn(), None);
    }
}
