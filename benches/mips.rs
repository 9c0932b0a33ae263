//! Throughput harness: MIPS of the interpreter on fixed guest workloads, and the wall-time ratio
//! against qemu-riscv32 running the same ELF. Run with `cargo bench` (release profile).
//!
//! Each workload runs `RUNS` times; the best wall time counts (least disturbed by the machine).
//! Then the cost of tracing to `bin`: untraced and traced runs alternate, `RATIO_PAIRS` pairs;
//! the best of each gives one ratio, the median of the pairs' own ratios another (steadier on a
//! machine whose speed drifts; `cargo bench -- "trace ratio"` runs only that).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rvscope::config::TimingMode;
use rvscope::os::files::{Files, StdStream};
use rvscope::timing::{Forwarding, PredictorKind};
use rvscope::trace::{Filter, Format, Tracer};
use rvscope::{Config, Machine, Outcome};

const RUNS: usize = 3;
/// Pairs of runs for the tracing cost ([`trace_ratio`]).
const RATIO_PAIRS: usize = 7;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build_guests() -> PathBuf {
    let out = repo().join("target/guest");
    let status = Command::new("bash")
        .arg(repo().join("toolchain/build-guests.sh"))
        .arg(&out)
        .status()
        .expect("running toolchain/build-guests.sh");
    assert!(
        status.success(),
        "guest build failed; run toolchain/setup.sh first"
    );
    out
}

fn best_of<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best: Option<(Duration, T)> = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let value = f();
        let took = start.elapsed();
        if best.as_ref().is_none_or(|(b, _)| took < *b) {
            best = Some((took, value));
        }
    }
    best.expect("RUNS > 0")
}

/// One measured row: a configuration, whether the pipeline model its timing mode builds is
/// kept, and how the run is observed.
struct Mode {
    name: &'static str,
    config: Config,
    pipeline: bool,
    observe: Observe,
}

/// How a measured run is observed.
#[derive(Clone, Copy)]
enum Observe {
    /// No observer: the untraced loop.
    Nothing,
    /// A `din` trace of every access, written to /dev/null (the cost of tracing, not of the disk).
    DinToNull,
    /// A `bin` trace of every event, written to /dev/null.
    BinToNull,
}

/// The modes measured: functional (page tables, no models), TLBs only, the full default
/// hierarchy with and without the 3C classification, the pipeline timing model on top of the
/// full hierarchy (with the default static predictor, and with a bimodal one and no forwarding,
/// which walk each block run), and the full hierarchy traced (also with the pipeline, as
/// `rvscope run` traces by default). The cache rows drop the pipeline
/// the timing mode would build, so each row adds one model to the one above.
fn modes() -> Vec<Mode> {
    let with = |timing, classify| {
        let mut c = Config {
            timing,
            ..Config::default()
        };
        c.caches.classify_misses = classify;
        c
    };
    let mut dynamic = with(TimingMode::Full, false);
    dynamic.pipeline.predictor = PredictorKind::Bimodal { entries: 4096 };
    dynamic.pipeline.forwarding = Forwarding::Off;
    let row = |name, config, pipeline, observe| Mode {
        name,
        config,
        pipeline,
        observe,
    };
    vec![
        row(
            "functional",
            with(TimingMode::Functional, false),
            false,
            Observe::Nothing,
        ),
        row(
            "+tlb",
            with(TimingMode::Tlb, false),
            false,
            Observe::Nothing,
        ),
        row(
            "+caches",
            with(TimingMode::Full, false),
            false,
            Observe::Nothing,
        ),
        row(
            "+caches+3C",
            with(TimingMode::Full, true),
            false,
            Observe::Nothing,
        ),
        row(
            "+timing",
            with(TimingMode::Full, false),
            true,
            Observe::Nothing,
        ),
        row("+timing bimodal nofwd", dynamic, true, Observe::Nothing),
        row(
            "+caches+trace(din>null)",
            with(TimingMode::Full, false),
            false,
            Observe::DinToNull,
        ),
        row(
            "+caches+trace(bin>null)",
            with(TimingMode::Full, false),
            false,
            Observe::BinToNull,
        ),
        // What `rvscope run --trace t.bin` costs with the defaults (the pipeline on).
        row(
            "+timing+trace(bin>null)",
            with(TimingMode::Full, false),
            true,
            Observe::BinToNull,
        ),
    ]
}

fn rvscope_run(mode: &Mode, elf: &Path, args: &[&str]) -> u64 {
    let mut argv = vec![elf.display().to_string()];
    argv.extend(args.iter().map(|s| s.to_string()));
    let mut m = Machine::new(
        &mode.config,
        elf,
        &argv,
        Files::new(None, StdStream::Null, StdStream::Null, StdStream::Null).expect("null stdio"),
    )
    .expect("loading the workload");
    if !mode.pipeline {
        m.hart.pipeline = None;
    }
    let outcome = match mode.observe {
        Observe::Nothing => m.run(),
        Observe::DinToNull | Observe::BinToNull => {
            let format = match mode.observe {
                Observe::BinToNull => Format::Bin,
                _ => Format::Din,
            };
            let null = std::fs::File::create("/dev/null").expect("/dev/null");
            let mut tracer = Tracer::new(null, format, Filter::default(), &mode.config);
            let outcome = m.run_with(&mut tracer);
            tracer.finish().expect("writing the trace");
            outcome
        }
    };
    assert_eq!(outcome, Outcome::Exited(0), "workload failed");
    m.hart.instret
}

