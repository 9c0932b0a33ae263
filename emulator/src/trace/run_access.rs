//! Run accesses: the `bin` format's compact form of a block run's data accesses, each without
//! the fields the reader can work out from its block run.
//!
//! A plain data access inside an open [block run](crate::trace::block_run) — a load or store
//! inside one page, on the D-TLB's most recent page or a hit that needed no walk, with no page
//! fault resolved before it — is an access whose place in the trace follows from the run: its
//! instruction is the run's fetch `k` (so its number and pc are the run's first plus `k`
//! instructions), its seq is one more than the access before it (its instruction's fetch, or
//! an earlier access of the same instruction) and its cycle is that access's end less one. A
//! full access record spends most of its 64 bytes, and most of the traced loop's work per
//! access, on those fields; a run access record holds only what the access alone knows. The
//! traced loop hands it over as a [`RunAccess`] without building an [`Access`].
//!
//! # Walked run accesses
//! A load or store of the lean run that missed the D-TLB (or hit an entry it could not use,
//! a store to a clean page) and walked the page table, with nothing else unusual — one page,
//! no fault, no page fault resolved, nothing else waiting to be reported — is a run access
//! too, its walk's PTE reads (one or two: [`RunWalk`]) in the same record. Live, the trace
//! holds the PTE reads, then the access: the reads have the access's instruction, pc and
//! cycle, and the seqs just before its. The walk grew the hart's memory stall by the reads'
//! cycles, so the fetch after the access starts that much later than after a plain one. The
//! block run stays open across it: a column walk over a big matrix walks on nearly every
//! load, and each walk used to cost three full records and a new block run.
//!
//! A run access record follows its block run's record, before the next block run's, in the
//! order the events happened. [`crate::trace::bin::BinReader`] gives each access (after its
//! PTE reads) after the fetch of its instruction, as the live run made them.
//!
//! # Record (tag 12, 64 bytes, little-endian)
//! | bytes | field |
//! |---|---|
//! | 0 | tag 12 |
//! | 1 | `k`: its instruction is the block run's fetch `k` (from 0) |
//! | 2 | kind (1 load, 2 store: as in the access record) |
//! | 3 | size |
//! | 4 | region |
//! | 5 | TLB outcome (0 none, 1 hit, 2 miss: only with a walk) |
//! | 6 | bit 0: the data field holds the data (a store's value) |
//! | 7 | served by (0 L1, 1 L2, 2 L3, 3 RAM) |
//! | 8..12 | vaddr |
//! | 12..16 | paddr |
//! | 16..20 | data |
//! | 20..24 | cycles in the caches (saturating at `u32::MAX`) |
//! | 24..30 | the cache journey (as bytes 57..63 of an access record) |
//! | 30 | PTE reads of its walk before it (0: no walk, 1 or 2) |
//! | 31 | the level that served each PTE read: read 0 in the low nibble, read 1 in the high (codes as byte 7; 15: the read bypassed the caches, no journey) |
//! | 32..36, 36..40 | each PTE read's physical address |
//! | 40..44, 44..48 | each PTE read's cycles (saturating) |
//! | 48..54, 54..60 | each PTE read's cache journey |

use crate::mem::hierarchy::{Level, PackedJourney};
use crate::os::layout::Region;
use crate::trace::bin::{journey_from, level_code, level_from_code};
use crate::trace::block_run::BlockRunFetches;
use crate::trace::event::{Access, AccessKind, TlbOutcome};
use crate::trace::fetch_run::{tlb_code, tlb_from};

/// The record tag of a run access.
pub const TAG_RUN_ACCESS: u8 = 12;

