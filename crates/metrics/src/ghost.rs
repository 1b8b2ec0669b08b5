//! The ghost of a two-answer target: how much of the minority answer an output carries.
//!
//! When a target is either image `A` (the majority, probability p) or image `B` (1 − p), the
//! conditional mean is `A + (1 − p)(B − A)` and, for p > ½, the conditional median is `A`. The
//! ghost amplitude is the least-squares coefficient `g` of `output ≈ A + g (B − A)`:
//! `g = ⟨output − A, B − A⟩ / ‖B − A‖²`. Where `A` and `B` are one image moved two ways, `B − A`
//! lives on the edges, so `g` is the height of the minority edge relative to the edge contrast:
//! `1 − p` for the mean, `0` for the median. Noise in the output that is uncorrelated with the
//! edges averages out of the inner product instead of inflating it (as it inflates gradient-energy
//! sharpness measures).

use crate::{ImageRef, MetricsError};

/// The ghost amplitude of `output` between the `majority` and `minority` answers, or `None` when
/// the two answers are equal (nothing to tell apart).
pub fn ghost_amplitude(
    output: &ImageRef<'_>,
    majority: &ImageRef<'_>,
    minority: &ImageRef<'_>,
) -> Result<Option<f64>, MetricsError> {
    output.same_shape(majority)?;
    output.same_shape(minority)?;
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for ((&o, &a), &b) in output
        .data()
        .iter()
        .zip(majority.data())
        .zip(minority.data())
    {
        let d = f64::from(b) - f64::from(a);
        num += (f64::from(o) - f64::from(a)) * d;
        den += d * d;
    }
    Ok((den > 0.0).then(|| num / den))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vertical-bar image (steps of contrast 0.6 every 8 columns) moved `dx` columns.
    fn bars(dx: isize) -> Vec<f32> {
        let (h, w) = (16usize, 32usize);
        let mut v = Vec::with_capacity(h * w);
        for _ in 0..h {
            for x in 0..w {
                let src = (x as isize - dx).clamp(0, w as isize - 1);
                v.push(if (src / 8) % 2 == 0 { 0.2 } else { 0.8 });
            }
        }
        v
    }

    #[test]
    fn ghost_of_a_blend_is_its_minority_weight() {
        let (a, b) = (bars(2), bars(-2));
        let ra = ImageRef::gray(&a, 16, 32).unwrap();
        let rb = ImageRef::gray(&b, 16, 32).unwrap();
        for g in [0.0f32, 0.1, 0.3, 0.5, 1.0] {
            let blend: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x + g * (y - x)).collect();
            let out = ImageRef::gray(&blend, 16, 32).unwrap();
            let got = ghost_amplitude(&out, &ra, &rb).unwrap().unwrap();
            assert!((got - f64::from(g)).abs() < 1e-6, "{g}: {got}");
        }
    }

    #[test]
    fn noise_uncorrelated_with_the_edges_makes_no_ghost() {
        // The majority image plus a ±0.05 checkerboard: the edges' difference is constant along
        // columns and every column of the checkerboard sums to zero.
        let (a, b) = (bars(2), bars(-2));
        let noisy: Vec<f32> = a
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v + if (i / 32 + i % 32) % 2 == 0 {
                    0.05
                } else {
                    -0.05
                }
            })
            .collect();
        let got = ghost_amplitude(
            &ImageRef::gray(&noisy, 16, 32).unwrap(),
            &ImageRef::gray(&a, 16, 32).unwrap(),
            &ImageRef::gray(&b, 16, 32).unwrap(),
        )
        .unwrap()
        .unwrap();
        assert!(got.abs() < 1e-6, "{got}");
        let same = ImageRef::gray(&a, 16, 32).unwrap();
        assert_eq!(ghost_amplitude(&same, &same, &same).unwrap(), None);
    }
}
