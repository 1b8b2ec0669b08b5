//! `outliers`: labels with a fraction ε of pixels shifted by M, swept over ε (and M on the full
//! grid) × {mse, l1} (and huber:0.05). MSE converges to the conditional mean, whose bias is ε·M;
//! L1 to the median, which is the clean value while ε < ½. The effect is the slope of the output
//! bias (against the ε = 0 run of the same seed, image by image) on ε·M: 1 for the mean, 0 for the
//! median. Beside it, the share of the loss gradient that the outlier pixels take: ≈ ε for L1
//! whatever M, growing towards 1 with M for MSE.

use denoise_data::LabelSpec;
use denoise_trainer::config::TrainConfig;
use denoise_trainer::loss::LossSpec;

use super::{Preset, slope_through_origin, spelled};
use crate::figure::{Figure, Series};
use crate::plan::{RunSpec, Sweep, with};
use crate::probes::{SHARE_MAGNITUDES, mse_share_theory};
use crate::result::RunResult;
use crate::stats::{Replicates, mean_sd};
use crate::verdict::{Claim, Prediction, PresetRuns, SeedValue, paired};

/// The preset.
pub struct Outliers;

/// The ε values of the quick grid (0: the clean-label baseline of the same seed).
pub const EPS_QUICK: [f64; 3] = [0.0, 0.1, 0.2];
/// The ε values of the full grid.
pub const EPS_FULL: [f64; 5] = [0.0, 0.05, 0.1, 0.2, 0.3];
/// The magnitudes M of the quick grid (image units).
pub const M_QUICK: [f64; 1] = [1.0];
/// The magnitudes M of the full grid.
pub const M_FULL: [f64; 2] = [0.5, 1.0];
/// The outlier fraction whose L1 runs' outputs the gradient share is shown on.
pub const SHARE_EPS: f64 = 0.1;
/// The Huber loss between the two.
pub const HUBER: LossSpec = LossSpec::Huber { delta: 0.05 };
/// The Huber thresholds δ of the full grid's δ sweep (at ε = [`DELTA_EPS`], M = 1).
pub const DELTAS: [f64; 5] = [0.01, 0.05, 0.2, 0.5, 1.0];
/// The outlier fraction of the δ sweep.
pub const DELTA_EPS: f64 = 0.2;

/// The bias of Huber's minimiser for outliers at fraction ε and offset M (clean inliers): the
/// location μ where `(1 − ε)·ψ(−μ) + ε·ψ(M − μ) = 0` with ψ = clamp(·, −δ, δ), which is
/// `εδ/(1 − ε)` while the outliers are in the linear part and `εM` (the mean) once δ ≥ (1 − ε)M.
pub fn huber_bias(eps: f64, m: f64, delta: f64) -> f64 {
    eps * (delta / (1.0 - eps)).min(m)
}

/// Per image of `seed`, the measured bias(ε) − bias(0) of Huber δ at ε = [`DELTA_EPS`], M = 1.
fn huber_excess(runs: &PresetRuns<'_>, seed: u64, delta: f64) -> Option<Vec<f64>> {
    let loss = LossSpec::Huber { delta };
    let base = runs.find(seed, |p| p.loss == loss && p.eps == Some(0.0))?;
    let run = runs.find(seed, |p| p.loss == loss && p.eps == Some(DELTA_EPS))?;
    Some(paired(run, base, |s| s.bias))
}

/// The losses of a sweep.
pub fn losses(sweep: Sweep) -> Vec<LossSpec> {
    match sweep {
        Sweep::Quick => vec![LossSpec::Mse, LossSpec::L1],
        Sweep::Full => vec![LossSpec::Mse, LossSpec::L1, HUBER],
    }
}

/// The outlier magnitude of a run's labels (`None` for clean labels).
fn magnitude(r: &RunResult) -> Option<f64> {
    match r.params.labels {
        LabelSpec::Outliers { magnitude, .. } => Some(magnitude),
        _ => None,
    }
}

/// Per image of seed `seed`, the slope of `bias(ε, M) − bias(0)` on ε·M for `loss`.
fn bias_slope(runs: &PresetRuns<'_>, seed: u64, loss: LossSpec) -> Option<Vec<f64>> {
    let base = runs.find(seed, |p| p.loss == loss && p.eps == Some(0.0))?;
    let points: Vec<(f64, Vec<f64>)> = runs
        .iter()
        .filter(|r| r.params.seed == seed && r.params.loss == loss)
        .filter_map(|r| Some((r.params.eps? * magnitude(r)?, r)))
        .filter(|(x, _)| *x > 0.0)
        .map(|(x, r)| (x, paired(r, base, |s| s.bias)))
        .collect();
    slope_through_origin(&points)
}

