//! `multimodal`: two valid targets (`bimodal:2:p`: the clean image moved 2 pixels right with
//! probability p, left otherwise) swept over p × {mse, l1}. The mean keeps a ghost of the minority
//! answer of height 1 − p ([`crate::probes::ghosts`]); the median (p > ½) keeps none. At p = ½
//! every value between the answers is a median, so L1's ghost may lie anywhere in [0, ½].
//!
//! The ghost is measured against the run of the same loss and seed at p = 1 (one answer, no
//! ghost for either estimator): a network that blurs the majority edge raises the plateau between
//! the two edge positions too, and the p = 1 run carries that blur without any ghost, so the
//! difference isolates the minority answer.

use denoise_data::LabelSpec;
use denoise_trainer::config::TrainConfig;
use denoise_trainer::loss::LossSpec;

use super::{Preset, slope_through_origin, spelled};
use crate::figure::{Figure, Series};
use crate::plan::{RunSpec, Sweep, with};
use crate::result::RunResult;
use crate::stats::{Replicates, mean_sd};
use crate::verdict::{Claim, Prediction, PresetRuns, SeedValue, paired};

/// The preset.
pub struct Multimodal;

/// The displacement of the two answers, in pixels.
pub const SHIFT: usize = 2;
/// p of the quick grid (1: the baseline with one answer).
pub const P_QUICK: [f64; 2] = [0.8, 1.0];
/// p of the full grid.
pub const P_FULL: [f64; 6] = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
/// The input noise of every run.
pub const NOISE: &str = "gaussian:15";

/// The labels of probability `p`.
pub fn labels(p: f64) -> LabelSpec {
    spelled(&format!("bimodal:{SHIFT}:{p}"))
}

/// The p of a run's labels.
fn p_of(r: &RunResult) -> Option<f64> {
    match r.params.labels {
        LabelSpec::Bimodal { p, .. } => Some(p),
        _ => None,
    }
}

/// Every p among the runs, ascending.
fn ps(runs: &PresetRuns<'_>) -> Vec<f64> {
    let mut ps: Vec<f64> = runs.iter().filter_map(p_of).collect();
    ps.sort_by(f64::total_cmp);
    ps.dedup();
    ps
}

/// The run of `seed`, `loss` and `p`.
fn run<'a>(runs: &PresetRuns<'a>, seed: u64, loss: LossSpec, p: f64) -> Option<&'a RunResult> {
    runs.find(seed, |q| q.loss == loss && q.labels == labels(p))
}

/// Per image of `seed`, the ghost of the run at `p` minus that of the p = 1 run (same loss).
fn excess_ghost(runs: &PresetRuns<'_>, seed: u64, loss: LossSpec, p: f64) -> Option<Vec<f64>> {
    let (r, base) = (run(runs, seed, loss, p)?, run(runs, seed, loss, 1.0)?);
    if r.ghost.is_empty() || r.ghost.len() != base.ghost.len() {
        return None;
    }
    Some(
        r.ghost
            .iter()
            .zip(&base.ghost)
            .map(|(g, b)| g - b)
            .collect(),
    )
}

/// Per image of `seed`, the slope through the origin of the excess ghost on 1 − p over every
/// ½ < p < 1.
fn ghost_slope(runs: &PresetRuns<'_>, seed: u64, loss: LossSpec) -> Option<Vec<f64>> {
    let points: Vec<(f64, Vec<f64>)> = ps(runs)
        .into_iter()
        .filter(|&p| p > 0.5 && p < 1.0)
        .map(|p| Some((1.0 - p, excess_ghost(runs, seed, loss, p)?)))
        .collect::<Option<_>>()?;
    slope_through_origin(&points)
}

