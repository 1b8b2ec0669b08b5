//! Cases of image files and folders given to `--data` (exit 3, or 0 for unusual images that
//! train).

use std::io::Cursor;
use std::path::Path;

use denoise_data::testing::{palette_png, png_claiming};
use image::{DynamicImage, ImageBuffer, ImageFormat, Luma, Rgb, Rgba};

use super::{Case, TRAIN_FOLDER};

pub(super) fn gradient(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(ImageBuffer::from_fn(w, h, |x, y| {
        Rgb([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x + y) % 256) as u8,
        ])
    }))
}

pub(super) fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

pub(super) fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

pub(super) fn imgs(dir: &Path) -> std::path::PathBuf {
    let d = dir.join("imgs");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Two good images, so that the folder trains (one for training, one for validation).
pub(super) fn good(dir: &Path) {
    let d = imgs(dir);
    for name in ["good-1.png", "good-2.png"] {
        write(&d, name, &encode(&gradient(32, 32), ImageFormat::Png));
    }
}

pub(super) fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The image and folder cases.
pub(super) fn cases() -> Vec<Case> {
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
    ]
}
