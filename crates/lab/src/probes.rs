//! What a grid measures on a trained run's validation outputs beyond the scores: the ghost of a
//! two-answer target, and the share of the loss gradient that outlier labels would take.

use denoise_data::seed::{Domain, stream};
use denoise_data::{Image, LabelSpec, OutlierScope, shift_horizontally};
use denoise_metrics::{ImageRef, ghost_amplitude};
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// Outlier magnitudes M at which the gradient share is evaluated (the trained outputs are kept,
/// only the labels' offset changes: the share is a property of the loss at a given output).
pub const SHARE_MAGNITUDES: [f64; 6] = [0.125, 0.25, 0.5, 1.0, 2.0, 4.0];

fn view(img: &Image) -> ImageRef<'_> {
    ImageRef::new(img.as_slice(), img.channels(), img.height(), img.width())
        .expect("Image guarantees a matching buffer")
}

/// The two answers of `bimodal:<shift>:<p>` for `clean`: (majority, minority). At p = ½ the
/// right-moved image counts as the majority.
pub fn answers(clean: &Image, shift: usize, p: f64) -> (Image, Image) {
    let right = shift_horizontally(clean, shift as isize);
    let left = shift_horizontally(clean, -(shift as isize));
    if p >= 0.5 {
        (right, left)
    } else {
        (left, right)
    }
}

/// The ghost amplitude of each output ([`ghost_amplitude`]) under `labels`, for bimodal labels
/// (empty for every other corruption; an image whose answers coincide is left out).
pub fn ghosts(labels: &LabelSpec, cleans: &[Image], outputs: &[Image]) -> Vec<f64> {
    let LabelSpec::Bimodal { shift, p } = *labels else {
        return Vec::new();
    };
    cleans
        .iter()
        .zip(outputs)
        .filter_map(|(clean, out)| {
            let (a, b) = answers(clean, shift, p);
            ghost_amplitude(&view(out), &view(&a), &view(&b))
                .ok()
                .flatten()
        })
        .collect()
}

/// The share of the loss gradient that outlier pixels take at one magnitude M, per image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ShareAt {
    /// The magnitude M.
    pub magnitude: f64,
    /// Under MSE: `Σ_outliers |y − t| / Σ_all |y − t|` (the gradient is 2(y − t)), per image.
    pub mse: Vec<f64>,
    /// Under L1: `#{outliers, y ≠ t} / #{y ≠ t}` (the gradient is sign(y − t)), per image.
    pub l1: Vec<f64>,
}

/// The outlier gradient shares of a run's outputs at every [`SHARE_MAGNITUDES`], with the
/// outputs' own error on clean pixels (what the theory's MSE share needs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct OutlierShare {
    /// The outlier fraction ε the labels were drawn with.
    pub eps: f64,
    /// The fraction of pixels the draw made outliers, per image.
    pub drawn: Vec<f64>,
    /// Mean |output − clean| per image.
    pub residual: Vec<f64>,
    /// One row per magnitude.
    pub at: Vec<ShareAt>,
}

/// The theory's MSE share for outlier fraction `eps` at magnitude `m` when the output's error on
/// inliers is `residual` (mean absolute) and small against M: `εM / (εM + (1 − ε)·residual)`.
pub fn mse_share_theory(eps: f64, m: f64, residual: f64) -> f64 {
    eps * m / (eps * m + (1.0 - eps) * residual)
}

