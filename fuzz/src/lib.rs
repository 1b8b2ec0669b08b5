//! What the spec-parser fuzz targets share: [`denoise_data::fuzz_input::parse_round_trip`], which
//! the corpus replay in the tests uses too, with its failures turned into the panics libFuzzer
//! reports.

use std::fmt::{Debug, Display};
use std::str::FromStr;

/// Parses `data` as a `T`; panics when what parses does not print back to itself.
pub fn parse_round_trip<T>(data: &[u8]) -> Option<T>
where
    T: FromStr + Display + PartialEq + Debug,
    T::Err: Display,
{
    denoise_data::fuzz_input::parse_round_trip(data).unwrap_or_else(|e| panic!("{e}"))
}
