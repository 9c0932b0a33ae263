//! TLB tests: hand-computed hit/miss sequences, set indexing, ASIDs and global entries, every
//! `sfence.vma` form, and the `ENTRIES[:WAYS]` syntax.

use super::*;
use crate::mmu::sv32::Pte;

const PAGE: u32 = 1 << 12;
const MEGA: u32 = 1 << 22;

/// A walk result for `vaddr` mapping its page to a frame derived from the page number, so that
/// every page gets a distinct, checkable physical address.
fn translation(vaddr: u32, page_size: PageSize, global: bool) -> Translation {
    let ppn = match page_size {
        PageSize::Page4K => (vaddr >> 12) ^ 0x20_0000,
        PageSize::Mega4M => ((vaddr >> 22) ^ 0x800) << 10,
    };
    let g = if global { Pte::G } else { 0 };
    Translation {
        paddr: 0,
        page_size,
        pte: Pte::new(ppn, Pte::V | Pte::R | Pte::A | g),
        pte_paddr: 0,
        level: u8::from(page_size == PageSize::Mega4M),
        global,
        pte_reads: 2,
        pte_written: false,
    }
}

fn tlb(shape: &str) -> Tlb {
    Tlb::new(shape.parse().unwrap())
}

/// A hart's access: look up, and on a miss "walk" and insert. Returns whether it hit.
fn access(tlb: &mut Tlb, vaddr: u32, asid: u16) -> bool {
    if tlb.lookup(vaddr, asid).is_some() {
        return true;
    }
    tlb.insert(vaddr, asid, &translation(vaddr, PageSize::Page4K, false));
    false
}

/// Touches `pages` (page numbers) in order, `rounds` times; returns (hits, misses).
fn touch(tlb: &mut Tlb, pages: &[u32], rounds: usize) -> (u64, u64) {
    for _ in 0..rounds {
        for &p in pages {
            access(tlb, p * PAGE + 0x10, 1);
        }
    }
    (tlb.stats().hits, tlb.stats().misses)
}

#[test]
fn shapes_parse() {
    for (text, entries, ways, sets) in [
        ("32", 32, 32, 1),
        ("64:4", 64, 4, 16),
        ("16:1", 16, 1, 16),
        ("1", 1, 1, 1),
        ("8:8", 8, 8, 1),
        (" 128:2 ", 128, 2, 64),
    ] {
        let c: TlbConfig = text.parse().unwrap();
        assert_eq!(
            (c.entries(), c.ways(), c.sets()),
            (entries, ways, sets),
            "{text}"
        );
    }
    assert_eq!(TlbConfig::default(), "32:32".parse().unwrap());
    assert_eq!(TlbConfig::default().to_string(), "32:32");
}

#[test]
fn bad_shapes_are_one_line_errors() {
    use TlbConfigError::*;
    for (text, want) in [
        ("", Syntax("".into())),
        ("x", Syntax("x".into())),
        ("32:", Syntax("32:".into())),
        (":4", Syntax(":4".into())),
        ("1:2:3", Syntax("1:2:3".into())),
        ("-4", Syntax("-4".into())),
        ("99999999999", Syntax("99999999999".into())),
        ("0", Entries(0)),
        ("24", Entries(24)),
        ("131072", Entries(131072)),
        (
            "32:0",
            Ways {
                entries: 32,
                ways: 0,
            },
        ),
        (
            "32:3",
            Ways {
                entries: 32,
                ways: 3,
            },
        ),
        (
            "32:64",
            Ways {
                entries: 32,
                ways: 64,
            },
        ),
    ] {
        let err = text.parse::<TlbConfig>().unwrap_err();
        assert_eq!(err, want, "{text:?}");
        assert!(!err.to_string().contains('\n'), "{err}");
    }
    assert_eq!(
        "24:4".parse::<TlbConfig>().unwrap_err().to_string(),
        "TLB entries 24 must be a power of two from 1 to 65536"
    );
    assert_eq!(
        "32:3".parse::<TlbConfig>().unwrap_err().to_string(),
        "TLB ways 3 must be at least 1 and divide the entries (32)"
    );
}