/// The mean over runs and images of the outputs' error on clean pixels (the `e` of the MSE
/// share's theory).
fn mean_residual(share: &[&RunResult]) -> f64 {
    let per_run: Vec<f64> = share
        .iter()
        .filter_map(|r| r.outlier_share.as_ref())
        .map(|s| mean_sd(&s.residual).0)
        .collect();
    mean_sd(&per_run).0
}

/// The L1 runs at ε = [`SHARE_EPS`] and M = 1, by seed.
fn share_runs<'a>(runs: &PresetRuns<'a>) -> Vec<&'a RunResult> {
    runs.iter()
        .filter(|r| {
            r.params.loss == LossSpec::L1
                && r.params.eps == Some(SHARE_EPS)
                && magnitude(r) == Some(1.0)
                && r.outlier_share.is_some()
        })
        .collect()
}

/// The MSE and L1 gradient shares at magnitude index `k`, over seeds.
fn shares(runs: &[&RunResult], k: usize) -> (Replicates, Replicates) {
    let (mut mse, mut l1) = (Replicates::new(), Replicates::new());
    for r in runs {
        if let Some(s) = &r.outlier_share {
            mse.push_images(r.params.seed, &s.at[k].mse);
            l1.push_images(r.params.seed, &s.at[k].l1);
        }
    }
    (mse, l1)
}

