//! Cases of run folders, checkpoints, models, config files and flags (exit 2, 3 or 5).

use std::path::Path;

use super::Case;
use super::folders::{set_mode, write};
use crate::util::{denoise, stderr};

/// The run, config and flag cases.
pub(super) fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "denoise: input file missing",
            setup: trained_run,
            args: &[
                "denoise",
                "--checkpoint",
                "run",
                "absent.png",
                "--backend",
                "flex",
            ],
            code: 3,
            needles: &["absent.png", "No such file"],
            unprivileged: false,
        },
        Case {
            name: "denoise: input is a text file",
            setup: |d| {
                trained_run(d);
                write(d, "letter.png", b"Dear reader");
            },
            args: &[
                "denoise",
                "--checkpoint",
                "run",
                "letter.png",
                "--backend",
                "flex",
            ],
            code: 3,
            needles: &["letter.png", "cannot decode"],
            unprivileged: false,
        },
        Case {
            name: "eval: damaged model weights",
            setup: |d| {
                trained_run(d);
                write(d, "run/model.safetensors", b"garbage");
            },
            args: &["eval", "--checkpoint", "run", "--backend", "flex"],
            code: 3,
            needles: &["model.safetensors", "damaged"],
            unprivileged: false,
        },
        Case {
            name: "resume: damaged checkpoint state",
            setup: |d| {
                trained_run(d);
                let latest = std::fs::read_to_string(d.join("run/checkpoints/latest")).unwrap();
                write(
                    d,
                    &format!("run/checkpoints/{}/state.json", latest.trim()),
                    b"{ half",
                );
            },
            args: &[
                "train",
                "--resume",
                "run",
                "--steps",
                "4",
                "--backend",
                "flex",
            ],
            code: 3,
            needles: &["state.json", "damaged", "delete that checkpoint folder"],
            unprivileged: false,
        },
        // ---- flags and config files (exit 2) ----
        usage(
            "sigma < 0",
            &["train", "--noise", "gaussian:-3"],
            &["--noise", ">= 0"],
        ),
        usage(
            "laplace b < 0",
            &["train", "--noise", "laplace:-1"],
            &["--noise", ">= 0"],
        ),
        usage(
            "salt-pepper p > 1",
            &["train", "--noise", "salt-pepper:1.5"],
            &["--noise", "[0, 1]"],
        ),
        usage(
            "epsilon > 1",
            &["train", "--labels", "outliers:1.5:1"],
            &["--labels", "ε must be in [0, 1]"],
        ),
        usage(
            "epsilon < 0",
            &["train", "--labels", "outliers:-0.1:1"],
            &["--labels", "ε must be in [0, 1]"],
        ),
        usage(
            "bimodal p > 1",
            &["train", "--labels", "bimodal:2:1.5"],
            &["--labels", "bimodal"],
        ),
        usage(
            "patch 0",
            &["train", "--patch", "0", "--out", "r"],
            &["--patch 0"],
        ),
        usage(
            "batch 0",
            &["train", "--batch", "0", "--out", "r"],
            &["--batch 0"],
        ),
        usage(
            "steps 0",
            &["train", "--steps", "0", "--out", "r"],
            &["--steps 0"],
        ),
        usage(
            "lr 0",
            &["train", "--lr", "0", "--out", "r"],
            &["--lr 0", "> 0"],
        ),
        usage(
            "lr NaN",
            &["train", "--lr", "NaN", "--out", "r"],
            &["--lr NaN", "> 0"],
        ),
        usage(
            "lr < 0",
            &["train", "--lr", "-1", "--out", "r"],
            &["--lr -1", "> 0"],
        ),
        usage(
            "weight decay NaN",
            &["train", "--weight-decay", "NaN", "--out", "r"],
            &["--weight-decay", ">= 0"],
        ),
        usage(
            "grad clip < 0",
            &["train", "--grad-clip", "-1", "--out", "r"],
            &["--grad-clip", "> 0"],
        ),
        usage(
            "validation fraction 1.5",
            &["train", "--val-fraction", "1.5", "--out", "r"],
            &["--val-fraction 1.5", "[0, 1)"],
        ),
        usage(
            "checkpoint every 0",
            &["train", "--checkpoint-every", "0", "--out", "r"],
            &["--checkpoint-every", "at least 1"],
        ),
        usage(
            "depth 1",
            &["train", "--depth", "1", "--out", "r"],
            &["depth", "at least 2"],
        ),
        usage(
            "width 0",
            &["train", "--width", "0", "--out", "r"],
            &["width", "at least 1"],
        ),
        usage(
            "bad schedule",
            &["train", "--schedule", "step:0:0.5"],
            &["--schedule", "expected one of constant"],
        ),
        usage(
            "unknown loss",
            &["train", "--loss", "l3"],
            &["--loss", "expected one of mse"],
        ),
        usage(
            "unknown optimizer",
            &["train", "--optim", "lbfgs"],
            &["--optim", "expected one of sgd"],
        ),
        usage(
            "unknown backend",
            &["train", "--backend", "cuda"],
            &["--backend", "auto", "flex"],
        ),
        usage(
            "bad shard",
            &["experiment", "clean", "--shard", "3/2"],
            &["--shard", "3/2"],
        ),
        usage(
            "no seeds",
            &["experiment", "clean", "--seeds", "0"],
            &["--seeds", "0", "1..=100"],
        ),
        usage(
            "zero label draws",
            &["train", "--label-draws", "0", "--out", "r"],
            &["--label-draws 0", "at least 1"],
        ),
        usage(
            "adam first 1",
            &["train", "--optim", "sgd", "--adam-first", "1", "--out", "r"],
            &["--adam-first 1", "(0, 1)"],
        ),
        Case {
            name: "malformed JSON config",
            setup: |d| write(d, "c.json", b"{ \"steps\": 3,"),
            args: &["train", "--config", "c.json", "--out", "r"],
            code: 2,
            needles: &["c.json", "not a valid denoise config"],
            unprivileged: false,
        },
        Case {
            name: "unknown config key",
            setup: |d| write(d, "c.json", br#"{"stepz": 3}"#),
            args: &["train", "--config", "c.json", "--out", "r"],
            code: 2,
            needles: &["c.json", "unknown field `stepz`", "expected one of"],
            unprivileged: false,
        },
        Case {
            name: "config value of the wrong type",
            setup: |d| write(d, "c.json", br#"{"steps": "ten"}"#),
            args: &["train", "--config", "c.json", "--out", "r"],
            code: 2,
            needles: &["c.json", "invalid type"],
            unprivileged: false,
        },
        Case {
            name: "config file missing",
            setup: |_| {},
            args: &["train", "--config", "absent.json", "--out", "r"],
            code: 2,
            needles: &["absent.json", "cannot read config file"],
            unprivileged: false,
        },
        Case {
            name: "resume from a folder that is not a run",
            setup: |d| std::fs::create_dir_all(d.join("plain")).unwrap(),
            args: &["train", "--resume", "plain"],
            code: 2,
            needles: &["plain", "not a run directory", "--out folder"],
            unprivileged: false,
        },
        Case {
            name: "eval: --checkpoint is not a model",
            setup: |d| std::fs::create_dir_all(d.join("plain")).unwrap(),
            args: &["eval", "--checkpoint", "plain"],
            code: 2,
            needles: &["--checkpoint plain", "no model here"],
            unprivileged: false,
        },
        Case {
            name: "--out already holds a run",
            setup: trained_run,
            args: &["train", "--steps", "1", "--out", "run", "--backend", "flex"],
            code: 2,
            needles: &["--out run", "already holds a run", "--resume"],
            unprivileged: false,
        },
        // ---- output (exit 5) ----
        Case {
            name: "--out is a file",
            setup: |d| write(d, "taken", b"a file"),
            args: &[
                "train",
                "--steps",
                "1",
                "--out",
                "taken",
                "--backend",
                "flex",
            ],
            code: 5,
            needles: &["--out taken", "cannot create the run folder"],
            unprivileged: false,
        },
        Case {
            name: "--out in a read-only folder",
            setup: |d| {
                let ro = d.join("ro");
                std::fs::create_dir_all(&ro).unwrap();
                set_mode(&ro, 0o555);
            },
            args: &[
                "train",
                "--steps",
                "1",
                "--out",
                "ro/run",
                "--backend",
                "flex",
            ],
            code: 5,
            needles: &["ro/run", "ermission denied", "writable --out"],
            unprivileged: true,
        },
    ]
}

fn usage(
    name: &'static str,
    args: &'static [&'static str],
    needles: &'static [&'static str],
) -> Case {
    Case {
        name,
        setup: |_| {},
        args,
        code: 2,
        needles,
        unprivileged: false,
    }
}

/// A finished 2-step run in `run/` (for eval, denoise and resume cases).
fn trained_run(dir: &Path) {
    let o = denoise(
        &[
            "train",
            "--steps",
            "2",
            "--batch",
            "1",
            "--patch",
            "16",
            "--eval-every",
            "2",
            "--checkpoint-every",
            "2",
            "--backend",
            "flex",
            "--quiet",
            "--out",
            "run",
        ],
        dir,
    );
    assert!(o.status.success(), "fixture run failed:\n{}", stderr(&o));
}
