//! Input noise models with their CLI spelling: `gaussian:25`, `gaussian:0-50`, `laplace:10`,
//! `poisson:30`, `salt-pepper:0.1`, `impulse:0.2`, `none`.
//!
//! Levels of `gaussian` (σ) and `laplace` (scale b) are on the 0–255 scale, as the denoising
//! literature quotes them, and are divided by 255 for images in [0, 1]. A range `lo-hi` draws the
//! level uniformly per image (blind denoising). Nothing here clips: [`NoiseSpec::apply`] takes an
//! explicit `clip` flag, and targets should not be clipped (clipping moves the mean).

use std::fmt;

use rand::RngExt;
use rand_distr::{Distribution, Exp1, Poisson, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::{Image, seed::Rng};

/// What `--noise` accepts.
pub const NOISE_EXPECTED: &str = "one of none, gaussian:<σ>, gaussian:<lo>-<hi>, laplace:<b>, \
     laplace:<lo>-<hi> (σ and b >= 0 on the 0-255 scale), poisson:<peak > 0>, \
     salt-pepper:<p in [0,1]>, impulse:<p in [0,1]>";

/// A noise level on the 0–255 scale: fixed, or drawn uniformly per image from a range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Level {
    /// Always this value.
    Fixed(f64),
    /// Uniform in `[lo, hi]`, drawn once per image.
    Range(f64, f64),
}

impl Level {
    /// The level for one image.
    pub fn draw(&self, rng: &mut Rng) -> f64 {
        match *self {
            Self::Fixed(v) => v,
            Self::Range(lo, hi) => lo + (hi - lo) * rng.random::<f64>(),
        }
    }

    /// `E[level²]`: the noise variance factor averaged over images.
    pub fn mean_square(&self) -> f64 {
        match *self {
            Self::Fixed(v) => v * v,
            Self::Range(lo, hi) => (lo * lo + lo * hi + hi * hi) / 3.0,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fixed(v) => write!(f, "{v}"),
            Self::Range(lo, hi) => write!(f, "{lo}-{hi}"),
        }
    }
}

/// A noise model; parse it from its CLI spelling with `str::parse`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum NoiseSpec {
    /// No noise: the output equals the input.
    None,
    /// Additive white Gaussian noise with standard deviation σ (0–255 scale).
    Gaussian {
        /// σ on the 0–255 scale.
        sigma: Level,
    },
    /// Additive Laplace noise with scale b (0–255 scale): density `exp(−|n|/b) / 2b`,
    /// variance `2b²`.
    Laplace {
        /// b on the 0–255 scale.
        scale: Level,
    },
    /// Shot noise: `Poisson(x · peak) / peak`; mean x, variance x / peak.
    Poisson {
        /// Photon count of a pixel of value 1.
        peak: f64,
    },
    /// With probability p a pixel becomes 0 or 1 (half each).
    SaltPepper {
        /// Fraction of pixels hit.
        amount: f64,
    },
    /// Random-valued impulse noise: with probability p a pixel becomes uniform in [0, 1).
    Impulse {
        /// Fraction of pixels hit.
        amount: f64,
    },
}

impl NoiseSpec {
    /// A noisy copy of `clean` (no clipping): the level is drawn once for the image, then each
    /// pixel independently.
    pub fn sample(&self, clean: &Image, rng: &mut Rng) -> Image {
        let mut out = clean.clone();
        self.sample_in_place(out.as_mut_slice(), rng);
        out
    }

    /// [`sample`](Self::sample), then clip to [0, 1] if `clip` is set.
    pub fn apply(&self, clean: &Image, rng: &mut Rng, clip: bool) -> Image {
        let mut out = clean.clone();
        self.sample_in_place(out.as_mut_slice(), rng);
        if clip {
            for v in out.as_mut_slice() {
                *v = v.clamp(0.0, 1.0);
            }
        }
        out
    }

