//! The 3×3 "same" convolution by Winograd's minimal filtering F(4×4, 3×3) (Lavin & Gray, "Fast
//! Algorithms for Convolutional Neural Networks", CVPR 2016; points 0, ±1, ±2, ∞): each 4×4
//! block of outputs is computed from a 6×6 block of the padded input with 36 multiplications per
//! input and output channel instead of 144, so the products take 4× fewer multiply-adds than
//! the direct convolution of `conv3x3::micro` (and 1.78× fewer than F(2×2, 3×3), which this
//! pass used until 2026-12-05), with 2.25 transformed values per output instead of 4.
//!
//! With `U = G g Gᵀ` (each 3×3 filter transformed to 6×6) and `V = Bᵀ d B` (each 6×6 input
//! block), the 36 positions ξ of the transformed blocks are 36 independent matrix products
//! `M_ξ = U_ξ V_ξ` (`[c_out × c_in] · [c_in × tiles]`, by the register tiles of
//! `conv3x3::micro` with one tap), and each 4×4 output is `Aᵀ M A`. The transforms multiply by
//! 2, 4, 5, 8 and ¼, ⅙, 1/12, 1/24, so this rounds more than the direct convolution: the kernel
//! tests hold it to a bound of its own against sums in f64 (`winograd_is_accurate`).
//!
//! It serves the forward pass and the input gradient (a convolution with the flipped, transposed
//! kernel) of layers with at least [`min_channels`] channels on both sides (32 under AVX2, 64
//! otherwise) on images at least [`min_width`] wide (24 and 32 pixels), in training and in
//! inference; under AVX2 the weight gradient of those layers too, by F(2×2, 3×3)
//! ([`applies_to_weights`], `conv3x3::winograd_weights`), else it stays direct
//! (`conv3x3::weight_tiles`). So a 32-channel layer's sums differ between an AVX2 and an AVX-512
//! CPU by rounding; on one CPU code path they are always the same.
//!
//! Work is split into fixed blocks of tile rows of one image, independent of the thread count,
//! and each output is one fixed sequence of operations: the same input gives bit-identical
//! results on any number of threads.

use std::cell::RefCell;

use pulp::{Simd, WithSimd};
use rayon::prelude::*;

use super::layout::{Geometry, Padded, padded_row_blocks, row_blocks};
use super::micro::{Block, Isa, MR, Products, TileColumns, pack_matrices};

/// Output pixels per tile side.
const OUT: usize = 4;

/// Positions of a transformed tile (6 × 6).
pub(super) const POS: usize = 36;

/// About how many 4×4 output tiles one work item covers (whole tile rows, one spare tile each):
/// its transformed input and products (`36 × channels × tiles` floats each, 1.4 MB at 64
/// channels) stay near a core's L2 cache. Kernel bench, forward pass, median ms, two rounds:
/// DnCNN inference layer (AVX-512) 100 tiles 15.6 15.4, 150 tiles 12.9 12.9, 200 tiles 14.1
/// 14.3; its training layer 7.2 6.4, 7.0 6.2, 6.2 6.5; on AVX2, tiny training layer 100 tiles
/// 2.47 2.56, 200 tiles 2.43 2.49 (BENCHMARKS.md, "Winograd F(4×4, 3×3)").
const TILES_PER_BLOCK: usize = 150;

/// Fewest input and output channels for the Winograd path, by the lanes of the SIMD code the
/// kernels run with. Its transforms cost in proportion to the channels and its products to their
/// square, so it pays off where the direct convolution's register tiles are slow next to the
/// transforms. With AVX-512 (16 lanes, 32 registers) the direct tiles win at 32 → 32 channels
/// (`tiny`: 1.8 against 2.3–2.5 ms per forward pass) and lose at 64 → 64 (8–17 %); with AVX2 (8
/// lanes, 16 registers: 8 × 1-vector tiles) Winograd wins at 32 → 32 too (2.9–3.0 against 3.6–3.7
/// ms, and 2.9 against 3.7 for the input gradient). Kernel bench, 16 × 40 × 40 images, 2 threads
/// (BENCHMARKS.md, "Winograd for 32-channel layers on AVX2"; measured with F(2×2, 3×3), and
/// F(4×4, 3×3) at 32 → 32 with AVX-512 took 2.2 ms). NEON and scalar code keep 64: not measured.
pub(super) fn min_channels(lanes: usize) -> usize {
    if lanes == 8 { 32 } else { 64 }
}