impl Preset for Outliers {
    fn name(&self) -> &'static str {
        "outliers"
    }

    fn about(&self) -> &'static str {
        "Outlier labels swept over ε (and M): MSE's bias is ε·M (the mean), L1's is 0 (the median)"
    }

    fn runs(&self, base: &TrainConfig, sweep: Sweep) -> Vec<RunSpec> {
        let (eps, ms): (&[f64], &[f64]) = match sweep {
            Sweep::Quick => (&EPS_QUICK, &M_QUICK),
            Sweep::Full => (&EPS_FULL, &M_FULL),
        };
        let mut out = Vec::new();
        for loss in losses(sweep) {
            for &e in eps {
                // ε = 0 is one run whatever M.
                let ms = if e == 0.0 { &ms[..1] } else { ms };
                for &m in ms {
                    let labels: LabelSpec = if e == 0.0 {
                        LabelSpec::Clean
                    } else {
                        spelled(&format!("outliers:{e}:{m}"))
                    };
                    let c = with(base, |c| {
                        c.labels = labels;
                        c.loss = loss;
                    });
                    out.push(RunSpec::new(c, Some(self.name()), Some(e)));
                }
            }
        }
        if sweep == Sweep::Full {
            for delta in DELTAS {
                for e in [0.0, DELTA_EPS] {
                    let labels: LabelSpec = if e == 0.0 {
                        LabelSpec::Clean
                    } else {
                        spelled(&format!("outliers:{e}:1"))
                    };
                    let c = with(base, |c| {
                        c.labels = labels;
                        c.loss = LossSpec::Huber { delta };
                    });
                    out.push(RunSpec::new(c, Some(self.name()), Some(e)));
                }
            }
        }
        out
    }

    fn claims(&self, runs: &PresetRuns<'_>) -> Vec<Claim> {
        let slope =
            |loss: LossSpec| move |seed| bias_slope(runs, seed, loss).map(SeedValue::Images);
        let mut out = vec![
            runs.effect(
                "MSE converges to the conditional mean: its output bias grows as ε·M (slope 1 on ε·M; \
                 the median's slope is 0; judged against the midpoint ½)",
                "slope of bias(ε, M) − bias(0) on ε·M, MSE",
                Some(Prediction::Above(0.5)),
                3,
                "",
                slope(LossSpec::Mse),
            ),
            runs.effect(
                "L1 converges to the conditional median: its output bias stays 0 while ε < ½ (slope 0 \
                 on ε·M; the mean's slope is 1; judged against the midpoint ½)",
                "slope of bias(ε, M) − bias(0) on ε·M, L1",
                Some(Prediction::Below(0.5)),
                3,
                "",
                slope(LossSpec::L1),
            ),
        ];
        if runs.iter().any(|r| r.params.loss == HUBER) {
            out.push(runs.effect(
                "Huber (δ = 0.05) sits between: L1-like for outliers far beyond δ (no prediction)",
                "slope of bias(ε, M) − bias(0) on ε·M, Huber δ = 0.05",
                None,
                3,
                "",
                slope(HUBER),
            ));
        }
        let deltas: Vec<f64> = DELTAS
            .into_iter()
            .filter(|&d| {
                runs.seeds()
                    .iter()
                    .any(|&s| huber_excess(runs, s, d).is_some())
            })
            .collect();
        if deltas.len() > 1 {
            out.push(runs.effect(
                &format!(
                    "Huber's δ sweep (ε = {DELTA_EPS}, M = 1): its minimiser's bias is \
                     ε·min(δ/(1−ε), M) — L1-like for small δ, the mean's εM once δ ≥ (1−ε)M (a \
                     finding, no verdict)"
                ),
                "slope of the measured bias on the theory's, over δ",
                None,
                3,
                "",
                |seed| {
                    let pts: Vec<(f64, Vec<f64>)> = deltas
                        .iter()
                        .map(|&d| {
                            Some((huber_bias(DELTA_EPS, 1.0, d), huber_excess(runs, seed, d)?))
                        })
                        .collect::<Option<_>>()?;
                    slope_through_origin(&pts).map(SeedValue::Images)
                },
            ));
        }
        let share = share_runs(runs);
        if !share.is_empty() {
            let first = SHARE_MAGNITUDES[0];
            let last = SHARE_MAGNITUDES[SHARE_MAGNITUDES.len() - 1];
            let (mse_hi, l1_hi) = shares(&share, SHARE_MAGNITUDES.len() - 1);
            let (mse_lo, _) = shares(&share, 0);
            let e = mean_residual(&share);
            let detail = format!(
                "at M = {last}: MSE share {:.3} (theory εM/(εM + (1−ε)·e) = {:.3} with the outputs' \
                 error e = {e:.4}), L1 share {:.3} (theory ε = {SHARE_EPS}); at M = {first}: MSE \
                 share {:.3}",
                mean_sd(&mse_hi.values()).0,
                mse_share_theory(SHARE_EPS, last, e),
                mean_sd(&l1_hi.values()).0,
                mean_sd(&mse_lo.values()).0,
            );
            out.push(runs.effect(
                "The outliers' share of the loss gradient (on the L1 runs' outputs at ε = 0.1): bounded \
                 at ≈ ε under L1 whatever M, growing towards 1 with M under MSE — a property of the \
                 losses, shown measured (no verdict)",
                &format!("MSE share at M = {last} − at M = {first}"),
                None,
                3,
                &detail,
                |seed| {
                    let r = share.iter().find(|r| r.params.seed == seed)?;
                    let s = r.outlier_share.as_ref()?;
                    let hi = &s.at[SHARE_MAGNITUDES.len() - 1].mse;
                    Some(SeedValue::Images(
                        hi.iter().zip(&s.at[0].mse).map(|(h, l)| h - l).collect(),
                    ))
                },
            ));
        }
        out
    }

    fn figures(&self, runs: &PresetRuns<'_>) -> Vec<Figure> {
        let seeds = runs.seeds();
        let ms: Vec<f64> = {
            let mut m: Vec<f64> = runs.iter().filter_map(magnitude).collect();
            m.sort_by(f64::total_cmp);
            m.dedup();
            m
        };
        let mut eps: Vec<f64> = runs.iter().filter_map(|r| r.params.eps).collect();
        eps.sort_by(f64::total_cmp);
        eps.dedup();
        let top = eps.last().copied().unwrap_or(0.0);
        let mut bias = Vec::new();
        let losses: Vec<LossSpec> = [LossSpec::Mse, LossSpec::L1, HUBER]
            .into_iter()
            .filter(|l| runs.iter().any(|r| r.params.loss == *l))
            .collect();
        for &m in &ms {
            for &loss in &losses {
                let reps: Vec<(f64, Replicates)> = eps
                    .iter()
                    .map(|&e| {
                        let mut r = Replicates::new();
                        for &seed in &seeds {
                            let find = |eps: f64, want_m: Option<f64>| {
                                runs.find(seed, |p| p.loss == loss && p.eps == Some(eps))
                                    .filter(|run| want_m.is_none() || magnitude(run) == want_m)
                            };
                            let (Some(base), Some(run)) =
                                (find(0.0, None), find(e, (e > 0.0).then_some(m)))
                            else {
                                continue;
                            };
                            r.push_value(
                                seed,
                                run.final_metrics.mean.bias - base.final_metrics.mean.bias,
                            );
                        }
                        (e, r)
                    })
                    .collect();
                bias.push(Series::measured(
                    format!("{loss}, M = {m}"),
                    reps.iter().map(|(e, r)| (*e, r)).collect(),
                ));
            }
            bias.push(Series::theory(
                format!("ε·M, M = {m} (mean)"),
                vec![(0.0, 0.0), (top, top * m)],
            ));
        }
        bias.push(Series::theory("0 (median)", vec![(0.0, 0.0), (top, 0.0)]));
        let mut figures = vec![Figure {
            title: "output bias against ε, minus the ε = 0 run (mean of seeds, 95 % interval)"
                .into(),
            x_label: "ε (outlier fraction)".into(),
            y_label: "bias(ε) − bias(0)".into(),
            series: bias,
        }];
        let deltas: Vec<(f64, Replicates)> = DELTAS
            .into_iter()
            .map(|d| {
                let mut r = Replicates::new();
                for &seed in &seeds {
                    if let Some(v) = huber_excess(runs, seed, d) {
                        r.push_images(seed, &v);
                    }
                }
                (d, r)
            })
            .filter(|(_, r)| !r.per_seed.is_empty())
            .collect();
        if deltas.len() > 1 {
            // The theory on 41 log-spaced δ from the smallest to the largest of the sweep.
            let (lo, hi) = (DELTAS[0].log10(), DELTAS[DELTAS.len() - 1].log10());
            let theory: Vec<(f64, f64)> = (0..=40)
                .map(|k| lo + (hi - lo) * f64::from(k) / 40.0)
                .map(|x| (x, huber_bias(DELTA_EPS, 1.0, 10f64.powf(x))))
                .collect();
            figures.push(Figure {
                title: format!("Huber's bias against δ, ε = {DELTA_EPS}, M = 1"),
                x_label: "log10 δ".into(),
                y_label: "bias(ε) − bias(0)".into(),
                series: vec![
                    Series::measured(
                        "Huber",
                        deltas.iter().map(|(d, r)| (d.log10(), r)).collect(),
                    ),
                    Series::theory("ε·min(δ/(1−ε), M)", theory),
                    Series::theory(
                        "εM (mean)",
                        vec![(DELTAS[0].log10(), DELTA_EPS), (0.0, DELTA_EPS)],
                    ),
                ],
            });
        }
        let share = share_runs(runs);
        if !share.is_empty() {
            let log_m: Vec<f64> = SHARE_MAGNITUDES.iter().map(|m| m.log2()).collect();
            let rows: Vec<(Replicates, Replicates)> = (0..SHARE_MAGNITUDES.len())
                .map(|k| shares(&share, k))
                .collect();
            let e = mean_residual(&share);
            figures.push(Figure {
                title: format!("outliers' share of the loss gradient, ε = {SHARE_EPS}"),
                x_label: "log2 M (outlier magnitude)".into(),
                y_label: "share of Σ|∂loss/∂output|".into(),
                series: vec![
                    Series::measured(
                        "MSE",
                        log_m.iter().zip(&rows).map(|(x, r)| (*x, &r.0)).collect(),
                    ),
                    Series::measured(
                        "L1",
                        log_m.iter().zip(&rows).map(|(x, r)| (*x, &r.1)).collect(),
                    ),
                    Series::theory(
                        "MSE theory εM/(εM+(1−ε)e)",
                        SHARE_MAGNITUDES
                            .iter()
                            .map(|&m| (m.log2(), mse_share_theory(SHARE_EPS, m, e)))
                            .collect(),
                    ),
                    Series::theory(
                        "L1 theory ε",
                        vec![(log_m[0], SHARE_EPS), (log_m[log_m.len() - 1], SHARE_EPS)],
                    ),
                ],
            });
        }
        figures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huber_bias_solves_the_m_estimator_equation() {
        // ψ-balance by bisection: (1 − ε)·clamp(−μ, −δ, δ) + ε·clamp(M − μ, −δ, δ) = 0.
        let solve = |eps: f64, m: f64, d: f64| {
            let f = |mu: f64| (1.0 - eps) * (-mu).clamp(-d, d) + eps * (m - mu).clamp(-d, d);
            let (mut lo, mut hi) = (0.0, m);
            for _ in 0..200 {
                let mid = (lo + hi) / 2.0;
                if f(mid) > 0.0 { lo = mid } else { hi = mid }
            }
            lo
        };
        for d in [0.01, 0.05, 0.2, 0.5, 0.79, 0.81, 1.0, 3.0] {
            let (b, want) = (huber_bias(0.2, 1.0, d), solve(0.2, 1.0, d));
            assert!((b - want).abs() < 1e-9, "δ {d}: {b} vs {want}");
        }
    }
}
