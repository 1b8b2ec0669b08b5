//! `optimizers`: plain SGD × {mse, l1} (and Adam; the full grid sweeps SGD's learning rate, adds
//! a cosine decay for L1 and RMSProp). Near the optimum the L1 gradient keeps its size (sign(r)),
//! so plain SGD with a constant step keeps jumping around it: a noise floor proportional to the
//! step. The MSE gradient shrinks with the residual (2r), so at the same step its jumps are
//! smaller by about 2 RMS r — though with minibatch noise they too grow with the step; a decaying
//! step removes L1's floor. Every SGD run starts from Adam's weights after half of its steps
//! ([`WARM`]): plain SGD from scratch is still far from any optimum when the run ends (22–24 dB
//! against Adam's 28 dB at 800 steps), so its spread measured the descent, not a floor.
//!
//! Two measures, both on a fixed probe batch over the last quarter of training: how far one step
//! moves the output (RMS over its pixels, [`crate::result::RunResult::output_step`]; on one scale
//! for both losses), which the quick claim compares at the same step against the theory's ratio
//! `1/(2 RMS r)`; and the relative spread of the probe loss about its trend
//! ([`crate::result::tail_spread`]), whose growth with the step the full grid's lr sweep tests.

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

/// The fraction of every SGD run's steps trained with Adam first: plain SGD then starts near an
/// optimum, where the theory's floor lives, and the probe (the last quarter) sees SGD alone.
pub const WARM: f64 = 0.5;

/// Whether `p` is plain SGD (after the warm start) with `loss` at the learning rate `lr`
/// (`None`: the default) and a constant step.
fn sgd_at(p: &RunParams, loss: LossSpec, lr: Option<f64>) -> bool {
    p.loss == loss
        && p.optim == SGD
        && p.lr == lr
        && p.schedule == Schedule::Constant
        && p.adam_first == Some(WARM)
}

/// The SGD learning rate of a fraction of the default (`None` for the default itself).
fn lr_of(fraction: f64) -> Option<f64> {
    (fraction != 1.0).then(|| SGD.default_lr() * fraction)
}

/// ln(output step of L1 + SGD / output step of MSE + SGD) at SGD's default step, for `seed`.
fn step_log_ratio(runs: &PresetRuns<'_>, seed: u64) -> Option<f64> {
    let step = |loss| runs.find(seed, |p| sgd_at(p, loss, None))?.output_step;
    let (l1, mse) = (step(LossSpec::L1)?, step(LossSpec::Mse)?);
    (l1 > 0.0 && mse > 0.0).then(|| (l1 / mse).ln())
}

/// The theory's ln ratio of the two output steps for `seed`. One SGD step moves the output by
/// `−lr · K · ∂loss/∂output` (K the network's kernel, about the same for both runs), and
/// `‖∂|r|/∂r‖ / ‖∂r²/∂r‖ = ‖sign r‖ / ‖2r‖ = 1 / (2 RMS r)`; RMS r is the root of the MSE run's
/// probe loss (clean targets).
fn predicted_log_ratio(runs: &PresetRuns<'_>, seed: u64) -> Option<f64> {
    let mse = runs
        .find(seed, |p| sgd_at(p, LossSpec::Mse, None))?
        .probe_loss?;
    (mse > 0.0).then(|| -(2.0 * mse.sqrt()).ln())
}

impl Optimizers {
    /// The output step of `loss` + SGD at the default step, per seed that has it.
    fn steps(&self, runs: &PresetRuns<'_>, loss: LossSpec) -> Vec<f64> {
        runs.seeds()
            .into_iter()
            .filter_map(|s| runs.find(s, |p| sgd_at(p, loss, None))?.output_step)
            .collect()
    }

