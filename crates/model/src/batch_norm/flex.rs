//! [`BatchNormOps`] for burn's flex backend: the host kernels on flex's f32 buffers.

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::tensor::Shape;

use super::BatchNormOps;
use super::kernel::{self, Layout};
use crate::flex_buffers::{tensor, values};

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

    fn bn_train_backward(
        x: FloatTensor<Flex>,
        gamma: FloatTensor<Flex>,
        mean: FloatTensor<Flex>,
        variance: FloatTensor<Flex>,
        epsilon: f64,
        output_grad: FloatTensor<Flex>,
    ) -> (FloatTensor<Flex>, FloatTensor<Flex>, FloatTensor<Flex>) {
        let (shape, l) = (x.shape(), layout(&x.shape()));
        let (dx, dgamma, dbeta) = kernel::train_backward(
            &values(&x),
            &values(&output_grad),
            &values(&gamma),
            &values(&mean),
            &values(&variance),
            epsilon,
            &l,
        );
        (tensor(dx, shape), channels(dgamma), channels(dbeta))
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
