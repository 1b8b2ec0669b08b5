//! `multimodal`: two valid targets (`bimodal:2:0.7`, and `bimodal:2:0.5`) × {mse, l1}. MSE
//! averages the two answers (ghost edges, blur); L1 takes the majority answer (the median).

use denoise_data::LabelSpec;
use denoise_trainer::config::TrainConfig;
use denoise_trainer::loss::LossSpec;

use super::{Preset, spelled};
use crate::plan::{RunSpec, with};
use crate::verdict::{Claim, PresetRuns};

/// The preset.
pub struct Multimodal;

/// Labels of the judged runs: a majority answer, so the median is unique (the majority image)
/// while the mean blends both.
pub const LABELS: &str = "bimodal:2:0.7";
/// Labels of the runs shown for p = ½, where every value between the answers is a median.
pub const HALF: &str = "bimodal:2:0.5";

impl Preset for Multimodal {
    fn name(&self) -> &'static str {
        "multimodal"
    }

    fn about(&self) -> &'static str {
        "Two valid targets: MSE averages them (blur), L1 does not"
    }

    fn runs(&self, base: &TrainConfig) -> Vec<RunSpec> {
        let mut out = Vec::new();
        for labels in [LABELS, HALF] {
            for loss in [LossSpec::Mse, LossSpec::L1] {
                let c = with(base, |c| {
                    c.labels = spelled(labels);
                    c.noise = spelled("gaussian:15");
                    c.loss = loss;
                });
                out.push(RunSpec::new(c, Some(self.name()), None));
            }
        }
        out
    }

    fn claims(&self, runs: &PresetRuns<'_>) -> Vec<Claim> {
        let get = |labels: &str, loss: LossSpec| {
            let labels: LabelSpec = spelled(labels);
            runs.find(|p| p.labels == labels && p.loss == loss)
        };
        let (Some(mse), Some(l1)) = (get(LABELS, LossSpec::Mse), get(LABELS, LossSpec::L1)) else {
            return runs.missing(&format!("mse and l1 with {LABELS}"));
        };
        let (fm, fl) = (&mse.final_metrics.mean, &l1.final_metrics.mean);
        let half = match (get(HALF, LossSpec::Mse), get(HALF, LossSpec::L1)) {
            (Some(m), Some(l)) => {
                let (m, l) = (&m.final_metrics.mean, &l.final_metrics.mean);
                vec![runs.info(
                    "p = ½: every value between the two answers is a median, so L1 need not be sharper",
                    format!(
                        "Tenengrad ratio MSE {:.3}, L1 {:.3}; PSNR vs oracle mean MSE {:.2} dB, L1 {:.2} dB",
                        m.sharpness.tenengrad,
                        l.sharpness.tenengrad,
                        m.psnr_vs_mean,
                        l.psnr_vs_mean
                    ),
                )]
            }
            _ => Vec::new(),
        };
        let mut out = vec![
            runs.claim(
                "MSE approaches the average of the two answers: higher PSNR against the oracle mean than L1",
                format!(
                    "MSE {:.2} dB vs L1 {:.2} dB",
                    fm.psnr_vs_mean, fl.psnr_vs_mean
                ),
                fm.psnr_vs_mean > fl.psnr_vs_mean,
            ),
            runs.claim(
                "L1 approaches the majority answer (the conditional median): smaller mean distance to \
                 the oracle median set than MSE",
                format!(
                    "L1 {:.4} vs MSE {:.4}",
                    fl.median_distance, fm.median_distance
                ),
                fl.median_distance < fm.median_distance,
            ),
            runs.claim(
                "L1 stays sharper: higher Tenengrad ratio to the clean image than MSE",
                format!(
                    "L1 {:.3} vs MSE {:.3} (anti-blur L1 {:.3} vs MSE {:.3})",
                    fl.sharpness.tenengrad,
                    fm.sharpness.tenengrad,
                    fl.sharpness.anti_blur,
                    fm.sharpness.anti_blur
                ),
                fl.sharpness.tenengrad > fm.sharpness.tenengrad,
            ),
            runs.info(
                "PSNR against the clean image (the distortion–sharpness trade-off; no prediction)",
                format!("MSE {:.2} dB, L1 {:.2} dB", fm.psnr, fl.psnr),
            ),
        ];
        out.extend(half);
        out
    }
}
