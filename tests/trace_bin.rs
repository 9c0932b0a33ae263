//! `--trace-format bin` and `rvscope trace convert|stats|replay` (issue 7): a bin trace
//! converts to exactly what each text format writes live, its counts are the run's, it
//! replays to the live cache counts, bad files fail in one line, a crash leaves a complete
//! trace.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

fn run(flags: &[&str], elf: &Path) -> i32 {
    status_code(&rvscope_run(flags, elf, &[]))
}

fn trace_tool(args: &[&str]) -> std::process::Output {
    rvscope().arg("trace").args(args).output().unwrap()
}

/// Runs `elf args` with `flags` and then `extra`; its exit status.
fn run_with(flags: &[&str], extra: &[&str], elf: &Path, args: &[&str]) -> i32 {
    let all: Vec<&str> = flags.iter().chain(extra).copied().collect();
    status_code(&rvscope_run(&all, elf, args))
}

/// Converts bin trace `bin` to text in file `out`; the text.
fn bin_to_text(bin: &Path, out: &Path) -> Vec<u8> {
    let done = trace_tool(&[
        "convert",
        bin.to_str().unwrap(),
        "--to",
        "text",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_exit_0(&done);
    std::fs::read(out).unwrap()
}

/// Small FIFO caches with no L3 and a slower L1D: every setting differs from the defaults.
const SMALL_FIFO: [&str; 12] = [
    "--ic",
    "8:1:16",
    "--dc",
    "4:2:16",
    "--l2",
    "16:4:32",
    "--l3",
    "none",
    "--policy",
    "fifo",
    "--l1d-latency",
    "2",
];

/// For each text format: the live trace equals the bin trace of the same run converted.
#[test]
fn bin_converts_to_each_live_format_byte_for_byte() {
    let elf = guest_elf("tests", "trace_loop");
    let dir = tempfile::tempdir().unwrap();
    for (format, extra) in [
        ("text", vec!["--trace-regs"]),
        ("jsonl", vec!["--trace-regs"]),
        ("text", vec!["--trace-from", "100", "--trace-to", "200"]),
        ("jsonl", vec!["--trace-kind", "load,store"]),
        ("din", vec![]),
        ("lackey", vec![]),
        ("commit", vec!["--trace-regs"]),
    ] {
        let live = dir.path().join(format);
        let bin = dir.path().join("t.bin");
        let conv = dir.path().join("conv");
        let mut flags = vec!["--trace", live.to_str().unwrap(), "--trace-format", format];
        flags.extend(&extra);
        assert_eq!(run(&flags, &elf), 36);
        let mut flags = vec!["--trace", bin.to_str().unwrap(), "--trace-format", "bin"];
        flags.extend(&extra);
        assert_eq!(run(&flags, &elf), 36);
        let out = trace_tool(&[
            "convert",
            bin.to_str().unwrap(),
            "--to",
            format,
            "-o",
            conv.to_str().unwrap(),
        ]);
        assert_exit_0(&out);
        let (live, conv) = (std::fs::read(&live).unwrap(), std::fs::read(&conv).unwrap());
        assert!(!live.is_empty());
        assert!(live == conv, "{format} {extra:?}: conversion differs");
    }
}

/// Block runs (bin version 3) hold a run's plain fetches in one record each, the reader
/// rebuilding every fetch: on programs with compressed code, loops, L1 misses, a D-TLB off its
/// most recent page, self-modifying code, swap and a crash, with the default caches and with
/// small FIFO ones, the bin trace converts to exactly the live text trace, and it holds block
/// runs, far fewer records than the run has fetches.
#[test]
fn block_runs_convert_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &[&str], Vec<&str>); 6] = [
        ("bench", "coremark_like", &["1"], vec![]),
        ("bench", "coremark_like", &["1"], SMALL_FIFO.to_vec()),
        ("examples", "list_vs_array", &["300", "1"], vec![]),
        ("tests", "self_modify", &[], vec![]),
        ("tests", "stack_overflow", &[], vec![]),
        ("examples", "thrash", &["20000", "2"], vec!["--ram", "256K"]),
    ];
    for (kind, name, args, extra) in cases {
        let elf = guest_elf(kind, name);
        let live = dir.path().join("live");
        let bin = dir.path().join("t.bin");
        let conv = dir.path().join("conv");
        let text = ["--trace", live.to_str().unwrap(), "--trace-format", "text"];
        let status = run_with(&text, &extra, &elf, args);
        let to_bin = ["--trace", bin.to_str().unwrap(), "--trace-format", "bin"];
        assert_eq!(run_with(&to_bin, &extra, &elf, args), status, "{name}");
        let (live, conv) = (std::fs::read(&live).unwrap(), bin_to_text(&bin, &conv));
        assert!(live == conv, "{name} {extra:?}: conversion differs");
        // Records (64 bytes each, after the header) against fetches (lines of kind fetch).
        let bytes = std::fs::read(&bin).unwrap();
        let records = &bytes[json_len(&bytes) + 16..];
        let block_runs = records.chunks_exact(64).filter(|r| r[0] == 11).count();
        let fetches = String::from_utf8_lossy(&live)
            .lines()
            .filter(|l| l.contains(" fetch "))
            .count();
        assert!(block_runs > 0, "{name}: no block runs");
        assert!(
            records.len() / 64 < fetches,
            "{name}: {} records for {fetches} fetches",
            records.len() / 64
        );
    }
}

