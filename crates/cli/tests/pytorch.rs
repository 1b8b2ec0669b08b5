//! PyTorch state dicts through the binary: `import` a KAIR DnCNN (or point `--checkpoint` at the
//! `.pth` itself), `export` a trained model and read it back, and the errors of both commands.
//! The numbers against PyTorch are tested in the trainer's `pytorch` tests on the same fixtures.

use std::path::{Path, PathBuf};

use crate::util::{denoise, json, ok, stderr, train_tiny};

/// The fixtures written by `scripts/pytorch_fixture.py` (torch 2.15.0).
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../trainer/tests/fixtures/pytorch")
        .join(name)
}

/// Writes `n` small photos with `channels` channels into `cwd/dir`.
fn photos(cwd: &Path, dir: &str, channels: usize, n: usize) {
    std::fs::create_dir(cwd.join(dir)).unwrap();
    for i in 0..n {
        let (h, w) = (28, 32);
        let data = (0..channels * h * w)
            .map(|k| (((k % w) * (i + 2) + (k / w) * 5 + k / (h * w) * 7) % 61) as f32 / 61.0)
            .collect();
        let img = denoise_data::Image::new(data, channels, h, w).unwrap();
        img.save_png(
            &cwd.join(format!("{dir}/p{i}.png")),
            denoise_data::BitDepth::Sixteen,
        )
        .unwrap();
    }
}

/// The images `denoise` writes for `checkpoint` on the folder `input`, in `cwd/out`.
fn denoised(cwd: &Path, checkpoint: &str, input: &str, out: &str) -> Vec<Vec<f32>> {
    ok(
        &[
            "denoise",
            "--checkpoint",
            checkpoint,
            input,
            "-o",
            out,
            "--sixteen-bit",
            "--backend",
            "flex",
            "-q",
        ],
        cwd,
    );
    images_in(cwd, out)
}

fn eval_json(cwd: &Path, checkpoint: &str, data: &str) -> serde_json::Value {
    json(&ok(
        &[
            "eval",
            "--checkpoint",
            checkpoint,
            "--data",
            data,
            "--noise",
            "gaussian:25",
            "--seed",
            "5",
            "--backend",
            "flex",
            "--json",
            "-q",
        ],
        cwd,
    ))
}

#[test]
fn an_imported_kair_model_evaluates_and_denoises_as_the_pth_itself() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    for (file, channels) in [("kair_plain.pth", 1), ("kair_bn.pth", 3)] {
        let pth = fixture(file);
        let pth = pth.to_str().unwrap();
        let folder = format!("model-{channels}");
        let o = ok(&["import", pth, "--out", &folder], p);
        let said = String::from_utf8_lossy(&o.stdout);
        let act = if channels == 1 { "'R'" } else { "'BR'" };
        assert!(
            said.contains(&format!(
                "DnCNN(in_nc={channels}, out_nc={channels}, nc=16, nb=5, act_mode={act})"
            )),
            "{said}"
        );
        assert!(p.join(&folder).join("model.json").is_file());
        let data = format!("photos-{channels}");
        photos(p, &data, channels, 3);
        let by_folder = eval_json(p, &folder, &data);
        let by_file = eval_json(p, pth, &data);
        assert_eq!(by_folder["psnr"], by_file["psnr"]);
        assert_eq!(by_folder["images"].as_array().unwrap().len(), 3);
        assert!(by_folder["psnr"].as_f64().unwrap().is_finite());
        let a = denoised(p, &folder, &data, &format!("a-{channels}"));
        let b = denoised(p, pth, &data, &format!("b-{channels}"));
        assert_eq!(a, b);
        // The network changed the images: the imported weights are in use, not an identity.
        let inputs = images_in(p, &data);
        assert_ne!(a, inputs);
    }
}

/// The pixels of the images in `cwd/dir`, in name order.
fn images_in(cwd: &Path, dir: &str) -> Vec<Vec<f32>> {
    let mut names: Vec<_> = std::fs::read_dir(cwd.join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| denoise_data::Image::load_native(p).unwrap().into_vec())
        .collect()
}

#[test]
fn an_exported_model_reads_back_to_the_same_outputs() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    // With batch norm: our ε (1e-5) is not KAIR's (1e-4), so export rescales γ and import undoes it.
    train_tiny(p, "run", "2", &["--batch-norm", "true"]);
    let o = ok(&["export", "--checkpoint", "run", "--out", "kair.pth"], p);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("model = DnCNN("), "{said}");
    assert!(said.contains("strict=True"), "{said}");
    // No temporary file is left beside it.
    let left: Vec<_> = std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("kair"))
        .collect();
    assert_eq!(left, ["kair.pth"]);
    photos(p, "photos", 1, 2);
    let ours = denoised(p, "run", "photos", "ours");
    let back = denoised(p, "kair.pth", "photos", "back");
    // The same function up to float rounding: 16-bit outputs agree to a level.
    for (a, b) in ours.iter().zip(&back) {
        let worst = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(worst <= 1.5 / 65535.0, "max difference {worst}");
    }
    assert_ne!(ours, images_in(p, "photos"));
}

#[test]
fn import_and_export_refuse_what_they_cannot_convert() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    // Not a DnCNN state dict: exit 3 naming the file.
    let io = fixture("kair_plain_io.pth");
    let o = denoise(&["import", io.to_str().unwrap(), "--out", "m"], p);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("kair_plain_io.pth"), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a KAIR DnCNN"), "{}", stderr(&o));
    assert!(!p.join("m").exists());
    // A folder in use is not overwritten: exit 2, its file kept.
    std::fs::create_dir(p.join("busy")).unwrap();
    std::fs::write(p.join("busy/keep.txt"), "mine").unwrap();
    let plain = fixture("kair_plain.pth");
    let o = denoise(&["import", plain.to_str().unwrap(), "--out", "busy"], p);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--out busy"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(p.join("busy/keep.txt")).unwrap(),
        "mine"
    );
    // A bad ε names the flag.
    let o = denoise(
        &[
            "import",
            plain.to_str().unwrap(),
            "--out",
            "m",
            "--norm-epsilon",
            "0",
        ],
        p,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--norm-epsilon"), "{}", stderr(&o));
    // KAIR's DnCNN always subtracts its output: a model trained to give the image is refused.
    train_tiny(p, "direct", "2", &["--no-residual"]);
    let o = denoise(&["export", "--checkpoint", "direct", "--out", "d.pth"], p);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("residual"), "{}", stderr(&o));
    assert!(!p.join("d.pth").exists());
    // A missing file is bad input, named.
    let o = denoise(&["eval", "--checkpoint", "gone.pth"], p);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("gone.pth"), "{}", stderr(&o));
}
