//! The record of a training run: every setting, resolved, saved as `config.json` before the first
//! step. `--config FILE` reads the same format (any subset of keys); flags override it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use denoise_data::spec::{SpecError, SpecKind};
use denoise_data::{ColorMode, Corruption, InputNoise, LabelSpec, NoiseSpec, OnBadImage};
use denoise_model::{DenoiserConfig, Preset};
use serde::{Deserialize, Serialize};

use crate::backend::BackendChoice;
use crate::error::{Error, Result};
use crate::loss::LossSpec;
pub use crate::optim::OptimConfig;

/// Where training images come from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DataSource {
    /// The built-in procedural set.
    #[default]
    Synthetic,
    /// A folder of images.
    Folder(PathBuf),
}

impl FromStr for DataSource {
    type Err = SpecError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        if s.is_empty() {
            const DATA: SpecKind = SpecKind {
                what: "data",
                expected: "`synthetic` or a folder of images",
            };
            return Err(DATA.error(s, "the value is empty"));
        }
        Ok(if s == "synthetic" {
            Self::Synthetic
        } else {
            Self::Folder(PathBuf::from(s))
        })
    }
}

impl fmt::Display for DataSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Synthetic => f.write_str("synthetic"),
            Self::Folder(p) => write!(f, "{}", p.display()),
        }
    }
}

denoise_data::spec_string!(DataSource);

/// Data settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct DataConfig {
    /// `synthetic` or a folder.
    pub source: DataSource,
    /// Gray or RGB.
    pub color: ColorMode,
    /// Folder data: share of images held out for validation.
    pub val_fraction: f64,
    /// Synthetic data: number of training images.
    pub train_images: usize,
    /// Synthetic data: number of validation images.
    pub val_images: usize,
    /// Synthetic data: side of the training images.
    pub train_size: usize,
    /// Synthetic data: side of the validation images.
    pub val_size: usize,
    /// Folder data: fail or skip on bad files.
    pub on_bad_image: OnBadImage,
    /// Folder data: validation images wider or taller than this are centre-cropped to at most
    /// `val_crop × val_crop` pixels, so that a 24-megapixel photo does not make every evaluation
    /// take minutes; 0 keeps them whole.
    pub val_crop: usize,
    /// Folder data with real noise (`--noise real:DIR`): the folder of each image's noisy twin,
    /// matched by name; the synthetic `noise` is then `none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noisy: Option<PathBuf>,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            source: DataSource::Synthetic,
            color: ColorMode::Gray,
            val_fraction: 0.1,
            train_images: 64,
            val_images: 4,
            train_size: 96,
            val_size: 64,
            on_bad_image: OnBadImage::Fail,
            val_crop: 256,
            noisy: None,
        }
    }
}

/// Model settings: a preset with optional overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct ModelConfig {
    /// `tiny` or `dncnn`.
    pub preset: Preset,
    /// Override of the preset's depth.
    pub depth: Option<usize>,
    /// Override of the preset's width.
    pub width: Option<usize>,
    /// Override of the preset's batch norm.
    pub batch_norm: Option<bool>,
    /// Residual learning (predict the noise).
    pub residual: bool,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            preset: Preset::Tiny,
            depth: None,
            width: None,
            batch_norm: None,
            residual: true,
        }
    }
}

impl ModelConfig {
    /// The denoiser config for `channels`, with overrides applied and the init seed set.
    pub fn resolve(&self, channels: usize, seed: u64) -> DenoiserConfig {
        let base = self.preset.config(channels);
        DenoiserConfig {
            depth: self.depth.unwrap_or(base.depth),
            width: self.width.unwrap_or(base.width),
            batch_norm: self.batch_norm.unwrap_or(base.batch_norm),
            residual: self.residual,
            init_seed: seed,
            ..base
        }
    }

    /// The same settings with the preset's values written out, for the saved record.
    pub fn resolved(&self, channels: usize) -> Self {
        let c = self.resolve(channels, 0);
        Self {
            preset: self.preset,
            depth: Some(c.depth),
            width: Some(c.width),
            batch_norm: Some(c.batch_norm),
            residual: c.residual,
        }
    }
}

