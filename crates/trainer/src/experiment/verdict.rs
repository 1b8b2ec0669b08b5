//! Verdicts: each claim of the theory, its prediction, the measurement and PASS/FAIL — computed
//! from the measured numbers, never written in.

use serde::{Deserialize, Serialize};

use crate::experiment::plan::{
    ExperimentName, MULTIMODAL_HALF, MULTIMODAL_LABELS, OUTLIER_EPS, OUTLIER_MAGNITUDE,
};
use crate::experiment::result::RunResult;

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

/// One claim with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Claim {
    /// The preset.
    pub experiment: ExperimentName,
    /// What the theory predicts.
    pub prediction: String,
    /// What was measured.
    pub measurement: String,
    /// PASS, FAIL or INFO.
    pub outcome: Outcome,
}

fn claim(exp: ExperimentName, prediction: &str, measurement: String, pass: bool) -> Claim {
    Claim {
        experiment: exp,
        prediction: prediction.to_owned(),
        measurement,
        outcome: if pass { Outcome::Pass } else { Outcome::Fail },
    }
}

fn info(exp: ExperimentName, prediction: &str, measurement: String) -> Claim {
    Claim {
        experiment: exp,
        prediction: prediction.to_owned(),
        measurement,
        outcome: Outcome::Info,
    }
}

/// The run of `exp` whose params match all of `want`.
fn find<'a>(
    results: &'a [RunResult],
    exp: ExperimentName,
    want: &[(&str, &str)],
) -> Option<&'a RunResult> {
    results
        .iter()
        .find(|r| r.in_experiment(exp) && want.iter().all(|(k, v)| r.param(k) == *v))
}

fn missing(exp: ExperimentName, what: &str) -> Vec<Claim> {
    vec![info(
        exp,
        "(not evaluated)",
        format!("runs missing: {what}; merge every shard before judging"),
    )]
}

/// Every claim whose runs are among `results`, in preset order.
pub fn verdicts(results: &[RunResult]) -> Vec<Claim> {
    let mut out = Vec::new();
    for exp in ExperimentName::All.expand() {
        if results.iter().any(|r| r.in_experiment(exp)) {
            out.extend(match exp {
                ExperimentName::Outliers => outliers(results),
                ExperimentName::Multimodal => multimodal(results),
                ExperimentName::LabelNoise => label_noise(results),
                ExperimentName::Optimizers => optimizers(results),
                ExperimentName::Clean => clean(results),
                ExperimentName::All => Vec::new(),
            });
        }
    }
    out
}

/// ε, MSE bias, L1 bias, Huber bias.
type OutlierRow = (f64, f64, f64, Option<f64>);

fn outliers(results: &[RunResult]) -> Vec<Claim> {
    let exp = ExperimentName::Outliers;
    let m = OUTLIER_MAGNITUDE;
    let mut rows = Vec::new();
    for eps in &OUTLIER_EPS[1..] {
        let e = eps.to_string();
        let get = |loss: &str| find(results, exp, &[("eps", e.as_str()), ("loss", loss)]);
        let (Some(mse), Some(l1)) = (get("mse"), get("l1")) else {
            return missing(exp, &format!("mse/l1 at ε = {eps}"));
        };
        let huber = get("huber:0.05").map(|h| h.final_metrics.bias);
        rows.push((*eps, mse.final_metrics.bias, l1.final_metrics.bias, huber));
    }
    let list =
        |f: &dyn Fn(&OutlierRow) -> String| rows.iter().map(f).collect::<Vec<_>>().join("; ");
    let mse_ok = rows
        .iter()
        .all(|(e, b, _, _)| (b - e * m).abs() <= 0.5 * e * m);
    let l1_ok = rows.iter().all(|(e, _, b, _)| b.abs() <= 0.25 * e * m);
    let order_ok = rows.iter().all(|(_, bm, bl, _)| bl.abs() < bm.abs());
    vec![
        claim(
            exp,
            "MSE output bias ≈ ε·M (the conditional mean), within ±50 % at every ε > 0",
            list(&|(e, b, _, _)| format!("ε={e}: {b:+.4} (ε·M = {:.3})", e * m)),
            mse_ok,
        ),
        claim(
            exp,
            "L1 output bias ≈ 0 (the conditional median): |bias| ≤ ε·M/4 at every ε > 0",
            list(&|(e, _, b, _)| format!("ε={e}: {b:+.4}")),
            l1_ok,
        ),
        claim(
            exp,
            "|bias| of L1 < |bias| of MSE at every ε > 0",
            list(&|(e, bm, bl, _)| format!("ε={e}: L1 {:.4} vs MSE {:.4}", bl.abs(), bm.abs())),
            order_ok,
        ),
        info(
            exp,
            "Huber (δ = 0.05) sits between",
            list(&|(e, _, _, h)| match h {
                Some(h) => format!("ε={e}: {h:+.4}"),
                None => format!("ε={e}: (no run)"),
            }),
        ),
    ]
}