/// Narrowest image (pixels per row) for the Winograd path, by the lanes of the SIMD code the
/// kernels run with. A row of `w` pixels is `⌈w/4⌉` tiles plus the spare one and its last tile
/// may reach past the image, so narrow images waste much of the work: forward pass, batches of
/// about 25,600 pixels, median ms (kernel bench, 2 threads, two rounds), Winograd against direct:
/// AVX2 64 → 64 channels, width 3: 111 / 164 against 34 / 48; 8: 31 / 31 against 33 / 32; 12:
/// 24 / 24 against 31 / 31; 24: 14.6 / 13.9 against 26 / 30; AVX2 32 → 32, 12: 9.3 / 9.3 against
/// 8.4 / 8.9; 16: 7.4 / 7.3 against 6.8 / 7.9; 24: 4.8 / 4.9 against 7.1 / 6.1; AVX-512 64 → 64,
/// 16: 18.5 / 19.7 against 12.7 / 14.7; 24: 11.8 / 11.9 against 10.5 / 13.0; 32: 10.5 / 10.5
/// against 14.8 / 14.4 (BENCHMARKS.md, "Winograd only from 24 or 32 pixels of width").
pub(super) fn min_width(lanes: usize) -> usize {
    if lanes == 8 { 24 } else { 32 }
}

/// Whether the weight gradient takes Winograd's path (`conv3x3::winograd_weights`) for this
/// geometry: where [`applies`] does, under AVX2 only. There the direct weight gradient took 3.1
/// ms at 32 → 32 channels and 11.3 at 64 → 64, Winograd's 2.5 and 6.5–6.8; with AVX-512 the
/// direct tiles run near the FMA peak and Winograd only matched them at 64 channels (6.7–6.9
/// against 6.7–6.8 ms), so AVX-512 keeps its sums (kernel bench, 16 × 40 × 40 images, 2
/// threads).
pub(super) fn applies_to_weights(g: &Geometry) -> bool {
    best_lanes() == 8 && applies(g)
}

/// The lanes of [`Isa::Best`]'s SIMD code (read once).
fn best_lanes() -> usize {
    struct Lanes;
    impl WithSimd for Lanes {
        type Output = usize;
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) -> usize {
            S::F32_LANES
        }
    }
    static LANES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *LANES.get_or_init(|| Isa::Best.dispatch(Lanes).unwrap_or(1))
}

/// Whether the Winograd path is taken for this geometry: at least [`min_channels`] on both sides
/// and images at least [`min_width`] wide, for the instruction set the kernels run with (the
/// first and last layers of a denoiser, with 1 or 3 channels on one side, narrow models and
/// narrow images stay direct). Only [`Isa::Best`] takes it.
pub(super) fn applies(g: &Geometry) -> bool {
    let lanes = best_lanes();
    let min = min_channels(lanes);
    g.c_in >= min && g.c_out >= min && g.width >= min_width(lanes)
}

