//! `rvscope run`.

use std::io::Write;

use anyhow::{Context, Result};
use rvscope::os::files::Files;
use rvscope::{BareMachine, Machine, Outcome, Stats};

use super::RunArgs;

/// Runs the program; returns the exit status to pass through.
pub fn run(args: RunArgs) -> Result<u8> {
    let config = args.config.resolve()?;
    if args.bare {
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
    let mut machine = Machine::new(&config, &args.elf, &argv, files)?;
    let outcome = machine.run();
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
