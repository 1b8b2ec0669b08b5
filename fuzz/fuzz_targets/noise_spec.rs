//! Fuzz target: `--noise` parsing never panics; what parses prints back to itself and can be
//! sampled onto a small image without panicking.
#![no_main]

use denoise_data::{Image, NoiseSpec, seed};
use denoise_fuzz::parse_round_trip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(spec) = parse_round_trip::<NoiseSpec>(data) else {
        return;
    };
    let clean = Image::filled(1, 4, 4, 0.5);
    let mut rng = seed::stream(0, seed::Domain::InputNoise, 0);
    let noisy = spec.apply(&clean, &mut rng, true);
    assert_eq!(noisy.shape(), clean.shape());
    let _ = (spec.pixel_mean(0.5), spec.pixel_variance(0.5), spec.pixel_median(0.5));
});
