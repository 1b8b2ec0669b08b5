//! `results.csv` and `results.json`.

use serde::{Deserialize, Serialize};

use crate::experiment::result::RunResult;
use crate::experiment::verdict::Claim;

/// The content of `results.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Json {
    /// Verdicts.
    pub claims: Vec<Claim>,
    /// Every run.
    pub runs: Vec<RunResult>,
}

/// Columns of `results.csv` (machine-independent: no timings).
pub const CSV_HEADER: &str = "id,experiments,loss,optim,labels,noise,eps,psnr,input_psnr,ssim,bias,\
mae,tenengrad_ratio,laplacian_variance_ratio,high_frequency_ratio,anti_blur_ratio,psnr_vs_mean,\
median_distance,loss_spread";

/// `results.csv`, one row per run sorted by id.
pub fn csv(results: &[RunResult]) -> String {
    let mut rows: Vec<&RunResult> = results.iter().collect();
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for r in rows {
        let f = &r.final_metrics;
        let exps: Vec<&str> = r.experiments.iter().map(|e| e.name()).collect();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{:.6},{:.6},{:.6},{:.6e},{:.6e},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6e},{:.6}\n",
            r.id,
            exps.join(";"),
            r.param("loss"),
            r.param("optim"),
            r.param("labels"),
            r.param("noise"),
            r.param("eps"),
            f.psnr,
            f.input_psnr,
            f.ssim,
            f.bias,
            f.mae,
            f.sharpness.tenengrad,
            f.sharpness.laplacian_variance,
            f.sharpness.high_frequency,
            f.sharpness.anti_blur,
            f.psnr_vs_mean,
            f.median_distance,
            r.loss_spread
        ));
    }
    out
}
