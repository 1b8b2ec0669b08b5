//! Verdicts: each claim of the theory, its prediction, the measurement and PASS/FAIL — computed
//! from the measured numbers, never written in. The claims themselves are the presets'
//! ([`crate::presets`]); this is what they share.

use serde::{Deserialize, Serialize};

use crate::plan::RunParams;
use crate::presets::PRESETS;
use crate::result::RunResult;

/// The outcome of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Outcome {
    /// The measurement agrees with the prediction.
    Pass,
    /// It does not.
    Fail,
    /// A measurement reported without a prediction, or runs are missing.
    Info,
}

impl Outcome {
    /// `PASS`, `FAIL` or `INFO`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::Info => "INFO",
        }
    }
}

/// One claim with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Claim {
    /// The preset's name.
    pub experiment: String,
    /// What the theory predicts.
    pub prediction: String,
    /// What was measured.
    pub measurement: String,
    /// PASS, FAIL or INFO.
    pub outcome: Outcome,
}

/// The runs of one preset among a grid's results, and the claims made from them.
#[derive(Debug, Clone, Copy)]
pub struct PresetRuns<'a> {
    /// The preset's name.
    pub name: &'static str,
    /// Every result of the grid (those of other presets included).
    pub results: &'a [RunResult],
}

impl<'a> PresetRuns<'a> {
    /// The preset's runs, in the grid's order.
    pub fn iter(&self) -> impl Iterator<Item = &'a RunResult> + '_ {
        self.results.iter().filter(|r| r.in_experiment(self.name))
    }

    /// The preset's run whose parameters satisfy `want`.
    pub fn find(&self, want: impl Fn(&RunParams) -> bool) -> Option<&'a RunResult> {
        self.iter().find(|r| want(&r.params))
    }

    /// A claim judged PASS when `pass`, else FAIL.
    pub fn claim(&self, prediction: &str, measurement: String, pass: bool) -> Claim {
        Claim {
            experiment: self.name.to_owned(),
            prediction: prediction.to_owned(),
            measurement,
            outcome: if pass { Outcome::Pass } else { Outcome::Fail },
        }
    }

    /// A measurement reported without a verdict.
    pub fn info(&self, prediction: &str, measurement: String) -> Claim {
        Claim {
            experiment: self.name.to_owned(),
            prediction: prediction.to_owned(),
            measurement,
            outcome: Outcome::Info,
        }
    }

    /// The claim that stands for claims whose runs are missing (`what`).
    pub fn missing(&self, what: &str) -> Vec<Claim> {
        vec![self.info(
            "(not evaluated)",
            format!("runs missing: {what}; merge every shard before judging"),
        )]
    }
}

