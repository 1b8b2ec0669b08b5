//! A denoiser's weights as plain arrays, layer by layer (each convolution with the batch norm after
//! it, if any): what importing and exporting another framework's files reads and writes.

use burn::module::{Param, RunningState};
use burn::nn::BatchNorm;
use burn::nn::conv::Conv2d;
use burn::tensor::{Tensor, TensorData};

use crate::{Denoiser, ModelError};

/// One 3×3 convolution.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvWeights {
    /// `[out, in, 3, 3]`, row-major (PyTorch's and burn's layout).
    pub weight: Vec<f32>,
    /// The shape of `weight`.
    pub shape: [usize; 4],
    /// One per output channel; `None` for the convolutions before a batch norm.
    pub bias: Option<Vec<f32>>,
}

/// One batch norm in eval mode: `γ (x − mean) / √(variance + ε) + β`, ε from the config.
#[derive(Debug, Clone, PartialEq)]
pub struct NormWeights {
    /// Scale γ, one per channel.
    pub gamma: Vec<f32>,
    /// Shift β.
    pub beta: Vec<f32>,
    /// Running mean.
    pub mean: Vec<f32>,
    /// Running variance.
    pub variance: Vec<f32>,
}

/// A convolution and the batch norm after it (hidden layers of a batch-norm model only).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerWeights {
    /// The convolution.
    pub conv: ConvWeights,
    /// Its batch norm.
    pub norm: Option<NormWeights>,
}

fn to_vec<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("converted to f32")
}

/// `param` holding `values` (its id and whether it trains kept).
fn replace<const D: usize>(param: &mut Param<Tensor<D>>, values: Vec<f32>, shape: [usize; D]) {
    *param = param
        .clone()
        .map(|t| Tensor::from_data(TensorData::new(values, shape), &t.device()));
}

fn check(
    layer: usize,
    what: &'static str,
    expected: &[usize],
    found: &[usize],
) -> Result<(), ModelError> {
    if expected == found {
        return Ok(());
    }
    Err(ModelError::WeightShape {
        layer,
        what,
        expected: expected.to_vec(),
        found: found.to_vec(),
    })
}

impl Denoiser {
    fn convs(&self) -> Vec<(&Conv2d, Option<&BatchNorm>)> {
        std::iter::once((&self.head, None))
            .chain(self.blocks.iter().map(|b| (&b.conv, b.norm.as_ref())))
            .chain(std::iter::once((&self.tail, None)))
            .collect()
    }

    /// Every layer's weights, from the first convolution to the last.
    pub fn layer_weights(&self) -> Vec<LayerWeights> {
        self.convs()
            .into_iter()
            .map(|(conv, norm)| {
                let dims = conv.weight.dims();
                LayerWeights {
                    conv: ConvWeights {
                        weight: to_vec(conv.weight.val()),
                        shape: dims,
                        bias: conv.bias.as_ref().map(|b| to_vec(b.val())),
                    },
                    norm: norm.map(|n| NormWeights {
                        gamma: to_vec(n.gamma.val()),
                        beta: to_vec(n.beta.val()),
                        mean: to_vec(n.running_mean.value()),
                        variance: to_vec(n.running_var.value()),
                    }),
                }
            })
            .collect()
    }

    /// The ε of the batch norms (`None` without batch norm).
    pub fn norm_epsilon(&self) -> Option<f64> {
        self.blocks
            .first()
            .and_then(|b| b.norm.as_ref())
            .map(|n| n.epsilon)
    }

