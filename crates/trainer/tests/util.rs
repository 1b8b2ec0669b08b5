//! Helpers: small configs and runs.

use std::path::Path;
use std::process::{Command, Output};

use denoise_trainer::backend::{self, BackendChoice};
use denoise_trainer::config::TrainConfig;
use denoise_trainer::run_dir::RunDir;
use denoise_trainer::train::{TrainOptions, TrainOutcome, train};

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

fn train_quietly(config: &TrainConfig, run: &RunDir, resume: bool) -> TrainOutcome {
    let selected = backend::select(config.backend).unwrap();
    train(
        config,
        run,
        &selected,
        TrainOptions {
            quiet: true,
            resume,
        },
    )
    .unwrap()
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

/// Runs the `denoise` binary with `args` in `cwd`.
pub fn denoise(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_denoise"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs")
}

/// What the binary wrote to stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
