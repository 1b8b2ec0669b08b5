//! Host kernels of batch norm over `[batch, channels, pixels]` f32 buffers: batch statistics,
//! normalisation, and the training-mode backward pass, each one or two passes over the data.
//!
//! Sums run in f64, channel by channel in a fixed order (channels in parallel), so results do not
//! depend on the thread count. The loops are compiled for the instruction set the convolution
//! kernels run with (`conv3x3::with_best_simd`), which reorders nothing: every instruction set
//! gives the same values.

use pulp::{Simd, WithSimd};
use rayon::prelude::*;

use crate::conv3x3::with_best_simd;
use crate::fast_path::check_len;

/// Sizes of a batch-norm input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Images in the batch.
    pub batch: usize,
    /// Channels (each normalised on its own).
    pub channels: usize,
    /// Pixels per channel plane (height × width).
    pub pixels: usize,
}

impl Layout {
    /// Elements of the input.
    pub fn len(&self) -> usize {
        self.batch * self.channels * self.pixels
    }

    /// Whether the input has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values per channel (batch × pixels).
    fn count(&self) -> f64 {
        (self.batch * self.pixels) as f64
    }

    /// The planes of channel `c`, image by image.
    fn planes<'a>(&self, x: &'a [f32], c: usize) -> impl Iterator<Item = &'a [f32]> + 'a {
        let (channels, pixels) = (self.channels, self.pixels);
        (0..self.batch).map(move |i| &x[(i * channels + c) * pixels..][..pixels])
    }
}

/// Interleaved partial sums per f64 reduction: independent additions that compile to vector
/// instructions (one running sum would wait on each addition's latency). They are added in a
/// fixed order, so results do not depend on the thread count.
const LANES: usize = 8;

/// `Σ term(v)` over the values of `planes`, in f64.
#[inline(always)]
fn lane_sum<'a>(planes: impl Iterator<Item = &'a [f32]>, term: impl Fn(f64) -> f64) -> f64 {
    paired_lane_sums(planes.map(|p| (p, p)), |v, _| (term(v), 0.0)).0
}

/// `(Σ first, Σ second)` of `term(x, y)` over the paired values of `pairs`, in f64.
#[inline(always)]
fn paired_lane_sums<'a>(
    pairs: impl Iterator<Item = (&'a [f32], &'a [f32])>,
    term: impl Fn(f64, f64) -> (f64, f64),
) -> (f64, f64) {
    let (mut first, mut second) = ([0.0f64; LANES], [0.0f64; LANES]);
    let mut add = |lane: usize, x: f32, y: f32| {
        let (p, q) = term(x as f64, y as f64);
        first[lane] += p;
        second[lane] += q;
    };
    for (x, y) in pairs {
        let (xs, ys) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
        let (x_rest, y_rest) = (xs.remainder(), ys.remainder());
        for (x, y) in xs.zip(ys) {
            for lane in 0..LANES {
                add(lane, x[lane], y[lane]);
            }
        }
        for (lane, (&x, &y)) in x_rest.iter().zip(y_rest).enumerate() {
            add(lane, x, y);
        }
    }
    (first.iter().sum(), second.iter().sum())
}

/// Per-channel mean and biased variance (`Σ(x − mean)² / count`), two passes in f64.
pub fn statistics(x: &[f32], l: &Layout) -> (Vec<f32>, Vec<f32>) {
    check_len("batch_norm", "input", x.len(), l.len());
    let stats: Vec<(f32, f32)> = (0..l.channels)
        .into_par_iter()
        .map(|c| with_best_simd(ChannelStatistics { x, l, c }))
        .collect();
    stats.into_iter().unzip()
}

/// The mean and the biased variance of channel `c`: a [`WithSimd`] op, so that its loops are
/// compiled for the instruction set the kernels run with.
struct ChannelStatistics<'a> {
    x: &'a [f32],
    l: &'a Layout,
    c: usize,
}

impl WithSimd for ChannelStatistics<'_> {
    type Output = (f32, f32);

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> (f32, f32) {
        let Self { x, l, c } = self;
        let mean = lane_sum(l.planes(x, c), |v| v) / l.count();
        let squares = lane_sum(l.planes(x, c), |v| (v - mean) * (v - mean));
        (mean as f32, (squares / l.count()) as f32)
    }
}