thread_local! {
    /// Each thread's transformed input and products of one block, kept between calls.
    static SCRATCH: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Tile rows per work item for `g`: about [`TILES_PER_BLOCK`] tiles.
fn tile_rows(g: &Geometry) -> usize {
    (TILES_PER_BLOCK / g.width.div_ceil(OUT).max(1)).max(1)
}

/// The convolution of the padded images `xp` with filters transformed by
/// `winograd_filters::transform_filters` (`u`), plus `bias`, then ReLU if `relu`, written into
/// `output` (`[batch, c_out, h, w]`, every value overwritten).
pub(super) fn convolve_into(
    xp: &Padded,
    u: &[f32],
    activation: (Option<&[f32]>, bool),
    g: &Geometry,
    output: &mut [f32],
) {
    let items = row_blocks(output, g, OUT * tile_rows(g));
    run(xp, u, activation, g, items, g.width);
}

/// [`convolve_into`] written into zero-padded images of `c_out` channels: only the values are
/// written, the zero borders are left as they are.
pub(super) fn convolve_padded(
    xp: &Padded,
    u: &[f32],
    activation: (Option<&[f32]>, bool),
    g: &Geometry,
    out: &mut Padded,
) {
    let items = padded_row_blocks(out, g, OUT * tile_rows(g));
    run(xp, u, activation, g, items, g.padded_width());
}

/// The products of every work item, each item's output rows handed as one slice per output
/// plane whose rows start `row_stride` apart.
fn run(
    xp: &Padded,
    u: &[f32],
    (bias, relu): (Option<&[f32]>, bool),
    g: &Geometry,
    items: Vec<Vec<&mut [f32]>>,
    row_stride: usize,
) {
    let (c_in, c_out) = (g.c_in, g.c_out);
    let (tiles_y, tiles_x) = (g.height.div_ceil(OUT), g.width.div_ceil(OUT));
    let tile_rows = tile_rows(g);
    let blocks = tiles_y.div_ceil(tile_rows);
    let isa = Isa::Best;
    let Some(tile) = isa.dispatch(TileColumns) else {
        panic!("conv3x3: the CPU lacks the instruction set {isa:?}");
    };
    let packed_len = c_out.div_ceil(MR) * c_in * MR;
    let packed: Vec<f32> = (0..POS)
        .flat_map(|xi| pack_matrices(&u[xi * c_out * c_in..][..c_out * c_in], 1, c_out, c_in))
        .collect();
    items
        .into_par_iter()
        .enumerate()
        .for_each(|(item, mut planes)| {
            let (i, b) = (item / blocks, item % blocks);
            let ty0 = b * tile_rows;
            let rows_here = tile_rows.min(tiles_y - ty0);
            // One spare tile per tile row (see InputTransform).
            let tiles = rows_here * (tiles_x + 1);
            SCRATCH.with(|scratch| {
                let (v, m) = &mut *scratch.borrow_mut();
                let stride = tiles.div_ceil(tile) * tile;
                v.resize(POS * c_in * stride, 0.0);
                m.resize(POS * c_out * stride, 0.0);
                isa.dispatch(InputTransform::<OUT> {
                    image: xp.image(i),
                    v,
                    g,
                    rows: (ty0, rows_here),
                    stride,
                });
                // M_ξ = U_ξ V_ξ by the convolution's register tiles with one tap.
                for xi in 0..POS {
                    isa.dispatch(Products {
                        packed: &packed[xi * packed_len..][..packed_len],
                        taps: 1,
                        image: &v[xi * c_in * stride..][..c_in * stride],
                        ext: &mut m[xi * c_out * stride..][..c_out * stride],
                        block: Block {
                            start: 0,
                            columns: stride,
                            c_in,
                            c_out,
                            padded_width: 0,
                            plane: stride,
                        },
                    });
                }
                isa.dispatch(OutputTransform {
                    m,
                    planes: &mut planes,
                    activation: (bias, relu),
                    g,
                    rows: (ty0, rows_here),
                    stride,
                    row_stride,
                });
            });
        });
}

/// `Bᵀ d` for six values `d`.
#[inline(always)]
fn times_bt(d: [f32; 6]) -> [f32; 6] {
    let [d0, d1, d2, d3, d4, d5] = d;
    let (a, b) = (d4 - 4.0 * d2, d3 - 4.0 * d1);
    let (c, e) = (d4 - d2, 2.0 * (d3 - d1));
    [
        4.0 * d0 - 5.0 * d2 + d4,
        a + b,
        a - b,
        c + e,
        c - e,
        4.0 * d1 - 5.0 * d3 + d5,
    ]
}

/// `V_ξ = Bᵀ d B` for the tile rows `rows` (first, count) of one padded image, into `v`, for
/// Winograd's F(`M`×`M`, 3×3): a [`WithSimd`] op, so that its element-wise loops are compiled for
/// the instruction set the kernels run with (the workspace builds for baseline x86-64).
/// F(4×4, 3×3)'s (here, `M = 4`) writes `[36][c_in][stride]` with one spare tile per tile row;
/// F(2×2, 3×3)'s (`M = 2`, the weight gradient's, `conv3x3::winograd_weights`) writes
/// `[16][c_in][stride]`.
pub(super) struct InputTransform<'a, const M: usize> {
    /// One padded image (`c_in` planes).
    pub image: &'a [f32],
    /// The transformed tiles.
    pub v: &'a mut [f32],
    /// The convolution's geometry.
    pub g: &'a Geometry,
    /// The tile rows: the first, and how many.
    pub rows: (usize, usize),
    /// Elements per row of `v` (at least the tiles of `rows`, spare ones included).
    pub stride: usize,
}

