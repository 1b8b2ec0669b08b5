//! Label (target) corruption: what a training target is, given the clean image.
//!
//! CLI spellings:
//! - `clean`: the target is the clean image.
//! - `noisy:<noise spec>`: independent noise on the target (Noise2Noise), never clipped,
//!   e.g. `noisy:gaussian:25`, `noisy:laplace:18`.
//! - `outliers:<ε>:<M>[:pixel|image][:<σ>]`: with probability ε a target pixel (`pixel`, the
//!   default) or the whole target image (`image`) is shifted by M (in image units, 1 = full range);
//!   with σ > 0 (0–255 scale) both components get Gaussian noise, the mixture
//!   `(1−ε)·N(x, σ²) + ε·N(x+M, σ²)`.
//! - `bimodal[:<shift>[:<p>]]`: the target is the clean image moved `shift` pixels right (with
//!   probability p, default ½) or left (1 − p), edges replicated. The input is made from the
//!   unmoved image, so it cannot tell which: two valid answers, the two-point distribution in image
//!   form. Default shift 3.
//!
//! [`LabelSpec::oracle`] (in `oracle.rs`) gives the exact per-pixel conditional mean (the optimum of MSE) and the
//! set of conditional medians `[low, high]` (the optima of L1) of the target given the clean image
//! the input was made from. Where the median is not unique (`bimodal` with p = ½) the whole
//! interval is optimal for L1.

use std::fmt;
use std::str::FromStr;

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::spec::{SpecError, SpecKind, split_kind};
use crate::{Image, NoiseSpec, seed::Rng};

const LABELS_EXPECTED: &str = "one of clean, noisy:<noise spec> (e.g. noisy:gaussian:25), \
     outliers:<ε in [0,1]>:<M>[:pixel|image][:<σ >= 0>], bimodal[:<shift >= 1>[:<p in [0,1]>]]";

/// Whether an outlier hits single pixels or whole target images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutlierScope {
    /// Each target pixel independently.
    Pixel,
    /// The whole target image at once.
    Image,
}

/// A label corruption; parse it from its CLI spelling with `str::parse`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum LabelSpec {
    /// The target is the clean image.
    Clean,
    /// Independent noise on the target (never clipped).
    Noisy(NoiseSpec),
    /// A fraction ε of targets (pixels or images) shifted by M.
    Outliers {
        /// Probability of an outlier.
        eps: f64,
        /// Offset of an outlier, in image units.
        magnitude: f64,
        /// Pixels or whole images.
        scope: OutlierScope,
        /// Gaussian spread of both mixture components, 0–255 scale.
        sigma: f64,
    },
    /// Two valid targets: the image moved right or left by `shift` pixels.
    Bimodal {
        /// Displacement in pixels.
        shift: usize,
        /// Probability of the right-moved image.
        p: f64,
    },
}

const LABELS: SpecKind = SpecKind {
    what: "labels",
    expected: LABELS_EXPECTED,
};

fn spec_err(given: &str, problem: impl Into<String>) -> SpecError {
    LABELS.error(given, problem)
}

fn num(given: &str, text: &str, what: &str) -> Result<f64, SpecError> {
    LABELS.number(given, text, what)
}

