//! `optimizers`: plain SGD × {mse, l1} (and Adam; the full grid sweeps SGD's learning rate, adds
//! a cosine decay for L1 and RMSProp). Near the optimum the L1 gradient keeps its size (sign(r)),
//! so plain SGD with a constant step keeps jumping around it: a noise floor proportional to the
//! step. The MSE gradient shrinks with the residual, so its steps shrink by themselves; a decaying
//! step removes L1's floor. The measure is the relative spread of the loss on a fixed probe batch
//! over the last quarter of training, about its trend ([`crate::result::tail_spread`]).

use denoise_trainer::config::TrainConfig;
use denoise_trainer::loss::LossSpec;
use denoise_trainer::optim::{OptimSpec, Schedule};

use super::Preset;
use crate::figure::{Figure, Series};
use crate::plan::{RunParams, RunSpec, Sweep, with};
use crate::stats::{Replicates, mean_sd};
use crate::verdict::{Claim, Prediction, PresetRuns, SeedValue};

/// The preset.
pub struct Optimizers;

/// Plain SGD.
const SGD: OptimSpec = OptimSpec::Sgd { momentum: 0.0 };

/// The learning rates of the full grid's SGD sweep, as fractions of SGD's default.
pub const LR_FRACTIONS: [f64; 3] = [0.25, 0.5, 1.0];

/// Whether `p` is plain SGD with `loss` at the learning rate `lr` (`None`: the default) and a
/// constant step.
fn sgd_at(p: &RunParams, loss: LossSpec, lr: Option<f64>) -> bool {
    p.loss == loss && p.optim == SGD && p.lr == lr && p.schedule == Schedule::Constant
}

/// The SGD learning rate of a fraction of the default (`None` for the default itself).
fn lr_of(fraction: f64) -> Option<f64> {
    (fraction != 1.0).then(|| SGD.default_lr() * fraction)
}

impl Optimizers {
    /// Per seed, the slope of log spread on log lr over the SGD sweep of `loss`.
    fn lr_slope(runs: &PresetRuns<'_>, seed: u64, loss: LossSpec) -> Option<f64> {
        let pts: Vec<(f64, f64)> = LR_FRACTIONS
            .iter()
            .map(|&f| {
                let r = runs.find(seed, |p| sgd_at(p, loss, lr_of(f)))?;
                Some((f.ln(), r.loss_spread.max(1e-12).ln()))
            })
            .collect::<Option<_>>()?;
        let n = pts.len() as f64;
        let (xm, ym) = (
            pts.iter().map(|p| p.0).sum::<f64>() / n,
            pts.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let sxx: f64 = pts.iter().map(|p| (p.0 - xm).powi(2)).sum();
        Some(pts.iter().map(|p| (p.0 - xm) * (p.1 - ym)).sum::<f64>() / sxx)
    }
}

impl Preset for Optimizers {
    fn name(&self) -> &'static str {
        "optimizers"
    }

