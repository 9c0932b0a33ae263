//! `rvscope run`.

use std::io::Write;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use rvscope::os::files::{Files, StdStream};
use rvscope::os::symbols::Symbols;
use rvscope::timing::view::PipelineView;
use rvscope::trace::filter::parse_pc_range;
use rvscope::trace::{Filter, Tracer};
use rvscope::{BareMachine, Machine, Outcome, Stats};

use super::{RunArgs, TraceStart};

/// Runs the program; returns the exit status to pass through.
pub fn run(args: RunArgs) -> Result<u8> {
    let config = args.config.resolve()?;
    let trace = open_trace(&args, &config)?;
    let interrupt = watch_interrupts();
    if args.bare {
        return run_bare(&args, &config, trace, interrupt);
    }
    if let Some(root) = &config.fs_root {
        if !root.is_dir() {
            return Err(rvscope::Error::Config(format!(
                "--fs-root {}: not a directory",
                root.display()
            ))
            .into());
        }
    }
    let mut argv = vec![args.elf.display().to_string()];
    argv.extend(args.args.iter().cloned());
    let files = Files::new(
        config.fs_root.clone(),
        StdStream::Inherit,
        guest_stdout(&args)?,
        StdStream::Inherit,
    )
    .map_err(|e| {
        let root = config
            .fs_root
            .as_deref()
            .unwrap_or(std::path::Path::new(""));
        rvscope::Error::Config(format!("--fs-root {}: {e}", root.display()))
    })?;
    let mut view = match args.pipeline_view {
        Some(window) if config.timing.models_pipeline() => {
            Some(PipelineView::new(window, config.pipeline))
        }
        Some(_) => {
            return Err(rvscope::Error::Config(format!(
            "--pipeline-view: the {} timing mode has no pipeline model (use --timing full or tlb)",
            config.timing
        ))
            .into())
        }
        None => None,
    };
    let mut machine = Machine::new(&config, &args.elf, &argv, files)?;
    machine.set_interrupt_flag(interrupt);
    machine.record_snapshots(args.stats || args.stats_file.is_some());
    let outcome = match (trace, view.as_mut()) {
        (Some(mut tracer), view) => {
            let outcome = match view {
                Some(view) => machine.run_with(&mut (&mut tracer, view)),
                None => machine.run_with(&mut tracer),
            };
            finish_trace(&args, tracer)?;
            outcome
        }
        (None, Some(view)) => machine.run_with(view),
        (None, None) => machine.run(),
    };
    if let Some(view) = &view {
        let _ = std::io::stderr().lock().write_all(view.render().as_bytes());
    }
    match &outcome {
        Outcome::Exited(_) => {}
        Outcome::Signaled { report, .. } if report.is_empty() => {}
        Outcome::Signaled { report, .. } => eprintln!("{report}"),
        Outcome::InsnLimit(n) => eprintln!("rvscope: stopped after {n} instructions (--max-insns)"),
        Outcome::Interrupted(n) => eprintln!("rvscope: interrupted after {n} instructions"),
    }
    if args.show_maps {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(machine.maps().to_text().as_bytes());
    }
    report_stats(&args, || machine.stats())?;
    Ok(outcome.exit_status())
}

/// Flushes the trace; a write error is an I/O error naming the file.
fn finish_trace(args: &RunArgs, tracer: Tracer<Box<dyn std::io::Write>>) -> Result<()> {
    let path = args.trace.as_deref().unwrap_or(std::path::Path::new(""));
    tracer.finish().map_err(|cause| rvscope::Error::Io {
        context: format!("writing the trace {}", path.display()),
        cause,
    })?;
    Ok(())
}

/// Where the program's standard output goes: `--stdout FILE`, or rvscope's own stdout.
fn guest_stdout(args: &RunArgs) -> Result<StdStream> {
    Ok(match &args.stdout {
        Some(path) => StdStream::File(
            std::fs::File::create(path)
                .map_err(|e| rvscope::Error::Config(format!("--stdout {}: {e}", path.display())))?,
        ),
        None => StdStream::Inherit,
    })
}

/// Ctrl-C (SIGINT), SIGTERM and SIGHUP set the returned flag; the machine stops at the next
/// instruction boundary, the trace is flushed and the statistics printed (exit status 130).
/// A second signal, for a program stuck where the flag is not looked at (a blocking read of
/// the terminal), exits at once.
fn watch_interrupts() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&flag);
    let installed = ctrlc::set_handler(move || {
        if seen.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(rvscope::machine::INTERRUPTED_STATUS));
        }
    });
    if let Err(e) = installed {
        log::warn!("cannot watch for Ctrl-C: {e}");
    }
    flag
}

