//! `denoise compare`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use denoise_lab::plan::RunSpec;
use denoise_trainer::backend::BackendChoice;
use denoise_trainer::config::TrainConfig;

use crate::args::CompareArgs;
use crate::commands::devices::select;
use crate::commands::experiment::{apply_grid_args, run_specs};
use crate::exit::usage;

/// The values given, or the base value alone.
fn or_base<T: Clone>(given: &[T], base: T) -> Vec<T> {
    if given.is_empty() {
        vec![base]
    } else {
        given.to_vec()
    }
}

/// Trains the product of the given lists and writes a report.
pub fn run(args: &CompareArgs) -> Result<ExitCode> {
    let mut base = match &args.config {
        Some(p) => TrainConfig::load(p)?,
        None => TrainConfig::default(),
    };
    apply_grid_args(&mut base, &args.grid);
    if let Some(p) = args.patch {
        base.patch = p;
    }
    if let Some(b) = args.batch {
        base.batch = b;
    }
    if args.lr.is_some() {
        base.optim.lr = args.lr;
    }
    let selected = select(args.grid.compute.backend.unwrap_or(BackendChoice::Auto))?;
    base.backend = selected.backend;
    base.checkpoint_every = base.steps;
    base.validate()?;
    let losses = or_base(&args.losses, base.loss);
    let optims = or_base(&args.optims, base.optim.optimizer);
    let labels = or_base(&args.labels, base.labels);
    let noises = or_base(&args.noises, base.noise);
    let mut specs: Vec<RunSpec> = Vec::new();
    for noise in &noises {
        for label in &labels {
            for optim in &optims {
                for loss in &losses {
                    let mut c = base.clone();
                    c.noise = *noise;
                    c.labels = *label;
                    c.optim.optimizer = *optim;
                    c.loss = *loss;
                    let spec = RunSpec::new(c, None, None);
                    if !specs.iter().any(|s| s.id == spec.id) {
                        specs.push(spec);
                    }
                }
            }
        }
    }
    if specs.len() < 2 {
        return Err(usage(
            "compare needs at least two runs: give two or more values to --losses, --optims, \
             --labels or --noise",
        ));
    }
    let out = args
        .grid
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs/compare"));
    run_specs(
        &specs,
        &out,
        args.grid.shard.unwrap_or_default(),
        &selected,
        "denoise-lab comparison",
        args.grid.compute.quiet,
    )
}
