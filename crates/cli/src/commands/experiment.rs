//! `denoise experiment`, and what it shares with `compare`: the grid flags, running a grid (or
//! its shard) and printing the verdicts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use denoise_lab::plan::{RunSpec, Scale, base_config, plan};
use denoise_lab::presets::Selection;
use denoise_lab::report;
use denoise_lab::runner::run_grid;
use denoise_lab::shard::Shard;
use denoise_lab::verdict::Claim;
use denoise_trainer::backend::{BackendChoice, Selected};
use denoise_trainer::config::{DataSource, TrainConfig};

use crate::args::{ExperimentArgs, GridArgs};
use crate::commands::devices::select;
use crate::exit::usage;
use crate::progress::Progress;

/// Prints verdict lines.
pub fn print_claims(claims: &[Claim]) {
    for c in claims {
        println!(
            "[{}] {}: {}\n       measured: {}",
            c.outcome.label(),
            c.experiment,
            c.prediction,
            c.measurement
        );
    }
}

/// Applies the shared grid flags to a base config.
pub fn apply_grid_args(base: &mut TrainConfig, args: &GridArgs) {
    if let Some(d) = &args.data {
        base.data.source = d.clone();
    }
    if let Some(m) = args.model {
        base.model.preset = m;
    }
    if let Some(s) = args.steps {
        base.steps = s;
        base.checkpoint_every = s;
        base.eval_every = base.eval_every.min(s);
    }
    if let Some(s) = args.seed {
        base.seed = s;
    }
    if let Some(b) = args.compute.backend {
        base.backend = b;
    }
}

/// Runs a grid (its shard) and, when it is whole, writes the report; shared with `compare`.
pub fn run_specs(
    specs: &[RunSpec],
    out: &Path,
    shard: Shard,
    selected: &Selected,
    title: &str,
    quiet: bool,
) -> Result<ExitCode> {
    let t = Instant::now();
    if !quiet {
        eprintln!(
            "{} runs ({} in shard {shard}) into {} on {}",
            specs.len(),
            (0..specs.len()).filter(|&i| shard.contains(i)).count(),
            out.display(),
            selected.description
        );
    }
    run_grid(specs, out, shard, selected, &Progress::new(quiet))?;
    if shard.count > 1 {
        println!(
            "shard {shard} done in {:.0} s; when every shard is done: denoise report merge <their --out \
             folders> --out <report folder>",
            t.elapsed().as_secs_f64()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let runs = report::collect(&[out.to_path_buf()])?;
    let runs: Vec<_> = runs
        .into_iter()
        .filter(|r| specs.iter().any(|s| s.id == r.result.id))
        .collect();
    let claims = report::write(out, title, &runs)?;
    print_claims(&claims);
    println!(
        "report: {} ({} runs, {:.0} s)",
        out.join("report.html").display(),
        runs.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs a preset (or all of them).
pub fn run(args: &ExperimentArgs) -> Result<ExitCode> {
    let selection = Selection::parse(&args.name)
        .ok_or_else(|| usage(format!("unknown experiment '{}'", args.name)))?;
    let choice = args.grid.compute.backend.unwrap_or(BackendChoice::Auto);
    let selected = select(choice)?;
    let scale = if args.quick {
        Scale::QUICK
    } else if selected.backend == BackendChoice::Wgpu {
        Scale::GPU
    } else {
        Scale::CPU
    };
    let data = args.grid.data.clone().unwrap_or(DataSource::Synthetic);
    let mut base = base_config(&scale, &data, args.grid.seed.unwrap_or(0));
    // The device is already chosen; every run uses it.
    base.backend = selected.backend;
    apply_grid_args(&mut base, &args.grid);
    base.backend = selected.backend;
    base.validate()?;
    let count = args.seeds.map_or(scale.seeds, usize::from);
    let specs = plan(&selection.presets(), &base, scale.sweep, count);
    let out = args
        .grid
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/experiment-{}", selection.name())));
    run_specs(
        &specs,
        &out,
        args.grid.shard.unwrap_or_default(),
        &selected,
        &format!("denoise-lab experiment: {}", selection.name()),
        args.grid.compute.quiet,
    )
}
