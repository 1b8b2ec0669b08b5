//! `denoise`: train, evaluate and compare image denoisers with burn on the GPU (wgpu) or the CPU.

use std::process::ExitCode;

use clap::Parser;
use denoise_trainer::exit::{Exit, classify};
use denoise_trainer::{cli::Cli, commands, interrupt};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = interrupt::install() {
        eprintln!("warning: Ctrl-C will not checkpoint before stopping: {e}");
    }
    match commands::run(cli) {
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
