//! The noise level of an image, to read beside the sharpness measures: residual noise raises
//! every gradient-energy sharpness score, so "sharper than the truth" means little without it.
//!
//! Immerkær's estimator (J. Immerkær, "Fast noise variance estimation", CVIU 64(2), 1996): the
//! luminance is filtered with the difference of two Laplacians
//! `N = [[1, −2, 1], [−2, 4, −2], [1, −2, 1]]`, which is zero on every constant and every linear
//! ramp, and `σ̂ = √(π/2) / 6 · mean |N ∗ I|` over the pixels whose 3×3 neighbourhood is inside the
//! image. For white Gaussian noise of standard deviation σ, `N ∗ I` is Gaussian with standard
//! deviation `σ ‖N‖₂ = 6σ` and `E|N ∗ I| = 6σ √(2/π)`, so `σ̂` is unbiased for σ.
//!
//! [`residual_noise`] applies it to `output − reference`: the noise an output still carries (with
//! a little of its edge errors), on the scale of the image (range 1).

use crate::{ImageRef, MetricsError, OwnedPlane};

/// Immerkær's σ̂ of the luminance of `image`; at least 3×3 pixels.
pub fn noise_level(image: &ImageRef<'_>) -> Result<f64, MetricsError> {
    let lum = image.luminance();
    check(&lum)?;
    Ok(immerkaer(&lum))
}

/// Immerkær's σ̂ of the luminance of `output − reference`: the residual noise of an output
/// against its clean reference; at least 3×3 pixels.
pub fn residual_noise(
    output: &ImageRef<'_>,
    reference: &ImageRef<'_>,
) -> Result<f64, MetricsError> {
    output.same_shape(reference)?;
    let (mut out, reference) = (output.luminance(), reference.luminance());
    check(&out)?;
    for (o, r) in out.values.iter_mut().zip(&reference.values) {
        *o -= r;
    }
    Ok(immerkaer(&out))
}

fn check(p: &OwnedPlane) -> Result<(), MetricsError> {
    if p.height < 3 || p.width < 3 {
        Err(MetricsError::TooSmall {
            metric: "noise level",
            height: p.height,
            width: p.width,
            min: 3,
        })
    } else {
        Ok(())
    }
}

/// `√(π/2) / 6 · mean |N ∗ p|` over the interior of `p` (at least 3×3).
fn immerkaer(p: &OwnedPlane) -> f64 {
    const MASK: [[f64; 3]; 3] = [[1.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 1.0]];
    let mut sum = 0.0;
    for y in 1..p.height - 1 {
        for x in 1..p.width - 1 {
            let mut v = 0.0;
            for (dy, row) in MASK.iter().enumerate() {
                for (dx, m) in row.iter().enumerate() {
                    v += m * p.at(y + dy - 1, x + dx - 1);
                }
            }
            sum += v.abs();
        }
    }
    let n = ((p.height - 2) * (p.width - 2)) as f64;
    (std::f64::consts::FRAC_PI_2).sqrt() / 6.0 * sum / n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(h: usize, w: usize, f: impl Fn(usize, usize) -> f32) -> Vec<f32> {
        (0..h * w).map(|i| f(i / w, i % w)).collect()
    }

    #[test]
    fn constants_and_ramps_have_no_noise() {
        let ramp = plane(9, 12, |y, x| 0.1 + 0.03 * x as f32 + 0.02 * y as f32);
        let v = noise_level(&ImageRef::gray(&ramp, 9, 12).unwrap()).unwrap();
        assert!(v.abs() < 1e-6, "{v}");
    }

    #[test]
    fn a_checkerboard_gives_the_masks_closed_form() {
        // ±a alternating: every interior pixel of N ∗ I is ±(4 + 4·2 + 4·1)·a = ±16a, so
        // σ̂ = √(π/2)/6 · 16a.
        let a = 0.05f32;
        let board = plane(10, 10, |y, x| 0.5 + if (x + y) % 2 == 0 { a } else { -a });
        let v = noise_level(&ImageRef::gray(&board, 10, 10).unwrap()).unwrap();
        let expected = (std::f64::consts::FRAC_PI_2).sqrt() / 6.0 * 16.0 * f64::from(a);
        assert!((v - expected).abs() < 1e-6, "{v} vs {expected}");
    }

    #[test]
    fn white_gaussian_noise_gives_its_sigma() {
        // Box–Muller over a xorshift stream: 256 × 256 draws of N(0, 0.05²) around 0.5. The
        // estimator is unbiased for Gaussian noise; its relative standard error here is below 1 %.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut uniform = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let sigma = 0.05;
        let noise: Vec<f32> = (0..256 * 256)
            .map(|_| {
                let (u, v) = (uniform(), uniform());
                let z = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
                (0.5 + sigma * z) as f32
            })
            .collect();
        let v = noise_level(&ImageRef::gray(&noise, 256, 256).unwrap()).unwrap();
        assert!((v / sigma - 1.0).abs() < 0.02, "{v}");
    }

    #[test]
    fn the_residual_is_the_noise_of_the_difference() {
        let clean = plane(8, 8, |y, x| ((x * 7 + y * 3) % 5) as f32 * 0.1);
        let board = plane(8, 8, |y, x| if (x + y) % 2 == 0 { 0.02 } else { -0.02 });
        let noisy: Vec<f32> = clean.iter().zip(&board).map(|(c, b)| c + b).collect();
        let r = residual_noise(
            &ImageRef::gray(&noisy, 8, 8).unwrap(),
            &ImageRef::gray(&clean, 8, 8).unwrap(),
        )
        .unwrap();
        let alone = noise_level(&ImageRef::gray(&board, 8, 8).unwrap()).unwrap();
        assert!((r - alone).abs() < 1e-6, "{r} vs {alone}");
        let tiny = [0.0f32; 4];
        assert!(noise_level(&ImageRef::gray(&tiny, 2, 2).unwrap()).is_err());
    }
}
