//! `denoise`: train, evaluate and compare image denoisers with burn on the GPU (wgpu) or the CPU.

use std::process::ExitCode;

use clap::Parser;
use denoise_trainer::exit::{Exit, classify};
use denoise_trainer::{allocator, cli::Cli, commands, interrupt};

/// mimalloc keeps freed memory for reuse: the activations of every step are allocated again at
/// the same sizes, and the system allocator returned them to the OS and faulted them back in.
/// [`allocator::keep_freed_memory`] turns off mimalloc's own delayed return of such memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    allocator::keep_freed_memory();
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
