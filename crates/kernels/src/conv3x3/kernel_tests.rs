//! The host kernels of the 3×3 convolution against its definition, summed in f64 and held to the
//! rounding bound of recursive summation, on every instruction set and thread count.

use super::backward::{OutputGradient, input_gradient, weight_gradient};
use super::chain::{Layer, inference};
use super::direct::{convolve, forward, forward_activated};
use super::layout::{Geometry, Padded, taps};
use super::micro::Isa;
use super::winograd;
use crate::testing::{on_threads, values};

/// A sum computed in f64 with the sum of the magnitudes of its terms and their count, so a
/// f32 result can be held to the worst-case rounding bound of recursive summation,
/// `count · ε · Σ|term|`.
#[derive(Default)]
pub(super) struct Exact {
    pub(super) sum: f64,
    pub(super) magnitude: f64,
    pub(super) terms: usize,
}

impl Exact {
    pub(super) fn add(&mut self, a: f32, b: f32) {
        let t = a as f64 * b as f64;
        self.sum += t;
        self.magnitude += t.abs();
        self.terms += 1;
    }

    pub(super) fn assert_close(&self, got: f32, what: &str) {
        let bound = (self.terms.max(1) as f64) * f32::EPSILON as f64 * self.magnitude + 1e-30;
        assert!(
            (got as f64 - self.sum).abs() <= bound,
            "{what}: got {got}, exact {}, bound {bound}",
            self.sum
        );
    }
}

/// `x[i][c][y + dy][x + dx]` of `channels`-channel images, zero outside the image.
pub(super) fn at(
    x: &[f32],
    g: &Geometry,
    channels: usize,
    (i, c, y, xx): Pixel,
    (dy, dx): (isize, isize),
) -> f32 {
    let (y, xx) = (y as isize + dy, xx as isize + dx);
    if y < 0 || xx < 0 || y >= g.height as isize || xx >= g.width as isize {
        return 0.0;
    }
    x[((i * channels + c) * g.height + y as usize) * g.width + xx as usize]
}

/// (image, channel, row, column).
pub(super) type Pixel = (usize, usize, usize, usize);

/// Every pixel of `channels`-channel images of `g`, in memory order.
pub(super) fn pixels(g: &Geometry, channels: usize) -> impl Iterator<Item = Pixel> + '_ {
    (0..g.batch * channels * g.height * g.width).map(move |n| {
        let (xx, rest) = (n % g.width, n / g.width);
        let (y, rest) = (rest % g.height, rest / g.height);
        (rest / channels, rest % channels, y, xx)
    })
}

/// The shift of kernel tap `k` (`ky = k / 3`, `kx = k % 3`, centred).
pub(super) fn tap(k: usize) -> (isize, isize) {
    ((k / 3) as isize - 1, (k % 3) as isize - 1)
}

/// A geometry: images, input and output channels, height, width.
pub(super) fn geometry(
    batch: usize,
    c_in: usize,
    c_out: usize,
    height: usize,
    width: usize,
) -> Geometry {
    Geometry {
        batch,
        c_in,
        c_out,
        height,
        width,
    }
}

pub(super) fn geometries() -> Vec<Geometry> {
    let g = geometry;
    vec![
        g(2, 3, 4, 5, 6),
        g(1, 1, 1, 1, 1),
        g(3, 1, 5, 1, 7),
        g(2, 4, 1, 7, 1),
        g(1, 2, 3, 20, 300), // blocks of 6 rows: 6, 6, 6, 2
        g(2, 2, 2, 3, 1100), // one row per block
        g(2, 64, 11, 3, 9),  // weight tiles: 4 vectors of input channels; 6 + 4 + 1 outputs
        g(1, 32, 13, 2, 60), // weight tiles: 2 vectors; 12 + 1 outputs; two column chunks
        g(2, 3, 20, 4, 7),   // narrow weight tiles: 3 input channels, 20 outputs (padded to 32)
        // Winograd (≥ 64 channels on both sides, ≥ 32 pixels wide; the input gradient too):
        // width and height not multiples of 4 (the last 4 × 4 tiles one column and two rows
        // inside), 5 tile rows of 41 tiles in blocks of 3 and 2.
        g(1, 64, 72, 18, 161),
        // 64 channels on an image too narrow for Winograd: direct; c_out not a multiple of the
        // tiles' 8 channels.
        g(1, 64, 65, 5, 3),
        // 32 → 32 (`tiny`) 26 wide: Winograd under AVX2 (`DENOISE_SIMD=avx2` on an AVX-512 CPU),
        // direct with AVX-512.
        g(2, 32, 32, 7, 26),
    ]
}

