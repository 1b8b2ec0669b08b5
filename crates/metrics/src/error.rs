//! The one error type of the metrics crate.

use thiserror::Error;

/// What can go wrong when measuring an image.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum MetricsError {
    /// The buffer length does not match `channels × height × width`.
    #[error(
        "image buffer has {len} values but its shape {channels}×{height}×{width} needs {expected}"
    )]
    BadBuffer {
        /// Number of values in the buffer.
        len: usize,
        /// Declared channel count.
        channels: usize,
        /// Declared height.
        height: usize,
        /// Declared width.
        width: usize,
        /// `channels × height × width`.
        expected: usize,
    },
    /// The two images compared do not have the same shape.
    #[error(
        "shape mismatch: {a:?} vs {b:?} ([channels, height, width]); compare images of one size"
    )]
    ShapeMismatch {
        /// Shape of the first image.
        a: [usize; 3],
        /// Shape of the second image.
        b: [usize; 3],
    },
    /// The image is empty or too small for the metric's window.
    #[error(
        "image of {height}×{width} is too small for {metric}: it needs at least {min}×{min} pixels"
    )]
    TooSmall {
        /// The metric that refused.
        metric: &'static str,
        /// Image height.
        height: usize,
        /// Image width.
        width: usize,
        /// Minimum side length.
        min: usize,
    },
    /// Only 1 (gray) or 3 (RGB) channels are supported.
    #[error("unsupported channel count {0}: use 1 (gray) or 3 (RGB)")]
    Channels(usize),
    /// A parameter is out of its valid range.
    #[error("invalid {name} = {value}: {expected}")]
    Parameter {
        /// Parameter name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What would be accepted.
        expected: &'static str,
    },
}
