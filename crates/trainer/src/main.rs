//! `denoise`: train, evaluate and compare image denoisers with burn on the GPU (wgpu) or the CPU.

use std::process::ExitCode;

use clap::Parser;
use denoise_trainer::exit::{Exit, classify};
use denoise_trainer::{cli::Cli, commands, interrupt};

/// mimalloc keeps freed memory for reuse: the activations of every step are allocated again at
/// the same sizes, and the system allocator returned them to the OS and faulted them back in.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
