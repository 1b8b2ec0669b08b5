//! The weight gradient of 3×3 layers with few input channels (a denoiser's first layer: 1 or 3),
//! vectorised over output channels:
//! `dW[tap][o][c] += Σ_j G[o][j] · X[c][j + tap offset]` over one block of extended columns `j`,
//! with `o` in SIMD lanes and the nine taps in nine accumulators. Each entry is one fixed
//! sequence of multiply-adds over the columns in order, whatever the vector width, so AVX2 and
//! AVX-512 give the same sums bit for bit (a matrix library's blocking, which this replaces,
//! depends on the instruction set: the same run differed in its fourth digit between the two).

use pulp::{Simd, WithSimd};

use super::layout::tap_offset;
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
    for o in 0..c_out {
        let row = &grad[o * block.plane + first..][..block.columns];
        for (j, &v) in row.iter().enumerate() {
            out[j * padded + o] = v;
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
        for c in 0..c_in {
            let rows: [&[f32]; 9] = std::array::from_fn(|k| {
                &self.image[c * plane + tap_offset(k, pw) + start..][..columns]
            });
            for o in (0..padded).step_by(lanes) {
                let mut acc = [simd.splat_f32s(0.0); 9];
                for j in 0..columns {
                    let g = load::<S>(&self.grad[j * padded + o..]);
                    for (acc, row) in acc.iter_mut().zip(&rows) {
                        *acc = simd.mul_add_e_f32s(g, simd.splat_f32s(row[j]), *acc);
                    }
                }
                for (k, &acc) in acc.iter().enumerate() {
                    store::<S>(&mut self.partial[(k * c_in + c) * padded + o..], acc);
                }
            }
        }
    }
}
