//! [`Conv3x3Ops`] for burn's flex backend: the host kernels on flex's f32 buffers.

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::tensor::FloatTensor;
use burn::tensor::Shape;

use super::Conv3x3Ops;
use super::kernel::{self, Geometry};
use crate::flex_buffers::{tensor, values};

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

    fn conv3x3_x_backward(
        x: FloatTensor<Flex>,
        weight: FloatTensor<Flex>,
        output_grad: FloatTensor<Flex>,
    ) -> FloatTensor<Flex> {
        let g = geometry(&x.shape(), &weight.shape());
        let grad = kernel::input_gradient(&values(&weight), &values(&output_grad), &g);
        tensor(grad, [g.batch, g.c_in, g.height, g.width])
    }

    fn conv3x3_weight_backward(
        x: FloatTensor<Flex>,
        weight: FloatTensor<Flex>,
        output_grad: FloatTensor<Flex>,
    ) -> FloatTensor<Flex> {
        let g = geometry(&x.shape(), &weight.shape());
        let grad = kernel::weight_gradient(&values(&x), &values(&output_grad), &g);
        tensor(grad, [g.c_out, g.c_in, 3, 3])
    }

    fn conv3x3_x_weight_backward(
        x: FloatTensor<Flex>,
        weight: FloatTensor<Flex>,
        output_grad: FloatTensor<Flex>,
    ) -> (FloatTensor<Flex>, FloatTensor<Flex>) {
        let g = geometry(&x.shape(), &weight.shape());
        let (dx, dw) = kernel::input_and_weight_gradients(
            &values(&x),
            &values(&weight),
            &values(&output_grad),
            &g,
        );
        (
            tensor(dx, [g.batch, g.c_in, g.height, g.width]),
            tensor(dw, [g.c_out, g.c_in, 3, 3]),
        )
    }

    fn conv3x3_bias_backward(output_grad: FloatTensor<Flex>) -> FloatTensor<Flex> {
        let shape = output_grad.shape();
        let g = Geometry {
            batch: shape[0],
            c_in: 0,
            c_out: shape[1],
            height: shape[2],
            width: shape[3],
        };
        let grad = kernel::bias_gradient(&values(&output_grad), &g);
        tensor(grad, [g.c_out])
    }
}
