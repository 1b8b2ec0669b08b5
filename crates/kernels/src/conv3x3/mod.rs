//! A fast 3×3 "same" convolution for burn's `flex` CPU backend, with its own backward pass.
//!
//! flex's stock `conv2d` computes the weight gradient as a convolution whose output is 3×3
//! (narrow matrix products) and the input gradient with a direct loop; together they cost about
//! four times the forward pass. Here all three (forward, input gradient, weight gradient) are
//! register-tiled SIMD loops over a zero-padded input ([`kernel`]: `layout.rs`, `direct.rs`,
//! `chain.rs`, `backward.rs`); on layers with 64 channels or more on both sides (32 or more
//! under AVX2), on images at least 32 pixels wide (24 under AVX2), the forward pass and the input
//! gradient run as Winograd F(4×4, 3×3) (4× fewer multiply-adds, `winograd`), and under AVX2 the
//! weight gradient as F(2×2, 3×3) (`winograd_weights`). They are registered with burn as a
//! backend extension ([`Conv3x3Ops`]) for flex and for autodiff over flex, whose backward step
//! ([`Conv3x3Gradients`], with the fused ReLU's) runs on flex; [`inference`] runs a whole chain
//! of layers in one call.
//!
//! [`forward`] is what the models call: it takes this path for a 3×3, stride-1, padding-1,
//! ungrouped f32 convolution on a flex device, and burn's own `Conv2d::forward` everywhere else
//! (wgpu, ndarray, other shapes), so other backends compute exactly what they did before.

mod autodiff;
mod backward;
mod chain;
mod direct;
mod flex;
#[cfg(test)]
mod kernel_tests;
mod layout;
mod micro;
mod narrow_weights;
pub(crate) use micro::best as with_best_simd;
pub use micro::{SIMD_VAR, isa_name};
mod weight_tiles;
mod winograd;
mod winograd_filters;
#[cfg(test)]
mod winograd_tests;
mod winograd_weights;

/// The host kernels on plain f32 buffers, without burn (for benchmarks and tests): the direct
/// forward pass (`direct.rs`), inference through a chain of layers (`chain.rs`), and the backward
/// step (`backward.rs`), with the sizes of a convolution (`layout.rs`).
pub mod kernel {
    pub use super::backward::{OutputGradient, input_gradient, weight_gradient};
    pub use super::chain::{Layer, inference};
    pub use super::direct::{forward, forward_activated};
    pub use super::layout::Geometry;
}

use burn::backend::{backend_extension, tensor::FloatTensor};
use burn::nn::BatchNorm;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::{Tensor, TensorData};

use crate::fast_path;

/// The 3×3 "same" convolution as a burn backend operation (implemented for flex and for
/// autodiff over flex).
#[backend_extension(Flex, Autodiff)]
pub trait Conv3x3Ops: burn::backend::Backend {
    /// Convolution of `x [batch, c_in, h, w]` with `weight [c_out, c_in, 3, 3]`, stride 1,
    /// zero padding 1, plus `bias [c_out]`: `[batch, c_out, h, w]`.
    fn conv3x3(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// [`Conv3x3Ops::conv3x3`] followed by ReLU in the same pass.
    fn conv3x3_relu(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self>;
}

/// The backward step of [`Conv3x3Ops`] on the backend that runs the forward pass, called by
/// the autodiff wrapper (never dispatched, so not part of the extension).
pub trait Conv3x3Gradients: burn::backend::Backend {
    /// The gradients `wanted` (with respect to `x`, `weight`, `bias`; `None` for the others)
    /// of [`Conv3x3Ops::conv3x3`], given the gradient of its output; or of
    /// [`Conv3x3Ops::conv3x3_relu`] when `relu_output` (that ReLU's output) is given, in which
    /// case `output_grad` is the gradient of the ReLU's output.
    #[allow(clippy::type_complexity)]
    fn conv3x3_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        relu_output: Option<FloatTensor<Self>>,
        wanted: Wanted,
    ) -> (
        Option<FloatTensor<Self>>,
        Option<FloatTensor<Self>>,
        Option<FloatTensor<Self>>,
    );
}

/// Which gradients a backward step computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wanted {
    /// With respect to the input.
    pub input: bool,
    /// With respect to the weight.
    pub weight: bool,
    /// With respect to the bias.
    pub bias: bool,
}

/// Whether `conv` is a 3×3 convolution with stride 1, dilation 1, one group and padding 1 on
/// every side: the only kind the fast path computes.
pub fn is_same_3x3(conv: &Conv2d) -> bool {
    let padding_one = matches!(
        conv.padding,
        PaddingConfig2d::Explicit(1, 1, 1, 1) | PaddingConfig2d::Same
    );
    conv.kernel_size == [3, 3]
        && conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && padding_one
}

