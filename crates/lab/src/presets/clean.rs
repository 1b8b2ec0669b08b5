//! `clean`: clean targets, Gaussian input noise × {mse, l1, huber:0.05}: does L1 beat MSE even on
//! PSNR (Zhao et al., IEEE TCI 2017)?

use denoise_trainer::config::TrainConfig;
use denoise_trainer::loss::LossSpec;

use super::Preset;
use super::outliers::{HUBER, losses};
use crate::plan::{RunSpec, Sweep, with};
use crate::verdict::{Claim, Prediction, PresetRuns, SeedValue, paired};

/// The preset.
pub struct Clean;

impl Preset for Clean {
    fn name(&self) -> &'static str {
        "clean"
    }

    fn about(&self) -> &'static str {
        "Clean targets, Gaussian input noise: does L1 beat MSE even on PSNR?"
    }

    fn runs(&self, base: &TrainConfig, sweep: Sweep) -> Vec<RunSpec> {
        losses(sweep)
            .into_iter()
            .map(|loss| RunSpec::new(with(base, |c| c.loss = loss), Some(self.name()), None))
            .collect()
    }

    fn claims(&self, runs: &PresetRuns<'_>) -> Vec<Claim> {
        let versus_mse = |loss: LossSpec| {
            move |seed| {
                let get = |l: LossSpec| runs.find(seed, |p| p.loss == l);
                Some(SeedValue::Images(paired(
                    get(loss)?,
                    get(LossSpec::Mse)?,
                    |s| s.psnr,
                )))
            }
        };
        let mut out = vec![runs.effect(
            "L1-trained beats MSE-trained even on PSNR with clean targets (Zhao et al., IEEE TCI 2017)",
            "PSNR(L1) − PSNR(MSE) (dB)",
            Some(Prediction::Above(0.0)),
            3,
            "",
            versus_mse(LossSpec::L1),
        )];
        if runs.iter().any(|r| r.params.loss == HUBER) {
            out.push(runs.effect(
                "Huber (δ = 0.05) against MSE with clean targets (no prediction)",
                "PSNR(Huber) − PSNR(MSE) (dB)",
                None,
                3,
                "",
                versus_mse(HUBER),
            ));
        }
        out
    }
}