    /// Adds noise to the values in place (no clipping).
    pub fn sample_in_place(&self, values: &mut [f32], rng: &mut Rng) {
        match *self {
            Self::None => {}
            Self::Gaussian { sigma } => {
                let s = (sigma.draw(rng) / 255.0) as f32;
                for v in values {
                    let z: f32 = StandardNormal.sample(rng);
                    *v += s * z;
                }
            }
            Self::Laplace { scale } => {
                let b = (scale.draw(rng) / 255.0) as f32;
                for v in values {
                    // The difference of two unit exponentials is a unit Laplace variable.
                    let e1: f32 = Exp1.sample(rng);
                    let e2: f32 = Exp1.sample(rng);
                    *v += b * (e1 - e2);
                }
            }
            Self::Poisson { peak } => {
                for v in values {
                    let lambda = f64::from(v.max(0.0)) * peak;
                    *v = match Poisson::new(lambda) {
                        Ok(p) if lambda > 0.0 => (p.sample(rng) / peak) as f32,
                        // λ = 0 (a black pixel) gives 0 counts; a λ beyond rand_distr's range
                        // (only a clean value far above 1 can reach it) keeps its mean.
                        _ => (lambda / peak) as f32,
                    };
                }
            }
            Self::SaltPepper { amount } => {
                for v in values {
                    if rng.random::<f64>() < amount {
                        *v = if rng.random::<bool>() { 1.0 } else { 0.0 };
                    }
                }
            }
            Self::Impulse { amount } => {
                for v in values {
                    if rng.random::<f64>() < amount {
                        *v = rng.random::<f32>();
                    }
                }
            }
        }
    }

    /// Whether the level is drawn per image (a range).
    pub fn is_blind(&self) -> bool {
        matches!(
            self,
            Self::Gaussian {
                sigma: Level::Range(..)
            } | Self::Laplace {
                scale: Level::Range(..)
            }
        )
    }

    /// Mean of a noisy pixel whose clean value is `x` in [0, 1] (no clipping).
    pub fn pixel_mean(&self, x: f64) -> f64 {
        match *self {
            Self::None | Self::Gaussian { .. } | Self::Laplace { .. } => x,
            Self::Poisson { .. } => x.max(0.0),
            Self::SaltPepper { amount } | Self::Impulse { amount } => {
                (1.0 - amount) * x + amount * 0.5
            }
        }
    }

    /// Variance of a noisy pixel whose clean value is `x` in [0, 1] (no clipping; averaged over
    /// the per-image level for ranges).
    pub fn pixel_variance(&self, x: f64) -> f64 {
        let s2 = |l: Level| l.mean_square() / (255.0 * 255.0);
        match *self {
            Self::None => 0.0,
            Self::Gaussian { sigma } => s2(sigma),
            Self::Laplace { scale } => 2.0 * s2(scale),
            Self::Poisson { peak } => x.max(0.0) / peak,
            // Mixture: E[Y²] − E[Y]², with E[Y²] = (1−p)x² + p·½ (salt-pepper) or p·⅓ (impulse).
            Self::SaltPepper { amount } => {
                let m = self.pixel_mean(x);
                (1.0 - amount) * x * x + amount * 0.5 - m * m
            }
            Self::Impulse { amount } => {
                let m = self.pixel_mean(x);
                (1.0 - amount) * x * x + amount / 3.0 - m * m
            }
        }
    }

    /// The set of medians `[low, high]` of a noisy pixel whose clean value is `x` in [0, 1] (no
    /// clipping); `low == high` where the median is unique.
    pub fn pixel_median(&self, x: f64) -> (f64, f64) {
        match *self {
            Self::None | Self::Gaussian { .. } | Self::Laplace { .. } => (x, x),
            Self::Poisson { peak } => {
                let m = poisson_median(x.max(0.0) * peak) / peak;
                (m, m)
            }
            Self::SaltPepper { amount } => {
                if amount < 1.0 {
                    (x, x)
                } else {
                    (0.0, 1.0)
                }
            }
            Self::Impulse { amount } => {
                // F(t) = p·t + (1−p)·[t >= x] on [0, 1]; strictly increasing when p > 0.
                let p = amount;
                let m = if p == 0.0 {
                    x
                } else if p * x > 0.5 {
                    0.5 / p
                } else if p * x + (1.0 - p) >= 0.5 {
                    x
                } else {
                    (p - 0.5) / p
                };
                (m, m)
            }
        }
    }
}