/// N pages touched in order, twice, with E entries fully associative LRU: N ≤ E gives N misses
/// then N hits; N > E evicts each page just before it is needed again, so every access misses.
#[test]
fn lru_cliff_fully_associative() {
    for entries in [1u32, 4, 8, 32] {
        for pages in [1, entries / 2, entries, entries + 1, 2 * entries] {
            if pages == 0 {
                continue;
            }
            let mut t = tlb(&entries.to_string());
            let list: Vec<u32> = (0..pages).collect();
            let (hits, misses) = touch(&mut t, &list, 2);
            let n = u64::from(pages);
            let want = if pages <= entries { (n, n) } else { (0, 2 * n) };
            assert_eq!((hits, misses), want, "E={entries} N={pages}");
        }
    }
}

#[test]
fn replacement_is_lru_not_fifo() {
    // Two entries. A B A C: C evicts B (least recently used), not A (first in).
    let (a, b, c) = (0x1000, 0x2000, 0x3000);
    let mut t = tlb("2");
    let hits: Vec<bool> = [a, b, a, c, a, b]
        .iter()
        .map(|&v| access(&mut t, v, 1))
        .collect();
    assert_eq!(hits, [false, false, true, false, true, false]);
}

#[test]
fn set_associative_indexing() {
    // 8 entries, 2 ways: 4 sets, page p in set p mod 4.
    #[rustfmt::skip]
    let cases: &[(&str, &[u32], (u64, u64))] = &[
        // what                                         pages (twice)          (hits, misses)
        ("two pages of one set fit its two ways",      &[0, 4],               (2, 2)),
        ("three pages of one set thrash it",            &[0, 4, 8],            (0, 6)),
        ("eight pages, two per set, all fit",           &[0, 1, 2, 3, 4, 5, 6, 7], (8, 8)),
        // Sets 1–3 hold their two pages; set 0 cycles 0, 4, 8 through two ways.
        ("nine pages: only set 0 overflows",            &[0, 1, 2, 3, 4, 5, 6, 7, 8], (6, 12)),
        ("a stride of 4 pages uses one set only",       &[0, 4, 8, 12],        (0, 8)),
    ];
    for &(what, pages, want) in cases {
        let mut t = tlb("8:2");
        assert_eq!(touch(&mut t, pages, 2), want, "{what}");
    }
    // Direct-mapped (1 way): pages 0 and 8 of a 8-entry TLB conflict.
    let mut t = tlb("8:1");
    assert_eq!(touch(&mut t, &[0, 8], 2), (0, 4));
    let mut t = tlb("8:1");
    assert_eq!(touch(&mut t, &[0, 7], 2), (2, 2));
}

#[test]
fn hit_gives_the_physical_address() {
    let mut t = tlb("32");
    let va = 0x1234_5678;
    t.insert(va, 1, &translation(va, PageSize::Page4K, false));
    let e = t.lookup(0x1234_5abc, 1).unwrap();
    assert_eq!(
        e.paddr(0x1234_5abc),
        (u64::from(0x12345u32 ^ 0x20_0000) << 12) | 0xabc
    );
    assert!(t.lookup(0x1234_6000, 1).is_none(), "next page");
}

#[test]
fn megapage_entries_cover_4mib() {
    for shape in ["32", "8:2", "4:1"] {
        let mut t = tlb(shape);
        let base = 5 * MEGA;
        t.insert(
            base + 0x1234,
            1,
            &translation(base, PageSize::Mega4M, false),
        );
        for va in [base, base + 0x1000, base + 0x2f_f000, base + MEGA - 1] {
            let e = t
                .lookup(va, 1)
                .unwrap_or_else(|| panic!("{shape}: {va:#x}"));
            assert_eq!(e.page_size, PageSize::Mega4M);
            assert_eq!(
                e.paddr(va),
                (u64::from(5u32 ^ 0x800) << 22) | u64::from(va - base)
            );
        }
        assert!(t.lookup(base - 1, 1).is_none(), "{shape}");
        assert!(t.lookup(base + MEGA, 1).is_none(), "{shape}");
        assert_eq!(t.valid_entries(), 1);
    }
}

