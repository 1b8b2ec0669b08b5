//! The register-tiled weight gradient of the 3×3 convolution, for AVX-512 and AVX2 with input
//! channel counts that are multiples of 32 ([`Handles`]):
//! `dW[tap][o][c] += Σ_j G[o][j] · X[c][j + tap offset]` over one block of extended columns `j`.
//!
//! The input is read channel-last (each padded pixel's channels side by side, see
//! [`ChannelLast`]), so a tile holds `MR` output channels × `NV` vectors of input channels in
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
///
/// Four channels at a time: one vector of pixels from each of four channel rows, interleaved in
/// registers (`pulp`'s shuffles), so every four-channel group of a pixel is one 16-byte store
/// instead of four scattered ones.
pub(super) struct ChannelLast<'a> {
    /// The image, `[c_in][height][width]`.
    pub x: &'a [f32],
    /// Channels.
    pub c_in: usize,
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
}

impl WithSimd for ChannelLast<'_> {
    type Output = Vec<f32>;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> Vec<f32> {
        let (x, c_in, height, width) = (self.x, self.c_in, self.height, self.width);
        let lanes = S::F32_LANES;
        let pw = width + 2;
        // Where the shuffle puts each pixel: chunk q of four of its result holds the four
        // channels of pixel `pixel_of[q]` of the vector, in order. Probed rather than assumed
        // (pulp's shuffles work within 128-bit lanes); if they do not group pixels so, every
        // value is copied on its own.
        // Four vectors of at most 16 lanes (AVX-512, pulp's widest), numbered in memory order.
        let indices: [f32; 4 * 16] = std::array::from_fn(|k| k as f32);
        let probe: [S::f32s; 4] = std::array::from_fn(|r| load::<S>(&indices[r * lanes..]));
        let probe = simd.interleave_shfl_f32s(probe);
        let pixel_of: Option<Vec<usize>> =
            bytemuck::cast_slice::<_, f32>(std::slice::from_ref(&probe))
                .chunks_exact(4)
                .map(|four| {
                    let j = four[0] as usize;
                    let grouped = (0..4).all(|r| four[r] == (r * lanes + j) as f32);
                    (j < lanes && grouped).then_some(j)
                })
                .collect();
        let grouped = if pixel_of.is_some() { c_in / 4 * 4 } else { 0 };
        let pixel_of = pixel_of.unwrap_or_default();
        let vectors = width / lanes * lanes;
        // Written front to back, each row's pixels gathered in `row` first (every value of it
        // is written): no zeroing pass over the whole copy.
        let mut out = Vec::with_capacity(((height + 2) * pw + 2) * c_in);
        out.resize((pw + 1) * c_in, 0.0);
        let mut row = vec![0.0f32; width * c_in];
        for y in 0..height {
            let src = |c: usize| &x[(c * height + y) * width..][..width];
            for c0 in (0..grouped).step_by(4) {
                let rows = [src(c0), src(c0 + 1), src(c0 + 2), src(c0 + 3)];
                for xx in (0..vectors).step_by(lanes) {
                    let v: [S::f32s; 4] = std::array::from_fn(|r| load::<S>(&rows[r][xx..]));
                    let pixels = simd.interleave_shfl_f32s(v);
                    let pixels: &[f32] = bytemuck::cast_slice(std::slice::from_ref(&pixels));
                    for (&p, four) in pixel_of.iter().zip(pixels.chunks_exact(4)) {
                        row[(xx + p) * c_in + c0..][..4].copy_from_slice(four);
                    }
                }
                for xx in vectors..width {
                    for (r, src) in rows.iter().enumerate() {
                        row[xx * c_in + c0 + r] = src[xx];
                    }
                }
            }
            for c in grouped..c_in {
                for (xx, &v) in src(c).iter().enumerate() {
                    row[xx * c_in + c] = v;
                }
            }
            out.extend_from_slice(&row);
            out.resize(out.len() + 2 * c_in, 0.0);
        }
        out.resize(((height + 2) * pw + 2) * c_in, 0.0);
        out
    }
}

/// Whether [`WeightTiles`] handle `c_in` input channels on this instruction set: 16 f32 lanes
/// (AVX-512) or 8 (AVX2), and `c_in` a multiple of 32 on both, so that both run the same sums
/// (each entry's multiply-adds in the same order) where either does.
pub(super) struct Handles {
    /// Input channels.
    pub c_in: usize,
}

impl WithSimd for Handles {
    type Output = bool;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> bool {
        handles::<S>(self.c_in)
    }
}

/// [`Handles`] for a SIMD type.
fn handles<S: Simd>(c_in: usize) -> bool {
    matches!(S::F32_LANES, 8 | 16) && c_in.is_multiple_of(32)
}

/// One block's weight gradient, added to `partial [9][c_out][c_in]`.
pub(super) struct WeightTiles<'a> {
    /// One image's input, [`ChannelLast`].
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
            handles::<S>(self.block.c_in),
            "conv3x3: weight tiles need 8 or 16 lanes and input channels in multiples of 32"
        );
        // Tiles of MR output channels × NV vectors of input channels in accumulators, plus NV
        // input vectors and one broadcast: 24 + 4 + 1 or 24 + 2 + 1 of AVX-512's 32 registers,
        // 12 + 2 + 1 of AVX2's 16 (12 independent chains cover its two FMA units' latency).
        if S::F32_LANES == 8 {
            self.chunks::<S, 2, 6>(simd)
        } else if self.block.c_in.is_multiple_of(64) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conv3x3::micro::Isa;
    use crate::testing::values;

    #[test]
    fn channel_last_is_the_padded_image_pixel_by_pixel_on_every_instruction_set() {
        // Channel counts with and without a remainder of four; widths with and without a
        // remainder of a vector.
        for (c_in, height, width) in [(64, 3, 37), (6, 2, 16), (32, 1, 5), (3, 2, 20)] {
            let x = values(c_in * height * width, (c_in + width) as u64);
            let pw = width + 2;
            let mut expected = vec![0.0f32; ((height + 2) * pw + 2) * c_in];
            for c in 0..c_in {
                for y in 0..height {
                    for xx in 0..width {
                        let pixel = (y + 1) * pw + xx + 1;
                        expected[pixel * c_in + c] = x[(c * height + y) * width + xx];
                    }
                }
            }
            for isa in Isa::runnable() {
                let op = ChannelLast {
                    x: &x,
                    c_in,
                    height,
                    width,
                };
                let got = isa.dispatch(op).expect("a runnable instruction set");
                assert!(got == expected, "{isa:?}, {c_in} × {height} × {width}");
            }
        }
    }
}
