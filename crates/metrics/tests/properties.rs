//! Properties every metric must have, independent of reference values.

use denoise_metrics::{ImageRef, psnr_from_mse, sharpness_ratios, ssim};

use crate::util::{box_blur, noisy, scene};

#[test]
fn blurring_strictly_lowers_every_sharpness_ratio() {
    let (h, w) = (32, 30);
    let s = scene(h, w);
    let once = box_blur(&s, h, w);
    let twice = box_blur(&once, h, w);
    let r_s = ImageRef::gray(&s, h, w).unwrap();
    let r1 = sharpness_ratios(&ImageRef::gray(&once, h, w).unwrap(), &r_s).unwrap();
    let r2 = sharpness_ratios(&ImageRef::gray(&twice, h, w).unwrap(), &r_s).unwrap();
    for (name, a, b) in [
        ("tenengrad", r1.tenengrad, r2.tenengrad),
        (
            "laplacian variance",
            r1.laplacian_variance,
            r2.laplacian_variance,
        ),
        ("high frequency", r1.high_frequency, r2.high_frequency),
        ("anti-blur", r1.anti_blur, r2.anti_blur),
    ] {
        assert!(a < 1.0, "{name}: one blur gave ratio {a}, expected < 1");
        assert!(
            b < a,
            "{name}: two blurs gave {b}, expected < one blur's {a}"
        );
    }
}

#[test]
fn noise_lowers_ssim_monotonically() {
    let (h, w) = (32, 30);
    let s = scene(h, w);
    let n1 = noisy(&s, h, w, 7);
    // The same noise at twice the amplitude.
    let n2: Vec<f32> = s
        .iter()
        .zip(&n1)
        .map(|(&a, &b)| a + 2.0 * (b - a))
        .collect();
    let r = ImageRef::gray(&s, h, w).unwrap();
    let a = ssim(&r, &ImageRef::gray(&n1, h, w).unwrap()).unwrap();
    let b = ssim(&r, &ImageRef::gray(&n2, h, w).unwrap()).unwrap();
    assert!(1.0 > a && a > b, "ssim {a} then {b}");
}

#[test]
fn psnr_of_known_mse_values() {
    // 10·log10(1/1e-2) = 20 dB, 10·log10(1/1e-3) = 30 dB: decades of MSE are 10 dB apart.
    assert!((psnr_from_mse(1e-2, 1.0).unwrap() - 20.0).abs() < 1e-12);
    assert!((psnr_from_mse(1e-3, 1.0).unwrap() - 30.0).abs() < 1e-12);
}
