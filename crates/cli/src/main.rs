//! `denoise`: train, evaluate and compare image denoisers with burn on the GPU (wgpu) or the CPU.
//! The binary owns what a process owns: the allocator, signals, progress on the terminal and the
//! exit code; the work is in the libraries.

mod allocator;
mod args;
mod commands;
mod exit;
mod progress;
mod signals;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::exit::{Exit, classify};

/// mimalloc keeps freed memory for reuse: the activations of every step are allocated again at
/// the same sizes, and the system allocator returned them to the OS and faulted them back in.
/// [`allocator::keep_freed_memory`] turns off mimalloc's own delayed return of such memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    allocator::keep_freed_memory();
    let cli = Cli::parse();
    if let Err(e) = signals::install() {
        eprintln!("warning: Ctrl-C will not checkpoint before stopping: {e}");
    }
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            let exit = classify(&err);
            let prefix = if exit == Exit::Interrupted {
                "stopped"
            } else {
                "error"
            };
            eprintln!("{prefix}: {err:#}");
            exit.into()
        }
    }
}

/// Runs the parsed command line.
fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Train(args) => commands::train::run(&args),
        Command::Eval(args) => commands::eval::run(&args),
        Command::Denoise(args) => commands::denoise::run(&args),
        Command::Score(args) => commands::score::run(&args),
        Command::Import(args) => commands::pytorch::run_import(&args),
        Command::Export(args) => commands::pytorch::run_export(&args),
        Command::Compare(args) => commands::compare::run(&args),
        Command::Experiment(args) => commands::experiment::run(&args),
        Command::Report { command } => commands::report::run(&command),
        Command::Devices => commands::devices::run(),
        Command::Bench(args) => commands::bench::run(&args),
    }
}
