//! The D-TLB and the page-table walker count what a hand computation predicts (DESIGN.md §4).
//!
//! `guest/tests/tlb_sweep.c` reads one byte of each of N fresh, page-aligned pages in order,
//! twice. Under `--dtlb E[:W]` (E entries, W ways, LRU per set; set = VPN mod E/W) the figures
//! of those 2N loads follow from a few rules:
//!
//! - **Pass 1, every page is new.** Its load misses the D-TLB and walks; the leaf PTE is
//!   invalid (demand paging), so the walk faults. The kernel maps the page and the load is
//!   retried: a second lookup, a second miss (a faulting walk caches nothing, priv spec §4.3.2)
//!   and a walk that succeeds and sets A — one PTE write. Per page: 2 accesses, 2 misses, 2 walks
//!   (1 faulting), 4 PTE reads (root + leaf, twice), 1 PTE write. Except once: the buffer is
//!   the first thing mapped in its 4 MiB span, so the very first walk finds no level-0 table
//!   and faults after reading 1 PTE. Pass 1: 2N accesses, 2N misses, 2N walks, N faults, 4N − 1
//!   PTE reads, N PTE writes.
//! - **Pass 2** hits every page still in the D-TLB. A sweep over more pages than a set holds
//!   evicts each page (LRU) before it comes round again, so a set that received c ≤ W of the
//!   pages hits all c and a set with c > W misses all c; anything older in the set (libc's, the
//!   stack's entries) is evicted first, so it never decides. Each miss is one walk of 2 PTE
//!   reads and no write (A is already set; loads never set D).
//!
//! **Isolation.** The program's other accesses (crt0, libc, the stack, printing the argument)
//! are the same for every N, and nothing runs after the sweep (the program exits with a raw
//! ecall), so the sweep's figures are the run with N minus the run with 0 under the same TLB.
//! Both arguments have two digits so that parsing and printing them do the same work.
//! `sweep_has_only_its_two_loads` checks the compiled loop keeps everything in registers.

use serde_json::Value;

use crate::support::*;

/// What the sweep adds to the D-TLB and walker counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Figures {
    accesses: i64,
    hits: i64,
    misses: i64,
    walks: i64,
    faulting_walks: i64,
    pte_reads: i64,
    pte_writes: i64,
}

/// The `mmu` figures of one run of tlb_sweep with argument `pages` (two digits).
fn run_sweep(dtlb: Option<&str>, pages: &str) -> Figures {
    let elf = guest_elf("tests", "tlb_sweep");
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("stats.json");
    let mut cmd = rvscope();
    cmd.arg("run").arg("--stats-file").arg(&json);
    if let Some(d) = dtlb {
        cmd.args(["--dtlb", d]);
    }
    let out = cmd.arg(&elf).arg(pages).output().unwrap();
    assert_exit_0(&out);
    let stats: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let mmu = &stats["mmu"];
    let n = |v: &Value| v.as_i64().expect("a count");
    Figures {
        accesses: n(&mmu["dtlb"]["accesses"]),
        hits: n(&mmu["dtlb"]["hits"]),
        misses: n(&mmu["dtlb"]["misses"]),
        walks: n(&mmu["walks"]["walks"]),
        faulting_walks: n(&mmu["walks"]["faults"]),
        pte_reads: n(&mmu["walks"]["pte_reads"]),
        pte_writes: n(&mmu["walks"]["pte_writes"]),
    }
}

/// The sweep's own figures: the run with `pages` minus the run with none.
fn sweep_figures(dtlb: Option<&str>, pages: u32) -> Figures {
    let with = run_sweep(dtlb, &format!("{pages:02}"));
    let without = run_sweep(dtlb, "00");
    Figures {
        accesses: with.accesses - without.accesses,
        hits: with.hits - without.hits,
        misses: with.misses - without.misses,
        walks: with.walks - without.walks,
        faulting_walks: with.faulting_walks - without.faulting_walks,
        pte_reads: with.pte_reads - without.pte_reads,
        pte_writes: with.pte_writes - without.pte_writes,
    }
}

