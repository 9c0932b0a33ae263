//! Issue 7, the rest of tracing: client requests from `guest/include/rvscope.h` (DESIGN.md
//! §9), the pc/function/sampling filters, Ctrl-C, the page events of brk/mmap and swap, and
//! traces of bare-metal runs.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use rvscope::os::symbols::Symbols;
use serde_json::Value;

use crate::support::*;

/// Runs `rvscope run FLAGS ELF ARGS`; returns the exit status, stdout and stderr.
fn run(flags: &[&str], elf: &Path, args: &[&str]) -> (i32, String, String) {
    let out = rvscope_run(flags, elf, args);
    (
        status_code(&out),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The events of a jsonl trace (the header line left out).
fn events(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// measure_loop under rvscope and qemu-riscv32: the same stdout and status (the requests are
/// -ENOSYS under qemu), and with no rvscope flag the requests are silent no-ops (no
/// "unsupported system call" warning).
#[test]
fn client_requests_are_harmless_without_rvscope_and_without_flags() {
    let src = repo().join("guest/examples/measure_loop.c");
    let d = directives(&src);
    let elf = guest_elf("examples", "measure_loop");
    let ours = run_rvscope(&elf, &d, &[]);
    let oracle = run_qemu(&elf, &d);
    assert_eq!(status_code(&ours), 0);
    assert_eq!(status_code(&oracle), 0);
    assert_eq!(ours.stdout, oracle.stdout);
    assert!(
        String::from_utf8_lossy(&ours.stdout).contains("equal"),
        "{ours:?}"
    );
    assert!(ours.stderr.is_empty(), "{ours:?}");
}

/// `--trace-start off`: nothing but process and client events before `rvscope_trace_on()`,
/// no accesses after `rvscope_trace_off()`; marks are in the trace with their labels, and
/// `--stats-file` holds the named snapshots, in order, with the column walk's L1D misses
/// far above the row walk's; `--stats` prints the table between snapshots.
#[test]
fn trace_on_off_marks_and_snapshots() {
    let elf = guest_elf("examples", "measure_loop");
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.jsonl");
    let stats = dir.path().join("s.json");
    let (code, stdout, stderr) = run(
        &[
            "--trace",
            trace.to_str().unwrap(),
            "--trace-format",
            "jsonl",
            "--trace-start",
            "off",
            "--trace-kind",
            "load",
            "--stats",
            "--stats-file",
            stats.to_str().unwrap(),
        ],
        &elf,
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("equal"));
    let evs = events(&trace);
    let names: Vec<&str> = evs.iter().map(|e| e["event"].as_str().unwrap()).collect();
    let on = names.iter().position(|n| *n == "trace-on").unwrap();
    let off = names.iter().position(|n| *n == "trace-off").unwrap();
    assert!(names[..on].iter().all(|n| *n != "access" && *n != "page"));
    assert!(names[off..].iter().all(|n| *n != "access" && *n != "page"));
    // 128x128 ints, summed twice: every load of both loops is in the window.
    let loads = names[on..off].iter().filter(|n| **n == "access").count();
    assert!(loads >= 2 * 128 * 128, "{loads}");
    let marks: Vec<&str> = evs
        .iter()
        .filter(|e| e["event"] == "mark")
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(marks, ["rows", "columns"]);
    assert_eq!(names.last(), Some(&"exit"));

    let s = read_json(&stats);
    let snaps = s["snapshots"].as_array().unwrap();
    let snap_names: Vec<&str> = snaps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(snap_names, ["setup", "rows", "columns"]);
    let at = |i: usize, k: &str| snaps[i][k].as_u64().unwrap();
    let l1d = |i: usize| snaps[i]["cache_misses"]["L1D"].as_u64().unwrap();
    assert!(at(0, "insn") < at(1, "insn") && at(1, "insn") < at(2, "insn"));
    assert_eq!(at(1, "loads") - at(0, "loads"), 128 * 128);
    assert_eq!(at(2, "loads") - at(1, "loads"), 128 * 128);
    // Rows: one miss per 64-byte line (1024 lines); columns: a miss per load.
    assert!(l1d(2) - l1d(1) > 10 * (l1d(1) - l1d(0)), "{snaps:?}");
    assert!(s["instructions"].as_u64().unwrap() > at(2, "insn"));
    assert!(stderr.contains("-- between snapshots"), "{stderr}");
    for name in ["setup", "rows", "columns", "(end)"] {
        assert!(
            stderr.lines().any(|l| l.trim_start().starts_with(name)),
            "{name}: {stderr}"
        );
    }

    // Without --trace-start off the trace starts at once; in text, a mark is one line.
    let text = dir.path().join("t.txt");
    let (code, _, stderr) = run(&["--trace", text.to_str().unwrap()], &elf, &[]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&text).unwrap();
    let first_access = text.lines().position(|l| l.contains(" fetch ")).unwrap();
    let on = text.lines().position(|l| l.contains("trace-on")).unwrap();
    assert!(first_access < on);
    assert!(
        text.lines()
            .any(|l| l.contains("mark    \"columns\"  cycle ")),
        "no mark line"
    );
}

/// `--trace-function main` keeps exactly the accesses of instructions inside `main`, the same
/// as `--trace-pc` over main's symbol range; `--trace-sample N` keeps every Nth of them.
#[test]
fn pc_function_and_sampling_filters() {
    let elf = guest_elf("tests", "trace_loop");
    let main = Symbols::load(&elf).function_named("main").unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let trace = |extra: &[&str]| -> Vec<Value> {
        let mut flags = vec!["--trace", path.to_str().unwrap(), "--trace-format", "jsonl"];
        flags.extend(extra);
        let (code, _, stderr) = run(&flags, &elf, &[]);
        assert_eq!(code, 36, "{stderr}");
        events(&path)
    };
    let accesses = |evs: &[Value]| -> Vec<Value> {
        evs.iter()
            .filter(|e| e["event"] == "access")
            .cloned()
            .collect()
    };
    let in_main = accesses(&trace(&["--trace-function", "main"]));
    assert!(!in_main.is_empty());
    assert!(in_main.iter().all(|a| {
        let pc = a["pc"].as_u64().unwrap() as u32;
        (main.addr..main.addr + main.size).contains(&pc)
    }));
    assert!(in_main.iter().any(|a| a["kind"] == "load"));
    let range = format!("{:#x}:{}", main.addr, main.addr + main.size);
    assert_eq!(accesses(&trace(&["--trace-pc", &range])), in_main);
    // Several functions: a comma list or the flag repeated.
    let both = accesses(&trace(&["--trace-function", "main,exit"]));
    let repeated = accesses(&trace(&[
        "--trace-function",
        "main",
        "--trace-function",
        "exit",
    ]));
    assert_eq!(both, repeated);
    assert!(both.len() > in_main.len());

    let all = trace(&[]);
    let sampled = trace(&["--trace-sample", "7"]);
    let every_7th: Vec<Value> = accesses(&all).into_iter().step_by(7).collect();
    assert_eq!(accesses(&sampled), every_7th);
    // Page and process events are never sampled away.
    let others = |evs: &[Value]| -> Vec<Value> {
        evs.iter()
            .filter(|e| e["event"] != "access")
            .cloned()
            .collect()
    };
    assert_eq!(others(&sampled), others(&all));
}

/// Bad filter values are one-line usage errors (exit 125); an unknown function names itself
/// and the ELF.
#[test]
fn filter_usage_errors_are_one_line() {
    let elf = guest_elf("tests", "trace_loop");
    let elf_name = elf.display().to_string();
    for (flags, needle) in [
        (
            vec!["--trace", "/dev/null", "--trace-function", "no_such_fn"],
            format!("no function 'no_such_fn' in {elf_name}"),
        ),
        (
            vec!["--trace", "/dev/null", "--trace-pc", "0x100"],
            "--trace-pc '0x100': expected LO:HI".into(),
        ),
        (
            vec!["--trace", "/dev/null", "--trace-pc", "0x200:0x100"],
            "LO must be below HI".into(),
        ),
        (
            vec!["--trace", "/dev/null", "--trace-pc", "0xzz:0x100"],
            "not a 32-bit address".into(),
        ),
        (
            vec!["--trace", "/dev/null", "--trace-sample", "0"],
            "--trace-sample 0".into(),
        ),
        (
            vec!["--trace", "/dev/null", "--trace-sample", "x"],
            "--trace-sample".into(),
        ),
        (
            vec!["--trace", "/dev/null", "--trace-start", "later"],
            "--trace-start".into(),
        ),
        (vec!["--trace-function", "main"], "need --trace FILE".into()),
    ] {
        let (code, _, stderr) = run(&flags, &elf, &[]);
        assert_eq!(code, 125, "{flags:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{flags:?}: {stderr}");
        assert!(stderr.contains(&needle), "{flags:?}: {stderr}");
    }
}

/// Ctrl-C (SIGINT) while the guest runs: rvscope stops at an instruction boundary, the
/// trace is complete and ends with the `interrupted` event, the statistics so far are
/// printed, and the exit status is 130.
#[test]
fn sigint_stops_the_run_cleanly() {
    let elf = guest_elf("examples", "measure_loop");
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.jsonl");
    let stats = dir.path().join("s.json");
    let child = rvscope()
        .arg("run")
        .args([
            "--trace",
            trace.to_str().unwrap(),
            "--trace-format",
            "jsonl",
        ])
        .args(["--trace-sample", "100000", "--stats", "--stats-file"])
        .arg(&stats)
        .arg(&elf)
        .arg("1000000000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status_code(&out), 130, "{stderr}");
    assert!(
        stderr.starts_with("rvscope: interrupted after "),
        "{stderr}"
    );
    assert!(stderr.contains("== rvscope statistics =="), "{stderr}");
    let evs = events(&trace);
    let last = evs.last().unwrap();
    assert_eq!(last["event"], "interrupted", "{last}");
    let s = read_json(&stats);
    assert_eq!(s["exit"]["how"], "interrupted");
    assert_eq!(s["exit"]["status"], 130);
    assert_eq!(s["instructions"], last["insn"]);
    assert!(s["instructions"].as_u64().unwrap() > 1_000_000);
}

/// A checksum over more than RAM, traced: the pager's evictions are `swap-out` page events,
/// a page coming back is a `swap-in` and a major fault, and the retried access is marked
/// major; the heap's growth and shrink are `brk` and `brk-shrink` events.
#[test]
fn swap_and_heap_page_events_are_traced() {
    let elf = guest_elf("tests", "swap_checksum");
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.jsonl");
    let (code, stdout, stderr) = run(
        &[
            "--ram",
            "256K",
            "--timing",
            "functional",
            "--trace",
            trace.to_str().unwrap(),
            "--trace-format",
            "jsonl",
            // Only the kernel's few copies: page events are what this test reads.
            "--trace-region",
            "kernel",
        ],
        &elf,
        &["524288"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("checksum"));
    let evs = events(&trace);
    let pages = |kind: &str| -> Vec<&Value> {
        evs.iter()
            .filter(|e| e["event"] == "page" && e["kind"] == kind)
            .collect()
    };
    let outs = pages("swap-out");
    let ins = pages("swap-in");
    assert!(!outs.is_empty() && !ins.is_empty());
    assert!(
        outs.iter().any(|e| e["fault"] == "major"),
        "no page written"
    );
    assert!(ins.iter().all(|e| e["fault"] == "major"));
    let majors = pages("fault")
        .into_iter()
        .filter(|e| e["fault"] == "major")
        .count();
    assert_eq!(majors, ins.len());
    // Every swap-in follows a swap-out of the same page.
    let first_out = |page: &Value| outs.iter().position(|o| o["vaddr"] == *page);
    assert!(ins.iter().all(|i| first_out(&i["vaddr"]).is_some()));
    let brk = pages("brk");
    assert!(brk
        .iter()
        .any(|e| e["region"] == "heap" && e["len"].as_u64().unwrap() >= 524288));
    assert_eq!(pages("brk-shrink").len(), 1);

    // The retried access after a major fault says so (a full trace of a smaller run).
    let (code, _, stderr) = run(
        &[
            "--ram",
            "128K",
            "--trace",
            trace.to_str().unwrap(),
            "--trace-format",
            "jsonl",
            "--trace-kind",
            "load,store",
            "--trace-region",
            "heap",
        ],
        &elf,
        &["131072"],
    );
    assert_eq!(code, 0, "{stderr}");
    let evs = events(&trace);
    assert!(
        evs.iter()
            .any(|e| e["event"] == "access" && e["page_fault"] == "major"),
        "no access marked with a major fault"
    );
}

/// `--trace` works with `--bare`: a din trace of an Sv32 bare-metal test, replayed by
/// `rvscope cachesim`, gives the live run's cache counts (its page-table walks included),
/// and the trace starts and ends with process events.
#[test]
fn bare_runs_can_be_traced() {
    let elf = guest_elf("bare", "sv32_basic");
    let dir = tempfile::tempdir().unwrap();
    let din = dir.path().join("t.din");
    let live = dir.path().join("live.json");
    let replay = dir.path().join("replay.json");
    let (code, _, stderr) = run(
        &[
            "--bare",
            "--trace",
            din.to_str().unwrap(),
            "--trace-format",
            "din",
            "--stats-file",
            live.to_str().unwrap(),
        ],
        &elf,
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let out = rvscope()
        .arg("cachesim")
        .arg("--stats-file")
        .arg(&replay)
        .arg(&din)
        .output()
        .unwrap();
    assert_eq!(status_code(&out), 0);
    let figures = |caches: &Value| -> Vec<(String, u64, u64)> {
        caches["levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["level"].as_str().unwrap().to_owned(),
                    l["accesses"].as_u64().unwrap(),
                    l["misses"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        figures(&read_json(&live)["caches"]),
        figures(&read_json(&replay))
    );

    let text = dir.path().join("t.txt");
    let (code, _, stderr) = run(&["--bare", "--trace", text.to_str().unwrap()], &elf, &[]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&text).unwrap();
    assert!(text.lines().nth(1).unwrap().contains("start"));
    assert!(text.lines().last().unwrap().contains("exit    status 0"));
}
