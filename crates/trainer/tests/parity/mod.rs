//! Numerical parity of the backends: with identical weights and an identical batch, wgpu (Mesa's
//! lavapipe in CI), flex and ndarray agree on the forward output (batch norm in train and eval
//! mode, both presets' shapes), the loss of every loss function, the gradients, and the weights
//! and batch-norm statistics after optimizer steps.
//!
//! # The tolerance
//! Each quantity is a tensor; its difference is `max |a − b| / max |b|` (the largest error relative
//! to the tensor's scale, so values that cancel to near zero do not blow it up), against flex as
//! the reference. The bound is [`TOLERANCE`] = 1e-4. f32 rounds to u = 6e-8; backends sum in
//! different orders (im2col + GEMM blocks, tiled shader reductions), and the error of a sum of n
//! terms grows like √n·u: a 3×3×64 convolution sums 576 products (√576·u ≈ 1.4e-6), a weight
//! gradient sums over every pixel of the batch (2·16·16 = 512 terms per product), and the 17
//! layers of DnCNN compound those errors roughly linearly (≈ 2.5e-5). Measured: at most 1.1e-5 on
//! forwards, 2.6e-5 on weights after training steps and 5.6e-5 on DnCNN's gradients (on 3 × 3
//! images, where batch norm divides by a standard deviation estimated from 9 values, which
//! magnifies the error). 1e-4 stays above all of them, while a wrong kernel (a missed element, a
//! wrong index, a sign) is off by 1e-2 or more, as Mesa 22.3's reductions were. A disagreement is
//! a bug to find, not a tolerance to widen.
//!
//! # ReLU's kink
//! The forward pass is continuous in every rounding error, but ReLU's derivative jumps at zero: a
//! ReLU input within rounding error of zero (1e-5 of its layer's scale on DnCNN) may be positive on
//! one backend and negative on another, and then the gradient of every earlier layer differs by
//! percents — correctly on both. With batch norm centring activations on the kink, DnCNN on a
//! 2 × 12 × 12 batch has such an element in about half of its forward passes (measured: one
//! sign flip between flex and ndarray in 3 of 6 batches). So the gradient and training tests run
//! on small images and on batches, found by [`well_conditioned`], whose every ReLU input lies at
//! least [`TOLERANCE`] of its layer's scale away from zero on flex: a backend that agrees within
//! the tolerance cannot cross the kink, and then the gradients must agree too.
//!
//! # Which backends
//! flex and ndarray always. wgpu is *required*: without a Vulkan/Metal/DX12 adapter these tests
//! fail and name the packages to install (CI installs Mesa's lavapipe); set
//! `DENOISE_SKIP_WGPU=1` to leave wgpu out on a machine that cannot have a driver. The wgpu device
//! is chosen explicitly (`--backend wgpu`), never through `auto`, which refuses software adapters.

use std::sync::Mutex;

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use denoise_kernels::testing::{relative_difference, to_vec};
use denoise_model::{Denoiser, DenoiserConfig, Preset};
use denoise_trainer::backend::{self, BackendChoice};
use denoise_trainer::bench::normal_values;
use denoise_trainer::loss::LossSpec;
use denoise_trainer::optim::OptimSpec;
use denoise_trainer::run::checkpoint::parameter_values;

/// Largest accepted `max |a − b| / max |b|` (see the module docs for the derivation).
pub const TOLERANCE: f64 = 1e-4;

/// The largest difference seen per quantity, printed at the end of each test (for the record).
mod reductions;

static WORST: Mutex<Vec<(String, f64)>> = Mutex::new(Vec::new());

/// The backends under test: flex first (the reference), then ndarray and wgpu.
fn backends() -> Vec<(&'static str, Device)> {
    let mut out = Vec::new();
    for (name, choice) in [
        ("flex", BackendChoice::Flex),
        ("ndarray", BackendChoice::Ndarray),
    ] {
        out.push((name, backend::select(choice).expect("CPU backend").device));
    }
    if std::env::var_os("DENOISE_SKIP_WGPU").is_some() {
        eprintln!("DENOISE_SKIP_WGPU is set: wgpu left out of the parity tests");
        return out;
    }
    match backend::select(BackendChoice::Wgpu) {
        Ok(s) => {
            eprintln!("wgpu device: {}", s.description);
            out.push(("wgpu", s.device));
        }
        Err(e) => panic!(
            "the parity tests need a wgpu adapter: {e:#}\n(on Debian/Ubuntu: apt-get install \
             mesa-vulkan-drivers libvulkan1; or set DENOISE_SKIP_WGPU=1 to test the CPU backends \
             only)"
        ),
    }
    out
}

