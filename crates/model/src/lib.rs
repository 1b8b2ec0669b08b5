//! The denoisers of denoise-lab and their configs: architectures only. No backend is chosen here:
//! models are built on whatever `burn::tensor::Device` the caller gives.
//!
//! - [`dncnn`]: the DnCNN family (Zhang et al., IEEE TIP 2017): a plain stack of 3×3 convolutions
//!   with ReLU and optional batch norm, predicting the noise (residual learning).
//! - [`init`]: Kaiming-normal initialisation drawn on the host from a seed, so the same seed gives
//!   bit-identical weights on every backend.
//! - [`preset`]: the named sizes `tiny` and `dncnn`.
//! - [`weights`]: the weights as plain arrays, layer by layer, for other frameworks' files.
//!
//! With the feature `flex`, the layers run through `denoise-kernels` on burn's flex CPU backend
//! (a fast 3×3 convolution and batch norm with their own backward passes, whole-network
//! inference); every other backend runs burn's own operations.
//!
//! A second architecture is one new module beside `dncnn` with its own config and `forward`.

pub mod dncnn;
mod error;
pub mod init;
pub mod preset;
pub mod weights;

pub use dncnn::{Denoiser, DenoiserConfig};
pub use error::ModelError;
pub use preset::Preset;
pub use weights::{ConvWeights, LayerWeights, NormWeights};
