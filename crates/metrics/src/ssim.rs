//! Structural similarity (Wang, Bovik, Sheikh & Simoncelli 2004) with a Gaussian window.
//!
//! Matches scikit-image `structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
//! use_sample_covariance=False, data_range=1)`: an 11×11 Gaussian window (radius
//! `round(truncate·σ)`, truncate 3.5), K1 = 0.01, K2 = 0.03, and the mean of the SSIM map over the
//! pixels whose window lies inside the image (scikit-image crops `(win − 1)/2` pixels from each
//! border, so its border mode never enters the mean). Colour images give the mean over channels.

use crate::{ImageRef, MetricsError};

/// Parameters of SSIM; the defaults are the published ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SsimConfig {
    /// Standard deviation of the Gaussian window.
    pub sigma: f64,
    /// The window is cut at `truncate · sigma` (scikit-image's default 3.5 gives 11×11 for σ 1.5).
    pub truncate: f64,
    /// Luminance stabiliser: C1 = (K1·L)².
    pub k1: f64,
    /// Contrast stabiliser: C2 = (K2·L)².
    pub k2: f64,
    /// Dynamic range L of the values (1.0 for images in [0, 1]).
    pub data_range: f64,
}

impl Default for SsimConfig {
    fn default() -> Self {
        Self {
            sigma: 1.5,
            truncate: 3.5,
            k1: 0.01,
            k2: 0.03,
            data_range: 1.0,
        }
    }
}

impl SsimConfig {
    /// The window radius `int(truncate · sigma + 0.5)`, as scipy computes it.
    pub fn radius(&self) -> usize {
        (self.truncate * self.sigma + 0.5) as usize
    }

    /// The normalised 1-D Gaussian kernel of length `2·radius + 1`.
    fn kernel(&self) -> Vec<f64> {
        let r = self.radius() as i64;
        let k: Vec<f64> = (-r..=r)
            .map(|x| (-0.5 * (x * x) as f64 / (self.sigma * self.sigma)).exp())
            .collect();
        let s: f64 = k.iter().sum();
        k.into_iter().map(|v| v / s).collect()
    }
}

/// SSIM with the default (published) parameters and data range 1.
pub fn ssim(a: &ImageRef<'_>, b: &ImageRef<'_>) -> Result<f64, MetricsError> {
    ssim_with(a, b, &SsimConfig::default())
}

/// SSIM with explicit parameters; the mean over channels for colour images.
pub fn ssim_with(
    a: &ImageRef<'_>,
    b: &ImageRef<'_>,
    config: &SsimConfig,
) -> Result<f64, MetricsError> {
    a.same_shape(b)?;
    if !(config.sigma > 0.0 && config.data_range > 0.0) {
        return Err(MetricsError::Parameter {
            name: "sigma/data_range",
            value: config.sigma.min(config.data_range),
            expected: "both > 0",
        });
    }
    let win = 2 * config.radius() + 1;
    if a.height() < win || a.width() < win {
        return Err(MetricsError::TooSmall {
            metric: "SSIM",
            height: a.height(),
            width: a.width(),
            min: win,
        });
    }
    let kernel = config.kernel();
    let total: f64 = (0..a.channels())
        .map(|c| {
            ssim_plane(
                a.plane(c),
                b.plane(c),
                a.height(),
                a.width(),
                &kernel,
                config,
            )
        })
        .sum();
    Ok(total / a.channels() as f64)
}

/// Mean SSIM of one plane over the valid (fully windowed) region.
fn ssim_plane(
    x: &[f32],
    y: &[f32],
    h: usize,
    w: usize,
    kernel: &[f64],
    config: &SsimConfig,
) -> f64 {
    let win = kernel.len();
    let (oh, ow) = (h - win + 1, w - win + 1);
    // Horizontal pass: for each row, the windowed sums of x, y, x², y², xy at each valid column.
    let mut horiz = vec![[0.0f64; 5]; h * ow];
    for row in 0..h {
        for col in 0..ow {
            let mut acc = [0.0f64; 5];
            for (k, &wk) in kernel.iter().enumerate() {
                let i = row * w + col + k;
                let (xv, yv) = (f64::from(x[i]), f64::from(y[i]));
                acc[0] += wk * xv;
                acc[1] += wk * yv;
                acc[2] += wk * xv * xv;
                acc[3] += wk * yv * yv;
                acc[4] += wk * xv * yv;
            }
            horiz[row * ow + col] = acc;
        }
    }
    let c1 = (config.k1 * config.data_range).powi(2);
    let c2 = (config.k2 * config.data_range).powi(2);
    let mut sum = 0.0;
    for row in 0..oh {
        for col in 0..ow {
            let mut m = [0.0f64; 5];
            for (k, &wk) in kernel.iter().enumerate() {
                let v = &horiz[(row + k) * ow + col];
                for q in 0..5 {
                    m[q] += wk * v[q];
                }
            }
            let [ux, uy, uxx, uyy, uxy] = m;
            let vx = uxx - ux * ux;
            let vy = uyy - uy * uy;
            let vxy = uxy - ux * uy;
            let num = (2.0 * ux * uy + c1) * (2.0 * vxy + c2);
            let den = (ux * ux + uy * uy + c1) * (vx + vy + c2);
            sum += num / den;
        }
    }
    sum / (oh * ow) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_images_score_one() {
        let d: Vec<f32> = (0..400).map(|i| ((i * 37) % 101) as f32 / 100.0).collect();
        let a = ImageRef::gray(&d, 20, 20).unwrap();
        assert!((ssim(&a, &a).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn window_is_eleven_for_default_sigma() {
        assert_eq!(SsimConfig::default().radius(), 5);
        let k = SsimConfig::default().kernel();
        assert_eq!(k.len(), 11);
        assert!((k.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn too_small_is_an_error() {
        let d = [0.0f32; 100];
        let a = ImageRef::gray(&d, 10, 10).unwrap();
        assert!(matches!(
            ssim(&a, &a),
            Err(MetricsError::TooSmall { min: 11, .. })
        ));
    }
}