#[test]
fn forward_matches_the_definition_on_every_instruction_set() {
    for isa in Isa::runnable() {
        for (n, g) in geometries().into_iter().enumerate() {
            let x = values(g.input_len(), 1 + n as u64);
            let w = values(g.weight_len(), 100 + n as u64);
            let b = values(g.c_out, 200 + n as u64);
            let xp = Padded::new(&x, &g, g.c_in);
            let out = convolve(&xp, &taps(&w, g.c_out, g.c_in), Some(&b), false, &g, isa);
            assert!(
                isa != Isa::Best || out == forward(&x, &w, Some(&b), &g),
                "{isa:?}: forward differs from the kernel it runs"
            );
            assert_forward(&g, &x, &w, &b, &out, isa);
        }
    }
}

/// `out` is the forward pass of `x` through weight `w` and bias `b`, within rounding.
pub(super) fn assert_forward(g: &Geometry, x: &[f32], w: &[f32], b: &[f32], out: &[f32], isa: Isa) {
    assert_eq!(out.len(), g.output_len());
    // out[i][o][y][x] = b[o] + Σ_{c,k} w[o][c][k] · x[i][c][y + ky − 1][x + kx − 1]
    for ((i, o, y, xx), got) in pixels(g, g.c_out).zip(out) {
        let mut e = Exact::default();
        e.add(b[o], 1.0);
        for c in 0..g.c_in {
            for k in 0..9 {
                e.add(
                    w[(o * g.c_in + c) * 9 + k],
                    at(x, g, g.c_in, (i, c, y, xx), tap(k)),
                );
            }
        }
        e.assert_close(*got, &format!("{isa:?} {g:?} output {i},{o},{y},{xx}"));
    }
}

#[test]
fn inference_equals_the_layers_one_by_one() {
    // Channel counts 2 → 3 → 3 → 3 → 1: the third hidden layer reuses the first's buffer;
    // 2 → 64 → 65 → 64 → 1 the same with the middle layers by Winograd.
    for channels in [[3, 3, 3, 1], [64, 65, 64, 1]] {
        inference_equals_the_layers_one_by_one_for(channels);
    }
}

fn inference_equals_the_layers_one_by_one_for(channels: [usize; 4]) {
    for (n, g) in geometries().into_iter().enumerate() {
        let g = Geometry { c_in: 2, ..g };
        let x = values(g.input_len(), 1000 + n as u64);
        let mut c_in = g.c_in;
        let params: Vec<(Vec<f32>, Vec<f32>)> = channels
            .iter()
            .enumerate()
            .map(|(l, &c_out)| {
                let seed = 2000 + 10 * n as u64 + l as u64;
                let weight = values(c_out * c_in * 9, seed);
                c_in = c_out;
                (weight, values(c_out, seed + 500))
            })
            .collect();
        let layers: Vec<Layer<'_>> = params
            .iter()
            .zip(channels)
            .enumerate()
            .map(|(l, ((weight, bias), c_out))| Layer {
                weight,
                bias,
                c_out,
                relu: l % 2 == 0,
            })
            .collect();
        let mut expected = x.clone();
        let mut step = g;
        for layer in &layers {
            step.c_out = layer.c_out;
            expected =
                forward_activated(&expected, layer.weight, Some(layer.bias), layer.relu, &step);
            step.c_in = layer.c_out;
        }
        let got = inference(&x, &layers, &g);
        assert!(got == expected, "{g:?}: the chain differs from its layers");
    }
}

