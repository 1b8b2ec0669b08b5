//! Image-quality metrics on plain host images: PSNR, MSE, MAE, bias, SSIM, sharpness, the noise
//! level (to read beside sharpness) and the ghost amplitude of a two-answer target.
//!
//! Everything here works on [`ImageRef`], a borrowed planar `f32` image `[channels, height, width]`
//! with nominal range [0, 1]. There is no burn dependency: these are the numbers the trainer and the
//! report print, checked against scikit-image reference values in `tests/`.
//!
//! Colour images: PSNR/MSE/MAE/bias pool every channel; SSIM is the mean of per-channel SSIMs (as
//! scikit-image with `channel_axis`); sharpness metrics run on the luminance (scikit-image's
//! `rgb2gray` weights).

mod error;
mod ghost;
mod noise_level;
mod psnr;
mod sharpness;
mod ssim;
mod view;

pub use error::MetricsError;
pub use ghost::ghost_amplitude;
pub use noise_level::{noise_level, residual_noise};
pub use psnr::{bias, mae, mse, psnr, psnr_from_mse};
pub use sharpness::{
    Sharpness, blur_effect, high_frequency_ratio, laplacian_variance, sharpness_ratios, tenengrad,
};
pub use ssim::{SsimConfig, ssim, ssim_with};
pub use view::{ImageRef, OwnedPlane};