    fn about(&self) -> &'static str {
        "Plain SGD × {mse, l1} (lr sweep, cosine decay): L1 + SGD has a noise floor ∝ the step, MSE + SGD does not"
    }

    fn runs(&self, base: &TrainConfig, sweep: Sweep) -> Vec<RunSpec> {
        let mut configs = Vec::new();
        for loss in [LossSpec::Mse, LossSpec::L1] {
            configs.push(with(base, |c| c.loss = loss));
            configs.push(with(base, |c| {
                c.loss = loss;
                c.optim.optimizer = SGD;
            }));
            if sweep == Sweep::Full {
                for f in LR_FRACTIONS.into_iter().filter(|&f| f != 1.0) {
                    configs.push(with(base, |c| {
                        c.loss = loss;
                        c.optim.optimizer = SGD;
                        c.optim.lr = lr_of(f);
                    }));
                }
                configs.push(with(base, |c| {
                    c.loss = loss;
                    c.optim.optimizer = OptimSpec::RmsProp;
                }));
            }
        }
        if sweep == Sweep::Full {
            configs.push(with(base, |c| {
                c.loss = LossSpec::L1;
                c.optim.optimizer = SGD;
                c.optim.schedule = Schedule::Cosine;
            }));
        }
        configs
            .into_iter()
            .map(|c| RunSpec::new(c, Some(self.name()), None))
            .collect()
    }

    fn claims(&self, runs: &PresetRuns<'_>) -> Vec<Claim> {
        let spread = |seed, want: &dyn Fn(&RunParams) -> bool| {
            runs.find(seed, |p| want(p)).map(|r| r.loss_spread)
        };
        let mean_spread = |want: &dyn Fn(&RunParams) -> bool| {
            let v: Vec<f64> = runs
                .seeds()
                .into_iter()
                .filter_map(|s| spread(s, want))
                .collect();
            mean_sd(&v).0
        };
        let detail = format!(
            "mean spread over seeds: L1 + SGD {:.4}, MSE + SGD {:.4}, L1 + Adam {:.4} (Adam's step is \
             its own: lr {} against SGD's {})",
            mean_spread(&|p| sgd_at(p, LossSpec::L1, None)),
            mean_spread(&|p| sgd_at(p, LossSpec::Mse, None)),
            mean_spread(&|p| p.loss == LossSpec::L1 && p.optim == OptimSpec::Adam),
            OptimSpec::Adam.default_lr(),
            SGD.default_lr()
        );
        let mut out = vec![
            runs.effect(
                "At the same step, L1 + plain SGD keeps oscillating near the optimum more than MSE + \
                 SGD (L1's gradient keeps its size there, MSE's shrinks with the residual)",
                "spread(L1 + SGD) − spread(MSE + SGD)",
                Some(Prediction::Above(0.0)),
                4,
                &detail,
                |seed| {
                    Some(SeedValue::Value(
                        spread(seed, &|p| sgd_at(p, LossSpec::L1, None))?
                            - spread(seed, &|p| sgd_at(p, LossSpec::Mse, None))?,
                    ))
                },
            ),
            runs.effect(
                "L1 + plain SGD oscillates more than L1 + Adam (Adam's step shrinks where the \
                 gradient's sign flips; no prediction at unmatched steps)",
                "spread(L1 + SGD) − spread(L1 + Adam)",
                None,
                4,
                "",
                |seed| {
                    Some(SeedValue::Value(
                        spread(seed, &|p| sgd_at(p, LossSpec::L1, None))?
                            - spread(seed, &|p| {
                                p.loss == LossSpec::L1 && p.optim == OptimSpec::Adam
                            })?,
                    ))
                },
            ),
        ];
        let swept = runs
            .seeds()
            .iter()
            .any(|&s| Self::lr_slope(runs, s, LossSpec::L1).is_some());
        if swept {
            out.push(runs.effect(
                "L1 + SGD's noise floor is proportional to the step: slope 1 of log spread on log lr \
                 (judged against ½)",
                "slope of log spread on log lr, L1 + SGD",
                Some(Prediction::Above(0.5)),
                3,
                "",
                |seed| Self::lr_slope(runs, seed, LossSpec::L1).map(SeedValue::Value),
            ));
            out.push(runs.effect(
                "MSE + SGD has no such floor: its spread does not grow in proportion to the step \
                 (slope of log spread on log lr below ½)",
                "slope of log spread on log lr, MSE + SGD",
                Some(Prediction::Below(0.5)),
                3,
                "",
                |seed| Self::lr_slope(runs, seed, LossSpec::Mse).map(SeedValue::Value),
            ));
            out.push(runs.effect(
                "A decaying step (cosine to 0) removes L1 + SGD's floor",
                "spread(L1 + SGD, cosine) − spread(L1 + SGD, constant)",
                Some(Prediction::Below(0.0)),
                4,
                "",
                |seed| {
                    let cos = spread(seed, &|p| {
                        p.loss == LossSpec::L1 && p.optim == SGD && p.schedule == Schedule::Cosine
                    })?;
                    Some(SeedValue::Value(
                        cos - spread(seed, &|p| sgd_at(p, LossSpec::L1, None))?,
                    ))
                },
            ));
        }
        out
    }

    fn figures(&self, runs: &PresetRuns<'_>) -> Vec<Figure> {
        let seeds = runs.seeds();
        let series = |loss: LossSpec| {
            let reps: Vec<(f64, Replicates)> = LR_FRACTIONS
                .iter()
                .map(|&f| {
                    let mut r = Replicates::new();
                    for &s in &seeds {
                        if let Some(run) = runs.find(s, |p| sgd_at(p, loss, lr_of(f))) {
                            r.push_value(s, run.loss_spread);
                        }
                    }
                    (SGD.default_lr() * f, r)
                })
                .filter(|(_, r)| !r.per_seed.is_empty())
                .collect();
            (reps.len() > 1).then(|| {
                Series::measured(
                    format!("{loss} + SGD"),
                    reps.iter().map(|(x, r)| (*x, r)).collect(),
                )
            })
        };
        let (Some(l1), Some(mse)) = (series(LossSpec::L1), series(LossSpec::Mse)) else {
            return Vec::new();
        };
        // The theory's L1 line: proportional to lr through the measured point at the default step.
        let top = l1.points.last().copied().unwrap_or((SGD.default_lr(), 0.0));
        let theory = Series::theory(
            "∝ lr (L1 theory)",
            LR_FRACTIONS
                .iter()
                .map(|f| (SGD.default_lr() * f, top.1 * f))
                .collect(),
        );
        vec![Figure {
            title:
                "loss spread near the optimum against the SGD step (mean of seeds, 95 % interval)"
                    .into(),
            x_label: "learning rate".into(),
            y_label: "detrended spread of the probe loss".into(),
            series: vec![l1, mse, theory],
        }]
    }
}
