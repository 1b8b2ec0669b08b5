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
use crate::plan::{RunSpec, Sweep};
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
    /// Its runs for one seed, from the base config of the grid (each tagged with
    /// [`Preset::name`]), with its sweeps as fine as `sweep` says.
    fn runs(&self, base: &TrainConfig, sweep: Sweep) -> Vec<RunSpec>;
    /// How many times the grid's seed count this preset trains (1 unless a claim's seed noise is
    /// large next to its effect and its runs are cheap): with `--seeds S` from `--seed F` its
    /// seeds are F, F + 1, …, F + factor·S − 1.
    fn seed_factor(&self) -> usize {
        1
    }
    /// Its claims, judged on its runs of every seed.
    fn claims(&self, runs: &PresetRuns<'_>) -> Vec<Claim>;
    /// Charts of its own for the report: one per claim, the measurement with its intervals beside
    /// the theory's line.
    fn figures(&self, _runs: &PresetRuns<'_>) -> Vec<Figure> {
        Vec::new()
    }
}

/// Per image, the least-squares slope through the origin of `y` on `x` over the points
/// `(x, y of each validation image)` (the runs of one seed share their images, in one order).
/// `None` without points, with every x zero, or when the points disagree on the image count.
pub(crate) fn slope_through_origin(points: &[(f64, Vec<f64>)]) -> Option<Vec<f64>> {
    let n = points.first()?.1.len();
    let sxx: f64 = points.iter().map(|(x, _)| x * x).sum();
    if sxx <= 0.0 || points.iter().any(|(_, y)| y.len() != n) {
        return None;
    }
    Some(
        (0..n)
            .map(|i| points.iter().map(|(x, y)| x * y[i]).sum::<f64>() / sxx)
            .collect(),
    )
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

    #[test]
    fn slope_through_the_origin_per_image() {
        // Image a: y = 2x exactly; image b: points (1, 1), (2, 3) → (1 + 6) / (1 + 4) = 1.4.
        let pts = vec![(1.0, vec![2.0, 1.0]), (2.0, vec![4.0, 3.0])];
        let s = slope_through_origin(&pts).unwrap();
        assert!(
            (s[0] - 2.0).abs() < 1e-12 && (s[1] - 1.4).abs() < 1e-12,
            "{s:?}"
        );
        assert!(slope_through_origin(&[]).is_none());
        assert!(slope_through_origin(&[(0.0, vec![1.0])]).is_none());
        assert!(slope_through_origin(&[(1.0, vec![1.0]), (2.0, vec![1.0, 2.0])]).is_none());
    }
}
