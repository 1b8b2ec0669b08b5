//! `denoise bench` flags.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use denoise_trainer::backend::BackendChoice;
use denoise_trainer::bench::{BenchModel, Kernels};

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
    pub models: Vec<BenchModel>,
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
