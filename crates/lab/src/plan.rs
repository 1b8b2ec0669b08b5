//! A grid of runs: each run's typed parameters and config, the scale of every run for the
//! machine, and the plan of a set of presets with the runs they share trained once.

use denoise_data::{LabelSpec, NoiseSpec};
use denoise_trainer::config::{DataSource, TrainConfig};
use denoise_trainer::loss::LossSpec;
use denoise_trainer::optim::{OptimSpec, Schedule};
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
    /// Seeds every grid cell is trained with (replicates for the intervals).
    pub seeds: usize,
    /// How finely the presets sweep their parameters.
    pub sweep: Sweep,
}

/// How finely the presets sweep their parameters (ε and M, p, ...): the quick grid keeps the
/// points each claim needs, the full grid draws the curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sweep {
    /// The fewest points that still test every claim.
    Quick,
    /// Every point of each sweep.
    Full,
}

impl Scale {
    /// `--quick`: every preset within 10 minutes on a 2-core CPU with the tiny model. Five seeds:
    /// with three, a third of the claims that 15 seeds decide came out INCONCLUSIVE in one seed
    /// set and decided in the next; with five every 5-seed window of seeds 0–14 gave the same
    /// verdicts (the closing note of the verdicts issue).
    pub const QUICK: Scale = Scale {
        steps: 200,
        patch: 24,
        batch: 16,
        eval_every: 100,
        val_images: 12,
        val_size: 64,
        seeds: 5,
        sweep: Sweep::Quick,
    };
    /// The default on a CPU: runs 4× the quick runs' steps on patches of 32 (about 7× their
    /// work), the full sweeps, five seeds: about 85 minutes on 2 cores.
    pub const CPU: Scale = Scale {
        steps: 800,
        patch: 32,
        batch: 16,
        eval_every: 200,
        val_images: 12,
        val_size: 64,
        seeds: 5,
        sweep: Sweep::Full,
    };
    /// The default on a GPU.
    pub const GPU: Scale = Scale {
        steps: 10_000,
        patch: 40,
        batch: 64,
        eval_every: 1000,
        val_images: 16,
        val_size: 128,
        seeds: 5,
        sweep: Sweep::Full,
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
    /// The seed (data stream, initial weights, validation images): the replicate.
    #[serde(default)]
    pub seed: u64,
    /// The base learning rate, where a grid sets it (`None`: the optimizer's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// The learning-rate schedule.
    #[serde(default = "constant")]
    pub schedule: Schedule,
    /// The fraction of the steps trained with Adam before the optimizer, where a grid sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adam_first: Option<f64>,
}

/// The schedule of records written before schedules were recorded.
fn constant() -> Schedule {
    Schedule::Constant
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
            seed: config.seed,
            lr: config.optim.lr,
            schedule: config.optim.schedule,
            adam_first: config.optim.adam_first,
        }
    }

    /// Each parameter's name and spelling, for tables and labels (ε, lr and a constant schedule
    /// empty when not set).
    pub fn spelled(&self) -> [(&'static str, String); 8] {
        [
            ("loss", self.loss.to_string()),
            ("optim", self.optim.to_string()),
            ("labels", self.labels.to_string()),
            ("noise", self.noise.to_string()),
            ("eps", self.eps.map(|e| e.to_string()).unwrap_or_default()),
            ("seed", self.seed.to_string()),
            ("lr", self.lr.map(|l| l.to_string()).unwrap_or_default()),
            (
                "schedule",
                match self.schedule {
                    Schedule::Constant => String::new(),
                    s => s.to_string(),
                },
            ),
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

/// The id of a config: what distinguishes runs of a grid (a learning rate `_lr<lr>`, a schedule
/// and an Adam warm start `_adamfirst<F>` where set, fixed label draws `_k<K>`, the seed last).
pub fn run_id(c: &TrainConfig) -> String {
    let draws = c.label_draws.map(|k| format!("_k{k}")).unwrap_or_default();
    let lr = c.optim.lr.map(|l| format!("_lr{l}")).unwrap_or_default();
    let schedule = match c.optim.schedule {
        Schedule::Constant => String::new(),
        s => format!("_{s}"),
    };
    let warm = c
        .optim
        .adam_first
        .map(|f| format!("_adamfirst{f}"))
        .unwrap_or_default();
    slug(&format!(
        "{}_{}{lr}{schedule}{warm}_{}{draws}_{}_s{}",
        c.loss, c.optim.optimizer, c.labels, c.noise, c.seed
    ))
}

/// The seeds of `count` replicates from `first` on: `first, first + 1, ...`.
pub fn seeds(first: u64, count: usize) -> Vec<u64> {
    (0..count as u64).map(|k| first.wrapping_add(k)).collect()
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

/// The runs of `presets` for `count` seeds from `base.seed` on (each preset's
/// [`Preset::seed_factor`] times as many for those that ask for more), seed by seed, so that an
/// interrupted grid has whole replicates first, with runs that several presets share merged into
/// one.
pub fn plan(
    presets: &[&dyn Preset],
    base: &TrainConfig,
    sweep: Sweep,
    count: usize,
) -> Vec<RunSpec> {
    let mut out: Vec<RunSpec> = Vec::new();
    let most = presets.iter().map(|p| p.seed_factor()).max().unwrap_or(1) * count;
    for (k, seed) in seeds(base.seed, most).into_iter().enumerate() {
        let base = with(base, |c| c.seed = seed);
        let these = presets.iter().filter(|p| k < p.seed_factor() * count);
        for r in these.flat_map(|p| p.runs(&base, sweep)) {
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
        let all_one = plan(&PRESETS, &base, Sweep::Quick, 1);
        let one: Vec<RunSpec> = all_one
            .iter()
            .filter(|r| r.params.seed == 0)
            .cloned()
            .collect();
        let total: usize = PRESETS
            .iter()
            .map(|p| p.runs(&base, Sweep::Quick).len())
            .sum();
        // outliers 2 losses × (ε = 0, 0.1, 0.2), multimodal 2 p × 2, label-noise 2 losses ×
        // (clean, 2 noises), optimizers {sgd, adam} × 2, clean 2.
        assert_eq!(total, 6 + 4 + 6 + 4 + 2);
        // Outliers at ε = 0 are the clean preset's runs, label-noise's baselines and
        // optimizers' adam × {mse, l1}.
        assert_eq!(one.len(), total - 2 - 2 - 2);
        let shared = one.iter().find(|r| r.id == run_id(&base)).unwrap();
        assert_eq!(
            shared.experiments,
            vec!["outliers", "label-noise", "optimizers", "clean"]
        );
        assert_eq!(shared.params.eps, Some(0.0), "the ε sweep's value is kept");

        // Replicates: every cell once per seed, seed by seed, ids unique, seeds recorded; then
        // label-noise alone (its seed factor 3) on the seeds after them, its clean-label
        // baselines tagged with it alone.
        let seven = with(&base, |c| c.seed = 7);
        let runs = plan(&PRESETS, &seven, Sweep::Quick, 3);
        let label_noise = crate::presets::LabelNoise.runs(&base, Sweep::Quick).len();
        assert_eq!(runs.len(), 3 * one.len() + 6 * label_noise);
        let mut ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), runs.len());
        let (whole, extra) = runs.split_at(3 * one.len());
        for (k, chunk) in whole.chunks(one.len()).enumerate() {
            for r in chunk {
                assert_eq!(r.params.seed, 7 + k as u64);
                assert_eq!(r.config.seed, 7 + k as u64);
            }
        }
        for (k, chunk) in extra.chunks(label_noise).enumerate() {
            for r in chunk {
                assert_eq!(r.params.seed, 10 + k as u64);
                assert_eq!(r.experiments, vec!["label-noise"]);
            }
        }
        // The full grid sweeps more.
        let full = plan(&PRESETS, &base, Sweep::Full, 1);
        assert!(full.len() > all_one.len());
    }
}