    /// Per seed, the slope of ln output step on ln lr over the SGD sweep of `loss`.
    fn lr_slope(runs: &PresetRuns<'_>, seed: u64, loss: LossSpec) -> Option<f64> {
        let pts: Vec<(f64, f64)> = LR_FRACTIONS
            .iter()
            .map(|&f| {
                let r = runs.find(seed, |p| sgd_at(p, loss, lr_of(f)))?;
                Some((f.ln(), r.output_step?.max(1e-12).ln()))
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
                c.optim.adam_first = Some(WARM);
            }));
            if sweep == Sweep::Full {
                for f in LR_FRACTIONS.into_iter().filter(|&f| f != 1.0) {
                    configs.push(with(base, |c| {
                        c.loss = loss;
                        c.optim.optimizer = SGD;
                        c.optim.adam_first = Some(WARM);
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
                c.optim.adam_first = Some(WARM);
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
        let mean_of = |v: Vec<f64>| mean_sd(&v).0;
        let detail = format!(
            "mean over seeds: output step L1 + SGD {:.2e}, MSE + SGD {:.2e}; the theory's ratio \
             1/(2 RMS r) = {:.2} (ln {:.2}); probe-loss spread L1 + SGD {:.4}, MSE + SGD {:.4}",
            mean_of(self.steps(runs, LossSpec::L1)),
            mean_of(self.steps(runs, LossSpec::Mse)),
            mean_of(
                runs.seeds()
                    .into_iter()
                    .filter_map(|s| predicted_log_ratio(runs, s).map(f64::exp))
                    .collect()
            ),
            mean_of(
                runs.seeds()
                    .into_iter()
                    .filter_map(|s| predicted_log_ratio(runs, s))
                    .collect()
            ),
            mean_spread(&|p| sgd_at(p, LossSpec::L1, None)),
            mean_spread(&|p| sgd_at(p, LossSpec::Mse, None)),
        );
        let mut out = vec![runs.effect(
            "At the same step, L1 + plain SGD keeps moving its output more per step than MSE + SGD: \
             L1's gradient keeps its size near the optimum (sign(r)), MSE's shrinks with the \
             residual (2r), so the ratio is ≈ 1/(2 RMS r)",
            "ln(output step of L1 + SGD / output step of MSE + SGD)",
            Some(Prediction::Above(0.0)),
            3,
            &detail,
            |seed| step_log_ratio(runs, seed).map(SeedValue::Value),
        )];
        let swept = runs
            .seeds()
            .iter()
            .any(|&s| Self::lr_slope(runs, s, LossSpec::L1).is_some());
        if swept {
            out.push(runs.effect(
                "L1 + SGD's floor grows with the step: near the optimum the L1 gradient is a mean of \
                 signs, whose size does not shrink with the residual, so a constant step keeps \
                 jumping — slope 1 of ln output step on ln lr where the minibatch's sampling noise \
                 sets the gradient, 2 where the oscillation's own offset (∝ lr) does, 0 for a method \
                 that settles (judged against ½)",
                "slope of ln output step on ln lr, L1 + SGD",
                Some(Prediction::Above(0.5)),
                3,
                "",
                |seed| Self::lr_slope(runs, seed, LossSpec::L1).map(SeedValue::Value),
            ));
            out.push(runs.effect(
                "MSE + SGD: with minibatch noise its floor grows with the step too (lr · K · 2r / N, \
                 r the residual left at the optimum); what sets L1 apart is the size of its steps at a \
                 given lr, the first claim (shown, no verdict)",
                "slope of ln output step on ln lr, MSE + SGD",
                None,
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
                        p.loss == LossSpec::L1
                            && p.optim == SGD
                            && p.schedule == Schedule::Cosine
                            && p.adam_first == Some(WARM)
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
        let mut out = Vec::new();
        let (mut measured, mut theory) = (Replicates::new(), Replicates::new());
        for seed in runs.seeds() {
            if let (Some(m), Some(t)) =
                (step_log_ratio(runs, seed), predicted_log_ratio(runs, seed))
            {
                measured.push_value(seed, m);
                theory.push_value(seed, t);
            }
        }
        if !measured.per_seed.is_empty() {
            out.push(Figure {
                title:
                    "output step per SGD step, L1 over MSE (ln ratio; mean of seeds, 95 % interval)"
                        .into(),
                x_label: "0: measured, 1: theory 1/(2 RMS r) from the MSE run's residual".into(),
                y_label: "ln(step L1 / step MSE) (> 0: L1 moves more)".into(),
                series: vec![
                    Series {
                        unjoined: true,
                        ..Series::measured("measured", vec![(0.0, &measured)])
                    },
                    Series {
                        unjoined: true,
                        ..Series::measured("theory", vec![(1.0, &theory)])
                    },
                    Series::theory("0", vec![(0.0, 0.0), (1.0, 0.0)]),
                ],
            });
        }
        out.extend(self.lr_figure(runs));
        out
    }
}

impl Optimizers {
    /// The full grid's figure: the output step against SGD's step, with L1's ∝ lr line.
    fn lr_figure(&self, runs: &PresetRuns<'_>) -> Option<Figure> {
        let seeds = runs.seeds();
        let series = |loss: LossSpec| {
            let reps: Vec<(f64, Replicates)> = LR_FRACTIONS
                .iter()
                .map(|&f| {
                    let mut r = Replicates::new();
                    for &s in &seeds {
                        if let Some(step) = runs
                            .find(s, |p| sgd_at(p, loss, lr_of(f)))
                            .and_then(|r| r.output_step)
                        {
                            r.push_value(s, step);
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
        let (l1, mse) = (series(LossSpec::L1)?, series(LossSpec::Mse)?);
        // The theory's L1 line: proportional to lr through the measured point at the default step.
        let top = l1.points.last().copied().unwrap_or((SGD.default_lr(), 0.0));
        let theory = Series::theory(
            "∝ lr (L1 theory)",
            LR_FRACTIONS
                .iter()
                .map(|f| (SGD.default_lr() * f, top.1 * f))
                .collect(),
        );
        Some(Figure {
            title:
                "output step near the optimum against the SGD step (mean of seeds, 95 % interval)"
                    .into(),
            x_label: "learning rate of plain SGD (after Adam's warm start)".into(),
            y_label: "output step per SGD step (RMS)".into(),
            series: vec![l1, mse, theory],
        })
    }
}
