//! Pixel-error metrics: MSE, MAE, bias (mean signed error) and PSNR.

use crate::{ImageRef, MetricsError};

fn pairs<'a>(
    output: &ImageRef<'a>,
    reference: &ImageRef<'a>,
) -> Result<impl Iterator<Item = f64> + 'a, MetricsError> {
    output.same_shape(reference)?;
    if output.data().is_empty() {
        return Err(MetricsError::TooSmall {
            metric: "a pixel metric",
            height: output.height(),
            width: output.width(),
            min: 1,
        });
    }
    Ok(output
        .data()
        .iter()
        .zip(reference.data())
        .map(|(&o, &r)| f64::from(o) - f64::from(r)))
}

/// Mean squared error over every channel and pixel.
pub fn mse(output: &ImageRef<'_>, reference: &ImageRef<'_>) -> Result<f64, MetricsError> {
    let n = output.data().len() as f64;
    Ok(pairs(output, reference)?.map(|d| d * d).sum::<f64>() / n)
}

/// Mean absolute error over every channel and pixel.
pub fn mae(output: &ImageRef<'_>, reference: &ImageRef<'_>) -> Result<f64, MetricsError> {
    let n = output.data().len() as f64;
    Ok(pairs(output, reference)?.map(f64::abs).sum::<f64>() / n)
}

/// Mean signed error `mean(output − reference)`: how far the output is dragged. An MSE-trained
/// network under outlier labels with fraction ε at offset M shows a bias near ε·M.
pub fn bias(output: &ImageRef<'_>, reference: &ImageRef<'_>) -> Result<f64, MetricsError> {
    let n = output.data().len() as f64;
    Ok(pairs(output, reference)?.sum::<f64>() / n)
}

/// PSNR in dB from a mean squared error: `10·log10(range² / mse)`.
///
/// Identical images (`mse == 0`) give `f64::INFINITY`, never NaN. `data_range` must be positive.
pub fn psnr_from_mse(mse: f64, data_range: f64) -> Result<f64, MetricsError> {
    if !(data_range > 0.0 && data_range.is_finite()) {
        return Err(MetricsError::Parameter {
            name: "data_range",
            value: data_range,
            expected: "a finite value > 0 (1.0 for images in [0, 1])",
        });
    }
    if mse.is_nan() || mse < 0.0 {
        return Err(MetricsError::Parameter {
            name: "mse",
            value: mse,
            expected: "a value >= 0",
        });
    }
    if mse == 0.0 {
        return Ok(f64::INFINITY);
    }
    Ok(10.0 * (data_range * data_range / mse).log10())
}

/// Peak signal-to-noise ratio in dB of `output` against `reference` for the given data range
/// (1.0 for images in [0, 1]); identical images give `f64::INFINITY`.
pub fn psnr(
    output: &ImageRef<'_>,
    reference: &ImageRef<'_>,
    data_range: f64,
) -> Result<f64, MetricsError> {
    psnr_from_mse(mse(output, reference)?, data_range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psnr_of_known_mse_is_exact() {
        let a = [0.25f32; 16];
        let b = [0.75f32; 16];
        let ia = ImageRef::gray(&a, 4, 4).unwrap();
        let ib = ImageRef::gray(&b, 4, 4).unwrap();
        // 0.25 and 0.75 are exact in binary: MSE = 0.25, PSNR = 10·log10(4) = 6.0206 dB.
        assert_eq!(mse(&ia, &ib).unwrap(), 0.25);
        let expected = 10.0 * 4.0f64.log10();
        assert!((psnr(&ia, &ib, 1.0).unwrap() - expected).abs() < 1e-12);
        // Range 255 with MSE 0.25: 10·log10(255²/0.25) = 20·log10(510).
        assert!((psnr(&ia, &ib, 255.0).unwrap() - 20.0 * 510.0f64.log10()).abs() < 1e-12);
    }

    #[test]
    fn identical_images_give_infinity_not_nan() {
        let a = [0.5f32; 9];
        let ia = ImageRef::gray(&a, 3, 3).unwrap();
        let p = psnr(&ia, &ia, 1.0).unwrap();
        assert!(p.is_infinite() && p > 0.0);
    }

    #[test]
    fn bias_is_signed_and_mae_is_not() {
        let o = [0.5f32, 0.5, 0.5, 0.5];
        let r = [0.25f32, 0.75, 0.25, 0.25];
        let io = ImageRef::gray(&o, 2, 2).unwrap();
        let ir = ImageRef::gray(&r, 2, 2).unwrap();
        assert_eq!(bias(&io, &ir).unwrap(), (0.25 - 0.25 + 0.25 + 0.25) / 4.0);
        assert_eq!(mae(&io, &ir).unwrap(), 0.25);
    }

    #[test]
    fn shape_mismatch_and_bad_range_are_errors() {
        let a = [0.0f32; 4];
        let b = [0.0f32; 6];
        let ia = ImageRef::gray(&a, 2, 2).unwrap();
        let ib = ImageRef::gray(&b, 2, 3).unwrap();
        assert!(matches!(
            mse(&ia, &ib),
            Err(MetricsError::ShapeMismatch { .. })
        ));
        assert!(psnr(&ia, &ia, 0.0).is_err());
        assert!(psnr(&ia, &ia, f64::NAN).is_err());
    }
}
