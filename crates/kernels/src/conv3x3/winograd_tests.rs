//! The Winograd kernels against the definition summed in f64: F(4×4, 3×3) of the forward pass
//! and the input gradient (bound and accuracy), F(2×2, 3×3) of the weight gradient, and where
//! each is taken.

use super::direct::convolve;
use super::kernel_tests::{
    Exact, assert_forward, at, exact_weight_gradient, geometries, geometry, pixels, tap,
};
use super::layout::{Geometry, Padded, tap_index, taps};
use super::micro::Isa;
use super::{winograd, winograd_filters, winograd_weights};
use crate::testing::{on_threads, values};

/// Winograd's weight gradient, which only AVX2 takes, against the definition on any CPU (its
/// transforms give the same values at every SIMD width): odd width and height, channels not a
/// multiple of 8, 32 and 64 channels; and a tall image of 1,051 tile rows of 2 tiles, which
/// makes two work items of 10 and 1 blocks of 100 tile rows (the last one short).
#[test]
fn winograd_weight_gradient_matches_the_definition() {
    let tall = Geometry {
        batch: 1,
        c_in: 32,
        c_out: 33,
        height: 2101,
        width: 3,
    };
    let wide = geometries()
        .into_iter()
        .filter(|g| g.c_in >= 32 && g.c_out >= 32)
        .chain([tall]);
    for (n, g) in wide.enumerate() {
        let x = values(g.input_len(), 1500 + n as u64);
        let dy = values(g.output_len(), 1600 + n as u64);
        let xp = Padded::new(&x, &g, g.c_in);
        let gp = Padded::new(&dy, &g.transposed(), g.c_out);
        let taps = on_threads(2, || winograd_weights::weight_gradient(&xp, &gp, &g));
        assert!(
            taps == on_threads(1, || winograd_weights::weight_gradient(&xp, &gp, &g)),
            "{g:?}: Winograd's weight gradient depends on the thread count"
        );
        let exact = exact_weight_gradient(&x, &dy, &g);
        for (o, c, k) in
            (0..g.c_out).flat_map(|o| (0..g.c_in).flat_map(move |c| (0..9).map(move |k| (o, c, k))))
        {
            let got = taps[tap_index(o, c, k, g.c_out, g.c_in)];
            exact[(o * g.c_in + c) * 9 + k]
                .assert_close(got, &format!("{g:?} Winograd weight gradient {o},{c},{k}"));
        }
    }
}

#[test]
fn winograd_takes_wide_layers_of_wide_images() {
    // AVX2's 8 lanes: from 32 channels and 24 pixels of width; AVX-512 (16), NEON (4) and scalar
    // code (1): from 64 channels and 32 pixels.
    assert_eq!(winograd::min_channels(8), 32);
    assert_eq!(winograd::min_width(8), 24);
    for lanes in [1, 4, 16] {
        assert_eq!(winograd::min_channels(lanes), 64, "{lanes} lanes");
        assert_eq!(winograd::min_width(lanes), 32, "{lanes} lanes");
    }
    // On any CPU: 64 channels at 40 × 40 take it, the same layer on images 16 wide does not.
    assert!(winograd::applies(&geometry(1, 64, 64, 40, 40)));
    assert!(!winograd::applies(&geometry(1, 64, 64, 40, 16)));
    assert!(!winograd::applies(&geometry(1, 64, 3, 40, 40)));
}

