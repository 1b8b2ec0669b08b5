//! Host kernels of the 3×3 "same" convolution (stride 1, padding 1, f32, NCHW): the forward pass,
//! the input gradient and the weight gradient over a zero-padded copy of the input (no im2col
//! buffer), and inference through a whole chain of such layers.
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
//! Layers with at least `winograd::MIN_CHANNELS` channels on both sides take Winograd's
//! F(2×2, 3×3) instead for the forward pass and the input gradient (`conv3x3::winograd`).
//!
//! Work is split into blocks of whole rows of one image. Each output value is one fixed sequence
//! of multiply-adds whatever the blocks; the weight gradient's blocks are fixed (independent of
//! the thread count) and summed in block order: the same input gives bit-identical results on any
//! number of threads.

use std::cell::RefCell;

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

use super::micro::{Block, Isa, Products, TAIL, TileColumns, pack_taps};
use super::weight_tiles::{ChannelLast, Handles, WeightTiles};
use super::winograd;
use crate::fast_path::check_len;

/// About how many extended-output columns one work item covers (whole rows are kept together):
/// small enough that the item's output block (`c_out × columns`, 512 KiB at 64 channels) and the
/// input rows it reads stay in a core's L2 cache across the nine taps. Each block also reads the
/// two padded rows below its own (the taps' reach), so blocks of few rows re-read more: on
/// 256 × 256 images, 7-row blocks (2048) ran about 25 % faster than 3-row ones (1024).
const BLOCK_COLUMNS: usize = 2048;

/// The same for the weight gradient, whose output is only `c_out × c_in` per tap: longer blocks
/// make longer inner products and fewer partial sums.
const WEIGHT_BLOCK_COLUMNS: usize = 4096;

/// Sizes of one 3×3 convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Images in the batch.
    pub batch: usize,
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Image height (input and output).
    pub height: usize,
    /// Image width (input and output).
    pub width: usize,
}

impl Geometry {
    /// Elements of the input, `[batch, c_in, height, width]`.
    pub fn input_len(&self) -> usize {
        self.batch * self.c_in * self.height * self.width
    }

    /// Elements of the output, `[batch, c_out, height, width]`.
    pub fn output_len(&self) -> usize {
        self.batch * self.c_out * self.height * self.width
    }

    /// Elements of the weight, `[c_out, c_in, 3, 3]`.
    pub fn weight_len(&self) -> usize {
        self.c_out * self.c_in * 9
    }

    /// The same convolution run backwards: channels swapped (the input gradient is a 3×3
    /// convolution of the output gradient).
    fn transposed(&self) -> Geometry {
        Geometry {
            c_in: self.c_out,
            c_out: self.c_in,
            ..*self
        }
    }

    /// Width of a padded row.
    pub(super) fn padded_width(&self) -> usize {
        self.width + 2
    }

    /// Elements of one padded channel plane.
    pub(super) fn plane(&self) -> usize {
        (self.height + 2) * self.padded_width()
    }

    /// Extended columns per work item of the convolution: about [`BLOCK_COLUMNS`], fewer when
    /// that would leave a thread idle (at least two items per thread where the images allow).
    /// Each output value is one fixed sum whatever the blocks, so this may follow the thread
    /// count.
    fn convolution_columns(&self) -> usize {
        let per_image = (2 * rayon::current_num_threads()).div_ceil(self.batch.max(1));
        let rows = self.height.div_ceil(per_image).max(1);
        BLOCK_COLUMNS.min(rows * self.padded_width())
    }

    /// Image rows per work item of about `columns` extended-output columns.
    fn rows_per_block(&self, columns: usize) -> usize {
        (columns / self.padded_width()).max(1)
    }

    /// The blocks of rows of one image, as `(first column, columns)` of the extended output.
    fn blocks(&self, columns: usize) -> Vec<(usize, usize)> {
        let pw = self.padded_width();
        let rows = self.rows_per_block(columns);
        (0..self.height)
            .step_by(rows)
            .map(|r| (r * pw, rows.min(self.height - r) * pw))
            .collect()
    }
}

/// Zero-padded images: per image `channels` planes of `(h + 2) × (w + 2)`, then [`TAIL`] spare
/// zeros so the last tap's view of the last channel, and tiles running past the last row, stay
/// inside the image's slice. Each image is its own buffer, written once front to back (no
/// zeroing pass).
pub(super) struct Padded {
    images: Vec<Vec<f32>>,
}

