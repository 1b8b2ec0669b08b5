//! Speed of the flex kernels on their own (no burn): the 3×3 convolution's forward pass, input
//! gradient and weight gradient, and batch norm, at the shapes DnCNN training and inference use.
//! Prints the median time of the repeats and the convolution's GFLOP/s (counted as the direct
//! convolution's multiply-adds: layers of 64 channels or more — 32 under AVX2 — run Winograd's
//! F(4×4, 3×3) for the forward pass and the input gradient, which does 4× fewer, and under AVX2
//! F(2×2, 3×3) for the weight gradient, 2.25× fewer, so theirs are effective rates).
//!
//! `cargo bench -p denoise-kernels --bench kernels [-- REPEATS]`
//! (threads: `RAYON_NUM_THREADS`, all cores by default).

use std::hint::black_box;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::time::Instant;

use denoise_kernels::batch_norm::kernel::{self as bn, Layout};
use denoise_kernels::conv3x3::kernel::{self, Geometry};

/// Deterministic values in [-1, 1).
fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// Median seconds of `repeats` runs of `f` after one warm-up run.
fn median_seconds<T>(repeats: usize, mut f: impl FnMut() -> T) -> f64 {
    black_box(f());
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let repeats: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(11);
    println!(
        "{} threads, median of {repeats} repeats",
        rayon::current_num_threads()
    );
    let cases = [
        ("dncnn training layer", 16, 64, 64, 40, 40),
        ("dncnn inference layer", 1, 64, 64, 256, 256),
        ("tiny training layer", 16, 32, 32, 40, 40),
        ("head (gray → 64)", 16, 1, 64, 40, 40),
    ];
    println!(
        "{:<24} {:>22} {:>22} {:>22} {:>10}",
        "convolution",
        "forward ms (GF/s)",
        "input grad ms (GF/s)",
        "weight grad ms (GF/s)",
        "BN fwd+bwd ms"
    );
    for (name, batch, c_in, c_out, height, width) in cases {
        let g = Geometry {
            batch,
            c_in,
            c_out,
            height,
            width,
        };
        let x = values(g.input_len(), 1);
        let w = values(g.weight_len(), 2);
        let dy = values(g.output_len(), 3);
        let flops = 2.0 * (g.output_len() * c_in * 9) as f64;
        let cell = |s: f64| format!("{:.2} ({:.0})", s * 1e3, flops / s / 1e9);
        let fwd = median_seconds(repeats, || kernel::forward(&x, &w, None, &g));
        let dx = median_seconds(repeats, || kernel::input_gradient(&w, &dy, &g));
        let dw = median_seconds(repeats, || kernel::weight_gradient(&x, &dy, &g));
        let l = Layout {
            batch,
            channels: c_out,
            pixels: height * width,
        };
        let gamma = values(c_out, 4);
        let norm = median_seconds(repeats, || {
            let (mean, var) = bn::statistics(&dy, &l);
            let y = bn::normalize(&dy, &gamma, &gamma, &mean, &var, 1e-5, &l);
            // The backward step through the fused ReLU (its output `y` as the mask).
            bn::train_backward(&dy, &y, Some(&y), [&gamma, &mean, &var], 1e-5, &l)
        });
        println!(
            "{name:<24} {:>22} {:>22} {:>22} {:>10.2}",
            cell(fwd),
            cell(dx),
            cell(dw),
            norm * 1e3
        );
    }
}
