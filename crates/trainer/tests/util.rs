//! Helpers: small configs and runs.

use std::path::Path;

use denoise_trainer::backend::{self, BackendChoice};
use denoise_trainer::config::TrainConfig;
use denoise_trainer::run::RunDir;
use denoise_trainer::train::{Silent, TrainOptions, TrainOutcome, train};

/// Held by every test that runs on wgpu: one at a time on the (software) device, so that kernel
/// autotuning and timing-sensitive work of one test do not crowd another's.
pub fn wgpu_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// A small, fast config: tiny-ish model, small patches and images.
pub fn small_config() -> TrainConfig {
    let mut c = TrainConfig {
        patch: 24,
        batch: 8,
        steps: 20,
        eval_every: 10,
        checkpoint_every: 10,
        backend: BackendChoice::Flex,
        ..TrainConfig::default()
    };
    c.data.train_images = 16;
    c.data.train_size = 48;
    c.data.val_images = 2;
    c.data.val_size = 32;
    c
}

/// [`small_config`] on `backend` with `seed`: `steps` steps of `batch` patches of side `patch`,
/// evaluated and checkpointed once, at the end.
pub fn short_config(
    backend: BackendChoice,
    seed: u64,
    steps: u64,
    batch: usize,
    patch: usize,
) -> TrainConfig {
    let mut c = small_config();
    c.backend = backend;
    c.seed = seed;
    c.steps = steps;
    c.batch = batch;
    c.patch = patch;
    c.eval_every = steps;
    c.checkpoint_every = steps;
    c
}

fn train_quietly(config: &TrainConfig, run: &RunDir, resume: bool) -> TrainOutcome {
    let selected = backend::select(config.backend).unwrap();
    train(config, run, &selected, TrainOptions { resume }, &Silent).unwrap()
}

/// Trains `config` into `dir` (created) on its backend, quietly.
pub fn run(config: &TrainConfig, dir: &Path) -> TrainOutcome {
    let run = RunDir::create(dir).unwrap();
    std::fs::write(run.config(), serde_json::to_string_pretty(config).unwrap()).unwrap();
    train_quietly(config, &run, false)
}

/// Resumes the run in `dir` with `config` (its steps may be larger than before).
pub fn resume(config: &TrainConfig, dir: &Path) -> TrainOutcome {
    train_quietly(config, &RunDir::open(dir).unwrap(), true)
}
