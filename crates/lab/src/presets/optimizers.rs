//! `optimizers`: {sgd, adam, rmsprop} × {mse, l1}: L1 with plain SGD oscillates near the optimum
//! (its step does not shrink with the residual), more than with Adam.

use denoise_trainer::config::TrainConfig;
use denoise_trainer::loss::LossSpec;
use denoise_trainer::optim::OptimSpec;

use super::Preset;
use crate::plan::{RunSpec, Sweep, with};
use crate::stats::mean_sd;
use crate::verdict::{Claim, Prediction, PresetRuns, SeedValue};

/// The preset.
pub struct Optimizers;

/// Plain SGD.
const SGD: OptimSpec = OptimSpec::Sgd { momentum: 0.0 };

impl Preset for Optimizers {
    fn name(&self) -> &'static str {
        "optimizers"
    }

    fn about(&self) -> &'static str {
        "{sgd, adam, rmsprop} × {mse, l1}: L1 with plain SGD oscillates near the optimum"
    }

    fn runs(&self, base: &TrainConfig, sweep: Sweep) -> Vec<RunSpec> {
        let optims: &[OptimSpec] = match sweep {
            Sweep::Quick => &[SGD, OptimSpec::Adam],
            Sweep::Full => &[SGD, OptimSpec::Adam, OptimSpec::RmsProp],
        };
        let mut out = Vec::new();
        for &optim in optims {
            for loss in [LossSpec::Mse, LossSpec::L1] {
                let c = with(base, |c| {
                    c.optim.optimizer = optim;
                    c.loss = loss;
                });
                out.push(RunSpec::new(c, Some(self.name()), None));
            }
        }
        out
    }

    fn claims(&self, runs: &PresetRuns<'_>) -> Vec<Claim> {
        let spread = |seed, loss: LossSpec, optim: OptimSpec| {
            runs.find(seed, |p| p.loss == loss && p.optim == optim)
                .map(|r| r.loss_spread)
        };
        let mut cells: Vec<(LossSpec, OptimSpec)> = Vec::new();
        for r in runs.iter() {
            if !cells.contains(&(r.params.loss, r.params.optim)) {
                cells.push((r.params.loss, r.params.optim));
            }
        }
        let all: Vec<String> = cells
            .iter()
            .map(|&(loss, optim)| {
                let v: Vec<f64> = runs
                    .seeds()
                    .into_iter()
                    .filter_map(|s| spread(s, loss, optim))
                    .collect();
                format!("{loss}+{optim} {:.3}", mean_sd(&v).0)
            })
            .collect();
        vec![runs.effect(
            "L1 + plain SGD oscillates near the optimum more than L1 + Adam (relative spread of the \
             loss on a fixed probe batch over the last quarter of training)",
            "spread(L1 + SGD) − spread(L1 + Adam)",
            Some(Prediction::Above(0.0)),
            3,
            &format!("mean spread over seeds: {}", all.join(", ")),
            |seed| {
                Some(SeedValue::Value(
                    spread(seed, LossSpec::L1, SGD)? - spread(seed, LossSpec::L1, OptimSpec::Adam)?,
                ))
            },
        )]
    }
}
