//! Scores of any image files against reference files (`denoise score`): PSNR, SSIM, MSE, MAE,
//! bias, every sharpness measure with its ratio to the reference and the residual noise, per
//! image and their mean, with the options published protocols need (data range, gray / RGB / Y
//! channel, border crop, 8- and 16-bit files). No model is involved: outputs of any denoiser can
//! be judged.
//!
//! Values are in units of the files' full scale (8-bit level 255 and 16-bit level 65535 are 1);
//! `data_range` is given in levels of the reference file (255 for 8-bit, 65535 for 16-bit files
//! by default; 4095 for 12-bit data stored in 16-bit files). The metrics are scikit-image's
//! (`denoise-metrics`), so a table made here and one made with `peak_signal_noise_ratio`,
//! `structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False)` and
//! `blur_effect` agree.

pub mod channel;
pub mod pairing;

use std::path::{Path, PathBuf};

use denoise_data::Image;
use denoise_metrics::{
    MetricsError, Sharpness, SsimConfig, bias, mae, mse, psnr, residual_noise, ssim_with,
};
use serde::{Deserialize, Serialize};

pub use channel::ScoreChannel;
pub use pairing::{FilePair, pair_files};

use crate::error::{Error, Result};
use crate::evaluate::image_ref;

/// How images are scored.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ScoreSettings {
    /// Which channels are compared.
    pub channel: ScoreChannel,
    /// Pixels dropped on every side before anything is measured.
    pub crop: usize,
    /// Data range of PSNR and SSIM in levels of the reference file; `None`: its full scale.
    pub data_range: Option<f64>,
}

/// The numbers of one scored image (or their mean).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FileMetrics {
    /// PSNR in dB.
    pub psnr: f64,
    /// SSIM (Gaussian window σ 1.5; the mean over channels for RGB).
    pub ssim: f64,
    /// Mean squared error (full scale 1).
    pub mse: f64,
    /// Mean absolute error (full scale 1).
    pub mae: f64,
    /// Mean signed error, output − reference (full scale 1).
    pub bias: f64,
    /// Tenengrad of the output (mean Sobel gradient energy of its luminance).
    pub tenengrad: f64,
    /// Variance of the Laplacian of the output.
    pub laplacian_variance: f64,
    /// Share of the output's spectral energy above half Nyquist.
    pub high_frequency: f64,
    /// scikit-image's `blur_effect` of the output (0 sharp, 1 blurred).
    pub blur_effect: f64,
    /// The same measures of the output over those of the reference (1 = as sharp).
    pub sharpness_ratio: Sharpness,
    /// Immerkær's noise estimate σ̂ of the luminance of output − reference (full scale 1): the
    /// noise left in the output, beside the sharpness measures that noise inflates.
    #[serde(default)]
    pub residual_noise: f64,
}

/// The scores of one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FileScores {
    /// The image's name (see [`FilePair::name`]).
    pub name: String,
    /// The scored file.
    pub output: PathBuf,
    /// Its reference file.
    pub reference: PathBuf,
    /// The numbers.
    #[serde(flatten)]
    pub metrics: FileMetrics,
}

/// Every image of one output (a file or a folder) and the means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ScoreSummary {
    /// What was scored (the file or folder given).
    pub output: PathBuf,
    /// The channels compared (`gray`, `rgb` or `y`; `auto` when images differed).
    pub channel: ScoreChannel,
    /// Border crop in pixels.
    pub crop: usize,
    /// The mean of each number over the images (PSNR averaged in dB, as tables report it).
    pub mean: FileMetrics,
    /// Every image.
    pub images: Vec<FileScores>,
}

/// One column of the score tables: its CSV header, its terminal heading, decimals and value.
#[derive(Debug, Clone, Copy)]
pub struct ScoreColumn {
    /// CSV header.
    pub csv: &'static str,
    /// Terminal heading.
    pub short: &'static str,
    /// Decimals on the terminal.
    pub decimals: usize,
    /// The value.
    pub get: fn(&FileMetrics) -> f64,
    /// Writes the value.
    pub set: fn(&mut FileMetrics, f64),
}

macro_rules! col {
    ($csv:literal, $short:literal, $d:literal, $($f:ident).+) => {
        ScoreColumn {
            csv: $csv,
            short: $short,
            decimals: $d,
            get: |m| m.$($f).+,
            set: |m, v| m.$($f).+ = v,
        }
    };
}

/// The columns of `denoise score`'s table and CSV, in order.
pub const SCORE_COLUMNS: [ScoreColumn; 14] = [
    col!("psnr", "PSNR", 3, psnr),
    col!("ssim", "SSIM", 4, ssim),
    col!("mse", "MSE", 6, mse),
    col!("mae", "MAE", 5, mae),
    col!("bias", "bias", 5, bias),
    col!("tenengrad", "tenengrad", 4, tenengrad),
    col!("laplacian-variance", "lapvar", 4, laplacian_variance),
    col!("high-frequency", "hf", 4, high_frequency),
    col!("blur-effect", "blur", 4, blur_effect),
    col!("tenengrad-ratio", "ten/ref", 3, sharpness_ratio.tenengrad),
    col!(
        "laplacian-variance-ratio",
        "lap/ref",
        3,
        sharpness_ratio.laplacian_variance
    ),
    col!(
        "high-frequency-ratio",
        "hf/ref",
        3,
        sharpness_ratio.high_frequency
    ),
    col!(
        "anti-blur-ratio",
        "1-blur/ref",
        3,
        sharpness_ratio.anti_blur
    ),
    col!("residual-noise", "noise", 4, residual_noise),
];