/// Walked run accesses (bin version 6): a load or store of a block run that walked the page
/// table keeps the run open, its PTE reads in its own record. With a one-entry D-TLB nearly
/// every change of data page walks: with PTE reads through the caches (default and small FIFO
/// ones) and bypassing them, the bin trace converts to exactly the live text trace, every PTE
/// read of the run is in a walked run access's record or a full access record of kind ptw,
/// and more walks are in walked run accesses than PTE reads in full records (with the small
/// caches many fetches miss, and a walk outside a block run is written in full).
#[test]
fn walked_run_accesses_convert_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let small: Vec<&str> = SMALL_FIFO.iter().copied().chain(["--dtlb", "1"]).collect();
    let cases: [(&str, &str, &[&str], Vec<&str>); 3] = [
        ("bench", "coremark_like", &["1"], vec!["--dtlb", "1"]),
        ("examples", "list_vs_array", &["300", "1"], small),
        (
            "bench",
            "coremark_like",
            &["1"],
            vec!["--dtlb", "1", "--ptw-through-cache", "false"],
        ),
    ];
    for (kind, name, args, extra) in cases {
        let elf = guest_elf(kind, name);
        let live = dir.path().join("live");
        let bin = dir.path().join("t.bin");
        let conv = dir.path().join("conv");
        let text = ["--trace", live.to_str().unwrap(), "--trace-format", "text"];
        let status = run_with(&text, &extra, &elf, args);
        let to_bin = ["--trace", bin.to_str().unwrap(), "--trace-format", "bin"];
        assert_eq!(run_with(&to_bin, &extra, &elf, args), status, "{name}");
        let (live, conv) = (std::fs::read(&live).unwrap(), bin_to_text(&bin, &conv));
        assert!(live == conv, "{name} {extra:?}: conversion differs");
        let bytes = std::fs::read(&bin).unwrap();
        let records = &bytes[json_len(&bytes) + 16..];
        let walked: Vec<&[u8]> = records
            .chunks_exact(64)
            .filter(|r| r[0] == 12 && r[30] > 0)
            .collect();
        let in_walked: usize = walked.iter().map(|r| r[30] as usize).sum();
        let full_ptw = records
            .chunks_exact(64)
            .filter(|r| r[0] == 1 && r[1] == 4)
            .count();
        let live_ptw = String::from_utf8_lossy(&live)
            .lines()
            .filter(|l| l.contains(" ptw "))
            .count();
        assert_eq!(in_walked + full_ptw, live_ptw, "{name} {extra:?}");
        assert!(
            walked.len() > full_ptw,
            "{name} {extra:?}: {} walked run accesses, {full_ptw} PTE reads in full records",
            walked.len()
        );
    }
}