impl FromStr for LabelSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let given = s;
        let (kind, rest) = split_kind(s);
        match (kind.to_ascii_lowercase().as_str(), rest) {
            ("clean", None) => Ok(Self::Clean),
            ("noisy", Some(noise)) => {
                let n = noise
                    .parse::<NoiseSpec>()
                    .map_err(|e| spec_err(given, e.to_string()))?;
                Ok(Self::Noisy(n))
            }
            ("noisy", None) => Err(spec_err(given, "the noise spec is missing")),
            ("outliers", Some(rest)) => {
                let parts: Vec<&str> = rest.split(':').collect();
                if parts.len() < 2 || parts.len() > 4 {
                    return Err(spec_err(
                        given,
                        "outliers needs <ε>:<M> and optionally :pixel|image and :<σ>",
                    ));
                }
                let eps = num(given, parts[0], "ε")?;
                if !(0.0..=1.0).contains(&eps) {
                    return Err(spec_err(given, format!("ε must be in [0, 1], got {eps}")));
                }
                let magnitude = num(given, parts[1], "magnitude M")?;
                let scope = match parts.get(2).map(|p| p.trim()) {
                    None | Some("pixel") => OutlierScope::Pixel,
                    Some("image") => OutlierScope::Image,
                    Some(other) => {
                        return Err(spec_err(
                            given,
                            format!("scope '{other}' is not pixel or image"),
                        ));
                    }
                };
                let sigma = match parts.get(3) {
                    None => 0.0,
                    Some(t) => num(given, t, "σ")?,
                };
                if sigma < 0.0 {
                    return Err(spec_err(given, format!("σ must be >= 0, got {sigma}")));
                }
                Ok(Self::Outliers {
                    eps,
                    magnitude,
                    scope,
                    sigma,
                })
            }
            ("outliers", None) => Err(spec_err(given, "outliers needs <ε>:<M>")),
            ("bimodal", rest) => {
                let parts: Vec<&str> = rest.map(|r| r.split(':').collect()).unwrap_or_default();
                if parts.len() > 2 {
                    return Err(spec_err(given, "bimodal takes at most <shift>:<p>"));
                }
                let shift = match parts.first() {
                    None => 3,
                    Some(t) => t
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|&s| (1..=64).contains(&s))
                        .ok_or_else(|| {
                            spec_err(
                                given,
                                format!("shift '{t}' is not a whole number in 1..=64"),
                            )
                        })?,
                };
                let p = match parts.get(1) {
                    None => 0.5,
                    Some(t) => num(given, t, "p")?,
                };
                if !(0.0..=1.0).contains(&p) {
                    return Err(spec_err(given, format!("p must be in [0, 1], got {p}")));
                }
                Ok(Self::Bimodal { shift, p })
            }
            (k, _) => Err(spec_err(given, format!("unknown label corruption '{k}'"))),
        }
    }
}

impl fmt::Display for LabelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Clean => write!(f, "clean"),
            Self::Noisy(n) => write!(f, "noisy:{n}"),
            Self::Outliers {
                eps,
                magnitude,
                scope,
                sigma,
            } => {
                let scope = match scope {
                    OutlierScope::Pixel => "pixel",
                    OutlierScope::Image => "image",
                };
                write!(f, "outliers:{eps}:{magnitude}:{scope}")?;
                if *sigma > 0.0 {
                    write!(f, ":{sigma}")?;
                }
                Ok(())
            }
            Self::Bimodal { shift, p } => write!(f, "bimodal:{shift}:{p}"),
        }
    }
}

crate::spec_string!(LabelSpec);

/// `image` moved `dx` pixels horizontally (positive = right), edges replicated.
pub fn shift_horizontally(image: &Image, dx: isize) -> Image {
    let (c, h, w) = (image.channels(), image.height(), image.width());
    let mut data = Vec::with_capacity(c * h * w);
    for ch in 0..c {
        for y in 0..h {
            for x in 0..w {
                let src = (x as isize - dx).clamp(0, w as isize - 1) as usize;
                data.push(image.at(ch, y, src));
            }
        }
    }
    Image::new(data, c, h, w).expect("same shape")
}

impl LabelSpec {
    /// Whether the target is the clean image itself.
    pub fn is_clean(&self) -> bool {
        matches!(self, Self::Clean)
    }

