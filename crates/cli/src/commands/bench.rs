//! `denoise bench`: training patches/s, inference MP/s and data pairs/s per model and backend,
//! medians of timed repeats after a warm-up; a table on stdout and optionally JSON.

use std::process::ExitCode;

use anyhow::Result;
use denoise_data::write_bytes_atomically;
use denoise_trainer::backend;
use denoise_trainer::bench::{
    BenchModel, BenchSettings, Rates, data_rate, infer_rate, train_rate, use_kernels,
};
use serde::Serialize;

use crate::args::{BenchArgs, BenchWhat};
use crate::commands::devices::select;
use crate::exit::usage;

/// One model on one backend.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct Row {
    model: &'static str,
    backend: String,
    device: String,
    train_steps: usize,
    infer_runs: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    train_patches_per_s: Option<Rates>,
    #[serde(skip_serializing_if = "Option::is_none")]
    infer_mp_per_s: Option<Rates>,
}

/// The whole report, as `--json` writes it (the format `scripts/bench_pytorch.py` writes too).
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct Report {
    tool: &'static str,
    version: &'static str,
    threads: usize,
    /// mimalloc's purge delay in effect (`-1`: freed memory is kept), `null` for its default.
    mimalloc_purge_delay: Option<String>,
    settings: BenchSettings,
    results: Vec<Row>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_pairs_per_s: Option<Rates>,
}

fn show(r: &Option<Rates>) -> String {
    r.as_ref()
        .map_or_else(|| "-".into(), |r| format!("{:.3}", r.median))
}

/// Times every model on every backend.
pub fn run(args: &BenchArgs) -> Result<ExitCode> {
    if args.repeats == 0 || args.batch == 0 || args.patch == 0 || args.infer_size == 0 {
        return Err(usage(
            "--repeats, --batch, --patch and --infer-size must be at least 1",
        ));
    }
    let mut settings = BenchSettings {
        batch: args.batch,
        patch: args.patch,
        channels: 1,
        warmup: args.warmup,
        repeats: args.repeats,
        train_steps: 0,
        infer_size: args.infer_size,
        infer_runs: 0,
        kernels: args.kernels,
    };
    use_kernels(args.kernels);
    let mut rows = Vec::new();
    let mut data = None;
    let purge_delay = crate::allocator::purge_delay();
    eprintln!(
        "denoise bench: batch {} of {}×{} gray patches, Adam + MSE; inference on {}×{}; {} warm-up, \
         {} repeats (medians); {} threads; {:?} flex kernels; mimalloc purge delay {}",
        args.batch,
        args.patch,
        args.patch,
        args.infer_size,
        args.infer_size,
        args.warmup,
        args.repeats,
        backend::cpu_threads(),
        args.kernels,
        purge_delay.as_deref().unwrap_or("default")
    );
    for &choice in &args.backends {
        let selected = select(choice)?;
        eprintln!("backend: {}", selected.description);
        for &model in &args.models {
            let heavy = model != BenchModel::Tiny;
            settings.train_steps = args.train_steps.unwrap_or(if heavy { 3 } else { 20 });
            settings.infer_runs = args.infer_runs.unwrap_or(if heavy { 2 } else { 10 });
            let train = args
                .what
                .contains(&BenchWhat::Train)
                .then(|| train_rate(model, &selected.device, &settings))
                .transpose()?;
            let infer = args
                .what
                .contains(&BenchWhat::Infer)
                .then(|| infer_rate(model, &selected.device, &settings))
                .transpose()?;
            eprintln!(
                "  {:<12} train {:>9} patches/s   infer {:>7} MP/s",
                model.name(),
                show(&train),
                show(&infer)
            );
            rows.push(Row {
                model: model.name(),
                backend: selected.backend.to_string(),
                device: selected.description.clone(),
                train_steps: settings.train_steps,
                infer_runs: settings.infer_runs,
                train_patches_per_s: train,
                infer_mp_per_s: infer,
            });
        }
        if data.is_none() && args.what.contains(&BenchWhat::Data) {
            let d = data_rate(&selected.device, &settings)?;
            eprintln!("  data pipeline {:.0} pairs/s (one thread)", d.median);
            data = Some(d);
        }
    }
    let report = Report {
        tool: "denoise-lab",
        version: env!("CARGO_PKG_VERSION"),
        threads: backend::cpu_threads(),
        mimalloc_purge_delay: purge_delay,
        settings,
        results: rows,
        data_pairs_per_s: data,
    };
    let json = serde_json::to_string_pretty(&report)?;
    match &args.json {
        Some(path) => write_bytes_atomically(path, json.as_bytes())?,
        None => println!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}
