//! Fuzz target: `--optim` and `--schedule` parsing never panic; what parses prints back to itself,
//! and a schedule gives finite rates in [0, lr] at every step.
#![no_main]

use denoise_fuzz::parse_round_trip;
use denoise_trainer::optim::{OptimSpec, Schedule};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(spec) = parse_round_trip::<OptimSpec>(data) {
        assert!(spec.default_lr() > 0.0);
    }
    if let Some(schedule) = parse_round_trip::<Schedule>(data) {
        for (step, total) in [(0, 1), (5, 10), (999, 1000), (u64::MAX - 1, u64::MAX)] {
            let lr = schedule.lr_at(1e-3, step, total);
            assert!(lr.is_finite() && (0.0..=1e-3).contains(&lr), "{schedule}: lr {lr} at {step}");
        }
    }
});