impl WithSimd for InputTransform<'_, OUT> {
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
        let (c_in, tiles_x) = (g.c_in, g.width.div_ceil(OUT));
        let (pw, plane, ph) = (g.padded_width(), g.plane(), g.height + 2);
        // Bᵀ d over whole padded rows (t), whose four column phases (x mod 4) are gathered
        // for all the block's tile rows (tile row ty at ty · wide), then · B over each tile's
        // six columns — phases 0 … 3 of the tile and 0, 1 of the next — as runs over the whole
        // block. Each tile row carries one spare tile (tx = tiles_x, reading the next row's
        // first columns), so that the runs are contiguous; its products are dropped.
        let wide = tiles_x + 1;
        let n = rows_here * wide;
        let mut t = [(); 6].map(|_| vec![0.0f32; OUT * wide]);
        let mut phase = [[(); 4]; 6].map(|r| r.map(|_| vec![0.0f32; n + 1]));
        let zeros = vec![0.0f32; pw];
        for c in 0..c_in {
            let src = &image[c * plane..][..plane];
            for ty in 0..rows_here {
                let y0 = OUT * (ty0 + ty);
                let row = |r: usize| match src.get((y0 + r) * pw..) {
                    Some(rest) if y0 + r < ph => &rest[..pw],
                    _ => &zeros[..],
                };
                let d = [row(0), row(1), row(2), row(3), row(4), row(5)];
                let [t0, t1, t2, t3, t4, t5] = &mut t;
                bt_runs(
                    d,
                    [
                        &mut t0[..pw],
                        &mut t1[..pw],
                        &mut t2[..pw],
                        &mut t3[..pw],
                        &mut t4[..pw],
                        &mut t5[..pw],
                    ],
                );
                for (t, phase) in t.iter().zip(phase.iter_mut()) {
                    let (quads, _) = t.as_chunks::<4>();
                    let [p0, p1, p2, p3] = phase.each_mut().map(|p| &mut p[ty * wide..][..wide]);
                    for (((q, p0), (p1, p2)), p3) in quads
                        .iter()
                        .zip(p0.iter_mut())
                        .zip(p1.iter_mut().zip(p2.iter_mut()))
                        .zip(p3.iter_mut())
                    {
                        (*p0, *p1, *p2, *p3) = (q[0], q[1], q[2], q[3]);
                    }
                }
            }
            for (r, [p0, p1, p2, p3]) in phase.iter().enumerate() {
                let first = (6 * r * c_in + c) * stride;
                bt_runs(
                    [&p0[..n], &p1[..n], &p2[..n], &p3[..n], &p0[1..], &p1[1..]],
                    spaced_mut(&mut v[first..], c_in * stride, n),
                );
            }
        }
    }
}

/// `Bᵀ d` element-wise over runs: `out[k][x]` from `d[0][x] … d[5][x]` (each `d` at least as
/// long as the outputs, which are of one length).
#[inline(always)]
fn bt_runs(d: [&[f32]; 6], [o0, o1, o2, o3, o4, o5]: [&mut [f32]; 6]) {
    let n = o0.len();
    let (o1, o2, o3) = (&mut o1[..n], &mut o2[..n], &mut o3[..n]);
    let (o4, o5) = (&mut o4[..n], &mut o5[..n]);
    let d = d.map(|r| &r[..n]);
    for x in 0..n {
        let v = times_bt([d[0][x], d[1][x], d[2][x], d[3][x], d[4][x], d[5][x]]);
        (o0[x], o1[x], o2[x], o3[x], o4[x], o5[x]) = (v[0], v[1], v[2], v[3], v[4], v[5]);
    }
}

/// `N` runs of `len` elements of `v`, starting `spacing` apart from its start.
#[inline(always)]
pub(super) fn spaced_mut<const N: usize>(
    v: &mut [f32],
    spacing: usize,
    len: usize,
) -> [&mut [f32]; N] {
    let mut rest = v;
    std::array::from_fn(|_| {
        let run = std::mem::take(&mut rest);
        let cut = spacing.min(run.len());
        let (head, tail) = run.split_at_mut(cut);
        rest = tail;
        &mut head[..len]
    })
}

