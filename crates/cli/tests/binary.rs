//! The `denoise` binary end to end: exit codes and messages.

use crate::util::{denoise, stderr};

#[test]
fn bad_flags_fail_with_a_message_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("typo.json"), r#"{"stepz": 3}"#).unwrap();
    std::fs::write(dir.path().join("broken.json"), "{ not json").unwrap();
    for (args, needle) in [
        (
            vec!["train", "--config", "typo.json"],
            "unknown field `stepz`",
        ),
        (vec!["train", "--config", "broken.json"], "broken.json"),
        (vec!["train", "--config", "absent.json"], "absent.json"),
        (vec!["train", "--loss", "l3"], "--loss"),
        (vec!["train", "--noise", "gaussian:-3"], ">= 0"),
        (
            vec!["train", "--labels", "outliers:1.5:1"],
            "ε must be in [0, 1]",
        ),
        (vec!["train", "--batch", "0", "--out", "r"], "--batch 0"),
        (vec!["train", "--lr", "-1", "--out", "r"], "--lr"),
        (vec!["train", "--resume", "nowhere"], "not a run directory"),
        (
            vec![
                "train",
                "--data",
                "missing-folder",
                "--out",
                "r2",
                "--steps",
                "1",
            ],
            "missing-folder",
        ),
        (vec!["eval", "--checkpoint", "."], "no model here"),
    ] {
        let o = denoise(&args, dir.path());
        assert!(!o.status.success(), "{args:?} succeeded");
        let e = stderr(&o);
        assert!(
            e.contains(needle),
            "{args:?}: stderr lacks '{needle}':\n{e}"
        );
        assert!(!e.contains("panicked"), "{args:?} panicked:\n{e}");
    }
}

#[test]
fn train_then_eval_and_denoise_with_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let o = denoise(
        &[
            "train",
            "--steps",
            "4",
            "--batch",
            "2",
            "--patch",
            "16",
            "--eval-every",
            "4",
            "--backend",
            "flex",
            "--quiet",
            "--out",
            "run",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "train failed:\n{}", stderr(&o));
    let config = std::fs::read_to_string(dir.path().join("run/config.json")).unwrap();
    assert!(
        config.contains("\"depth\": 5"),
        "config.json records the resolved model"
    );

    let o = denoise(
        &[
            "eval",
            "--checkpoint",
            "run",
            "--images",
            "2",
            "--size",
            "32",
            "--json",
            "--backend",
            "flex",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "eval failed:\n{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["images"].as_array().unwrap().len(), 2);
    assert!(v["psnr"].as_f64().unwrap() > 10.0);

    // A gray model on a gray image of odd size works; on an RGB image it is a clear error.
    let gray = denoise_data::Image::filled(1, 21, 17, 0.5);
    gray.save_png(&dir.path().join("g.png"), denoise_data::BitDepth::Eight)
        .unwrap();
    let o = denoise(
        &[
            "denoise",
            "--checkpoint",
            "run",
            "g.png",
            "-o",
            "g-out.png",
            "--backend",
            "flex",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "denoise failed:\n{}", stderr(&o));
    let out = denoise_data::Image::load_native(&dir.path().join("g-out.png")).unwrap();
    assert_eq!(out.shape(), [1, 21, 17]);

    let rgb = denoise_data::Image::new(
        (0..3 * 16 * 16).map(|i| (i % 7) as f32 / 7.0).collect(),
        3,
        16,
        16,
    )
    .unwrap();
    rgb.save_png(&dir.path().join("c.png"), denoise_data::BitDepth::Eight)
        .unwrap();
    let o = denoise(
        &[
            "denoise",
            "--checkpoint",
            "run",
            "c.png",
            "--backend",
            "flex",
        ],
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("3 channel(s) but the model was trained on 1"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("c-denoised.png").exists());

    // The same --out again is refused: nothing already written is lost.
    let o = denoise(
        &["train", "--steps", "1", "--out", "run", "--backend", "flex"],
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("already holds a run"), "{}", stderr(&o));
}

#[test]
fn bench_writes_medians_of_every_repeat_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let o = denoise(
        &[
            "bench",
            "--models",
            "tiny",
            "--backends",
            "flex",
            "--batch",
            "2",
            "--patch",
            "8",
            "--warmup",
            "0",
            "--repeats",
            "3",
            "--train-steps",
            "1",
            "--infer-size",
            "16",
            "--infer-runs",
            "1",
            "--json",
            "bench.json",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let row = &report["results"][0];
    assert_eq!(row["model"], "tiny");
    assert_eq!(row["backend"], "flex");
    assert_eq!(report["settings"]["kernels"], "fast");
    let rates = [
        &row["train-patches-per-s"],
        &row["infer-mp-per-s"],
        &report["data-pairs-per-s"],
    ];
    for r in rates {
        let all: Vec<f64> = r["all"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(all.len(), 3, "{r}");
        assert!(all.iter().all(|v| v.is_finite() && *v > 0.0), "{r}");
        let mut sorted = all.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(r["median"].as_f64().unwrap(), sorted[1], "{r}");
    }
    // Zero repeats cannot give a median: a usage error naming the flag.
    let o = denoise(&["bench", "--repeats", "0"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--repeats"), "{}", stderr(&o));
}

#[test]
fn denoise_keeps_freed_memory_unless_the_user_set_the_purge_delay() {
    let dir = tempfile::tempdir().unwrap();
    // The purge delay in effect inside `denoise`, as its bench report records it.
    let purge_delay = |value: Option<&str>| -> serde_json::Value {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_denoise"));
        command
            .args([
                "bench",
                "--what",
                "data",
                "--repeats",
                "1",
                "--warmup",
                "0",
                "--json",
                "b.json",
            ])
            .current_dir(dir.path());
        match value {
            Some(v) => command.env("MIMALLOC_PURGE_DELAY", v),
            None => command.env_remove("MIMALLOC_PURGE_DELAY"),
        };
        let o = command.output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let json = std::fs::read_to_string(dir.path().join("b.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&json).unwrap()["mimalloc-purge-delay"].clone()
    };
    assert_eq!(purge_delay(None), "-1", "not set: denoise sets it");
    assert_eq!(purge_delay(Some("250")), "250", "the user's value is kept");
}
