//! [`Conv3x3Ops`] for burn's flex backend: the host kernels on flex's f32 buffers.

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::tensor::FloatTensor;
use burn::tensor::Shape;

use super::kernel::{self, Geometry};
use super::{Conv3x3Gradients, Conv3x3Ops, Wanted};
use crate::flex_buffers::{tensor, values, writable};

/// The geometry of `x [batch, c_in, h, w]` convolved with `weight [c_out, c_in, 3, 3]`.
fn geometry(x: &Shape, weight: &Shape) -> Geometry {
    assert_eq!(
        x.num_dims(),
        4,
        "conv3x3: the input must be [batch, channels, height, width]"
    );
    assert_eq!(
        weight.num_dims(),
        4,
        "conv3x3: the weight must be [c_out, c_in, 3, 3]"
    );
    assert_eq!(
        x[1], weight[1],
        "conv3x3: input channels differ from the weight's"
    );
    assert_eq!(
        (weight[2], weight[3]),
        (3, 3),
        "conv3x3: the kernel must be 3×3"
    );
    Geometry {
        batch: x[0],
        c_in: x[1],
        c_out: weight[0],
        height: x[2],
        width: x[3],
    }
}

/// The forward pass, then ReLU if `relu`.
fn forward(
    x: FloatTensor<Flex>,
    weight: FloatTensor<Flex>,
    bias: FloatTensor<Flex>,
    relu: bool,
) -> FloatTensor<Flex> {
    let g = geometry(&x.shape(), &weight.shape());
    let out = kernel::forward_activated(
        &values(&x),
        &values(&weight),
        Some(&values(&bias)),
        relu,
        &g,
    );
    tensor(out, [g.batch, g.c_out, g.height, g.width])
}

impl Conv3x3Ops for Flex {
    fn conv3x3(
        x: FloatTensor<Flex>,
        weight: FloatTensor<Flex>,
        bias: FloatTensor<Flex>,
    ) -> FloatTensor<Flex> {
        forward(x, weight, bias, false)
    }

    fn conv3x3_relu(
        x: FloatTensor<Flex>,
        weight: FloatTensor<Flex>,
        bias: FloatTensor<Flex>,
    ) -> FloatTensor<Flex> {
        forward(x, weight, bias, true)
    }
}

impl Conv3x3Gradients for Flex {
    fn conv3x3_backward(
        x: FloatTensor<Flex>,
        weight: FloatTensor<Flex>,
        output_grad: FloatTensor<Flex>,
        relu_output: Option<FloatTensor<Flex>>,
        wanted: Wanted,
    ) -> (
        Option<FloatTensor<Flex>>,
        Option<FloatTensor<Flex>>,
        Option<FloatTensor<Flex>>,
    ) {
        let g = geometry(&x.shape(), &weight.shape());
        let grad = {
            let mask = relu_output.as_ref().map(values);
            let grad_values = values(&output_grad);
            kernel::OutputGradient::new(&grad_values, mask.as_deref(), wanted.bias, &g)
        };
        let bias = grad.bias_gradient().map(|b| tensor(b.to_vec(), [g.c_out]));
        let weight_grad = wanted.weight.then(|| {
            let dw = grad.weight_gradient(&values(&x), &g);
            tensor(dw, [g.c_out, g.c_in, 3, 3])
        });
        let input = wanted.input.then(|| {
            let weight = values(&weight);
            // The output gradient is no longer read: its buffer takes the input gradient when
            // no other tensor shares it and the sizes agree (no allocation, no zeroing).
            let mut reused = output_grad;
            match writable(&mut reused, g.input_len()) {
                Some(out) => {
                    grad.input_gradient_into(&weight, &g, out);
                    reused
                }
                None => tensor(
                    grad.input_gradient(&weight, &g),
                    [g.batch, g.c_in, g.height, g.width],
                ),
            }
        });
        (input, weight_grad, bias)
    }
}
