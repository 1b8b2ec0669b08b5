//! The pixel-wise oracle of a finite set of noisy labels: with K noisy targets per pixel, the
//! best MSE can do is their mean, the best L1 can do their median. The ratio of the two
//! estimators' variances says which loss uses the labels more efficiently: π/2 (the mean wins)
//! under Gaussian noise, ½ (the median wins) under Laplace noise, as K grows.

use denoise_data::NoiseSpec;
use denoise_data::seed::{Domain, stream};

/// The variances, per unit noise variance, of the mean and the median of K draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KDrawOracle {
    /// Draws per pixel.
    pub k: usize,
    /// `K · Var(mean of K) / σ²` (1 exactly; measured as a check).
    pub mean: f64,
    /// `Var(median of K) / Var(mean of K)`.
    pub ratio: f64,
}

/// The median of `v` (the midpoint of the two middle values for an even count); reorders `v`.
fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    let (_, m, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let hi = *m;
    if n % 2 == 1 {
        return hi;
    }
    let lo = v[..n / 2].iter().copied().fold(f64::MIN, f64::max);
    (lo + hi) / 2.0
}

/// The oracle of `noise` (zero-mean and symmetric: Gaussian or Laplace) at K draws, simulated
/// with `trials` pixels from a fixed stream (the same numbers on every machine).
pub fn k_draw_oracle(noise: &NoiseSpec, k: usize, trials: usize) -> KDrawOracle {
    let mut rng = stream(0x0C7A_C1E5, Domain::Evaluation, k as u64);
    let mut draws = vec![0.0f32; k];
    let mut v = vec![0.0f64; k];
    let (mut s_mean, mut s_mean2, mut s_med, mut s_med2) = (0.0, 0.0, 0.0, 0.0);
    let var = noise.pixel_variance(0.5);
    for _ in 0..trials {
        draws.iter_mut().for_each(|d| *d = 0.0);
        noise.sample_in_place(&mut draws, &mut rng);
        for (x, d) in v.iter_mut().zip(&draws) {
            *x = f64::from(*d);
        }
        let mean = v.iter().sum::<f64>() / k as f64;
        let med = median(&mut v);
        s_mean += mean;
        s_mean2 += mean * mean;
        s_med += med;
        s_med2 += med * med;
    }
    let n = trials as f64;
    let var_mean = s_mean2 / n - (s_mean / n).powi(2);
    let var_med = s_med2 / n - (s_med / n).powi(2);
    KDrawOracle {
        k,
        mean: k as f64 * var_mean / var,
        ratio: var_med / var_mean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn k_draw_oracle_meets_the_closed_forms() {
        let gauss: NoiseSpec = "gaussian:50".parse().unwrap();
        let laplace: NoiseSpec = "laplace:35.36".parse().unwrap();
        // The mean of K draws has variance σ²/K exactly; 20 000 trials: relative error ≈ 1 %.
        for noise in [&gauss, &laplace] {
            let o = k_draw_oracle(noise, 5, 20_000);
            assert!((o.mean - 1.0).abs() < 0.05, "{noise}: {}", o.mean);
        }
        // Gaussian: the median's variance over the mean's is 1.4342 at K = 5 (the exact
        // small-sample value, e.g. Kendall & Stuart) and tends to π/2 = 1.5708.
        let g5 = k_draw_oracle(&gauss, 5, 20_000).ratio;
        assert!((g5 - 1.4342).abs() < 0.05, "{g5}");
        let g = k_draw_oracle(&gauss, 401, 20_000).ratio;
        assert!((g - std::f64::consts::FRAC_PI_2).abs() < 0.05, "{g}");
        // Laplace: it tends to ½ from above, slowly (the correction falls as 1/√K): numpy gives
        // 0.875, 0.578, 0.549 at K = 5, 101, 401 (20 000 trials each).
        let l: Vec<f64> = [5, 101, 401]
            .map(|k| k_draw_oracle(&laplace, k, 20_000).ratio)
            .to_vec();
        assert!(
            l[0] > l[1] && l[1] > l[2] && l[2] > 0.5 && l[2] < 0.6,
            "{l:?}"
        );
        assert!((l[0] - 0.875).abs() < 0.04, "{l:?}");
    }
}
