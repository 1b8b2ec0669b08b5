//! Interrupted runs lose nothing: Ctrl-C (SIGINT) checkpoints and exits 130, `kill -9` at any
//! moment leaves a usable checkpoint, a write failure mid-run keeps the previous checkpoint as the
//! latest, and every resumed run ends with weights bit-identical to an uninterrupted one. A
//! diverging run stops with exit 4 and keeps its last good checkpoint.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use burn::tensor::Device;
use denoise_trainer::run::checkpoint::{first_non_finite, load_model, parameter_values};

use crate::util::{denoise, stderr, unprivileged};

/// A run long enough to be interrupted (a few seconds on flex), checkpointing often.
const RUN: &[&str] = &[
    "train",
    "--steps",
    "600",
    "--batch",
    "2",
    "--patch",
    "16",
    "--checkpoint-every",
    "10",
    "--eval-every",
    "300",
    "--seed",
    "4",
    "--backend",
    "flex",
    "--quiet",
];

fn args_with_out(out: &str) -> Vec<&str> {
    let mut a = RUN.to_vec();
    a.extend(["--out", out]);
    a
}

fn spawn(args: &[&str], cwd: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_denoise"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// The step of the newest checkpoint `latest` names, if any.
fn latest_step(run: &Path) -> Option<u64> {
    let name = std::fs::read_to_string(run.join("checkpoints/latest")).ok()?;
    name.trim().strip_prefix("step-")?.parse().ok()
}

/// Waits until the run has a checkpoint at `step` or later (or the child exits).
fn wait_for_checkpoint(child: &mut Child, run: &Path, step: u64) {
    let t = Instant::now();
    while latest_step(run).is_none_or(|s| s < step) {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before checkpoint {step}");
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "no checkpoint {step} after 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn final_weights(run: &Path) -> Vec<Vec<f32>> {
    let (model, _) = load_model(run, &Device::flex()).expect("final model");
    parameter_values(&model)
}

/// The weights of the same run without interruption.
fn straight(dir: &Path) -> Vec<Vec<f32>> {
    let o = denoise(&args_with_out("straight"), dir);
    assert!(o.status.success(), "{}", stderr(&o));
    final_weights(&dir.join("straight"))
}

fn resume(dir: &Path, run: &str) {
    let o = denoise(&["train", "--resume", run, "--quiet"], dir);
    assert!(o.status.success(), "resume failed:\n{}", stderr(&o));
}

fn no_leftovers(run: &Path) {
    for d in [run.to_path_buf(), run.join("checkpoints")] {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(!name.contains(".tmp-"), "leftover {}", e.path().display());
        }
    }
}

#[test]
fn ctrl_c_checkpoints_and_resume_is_bit_identical() {
    let dir = tempfile::tempdir().unwrap();
    let want = straight(dir.path());
    let run = dir.path().join("parts");
    let mut child = spawn(&args_with_out("parts"), dir.path());
    wait_for_checkpoint(&mut child, &run, 20);
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{e}");
    assert!(
        e.contains("SIGINT") && e.contains("denoise train --resume parts"),
        "{e}"
    );
    let stopped = latest_step(&run).unwrap();
    assert!((20..600).contains(&stopped), "stopped at {stopped}");
    // The checkpoint was taken at the step boundary where it stopped, not at the last multiple of
    // --checkpoint-every.
    let state =
        std::fs::read_to_string(run.join(format!("checkpoints/step-{stopped:08}/state.json")))
            .unwrap();
    for key in ["\"patches-seen\"", "\"rng\"", "\"step\""] {
        assert!(state.contains(key), "state.json lacks {key}:\n{state}");
    }
    resume(dir.path(), "parts");
    assert!(final_weights(&run) == want, "resumed weights differ");
    let metrics = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    assert_eq!(
        metrics.lines().count(),
        601,
        "one row per step of the whole run"
    );
}

#[test]
fn kill_9_at_several_points_then_resume_is_bit_identical() {
    let dir = tempfile::tempdir().unwrap();
    let want = straight(dir.path());
    let run = dir.path().join("parts");
    // Killed before any checkpoint can exist: resuming starts from step 0.
    let mut child = spawn(&args_with_out("parts"), dir.path());
    std::thread::sleep(Duration::from_millis(5));
    child.kill().unwrap();
    child.wait().unwrap();
    if !run.join("config.json").exists() {
        // Killed before it even wrote its record: start it again.
        let _ = std::fs::remove_dir_all(&run);
        let mut child = spawn(&args_with_out("parts"), dir.path());
        wait_for_checkpoint(&mut child, &run, 10);
        child.kill().unwrap();
        child.wait().unwrap();
    }
    // Then twice more, at later points, each time resuming the run.
    for at in [100, 350] {
        let mut child = spawn(&["train", "--resume", "parts", "--quiet"], dir.path());
        wait_for_checkpoint(&mut child, &run, at);
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(latest_step(&run).unwrap() >= at);
    }
    resume(dir.path(), "parts");
    assert!(final_weights(&run) == want, "resumed weights differ");
    no_leftovers(&run);
}

#[test]
fn a_write_failure_mid_run_keeps_the_previous_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let want = straight(dir.path());
    let run = dir.path().join("parts");
    // An unprivileged training process (file permissions apply to it) whose checkpoints/ folder
    // turns read-only mid-run: the next checkpoint cannot be written.
    let mut child = unprivileged(&args_with_out("parts"), dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    wait_for_checkpoint(&mut child, &run, 40);
    let ckpt = run.join("checkpoints");
    set_mode(&ckpt, 0o555);
    let out = child.wait_with_output().unwrap();
    set_mode(&ckpt, 0o777);
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{e}");
    assert!(e.contains("checkpoint") && !e.contains("panicked"), "{e}");
    // The checkpoint `latest` names is complete and loads; nothing half-written is left.
    let step = latest_step(&run).unwrap();
    assert!((40..600).contains(&step), "latest is {step}");
    load_model(&ckpt.join(format!("step-{step:08}")), &Device::flex()).unwrap();
    no_leftovers(&run);
    resume(dir.path(), "parts");
    assert!(final_weights(&run) == want, "resumed weights differ");
}

#[test]
fn a_file_size_limit_too_low_is_refused_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("prlimit")
        .arg("--fsize=20000")
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_denoise"))
        .args(args_with_out("small"))
        .current_dir(dir.path())
        .output()
        .expect("prlimit (util-linux) runs");
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(5), "{e}");
    assert!(e.contains("ulimit -f") && e.contains("small"), "{e}");
    assert!(
        !dir.path().join("small/metrics.csv").exists(),
        "training started"
    );
}

#[test]
fn divergence_stops_with_step_loss_and_hint_and_keeps_the_last_good_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let o = denoise(
        &[
            "train",
            "--optim",
            "sgd",
            "--lr",
            "1e3",
            "--steps",
            "50",
            "--batch",
            "2",
            "--patch",
            "16",
            "--checkpoint-every",
            "1",
            "--backend",
            "flex",
            "--quiet",
            "--out",
            "div",
        ],
        dir.path(),
    );
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(4), "{e}");
    for needle in [
        "training diverged at step",
        "lower --lr (now 1e3)",
        "--grad-clip",
        "the last good checkpoint is",
    ] {
        assert!(e.contains(needle), "stderr lacks '{needle}':\n{e}");
    }
    let run = dir.path().join("div");
    let step = latest_step(&run).expect("a checkpoint before the divergence");
    let (model, _) = load_model(
        &run.join(format!("checkpoints/step-{step:08}")),
        &Device::flex(),
    )
    .unwrap();
    assert_eq!(
        first_non_finite(&model),
        None,
        "the kept checkpoint is not finite"
    );
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}