/// A plain data access of the open block run, as the traced loop hands it to the observer
/// ([`crate::trace::Observer::on_run_access`]): what the access alone knows, and its
/// instruction's number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunAccess {
    /// Its instruction's number (the writer stores its distance from the run's first).
    pub insn: u64,
    /// Load or store.
    pub kind: AccessKind,
    pub size: u8,
    pub region: Region,
    /// Hit, or none without a D-TLB.
    pub tlb: TlbOutcome,
    pub vaddr: u32,
    pub paddr: u32,
    /// A store's value.
    pub data: Option<u32>,
    /// Its cycles in the caches.
    pub cycles: u64,
    /// Its journey through the caches (packed, as the record stores it), and the level that
    /// served it.
    pub journey: PackedJourney,
    pub served_by: Level,
}

/// One PTE read of a walked run access's walk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PteRead {
    /// The PTE's physical address.
    pub paddr: u32,
    /// Its cycles (in the caches, or the uncached read's).
    pub cycles: u64,
    /// Its journey through the caches (packed) and the level that served it; `None` if it
    /// bypassed them.
    pub cache: Option<(PackedJourney, Level)>,
}

/// The page-table walk a run access made before it: its PTE reads, oldest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunWalk {
    /// The reads; the first `count` are the walk's.
    pub reads: [PteRead; 2],
    /// 1 or 2 (a megapage's walk reads one PTE).
    pub count: u8,
}

/// Most PTE reads a run access record holds (an Sv32 walk's).
pub const MAX_PTE_READS: usize = 2;

/// Code of a PTE read that bypassed the caches, in byte 31.
const UNCACHED: u8 = 15;

/// The record of run access `a` (its instruction the run's fetch `k`, below 64) as eight
/// little-endian words.
#[inline(always)]
pub fn record_words(a: &RunAccess, k: u64) -> [u64; 8] {
    let kind = match a.kind {
        AccessKind::Store => 2u64,
        _ => 1,
    };
    let tlb = u64::from(tlb_code(a.tlb));
    let (flag, data) = match a.data {
        Some(d) => (1u64, d),
        None => (0, 0),
    };
    [
        u64::from(TAG_RUN_ACCESS)
            | (k & 0xff) << 8
            | kind << 16
            | u64::from(a.size) << 24
            | (a.region as u64) << 32
            | tlb << 40
            | flag << 48
            | u64::from(level_code(a.served_by)) << 56,
        u64::from(a.vaddr) | u64::from(a.paddr) << 32,
        u64::from(data) | u64::from(u32::try_from(a.cycles).unwrap_or(u32::MAX)) << 32,
        a.journey.0,
        0,
        0,
        0,
        0,
    ]
}

/// The record of run access `a` (its instruction the run's fetch `k`) that walked the page
/// table first (`walk`), as eight little-endian words.
#[inline(always)]
pub fn walked_record_words(a: &RunAccess, k: u64, walk: &RunWalk) -> [u64; 8] {
    let mut w = record_words(a, k);
    let [r0, r1] = walk.reads;
    let served = |r: &PteRead| u64::from(r.cache.map_or(UNCACHED, |(_, l)| level_code(l)));
    let journey = |r: &PteRead| r.cache.map_or(0, |(j, _)| j.0 & 0xffff_ffff_ffff);
    let cycles = |r: &PteRead| u64::from(u32::try_from(r.cycles).unwrap_or(u32::MAX));
    w[3] |= u64::from(walk.count) << 48 | served(&r0) << 56 | served(&r1) << 60;
    w[4] = u64::from(r0.paddr) | u64::from(r1.paddr) << 32;
    w[5] = cycles(&r0) | cycles(&r1) << 32;
    w[6] = journey(&r0) | journey(&r1) << 48;
    w[7] = journey(&r1) >> 16;
    w
}