/// The largest Poisson peak `--noise` accepts (photons per pixel at value 1).
pub const MAX_POISSON_PEAK: f64 = 1e9;

/// Up to this λ the Poisson median is computed exactly.
const EXACT_MEDIAN_UP_TO: f64 = 1e4;

/// The lower median of a Poisson(λ) variable: the smallest k with P(K <= k) >= ½.
///
/// It lies in [λ − ln 2, λ + 1/3) (Choi 1994). Up to λ = 10⁴ it is found exactly by summing the
/// pmf in log space from λ − 40√λ − 10 (the mass below is < e⁻⁸⁰⁰): O(√λ) terms. Above, Choi's
/// approximation ⌊λ + 1/3 − 0.02/λ⌋ is used; it is one of the (at most two) integers of that
/// interval, so it is off by at most one count, i.e. 10⁻⁴ of the signal range or less.
fn poisson_median(lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    if lambda > EXACT_MEDIAN_UP_TO {
        return (lambda + 1.0 / 3.0 - 0.02 / lambda).floor();
    }
    let ln_l = lambda.ln();
    let mut k = (lambda - 40.0 * lambda.sqrt() - 10.0).max(0.0).floor();
    let mut cdf = 0.0;
    loop {
        cdf += (k * ln_l - lambda - libm::lgamma(k + 1.0)).exp();
        if cdf >= 0.5 {
            return k;
        }
        k += 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{Domain, stream};

    fn moments(spec: NoiseSpec, x: f32, n: usize) -> (f64, f64) {
        let clean = Image::filled(1, 1, n, x);
        let mut rng = stream(1, Domain::InputNoise, 0);
        let out = spec.sample(&clean, &mut rng);
        let v = out.as_slice();
        let mean = v.iter().map(|&a| f64::from(a)).sum::<f64>() / n as f64;
        let var = v
            .iter()
            .map(|&a| (f64::from(a) - mean).powi(2))
            .sum::<f64>()
            / n as f64;
        (mean, var)
    }

    /// Sample mean and variance within 4 standard errors of the theory (n = 400k).
    #[test]
    fn sample_moments_match_theory() {
        let n = 400_000;
        let cases = [
            ("gaussian:25", 0.5f32),
            ("laplace:10", 0.5),
            ("poisson:30", 0.4),
            ("salt-pepper:0.1", 0.3),
            ("impulse:0.2", 0.7),
        ];
        for (text, x) in cases {
            let spec: NoiseSpec = text.parse().unwrap();
            let (mean, var) = moments(spec, x, n);
            let want_mean = spec.pixel_mean(f64::from(x));
            let want_var = spec.pixel_variance(f64::from(x));
            let se_mean = (want_var / n as f64).sqrt();
            assert!(
                (mean - want_mean).abs() < 4.0 * se_mean + 1e-7,
                "{text}: mean {mean} vs {want_mean}"
            );
            // The variance's standard error is at most a few σ²·sqrt(2/n) for these shapes.
            assert!(
                (var - want_var).abs() < 0.03 * want_var,
                "{text}: variance {var} vs {want_var}"
            );
        }
    }

    #[test]
    fn laplace_variance_is_two_b_squared() {
        let spec: NoiseSpec = "laplace:10".parse().unwrap();
        let b = 10.0 / 255.0;
        assert!((spec.pixel_variance(0.5) - 2.0 * b * b).abs() < 1e-15);
        let (_, var) = moments(spec, 0.5, 400_000);
        assert!((var / (2.0 * b * b) - 1.0).abs() < 0.03, "var {var}");
    }

    #[test]
    fn blind_range_draws_sigma_per_image() {
        let spec: NoiseSpec = "gaussian:0-50".parse().unwrap();
        assert!(spec.is_blind());
        // Each image has one σ: the per-image sample std varies between images and covers the range.
        let clean = Image::filled(1, 32, 32, 0.5);
        let stds: Vec<f64> = (0..200)
            .map(|i| {
                let out = spec.sample(&clean, &mut stream(3, Domain::InputNoise, i));
                let v = out.as_slice();
                (v.iter().map(|&a| (f64::from(a) - 0.5).powi(2)).sum::<f64>() / v.len() as f64)
                    .sqrt()
                    * 255.0
            })
            .collect();
        let (lo, hi) = stds
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &s| (l.min(s), h.max(s)));
        assert!(lo < 5.0 && hi > 45.0, "σ range seen {lo}..{hi}");
        // E[σ²] = (0 + 0 + 2500)/3.
        let ms = stds.iter().map(|s| s * s).sum::<f64>() / stds.len() as f64;
        assert!((ms / (2500.0 / 3.0) - 1.0).abs() < 0.15, "E[σ²] = {ms}");
    }

    #[test]
    fn poisson_median_is_fast_and_in_choi_bounds_for_any_peak() {
        for lambda in [0.3, 1.0, 7.5, 99.9, 1e4, 1e4 + 0.5, 3.3e6, 1e9, 1e12] {
            let m = poisson_median(lambda);
            assert!(
                m >= lambda - std::f64::consts::LN_2 - 1e-9 && m < lambda + 1.0 / 3.0,
                "λ = {lambda}: median {m}"
            );
        }
        // The windowed sum gives the same answer as the sum from 0 below the switch.
        let from_zero = |lambda: f64| {
            let (mut k, mut cdf) = (0.0f64, 0.0);
            loop {
                cdf += (k * lambda.ln() - lambda - libm::lgamma(k + 1.0)).exp();
                if cdf >= 0.5 {
                    return k;
                }
                k += 1.0;
            }
        };
        for lambda in [0.7, 3.0, 41.3, 640.0, 9999.5] {
            assert_eq!(poisson_median(lambda), from_zero(lambda), "λ = {lambda}");
        }
        assert!("poisson:1e10".parse::<NoiseSpec>().is_err());
        assert!("poisson:1e9".parse::<NoiseSpec>().is_ok());
    }

    #[test]
    fn poisson_median_is_the_cdf_crossing() {
        // Poisson(1): P(0) = e^-1 = 0.368 < ½, P(<=1) = 0.736 → median 1.
        assert_eq!(poisson_median(1.0), 1.0);
        // Poisson(0.5): P(0) = e^-0.5 = 0.607 → median 0.
        assert_eq!(poisson_median(0.5), 0.0);
        // Poisson(12): median 12 (λ − ln 2 <= m < λ + 1/3 and λ integer).
        assert_eq!(poisson_median(12.0), 12.0);
    }

    #[test]
    fn impulse_median_is_unique_crossing_of_half() {
        // p = 0.2, x = 0.7: the atom at x holds 0.8 and F(x-) = 0.14 < ½ <= 0.94 → median x.
        let spec = NoiseSpec::Impulse { amount: 0.2 };
        assert_eq!(spec.pixel_median(0.7), (0.7, 0.7));
        // p = 0.9, x = 0.8: p·x = 0.72 > ½ → median 0.5/0.9 below x.
        let spec = NoiseSpec::Impulse { amount: 0.9 };
        let (m, _) = spec.pixel_median(0.8);
        assert!((m - 0.5 / 0.9).abs() < 1e-15);
        // p = 0.9, x = 0.1: p·x + 1 − p = 0.19 < ½ → median (p − ½)/p above x.
        let (m, _) = spec.pixel_median(0.1);
        assert!((m - 0.4 / 0.9).abs() < 1e-15);
    }
}
