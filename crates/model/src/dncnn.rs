//! DnCNN (Zhang, Zuo, Chen, Meng & Zhang, "Beyond a Gaussian Denoiser", IEEE TIP 2017).
//!
//! `conv(c→w) + ReLU`, then `depth − 2` blocks of `conv(w→w) [+ BatchNorm] + ReLU`, then
//! `conv(w→c)`. With `residual` (the default) the network predicts the noise and the output is
//! `input − prediction`. Convolutions followed by batch norm have no bias (the norm's β replaces it).

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, BatchNormConfig, Relu};
use burn::tensor::{Device, Tensor};

use crate::ModelError;
use crate::init::{ParamIds, conv3x3, weight_rng};

/// Configuration of a [`Denoiser`].
#[derive(Config, Debug, PartialEq)]
pub struct DenoiserConfig {
    /// Image channels: 1 (gray) or 3 (RGB).
    pub channels: usize,
    /// Number of convolution layers, at least 2.
    #[config(default = 17)]
    pub depth: usize,
    /// Feature channels of the hidden layers.
    #[config(default = 64)]
    pub width: usize,
    /// Batch norm after every hidden convolution.
    #[config(default = true)]
    pub batch_norm: bool,
    /// Predict the noise and subtract it (residual learning).
    #[config(default = true)]
    pub residual: bool,
    /// The ε of every batch norm, `γ (x − μ) / √(σ² + ε) + β`: burn's and PyTorch's default
    /// 1e-5; a model imported from KAIR keeps KAIR's 1e-4.
    #[config(default = 1e-5)]
    pub norm_epsilon: f64,
    /// Seed of the Kaiming-normal initial weights.
    #[config(default = 0)]
    pub init_seed: u64,
}

/// One hidden block: convolution, optional batch norm, ReLU.
#[derive(Module, Debug)]
pub struct Block {
    pub(crate) conv: Conv2d,
    pub(crate) norm: Option<BatchNorm>,
}

/// A DnCNN-style denoiser.
#[derive(Module, Debug)]
pub struct Denoiser {
    pub(crate) head: Conv2d,
    pub(crate) blocks: Vec<Block>,
    pub(crate) tail: Conv2d,
    activation: Relu,
    residual: bool,
}

impl DenoiserConfig {
    /// Checks the configuration: channels 1 or 3, depth >= 2, width >= 1, a finite ε > 0.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |field, value, expected| {
            Err(ModelError::InvalidConfig {
                field,
                value,
                expected,
            })
        };
        if self.channels != 1 && self.channels != 3 {
            return bad("channels", self.channels, "use 1 (gray) or 3 (RGB)");
        }
        if self.depth < 2 {
            return bad("depth", self.depth, "use at least 2 layers");
        }
        if self.width == 0 {
            return bad("width", self.width, "use at least 1 feature channel");
        }
        if !(self.norm_epsilon > 0.0 && self.norm_epsilon.is_finite()) {
            return Err(ModelError::InvalidEpsilon(self.norm_epsilon));
        }
        Ok(())
    }

    /// Builds the model on `device` with Kaiming-normal weights from `init_seed`.
    ///
    /// # Panics
    /// When [`validate`](Self::validate) fails; call it first on user input.
    pub fn init(&self, device: &Device) -> Denoiser {
        if let Err(e) = self.validate() {
            panic!("invalid DenoiserConfig: {e}");
        }
        let mut rng = weight_rng(self.init_seed);
        let mut ids = ParamIds::default();
        let head = conv3x3(self.channels, self.width, true, &mut rng, &mut ids, device);
        let blocks = (0..self.depth - 2)
            .map(|_| Block {
                conv: conv3x3(
                    self.width,
                    self.width,
                    !self.batch_norm,
                    &mut rng,
                    &mut ids,
                    device,
                ),
                norm: self.batch_norm.then(|| {
                    let mut norm = BatchNormConfig::new(self.width)
                        .with_epsilon(self.norm_epsilon)
                        .init(device);
                    norm.gamma.id = ids.next_id();
                    norm.beta.id = ids.next_id();
                    norm
                }),
            })
            .collect();
        let tail = conv3x3(self.width, self.channels, true, &mut rng, &mut ids, device);
        Denoiser {
            head,
            blocks,
            tail,
            activation: Relu::new(),
            residual: self.residual,
        }
    }

    /// Number of trainable parameters (weights, biases, batch-norm γ and β).
    pub fn num_params(&self) -> usize {
        let conv =
            |cin: usize, cout: usize, bias: bool| cin * cout * 9 + if bias { cout } else { 0 };
        let hidden = conv(self.width, self.width, !self.batch_norm)
            + if self.batch_norm { 2 * self.width } else { 0 };
        conv(self.channels, self.width, true)
            + (self.depth - 2) * hidden
            + conv(self.width, self.channels, true)
    }
}

