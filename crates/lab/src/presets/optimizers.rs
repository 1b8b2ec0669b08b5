//! `optimizers`: {sgd, adam, rmsprop} × {mse, l1}: L1 with plain SGD oscillates near the optimum
//! (its step does not shrink with the residual), more than with Adam.

use denoise_trainer::config::TrainConfig;
use denoise_trainer::loss::LossSpec;
use denoise_trainer::optim::OptimSpec;

use super::Preset;
use crate::plan::{RunSpec, with};
use crate::verdict::{Claim, PresetRuns};

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

    fn runs(&self, base: &TrainConfig) -> Vec<RunSpec> {
        let mut out = Vec::new();
        for optim in [SGD, OptimSpec::Adam, OptimSpec::RmsProp] {
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
        let l1_with = |optim: OptimSpec| runs.find(|p| p.loss == LossSpec::L1 && p.optim == optim);
        let (Some(sgd), Some(adam)) = (l1_with(SGD), l1_with(OptimSpec::Adam)) else {
            return runs.missing("l1 with sgd and adam");
        };
        let all: Vec<String> = runs
            .iter()
            .map(|r| format!("{}+{}: {:.3}", r.params.loss, r.params.optim, r.loss_spread))
            .collect();
        vec![
            runs.claim(
                "L1 + plain SGD oscillates near the optimum more than L1 + Adam (relative spread of \
                 the loss on a fixed probe batch over the last quarter of training)",
                format!("SGD {:.3} vs Adam {:.3}", sgd.loss_spread, adam.loss_spread),
                sgd.loss_spread > adam.loss_spread,
            ),
            runs.info("spread of every optimizer × loss", all.join("; ")),
        ]
    }
}
