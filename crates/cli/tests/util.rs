//! Helpers: running the `denoise` binary, as this user or as one without privileges.

use std::path::Path;
use std::process::{Command, Output};

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

/// Runs the binary and asserts that it succeeded (stderr in the message otherwise).
pub fn ok(args: &[&str], cwd: &Path) -> Output {
    let o = denoise(args, cwd);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    o
}

/// The JSON a command printed on stdout.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

/// Trains the `tiny` model on flex for `steps` steps of 2 patches of 16 into `cwd/out`, with
/// `extra` flags (data, colour, noise, …); asserts that it succeeded.
pub fn train_tiny(cwd: &Path, out: &str, steps: &str, extra: &[&str]) {
    let base = [
        "train",
        "--model",
        "tiny",
        "--steps",
        steps,
        "--batch",
        "2",
        "--patch",
        "16",
        "--backend",
        "flex",
        "--out",
        out,
        "-q",
    ];
    ok(&[&base[..], extra].concat(), cwd);
}

/// `eval --checkpoint run --data clean --json` of the run in `cwd/run` on flex, with `extra`
/// flags; the output as it came (for exit codes).
pub fn eval_clean(cwd: &Path, extra: &[&str]) -> Output {
    let base = [
        "eval",
        "--checkpoint",
        "run",
        "--data",
        "clean",
        "--backend",
        "flex",
        "--json",
        "-q",
    ];
    denoise(&[&base[..], extra].concat(), cwd)
}
