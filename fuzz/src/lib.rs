//! What the spec-parser fuzz targets share: parse UTF-8 input, and check that whatever parses
//! prints as a spelling that parses back to the same value.

use std::fmt::{Debug, Display};
use std::str::FromStr;

/// Parses `data` as a `T`; when it parses, asserts that its printed form parses back to it.
pub fn parse_round_trip<T>(data: &[u8]) -> Option<T>
where
    T: FromStr + Display + PartialEq + Debug,
    T::Err: Display,
{
    let text = std::str::from_utf8(data).ok()?;
    let value: T = text.parse().ok()?;
    let printed = value.to_string();
    let again: T = printed
        .parse()
        .unwrap_or_else(|e| panic!("'{text}' printed as '{printed}', which does not parse: {e}"));
    assert_eq!(again, value, "'{text}' -> '{printed}'");
    Some(value)
}