impl Padded {
    /// Elements of one `channels`-channel image of `g`'s size.
    fn image_len(g: &Geometry, channels: usize) -> usize {
        channels * g.plane() + TAIL
    }

    fn new(x: &[f32], g: &Geometry, channels: usize) -> Padded {
        Padded::build(x, None, g, channels, false).0
    }

    /// The padded copy of `x`, each value replaced by zero where `mask` (same layout as `x`)
    /// is not positive when a mask is given (the backward step of a ReLU whose output is
    /// `mask`), and, when `sums`, each plane's sum (`[batch][channels]`, in [`LANES`]
    /// interleaved partial sums added in a fixed order; empty otherwise), all in one pass.
    fn build(
        x: &[f32],
        mask: Option<&[f32]>,
        g: &Geometry,
        channels: usize,
        sums: bool,
    ) -> (Padded, Vec<f32>) {
        let (h, w, pw) = (g.height, g.width, g.padded_width());
        let len = Padded::image_len(g, channels);
        let (images, plane_sums): (Vec<Vec<f32>>, Vec<Vec<f32>>) = (0..g.batch)
            .into_par_iter()
            .map(|i| {
                let mut image = Vec::with_capacity(len);
                let mut plane_sums = Vec::with_capacity(if sums { channels } else { 0 });
                for c in 0..channels {
                    let start = (i * channels + c) * h * w;
                    let src = &x[start..][..h * w];
                    let mask = mask.map(|m| &m[start..][..h * w]);
                    let mut lanes = [0.0f32; LANES];
                    image.resize(image.len() + pw + 1, 0.0);
                    for (y, row) in src.chunks_exact(w).enumerate() {
                        let first = image.len();
                        match mask {
                            Some(m) => image.extend(
                                row.iter()
                                    .zip(&m[y * w..][..w])
                                    .map(|(&v, &m)| if m > 0.0 { v } else { 0.0 }),
                            ),
                            None => image.extend_from_slice(row),
                        }
                        if sums {
                            add_lanes(&mut lanes, &image[first..]);
                        }
                        image.extend_from_slice(&[0.0, 0.0]);
                    }
                    image.resize(image.len() + pw - 1, 0.0);
                    if sums {
                        plane_sums.push(lanes.iter().sum());
                    }
                }
                image.resize(len, 0.0);
                (image, plane_sums)
            })
            .unzip();
        (Padded { images }, plane_sums.concat())
    }

    /// Zeros for `channels`-channel images of `g`'s size, to be written by [`convolve_padded`].
    fn zeros(g: &Geometry, channels: usize) -> Padded {
        let len = Padded::image_len(g, channels);
        Padded {
            images: (0..g.batch).map(|_| vec![0.0; len]).collect(),
        }
    }

    /// Whether these are `channels`-channel images of `g`'s size.
    fn fits(&self, g: &Geometry, channels: usize) -> bool {
        self.images.len() == g.batch
            && self
                .images
                .iter()
                .all(|image| image.len() == Padded::image_len(g, channels))
    }

    /// Image `i`: its padded planes, then [`TAIL`] zeros.
    pub(super) fn image(&self, i: usize) -> &[f32] {
        &self.images[i]
    }
}

/// Interleaved partial sums of [`add_lanes`]: independent additions that compile to vector
/// instructions (one running f32 sum would wait on each addition's latency).
const LANES: usize = 16;

/// Adds `values` into `LANES` interleaved partial sums, value `j` into lane `j % LANES`.
fn add_lanes(lanes: &mut [f32; LANES], values: &[f32]) {
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    for (lane, v) in lanes.iter_mut().zip(rest) {
        *lane += v;
    }
}

/// Offset of kernel tap `k = 3·ky + kx` in a padded plane.
fn tap_offset(k: usize, pw: usize) -> usize {
    (k / 3) * pw + k % 3
}

/// Every entry of a weight `[c_out, c_in, 3, 3]` in memory order: (output channel, input channel,
/// tap `k = 3·ky + kx`, index).
fn weight_entries(c_out: usize, c_in: usize) -> impl Iterator<Item = (usize, usize, usize, usize)> {
    (0..c_out * c_in * 9).map(move |n| (n / (9 * c_in), n / 9 % c_in, n % 9, n))
}

/// Where entry (o, i, k) of a weight sits among nine tap matrices `[9][c_out][c_in]`.
fn tap_index(o: usize, i: usize, k: usize, c_out: usize, c_in: usize) -> usize {
    (k * c_out + o) * c_in + i
}