#[test]
fn winograd_4x4_matches_the_definition() {
    // F(4×4, 3×3) called directly, so every CPU runs it: widths and heights not multiples of 4
    // (last tiles partly outside), several blocks of tile rows, c_out not a multiple of the
    // register tiles; written plain and into padded images (whose borders must stay zero).
    let g = geometry;
    for (n, g) in [
        g(2, 32, 32, 7, 10),
        g(1, 64, 65, 5, 3),
        g(2, 33, 40, 18, 17),
        g(1, 32, 32, 40, 40),
        g(1, 8, 8, 1, 1),
    ]
    .into_iter()
    .enumerate()
    {
        let x = values(g.input_len(), 300 + n as u64);
        let w = values(g.weight_len(), 400 + n as u64);
        let b = values(g.c_out, 500 + n as u64);
        let xp = Padded::new(&x, &g, g.c_in);
        let u = winograd_filters::transform_filters(&taps(&w, g.c_out, g.c_in), g.c_out, g.c_in);
        let mut out = vec![f32::NAN; g.output_len()];
        on_threads(2, || {
            winograd::convolve_into(&xp, &u, (Some(&b), false), &g, &mut out)
        });
        assert_forward(&g, &x, &w, &b, &out, Isa::Best);
        let mut padded = Padded::new(&vec![0.0; g.output_len()], &g, g.c_out);
        on_threads(2, || {
            winograd::convolve_padded(&xp, &u, (Some(&b), false), &g, &mut padded)
        });
        let expected = Padded::new(&out, &g, g.c_out);
        for i in 0..g.batch {
            assert!(
                padded.image(i) == expected.image(i),
                "{g:?}: the padded output differs or its border is not zero"
            );
        }
    }
}

/// The worst error of `out` (the forward pass of `x` through weight `w`, no bias) against the
/// definition summed in f64, in units of `ε · Σ|term|` of each output, and its RMS error over
/// the RMS of `Σ|term|`, in units of `ε`.
fn error_of(g: &Geometry, x: &[f32], w: &[f32], out: &[f32]) -> (f64, f64) {
    let eps = f32::EPSILON as f64;
    let (mut worst, mut squares, mut magnitudes) = (0.0f64, 0.0f64, 0.0f64);
    for ((i, o, y, xx), got) in pixels(g, g.c_out).zip(out) {
        let mut e = Exact::default();
        for c in 0..g.c_in {
            for k in 0..9 {
                let at = at(x, g, g.c_in, (i, c, y, xx), tap(k));
                e.add(w[(o * g.c_in + c) * 9 + k], at);
            }
        }
        let err = (*got as f64 - e.sum).abs();
        worst = worst.max(err / (eps * e.magnitude));
        squares += err * err;
        magnitudes += e.magnitude * e.magnitude;
    }
    (worst, (squares / magnitudes).sqrt() / eps)
}

#[test]
fn winograd_is_accurate() {
    // F(4×4, 3×3) rounds more than the direct sums (its transforms scale by up to 8 and 1/24),
    // but far less than the recursive-summation bound the other tests allow (577 ε · Σ|term| at
    // 64 channels). Measured here at 64 → 64 channels on 2 × 24 × 24 images (seeded values in
    // [-1, 1)): worst 23.0 ε · Σ|term|, RMS 0.82 ε, against 1.8 and 0.20 for the direct
    // kernel; F(2×2, 3×3), this pass before 2026-12-05, gave 0.8 and 0.12. Held to 32 and 1.0:
    // a sign or a coefficient wrong in a transform gives errors of the size of the outputs.
    let g = Geometry {
        batch: 2,
        c_in: 64,
        c_out: 64,
        height: 24,
        width: 24,
    };
    let x = values(g.input_len(), 1);
    let w = values(g.weight_len(), 2);
    let xp = Padded::new(&x, &g, g.c_in);
    let t = taps(&w, g.c_out, g.c_in);
    let u = winograd_filters::transform_filters(&t, g.c_out, g.c_in);
    let mut out = vec![0.0; g.output_len()];
    winograd::convolve_into(&xp, &u, (None, false), &g, &mut out);
    let (worst, rms) = error_of(&g, &x, &w, &out);
    assert!(worst <= 32.0 && rms <= 1.0, "worst {worst}, rms {rms}");
    let direct = convolve(&xp, &t, None, false, &g, Isa::Portable);
    let (worst, rms) = error_of(&g, &x, &w, &direct);
    assert!(
        worst <= 2.0 && rms <= 0.25,
        "direct: worst {worst}, rms {rms}"
    );
}
