//! The runs of each experiment preset, at a scale for the machine.

use std::collections::BTreeMap;

use clap::ValueEnum;
use denoise_data::LabelSpec;
use serde::{Deserialize, Serialize};

use crate::config::{DataSource, TrainConfig};
use crate::loss::LossSpec;
use crate::optim::OptimSpec;

/// The claims, as presets.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ExperimentName {
    /// Outlier labels at ε ∈ {0, 0.05, 0.1, 0.2}: MSE is biased by ε·M, L1 is not.
    Outliers,
    /// Two valid targets: MSE averages them (blur), L1 does not.
    Multimodal,
    /// Noise2Noise with Gaussian vs Laplace label noise: each loss wins under its own noise.
    LabelNoise,
    /// {sgd, adam, rmsprop} × {mse, l1}: L1 with plain SGD oscillates near the optimum.
    Optimizers,
    /// Clean targets, Gaussian input noise: does L1 beat MSE even on PSNR?
    Clean,
    /// Every preset above, one report.
    All,
}

impl ExperimentName {
    /// The presets `self` stands for.
    pub fn expand(self) -> Vec<ExperimentName> {
        match self {
            Self::All => vec![
                Self::Outliers,
                Self::Multimodal,
                Self::LabelNoise,
                Self::Optimizers,
                Self::Clean,
            ],
            other => vec![other],
        }
    }

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Outliers => "outliers",
            Self::Multimodal => "multimodal",
            Self::LabelNoise => "label-noise",
            Self::Optimizers => "optimizers",
            Self::Clean => "clean",
            Self::All => "all",
        }
    }
}

/// Outlier magnitude M of the `outliers` preset (in image units).
pub const OUTLIER_MAGNITUDE: f64 = 1.0;
/// Labels of the judged `multimodal` runs.
pub const MULTIMODAL_LABELS: &str = "bimodal:2:0.7";
/// Labels of the `multimodal` runs shown for p = ½.
pub const MULTIMODAL_HALF: &str = "bimodal:2:0.5";
/// ε values of the `outliers` preset.
pub const OUTLIER_EPS: [f64; 4] = [0.0, 0.05, 0.1, 0.2];

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

/// One run of a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RunSpec {
    /// Unique, file-system-safe name: the run's folder.
    pub id: String,
    /// The presets that use this run (a run shared by two presets is trained once).
    pub experiments: Vec<ExperimentName>,
    /// What varies, for tables and plots: `loss`, `optim`, `labels`, `eps`, `noise`.
    pub params: BTreeMap<String, String>,
    /// The full training config.
    pub config: TrainConfig,
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

fn spec(base: &TrainConfig, exp: ExperimentName, extra: &[(&str, String)]) -> RunSpec {
    let mut params = BTreeMap::new();
    params.insert("loss".into(), base.loss.to_string());
    params.insert("optim".into(), base.optim.optimizer.to_string());
    params.insert("labels".into(), base.labels.to_string());
    params.insert("noise".into(), base.noise.to_string());
    for (k, v) in extra {
        params.insert((*k).into(), v.clone());
    }
    RunSpec {
        id: run_id(base),
        experiments: vec![exp],
        params,
        config: base.clone(),
    }
}

fn with(base: &TrainConfig, f: impl FnOnce(&mut TrainConfig)) -> TrainConfig {
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

fn parse<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().expect("preset spellings are valid")
}

/// The runs of one preset (not `All`).
pub fn preset_runs(exp: ExperimentName, base: &TrainConfig) -> Vec<RunSpec> {
    let losses3 = ["mse", "l1", "huber:0.05"];
    match exp {
        ExperimentName::Outliers => {
            let mut out = Vec::new();
            for eps in OUTLIER_EPS {
                let labels: LabelSpec = if eps == 0.0 {
                    LabelSpec::Clean
                } else {
                    parse(&format!("outliers:{eps}:{OUTLIER_MAGNITUDE}"))
                };
                for loss in losses3 {
                    let c = with(base, |c| {
                        c.labels = labels;
                        c.loss = parse(loss);
                    });
                    out.push(spec(&c, exp, &[("eps", eps.to_string())]));
                }
            }
            out
        }
        // p = 0.7: a majority answer, so the median is unique (the majority image) while the mean
        // blends both; p = ½ is shown too, where every value between the answers is a median.
        ExperimentName::Multimodal => {
            let mut out = Vec::new();
            for labels in [MULTIMODAL_LABELS, MULTIMODAL_HALF] {
                for loss in ["mse", "l1"] {
                    let c = with(base, |c| {
                        c.labels = parse(labels);
                        c.noise = parse("gaussian:15");
                        c.loss = parse(loss);
                    });
                    out.push(spec(&c, exp, &[]));
                }
            }
            out
        }
        ExperimentName::LabelNoise => {
            let mut out = Vec::new();
            // Equal variance: σ² = 2b² with σ = 50, b = 35.36.
            for labels in ["noisy:gaussian:50", "noisy:laplace:35.36"] {
                for loss in ["mse", "l1"] {
                    let c = with(base, |c| {
                        c.labels = parse(labels);
                        c.loss = parse(loss);
                    });
                    out.push(spec(&c, exp, &[]));
                }
            }
            out
        }
        ExperimentName::Optimizers => {
            let mut out = Vec::new();
            for optim in ["sgd", "adam", "rmsprop"] {
                for loss in ["mse", "l1"] {
                    let c = with(base, |c| {
                        c.optim.optimizer = parse::<OptimSpec>(optim);
                        c.loss = parse::<LossSpec>(loss);
                    });
                    out.push(spec(&c, exp, &[]));
                }
            }
            out
        }
        ExperimentName::Clean => losses3
            .iter()
            .map(|loss| spec(&with(base, |c| c.loss = parse(loss)), exp, &[]))
            .collect(),
        ExperimentName::All => ExperimentName::All
            .expand()
            .into_iter()
            .flat_map(|e| preset_runs(e, base))
            .collect(),
    }
}

/// The runs of `exp` (expanded), with runs that several presets share merged into one.
pub fn plan(exp: ExperimentName, base: &TrainConfig) -> Vec<RunSpec> {
    let mut out: Vec<RunSpec> = Vec::new();
    for e in exp.expand() {
        for r in preset_runs(e, base) {
            match out.iter_mut().find(|o| o.id == r.id) {
                Some(o) => {
                    if !o.experiments.contains(&e) {
                        o.experiments.push(e);
                    }
                    for (k, v) in r.params {
                        o.params.entry(k).or_insert(v);
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

    #[test]
    fn all_shares_identical_runs_and_ids_are_unique() {
        let base = base_config(&Scale::QUICK, &DataSource::Synthetic, 0);
        let runs = plan(ExperimentName::All, &base);
        let total: usize = ExperimentName::All
            .expand()
            .into_iter()
            .map(|e| preset_runs(e, &base).len())
            .sum();
        assert_eq!(total, 12 + 4 + 4 + 6 + 3);
        // Outliers at ε = 0 are the clean preset's runs, and adam×{mse,l1} are too.
        assert_eq!(runs.len(), total - 3 - 2);
        let mut ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), runs.len());
        let shared = runs.iter().find(|r| r.id == run_id(&base)).unwrap();
        assert_eq!(
            shared.experiments,
            vec![
                ExperimentName::Outliers,
                ExperimentName::Optimizers,
                ExperimentName::Clean
            ]
        );
    }
}
