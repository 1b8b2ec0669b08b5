//! Fuzz target: `--labels` parsing never panics; what parses prints back to itself, corrupts a
//! small image and gives an oracle of the image's shape.
#![no_main]

use denoise_data::{Image, LabelSpec, seed};
use denoise_fuzz::parse_round_trip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(spec) = parse_round_trip::<LabelSpec>(data) else {
        return;
    };
    let clean = Image::new((0..36).map(|i| i as f32 / 36.0).collect(), 1, 6, 6).unwrap();
    let mut rng = seed::stream(0, seed::Domain::Labels, 0);
    assert_eq!(spec.corrupt(&clean, &mut rng).shape(), clean.shape());
    let oracle = spec.oracle(&clean);
    assert_eq!(oracle.mean.shape(), clean.shape());
    assert_eq!(oracle.median_mid().shape(), clean.shape());
});
