//! The `rvscope` binary: parse the command line, run, map errors to exit codes
//! (125 usage/config, 126 ELF not runnable, 127 ELF not found — DESIGN.md §3).

use std::process::ExitCode;

use clap::Parser;

mod cli;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("rvscope: {}", one_line_usage_error(&e));
            return ExitCode::from(125);
        }
    };
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level))
        .format_timestamp(None)
        .init();
    let result = match cli.command {
        Command::Run(args) => cli::run::run(*args),
        Command::Disasm(args) => cli::disasm::disasm(args),
        Command::Cachesim(args) => cli::cachesim::cachesim(args),
        Command::Config(cli::ConfigCommand::Show(args)) => cli::config::show(args),
        Command::Trace(cli::TraceCommand::Convert(args)) => cli::trace::convert(args),
        Command::Trace(cli::TraceCommand::Stats(args)) => cli::trace::stats(args),
        Command::Trace(cli::TraceCommand::Replay(args)) => cli::trace::replay(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let code = e
                .downcast_ref::<rvscope::Error>()
                .map_or(125, rvscope::Error::exit_code);
            eprintln!("rvscope: {e:#}");
            ExitCode::from(code)
        }
    }
}

/// clap's message for a usage error on one line: without the `error:` prefix, the usage and the
/// "For more information" hint, its remaining lines joined (an error is one line, DESIGN.md §3;
/// `--help` is where the usage is).
fn one_line_usage_error(e: &clap::Error) -> String {
    let text = e.to_string();
    let message = text
        .split("\n\nUsage:")
        .next()
        .unwrap_or(&text)
        .split("\n\nFor more information")
        .next()
        .unwrap_or(&text);
    let joined = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let joined = joined.strip_prefix("error: ").unwrap_or(&joined);
    format!("{joined} (see --help)")
}
