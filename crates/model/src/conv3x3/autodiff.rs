//! [`Conv3x3Ops`] for burn's autodiff over any backend that has it: the forward pass of the
//! inner backend (with or without the fused ReLU) and a backward step that asks it for only the
//! gradients that are needed.

use burn::backend::Autodiff;
use burn::backend::Backend;
use burn::backend::autodiff::NodeId;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;

use super::Conv3x3Ops;

/// The backward step of one convolution (and of the ReLU after it when fused); its state is the
/// checkpointed input and weight, and the fused ReLU's output if there is one.
#[derive(Debug)]
struct Conv3x3Backward;

impl<B: Backend + Conv3x3Ops> Backward<B, 3> for Conv3x3Backward {
    type State = (NodeId, NodeId, Option<B::FloatTensorPrimitive>);

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight, node_bias] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x_state, weight_state, relu_output) = ops.state;
        // Through the fused ReLU first: zero where its output is zero.
        let grad = match relu_output {
            Some(output) => B::relu_backward(output, grad),
            None => grad,
        };
        let x = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(x_state);
        let weight = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(weight_state);
        match (node_x, node_weight) {
            (Some(node_x), Some(node_weight)) => {
                let (gx, gw) = B::conv3x3_x_weight_backward(x, weight, grad.clone());
                grads.register::<B>(node_x.id, gx);
                grads.register::<B>(node_weight.id, gw);
            }
            (Some(node), None) => {
                let g = B::conv3x3_x_backward(x, weight, grad.clone());
                grads.register::<B>(node.id, g);
            }
            (None, Some(node)) => {
                let g = B::conv3x3_weight_backward(x, weight, grad.clone());
                grads.register::<B>(node.id, g);
            }
            (None, None) => {}
        }
        if let Some(node) = node_bias {
            grads.register::<B>(node.id, B::conv3x3_bias_backward(grad));
        }
    }
}

/// The tracked convolution, followed by ReLU in the same pass when `relu`.
fn tracked<B: Backend + Conv3x3Ops, C: CheckpointStrategy>(
    x: FloatTensor<Autodiff<B, C>>,
    weight: FloatTensor<Autodiff<B, C>>,
    bias: FloatTensor<Autodiff<B, C>>,
    relu: bool,
) -> FloatTensor<Autodiff<B, C>> {
    let run = |x, weight, bias| {
        if relu {
            B::conv3x3_relu(x, weight, bias)
        } else {
            B::conv3x3(x, weight, bias)
        }
    };
    match Conv3x3Backward
        .prepare::<C>([x.node(), weight.node(), bias.node()])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(mut prep) => {
            let x_state = prep.checkpoint(&x);
            let weight_state = prep.checkpoint(&weight);
            let output = run(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
            );
            let relu_output = relu.then(|| output.clone());
            prep.finish((x_state, weight_state, relu_output), output)
        }
        OpsKind::UnTracked(prep) => prep.finish(run(
            x.into_primitive(),
            weight.into_primitive(),
            bias.into_primitive(),
        )),
    }
}

impl<B: Backend + Conv3x3Ops, C: CheckpointStrategy> Conv3x3Ops for Autodiff<B, C> {
    fn conv3x3(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        tracked::<B, C>(x, weight, bias, false)
    }

    fn conv3x3_relu(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        tracked::<B, C>(x, weight, bias, true)
    }

    fn conv3x3_x_backward(
        _x: FloatTensor<Self>,
        _weight: FloatTensor<Self>,
        _output_grad: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        panic!("conv3x3: second-order gradients are not supported")
    }

    fn conv3x3_weight_backward(
        _x: FloatTensor<Self>,
        _weight: FloatTensor<Self>,
        _output_grad: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        panic!("conv3x3: second-order gradients are not supported")
    }

    fn conv3x3_x_weight_backward(
        _x: FloatTensor<Self>,
        _weight: FloatTensor<Self>,
        _output_grad: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        panic!("conv3x3: second-order gradients are not supported")
    }

    fn conv3x3_bias_backward(_output_grad: FloatTensor<Self>) -> FloatTensor<Self> {
        panic!("conv3x3: second-order gradients are not supported")
    }
}
