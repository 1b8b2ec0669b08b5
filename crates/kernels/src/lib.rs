//! The flex extension of denoise-lab: denoise-lab's own kernels for burn's `flex` CPU backend,
//! registered with burn as backend extensions (with their own backward passes).
//!
//! - [`conv3x3`]: a fast 3×3 "same" convolution (register-tiled SIMD loops, Winograd F(4×4, 3×3)
//!   on wide layers) and inference through a whole chain of layers.
//! - [`batch_norm`]: batch norm in one pass per direction, with the semantics of burn's
//!   `BatchNorm` (batch statistics and running averages in training).
//! - [`fast_path`]: when those kernels are taken, and the switch to turn them off.
//!
//! Models call [`conv3x3::forward`], [`conv3x3::forward_relu`], [`batch_norm::forward`] and
//! [`batch_norm::forward_relu`]: on flex they take these kernels, on every other backend burn's own
//! operations.

pub mod batch_norm;
pub mod conv3x3;
pub mod fast_path;
mod flex_buffers;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