    /// This model with `layers`' weights (parameter ids kept): shapes, biases and batch norms
    /// must be those of the model's config, else an error names the first layer that differs.
    pub fn with_layer_weights(mut self, layers: Vec<LayerWeights>) -> Result<Self, ModelError> {
        let expected = self.layer_weights();
        if layers.len() != expected.len() {
            return Err(ModelError::WeightLayout(format!(
                "{} convolution layers given, the config has {}",
                layers.len(),
                expected.len()
            )));
        }
        for (i, (given, want)) in layers.iter().zip(&expected).enumerate() {
            check(i, "convolution weight", &want.conv.shape, &given.conv.shape)?;
            let n: usize = given.conv.shape.iter().product();
            check(
                i,
                "convolution weight values",
                &[n],
                &[given.conv.weight.len()],
            )?;
            let lengths = |b: &Option<Vec<f32>>| b.as_ref().map(Vec::len);
            if lengths(&given.conv.bias) != lengths(&want.conv.bias) {
                return Err(ModelError::WeightLayout(format!(
                    "layer {i}: the config has {} convolution bias, the weights {}",
                    if want.conv.bias.is_some() { "a" } else { "no" },
                    if given.conv.bias.is_some() {
                        "have one"
                    } else {
                        "have none"
                    }
                )));
            }
            match (&given.norm, &want.norm) {
                (Some(g), Some(_)) => {
                    let c = [want.conv.shape[0]];
                    check(i, "batch-norm γ", &c, &[g.gamma.len()])?;
                    check(i, "batch-norm β", &c, &[g.beta.len()])?;
                    check(i, "batch-norm mean", &c, &[g.mean.len()])?;
                    check(i, "batch-norm variance", &c, &[g.variance.len()])?;
                }
                (None, None) => {}
                (g, _) => {
                    return Err(ModelError::WeightLayout(format!(
                        "layer {i}: the weights {} a batch norm, the config {}",
                        if g.is_some() { "have" } else { "lack" },
                        if g.is_some() { "has none" } else { "has one" }
                    )));
                }
            }
        }
        let mut layers = layers.into_iter();
        let mut set = |conv: &mut Conv2d, norm: Option<&mut BatchNorm>| {
            let LayerWeights { conv: w, norm: n } = layers.next().expect("counted above");
            replace(&mut conv.weight, w.weight, w.shape);
            if let (Some(param), Some(bias)) = (conv.bias.as_mut(), w.bias) {
                replace(param, bias, [w.shape[0]]);
            }
            if let (Some(norm), Some(n)) = (norm, n) {
                let c = [w.shape[0]];
                replace(&mut norm.gamma, n.gamma, c);
                replace(&mut norm.beta, n.beta, c);
                let device = norm.gamma.device();
                let state = |v: Vec<f32>| Tensor::from_data(TensorData::new(v, c), &device);
                norm.running_mean = RunningState::new(state(n.mean));
                norm.running_var = RunningState::new(state(n.variance));
            }
        };
        set(&mut self.head, None);
        for block in &mut self.blocks {
            set(&mut block.conv, block.norm.as_mut());
        }
        set(&mut self.tail, None);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::Device;

    use super::*;
    use crate::DenoiserConfig;

    fn bn_model(seed: u64) -> Denoiser {
        DenoiserConfig::new(3)
            .with_depth(4)
            .with_width(5)
            .with_init_seed(seed)
            .init(&Device::flex())
    }

    #[test]
    fn weights_go_out_and_back_unchanged() {
        let source = bn_model(1);
        let mut layers = source.layer_weights();
        for (k, layer) in layers.iter_mut().enumerate() {
            if let Some(n) = layer.norm.as_mut() {
                n.mean = (0..n.mean.len())
                    .map(|c| c as f32 * 0.1 + k as f32)
                    .collect();
                n.variance = (0..n.variance.len()).map(|c| 1.0 + c as f32).collect();
            }
        }
        let target = bn_model(2).with_layer_weights(layers.clone()).unwrap();
        assert_eq!(target.layer_weights(), layers);
        assert_ne!(
            bn_model(2).layer_weights(),
            layers,
            "another seed, other weights"
        );
        assert_eq!(layers.len(), 4);
        assert!(layers[0].conv.bias.is_some() && layers[1].conv.bias.is_none());
        assert!(layers[1].norm.is_some() && layers[3].norm.is_none());
        assert_eq!(layers[3].conv.shape, [3, 5, 3, 3]);
    }

    #[test]
    fn weights_that_do_not_fit_name_the_layer() {
        let mut layers = bn_model(1).layer_weights();
        layers[2].conv.shape = [5, 4, 3, 3];
        match bn_model(1).with_layer_weights(layers) {
            Err(ModelError::WeightShape { layer: 2, .. }) => {}
            other => panic!("expected a shape error at layer 2, got {other:?}"),
        }
        let mut layers = bn_model(1).layer_weights();
        layers[1].norm = None;
        let err = bn_model(1).with_layer_weights(layers).unwrap_err();
        assert!(err.to_string().contains("layer 1"), "{err}");
        let mut layers = bn_model(1).layer_weights();
        layers.pop();
        assert!(matches!(
            bn_model(1).with_layer_weights(layers),
            Err(ModelError::WeightLayout(_))
        ));
    }

    #[test]
    fn the_norm_epsilon_comes_from_the_config() {
        let model = DenoiserConfig::new(1)
            .with_depth(3)
            .with_width(2)
            .with_norm_epsilon(1e-4)
            .init(&Device::flex());
        assert_eq!(model.norm_epsilon(), Some(1e-4));
        assert_eq!(bn_model(0).norm_epsilon(), Some(1e-5));
        let plain = DenoiserConfig::new(1)
            .with_batch_norm(false)
            .init(&Device::flex());
        assert_eq!(plain.norm_epsilon(), None);
    }
}
