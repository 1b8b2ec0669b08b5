//! Speed measurements for `denoise bench`: training patches/s, inference megapixels/s and
//! data-pipeline pairs/s, each as the median of several timed repeats after a warm-up.
//!
//! The training step is the trainer's: forward, MSE, backward, Adam update, on a fixed batch
//! drawn once (the data pipeline is measured separately, so the two can be compared). Inference is
//! one `[1, c, size, size]` image through the model in eval mode. Each repeat ends by reading a
//! value back from the device, so queued GPU work is counted.

use std::time::Instant;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use denoise_data::{
    Corruption, PairBatcher, PatchConfig, PatchSampler, SyntheticConfig, SyntheticDataset,
};
use denoise_model::{DenoiserConfig, Preset};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::loss::LossSpec;
use crate::optim::OptimSpec;

/// Which convolution and batch-norm kernels flex runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Kernels {
    /// denoise-lab's: the 3×3 convolution and both its gradients as well-shaped matrix products,
    /// batch norm in one pass per direction.
    Fast,
    /// burn's stock flex `conv2d` and batch norm, with burn's generic backward passes.
    Stock,
}

/// Makes flex run `kernels` for the rest of the process (nothing to choose without flex).
pub fn use_kernels(kernels: Kernels) {
    #[cfg(feature = "flex")]
    denoise_kernels::fast_path::set_enabled(kernels == Kernels::Fast);
    #[cfg(not(feature = "flex"))]
    let _ = kernels;
}

/// The models a benchmark can time (PyTorch's `scripts/bench_pytorch.py` builds the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum BenchModel {
    /// 5 layers × 32, no batch norm.
    Tiny,
    /// 17 layers × 64 with batch norm (DnCNN-S).
    Dncnn,
    /// 17 layers × 64 without batch norm.
    DncnnPlain,
}

impl BenchModel {
    /// The model config for `channels`.
    pub fn config(self, channels: usize) -> DenoiserConfig {
        match self {
            Self::Tiny => Preset::Tiny.config(channels),
            Self::Dncnn => Preset::Dncnn.config(channels),
            Self::DncnnPlain => Preset::Dncnn.config(channels).with_batch_norm(false),
        }
    }

    /// The name used in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tiny => "tiny",
            Self::Dncnn => "dncnn",
            Self::DncnnPlain => "dncnn-plain",
        }
    }
}

/// How much to time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BenchSettings {
    /// Patches per training step.
    pub batch: usize,
    /// Side of the training patches.
    pub patch: usize,
    /// Image channels.
    pub channels: usize,
    /// Untimed steps (or forwards) first: compilation, autotuning, allocator warm-up.
    pub warmup: usize,
    /// Timed repeats; the median is reported.
    pub repeats: usize,
    /// Training steps in one repeat.
    pub train_steps: usize,
    /// Side of the inference image.
    pub infer_size: usize,
    /// Forwards in one inference repeat.
    pub infer_runs: usize,
    /// The convolution and batch-norm kernels flex ran.
    pub kernels: Kernels,
}

/// The median of a set of rates and every rate, in the order measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Rates {
    /// The median.
    pub median: f64,
    /// Each repeat.
    pub all: Vec<f64>,
}

impl Rates {
    /// From the rates of the repeats.
    pub fn new(all: Vec<f64>) -> Self {
        Self {
            median: median(&all),
            all,
        }
    }
}

/// The median (mean of the middle two for an even count); NaN for none.
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// `n` values drawn on the host from N(`mean`, `std`²) by a generator seeded with `seed`: the
/// same values on every machine (the benchmarks' batches, the parity tests' tensors).
pub fn normal_values(seed: u64, n: usize, mean: f32, std: f32) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let normal = Normal::new(mean, std).expect("a finite mean and std >= 0");
    (0..n).map(|_| normal.sample(&mut rng)).collect()
}

fn host_values(seed: u64, n: usize) -> Vec<f32> {
    normal_values(seed, n, 0.5, 0.2)
}

