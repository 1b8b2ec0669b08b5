//! The register-tiled weight gradient of the 3×3 convolution, for AVX-512 and input channel
//! counts that are multiples of 32:
//! `dW[tap][o][c] += Σ_j G[o][j] · X[c][j + tap offset]` over one block of extended columns `j`.
//!
//! The input is read channel-last (each padded pixel's channels side by side, see
//! [`channel_last`]), so a tile holds `MR` output channels × `NV` vectors of input channels in
//! registers and runs down the columns with one broadcast of the output gradient per output
//! channel: no horizontal sums, no packing. Columns go in chunks of [`CHUNK`], whose input rows
//! stay in L1 across the nine taps and every output-channel tile. Each gradient entry is one fixed
//! sequence of multiply-adds, whatever the thread count.

use pulp::{Simd, WithSimd};

use super::micro::{Block, load, store};

/// Extended columns per chunk: `CHUNK + 2·(w + 2) + 2` channel-last pixels of 64 channels
/// (about 40 KiB at 40 × 40 images) are what the nine taps read.
const CHUNK: usize = 64;

/// The padded image `x [c_in][h][w]` channel-last: pixel `p` of the `(h + 2) × (w + 2)` padded
/// grid holds its `c_in` channels at `[p · c_in ..]`, borders zero, and two zero pixels follow
/// (the last tap of the last extended column reads them).
pub(super) fn channel_last(x: &[f32], c_in: usize, height: usize, width: usize) -> Vec<f32> {
    let pw = width + 2;
    let pixels = (height + 2) * pw + 2;
    let mut out = Vec::with_capacity(pixels * c_in);
    out.resize((pw + 1) * c_in, 0.0);
    for y in 0..height {
        for xx in 0..width {
            out.extend((0..c_in).map(|c| x[(c * height + y) * width + xx]));
        }
        out.resize(out.len() + 2 * c_in, 0.0);
    }
    out.resize(pixels * c_in, 0.0);
    out
}

/// Whether [`WeightTiles`] handle `c_in` input channels on this instruction set (16 f32 lanes,
/// `c_in` a multiple of 32).
pub(super) struct Handles {
    /// Input channels.
    pub c_in: usize,
}

impl WithSimd for Handles {
    type Output = bool;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> bool {
        S::F32_LANES == 16 && self.c_in.is_multiple_of(32)
    }
}

/// One block's weight gradient, added to `partial [9][c_out][c_in]`.
pub(super) struct WeightTiles<'a> {
    /// One image's input, [`channel_last`].
    pub input: &'a [f32],
    /// The same image's output gradient, zero-padded planes of `plane` elements.
    pub grad: &'a [f32],
    /// Where the gradient is added, `[9][c_out][c_in]`.
    pub partial: &'a mut [f32],
    /// Where the block lies (all its columns).
    pub block: Block,
}

impl WithSimd for WeightTiles<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        assert!(
            S::F32_LANES == 16 && self.block.c_in.is_multiple_of(32),
            "conv3x3: weight tiles need 16 lanes and input channels in multiples of 32"
        );
        if self.block.c_in.is_multiple_of(64) {
            self.chunks::<S, 4, 6>(simd)
        } else {
            self.chunks::<S, 2, 12>(simd)
        }
    }
}

/// Where one tile reads and writes.
#[derive(Clone, Copy)]
struct Tile {
    /// First output channel.
    o: usize,
    /// First input channel.
    c: usize,
    /// Kernel tap `3·ky + kx`.
    k: usize,
    /// First extended column of the chunk.
    j0: usize,
    /// Columns of the chunk.
    len: usize,
}

impl WeightTiles<'_> {
    /// Every chunk of columns, tap and tile, with `NV` vectors of input channels and `MR`
    /// output channels per full tile (then tiles of 4 and of 1 for the rest).
    #[inline(always)]
    fn chunks<S: Simd, const NV: usize, const MR: usize>(mut self, simd: S) {
        let group = NV * S::F32_LANES;
        let Block {
            start,
            columns,
            c_in,
            c_out,
            ..
        } = self.block;
        for first in (0..columns).step_by(CHUNK) {
            let (j0, len) = (start + first, CHUNK.min(columns - first));
            for k in 0..9 {
                for c in (0..c_in).step_by(group) {
                    let mut o = 0;
                    while o + MR <= c_out {
                        self.tile::<S, NV, MR>(simd, Tile { o, c, k, j0, len });
                        o += MR;
                    }
                    while o + 4 <= c_out {
                        self.tile::<S, NV, 4>(simd, Tile { o, c, k, j0, len });
                        o += 4;
                    }
                    while o < c_out {
                        self.tile::<S, NV, 1>(simd, Tile { o, c, k, j0, len });
                        o += 1;
                    }
                }
            }
        }
    }

    #[inline(always)]
    fn tile<S: Simd, const NV: usize, const R: usize>(&mut self, simd: S, t: Tile) {
        let lanes = S::F32_LANES;
        let Block {
            c_in,
            c_out,
            padded_width: pw,
            plane,
            ..
        } = self.block;
        let offset = (t.k / 3) * pw + t.k % 3;
        let grad: [&[f32]; R] =
            std::array::from_fn(|r| &self.grad[(t.o + r) * plane + pw + 1 + t.j0..][..t.len]);
        let input = &self.input[(t.j0 + offset) * c_in..][..t.len * c_in];
        let dst = &mut self.partial[(t.k * c_out + t.o) * c_in + t.c..];
        let mut acc = [[simd.splat_f32s(0.0); NV]; R];
        for (r, acc) in acc.iter_mut().enumerate() {
            for (v, acc) in acc.iter_mut().enumerate() {
                *acc = load::<S>(&dst[r * c_in + v * lanes..]);
            }
        }
        for (j, pixel) in input.chunks_exact(c_in).enumerate() {
            let x: [S::f32s; NV] = std::array::from_fn(|v| load::<S>(&pixel[t.c + v * lanes..]));
            for (acc, grad) in acc.iter_mut().zip(&grad) {
                let g = simd.splat_f32s(grad[j]);
                for (acc, &x) in acc.iter_mut().zip(&x) {
                    *acc = simd.mul_add_e_f32s(g, x, *acc);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            for (v, &acc) in acc.iter().enumerate() {
                store::<S>(&mut dst[r * c_in + v * lanes..], acc);
            }
        }
    }
}
