//! The 3×3 "same" convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast
//! Algorithms for Convolutional Neural Networks", CVPR 2016): each 2×2 block of outputs is
//! computed from a 4×4 block of the padded input with 16 multiplications per input and output
//! channel instead of 36, so the products take 2.25× fewer multiply-adds than the direct
//! convolution of `conv3x3::micro`.
//!
//! With `U = G g Gᵀ` (each 3×3 filter transformed to 4×4), `V = Bᵀ d B` (each 4×4 input block),
//! the 16 positions ξ of the transformed blocks are 16 independent matrix products
//! `M_ξ = U_ξ V_ξ` (`[c_out × c_in] · [c_in × tiles]`, by the register tiles of
//! `conv3x3::micro` with one tap), and each 2×2 output is `Aᵀ M A`. The transforms add and
//! subtract only (plus halves in `G`), so the result differs from the direct convolution by
//! rounding alone (the kernel tests hold both to the same bound against sums in f64).
//!
//! It serves the forward pass and the input gradient (a convolution with the flipped, transposed
//! kernel) of layers with at least [`min_channels`] channels on both sides (32 under AVX2, 64
//! otherwise), in training and in inference; under AVX2 the weight gradient of those layers too,
//! as this pass's adjoint ([`applies_to_weights`], `conv3x3::winograd_weights`), else it stays
//! direct (`conv3x3::weight_tiles`). So a 32-channel layer's sums differ between an AVX2 and an
//! AVX-512 CPU by rounding; on one CPU code path they are always the same.
//!
//! Work is split into fixed blocks of tile rows of one image, independent of the thread count,
//! and each output is one fixed sequence of operations: the same input gives bit-identical
//! results on any number of threads.

use std::cell::RefCell;

use pulp::{Simd, WithSimd};
use rayon::prelude::*;

use super::layout::{Geometry, Padded, padded_row_blocks, row_blocks};
use super::micro::{Block, Isa, MR, Products, TileColumns, pack_matrices};

/// About how many 2×2 output tiles one work item covers (whole tile rows): the item's
/// transformed input and products (`16 × channels × tiles` floats each, 192 KiB at 64 channels
/// and 48 tiles) stay in a core's L2 cache. Alternated runs at 64 channels on 40 × 40 images
/// (forward pass, median ms): 48 tiles 10.2, 120 tiles 10.8, 240 tiles 10.4, direct 11.3.
const TILES_PER_BLOCK: usize = 48;