/// The PTE reads of run access record `r` whose access is `a` (as [`decode`] gives it): each
/// with `a`'s instruction number and pc; their seqs and cycles (0 here) are the reader's to
/// fill in, as `a`'s. None without a walk. The error says what is wrong.
pub fn decode_walk(r: &[u8; 64], a: &Access) -> Result<Vec<Access>, String> {
    let count = r[30] as usize;
    if count > MAX_PTE_READS {
        return Err(format!("a run access with {count} PTE reads"));
    }
    let get = |at: usize| u32::from_le_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]]);
    (0..count)
        .map(|i| {
            let paddr = get(32 + 4 * i);
            let served = r[31] >> (4 * i) & 15;
            let (cache, served_by) = if served == UNCACHED {
                (None, None)
            } else {
                let level = level_from_code(served)?;
                let journey = journey_from(&r[48 + 6 * i..54 + 6 * i])?;
                (Some(journey), level)
            };
            Ok(Access {
                seq: 0,
                insn: a.insn,
                cycle: 0,
                pc: a.pc,
                kind: AccessKind::Ptw,
                size: 4,
                vaddr: paddr,
                paddr: Some(paddr),
                split: None,
                region: Some(Region::Kernel),
                tlb: TlbOutcome::None,
                cache,
                served_by,
                page_fault: None,
                fault: None,
                data: None,
                cycles: u64::from(get(40 + 4 * i)),
            })
        })
        .collect()
}

