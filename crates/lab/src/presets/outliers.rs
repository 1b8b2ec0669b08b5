//! `outliers`: labels with outliers at ε ∈ {0, 0.05, 0.1, 0.2} × {mse, l1, huber:0.05}. MSE
//! converges to the conditional mean, biased by ε·M; L1 to the median, unbiased while ε < ½.

use denoise_data::LabelSpec;
use denoise_trainer::config::TrainConfig;
use denoise_trainer::loss::LossSpec;

use super::{Preset, spelled};
use crate::figure::{Figure, Series};
use crate::plan::{RunSpec, with};
use crate::result::RunResult;
use crate::verdict::{Claim, PresetRuns};

/// The preset.
pub struct Outliers;

/// Outlier magnitude M (in image units).
pub const MAGNITUDE: f64 = 1.0;
/// The ε values.
pub const EPS: [f64; 4] = [0.0, 0.05, 0.1, 0.2];
/// The Huber loss between the two.
pub const HUBER: LossSpec = LossSpec::Huber { delta: 0.05 };
/// The losses compared.
pub const LOSSES: [LossSpec; 3] = [LossSpec::Mse, LossSpec::L1, HUBER];

/// ε, MSE bias, L1 bias, Huber bias.
type Row = (f64, f64, f64, Option<f64>);

/// One series per loss of `metric` against ε.
fn against_eps(runs: &[&RunResult], metric: fn(&RunResult) -> f64) -> Vec<Series> {
    LOSSES
        .into_iter()
        .filter_map(|loss| {
            let points: Vec<(f64, f64)> = EPS
                .iter()
                .filter_map(|eps| {
                    runs.iter()
                        .find(|r| r.params.loss == loss && r.params.eps == Some(*eps))
                        .map(|r| (*eps, metric(r)))
                })
                .collect();
            (!points.is_empty()).then(|| Series {
                name: loss.to_string(),
                points,
                markers: true,
                dashed: false,
            })
        })
        .collect()
}

impl Preset for Outliers {
    fn name(&self) -> &'static str {
        "outliers"
    }

    fn about(&self) -> &'static str {
        "Outlier labels at ε ∈ {0, 0.05, 0.1, 0.2}: MSE is biased by ε·M, L1 is not"
    }

    fn runs(&self, base: &TrainConfig) -> Vec<RunSpec> {
        let mut out = Vec::new();
        for eps in EPS {
            let labels: LabelSpec = if eps == 0.0 {
                LabelSpec::Clean
            } else {
                spelled(&format!("outliers:{eps}:{MAGNITUDE}"))
            };
            for loss in LOSSES {
                let c = with(base, |c| {
                    c.labels = labels;
                    c.loss = loss;
                });
                out.push(RunSpec::new(c, Some(self.name()), Some(eps)));
            }
        }
        out
    }

    fn claims(&self, runs: &PresetRuns<'_>) -> Vec<Claim> {
        let m = MAGNITUDE;
        let mut rows: Vec<Row> = Vec::new();
        for eps in &EPS[1..] {
            let get = |loss: LossSpec| runs.find(|p| p.eps == Some(*eps) && p.loss == loss);
            let (Some(mse), Some(l1)) = (get(LossSpec::Mse), get(LossSpec::L1)) else {
                return runs.missing(&format!("mse/l1 at ε = {eps}"));
            };
            let huber = get(HUBER).map(|h| h.final_metrics.mean.bias);
            rows.push((
                *eps,
                mse.final_metrics.mean.bias,
                l1.final_metrics.mean.bias,
                huber,
            ));
        }
        let list = |f: &dyn Fn(&Row) -> String| rows.iter().map(f).collect::<Vec<_>>().join("; ");
        let mse_ok = rows
            .iter()
            .all(|(e, b, _, _)| (b - e * m).abs() <= 0.5 * e * m);
        let l1_ok = rows.iter().all(|(e, _, b, _)| b.abs() <= 0.25 * e * m);
        let order_ok = rows.iter().all(|(_, bm, bl, _)| bl.abs() < bm.abs());
        vec![
            runs.claim(
                "MSE output bias ≈ ε·M (the conditional mean), within ±50 % at every ε > 0",
                list(&|(e, b, _, _)| format!("ε={e}: {b:+.4} (ε·M = {:.3})", e * m)),
                mse_ok,
            ),
            runs.claim(
                "L1 output bias ≈ 0 (the conditional median): |bias| ≤ ε·M/4 at every ε > 0",
                list(&|(e, _, b, _)| format!("ε={e}: {b:+.4}")),
                l1_ok,
            ),
            runs.claim(
                "|bias| of L1 < |bias| of MSE at every ε > 0",
                list(&|(e, bm, bl, _)| format!("ε={e}: L1 {:.4} vs MSE {:.4}", bl.abs(), bm.abs())),
                order_ok,
            ),
            runs.info(
                "Huber (δ = 0.05) sits between",
                list(&|(e, _, _, h)| match h {
                    Some(h) => format!("ε={e}: {h:+.4}"),
                    None => format!("ε={e}: (no run)"),
                }),
            ),
        ]
    }

    fn figures(&self, runs: &[&RunResult]) -> Vec<Figure> {
        let mut bias = against_eps(runs, |r| r.final_metrics.mean.bias);
        bias.push(Series {
            name: "ε·M (MSE theory)".into(),
            points: vec![(0.0, 0.0), (EPS[3], EPS[3] * MAGNITUDE)],
            markers: false,
            dashed: true,
        });
        vec![
            Figure {
                title: format!("output bias against ε (M = {MAGNITUDE})"),
                x_label: "ε (outlier fraction)".into(),
                y_label: "bias = mean(output − clean)".into(),
                series: bias,
            },
            Figure {
                title: "PSNR against the clean truth".into(),
                x_label: "ε (outlier fraction)".into(),
                y_label: "PSNR (dB)".into(),
                series: against_eps(runs, |r| r.final_metrics.mean.psnr),
            },
        ]
    }
}