/// Everything a training run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Training and validation images.
    pub data: DataConfig,
    /// Input noise.
    pub noise: NoiseSpec,
    /// Clip noisy inputs to [0, 1].
    pub clip_input: bool,
    /// Label corruption.
    pub labels: LabelSpec,
    /// A fixed set of this many corrupted targets per training image (drawn once; each patch
    /// takes one), instead of a fresh target for every patch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_draws: Option<usize>,
    /// Loss.
    pub loss: LossSpec,
    /// Optimizer.
    pub optim: OptimConfig,
    /// Model.
    pub model: ModelConfig,
    /// Patch side.
    pub patch: usize,
    /// Patches per step.
    pub batch: usize,
    /// Training steps.
    pub steps: u64,
    /// Patches that make an epoch (for `--epochs` and the log).
    pub patches_per_epoch: usize,
    /// Random flips/rotations of patches.
    pub augment: bool,
    /// Validate every this many steps (and at the end).
    pub eval_every: u64,
    /// Checkpoint every this many steps (and at the end).
    pub checkpoint_every: u64,
    /// Seed of data, noise, labels and initial weights.
    pub seed: u64,
    /// Backend.
    pub backend: BackendChoice,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            data: DataConfig::default(),
            noise: NoiseSpec::Gaussian {
                sigma: denoise_data::Level::Fixed(25.0),
            },
            clip_input: false,
            labels: LabelSpec::Clean,
            label_draws: None,
            loss: LossSpec::Mse,
            optim: OptimConfig::default(),
            model: ModelConfig::default(),
            patch: 40,
            batch: 16,
            steps: 300,
            patches_per_epoch: 4096,
            augment: true,
            eval_every: 100,
            checkpoint_every: 100,
            seed: 0,
            backend: BackendChoice::Auto,
        }
    }
}

