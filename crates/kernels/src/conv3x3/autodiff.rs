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

use super::{Conv3x3Gradients, Conv3x3Ops, Wanted};

/// The backward step of one convolution (and of the ReLU after it when fused); its state is the
/// checkpointed input and weight, and the fused ReLU's output if there is one.
#[derive(Debug)]
struct Conv3x3Backward;

impl<B: Backend + Conv3x3Ops + Conv3x3Gradients> Backward<B, 3> for Conv3x3Backward {
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
        let x = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(x_state);
        let weight = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(weight_state);
        let wanted = Wanted {
            input: node_x.is_some(),
            weight: node_weight.is_some(),
            bias: node_bias.is_some(),
        };
        // The fused ReLU's backward step (zero where its output is zero) runs inside.
        let (gx, gw, gb) = B::conv3x3_backward(x, weight, grad, relu_output, wanted);
        for (node, g) in [(node_x, gx), (node_weight, gw), (node_bias, gb)] {
            if let (Some(node), Some(g)) = (node, g) {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

/// The tracked convolution, followed by ReLU in the same pass when `relu`.
fn tracked<B: Backend + Conv3x3Ops + Conv3x3Gradients, C: CheckpointStrategy>(
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

impl<B: Backend + Conv3x3Ops + Conv3x3Gradients, C: CheckpointStrategy> Conv3x3Ops
    for Autodiff<B, C>
{
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
}
