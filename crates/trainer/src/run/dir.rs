//! The layout of a run directory.
//!
//! ```text
//! RUN/
//!   config.json          the record of the run, written before the first step
//!   metrics.csv          one row per step: loss, learning rate, gradient norm, patches/s
//!   validation.csv       one row per evaluation: PSNR, SSIM, bias, sharpness ratios, residual
//!                        noise, oracle distances
//!   model.safetensors    the final weights (readable by PyTorch's safetensors)
//!   model.json           the model config that goes with them
//!   checkpoints/latest   the name of the newest complete checkpoint
//!   checkpoints/step-00000100/{model.safetensors, model.json, optimizer.bpk, state.json}
//! ```
//! Every file is written under a temporary name and renamed; a checkpoint folder is complete
//! before `latest` names it.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The run's record.
pub const CONFIG: &str = "config.json";
/// One row per step.
pub const METRICS: &str = "metrics.csv";
/// One row per evaluation.
pub const VALIDATION: &str = "validation.csv";
/// The folder of checkpoints.
pub const CHECKPOINTS: &str = "checkpoints";
/// In `checkpoints/`: the name of the newest complete checkpoint.
pub const LATEST: &str = "latest";
/// In a run or checkpoint folder: the weights (safetensors).
pub const MODEL_WEIGHTS: &str = "model.safetensors";
/// In a run or checkpoint folder: the model config that goes with the weights.
pub const MODEL_CONFIG: &str = "model.json";
/// In a checkpoint folder: the optimizer state (burnpack).
pub const OPTIMIZER: &str = "optimizer.bpk";
/// In a checkpoint folder: the step, seed and data position.
pub const STATE: &str = "state.json";

/// A run directory.
#[derive(Debug, Clone)]
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    /// Creates `root` for a new run; refuses a folder that already holds a run.
    pub fn create(root: &Path) -> Result<Self> {
        if root.join(CONFIG).exists() {
            return Err(Error::usage(format!(
                "--out {}: this folder already holds a run; continue it with --resume {} or choose \
                 another --out",
                root.display(),
                root.display()
            )));
        }
        std::fs::create_dir_all(root.join(CHECKPOINTS)).map_err(|e| {
            Error::output(format!(
                "--out {}: cannot create the run folder ({e}); choose a writable --out",
                root.display()
            ))
        })?;
        let run = Self {
            root: root.to_path_buf(),
        };
        run.check_writable()?;
        Ok(run)
    }

    /// Fails now, not after an hour of training, when the run folder or its `checkpoints/` cannot
    /// be written (read-only filesystem, permissions, a full disk).
    pub fn check_writable(&self) -> Result<()> {
        for dir in [self.root.clone(), self.checkpoints()] {
            let probe = dir.join(format!(".write-test.tmp-{}", std::process::id()));
            let written =
                std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&probe, b"ok"));
            let _ = std::fs::remove_file(&probe);
            written.map_err(|e| {
                Error::output(format!(
                    "{} is not writable ({e}); free space, fix its permissions or choose another \
                     --out",
                    dir.display()
                ))
            })?;
        }
        Ok(())
    }

    /// Opens an existing run (it must have a `config.json`).
    pub fn open(root: &Path) -> Result<Self> {
        if !root.join(CONFIG).is_file() {
            return Err(Error::usage(format!(
                "{} is not a run directory (no config.json): give the --out folder of a `denoise \
                 train` run",
                root.display()
            )));
        }
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `config.json`.
    pub fn config(&self) -> PathBuf {
        self.root.join(CONFIG)
    }

    /// `metrics.csv`.
    pub fn metrics(&self) -> PathBuf {
        self.root.join(METRICS)
    }

    /// `validation.csv`.
    pub fn validation(&self) -> PathBuf {
        self.root.join(VALIDATION)
    }

    /// `checkpoints/`.
    pub fn checkpoints(&self) -> PathBuf {
        self.root.join(CHECKPOINTS)
    }

    /// The final weights.
    pub fn model(&self) -> PathBuf {
        self.root.join(MODEL_WEIGHTS)
    }
}

/// A folder name for a run made now: `runs/YYYYMMDD-HHMMSS` (UTC).
pub fn default_run_path() -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    PathBuf::from(format!(
        "runs/{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}
