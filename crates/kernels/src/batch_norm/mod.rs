//! Batch norm for burn's flex CPU backend in one pass per direction, with its own backward pass.
//!
//! burn's generic batch norm builds the statistics and the normalisation out of a dozen tensor
//! operations (transposed copies, reductions, broadcasts), each a pass over the activations; in
//! DnCNN training on flex that made batch norm cost about half as much as the convolutions.
//! Here the statistics, the normalisation and the backward pass are host kernels ([`kernel`])
//! registered with burn as a backend extension ([`BatchNormOps`]) for flex and autodiff over flex.
//!
//! [`forward`] is what the models call. It keeps the semantics of `burn::nn::BatchNorm::forward`:
//! in training (an autodiff device and the module's training flag on) it normalises with the
//! batch's statistics and updates the running averages exactly as burn does; otherwise it uses
//! the running statistics. Off flex (or on an autodiff device in eval mode) it calls burn's module.

mod autodiff;
mod flex;
pub mod kernel;

use burn::backend::{Dispatch, backend_extension, tensor::FloatTensor};
use burn::nn::BatchNorm;
use burn::tensor::Tensor;

use crate::fast_path;

/// Batch norm as burn backend operations (implemented for flex and for autodiff over flex).
#[backend_extension(Flex, Autodiff)]
pub trait BatchNormOps: burn::backend::Backend {
    /// Normalises `x [batch, channels, h, w]` with its own per-channel statistics and applies
    /// `γ`, `β`; returns the output, the batch mean and the biased batch variance (`[channels]`).
    fn bn_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);

    /// [`BatchNormOps::bn_train`] followed by ReLU in the same pass.
    fn bn_relu_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);

    /// Normalises `x` with given statistics (inference).
    fn bn_inference(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;
}