/// Applies `conv` to `x`: through the fast path when `x` is an f32 tensor on a flex device and
/// `conv` is a "same" 3×3 convolution ([`is_same_3x3`]) (see [`fast_path`]), else through
/// `Conv2d::forward`.
///
/// # Shapes
/// - `x`: `[batch, c_in, height, width]`
/// - output: `[batch, c_out, height, width]`
pub fn forward(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    if !(is_same_3x3(conv) && fast_path::applies_to(&x)) {
        return conv.forward(x);
    }
    let (weight, bias) = weight_and_bias(conv, &x);
    dispatch(x, weight, bias, false)
}

/// `ReLU(conv(x))`: in one pass, with one backward step, when [`forward`] would take the fast
/// path; else `Conv2d::forward` and burn's ReLU.
///
/// # Shapes
/// - `x`: `[batch, c_in, height, width]`
/// - output: `[batch, c_out, height, width]`
pub fn forward_relu(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    if !(is_same_3x3(conv) && fast_path::applies_to(&x)) {
        return burn::tensor::activation::relu(conv.forward(x));
    }
    let (weight, bias) = weight_and_bias(conv, &x);
    dispatch(x, weight, bias, true)
}

/// Runs [`Conv3x3Ops::conv3x3`], or [`Conv3x3Ops::conv3x3_relu`] when `relu`, on `x`'s backend.
fn dispatch(x: Tensor<4>, weight: Tensor<4>, bias: Tensor<1>, relu: bool) -> Tensor<4> {
    let op = if relu {
        <burn::backend::Dispatch as Conv3x3Ops>::conv3x3_relu
    } else {
        <burn::backend::Dispatch as Conv3x3Ops>::conv3x3
    };
    Tensor::from_dispatch(op(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
    ))
}

/// The weight of `conv` and its bias (zeros when it has none).
fn weight_and_bias(conv: &Conv2d, x: &Tensor<4>) -> (Tensor<4>, Tensor<1>) {
    let weight = conv.weight.val();
    let bias = match &conv.bias {
        Some(bias) => bias.val(),
        None => Tensor::zeros([weight.dims()[0]], &x.device()),
    };
    (weight, bias)
}

/// One layer of [`inference`]: a convolution, the eval-mode batch norm after it (if any), and
/// whether ReLU follows.
pub struct InferenceLayer<'a> {
    /// The convolution.
    pub conv: &'a Conv2d,
    /// Batch norm after the convolution, applied with its running statistics.
    pub norm: Option<&'a BatchNorm>,
    /// Whether ReLU follows.
    pub relu: bool,
}

