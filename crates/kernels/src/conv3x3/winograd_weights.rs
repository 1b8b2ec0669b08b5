//! The weight gradient of the 3×3 convolution by Winograd's F(2×2, 3×3): the adjoint of that
//! algorithm's forward pass (which `conv3x3::winograd` ran until 2026-12-05 and now computes as
//! F(4×4, 3×3); the weight gradient keeps F(2×2, 3×3), whose transforms add and subtract only).
//!
//! F(2×2, 3×3) computes each 2×2 output tile as `Y = Aᵀ [U ⊙ V] A` with `U = G g Gᵀ` and
//! `V = Bᵀ d B`, so the gradient with respect to the 3×3 filter `g` is
//! `dg = Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ V] G`: per position ξ of the 4×4 transformed tiles, one matrix
//! product `dU_ξ = Ŷ_ξ V_ξᵀ` (`[c_out × tiles] · [tiles × c_in]`, by faer) over all tiles of a
//! block, then the 16 sums folded back to 9 taps. 16 products of `tiles` terms instead of 9 of
//! `4 · tiles`: 2.25× fewer multiply-adds than the direct weight gradient, whose long inner
//! dimension (the pixels) suits a matrix product. Output tiles that reach past the image read
//! the output gradient's zero border, so they add nothing.
//!
//! Work items are fixed runs of whole blocks of tile rows of one image, each adding its blocks'
//! products into its own `[16][c_out][c_in]` partial in block order; the partials are summed in
//! item order: bit-identical results on any number of threads.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use pulp::{Simd, WithSimd};
use rayon::prelude::*;

use super::backward::sum_in_order;
use super::layout::{Geometry, Padded};
use super::micro::Isa;
use super::winograd::InputTransform;

/// About how many 2×2 tiles one block covers (whole tile rows): the inner dimension of its 16
/// products. Longer products and fewer partials won on AVX2 (kernel bench, `DENOISE_SIMD=avx2`,
/// 16 × 40 × 40 images, two alternated rounds, ms per weight gradient): 96 tiles 3.05 / 3.06
/// (32 channels) and 8.29 / 8.23 (64), 200 tiles 2.57 / 2.48 and 6.48 / 6.75, 400 tiles 2.49 /
/// 2.48 and 7.24 / 6.89. At 64 channels the block's transformed input and output gradient take
/// 800 KiB each.
const TILES_PER_BLOCK: usize = 200;

/// About how many tiles one work item covers, in blocks of [`TILES_PER_BLOCK`] whose products
/// it adds into its one partial: it bounds the partials (one `[16][c_out][c_in]` each) by the
/// image size over this, so they stay small next to the activations (8 per 256 × 256 image; 1
/// per 40 × 40 training patch). Fixed, so the sums do not depend on the thread count.
const TILES_PER_ITEM: usize = 2048;

/// Tile rows per block for `g`: about [`TILES_PER_BLOCK`] tiles.
fn tile_rows(g: &Geometry) -> usize {
    (TILES_PER_BLOCK / g.width.div_ceil(2).max(1)).max(1)
}

