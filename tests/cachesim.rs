//! `rvscope cachesim` against a small, obviously correct reference simulator (DESIGN.md §5,
//! §11): with LRU and write-allocate a single level's misses must match exactly.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;

use proptest::prelude::*;
use rvscope::mem::cache::AccessKind;
use rvscope::mem::cache_config::{HierarchyConfig, LevelConfig};
use rvscope::mem::hierarchy::Hierarchy;

use crate::support::*;

/// The reference: for each set, the lines it holds from most to least recently used. A miss
/// puts the line in front and drops whatever falls off the end. Reads and writes behave the
/// same under write-allocate, so only the misses per label are counted.
struct Reference {
    sets: u64,
    ways: usize,
    line_bytes: u64,
    recency: HashMap<u64, Vec<u64>>,
    /// Misses per din label (0 read, 1 write, 2 fetch).
    misses: [u64; 3],
    accesses: [u64; 3],
}

impl Reference {
    fn new(sets: u32, ways: u32, line_bytes: u32) -> Self {
        Reference {
            sets: sets as u64,
            ways: ways as usize,
            line_bytes: line_bytes as u64,
            recency: HashMap::new(),
            misses: [0; 3],
            accesses: [0; 3],
        }
    }

    fn access(&mut self, label: usize, addr: u32) {
        let line = addr as u64 / self.line_bytes;
        let list = self.recency.entry(line % self.sets).or_default();
        self.accesses[label] += 1;
        match list.iter().position(|&l| l == line) {
            Some(i) => {
                list.remove(i);
            }
            None => self.misses[label] += 1,
        }
        list.insert(0, line);
        list.truncate(self.ways);
    }
}

/// Spike's `SETS:WAYS:BLOCK` as numbers.
fn geometry_of(geometry: &str) -> [u32; 3] {
    let fields: Vec<u32> = geometry.split(':').map(|f| f.parse().unwrap()).collect();
    fields.try_into().expect("SETS:WAYS:BLOCK")
}

/// A deterministic mix of the patterns caches care about: random addresses in a window,
/// sequential runs, strides of a page (one set), and hot loops; labels 0, 1 and 2.
fn synthetic_trace(seed: u64, records: usize) -> Vec<(usize, u32)> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = Vec::with_capacity(records);
    let mut pc = 0x1_0000u32;
    while out.len() < records {
        let r = next();
        let label = (r % 3) as usize;
        match (r >> 8) % 5 {
            0 => {
                let base = 0x8000_0000u32 + ((next() % (256 << 10)) as u32 & !3);
                for i in 0..(next() % 64) as u32 {
                    out.push((label, base.wrapping_add(4 * i)));
                }
            }
            1 => {
                let base = 0x9000_0000u32 + ((next() % 64) as u32) * 4;
                for i in 0..(next() % 40) as u32 {
                    out.push((label, base + 4096 * i));
                }
            }
            2 => {
                for _ in 0..(next() % 32) {
                    out.push((2, pc));
                    pc = if next() % 8 == 0 {
                        0x1_0000 + (next() % 8192) as u32 * 4
                    } else {
                        pc + 4
                    };
                }
            }
            3 => {
                let hot = 0x7fff_f000u32 + ((next() % 16) as u32) * 4;
                out.push((label.min(1), hot));
            }
            _ => out.push((label, next() as u32 & !3)),
        }
    }
    out.truncate(records);
    out
}

fn din_text(trace: &[(usize, u32)]) -> String {
    let mut s = String::with_capacity(trace.len() * 12);
    for (label, addr) in trace {
        let _ = writeln!(s, "{label} {addr:x}");
    }
    s
}

fn cachesim_json(args: &[&str], trace: &str) -> serde_json::Value {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(trace.as_bytes()).unwrap();
    let stats = tempfile::NamedTempFile::new().unwrap();
    let out = rvscope()
        .arg("cachesim")
        .args(args)
        .arg("--stats-file")
        .arg(stats.path())
        .arg(file.path())
        .output()
        .unwrap();
    assert_exit_0(&out);
    serde_json::from_slice(&std::fs::read(stats.path()).unwrap()).unwrap()
}

