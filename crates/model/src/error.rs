//! The one error type of the model crate.

use thiserror::Error;

/// A model configuration that cannot be built.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
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
}