/// `rvscope run --bare`: the bare machine, its HTIF console on stdout.
fn run_bare(
    args: &RunArgs,
    config: &rvscope::Config,
    trace: Option<Tracer<Box<dyn std::io::Write>>>,
    interrupt: Arc<AtomicBool>,
) -> Result<u8> {
    if !args.args.is_empty() {
        return Err(rvscope::Error::Config(
            "--bare: a bare-metal program takes no arguments".into(),
        )
        .into());
    }
    let files = Files::new(
        None,
        StdStream::Inherit,
        guest_stdout(args)?,
        StdStream::Inherit,
    )
    .map_err(|e| rvscope::Error::Config(format!("standard streams: {e}")))?;
    let mut machine = BareMachine::new(config, &args.elf, files)?;
    machine.set_interrupt_flag(interrupt);
    let outcome = match trace {
        Some(mut tracer) => {
            let outcome = machine.run_with(&mut tracer);
            // The trace is flushed even when the run ends in an error.
            finish_trace(args, tracer)?;
            outcome?
        }
        None => machine.run()?,
    };
    match outcome {
        Outcome::InsnLimit(n) => eprintln!("rvscope: stopped after {n} instructions (--max-insns)"),
        Outcome::Interrupted(n) => eprintln!("rvscope: interrupted after {n} instructions"),
        _ => {}
    }
    report_stats(args, || machine.stats())?;
    Ok(outcome.exit_status())
}

/// Prints (`--stats`) and writes (`--stats-file`) the statistics, if asked to.
fn report_stats(args: &RunArgs, stats: impl FnOnce() -> Stats) -> Result<()> {
    if args.stats || args.stats_file.is_some() {
        let stats = stats();
        if let Some(path) = &args.stats_file {
            let json = serde_json::to_string_pretty(&stats).context("serialising statistics")?;
            std::fs::write(path, json + "\n").map_err(|cause| rvscope::Error::Io {
                context: format!("writing {}", path.display()),
                cause,
            })?;
        }
        if args.stats {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(stats.to_text().as_bytes());
        }
    }
    Ok(())
}

/// The tracer `--trace` asks for, its file created (before the program runs, so a bad path
/// fails at once).
fn open_trace(
    args: &RunArgs,
    config: &rvscope::Config,
) -> Result<Option<Tracer<Box<dyn std::io::Write>>>> {
    let bad = |why: String| anyhow::Error::from(rvscope::Error::Config(why));
    let Some(path) = &args.trace else {
        if args.trace_from.is_some()
            || args.trace_to.is_some()
            || args.trace_kind.is_some()
            || args.trace_region.is_some()
            || args.trace_regs
            || !args.trace_pc.is_empty()
            || !args.trace_function.is_empty()
            || args.trace_sample.is_some()
            || args.trace_start.is_some()
        {
            return Err(bad("the --trace-… filters need --trace FILE".into()));
        }
        return Ok(None);
    };
    if path.as_os_str() == "-" && args.stdout.is_none() {
        // The program's own stdout is rvscope's stdout: the two would interleave.
        return Err(bad(
            "--trace -: the program's standard output goes to stdout too; write the trace to a \
             file, or the program's output elsewhere with --stdout FILE"
                .into(),
        ));
    }
    let mut filter = Filter {
        from: args.trace_from.unwrap_or(0),
        to: args.trace_to.unwrap_or(u64::MAX),
        retires: args.trace_regs,
        ..Filter::default()
    };
    if filter.from > filter.to {
        return Err(bad(format!(
            "--trace-from {} is after --trace-to {}",
            filter.from, filter.to
        )));
    }
    if let Some(kinds) = &args.trace_kind {
        filter = filter
            .with_kinds(kinds)
            .map_err(|e| bad(format!("--trace-kind: {e}")))?;
    }
    if let Some(regions) = &args.trace_region {
        filter = filter
            .with_regions(regions)
            .map_err(|e| bad(format!("--trace-region: {e}")))?;
    }
    for range in &args.trace_pc {
        let (lo, hi) = parse_pc_range(range).map_err(|e| bad(format!("--trace-pc {e}")))?;
        filter = filter.with_pc_range(lo, hi);
    }
    let names: Vec<&str> = args
        .trace_function
        .iter()
        .flat_map(|list| list.split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if !args.trace_function.is_empty() && names.is_empty() {
        return Err(bad("--trace-function: no function name given".into()));
    }
    // (A missing ELF is reported when it is loaded, exit 127.)
    if !names.is_empty() && args.elf.is_file() {
        let symbols = Symbols::load(&args.elf);
        for name in names {
            let f = symbols.function_named(name).ok_or_else(|| {
                bad(format!(
                    "--trace-function {name}: no function '{name}' in {}",
                    args.elf.display()
                ))
            })?;
            let end = u64::from(f.addr) + u64::from(f.size.max(1));
            filter = filter.with_pc_range(f.addr, end.min(u64::from(u32::MAX)) as u32);
        }
    }
    match args.trace_sample {
        Some(0) => return Err(bad("--trace-sample 0: N must be at least 1".into())),
        Some(n) => filter.sample = n,
        None => {}
    }
    filter.active = args.trace_start != Some(TraceStart::Off);
    let out: Box<dyn std::io::Write> = if path.as_os_str() == "-" {
        Box::new(std::io::stdout())
    } else {
        Box::new(
            std::fs::File::create(path)
                .map_err(|e| bad(format!("--trace {}: {e}", path.display())))?,
        )
    };
    Ok(Some(Tracer::new(out, args.trace_format, filter, config)))
}