/// Rearranges a weight `[c_out, c_in, 3, 3]` into nine tap matrices `[9][c_out][c_in]`.
fn taps(weight: &[f32], c_out: usize, c_in: usize) -> Vec<f32> {
    let mut taps = vec![0.0f32; weight.len()];
    for (o, i, k, n) in weight_entries(c_out, c_in) {
        taps[tap_index(o, i, k, c_out, c_in)] = weight[n];
    }
    taps
}

/// The taps of the input gradient: `[9][c_in][c_out]`, tap `k` holding `weight[.., .., 8 − k]`
/// transposed (the kernel flipped in both directions).
fn flipped_transposed_taps(weight: &[f32], c_out: usize, c_in: usize) -> Vec<f32> {
    let mut taps = vec![0.0f32; weight.len()];
    for (o, i, k, n) in weight_entries(c_out, c_in) {
        taps[tap_index(i, o, 8 - k, c_in, c_out)] = weight[n];
    }
    taps
}

thread_local! {
    /// Each thread's block of the extended output, kept between calls: no allocation, no
    /// zeroing, and the block stays in cache from the products to the copy into the output.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs the products of every work item (image `i`, block `b` of `blocks`; item `i · blocks.len()
/// + b`) with the instruction set `isa` and hands each block's extended output to `write`, with
/// the item's `target` (what it writes into), the block's columns, and the row stride of `ext`.
fn convolve_blocks<T: Send>(
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
fn activate(value: f32, bias: f32, relu: bool) -> f32 {
    let v = value + bias;
    if relu { v.max(0.0) } else { v }
}

/// The convolution of padded images with tap matrices `[9][c_out][c_in]`, plus `bias`, then
/// ReLU if `relu`, with the products of instruction set `isa`: `[batch, c_out, h, w]`.
fn convolve(
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
fn convolve_into(
    xp: &Padded,
    taps: &[f32],
    (bias, relu): (Option<&[f32]>, bool),
    g: &Geometry,
    isa: Isa,
    output: &mut [f32],
) {
    check_len("conv3x3", "output", output.len(), g.output_len());
    if isa == Isa::Best && winograd::applies(g) {
        let u = winograd::transform_filters(taps, g.c_out, g.c_in);
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

/// `output [batch, c_out, h, w]` cut into what each work item writes (image `i`, block `b` of
/// `rows` image rows; item `i · blocks + b`): its rows in every output plane, plane by plane.
pub(super) fn row_blocks<'a>(
    output: &'a mut [f32],
    g: &Geometry,
    rows: usize,
) -> Vec<Vec<&'a mut [f32]>> {
    let (c_out, h, w) = (g.c_out, g.height, g.width);
    let blocks = h.div_ceil(rows.max(1));
    let mut items: Vec<Vec<&mut [f32]>> = (0..g.batch * blocks)
        .map(|_| Vec::with_capacity(c_out))
        .collect();
    for (plane_index, dst) in output.chunks_mut((h * w).max(1)).enumerate() {
        let first = plane_index / c_out.max(1) * blocks;
        for (j, rows_of_block) in dst.chunks_mut((rows * w).max(1)).enumerate() {
            items[first + j].push(rows_of_block);
        }
    }
    items
}

/// [`row_blocks`] of zero-padded images of `c_out` channels: each item's rows in every plane as
/// one run of `rows · (w + 2)` elements from the block's first value (its first row, column 1),
/// so a row's two border columns sit between it and the next.
pub(super) fn padded_row_blocks<'a>(
    out: &'a mut Padded,
    g: &Geometry,
    rows: usize,
) -> Vec<Vec<&'a mut [f32]>> {
    let (c_out, h, pw, plane) = (g.c_out, g.height, g.padded_width(), g.plane());
    let blocks = h.div_ceil(rows.max(1));
    let mut items: Vec<Vec<&mut [f32]>> = Vec::with_capacity(g.batch * blocks);
    for image in &mut out.images {
        let mut per_block: Vec<Vec<&mut [f32]>> =
            (0..blocks).map(|_| Vec::with_capacity(c_out)).collect();
        for channel in image.chunks_exact_mut(plane).take(c_out) {
            let mut rest = &mut channel[pw + 1..];
            for (b, dst) in per_block.iter_mut().enumerate() {
                let (run, tail) = rest.split_at_mut(rows.min(h - b * rows) * pw);
                dst.push(run);
                rest = tail;
            }
        }
        items.extend(per_block);
    }
    items
}

/// [`convolve`] written into `out`, zero-padded images of `c_out` channels whose borders are
/// zero: the next layer's input, with no copy in between. On the padded grid a block's extended
/// output is one contiguous run of each plane, from `(w + 2) + 1` past the block's first
/// column; its two extra columns per row land on the border and are written as zeros.
fn convolve_padded(
    xp: &Padded,
    taps: &[f32],
    bias: &[f32],
    relu: bool,
    g: &Geometry,
    out: &mut Padded,
) {
    if winograd::applies(g) {
        let u = winograd::transform_filters(taps, g.c_out, g.c_in);
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

/// One convolution of a network run by [`inference`].
pub struct Layer<'a> {
    /// `[c_out, c_in, 3, 3]`, `c_in` being the previous layer's `c_out` (or the input's
    /// channels).
    pub weight: &'a [f32],
    /// `[c_out]`.
    pub bias: &'a [f32],
    /// Output channels.
    pub c_out: usize,
    /// Whether ReLU follows.
    pub relu: bool,
}

/// A chain of 3×3 convolutions (each with its bias, then ReLU where asked) applied to
/// `x [batch, c_in, height, width]` (in `g`; its `c_out` is ignored): the last layer's output,
/// `[batch, c_out of the last layer, height, width]`, or `x` itself when there are no layers.
///
/// Each hidden layer writes straight into the next one's zero-padded input, and two such
/// buffers serve the whole chain: no padding copies and no allocation per layer. The numbers are
/// those of [`forward_activated`] layer after layer (the same products in the same order).
pub fn inference(x: &[f32], layers: &[Layer<'_>], g: &Geometry) -> Vec<f32> {
    check_len("conv3x3", "input", x.len(), g.input_len());
    let Some((last, hidden)) = layers.split_last() else {
        return x.to_vec();
    };
    let mut g = *g;
    let mut current = Padded::new(x, &g, g.c_in);
    let mut spare: Option<Padded> = None;
    for layer in hidden {
        let taps = layer.taps(&mut g);
        let mut next = match spare.take() {
            Some(buffer) if buffer.fits(&g, g.c_out) => buffer,
            _ => Padded::zeros(&g, g.c_out),
        };
        convolve_padded(&current, &taps, layer.bias, layer.relu, &g, &mut next);
        spare = Some(std::mem::replace(&mut current, next));
        g.c_in = g.c_out;
    }
    let taps = last.taps(&mut g);
    convolve(&current, &taps, Some(last.bias), last.relu, &g, Isa::Best)
}

impl Layer<'_> {
    /// The layer's tap matrices, after setting `g.c_out` to its output channels and checking
    /// its weight and bias against `g`.
    fn taps(&self, g: &mut Geometry) -> Vec<f32> {
        g.c_out = self.c_out;
        check_len("conv3x3", "weight", self.weight.len(), g.weight_len());
        check_len("conv3x3", "bias", self.bias.len(), g.c_out);
        taps(self.weight, g.c_out, g.c_in)
    }
}

/// The output gradient of one convolution prepared for its backward step, in one pass: zero
/// where the fused ReLU's output was zero (when the convolution had one), zero-padded for the
/// input and weight gradients, and summed per channel (the bias gradient) when asked.
pub struct OutputGradient {
    padded: Padded,
    bias: Option<Vec<f32>>,
}

impl OutputGradient {
    /// Prepares `grad [batch, c_out, h, w]`, the gradient with respect to the output of the
    /// convolution, or to the output of the ReLU after it when `relu_output` (that ReLU's output,
    /// same shape) is given; summed for the bias gradient when `bias`.
    pub fn new(
        grad: &[f32],
        relu_output: Option<&[f32]>,
        bias: bool,
        g: &Geometry,
    ) -> OutputGradient {
        check_len("conv3x3", "output gradient", grad.len(), g.output_len());
        if let Some(output) = relu_output {
            check_len("conv3x3", "ReLU output", output.len(), g.output_len());
        }
        let (padded, sums) = Padded::build(grad, relu_output, &g.transposed(), g.c_out, bias);
        // Per channel, the images' sums in image order.
        let bias = bias.then(|| {
            let mut bias = vec![0.0f32; g.c_out];
            for image in sums.chunks_exact(g.c_out.max(1)) {
                for (b, s) in bias.iter_mut().zip(image) {
                    *b += s;
                }
            }
            bias
        });
        OutputGradient { padded, bias }
    }

    /// Gradient with respect to the bias, `[c_out]`: the output gradient summed over images
    /// and pixels, in a fixed order; `None` unless [`OutputGradient::new`] was asked for it.
    pub fn bias_gradient(&self) -> Option<&[f32]> {
        self.bias.as_deref()
    }

    /// Gradient with respect to the input, `[batch, c_in, h, w]`: a 3×3 convolution with the
    /// flipped, transposed kernel.
    pub fn input_gradient(&self, weight: &[f32], g: &Geometry) -> Vec<f32> {
        let mut out = vec![0.0f32; g.input_len()];
        self.input_gradient_into(weight, g, &mut out);
        out
    }

    /// [`OutputGradient::input_gradient`] written into `out` (every value overwritten).
    pub fn input_gradient_into(&self, weight: &[f32], g: &Geometry, out: &mut [f32]) {
        check_len("conv3x3", "weight", weight.len(), g.weight_len());
        check_len("conv3x3", "input gradient", out.len(), g.input_len());
        let taps = flipped_transposed_taps(weight, g.c_out, g.c_in);
        convolve_into(
            &self.padded,
            &taps,
            (None, false),
            &g.transposed(),
            Isa::Best,
            out,
        );
    }

    /// Gradient with respect to the weight, `[c_out, c_in, 3, 3]`, given the convolution's
    /// input `x`.
    pub fn weight_gradient(&self, x: &[f32], g: &Geometry) -> Vec<f32> {
        weight_gradient_of_padded(x, &self.padded, g)
    }
}

/// Gradient of the loss with respect to the input, from the output gradient
/// `grad [batch, c_out, h, w]`.
pub fn input_gradient(weight: &[f32], grad: &[f32], g: &Geometry) -> Vec<f32> {
    OutputGradient::new(grad, None, false, g).input_gradient(weight, g)
}

/// Gradient of the loss with respect to the weight, `[c_out, c_in, 3, 3]`.
pub fn weight_gradient(x: &[f32], grad: &[f32], g: &Geometry) -> Vec<f32> {
    OutputGradient::new(grad, None, false, g).weight_gradient(x, g)
}

/// [`weight_gradient`] from the padded output gradient: register tiles over the channel-last
/// input ([`WeightTiles`]) where they apply, else nine matrix products per block (faer).
fn weight_gradient_of_padded(x: &[f32], gp: &Padded, g: &Geometry) -> Vec<f32> {
    check_len("conv3x3", "input", x.len(), g.input_len());
    let (c_in, c_out, h, w) = (g.c_in, g.c_out, g.height, g.width);
    let (pw, plane) = (g.padded_width(), g.plane());
    let blocks = g.blocks(WEIGHT_BLOCK_COLUMNS);
    let items: Vec<(usize, usize, usize)> = (0..g.batch)
        .flat_map(|i| blocks.iter().map(move |&(start, cols)| (i, start, cols)))
        .collect();
    let tiled = Isa::Best.dispatch(Handles { c_in }) == Some(true);
    let source = if tiled {
        let hw = h * w;
        Input::ChannelLast(
            (0..g.batch)
                .into_par_iter()
                .map(|i| {
                    let x = &x[i * c_in * hw..][..c_in * hw];
                    let op = ChannelLast {
                        x,
                        c_in,
                        height: h,
                        width: w,
                    };
                    Isa::Best
                        .dispatch(op)
                        .expect("the best instruction set is always there")
                })
                .collect(),
        )
    } else {
        Input::Padded(Padded::new(x, g, c_in))
    };
    // One partial [9][c_out][c_in] per block, summed in block order below.
    let partials: Vec<Vec<f32>> = items
        .into_par_iter()
        .map(|(i, start, cols)| {
            let mut partial = vec![0.0f32; 9 * c_out * c_in];
            let grad_image = gp.image(i);
            match &source {
                Input::ChannelLast(images) => {
                    Isa::Best.dispatch(WeightTiles {
                        input: &images[i],
                        grad: grad_image,
                        partial: &mut partial,
                        block: Block {
                            start,
                            columns: cols,
                            c_in,
                            c_out,
                            padded_width: pw,
                            plane,
                        },
                    });
                }
                Input::Padded(xp) => {
                    // The output gradient on the extended grid: row y of the padded plane,
                    // from column 1.
                    let lhs = MatRef::from_row_major_slice_with_stride(
                        &grad_image[pw + 1 + start..],
                        c_out,
                        cols,
                        plane,
                    );
                    for (k, dst) in partial.chunks_exact_mut(c_out * c_in).enumerate() {
                        let rhs = MatRef::from_column_major_slice_with_stride(
                            &xp.image(i)[tap_offset(k, pw) + start..],
                            cols,
                            c_in,
                            plane,
                        );
                        let dst = MatMut::from_row_major_slice_mut(dst, c_out, c_in);
                        matmul(dst, Accum::Replace, lhs, rhs, 1.0f32, Par::Seq);
                    }
                }
            }
            partial
        })
        .collect();
    let mut sum = vec![0.0f32; 9 * c_out * c_in];
    for partial in &partials {
        for (s, p) in sum.iter_mut().zip(partial) {
            *s += p;
        }
    }
    weight_entries(c_out, c_in)
        .map(|(o, i, k, _)| sum[tap_index(o, i, k, c_out, c_in)])
        .collect()
}

/// The input as the weight gradient reads it.
enum Input {
    /// Channel-last padded images, for [`WeightTiles`].
    ChannelLast(Vec<Vec<f32>>),
    /// Zero-padded planes, for the matrix products.
    Padded(Padded),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{on_threads, values};

    /// A sum computed in f64 with the sum of the magnitudes of its terms and their count, so a
    /// f32 result can be held to the worst-case rounding bound of recursive summation,
    /// `count · ε · Σ|term|`.
    #[derive(Default)]
    struct Exact {
        sum: f64,
        magnitude: f64,
        terms: usize,
    }

    impl Exact {
        fn add(&mut self, a: f32, b: f32) {
            let t = a as f64 * b as f64;
            self.sum += t;
            self.magnitude += t.abs();
            self.terms += 1;
        }

        fn assert_close(&self, got: f32, what: &str) {
            let bound = (self.terms.max(1) as f64) * f32::EPSILON as f64 * self.magnitude + 1e-30;
            assert!(
                (got as f64 - self.sum).abs() <= bound,
                "{what}: got {got}, exact {}, bound {bound}",
                self.sum
            );
        }
    }

    /// `x[i][c][y + dy][x + dx]` of `channels`-channel images, zero outside the image.
    fn at(
        x: &[f32],
        g: &Geometry,
        channels: usize,
        (i, c, y, xx): Pixel,
        (dy, dx): (isize, isize),
    ) -> f32 {
        let (y, xx) = (y as isize + dy, xx as isize + dx);
        if y < 0 || xx < 0 || y >= g.height as isize || xx >= g.width as isize {
            return 0.0;
        }
        x[((i * channels + c) * g.height + y as usize) * g.width + xx as usize]
    }

    /// (image, channel, row, column).
    type Pixel = (usize, usize, usize, usize);

    /// Every pixel of `channels`-channel images of `g`, in memory order.
    fn pixels(g: &Geometry, channels: usize) -> impl Iterator<Item = Pixel> + '_ {
        (0..g.batch * channels * g.height * g.width).map(move |n| {
            let (xx, rest) = (n % g.width, n / g.width);
            let (y, rest) = (rest % g.height, rest / g.height);
            (rest / channels, rest % channels, y, xx)
        })
    }

    /// The shift of kernel tap `k` (`ky = k / 3`, `kx = k % 3`, centred).
    fn tap(k: usize) -> (isize, isize) {
        ((k / 3) as isize - 1, (k % 3) as isize - 1)
    }

    fn geometries() -> Vec<Geometry> {
        let g = |batch, c_in, c_out, height, width| Geometry {
            batch,
            c_in,
            c_out,
            height,
            width,
        };
        vec![
            g(2, 3, 4, 5, 6),
            g(1, 1, 1, 1, 1),
            g(3, 1, 5, 1, 7),
            g(2, 4, 1, 7, 1),
            g(1, 2, 3, 20, 300), // blocks of 6 rows: 6, 6, 6, 2
            g(2, 2, 2, 3, 1100), // one row per block
            g(2, 64, 11, 3, 9),  // weight tiles: 4 vectors of input channels; 6 + 4 + 1 outputs
            g(1, 32, 13, 2, 60), // weight tiles: 2 vectors; 12 + 1 outputs; two column chunks
            // Winograd (≥ 64 channels on both sides; the input gradient too): odd width (a last
            // tile column half outside), 9 tile rows in blocks of 2.
            g(2, 64, 72, 18, 17),
            // Winograd: odd height, c_out not a multiple of the tiles' 8 channels.
            g(1, 64, 65, 5, 3),
        ]
    }

    #[test]
    fn forward_matches_the_definition_on_every_instruction_set() {
        for isa in Isa::runnable() {
            for (n, g) in geometries().into_iter().enumerate() {
                let x = values(g.input_len(), 1 + n as u64);
                let w = values(g.weight_len(), 100 + n as u64);
                let b = values(g.c_out, 200 + n as u64);
                let xp = Padded::new(&x, &g, g.c_in);
                let out = convolve(&xp, &taps(&w, g.c_out, g.c_in), Some(&b), false, &g, isa);
                assert!(
                    isa != Isa::Best || out == forward(&x, &w, Some(&b), &g),
                    "{isa:?}: forward differs from the kernel it runs"
                );
                assert_forward(&g, &x, &w, &b, &out, isa);
            }
        }
    }

    /// `out` is the forward pass of `x` through weight `w` and bias `b`, within rounding.
    fn assert_forward(g: &Geometry, x: &[f32], w: &[f32], b: &[f32], out: &[f32], isa: Isa) {
        assert_eq!(out.len(), g.output_len());
        // out[i][o][y][x] = b[o] + Σ_{c,k} w[o][c][k] · x[i][c][y + ky − 1][x + kx − 1]
        for ((i, o, y, xx), got) in pixels(g, g.c_out).zip(out) {
            let mut e = Exact::default();
            e.add(b[o], 1.0);
            for c in 0..g.c_in {
                for k in 0..9 {
                    e.add(
                        w[(o * g.c_in + c) * 9 + k],
                        at(x, g, g.c_in, (i, c, y, xx), tap(k)),
                    );
                }
            }
            e.assert_close(*got, &format!("{isa:?} {g:?} output {i},{o},{y},{xx}"));
        }
    }

    #[test]
    fn inference_equals_the_layers_one_by_one() {
        // Channel counts 2 → 3 → 3 → 3 → 1: the third hidden layer reuses the first's buffer;
        // 2 → 64 → 65 → 64 → 1 the same with the middle layers by Winograd.
        for channels in [[3, 3, 3, 1], [64, 65, 64, 1]] {
            inference_equals_the_layers_one_by_one_for(channels);
        }
    }

    fn inference_equals_the_layers_one_by_one_for(channels: [usize; 4]) {
        for (n, g) in geometries().into_iter().enumerate() {
            let g = Geometry { c_in: 2, ..g };
            let x = values(g.input_len(), 1000 + n as u64);
            let mut c_in = g.c_in;
            let params: Vec<(Vec<f32>, Vec<f32>)> = channels
                .iter()
                .enumerate()
                .map(|(l, &c_out)| {
                    let seed = 2000 + 10 * n as u64 + l as u64;
                    let weight = values(c_out * c_in * 9, seed);
                    c_in = c_out;
                    (weight, values(c_out, seed + 500))
                })
                .collect();
            let layers: Vec<Layer<'_>> = params
                .iter()
                .zip(channels)
                .enumerate()
                .map(|(l, ((weight, bias), c_out))| Layer {
                    weight,
                    bias,
                    c_out,
                    relu: l % 2 == 0,
                })
                .collect();
            let mut expected = x.clone();
            let mut step = g;
            for layer in &layers {
                step.c_out = layer.c_out;
                expected =
                    forward_activated(&expected, layer.weight, Some(layer.bias), layer.relu, &step);
                step.c_in = layer.c_out;
            }
            let got = inference(&x, &layers, &g);
            assert!(got == expected, "{g:?}: the chain differs from its layers");
        }
    }

    #[test]
    fn input_gradient_matches_the_definition() {
        for (n, g) in geometries().into_iter().enumerate() {
            let w = values(g.weight_len(), 300 + n as u64);
            let dy = values(g.output_len(), 400 + n as u64);
            let dx = input_gradient(&w, &dy, &g);
            assert_eq!(dx.len(), g.input_len());
            // dx[i][c][y][x] = Σ_{o,k} dy[i][o][y + 1 − ky][x + 1 − kx] · w[o][c][k]
            for ((i, c, y, xx), got) in pixels(&g, g.c_in).zip(&dx) {
                let mut e = Exact::default();
                for o in 0..g.c_out {
                    for k in 0..9 {
                        let (ty, tx) = tap(k);
                        let v = at(&dy, &g, g.c_out, (i, o, y, xx), (-ty, -tx));
                        e.add(w[(o * g.c_in + c) * 9 + k], v);
                    }
                }
                e.assert_close(*got, &format!("{g:?} input gradient {i},{c},{y},{xx}"));
            }
        }
    }

    #[test]
    fn weight_and_bias_gradients_match_the_definition() {
        for (n, g) in geometries().into_iter().enumerate() {
            let x = values(g.input_len(), 500 + n as u64);
            let dy = values(g.output_len(), 600 + n as u64);
            let grad = OutputGradient::new(&dy, None, true, &g);
            let db = grad.bias_gradient().expect("asked for").to_vec();
            let dw = grad.weight_gradient(&x, &g);
            assert_eq!((dw.len(), db.len()), (g.weight_len(), g.c_out));
            // dw[o][c][k] = Σ_{i,y,x} dy[i][o][y][x] · x[i][c][y + ky − 1][x + kx − 1];
            // db[o] = Σ_{i,y,x} dy[i][o][y][x]
            let mut exact: Vec<Exact> = (0..g.weight_len()).map(|_| Exact::default()).collect();
            let mut bias: Vec<Exact> = (0..g.c_out).map(|_| Exact::default()).collect();
            for ((i, o, y, xx), d) in pixels(&g, g.c_out).zip(&dy) {
                bias[o].add(*d, 1.0);
                for c in 0..g.c_in {
                    for k in 0..9 {
                        let v = at(&x, &g, g.c_in, (i, c, y, xx), tap(k));
                        exact[(o * g.c_in + c) * 9 + k].add(*d, v);
                    }
                }
            }
            for (index, (e, got)) in exact.iter().zip(&dw).enumerate() {
                e.assert_close(*got, &format!("{g:?} weight gradient {index}"));
            }
            for (o, (e, got)) in bias.iter().zip(&db).enumerate() {
                e.assert_close(*got, &format!("{g:?} bias gradient {o}"));
            }
        }
    }

    #[test]
    fn a_fused_relu_zeroes_the_gradient_where_its_output_is_zero() {
        for (n, g) in geometries().into_iter().enumerate() {
            let x = values(g.input_len(), 700 + n as u64);
            let w = values(g.weight_len(), 800 + n as u64);
            let dy = values(g.output_len(), 900 + n as u64);
            // A ReLU output: zero at about half the positions, positive elsewhere.
            let relu_output: Vec<f32> = values(g.output_len(), 1000 + n as u64)
                .iter()
                .map(|v| v.max(0.0))
                .collect();
            assert!(relu_output.contains(&0.0) || g.output_len() < 4);
            let masked: Vec<f32> = dy
                .iter()
                .zip(&relu_output)
                .map(|(&d, &o)| if o > 0.0 { d } else { 0.0 })
                .collect();
            let fused = OutputGradient::new(&dy, Some(&relu_output), true, &g);
            let plain = OutputGradient::new(&masked, None, true, &g);
            assert!(
                fused.input_gradient(&w, &g) == plain.input_gradient(&w, &g),
                "{g:?}: input gradient"
            );
            assert!(
                fused.weight_gradient(&x, &g) == plain.weight_gradient(&x, &g),
                "{g:?}: weight gradient"
            );
            assert!(
                fused.bias_gradient() == plain.bias_gradient(),
                "{g:?}: bias gradient"
            );
            // Written into a used buffer: every value is overwritten.
            let mut out = vec![f32::NAN; g.input_len()];
            fused.input_gradient_into(&w, &g, &mut out);
            assert!(
                out == fused.input_gradient(&w, &g),
                "{g:?}: written in place"
            );
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let direct = Geometry {
            batch: 3,
            c_in: 4,
            c_out: 5,
            height: 11,
            width: 700,
        };
        // Winograd, several blocks per image.
        let winograd = Geometry {
            batch: 3,
            c_in: 64,
            c_out: 64,
            height: 20,
            width: 30,
        };
        for g in [direct, winograd] {
            results_do_not_depend_on_the_thread_count_for(g);
        }
    }

    fn results_do_not_depend_on_the_thread_count_for(g: Geometry) {
        let x = values(g.input_len(), 7);
        let w = values(g.weight_len(), 8);
        let dy = values(g.output_len(), 9);
        let run = |threads: usize| {
            on_threads(threads, || {
                (
                    forward(&x, &w, None, &g),
                    input_gradient(&w, &dy, &g),
                    weight_gradient(&x, &dy, &g),
                )
            })
        };
        let one = run(1);
        for threads in [2, 3] {
            let other = run(threads);
            assert!(
                one.0 == other.0 && one.1 == other.1 && one.2 == other.2,
                "{threads} threads differ from 1"
            );
        }
    }
}