impl FileMetrics {
    /// The mean of every number over `items` (every field is a column of [`SCORE_COLUMNS`]);
    /// zeros for none.
    pub fn mean<'a>(items: impl IntoIterator<Item = &'a FileMetrics>) -> FileMetrics {
        let items: Vec<&FileMetrics> = items.into_iter().collect();
        let n = items.len().max(1) as f64;
        let mut mean = FileMetrics::default();
        for c in &SCORE_COLUMNS {
            (c.set)(&mut mean, items.iter().map(|m| (c.get)(m)).sum::<f64>() / n);
        }
        mean
    }
}

/// Scores two images already loaded (values `level / full scale`); `reference_levels` is the
/// reference file's full scale (255, 65535; `None` for floating-point files).
pub fn score_images(
    pair: &FilePair,
    output: Image,
    reference: Image,
    reference_levels: Option<u32>,
    settings: &ScoreSettings,
) -> Result<(FileScores, ScoreChannel)> {
    let describe = || {
        format!(
            "{} against {}",
            pair.output.display(),
            pair.reference.display()
        )
    };
    if output.height() != reference.height() || output.width() != reference.width() {
        return Err(Error::bad_input(format!(
            "{}: the output is {}×{} pixels and the reference {}×{} — score images of the same \
             size",
            describe(),
            output.width(),
            output.height(),
            reference.width(),
            reference.height()
        )));
    }
    let (o, r, used) = channel::to_channels(settings.channel, output, reference, &describe)?;
    let (o, r) = match (
        channel::crop_border(&o, settings.crop),
        channel::crop_border(&r, settings.crop),
    ) {
        (Some(o), Some(r)) => (o, r),
        _ => {
            return Err(Error::usage(format!(
                "--crop {}: {} is {}×{} pixels, nothing is left after the crop",
                settings.crop,
                pair.output.display(),
                o.width(),
                o.height()
            )));
        }
    };
    let full_scale = f64::from(reference_levels.unwrap_or(1));
    let range = settings
        .data_range
        .map_or(1.0, |levels| levels / full_scale);
    let bad = |e: MetricsError| Error::bad_input(format!("{}: {e}", describe()));
    let (vo, vr) = (image_ref(&o), image_ref(&r));
    let config = SsimConfig {
        data_range: range,
        ..SsimConfig::default()
    };
    // Measured once each: the output's values are reported and divided by the reference's.
    let sharpness = Sharpness::measure(&vo).map_err(bad)?;
    let reference_sharpness = Sharpness::measure(&vr).map_err(bad)?;
    let metrics = FileMetrics {
        psnr: psnr(&vo, &vr, range).map_err(bad)?,
        ssim: ssim_with(&vo, &vr, &config).map_err(bad)?,
        mse: mse(&vo, &vr).map_err(bad)?,
        mae: mae(&vo, &vr).map_err(bad)?,
        bias: bias(&vo, &vr).map_err(bad)?,
        tenengrad: sharpness.tenengrad,
        laplacian_variance: sharpness.laplacian_variance,
        high_frequency: sharpness.high_frequency,
        blur_effect: 1.0 - sharpness.anti_blur,
        sharpness_ratio: sharpness.ratio_to(&reference_sharpness),
        residual_noise: residual_noise(&vo, &vr).map_err(bad)?,
    };
    Ok((
        FileScores {
            name: pair.name.clone(),
            output: pair.output.clone(),
            reference: pair.reference.clone(),
            metrics,
        },
        used,
    ))
}

/// Loads and scores one pair of files.
pub fn score_pair(pair: &FilePair, settings: &ScoreSettings) -> Result<(FileScores, ScoreChannel)> {
    let (output, _) = Image::load_native_with_levels(&pair.output)?;
    let (reference, levels) = Image::load_native_with_levels(&pair.reference)?;
    score_images(pair, output, reference, levels, settings)
}

/// Scores `output` (a file or folder) against `reference` (the same kind).
pub fn score(output: &Path, reference: &Path, settings: &ScoreSettings) -> Result<ScoreSummary> {
    if settings
        .data_range
        .is_some_and(|r| !(r > 0.0 && r.is_finite()))
    {
        return Err(Error::usage(
            "--data-range must be a finite number of levels > 0 (255 for 8-bit files)",
        ));
    }
    let pairs = pair_files(output, reference)?;
    let mut images = Vec::with_capacity(pairs.len());
    let mut channels = Vec::with_capacity(pairs.len());
    for pair in &pairs {
        let (scores, used) = score_pair(pair, settings)?;
        images.push(scores);
        channels.push(used);
    }
    let channel = if channels.windows(2).all(|w| w[0] == w[1]) {
        channels[0]
    } else {
        ScoreChannel::Auto
    };
    Ok(ScoreSummary {
        output: output.to_path_buf(),
        channel,
        crop: settings.crop,
        mean: FileMetrics::mean(images.iter().map(|s| &s.metrics)),
        images,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_covers_every_field() {
        // Every field non-zero (a literal: a new field must be named here); one left out of
        // SCORE_COLUMNS would be 0 in the mean.
        let m = FileMetrics {
            psnr: 30.0,
            ssim: 0.9,
            mse: 1e-3,
            mae: 2e-2,
            bias: -1e-3,
            tenengrad: 0.5,
            laplacian_variance: 0.25,
            high_frequency: 0.125,
            blur_effect: 0.3,
            sharpness_ratio: Sharpness {
                tenengrad: 1.5,
                laplacian_variance: 2.5,
                high_frequency: 3.5,
                anti_blur: 0.75,
            },
            residual_noise: 0.02,
        };
        let mut other = m;
        other.psnr += 2.0;
        let mean = FileMetrics::mean([&m, &other]);
        let mut want = m;
        want.psnr += 1.0;
        assert_eq!(mean, want);
        assert_eq!(FileMetrics::mean([]), FileMetrics::default());
    }
}
