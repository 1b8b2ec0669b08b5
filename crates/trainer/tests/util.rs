//! Helpers: small configs and runs.

use std::path::Path;
use std::process::{Command, Output};

use denoise_trainer::backend::{self, BackendChoice};
use denoise_trainer::config::TrainConfig;
use denoise_trainer::run_dir::RunDir;
use denoise_trainer::train::{TrainOptions, TrainOutcome, train};

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
    denoise_with_env(args, cwd, &[])
}

/// Runs the `denoise` binary with `args` in `cwd` and extra environment variables.
pub fn denoise_with_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_denoise"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(cwd)
        .output()
        .expect("the binary runs")
}

/// The effective user id of this process (from /proc).
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Runs the binary as a user without privileges, so that file permissions apply: as root (CI),
/// through `setpriv` as `nobody` with `cwd` opened to everyone; otherwise directly.
pub fn run_unprivileged(args: &[&str], cwd: &Path) -> Output {
    unprivileged(args, cwd)
        .output()
        .expect("the binary (or setpriv, from util-linux) runs")
}

/// The command [`run_unprivileged`] runs, to spawn it.
pub fn unprivileged(args: &[&str], cwd: &Path) -> Command {
    let mut c = if effective_uid() == Some(0) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(cwd, std::fs::Permissions::from_mode(0o777)).unwrap();
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_denoise"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_denoise"))
    };
    c.args(args).current_dir(cwd);
    c
}

/// What the binary wrote to stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
