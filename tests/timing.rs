//! The pipeline timing model on every guest program (issue 5): the CPI stack sums exactly to
//! the total cycles in every timing mode and pipeline setting, the functional mode charges one
//! cycle per instruction plus kernel time, and the stats report the model.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use crate::support::*;

/// The settings every program runs under.
const SETTINGS: &[&[&str]] = &[
    &["--timing", "functional"],
    &["--timing", "tlb"],
    &[],
    &["--bp", "btfn"],
    &["--bp", "bimodal:256", "--no-forwarding", "--l2", "none"],
];

/// Runs `cmd` (its stats going to a file in `dir`) and returns the statistics.
fn stats_of(cmd: std::process::Command, dir: &Path) -> Value {
    let json = dir.join("stats.json");
    // Flags after the program would be its arguments: the file goes in front.
    let mut args: Vec<std::ffi::OsString> = cmd.get_args().map(|a| a.to_owned()).collect();
    let elf = args.pop().expect("the program");
    let mut cmd = rvscope();
    cmd.args(args).arg("--stats-file").arg(&json).arg(elf);
    let out = cmd.stdin(Stdio::null()).output().expect("running rvscope");
    let text = std::fs::read_to_string(&json).unwrap_or_else(|_| {
        panic!(
            "no statistics written; stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    serde_json::from_str(&text).expect("stats JSON")
}

/// What must hold of any run's statistics; a message per violation.
fn check(stats: &Value, what: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let cycles = stats["cycles"].as_u64().expect("cycles");
    let instructions = stats["instructions"].as_u64().expect("instructions");
    let stack = stats["cpi_stack"].as_object().expect("cpi_stack");
    let sum: u64 = stack.values().map(|v| v.as_u64().expect("cycles")).sum();
    if sum != cycles {
        bad.push(format!("{what}: CPI stack sums to {sum}, cycles {cycles}"));
    }
    if stack["base"].as_u64() != Some(instructions) {
        bad.push(format!("{what}: base {} ≠ instructions", stack["base"]));
    }
    let cpi = stats["cpi"].as_f64().expect("cpi");
    if instructions > 0 && (cpi - cycles as f64 / instructions as f64).abs() > 1e-9 {
        bad.push(format!("{what}: cpi {cpi}"));
    }
    if stats["timing"] == "functional" {
        let kernel = stack["page_faults"].as_u64().unwrap() + stack["swap"].as_u64().unwrap();
        if cycles != instructions + kernel || !stats["pipeline"].is_null() {
            bad.push(format!(
                "{what}: functional cycles {cycles} ≠ {instructions} + {kernel}"
            ));
        }
    } else if stats["pipeline"]["mispredictions"].as_u64().is_none() {
        bad.push(format!("{what}: no pipeline report"));
    }
    bad
}

#[test]
fn the_cpi_stack_sums_to_the_cycles_of_every_guest_in_every_setting() {
    let mut bad = Vec::new();
    let mut programs: Vec<(String, PathBuf, Directives)> = Vec::new();
    for kind in ["tests", "examples"] {
        for src in guest_sources(kind) {
            let name = src.file_stem().unwrap().to_string_lossy().into_owned();
            programs.push((
                format!("{kind}/{name}"),
                guest_elf(kind, &name),
                directives(&src),
            ));
        }
    }
    for (what, elf, d) in &programs {
        for flags in SETTINGS {
            let dir = sandbox(d);
            let mut cmd = rvscope();
            cmd.arg("run").arg("--fs-root").arg(dir.path());
            for e in &d.env {
                cmd.arg("--env").arg(e);
            }
            cmd.args(*flags).current_dir(dir.path());
            // Programs that read stdin get it empty; the figures are what is checked here.
            let stats = stats_of_with_args(cmd, dir.path(), elf, &d.args);
            bad.extend(check(&stats, &format!("{what} {flags:?}")));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// [`stats_of`] with the program and its arguments after the flags.
fn stats_of_with_args(
    mut cmd: std::process::Command,
    dir: &Path,
    elf: &Path,
    args: &[String],
) -> Value {
    let json = dir.join("stats.json");
    cmd.arg("--stats-file").arg(&json).arg(elf).args(args);
    let out = cmd.stdin(Stdio::null()).output().expect("running rvscope");
    let text = std::fs::read_to_string(&json).unwrap_or_else(|_| {
        panic!(
            "{}: no statistics written; stderr:\n{}",
            elf.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    serde_json::from_str(&text).expect("stats JSON")
}

#[test]
fn the_cpi_stack_sums_to_the_cycles_of_every_bare_program() {
    let out = build_guests().join("bare");
    let mut bad = Vec::new();
    let mut elfs: Vec<PathBuf> = std::fs::read_dir(&out)
        .expect("bare dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "elf"))
        .collect();
    elfs.sort();
    assert!(!elfs.is_empty());
    for elf in &elfs {
        for flags in SETTINGS {
            let dir = tempfile::tempdir().unwrap();
            let mut cmd = rvscope();
            cmd.args(["run", "--bare"]).args(*flags);
            let mut cmd_with_elf = cmd;
            let json = dir.path().join("stats.json");
            cmd_with_elf.arg("--stats-file").arg(&json).arg(elf);
            let _ = cmd_with_elf.stdin(Stdio::null()).output().expect("rvscope");
            let stats: Value =
                serde_json::from_str(&std::fs::read_to_string(&json).expect("stats written"))
                    .expect("JSON");
            bad.extend(check(&stats, &format!("{} {flags:?}", elf.display())));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn stats_text_shows_the_cpi_stack_and_the_predictor() {
    let elf = guest_elf("examples", "hello");
    let out = rvscope()
        .args(["run", "--stats", "--bp", "bimodal:64"])
        .arg(&elf)
        .output()
        .expect("rvscope");
    let text = String::from_utf8_lossy(&out.stderr);
    for want in [
        "CPI ",
        "-- CPI stack --",
        "load_use",
        "dcache",
        "predictor bimodal:64",
    ] {
        assert!(text.contains(want), "--stats lacks {want}:\n{text}");
    }
    let functional = rvscope()
        .args(["run", "--stats", "--timing", "functional"])
        .arg(&elf)
        .output()
        .expect("rvscope");
    let text = String::from_utf8_lossy(&functional.stderr);
    assert!(
        text.contains("functional model: 1 per instruction + kernel time"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = rvscope();
    cmd.args([
        "run",
        "--bp",
        "btfn",
        "--no-forwarding",
        "--div-latency",
        "20",
    ])
    .arg(&elf);
    let stats = stats_of(cmd, dir.path());
    let p = &stats["pipeline"];
    assert_eq!(p["predictor"], "btfn", "{stats}");
    assert_eq!(p["forwarding"], "off");
    assert_eq!(p["div_latency_cycles"], 20);
}

#[test]
fn bad_pipeline_flags_are_one_line_errors() {
    for (flags, want) in [
        (&["--bp", "bimodal:100"][..], "power of two"),
        (&["--bp", "gshare"][..], "unknown branch predictor"),
        (&["--div-latency", "0"][..], "div-latency 0 is out of range"),
    ] {
        let out = rvscope()
            .arg("run")
            .args(flags)
            .arg(guest_elf("examples", "hello"))
            .output()
            .expect("rvscope");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_ne!(status_code(&out), 0, "{flags:?}");
        assert!(err.contains(want), "{flags:?}: {err}");
    }
}

/// `--pipeline-view FROM:COUNT`: the diagram of a window on stderr, the program's output
/// unchanged; bad windows and the functional mode are one-line errors (125).
#[test]
fn pipeline_view_draws_a_window_and_refuses_bad_ones() {
    let hello = guest_elf("examples", "hello");
    let out = rvscope()
        .args(["run", "--pipeline-view", "1000:8"])
        .arg(&hello)
        .output()
        .expect("rvscope");
    assert_eq!(status_code(&out), 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello, world!\nargc = 1\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pipeline view: instructions 1000..1008"),
        "{err}"
    );
    let rows = err
        .lines()
        .filter(|l| l.contains(" |") && l.contains("IF"))
        .count();
    assert_eq!(rows, 8, "{err}");
    assert!(err.contains("8 instructions cost"), "{err}");
    for (flags, want) in [
        (&["--pipeline-view", "5"][..], "not FROM:COUNT"),
        (&["--pipeline-view", "1:0"][..], "COUNT 0 is out of range"),
        (
            &["--timing", "functional", "--pipeline-view", "1:5"][..],
            "no pipeline model",
        ),
    ] {
        let out = rvscope()
            .arg("run")
            .args(flags)
            .arg(&hello)
            .output()
            .expect("rvscope");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(status_code(&out), 125, "{flags:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{flags:?}: {err}");
        assert!(err.contains(want), "{flags:?}: {err}");
    }
}
