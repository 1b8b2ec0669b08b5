//! The bad-input corpus: every case is generated here, run through the `denoise` binary, and must
//! end with the documented exit code, a message naming the file or flag (and what would be
//! accepted), and no panic. Valid-but-unusual images (16-bit, palette, alpha, gray and RGB mixed,
//! symlink loops between folders) must train. Each case is its own test (`case_tests!`).
//!
//! Exit codes (see `denoise --help`): 2 usage, 3 unusable input data, 5 output not writable.

mod folders;
mod runs;

use std::path::Path;

use crate::util::{denoise, run_unprivileged, stderr};

/// One case of the corpus.
pub(super) struct Case {
    pub(super) name: &'static str,
    /// Builds the fixtures in the case's own folder.
    pub(super) setup: fn(&Path),
    pub(super) args: &'static [&'static str],
    /// Expected exit code.
    pub(super) code: i32,
    /// Strings stderr must contain.
    pub(super) needles: &'static [&'static str],
    /// Run as an unprivileged user (root ignores file permissions).
    pub(super) unprivileged: bool,
}

pub(super) const TRAIN_FOLDER: &[&str] = &[
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

/// Every case: image files and folders, then run folders, configs and flags.
fn cases() -> Vec<Case> {
    let mut cases = folders::cases();
    cases.extend(runs::cases());
    cases
}

/// Runs the case called `name` and fails with everything that went wrong.
fn check(name: &str) {
    let case = cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case named {name:?}"));
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
    assert!(
        problems.is_empty(),
        "{}: {}\n  args: {:?}\n  stderr: {}",
        case.name,
        problems.join("; "),
        case.args,
        e.trim()
    );
}

/// One `#[test]` per case of the corpus, named so that one case can be run alone
/// (`cargo test --release -p denoise-cli --test main -- bad_input::truncated_png`), and a test
/// that every case of [`cases`] has its test.
macro_rules! case_tests {
    ($($test:ident => $name:literal,)+) => {
        $(
            #[test]
            fn $test() {
                check($name);
            }
        )+

        #[test]
        fn every_case_has_its_test() {
            let tested = [$($name),+];
            let cases = cases();
            assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
            for c in &cases {
                assert!(tested.contains(&c.name), "case {:?} has no test", c.name);
            }
            assert_eq!(tested.len(), cases.len(), "a test names no case, or one twice");
        }
    };
}

case_tests! {
    zero_byte_file => "zero-byte file",
    truncated_png => "truncated PNG",
    truncated_jpeg => "truncated JPEG",
    text_file_named_png => "text file named .png",
    image_1x1_image => "1x1 image",
    image_smaller_than_the_patch => "image smaller than the patch",
    png_header_claiming_60000x60000 => "PNG header claiming 60000x60000",
    jpeg_bytes_named_png_decoded_by_content => "JPEG bytes named .png (decoded by content)",
    png_16_bit_palette_and_alpha_pngs_train => "16-bit, palette and alpha PNGs train",
    gray_and_rgb_mixed_in_one_folder_train_as_gray => "gray and RGB mixed in one folder train (as gray)",
    gray_and_rgb_mixed_train_with_color_rgb => "gray and RGB mixed train with --color rgb",
    unreadable_file_permissions => "unreadable file (permissions)",
    unreadable_subfolder_permissions => "unreadable subfolder (permissions)",
    symlink_loop_between_folders_is_cut => "symlink loop between folders is cut",
    symlink_loop_between_two_files => "symlink loop between two files",
    broken_symlink => "broken symlink",
    empty_folder => "empty folder",
    folder_of_non_images => "folder of non-images",
    every_image_skipped => "every image skipped",
    data_is_a_file => "--data is a file",
    data_does_not_exist => "--data does not exist",
    denoise_input_file_missing => "denoise: input file missing",
    denoise_input_is_a_text_file => "denoise: input is a text file",
    eval_damaged_model_weights => "eval: damaged model weights",
    resume_damaged_checkpoint_state => "resume: damaged checkpoint state",
    malformed_json_config => "malformed JSON config",
    unknown_config_key => "unknown config key",
    config_value_of_the_wrong_type => "config value of the wrong type",
    config_file_missing => "config file missing",
    resume_from_a_folder_that_is_not_a_run => "resume from a folder that is not a run",
    eval_checkpoint_is_not_a_model => "eval: --checkpoint is not a model",
    out_already_holds_a_run => "--out already holds a run",
    out_is_a_file => "--out is a file",
    out_in_a_read_only_folder => "--out in a read-only folder",
    sigma_below_0 => "sigma < 0",
    laplace_b_below_0 => "laplace b < 0",
    salt_pepper_p_above_1 => "salt-pepper p > 1",
    epsilon_above_1 => "epsilon > 1",
    epsilon_below_0 => "epsilon < 0",
    bimodal_p_above_1 => "bimodal p > 1",
    patch_0 => "patch 0",
    batch_0 => "batch 0",
    steps_0 => "steps 0",
    lr_0 => "lr 0",
    lr_nan => "lr NaN",
    lr_below_0 => "lr < 0",
    weight_decay_nan => "weight decay NaN",
    grad_clip_below_0 => "grad clip < 0",
    validation_fraction_1_5 => "validation fraction 1.5",
    checkpoint_every_0 => "checkpoint every 0",
    depth_1 => "depth 1",
    width_0 => "width 0",
    bad_schedule => "bad schedule",
    unknown_loss => "unknown loss",
    unknown_optimizer => "unknown optimizer",
    unknown_backend => "unknown backend",
    bad_shard => "bad shard",
    no_seeds => "no seeds",
    zero_label_draws => "zero label draws",
    adam_first_1 => "adam first 1",
}
