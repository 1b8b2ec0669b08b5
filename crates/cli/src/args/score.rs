//! `denoise score` flags.

use std::path::PathBuf;

use clap::Args;
use denoise_trainer::score::ScoreChannel;

/// `denoise score` flags.
#[derive(Debug, Clone, Args)]
pub struct ScoreArgs {
    /// Images to score: a file, or a folder whose images are matched to the references by name
    /// (without extension). Several: one table each (the outputs of different denoisers).
    #[arg(required = true, value_name = "OUTPUT")]
    pub outputs: Vec<PathBuf>,
    /// The clean references: a file, or a folder with one image per output image.
    #[arg(long, short, value_name = "PATH")]
    pub reference: PathBuf,
    /// Channels compared: auto (the files' own), rgb, gray (luminance, scikit-image rgb2gray) or y
    /// (BT.601 Y, as MATLAB and BasicSR's published tables).
    #[arg(long, value_enum, default_value = "auto")]
    pub channel: ScoreChannel,
    /// Pixels dropped from every border before measuring (e.g. the scale factor in SR tables).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub crop: usize,
    /// Data range of PSNR and SSIM in levels of the reference file (default its full scale: 255
    /// for 8-bit, 65535 for 16-bit files; 4095 for 12-bit data in 16-bit files).
    #[arg(long, value_name = "LEVELS")]
    pub data_range: Option<f64>,
    /// Print JSON: a list with one object per OUTPUT (settings, mean, every image).
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV: one row per image and one `mean` row per OUTPUT.
    #[arg(long)]
    pub csv: bool,
}
