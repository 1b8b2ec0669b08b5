//! `label-noise`: Noise2Noise with a finite set of noisy labels — K fixed noisy targets per
//! training image — under Gaussian vs Laplace label noise of equal variance × {mse, l1}.
//!
//! With a fresh noisy target every step both losses converge to the clean image (the noise's
//! mean and median are both 0), so maximum likelihood shows up in **efficiency**: from K draws
//! per pixel MSE can at best learn their mean, L1 their median, and the median's variance is
//! π/2 × the mean's under Gaussian noise but ½ × under Laplace noise ([`crate::k_draws`]). The
//! effect is the PSNR each loss loses to its own clean-label run of the same seed (the runs of
//! `clean` labels shared with `outliers` and `clean`): L1's loss minus MSE's, in dB — a
//! difference of differences, so that how fast each loss trains in a short run cancels.

use denoise_data::LabelSpec;
use denoise_trainer::config::TrainConfig;
use denoise_trainer::loss::LossSpec;

use super::{Preset, spelled};
use crate::figure::{Figure, Series};
use crate::k_draws::k_draw_oracle;
use crate::plan::{RunSpec, Sweep, with};
use crate::result::RunResult;
use crate::stats::{Replicates, mean_sd};
use crate::verdict::{Claim, Prediction, PresetRuns, SeedValue, paired};

/// The preset.
pub struct LabelNoise;

/// The label noises, of equal variance (σ² = 2b² with σ = 50, b = 35.36), with their name and
/// whether MSE is their maximum-likelihood loss.
pub const NOISES: [(&str, &str, bool); 2] = [
    ("noisy:gaussian:50", "Gaussian", true),
    ("noisy:laplace:35.36", "Laplace", false),
];

/// Fixed noisy targets per training image.
pub const DRAWS: usize = 5;

/// The mean squared error of an image whose PSNR (range 1) is `psnr`.
fn mse_of(psnr: f64) -> f64 {
    10f64.powf(-psnr / 10.0)
}

/// The run of `seed` and `loss` with `labels` (noisy, fixed draws) or with clean labels.
fn get<'a>(
    runs: &PresetRuns<'a>,
    seed: u64,
    loss: LossSpec,
    labels: Option<LabelSpec>,
) -> Option<&'a RunResult> {
    runs.find(seed, |p| {
        p.loss == loss && p.labels == labels.unwrap_or(LabelSpec::Clean)
    })
}

/// Per image of `seed`: PSNR lost by L1 to its clean-label run, minus that lost by MSE (the
/// runs of one seed share their validation images).
fn lost_difference(runs: &PresetRuns<'_>, seed: u64, spec: LabelSpec) -> Option<Vec<f64>> {
    let lost = |loss| {
        let (noisy, clean) = (
            get(runs, seed, loss, Some(spec))?,
            get(runs, seed, loss, None)?,
        );
        Some(paired(clean, noisy, |s| s.psnr))
    };
    let (l1, mse) = (lost(LossSpec::L1)?, lost(LossSpec::Mse)?);
    (l1.len() == mse.len()).then(|| l1.iter().zip(&mse).map(|(a, b)| a - b).collect())
}