/// Training patches per second of `model` on `device` (Adam, MSE, one fixed batch).
pub fn train_rate(model: BenchModel, device: &Device, s: &BenchSettings) -> Result<Rates> {
    let ad = device.clone().autodiff();
    let shape = [s.batch, s.channels, s.patch, s.patch];
    let n = shape.iter().product();
    let input = Tensor::<4>::from_data(TensorData::new(host_values(1, n), shape), &ad);
    let target = Tensor::<4>::from_data(TensorData::new(host_values(2, n), shape), &ad);
    let mut net = model.config(s.channels).init(device).fork(&ad).train();
    let mut optim = OptimSpec::Adam.build(0.0);
    let mut step = |net: denoise_model::Denoiser| {
        let loss = LossSpec::Mse.forward(net.forward(input.clone()), target.clone(), 0.0);
        let value = loss.clone();
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        (optim.step(1e-4, net, grads), value)
    };
    for _ in 0..s.warmup {
        let (next, loss) = step(net);
        net = next;
        let _ = loss.into_scalar::<f32>();
    }
    let mut rates = Vec::with_capacity(s.repeats);
    for _ in 0..s.repeats {
        let t = Instant::now();
        let mut last = None;
        for _ in 0..s.train_steps {
            let (next, loss) = step(net);
            net = next;
            last = Some(loss);
        }
        if let Some(l) = last {
            let _ = l.into_scalar::<f32>();
        }
        rates.push((s.train_steps * s.batch) as f64 / t.elapsed().as_secs_f64());
    }
    Ok(Rates::new(rates))
}

/// Inference megapixels per second of `model` on `device` (one image a forward, eval mode).
pub fn infer_rate(model: BenchModel, device: &Device, s: &BenchSettings) -> Result<Rates> {
    let shape = [1, s.channels, s.infer_size, s.infer_size];
    let n = shape.iter().product();
    let input = Tensor::<4>::from_data(TensorData::new(host_values(3, n), shape), device);
    let net = model.config(s.channels).init(device);
    let forward = || {
        let out = net.forward(input.clone());
        // Reading one value waits for the whole forward.
        let _ = out.slice([0..1, 0..1, 0..1, 0..1]).into_scalar::<f32>();
    };
    for _ in 0..s.warmup {
        forward();
    }
    let pixels = (s.infer_size * s.infer_size) as f64;
    let mut rates = Vec::with_capacity(s.repeats);
    for _ in 0..s.repeats {
        let t = Instant::now();
        for _ in 0..s.infer_runs {
            forward();
        }
        rates.push(s.infer_runs as f64 * pixels / 1e6 / t.elapsed().as_secs_f64());
    }
    Ok(Rates::new(rates))
}

/// Data-pipeline pairs per second on this thread: synthetic images, `gaussian:25` inputs,
/// `outliers:0.1:1.0` labels, augmentation, batched onto `device` as the trainer does.
pub fn data_rate(device: &Device, s: &BenchSettings) -> Result<Rates> {
    let color =
        denoise_data::ColorMode::from_channels(s.channels).unwrap_or(denoise_data::ColorMode::Gray);
    let images = SyntheticDataset::new(SyntheticConfig {
        color,
        ..SyntheticConfig::default()
    })
    .images();
    let corruption = Corruption {
        noise: "gaussian:25".parse()?,
        clip_input: false,
        labels: "outliers:0.1:1.0".parse()?,
    };
    let sampler = PatchSampler::new(
        images,
        PatchConfig {
            patch: s.patch,
            augment: true,
            patches_per_epoch: 4096,
            seed: 0,
            label_draws: None,
        },
        corruption,
    )?;
    let steps = 200usize;
    let mut next = 0u64;
    let mut rate = || -> Result<f64> {
        let t = Instant::now();
        for _ in 0..steps {
            let pairs = sampler.batch_pairs(next, s.batch);
            let batch = PairBatcher.try_batch(&pairs, device)?;
            std::hint::black_box(batch);
            next += 1;
        }
        Ok((steps * s.batch) as f64 / t.elapsed().as_secs_f64())
    };
    rate()?;
    let all = (0..s.repeats).map(|_| rate()).collect::<Result<Vec<_>>>()?;
    Ok(Rates::new(all))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_unsorted_sets() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn rates_are_positive_on_a_tiny_setting() {
        let s = BenchSettings {
            batch: 2,
            patch: 8,
            channels: 1,
            warmup: 1,
            repeats: 3,
            train_steps: 2,
            infer_size: 16,
            infer_runs: 2,
            kernels: Kernels::Fast,
        };
        let device = Device::flex();
        for r in [
            train_rate(BenchModel::Tiny, &device, &s).unwrap(),
            infer_rate(BenchModel::Tiny, &device, &s).unwrap(),
            data_rate(&device, &s).unwrap(),
        ] {
            assert_eq!(r.all.len(), 3);
            assert!(r.all.iter().all(|v| v.is_finite() && *v > 0.0), "{r:?}");
        }
    }
}