#[test]
fn input_gradient_matches_the_definition() {
    for (n, g) in geometries().into_iter().enumerate() {
        let w = values(g.weight_len(), 300 + n as u64);
        let dy = values(g.output_len(), 400 + n as u64);
        let dx = input_gradient(&w, &dy, &g);
        assert_eq!(dx.len(), g.input_len());
        // dx[i][c][y][x] = Σ_{o,k} dy[i][o][y + 1 − ky][x + 1 − kx] · w[o][c][k]
        for ((i, c, y, xx), got) in pixels(&g, g.c_in).zip(&dx) {
            let mut e = Exact::default();
            for o in 0..g.c_out {
                for k in 0..9 {
                    let (ty, tx) = tap(k);
                    let v = at(&dy, &g, g.c_out, (i, o, y, xx), (-ty, -tx));
                    e.add(w[(o * g.c_in + c) * 9 + k], v);
                }
            }
            e.assert_close(*got, &format!("{g:?} input gradient {i},{c},{y},{xx}"));
        }
    }
}

#[test]
fn weight_and_bias_gradients_match_the_definition_on_every_instruction_set() {
    for isa in Isa::runnable() {
        weight_and_bias_gradients_match_the_definition(isa);
    }
}

fn weight_and_bias_gradients_match_the_definition(isa: Isa) {
    for (n, g) in geometries().into_iter().enumerate() {
        let x = values(g.input_len(), 500 + n as u64);
        let dy = values(g.output_len(), 600 + n as u64);
        let grad = OutputGradient::new(&dy, None, true, &g);
        let db = grad.bias_gradient().expect("asked for").to_vec();
        let dw = grad.weight_gradient_on(isa, &x, &g);
        assert!(
            isa != Isa::Best || dw == grad.weight_gradient(&x, &g),
            "{isa:?}: weight gradient differs from the kernel it runs"
        );
        assert_eq!((dw.len(), db.len()), (g.weight_len(), g.c_out));
        // db[o] = Σ_{i,y,x} dy[i][o][y][x]
        let mut bias: Vec<Exact> = (0..g.c_out).map(|_| Exact::default()).collect();
        for ((_, o, _, _), d) in pixels(&g, g.c_out).zip(&dy) {
            bias[o].add(*d, 1.0);
        }
        let exact = exact_weight_gradient(&x, &dy, &g);
        for (index, (e, got)) in exact.iter().zip(&dw).enumerate() {
            e.assert_close(*got, &format!("{isa:?} {g:?} weight gradient {index}"));
        }
        for (o, (e, got)) in bias.iter().zip(&db).enumerate() {
            e.assert_close(*got, &format!("{g:?} bias gradient {o}"));
        }
    }
}

/// `dw[o][c][k] = Σ_{i,y,x} dy[i][o][y][x] · x[i][c][y + ky − 1][x + kx − 1]` in f64, in the
/// weight's order `[c_out, c_in, 3, 3]`.
pub(super) fn exact_weight_gradient(x: &[f32], dy: &[f32], g: &Geometry) -> Vec<Exact> {
    let mut exact: Vec<Exact> = (0..g.weight_len()).map(|_| Exact::default()).collect();
    for ((i, o, y, xx), d) in pixels(g, g.c_out).zip(dy) {
        for c in 0..g.c_in {
            for k in 0..9 {
                let v = at(x, g, g.c_in, (i, c, y, xx), tap(k));
                exact[(o * g.c_in + c) * 9 + k].add(*d, v);
            }
        }
    }
    exact
}

