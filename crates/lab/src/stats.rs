//! Intervals over replicates: the mean of per-seed effects with its two-sided 95 % Student-t
//! interval, and the spread of the validation images within a seed beside it.
//!
//! Why this method: the seeds are the independent replicates (each seed draws its own training
//! stream, initial weights and validation images, and both arms of a comparison share them), so
//! the seed-level effects are i.i.d. and their t interval covers both sources of noise — the
//! training (seed) noise and the evaluation (which images) noise. The validation images of one
//! seed are not independent replicates of the effect (they share one trained network), so they
//! only measure the evaluation noise, reported beside the seed noise.

use serde::{Deserialize, Serialize};

/// Two-sided 95 % quantiles of Student's t, `t_{0.975, df}` for df = 1..=30 (from
/// `scipy.stats.t.ppf(0.975, df)`, rounded to 4 decimals).
const T975: [f64; 30] = [
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
    2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687,
    2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

/// `t_{0.975, df}`: the table up to 30 degrees of freedom, beyond it the Cornish–Fisher
/// expansion around the normal quantile (error below 1e-4 for df > 30).
pub fn t975(df: usize) -> f64 {
    assert!(df >= 1, "a t quantile needs at least one degree of freedom");
    if df <= T975.len() {
        return T975[df - 1];
    }
    let z = 1.959_963_984_540_054_f64;
    let n = df as f64;
    z + (z.powi(3) + z) / (4.0 * n)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
}

/// The mean and the (n − 1) standard deviation of `values` (sd 0 for one value).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// An estimate with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Interval {
    /// The mean over seeds.
    pub estimate: f64,
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

impl Interval {
    /// The t interval of the mean of `values` (one value per seed); `None` below two values,
    /// where no interval exists.
    pub fn of_mean(values: &[f64]) -> Option<Self> {
        if values.len() < 2 || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let (mean, sd) = mean_sd(values);
        let half = t975(values.len() - 1) * sd / (values.len() as f64).sqrt();
        Some(Self {
            estimate: mean,
            low: mean - half,
            high: mean + half,
        })
    }

    /// `estimate [low, high]` with `decimals` decimals and signs.
    pub fn show(&self, decimals: usize) -> String {
        format!(
            "{:+.d$} [{:+.d$}, {:+.d$}]",
            self.estimate,
            self.low,
            self.high,
            d = decimals
        )
    }
}

/// An effect measured on each seed: its value per seed (the mean over validation images of the
/// per-image paired effect) and, where it is made of images, their standard error per seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Replicates {
    /// `(seed, value)`, one per seed.
    pub per_seed: Vec<(u64, f64)>,
    /// Standard error of each seed's value over its validation images (`None` where the effect
    /// is not a mean over images).
    pub image_se: Vec<Option<f64>>,
}

impl Replicates {
    /// No seeds yet.
    pub fn new() -> Self {
        Self {
            per_seed: Vec::new(),
            image_se: Vec::new(),
        }
    }

    /// Adds a seed whose effect is the mean of `per_image` (its standard error kept).
    pub fn push_images(&mut self, seed: u64, per_image: &[f64]) {
        let (mean, sd) = mean_sd(per_image);
        self.per_seed.push((seed, mean));
        self.image_se
            .push((per_image.len() > 1).then(|| sd / (per_image.len() as f64).sqrt()));
    }

    /// Adds a seed whose effect is one number (not made of images).
    pub fn push_value(&mut self, seed: u64, value: f64) {
        self.per_seed.push((seed, value));
        self.image_se.push(None);
    }

    /// Adds a seed whose effect is one number computed from its validation images (a ratio of
    /// sums, say), with the standard error over those images that `se` gives
    /// ([`jackknife_se`]).
    pub fn push_estimate(&mut self, seed: u64, value: f64, se: f64) {
        self.per_seed.push((seed, value));
        self.image_se.push(Some(se));
    }

    /// The values, in seed order.
    pub fn values(&self) -> Vec<f64> {
        self.per_seed.iter().map(|&(_, v)| v).collect()
    }

    /// The interval of the mean over seeds (`None` below two seeds).
    pub fn interval(&self) -> Option<Interval> {
        Interval::of_mean(&self.values())
    }

    /// The standard deviation between seeds (the seed noise).
    pub fn seed_sd(&self) -> f64 {
        mean_sd(&self.values()).1
    }

