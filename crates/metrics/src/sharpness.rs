//! Sharpness and blur metrics, to show the blur that regression to the mean produces.
//!
//! All run on the luminance plane in `f64`:
//! - **Tenengrad**: mean of `Gx² + Gy²` with the 3×3 Sobel operator (unnormalised, as
//!   `scipy.ndimage.sobel`) over the pixels whose 3×3 neighbourhood is inside the image.
//! - **Variance of the Laplacian**: population variance of the 4-neighbour Laplacian
//!   (`scipy.ndimage.laplace`) over the same interior.
//! - **High-frequency ratio**: spectral energy `|F|²` at radial frequency above half Nyquist
//!   (> 0.25 cycles/pixel) over the total energy without the DC term (a flat image gives 0).
//! - **Blur effect** of Crété-Roffet, Dolmiere, Ladret & Nicolas (2007), exactly as
//!   `skimage.measure.blur_effect(image, h_size=11)`: 0 is sharp, 1 is maximally blurred.
//!
//! [`sharpness_ratios`] divides each by the value of the clean reference so that 1 means "as sharp
//! as the truth" and < 1 means blurrier; for the blur effect the ratio is `(1 − B) / (1 − B_ref)`.

use rustfft::{FftPlanner, num_complex::Complex};
use serde::{Deserialize, Serialize};

use crate::{ImageRef, MetricsError, OwnedPlane};

/// Four sharpness measures of one image, or their ratios to a reference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Sharpness {
    /// Sobel gradient energy (Tenengrad).
    pub tenengrad: f64,
    /// Variance of the Laplacian.
    pub laplacian_variance: f64,
    /// Share of spectral energy above half Nyquist.
    pub high_frequency: f64,
    /// For a measurement, `1 − blur effect` (1 = sharp); for a ratio, that over the reference's.
    pub anti_blur: f64,
}

impl Sharpness {
    /// Measures all four on the luminance of `image` (at least 4×4 pixels).
    pub fn measure(image: &ImageRef<'_>) -> Result<Self, MetricsError> {
        let lum = image.luminance();
        check_size(&lum, "sharpness", 4)?;
        Ok(Self {
            tenengrad: tenengrad_plane(&lum),
            laplacian_variance: laplacian_variance_plane(&lum),
            high_frequency: high_frequency_plane(&lum),
            anti_blur: 1.0 - blur_effect_plane(&lum, 11),
        })
    }
}

impl Sharpness {
    /// Each measure over the same measure of `reference` (see [`sharpness_ratios`]): a zero
    /// reference gives 1 when this is zero too and `+∞` otherwise (never NaN).
    pub fn ratio_to(&self, reference: &Sharpness) -> Sharpness {
        let ratio = |a: f64, b: f64| {
            if b == 0.0 {
                if a == 0.0 { 1.0 } else { f64::INFINITY }
            } else {
                a / b
            }
        };
        Sharpness {
            tenengrad: ratio(self.tenengrad, reference.tenengrad),
            laplacian_variance: ratio(self.laplacian_variance, reference.laplacian_variance),
            high_frequency: ratio(self.high_frequency, reference.high_frequency),
            anti_blur: ratio(self.anti_blur, reference.anti_blur),
        }
    }
}

fn check_size(p: &OwnedPlane, metric: &'static str, min: usize) -> Result<(), MetricsError> {
    if p.height < min || p.width < min {
        Err(MetricsError::TooSmall {
            metric,
            height: p.height,
            width: p.width,
            min,
        })
    } else {
        Ok(())
    }
}

/// `output / reference` for each measure; a zero reference gives 1 when the output is zero too
/// and `+∞` otherwise (never NaN).
pub fn sharpness_ratios(
    output: &ImageRef<'_>,
    reference: &ImageRef<'_>,
) -> Result<Sharpness, MetricsError> {
    output.same_shape(reference)?;
    Ok(Sharpness::measure(output)?.ratio_to(&Sharpness::measure(reference)?))
}

/// Tenengrad (mean Sobel gradient energy) of the luminance; at least 3×3 pixels.
pub fn tenengrad(image: &ImageRef<'_>) -> Result<f64, MetricsError> {
    let lum = image.luminance();
    check_size(&lum, "tenengrad", 3)?;
    Ok(tenengrad_plane(&lum))
}

