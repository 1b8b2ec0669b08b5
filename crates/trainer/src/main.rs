//! `denoise`: train, evaluate and compare image denoisers with burn on the GPU (wgpu) or the CPU.

use std::process::ExitCode;

use clap::Parser;
use denoise_trainer::{cli::Cli, commands};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}
