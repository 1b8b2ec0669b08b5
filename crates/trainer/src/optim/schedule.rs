//! Learning-rate schedules over the steps of a run: `constant`, `step:<every>:<γ>`, `cosine`.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use denoise_data::spec::{SpecError, SpecKind};
use serde::{Deserialize, Serialize};

/// What `--schedule` accepts.
pub const SCHEDULE_EXPECTED: &str =
    "one of constant, step:<every N steps >= 1>:<factor in (0,1]>, cosine";

const SCHEDULE: SpecKind = SpecKind {
    what: "schedule",
    expected: SCHEDULE_EXPECTED,
};

/// A learning-rate schedule over the steps of a run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Schedule {
    /// The same rate throughout.
    Constant,
    /// Multiply by `factor` every `every` steps.
    Step {
        /// Steps between decays.
        every: u64,
        /// Decay factor.
        factor: f64,
    },
    /// Half a cosine from the base rate to 0 over the run.
    Cosine,
}

impl FromStr for Schedule {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |why: &str| SCHEDULE.error(s, why);
        let parts: Vec<&str> = s.split(':').map(str::trim).collect();
        match parts.as_slice() {
            ["constant"] => Ok(Self::Constant),
            ["cosine"] => Ok(Self::Cosine),
            ["step", every, factor] => {
                let every = every
                    .parse::<u64>()
                    .ok()
                    .filter(|&e| e >= 1)
                    .ok_or_else(|| err("every must be a whole number >= 1"))?;
                let factor = factor
                    .parse::<f64>()
                    .ok()
                    .filter(|f| *f > 0.0 && *f <= 1.0)
                    .ok_or_else(|| err("the factor must be in (0, 1]"))?;
                Ok(Self::Step { every, factor })
            }
            ["step", ..] => Err(err("step needs <every>:<factor>")),
            _ => Err(err("unknown schedule")),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Constant => write!(f, "constant"),
            Self::Step { every, factor } => write!(f, "step:{every}:{factor}"),
            Self::Cosine => write!(f, "cosine"),
        }
    }
}

denoise_data::spec_string!(Schedule);

impl Schedule {
    /// The learning rate at `step` (0-based) of `total` steps for base rate `lr`.
    pub fn lr_at(&self, lr: f64, step: u64, total: u64) -> f64 {
        match *self {
            Self::Constant => lr,
            // The exponent as a float: an integer cast would wrap after 2^31 decays.
            Self::Step { every, factor } => lr * factor.powf((step / every) as f64),
            Self::Cosine => {
                let t = step as f64 / total.max(1) as f64;
                lr * 0.5 * (1.0 + (PI * t.min(1.0)).cos())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_give_the_documented_rates() {
        assert_eq!(Schedule::Constant.lr_at(0.1, 500, 1000), 0.1);
        let s: Schedule = "step:100:0.5".parse().unwrap();
        assert_eq!(s.lr_at(0.1, 99, 1000), 0.1);
        assert_eq!(s.lr_at(0.1, 100, 1000), 0.05);
        assert_eq!(s.lr_at(0.1, 250, 1000), 0.025);
        // Found by fuzzing: beyond 2^31 decays the rate stays in [0, lr] (it was inf).
        let tiny: Schedule = "step:1:0.5".parse().unwrap();
        assert_eq!(tiny.lr_at(0.1, u64::MAX - 1, u64::MAX), 0.0);
        let flat: Schedule = "step:1:1".parse().unwrap();
        assert_eq!(flat.lr_at(0.1, u64::MAX - 1, u64::MAX), 0.1);
        let c = Schedule::Cosine;
        assert_eq!(c.lr_at(0.1, 0, 1000), 0.1);
        assert!((c.lr_at(0.1, 500, 1000) - 0.05).abs() < 1e-15);
        assert!(c.lr_at(0.1, 1000, 1000).abs() < 1e-15);
    }

    #[test]
    fn spellings_and_errors() {
        for s in ["constant", "cosine", "step:100:0.5"] {
            assert_eq!(s.parse::<Schedule>().unwrap().to_string(), s);
        }
        for bad in ["step:0:0.5", "step:10:2", "step:10", "linear"] {
            assert!(
                bad.parse::<Schedule>()
                    .unwrap_err()
                    .to_string()
                    .contains("expected one of constant")
            );
        }
    }
}