/// Variance of the 4-neighbour Laplacian of the luminance; at least 3×3 pixels.
pub fn laplacian_variance(image: &ImageRef<'_>) -> Result<f64, MetricsError> {
    let lum = image.luminance();
    check_size(&lum, "laplacian variance", 3)?;
    Ok(laplacian_variance_plane(&lum))
}

/// Share of non-DC spectral energy above half Nyquist; at least 2×2 pixels.
pub fn high_frequency_ratio(image: &ImageRef<'_>) -> Result<f64, MetricsError> {
    let lum = image.luminance();
    check_size(&lum, "high-frequency ratio", 2)?;
    Ok(high_frequency_plane(&lum))
}

/// The blur effect of Crété-Roffet et al. (2007) as `skimage.measure.blur_effect` with the
/// given `h_size` (11 in the paper and in scikit-image); at least 4×4 pixels. A flat image (no
/// gradient at all) gives 1.
pub fn blur_effect(image: &ImageRef<'_>, h_size: usize) -> Result<f64, MetricsError> {
    if h_size == 0 {
        return Err(MetricsError::Parameter {
            name: "h_size",
            value: 0.0,
            expected: "a window length >= 1 (11 in the paper)",
        });
    }
    let lum = image.luminance();
    check_size(&lum, "blur effect", 4)?;
    Ok(blur_effect_plane(&lum, h_size))
}

fn sobel_xy(p: &OwnedPlane, y: usize, x: usize) -> (f64, f64) {
    let a = |dy: isize, dx: isize| p.at((y as isize + dy) as usize, (x as isize + dx) as usize);
    let gx = (a(-1, 1) + 2.0 * a(0, 1) + a(1, 1)) - (a(-1, -1) + 2.0 * a(0, -1) + a(1, -1));
    let gy = (a(1, -1) + 2.0 * a(1, 0) + a(1, 1)) - (a(-1, -1) + 2.0 * a(-1, 0) + a(-1, 1));
    (gx, gy)
}

fn interior(p: &OwnedPlane) -> impl Iterator<Item = (usize, usize)> + '_ {
    (1..p.height - 1).flat_map(move |y| (1..p.width - 1).map(move |x| (y, x)))
}

fn tenengrad_plane(p: &OwnedPlane) -> f64 {
    let n = ((p.height - 2) * (p.width - 2)) as f64;
    interior(p)
        .map(|(y, x)| {
            let (gx, gy) = sobel_xy(p, y, x);
            gx * gx + gy * gy
        })
        .sum::<f64>()
        / n
}

fn laplacian_variance_plane(p: &OwnedPlane) -> f64 {
    let lap: Vec<f64> = interior(p)
        .map(|(y, x)| {
            p.at(y - 1, x) + p.at(y + 1, x) + p.at(y, x - 1) + p.at(y, x + 1) - 4.0 * p.at(y, x)
        })
        .collect();
    let n = lap.len() as f64;
    let mean = lap.iter().sum::<f64>() / n;
    lap.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n
}

/// numpy's `fftfreq` for index `k` of an `n`-point transform, in cycles per sample.
fn fft_freq(k: usize, n: usize) -> f64 {
    let k = if k < n.div_ceil(2) {
        k as f64
    } else {
        k as f64 - n as f64
    };
    k / n as f64
}

fn high_frequency_plane(p: &OwnedPlane) -> f64 {
    let (h, w) = (p.height, p.width);
    let mut buf: Vec<Complex<f64>> = p.values.iter().map(|&v| Complex::new(v, 0.0)).collect();
    let mut planner = FftPlanner::<f64>::new();
    let row_fft = planner.plan_fft_forward(w);
    for row in buf.chunks_exact_mut(w) {
        row_fft.process(row);
    }
    let col_fft = planner.plan_fft_forward(h);
    let mut col = vec![Complex::new(0.0, 0.0); h];
    for x in 0..w {
        for y in 0..h {
            col[y] = buf[y * w + x];
        }
        col_fft.process(&mut col);
        for y in 0..h {
            buf[y * w + x] = col[y];
        }
    }
    let (mut high, mut total) = (0.0, 0.0);
    for y in 0..h {
        let fy = fft_freq(y, h);
        for x in 0..w {
            if x == 0 && y == 0 {
                continue;
            }
            let fx = fft_freq(x, w);
            let e = buf[y * w + x].norm_sqr();
            total += e;
            if (fx * fx + fy * fy).sqrt() > 0.25 {
                high += e;
            }
        }
    }
    if total == 0.0 { 0.0 } else { high / total }
}

