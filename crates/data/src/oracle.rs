//! The oracle of a label corruption: the exact per-pixel conditional mean of the target (what
//! MSE converges to) and its set of conditional medians (what L1 converges to), given the clean
//! image the input was made from.

use crate::labels::shift_horizontally;
use crate::{Image, LabelSpec};

/// The optimal predictions for a given clean image: the conditional mean and the median set.
#[derive(Debug, Clone, PartialEq)]
pub struct Oracle {
    /// Per-pixel `E[target | clean]`: what an MSE-trained network converges to.
    pub mean: Image,
    /// Per-pixel lowest conditional median.
    pub median_low: Image,
    /// Per-pixel highest conditional median (equal to `median_low` where the median is unique).
    pub median_high: Image,
}

impl Oracle {
    /// Whether every pixel has a unique median.
    pub fn median_is_unique(&self) -> bool {
        self.median_low == self.median_high
    }

    /// The midpoint of the median set: the median itself where unique.
    pub fn median_mid(&self) -> Image {
        self.median_low
            .zip_map(&self.median_high, |a, b| 0.5 * (a + b))
    }

    /// Per-pixel distance of `output` to the median set (0 inside `[low, high]`).
    pub fn distance_to_median_set(&self, output: &Image) -> Image {
        let lo = self.median_low.as_slice();
        let hi = self.median_high.as_slice();
        let data = output
            .as_slice()
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                if v < lo[i] {
                    lo[i] - v
                } else if v > hi[i] {
                    v - hi[i]
                } else {
                    0.0
                }
            })
            .collect();
        Image::new(data, output.channels(), output.height(), output.width())
            .expect("same shape as output")
    }
}

/// The median `d` of `(1−ε)·N(0, σ²) + ε·N(M, σ²)`, by bisection on the mixture CDF.
pub(crate) fn mixture_median(eps: f64, m: f64, sigma: f64) -> f64 {
    let cdf = |t: f64| {
        let phi = |z: f64| 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
        (1.0 - eps) * phi(t / sigma) + eps * phi((t - m) / sigma)
    };
    let (mut lo, mut hi) = (m.min(0.0) - 20.0 * sigma, m.max(0.0) + 20.0 * sigma);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < 0.5 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

impl LabelSpec {
    /// The exact conditional mean and median set of the target given `clean`.
    pub fn oracle(&self, clean: &Image) -> Oracle {
        match *self {
            Self::Clean => Oracle {
                mean: clean.clone(),
                median_low: clean.clone(),
                median_high: clean.clone(),
            },
            Self::Noisy(noise) => Oracle {
                mean: clean.map(|x| noise.pixel_mean(f64::from(x)) as f32),
                median_low: clean.map(|x| noise.pixel_median(f64::from(x)).0 as f32),
                median_high: clean.map(|x| noise.pixel_median(f64::from(x)).1 as f32),
            },
            Self::Outliers {
                eps,
                magnitude,
                sigma,
                ..
            } => {
                let (lo, hi) = if sigma > 0.0 {
                    let d = mixture_median(eps, magnitude, sigma / 255.0);
                    (d, d)
                } else if eps < 0.5 {
                    (0.0, 0.0)
                } else if eps > 0.5 {
                    (magnitude, magnitude)
                } else {
                    (magnitude.min(0.0), magnitude.max(0.0))
                };
                Oracle {
                    mean: clean.map(|x| (f64::from(x) + eps * magnitude) as f32),
                    median_low: clean.map(|x| (f64::from(x) + lo) as f32),
                    median_high: clean.map(|x| (f64::from(x) + hi) as f32),
                }
            }
            Self::Bimodal { shift, p } => {
                let right = shift_horizontally(clean, shift as isize);
                let left = shift_horizontally(clean, -(shift as isize));
                let mean = right.zip_map(&left, |a, b| {
                    (p * f64::from(a) + (1.0 - p) * f64::from(b)) as f32
                });
                let (median_low, median_high) = if p > 0.5 {
                    (right.clone(), right)
                } else if p < 0.5 {
                    (left.clone(), left)
                } else {
                    (
                        right.zip_map(&left, f32::min),
                        right.zip_map(&left, f32::max),
                    )
                };
                Oracle {
                    mean,
                    median_low,
                    median_high,
                }
            }
        }
    }
}