impl Denoiser {
    /// Denoises a batch.
    ///
    /// # Shapes
    /// - `noisy`: `[batch, channels, height, width]`, any height and width
    /// - output: `[batch, channels, height, width]`
    pub fn forward(&self, noisy: Tensor<4>) -> Tensor<4> {
        #[cfg(feature = "flex")]
        if let Some(out) = self.forward_fused(&noisy) {
            return out;
        }
        // Each ReLU runs fused into the layer before it (one pass, one backward step on flex).
        let mut x = conv_relu(&self.head, noisy.clone());
        for block in &self.blocks {
            x = match &block.norm {
                Some(norm) => batch_norm_relu(norm, conv(&block.conv, x)),
                None => conv_relu(&block.conv, x),
            };
        }
        // [batch, channels, height, width]: the predicted noise (residual) or the image.
        let out = conv(&self.tail, x);
        if self.residual { noisy - out } else { out }
    }

    /// Inference on flex with each layer (convolution, eval-mode batch norm, ReLU) as one pass
    /// and the activations kept padded between layers ([`denoise_kernels::conv3x3::inference`]); `None`
    /// where that does not apply (autodiff devices, other backends).
    #[cfg(feature = "flex")]
    fn forward_fused(&self, noisy: &Tensor<4>) -> Option<Tensor<4>> {
        use denoise_kernels::conv3x3::{InferenceLayer, inference};
        let layer = |conv, norm, relu| InferenceLayer { conv, norm, relu };
        let layers: Vec<InferenceLayer<'_>> = std::iter::once(layer(&self.head, None, true))
            .chain(
                self.blocks
                    .iter()
                    .map(|block| layer(&block.conv, block.norm.as_ref(), true)),
            )
            .chain(std::iter::once(layer(&self.tail, None, false)))
            .collect();
        let out = inference(&layers, noisy)?;
        Some(if self.residual {
            noisy.clone() - out
        } else {
            out
        })
    }

    /// The input of every ReLU, in order (the head's, then each hidden block's after its batch
    /// norm): where the activations lie relative to ReLU's kink at zero. Gradients jump there, so a
    /// value within rounding error of zero can take a different derivative on two backends.
    ///
    /// # Shapes
    /// - `noisy`: `[batch, channels, height, width]`
    /// - output: `depth − 1` tensors of `[batch, width, height, width]`
    pub fn relu_inputs(&self, noisy: Tensor<4>) -> Vec<Tensor<4>> {
        let mut inputs = vec![conv(&self.head, noisy)];
        for block in &self.blocks {
            let x = self.activation.forward(inputs[inputs.len() - 1].clone());
            let mut x = conv(&block.conv, x);
            if let Some(norm) = &block.norm {
                x = batch_norm(norm, x);
            }
            inputs.push(x);
        }
        inputs
    }

    /// How far an output pixel sees: one pixel per 3×3 convolution, so an output pixel depends
    /// only on the input within this many pixels (rows and columns) of it.
    pub fn receptive_radius(&self) -> usize {
        self.blocks.len() + 2
    }