/// The gradient shares of `outputs` against their clean images under pixel outliers of `labels`
/// (`None` for any other corruption). The outlier positions are drawn as the labels draw them,
/// from the evaluation stream of `seed` (the same positions for every run of a seed).
pub fn outlier_share(
    labels: &LabelSpec,
    cleans: &[Image],
    outputs: &[Image],
    seed: u64,
) -> Option<OutlierShare> {
    let LabelSpec::Outliers {
        eps,
        scope: OutlierScope::Pixel,
        ..
    } = *labels
    else {
        return None;
    };
    let mut drawn = Vec::new();
    let mut residual = Vec::new();
    let mut at: Vec<ShareAt> = SHARE_MAGNITUDES
        .iter()
        .map(|&magnitude| ShareAt {
            magnitude,
            mse: Vec::new(),
            l1: Vec::new(),
        })
        .collect();
    for (i, (clean, out)) in cleans.iter().zip(outputs).enumerate() {
        let mut rng = stream(seed, Domain::Evaluation, 0x0517_0000 + i as u64);
        let mask: Vec<bool> = (0..clean.as_slice().len())
            .map(|_| rng.random::<f64>() < eps)
            .collect();
        let n = mask.len() as f64;
        drawn.push(mask.iter().filter(|&&m| m).count() as f64 / n);
        let err: Vec<f64> = out
            .as_slice()
            .iter()
            .zip(clean.as_slice())
            .map(|(&y, &x)| f64::from(y) - f64::from(x))
            .collect();
        residual.push(err.iter().map(|e| e.abs()).sum::<f64>() / n);
        for row in &mut at {
            let (mut mse_out, mut mse_all, mut l1_out, mut l1_all) = (0.0, 0.0, 0.0, 0.0);
            for (&e, &hit) in err.iter().zip(&mask) {
                let r = if hit { e - row.magnitude } else { e };
                let sign = if r != 0.0 { 1.0 } else { 0.0 };
                mse_all += r.abs();
                l1_all += sign;
                if hit {
                    mse_out += r.abs();
                    l1_out += sign;
                }
            }
            row.mse.push(if mse_all > 0.0 {
                mse_out / mse_all
            } else {
                0.0
            });
            row.l1
                .push(if l1_all > 0.0 { l1_out / l1_all } else { 0.0 });
        }
    }
    Some(OutlierShare {
        eps,
        drawn,
        residual,
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(h: usize, w: usize) -> Image {
        let data = (0..h * w).map(|i| (i % w) as f32 / w as f32).collect();
        Image::new(data, 1, h, w).unwrap()
    }

    #[test]
    fn the_oracle_mean_has_the_ghost_one_minus_p_and_the_median_none() {
        let clean = ramp(8, 32);
        let labels: LabelSpec = "bimodal:2:0.8".parse().unwrap();
        let oracle = labels.oracle(&clean);
        let g = ghosts(
            &labels,
            std::slice::from_ref(&clean),
            std::slice::from_ref(&oracle.mean),
        );
        assert!((g[0] - 0.2).abs() < 1e-5, "{g:?}");
        let g = ghosts(
            &labels,
            std::slice::from_ref(&clean),
            std::slice::from_ref(&oracle.median_low),
        );
        assert!(g[0].abs() < 1e-6, "{g:?}");
        assert!(
            ghosts(
                &LabelSpec::Clean,
                std::slice::from_ref(&clean),
                std::slice::from_ref(&clean)
            )
            .is_empty()
        );
    }

    #[test]
    fn l1_share_is_the_outlier_fraction_and_mse_share_grows_with_m() {
        let clean = ramp(64, 64);
        // An output 0.02 above the clean image everywhere: inlier residual 0.02.
        let out = clean.map(|x| x + 0.02);
        let labels: LabelSpec = "outliers:0.1:1".parse().unwrap();
        let s = outlier_share(
            &labels,
            std::slice::from_ref(&clean),
            std::slice::from_ref(&out),
            3,
        )
        .unwrap();
        assert!((s.drawn[0] - 0.1).abs() < 0.02, "{}", s.drawn[0]);
        assert!((s.residual[0] - 0.02).abs() < 1e-6);
        for row in &s.at {
            assert!(
                (row.l1[0] - s.drawn[0]).abs() < 1e-12,
                "L1 share is the count"
            );
            // Outliers: |0.02 − M| each; inliers 0.02 each.
            let f = s.drawn[0];
            let want = f * (row.magnitude - 0.02) / (f * (row.magnitude - 0.02) + (1.0 - f) * 0.02);
            assert!(
                (row.mse[0] - want).abs() < 1e-5,
                "M {}: {} vs {want}",
                row.magnitude,
                row.mse[0]
            );
        }
        assert!(s.at[5].mse[0] > s.at[0].mse[0]);
        assert!(
            outlier_share(&LabelSpec::Clean, std::slice::from_ref(&clean), &[out], 3).is_none()
        );
    }
}