impl Preset for LabelNoise {
    fn name(&self) -> &'static str {
        "label-noise"
    }

    fn about(&self) -> &'static str {
        "Noise2Noise with K fixed noisy targets, Gaussian vs Laplace: each loss is the more efficient under its own noise"
    }

    fn runs(&self, base: &TrainConfig, _sweep: Sweep) -> Vec<RunSpec> {
        let mut out = Vec::new();
        for loss in [LossSpec::Mse, LossSpec::L1] {
            // The clean-label baselines (the same runs as outliers' ε = 0 and clean's).
            let c = with(base, |c| c.loss = loss);
            out.push(RunSpec::new(c, Some(self.name()), None));
            for (labels, _, _) in NOISES {
                let c = with(base, |c| {
                    c.labels = spelled(labels);
                    c.label_draws = Some(DRAWS);
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
            let noise = match spec {
                LabelSpec::Noisy(n) => n,
                _ => unreachable!("the label-noise preset's labels are noisy"),
            };
            let oracle = k_draw_oracle(&noise, DRAWS, 20_000);
            let asymptote = if mse_wins {
                std::f64::consts::FRAC_PI_2
            } else {
                0.5
            };
            let get = |seed, loss: LossSpec, noisy: bool| {
                runs.find(seed, |p| {
                    p.loss == loss
                        && if noisy {
                            p.labels == spec
                        } else {
                            p.labels == LabelSpec::Clean
                        }
                })
            };
            // For the detail: the networks' excess-error ratio ΔMSE(L1) / ΔMSE(MSE), and the
            // effect the oracle's ratio predicts: L1's clean-label error plus the oracle's ratio
            // times MSE's excess, in dB lost, minus MSE's dB lost.
            let (mut ratios, mut predicted) = (Vec::new(), Vec::new());
            for s in runs.seeds() {
                let errors = |loss| {
                    let (n, c) = (get(s, loss, true)?, get(s, loss, false)?);
                    Some((
                        mse_of(c.final_metrics.mean.psnr),
                        mse_of(n.final_metrics.mean.psnr),
                    ))
                };
                let (Some((l1_clean, l1_noisy)), Some((mse_clean, mse_noisy))) =
                    (errors(LossSpec::L1), errors(LossSpec::Mse))
                else {
                    continue;
                };
                ratios.push((l1_noisy - l1_clean) / (mse_noisy - mse_clean));
                let db = |noisy: f64, clean: f64| 10.0 * (noisy / clean).log10();
                let l1_theory = l1_clean + oracle.ratio * (mse_noisy - mse_clean);
                predicted.push(db(l1_theory, l1_clean) - db(mse_noisy, mse_clean));
            }
            let detail = format!(
                "excess-error ratio of the networks ΔMSE(L1)/ΔMSE(MSE) {:.2} (mean over seeds); the \
                 pixel-wise oracle Var(median of {DRAWS})/Var(mean of {DRAWS}) = {:.3} ({:.3} as K → ∞), \
                 which at these runs' errors predicts an effect of {:+.3} dB",
                mean_sd(&ratios).0,
                oracle.ratio,
                asymptote,
                mean_sd(&predicted).0
            );
            let winner = if mse_wins { "MSE" } else { "L1" };
            out.push(runs.effect(
                &format!(
                    "{name} labels, {DRAWS} fixed draws per image: {winner} (their maximum-likelihood \
                     loss) uses them more efficiently — it loses less PSNR to its clean-label run"
                ),
                &format!("PSNR lost by L1 − PSNR lost by MSE, {labels} (dB)"),
                Some(if mse_wins {
                    Prediction::Above(0.0)
                } else {
                    Prediction::Below(0.0)
                }),
                3,
                &detail,
                |seed| lost_difference(runs, seed, spec).map(SeedValue::Images),
            ));
        }
        out
    }

    fn figures(&self, runs: &PresetRuns<'_>) -> Vec<Figure> {
        let mut reps = Vec::new();
        for (k, (labels, _, _)) in NOISES.iter().enumerate() {
            let spec: LabelSpec = spelled(labels);
            let mut r = Replicates::new();
            for seed in runs.seeds() {
                if let Some(v) = lost_difference(runs, seed, spec) {
                    r.push_images(seed, &v);
                }
            }
            reps.push((k as f64, r));
        }
        if reps.iter().all(|(_, r)| r.per_seed.is_empty()) {
            return Vec::new();
        }
        vec![Figure {
            title: format!("PSNR lost to noisy labels ({DRAWS} draws), L1's − MSE's"),
            x_label: "0: Gaussian σ 50 (theory > 0), 1: Laplace b 35.36 (theory < 0)".into(),
            y_label: "dB (> 0: MSE more efficient)".into(),
            series: vec![
                Series {
                    unjoined: true,
                    ..Series::measured("measured", reps.iter().map(|(x, r)| (*x, r)).collect())
                },
                Series::theory("0", vec![(0.0, 0.0), (1.0, 0.0)]),
            ],
        }]
    }
}
