//! The one error type of the model crate.

use thiserror::Error;

/// A model configuration that cannot be built.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ModelError {
    /// A field of the config is out of range.
    #[error("invalid model config: {field} = {value}; {expected}")]
    InvalidConfig {
        /// The field (`channels`, `depth`, `width`).
        field: &'static str,
        /// The value given.
        value: usize,
        /// What would be accepted.
        expected: &'static str,
    },
    /// The batch-norm ε is not a finite number above zero.
    #[error(
        "invalid model config: norm_epsilon = {0}; use a finite number above 0 (1e-5 is usual)"
    )]
    InvalidEpsilon(f64),
    /// Weights given for a layer do not have the shape the config asks for.
    #[error(
        "layer {layer} ({what}): the config asks for shape {expected:?}, the weights have {found:?}"
    )]
    WeightShape {
        /// The layer, counted from 0 (the first convolution).
        layer: usize,
        /// Which tensor (`convolution weight`, `batch-norm mean`, …).
        what: &'static str,
        /// The shape the config implies.
        expected: Vec<usize>,
        /// The shape of the weights given.
        found: Vec<usize>,
    },
    /// Weights given for a different number of layers, or a layer with or without batch norm
    /// where the config says otherwise.
    #[error("the weights do not fit the config: {0}")]
    WeightLayout(String),
}
