//! The direct 3×3 "same" convolution on the host (stride 1, padding 1, f32, NCHW) over a
//! zero-padded copy of the input (no im2col buffer): the forward pass, and the products that the
//! input gradient (`backward`) and the inference chain (`chain`) run too.
//!
//! The trick: on an image padded to `(h + 2) × (w + 2)` and read row after row, the input under
//! kernel tap `(ky, kx)` for all `h × (w + 2)` output positions is one strided run starting at
//! `ky·(w + 2) + kx`. The output is computed on that "extended" grid, whose two extra columns per
//! row are discarded: `ext[o][j] = Σ_{tap, c} W_tap[o][c] · x_pad[c][j + tap offset]`, by the
//! register tiles of `conv3x3::micro`. The input gradient is the same convolution of the padded
//! output gradient with the flipped, transposed kernel. The weight gradient multiplies the output
//! gradient laid out on that grid (its extra columns fall on the zero border, so they add
//! nothing) by the shifted input: register tiles over a channel-last copy
//! (`conv3x3::weight_tiles`) on AVX-512 with channel counts in multiples of 32, else nine faer
//! matrix products per block.
//!
//! Layers with at least `winograd::min_channels` channels on both sides (32 under AVX2, 64
//! otherwise), on images at least `winograd::min_width` wide (24 and 32 pixels), take Winograd's
//! F(4×4, 3×3) instead for the forward pass and the input gradient (`conv3x3::winograd`).
//!
//! Work is split into blocks of whole rows of one image. Each output value is one fixed sequence
//! of multiply-adds whatever the blocks; the weight gradient's blocks are fixed (independent of
//! the thread count) and summed in block order: the same input gives bit-identical results on any
//! number of threads.

use std::cell::RefCell;

use rayon::prelude::*;

use super::layout::{Geometry, Padded, padded_row_blocks, row_blocks, taps};
use super::micro::{Block, Isa, Products, TileColumns, pack_taps};
use super::{winograd, winograd_filters};
use crate::fast_path::check_len;

