//! The benchmark protocol end to end: `eval` on a folder with 8-bit noisy inputs saved for other
//! tools and outputs saved for `score`; `denoise` in tiles against one pass; a training batch
//! that cannot fit refused before it starts; colour folders through train, eval, denoise and score.

use crate::util::{denoise, eval_clean, json, ok, stderr, train_tiny};

#[test]
fn eval_saves_its_inputs_and_outputs_and_score_agrees() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    train_tiny(p, "run", "2", &[]);
    std::fs::create_dir(p.join("clean")).unwrap();
    for (i, name) in ["a", "b"].iter().enumerate() {
        let img = denoise_data::Image::new(
            (0..48 * 40)
                .map(|k| ((k * (i + 3)) % 17) as f32 / 17.0)
                .collect(),
            1,
            48,
            40,
        )
        .unwrap();
        img.save_png(
            &p.join(format!("clean/{name}.png")),
            denoise_data::BitDepth::Eight,
        )
        .unwrap();
    }
    let eval = |extra: &[&str]| {
        let o = eval_clean(
            p,
            &[&["--noise", "gaussian:25", "--seed", "3"][..], extra].concat(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        json(&o)
    };
    let v = eval(&[
        "--quantize-input",
        "--save-inputs",
        "noisy",
        "--save-outputs",
        "out",
        "--sixteen-bit",
    ]);
    // The same seed gives the same noisy images on every run.
    assert_eq!(eval(&["--quantize-input"])["psnr"], v["psnr"]);
    // The 8-bit inputs on disk are exactly what the model saw: score finds eval's input PSNR.
    let s = json(&ok(&["score", "noisy", "-r", "clean", "--json"], p));
    for (scored, evaluated) in s[0]["images"]
        .as_array()
        .unwrap()
        .iter()
        .zip(v["images"].as_array().unwrap())
    {
        let (a, b) = (
            scored["psnr"].as_f64().unwrap(),
            evaluated["input-psnr"].as_f64().unwrap(),
        );
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
    // The 16-bit outputs are the model's clipped to [0, 1] and rounded to 1/65535: clipping only
    // moves a value towards a reference in [0, 1], so their PSNR is at least eval's (less the
    // rounding, < 0.001 dB at these errors).
    let s = json(&ok(&["score", "out", "-r", "clean", "--json"], p));
    let (a, b) = (
        s[0]["mean"]["psnr"].as_f64().unwrap(),
        v["psnr"].as_f64().unwrap(),
    );
    assert!(a >= b - 1e-3, "{a} vs {b}");
    // Without quantisation the inputs differ (values between 8-bit levels, some beyond [0, 1]).
    assert_ne!(eval(&[])["input-psnr"], v["input-psnr"]);

    // Tiles of 16 against one pass: the same image up to rounding (16-bit files).
    for (tile, name) in [("16", "t16.png"), ("none", "whole.png")] {
        ok(
            &[
                "denoise",
                "--checkpoint",
                "run",
                "noisy/a.png",
                "-o",
                name,
                "--tile",
                tile,
                "--sixteen-bit",
                "--backend",
                "flex",
                "-q",
            ],
            p,
        );
    }
    let s = json(&ok(&["score", "t16.png", "-r", "whole.png", "--json"], p));
    let mae = s[0]["images"][0]["mae"].as_f64().unwrap();
    assert!(mae < 1.0 / 65535.0, "tiled vs whole: MAE {mae}");
}

#[test]
fn a_batch_that_cannot_fit_is_refused_before_training() {
    let d = tempfile::tempdir().unwrap();
    let o = denoise(
        &[
            "train",
            "--batch",
            "100000000",
            "--backend",
            "flex",
            "--out",
            "r",
        ],
        d.path(),
    );
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("--batch 100000000") && e.contains("is free") && e.contains("use --batch"),
        "{e}"
    );
    assert!(!e.contains("panicked"), "{e}");
}

#[test]
fn colour_folders_train_evaluate_denoise_and_score_end_to_end() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir(p.join("photos")).unwrap();
    for i in 0..5usize {
        let img = image::RgbImage::from_fn(40, 36, |x, y| {
            let v = |k: usize| (((x as usize) * (k + i) + (y as usize) * 3 * k) % 251) as u8;
            image::Rgb([v(1), v(2), v(5)])
        });
        img.save(p.join(format!("photos/p{i}.png"))).unwrap();
    }
    train_tiny(
        p,
        "run",
        "2",
        &[
            "--data",
            "photos",
            "--color",
            "rgb",
            "--val-fraction",
            "0.4",
        ],
    );
    let v = json(&ok(
        &[
            "eval",
            "--checkpoint",
            "run",
            "--data",
            "photos",
            "--backend",
            "flex",
            "--json",
            "--save-outputs",
            "out",
            "-q",
        ],
        p,
    ));
    assert_eq!(v["images"].as_array().unwrap().len(), 5);
    ok(
        &[
            "denoise",
            "--checkpoint",
            "run",
            "photos",
            "-o",
            "den",
            "--backend",
            "flex",
            "-q",
        ],
        p,
    );
    let s = json(&ok(&["score", "out", "den", "-r", "photos", "--json"], p));
    assert_eq!(s[0]["channel"], "rgb");
    assert_eq!(s[1]["images"].as_array().unwrap().len(), 5);
    let out = denoise_data::Image::load_native(&p.join("den/p0.png")).unwrap();
    assert_eq!(out.shape(), [3, 36, 40]);
}

#[test]
fn sigterm_stops_denoising_between_tiles_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    train_tiny(p, "run", "1", &[]);
    // 16 megapixels in tiles of 32: far longer than the 2 s before the signal.
    image::GrayImage::from_fn(4000, 4000, |x, y| image::Luma([((x ^ y) % 256) as u8]))
        .save(p.join("big.png"))
        .unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_denoise"))
        .args([
            "denoise",
            "--checkpoint",
            "run",
            "big.png",
            "-o",
            "out.png",
            "--tile",
            "32",
        ])
        .args(["--backend", "flex", "-q"])
        .current_dir(p)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(2));
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{e}");
    assert!(e.contains("SIGTERM"), "{e}");
    assert!(!p.join("out.png").exists(), "no output was written");
}