    /// The root mean square of the per-seed image standard errors (the evaluation noise), if
    /// the effect is made of images.
    pub fn eval_se(&self) -> Option<f64> {
        let se: Vec<f64> = self.image_se.iter().flatten().copied().collect();
        if se.is_empty() {
            return None;
        }
        Some((se.iter().map(|s| s * s).sum::<f64>() / se.len() as f64).sqrt())
    }
}

impl Default for Replicates {
    fn default() -> Self {
        Self::new()
    }
}

/// The jackknife standard error of a statistic of `n` validation images: `leave_out(i)` is the
/// statistic without image `i`; the error is √((n − 1)/n · Σ (θ₍ᵢ₎ − θ̄)²) (Efron & Tibshirani,
/// *An Introduction to the Bootstrap*, eq. 11.5). For the mean it is exactly sd/√n. `None`
/// below two images or where a leave-one-out value is not finite.
pub fn jackknife_se(n: usize, leave_out: impl Fn(usize) -> f64) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let theta: Vec<f64> = (0..n).map(leave_out).collect();
    if theta.iter().any(|t| !t.is_finite()) {
        return None;
    }
    let mean = theta.iter().sum::<f64>() / n as f64;
    let ss: f64 = theta.iter().map(|t| (t - mean).powi(2)).sum();
    Some(((n as f64 - 1.0) / n as f64 * ss).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_scipy() {
        // python3 -c "from scipy.stats import t; print([round(t.ppf(0.975, d), 6) for d in (1, 2, 4, 31, 40, 100, 1000)])"
        // [12.706205, 4.302653, 2.776445, 2.039513, 2.021075, 1.983972, 1.962339]
        let want = [
            (1, 12.706205),
            (2, 4.302653),
            (4, 2.776445),
            (31, 2.039513),
            (40, 2.021075),
            (100, 1.983972),
            (1000, 1.962339),
        ];
        for (df, q) in want {
            assert!((t975(df) - q).abs() < 1e-4, "df {df}: {} vs {q}", t975(df));
        }
    }

    #[test]
    fn interval_of_three_values_by_hand() {
        // mean 2, sd 1, half width t(2)·1/√3 = 4.3027/1.7321 = 2.4841.
        let i = Interval::of_mean(&[1.0, 2.0, 3.0]).unwrap();
        assert!((i.estimate - 2.0).abs() < 1e-12);
        assert!((i.high - 2.0 - 4.3027 / 3f64.sqrt()).abs() < 1e-9);
        assert!((i.low - 2.0 + 4.3027 / 3f64.sqrt()).abs() < 1e-9);
        assert!(
            Interval::of_mean(&[1.0]).is_none(),
            "one seed has no interval"
        );
        assert!(Interval::of_mean(&[1.0, f64::NAN]).is_none());
    }

    #[test]
    fn replicates_separate_seed_noise_from_image_noise() {
        let mut r = Replicates::new();
        r.push_images(0, &[1.0, 3.0]); // mean 2, sd √2, se 1
        r.push_images(1, &[3.0, 5.0]); // mean 4, se 1
        assert_eq!(r.values(), vec![2.0, 4.0]);
        assert!((r.seed_sd() - 2f64.sqrt()).abs() < 1e-12);
        assert!((r.eval_se().unwrap() - 1.0).abs() < 1e-12);
        let mut v = Replicates::new();
        v.push_value(0, 1.0);
        assert!(v.eval_se().is_none());
        v.push_estimate(1, 2.0, 0.5);
        assert!((v.eval_se().unwrap() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn the_jackknife_of_a_mean_is_its_standard_error() {
        // For the mean the jackknife gives sd/√n exactly: values 1, 2, 4, 9 have sd
        // √(38/3) = 3.559 (deviations −3, −2, 0, 5 from the mean 4), se 1.780.
        let x = [1.0, 2.0, 4.0, 9.0];
        let mean_without = |i: usize| {
            let rest: Vec<f64> = (0..4).filter(|&j| j != i).map(|j| x[j]).collect();
            rest.iter().sum::<f64>() / 3.0
        };
        let se = jackknife_se(4, mean_without).unwrap();
        let (_, sd) = mean_sd(&x);
        assert!((se - sd / 2.0).abs() < 1e-12, "{se} vs {}", sd / 2.0);
        assert!((se - (38f64 / 3.0).sqrt() / 2.0).abs() < 1e-12);
        assert!(jackknife_se(1, |_| 1.0).is_none());
        assert!(jackknife_se(3, |i| if i == 1 { f64::NAN } else { 1.0 }).is_none());
    }
}
