//! Real noise end to end (`--noise real:DIR`, SIDD-style pairs: the noisy twin of each clean image
//! under the same name in a second folder), in colour: training reads the twins, eval takes them
//! as its inputs (score finds the same input PSNR), and pairs that do not match are refused or,
//! on request, left out.

use std::path::Path;

use crate::util::{denoise, eval_clean as eval, json, ok, stderr, train_tiny};

/// Five RGB photos in `clean/` and their noisy twins in `noisy/` (a fixed pattern of ±`level`
/// levels, different per image and channel), 16-bit; `noisy/extra.png` has no clean image.
fn pairs(p: &Path, noisy: &str, level: f32) {
    for dir in ["clean", noisy] {
        std::fs::create_dir_all(p.join(dir)).unwrap();
    }
    let (h, w) = (36, 40);
    for i in 0..5usize {
        let clean: Vec<f32> = (0..3 * h * w)
            .map(|k| ((k % w) * (i + 1) + (k / w % h) * 3 + k / (h * w) * 11) as f32 % 97.0 / 120.0)
            .collect();
        let twin: Vec<f32> = clean
            .iter()
            .enumerate()
            .map(|(k, v)| {
                let sign = if (k * 7 + i * 13) % 5 < 2 { -1.0 } else { 1.0 };
                v + sign * level / 255.0 + 0.05
            })
            .collect();
        for (dir, data) in [("clean", clean), (noisy, twin)] {
            denoise_data::Image::new(data, 3, h, w)
                .unwrap()
                .save_png(
                    &p.join(format!("{dir}/p{i}.png")),
                    denoise_data::BitDepth::Sixteen,
                )
                .unwrap();
        }
    }
    std::fs::copy(p.join("clean/p0.png"), p.join(format!("{noisy}/extra.png"))).unwrap();
}

fn train(p: &Path, noisy: &str, out: &str) {
    let noise = format!("real:{noisy}");
    let data = ["--data", "clean", "--color", "rgb", "--val-fraction", "0.4"];
    train_tiny(p, out, "2", &[&data[..], &["--noise", &noise]].concat());
}

#[test]
fn real_noisy_twins_train_and_evaluate_in_colour() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    pairs(p, "noisy", 12.0);
    train(p, "noisy", "run");
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("run/config.json")).unwrap()).unwrap();
    assert_eq!(config["noise"], "none");
    assert_eq!(config["data"]["noisy"], "noisy");
    // Other twins train another network: the twins are what the network sees.
    pairs(p, "noisier", 30.0);
    train(p, "noisier", "run-b");
    let losses = |run: &str| {
        let text = std::fs::read_to_string(p.join(run).join("metrics.csv")).unwrap();
        text.lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .to_owned()
    };
    assert_ne!(losses("run"), losses("run-b"));

    // eval takes the run's real noise; its inputs are the twins, saved as they are.
    let o = eval(p, &["--save-inputs", "inputs"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["images"].as_array().unwrap().len(), 5);
    for i in 0..5 {
        let load = |f: String| denoise_data::Image::load_native(&p.join(f)).unwrap();
        assert_eq!(
            load(format!("inputs/p{i}.png")),
            load(format!("noisy/p{i}.png"))
        );
    }
    let s = json(&ok(&["score", "inputs", "-r", "clean", "--json"], p));
    let scored = s[0]["images"].as_array().unwrap();
    assert_eq!(scored.len(), 5);
    for (sc, ev) in scored.iter().zip(v["images"].as_array().unwrap()) {
        let (a, b) = (
            sc["psnr"].as_f64().unwrap(),
            ev["input-psnr"].as_f64().unwrap(),
        );
        assert!(
            (a - b).abs() < 1e-9,
            "{}: score {a} vs eval {b}",
            sc["name"]
        );
    }
    // With the flag: the noise given, not the run's.
    let flagged = json(&eval(p, &["--noise", "real:noisier"]));
    assert!(flagged["input-psnr"].as_f64() < v["input-psnr"].as_f64());
}

#[test]
fn unmatched_twins_are_refused_or_left_out_on_request() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    pairs(p, "noisy", 12.0);
    train_tiny(p, "run", "1", &["--color", "rgb"]);
    std::fs::remove_file(p.join("noisy/p3.png")).unwrap();
    let eval = |extra: &[&str]| eval(p, &[&["--noise", "real:noisy"][..], extra].concat());
    let o = eval(&[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("p3.png") && e.contains("no noisy twin"), "{e}");
    assert!(e.contains("--on-bad-image skip"), "{e}");
    let o = eval(&["--on-bad-image", "skip"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["images"].as_array().unwrap().len(), 4);
    assert!(stderr(&o).contains("skipped"), "{}", stderr(&o));
    // A twin of another size names both files.
    let small = denoise_data::Image::filled(3, 20, 20, 0.5);
    small
        .save_png(&p.join("noisy/p3.png"), denoise_data::BitDepth::Eight)
        .unwrap();
    let o = eval(&[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("same size"), "{}", stderr(&o));
    // Real noise needs clean images to pair with.
    let o = denoise(&["eval", "--checkpoint", "run", "--noise", "real:noisy"], p);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--data DIR"), "{}", stderr(&o));
    let o = denoise(
        &[
            "train",
            "--noise",
            "real:noisy",
            "--steps",
            "1",
            "--out",
            "r2",
        ],
        p,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--data DIR"), "{}", stderr(&o));
}