/// `y = γ (x − mean) / √(var + ε) + β`, per channel.
pub fn normalize(
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    variance: &[f32],
    epsilon: f64,
    l: &Layout,
) -> Vec<f32> {
    normalize_activated(x, [gamma, beta, mean, variance], epsilon, false, l)
}

/// [`normalize`] followed by ReLU (`max(y, 0)`) when `relu`, in the same pass; `channel` holds
/// γ, β, mean and variance.
pub fn normalize_activated(
    x: &[f32],
    channel: [&[f32]; 4],
    epsilon: f64,
    relu: bool,
    l: &Layout,
) -> Vec<f32> {
    let [gamma, beta, mean, variance] = channel;
    check_len("batch_norm", "input", x.len(), l.len());
    let (channels, pixels) = (l.channels, l.pixels);
    let mut y = vec![0.0f32; x.len()];
    y.par_chunks_mut(pixels.max(1))
        .zip(x.par_chunks(pixels.max(1)))
        .enumerate()
        .for_each(|(plane, (dst, src))| {
            let c = plane % channels;
            let inv_std = 1.0 / (variance[c] as f64 + epsilon).sqrt();
            let (m, g, b) = (mean[c], gamma[c], beta[c]);
            let inv_std = inv_std as f32;
            with_best_simd(NormalizePlane {
                dst,
                src,
                channel: [m, inv_std, g, b],
                relu,
            });
        });
    y
}

/// `dst = (src − mean) · inv_std · gamma + beta` (`channel`), then ReLU if `relu`, over one
/// plane; a [`WithSimd`] op, as [`ChannelStatistics`] is.
struct NormalizePlane<'a> {
    dst: &'a mut [f32],
    src: &'a [f32],
    channel: [f32; 4],
    relu: bool,
}

impl WithSimd for NormalizePlane<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let Self {
            dst,
            src,
            channel: [m, inv_std, g, b],
            relu,
        } = self;
        for (d, &v) in dst.iter_mut().zip(src) {
            let y = (v - m) * inv_std * g + b;
            *d = if relu { y.max(0.0) } else { y };
        }
    }
}

/// Gradients of training-mode batch norm (batch statistics `mean`, `variance` of `x`) with
/// respect to `x`, `γ` and `β`, given the output gradient `dy`:
/// `dβ = Σ dy`, `dγ = Σ dy·x̂`, `dx = γ/σ · (dy − dβ/n − x̂·dγ/n)` with `x̂ = (x − mean)/σ`,
/// `σ = √(var + ε)` and `n` values per channel. `channel` holds γ, mean and variance. With
/// `relu_output` (the output of a ReLU fused after the norm), `dy` is the gradient of that
/// ReLU's output and is first zeroed where the ReLU's output is zero.
pub fn train_backward(
    x: &[f32],
    dy: &[f32],
    relu_output: Option<&[f32]>,
    channel: [&[f32]; 3],
    epsilon: f64,
    l: &Layout,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut dx = dy.to_vec();
    let (dgamma, dbeta) = train_backward_in_place(x, &mut dx, relu_output, channel, epsilon, l);
    (dx, dgamma, dbeta)
}

/// [`train_backward`] with `dy` overwritten by `dx` (no allocation): returns `(dγ, dβ)`.
/// Sums run per plane, then per channel over images in order, in f64.
pub fn train_backward_in_place(
    x: &[f32],
    dy: &mut [f32],
    relu_output: Option<&[f32]>,
    channel: [&[f32]; 3],
    epsilon: f64,
    l: &Layout,
) -> (Vec<f32>, Vec<f32>) {
    let [gamma, mean, variance] = channel;
    check_len("batch_norm", "input", x.len(), l.len());
    check_len("batch_norm", "output gradient", dy.len(), l.len());
    if let Some(output) = relu_output {
        check_len("batch_norm", "ReLU output", output.len(), l.len());
    }
    let (channels, pixels) = (l.channels, l.pixels.max(1));
    let inv_std: Vec<f64> = variance
        .iter()
        .map(|&v| 1.0 / (v as f64 + epsilon).sqrt())
        .collect();
    // (Σ dy, Σ dy·x̂) per plane, the ReLU's mask applied to dy on the way.
    let plane_sums: Vec<(f64, f64)> = dy
        .par_chunks_mut(pixels)
        .zip(x.par_chunks(pixels))
        .enumerate()
        .map(|(plane, (d, v))| {
            let c = plane % channels;
            let (m, s) = (mean[c] as f64, inv_std[c]);
            let mask = relu_output.map(|o| &o[plane * pixels..]);
            with_best_simd(BackwardSums {
                dy: d,
                x: v,
                mask,
                channel: (m, s),
            })
        })
        .collect();
    let mut sums = vec![(0.0f64, 0.0f64); channels];
    for image in plane_sums.chunks_exact(channels.max(1)) {
        for (sum, (db, dg)) in sums.iter_mut().zip(image) {
            sum.0 += db;
            sum.1 += dg;
        }
    }
    dy.par_chunks_mut(pixels)
        .zip(x.par_chunks(pixels))
        .enumerate()
        .for_each(|(plane, (d, v))| {
            let c = plane % channels;
            let (db, dg) = sums[c];
            let scale = (gamma[c] as f64 * inv_std[c]) as f32;
            let (db_n, dg_n) = ((db / l.count()) as f32, (dg / l.count()) as f32);
            let (m, s) = (mean[c], inv_std[c] as f32);
            with_best_simd(BackwardPlane {
                dy: d,
                x: v,
                channel: [scale, db_n, m, s, dg_n],
            })
        });
    let dbeta = sums.iter().map(|s| s.0 as f32).collect();
    let dgamma = sums.iter().map(|s| s.1 as f32).collect();
    (dgamma, dbeta)
}