impl Preset for Multimodal {
    fn name(&self) -> &'static str {
        "multimodal"
    }

    fn about(&self) -> &'static str {
        "Two valid targets: MSE keeps a ghost of the minority answer (1 − p), L1 none"
    }

    fn runs(&self, base: &TrainConfig, sweep: Sweep) -> Vec<RunSpec> {
        let ps: &[f64] = match sweep {
            Sweep::Quick => &P_QUICK,
            Sweep::Full => &P_FULL,
        };
        let mut out = Vec::new();
        for &p in ps {
            for loss in [LossSpec::Mse, LossSpec::L1] {
                let c = with(base, |c| {
                    c.labels = labels(p);
                    c.noise = spelled(NOISE);
                    c.loss = loss;
                });
                out.push(RunSpec::new(c, Some(self.name()), None));
            }
        }
        out
    }

    fn claims(&self, runs: &PresetRuns<'_>) -> Vec<Claim> {
        let slope = |loss| move |seed| ghost_slope(runs, seed, loss).map(SeedValue::Images);
        let mut out = vec![
            runs.effect(
                "MSE averages the two answers: the minority edge survives as a ghost of height 1 − p \
                 (slope 1 on 1 − p over p > ½; the median's is 0; judged against the midpoint ½)",
                "slope of ghost(p) − ghost(1) on 1 − p, MSE",
                Some(Prediction::Above(0.5)),
                3,
                "",
                slope(LossSpec::Mse),
            ),
            runs.effect(
                "L1 takes the majority answer (the conditional median): no ghost for p > ½ (slope 0 \
                 on 1 − p; the mean's is 1; judged against the midpoint ½)",
                "slope of ghost(p) − ghost(1) on 1 − p, L1",
                Some(Prediction::Below(0.5)),
                3,
                "",
                slope(LossSpec::L1),
            ),
        ];
        if ps(runs).contains(&0.5) {
            for loss in [LossSpec::Mse, LossSpec::L1] {
                out.push(runs.effect(
                    "p = ½: the mean's ghost is ½; every value in [0, ½] is a median's (no verdict)",
                    &format!("ghost(½) − ghost(1), {loss}"),
                    None,
                    3,
                    "",
                    |seed| excess_ghost(runs, seed, loss, 0.5).map(SeedValue::Images),
                ));
            }
        }
        if let Some(&p) = ps(runs).iter().rfind(|&&p| p > 0.5 && p < 1.0) {
            let pair = |seed| {
                Some((
                    run(runs, seed, LossSpec::L1, p)?,
                    run(runs, seed, LossSpec::Mse, p)?,
                ))
            };
            let (mut l1_psnr, mut mse_psnr) = (Vec::new(), Vec::new());
            let (mut l1_noise, mut mse_noise) = (Vec::new(), Vec::new());
            for s in runs.seeds() {
                if let Some((l1, mse)) = pair(s) {
                    l1_psnr.push(l1.final_metrics.mean.psnr);
                    mse_psnr.push(mse.final_metrics.mean.psnr);
                    l1_noise.push(255.0 * l1.final_metrics.mean.residual_noise);
                    mse_noise.push(255.0 * mse.final_metrics.mean.residual_noise);
                }
            }
            let psnr = format!(
                "mean over seeds: PSNR L1 {:.2} dB, MSE {:.2} dB; residual noise σ̂ (Immerkær, of \
                 output − clean) L1 {:.2}, MSE {:.2} levels of 255",
                mean_sd(&l1_psnr).0,
                mean_sd(&mse_psnr).0,
                mean_sd(&l1_noise).0,
                mean_sd(&mse_noise).0
            );
            out.push(runs.effect(
                &format!(
                    "Gradient-energy sharpness (Tenengrad ratio to the clean image) at p = {p}: residual \
                     noise raises it, so it is shown beside each output's PSNR and residual noise \
                     (no verdict)"
                ),
                "Tenengrad ratio L1 − MSE",
                None,
                3,
                &psnr,
                |seed| {
                    let (l1, mse) = pair(seed)?;
                    Some(SeedValue::Images(paired(l1, mse, |s| s.sharpness.tenengrad)))
                },
            ));
        }
        out
    }

    fn figures(&self, runs: &PresetRuns<'_>) -> Vec<Figure> {
        let ps = ps(runs);
        let (Some(&lo), Some(&hi)) = (ps.first(), ps.last()) else {
            return Vec::new();
        };
        let measured = |loss: LossSpec| {
            let reps: Vec<(f64, Replicates)> = ps
                .iter()
                .map(|&p| {
                    let mut r = Replicates::new();
                    for seed in runs.seeds() {
                        if let Some(g) = excess_ghost(runs, seed, loss, p) {
                            r.push_images(seed, &g);
                        }
                    }
                    (p, r)
                })
                .collect();
            Series::measured(
                loss.to_string(),
                reps.iter().map(|(p, r)| (*p, r)).collect(),
            )
        };
        vec![Figure {
            title: format!(
                "ghost of the minority answer (shift ±{SHIFT} px), mean of seeds, 95 % interval"
            ),
            x_label: "p (probability of the majority answer)".into(),
            y_label: "ghost(p) − ghost(1), / edge contrast".into(),
            series: vec![
                measured(LossSpec::Mse),
                measured(LossSpec::L1),
                Series::theory("1 − p (mean)", vec![(lo, 1.0 - lo), (hi, 1.0 - hi)]),
                Series::theory("0 (median, p > ½)", vec![(lo.max(0.5), 0.0), (hi, 0.0)]),
            ],
        }]
    }
}
