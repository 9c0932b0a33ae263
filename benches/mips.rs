//! Throughput harness: MIPS of the interpreter on fixed guest workloads, and the wall-time ratio
//! against qemu-riscv32 running the same ELF. Run with `cargo bench` (release profile).
//!
//! Each workload runs `RUNS` times; the best wall time counts (least disturbed by the machine).
//! Then the cost of tracing to `bin` (`cargo bench -- "trace ratio"` runs only that): an
//! untraced and a traced machine run the same workload in one process, taking turns slice by
//! slice (`RATIO_SLICE_INSNS` instructions each, [`Machine::run_for_with`]), so both see the
//! same host: on a shared machine whose speed swings by up to 2x from one second to the next,
//! runs one after the other do not (README, "Benchmark").

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rvscope::config::TimingMode;
use rvscope::os::files::{Files, StdStream};
use rvscope::timing::{Forwarding, PredictorKind};
use rvscope::trace::{Filter, Format, Tracer};
use rvscope::{Config, Machine, Outcome};

const RUNS: usize = 3;
/// Instructions per turn of the alternating runs that measure the tracing cost
/// ([`trace_ratio`]): about 40 ms untraced, far shorter than the host's swings of speed, far
/// longer than what a switch between the two machines costs.
const RATIO_SLICE_INSNS: u64 = 1 << 22;
/// Measurements of the tracing cost per workload.
const RATIO_REPEATS: usize = 3;

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

/// The workload's machine in `mode` (its output discarded).
fn machine(mode: &Mode, elf: &Path, args: &[&str]) -> Machine {
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
    m
}

/// A tracer writing `mode`'s format to /dev/null (the cost of tracing, not of the disk).
fn null_tracer(mode: &Mode) -> Tracer<std::fs::File> {
    let format = match mode.observe {
        Observe::DinToNull => Format::Din,
        _ => Format::Bin,
    };
    let null = std::fs::File::create("/dev/null").expect("/dev/null");
    Tracer::new(null, format, Filter::default(), &mode.config)
}

fn rvscope_run(mode: &Mode, elf: &Path, args: &[&str]) -> u64 {
    let mut m = machine(mode, elf, args);
    let outcome = match mode.observe {
        Observe::Nothing => m.run(),
        Observe::DinToNull | Observe::BinToNull => {
            let mut tracer = null_tracer(mode);
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
    // drift between them enters their ratio; here the untraced and traced runs take turns.
    let ratio: Vec<_> = workloads
        .iter()
        .filter(|(name, _)| wanted(name, "trace ratio"))
        .collect();
    if !ratio.is_empty() {
        println!();
        println!(
            "trace ratio: traced to bin (/dev/null) against untraced, pipeline on; the two runs take turns, {RATIO_SLICE_INSNS} instructions a turn; {RATIO_REPEATS} measurements"
        );
        println!(
            "{:<24} {:>11} {:>11} {:>7} {:>12}   all measurements",
            "workload", "untraced s", "bin s", "ratio", "turn median"
        );
        for (name, args) in ratio {
            let elf = dir.join(format!("{name}.elf"));
            if !elf.exists() {
                println!("{name:<24} (not built)");
                continue;
            }
            let mut runs: Vec<TraceCost> = (0..RATIO_REPEATS)
                .map(|_| trace_ratio(&elf, args))
                .collect();
            let all = runs
                .iter()
                .map(|r| format!("{:.3}x", r.ratio()))
                .collect::<Vec<_>>()
                .join(" ");
            runs.sort_by(|a, b| a.ratio().total_cmp(&b.ratio()));
            let median = &runs[runs.len() / 2];
            println!(
                "{name:<24} {:>11.3} {:>11.3} {:>6.3}x {:>11.3}x   {all}",
                median.untraced.as_secs_f64(),
                median.traced.as_secs_f64(),
                median.ratio(),
                median.turn_median,
            );
        }
    }
}

/// One measurement of the tracing cost: the time of the whole run untraced and traced.
struct TraceCost {
    untraced: Duration,
    traced: Duration,
    /// The median of the turns' own ratios (traced turn against the untraced turn beside it).
    turn_median: f64,
}

impl TraceCost {
    fn ratio(&self) -> f64 {
        self.traced.as_secs_f64() / self.untraced.as_secs_f64()
    }
}

/// Runs the workload untraced (`+timing`, as `rvscope run` runs by default) and traced to
/// `bin` (`+timing+trace(bin>null)`) in alternation, [`RATIO_SLICE_INSNS`] instructions a turn
/// and the first of each pair of turns alternating, and sums each run's turns. Both machines
/// see the same host from one turn to the next, which separate runs seconds apart do not.
fn trace_ratio(elf: &Path, args: &[&str]) -> TraceCost {
    let modes = modes();
    let mode = |name: &str| {
        modes
            .iter()
            .find(|m| m.name == name)
            .expect("a mode of that name")
    };
    let (untraced_mode, traced_mode) = (mode("+timing"), mode("+timing+trace(bin>null)"));
    let mut untraced = machine(untraced_mode, elf, args);
    let mut traced = machine(traced_mode, elf, args);
    let mut tracer = null_tracer(traced_mode);
    let (mut untraced_outcome, mut traced_outcome) = (None, None);
    let (mut untraced_took, mut traced_took) = (Duration::ZERO, Duration::ZERO);
    let mut turn_ratios = Vec::new();
    let mut turn = 0usize;
    while untraced_outcome.is_none() || traced_outcome.is_none() {
        let mut untraced_turn = || {
            let start = Instant::now();
            if untraced_outcome.is_none() {
                untraced_outcome = untraced.run_for(RATIO_SLICE_INSNS);
            }
            start.elapsed()
        };
        let mut traced_turn = || {
            let start = Instant::now();
            if traced_outcome.is_none() {
                traced_outcome = traced.run_for_with(&mut tracer, RATIO_SLICE_INSNS);
            }
            start.elapsed()
        };
        let (u, t) = if turn.is_multiple_of(2) {
            let u = untraced_turn();
            (u, traced_turn())
        } else {
            let t = traced_turn();
            (untraced_turn(), t)
        };
        turn += 1;
        untraced_took += u;
        traced_took += t;
        // Full turns of both (the last ones may be short).
        if untraced_outcome.is_none() && traced_outcome.is_none() {
            turn_ratios.push(t.as_secs_f64() / u.as_secs_f64());
        }
    }
    tracer.finish().expect("writing the trace");
    assert_eq!(
        untraced_outcome,
        Some(Outcome::Exited(0)),
        "workload failed"
    );
    assert_eq!(
        traced_outcome,
        Some(Outcome::Exited(0)),
        "workload failed traced"
    );
    assert_eq!(
        untraced.hart.instret, traced.hart.instret,
        "the traced run retired other instructions"
    );
    turn_ratios.sort_by(f64::total_cmp);
    TraceCost {
        untraced: untraced_took,
        traced: traced_took,
        turn_median: turn_ratios
            .get(turn_ratios.len() / 2)
            .copied()
            .unwrap_or(f64::NAN),
    }
}
