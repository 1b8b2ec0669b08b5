//! The experiment presets: each tests claims of the theory with a grid of runs that differ only
//! in what is compared. One file per preset implements [`Preset`] (its runs, its claims, its
//! figures); [`PRESETS`] lists them. Adding a preset is one new file and one line in that list.

pub mod clean;
pub mod label_noise;
pub mod multimodal;
pub mod optimizers;
pub mod outliers;

use denoise_trainer::config::TrainConfig;

use crate::figure::Figure;
use crate::plan::RunSpec;
use crate::result::RunResult;
use crate::verdict::{Claim, PresetRuns};

pub use clean::Clean;
pub use label_noise::LabelNoise;
pub use multimodal::Multimodal;
pub use optimizers::Optimizers;
pub use outliers::Outliers;

/// One experiment preset.
pub trait Preset: Sync {
    /// The name on the command line, in run records and in the report (`label-noise`).
    fn name(&self) -> &'static str;
    /// One line saying what it tests, for `--help`.
    fn about(&self) -> &'static str;
    /// Its runs, from the base config of the grid (each tagged with [`Preset::name`]).
    fn runs(&self, base: &TrainConfig) -> Vec<RunSpec>;
    /// Its claims, judged on its runs.
    fn claims(&self, runs: &PresetRuns<'_>) -> Vec<Claim>;
    /// Charts of its own for the report (beside every preset's training curves).
    fn figures(&self, _runs: &[&RunResult]) -> Vec<Figure> {
        Vec::new()
    }
}

/// Every preset, in the order of the report and of `experiment all`.
pub static PRESETS: [&dyn Preset; 5] = [&Outliers, &Multimodal, &LabelNoise, &Optimizers, &Clean];

/// The preset called `name`.
pub fn by_name(name: &str) -> Option<&'static dyn Preset> {
    PRESETS.iter().copied().find(|p| p.name() == name)
}

/// What `denoise experiment` runs: one preset or all of them.
#[derive(Clone, Copy)]
pub enum Selection {
    /// Every preset, one report.
    All,
    /// One preset.
    One(&'static dyn Preset),
}

impl Selection {
    /// `all` or a preset's name.
    pub fn parse(name: &str) -> Option<Self> {
        if name == "all" {
            Some(Self::All)
        } else {
            by_name(name).map(Self::One)
        }
    }

    /// The name it was chosen by.
    pub fn name(&self) -> &'static str {
        match self {
            Self::All => "all",
            Self::One(p) => p.name(),
        }
    }

    /// The presets it stands for.
    pub fn presets(&self) -> Vec<&'static dyn Preset> {
        match self {
            Self::All => PRESETS.to_vec(),
            Self::One(p) => vec![*p],
        }
    }
}

impl std::fmt::Debug for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a spelling the presets themselves use (a bug if it does not parse).
pub(crate) fn spelled<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().expect("preset spellings are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_selections_find_them() {
        let mut names: Vec<&str> = PRESETS.iter().map(|p| p.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PRESETS.len());
        assert!(!names.contains(&"all"), "`all` selects every preset");
        assert_eq!(Selection::parse("all").unwrap().presets().len(), 5);
        let one = Selection::parse("label-noise").unwrap();
        assert_eq!(one.presets()[0].name(), "label-noise");
        assert!(Selection::parse("nothing").is_none());
    }
}
