//! `denoise devices`: what this machine offers and what `--backend auto` and `--backend wgpu` take;
//! and the device choice every command makes.

use std::process::ExitCode;

use anyhow::Result;
use denoise_trainer::backend::{
    self, ADAPTER_NAME_VAR, AdapterKind, BackendChoice, NO_ADAPTER_HELP, Resolution, Selected,
    adapter_name_filter, adapter_warning, resolve, wgpu_adapters,
};

/// Chooses the device for `choice` as every command does, printing the adapter's known problem
/// if it has one.
pub fn select(choice: BackendChoice) -> Result<Selected> {
    let selected = backend::select(choice)?;
    if let Some(w) = &selected.warning {
        eprintln!("warning: {w}");
    }
    Ok(selected)
}

fn describe(r: &Resolution) -> String {
    match r {
        Resolution::Wgpu { adapter, .. } => {
            format!("wgpu on {} [{:?}]", adapter.name, adapter.kind)
        }
        Resolution::Flex => "flex (CPU)".into(),
        Resolution::Ndarray => "ndarray (CPU)".into(),
        Resolution::NoAdapter(why) => format!("nothing: {why}"),
    }
}

/// Lists wgpu adapters, CPU backends and what `auto` and `wgpu` take.
pub fn run() -> Result<ExitCode> {
    let adapters = wgpu_adapters();
    let compiled = cfg!(feature = "wgpu");
    println!("wgpu adapters (wgpu compiled in: {compiled}):");
    if adapters.is_empty() {
        println!("  none. {NO_ADAPTER_HELP}");
    }
    for (i, a) in adapters.iter().enumerate() {
        let software = if a.kind == AdapterKind::Cpu {
            "  (software: runs on the CPU)"
        } else {
            ""
        };
        println!(
            "  {i}: {} [{:?}] via {}, driver: {}{software}",
            a.name, a.kind, a.api, a.driver
        );
        if let Some(w) = adapter_warning(a) {
            println!("     warning: {w}");
        }
    }
    let threads = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .filter(|v| !v.is_empty())
        .map_or_else(
            || {
                format!(
                    "{} threads (all cores; set RAYON_NUM_THREADS to change)",
                    std::thread::available_parallelism().map_or(1, |n| n.get())
                )
            },
            |v| format!("{v} threads (RAYON_NUM_THREADS)"),
        );
    println!("CPU backends:");
    println!(
        "  flex    compiled in: {}; {threads}",
        cfg!(feature = "flex")
    );
    println!(
        "  ndarray compiled in: {}; deprecated in burn 0.22, slow to train",
        cfg!(feature = "ndarray")
    );
    let name = adapter_name_filter();
    if let Some(n) = &name {
        println!("{ADAPTER_NAME_VAR}={n}: only adapters whose name contains it are taken");
    }
    let auto = resolve(BackendChoice::Auto, &adapters, compiled, name.as_deref());
    let wgpu = resolve(BackendChoice::Wgpu, &adapters, compiled, name.as_deref());
    println!(
        "--backend auto takes: {} (a hardware GPU, never a software adapter; else flex)",
        describe(&auto)
    );
    println!("--backend wgpu takes: {}", describe(&wgpu));
    Ok(ExitCode::SUCCESS)
}
