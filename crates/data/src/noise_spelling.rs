//! The spelling of noise models on the command line and in configs (`gaussian:25`,
//! `gaussian:0-50`, `laplace:10`, `poisson:30`, `salt-pepper:0.1`, `impulse:0.2`, `none`):
//! parsing with errors that say what is accepted, and printing back.

use std::fmt;
use std::str::FromStr;

use crate::noise::{Level, MAX_POISSON_PEAK, NOISE_EXPECTED, NoiseSpec};
use crate::spec::{SpecError, SpecKind, split_kind};

const NOISE: SpecKind = SpecKind {
    what: "noise",
    expected: NOISE_EXPECTED,
};

fn spec_err(given: &str, problem: impl Into<String>) -> SpecError {
    NOISE.error(given, problem)
}

fn number(given: &str, text: &str, what: &str) -> Result<f64, SpecError> {
    NOISE.number(given, text, what)
}

fn level(given: &str, text: &str, what: &str) -> Result<Level, SpecError> {
    let t = text.trim();
    // A '-' after the first character separates a range; a leading '-' is a sign.
    if let Some(pos) = t
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == '-')
        .map(|(i, _)| i)
    {
        let lo = number(given, &t[..pos], what)?;
        let hi = number(given, &t[pos + 1..], what)?;
        if lo < 0.0 || hi < lo {
            return Err(spec_err(
                given,
                format!("the {what} range needs 0 <= lo <= hi"),
            ));
        }
        return Ok(Level::Range(lo, hi));
    }
    let v = number(given, t, what)?;
    if v < 0.0 {
        return Err(spec_err(given, format!("the {what} must be >= 0, got {v}")));
    }
    Ok(Level::Fixed(v))
}

fn probability(given: &str, text: &str) -> Result<f64, SpecError> {
    let p = number(given, text, "probability")?;
    if !(0.0..=1.0).contains(&p) {
        return Err(spec_err(
            given,
            format!("the probability must be in [0, 1], got {p}"),
        ));
    }
    Ok(p)
}

impl FromStr for NoiseSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let given = s;
        let (kind, arg) = split_kind(s);
        let need = || arg.ok_or_else(|| spec_err(given, "the level is missing"));
        match kind.to_ascii_lowercase().as_str() {
            "none" if arg.is_none() => Ok(Self::None),
            "gaussian" | "awgn" => Ok(Self::Gaussian {
                sigma: level(given, need()?, "σ")?,
            }),
            "laplace" => Ok(Self::Laplace {
                scale: level(given, need()?, "scale b")?,
            }),
            "poisson" => {
                let peak = number(given, need()?, "peak")?;
                if !(peak > 0.0 && peak <= MAX_POISSON_PEAK) {
                    return Err(spec_err(
                        given,
                        format!(
                            "the peak must be > 0 and <= {MAX_POISSON_PEAK:e} photons (a camera \
                             pixel holds about 1e5)"
                        ),
                    ));
                }
                Ok(Self::Poisson { peak })
            }
            "salt-pepper" | "saltpepper" | "sp" => Ok(Self::SaltPepper {
                amount: probability(given, need()?)?,
            }),
            "impulse" => Ok(Self::Impulse {
                amount: probability(given, need()?)?,
            }),
            _ => Err(spec_err(given, format!("unknown noise kind '{kind}'"))),
        }
    }
}

impl fmt::Display for NoiseSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => write!(f, "none"),
            Self::Gaussian { sigma } => write!(f, "gaussian:{sigma}"),
            Self::Laplace { scale } => write!(f, "laplace:{scale}"),
            Self::Poisson { peak } => write!(f, "poisson:{peak}"),
            Self::SaltPepper { amount } => write!(f, "salt-pepper:{amount}"),
            Self::Impulse { amount } => write!(f, "impulse:{amount}"),
        }
    }
}

crate::spec_string!(NoiseSpec);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for s in [
            "none",
            "gaussian:25",
            "gaussian:0-50",
            "laplace:10",
            "laplace:5-20",
            "poisson:30",
            "salt-pepper:0.1",
            "impulse:0.2",
        ] {
            let spec: NoiseSpec = s.parse().unwrap();
            assert_eq!(spec.to_string(), s);
        }
    }

    #[test]
    fn malformed_specs_say_what_is_accepted() {
        for (bad, needle) in [
            ("gaussian:", "missing"),
            ("gaussian", "missing"),
            ("gaussian:-3", ">= 0"),
            ("laplace:abc", "not a number"),
            ("impulse:1.5", "[0, 1]"),
            ("salt-pepper:-0.1", "[0, 1]"),
            ("poisson:0", "> 0"),
            ("gaussian:50-10", "lo <= hi"),
            ("gaussian:nan", "finite"),
            ("speckle:3", "unknown noise kind"),
        ] {
            let err = bad.parse::<NoiseSpec>().unwrap_err().to_string();
            assert!(err.contains(needle), "{bad}: {err}");
            assert!(
                err.contains("gaussian:<σ>"),
                "{bad}: message lists what is accepted"
            );
        }
    }
}
