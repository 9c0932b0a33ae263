//! The `rvscope` binary: parse the command line, run, map errors to exit codes
//! (125 usage/config, 126 ELF not runnable, 127 ELF not found — DESIGN.md §3).

use std::process::ExitCode;

use clap::Parser;

mod cli;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 125 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
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
        Command::Run(args) => cli::run::run(args),
        Command::Disasm(args) => cli::disasm::disasm(args),
        Command::Cachesim(args) => cli::cachesim::cachesim(args),
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