/// One case: the D-TLB shape (`None`: the default, 32 entries fully associative), N, and the
/// figures computed by hand from the rules in the module comment.
struct Case {
    dtlb: Option<&'static str>,
    pages: u32,
    want: Figures,
    why: &'static str,
}

const fn figures(
    accesses: i64,
    hits: i64,
    misses: i64,
    walks: i64,
    faulting_walks: i64,
    pte_reads: i64,
    pte_writes: i64,
) -> Figures {
    Figures {
        accesses,
        hits,
        misses,
        walks,
        faulting_walks,
        pte_reads,
        pte_writes,
    }
}

// Columns: accesses, hits, misses, walks, faulting walks, PTE reads, PTE writes. With pass-2
// hits h and misses m = N − h: 3N, h, 2N + m, 2N + m, N, 4N − 1 + 2m, N.
const CASES: &[Case] = &[
    Case {
        dtlb: Some("8"),
        pages: 8,
        want: figures(24, 8, 16, 16, 8, 31, 8),
        why: "N = E: pass 2 hits all 8",
    },
    Case {
        dtlb: Some("8"),
        pages: 9,
        want: figures(27, 0, 27, 27, 9, 53, 9),
        why: "N = E + 1: LRU evicts each page just before its turn; pass 2 misses all 9",
    },
    Case {
        dtlb: None,
        pages: 32,
        want: figures(96, 32, 64, 64, 32, 127, 32),
        why: "the default 32-entry D-TLB holds 32 pages",
    },
    Case {
        dtlb: None,
        pages: 33,
        want: figures(99, 0, 99, 99, 33, 197, 33),
        why: "but not 33",
    },
    Case {
        dtlb: Some("16:4"),
        pages: 16,
        want: figures(48, 16, 32, 32, 16, 63, 16),
        why: "4 sets of 4 ways, 4 consecutive pages per set: pass 2 hits all 16",
    },
    Case {
        dtlb: Some("16:4"),
        pages: 18,
        want: figures(54, 8, 46, 46, 18, 91, 18),
        why: "two sets get 5 pages (10 misses), two get 4 (8 hits)",
    },
    Case {
        dtlb: Some("16:4"),
        pages: 20,
        want: figures(60, 0, 60, 60, 20, 119, 20),
        why: "5 pages in every set: pass 2 misses all 20",
    },
    Case {
        dtlb: Some("8:2"),
        pages: 9,
        want: figures(27, 6, 21, 21, 9, 41, 9),
        why: "4 sets of 2 ways: one set gets 3 pages (3 misses), three get 2 (6 hits)",
    },
];

#[test]
fn dtlb_misses_and_walks_of_a_page_sweep_match_the_hand_computation() {
    let mut failures = Vec::new();
    for case in CASES {
        let got = sweep_figures(case.dtlb, case.pages);
        if got != case.want {
            failures.push(format!(
                "--dtlb {} N={} ({}):\n  want {:?}\n  got  {:?}",
                case.dtlb.unwrap_or("32 (default)"),
                case.pages,
                case.why,
                case.want,
                got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The isolation above needs the sweep to make no data access but its loads: two `lbu`
/// (one loop per pass), nothing stored, nothing spilled to the stack.
#[test]
fn sweep_has_only_its_two_loads() {
    let out = rvscope()
        .args(["disasm", "--function", "sweep"])
        .arg(guest_elf("tests", "tlb_sweep"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mnemonics: Vec<&str> = text.lines().filter_map(|l| l.split('\t').nth(2)).collect();
    assert!(!mnemonics.is_empty(), "{text}");
    let loads = mnemonics
        .iter()
        .filter(|m| ["lb", "lbu", "lh", "lhu", "lw"].contains(m))
        .count();
    let stores = mnemonics
        .iter()
        .filter(|m| ["sb", "sh", "sw"].contains(m) || m.starts_with("amo"))
        .count();
    assert_eq!((loads, stores), (2, 0), "{text}");
}