/// Asserts that `got` (from backend `name`) matches `reference` (flex) and records the
/// difference under `quantity`.
#[track_caller]
fn check(quantity: &str, name: &str, got: &[f32], reference: &[f32]) {
    assert!(
        got.iter().all(|v| v.is_finite()),
        "{quantity} on {name}: not finite"
    );
    let d = relative_difference(got, reference);
    {
        let mut worst = WORST.lock().unwrap_or_else(|p| p.into_inner());
        let key = format!("{quantity} ({name} vs flex)");
        match worst.iter_mut().find(|(k, _)| *k == key) {
            Some((_, w)) => *w = w.max(d),
            None => worst.push((key, d)),
        }
    }
    assert!(
        d <= TOLERANCE,
        "{quantity}: {name} differs from flex by {d:.3e} (max |a − b| / max |b|) > {TOLERANCE:e}"
    );
}

fn print_worst() {
    let worst = WORST.lock().unwrap_or_else(|p| p.into_inner());
    for (k, v) in worst.iter() {
        eprintln!("parity: {k:<60} {v:.2e}");
    }
}

/// A deterministic batch `[n, c, h, w]` of values around 0.5 with noise, drawn on the host.
fn host_batch(seed: u64, shape: [usize; 4]) -> Vec<f32> {
    normal_values(seed, shape.iter().product(), 0.5, 0.3)
}

fn tensor(values: &[f32], shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape), device)
}

/// Every gradient, in module order.
struct CollectGrads<'a> {
    grads: &'a GradientsParams,
    out: Vec<Vec<f32>>,
}

impl ModuleVisitor for CollectGrads<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.get::<D>(param.id) {
            self.out.push(to_vec(g));
        }
    }
}