thread_local! {
    /// Each thread's transformed input and output gradient of one block, kept between calls.
    static SCRATCH: std::cell::RefCell<(Vec<f32>, Vec<f32>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// The weight gradient as `[9][c_out][c_in]` sums (tap `3·ky + kx`), from the padded input `xp`
/// and the padded output gradient `gp` (zero borders).
pub(super) fn weight_gradient(xp: &Padded, gp: &Padded, g: &Geometry) -> Vec<f32> {
    let (c_in, c_out) = (g.c_in, g.c_out);
    let (tiles_y, tiles_x) = (g.height.div_ceil(2), g.width.div_ceil(2));
    let rows = tile_rows(g);
    // Whole blocks per item: about TILES_PER_ITEM tiles.
    let item_rows = rows * (TILES_PER_ITEM / (rows * tiles_x).max(1)).max(1);
    let items: Vec<(usize, usize)> = (0..g.batch)
        .flat_map(|i| (0..tiles_y).step_by(item_rows).map(move |ty| (i, ty)))
        .collect();
    let partials: Vec<Vec<f32>> = items
        .into_par_iter()
        .map(|(i, item_ty)| {
            let mut partial = vec![0.0f32; 16 * c_out * c_in];
            let item_end = (item_ty + item_rows).min(tiles_y);
            SCRATCH.with(|scratch| {
                let (v, dy) = &mut *scratch.borrow_mut();
                for ty0 in (item_ty..item_end).step_by(rows) {
                    let rows_here = rows.min(item_end - ty0);
                    let tiles = rows_here * tiles_x;
                    v.resize(16 * c_in * tiles, 0.0);
                    dy.resize(16 * c_out * tiles, 0.0);
                    Isa::Best.dispatch(InputTransform::<2> {
                        image: xp.image(i),
                        v,
                        g,
                        rows: (ty0, rows_here),
                        stride: tiles,
                    });
                    Isa::Best.dispatch(GradientTransform {
                        image: gp.image(i),
                        dy,
                        g,
                        rows: (ty0, rows_here),
                    });
                    for (xi, dst) in partial.chunks_exact_mut(c_out * c_in).enumerate() {
                        let lhs = MatRef::from_row_major_slice_with_stride(
                            &dy[xi * c_out * tiles..],
                            c_out,
                            tiles,
                            tiles,
                        );
                        let rhs = MatRef::from_column_major_slice_with_stride(
                            &v[xi * c_in * tiles..],
                            tiles,
                            c_in,
                            tiles,
                        );
                        let dst = MatMut::from_row_major_slice_mut(dst, c_out, c_in);
                        matmul(dst, Accum::Add, lhs, rhs, 1.0f32, Par::Seq);
                    }
                }
            });
            partial
        })
        .collect();
    fold_to_taps(&sum_in_order(&partials, 16 * c_out * c_in), c_out * c_in)
}

/// `Gᵀ u` for four values `u`: `(u₀ + (u₁ + u₂)/2, (u₁ − u₂)/2, (u₁ + u₂)/2 + u₃)`.
fn times_gt([u0, u1, u2, u3]: [f32; 4]) -> [f32; 3] {
    let (sum, diff) = (0.5 * (u1 + u2), 0.5 * (u1 - u2));
    [u0 + sum, diff, sum + u3]
}

/// `Gᵀ dU G` for every (output, input) channel pair: `[16][pairs]` to `[9][pairs]`.
fn fold_to_taps(du: &[f32], pairs: usize) -> Vec<f32> {
    let mut taps = vec![0.0f32; 9 * pairs];
    for p in 0..pairs {
        let at = |i: usize, j: usize| du[(4 * i + j) * pairs + p];
        // Gᵀ over each column j (the rows i), then over each resulting row (the columns j).
        let columns = [0, 1, 2, 3].map(|j| times_gt([at(0, j), at(1, j), at(2, j), at(3, j)]));
        for ky in 0..3 {
            let row = times_gt(columns.map(|column| column[ky]));
            for (kx, value) in row.into_iter().enumerate() {
                taps[(3 * ky + kx) * pairs + p] = value;
            }
        }
    }
    taps
}

/// `Ŷ_ξ = (A dY Aᵀ)_ξ` for the tile rows `rows` (first, count) of one padded output gradient
/// `image`, into `dy` (`[16][c_out][tiles]`), with `A = [[1, 0], [1, 1], [1, −1], [0, −1]]`: per
/// 2×2 tile `(d₀, d₁)` → `(d₀, d₀ + d₁, d₀ − d₁, −d₁)` down the rows, then the same along them.
/// A [`WithSimd`] op, as [`InputTransform`] is; adds and subtracts only.
struct GradientTransform<'a> {
    image: &'a [f32],
    dy: &'a mut [f32],
    g: &'a Geometry,
    rows: (usize, usize),
}

impl WithSimd for GradientTransform<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let Self {
            image,
            dy,
            g,
            rows: (ty0, rows_here),
        } = self;
        let (c_out, tiles_x) = (g.c_out, g.width.div_ceil(2));
        let (pw, plane) = (g.padded_width(), g.plane());
        let tiles = rows_here * tiles_x;
        // One tile row of one channel down the rows, then its even and odd columns apart.
        let mut t = [(); 4].map(|_| vec![0.0f32; 2 * tiles_x]);
        let (mut even, mut odd) = (vec![0.0f32; tiles_x], vec![0.0f32; tiles_x]);
        for o in 0..c_out {
            let src = &image[o * plane..][..plane];
            for ty in 0..rows_here {
                // Output rows 2·ty, 2·ty + 1 of the image: padded rows one further, from
                // column 1; a row or column past the image is the zero border.
                let y = 2 * (ty0 + ty) + 1;
                let (d0, d1) = (&src[y * pw + 1..], &src[(y + 1) * pw + 1..]);
                let [t0, t1, t2, t3] = &mut t;
                for ((((a, b), t0), t1), (t2, t3)) in d0
                    .iter()
                    .zip(d1)
                    .zip(t0.iter_mut())
                    .zip(t1.iter_mut())
                    .zip(t2.iter_mut().zip(t3.iter_mut()))
                {
                    *t0 = *a;
                    *t1 = a + b;
                    *t2 = a - b;
                    *t3 = -b;
                }
                let base = ty * tiles_x;
                for (r, t) in t.iter().enumerate() {
                    split_even_odd(t, &mut even, &mut odd);
                    let at = |j: usize| ((4 * r + j) * c_out + o) * tiles + base;
                    dy[at(0)..][..tiles_x].copy_from_slice(&even);
                    for ((v, a), b) in dy[at(1)..][..tiles_x].iter_mut().zip(&even).zip(&odd) {
                        *v = a + b;
                    }
                    for ((v, a), b) in dy[at(2)..][..tiles_x].iter_mut().zip(&even).zip(&odd) {
                        *v = a - b;
                    }
                    for (v, b) in dy[at(3)..][..tiles_x].iter_mut().zip(&odd) {
                        *v = -b;
                    }
                }
            }
        }
    }
}

