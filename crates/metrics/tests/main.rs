//! Integration tests of denoise-metrics: reference values and metric properties.

mod properties;
mod reference;
mod util;