    /// Feature channels of the hidden layers (the head's output channels).
    pub fn hidden_width(&self) -> usize {
        self.head.weight.dims()[0]
    }

    /// Whether the output is `input − prediction`.
    pub fn is_residual(&self) -> bool {
        self.residual
    }
}

/// Applies one convolution layer: the fast flex path of [`denoise_kernels::conv3x3`] when the crate is
/// built with it, burn's `Conv2d::forward` otherwise.
fn conv(layer: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    {
        denoise_kernels::conv3x3::forward(layer, x)
    }
    #[cfg(not(feature = "flex"))]
    {
        layer.forward(x)
    }
}

/// `ReLU(conv(x))`: fused on flex ([`denoise_kernels::conv3x3::forward_relu`]), else burn's `Conv2d` and
/// ReLU.
fn conv_relu(layer: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    {
        denoise_kernels::conv3x3::forward_relu(layer, x)
    }
    #[cfg(not(feature = "flex"))]
    {
        burn::tensor::activation::relu(layer.forward(x))
    }
}

/// `ReLU(norm(x))`: fused in training on flex ([`denoise_kernels::batch_norm::forward_relu`]), else
/// burn's `BatchNorm` and ReLU.
fn batch_norm_relu(norm: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    {
        denoise_kernels::batch_norm::forward_relu(norm, x)
    }
    #[cfg(not(feature = "flex"))]
    {
        burn::tensor::activation::relu(norm.forward(x))
    }
}

