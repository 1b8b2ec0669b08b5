//! The committed fuzz corpus (`fuzz/corpus/`) replayed as a regression test, without libFuzzer:
//! every seed of the spec targets parses (or is refused) without panicking and what parses prints
//! back to itself; every image seed decodes within limits or is refused with an error.

use std::fmt::{Debug, Display};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use denoise_data::fuzz_input::{decode_image_input, parse_round_trip};
use denoise_data::{LabelSpec, NoiseSpec};
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

/// Parses every seed with [`parse_round_trip`]; returns how many parsed.
fn replay<T>(target: &str) -> usize
where
    T: FromStr + Display + PartialEq + Debug,
    T::Err: Display,
{
    let mut parsed = 0;
    for (path, bytes) in seeds(target) {
        match parse_round_trip::<T>(&bytes) {
            Ok(Some(_)) => parsed += 1,
            Ok(None) => {}
            Err(e) => panic!("{}: {e}", path.display()),
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
    let mut decoded = 0;
    for (path, bytes) in seeds("image_decode") {
        match decode_image_input(&bytes) {
            Ok(true) => decoded += 1,
            Ok(false) => {}
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    assert!(decoded >= 7, "only {decoded} image seeds decode");
}
