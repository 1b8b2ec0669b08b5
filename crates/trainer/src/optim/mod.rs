//! Optimizers: `sgd[:momentum]`, `adam`, `adamw`, `rmsprop`, with weight decay; global
//! gradient-norm clipping ([`grad`]) and learning-rate schedules ([`schedule`]) beside them.
//!
//! Defaults follow PyTorch, not burn, where they differ, so that numbers compare with the
//! literature: SGD momentum without dampening, Adam/AdamW ε = 1e-8, RMSProp α = 0.99 without
//! momentum. Weight decay is an L2 penalty added to the gradient for SGD, Adam and RMSProp, and
//! decoupled for AdamW.

mod config;
pub mod grad;
pub mod schedule;

use std::fmt;
use std::str::FromStr;

use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer, RmsPropConfig, SgdConfig};
use denoise_data::spec::{SpecError, SpecKind, split_kind};
use serde::{Deserialize, Serialize};

pub use config::OptimConfig;
pub use schedule::Schedule;

/// What `--optim` accepts.
pub const OPTIM_EXPECTED: &str = "one of sgd, sgd:<momentum in [0,1)>, adam, adamw, rmsprop";

const OPTIM: SpecKind = SpecKind {
    what: "optimizer",
    expected: OPTIM_EXPECTED,
};

/// An optimizer; parse it from its CLI spelling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum OptimSpec {
    /// Stochastic gradient descent, with heavy-ball momentum when > 0.
    Sgd {
        /// Momentum coefficient (0 = plain SGD).
        momentum: f64,
    },
    /// Adam (β = 0.9, 0.999).
    Adam,
    /// AdamW: Adam with decoupled weight decay.
    AdamW,
    /// RMSProp (α = 0.99).
    RmsProp,
}

impl FromStr for OptimSpec {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, arg) = split_kind(s);
        let arg = arg.map(str::trim);
        let err = |why: &str| OPTIM.error(s, why);
        match (kind.to_ascii_lowercase().as_str(), arg) {
            ("sgd", None) => Ok(Self::Sgd { momentum: 0.0 }),
            ("sgd", Some(m)) => match m.parse::<f64>() {
                Ok(v) if (0.0..1.0).contains(&v) => Ok(Self::Sgd { momentum: v }),
                _ => Err(err("the momentum must be a number in [0, 1)")),
            },
            ("adam", None) => Ok(Self::Adam),
            ("adamw", None) => Ok(Self::AdamW),
            ("rmsprop", None) => Ok(Self::RmsProp),
            (k, Some(_)) if ["adam", "adamw", "rmsprop"].contains(&k) => {
                Err(err("this optimizer takes no parameter"))
            }
            _ => Err(err("unknown optimizer")),
        }
    }
}

impl fmt::Display for OptimSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sgd { momentum } if *momentum == 0.0 => write!(f, "sgd"),
            Self::Sgd { momentum } => write!(f, "sgd:{momentum}"),
            Self::Adam => write!(f, "adam"),
            Self::AdamW => write!(f, "adamw"),
            Self::RmsProp => write!(f, "rmsprop"),
        }
    }
}

denoise_data::spec_string!(OptimSpec);

impl OptimSpec {
    /// A learning rate that works for this optimizer on the tiny model (used when `--lr` is not
    /// given): 1e-3 for the adaptive methods, 1e-2 for SGD.
    pub fn default_lr(&self) -> f64 {
        match self {
            Self::Sgd { .. } => 1e-2,
            _ => 1e-3,
        }
    }

    /// Tensors of state the optimizer keeps per parameter (for disk-space estimates): Adam and
    /// AdamW 2 (first and second moments), RMSProp 2 (square average and a momentum buffer burn
    /// keeps), SGD with momentum 1, plain SGD 0.
    pub fn state_slots(&self) -> u64 {
        match self {
            Self::Sgd { momentum } if *momentum == 0.0 => 0,
            Self::Sgd { .. } => 1,
            Self::Adam | Self::AdamW | Self::RmsProp => 2,
        }
    }

    /// The burn optimizer, with weight decay `weight_decay` (0 = none).
    pub fn build(&self, weight_decay: f64) -> ModuleOptimizer {
        let decay = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay as f32));
        match *self {
            Self::Sgd { momentum } => SgdConfig::new()
                .with_weight_decay(decay)
                .with_momentum((momentum > 0.0).then(|| {
                    MomentumConfig::new()
                        .with_momentum(momentum)
                        .with_dampening(0.0)
                }))
                .init(),
            Self::Adam => AdamConfig::new()
                .with_epsilon(1e-8)
                .with_weight_decay(decay)
                .init(),
            Self::AdamW => AdamWConfig::new()
                .with_epsilon(1e-8)
                .with_weight_decay(weight_decay as f32)
                .init(),
            Self::RmsProp => RmsPropConfig::new()
                .with_alpha(0.99)
                .with_momentum(0.0)
                .with_epsilon(1e-8)
                .with_weight_decay(decay)
                .init(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_and_errors() {
        for s in ["sgd", "sgd:0.9", "adam", "adamw", "rmsprop"] {
            assert_eq!(s.parse::<OptimSpec>().unwrap().to_string(), s);
        }
        for bad in ["sgd:1.5", "sgd:x", "adam:2", "lbfgs"] {
            let e = bad.parse::<OptimSpec>().unwrap_err().to_string();
            assert!(e.contains("expected one of sgd"), "{bad}: {e}");
        }
    }
}
