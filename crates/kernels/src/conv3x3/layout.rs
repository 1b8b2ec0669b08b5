//! How the 3×3 convolution lays out its data: the sizes of one convolution ([`Geometry`]), the
//! zero-padded copies of its images ([`Padded`]), the tap matrices of its weight, and the split of
//! the output into work items of whole rows ([`row_blocks`], [`padded_row_blocks`]) that the
//! direct and the Winograd paths share.

use rayon::prelude::*;

use super::micro::TAIL;

/// About how many extended-output columns one work item covers (whole rows are kept together):
/// small enough that the item's output block (`c_out × columns`, 512 KiB at 64 channels) and the
/// input rows it reads stay in a core's L2 cache across the nine taps. Each block also reads the
/// two padded rows below its own (the taps' reach), so blocks of few rows re-read more: on
/// 256 × 256 images, 7-row blocks (2048) ran about 25 % faster than 3-row ones (1024).
pub(super) const BLOCK_COLUMNS: usize = 2048;

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
    pub(super) fn transposed(&self) -> Geometry {
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
    pub(super) fn convolution_columns(&self) -> usize {
        let per_image = (2 * rayon::current_num_threads()).div_ceil(self.batch.max(1));
        let rows = self.height.div_ceil(per_image).max(1);
        BLOCK_COLUMNS.min(rows * self.padded_width())
    }

    /// Image rows per work item of about `columns` extended-output columns.
    pub(super) fn rows_per_block(&self, columns: usize) -> usize {
        (columns / self.padded_width()).max(1)
    }

    /// The blocks of rows of one image, as `(first column, columns)` of the extended output.
    pub(super) fn blocks(&self, columns: usize) -> Vec<(usize, usize)> {
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
    pub(super) fn image_len(g: &Geometry, channels: usize) -> usize {
        channels * g.plane() + TAIL
    }

    pub(super) fn new(x: &[f32], g: &Geometry, channels: usize) -> Padded {
        Padded::build(x, None, g, channels, false).0
    }

    /// The padded copy of `x`, each value replaced by zero where `mask` (same layout as `x`)
    /// is not positive when a mask is given (the backward step of a ReLU whose output is
    /// `mask`), and, when `sums`, each plane's sum (`[batch][channels]`, in [`LANES`]
    /// interleaved partial sums added in a fixed order; empty otherwise), all in one pass.
    pub(super) fn build(
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
    pub(super) fn zeros(g: &Geometry, channels: usize) -> Padded {
        let len = Padded::image_len(g, channels);
        Padded {
            images: (0..g.batch).map(|_| vec![0.0; len]).collect(),
        }
    }

    /// Whether these are `channels`-channel images of `g`'s size.
    pub(super) fn fits(&self, g: &Geometry, channels: usize) -> bool {
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
pub(super) const LANES: usize = 16;

/// Adds `values` into `LANES` interleaved partial sums, value `j` into lane `j % LANES`.
pub(super) fn add_lanes(lanes: &mut [f32; LANES], values: &[f32]) {
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
pub(super) fn tap_offset(k: usize, pw: usize) -> usize {
    (k / 3) * pw + k % 3
}

/// Every entry of a weight `[c_out, c_in, 3, 3]` in memory order: (output channel, input channel,
/// tap `k = 3·ky + kx`, index).
pub(super) fn weight_entries(
    c_out: usize,
    c_in: usize,
) -> impl Iterator<Item = (usize, usize, usize, usize)> {
    (0..c_out * c_in * 9).map(move |n| (n / (9 * c_in), n / 9 % c_in, n % 9, n))
}

/// Where entry (o, i, k) of a weight sits among nine tap matrices `[9][c_out][c_in]`.
pub(super) fn tap_index(o: usize, i: usize, k: usize, c_out: usize, c_in: usize) -> usize {
    (k * c_out + o) * c_in + i
}

/// Rearranges a weight `[c_out, c_in, 3, 3]` into nine tap matrices `[9][c_out][c_in]`.
pub(super) fn taps(weight: &[f32], c_out: usize, c_in: usize) -> Vec<f32> {
    let mut taps = vec![0.0f32; weight.len()];
    for (o, i, k, n) in weight_entries(c_out, c_in) {
        taps[tap_index(o, i, k, c_out, c_in)] = weight[n];
    }
    taps
}

/// The taps of the input gradient: `[9][c_in][c_out]`, tap `k` holding `weight[.., .., 8 − k]`
/// transposed (the kernel flipped in both directions).
pub(super) fn flipped_transposed_taps(weight: &[f32], c_out: usize, c_in: usize) -> Vec<f32> {
    let mut taps = vec![0.0f32; weight.len()];
    for (o, i, k, n) in weight_entries(c_out, c_in) {
        taps[tap_index(i, o, 8 - k, c_in, c_out)] = weight[n];
    }
    taps
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