#[test]
fn single_level_lru_matches_the_reference() {
    let trace = synthetic_trace(0x5eed, 60_000);
    let din = din_text(&trace);
    for geometry in [
        "64:1:32", "16:2:64", "64:8:64", "1:64:32", "256:4:16", "8:16:128",
    ] {
        let [sets, ways, line] = geometry_of(geometry);
        let (mut data, mut inst) = (
            Reference::new(sets, ways, line),
            Reference::new(sets, ways, line),
        );
        for &(label, addr) in &trace {
            if label == 2 {
                inst.access(2, addr)
            } else {
                data.access(label, addr)
            }
        }
        let json = cachesim_json(
            &[
                "--ic", geometry, "--dc", geometry, "--l2", "none", "--l3", "none", "--policy",
                "lru", "--alloc", "write",
            ],
            &din,
        );
        let l1i = &json["levels"][0];
        let l1d = &json["levels"][1];
        assert_eq!(l1d["level"], "L1D");
        let n = |v: &serde_json::Value| v.as_u64().unwrap();
        assert_eq!(
            n(&l1d["by_kind"]["load"]["misses"]),
            data.misses[0],
            "{geometry} reads"
        );
        assert_eq!(
            n(&l1d["by_kind"]["store"]["misses"]),
            data.misses[1],
            "{geometry} writes"
        );
        assert_eq!(
            n(&l1d["misses"]),
            data.misses[0] + data.misses[1],
            "{geometry}"
        );
        assert_eq!(n(&l1d["accesses"]), data.accesses[0] + data.accesses[1]);
        assert_eq!(n(&l1i["misses"]), inst.misses[2], "{geometry} fetches");
        assert_eq!(n(&l1i["accesses"]), inst.accesses[2]);
        // 3C adds up to the misses.
        let t = &l1d["three_c"];
        assert_eq!(
            n(&t["compulsory"]) + n(&t["capacity"]) + n(&t["conflict"]),
            n(&l1d["misses"])
        );
    }
}

#[test]
fn cachesim_text_table() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(b"2 10000\n0 80000000\n1 80000004\n")
        .unwrap();
    let out = rvscope()
        .args(["cachesim", "--l3", "none"])
        .arg(file.path())
        .output()
        .unwrap();
    assert_eq!(status_code(&out), 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("1 reads, 1 writes, 1 fetches"), "{text}");
    for needle in ["L1I", "L1D", "L2", "RAM", "compulsory", "store 0/1"] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    assert!(!text.contains("L3 "), "{text}");
}

