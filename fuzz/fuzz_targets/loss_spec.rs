//! Fuzz target: `--loss` parsing never panics, and what parses prints back to itself.
#![no_main]

use denoise_fuzz::parse_round_trip;
use denoise_trainer::loss::LossSpec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(spec) = parse_round_trip::<LossSpec>(data) {
        let _ = spec.optimum();
    }
});