/// The interpreter runs blocks in two traced loops: the lean one (no retirements reported; it
/// keeps no position, sequence number or retirement test per instruction) and the general one
/// (`--trace-regs`). They must see every access alike: a bin trace made by the lean loop,
/// converted to text, is the live `--trace-regs` text trace with its retirement lines taken
/// out, on runs with side exits, L1I line changes, self-modifying code, a crash and swap.
#[test]
fn lean_and_retiring_loops_trace_the_same_accesses() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &[&str], Vec<&str>); 5] = [
        ("bench", "coremark_like", &["1"], vec![]),
        (
            "examples",
            "list_vs_array",
            &["300", "1"],
            SMALL_FIFO.to_vec(),
        ),
        ("tests", "self_modify", &[], vec![]),
        ("tests", "stack_overflow", &[], vec![]),
        ("examples", "thrash", &["20000", "2"], vec!["--ram", "256K"]),
    ];
    for (kind, name, args, extra) in cases {
        let elf = guest_elf(kind, name);
        let bin = dir.path().join("lean.bin");
        let conv = dir.path().join("lean.txt");
        let regs = dir.path().join("regs.txt");
        let to_bin = ["--trace", bin.to_str().unwrap(), "--trace-format", "bin"];
        let status = run_with(&to_bin, &extra, &elf, args);
        let with_regs = ["--trace", regs.to_str().unwrap(), "--trace-regs"];
        assert_eq!(run_with(&with_regs, &extra, &elf, args), status, "{name}");
        let conv = String::from_utf8(bin_to_text(&bin, &conv)).unwrap();
        let regs = std::fs::read_to_string(&regs).unwrap();
        let retires = regs
            .lines()
            .filter(|l| l.split_whitespace().nth(3) == Some("retire"))
            .count();
        let without: Vec<&str> = regs
            .lines()
            .filter(|l| l.split_whitespace().nth(3) != Some("retire"))
            .collect();
        assert!(retires > 1000, "{name}: {retires} retirements");
        assert!(
            conv.lines().eq(without.iter().copied()),
            "{name} {extra:?}: the lean loop traced other accesses"
        );
    }
}

/// Without `--trace-regs` a bin trace keeps no retirements (they would be most of its records):
/// its stats count none, and converting it to `commit`, which is made of them, is a one-line
/// error naming the flag.
#[test]
fn a_bin_trace_without_trace_regs_has_no_retirements() {
    let elf = guest_elf("tests", "trace_loop");
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("t.bin");
    assert_eq!(
        run(
            &["--trace", bin.to_str().unwrap(), "--trace-format", "bin"],
            &elf
        ),
        36
    );
    let out = trace_tool(&["stats", "--json", bin.to_str().unwrap()]);
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["retires"], 0);
    assert!(s["by_kind"]["fetch"].as_u64().unwrap() > 0);
    let out = trace_tool(&["convert", bin.to_str().unwrap(), "--to", "commit"]);
    assert_eq!(status_code(&out), 125);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--trace-regs"), "{err}");
    assert!(out.stdout.is_empty());
}

/// `trace stats` on a bin trace gives the run's own figures (L1 misses, TLB misses); on a din
/// trace its record counts by label.
#[test]
fn trace_stats_counts_equal_the_run_statistics() {
    let dir = tempfile::tempdir().unwrap();
    for (group, name) in [("tests", "trace_loop"), ("examples", "matrix_walk")] {
        let elf = guest_elf(group, name);
        let bin = dir.path().join("t.bin");
        let din = dir.path().join("t.din");
        let live = dir.path().join("live.json");
        let flags = [
            "--trace",
            bin.to_str().unwrap(),
            "--trace-format",
            "bin",
            "--trace-regs",
            "--stats-file",
            live.to_str().unwrap(),
        ];
        run(&flags, &elf);
        run(
            &["--trace", din.to_str().unwrap(), "--trace-format", "din"],
            &elf,
        );
        let live: Value = serde_json::from_str(&std::fs::read_to_string(&live).unwrap()).unwrap();
        let out = trace_tool(&["stats", "--json", bin.to_str().unwrap()]);
        assert_exit_0(&out);
        let s: Value = serde_json::from_slice(&out.stdout).unwrap();
        let level = |n: &str| {
            live["caches"]["levels"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["level"] == n)
                .unwrap()["misses"]
                .clone()
        };
        assert_eq!(s["l1i_misses"], level("L1I"), "{name}");
        assert_eq!(s["l1d_misses"], level("L1D"), "{name}");
        let tlb = live["mmu"]["itlb"]["misses"].as_u64().unwrap()
            + live["mmu"]["dtlb"]["misses"].as_u64().unwrap();
        assert_eq!(s["tlb_misses"], tlb, "{name}");
        assert_eq!(s["retires"], live["instructions"], "{name}");
        // The din trace's reads + writes + fetches are the L1 accesses.
        let out = trace_tool(&["stats", "--json", din.to_str().unwrap()]);
        let d: Value = serde_json::from_slice(&out.stdout).unwrap();
        let l1 = |n: &str| {
            live["caches"]["levels"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["level"] == n)
                .unwrap()["accesses"]
                .as_u64()
                .unwrap()
        };
        let din_total: u64 = ["read", "write", "fetch"]
            .iter()
            .map(|k| d["by_kind"][k].as_u64().unwrap_or(0))
            .sum();
        assert!(din_total <= l1("L1I") + l1("L1D"), "{name}: {d}");
        let fetches = s["by_kind"]["fetch"].as_u64().unwrap() - count_faulted_fetches(&bin);
        assert_eq!(d["by_kind"]["fetch"], fetches, "{name}");
    }
}