#[test]
fn cachesim_bad_input_is_one_line_125() {
    let mut bad = tempfile::NamedTempFile::new().unwrap();
    bad.write_all(b"0 1000\n1 2000\n0 zzzz\n").unwrap();
    let bad_path = bad.path().to_str().unwrap().to_owned();
    let good = tempfile::NamedTempFile::new().unwrap();
    let good_path = good.path().to_str().unwrap().to_owned();
    for (args, needle) in [
        (
            vec![bad_path.as_str()],
            format!("{bad_path}:3: address 'zzzz'"),
        ),
        (
            vec!["/nonexistent/trace.din"],
            "/nonexistent/trace.din".to_owned(),
        ),
        (
            vec!["--dc", "63:8:64", &good_path],
            "--dc=63:8:64: 63 sets".to_owned(),
        ),
        (
            vec!["--l2", "64:8:48", &good_path],
            "--l2=64:8:48: line size 48".to_owned(),
        ),
        (
            vec!["--policy", "tree-plru", "--dc", "64:6:64", &good_path],
            "L1D: tree-plru".to_owned(),
        ),
    ] {
        let out = rvscope().arg("cachesim").args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(status_code(&out), 125, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(&needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The library's LRU level equals the reference on random traces and geometries.
    #[test]
    fn lru_level_matches_reference(
        sets_log in 0u32..5,
        ways in 1u32..9,
        line_log in 2u32..7,
        accesses in proptest::collection::vec((0usize..2, 0u32..4096), 1..400),
    ) {
        let (sets, line) = (1 << sets_log, 1 << line_log);
        let mut config = HierarchyConfig { l2: None, l3: None, ..HierarchyConfig::default() };
        config.l1d = LevelConfig { sets, ways, line_bytes: line, ..config.l1d };
        let mut h = Hierarchy::new(&config).unwrap();
        let mut reference = Reference::new(sets, ways, line);
        for &(label, addr) in &accesses {
            let addr = addr & !3;
            let kind = if label == 1 { AccessKind::Store } else { AccessKind::Load };
            h.access(addr, 4, kind);
            reference.access(label, addr);
        }
        let l1d = &h.stats().levels[1];
        prop_assert_eq!(l1d.by_kind["load"].misses, reference.misses[0]);
        prop_assert_eq!(l1d.by_kind["store"].misses, reference.misses[1]);
        let t = l1d.three_c.unwrap();
        prop_assert_eq!(t.compulsory + t.capacity + t.conflict, l1d.misses);
    }
}

/// Parses rvscope's din output: `LABEL HEXADDR [SIZE]`, where a record without a size is the
/// aligned 4-byte word Dinero IV assumes and one with a size is used as is.
fn parse_din(text: &str) -> Vec<(usize, u32, u32)> {
    text.lines()
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let label: usize = f[0].parse().unwrap();
            assert!(label <= 2, "rvscope writes only labels 0, 1 and 2: {line}");
            let addr = u32::from_str_radix(f[1], 16).unwrap();
            match f.get(2) {
                Some(size) => (label, addr, size.parse().unwrap()),
                None => (label, addr & !3, 4),
            }
        })
        .collect()
}

/// DESIGN.md §11's reference comparison on real programs: a din trace written by `rvscope run`
/// (fetches, loads, stores, AMOs and page-table reads of a guest, by physical address), replayed
/// by the trace-driven mode with single-level LRU write-allocate caches, misses exactly what the
/// per-set recency lists above miss. An access that straddles lines is one access per line, as
/// in the model.
#[test]
fn guest_din_trace_matches_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    for (elf, args) in [
        (
            guest_elf("examples", "list_vs_array"),
            vec!["2048", "3", "both"],
        ),
        (guest_elf("examples", "matrix_walk"), vec!["both", "48"]),
        (guest_elf("tests", "atomics"), vec![]),
    ] {
        let din_path = dir.path().join("t.din");
        let out = rvscope()
            .args(["run", "--trace"])
            .arg(&din_path)
            .args(["--trace-format", "din"])
            .arg(&elf)
            .args(&args)
            .output()
            .unwrap();
        assert_exit_0(&out);
        let din = std::fs::read_to_string(&din_path).unwrap();
        let trace = parse_din(&din);
        assert!(
            trace.len() > 10_000,
            "{}: {} records",
            elf.display(),
            trace.len()
        );
        for geometry in ["8:1:16", "16:2:32", "64:4:64", "1:16:64"] {
            let [sets, ways, line] = geometry_of(geometry);
            let (mut data, mut inst) = (
                Reference::new(sets, ways, line),
                Reference::new(sets, ways, line),
            );
            for &(label, addr, size) in &trace {
                let last = addr.saturating_add(size - 1);
                for l in addr / line..=last / line {
                    let r = if label == 2 { &mut inst } else { &mut data };
                    r.access(label, l * line);
                }
            }
            let json = cachesim_json(
                &[
                    "--ic", geometry, "--dc", geometry, "--l2", "none", "--l3", "none", "--policy",
                    "lru", "--alloc", "write",
                ],
                &din,
            );
            let what = format!("{} {geometry}", elf.display());
            let n = |v: &serde_json::Value| v.as_u64().unwrap();
            let (l1i, l1d) = (&json["levels"][0], &json["levels"][1]);
            let d_accesses = n(&l1d["accesses"]);
            assert_eq!(d_accesses, data.accesses[0] + data.accesses[1], "{what}");
            assert_eq!(n(&l1d["misses"]), data.misses[0] + data.misses[1], "{what}");
            assert_eq!(
                n(&l1d["by_kind"]["store"]["misses"]),
                data.misses[1],
                "{what}"
            );
            assert_eq!(n(&l1i["accesses"]), inst.accesses[2], "{what}");
            assert_eq!(n(&l1i["misses"]), inst.misses[2], "{what}");
            // Not a vacuous comparison: the program misses in every geometry.
            assert!(data.misses[0] > 0 && inst.misses[2] > 0, "{what}");
        }
    }
}
