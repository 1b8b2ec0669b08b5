//! The command line: `denoise train | eval | denoise | devices`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use denoise_data::{ColorMode, LabelSpec, NoiseSpec, OnBadImage};
use denoise_model::Preset;

use crate::backend::BackendChoice;
use crate::config::{DataSource, TrainConfig};
use crate::loss::LossSpec;
use crate::optim::{OptimSpec, Schedule};

/// Train and compare convolutional image denoisers (DnCNN) with burn, on the GPU (wgpu) or the CPU,
/// and see why the choice of loss matters: MSE converges to the conditional mean (blur, bias under
/// outlier labels), L1 to the conditional median.
#[derive(Debug, Parser)]
#[command(name = "denoise", version, about, long_about = None, propagate_version = true,
    after_help = crate::exit::EXIT_CODES_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a denoiser; writes config.json, metrics.csv, validation.csv and checkpoints to --out.
    Train(Box<TrainArgs>),
    /// Measure a trained model on a folder or on synthetic images (PSNR, SSIM, bias, sharpness).
    Eval(EvalArgs),
    /// Denoise one image or a folder of images with a trained model; writes PNGs.
    Denoise(DenoiseArgs),
    /// Train several runs that differ only in what is compared (same data, weights and seed) and
    /// write a report.
    Compare(Box<CompareArgs>),
    /// Run a preset that tests a claim of the theory, with PASS/FAIL verdicts and a report.
    Experiment(ExperimentArgs),
    /// Build reports from finished grids.
    Report {
        /// What to build.
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// List the compute devices this machine offers and the one `--backend auto` takes.
    Devices,
    /// Time training, inference and the data pipeline per model and backend (medians of repeats).
    Bench(BenchArgs),
}

/// What `denoise bench` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchWhat {
    /// Training patches per second (forward, MSE, backward, Adam).
    Train,
    /// Inference megapixels per second.
    Infer,
    /// Data-pipeline pairs per second.
    Data,
}

/// `denoise bench` flags.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Models to time.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "tiny,dncnn-plain,dncnn"
    )]
    pub models: Vec<crate::bench::BenchModel>,
    /// Backends to time, each chosen as --backend would.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "auto")]
    pub backends: Vec<BackendChoice>,
    /// What to time.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "train,infer,data"
    )]
    pub what: Vec<BenchWhat>,
    /// Patches per training step.
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// Side of the training patches.
    #[arg(long, default_value_t = 40)]
    pub patch: usize,
    /// Untimed warm-up steps and forwards (kernel compilation and autotuning happen here).
    #[arg(long, default_value_t = 3)]
    pub warmup: usize,
    /// Timed repeats; medians are reported.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// Training steps per repeat (default: 20 for tiny, 3 for the 17-layer models).
    #[arg(long)]
    pub train_steps: Option<usize>,
    /// Side of the inference image.
    #[arg(long, default_value_t = 256)]
    pub infer_size: usize,
    /// Forwards per inference repeat (default: 10 for tiny, 2 for the 17-layer models).
    #[arg(long)]
    pub infer_runs: Option<usize>,
    /// Write the JSON report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// The kernels on flex: denoise-lab's own 3×3 convolution and batch norm (the default
    /// everywhere) or burn's stock operations, to compare the two.
    #[arg(long, value_enum, default_value_t = Kernels::Fast)]
    pub kernels: Kernels,
}

/// Which convolution and batch-norm kernels flex runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kernels {
    /// denoise-lab's: the 3×3 convolution and both its gradients as well-shaped matrix products,
    /// batch norm in one pass per direction.
    Fast,
    /// burn's stock flex `conv2d` and batch norm, with burn's generic backward passes.
    Stock,
}

/// `denoise report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// One report from the folders of several shards (or any grids).
    Merge {
        /// Grid folders (the --out of `experiment` or `compare` runs, shards included).
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Where to write report.html, results.json, results.csv and grids/.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
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
    pub shard: Option<crate::experiment::shard::Shard>,
    /// Training data: `synthetic` (built in) or a folder of images (train/validation split).
    #[arg(long, value_name = "synthetic|DIR")]
    pub data: Option<DataSource>,
    /// Model size.
    #[arg(long, value_enum)]
    pub model: Option<PresetArg>,
    /// Override the steps of every run.
    #[arg(long)]
    pub steps: Option<u64>,
    /// Seed shared by every run (data stream, noise, labels, initial weights).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Backend and output.
    #[command(flatten)]
    pub compute: ComputeArgs,
}