/// F(2×2, 3×3)'s input transform; adds and subtracts only, so every width gives the same values.
impl WithSimd for InputTransform<'_, 2> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let Self {
            image,
            v,
            g,
            rows: (ty0, rows_here),
            stride,
        } = self;
        let (c_in, tiles_x) = (g.c_in, g.width.div_ceil(2));
        let (pw, plane, ph) = (g.padded_width(), g.plane(), g.height + 2);
        // V_ξ[c][t] for every tile of the block, a tile row at a time: Bᵀ d over whole
        // padded rows (contiguous), then · B over each tile's columns, whose even and
        // odd entries are read as pairs; both are element-wise loops that vectorise.
        let len = 2 * tiles_x + 2;
        let mut t = [(); 4].map(|_| vec![0.0f32; len]);
        let (mut even, mut odd) = (vec![0.0f32; tiles_x + 1], vec![0.0f32; tiles_x + 1]);
        let zeros = vec![0.0f32; pw];
        for c in 0..c_in {
            let src = &image[c * plane..][..plane];
            for ty in 0..rows_here {
                let y0 = 2 * (ty0 + ty);
                let row = |r: usize| match src.get((y0 + r) * pw..) {
                    Some(rest) if y0 + r < ph => &rest[..pw],
                    _ => &zeros[..],
                };
                let (d0, d1, d2, d3) = (row(0), row(1), row(2), row(3));
                let [t0, t1, t2, t3] = &mut t;
                let rows = d0.iter().zip(d1).zip(d2.iter().zip(d3));
                let outs = t0
                    .iter_mut()
                    .zip(t1.iter_mut())
                    .zip(t2.iter_mut().zip(t3.iter_mut()));
                for (((a, b), (c, d)), ((t0, t1), (t2, t3))) in rows.zip(outs) {
                    *t0 = a - c;
                    *t1 = b + c;
                    *t2 = c - b;
                    *t3 = b - d;
                }
                let base = ty * tiles_x;
                for (r, t) in t.iter().enumerate() {
                    // Even and odd columns apart, then contiguous combinations.
                    split_even_odd(t, &mut even, &mut odd);
                    let (e0, e1) = (&even[..tiles_x], &even[1..=tiles_x]);
                    let (o0, o1) = (&odd[..tiles_x], &odd[1..=tiles_x]);
                    let at = |j: usize| ((4 * r + j) * c_in + c) * stride + base;
                    for ((v, a), b) in v[at(0)..][..tiles_x].iter_mut().zip(e0).zip(e1) {
                        *v = a - b;
                    }
                    for ((v, a), b) in v[at(1)..][..tiles_x].iter_mut().zip(o0).zip(e1) {
                        *v = a + b;
                    }
                    for ((v, a), b) in v[at(2)..][..tiles_x].iter_mut().zip(e1).zip(o0) {
                        *v = a - b;
                    }
                    for ((v, a), b) in v[at(3)..][..tiles_x].iter_mut().zip(o0).zip(o1) {
                        *v = a - b;
                    }
                }
            }
        }
    }
}

/// The even entries of `t` into `even` and the odd ones into `odd`, as many pairs as the shorter
/// of the three holds (inlined, so it runs with the instruction set of the op that calls it).
#[inline(always)]
fn split_even_odd(t: &[f32], even: &mut [f32], odd: &mut [f32]) {
    let (pairs, _) = t.as_chunks::<2>();
    for ((e, o), p) in even.iter_mut().zip(odd.iter_mut()).zip(pairs) {
        *e = p[0];
        *o = p[1];
    }
}
