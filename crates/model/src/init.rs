//! Kaiming-normal initialisation (He et al. 2015) drawn on the host from a seed.
//!
//! Weights of a convolution with fan-in `n = c_in · k_h · k_w` are drawn from `N(0, 2/n)` (gain √2
//! for ReLU); biases start at zero. Drawing on the host with a fixed generator (xoshiro256++),
//! rather than with the backend's RNG, makes the initial weights identical on every backend and in
//! every run of a comparison.
//!
//! Parameter ids are deterministic too ([`ParamIds`]): optimizer state is keyed by them, so a
//! model rebuilt from its config in a new process accepts the optimizer state saved by the old one.

use burn::module::{Param, ParamId};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, Normal};

/// Hands out parameter ids 1, 2, 3, … in construction order.
#[derive(Debug, Default)]
pub struct ParamIds {
    next: u64,
}

impl ParamIds {
    /// The next id.
    pub fn next_id(&mut self) -> ParamId {
        self.next += 1;
        ParamId::from(self.next)
    }

    /// `tensor` as a trainable parameter with the next id.
    pub fn param<const D: usize>(&mut self, tensor: Tensor<D>) -> Param<Tensor<D>> {
        let mut param = Param::from_tensor(tensor);
        param.id = self.next_id();
        param
    }
}

/// A 3×3 "same" convolution `c_in → c_out` with Kaiming-normal weights from `rng` and zero bias
/// (or none).
pub fn conv3x3(
    c_in: usize,
    c_out: usize,
    bias: bool,
    rng: &mut Xoshiro256PlusPlus,
    ids: &mut ParamIds,
    device: &Device,
) -> Conv2d {
    let fan_in = c_in * 9;
    let std = (2.0 / fan_in as f64).sqrt();
    let normal = Normal::new(0.0, std).expect("std is finite and > 0");
    let values: Vec<f32> = (0..c_out * c_in * 9)
        .map(|_| normal.sample(rng) as f32)
        .collect();
    let weight = Tensor::from_data(TensorData::new(values, [c_out, c_in, 3, 3]), device);
    Conv2d {
        weight: ids.param(weight),
        bias: bias.then(|| ids.param(Tensor::zeros([c_out], device))),
        stride: [1, 1],
        kernel_size: [3, 3],
        dilation: [1, 1],
        groups: 1,
        padding: PaddingConfig2d::Explicit(1, 1, 1, 1),
    }
}

/// The generator for the weights of a model with this seed.
pub fn weight_rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xD1CE_D1CE_0000_0001)
}