/// The two model shapes of the tests: the `tiny` preset (gray) and the `dncnn` preset (17 × 64
/// with batch norm, RGB), on small images.
fn models() -> [(&'static str, DenoiserConfig, [usize; 4]); 2] {
    [
        (
            "tiny",
            Preset::Tiny.config(1).with_init_seed(11),
            [2, 1, 16, 16],
        ),
        (
            "dncnn",
            Preset::Dncnn.config(3).with_init_seed(12),
            [2, 3, 12, 12],
        ),
    ]
}

/// The models of the gradient and training tests, on images small enough that batches with every
/// ReLU input away from the kink exist (DnCNN has 960 ReLU inputs per pixel): `tiny` on 1 × 5 × 5,
/// `dncnn` on 1 × 3 × 3 × 3 (batch norm then normalises over 9 values per channel).
fn gradient_models() -> [(&'static str, DenoiserConfig, [usize; 4]); 2] {
    let [(t, tc, _), (d, dc, _)] = models();
    [(t, tc, [1, 1, 5, 5]), (d, dc, [1, 3, 3, 3])]
}

/// The smallest `|ReLU input| / max |ReLU input of that layer|` over every layer of `model` on
/// `input`: how far the batch stays from ReLU's kink (see the module docs).
fn kink_margin(model: &Denoiser, input: Tensor<4>) -> f64 {
    model
        .relu_inputs(input)
        .into_iter()
        .map(|t| {
            let v = to_vec(t);
            let max = v.iter().fold(0f64, |m, &x| m.max(f64::from(x).abs()));
            let min = v.iter().fold(f64::MAX, |m, &x| m.min(f64::from(x).abs()));
            if max == 0.0 { 0.0 } else { min / max }
        })
        .fold(f64::MAX, f64::min)
}

/// The first seed from `first` for which `margin(seed)` (a [`kink_margin`] on flex) reaches
/// [`TOLERANCE`]; fails after 1000 seeds.
fn well_conditioned(what: &str, first: u64, margin: impl Fn(u64) -> f64) -> u64 {
    (first..first + 1000)
        .find(|&seed| margin(seed) >= TOLERANCE)
        .unwrap_or_else(|| {
            panic!("{what}: no batch keeps every ReLU input {TOLERANCE:e} away from zero")
        })
}

/// A model on `device`: weights drawn on the host (identical everywhere); with batch norm, two
/// training-mode forwards on fixed batches first move the running statistics away from (0, 1) so
/// eval mode is exercised with real statistics.
fn model_on(config: &DenoiserConfig, shape: [usize; 4], device: &Device) -> Denoiser {
    let model = config.init(device);
    if !config.batch_norm {
        return model;
    }
    let ad = device.clone().autodiff();
    let model = model.fork(&ad).train();
    for seed in [101, 102] {
        let _ = model.forward(tensor(&host_batch(seed, shape), shape, &ad));
    }
    model.valid()
}

#[test]
fn forward_agrees_in_eval_and_train_mode() {
    let _gpu = crate::util::wgpu_lock();
    let backends = backends();
    for (label, config, shape) in models() {
        let input = host_batch(1, shape);
        // (eval-mode output, train-mode output, weights and running statistics) on flex.
        type Outputs = (Vec<f32>, Vec<f32>, Vec<Vec<f32>>);
        let mut reference: Option<Outputs> = None;
        for (name, device) in &backends {
            let model = model_on(&config, shape, device);
            let stats = parameter_values(&model);
            let eval = to_vec(model.forward(tensor(&input, shape, device)));
            let ad = device.clone().autodiff();
            let train = to_vec(model.fork(&ad).train().forward(tensor(&input, shape, &ad)));
            match &reference {
                None => reference = Some((eval, train, stats)),
                Some((e, t, s)) => {
                    check(&format!("{label} forward, eval mode"), name, &eval, e);
                    check(&format!("{label} forward, train mode"), name, &train, t);
                    for (got, want) in stats.iter().zip(s) {
                        check(
                            &format!("{label} weights and running statistics"),
                            name,
                            got,
                            want,
                        );
                    }
                }
            }
        }
    }
    print_worst();
}

/// Every loss on the same prediction and target: its value, and the gradient of every parameter.
#[test]
fn every_loss_and_its_gradients_agree() {
    let _gpu = crate::util::wgpu_lock();
    let backends = backends();
    let losses: [(&str, f64); 8] = [
        ("mse", 0.0),
        ("l1", 0.0),
        ("huber:0.05", 0.0),
        ("smooth-l1:0.1", 0.0),
        ("charbonnier", 0.0),
        ("log-cosh", 0.0),
        ("l0", 0.0),
        ("l0", 0.5),
    ];
    let flex = Device::flex();
    for (label, config, shape) in gradient_models() {
        let seed = well_conditioned(label, 2, |seed| {
            let ad = flex.clone().autodiff();
            let model = model_on(&config, shape, &flex).fork(&ad).train();
            kink_margin(&model, tensor(&host_batch(seed, shape), shape, &ad))
        });
        let input = host_batch(seed, shape);
        let target = host_batch(seed + 1000, shape);
        for (spec, progress) in losses {
            // The large model is covered by the two losses with the most different gradients.
            if config.batch_norm && !matches!(spec, "mse" | "l1") {
                continue;
            }
            let loss: LossSpec = spec.parse().unwrap();
            let mut reference: Option<(Vec<f32>, Vec<Vec<f32>>)> = None;
            for (name, device) in &backends {
                let ad = device.clone().autodiff();
                let model = model_on(&config, shape, device).fork(&ad).train();
                let out = model.forward(tensor(&input, shape, &ad));
                let value = loss.forward(out, tensor(&target, shape, &ad), progress);
                let v = to_vec(value.clone());
                let grads = GradientsParams::from_grads(value.backward(), &model);
                let mut c = CollectGrads {
                    grads: &grads,
                    out: Vec::new(),
                };
                model.visit(&mut c);
                assert!(!c.out.is_empty(), "{label}/{spec} on {name}: no gradients");
                match &reference {
                    None => reference = Some((v, c.out)),
                    Some((rv, rg)) => {
                        let q = format!("{label} loss {spec} (t = {progress})");
                        check(&format!("{q} value"), name, &v, rv);
                        assert_eq!(c.out.len(), rg.len(), "{q}: gradient count on {name}");
                        for (got, want) in c.out.iter().zip(rg) {
                            check(&format!("{label} gradients, loss {spec}"), name, got, want);
                        }
                    }
                }
            }
        }
    }
    print_worst();
}

/// Three training steps (forward, loss, backward, global-norm clipping, optimizer with weight
/// decay) on one batch give the same weights, and for batch norm the same running statistics.
///
/// The batch is the first whose ReLU inputs stay away from the kink in all three steps on flex
/// (see the module docs). SGD, with and without momentum, is linear in the gradient, so the
/// gradients' agreement carries over to the weights. Adam, AdamW and RMSProp divide by √v: in
/// their first steps an element moves by about ±lr whatever the size of its gradient, so an
/// element whose gradient is within rounding error of zero (from a sum that cancels) moves +lr on
/// one backend and −lr on another (measured: RMSProp on `tiny`, 1.4e-4 between the two CPU
/// backends). Their arithmetic is compared with identical gradients given to every backend
/// instead ([`optimizers_agree_given_identical_gradients`]).
#[test]
fn weights_after_training_steps_agree() {
    let _gpu = crate::util::wgpu_lock();
    let backends = backends();
    let cases: [(&str, &str, Option<f64>); 4] = [
        ("tiny", "sgd", None),
        ("tiny", "sgd:0.9", None),
        ("dncnn", "sgd", Some(1e-4)),
        ("dncnn", "sgd:0.9", Some(1e-4)),
    ];
    for (which, optim, lr) in cases {
        let (label, config, shape) = gradient_models()
            .into_iter()
            .find(|(l, _, _)| *l == which)
            .unwrap();
        let spec: OptimSpec = optim.parse().unwrap();
        let lr = lr.unwrap_or_else(|| spec.default_lr());
        // Weights after three steps on `device` and the smallest kink margin met on the way.
        let train = |device: &Device, seed: u64| {
            let ad = device.clone().autodiff();
            let mut model = model_on(&config, shape, device).fork(&ad).train();
            let mut opt = spec.build(1e-4);
            let input = host_batch(seed, shape);
            let target = host_batch(seed + 1000, shape);
            let mut margin = f64::MAX;
            for _ in 0..3 {
                margin = margin.min(kink_margin(&model, tensor(&input, shape, &ad)));
                let out = model.forward(tensor(&input, shape, &ad));
                let loss = LossSpec::Mse.forward(out, tensor(&target, shape, &ad), 0.0);
                let mut grads = GradientsParams::from_grads(loss.backward(), &model);
                denoise_trainer::optim::grad::clip_global_norm(&model, &mut grads, 1.0);
                model = opt.step(lr, model, grads);
            }
            (parameter_values(&model.valid()), margin)
        };
        let what = format!("{label} weights after 3 {optim} training steps");
        let seed = well_conditioned(&what, 10, |seed| train(&Device::flex(), seed).1);
        let mut reference: Option<Vec<Vec<f32>>> = None;
        for (name, device) in &backends {
            compare_weights(&what, name, train(device, seed).0, &mut reference);
        }
    }
    print_worst();
}

fn compare_weights(
    quantity: &str,
    name: &str,
    weights: Vec<Vec<f32>>,
    reference: &mut Option<Vec<Vec<f32>>>,
) {
    match reference {
        None => *reference = Some(weights),
        Some(r) => {
            assert_eq!(weights.len(), r.len(), "{quantity}: parameter count");
            for (got, want) in weights.iter().zip(r.iter()) {
                check(quantity, name, got, want);
            }
        }
    }
}

/// Registers host-drawn gradients (the same numbers on every backend) for every parameter.
struct GivenGrads<'a> {
    device: &'a Device,
    step: u64,
    index: u64,
    grads: GradientsParams,
}

impl ModuleVisitor for GivenGrads<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let dims = param.val().dims();
        let n: usize = dims.iter().product();
        let values = normal_values(self.step * 1000 + self.index, n, 0.0, 1e-2);
        self.index += 1;
        self.grads.register(
            param.id,
            Tensor::<D>::from_data(TensorData::new(values, dims), self.device),
        );
    }
}

/// Three steps of every optimizer, given the same gradients on every backend, on both presets:
/// the optimizers' arithmetic agrees (elementwise, so to a few ulps).
#[test]
fn optimizers_agree_given_identical_gradients() {
    let _gpu = crate::util::wgpu_lock();
    let backends = backends();
    for (label, config, shape) in models() {
        for optim in ["sgd", "sgd:0.9", "adam", "adamw", "rmsprop"] {
            let spec: OptimSpec = optim.parse().unwrap();
            let mut reference: Option<Vec<Vec<f32>>> = None;
            for (name, device) in &backends {
                let ad = device.clone().autodiff();
                let mut model = model_on(&config, shape, device).fork(&ad).train();
                let mut opt = spec.build(1e-4);
                for step in 0..3u64 {
                    let mut given = GivenGrads {
                        device,
                        step,
                        index: 0,
                        grads: GradientsParams::new(),
                    };
                    model.visit(&mut given);
                    model = opt.step(spec.default_lr(), model, given.grads);
                }
                compare_weights(
                    &format!("{label} weights after 3 {optim} steps, given gradients"),
                    name,
                    parameter_values(&model.valid()),
                    &mut reference,
                );
            }
        }
    }
    print_worst();
}