/// The backward step of [`BatchNormOps`] on the backend that runs the forward pass, called by
/// the autodiff wrapper (never dispatched, so not part of the extension).
pub trait BatchNormGradients: burn::backend::Backend {
    /// Gradients of [`BatchNormOps::bn_train`] with respect to `x`, `γ` and `β`; of
    /// [`BatchNormOps::bn_relu_train`] when `relu_output` (that ReLU's output) is given, in which
    /// case `output_grad` is the gradient of the ReLU's output.
    #[allow(clippy::too_many_arguments)]
    fn bn_train_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
        output_grad: FloatTensor<Self>,
        relu_output: Option<FloatTensor<Self>>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// Applies `norm` to `x` as `BatchNorm::forward` would, through the flex kernels when
/// [`fast_path::applies_to`] `x`.
///
/// # Shapes
/// - `x`: `[batch, channels, height, width]`
/// - output: the same
pub fn forward(norm: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    apply(norm, x, false)
}

/// `ReLU(norm(x))`: in training on flex one pass and one backward step, else [`forward`] and
/// burn's ReLU.
///
/// # Shapes
/// - `x`: `[batch, channels, height, width]`
/// - output: the same
pub fn forward_relu(norm: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    apply(norm, x, true)
}

/// [`forward`], followed by ReLU when `relu`.
fn apply(norm: &BatchNorm, x: Tensor<4>, relu: bool) -> Tensor<4> {
    let fast = fast_path::applies_to(&x);
    let device = x.device();
    if fast && device.is_autodiff() && norm.training.is_enabled() {
        return train(norm, x, relu);
    }
    let y = if fast && !device.is_autodiff() {
        Tensor::from_dispatch(<Dispatch as BatchNormOps>::bn_inference(
            x.into_dispatch(),
            norm.gamma.val().into_dispatch(),
            norm.beta.val().into_dispatch(),
            norm.running_mean.value().to_device(&device).into_dispatch(),
            norm.running_var.value().to_device(&device).into_dispatch(),
            norm.epsilon,
        ))
    } else {
        norm.forward(x)
    };
    if relu {
        burn::tensor::activation::relu(y)
    } else {
        y
    }
}

/// Training mode on flex: normalise with the batch's statistics (then ReLU when `relu`) and
/// update the running averages as burn's `BatchNorm::forward_train` does.
fn train(norm: &BatchNorm, x: Tensor<4>, relu: bool) -> Tensor<4> {
    let device = x.device();
    let run = if relu {
        <Dispatch as BatchNormOps>::bn_relu_train
    } else {
        <Dispatch as BatchNormOps>::bn_train
    };
    let (output, mean, variance) = run(
        x.into_dispatch(),
        norm.gamma.val().into_dispatch(),
        norm.beta.val().into_dispatch(),
        norm.epsilon,
    );
    let (mean, variance) = (
        Tensor::<1>::from_dispatch(mean),
        Tensor::<1>::from_dispatch(variance),
    );
    let m = norm.momentum;
    let running_mean = norm.running_mean.value_sync().to_device(&device);
    let running_var = norm.running_var.value_sync().to_device(&device);
    let running_mean = running_mean
        .mul_scalar(1.0 - m)
        .add(mean.detach().mul_scalar(m));
    let running_var = running_var
        .mul_scalar(1.0 - m)
        .add(variance.detach().mul_scalar(m));
    norm.running_mean.update(running_mean.detach());
    norm.running_var.update(running_var.detach());
    Tensor::from_dispatch(output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{relative_difference, to_vec, values};
    use burn::module::Module;
    use burn::nn::BatchNormConfig;
    use burn::tensor::{Device, TensorData};

    /// A batch norm with non-trivial γ, β and running statistics.
    fn norm(channels: usize, device: &Device) -> BatchNorm {
        let mut norm = BatchNormConfig::new(channels).init(device);
        let t = |seed, shift: f32| {
            let v: Vec<f32> = values(channels, seed).iter().map(|v| v + shift).collect();
            Tensor::<1>::from_data(TensorData::new(v, [channels]), device)
        };
        let param = |t: Tensor<1>| {
            if device.is_autodiff() {
                t.require_grad()
            } else {
                t
            }
        };
        norm.gamma = norm.gamma.map(|_| param(t(1, 1.0)));
        norm.beta = norm.beta.map(|_| param(t(2, 0.0)));
        norm.running_mean.update(t(3, 0.0));
        norm.running_var.update(t(4, 1.5));
        norm
    }

    /// Output, gradients (x, γ, β) and the running statistics after one training step.
    fn train(apply: impl Fn(&BatchNorm, Tensor<4>) -> Tensor<4>) -> Vec<Vec<f32>> {
        let device = Device::flex().autodiff();
        let shape = [3, 4, 5, 6];
        let norm = norm(shape[1], &device);
        let n = shape.iter().product();
        let x =
            Tensor::<4>::from_data(TensorData::new(values(n, 5), shape), &device).require_grad();
        assert!(fast_path::applies_to(&x));
        let r = Tensor::<4>::from_data(TensorData::new(values(n, 6), shape), &device);
        let y = apply(&norm, x.clone());
        let grads = (y.clone() * r).sum().backward();
        vec![
            to_vec(y),
            to_vec(x.grad(&grads).unwrap()),
            to_vec(norm.gamma.grad(&grads).unwrap()),
            to_vec(norm.beta.grad(&grads).unwrap()),
            to_vec(norm.running_mean.value_sync()),
            to_vec(norm.running_var.value_sync()),
        ]
    }

    #[test]
    fn training_matches_burns_batch_norm() {
        check_training(train(forward), train(|norm, x| norm.forward(x)));
    }

    #[test]
    fn training_with_fused_relu_matches_burns_batch_norm_and_relu() {
        check_training(
            train(forward_relu),
            train(|norm, x| burn::tensor::activation::relu(norm.forward(x))),
        );
    }

    fn check_training(fast: Vec<Vec<f32>>, stock: Vec<Vec<f32>>) {
        let names = [
            "output",
            "x grad",
            "γ grad",
            "β grad",
            "running mean",
            "running var",
        ];
        for (what, (a, b)) in names.iter().zip(fast.iter().zip(&stock)) {
            // Both compute in f32 from the same values; statistics here are summed in f64, so
            // the results differ by rounding only (≈1e-7 of the scale); a wrong formula by ≫1e-3.
            let d = relative_difference(a, b);
            assert!(d <= 1e-5, "{what}: {d}");
        }
    }

    #[test]
    fn inference_matches_burns_batch_norm() {
        let device = Device::flex();
        let norm = norm(4, &device).valid();
        let x =
            Tensor::<4>::from_data(TensorData::new(values(2 * 4 * 9, 7), [2, 4, 3, 3]), &device);
        let d = relative_difference(&to_vec(forward(&norm, x.clone())), &to_vec(norm.forward(x)));
        assert!(d <= 1e-6, "{d}");
    }
}
