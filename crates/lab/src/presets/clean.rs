//! `clean`: clean targets, Gaussian input noise × {mse, l1, huber:0.05}: does L1 beat MSE even on
//! PSNR (Zhao et al., IEEE TCI 2017)?

use denoise_trainer::config::TrainConfig;
use denoise_trainer::loss::LossSpec;

use super::Preset;
use super::outliers::{HUBER, LOSSES};
use crate::plan::{RunSpec, with};
use crate::verdict::{Claim, PresetRuns};

/// The preset.
pub struct Clean;

impl Preset for Clean {
    fn name(&self) -> &'static str {
        "clean"
    }

    fn about(&self) -> &'static str {
        "Clean targets, Gaussian input noise: does L1 beat MSE even on PSNR?"
    }

    fn runs(&self, base: &TrainConfig) -> Vec<RunSpec> {
        LOSSES
            .into_iter()
            .map(|loss| RunSpec::new(with(base, |c| c.loss = loss), Some(self.name()), None))
            .collect()
    }

    fn claims(&self, runs: &PresetRuns<'_>) -> Vec<Claim> {
        let get = |loss: LossSpec| runs.find(|p| p.loss == loss);
        let (Some(mse), Some(l1)) = (get(LossSpec::Mse), get(LossSpec::L1)) else {
            return runs.missing("mse and l1");
        };
        let (pm, pl) = (mse.final_metrics.mean.psnr, l1.final_metrics.mean.psnr);
        let huber = get(HUBER)
            .map(|h| format!(", Huber {:.2} dB", h.final_metrics.mean.psnr))
            .unwrap_or_default();
        vec![runs.claim(
            "L1-trained beats MSE-trained even on PSNR (Zhao et al., IEEE TCI 2017)",
            format!("L1 {pl:.2} dB vs MSE {pm:.2} dB{huber}"),
            pl > pm,
        )]
    }
}