/// One plane's `(Σ dy, Σ dy · x̂)` with `x̂ = (x − mean) · inv_std` (`channel`), after zeroing
/// `dy` where the fused ReLU's output `mask` is not positive; a [`WithSimd`] op, as
/// [`ChannelStatistics`] is.
struct BackwardSums<'a> {
    dy: &'a mut [f32],
    x: &'a [f32],
    mask: Option<&'a [f32]>,
    channel: (f64, f64),
}

impl WithSimd for BackwardSums<'_> {
    type Output = (f64, f64);

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> (f64, f64) {
        let Self {
            dy,
            x,
            mask,
            channel: (m, s),
        } = self;
        if let Some(output) = mask {
            // A select, not a branch: vectorised, and no mispredictions on a random mask.
            for (d, &o) in dy.iter_mut().zip(output) {
                *d = if o > 0.0 { *d } else { 0.0 };
            }
        }
        paired_lane_sums(std::iter::once((x, &*dy)), |v, d| (d, d * (v - m) * s))
    }
}

/// `dy = scale · (dy − Σdy/n − x̂ · Σ(dy·x̂)/n)` over one plane, with `x̂ = (x − mean) · inv_std`
/// (`channel`: `[scale, Σdy/n, mean, inv_std, Σ(dy·x̂)/n]`); a [`WithSimd`] op, as
/// [`ChannelStatistics`] is.
struct BackwardPlane<'a> {
    dy: &'a mut [f32],
    x: &'a [f32],
    channel: [f32; 5],
}

