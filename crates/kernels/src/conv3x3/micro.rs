//! The register-tiled inner products of the 3×3 convolution: one block of the extended output
//! `ext[o][j] = Σ_{tap, c} W_tap[o][c] · image[c·plane + tap offset + start + j]`, computed as
//! tiles of 8 output channels × 3 SIMD vectors of columns held in registers across all nine taps
//! and every input channel, reading the padded image in place (no packing of the image, one
//! store per output element).
//!
//! The code is generic over `pulp::Simd` and picked at run time (AVX-512, AVX2, NEON, or
//! portable scalar code), all in safe Rust. Each output element is one fixed sequence of
//! multiply-adds, so the result does not depend on the thread count.

use pulp::{Simd, WithSimd};

/// Output channels per register tile.
pub(super) const MR: usize = 8;

/// Zeros kept after each padded image, so a tile that runs past the last row of the last
/// channel (tiles are whole vectors wide) still reads inside the image's slice.
pub(super) const TAIL: usize = 64;

/// Which SIMD code runs: the best the CPU has, or a named one (tests run each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Isa {
    /// The widest instruction set the CPU supports (detected once).
    Best,
    /// Plain scalar code, on any CPU.
    #[cfg(test)]
    Portable,
    /// AVX2 + FMA (8 lanes), if the CPU has it.
    #[cfg(all(test, target_arch = "x86_64"))]
    Avx2,
}

impl Isa {
    /// Runs `op` with this instruction set; `None` if the CPU lacks it.
    pub(super) fn dispatch<Op: WithSimd>(self, op: Op) -> Option<Op::Output> {
        match self {
            Isa::Best => Some(best(op)),
            #[cfg(test)]
            Isa::Portable => Some(Simd::vectorize(pulp::Scalar::new(), op)),
            #[cfg(all(test, target_arch = "x86_64"))]
            Isa::Avx2 => pulp::x86::V3::try_new().map(|simd| Simd::vectorize(simd, op)),
        }
    }

    /// The instruction sets this CPU can run, the best first (tests run each).
    #[cfg(test)]
    pub(super) fn runnable() -> Vec<Isa> {
        let mut all = vec![Isa::Best, Isa::Portable];
        #[cfg(target_arch = "x86_64")]
        all.push(Isa::Avx2);
        all.into_iter()
            .filter(|isa| isa.dispatch(TileColumns).is_some())
            .collect()
    }
}

/// The environment variable that narrows the instruction set of the kernels for the whole
/// process: `avx2` (AVX2 + FMA, as on CPUs without AVX-512) or `scalar`; unset or anything else:
/// the widest the CPU has. For checking the AVX2 code path on an AVX-512 machine.
pub const SIMD_VAR: &str = "DENOISE_SIMD";

/// What [`SIMD_VAR`] asks for, read once.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Forced {
    None,
    Avx2,
    Scalar,
}

fn forced() -> Forced {
    static FORCED: std::sync::OnceLock<Forced> = std::sync::OnceLock::new();
    *FORCED.get_or_init(|| match std::env::var(SIMD_VAR).as_deref() {
        Ok("avx2") => Forced::Avx2,
        Ok("scalar") => Forced::Scalar,
        _ => Forced::None,
    })
}

/// Runs `op` with the widest instruction set the CPU has, or the one [`SIMD_VAR`] names (when the
/// CPU has it): [`Isa::Best`]'s dispatch, also for kernels outside the convolution (batch norm).
pub(crate) fn best<Op: WithSimd>(op: Op) -> Op::Output {
    match forced() {
        Forced::Scalar => Simd::vectorize(pulp::Scalar::new(), op),
        #[cfg(target_arch = "x86_64")]
        Forced::Avx2 => match pulp::x86::V3::try_new() {
            // `vectorize` runs `op` inside a function compiled for AVX2 + FMA (calling
            // `with_simd` directly would leave every vector operation an outlined call).
            Some(simd) => Simd::vectorize(simd, op),
            None => pulp::Arch::new().dispatch(op),
        },
        _ => pulp::Arch::new().dispatch(op),
    }
}

/// The instruction set the kernels run with in this process, for benchmark and run records.
pub fn isa_name() -> &'static str {
    struct Name;
    impl WithSimd for Name {
        type Output = &'static str;
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) -> &'static str {
            match S::F32_LANES {
                16 => "avx512",
                8 => "avx2",
                4 => "neon",
                _ => "scalar",
            }
        }
    }
    best(Name)
}

/// Vectors per tile row for a SIMD type: three where there are registers for 8 × 3
/// accumulators (AVX-512 and NEON have 32, scalar code has no limit), one on AVX2 (16).
fn vectors<S: Simd>() -> usize {
    if S::F32_LANES == 8 { 1 } else { 3 }
}

/// Columns of one tile: the extended output of a block is computed in whole tiles, so its
/// scratch rows are this many columns rounded up.
pub(super) struct TileColumns;

impl WithSimd for TileColumns {
    type Output = usize;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> usize {
        vectors::<S>() * S::F32_LANES
    }
}