/// Fetch accesses of a bin trace that faulted (not in din).
fn count_faulted_fetches(bin: &Path) -> u64 {
    let out = trace_tool(&["convert", bin.to_str().unwrap(), "--to", "jsonl"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["event"] == "access" && e["kind"] == "fetch" && !e["fault"].is_null())
        .count() as u64
}

/// `trace replay` of a bin trace gives exactly the live cache counts, like `cachesim` on din.
#[test]
fn bin_trace_replay_gives_the_live_counts() {
    let dir = tempfile::tempdir().unwrap();
    // Small caches over a heap walk of 4.3·10^5 instructions: misses, evictions and
    // writebacks at every level, and a trace of a few tens of MB.
    let small = ["--ic", "16:2:32", "--dc", "16:2:32", "--l2", "64:4:64"];
    for (elf, args, config) in [
        (guest_elf("tests", "atomics"), vec![], vec![]),
        (guest_elf("tests", "kernel_access"), vec![], vec![]),
        (
            guest_elf("examples", "list_vs_array"),
            vec!["2000", "2"],
            small.to_vec(),
        ),
    ] {
        let bin = dir.path().join("t.bin");
        let live = dir.path().join("live.json");
        let replay = dir.path().join("replay.json");
        let mut flags = vec!["--trace", bin.to_str().unwrap(), "--trace-format", "bin"];
        flags.extend(["--stats-file", live.to_str().unwrap()]);
        flags.extend(&config);
        let out = rvscope_run(&flags, &elf, &args);
        // kernel_access ends in SIGSEGV on purpose: its trace replays too.
        let code = status_code(&out);
        assert!(code == 0 || code == 139, "{}: {code}", elf.display());
        let mut args = vec!["replay", "--stats-file", replay.to_str().unwrap()];
        args.push(bin.to_str().unwrap());
        args.extend(&config);
        let out = trace_tool(&args);
        assert_exit_0(&out);
        let live: Value = serde_json::from_str(&std::fs::read_to_string(&live).unwrap()).unwrap();
        let replay: Value =
            serde_json::from_str(&std::fs::read_to_string(&replay).unwrap()).unwrap();
        for (i, l) in live["caches"]["levels"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            for k in ["accesses", "hits", "misses", "evictions", "writebacks"] {
                assert_eq!(l[k], replay["levels"][i][k], "{} {k}", elf.display());
            }
        }
        assert_eq!(live["caches"]["ram"], replay["ram"], "{}", elf.display());
    }
}

/// Wrong magic, wrong version, a truncated record: one line naming the file and the byte
/// offset, exit 125.
#[test]
fn a_bad_bin_trace_fails_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("t.bin");
    assert_eq!(
        run(
            &["--trace", bin.to_str().unwrap(), "--trace-format", "bin"],
            &guest_elf("tests", "trace_loop")
        ),
        36
    );
    let good = std::fs::read(&bin).unwrap();
    let bad = dir.path().join("bad.bin");
    let mut wrong_version = good.clone();
    wrong_version[8] = 99;
    let cut = good.len() - 10;
    for (bytes, needle) in [
        (
            b"hello world, not a trace".to_vec(),
            "at byte 0: not an rvscope bin trace",
        ),
        (wrong_version, "at byte 8: bin trace version 99"),
        (good[..cut].to_vec(), "truncated record"),
    ] {
        std::fs::write(&bad, &bytes).unwrap();
        for tool in ["convert", "stats", "replay"] {
            let mut args = vec![tool, bad.to_str().unwrap()];
            if tool == "convert" {
                args.extend(["--to", "text"]);
            }
            if tool != "convert" && needle.contains("not an rvscope") {
                continue; // stats and replay read anything else as din
            }
            let out = trace_tool(&args);
            assert_eq!(status_code(&out), 125, "{tool} {needle}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(err.lines().count(), 1, "{tool}: {err}");
            assert!(err.contains(bad.to_str().unwrap()), "{tool}: {err}");
            assert!(err.contains(needle), "{tool}: {err}");
        }
    }
    // The truncated record starts at the last whole record's end.
    let records_start = 16 + json_len(&good);
    let last = records_start + (cut - records_start) / 64 * 64;
    let out = trace_tool(&["convert", bad.to_str().unwrap(), "--to", "text"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("at byte {last}: truncated")), "{err}");
}

fn json_len(bin: &[u8]) -> usize {
    u32::from_le_bytes([bin[12], bin[13], bin[14], bin[15]]) as usize
}

/// A crash mid-run leaves a bin trace whose last records are the faulting access and the
/// signal.
#[test]
fn a_crash_leaves_a_complete_bin_trace() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("t.bin");
    let code = run(
        &["--trace", bin.to_str().unwrap(), "--trace-format", "bin"],
        &guest_elf("tests", "null_deref"),
    );
    assert_eq!(code, 139);
    let out = trace_tool(&["convert", bin.to_str().unwrap(), "--to", "jsonl"]);
    assert_eq!(status_code(&out), 0);
    let events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let n = events.len();
    let (access, signal) = (&events[n - 2], &events[n - 1]);
    assert_eq!(access["event"], "access", "{access}");
    assert_eq!(access["kind"], "load", "{access}");
    assert_eq!(access["fault"], "load page fault at 0x00000000", "{access}");
    assert_eq!(signal["event"], "signal", "{signal}");
    assert_eq!(signal["signal"], "SIGSEGV", "{signal}");
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Per level, what `run --stats-file` and `trace replay --stats-file` both report: the
/// configuration and the counts.
fn level_figures(levels: &Value) -> Vec<Vec<Value>> {
    const KEYS: [&str; 13] = [
        "level",
        "size_bytes",
        "sets",
        "ways",
        "line_bytes",
        "policy",
        "write",
        "alloc",
        "latency_cycles",
        "accesses",
        "hits",
        "misses",
        "evictions",
    ];
    levels
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            KEYS.iter()
                .map(|k| l[k].clone())
                .chain([l["writebacks"].clone()])
                .collect()
        })
        .collect()
}