/// Every claim whose runs are among `results`, in preset order.
pub fn verdicts(results: &[RunResult]) -> Vec<Claim> {
    let mut out = Vec::new();
    for preset in PRESETS {
        let runs = PresetRuns {
            name: preset.name(),
            results,
        };
        if runs.iter().next().is_some() {
            out.extend(preset.claims(&runs));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use denoise_metrics::Sharpness;
    use denoise_trainer::evaluate::{EvalSummary, Scores};

    use super::*;
    use crate::presets::multimodal::LABELS as MULTIMODAL_LABELS;
    use crate::presets::outliers::EPS as OUTLIER_EPS;
    use crate::presets::outliers::MAGNITUDE as OUTLIER_MAGNITUDE;

    fn summary(psnr: f64, bias: f64, psnr_vs_mean: f64, tenengrad: f64) -> Scores {
        Scores {
            psnr,
            input_psnr: 20.0,
            ssim: 0.8,
            bias,
            mae: 0.01,
            sharpness: Sharpness {
                tenengrad,
                laplacian_variance: tenengrad,
                high_frequency: tenengrad,
                anti_blur: tenengrad,
            },
            psnr_vs_mean,
            median_distance: 0.0,
        }
    }

    /// A run of preset `exp` whose parameters are the defaults but for `params` (spelled as on
    /// the command line: `loss`, `optim`, `labels`, `eps`).
    fn result(exp: &str, params: &[(&str, &str)], s: Scores, spread: f64) -> RunResult {
        let mut p = RunParams::of(&denoise_trainer::config::TrainConfig::default());
        for (k, v) in params {
            match *k {
                "loss" => p.loss = v.parse().unwrap(),
                "optim" => p.optim = v.parse().unwrap(),
                "labels" => p.labels = v.parse().unwrap(),
                "eps" => p.eps = Some(v.parse().unwrap()),
                other => panic!("no parameter {other}"),
            }
        }
        RunResult {
            id: params.iter().map(|(_, v)| *v).collect::<Vec<_>>().join("_"),
            experiments: vec![exp.to_owned()],
            params: p,
            backend: "test".into(),
            final_metrics: EvalSummary {
                mean: s,
                images: Vec::new(),
            },
            loss_curve: Vec::new(),
            psnr_curve: Vec::new(),
            loss_spread: spread,
            patches_per_s: 1.0,
        }
    }

    fn outlier_table(
        mse_bias: impl Fn(f64) -> f64,
        l1_bias: impl Fn(f64) -> f64,
    ) -> Vec<RunResult> {
        let mut out = Vec::new();
        for eps in OUTLIER_EPS {
            let e = eps.to_string();
            let e = e.as_str();
            out.push(result(
                "outliers",
                &[("eps", e), ("loss", "mse")],
                summary(25.0, mse_bias(eps), 30.0, 1.0),
                0.1,
            ));
            out.push(result(
                "outliers",
                &[("eps", e), ("loss", "l1")],
                summary(25.0, l1_bias(eps), 30.0, 1.0),
                0.1,
            ));
        }
        out
    }

    fn outcomes(claims: &[Claim]) -> Vec<Outcome> {
        claims.iter().map(|c| c.outcome).collect()
    }

    #[test]
    fn outliers_pass_when_mse_tracks_eps_m_and_l1_stays_put() {
        let t = outlier_table(|e| 0.9 * e * OUTLIER_MAGNITUDE, |e| 0.1 * e);
        let c = verdicts(&t);
        assert_eq!(
            outcomes(&c),
            vec![Outcome::Pass, Outcome::Pass, Outcome::Pass, Outcome::Info]
        );
        assert!(
            c[0].measurement.contains("ε=0.2: +0.1800"),
            "{}",
            c[0].measurement
        );
    }

    #[test]
    fn outliers_fail_when_l1_is_dragged_too() {
        let t = outlier_table(|e| e, |e| 0.9 * e);
        let c = verdicts(&t);
        assert_eq!(
            outcomes(&c)[..3],
            [Outcome::Pass, Outcome::Fail, Outcome::Pass]
        );
        // And when MSE is not dragged at all, its claim and the ordering fail.
        let t = outlier_table(|_| 0.0, |_| 0.0);
        assert_eq!(
            outcomes(&verdicts(&t))[..3],
            [Outcome::Fail, Outcome::Pass, Outcome::Fail]
        );
    }

    #[test]
    fn missing_runs_are_reported_not_judged() {
        let mut t = outlier_table(|e| e, |_| 0.0);
        t.retain(|r| r.params.eps != Some(0.1));
        let c = verdicts(&t);
        assert_eq!(outcomes(&c), vec![Outcome::Info]);
        assert!(c[0].measurement.contains("runs missing"));
    }

    #[test]
    fn multimodal_label_noise_optimizers_clean_judge_both_ways() {
        let mm = |mse_t: f64, l1_t: f64| {
            vec![
                result(
                    "multimodal",
                    &[("labels", MULTIMODAL_LABELS), ("loss", "mse")],
                    Scores {
                        median_distance: 0.04,
                        ..summary(24.0, 0.0, 35.0, mse_t)
                    },
                    0.1,
                ),
                result(
                    "multimodal",
                    &[("labels", MULTIMODAL_LABELS), ("loss", "l1")],
                    Scores {
                        median_distance: 0.02,
                        ..summary(23.0, 0.0, 30.0, l1_t)
                    },
                    0.1,
                ),
            ]
        };
        assert_eq!(
            outcomes(&verdicts(&mm(0.7, 0.9))),
            vec![Outcome::Pass, Outcome::Pass, Outcome::Pass, Outcome::Info]
        );
        assert_eq!(outcomes(&verdicts(&mm(0.9, 0.7)))[2], Outcome::Fail);

        let ln = |g: (f64, f64), l: (f64, f64)| {
            let mk = |labels, loss, p| {
                result(
                    "label-noise",
                    &[("labels", labels), ("loss", loss)],
                    summary(p, 0.0, 0.0, 1.0),
                    0.1,
                )
            };
            vec![
                mk("noisy:gaussian:50", "mse", g.0),
                mk("noisy:gaussian:50", "l1", g.1),
                mk("noisy:laplace:35.36", "mse", l.0),
                mk("noisy:laplace:35.36", "l1", l.1),
            ]
        };
        assert_eq!(
            outcomes(&verdicts(&ln((26.0, 25.0), (24.0, 25.0)))),
            vec![Outcome::Pass, Outcome::Pass]
        );
        assert_eq!(
            outcomes(&verdicts(&ln((25.0, 26.0), (25.0, 24.0)))),
            vec![Outcome::Fail, Outcome::Fail]
        );

        let op = |sgd: f64, adam: f64| {
            vec![
                result(
                    "optimizers",
                    &[("loss", "l1"), ("optim", "sgd")],
                    summary(25.0, 0.0, 0.0, 1.0),
                    sgd,
                ),
                result(
                    "optimizers",
                    &[("loss", "l1"), ("optim", "adam")],
                    summary(25.0, 0.0, 0.0, 1.0),
                    adam,
                ),
            ]
        };
        assert_eq!(verdicts(&op(0.3, 0.1))[0].outcome, Outcome::Pass);
        assert_eq!(verdicts(&op(0.1, 0.3))[0].outcome, Outcome::Fail);

        let cl = |mse: f64, l1: f64| {
            vec![
                result(
                    "clean",
                    &[("loss", "mse")],
                    summary(mse, 0.0, 0.0, 1.0),
                    0.1,
                ),
                result("clean", &[("loss", "l1")], summary(l1, 0.0, 0.0, 1.0), 0.1),
            ]
        };
        assert_eq!(verdicts(&cl(25.0, 25.5))[0].outcome, Outcome::Pass);
        assert_eq!(verdicts(&cl(25.5, 25.0))[0].outcome, Outcome::Fail);
    }
}