/// Rearranges tap matrices `[9][c_out][c_in]` into the order the tiles read them:
/// `[c_out / MR rounded up][9][c_in][MR]`, output channels past `c_out` zero.
pub(super) fn pack_taps(taps: &[f32], c_out: usize, c_in: usize) -> Vec<f32> {
    pack_matrices(taps, 9, c_out, c_in)
}

/// [`pack_taps`] for `count` matrices `[count][c_out][c_in]`:
/// `[c_out / MR rounded up][count][c_in][MR]`.
pub(super) fn pack_matrices(taps: &[f32], count: usize, c_out: usize, c_in: usize) -> Vec<f32> {
    let mut packed = vec![0.0f32; c_out.div_ceil(MR) * count * c_in * MR];
    for k in 0..count {
        for o in 0..c_out {
            for c in 0..c_in {
                packed[(((o / MR) * count + k) * c_in + c) * MR + o % MR] =
                    taps[(k * c_out + o) * c_in + c];
            }
        }
    }
    packed
}

/// A block of extended columns of one image and the sizes of its convolution.
#[derive(Clone, Copy, Debug)]
pub(super) struct Block {
    /// First extended column of the block.
    pub start: usize,
    /// Extended columns the block covers (for [`Products`], rounded up to whole tiles).
    pub columns: usize,
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Width of a padded row.
    pub padded_width: usize,
    /// Elements of one padded channel plane.
    pub plane: usize,
}

/// One block of the extended output: `ext [c_out][columns]` (row stride `columns`, a multiple of
/// the tile width) from the padded `image`; with `taps: 1` (one matrix packed by
/// [`pack_matrices`], at offset 0) the plain matrix product `ext = W · image`, `image` read as
/// `c_in` rows of stride `plane`.
pub(super) struct Products<'a> {
    /// Taps packed by [`pack_taps`] (or `taps` matrices by [`pack_matrices`]).
    pub packed: &'a [f32],
    /// How many taps: 9 for the 3×3 convolution (tap `k` read at offset `(k / 3)·(w + 2) + k % 3`),
    /// 1 for a matrix product.
    pub taps: usize,
    /// One padded image: `c_in` planes of `plane` elements, then at least [`TAIL`] zeros.
    pub image: &'a [f32],
    /// The block's extended output.
    pub ext: &'a mut [f32],
    /// Where the block lies.
    pub block: Block,
}

impl WithSimd for Products<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        if vectors::<S>() == 3 {
            self.tiles::<S, 3>(simd)
        } else {
            self.tiles::<S, 1>(simd)
        }
    }
}

/// A SIMD vector read from the first lanes of `s` (unaligned).
#[inline(always)]
pub(super) fn load<S: Simd>(s: &[f32]) -> S::f32s {
    bytemuck::pod_read_unaligned(bytemuck::cast_slice(&s[..S::F32_LANES]))
}

/// `v` written to the first lanes of `d`.
#[inline(always)]
pub(super) fn store<S: Simd>(d: &mut [f32], v: S::f32s) {
    d[..S::F32_LANES].copy_from_slice(bytemuck::cast_slice(std::slice::from_ref(&v)));
}

impl Products<'_> {
    #[inline(always)]
    fn tiles<S: Simd, const NV: usize>(self, simd: S) {
        let lanes = S::F32_LANES;
        let width = NV * lanes;
        let b = self.block;
        let (c_in, c_out, pw, plane) = (b.c_in, b.c_out, b.padded_width, b.plane);
        let (start, columns) = (b.start, b.columns);
        let (packed, image, ext, count) = (self.packed, self.image, self.ext, self.taps);
        debug_assert_eq!(columns % width, 0);
        for block in 0..c_out.div_ceil(MR) {
            let taps = &packed[block * count * c_in * MR..][..count * c_in * MR];
            for j0 in (0..columns).step_by(width) {
                let mut acc = [[simd.splat_f32s(0.0); NV]; MR];
                for k in 0..count {
                    let offset = (k / 3) * pw + k % 3 + start + j0;
                    let tap = &taps[k * c_in * MR..][..c_in * MR];
                    for c in 0..c_in {
                        let row = &image[c * plane + offset..][..width];
                        let x: [S::f32s; NV] =
                            std::array::from_fn(|v| load::<S>(&row[v * lanes..]));
                        let w = &tap[c * MR..][..MR];
                        for (acc, &w) in acc.iter_mut().zip(w) {
                            let w = simd.splat_f32s(w);
                            for (acc, &x) in acc.iter_mut().zip(&x) {
                                *acc = simd.mul_add_e_f32s(w, x, *acc);
                            }
                        }
                    }
                }
                for (r, acc) in acc.iter().enumerate() {
                    let o = block * MR + r;
                    if o < c_out {
                        let dst = &mut ext[o * columns + j0..][..width];
                        for (v, &acc) in acc.iter().enumerate() {
                            store::<S>(&mut dst[v * lanes..], acc);
                        }
                    }
                }
            }
        }
    }
}