/// Runs `elf` with `caches` writing a bin trace to `bin`; returns the live `--stats-file`
/// (written however the program ends: kernel_access dies of SIGSEGV on purpose).
fn live_run_with_bin_trace(elf: &Path, caches: &[&str], bin: &Path, live: &Path) -> Value {
    let mut flags = vec!["--trace", bin.to_str().unwrap(), "--trace-format", "bin"];
    flags.extend(["--stats-file", live.to_str().unwrap()]);
    flags.extend(caches);
    let code = run(&flags, elf);
    assert!(code == 0 || code == 139, "{caches:?}: exit {code}");
    read_json(live)
}

/// `trace replay TRACE --stats-file OUT ARGS…`, which must succeed; returns the report.
fn replay_json(trace: &Path, out: &Path, args: &[&str]) -> Value {
    let mut all = vec!["replay", trace.to_str().unwrap()];
    all.extend(["--stats-file", out.to_str().unwrap()]);
    all.extend(args);
    let o = trace_tool(&all);
    assert_eq!(status_code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    read_json(out)
}

/// Issue 7 item 4: with no cache flags, `trace replay` of a bin trace uses the caches its
/// header records — geometry, policies, write and allocate policies, latencies, seed, levels
/// removed — and gives exactly the live run's per-level figures.
#[test]
fn bin_trace_replays_through_the_caches_its_header_records() {
    let dir = tempfile::tempdir().unwrap();
    let (bin, live, replay) = (
        dir.path().join("t.bin"),
        dir.path().join("live.json"),
        dir.path().join("replay.json"),
    );
    let preset = dir.path().join("defaults.toml");
    let out = rvscope().args(["config", "show"]).output().unwrap();
    std::fs::write(&preset, &out.stdout).unwrap();
    for (group, name, caches) in [
        ("tests", "atomics", SMALL_FIFO.to_vec()),
        (
            "tests",
            "atomics",
            vec![
                "--dc",
                "8:2:32",
                "--l2",
                "none",
                "--l3",
                "16:2:64",
                "--policy",
                "random",
                "--seed",
                "5",
                "--write",
                "through",
                "--alloc",
                "no-write",
                "--ram-latency",
                "90",
            ],
        ),
        (
            "tests",
            "kernel_access",
            vec![
                "--ic",
                "4:4:16",
                "--l1d-size",
                "256",
                "--l1d-ways",
                "4",
                "--policy",
                "tree-plru",
            ],
        ),
    ] {
        let elf = guest_elf(group, name);
        let live = live_run_with_bin_trace(&elf, &caches, &bin, &live);
        let r = replay_json(&bin, &replay, &[]);
        assert_eq!(r["config_source"], "the trace header", "{caches:?}");
        let live_levels = level_figures(&live["caches"]["levels"]);
        assert_eq!(
            live_levels,
            level_figures(&r["levels"]),
            "{name} {caches:?}"
        );
        assert_eq!(live["caches"]["ram"], r["ram"], "{name} {caches:?}");
        assert_eq!(
            live["caches"]["ram_latency_cycles"], r["ram_latency_cycles"],
            "{caches:?}"
        );
        // Not what the defaults give: the header made the difference. (A complete preset
        // replaces every recorded setting; an empty file would change none.)
        let defaults = replay_json(&bin, &replay, &["--config", preset.to_str().unwrap()]);
        assert_eq!(
            defaults["config_source"],
            "the trace header, changed by --config or the cache flags"
        );
        assert_eq!(defaults["config"]["l1d"]["sets"], 64);
        assert_ne!(
            live_levels,
            level_figures(&defaults["levels"]),
            "{caches:?}"
        );
    }
}

/// Cache flags and `--config` on the replay command line change the recorded caches per
/// field, as they change the defaults for `run`; the report shows what was used. A din trace
/// replays over the defaults, as before.
#[test]
fn replay_flags_override_the_recorded_caches_per_field() {
    let dir = tempfile::tempdir().unwrap();
    let (bin, live, replay) = (
        dir.path().join("t.bin"),
        dir.path().join("live.json"),
        dir.path().join("replay.json"),
    );
    let caches = SMALL_FIFO;
    let elf = guest_elf("tests", "atomics");
    let live = live_run_with_bin_trace(&elf, &caches, &bin, &live);
    let live_levels = level_figures(&live["caches"]["levels"]);

    // Only the L1D's ways change: its size, line, policy and latency stay the recorded ones.
    let r = replay_json(&bin, &replay, &["--l1d-ways", "1"]);
    assert_eq!(
        r["config_source"],
        "the trace header, changed by --config or the cache flags"
    );
    let l1d = &r["config"]["l1d"];
    assert_eq!(
        (&l1d["sets"], &l1d["ways"], &l1d["line_bytes"]),
        (&Value::from(8), &Value::from(1), &Value::from(16))
    );
    assert_eq!(
        (&l1d["policy"], &l1d["latency_cycles"]),
        (&Value::from("fifo"), &Value::from(2))
    );
    assert!(r["config"]["l3"].is_null(), "the recorded --l3 none stays");
    let levels = level_figures(&r["levels"]);
    assert_eq!(levels[0], live_levels[0], "L1I is unchanged");
    assert_ne!(levels[1], live_levels[1], "L1D obeys --l1d-ways");

    // A --config file layers the same way, and flags still win over it.
    let toml = dir.path().join("c.toml");
    std::fs::write(
        &toml,
        "[caches.l2]\nways = 2\n[caches.l1i]\npolicy = \"lru\"\n",
    )
    .unwrap();
    let r = replay_json(
        &bin,
        &replay,
        &["--config", toml.to_str().unwrap(), "--l2-ways", "8"],
    );
    let l2 = &r["config"]["l2"];
    assert_eq!(
        (&l2["sets"], &l2["ways"], &l2["line_bytes"], &l2["policy"]),
        (
            &Value::from(8),
            &Value::from(8),
            &Value::from(32),
            &Value::from("fifo")
        )
    );
    assert_eq!(r["config"]["l1i"]["policy"], "lru");
    assert_eq!(r["config"]["l1i"]["sets"], 8);
    assert!(r["config"]["l3"].is_null());

    // The table says where the caches came from and shows them.
    let out = trace_tool(&["replay", bin.to_str().unwrap()]);
    assert_eq!(status_code(&out), 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("t.bin: caches from the trace header\n"),
        "{text}"
    );
    assert!(
        text.contains("\nL1D         128     2    16 fifo "),
        "{text}"
    );

    // A din trace has no header: the defaults, as before.
    let din = dir.path().join("t.din");
    let o = trace_tool(&[
        "convert",
        bin.to_str().unwrap(),
        "--to",
        "din",
        "-o",
        din.to_str().unwrap(),
    ]);
    assert_eq!(status_code(&o), 0);
    let r = replay_json(&din, &replay, &[]);
    assert_eq!(r["config_source"], "the built-in defaults");
    assert_eq!(r["config"]["l1d"]["sets"], 64);
    let out = trace_tool(&["replay", din.to_str().unwrap()]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("caches from"));
}

/// `t.bin` with its header JSON replaced by `header`.
fn with_header(good: &[u8], header: &Value) -> Vec<u8> {
    let json = header.to_string();
    let mut out = good[..12].to_vec();
    out.extend((json.len() as u32).to_le_bytes());
    out.extend(json.as_bytes());
    out.extend(&good[16 + json_len(good)..]);
    out
}

/// A header whose configuration cannot be understood stops the replay with one line naming
/// the file and what is wrong (exit 125); a header without caches replays over the defaults
/// and says so.
#[test]
fn a_bad_header_config_fails_replay_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("t.bin");
    let code = run(
        &[
            "--trace",
            bin.to_str().unwrap(),
            "--trace-format",
            "bin",
            "--dc",
            "16:2:32",
        ],
        &guest_elf("tests", "trace_loop"),
    );
    assert_eq!(code, 36);
    let good = std::fs::read(&bin).unwrap();
    let header: Value = serde_json::from_slice(&good[16..16 + json_len(&good)]).unwrap();
    assert_eq!(header["config"]["caches"]["l1d"]["ways"], 2);
    let bad = dir.path().join("bad.bin");
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut h = header.clone();
        f(&mut h);
        std::fs::write(&bad, with_header(&good, &h)).unwrap();
    };
    for (change, needle) in [
        (
            &(|h: &mut Value| h["config"] = "x".into()) as &dyn Fn(&mut Value),
            "trace header config: expected a JSON object, found a string",
        ),
        (
            &|h: &mut Value| h["config"]["caches"]["l1d"]["size"] = "48K".into(),
            "trace header config: [caches.l1d] size: size 48K gives 768 sets",
        ),
        (
            &|h: &mut Value| h["config"]["caches"]["l2"] = 7.into(),
            "trace header config: [caches] l2: invalid type: integer `7`",
        ),
        (
            &|h: &mut Value| h["config"]["caches"]["l1i"]["ways"] = 0.into(),
            "trace header config: [caches.l1i] ways: a cache needs at least one way",
        ),
    ] {
        edit(change);
        let out = trace_tool(&["replay", bad.to_str().unwrap()]);
        assert_eq!(status_code(&out), 125, "{needle}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!("{}: {needle}", bad.display())),
            "{err}"
        );
    }
    // No caches recorded (a trace from a tool that leaves them out): the defaults, noted.
    edit(&|h| {
        h.as_object_mut().unwrap().remove("config");
    });
    let replay = dir.path().join("r.json");
    let r = replay_json(&bad, &replay, &[]);
    assert_eq!(
        r["config_source"],
        "the built-in defaults (the trace header records no caches)"
    );
    assert_eq!(r["config"]["l1d"]["sets"], 64);
}
