//! The science of denoise-lab: experiment presets that test claims of the theory (MSE converges
//! to the conditional mean, L1 to the median), the grids of runs they train, their verdicts and
//! the report. A library on top of the training engine (`denoise-trainer`); it prints nothing.
//!
//! - [`presets`]: one file per preset ([`presets::Preset`]: its runs, claims and figures).
//! - [`plan`]: runs with typed parameters, the scale of every run, plans of presets.
//! - [`runner`]: trains a grid (or its [`shard`]) into one folder per run, reusing finished runs.
//! - [`result`], [`probes`]: what a run leaves (scores, ghost amplitudes, outlier gradient shares).
//! - [`stats`], [`verdict`]: intervals over seeds, and PASS / FAIL / INCONCLUSIVE from them.
//! - [`report`]: `report.html`, image grids, `results.json` and `results.csv`.

pub mod error;
pub mod figure;
pub mod k_draws;
pub mod plan;
pub mod presets;
pub mod probes;
pub mod report;
pub mod result;
pub mod runner;
pub mod shard;
pub mod stats;
pub mod verdict;

pub use error::{Error, Result};