fn multimodal(results: &[RunResult]) -> Vec<Claim> {
    let exp = ExperimentName::Multimodal;
    let (Some(mse), Some(l1)) = (
        find(
            results,
            exp,
            &[("labels", MULTIMODAL_LABELS), ("loss", "mse")],
        ),
        find(
            results,
            exp,
            &[("labels", MULTIMODAL_LABELS), ("loss", "l1")],
        ),
    ) else {
        return missing(exp, &format!("mse and l1 with {MULTIMODAL_LABELS}"));
    };
    let (fm, fl) = (&mse.final_metrics, &l1.final_metrics);
    let half = match (
        find(
            results,
            exp,
            &[("labels", MULTIMODAL_HALF), ("loss", "mse")],
        ),
        find(results, exp, &[("labels", MULTIMODAL_HALF), ("loss", "l1")]),
    ) {
        (Some(m), Some(l)) => vec![info(
            exp,
            "p = ½: every value between the two answers is a median, so L1 need not be sharper",
            format!(
                "Tenengrad ratio MSE {:.3}, L1 {:.3}; PSNR vs oracle mean MSE {:.2} dB, L1 {:.2} dB",
                m.final_metrics.sharpness.tenengrad,
                l.final_metrics.sharpness.tenengrad,
                m.final_metrics.psnr_vs_mean,
                l.final_metrics.psnr_vs_mean
            ),
        )],
        _ => Vec::new(),
    };
    let mut out = vec![
        claim(
            exp,
            "MSE approaches the average of the two answers: higher PSNR against the oracle mean than L1",
            format!(
                "MSE {:.2} dB vs L1 {:.2} dB",
                fm.psnr_vs_mean, fl.psnr_vs_mean
            ),
            fm.psnr_vs_mean > fl.psnr_vs_mean,
        ),
        claim(
            exp,
            "L1 approaches the majority answer (the conditional median): smaller mean distance to \
             the oracle median set than MSE",
            format!(
                "L1 {:.4} vs MSE {:.4}",
                fl.median_distance, fm.median_distance
            ),
            fl.median_distance < fm.median_distance,
        ),
        claim(
            exp,
            "L1 stays sharper: higher Tenengrad ratio to the clean image than MSE",
            format!(
                "L1 {:.3} vs MSE {:.3} (anti-blur L1 {:.3} vs MSE {:.3})",
                fl.sharpness.tenengrad,
                fm.sharpness.tenengrad,
                fl.sharpness.anti_blur,
                fm.sharpness.anti_blur
            ),
            fl.sharpness.tenengrad > fm.sharpness.tenengrad,
        ),
        info(
            exp,
            "PSNR against the clean image (the distortion–sharpness trade-off; no prediction)",
            format!("MSE {:.2} dB, L1 {:.2} dB", fm.psnr, fl.psnr),
        ),
    ];
    out.extend(half);
    out
}

fn label_noise(results: &[RunResult]) -> Vec<Claim> {
    let exp = ExperimentName::LabelNoise;
    let mut out = Vec::new();
    for (labels, name, mse_wins) in [
        ("noisy:gaussian:50", "Gaussian", true),
        ("noisy:laplace:35.36", "Laplace", false),
    ] {
        let (Some(mse), Some(l1)) = (
            find(results, exp, &[("labels", labels), ("loss", "mse")]),
            find(results, exp, &[("labels", labels), ("loss", "l1")]),
        ) else {
            out.extend(missing(exp, &format!("mse and l1 with {labels}")));
            continue;
        };
        let (pm, pl) = (mse.final_metrics.psnr, l1.final_metrics.psnr);
        let (prediction, pass) = if mse_wins {
            (
                format!("{name} labels: MSE PSNR ≥ L1 PSNR (maximum likelihood)"),
                pm >= pl,
            )
        } else {
            (
                format!("{name} labels: L1 PSNR ≥ MSE PSNR (maximum likelihood)"),
                pl >= pm,
            )
        };
        out.push(claim(
            exp,
            &prediction,
            format!("MSE {pm:.2} dB vs L1 {pl:.2} dB"),
            pass,
        ));
    }
    out
}

