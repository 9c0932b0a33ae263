//! `rvscope run --trace` (DESIGN.md §8, issue 7): the trace is an exact account of the run. A
//! `din` trace replayed through the cache model gives the live run's counts; tracing changes
//! no statistic; each format's output on a tiny loop is reviewed in tests/golden/; a crash
//! leaves a complete trace; the filters keep what they say.

use std::path::{Path, PathBuf};

use rvscope::os::symbols::Symbols;
use serde_json::Value;

use crate::support::*;

/// Runs `rvscope run FLAGS ELF ARGS`; returns the exit status and stderr.
fn run(flags: &[&str], elf: &Path, args: &[&str]) -> (i32, String) {
    let out = rvscope_run(flags, elf, args);
    (
        status_code(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The figures `rvscope cachesim` can reproduce: per level accesses, hits, misses, evictions,
/// writebacks, and RAM traffic.
fn cache_figures(caches: &Value) -> Vec<(String, Vec<u64>)> {
    let mut out: Vec<(String, Vec<u64>)> = caches["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let figures = ["accesses", "hits", "misses", "evictions", "writebacks"]
                .iter()
                .map(|k| l[k].as_u64().unwrap())
                .collect();
            (l["level"].as_str().unwrap().to_owned(), figures)
        })
        .collect();
    out.push((
        "RAM".into(),
        vec![
            caches["ram"]["reads"].as_u64().unwrap(),
            caches["ram"]["writes"].as_u64().unwrap(),
        ],
    ));
    out
}

/// The must-show of issue 7: a din trace written by `rvscope run`, replayed by `rvscope
/// cachesim` with the same cache configuration, gives exactly the live run's L1/L2/L3 and RAM
/// counts — with page-table walks through the caches (they are read records in the trace)
/// and without, with page-fault retries (the failed attempt never reached the caches and is
/// not in the trace), AMOs, a small 2-way hierarchy that evicts and writes back a lot, and
/// straddling accesses.
#[test]
fn din_trace_replayed_by_cachesim_gives_the_live_counts() {
    let dir = tempfile::tempdir().unwrap();
    let small = ["--ic", "16:2:32", "--dc", "16:2:32", "--l2", "64:4:64"];
    let cases: Vec<(PathBuf, Vec<&str>, Vec<&str>)> = vec![
        (guest_elf("examples", "hello"), vec![], vec![]),
        (guest_elf("tests", "atomics"), vec![], vec![]),
        (guest_elf("tests", "self_modify"), vec![], vec![]),
        (guest_elf("tests", "kernel_read"), vec![], vec![]),
        (guest_elf("tests", "kernel_access"), vec![], vec![]),
        (
            guest_elf("examples", "malloc_growth"),
            vec!["--ptw-through-cache", "false"],
            vec!["100"],
        ),
        (
            guest_elf("examples", "matrix_walk"),
            small.to_vec(),
            vec!["both", "64"],
        ),
    ];
    for (elf, config, args) in cases {
        let din = dir.path().join("t.din");
        let live = dir.path().join("live.json");
        let replay = dir.path().join("replay.json");
        let mut flags = vec!["--trace", din.to_str().unwrap(), "--trace-format", "din"];
        flags.extend(["--stats-file", live.to_str().unwrap()]);
        flags.extend(&config);
        let (code, stderr) = run(&flags, &elf, &args);
        // kernel_read dies of SIGSEGV on purpose: a trace ending in a crash replays too.
        assert!(code == 0 || code == 139, "{}: {stderr}", elf.display());
        let out = rvscope()
            .arg("cachesim")
            .arg("--stats-file")
            .arg(&replay)
            .arg(&din)
            .args(
                config
                    .iter()
                    .filter(|f| !f.starts_with("--ptw") && **f != "false"),
            )
            .output()
            .unwrap();
        assert_exit_0(&out);
        let live = read_json(&live);
        let replay = read_json(&replay);
        assert_eq!(
            cache_figures(&live["caches"]),
            cache_figures(&replay),
            "{} {config:?}",
            elf.display()
        );
    }
}

/// Tracing observes: every statistic (instructions, per-region counts, TLBs, walks, caches
/// and cycles) is the same with and without `--trace`, in every timing mode.
#[test]
fn tracing_changes_no_statistic() {
    let dir = tempfile::tempdir().unwrap();
    for (elf, args) in [
        (guest_elf("examples", "hello"), vec![]),
        (guest_elf("tests", "atomics"), vec![]),
        (guest_elf("tests", "self_modify"), vec![]),
        (guest_elf("examples", "matrix_walk"), vec!["both", "64"]),
    ] {
        for timing in ["functional", "tlb", "full"] {
            let stats = |name: &str, extra: &[&str]| -> String {
                let path = dir.path().join(name);
                let mut flags = vec!["--timing", timing, "--stats-file", path.to_str().unwrap()];
                flags.extend(extra);
                let (code, stderr) = run(&flags, &elf, &args);
                assert_eq!(code, 0, "{stderr}");
                std::fs::read_to_string(&path).unwrap()
            };
            let trace = dir.path().join("t.txt");
            let traced = stats(
                "traced.json",
                &["--trace", trace.to_str().unwrap(), "--trace-regs"],
            );
            assert_eq!(
                stats("plain.json", &[]),
                traced,
                "{} {timing}",
                elf.display()
            );
        }
    }
}

/// Instruction number of the first instruction of `main` in `elf`'s run (from a fetch trace).
fn first_insn_of_main(elf: &Path, args: &[&str]) -> u64 {
    let main = Symbols::load(elf).function_named("main").unwrap().addr;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fetch.jsonl");
    let flags = [
        "--trace",
        path.to_str().unwrap(),
        "--trace-format",
        "jsonl",
        "--trace-kind",
        "fetch",
    ];
    run(&flags, elf, args);
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| e["event"] == "access" && e["pc"] == main && e["fault"].is_null())
        .map(|e| e["insn"].as_u64().unwrap())
        .expect("main runs")
}

/// Golden files of each text format on guest/tests/trace_loop.c's `main` (its 64
/// instructions: the instruction window starts at main's first one). `RVSCOPE_BLESS=1 cargo
/// test trace` rewrites them; review the diff like code.
#[test]
fn each_format_matches_its_golden_file() {
    let elf = guest_elf("tests", "trace_loop");
    let from = first_insn_of_main(&elf, &[]);
    let to = from + 64;
    let dir = tempfile::tempdir().unwrap();
    for (format, extra) in [
        ("text", vec!["--trace-regs"]),
        ("jsonl", vec!["--trace-regs"]),
        ("din", vec![]),
        ("lackey", vec![]),
        ("commit", vec![]),
    ] {
        let path = dir.path().join(format);
        let (from_s, to_s) = (from.to_string(), to.to_string());
        let mut flags = vec![
            "--trace",
            path.to_str().unwrap(),
            "--trace-format",
            format,
            "--trace-from",
            &from_s,
            "--trace-to",
            &to_s,
        ];
        flags.extend(&extra);
        let (code, stderr) = run(&flags, &elf, &[]);
        assert_eq!(code, 36, "{stderr}");
        let mut got = std::fs::read_to_string(&path).unwrap();
        if format == "jsonl" {
            // The header carries the configuration, which is covered elsewhere; keep its
            // schema line stable here.
            let (header, rest) = got.split_once('\n').unwrap();
            let header: Value = serde_json::from_str(header).unwrap();
            assert_eq!(header["schema"], "rvscope-trace/1");
            assert_eq!(header["config"]["timing"], "full", "{header}");
            got = format!("{{\"schema\":\"rvscope-trace/1\", …}}\n{rest}");
        }
        let golden = repo().join(format!("tests/golden/trace_loop.{format}"));
        if std::env::var_os("RVSCOPE_BLESS").is_some() {
            std::fs::write(&golden, &got).unwrap();
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_default();
        assert_eq!(
            got,
            want,
            "--trace-format {format} changed (RVSCOPE_BLESS=1 rewrites {})",
            golden.display()
        );
    }
}

/// A crash mid-run leaves a complete trace that ends with the faulting access and the signal;
/// so does the instruction limit, with its own event.
#[test]
fn a_crash_or_the_limit_leaves_a_complete_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let flags = ["--trace", path.to_str().unwrap(), "--trace-format", "jsonl"];
    let (code, stderr) = run(&flags, &guest_elf("tests", "null_deref"), &[]);
    assert_eq!(code, 139, "{stderr}");
    let text = std::fs::read_to_string(&path).unwrap();
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let n = events.len();
    let (access, signal) = (&events[n - 2], &events[n - 1]);
    assert_eq!(access["event"], "access", "{access}");
    assert_eq!(access["kind"], "load", "{access}");
    assert_eq!(access["vaddr"], 0, "{access}");
    assert_eq!(access["fault"], "load page fault at 0x00000000", "{access}");
    assert_eq!(signal["event"], "signal", "{signal}");
    assert_eq!(signal["signal"], "SIGSEGV", "{signal}");
    assert_eq!(signal["addr"], 0, "{signal}");
    assert_eq!(signal["pc"], access["pc"], "{signal}");

    // The text trace of the same crash: the last two lines.
    let path = dir.path().join("t.txt");
    run(
        &["--trace", path.to_str().unwrap()],
        &guest_elf("tests", "null_deref"),
        &[],
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let last: Vec<&str> = text.lines().rev().take(2).collect();
    assert!(last[0].contains("signal  SIGSEGV"), "{}", last[0]);
    assert!(last[1].contains("FAULT: load page fault"), "{}", last[1]);

    // The instruction limit: the trace stops at instruction 1000 with a limit event.
    let (code, _) = run(
        &["--trace", path.to_str().unwrap(), "--max-insns", "1000"],
        &guest_elf("examples", "hello"),
        &[],
    );
    assert_eq!(code, 124);
    let text = std::fs::read_to_string(&path).unwrap();
    let last = text.lines().last().unwrap();
    assert!(last.contains("1000") && last.contains("limit"), "{last}");
}

/// The filters keep what they name: an instruction window, access kinds, regions.
#[test]
fn filters_keep_what_they_name() {
    let elf = guest_elf("examples", "hello");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let accesses = |extra: &[&str]| -> Vec<Value> {
        let mut flags = vec!["--trace", path.to_str().unwrap(), "--trace-format", "jsonl"];
        flags.extend(extra);
        let (code, stderr) = run(&flags, &elf, &[]);
        assert_eq!(code, 0, "{stderr}");
        std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|e| e["event"] == "access")
            .collect()
    };
    let window = accesses(&["--trace-from", "1000", "--trace-to", "2000"]);
    assert!(!window.is_empty());
    assert!(window
        .iter()
        .all(|a| (1000..2000).contains(&a["insn"].as_u64().unwrap())));
    // Every instruction of the window is fetched (once more after each page fault it took).
    let fetched: std::collections::BTreeSet<u64> = window
        .iter()
        .filter(|a| a["kind"] == "fetch" && a["fault"].is_null())
        .map(|a| a["insn"].as_u64().unwrap())
        .collect();
    assert_eq!(fetched.len(), 1000);

    let data = accesses(&["--trace-kind", "load,store", "--trace-region", "heap,stack"]);
    assert!(data.iter().any(|a| a["region"] == "heap"));
    assert!(data.iter().any(|a| a["region"] == "stack"));
    assert!(data
        .iter()
        .all(|a| (a["kind"] == "load" || a["kind"] == "store")
            && (a["region"] == "heap" || a["region"] == "stack")));
}

/// `--trace -` would mix the trace with the program's own output: a one-line error; and
/// the filters without `--trace`, or an unknown kind, are usage errors.
#[test]
fn trace_usage_errors_are_one_line() {
    let elf = guest_elf("examples", "hello");
    for (flags, needle) in [
        (
            vec!["--trace", "-"],
            "--trace -: the program's standard output",
        ),
        (vec!["--trace-kind", "load"], "need --trace FILE"),
        (
            vec!["--trace", "/dev/null", "--trace-kind", "lod"],
            "unknown access kind 'lod'",
        ),
        (
            vec!["--trace", "/dev/null", "--trace-format", "vcd"],
            "unknown trace format 'vcd'",
        ),
    ] {
        let (code, stderr) = run(&flags, &elf, &[]);
        assert_eq!(code, 125, "{flags:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{flags:?}: {stderr}");
        assert!(stderr.contains(needle), "{flags:?}: {stderr}");
    }
}

/// `--trace -` writes the trace to stdout once `--stdout FILE` has moved the program's own
/// output away; without it, it is a one-line usage error.
#[test]
fn trace_to_stdout_needs_the_program_output_elsewhere() {
    let elf = guest_elf("examples", "hello");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.din");
    let program_out = dir.path().join("out.txt");
    let (code, stderr) = run(
        &["--trace", file.to_str().unwrap(), "--trace-format", "din"],
        &elf,
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let out = rvscope_run(
        &[
            "--stdout",
            program_out.to_str().unwrap(),
            "--trace",
            "-",
            "--trace-format",
            "din",
        ],
        &elf,
        &[],
    );
    assert_eq!(status_code(&out), 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(&file).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(&program_out).unwrap(),
        "Hello, world!\nargc = 1\n"
    );
    let (code, stderr) = run(&["--trace", "-"], &elf, &[]);
    assert_eq!(code, 125);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--stdout FILE"), "{stderr}");
}
