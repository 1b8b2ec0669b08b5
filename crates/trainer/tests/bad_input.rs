//! The bad-input corpus: every case is generated here, run through the `denoise` binary, and must
//! end with the documented exit code, a message naming the file or flag (and what would be
//! accepted), and no panic. Valid-but-unusual images (16-bit, palette, alpha, gray and RGB mixed,
//! symlink loops between folders) must train.
//!
//! Exit codes (see `denoise --help`): 2 usage, 3 unusable input data, 5 output not writable.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageBuffer, ImageFormat, Luma, Rgb, Rgba};

use denoise_data::testing::{palette_png, png_claiming};

use crate::util::{denoise, run_unprivileged, stderr};

/// One case of the corpus.
struct Case {
    name: &'static str,
    /// Builds the fixtures in the case's own folder.
    setup: fn(&Path),
    args: &'static [&'static str],
    /// Expected exit code.
    code: i32,
    /// Strings stderr must contain.
    needles: &'static [&'static str],
    /// Run as an unprivileged user (root ignores file permissions).
    unprivileged: bool,
}

const TRAIN_FOLDER: &[&str] = &[
    "train",
    "--data",
    "imgs",
    "--steps",
    "1",
    "--batch",
    "1",
    "--patch",
    "16",
    "--backend",
    "flex",
    "--quiet",
    "--out",
    "out",
];

fn gradient(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(ImageBuffer::from_fn(w, h, |x, y| {
        Rgb([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x + y) % 256) as u8,
        ])
    }))
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

