//! `denoise eval` and `denoise denoise` flags.

use std::path::PathBuf;

use clap::Args;
use denoise_data::{InputNoise, LabelSpec, OnBadImage};
use denoise_trainer::config::DataSource;
use denoise_trainer::evaluate::TileSize;

use super::ComputeArgs;

/// `denoise eval` flags.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// A run folder (its final model, else its newest checkpoint), a checkpoint folder, or a KAIR
    /// DnCNN state dict (`.pth`, read as `denoise import` reads it).
    #[arg(long, value_name = "DIR|FILE.pth")]
    pub checkpoint: PathBuf,
    /// Images to measure: `synthetic` or a folder (all of it is used).
    #[arg(long, value_name = "synthetic|DIR", default_value = "synthetic")]
    pub data: DataSource,
    /// Noise added to the clean images (default: the run's training noise when known, else
    /// gaussian:25); or real:<DIR>, a folder with the real noisy twin of every --data image
    /// under the same name (SIDD-style pairs), used as the input.
    #[arg(long, value_name = "SPEC")]
    pub noise: Option<InputNoise>,
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
    /// Round the noisy inputs to 8 bits (clipped to [0, 1]) before denoising, as published
    /// benchmark tables that store their noisy images as 8-bit files do.
    #[arg(long)]
    pub quantize_input: bool,
    /// Write every output as a PNG into DIR (named as the image; 8-bit, 16-bit with
    /// --sixteen-bit), e.g. to score it later with `denoise score` or to look at it.
    #[arg(long, value_name = "DIR")]
    pub save_outputs: Option<PathBuf>,
    /// Write every noisy input as a PNG into DIR (16-bit; 8-bit and exact with
    /// --quantize-input), so that other denoisers can be run on the very same inputs.
    #[arg(long, value_name = "DIR")]
    pub save_inputs: Option<PathBuf>,
    /// --save-outputs writes 16-bit PNGs.
    #[arg(long)]
    pub sixteen_bit: bool,
    /// Folder data: what to do with a file that cannot be used.
    #[arg(long, value_enum, default_value = "fail")]
    pub on_bad_image: OnBadImage,
    /// Tile side for images larger than it: auto (from free memory), N pixels, or none (the
    /// whole image in one pass). Tiles overlap by the model's receptive radius: the output is the
    /// untiled one up to rounding.
    #[arg(long, value_name = "auto|N|none", default_value = "auto")]
    pub tile: TileSize,
    /// Backend and output.
    #[command(flatten)]
    pub compute: ComputeArgs,
}

/// `denoise denoise` flags.
#[derive(Debug, Clone, Args)]
pub struct DenoiseArgs {
    /// A run folder, a checkpoint folder, or a KAIR DnCNN state dict (`.pth`).
    #[arg(long, value_name = "DIR|FILE.pth")]
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
    /// Tile side for images larger than it: auto (from free memory), N pixels, or none (the
    /// whole image in one pass). Tiles overlap by the model's receptive radius: the output is the
    /// untiled one up to rounding.
    #[arg(long, value_name = "auto|N|none", default_value = "auto")]
    pub tile: TileSize,
    /// Backend and output.
    #[command(flatten)]
    pub compute: ComputeArgs,
}
