//! The cache model on real guest programs (DESIGN.md §5, §11): L1D figures computed by hand
//! from the structure of `guest/tests/cache_walk.c`, checked against `rvscope run`.
//!
//! A whole run's L1D counts include crt0, libc and the stack, so every case runs the same ELF
//! twice, with arguments of the same length that differ only in the size of the measured walk,
//! and asserts on the difference (cache_walk.c explains why that difference is exactly the
//! walk). The walks load 4 bytes at a time from a page-aligned, never-written mapping and keep
//! everything else in registers (`rvscope disasm --function walk`: one `lw` in the loop).
//!
//! Unless a case says otherwise the L1D is Spike's `64:8:64`: 64 sets × 8 ways × 64-byte lines
//! = 32 KiB, LRU. A line is 16 loads; one way of every set (the "set stride") is 64 × 64 =
//! 4096 bytes.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

/// L1D sets, ways and line size of the geometry the cases assume.
const SETS: u64 = 64;
const WAYS: u64 = 8;
const LINE_BYTES: u64 = 64;
const L1D_BYTES: u64 = SETS * WAYS * LINE_BYTES;
/// Bytes per load of the walks.
const LOAD_BYTES: u64 = 4;

/// Flags of every measured run. Page-table walks are kept out of the L1D: the walk's pages
/// are new to the D-TLB, and their PTE reads would otherwise add L1D misses that depend on
/// the TLB and the page tables, not on the walk.
const BASE_FLAGS: &[&str] = &["--policy", "lru", "--ptw-through-cache", "false"];

/// The L1D the cases assume, in Spike's form.
const L1D_8_WAY: &str = "--dc=64:8:64";
/// The same size, fully associative.
const L1D_FULLY_ASSOCIATIVE: &str = "--dc=1:512:64";

/// The L1D figures a test looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct L1d {
    loads: u64,
    misses: u64,
    compulsory: u64,
    capacity: u64,
    conflict: u64,
}

impl L1d {
    fn minus(self, other: L1d) -> L1d {
        L1d {
            loads: self.loads - other.loads,
            misses: self.misses - other.misses,
            compulsory: self.compulsory - other.compulsory,
            capacity: self.capacity - other.capacity,
            conflict: self.conflict - other.conflict,
        }
    }
}

/// Runs `elf args` under rvscope with `flags` and returns its `--stats-file` JSON.
fn stats(elf: &Path, flags: &[&str], args: &[&str]) -> Value {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let out = rvscope()
        .arg("run")
        .arg("--stats-file")
        .arg(file.path())
        // The figures below include the 3C split, which `run` computes on request.
        .arg("--3c")
        .args(flags)
        .arg(elf)
        .args(args)
        .output()
        .expect("running rvscope");
    assert_eq!(
        status_code(&out),
        0,
        "{} {args:?}: {}",
        elf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&std::fs::read(file.path()).expect("stats file")).expect("stats JSON")
}

/// The level called `name` in a stats JSON.
fn level<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["caches"]["levels"]
        .as_array()
        .expect("caches.levels")
        .iter()
        .find(|l| l["level"] == name)
        .unwrap_or_else(|| panic!("no level {name}"))
}

fn l1d(json: &Value) -> L1d {
    let l = level(json, "L1D");
    let n = |v: &Value| v.as_u64().expect("a count");
    // Load accesses, but all misses: a walk only loads, and the stores elsewhere in the
    // program are the same in both runs. The 3C classes always add up to the misses.
    assert_eq!(
        n(&l["misses"]),
        n(&l["three_c"]["compulsory"])
            + n(&l["three_c"]["capacity"])
            + n(&l["three_c"]["conflict"])
    );
    L1d {
        loads: n(&l["by_kind"]["load"]["accesses"]),
        misses: n(&l["misses"]),
        compulsory: n(&l["three_c"]["compulsory"]),
        capacity: n(&l["three_c"]["capacity"]),
        conflict: n(&l["three_c"]["conflict"]),
    }
}

fn cache_walk() -> std::path::PathBuf {
    guest_elf("tests", "cache_walk")
}

/// The L1D figures of `measured` minus those of `baseline` (same ELF, same flags).
fn delta(l1d_flag: &str, measured: &[&str], baseline: &[&str]) -> L1d {
    let elf = cache_walk();
    let flags: Vec<&str> = BASE_FLAGS.iter().copied().chain([l1d_flag]).collect();
    l1d(&stats(&elf, &flags, measured)).minus(l1d(&stats(&elf, &flags, baseline)))
}

/// One hand-computed case: `cache_walk` with `measured` minus with `baseline`.
struct Case {
    what: &'static str,
    /// The L1D geometry flag.
    l1d: &'static str,
    measured: &'static [&'static str],
    baseline: &'static [&'static str],
    expect: L1d,
}

