//! `denoise devices`.

use std::process::ExitCode;

use anyhow::Result;

use crate::backend::{self, BackendChoice, NO_ADAPTER_HELP, auto_pick, wgpu_adapters};

/// Lists wgpu adapters, CPU backends and what `auto` takes.
pub fn run() -> Result<ExitCode> {
    let adapters = wgpu_adapters();
    println!("wgpu adapters (compiled in: {}):", cfg!(feature = "wgpu"));
    if adapters.is_empty() {
        println!("  none. {NO_ADAPTER_HELP}");
    }
    for a in &adapters {
        println!(
            "  {} [{:?}] via {}  driver: {}",
            a.name, a.kind, a.api, a.driver
        );
    }
    println!("CPU backends:");
    println!("  flex    (compiled in: {})", cfg!(feature = "flex"));
    println!(
        "  ndarray (compiled in: {}; deprecated, slow to train)",
        cfg!(feature = "ndarray")
    );
    match auto_pick(&adapters) {
        Some((_, _, a)) => println!("--backend auto takes: wgpu on {}", a.name),
        None => {
            let s = backend::select(BackendChoice::Auto)?;
            println!("--backend auto takes: {}", s.description);
        }
    }
    Ok(ExitCode::SUCCESS)
}
