//! Named model sizes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DenoiserConfig;

/// A named size of the DnCNN family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// Depth 5, width 32, no batch norm: CPU runs and CI (≈ 28k parameters for gray).
    Tiny,
    /// Depth 17, width 64, batch norm: the published DnCNN-S (≈ 556k parameters for gray).
    Dncnn,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 2] = [Preset::Tiny, Preset::Dncnn];

    /// The config of this preset for `channels` (1 or 3).
    pub fn config(self, channels: usize) -> DenoiserConfig {
        match self {
            Self::Tiny => DenoiserConfig::new(channels)
                .with_depth(5)
                .with_width(32)
                .with_batch_norm(false),
            Self::Dncnn => DenoiserConfig::new(channels)
                .with_depth(17)
                .with_width(64)
                .with_batch_norm(true),
        }
    }

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tiny => "tiny",
            Self::Dncnn => "dncnn",
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown model '{s}': use tiny or dncnn"))
    }
}