fn check(cases: &[Case]) {
    let mut failures = Vec::new();
    for c in cases {
        let got = delta(c.l1d, c.measured, c.baseline);
        if got != c.expect {
            failures.push(format!(
                "{}: cache_walk {:?} minus {:?} {:?}\n  expected {:?}\n  got      {:?}",
                c.what, c.measured, c.baseline, c.l1d, c.expect, got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Case 1: a sequential walk over A bytes (A well below the L1D) misses once per line, and
/// every miss is compulsory.
#[test]
fn sequential_walk_misses_once_per_line() {
    const A: u64 = 8 * 1024;
    check(&[Case {
        what: "8 KiB, one pass",
        l1d: L1D_8_WAY,
        measured: &["walk", "008192", "000004", "000001"],
        baseline: &["walk", "008192", "000004", "000000"],
        expect: L1d {
            loads: A / LOAD_BYTES,      // 2048
            misses: A / LINE_BYTES,     // 128
            compulsory: A / LINE_BYTES, // 128
            ..L1d::default()
        },
    }]);
}

/// Case 2: a stride of sets × line bytes (4096) maps every load to one set. K lines there,
/// walked R times: with K ≤ WAYS only the first pass misses; with K = WAYS + 1 LRU evicts the
/// line needed next, so every one of the K × R loads misses — K compulsory, the rest conflict,
/// since a fully associative cache of the same size (512 lines) holds 9 lines easily, which
/// the last case checks.
#[test]
fn one_set_stride_gives_conflict_misses() {
    const R: u64 = 10;
    const SET_STRIDE: u64 = SETS * LINE_BYTES;
    assert_eq!(SET_STRIDE, 4096);
    const K: u64 = WAYS + 1;
    check(&[
        Case {
            what: "8 lines in one 8-way set, 10 passes",
            l1d: L1D_8_WAY,
            measured: &["walk", "032768", "004096", "000010"],
            baseline: &["walk", "032768", "004096", "000000"],
            expect: L1d {
                loads: WAYS * R,
                misses: WAYS,
                compulsory: WAYS,
                ..L1d::default()
            },
        },
        Case {
            what: "9 lines in one 8-way set, 10 passes",
            l1d: L1D_8_WAY,
            measured: &["walk", "036864", "004096", "000010"],
            baseline: &["walk", "036864", "004096", "000000"],
            expect: L1d {
                loads: K * R,        // 90
                misses: K * R,       // 90
                compulsory: K,       // 9
                conflict: K * R - K, // 81
                capacity: 0,
            },
        },
        Case {
            what: "the same 9 lines, fully associative 32 KiB",
            l1d: L1D_FULLY_ASSOCIATIVE,
            measured: &["walk", "036864", "004096", "000010"],
            baseline: &["walk", "036864", "004096", "000000"],
            expect: L1d {
                loads: K * R,
                misses: K,
                compulsory: K,
                ..L1d::default()
            },
        },
    ]);
}

/// Case 3: repeated sequential passes over an array of A bytes. Up to the L1D size, only the
/// first pass misses (A / line compulsory misses) and later passes all hit — even at exactly
/// the L1D size, since the loop touches nothing else. At twice the size, LRU with sequential
/// passes always evicts the line that is needed next: every load to a new line misses on every
/// pass, and a fully associative LRU cache of 32 KiB would miss the same, so after the first
/// pass they are capacity misses.
#[test]
fn doubling_past_the_l1d_turns_hits_into_capacity_misses() {
    const HALF: u64 = L1D_BYTES / 2;
    const TWICE: u64 = 2 * L1D_BYTES;
    check(&[
        Case {
            what: "16 KiB: the first pass",
            l1d: L1D_8_WAY,
            measured: &["walk", "016384", "000004", "000001"],
            baseline: &["walk", "016384", "000004", "000000"],
            expect: L1d {
                loads: HALF / LOAD_BYTES,
                misses: HALF / LINE_BYTES, // 256
                compulsory: HALF / LINE_BYTES,
                ..L1d::default()
            },
        },
        Case {
            what: "16 KiB: passes 2 to 4",
            l1d: L1D_8_WAY,
            measured: &["walk", "016384", "000004", "000004"],
            baseline: &["walk", "016384", "000004", "000001"],
            expect: L1d {
                loads: 3 * HALF / LOAD_BYTES,
                ..L1d::default()
            },
        },
        Case {
            what: "32 KiB (= L1D): passes 2 to 4",
            l1d: L1D_8_WAY,
            measured: &["walk", "032768", "000004", "000004"],
            baseline: &["walk", "032768", "000004", "000001"],
            expect: L1d {
                loads: 3 * L1D_BYTES / LOAD_BYTES,
                ..L1d::default()
            },
        },
        Case {
            what: "64 KiB (2 × L1D): the first pass",
            l1d: L1D_8_WAY,
            measured: &["walk", "065536", "000004", "000001"],
            baseline: &["walk", "065536", "000004", "000000"],
            expect: L1d {
                loads: TWICE / LOAD_BYTES,
                misses: TWICE / LINE_BYTES, // 1024
                compulsory: TWICE / LINE_BYTES,
                ..L1d::default()
            },
        },
        Case {
            what: "64 KiB (2 × L1D): passes 2 and 3",
            l1d: L1D_8_WAY,
            measured: &["walk", "065536", "000004", "000003"],
            baseline: &["walk", "065536", "000004", "000001"],
            expect: L1d {
                loads: 2 * TWICE / LOAD_BYTES,
                misses: 2 * TWICE / LINE_BYTES, // 2048
                capacity: 2 * TWICE / LINE_BYTES,
                ..L1d::default()
            },
        },
    ]);
}

/// Case 4: the sum of an N × N int matrix, row by row and column by column.
///
/// Row by row the loads are sequential: N² / 16 misses, one per line, all compulsory.
///
/// Column by column with N = 256 a row is 1 KiB = 16 lines, so row i starts at line 16 i and
/// the column block j / 16 of every row lies in set (16 i + j / 16) mod 64: only 4 distinct
/// sets for the 256 rows, 64 lines for each 8-way set, visited cyclically → LRU misses on every
/// load (N² misses, a 100 % miss ratio). The 256 lines of one column block would fit in 32 KiB
/// fully associative, so all but the N² / 16 compulsory ones are conflict misses.
///
/// With N = 64 a row is 4 lines: a column block spreads over 16 sets with 4 lines each, which
/// fit in 8 ways, so the column walk misses no more than the row walk.
#[test]
fn row_and_column_major_matrix_walks() {
    const N: u64 = 256;
    const LINES: u64 = N * N * LOAD_BYTES / LINE_BYTES; // 4096
    const SMALL_LINES: u64 = 64 * 64 * LOAD_BYTES / LINE_BYTES; // 256
    let row = L1d {
        loads: N * N,
        misses: LINES,
        compulsory: LINES,
        ..L1d::default()
    };
    let col = L1d {
        loads: N * N,
        misses: N * N,
        compulsory: LINES,
        conflict: N * N - LINES,
        capacity: 0,
    };
    let small = L1d {
        loads: 64 * 64,
        misses: SMALL_LINES,
        compulsory: SMALL_LINES,
        ..L1d::default()
    };
    check(&[
        Case {
            what: "256 x 256 row-major",
            l1d: L1D_8_WAY,
            measured: &["rows", "000256"],
            baseline: &["rows", "000000"],
            expect: row,
        },
        Case {
            what: "256 x 256 column-major",
            l1d: L1D_8_WAY,
            measured: &["cols", "000256"],
            baseline: &["cols", "000000"],
            expect: col,
        },
        Case {
            what: "64 x 64 row-major",
            l1d: L1D_8_WAY,
            measured: &["rows", "000064"],
            baseline: &["rows", "000000"],
            expect: small,
        },
        Case {
            what: "64 x 64 column-major",
            l1d: L1D_8_WAY,
            measured: &["cols", "000064"],
            baseline: &["cols", "000000"],
            expect: small,
        },
    ]);
    // The miss ratios the geometry predicts: 1/16 (one miss per 64-byte line of 4-byte loads)
    // and 1.
    assert_eq!(row.misses * (LINE_BYTES / LOAD_BYTES), row.loads);
    assert_eq!(col.misses, col.loads);
}

/// Case 5: a geometry given in Spike's form and in the long forms is the same configuration
/// and gives the same figures, level for level.
#[test]
fn spike_and_long_form_flags_agree() {
    let spike = ["--dc=32:2:64", "--ic=16:4:32", "--l2=256:4:64", "--l3=none"];
    let long = [
        "--l1d-size",
        "4K",
        "--l1d-ways",
        "2",
        "--l1d-line",
        "64", //
        "--l1i-size",
        "2K",
        "--l1i-ways",
        "4",
        "--l1i-line",
        "32", //
        "--l2-size",
        "64K",
        "--l2-ways",
        "4",
        "--l2-line",
        "64", //
        "--l3",
        "none",
    ];
    let show = |flags: &[&str]| {
        let out = rvscope()
            .args(["config", "show"])
            .args(flags)
            .output()
            .expect("rvscope config show");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    assert_eq!(show(&spike), show(&long));
    let elf = cache_walk();
    let args = ["walk", "016384", "000064", "000003"];
    let a = stats(&elf, &spike, &args);
    let b = stats(&elf, &long, &args);
    assert_eq!(level(&a, "L1D")["size_bytes"], 4096);
    assert_eq!(a["caches"], b["caches"]);
    assert_eq!(a["mmu"], b["mmu"]);
}

/// list_vs_array with one walk per run: the linked list, whose 4096 nodes are linked in
/// shuffled order, misses in the L1D far more often than the array with the same values
/// (README "Walkthrough: list vs array").
#[test]
fn list_walk_misses_more_than_array_walk() {
    let elf = guest_elf("examples", "list_vs_array");
    let rate = |phase: &str| {
        let json = stats(&elf, &[], &["4096", "50", phase]);
        let l = level(&json, "L1D");
        l["misses"].as_u64().unwrap() as f64 / l["accesses"].as_u64().unwrap() as f64
    };
    let (array, list) = (rate("array"), rate("list"));
    assert!(
        list > 4.0 * array && list - array > 0.10,
        "L1D miss rate: list {list:.4}, array {array:.4}"
    );
}
