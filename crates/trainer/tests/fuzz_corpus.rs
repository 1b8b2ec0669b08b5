//! The committed fuzz corpus (`fuzz/corpus/`) replayed as a regression test, without libFuzzer:
//! every seed of the spec targets parses (or is refused) without panicking and what parses prints
//! back to itself; every image seed decodes within limits or is refused with an error.

use std::fmt::{Debug, Display};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use denoise_data::{ColorMode, DecodeLimits, Image, LabelSpec, NoiseSpec};
use denoise_trainer::loss::LossSpec;
use denoise_trainer::optim::{OptimSpec, Schedule};

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| (e.path(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seeds in {}", dir.display());
    out
}

/// Parses every seed; returns how many parsed. What parses must print back to itself.
fn replay<T>(target: &str) -> usize
where
    T: FromStr + Display + PartialEq + Debug,
{
    let mut parsed = 0;
    for (path, bytes) in seeds(target) {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if let Ok(v) = text.parse::<T>() {
            let printed = v.to_string();
            let again = printed.parse::<T>().ok();
            assert_eq!(
                again.as_ref(),
                Some(&v),
                "{}: '{text}' -> '{printed}'",
                path.display()
            );
            parsed += 1;
        }
    }
    parsed
}

#[test]
fn spec_seeds_parse_and_print_back() {
    assert!(replay::<NoiseSpec>("noise_spec") >= 8);
    assert!(replay::<LabelSpec>("label_spec") >= 7);
    assert!(replay::<LossSpec>("loss_spec") >= 7);
    let optim = replay::<OptimSpec>("optim_spec");
    let schedule = replay::<Schedule>("optim_spec");
    assert!(
        optim >= 5 && schedule >= 3,
        "{optim} optimizers, {schedule} schedules"
    );
}

#[test]
fn image_seeds_decode_or_fail_cleanly() {
    let limits = DecodeLimits {
        max_side: 2048,
        max_bytes: 64 << 20,
    };
    let mut decoded = 0;
    for (path, bytes) in seeds("image_decode") {
        let Some((&selector, data)) = bytes.split_first() else {
            continue;
        };
        let mode = if selector & 1 == 0 {
            ColorMode::Gray
        } else {
            ColorMode::Rgb
        };
        let name =
            ["x.png", "x.jpg", "x.tif", "x.bmp", "x.webp", "x.bin"][(selector as usize >> 1) % 6];
        if let Ok(img) = Image::decode(data, Path::new(name), mode, limits) {
            let [c, h, w] = img.shape();
            assert_eq!(img.as_slice().len(), c * h * w, "{}", path.display());
            decoded += 1;
        }
    }
    assert!(decoded >= 7, "only {decoded} image seeds decode");
}