#[test]
fn a_fused_relu_zeroes_the_gradient_where_its_output_is_zero() {
    for (n, g) in geometries().into_iter().enumerate() {
        let x = values(g.input_len(), 700 + n as u64);
        let w = values(g.weight_len(), 800 + n as u64);
        let dy = values(g.output_len(), 900 + n as u64);
        // A ReLU output: zero at about half the positions, positive elsewhere.
        let relu_output: Vec<f32> = values(g.output_len(), 1000 + n as u64)
            .iter()
            .map(|v| v.max(0.0))
            .collect();
        assert!(relu_output.contains(&0.0) || g.output_len() < 4);
        let masked: Vec<f32> = dy
            .iter()
            .zip(&relu_output)
            .map(|(&d, &o)| if o > 0.0 { d } else { 0.0 })
            .collect();
        let fused = OutputGradient::new(&dy, Some(&relu_output), true, &g);
        let plain = OutputGradient::new(&masked, None, true, &g);
        assert!(
            fused.input_gradient(&w, &g) == plain.input_gradient(&w, &g),
            "{g:?}: input gradient"
        );
        assert!(
            fused.weight_gradient(&x, &g) == plain.weight_gradient(&x, &g),
            "{g:?}: weight gradient"
        );
        assert!(
            fused.bias_gradient() == plain.bias_gradient(),
            "{g:?}: bias gradient"
        );
        // Written into a used buffer: every value is overwritten.
        let mut out = vec![f32::NAN; g.input_len()];
        fused.input_gradient_into(&w, &g, &mut out);
        assert!(
            out == fused.input_gradient(&w, &g),
            "{g:?}: written in place"
        );
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let direct = Geometry {
        batch: 3,
        c_in: 4,
        c_out: 5,
        height: 11,
        width: 700,
    };
    // Winograd, several blocks per image (5 tile rows of 75 tiles, in blocks of 2).
    let winograd = Geometry {
        batch: 3,
        c_in: 64,
        c_out: 64,
        height: 20,
        width: 300,
    };
    for g in [direct, winograd] {
        results_do_not_depend_on_the_thread_count_for(g);
    }
}

fn results_do_not_depend_on_the_thread_count_for(g: Geometry) {
    let x = values(g.input_len(), 7);
    let w = values(g.weight_len(), 8);
    let dy = values(g.output_len(), 9);
    let run = |threads: usize| {
        on_threads(threads, || {
            (
                forward(&x, &w, None, &g),
                input_gradient(&w, &dy, &g),
                weight_gradient(&x, &dy, &g),
            )
        })
    };
    let one = run(1);
    for threads in [2, 3] {
        let other = run(threads);
        assert!(
            one.0 == other.0 && one.1 == other.1 && one.2 == other.2,
            "{threads} threads differ from 1"
        );
    }
}

/// Every instruction set gives the same sums, bit for bit, where it runs the same kernel: each
/// output element is one fixed sequence of multiply-adds whatever the tile shape (the forward
/// pass, direct; the weight gradient's register tiles, which AVX-512 and AVX2 both run when the
/// input channels are a multiple of 32 or at most 4). Where the best instruction set takes
/// Winograd's path instead (which depends on the CPU: 32 channels and weight gradients under AVX2
/// only), it is held to the definition only, so runs on an AVX2-only CPU and an AVX-512 one
/// differ by rounding in those layers. (Portable scalar code rounds each product before adding
/// it, so it is held to the definition only.)
#[test]
fn instruction_sets_give_identical_sums() {
    for (n, g) in geometries().into_iter().enumerate() {
        let x = values(g.input_len(), 700 + n as u64);
        let w = values(g.weight_len(), 800 + n as u64);
        let dy = values(g.output_len(), 900 + n as u64);
        let xp = Padded::new(&x, &g, g.c_in);
        let taps = taps(&w, g.c_out, g.c_in);
        let grad = OutputGradient::new(&dy, None, false, &g);
        let runnable: Vec<Isa> = Isa::runnable()
            .into_iter()
            .filter(|&isa| isa != Isa::Portable)
            .collect();
        let reference = runnable[runnable.len() - 1];
        let forward = convolve(&xp, &taps, None, false, &g, reference);
        let weight = grad.weight_gradient_on(reference, &x, &g);
        for &isa in &runnable {
            if isa != Isa::Best || !winograd::applies(&g) {
                let got = convolve(&xp, &taps, None, false, &g, isa);
                assert!(got == forward, "{isa:?} {g:?}: forward differs");
            }
            if (g.c_in.is_multiple_of(32) || g.c_in <= 4)
                && (isa != Isa::Best || !winograd::applies_to_weights(&g))
            {
                let got = grad.weight_gradient_on(isa, &x, &g);
                assert!(got == weight, "{isa:?} {g:?}: weight gradient differs");
            }
        }
    }
}