#[test]
fn megapage_and_4k_entries_share_sets() {
    // 4 sets of 1 way. Page 1 (set 1) and megapage 1 (set 1) evict each other; megapage 2 lives
    // in set 2, where a lookup of an address inside it finds it although its 4 KiB index is 0.
    let mut t = tlb("4:1");
    t.insert(PAGE, 1, &translation(PAGE, PageSize::Page4K, false));
    t.insert(MEGA, 1, &translation(MEGA, PageSize::Mega4M, false));
    assert!(t.probe(PAGE, 1).is_none());
    assert!(t.probe(MEGA + 0x3000, 1).is_some());
    t.insert(2 * MEGA, 1, &translation(2 * MEGA, PageSize::Mega4M, false));
    assert!(
        t.probe(2 * MEGA + 0x4000, 1).is_some(),
        "4K index 0, megapage set 2"
    );
    assert_eq!(t.valid_entries(), 2);
}

#[test]
fn asids_are_isolated_and_global_entries_are_shared() {
    let mut t = tlb("32");
    let va = 0x0001_0000;
    t.insert(va, 1, &translation(va, PageSize::Page4K, false));
    assert!(t.lookup(va, 1).is_some());
    assert!(t.lookup(va, 2).is_none(), "another address space");
    // The same vaddr in ASID 2 maps elsewhere: both entries coexist.
    let mut other = translation(va, PageSize::Page4K, false);
    other.pte = Pte::new(0x777, Pte::V | Pte::R | Pte::A);
    t.insert(va, 2, &other);
    assert_eq!(t.lookup(va, 1).unwrap().pte.ppn(), (va >> 12) ^ 0x20_0000);
    assert_eq!(t.lookup(va, 2).unwrap().pte.ppn(), 0x777);
    // A global entry matches every ASID.
    let kernel = 0xc000_0000;
    t.insert(kernel, 1, &translation(kernel, PageSize::Page4K, true));
    for asid in [0, 1, 2, 0x1ff] {
        assert!(t.lookup(kernel, asid).is_some(), "ASID {asid}");
    }
}

#[test]
fn reinserting_a_page_replaces_its_entry() {
    let mut t = tlb("4");
    let va = 0x5000;
    t.insert(va, 1, &translation(va, PageSize::Page4K, false));
    let mut dirty = translation(va, PageSize::Page4K, false);
    dirty.pte = dirty.pte.with(Pte::D);
    t.insert(va, 1, &dirty);
    assert_eq!(t.valid_entries(), 1);
    assert!(t.probe(va, 1).unwrap().pte.dirty());
}

