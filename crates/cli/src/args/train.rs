//! `denoise train` flags, and how they apply on top of a config.

use std::path::PathBuf;

use clap::Args;
use denoise_data::{ColorMode, InputNoise, LabelSpec, OnBadImage};
use denoise_model::Preset;
use denoise_trainer::config::{DataSource, TrainConfig};
use denoise_trainer::loss::LossSpec;
use denoise_trainer::optim::{OptimSpec, Schedule};

use super::ComputeArgs;

/// `denoise train` flags. Every flag overrides `--config`; unset flags keep the file's value or
/// the default.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// JSON config (the format of a run's config.json; any subset of keys).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run folder to write (default: runs/<UTC date-time>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the run in DIR from its newest checkpoint (its config.json is used).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["config", "out"])]
    pub resume: Option<PathBuf>,
    /// Training data: `synthetic` (built in) or a folder of images.
    #[arg(long, value_name = "synthetic|DIR")]
    pub data: Option<DataSource>,
    /// Convert images to gray or RGB.
    #[arg(long, value_enum)]
    pub color: Option<ColorMode>,
    /// Input noise: gaussian:<σ>, gaussian:<lo>-<hi>, laplace:<b>, poisson:<peak>,
    /// salt-pepper:<p>, impulse:<p>, none (σ and b on the 0-255 scale); or real:<DIR>, a folder
    /// with the real noisy twin of every --data image under the same name (SIDD-style pairs).
    #[arg(long, value_name = "SPEC")]
    pub noise: Option<InputNoise>,
    /// Clip noisy inputs to [0, 1].
    #[arg(long)]
    pub clip_input: bool,
    /// Label corruption: clean, noisy:<noise>, outliers:<ε>:<M>[:pixel|image][:σ],
    /// bimodal[:<shift>[:<p>]].
    #[arg(long, value_name = "SPEC")]
    pub labels: Option<LabelSpec>,
    /// Draw K corrupted targets per training image once and give each patch one of them (a
    /// finite set of noisy labels, as a dataset has), instead of a fresh target per patch.
    #[arg(long, value_name = "K")]
    pub label_draws: Option<usize>,
    /// Loss: mse, l1, huber[:δ], smooth-l1[:β], charbonnier[:ε], log-cosh, l0[:γ₀].
    #[arg(long, value_name = "SPEC")]
    pub loss: Option<LossSpec>,
    /// Optimizer: sgd, sgd:<momentum>, adam, adamw, rmsprop.
    #[arg(long, value_name = "SPEC")]
    pub optim: Option<OptimSpec>,
    /// Base learning rate (default 1e-3 for adam/adamw/rmsprop, 1e-2 for sgd).
    #[arg(long, allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// Weight decay (L2 penalty; decoupled for adamw).
    #[arg(long, allow_negative_numbers = true)]
    pub weight_decay: Option<f64>,
    /// Clip the global gradient norm to this value.
    #[arg(long, value_name = "NORM", allow_negative_numbers = true)]
    pub grad_clip: Option<f64>,
    /// Learning-rate schedule: constant, step:<every>:<factor>, cosine.
    #[arg(long, value_name = "SPEC")]
    pub schedule: Option<Schedule>,
    /// Warm start: train this fraction of the steps with Adam (lr 1e-3) first, then --optim
    /// from there (e.g. 0.5: plain SGD starting near an optimum).
    #[arg(long, value_name = "FRACTION", allow_negative_numbers = true)]
    pub adam_first: Option<f64>,
    /// Model size.
    #[arg(long, value_enum)]
    pub model: Option<Preset>,
    /// Override the preset's number of layers.
    #[arg(long)]
    pub depth: Option<usize>,
    /// Override the preset's feature width.
    #[arg(long)]
    pub width: Option<usize>,
    /// Override the preset's batch norm (true or false).
    #[arg(long, value_name = "BOOL")]
    pub batch_norm: Option<bool>,
    /// Predict the clean image directly instead of the noise.
    #[arg(long)]
    pub no_residual: bool,
    /// Side of the square training patches.
    #[arg(long)]
    pub patch: Option<usize>,
    /// Patches per step.
    #[arg(long)]
    pub batch: Option<usize>,
    /// Training steps.
    #[arg(long, conflicts_with = "epochs")]
    pub steps: Option<u64>,
    /// Training epochs of --patches-per-epoch patches (sets --steps).
    #[arg(long)]
    pub epochs: Option<u64>,
    /// Patches in an epoch.
    #[arg(long)]
    pub patches_per_epoch: Option<usize>,
    /// No random flips/rotations of patches.
    #[arg(long)]
    pub no_augment: bool,
    /// Validate every N steps (and at the end).
    #[arg(long, value_name = "N")]
    pub eval_every: Option<u64>,
    /// Checkpoint every N steps (and at the end).
    #[arg(long, value_name = "N")]
    pub checkpoint_every: Option<u64>,
    /// Seed of data, noise, labels and initial weights.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Folder data: share of images held out for validation.
    #[arg(long)]
    pub val_fraction: Option<f64>,
    /// Folder data: what to do with a file that cannot be used.
    #[arg(long, value_enum)]
    pub on_bad_image: Option<OnBadImage>,
    /// Folder data: validation images are centre-cropped to at most N×N pixels (default 256; 0
    /// keeps them whole).
    #[arg(long, value_name = "N")]
    pub val_crop: Option<usize>,
    /// Backend and output.
    #[command(flatten)]
    pub compute: ComputeArgs,
}

