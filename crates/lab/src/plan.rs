//! A grid of runs: each run's typed parameters and config, the scale of every run for the
//! machine, and the plan of a set of presets with the runs they share trained once.

use denoise_data::{LabelSpec, NoiseSpec};
use denoise_trainer::config::{DataSource, TrainConfig};
use denoise_trainer::loss::LossSpec;
use denoise_trainer::optim::OptimSpec;
use serde::{Deserialize, Serialize};

use crate::presets::Preset;

/// How long and how large every run of an experiment is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Scale {
    /// Training steps.
    pub steps: u64,
    /// Patch side.
    pub patch: usize,
    /// Batch size.
    pub batch: usize,
    /// Validation every N steps.
    pub eval_every: u64,
    /// Synthetic validation images.
    pub val_images: usize,
    /// Side of the synthetic validation images.
    pub val_size: usize,
}

impl Scale {
    /// `--quick`: every preset within 10 minutes on a 2-core CPU with the tiny model.
    pub const QUICK: Scale = Scale {
        steps: 300,
        patch: 24,
        batch: 16,
        eval_every: 100,
        val_images: 4,
        val_size: 64,
    };
    /// The default on a CPU: about 10× the quick runs.
    pub const CPU: Scale = Scale {
        steps: 2000,
        patch: 40,
        batch: 16,
        eval_every: 250,
        val_images: 4,
        val_size: 96,
    };
    /// The default on a GPU.
    pub const GPU: Scale = Scale {
        steps: 10_000,
        patch: 40,
        batch: 64,
        eval_every: 1000,
        val_images: 8,
        val_size: 128,
    };
}

/// What distinguishes the runs of a grid, typed: presets find their runs by these values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RunParams {
    /// The loss.
    pub loss: LossSpec,
    /// The optimizer.
    pub optim: OptimSpec,
    /// The label corruption.
    pub labels: LabelSpec,
    /// The input noise.
    pub noise: NoiseSpec,
    /// The outlier fraction ε, for the runs of an ε sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eps: Option<f64>,
}

impl RunParams {
    /// The parameters of a config (no ε).
    pub fn of(config: &TrainConfig) -> Self {
        Self {
            loss: config.loss,
            optim: config.optim.optimizer,
            labels: config.labels,
            noise: config.noise,
            eps: None,
        }
    }

    /// Each parameter's name and spelling, for tables and labels (ε empty when not swept).
    pub fn spelled(&self) -> [(&'static str, String); 5] {
        [
            ("loss", self.loss.to_string()),
            ("optim", self.optim.to_string()),
            ("labels", self.labels.to_string()),
            ("noise", self.noise.to_string()),
            ("eps", self.eps.map(|e| e.to_string()).unwrap_or_default()),
        ]
    }
}

/// One run of a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RunSpec {
    /// Unique, file-system-safe name: the run's folder.
    pub id: String,
    /// The names of the presets that use this run (a run shared by two presets is trained once).
    pub experiments: Vec<String>,
    /// What varies, for finding runs, tables and plots.
    pub params: RunParams,
    /// The full training config.
    pub config: TrainConfig,
}

impl RunSpec {
    /// The run of `config` for the preset `experiment` (`None`: a `compare` grid), with ε when the
    /// preset sweeps it.
    pub fn new(config: TrainConfig, experiment: Option<&str>, eps: Option<f64>) -> Self {
        Self {
            id: run_id(&config),
            experiments: experiment.map(str::to_owned).into_iter().collect(),
            params: RunParams {
                eps,
                ..RunParams::of(&config)
            },
            config,
        }
    }
}

/// `s` with every character but ASCII letters, digits and '.' replaced by '-' (a folder name).
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The id of a config: what distinguishes runs of a grid.
pub fn run_id(c: &TrainConfig) -> String {
    slug(&format!(
        "{}_{}_{}_{}",
        c.loss, c.optim.optimizer, c.labels, c.noise
    ))
}

/// `base` changed by `f`.
pub fn with(base: &TrainConfig, f: impl FnOnce(&mut TrainConfig)) -> TrainConfig {
    let mut c = base.clone();
    f(&mut c);
    c
}

/// The base config of every run at `scale` on `data`.
pub fn base_config(scale: &Scale, data: &DataSource, seed: u64) -> TrainConfig {
    let mut c = TrainConfig {
        steps: scale.steps,
        patch: scale.patch,
        batch: scale.batch,
        eval_every: scale.eval_every,
        checkpoint_every: scale.steps,
        seed,
        ..TrainConfig::default()
    };
    c.data.source = data.clone();
    c.data.val_images = scale.val_images;
    c.data.val_size = scale.val_size;
    c
}

/// The runs of `presets`, with runs that several presets share merged into one.
pub fn plan(presets: &[&dyn Preset], base: &TrainConfig) -> Vec<RunSpec> {
    let mut out: Vec<RunSpec> = Vec::new();
    for preset in presets {
        for r in preset.runs(base) {
            match out.iter_mut().find(|o| o.id == r.id) {
                Some(o) => {
                    for e in r.experiments {
                        if !o.experiments.contains(&e) {
                            o.experiments.push(e);
                        }
                    }
                    if o.params.eps.is_none() {
                        o.params.eps = r.params.eps;
                    }
                }
                None => out.push(r),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::PRESETS;

    #[test]
    fn all_shares_identical_runs_and_ids_are_unique() {
        let base = base_config(&Scale::QUICK, &DataSource::Synthetic, 0);
        let runs = plan(&PRESETS, &base);
        let total: usize = PRESETS.iter().map(|p| p.runs(&base).len()).sum();
        assert_eq!(total, 12 + 4 + 4 + 6 + 3);
        // Outliers at ε = 0 are the clean preset's runs, and adam×{mse,l1} are too.
        assert_eq!(runs.len(), total - 3 - 2);
        let mut ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), runs.len());
        let shared = runs.iter().find(|r| r.id == run_id(&base)).unwrap();
        assert_eq!(shared.experiments, vec!["outliers", "optimizers", "clean"]);
        assert_eq!(shared.params.eps, Some(0.0), "the ε sweep's value is kept");
    }
}