/// Inference through a chain of layers in one call of [`kernel::inference`]: each layer
/// (convolution, eval-mode batch norm folded into its weights, ReLU) is one pass that writes
/// straight into the next layer's padded input. Batch norm is folded as `w' = w·γ/σ`,
/// `b' = (b − mean)·γ/σ + β`, with `σ = √(running var + ε)`.
///
/// Returns `None` where this does not apply (not f32 on flex, an autodiff device, a layer that
/// is not a "same" 3×3 convolution, or channel counts that do not chain); the caller then runs
/// the layers one by one.
///
/// # Shapes
/// - `x`: `[batch, c_in, height, width]`
/// - output: `[batch, c_out of the last layer, height, width]`
pub fn inference(layers: &[InferenceLayer<'_>], x: &Tensor<4>) -> Option<Tensor<4>> {
    if x.device().is_autodiff() || !fast_path::applies_to(x) {
        return None;
    }
    let [batch, c_in, height, width] = x.dims();
    let device = x.device();
    let mut channels = c_in;
    let host = |data: TensorData| data.try_into_vec::<f32>().ok();
    let mut params = Vec::with_capacity(layers.len());
    for layer in layers {
        let [c_out, layer_in, ..] = layer.conv.weight.dims();
        if !is_same_3x3(layer.conv) || layer_in != channels {
            return None;
        }
        let (weight, bias) = folded_weight_and_bias(layer.conv, layer.norm, x);
        params.push((host(weight.into_data())?, host(bias.into_data())?, c_out));
        channels = c_out;
    }
    let chain: Vec<kernel::Layer<'_>> = params
        .iter()
        .zip(layers)
        .map(|((weight, bias, c_out), layer)| kernel::Layer {
            weight,
            bias,
            c_out: *c_out,
            relu: layer.relu,
        })
        .collect();
    let g = kernel::Geometry {
        batch,
        c_in,
        c_out: channels,
        height,
        width,
    };
    let input = host(x.clone().into_data())?;
    let out = kernel::inference(&input, &chain, &g);
    let data = TensorData::new(out, [batch, channels, height, width]);
    Some(Tensor::from_data(data, &device))
}

/// The weight and bias of `conv` with the eval-mode batch norm `norm` (if any) folded in.
fn folded_weight_and_bias(
    conv: &Conv2d,
    norm: Option<&BatchNorm>,
    x: &Tensor<4>,
) -> (Tensor<4>, Tensor<1>) {
    let device = x.device();
    let (mut weight, mut bias) = weight_and_bias(conv, x);
    let c_out = weight.dims()[0];
    if let Some(norm) = norm {
        let std = norm
            .running_var
            .value()
            .to_device(&device)
            .add_scalar(norm.epsilon)
            .sqrt();
        let scale = norm.gamma.val().div(std);
        let mean = norm.running_mean.value().to_device(&device);
        bias = bias.sub(mean).mul(scale.clone()).add(norm.beta.val());
        weight = weight.mul(scale.reshape([c_out, 1, 1, 1]));
    }
    (weight, bias)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{conv3x3, relative_difference, to_vec, values as data};
    use burn::tensor::{Device, TensorData};

    /// Output and gradients (input, weight, bias) of `Σ r ⊙ conv(x)` through `apply`.
    fn run(
        bias: bool,
        shape: [usize; 4],
        c_out: usize,
        apply: impl Fn(&Conv2d, Tensor<4>) -> Tensor<4>,
    ) -> Vec<Vec<f32>> {
        let device = Device::flex().autodiff();
        let mut conv = conv3x3(shape[1], c_out, bias, 3, &device);
        if let Some(b) = &conv.bias {
            let values = data(c_out, 4);
            conv.bias = Some(b.clone().map(|_| {
                Tensor::from_data(TensorData::new(values.clone(), [c_out]), &device).require_grad()
            }));
        }
        let n: usize = shape.iter().product();
        let x = Tensor::<4>::from_data(TensorData::new(data(n, 1), shape), &device).require_grad();
        assert!(
            fast_path::applies_to(&x),
            "the test must exercise the fast path"
        );
        let y = apply(&conv, x.clone());
        let out_shape = [shape[0], c_out, shape[2], shape[3]];
        let r = Tensor::<4>::from_data(
            TensorData::new(data(out_shape.iter().product(), 2), out_shape),
            &device,
        );
        let grads = (y.clone() * r).sum().backward();
        let mut result = vec![
            to_vec(y),
            to_vec(x.grad(&grads).unwrap()),
            to_vec(conv.weight.grad(&grads).unwrap()),
        ];
        if let Some(b) = &conv.bias {
            result.push(to_vec(b.grad(&grads).unwrap()));
        }
        result
    }

    #[test]
    fn matches_burns_convolution_and_its_gradients() {
        for (bias, shape, c_out) in [
            (true, [2, 3, 5, 7], 4),
            (false, [1, 4, 9, 3], 2),
            (true, [3, 1, 6, 6], 5),
            // As many outputs as inputs: the input gradient is written over the output
            // gradient's buffer.
            (true, [2, 4, 5, 6], 4),
            (false, [1, 3, 4, 4], 3),
        ] {
            for relu in [false, true] {
                let (fast, stock) = if relu {
                    (
                        run(bias, shape, c_out, forward_relu),
                        run(bias, shape, c_out, |conv, x| {
                            burn::tensor::activation::relu(conv.forward(x))
                        }),
                    )
                } else {
                    (
                        run(bias, shape, c_out, forward),
                        run(bias, shape, c_out, |conv, x| conv.forward(x)),
                    )
                };
                compare(
                    &fast,
                    &stock,
                    &format!("relu {relu}, bias {bias}, {shape:?} → {c_out}"),
                );
            }
        }
    }

    /// Output and gradients of the fast path against burn's, one by one.
    fn compare(fast: &[Vec<f32>], stock: &[Vec<f32>], case: &str) {
        assert_eq!(fast.len(), stock.len());
        let names = [
            "output",
            "input gradient",
            "weight gradient",
            "bias gradient",
        ];
        for (what, (a, b)) in names.iter().zip(fast.iter().zip(stock)) {
            // Sums of at most 9·c_in·batch·h·w ≤ 1500 f32 terms: rounding stays below 1e-4 of
            // the scale; a wrong index or tap is off by order 1.
            let d = relative_difference(a, b);
            assert!(d <= 1e-4, "{what} ({case}): {d}");
        }
    }

    #[test]
    fn other_convolutions_are_left_to_burn() {
        let device = Device::flex();
        let mut conv = conv3x3(2, 2, true, 1, &device);
        assert!(is_same_3x3(&conv));
        conv.stride = [2, 2];
        assert!(!is_same_3x3(&conv));
        let x = Tensor::<4>::from_data(TensorData::new(data(2 * 36, 5), [1, 2, 6, 6]), &device);
        assert_eq!(forward(&conv, x.clone()).dims(), [1, 2, 3, 3]);
        assert_eq!(to_vec(forward(&conv, x.clone())), to_vec(conv.forward(x)));
    }
}
