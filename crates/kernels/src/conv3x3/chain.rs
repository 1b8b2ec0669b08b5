//! Inference through a whole chain of 3×3 convolutions in one call: each layer (its bias, then
//! ReLU where asked) writes straight into the next layer's zero-padded input.

use super::direct::{convolve, convolve_padded};
use super::layout::{Geometry, Padded, taps};
use super::micro::Isa;
use crate::fast_path::check_len;

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
/// those of [`forward_activated`](super::direct::forward_activated) layer after layer (the same products in the same order).
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
    pub(super) fn taps(&self, g: &mut Geometry) -> Vec<f32> {
        g.c_out = self.c_out;
        check_len("conv3x3", "weight", self.weight.len(), g.weight_len());
        check_len("conv3x3", "bias", self.bias.len(), g.c_out);
        taps(self.weight, g.c_out, g.c_in)
    }
}