impl TrainArgs {
    /// Applies the flags on top of `base` (the defaults or a `--config` file).
    pub fn apply(&self, mut c: TrainConfig) -> TrainConfig {
        macro_rules! set {
            ($field:expr, $flag:expr) => {
                if let Some(v) = $flag.clone() {
                    $field = v;
                }
            };
        }
        set!(c.data.source, self.data);
        set!(c.data.color, self.color);
        if let Some(noise) = self.noise.clone() {
            c.set_input_noise(noise);
        }
        if self.clip_input {
            c.clip_input = true;
        }
        set!(c.labels, self.labels);
        if self.label_draws.is_some() {
            c.label_draws = self.label_draws;
        }
        set!(c.loss, self.loss);
        set!(c.optim.optimizer, self.optim);
        if self.lr.is_some() {
            c.optim.lr = self.lr;
        }
        set!(c.optim.weight_decay, self.weight_decay);
        if self.grad_clip.is_some() {
            c.optim.grad_clip = self.grad_clip;
        }
        set!(c.optim.schedule, self.schedule);
        if self.adam_first.is_some() {
            c.optim.adam_first = self.adam_first;
        }
        set!(c.model.preset, self.model);
        if self.depth.is_some() {
            c.model.depth = self.depth;
        }
        if self.width.is_some() {
            c.model.width = self.width;
        }
        if self.batch_norm.is_some() {
            c.model.batch_norm = self.batch_norm;
        }
        if self.no_residual {
            c.model.residual = false;
        }
        set!(c.patch, self.patch);
        set!(c.batch, self.batch);
        set!(c.patches_per_epoch, self.patches_per_epoch);
        set!(c.steps, self.steps);
        if let Some(e) = self.epochs {
            c.steps = (e * c.patches_per_epoch as u64).div_ceil(c.batch.max(1) as u64);
        }
        if self.no_augment {
            c.augment = false;
        }
        set!(c.eval_every, self.eval_every);
        set!(c.checkpoint_every, self.checkpoint_every);
        set!(c.seed, self.seed);
        set!(c.data.val_fraction, self.val_fraction);
        set!(c.data.on_bad_image, self.on_bad_image);
        set!(c.data.val_crop, self.val_crop);
        set!(c.backend, self.compute.backend);
        c
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    #[test]
    fn flags_override_the_config_file() {
        let cli = Cli::try_parse_from([
            "denoise",
            "train",
            "--loss",
            "huber:0.05",
            "--labels",
            "outliers:0.1:1.0",
            "--steps",
            "7",
            "--model",
            "dncnn",
            "--depth",
            "4",
            "--no-augment",
        ])
        .unwrap();
        let Command::Train(args) = cli.command else {
            panic!("not train")
        };
        let base = TrainConfig {
            batch: 3,
            ..TrainConfig::default()
        };
        let c = args.apply(base);
        assert_eq!(c.loss, LossSpec::Huber { delta: 0.05 });
        assert_eq!(c.steps, 7);
        assert_eq!(c.batch, 3, "unset flags keep the file's value");
        assert_eq!(c.model.preset, Preset::Dncnn);
        assert_eq!(c.model.depth, Some(4));
        assert!(!c.augment);
    }
}