/// The access of run access record `r` (tag [`TAG_RUN_ACCESS`]) of block run `run`: its
/// instruction number and pc from the run; its seq and cycle (0 here) are the reader's to fill
/// in as it gives it (the access before it: its seq plus one, its end less one). The error says
/// what is wrong.
pub fn decode(r: &[u8; 64], run: &BlockRunFetches) -> Result<Access, String> {
    let get = |at: usize| u32::from_le_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]]);
    let kind = match r[2] {
        1 => AccessKind::Load,
        2 => AccessKind::Store,
        c => return Err(format!("bad run access kind {c}")),
    };
    let k = u32::from(r[1]);
    let (insn, pc) = run
        .position(k)
        .ok_or_else(|| format!("a run access of fetch {k}, past its block run's fetches"))?;
    if (r[4] as usize) >= Region::COUNT {
        return Err(format!("bad region code {}", r[4]));
    }
    let tlb = tlb_from(r[5])?;
    if tlb == TlbOutcome::Miss && r[30] == 0 {
        return Err("a run access that missed the TLB without a walk".into());
    }
    Ok(Access {
        seq: 0,
        insn,
        cycle: 0,
        pc,
        kind,
        size: r[3],
        vaddr: get(8),
        paddr: Some(get(12)),
        split: None,
        region: Some(Region::from_index(r[4] as usize)),
        tlb,
        cache: Some(journey_from(&r[24..30])?),
        served_by: Some(level_from_code(r[7])?.ok_or("a run access served by no level")?),
        page_fault: None,
        fault: None,
        data: (r[6] & 1 != 0).then(|| get(16)),
        cycles: u64::from(get(20)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::hierarchy::CacheJourney;
    use crate::trace::block_run::tests::first;
    use crate::trace::block_run::{open_record, set_count};

    /// A block run of `count` fetches from instruction 20 at 0x10100: 4, 2, 4, 4 … bytes.
    fn run(count: u32) -> BlockRunFetches {
        let mut r = open_record(&first(), !0b10, 6);
        set_count(&mut r, count);
        BlockRunFetches::decode(&r).unwrap()
    }

    fn record(a: &RunAccess, k: u64) -> [u8; 64] {
        let mut r = [0u8; 64];
        for (chunk, w) in r.chunks_exact_mut(8).zip(record_words(a, k)) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        r
    }

    fn store() -> RunAccess {
        RunAccess {
            insn: 22,
            kind: AccessKind::Store,
            size: 2,
            region: Region::Heap,
            tlb: TlbOutcome::None,
            vaddr: 0x2_1002,
            paddr: 0x8004_2002,
            data: Some(0xbeef),
            cycles: 70_000,
            journey: PackedJourney::L1_HIT,
            served_by: Level::L1,
        }
    }

    /// A journey that missed L1, hit L2 and evicted a dirty L1 line.
    fn l2_hit() -> CacheJourney {
        let mut j = CacheJourney::L1_HIT;
        j.levels[0].hit = Some(false);
        j.levels[0].evictions = 1;
        j.levels[0].writebacks = 1;
        j.levels[1].hit = Some(true);
        j
    }

    #[test]
    fn a_run_access_decodes_to_its_access() {
        let r = record(&store(), 2);
        assert_eq!(r[0], TAG_RUN_ACCESS);
        let a = decode(&r, &run(4)).unwrap();
        // Fetch 2 of the run: two instructions on, 4 + 2 bytes on.
        assert_eq!((a.insn, a.pc), (22, 0x1_0106));
        assert_eq!(
            (a.kind, a.size, a.region),
            (AccessKind::Store, 2, Some(Region::Heap))
        );
        assert_eq!(
            (a.vaddr, a.paddr, a.data),
            (0x2_1002, Some(0x8004_2002), Some(0xbeef))
        );
        assert_eq!((a.tlb, a.cycles), (TlbOutcome::None, 70_000));
        assert_eq!(
            (a.served_by, a.cache),
            (Some(Level::L1), Some(CacheJourney::L1_HIT))
        );
        assert_eq!((a.split, a.fault, a.page_fault), (None, None, None));
        let load = RunAccess {
            kind: AccessKind::Load,
            data: None,
            tlb: TlbOutcome::Hit,
            ..store()
        };
        let a = decode(&record(&load, 0), &run(1)).unwrap();
        assert_eq!(
            (a.kind, a.data, a.tlb, a.insn, a.pc),
            (AccessKind::Load, None, TlbOutcome::Hit, 20, 0x1_0100)
        );
        // Off the L1's most recent line: its journey, the level that served it.
        let missed = RunAccess {
            journey: PackedJourney::of(&l2_hit()),
            served_by: Level::L2,
            cycles: 16,
            ..load
        };
        let a = decode(&record(&missed, 0), &run(1)).unwrap();
        assert_eq!(
            (a.cache, a.served_by, a.cycles),
            (Some(l2_hit()), Some(Level::L2), 16)
        );
        // Cycles past a u32 saturate, as in an access record.
        let slow = RunAccess {
            cycles: 1 << 40,
            ..load
        };
        let a = decode(&record(&slow, 0), &run(1)).unwrap();
        assert_eq!(a.cycles, u64::from(u32::MAX));
    }

    fn walked_record(a: &RunAccess, k: u64, walk: &RunWalk) -> [u8; 64] {
        let mut r = [0u8; 64];
        for (chunk, w) in r.chunks_exact_mut(8).zip(walked_record_words(a, k, walk)) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        r
    }

    /// A walk of two reads: the first served by L2 (the journey of [`l2_hit`]), the second an
    /// L1 hit.
    fn two_reads() -> RunWalk {
        RunWalk {
            reads: [
                PteRead {
                    paddr: 0x8000_1ffc,
                    cycles: 14,
                    cache: Some((PackedJourney::of(&l2_hit()), Level::L2)),
                },
                PteRead {
                    paddr: 0x8000_2040,
                    cycles: 4,
                    cache: Some((PackedJourney::L1_HIT, Level::L1)),
                },
            ],
            count: 2,
        }
    }

    /// A walked run access's record gives back the access (a D-TLB miss) and, before it, its
    /// PTE reads as the live trace has them: kind ptw, 4 bytes, the kernel's region, no TLB,
    /// the access's instruction and pc.
    #[test]
    fn a_walked_run_access_decodes_to_its_reads_and_access() {
        let load = RunAccess {
            kind: AccessKind::Load,
            data: None,
            tlb: TlbOutcome::Miss,
            ..store()
        };
        let r = walked_record(&load, 3, &two_reads());
        let a = decode(&r, &run(4)).unwrap();
        assert_eq!((a.insn, a.pc, a.tlb), (23, 0x1_010a, TlbOutcome::Miss));
        assert_eq!(
            (a.vaddr, a.paddr, a.cycles),
            (0x2_1002, Some(0x8004_2002), 70_000)
        );
        let reads = decode_walk(&r, &a).unwrap();
        assert_eq!(reads.len(), 2);
        for (got, (paddr, cycles, journey, level)) in reads.iter().zip([
            (0x8000_1ffc, 14, l2_hit(), Level::L2),
            (0x8000_2040, 4, CacheJourney::L1_HIT, Level::L1),
        ]) {
            assert_eq!((got.kind, got.size), (AccessKind::Ptw, 4));
            assert_eq!((got.insn, got.pc), (23, 0x1_010a));
            assert_eq!((got.vaddr, got.paddr), (paddr, Some(paddr)));
            assert_eq!(
                (got.region, got.tlb),
                (Some(Region::Kernel), TlbOutcome::None)
            );
            assert_eq!((got.cache, got.served_by), (Some(journey), Some(level)));
            assert_eq!(got.cycles, cycles);
            assert_eq!((got.data, got.fault, got.page_fault), (None, None, None));
        }
        // One read that bypassed the caches (no journey, no level); a store to a clean page
        // hits the D-TLB and walks all the same.
        let uncached = RunWalk {
            reads: [
                PteRead {
                    paddr: 0x8000_3000,
                    cycles: 1 << 40,
                    cache: None,
                },
                PteRead::default(),
            ],
            count: 1,
        };
        let st = RunAccess {
            tlb: TlbOutcome::Hit,
            ..store()
        };
        let r = walked_record(&st, 0, &uncached);
        let a = decode(&r, &run(1)).unwrap();
        assert_eq!((a.tlb, a.data), (TlbOutcome::Hit, Some(0xbeef)));
        let reads = decode_walk(&r, &a).unwrap();
        assert_eq!(reads.len(), 1);
        assert_eq!((reads[0].cache, reads[0].served_by), (None, None));
        assert_eq!(
            (reads[0].paddr, reads[0].cycles),
            (Some(0x8000_3000), u64::from(u32::MAX))
        );
        // A plain run access's record has no walk.
        assert!(decode_walk(&record(&store(), 0), &a).unwrap().is_empty());
    }

    #[test]
    fn bad_walks_are_errors() {
        let load = RunAccess {
            kind: AccessKind::Load,
            data: None,
            tlb: TlbOutcome::Miss,
            ..store()
        };
        let good = walked_record(&load, 0, &two_reads());
        let a = decode(&good, &run(1)).unwrap();
        for (byte, value, why) in [
            (30, 3, "3 PTE reads"),
            (31, 0x14, "level code 4"),
            (48, 3, "hit bits"),
            (54, 0x30, "hit bits"),
        ] {
            let mut r = good;
            r[byte] = value;
            let err = decode_walk(&r, &a).unwrap_err();
            assert!(err.contains(why), "byte {byte} = {value}: {err}");
        }
        // A miss needs a walk.
        let mut r = good;
        r[30] = 0;
        assert!(decode(&r, &run(1)).unwrap_err().contains("without a walk"));
    }

    #[test]
    fn bad_run_accesses_are_errors() {
        let good = record(&store(), 2);
        assert!(decode(&good, &run(2))
            .unwrap_err()
            .contains("past its block run"));
        for (byte, value, why) in [
            (2, 3, "kind 3"),
            (4, 200, "region"),
            (5, 2, "missed the TLB without a walk"),
            (7, 0xff, "no level"),
            (24, 3, "hit bits"),
        ] {
            let mut r = good;
            r[byte] = value;
            let err = decode(&r, &run(4)).unwrap_err();
            assert!(err.contains(why), "byte {byte} = {value}: {err}");
        }
    }
}
