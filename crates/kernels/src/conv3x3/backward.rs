//! The backward step of the 3×3 convolution on the host: the output gradient prepared once
//! ([`OutputGradient`]: masked by the fused ReLU, padded, summed for the bias), the input gradient
//! (the convolution with the flipped, transposed kernel, direct or Winograd) and the weight
//! gradient (under AVX2, Winograd's where the forward pass takes it: `winograd_weights`; else
//! register tiles over a channel-last copy of the input when the input channels are a multiple
//! of 32, tiles over output channels for at most four input channels, nine faer matrix products
//! per block otherwise). The weight gradient's blocks are fixed and summed in block order:
//! bit-identical results on any number of threads; the two kinds of tiles give the same sums on
//! AVX2 and AVX-512.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

use super::direct::convolve_into;
use super::layout::{
    Geometry, Padded, flipped_transposed_taps, tap_index, tap_offset, weight_entries,
};
use super::micro::{Block, Isa};
use super::narrow_weights::{self, NarrowWeights, grad_channel_last};
use super::weight_tiles::{ChannelLast, Handles, WeightTiles};
use super::{winograd, winograd_weights};
use crate::fast_path::check_len;

/// The same for the weight gradient, whose output is only `c_out × c_in` per tap: longer blocks
/// make longer inner products and fewer partial sums.
pub(super) const WEIGHT_BLOCK_COLUMNS: usize = 4096;

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
        weight_gradient_of_padded(x, &self.padded, g, Isa::Best)
    }

    /// [`OutputGradient::weight_gradient`] with the instruction set `isa` (tests run each).
    #[cfg(test)]
    pub(super) fn weight_gradient_on(&self, isa: Isa, x: &[f32], g: &Geometry) -> Vec<f32> {
        weight_gradient_of_padded(x, &self.padded, g, isa)
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

/// [`weight_gradient`] from the padded output gradient: Winograd's F(2×2, 3×3) where
/// `winograd::applies_to_weights` (with [`Isa::Best`] only), else register tiles over the
/// channel-last input ([`WeightTiles`]) or over output channels ([`NarrowWeights`]) where they
/// apply on `isa`, else nine matrix products per block (faer).
pub(super) fn weight_gradient_of_padded(
    x: &[f32],
    gp: &Padded,
    g: &Geometry,
    isa: Isa,
) -> Vec<f32> {
    check_len("conv3x3", "input", x.len(), g.input_len());
    let (c_in, c_out) = (g.c_in, g.c_out);
    let sum = if isa == Isa::Best && winograd::applies_to_weights(g) {
        winograd_weights::weight_gradient(&Padded::new(x, g, c_in), gp, g)
    } else {
        direct_tap_sums(x, gp, g, isa)
    };
    weight_entries(c_out, c_in)
        .map(|(o, i, k, _)| sum[tap_index(o, i, k, c_out, c_in)])
        .collect()
}

/// The direct weight gradient as `[9][c_out][c_in]` sums: the tiles or faer's products of
/// [`weight_gradient_of_padded`], per block, summed in block order.
fn direct_tap_sums(x: &[f32], gp: &Padded, g: &Geometry, isa: Isa) -> Vec<f32> {
    let (c_in, c_out, h, w) = (g.c_in, g.c_out, g.height, g.width);
    let (pw, plane) = (g.padded_width(), g.plane());
    let blocks = g.blocks(WEIGHT_BLOCK_COLUMNS);
    let items: Vec<(usize, usize, usize)> = (0..g.batch)
        .flat_map(|i| blocks.iter().map(move |&(start, cols)| (i, start, cols)))
        .collect();
    let tiled = isa.dispatch(Handles { c_in }) == Some(true);
    let narrow = !tiled && isa.dispatch(narrow_weights::Handles { c_in }) == Some(true);
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
                    isa.dispatch(op)
                        .expect("the instruction set was there for Handles")
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
            let block = Block {
                start,
                columns: cols,
                c_in,
                c_out,
                padded_width: pw,
                plane,
            };
            match &source {
                Input::ChannelLast(images) => {
                    isa.dispatch(WeightTiles {
                        input: &images[i],
                        grad: grad_image,
                        partial: &mut partial,
                        block,
                    });
                }
                Input::Padded(xp) if narrow => {
                    let padded = c_out.div_ceil(narrow_weights::PAD) * narrow_weights::PAD;
                    let mut by_input = vec![0.0f32; 9 * c_in * padded];
                    isa.dispatch(NarrowWeights {
                        image: xp.image(i),
                        grad: &grad_channel_last(grad_image, c_out, &block),
                        partial: &mut by_input,
                        block,
                    });
                    for k in 0..9 {
                        for c in 0..c_in {
                            for o in 0..c_out {
                                partial[tap_index(o, c, k, c_out, c_in)] =
                                    by_input[(k * c_in + c) * padded + o];
                            }
                        }
                    }
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
    sum_in_order(&partials, 9 * c_out * c_in)
}

/// The work items' partial sums (`len` values each) added in item order, so that the result does
/// not depend on which thread computed which item.
pub(super) fn sum_in_order(partials: &[Vec<f32>], len: usize) -> Vec<f32> {
    let mut sum = vec![0.0f32; len];
    for partial in partials {
        for (s, p) in sum.iter_mut().zip(partial) {
            *s += p;
        }
    }
    sum
}

/// The input as the weight gradient reads it.
pub(super) enum Input {
    /// Channel-last padded images, for [`WeightTiles`].
    ChannelLast(Vec<Vec<f32>>),
    /// Zero-padded planes, for the matrix products.
    Padded(Padded),
}
