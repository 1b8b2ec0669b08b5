//! The denoisers of denoise-lab and their configs. No backend is chosen here: models are built
//! on whatever `burn::tensor::Device` the caller gives.
//!
//! - [`dncnn`]: the DnCNN family (Zhang et al., IEEE TIP 2017): a plain stack of 3×3 convolutions
//!   with ReLU and optional batch norm, predicting the noise (residual learning).
//! - [`init`]: Kaiming-normal initialisation drawn on the host from a seed, so the same seed gives
//!   bit-identical weights on every backend.
//! - [`preset`]: the named sizes `tiny` and `dncnn`.
//! - `conv3x3` (feature `flex`): a fast 3×3 convolution with its own backward pass for burn's
//!   flex CPU backend; every model convolution goes through it.
//! - `batch_norm` (feature `flex`): batch norm in one pass per direction for flex, with the
//!   semantics of burn's `BatchNorm` (batch statistics and running averages in training).
//! - `fast_path` (feature `flex`): when those kernels are taken, and the switch to turn them off.
//!
//! A second architecture is one new module beside `dncnn` with its own config and `forward`.

#[cfg(feature = "flex")]
pub mod batch_norm;
#[cfg(feature = "flex")]
pub mod conv3x3;
pub mod dncnn;
mod error;
#[cfg(feature = "flex")]
pub mod fast_path;
#[cfg(feature = "flex")]
mod flex_buffers;
pub mod init;
pub mod preset;
#[cfg(all(test, feature = "flex"))]
mod test_support;

pub use dncnn::{Denoiser, DenoiserConfig};
pub use error::ModelError;
pub use preset::Preset;