/// `Aᵀ m` for six values: four.
#[inline(always)]
fn times_at([m0, m1, m2, m3, m4, m5]: [f32; 6]) -> [f32; 4] {
    let (s12, d12, s34, d34) = (m1 + m2, m1 - m2, m3 + m4, m3 - m4);
    [
        m0 + s12 + s34,
        d12 + 2.0 * d34,
        s12 + 4.0 * s34,
        d12 + 8.0 * d34 + m5,
    ]
}

/// `Aᵀ m` element-wise over runs: `out[k][x]` from `m[0][x] … m[5][x]` (each `m` at least as long
/// as the outputs, which are of one length).
#[inline(always)]
fn at_runs(m: [&[f32]; 6], [o0, o1, o2, o3]: [&mut [f32]; 4]) {
    let n = o0.len();
    let (o1, o2, o3) = (&mut o1[..n], &mut o2[..n], &mut o3[..n]);
    let m = m.map(|r| &r[..n]);
    for x in 0..n {
        let v = times_at([m[0][x], m[1][x], m[2][x], m[3][x], m[4][x], m[5][x]]);
        (o0[x], o1[x], o2[x], o3[x]) = (v[0], v[1], v[2], v[3]);
    }
}

/// `Aᵀ M A` plus bias, then ReLU if asked, for the tile rows `rows` of one work item, from the
/// products `m` (`[36][c_out][stride]`) into `planes` (rows `row_stride` apart).
struct OutputTransform<'a, 'p> {
    m: &'a [f32],
    planes: &'a mut [&'p mut [f32]],
    activation: (Option<&'a [f32]>, bool),
    g: &'a Geometry,
    rows: (usize, usize),
    stride: usize,
    row_stride: usize,
}

impl WithSimd for OutputTransform<'_, '_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let Self {
            m,
            planes,
            activation: (bias, relu),
            g,
            rows: (ty0, rows_here),
            stride,
            row_stride,
        } = self;
        let (c_out, h, w) = (g.c_out, g.height, g.width);
        let tiles_x = w.div_ceil(OUT);
        let wide = tiles_x + 1;
        let n = rows_here * wide;
        // sums[a][s]: Aᵀ m over the rows, per column s; then columns[b]: · A over the columns;
        // both as runs over the whole block's tiles (spare ones included), then the four
        // columns of each tile interleaved into the output rows.
        let mut sums = [[(); 6]; 4].map(|r| r.map(|_| vec![0.0f32; n]));
        let mut columns = [(); 4].map(|_| vec![0.0f32; n]);
        for (o, dst) in planes.iter_mut().enumerate() {
            let bias = bias.map_or(0.0, |b| b[o]);
            let activate = |v: f32| {
                let v = v + bias;
                if relu { v.max(0.0) } else { v }
            };
            for s in 0..6 {
                let rs = [0, 1, 2, 3, 4, 5].map(|r| &m[((6 * r + s) * c_out + o) * stride..][..n]);
                let [s0, s1, s2, s3] = &mut sums;
                at_runs(rs, [&mut s0[s], &mut s1[s], &mut s2[s], &mut s3[s]]);
            }
            for (a, s) in sums.iter().enumerate() {
                at_runs(
                    [&s[0], &s[1], &s[2], &s[3], &s[4], &s[5]],
                    columns.each_mut().map(|c| &mut c[..]),
                );
                for ty in 0..rows_here {
                    let y = OUT * ty + a;
                    if OUT * ty0 + y >= h {
                        continue;
                    }
                    let [c0, c1, c2, c3] = columns.each_ref().map(|c| &c[ty * wide..][..tiles_x]);
                    let row = &mut dst[y * row_stride..][..w];
                    let (quads, last) = row.as_chunks_mut::<4>();
                    for ((((q, c0), c1), c2), c3) in
                        quads.iter_mut().zip(c0).zip(c1).zip(c2).zip(c3)
                    {
                        *q = [activate(*c0), activate(*c1), activate(*c2), activate(*c3)];
                    }
                    let k = quads.len();
                    for (b, d) in last.iter_mut().enumerate() {
                        *d = activate([c0, c1, c2, c3][b][k]);
                    }
                }
            }
        }
    }
}