/// Fewest input and output channels for the Winograd path, by the lanes of the SIMD code the
/// kernels run with. Its transforms cost in proportion to the channels and its products to their
/// square, so it pays off where the direct convolution's register tiles are slow next to the
/// transforms. With AVX-512 (16 lanes, 32 registers) the direct tiles win at 32 → 32 channels
/// (`tiny`: 1.8 against 2.3–2.5 ms per forward pass) and lose at 64 → 64 (8–17 %); with AVX2 (8
/// lanes, 16 registers: 8 × 1-vector tiles) Winograd wins at 32 → 32 too (2.9–3.0 against 3.6–3.7
/// ms, and 2.9 against 3.7 for the input gradient). Kernel bench, 16 × 40 × 40 images, 2 threads
/// (BENCHMARKS.md, "Winograd for 32-channel layers on AVX2"). NEON and scalar code keep 64: not
/// measured.
pub(super) fn min_channels(lanes: usize) -> usize {
    if lanes == 8 { 32 } else { 64 }
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
/// for the instruction set the kernels run with (the first and last layers of a denoiser, with 1
/// or 3 channels on one side, and narrow models stay direct). Only [`Isa::Best`] takes it.
pub(super) fn applies(g: &Geometry) -> bool {
    let min = min_channels(best_lanes());
    g.c_in >= min && g.c_out >= min
}

/// `G a` for three values `a`: `(a₀, (a₀ + a₁ + a₂)/2, (a₀ − a₁ + a₂)/2, a₂)`.
fn times_g([a0, a1, a2]: [f32; 3]) -> [f32; 4] {
    [a0, 0.5 * (a0 + a1 + a2), 0.5 * (a0 - a1 + a2), a2]
}

/// The filters transformed, `U_ξ = (G g Gᵀ)_ξ` for ξ = 4·i + j: `[16][c_out][c_in]`, from tap
/// matrices `[9][c_out][c_in]` (tap `3·ky + kx`).
pub(super) fn transform_filters(taps: &[f32], c_out: usize, c_in: usize) -> Vec<f32> {
    let mut u = vec![0.0f32; 16 * c_out * c_in];
    for o in 0..c_out {
        for c in 0..c_in {
            let g = |ky: usize, kx: usize| taps[((3 * ky + kx) * c_out + o) * c_in + c];
            // G g: each column of the filter to 4 values, then (G g) Gᵀ: each row of that.
            let columns = [0, 1, 2].map(|kx| times_g([g(0, kx), g(1, kx), g(2, kx)]));
            for i in 0..4 {
                let row = times_g(columns.map(|column| column[i]));
                for (j, v) in row.into_iter().enumerate() {
                    u[((4 * i + j) * c_out + o) * c_in + c] = v;
                }
            }
        }
    }
    u
}

thread_local! {
    /// Each thread's transformed input and products of one block, kept between calls.
    static SCRATCH: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Tile rows per work item for `g`: about [`TILES_PER_BLOCK`] tiles.
fn tile_rows(g: &Geometry) -> usize {
    (TILES_PER_BLOCK / g.width.div_ceil(2).max(1)).max(1)
}

/// The convolution of the padded images `xp` with filters transformed by
/// [`transform_filters`] (`u`), plus `bias`, then ReLU if `relu`, written into `output`
/// (`[batch, c_out, h, w]`, every value overwritten).
pub(super) fn convolve_into(
    xp: &Padded,
    u: &[f32],
    activation: (Option<&[f32]>, bool),
    g: &Geometry,
    output: &mut [f32],
) {
    let items = row_blocks(output, g, 2 * tile_rows(g));
    run(xp, u, activation, g, items, g.width);
}

/// [`convolve_into`] written into zero-padded images of `c_out` channels (the next layer's
/// input, as `kernel::inference` chains them): only the values are written, the zero borders
/// are left as they are.
pub(super) fn convolve_padded(
    xp: &Padded,
    u: &[f32],
    activation: (Option<&[f32]>, bool),
    g: &Geometry,
    out: &mut Padded,
) {
    let items = padded_row_blocks(out, g, 2 * tile_rows(g));
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
    let (c_in, c_out, h, w) = (g.c_in, g.c_out, g.height, g.width);
    let (tiles_y, tiles_x) = (h.div_ceil(2), w.div_ceil(2));
    let tile_rows = tile_rows(g);
    let blocks = tiles_y.div_ceil(tile_rows);
    let isa = Isa::Best;
    let Some(tile) = isa.dispatch(TileColumns) else {
        panic!("conv3x3: the CPU lacks the instruction set {isa:?}");
    };
    let packed_len = c_out.div_ceil(MR) * c_in * MR;
    let packed: Vec<f32> = (0..16)
        .flat_map(|xi| pack_matrices(&u[xi * c_out * c_in..][..c_out * c_in], 1, c_out, c_in))
        .collect();
    items
        .into_par_iter()
        .enumerate()
        .for_each(|(item, mut planes)| {
            let (i, b) = (item / blocks, item % blocks);
            let ty0 = b * tile_rows;
            let rows_here = tile_rows.min(tiles_y - ty0);
            let tiles = rows_here * tiles_x;
            let image = xp.image(i);
            SCRATCH.with(|scratch| {
                let (v, m) = &mut *scratch.borrow_mut();
                // Rows of V_ξ and M_ξ padded to whole register tiles.
                let stride = tiles.div_ceil(tile) * tile;
                v.resize(16 * c_in * stride, 0.0);
                m.resize(16 * c_out * stride, 0.0);
                isa.dispatch(InputTransform {
                    image,
                    v,
                    g,
                    rows: (ty0, rows_here),
                    stride,
                });
                // M_ξ = U_ξ V_ξ by the convolution's register tiles with one tap.
                for xi in 0..16 {
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

/// `V_ξ = Bᵀ d B` for the tile rows `rows` (first, count) of one padded image, into `v`
/// (`[16][c_in][stride]`). A [`WithSimd`] op so that its element-wise loops are compiled for the
/// instruction set the kernels run with (the workspace builds for baseline x86-64); adds and
/// subtracts only, so every width gives the same values.
pub(super) struct InputTransform<'a> {
    /// One padded image (`c_in` planes).
    pub image: &'a [f32],
    /// The transformed tiles, `[16][c_in][stride]`.
    pub v: &'a mut [f32],
    /// The convolution's geometry.
    pub g: &'a Geometry,
    /// The tile rows: the first, and how many.
    pub rows: (usize, usize),
    /// Elements per row of `v` (at least the tiles of `rows`).
    pub stride: usize,
}

impl WithSimd for InputTransform<'_> {
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
pub(super) fn split_even_odd(t: &[f32], even: &mut [f32], odd: &mut [f32]) {
    let (pairs, _) = t.as_chunks::<2>();
    for ((e, o), p) in even.iter_mut().zip(odd.iter_mut()).zip(pairs) {
        *e = p[0];
        *o = p[1];
    }
}

/// `Aᵀ M A` plus bias, then ReLU if asked, for the tile rows `rows` (first, count) of one work
/// item, from the products `m` (`[16][c_out][stride]`) into `planes` (one slice per output
/// plane, rows `row_stride` apart). A [`WithSimd`] op for the reason [`InputTransform`] is.
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
        let tiles_x = w.div_ceil(2);
        // Aᵀ M A a tile row at a time, element-wise over the row's tiles, then the two
        // output columns of each tile interleaved into the output rows.
        let mut sums = [[(); 4]; 2].map(|r| r.map(|_| vec![0.0f32; tiles_x]));
        for (o, dst) in planes.iter_mut().enumerate() {
            let bias = bias.map_or(0.0, |b| b[o]);
            for ty in 0..rows_here {
                let base = ty * tiles_x;
                let run =
                    |r: usize, s: usize| &m[((4 * r + s) * c_out + o) * stride + base..][..tiles_x];
                // Aᵀ m: rows (m₀ + m₁ + m₂, m₁ − m₂ − m₃), per column s.
                for s in 0..4 {
                    let (m0, m1, m2, m3) = (run(0, s), run(1, s), run(2, s), run(3, s));
                    let [s0, s1] = &mut sums;
                    for ((((s0, s1), m0), (m1, m2)), m3) in s0[s]
                        .iter_mut()
                        .zip(s1[s].iter_mut())
                        .zip(m0)
                        .zip(m1.iter().zip(m2))
                        .zip(m3)
                    {
                        *s0 = m0 + m1 + m2;
                        *s1 = m1 - m2 - m3;
                    }
                }
                // (Aᵀ m) A: columns (s₀ + s₁ + s₂, s₁ − s₂ − s₃), interleaved into the
                // two output rows of the tile row (plus bias, then ReLU).
                let activate = |v: f32| {
                    let v = v + bias;
                    if relu { v.max(0.0) } else { v }
                };
                for (a, s) in sums.iter().enumerate() {
                    let y = 2 * ty + a;
                    if 2 * ty0 + y >= h {
                        continue;
                    }
                    let row = &mut dst[y * row_stride..][..w];
                    let (pairs, last) = row.as_chunks_mut::<2>();
                    for (k, pair) in pairs.iter_mut().enumerate() {
                        let (s0, s1, s2, s3) = (s[0][k], s[1][k], s[2][k], s[3][k]);
                        pair[0] = activate(s0 + s1 + s2);
                        pair[1] = activate(s1 - s2 - s3);
                    }
                    if let Some(out) = last.first_mut() {
                        let k = w / 2;
                        *out = activate(s[0][k] + s[1][k] + s[2][k]);
                    }
                }
            }
        }
    }
}
