//! `label-noise`: Noise2Noise with Gaussian vs Laplace label noise of equal variance × {mse, l1}:
//! each loss is maximum likelihood under its own noise.

use denoise_data::LabelSpec;
use denoise_trainer::config::TrainConfig;
use denoise_trainer::loss::LossSpec;

use super::{Preset, spelled};
use crate::plan::{RunSpec, with};
use crate::verdict::{Claim, PresetRuns};

/// The preset.
pub struct LabelNoise;

/// The label noises, of equal variance (σ² = 2b² with σ = 50, b = 35.36), with their name and
/// whether MSE is their maximum-likelihood loss.
pub const NOISES: [(&str, &str, bool); 2] = [
    ("noisy:gaussian:50", "Gaussian", true),
    ("noisy:laplace:35.36", "Laplace", false),
];

impl Preset for LabelNoise {
    fn name(&self) -> &'static str {
        "label-noise"
    }

    fn about(&self) -> &'static str {
        "Noise2Noise with Gaussian vs Laplace label noise: each loss wins under its own noise"
    }

    fn runs(&self, base: &TrainConfig) -> Vec<RunSpec> {
        let mut out = Vec::new();
        for (labels, _, _) in NOISES {
            for loss in [LossSpec::Mse, LossSpec::L1] {
                let c = with(base, |c| {
                    c.labels = spelled(labels);
                    c.loss = loss;
                });
                out.push(RunSpec::new(c, Some(self.name()), None));
            }
        }
        out
    }

    fn claims(&self, runs: &PresetRuns<'_>) -> Vec<Claim> {
        let mut out = Vec::new();
        for (labels, name, mse_wins) in NOISES {
            let spec: LabelSpec = spelled(labels);
            let get = |loss: LossSpec| runs.find(|p| p.labels == spec && p.loss == loss);
            let (Some(mse), Some(l1)) = (get(LossSpec::Mse), get(LossSpec::L1)) else {
                out.extend(runs.missing(&format!("mse and l1 with {labels}")));
                continue;
            };
            let (pm, pl) = (mse.final_metrics.mean.psnr, l1.final_metrics.mean.psnr);
            let (prediction, pass) = if mse_wins {
                (
                    format!("{name} labels: MSE PSNR ≥ L1 PSNR (maximum likelihood)"),
                    pm >= pl,
                )
            } else {
                (
                    format!("{name} labels: L1 PSNR ≥ MSE PSNR (maximum likelihood)"),
                    pl >= pm,
                )
            };
            out.push(runs.claim(
                &prediction,
                format!("MSE {pm:.2} dB vs L1 {pl:.2} dB"),
                pass,
            ));
        }
        out
    }
}