fn imgs(dir: &Path) -> std::path::PathBuf {
    let d = dir.join("imgs");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Two good images, so that the folder trains (one for training, one for validation).
fn good(dir: &Path) {
    let d = imgs(dir);
    for name in ["good-1.png", "good-2.png"] {
        write(&d, name, &encode(&gradient(32, 32), ImageFormat::Png));
    }
}

fn cases() -> Vec<Case> {
    vec![
        // ---- image files and folders (exit 3) ----
        Case {
            name: "zero-byte file",
            setup: |d| {
                good(d);
                write(&imgs(d), "empty.png", b"");
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["empty.png", "0 bytes", "--on-bad-image skip"],
            unprivileged: false,
        },
        Case {
            name: "truncated PNG",
            setup: |d| {
                good(d);
                let png = encode(&gradient(64, 64), ImageFormat::Png);
                write(&imgs(d), "cut.png", &png[..png.len() / 2]);
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["cut.png", "cannot decode"],
            unprivileged: false,
        },
        Case {
            name: "truncated JPEG",
            setup: |d| {
                good(d);
                let jpg = encode(&gradient(64, 64), ImageFormat::Jpeg);
                write(&imgs(d), "cut.jpg", &jpg[..jpg.len() / 2]);
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["cut.jpg", "cannot decode"],
            unprivileged: false,
        },
        Case {
            name: "text file named .png",
            setup: |d| {
                good(d);
                write(&imgs(d), "notes.png", b"these are my notes, not an image\n");
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["notes.png", "cannot decode", "supported: PNG, JPEG"],
            unprivileged: false,
        },
        Case {
            name: "1x1 image",
            setup: |d| {
                good(d);
                write(
                    &imgs(d),
                    "dot.png",
                    &encode(&gradient(1, 1), ImageFormat::Png),
                );
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["dot.png", "1×1", "16×16 patch", "smaller --patch"],
            unprivileged: false,
        },
        Case {
            name: "image smaller than the patch",
            setup: |d| {
                good(d);
                write(
                    &imgs(d),
                    "small.png",
                    &encode(&gradient(20, 12), ImageFormat::Png),
                );
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["small.png", "12×20", "smaller than the 16×16 patch"],
            unprivileged: false,
        },
        Case {
            name: "PNG header claiming 60000x60000",
            setup: |d| {
                good(d);
                write(&imgs(d), "huge.png", &png_claiming(60_000, 60_000));
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["huge.png", "refused", "16384 pixels a side"],
            unprivileged: false,
        },
        Case {
            name: "JPEG bytes named .png (decoded by content)",
            setup: |d| {
                good(d);
                write(
                    &imgs(d),
                    "photo.png",
                    &encode(&gradient(40, 40), ImageFormat::Jpeg),
                );
            },
            args: TRAIN_FOLDER,
            code: 0,
            needles: &[],
            unprivileged: false,
        },
        Case {
            name: "16-bit, palette and alpha PNGs train",
            setup: |d| {
                let dir = imgs(d);
                let sixteen: ImageBuffer<Luma<u16>, Vec<u16>> =
                    ImageBuffer::from_fn(32, 32, |x, y| Luma([(x * 2000 + y * 17) as u16]));
                write(
                    &dir,
                    "deep.png",
                    &encode(&DynamicImage::ImageLuma16(sixteen), ImageFormat::Png),
                );
                let alpha: ImageBuffer<Rgba<u8>, Vec<u8>> =
                    ImageBuffer::from_fn(32, 32, |x, y| Rgba([x as u8 * 8, y as u8 * 8, 9, 128]));
                write(
                    &dir,
                    "alpha.png",
                    &encode(&DynamicImage::ImageRgba8(alpha), ImageFormat::Png),
                );
                write(&dir, "palette.png", &palette_png());
            },
            args: TRAIN_FOLDER,
            code: 0,
            needles: &[],
            unprivileged: false,
        },
        Case {
            name: "gray and RGB mixed in one folder train (as gray)",
            setup: |d| {
                let dir = imgs(d);
                write(
                    &dir,
                    "rgb.png",
                    &encode(&gradient(32, 32), ImageFormat::Png),
                );
                write(
                    &dir,
                    "gray.png",
                    &encode(&gradient(32, 32).grayscale(), ImageFormat::Png),
                );
            },
            args: TRAIN_FOLDER,
            code: 0,
            needles: &[],
            unprivileged: false,
        },
        Case {
            name: "gray and RGB mixed train with --color rgb",
            setup: |d| {
                let dir = imgs(d);
                write(
                    &dir,
                    "rgb.png",
                    &encode(&gradient(32, 32), ImageFormat::Png),
                );
                write(
                    &dir,
                    "gray.png",
                    &encode(&gradient(32, 32).grayscale(), ImageFormat::Png),
                );
            },
            args: &[
                "train",
                "--data",
                "imgs",
                "--color",
                "rgb",
                "--steps",
                "1",
                "--batch",
                "1",
                "--patch",
                "16",
                "--backend",
                "flex",
                "--quiet",
                "--out",
                "out",
            ],
            code: 0,
            needles: &[],
            unprivileged: false,
        },
        Case {
            name: "unreadable file (permissions)",
            setup: |d| {
                good(d);
                let p = imgs(d).join("secret.png");
                std::fs::write(&p, encode(&gradient(32, 32), ImageFormat::Png)).unwrap();
                set_mode(&p, 0o000);
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["secret.png", "ermission denied"],
            unprivileged: true,
        },
        Case {
            name: "unreadable subfolder (permissions)",
            setup: |d| {
                good(d);
                let sub = imgs(d).join("locked");
                std::fs::create_dir_all(&sub).unwrap();
                write(&sub, "x.png", &encode(&gradient(32, 32), ImageFormat::Png));
                set_mode(&sub, 0o000);
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["locked", "ermission denied"],
            unprivileged: true,
        },
        Case {
            name: "symlink loop between folders is cut",
            setup: |d| {
                good(d);
                std::os::unix::fs::symlink("..", imgs(d).join("loop")).unwrap();
            },
            args: TRAIN_FOLDER,
            code: 0,
            needles: &[],
            unprivileged: false,
        },
        Case {
            name: "symlink loop between two files",
            setup: |d| {
                good(d);
                let dir = imgs(d);
                std::os::unix::fs::symlink("b.png", dir.join("a.png")).unwrap();
                std::os::unix::fs::symlink("a.png", dir.join("b.png")).unwrap();
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["a.png", "symbolic links"],
            unprivileged: false,
        },
        Case {
            name: "broken symlink",
            setup: |d| {
                good(d);
                std::os::unix::fs::symlink("gone.png", imgs(d).join("dangling.png")).unwrap();
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["dangling.png", "No such file"],
            unprivileged: false,
        },
        Case {
            name: "empty folder",
            setup: |d| {
                imgs(d);
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["imgs", "the folder is empty", ".png .jpg"],
            unprivileged: false,
        },
        Case {
            name: "folder of non-images",
            setup: |d| {
                let dir = imgs(d);
                write(&dir, "readme.txt", b"hello");
                write(&dir, "data.csv", b"a,b");
            },
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["imgs", "2 file(s), none with an image extension"],
            unprivileged: false,
        },
        Case {
            name: "every image skipped",
            setup: |d| {
                write(&imgs(d), "bad.png", b"nope");
            },
            args: &[
                "train",
                "--data",
                "imgs",
                "--on-bad-image",
                "skip",
                "--steps",
                "1",
                "--patch",
                "16",
                "--backend",
                "flex",
                "--quiet",
                "--out",
                "out",
            ],
            code: 3,
            needles: &["every image was skipped", "bad.png"],
            unprivileged: false,
        },
        Case {
            name: "--data is a file",
            setup: |d| write(d, "imgs", b"not a folder"),
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["imgs", "not a directory"],
            unprivileged: false,
        },
        Case {
            name: "--data does not exist",
            setup: |_| {},
            args: TRAIN_FOLDER,
            code: 3,
            needles: &["imgs", "No such file"],
            unprivileged: false,
        },
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

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
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

#[test]
fn every_bad_input_is_reported_with_its_exit_code_and_never_panics() {
    let cases = cases();
    assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    let mut bad = 0;
    for case in &cases {
        let dir = tempfile::tempdir().unwrap();
        (case.setup)(dir.path());
        let o = if case.unprivileged {
            run_unprivileged(case.args, dir.path())
        } else {
            denoise(case.args, dir.path())
        };
        let e = stderr(&o);
        let code = o.status.code();
        let mut problems = Vec::new();
        if code != Some(case.code) {
            problems.push(format!("exit code {code:?}, expected {}", case.code));
        }
        if e.contains("panicked") || code == Some(101) {
            problems.push("panicked".into());
        }
        for n in case.needles {
            if !e.contains(n) {
                problems.push(format!("stderr lacks '{n}'"));
            }
        }
        if case.code != 0 {
            bad += 1;
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n  args: {:?}\n  stderr: {}",
                case.name,
                problems.join("; "),
                case.args,
                e.trim()
            ));
        }
    }
    eprintln!(
        "bad-input corpus: {} cases ({bad} refused, {} accepted)",
        cases.len(),
        cases.len() - bad
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
