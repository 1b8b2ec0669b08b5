//! [`BatchNormOps`] for burn's flex backend: the host kernels on flex's f32 buffers.

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::tensor::Shape;

use super::kernel::{self, Layout};
use super::{BatchNormGradients, BatchNormOps};
use crate::flex_buffers::{tensor, values, writable};

/// `[batch, channels, ...]` as batch, channels and elements per channel plane.
fn layout(shape: &Shape) -> Layout {
    assert!(
        shape.num_dims() >= 2,
        "batch norm needs [batch, channels, ...]"
    );
    Layout {
        batch: shape[0],
        channels: shape[1],
        pixels: shape.iter().skip(2).product(),
    }
}

/// A `[channels]` tensor.
fn channels(values: Vec<f32>) -> FlexTensor {
    let n = values.len();
    tensor(values, [n])
}

/// Training-mode batch norm, then ReLU if `relu`: output, batch mean, batch variance.
fn train(
    x: FloatTensor<Flex>,
    gamma: FloatTensor<Flex>,
    beta: FloatTensor<Flex>,
    epsilon: f64,
    relu: bool,
) -> (FloatTensor<Flex>, FloatTensor<Flex>, FloatTensor<Flex>) {
    let (shape, l) = (x.shape(), layout(&x.shape()));
    let x = values(&x);
    let (mean, variance) = kernel::statistics(&x, &l);
    let (gamma, beta) = (values(&gamma), values(&beta));
    let y = kernel::normalize_activated(&x, [&gamma, &beta, &mean, &variance], epsilon, relu, &l);
    (tensor(y, shape), channels(mean), channels(variance))
}

impl BatchNormOps for Flex {
    fn bn_train(
        x: FloatTensor<Flex>,
        gamma: FloatTensor<Flex>,
        beta: FloatTensor<Flex>,
        epsilon: f64,
    ) -> (FloatTensor<Flex>, FloatTensor<Flex>, FloatTensor<Flex>) {
        train(x, gamma, beta, epsilon, false)
    }

    fn bn_relu_train(
        x: FloatTensor<Flex>,
        gamma: FloatTensor<Flex>,
        beta: FloatTensor<Flex>,
        epsilon: f64,
    ) -> (FloatTensor<Flex>, FloatTensor<Flex>, FloatTensor<Flex>) {
        train(x, gamma, beta, epsilon, true)
    }

    fn bn_inference(
        x: FloatTensor<Flex>,
        gamma: FloatTensor<Flex>,
        beta: FloatTensor<Flex>,
        mean: FloatTensor<Flex>,
        variance: FloatTensor<Flex>,
        epsilon: f64,
    ) -> FloatTensor<Flex> {
        let (shape, l) = (x.shape(), layout(&x.shape()));
        let y = kernel::normalize(
            &values(&x),
            &values(&gamma),
            &values(&beta),
            &values(&mean),
            &values(&variance),
            epsilon,
            &l,
        );
        tensor(y, shape)
    }
}

impl BatchNormGradients for Flex {
    fn bn_train_backward(
        x: FloatTensor<Flex>,
        gamma: FloatTensor<Flex>,
        mean: FloatTensor<Flex>,
        variance: FloatTensor<Flex>,
        epsilon: f64,
        output_grad: FloatTensor<Flex>,
        relu_output: Option<FloatTensor<Flex>>,
    ) -> (FloatTensor<Flex>, FloatTensor<Flex>, FloatTensor<Flex>) {
        let (shape, l) = (x.shape(), layout(&x.shape()));
        let (x, gamma) = (values(&x), values(&gamma));
        let (mean, variance) = (values(&mean), values(&variance));
        let channel = [&gamma[..], &mean, &variance];
        let mask = relu_output.as_ref().map(values);
        let mask = mask.as_deref();
        // dx overwrites the output gradient when no other tensor shares its buffer.
        let mut dx = output_grad;
        let (dgamma, dbeta) = match writable(&mut dx, l.len()) {
            Some(dy) => kernel::train_backward_in_place(&x, dy, mask, channel, epsilon, &l),
            None => {
                let (grad, dgamma, dbeta) =
                    kernel::train_backward(&x, &values(&dx), mask, channel, epsilon, &l);
                dx = tensor(grad, shape);
                (dgamma, dbeta)
            }
        };
        (dx, channels(dgamma), channels(dbeta))
    }
}