thread_local! {
    /// Each thread's block of the extended output, kept between calls: no allocation, no
    /// zeroing, and the block stays in cache from the products to the copy into the output.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs the products of every work item (image `i`, block `b` of `blocks`; item `i · blocks.len()
/// + b`) with the instruction set `isa` and hands each block's extended output to `write`, with
/// the item's `target` (what it writes into), the block's columns, and the row stride of `ext`.
pub(super) fn convolve_blocks<T: Send>(
    xp: &Padded,
    taps: &[f32],
    g: &Geometry,
    (isa, blocks): (Isa, &[(usize, usize)]),
    targets: Vec<T>,
    write: impl Fn(T, &[f32], usize, usize) + Sync,
) {
    let (c_in, c_out) = (g.c_in, g.c_out);
    let (pw, plane) = (g.padded_width(), g.plane());
    let Some(tile) = isa.dispatch(TileColumns) else {
        panic!("conv3x3: the CPU lacks the instruction set {isa:?}");
    };
    let packed = pack_taps(taps, c_out, c_in);
    targets
        .into_par_iter()
        .enumerate()
        .for_each(|(item, target)| {
            let (i, (start, cols)) = (item / blocks.len(), blocks[item % blocks.len()]);
            let columns = cols.div_ceil(tile) * tile;
            SCRATCH.with(|scratch| {
                let mut scratch = scratch.borrow_mut();
                if scratch.len() < c_out * columns {
                    scratch.resize(c_out * columns, 0.0);
                }
                let ext = &mut scratch[..c_out * columns];
                isa.dispatch(Products {
                    packed: &packed,
                    taps: 9,
                    image: xp.image(i),
                    ext: &mut *ext,
                    block: Block {
                        start,
                        columns,
                        c_in,
                        c_out,
                        padded_width: pw,
                        plane,
                    },
                });
                write(target, ext, cols, columns);
            });
        });
}

/// `ext + bias`, then ReLU if `relu`.
pub(super) fn activate(value: f32, bias: f32, relu: bool) -> f32 {
    let v = value + bias;
    if relu { v.max(0.0) } else { v }
}

/// The convolution of padded images with tap matrices `[9][c_out][c_in]`, plus `bias`, then
/// ReLU if `relu`, with the products of instruction set `isa`: `[batch, c_out, h, w]`.
pub(super) fn convolve(
    xp: &Padded,
    taps: &[f32],
    bias: Option<&[f32]>,
    relu: bool,
    g: &Geometry,
    isa: Isa,
) -> Vec<f32> {
    let mut output = vec![0.0f32; g.output_len()];
    convolve_into(xp, taps, (bias, relu), g, isa, &mut output);
    output
}

/// [`convolve`] written into `output` (`[batch, c_out, h, w]`, every value overwritten).
pub(super) fn convolve_into(
    xp: &Padded,
    taps: &[f32],
    (bias, relu): (Option<&[f32]>, bool),
    g: &Geometry,
    isa: Isa,
    output: &mut [f32],
) {
    check_len("conv3x3", "output", output.len(), g.output_len());
    if isa == Isa::Best && winograd::applies(g) {
        let u = winograd_filters::transform_filters(taps, g.c_out, g.c_in);
        winograd::convolve_into(xp, &u, (bias, relu), g, output);
        return;
    }
    let (w, pw) = (g.width, g.padded_width());
    let columns = g.convolution_columns();
    let blocks = g.blocks(columns);
    let items = row_blocks(output, g, g.rows_per_block(columns));
    convolve_blocks(
        xp,
        taps,
        g,
        (isa, &blocks),
        items,
        |mut planes, ext, cols, columns| {
            // Drop the two extra columns per row (and the tile's tail).
            for (o, dst) in planes.iter_mut().enumerate() {
                let b = bias.map_or(0.0, |b| b[o]);
                let src = ext[o * columns..][..cols].chunks_exact(pw);
                for (row, d) in src.zip(dst.chunks_exact_mut(w)) {
                    for (d, s) in d.iter_mut().zip(&row[..w]) {
                        *d = activate(*s, b, relu);
                    }
                }
            }
        },
    );
}

/// [`convolve`] written into `out`, zero-padded images of `c_out` channels whose borders are
/// zero: the next layer's input, with no copy in between. On the padded grid a block's extended
/// output is one contiguous run of each plane, from `(w + 2) + 1` past the block's first
/// column; its two extra columns per row land on the border and are written as zeros.
pub(super) fn convolve_padded(
    xp: &Padded,
    taps: &[f32],
    bias: &[f32],
    relu: bool,
    g: &Geometry,
    out: &mut Padded,
) {
    if winograd::applies(g) {
        let u = winograd_filters::transform_filters(taps, g.c_out, g.c_in);
        winograd::convolve_padded(xp, &u, (Some(bias), relu), g, out);
        return;
    }
    let (w, pw) = (g.width, g.padded_width());
    let columns = g.convolution_columns();
    let blocks = g.blocks(columns);
    let items = padded_row_blocks(out, g, g.rows_per_block(columns));
    convolve_blocks(
        xp,
        taps,
        g,
        (Isa::Best, &blocks),
        items,
        |mut planes, ext, cols, columns| {
            for (o, dst) in planes.iter_mut().enumerate() {
                let src = ext[o * columns..][..cols].chunks_exact(pw);
                for (row, d) in src.zip(dst.chunks_exact_mut(pw)) {
                    let (values, border) = d.split_at_mut(w);
                    for (d, s) in values.iter_mut().zip(row) {
                        *d = activate(*s, bias[o], relu);
                    }
                    border.fill(0.0);
                }
            }
        },
    );
}

/// Forward pass: `x [batch, c_in, h, w]`, `weight [c_out, c_in, 3, 3]`, `bias [c_out]` →
/// `[batch, c_out, h, w]`.
pub fn forward(x: &[f32], weight: &[f32], bias: Option<&[f32]>, g: &Geometry) -> Vec<f32> {
    forward_activated(x, weight, bias, false, g)
}

/// [`forward`] followed by ReLU (`max(v, 0)`) when `relu`, in the same pass.
pub fn forward_activated(
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    relu: bool,
    g: &Geometry,
) -> Vec<f32> {
    check_len("conv3x3", "input", x.len(), g.input_len());
    check_len("conv3x3", "weight", weight.len(), g.weight_len());
    let xp = Padded::new(x, g, g.c_in);
    convolve(
        &xp,
        &taps(weight, g.c_out, g.c_in),
        bias,
        relu,
        g,
        Isa::Best,
    )
}