/// Applies one batch norm: the flex kernels of [`denoise_kernels::batch_norm`] when the crate is built with
/// them, burn's `BatchNorm::forward` otherwise.
fn batch_norm(norm: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    {
        denoise_kernels::batch_norm::forward(norm, x)
    }
    #[cfg(not(feature = "flex"))]
    {
        norm.forward(x)
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::Distribution;

    use super::*;
    use crate::Preset;

    #[test]
    fn forward_keeps_the_shape_for_any_size() {
        let device = Device::flex();
        let model = Preset::Tiny.config(3).init(&device);
        for (h, w) in [(16, 16), (13, 21)] {
            let x = Tensor::<4>::random([2, 3, h, w], Distribution::Default, &device);
            assert_eq!(model.forward(x).dims(), [2, 3, h, w]);
        }
    }

    /// The output rebuilt from the last ReLU input: tail convolution and the residual.
    fn from_relu_inputs(model: &Denoiser, x: &Tensor<4>) -> Tensor<4> {
        let inputs = model.relu_inputs(x.clone());
        let last = model.activation.forward(inputs[inputs.len() - 1].clone());
        x.clone() - conv(&model.tail, last)
    }

    #[test]
    fn relu_inputs_lead_to_the_output() {
        // On an autodiff device the forward runs layer by layer, as relu_inputs does.
        let device = Device::flex().autodiff();
        let model = Preset::Dncnn
            .config(1)
            .with_depth(4)
            .with_width(8)
            .init(&device);
        let x = Tensor::<4>::random([2, 1, 5, 6], Distribution::Default, &device);
        let inputs = model.relu_inputs(x.clone());
        assert_eq!(inputs.len(), 3);
        assert!(inputs.iter().all(|t| t.dims() == [2, 8, 5, 6]));
        // The tail applied to the last ReLU's output gives the forward's prediction exactly.
        let diff: f32 = (from_relu_inputs(&model, &x) - model.forward(x))
            .abs()
            .max()
            .into_scalar();
        assert_eq!(diff, 0.0);
    }

    #[cfg(feature = "flex")]
    #[test]
    fn fused_inference_matches_layer_by_layer() {
        let train = Device::flex().autodiff();
        for batch_norm in [true, false] {
            let model = Preset::Dncnn
                .config(1)
                .with_depth(5)
                .with_width(8)
                .with_batch_norm(batch_norm)
                .init(&train);
            // Two training forwards move the running statistics away from 0 and 1.
            for seed in 0..2 {
                let x = Tensor::<4>::random(
                    [4, 1, 6, 7],
                    Distribution::Normal(seed as f64, 2.0),
                    &train,
                );
                let _ = model.forward(x);
            }
            let model = model.valid();
            let device = Device::flex();
            let x = Tensor::<4>::random([2, 1, 9, 5], Distribution::Default, &device);
            assert!(
                model.forward_fused(&x).is_some(),
                "the fused path must run here"
            );
            let fused = model.forward(x.clone());
            let layered = from_relu_inputs(&model, &x);
            let scale: f32 = layered.clone().abs().max().into_scalar();
            let diff: f32 = (fused - layered).abs().max().into_scalar();
            // Folding batch norm into the weights changes roundings only (≈1e-7 per layer); a
            // wrong fold moves the output by the size of the normalisation.
            assert!(
                diff <= 1e-5 * scale,
                "batch norm {batch_norm}: {diff} (scale {scale})"
            );
        }
    }

    #[test]
    fn parameter_count_matches_the_module() {
        let device = Device::flex();
        for cfg in [
            Preset::Tiny.config(1),
            Preset::Dncnn.config(1).with_depth(4).with_width(8),
            DenoiserConfig::new(3).with_depth(3).with_width(4),
        ] {
            // burn's count also includes batch norm's running mean and variance (2·width a block).
            let running = if cfg.batch_norm {
                (cfg.depth - 2) * 2 * cfg.width
            } else {
                0
            };
            assert_eq!(
                cfg.init(&device).num_params(),
                cfg.num_params() + running,
                "{cfg:?}"
            );
        }
        // DnCNN-S for gray: 64·9+64 + 15·(64·64·9 + 128) + 64·9+1 = 556,097.
        assert_eq!(Preset::Dncnn.config(1).num_params(), 556_097);
    }

    #[test]
    fn same_seed_same_weights_other_seed_other_weights() {
        let device = Device::flex();
        let w = |seed| {
            Preset::Tiny
                .config(1)
                .with_init_seed(seed)
                .init(&device)
                .head
                .weight
                .val()
                .into_data()
        };
        assert_eq!(w(1), w(1));
        assert_ne!(w(1), w(2));
    }

    #[test]
    fn kaiming_std_is_sqrt_two_over_fan_in() {
        let device = Device::flex();
        let model = DenoiserConfig::new(1)
            .with_width(64)
            .with_depth(3)
            .init(&device);
        let v = model.blocks[0]
            .conv
            .weight
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let n = v.len() as f64;
        let var = v.iter().map(|&a| f64::from(a).powi(2)).sum::<f64>() / n;
        let want = 2.0 / (64.0 * 9.0);
        // 36,864 draws: the sample variance is within 3 % of the truth (its s.e. is ≈ 0.7 %).
        assert!((var / want - 1.0).abs() < 0.03, "var {var} vs {want}");
    }

    #[test]
    fn residual_zero_tail_is_identity() {
        let device = Device::flex();
        let mut model = Preset::Tiny.config(1).init(&device);
        model.tail.weight = burn::module::Param::from_tensor(model.tail.weight.val().zeros_like());
        let x = Tensor::<4>::random([1, 1, 8, 8], Distribution::Default, &device);
        let y = model.forward(x.clone());
        y.into_data().assert_eq(&x.into_data(), true);
    }

    #[test]
    fn invalid_configs_are_reported() {
        let e = DenoiserConfig::new(2).validate().unwrap_err().to_string();
        assert!(
            e.contains("channels = 2") && e.contains("1 (gray) or 3 (RGB)"),
            "{e}"
        );
        assert!(DenoiserConfig::new(1).with_depth(1).validate().is_err());
        assert!(DenoiserConfig::new(1).with_width(0).validate().is_err());
    }
}
