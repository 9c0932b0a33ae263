//! `rvscope run`.

use std::io::Write;

use anyhow::{Context, Result};
use rvscope::os::files::Files;
use rvscope::timing::view::PipelineView;
use rvscope::trace::{Filter, Tracer};
use rvscope::{BareMachine, Machine, Outcome, Stats};

use super::RunArgs;

/// Runs the program; returns the exit status to pass through.
pub fn run(args: RunArgs) -> Result<u8> {
    let config = args.config.resolve()?;
    let trace = open_trace(&args, &config)?;
    if args.bare {
        if trace.is_some() {
            return Err(
                rvscope::Error::Config("--trace: not available with --bare yet".into()).into(),
            );
        }
        return run_bare(&args, &config);
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
    let files = Files::with_host_stdio(config.fs_root.clone()).map_err(|e| {
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
        Some(_) => return Err(rvscope::Error::Config(format!(
            "--pipeline-view: the {} timing mode has no pipeline model (use --timing full or tlb)",
            config.timing
        ))
        .into()),
        None => None,
    };
    let mut machine = Machine::new(&config, &args.elf, &argv, files)?;
    let outcome = match (trace, view.as_mut()) {
        (Some(mut tracer), view) => {
            let outcome = match view {
                Some(view) => machine.run_with(&mut (&mut tracer, view)),
                None => machine.run_with(&mut tracer),
            };
            let path = args.trace.as_deref().unwrap_or(std::path::Path::new(""));
            tracer.finish().map_err(|source| rvscope::Error::Io {
                context: format!("writing the trace {}", path.display()),
                source,
            })?;
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
    }
    if args.show_maps {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(machine.maps().to_text().as_bytes());
    }
    report_stats(&args, || machine.stats())?;
    Ok(outcome.exit_status())
}

/// `rvscope run --bare`: the bare machine, its HTIF console on stdout.
fn run_bare(args: &RunArgs, config: &rvscope::Config) -> Result<u8> {
    if !args.args.is_empty() {
        return Err(rvscope::Error::Config(
            "--bare: a bare-metal program takes no arguments".into(),
        )
        .into());
    }
    let files = Files::with_host_stdio(None)
        .map_err(|e| rvscope::Error::Config(format!("standard streams: {e}")))?;
    let mut machine = BareMachine::new(config, &args.elf, files)?;
    let outcome = machine.run()?;
    if let Outcome::InsnLimit(n) = outcome {
        eprintln!("rvscope: stopped after {n} instructions (--max-insns)");
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
            std::fs::write(path, json + "\n").map_err(|source| rvscope::Error::Io {
                context: format!("writing {}", path.display()),
                source,
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
fn open_trace(args: &RunArgs, config: &rvscope::Config) -> Result<Option<Tracer<std::fs::File>>> {
    let bad = |why: String| anyhow::Error::from(rvscope::Error::Config(why));
    let Some(path) = &args.trace else {
        if args.trace_from.is_some()
            || args.trace_to.is_some()
            || args.trace_kind.is_some()
            || args.trace_region.is_some()
            || args.trace_regs
        {
            return Err(bad("the --trace-… filters need --trace FILE".into()));
        }
        return Ok(None);
    };
    if path.as_os_str() == "-" {
        // The program's own stdout is rvscope's stdout: the two would interleave.
        return Err(bad(
            "--trace -: the program's standard output goes to stdout too; write the trace to a file"
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
    let file =
        std::fs::File::create(path).map_err(|e| bad(format!("--trace {}: {e}", path.display())))?;
    Ok(Some(Tracer::new(file, args.trace_format, filter, config)))
}
