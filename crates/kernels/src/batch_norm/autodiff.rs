//! [`BatchNormOps`] for burn's autodiff over any backend that has it: the inner backend's
//! training-mode batch norm, tracked as one operation whose backward step is the inner backend's
//! `bn_train_backward`.

use burn::backend::autodiff::NodeId;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend};

use super::{BatchNormGradients, BatchNormOps};

/// The backward step of one training-mode batch norm (and of the ReLU after it when fused).
/// State: the checkpointed input and γ, the batch statistics the forward pass computed, ε, and
/// the fused ReLU's output if there is one.
#[derive(Debug)]
struct BatchNormBackward;

impl<B: Backend + BatchNormOps + BatchNormGradients> Backward<B, 3> for BatchNormBackward {
    type State = (
        NodeId,
        NodeId,
        B::FloatTensorPrimitive,
        B::FloatTensorPrimitive,
        f64,
        Option<B::FloatTensorPrimitive>,
    );

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x_state, gamma_state, mean, variance, epsilon, relu_output) = ops.state;
        let x = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(x_state);
        let gamma = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(gamma_state);
        // The fused ReLU's backward step (zero where its output is zero) runs inside.
        let (dx, dgamma, dbeta) =
            B::bn_train_backward(x, gamma, mean, variance, epsilon, grad, relu_output);
        for (node, g) in [(node_x, dx), (node_gamma, dgamma), (node_beta, dbeta)] {
            if let Some(node) = node {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

/// Tracked training-mode batch norm, followed by ReLU in the same pass when `relu`.
#[allow(clippy::type_complexity)]
fn tracked<B: Backend + BatchNormOps + BatchNormGradients, C: CheckpointStrategy>(
    x: FloatTensor<Autodiff<B, C>>,
    gamma: FloatTensor<Autodiff<B, C>>,
    beta: FloatTensor<Autodiff<B, C>>,
    epsilon: f64,
    relu: bool,
) -> (
    FloatTensor<Autodiff<B, C>>,
    FloatTensor<Autodiff<B, C>>,
    FloatTensor<Autodiff<B, C>>,
) {
    let run = |x, gamma, beta| {
        if relu {
            B::bn_relu_train(x, gamma, beta, epsilon)
        } else {
            B::bn_train(x, gamma, beta, epsilon)
        }
    };
    match BatchNormBackward
        .prepare::<C>([x.node(), gamma.node(), beta.node()])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(mut prep) => {
            let x_state = prep.checkpoint(&x);
            let gamma_state = prep.checkpoint(&gamma);
            let (y, mean, variance) = run(
                x.into_primitive(),
                gamma.into_primitive(),
                beta.into_primitive(),
            );
            let relu_output = relu.then(|| y.clone());
            let state = (
                x_state,
                gamma_state,
                mean.clone(),
                variance.clone(),
                epsilon,
                relu_output,
            );
            (
                prep.finish(state, y),
                FloatTensor::<Autodiff<B, C>>::new(mean),
                FloatTensor::<Autodiff<B, C>>::new(variance),
            )
        }
        OpsKind::UnTracked(prep) => {
            let (y, mean, variance) = run(
                x.into_primitive(),
                gamma.into_primitive(),
                beta.into_primitive(),
            );
            (
                prep.finish(y),
                FloatTensor::<Autodiff<B, C>>::new(mean),
                FloatTensor::<Autodiff<B, C>>::new(variance),
            )
        }
    }
}

impl<B: Backend + BatchNormOps + BatchNormGradients, C: CheckpointStrategy> BatchNormOps
    for Autodiff<B, C>
{
    fn bn_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        tracked::<B, C>(x, gamma, beta, epsilon, false)
    }

    fn bn_relu_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        tracked::<B, C>(x, gamma, beta, epsilon, true)
    }

    fn bn_inference(
        _x: FloatTensor<Self>,
        _gamma: FloatTensor<Self>,
        _beta: FloatTensor<Self>,
        _mean: FloatTensor<Self>,
        _variance: FloatTensor<Self>,
        _epsilon: f64,
    ) -> FloatTensor<Self> {
        panic!("batch_norm: on an autodiff device the model uses burn's BatchNorm in eval mode")
    }
}