fn qemu_run(elf: &Path, args: &[&str]) -> bool {
    Command::new("qemu-riscv32")
        .arg(elf)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn main() {
    // `cargo bench -- FILTER…` runs only the rows whose "workload mode" contains one of the
    // filters (e.g. `cargo bench -- coremark_like` or `-- "bin>null"`); flags (`--bench`, which
    // cargo passes) are not filters.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str, mode: &str| {
        let row = format!("{name} {mode}");
        filters.is_empty() || filters.iter().any(|f| row.contains(f.as_str()))
    };
    let dir = build_guests();
    // Each workload runs long enough (10^8 instructions or more) that start-up costs vanish.
    let workloads = [
        ("bench/coremark_like", vec!["2000"]),
        ("examples/list_vs_array", vec!["65536", "200"]),
        ("examples/matrix_walk", vec!["both", "2048"]),
    ];
    let table = workloads
        .iter()
        .any(|(name, _)| modes().iter().any(|m| wanted(name, m.name)));
    if table {
        println!("rvscope throughput (best of {RUNS} runs per mode)");
        println!(
            "{:<24} {:<23} {:>12} {:>9} {:>9} {:>11} {:>12}",
            "workload", "mode", "instructions", "seconds", "MIPS", "vs functnl", "vs qemu"
        );
    }
    for (name, args) in &workloads {
        let (name, args) = (*name, args.as_slice());
        if !modes().iter().any(|m| wanted(name, m.name)) {
            continue;
        }
        let elf = dir.join(format!("{name}.elf"));
        if !elf.exists() {
            println!("{name:<24} (not built)");
            continue;
        }
        let (qemu_took, qemu_ok) = best_of(|| qemu_run(&elf, args));
        let mut functional = None;
        for mode in modes() {
            if !wanted(name, mode.name) {
                continue;
            }
            let (took, insns) = best_of(|| rvscope_run(&mode, &elf, args));
            let secs = took.as_secs_f64();
            let mips = insns as f64 / secs / 1e6;
            // The functional row is the first; when it is filtered out the ratio is n/a.
            if mode.name == "functional" {
                functional = Some(secs);
            }
            let vs_functional = match functional {
                Some(base) => format!("{:.2}x", secs / base),
                None => "n/a".to_owned(),
            };
            let vs_qemu = if qemu_ok {
                format!("{:.2}x", secs / qemu_took.as_secs_f64())
            } else {
                "n/a".to_owned()
            };
            println!(
                "{name:<24} {:<23} {insns:>12} {secs:>9.3} {mips:>9.1} {vs_functional:>11} {vs_qemu:>12}",
                mode.name,
            );
        }
    }
    // The tracing cost (issue 7): the rows above run one mode after another, so the machine's
    // drift between them enters their ratio; here the untraced and traced runs alternate.
    let ratio: Vec<_> = workloads
        .iter()
        .filter(|(name, _)| wanted(name, "trace ratio"))
        .collect();
    if !ratio.is_empty() {
        println!();
        println!(
            "trace ratio: traced to bin (/dev/null) against untraced, pipeline on (best of {RATIO_PAIRS} interleaved pairs; median of the pairs' ratios)"
        );
        println!(
            "{:<24} {:>12} {:>12} {:>7} {:>12}",
            "workload", "untraced s", "bin s", "ratio", "pair median"
        );
        for (name, args) in ratio {
            let elf = dir.join(format!("{name}.elf"));
            if !elf.exists() {
                println!("{name:<24} (not built)");
                continue;
            }
            let (untraced, traced, median) = trace_ratio(&elf, args);
            let (u, t) = (untraced.as_secs_f64(), traced.as_secs_f64());
            println!(
                "{name:<24} {u:>12.3} {t:>12.3} {:>6.2}x {median:>11.2}x",
                t / u
            );
        }
    }
}

/// The best times of [`RATIO_PAIRS`] pairs of runs untraced (`+timing`, as `rvscope run`
/// runs by default) and traced to `bin` (`+timing+trace(bin>null)`), back to back, the order
/// alternating from pair to pair; and the median of the pairs' own ratios, which a drift of
/// the machine between pairs does not move.
fn trace_ratio(elf: &Path, args: &[&str]) -> (Duration, Duration, f64) {
    let modes = modes();
    let mode = |name: &str| {
        modes
            .iter()
            .find(|m| m.name == name)
            .expect("a mode of that name")
    };
    let (untraced, traced) = (mode("+timing"), mode("+timing+trace(bin>null)"));
    let time = |m: &Mode| {
        let start = Instant::now();
        rvscope_run(m, elf, args);
        start.elapsed()
    };
    let (mut best_untraced, mut best_traced) = (Duration::MAX, Duration::MAX);
    let mut ratios = Vec::with_capacity(RATIO_PAIRS);
    for pair in 0..RATIO_PAIRS {
        let (u, t) = if pair % 2 == 0 {
            let u = time(untraced);
            (u, time(traced))
        } else {
            let t = time(traced);
            (time(untraced), t)
        };
        best_untraced = best_untraced.min(u);
        best_traced = best_traced.min(t);
        ratios.push(t.as_secs_f64() / u.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    (best_untraced, best_traced, ratios[ratios.len() / 2])
}