impl WithSimd for BackwardPlane<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let Self {
            dy,
            x,
            channel: [scale, db_n, m, s, dg_n],
        } = self;
        for (d, &v) in dy.iter_mut().zip(x) {
            *d = scale * (*d - db_n - (v - m) * s * dg_n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{on_threads, values};

    /// Batch norm with batch statistics in f64, straight from the definition.
    fn reference(x: &[f64], gamma: &[f64], beta: &[f64], epsilon: f64, l: &Layout) -> Vec<f64> {
        let n = l.count();
        let mut y = vec![0.0; x.len()];
        for c in 0..l.channels {
            let index = |i: usize, p: usize| (i * l.channels + c) * l.pixels + p;
            let all = || (0..l.batch).flat_map(move |i| (0..l.pixels).map(move |p| index(i, p)));
            let mean = all().map(|k| x[k]).sum::<f64>() / n;
            let var = all().map(|k| (x[k] - mean).powi(2)).sum::<f64>() / n;
            for k in all() {
                y[k] = gamma[c] * (x[k] - mean) / (var + epsilon).sqrt() + beta[c];
            }
        }
        y
    }

    fn as_f64(v: &[f32]) -> Vec<f64> {
        v.iter().map(|&x| x as f64).collect()
    }

    const LAYOUTS: [Layout; 3] = [
        Layout {
            batch: 2,
            channels: 3,
            pixels: 5,
        },
        Layout {
            batch: 1,
            channels: 2,
            pixels: 7,
        },
        Layout {
            batch: 4,
            channels: 1,
            pixels: 1,
        },
    ];

    #[test]
    fn forward_matches_the_definition() {
        for (n, l) in LAYOUTS.iter().enumerate() {
            let x = values(l.len(), 10 + n as u64);
            let (gamma, beta) = (values(l.channels, 20), values(l.channels, 30));
            let (mean, variance) = statistics(&x, l);
            let y = normalize(&x, &gamma, &beta, &mean, &variance, 1e-5, l);
            let exact = reference(&as_f64(&x), &as_f64(&gamma), &as_f64(&beta), 1e-5, l);
            for (k, (a, b)) in y.iter().zip(&exact).enumerate() {
                // A few roundings of values of order 1/σ ≲ 10: 1e-5 is ~20 ulps.
                assert!(
                    (*a as f64 - b).abs() <= 1e-5 * b.abs().max(1.0),
                    "{l:?} {k}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn backward_matches_finite_differences_of_the_definition() {
        for (n, l) in LAYOUTS.iter().enumerate() {
            let x = values(l.len(), 40 + n as u64);
            let (gamma, beta) = (values(l.channels, 50), values(l.channels, 60));
            let r = values(l.len(), 70 + n as u64);
            let epsilon = 1e-3;
            // L = Σ r ⊙ BN(x), so dL/dy = r.
            let loss = |x: &[f64], gamma: &[f64], beta: &[f64]| -> f64 {
                let y = reference(x, gamma, beta, epsilon, l);
                y.iter().zip(&r).map(|(y, &r)| y * r as f64).sum()
            };
            let (x64, g64, b64) = (as_f64(&x), as_f64(&gamma), as_f64(&beta));
            let derivative = |which: usize, k: usize| -> f64 {
                let h = 1e-6;
                let mut plus = [x64.clone(), g64.clone(), b64.clone()];
                let mut minus = plus.clone();
                plus[which][k] += h;
                minus[which][k] -= h;
                (loss(&plus[0], &plus[1], &plus[2]) - loss(&minus[0], &minus[1], &minus[2]))
                    / (2.0 * h)
            };
            let (mean, variance) = statistics(&x, l);
            let channel = [&gamma[..], &mean, &variance];
            let (dx, dgamma, dbeta) = train_backward(&x, &r, None, channel, epsilon, l);
            for (which, got) in [(0, &dx), (1, &dgamma), (2, &dbeta)] {
                for (k, g) in got.iter().enumerate() {
                    let want = derivative(which, k);
                    // Central differences in f64 are good to ~1e-8; the kernel rounds in f32.
                    assert!(
                        (*g as f64 - want).abs() <= 1e-4 * want.abs().max(1.0),
                        "{l:?} gradient {which}[{k}]: {g} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_fused_relu_zeroes_the_gradient_where_its_output_is_zero() {
        for (n, l) in LAYOUTS.iter().enumerate() {
            let x = values(l.len(), 80 + n as u64);
            let gamma = values(l.channels, 90);
            let dy = values(l.len(), 100 + n as u64);
            // A ReLU output: zero at about half the positions, positive elsewhere.
            let output: Vec<f32> = values(l.len(), 110 + n as u64)
                .iter()
                .map(|v| v.max(0.0))
                .collect();
            assert!(output.contains(&0.0));
            let masked: Vec<f32> = dy
                .iter()
                .zip(&output)
                .map(|(&d, &o)| if o > 0.0 { d } else { 0.0 })
                .collect();
            let (mean, variance) = statistics(&x, l);
            let channel = [&gamma[..], &mean, &variance];
            let fused = train_backward(&x, &dy, Some(&output), channel, 1e-5, l);
            let plain = train_backward(&x, &masked, None, channel, 1e-5, l);
            assert!(fused == plain, "{l:?}");
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let l = Layout {
            batch: 3,
            channels: 5,
            pixels: 333,
        };
        let x = values(l.len(), 1);
        let dy = values(l.len(), 2);
        let gamma = values(l.channels, 3);
        let run = |threads: usize| {
            on_threads(threads, || {
                let (mean, variance) = statistics(&x, &l);
                let y = normalize(&x, &gamma, &gamma, &mean, &variance, 1e-5, &l);
                (
                    y,
                    train_backward(&x, &dy, None, [&gamma, &mean, &variance], 1e-5, &l),
                )
            })
        };
        let one = run(1);
        assert!(run(2) == one && run(3) == one);
    }
}
