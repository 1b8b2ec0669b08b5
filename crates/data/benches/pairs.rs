//! Pairs per second of the data pipeline on one thread: 40×40 gray patches from the synthetic set,
//! `gaussian:25` input noise, `outliers:0.1:1.0` labels, with augmentation.
//!
//! Run: `cargo bench -p denoise-data --bench pairs` (warm-up, then 9 repeats; prints the median and
//! a JSON line). Goal: >= 20,000 pairs/s on one core.

use std::hint::black_box;
use std::time::Instant;

use denoise_data::{Corruption, PatchConfig, PatchSampler, SyntheticConfig, SyntheticDataset};

fn main() {
    let images = SyntheticDataset::new(SyntheticConfig::default()).images();
    let corruption = Corruption {
        noise: "gaussian:25".parse().expect("valid"),
        clip_input: false,
        labels: "outliers:0.1:1.0".parse().expect("valid"),
    };
    let config = PatchConfig {
        patch: 40,
        augment: true,
        patches_per_epoch: 1,
        seed: 0,
        label_draws: None,
    };
    let sampler = PatchSampler::new(images, config, corruption).expect("valid sampler");
    let per_repeat = 20_000u64;
    let mut next = 0u64;
    let mut run = || {
        let t = Instant::now();
        for _ in 0..per_repeat {
            black_box(sampler.pair(next));
            next += 1;
        }
        per_repeat as f64 / t.elapsed().as_secs_f64()
    };
    run(); // warm-up
    let mut rates: Vec<f64> = (0..9).map(|_| run()).collect();
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    println!(
        "pairs/s (40×40 gray, gaussian:25, outliers:0.1:1.0, 1 thread): median {median:.0}, \
         min {:.0}, max {:.0}",
        rates[0],
        rates[rates.len() - 1]
    );
    println!(
        "{{\"bench\":\"data-pairs\",\"median_pairs_per_s\":{median:.1},\"repeats\":{}}}",
        rates.len()
    );
}
