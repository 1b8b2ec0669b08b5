//! One module per subcommand; `run` dispatches.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};

mod bench;
mod compare;
mod denoise;
mod devices;
mod eval;
mod experiment;
mod report;
mod train;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Train(args) => train::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Denoise(args) => denoise::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Experiment(args) => experiment::run(&args),
        Command::Report { command } => report::run(&command),
        Command::Devices => devices::run(),
        Command::Bench(args) => bench::run(&args),
    }
}
