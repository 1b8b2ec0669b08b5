//! What a finished run of a grid leaves for the report: `result.json` and sample images.

use std::path::{Path, PathBuf};

use denoise_data::write_bytes_atomically;
use denoise_trainer::evaluate::EvalSummary;
use denoise_trainer::train::StepRow;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::plan::RunParams;
use crate::probes::OutlierShare;

/// File name of a run's result.
pub const RESULT_FILE: &str = "result.json";

/// Names of the sample images a run writes (16-bit PNG, validation image 0).
pub const SAMPLES: [&str; 5] = [
    "sample-input.png",
    "sample-clean.png",
    "sample-output.png",
    "sample-oracle-mean.png",
    "sample-oracle-median.png",
];

/// The result of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RunResult {
    /// The run's id (its folder name).
    pub id: String,
    /// The names of the presets that use it.
    pub experiments: Vec<String>,
    /// What varies: loss, optim, labels, noise, ε.
    pub params: RunParams,
    /// Backend description.
    pub backend: String,
    /// Final validation metrics.
    #[serde(rename = "final")]
    pub final_metrics: EvalSummary,
    /// Training loss against step (at most 300 points, each the mean of its stretch of steps).
    pub loss_curve: Vec<(u64, f64)>,
    /// Validation PSNR against step.
    pub psnr_curve: Vec<(u64, f64)>,
    /// Relative spread (std / mean) over the last quarter of training of the loss on a fixed
    /// probe batch: how much the weights still move around the optimum.
    pub loss_spread: f64,
    /// Mean over the last quarter of training of the loss on the fixed probe batch (`None` in
    /// records written before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_loss: Option<f64>,
    /// Mean over the last quarter of training of how far one step moves the output on the probe
    /// batch (root mean square over its pixels, range 1): how much the network still jumps per
    /// step, on one scale for every loss ([`denoise_trainer::train::StepRow::probe_change`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_step: Option<f64>,
    /// Training patches per second.
    pub patches_per_s: f64,
    /// Ghost amplitude of each validation output, in the order of `final.images` (bimodal
    /// labels only; [`crate::probes::ghosts`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ghost: Vec<f64>,
    /// Outlier gradient shares of the validation outputs (pixel outlier labels only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_share: Option<OutlierShare>,
}

impl RunResult {
    /// Whether the preset called `name` uses this run.
    pub fn in_experiment(&self, name: &str) -> bool {
        self.experiments.iter().any(|e| e == name)
    }

    /// Writes `result.json` into `dir`.
    pub fn save(&self, dir: &Path) -> Result<()> {
        write_bytes_atomically(
            &dir.join(RESULT_FILE),
            serde_json::to_string_pretty(self)?.as_bytes(),
        )?;
        Ok(())
    }

    /// Reads `dir/result.json`.
    pub fn load(dir: &Path) -> Result<Self> {
        let p = dir.join(RESULT_FILE);
        let text = std::fs::read_to_string(&p)
            .map_err(|e| Error::BadInput(format!("cannot read {}: {e}", p.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::BadInput(format!("{} is not a run result: {e}", p.display())))
    }
}

/// Means of consecutive stretches so that at most `max` points remain.
pub fn downsample(rows: &[StepRow], max: usize) -> Vec<(u64, f64)> {
    let chunk = rows.len().div_ceil(max.max(1)).max(1);
    rows.chunks(chunk)
        .map(|c| {
            let step = c.last().map_or(0, |r| r.step);
            (step, c.iter().map(|r| r.loss).sum::<f64>() / c.len() as f64)
        })
        .collect()
}

/// The mean of `value` over the rows that have it (`None` without any).
pub fn tail_mean(rows: &[StepRow], value: impl Fn(&StepRow) -> Option<f64>) -> Option<f64> {
    let v: Vec<f64> = rows.iter().filter_map(value).collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// The relative spread of the probe loss (the training loss where no probe was measured) over
/// the last quarter of `rows`: the standard deviation of its residuals about a least-squares line
/// (so that a loss still falling does not count as oscillation), over its mean.
pub fn tail_spread(rows: &[StepRow]) -> f64 {
    let tail = &rows[rows.len() - (rows.len() / 4).max(1)..];
    let values: Vec<f64> = tail
        .iter()
        .map(|r| r.probe_loss.unwrap_or(r.loss))
        .collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let xm = (n - 1.0) / 2.0;
    let sxx: f64 = (0..values.len()).map(|i| (i as f64 - xm).powi(2)).sum();
    let slope = if sxx > 0.0 {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64 - xm) * (v - mean))
            .sum::<f64>()
            / sxx
    } else {
        0.0
    };
    let var = values
        .iter()
        .enumerate()
        .map(|(i, v)| (v - mean - slope * (i as f64 - xm)).powi(2))
        .sum::<f64>()
        / n;
    if mean > 0.0 { var.sqrt() / mean } else { 0.0 }
}

/// Every run folder holding a `result.json` directly in `root` or in `root/runs/`.
pub fn find_results(root: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for base in [root.to_path_buf(), root.join("runs")] {
        let Ok(entries) = std::fs::read_dir(&base) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.join(RESULT_FILE).is_file() {
                dirs.push(p);
            }
        }
    }
    dirs.sort();
    Ok(dirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(losses: &[f64]) -> Vec<StepRow> {
        losses
            .iter()
            .enumerate()
            .map(|(i, &loss)| StepRow {
                step: i as u64 + 1,
                loss,
                lr: 1e-3,
                grad_norm: 1.0,
                probe_loss: None,
                probe_change: None,
            })
            .collect()
    }

    #[test]
    fn spread_is_the_detrended_std_over_mean_of_the_last_quarter() {
        // Last quarter of 16 rows: 3, 1, 3, 1 have mean 2 and least-squares slope −0.4
        // (Σ(i − 1.5)(v − 2) = −2 over Σ(i − 1.5)² = 5), residuals 0.4, −1.2, 1.2, −0.4, whose
        // mean square is 0.8 → spread √0.8 / 2 (numpy: 0.4472136).
        let mut v = vec![9.0; 12];
        v.extend([3.0, 1.0, 3.0, 1.0]);
        let want = 0.8f64.sqrt() / 2.0;
        assert!(
            (tail_spread(&rows(&v)) - want).abs() < 1e-12,
            "{}",
            tail_spread(&rows(&v))
        );
        // A straight fall is no oscillation at all.
        let fall: Vec<f64> = (0..16).map(|i| 10.0 - 0.5 * f64::from(i)).collect();
        assert!(tail_spread(&rows(&fall)).abs() < 1e-12);
    }

    #[test]
    fn downsample_averages_stretches() {
        let r = rows(&[1.0, 3.0, 5.0, 7.0, 9.0]);
        assert_eq!(downsample(&r, 2), vec![(3, 3.0), (5, 8.0)]);
        assert_eq!(downsample(&r, 10).len(), 5);
    }
}