fn optimizers(results: &[RunResult]) -> Vec<Claim> {
    let exp = ExperimentName::Optimizers;
    let (Some(sgd), Some(adam)) = (
        find(results, exp, &[("loss", "l1"), ("optim", "sgd")]),
        find(results, exp, &[("loss", "l1"), ("optim", "adam")]),
    ) else {
        return missing(exp, "l1 with sgd and adam");
    };
    let all: Vec<String> = results
        .iter()
        .filter(|r| r.in_experiment(exp))
        .map(|r| {
            format!(
                "{}+{}: {:.3}",
                r.param("loss"),
                r.param("optim"),
                r.loss_spread
            )
        })
        .collect();
    vec![
        claim(
            exp,
            "L1 + plain SGD oscillates near the optimum more than L1 + Adam (relative spread of \
             the loss on a fixed probe batch over the last quarter of training)",
            format!("SGD {:.3} vs Adam {:.3}", sgd.loss_spread, adam.loss_spread),
            sgd.loss_spread > adam.loss_spread,
        ),
        info(exp, "spread of every optimizer × loss", all.join("; ")),
    ]
}

fn clean(results: &[RunResult]) -> Vec<Claim> {
    let exp = ExperimentName::Clean;
    let (Some(mse), Some(l1)) = (
        find(results, exp, &[("loss", "mse")]),
        find(results, exp, &[("loss", "l1")]),
    ) else {
        return missing(exp, "mse and l1");
    };
    let (pm, pl) = (mse.final_metrics.psnr, l1.final_metrics.psnr);
    let huber = find(results, exp, &[("loss", "huber:0.05")])
        .map(|h| format!(", Huber {:.2} dB", h.final_metrics.psnr))
        .unwrap_or_default();
    vec![claim(
        exp,
        "L1-trained beats MSE-trained even on PSNR (Zhao et al., IEEE TCI 2017)",
        format!("L1 {pl:.2} dB vs MSE {pm:.2} dB{huber}"),
        pl > pm,
    )]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use denoise_metrics::Sharpness;

    use super::*;
    use crate::evaluate::EvalSummary;

    fn summary(psnr: f64, bias: f64, psnr_vs_mean: f64, tenengrad: f64) -> EvalSummary {
        EvalSummary {
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
            images: Vec::new(),
        }
    }

    fn result(
        exp: ExperimentName,
        params: &[(&str, &str)],
        s: EvalSummary,
        spread: f64,
    ) -> RunResult {
        RunResult {
            id: params.iter().map(|(_, v)| *v).collect::<Vec<_>>().join("_"),
            experiments: vec![exp],
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
            backend: "test".into(),
            final_metrics: s,
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
                ExperimentName::Outliers,
                &[("eps", e), ("loss", "mse")],
                summary(25.0, mse_bias(eps), 30.0, 1.0),
                0.1,
            ));
            out.push(result(
                ExperimentName::Outliers,
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
        t.retain(|r| r.param("eps") != "0.1");
        let c = verdicts(&t);
        assert_eq!(outcomes(&c), vec![Outcome::Info]);
        assert!(c[0].measurement.contains("runs missing"));
    }

    #[test]
    fn multimodal_label_noise_optimizers_clean_judge_both_ways() {
        let mm = |mse_t: f64, l1_t: f64| {
            vec![
                result(
                    ExperimentName::Multimodal,
                    &[("labels", MULTIMODAL_LABELS), ("loss", "mse")],
                    EvalSummary {
                        median_distance: 0.04,
                        ..summary(24.0, 0.0, 35.0, mse_t)
                    },
                    0.1,
                ),
                result(
                    ExperimentName::Multimodal,
                    &[("labels", MULTIMODAL_LABELS), ("loss", "l1")],
                    EvalSummary {
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
                    ExperimentName::LabelNoise,
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
                    ExperimentName::Optimizers,
                    &[("loss", "l1"), ("optim", "sgd")],
                    summary(25.0, 0.0, 0.0, 1.0),
                    sgd,
                ),
                result(
                    ExperimentName::Optimizers,
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
                    ExperimentName::Clean,
                    &[("loss", "mse")],
                    summary(mse, 0.0, 0.0, 1.0),
                    0.1,
                ),
                result(
                    ExperimentName::Clean,
                    &[("loss", "l1")],
                    summary(l1, 0.0, 0.0, 1.0),
                    0.1,
                ),
            ]
        };
        assert_eq!(verdicts(&cl(25.0, 25.5))[0].outcome, Outcome::Pass);
        assert_eq!(verdicts(&cl(25.5, 25.0))[0].outcome, Outcome::Fail);
    }
}
