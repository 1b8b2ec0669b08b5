//! The weight gradient of 3×3 layers with few input channels (a denoiser's first layer: 1 or 3),
//! vectorised over output channels:
//! `dW[tap][o][c] += Σ_j G[o][j] · X[c][j + tap offset]` over one block of extended columns `j`,
//! with `o` in SIMD lanes and the nine taps in nine accumulators. Each entry is one fixed
//! sequence of multiply-adds over the columns in order, whatever the vector width, so AVX2 and
//! AVX-512 give the same sums bit for bit (a matrix library's blocking, which this replaces,
//! depends on the instruction set: the same run differed in its fourth digit between the two).

use pulp::{Simd, WithSimd};

use super::micro::{Block, load, store};

/// Input channels up to which [`NarrowWeights`] run (more go to the channel-last tiles or to
/// matrix products).
pub(super) const MAX_CHANNELS: usize = 4;

/// The output channels of [`grad_channel_last`] are padded with zeros to a multiple of this (the
/// widest vector), so every vector is whole.
pub(super) const PAD: usize = 16;

/// Whether [`NarrowWeights`] handle `c_in` input channels on this instruction set: SIMD with
/// fused multiply-adds (AVX-512, AVX2, NEON) and at most [`MAX_CHANNELS`].
pub(super) struct Handles {
    /// Input channels.
    pub c_in: usize,
}

impl WithSimd for Handles {
    type Output = bool;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> bool {
        S::F32_LANES >= 4 && self.c_in <= MAX_CHANNELS
    }
}

/// The output gradient of one block channel-last: `[columns][c_out padded to PAD]`, read from
/// zero-padded planes (`grad`, planes of `plane`, extended column `j` of the block at
/// `(w + 2) + 1 + start + j`).
pub(super) fn grad_channel_last(grad: &[f32], c_out: usize, block: &Block) -> Vec<f32> {
    let padded = c_out.div_ceil(PAD) * PAD;
    let first = block.padded_width + 1 + block.start;
    let mut out = vec![0.0f32; block.columns * padded];
    // In chunks of 64 columns, whose 64 output rows stay in L1 while every channel is written
    // into them (row by row over all columns, each write touched a new cache line).
    for j0 in (0..block.columns).step_by(64) {
        let len = 64.min(block.columns - j0);
        let dst = &mut out[j0 * padded..][..len * padded];
        for o in 0..c_out {
            let row = &grad[o * block.plane + first + j0..][..len];
            for (d, &v) in dst.chunks_exact_mut(padded).zip(row) {
                d[o] = v;
            }
        }
    }
    out
}

/// One block's weight gradient, written into `partial [9][c_in][c_out padded to PAD]`.
pub(super) struct NarrowWeights<'a> {
    /// One image's input, zero-padded planes of `plane` elements (then zeros).
    pub image: &'a [f32],
    /// The block's output gradient, [`grad_channel_last`].
    pub grad: &'a [f32],
    /// Where the gradient is written (every entry), `[9][c_in][c_out padded to PAD]`.
    pub partial: &'a mut [f32],
    /// Where the block lies (all its columns).
    pub block: Block,
}

impl WithSimd for NarrowWeights<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let lanes = S::F32_LANES;
        let Block {
            start,
            columns,
            c_in,
            c_out,
            padded_width: pw,
            plane,
        } = self.block;
        let padded = c_out.div_ceil(PAD) * PAD;
        assert!(
            lanes >= 4 && c_in <= MAX_CHANNELS && PAD.is_multiple_of(lanes),
            "conv3x3: narrow weight tiles need SIMD and at most {MAX_CHANNELS} input channels"
        );
        let vectors = padded / lanes;
        for c in 0..c_in {
            for ky in 0..3 {
                let row = Row {
                    taps: std::array::from_fn(|kx| {
                        &self.image[c * plane + ky * pw + kx + start..][..columns]
                    }),
                    grad: self.grad,
                    padded,
                    first: (ky * 3 * c_in + c) * padded,
                    tap_stride: c_in * padded,
                };
                // Accumulators: 3 taps × N vectors of outputs, plus N gradient vectors and a
                // broadcast: 17 of AVX-512's (and NEON's) 32 registers at N = 4, 13 of AVX2's 16
                // at N = 3.
                let mut v = 0;
                if lanes == 8 {
                    while v + 3 <= vectors {
                        row.tile::<S, 3>(simd, v, self.partial);
                        v += 3;
                    }
                } else {
                    while v + 4 <= vectors {
                        row.tile::<S, 4>(simd, v, self.partial);
                        v += 4;
                    }
                }
                while v < vectors {
                    row.tile::<S, 1>(simd, v, self.partial);
                    v += 1;
                }
            }
        }
    }
}

/// One input channel and one kernel row (three taps) of [`NarrowWeights`].
struct Row<'a> {
    /// The input under each of the three taps, from the block's first extended column.
    taps: [&'a [f32]; 3],
    /// The block's output gradient, [`grad_channel_last`].
    grad: &'a [f32],
    /// Output channels padded to [`PAD`].
    padded: usize,
    /// Where the first tap's entries start in the partial sum.
    first: usize,
    /// From one tap's entries to the next tap's.
    tap_stride: usize,
}

impl Row<'_> {
    /// `N` vectors of output channels from vector `v`, over every column: each entry one
    /// multiply-add per column, in column order.
    #[inline(always)]
    fn tile<S: Simd, const N: usize>(&self, simd: S, v: usize, partial: &mut [f32]) {
        let lanes = S::F32_LANES;
        let mut acc = [[simd.splat_f32s(0.0); N]; 3];
        for j in 0..self.taps[0].len() {
            let g: [S::f32s; N] =
                std::array::from_fn(|n| load::<S>(&self.grad[j * self.padded + (v + n) * lanes..]));
            for (acc, taps) in acc.iter_mut().zip(&self.taps) {
                let x = simd.splat_f32s(taps[j]);
                for (acc, &g) in acc.iter_mut().zip(&g) {
                    *acc = simd.mul_add_e_f32s(g, x, *acc);
                }
            }
        }
        for (kx, acc) in acc.iter().enumerate() {
            for (n, &acc) in acc.iter().enumerate() {
                let at = self.first + kx * self.tap_stride + (v + n) * lanes;
                store::<S>(&mut partial[at..], acc);
            }
        }
    }
}