#[test]
fn sfence_vma_forms() {
    // In the 8:2 shape (4 sets) each lives in its own set: P in set 1, Q 2, K 3, M 0.
    const P: u32 = 0x0001_1000; // a 4 KiB page in ASIDs 1 and 2
    const Q: u32 = 0x0002_2000; // another page, ASID 1
    const K: u32 = 0xc000_3000; // a global page
    const M: u32 = 0x0800_0000; // a megapage, ASID 1
                                // (vaddr, ASID, global, megapage)
    let entries = [
        (P, 1, false, false),
        (P, 2, false, false),
        (Q, 1, false, false),
        (K, 1, true, false),
        (M, 1, false, true),
    ];
    #[rustfmt::skip]
    let cases: &[(&str, SfenceVma, [bool; 5])] = &[
        // what                                        fence                              survivors: P/1 P/2 Q/1 K/g M/1
        ("x0, x0: everything",                         SfenceVma::All,                      [false, false, false, false, false]),
        ("x0, asid: that ASID's non-global entries",   SfenceVma::Asid(1),                  [false, true, false, true, false]),
        ("x0, unused asid: nothing",                   SfenceVma::Asid(7),                  [true, true, true, true, true]),
        ("addr, x0: that page in every ASID",          SfenceVma::Addr(P + 0x123),          [false, false, true, true, true]),
        ("addr, x0: a global page too",                SfenceVma::Addr(K + 0xffc),          [true, true, true, false, true]),
        ("addr, x0: a megapage by an inner address",   SfenceVma::Addr(M + 0x2a_b000),      [true, true, true, true, false]),
        ("addr, asid: that page in that ASID",         SfenceVma::AddrAsid(P, 1),           [false, true, true, true, true]),
        ("addr, asid: never a global entry",           SfenceVma::AddrAsid(K, 1),           [true, true, true, true, true]),
        ("addr, asid: a megapage in its ASID",         SfenceVma::AddrAsid(M + 0x1000, 1),  [true, true, true, true, false]),
        ("addr, asid: a megapage, other ASID",         SfenceVma::AddrAsid(M + 0x1000, 2),  [true, true, true, true, true]),
    ];
    for shape in ["32", "8:2"] {
        for &(what, fence, survivors) in cases {
            let mut t = tlb(shape);
            for (va, asid, global, mega) in entries {
                let size = if mega {
                    PageSize::Mega4M
                } else {
                    PageSize::Page4K
                };
                t.insert(va, asid, &translation(va, size, global));
            }
            assert_eq!(t.valid_entries(), 5, "{shape}");
            t.sfence(fence);
            let present = entries.map(|(va, asid, ..)| t.probe(va, asid).is_some());
            assert_eq!(present, survivors, "{what} ({shape})");
            assert_eq!(t.stats().flushes, 1);
        }
    }
}

#[test]
fn sfence_operands() {
    use SfenceVma::*;
    assert_eq!(SfenceVma::from_operands(None, None), All);
    assert_eq!(SfenceVma::from_operands(None, Some(3)), Asid(3));
    assert_eq!(
        SfenceVma::from_operands(Some(0), None),
        Addr(0),
        "rs1 != x0 holding 0"
    );
    assert_eq!(
        SfenceVma::from_operands(Some(0x1000), Some(0)),
        AddrAsid(0x1000, 0)
    );
}

#[test]
fn probe_neither_counts_nor_touches_lru() {
    let mut t = tlb("2");
    access(&mut t, 0x1000, 1); // A
    access(&mut t, 0x2000, 1); // B
                               // Probing A must not make it MRU: inserting C still evicts A.
    assert!(t.probe(0x1000, 1).is_some());
    assert!(t.probe(0x9000, 1).is_none());
    access(&mut t, 0x3000, 1); // C evicts A
    assert!(t.probe(0x1000, 1).is_none());
    assert!(t.probe(0x2000, 1).is_some());
    assert_eq!(
        t.stats(),
        TlbStats {
            hits: 0,
            misses: 3,
            flushes: 0
        }
    );
}

#[test]
fn probe_finds_neither_another_asids_page_nor_an_evicted_one() {
    let mut t = tlb("2");
    access(&mut t, 0x1000, 1); // A
    assert!(t.lookup(0x1000, 1).is_some());
    assert!(t.probe(0x1000, 1).is_some());
    // Another address space's A: the slot holds the page, but not for ASID 2.
    assert!(t.probe(0x1000, 2).is_none());
    access(&mut t, 0x2000, 1); // B
    access(&mut t, 0x3000, 1); // C evicts A
    assert!(t.probe(0x1000, 1).is_none());
    assert!(t.probe(0x3000, 1).is_some());
}

