//! `denoise experiment` and `denoise compare` flags, and what the two share.

use std::path::PathBuf;

use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser};
use denoise_data::{LabelSpec, NoiseSpec};
use denoise_lab::presets::PRESETS;
use denoise_lab::shard::Shard;
use denoise_model::Preset;
use denoise_trainer::config::DataSource;
use denoise_trainer::loss::LossSpec;
use denoise_trainer::optim::OptimSpec;

use super::ComputeArgs;

/// The names `denoise experiment` accepts: every preset, with what it tests, and `all`.
fn preset_names() -> PossibleValuesParser {
    let presets = PRESETS
        .iter()
        .map(|p| PossibleValue::new(p.name()).help(p.about()));
    PossibleValuesParser::new(presets.chain(std::iter::once(
        PossibleValue::new("all").help("Every preset above, one report"),
    )))
}

/// Flags shared by `compare` and `experiment`.
#[derive(Debug, Clone, Args)]
pub struct GridArgs {
    /// Folder for the runs and the report.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Run only the i-th of n slices of the grid (1-based), e.g. `--shard 2/4`; merge the slices
    /// with `denoise report merge`.
    #[arg(long, value_name = "i/n")]
    pub shard: Option<Shard>,
    /// Training data: `synthetic` (built in) or a folder of images (train/validation split).
    #[arg(long, value_name = "synthetic|DIR")]
    pub data: Option<DataSource>,
    /// Model size.
    #[arg(long, value_enum)]
    pub model: Option<Preset>,
    /// Override the steps of every run.
    #[arg(long)]
    pub steps: Option<u64>,
    /// Seed shared by every run (data stream, noise, labels, initial weights); with `--seeds S`
    /// the first of S consecutive seeds.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Backend and output.
    #[command(flatten)]
    pub compute: ComputeArgs,
}

/// `denoise experiment` flags.
#[derive(Debug, Clone, Args)]
pub struct ExperimentArgs {
    /// Which claim to test: a preset, or `all` for every preset in one report.
    #[arg(value_parser = preset_names())]
    pub name: String,
    /// Small runs: every preset within 10 minutes on a 2-core CPU with the tiny model.
    #[arg(long)]
    pub quick: bool,
    /// Replicates: every grid cell is trained with S consecutive seeds (both arms of each
    /// comparison share each seed) and every claim is judged on its 95 % interval over them.
    /// Default 5 (with --quick too); 1 gives no interval (every claim INCONCLUSIVE). The
    /// label-noise preset trains 3 × S seeds (its effect has the grid's largest seed noise).
    #[arg(long, value_name = "S", value_parser = clap::value_parser!(u16).range(1..=100))]
    pub seeds: Option<u16>,
    /// Grid settings.
    #[command(flatten)]
    pub grid: GridArgs,
}

/// `denoise compare` flags: comma-separated lists; the grid is their product.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Losses to compare, e.g. mse,l1,huber:0.05.
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub losses: Vec<LossSpec>,
    /// Optimizers to compare, e.g. sgd,adam.
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub optims: Vec<OptimSpec>,
    /// Label corruptions to compare (separate several with ';' or repeat the flag).
    #[arg(long, value_delimiter = ';', value_name = "LIST")]
    pub labels: Vec<LabelSpec>,
    /// Input noises to compare (separate several with ';' or repeat the flag).
    #[arg(long = "noise", value_delimiter = ';', value_name = "LIST")]
    pub noises: Vec<NoiseSpec>,
    /// Base config for every run (JSON, as a run's config.json).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Patch side.
    #[arg(long)]
    pub patch: Option<usize>,
    /// Patches per step.
    #[arg(long)]
    pub batch: Option<usize>,
    /// Base learning rate.
    #[arg(long, allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// Grid settings.
    #[command(flatten)]
    pub grid: GridArgs,
}
