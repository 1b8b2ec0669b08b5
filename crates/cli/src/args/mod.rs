//! The command line: `denoise train | eval | denoise | score | import | export | compare |
//! experiment | report | devices | bench`, one module per group of flags. Parsed arguments become validated settings (a
//! `TrainConfig`, a grid) in `commands/`; nothing below the commands sees these types.

mod bench;
mod eval;
mod grid;
mod pytorch;
mod score;
mod train;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use denoise_trainer::backend::BackendChoice;

pub use bench::{BenchArgs, BenchWhat};
pub use eval::{DenoiseArgs, EvalArgs};
pub use grid::{CompareArgs, ExperimentArgs, GridArgs};
pub use pytorch::{ExportArgs, ImportArgs};
pub use score::ScoreArgs;
pub use train::TrainArgs;

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
    /// Score any images (other denoisers' outputs too) against clean references: PSNR, SSIM,
    /// MSE, MAE, bias and sharpness, as scikit-image computes them.
    Score(ScoreArgs),
    /// Import a PyTorch DnCNN as KAIR publishes it (`.pth` state dict) into a model folder.
    Import(ImportArgs),
    /// Export a model as a `.pth` state dict that KAIR's DnCNN loads with strict=True.
    Export(ExportArgs),
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
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