impl TrainConfig {
    /// Reads a JSON config (any subset of keys; unknown keys are errors).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::usage(format!("cannot read config file {}: {e}", path.display()))
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Error::usage(format!(
                "config file {} is not a valid denoise config: {e} (JSON with kebab-case keys as in \
                 a run's config.json)",
                path.display()
            ))
        })
    }

    /// The input noise as `--noise` spells it: the synthetic noise, or `real:DIR`.
    pub fn input_noise(&self) -> InputNoise {
        match &self.data.noisy {
            Some(dir) => InputNoise::Real(dir.clone()),
            None => InputNoise::Synthetic(self.noise),
        }
    }

    /// Sets the input noise from its `--noise` spelling (real noise: synthetic noise `none`).
    pub fn set_input_noise(&mut self, noise: InputNoise) {
        match noise {
            InputNoise::Synthetic(n) => {
                self.noise = n;
                self.data.noisy = None;
            }
            InputNoise::Real(dir) => {
                self.noise = NoiseSpec::None;
                self.data.noisy = Some(dir);
            }
        }
    }

    /// The noise and label corruption.
    pub fn corruption(&self) -> Corruption {
        Corruption {
            noise: self.noise,
            clip_input: self.clip_input,
            labels: self.labels,
        }
    }

    /// Checks every value, naming the flag and what is accepted.
    pub fn validate(&self) -> Result<()> {
        if self.patch == 0 {
            return Err(Error::usage(
                "--patch 0: use a patch side >= 1 (DnCNN uses 40)",
            ));
        }
        if self.label_draws == Some(0) {
            return Err(Error::usage(
                "--label-draws 0: use at least 1 fixed target per training image",
            ));
        }
        if self.batch == 0 {
            return Err(Error::usage("--batch 0: use a batch of at least 1 patch"));
        }
        if self.steps == 0 {
            return Err(Error::usage("--steps 0: train for at least 1 step"));
        }
        if self.patches_per_epoch == 0 {
            return Err(Error::usage("--patches-per-epoch 0: use at least 1"));
        }
        if self.eval_every == 0 || self.checkpoint_every == 0 {
            return Err(Error::usage(
                "--eval-every and --checkpoint-every must be at least 1",
            ));
        }
        if let Some(f) = self.optim.adam_first
            && !(f > 0.0 && f < 1.0)
        {
            return Err(Error::usage(format!(
                "--adam-first {f}: use a fraction of the steps in (0, 1), e.g. 0.5"
            )));
        }
        let lr = self.optim.lr();
        if !(lr > 0.0 && lr.is_finite()) {
            return Err(Error::usage(format!(
                "--lr {lr}: the learning rate must be a finite number > 0 (e.g. 1e-3)"
            )));
        }
        if !(self.optim.weight_decay >= 0.0 && self.optim.weight_decay.is_finite()) {
            return Err(Error::usage(format!(
                "--weight-decay {}: use a finite value >= 0",
                self.optim.weight_decay
            )));
        }
        if let Some(c) = self.optim.grad_clip
            && !(c > 0.0 && c.is_finite())
        {
            return Err(Error::usage(format!(
                "--grad-clip {c}: use a finite norm > 0"
            )));
        }
        if !(0.0..1.0).contains(&self.data.val_fraction) {
            return Err(Error::usage(format!(
                "--val-fraction {}: use a value in [0, 1)",
                self.data.val_fraction
            )));
        }
        if let Some(dir) = &self.data.noisy {
            if self.data.source == DataSource::Synthetic {
                return Err(Error::usage(format!(
                    "--noise real:{}: real noise needs the clean images as --data DIR (the twins \
                     are matched by name)",
                    dir.display()
                )));
            }
            if self.noise != NoiseSpec::None {
                return Err(Error::usage(format!(
                    "config: data.noisy {} comes with noise {}; real noise replaces synthetic \
                     noise, so give noise none (--noise real:DIR sets both)",
                    dir.display(),
                    self.noise
                )));
            }
        }
        if self.data.source == DataSource::Synthetic {
            if self.data.train_images == 0 || self.data.val_images == 0 {
                return Err(Error::usage(
                    "synthetic data needs at least 1 training and 1 validation image",
                ));
            }
            if self.data.train_size < self.patch {
                return Err(Error::usage(format!(
                    "--patch {} is larger than the synthetic images ({} px); use a smaller patch",
                    self.patch, self.data.train_size
                )));
            }
        }
        self.model
            .resolve(self.data.color.channels(), self.seed)
            .validate()
            .map_err(|e| Error::usage(format!("model: {e} (--depth, --width)")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json_and_rejects_unknown_keys() {
        let c = TrainConfig::default();
        let text = serde_json::to_string_pretty(&c).unwrap();
        assert!(text.contains("\"patches-per-epoch\""));
        let back: TrainConfig = serde_json::from_str(&text).unwrap();
        assert_eq!(back, c);
        let partial: TrainConfig = serde_json::from_str(r#"{"loss": "l1", "steps": 5}"#).unwrap();
        assert_eq!(partial.loss, LossSpec::L1);
        assert_eq!(partial.batch, 16);
        let err = serde_json::from_str::<TrainConfig>(r#"{"stepz": 5}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `stepz`"), "{err}");
        let err = serde_json::from_str::<TrainConfig>(r#"{"loss": "l3"}"#).unwrap_err();
        assert!(err.to_string().contains("expected one of mse"), "{err}");
    }

    #[test]
    fn validation_names_the_flag() {
        let mut c = TrainConfig {
            batch: 0,
            ..TrainConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("--batch"));
        c.batch = 4;
        c.optim.lr = Some(f64::NAN);
        assert!(c.validate().unwrap_err().to_string().contains("--lr"));
        c.optim.lr = Some(-1.0);
        assert!(c.validate().unwrap_err().to_string().contains("--lr"));
        c.optim.lr = None;
        assert!(c.validate().is_ok());
    }

    #[test]
    fn real_noise_is_spelled_as_one_flag_and_needs_a_folder() {
        let mut c = TrainConfig::default();
        c.set_input_noise("real:noisy".parse().unwrap());
        assert_eq!(
            (c.noise, c.input_noise().to_string()),
            (NoiseSpec::None, "real:noisy".into())
        );
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("--data DIR"), "{e}");
        c.data.source = DataSource::Folder("clean".into());
        assert!(c.validate().is_ok());
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<TrainConfig>(&text).unwrap(), c);
        c.noise = "gaussian:5".parse().unwrap();
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("noise none"), "{e}");
        c.set_input_noise("gaussian:25".parse().unwrap());
        assert_eq!(c.data.noisy, None);
        assert!(!serde_json::to_string(&c).unwrap().contains("noisy"));
    }
}