#[test]
fn lookup_hit_if_counts_an_accepted_hit_only() {
    let mut t = tlb("2");
    access(&mut t, 0x1000, 1); // A: a miss, then filled
    access(&mut t, 0x2000, 1); // B
    let before = t.stats();
    // Refused, and absent: nothing counted, LRU untouched.
    assert!(!t.lookup_hit_if(0x1000, 1, |_| false));
    assert!(!t.lookup_hit_if(0x9000, 1, |_| true));
    assert_eq!(t.stats(), before);
    // Accepted: a hit as `lookup` counts it, and A becomes the most recent.
    assert!(t.lookup_hit_if(0x1000, 1, |e| e.covers(0x1000)));
    assert_eq!(t.stats().hits, before.hits + 1);
    access(&mut t, 0x3000, 1); // C evicts B, not A
    assert!(t.probe(0x1000, 1).is_some());
    assert!(t.probe(0x2000, 1).is_none());
}

mod against_a_reference {
    //! The TLB (with its tag words, slot hints and one-pass victim search) against an
    //! obviously correct model: per set, a recency list of (page, ASID) from most to least
    //! recent.
    use super::*;
    use proptest::prelude::*;

    struct Reference {
        sets: Vec<Vec<(u32, u16)>>,
        ways: usize,
    }

    impl Reference {
        fn access(&mut self, page: u32, asid: u16) -> bool {
            let n = self.sets.len() as u32;
            let set = &mut self.sets[(page % n) as usize];
            if let Some(i) = set.iter().position(|&e| e == (page, asid)) {
                let e = set.remove(i);
                set.insert(0, e);
                return true;
            }
            set.insert(0, (page, asid));
            set.truncate(self.ways);
            false
        }
    }

    proptest! {
        #[test]
        fn hits_and_misses_match(
            shape in prop::sample::select(vec!["1", "4", "8:2", "16:4", "32", "64:8"]),
            accesses in prop::collection::vec((0u32..48, 0u16..3), 1..600),
        ) {
            let mut t = tlb(shape);
            let config = t.config();
            let mut reference = Reference {
                sets: vec![Vec::new(); config.sets() as usize],
                ways: config.ways() as usize,
            };
            // Pages spread so that some share a hint slot (page % 256) and some a set.
            for (page, asid) in accesses {
                let page = page * 97;
                let got = access(&mut t, page * PAGE + 0x24, asid);
                prop_assert_eq!(got, reference.access(page, asid), "page {} asid {}", page, asid);
            }
        }
    }
}

/// A miss is remembered only until an entry is put in: after a missing lookup, a repeated one
/// misses (and counts) again, a lookup in another address space scans, and after an insert —
/// of any page, a global one, a megapage covering it — the next lookup scans.
#[test]
fn a_remembered_miss_lasts_until_an_entry_changes() {
    let mut t = tlb("8:2");
    let (va, other) = (0x0001_0000, 0x0004_0000);
    assert!(t.lookup(va, 1).is_none());
    assert!(t.lookup(va, 1).is_none());
    assert!(!t.lookup_hit_if(va, 1, |_| true));
    assert_eq!(t.stats().misses, 2, "a lookup_hit_if miss is not counted");
    // A global entry for the page (another page's insert first): found at once.
    t.insert(other, 1, &translation(other, PageSize::Page4K, false));
    assert!(t.lookup(va, 2).is_none());
    t.insert(va, 3, &translation(va, PageSize::Page4K, true));
    assert!(t.lookup(va, 2).is_some(), "found after an insert");
    assert!(t.lookup(va, 1).is_some());
    // Taken out by an sfence.vma, then put back: found again.
    t.sfence(SfenceVma::from_operands(Some(va), None));
    assert!(t.lookup(va, 1).is_none());
    t.insert(va, 1, &translation(va, PageSize::Page4K, false));
    assert!(
        t.lookup(va, 1).is_some(),
        "found after the sfence and insert"
    );
    // A megapage covering the page, inserted after the page's miss: found.
    let mega = 0x0080_0000;
    assert!(t.lookup(mega + 0x5000, 1).is_none());
    t.insert(mega, 1, &translation(mega, PageSize::Mega4M, false));
    assert!(
        t.lookup(mega + 0x5000, 1).is_some(),
        "found in the new megapage"
    );
}