/// scipy's `reflect` boundary (d c b a | a b c d | d c b a), periodic with period 2n.
fn reflect(i: isize, n: usize) -> usize {
    let period = 2 * n as isize;
    let m = i.rem_euclid(period) as usize;
    if m < n { m } else { 2 * n - 1 - m }
}

/// `scipy.ndimage.uniform_filter1d(p, size, axis, mode='reflect')`; axis 0 is rows (y).
fn uniform_filter1d(p: &OwnedPlane, size: usize, axis: usize) -> OwnedPlane {
    let (h, w) = (p.height, p.width);
    // scipy centres the window at size/2 for origin 0: it covers i - size/2 ..= i + (size-1)/2.
    let before = (size / 2) as isize;
    let after = ((size - 1) / 2) as isize;
    let mut out = vec![0.0; h * w];
    for y in 0..h {
        for x in 0..w {
            let mut s = 0.0;
            for d in -before..=after {
                s += if axis == 0 {
                    p.at(reflect(y as isize + d, h), x)
                } else {
                    p.at(y, reflect(x as isize + d, w))
                };
            }
            out[y * w + x] = s / size as f64;
        }
    }
    OwnedPlane {
        values: out,
        height: h,
        width: w,
    }
}

/// scikit-image's `sobel(image, axis)` at an interior pixel: edge [1, 0, −1] along `axis`,
/// smoothing [1, 2, 1]/4 along the other; absolute value.
fn sobel_axis_abs(p: &OwnedPlane, y: usize, x: usize, axis: usize) -> f64 {
    let (gx, gy) = sobel_xy(p, y, x);
    if axis == 0 {
        gy.abs() / 4.0
    } else {
        gx.abs() / 4.0
    }
}

fn blur_effect_plane(p: &OwnedPlane, h_size: usize) -> f64 {
    let mut worst: f64 = 0.0;
    for axis in 0..2 {
        let blurred = uniform_filter1d(p, h_size, axis);
        let (mut m1, mut m2) = (0.0, 0.0);
        for y in 2..p.height - 1 {
            for x in 2..p.width - 1 {
                let sharp = sobel_axis_abs(p, y, x, axis);
                let blur = sobel_axis_abs(&blurred, y, x, axis);
                m1 += sharp;
                m2 += (sharp - blur).max(0.0);
            }
        }
        let b = if m1 == 0.0 { 1.0 } else { (m1 - m2).abs() / m1 };
        worst = worst.max(b);
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflect_matches_scipy_convention() {
        // n = 4: indices -3..8 map to 2 1 0 | 0 1 2 3 | 3 2 1 0.
        let got: Vec<usize> = (-3..8).map(|i| reflect(i, 4)).collect();
        assert_eq!(got, vec![2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0]);
    }

    #[test]
    fn fft_freq_matches_numpy() {
        // np.fft.fftfreq(5) = [0, .2, .4, -.4, -.2]; fftfreq(4) = [0, .25, -.5, -.25]
        let f5: Vec<f64> = (0..5).map(|k| fft_freq(k, 5)).collect();
        assert_eq!(f5, vec![0.0, 0.2, 0.4, -0.4, -0.2]);
        let f4: Vec<f64> = (0..4).map(|k| fft_freq(k, 4)).collect();
        assert_eq!(f4, vec![0.0, 0.25, -0.5, -0.25]);
    }

    #[test]
    fn flat_image_is_not_nan() {
        let d = [0.5f32; 64];
        let img = ImageRef::gray(&d, 8, 8).unwrap();
        let s = Sharpness::measure(&img).unwrap();
        assert_eq!(s.tenengrad, 0.0);
        assert_eq!(s.high_frequency, 0.0);
        assert_eq!(s.anti_blur, 0.0);
        let r = sharpness_ratios(&img, &img).unwrap();
        assert_eq!(r.tenengrad, 1.0);
    }

    #[test]
    fn checkerboard_is_all_high_frequency() {
        // A ±1 checkerboard has all its non-DC energy at (0.5, 0.5) cycles/pixel.
        let d: Vec<f32> = (0..64).map(|i| ((i / 8 + i % 8) % 2) as f32).collect();
        let img = ImageRef::gray(&d, 8, 8).unwrap();
        assert!((high_frequency_ratio(&img).unwrap() - 1.0).abs() < 1e-12);
    }
}