/// `denoise experiment` flags.
#[derive(Debug, Clone, Args)]
pub struct ExperimentArgs {
    /// Which claim to test.
    #[arg(value_enum)]
    pub name: crate::experiment::plan::ExperimentName,
    /// Small runs: every preset within 10 minutes on a 2-core CPU with the tiny model.
    #[arg(long)]
    pub quick: bool,
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

/// Flags every command that computes shares.
#[derive(Debug, Clone, Args)]
pub struct ComputeArgs {
    /// Compute backend: auto takes a hardware GPU through wgpu if present, else flex (CPU).
    #[arg(long, value_enum)]
    pub backend: Option<BackendChoice>,
    /// No progress output (errors and the final summary are still printed).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Gray or RGB, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// One channel.
    Gray,
    /// Three channels.
    Rgb,
}

impl From<ColorArg> for ColorMode {
    fn from(c: ColorArg) -> Self {
        match c {
            ColorArg::Gray => ColorMode::Gray,
            ColorArg::Rgb => ColorMode::Rgb,
        }
    }
}

/// Model size, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// Depth 5, width 32, no batch norm (CPU, CI).
    Tiny,
    /// Depth 17, width 64, batch norm (DnCNN-S).
    Dncnn,
}

impl From<PresetArg> for Preset {
    fn from(p: PresetArg) -> Self {
        match p {
            PresetArg::Tiny => Preset::Tiny,
            PresetArg::Dncnn => Preset::Dncnn,
        }
    }
}

/// Bad-file policy, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnBadArg {
    /// Stop with an error naming the file.
    Fail,
    /// Leave the file out with a warning.
    Skip,
}

impl From<OnBadArg> for OnBadImage {
    fn from(o: OnBadArg) -> Self {
        match o {
            OnBadArg::Fail => OnBadImage::Fail,
            OnBadArg::Skip => OnBadImage::Skip,
        }
    }
}

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
    pub color: Option<ColorArg>,
    /// Input noise: gaussian:<σ>, gaussian:<lo>-<hi>, laplace:<b>, poisson:<peak>,
    /// salt-pepper:<p>, impulse:<p>, none (σ and b on the 0-255 scale).
    #[arg(long, value_name = "SPEC")]
    pub noise: Option<NoiseSpec>,
    /// Clip noisy inputs to [0, 1].
    #[arg(long)]
    pub clip_input: bool,
    /// Label corruption: clean, noisy:<noise>, outliers:<ε>:<M>[:pixel|image][:σ],
    /// bimodal[:<shift>[:<p>]].
    #[arg(long, value_name = "SPEC")]
    pub labels: Option<LabelSpec>,
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
    /// Model size.
    #[arg(long, value_enum)]
    pub model: Option<PresetArg>,
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
    pub on_bad_image: Option<OnBadArg>,
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
                    $field = v.into();
                }
            };
        }
        set!(c.data.source, self.data);
        set!(c.data.color, self.color);
        set!(c.noise, self.noise);
        if self.clip_input {
            c.clip_input = true;
        }
        set!(c.labels, self.labels);
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
        set!(c.backend, self.compute.backend);
        c
    }
}

/// `denoise eval` flags.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// A run folder (its final model, else its newest checkpoint) or a checkpoint folder.
    #[arg(long, value_name = "DIR")]
    pub checkpoint: PathBuf,
    /// Images to measure: `synthetic` or a folder (all of it is used).
    #[arg(long, value_name = "synthetic|DIR", default_value = "synthetic")]
    pub data: DataSource,
    /// Noise added to the clean images (default: the run's training noise when known, else
    /// gaussian:25).
    #[arg(long, value_name = "SPEC")]
    pub noise: Option<NoiseSpec>,
    /// Label corruption whose oracle the outputs are compared with (default: the run's).
    #[arg(long, value_name = "SPEC")]
    pub labels: Option<LabelSpec>,
    /// Synthetic data: number of images.
    #[arg(long, default_value_t = 8)]
    pub images: usize,
    /// Synthetic data: side of the images.
    #[arg(long, default_value_t = 96)]
    pub size: usize,
    /// Seed of the synthetic images and the noise.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print JSON (per image and mean) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Folder data: what to do with a file that cannot be used.
    #[arg(long, value_enum, default_value = "fail")]
    pub on_bad_image: OnBadArg,
    /// Backend and output.
    #[command(flatten)]
    pub compute: ComputeArgs,
}

/// `denoise denoise` flags.
#[derive(Debug, Clone, Args)]
pub struct DenoiseArgs {
    /// A run folder or a checkpoint folder.
    #[arg(long, value_name = "DIR")]
    pub checkpoint: PathBuf,
    /// An image file or a folder of images (denoised as they are: no noise is added).
    pub input: PathBuf,
    /// Output PNG file (for one image) or folder (for a folder); default: next to the input with
    /// a `-denoised` suffix.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Write 16-bit PNGs.
    #[arg(long)]
    pub sixteen_bit: bool,
    /// Backend and output.
    #[command(flatten)]
    pub compute: ComputeArgs,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

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

    #[test]
    fn bad_flag_values_name_what_is_accepted() {
        let err = Cli::try_parse_from(["denoise", "train", "--loss", "l3"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--loss") && err.contains("expected one of mse"),
            "{err}"
        );
        let err = Cli::try_parse_from(["denoise", "train", "--noise", "gaussian:-3"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--noise") && err.contains(">= 0"), "{err}");
        let err = Cli::try_parse_from(["denoise", "train", "--backend", "cuda"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("auto") && err.contains("flex"), "{err}");
    }
}
