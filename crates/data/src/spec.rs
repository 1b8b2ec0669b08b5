//! Spec strings, the way every setting with parameters is spelled on the command line and in a
//! run's `config.json` (`gaussian:25`, `outliers:0.1:1.0`, `huber:0.05`, `step:100:0.5`, ...):
//! one error type, the helpers that split and read them, and the string ↔ serde glue that every
//! spec type shares ([`spec_string!`](crate::spec_string)).

use std::fmt;

/// A spec string that does not parse: which kind of spec, the text given, what is wrong with it,
/// and what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Which kind of spec ("noise", "labels", "loss", ...).
    pub what: &'static str,
    /// The text given.
    pub given: String,
    /// What is wrong with it.
    pub problem: String,
    /// What would be accepted ("one of ...").
    pub expected: &'static str,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} '{}': {}; expected {}",
            self.what, self.given, self.problem, self.expected
        )
    }
}

impl std::error::Error for SpecError {}

/// What one kind of spec is called and what it accepts: makes the [`SpecError`]s of its parser.
#[derive(Debug, Clone, Copy)]
pub struct SpecKind {
    /// Which kind of spec ("noise", "labels", "loss", ...).
    pub what: &'static str,
    /// What would be accepted ("one of ...").
    pub expected: &'static str,
}

impl SpecKind {
    /// The error for the text `given`, with `problem` saying what is wrong.
    pub fn error(&self, given: &str, problem: impl Into<String>) -> SpecError {
        SpecError {
            what: self.what,
            given: given.to_owned(),
            problem: problem.into(),
            expected: self.expected,
        }
    }

    /// A finite number read from `text` (a part of `given`), called `name` in the error.
    pub fn number(&self, given: &str, text: &str, name: &str) -> Result<f64, SpecError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(self.error(given, format!("the {name} is missing")));
        }
        let v: f64 = t
            .parse()
            .map_err(|_| self.error(given, format!("the {name} '{t}' is not a number")))?;
        if !v.is_finite() {
            return Err(self.error(given, format!("the {name} must be finite")));
        }
        Ok(v)
    }
}

/// `kind[:rest]` split at the first ':' (the kind trimmed, the rest as given).
pub fn split_kind(s: &str) -> (&str, Option<&str>) {
    match s.split_once(':') {
        Some((k, rest)) => (k.trim(), Some(rest)),
        None => (s.trim(), None),
    }
}

/// Implements `TryFrom<String>` (through `FromStr`) and `From<T> for String` (through `Display`)
/// for a spec type, so that `#[serde(try_from = "String", into = "String")]` stores it as its
/// spelling.
#[macro_export]
macro_rules! spec_string {
    ($($t:ty),+ $(,)?) => {$(
        impl ::std::convert::TryFrom<String> for $t {
            type Error = <$t as ::std::str::FromStr>::Err;
            fn try_from(s: String) -> ::std::result::Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl ::std::convert::From<$t> for String {
            fn from(value: $t) -> Self {
                value.to_string()
            }
        }
    )+};
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: SpecKind = SpecKind {
        what: "thing",
        expected: "one of a, b:<x>",
    };

    #[test]
    fn errors_name_the_kind_the_text_and_what_is_accepted() {
        let e = KIND.error("c", "unknown thing");
        assert_eq!(
            e.to_string(),
            "invalid thing 'c': unknown thing; expected one of a, b:<x>"
        );
        assert_eq!(KIND.number("b:2.5", " 2.5", "x"), Ok(2.5));
        let missing = KIND.number("b:", "", "x").unwrap_err();
        assert_eq!(missing.problem, "the x is missing");
        let nan = KIND.number("b:nan", "nan", "x").unwrap_err();
        assert_eq!(nan.problem, "the x must be finite");
        let word = KIND.number("b:y", "y", "x").unwrap_err();
        assert_eq!(word.problem, "the x 'y' is not a number");
    }

    #[test]
    fn kind_and_rest_split_at_the_first_colon() {
        assert_eq!(split_kind(" b :1:2"), ("b", Some("1:2")));
        assert_eq!(split_kind("a "), ("a", None));
    }
}