    /// A corrupted target for `clean`.
    pub fn corrupt(&self, clean: &Image, rng: &mut Rng) -> Image {
        match *self {
            Self::Clean => clean.clone(),
            Self::Noisy(noise) => noise.sample(clean, rng),
            Self::Outliers {
                eps,
                magnitude,
                scope,
                sigma,
            } => {
                let m = magnitude as f32;
                let s = (sigma / 255.0) as f32;
                let mut out = clean.clone();
                let whole = scope == OutlierScope::Image && rng.random::<f64>() < eps;
                for v in out.as_mut_slice() {
                    let hit = match scope {
                        OutlierScope::Pixel => rng.random::<f64>() < eps,
                        OutlierScope::Image => whole,
                    };
                    if hit {
                        *v += m;
                    }
                    if s > 0.0 {
                        let z: f32 = StandardNormal.sample(rng);
                        *v += s * z;
                    }
                }
                out
            }
            Self::Bimodal { shift, p } => {
                let dx = if rng.random::<f64>() < p {
                    shift as isize
                } else {
                    -(shift as isize)
                };
                shift_horizontally(clean, dx)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Oracle;
    use crate::oracle::mixture_median;
    use crate::seed::{Domain, stream};

    fn ramp(h: usize, w: usize) -> Image {
        let data = (0..h * w)
            .map(|i| (i % w) as f32 / (w - 1) as f32)
            .collect();
        Image::new(data, 1, h, w).unwrap()
    }

    #[test]
    fn outlier_mean_is_biased_by_eps_m_and_median_is_not() {
        let clean = ramp(4, 8);
        let spec: LabelSpec = "outliers:0.2:1.0".parse().unwrap();
        let o = spec.oracle(&clean);
        for (m, x) in o.mean.as_slice().iter().zip(clean.as_slice()) {
            // (1−ε)·x + ε·(x+M) = x + ε·M = x + 0.2 exactly (up to f32 rounding).
            assert!((m - (x + 0.2)).abs() < 1e-6);
        }
        assert!(o.median_is_unique());
        assert_eq!(o.median_low, clean, "ε < ½: the median is the clean value");

        // The empirical mean of many corrupted targets agrees with the oracle mean.
        let n = 20_000;
        let mut acc = vec![0.0f64; 32];
        let mut rng = stream(5, Domain::Labels, 0);
        for _ in 0..n {
            let t = spec.corrupt(&clean, &mut rng);
            for (a, v) in acc.iter_mut().zip(t.as_slice()) {
                *a += f64::from(*v);
            }
        }
        for (a, m) in acc.iter().zip(o.mean.as_slice()) {
            // Per-pixel std of the mixture is M·sqrt(ε(1−ε)) = 0.4; 5 standard errors.
            assert!((a / n as f64 - f64::from(*m)).abs() < 5.0 * 0.4 / (n as f64).sqrt());
        }
    }

    #[test]
    fn outlier_majority_moves_the_median() {
        let clean = ramp(2, 4);
        let o = "outliers:0.7:0.5"
            .parse::<LabelSpec>()
            .unwrap()
            .oracle(&clean);
        assert_eq!(o.median_low, clean.map(|x| x + 0.5));
        let half = "outliers:0.5:0.5"
            .parse::<LabelSpec>()
            .unwrap()
            .oracle(&clean);
        assert!(!half.median_is_unique());
        assert_eq!(half.median_high, clean.map(|x| x + 0.5));
    }

    #[test]
    fn gaussian_outlier_mixture_median_is_barely_moved() {
        // (1−ε)Φ(d/σ) + εΦ((d−M)/σ) = ½ with ε = 0.1, M = 1, σ = 0.1:
        // Φ((d−1)/0.1) ≈ 0 so 0.9Φ(d/0.1) = ½ → d = 0.1·Φ⁻¹(5/9) = 0.1·0.139710 = 0.0139710.
        let d = mixture_median(0.1, 1.0, 0.1);
        assert!((d - 0.013_971_0).abs() < 1e-6, "d = {d}");
        assert!(d < 0.1 * 1.0 / 5.0, "far less than the mean's ε·M = 0.1");
    }

    #[test]
    fn whole_image_outliers_shift_every_pixel_together() {
        let clean = ramp(4, 4);
        let spec: LabelSpec = "outliers:0.5:1.0:image".parse().unwrap();
        let (mut moved, mut kept) = (0, 0);
        for i in 0..200 {
            let t = spec.corrupt(&clean, &mut stream(9, Domain::Labels, i));
            if t == clean {
                kept += 1;
            } else {
                assert_eq!(t, clean.map(|x| x + 1.0));
                moved += 1;
            }
        }
        assert!(moved > 60 && kept > 60, "moved {moved}, kept {kept}");
    }

    #[test]
    fn bimodal_mean_is_the_average_of_the_two_images() {
        // A step edge at column 8 of 16.
        let data: Vec<f32> = (0..64)
            .map(|i| if i % 16 >= 8 { 1.0 } else { 0.0 })
            .collect();
        let clean = Image::new(data, 1, 4, 16).unwrap();
        let spec: LabelSpec = "bimodal:2".parse().unwrap();
        let o = spec.oracle(&clean);
        let a = shift_horizontally(&clean, 2);
        let b = shift_horizontally(&clean, -2);
        assert_eq!(o.mean, a.zip_map(&b, |x, y| 0.5 * (x + y)));
        // The mean has ghost half-steps at columns 6, 7, 8, 9: values ½ where A and B disagree.
        let row: Vec<f32> = (0..16).map(|x| o.mean.at(0, 0, x)).collect();
        assert_eq!(&row[5..11], &[0.0, 0.5, 0.5, 0.5, 0.5, 1.0]);
        // With p = ½ the median set is the interval between the two answers.
        assert!(!o.median_is_unique());
        assert_eq!(o.median_low, a.zip_map(&b, f32::min));
        // Every target drawn is one of the two answers.
        for i in 0..20 {
            let t = spec.corrupt(&clean, &mut stream(1, Domain::Labels, i));
            assert!(t == a || t == b);
        }
        // An unequal mixture has a unique median: the majority answer.
        let o = "bimodal:2:0.8".parse::<LabelSpec>().unwrap().oracle(&clean);
        assert_eq!(o.median_low, a);
        assert!(o.median_is_unique());
    }

    #[test]
    fn noisy_labels_oracle_is_the_clean_image_for_symmetric_noise() {
        let clean = ramp(3, 5);
        for s in [
            "noisy:gaussian:25",
            "noisy:laplace:18",
            "noisy:gaussian:0-50",
        ] {
            let o = s.parse::<LabelSpec>().unwrap().oracle(&clean);
            assert_eq!(o.mean, clean, "{s}");
            assert_eq!(o.median_low, clean, "{s}");
        }
        // Salt-and-pepper moves the mean towards ½ but not the median.
        let o = "noisy:salt-pepper:0.2"
            .parse::<LabelSpec>()
            .unwrap()
            .oracle(&clean);
        assert_eq!(o.mean, clean.map(|x| (0.8 * f64::from(x) + 0.1) as f32));
        assert_eq!(o.median_low, clean);
    }

    #[test]
    fn distance_to_median_set_is_zero_inside() {
        let clean = Image::filled(1, 1, 3, 0.0);
        let o = Oracle {
            mean: clean.clone(),
            median_low: clean.clone(),
            median_high: clean.map(|_| 1.0),
        };
        let out = Image::new(vec![-0.5, 0.5, 1.25], 1, 1, 3).unwrap();
        assert_eq!(o.distance_to_median_set(&out).as_slice(), &[0.5, 0.0, 0.25]);
    }

    #[test]
    fn spellings_parse_and_errors_explain() {
        for s in [
            "clean",
            "noisy:gaussian:25",
            "outliers:0.1:1:pixel",
            "outliers:0.1:1:image:5",
            "bimodal:3:0.5",
        ] {
            let l: LabelSpec = s.parse().unwrap();
            assert_eq!(l.to_string(), s);
        }
        for (bad, needle) in [
            ("outliers:1.5:1", "ε must be in [0, 1]"),
            ("outliers:0.1", "needs <ε>:<M>"),
            ("outliers:0.1:x", "not a number"),
            ("outliers:0.1:1:row", "pixel or image"),
            ("noisy:gaussian:-3", ">= 0"),
            ("bimodal:0", "1..=64"),
            ("smeared", "unknown label corruption"),
        ] {
            let err = bad.parse::<LabelSpec>().unwrap_err().to_string();
            assert!(err.contains(needle), "{bad}: {err}");
            assert!(
                err.contains("outliers:<ε"),
                "{bad}: lists what is accepted: {err}"
            );
        }
    }
}
