//! Helpers for the tests of the kernels and of the crates above them (feature `test-support`):
//! deterministic data, deterministic convolutions, and the one relative difference every
//! comparison of two computations uses.

use burn::tensor::Tensor;

/// Deterministic values in [-1, 1) (xorshift), different for each seed.
pub fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// The elements of a tensor.
pub fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

/// `max |a − reference| / max |reference|` (in f64; the plain maximum difference when the
/// reference is all zeros).
pub fn relative_difference(a: &[f32], reference: &[f32]) -> f64 {
    assert_eq!(a.len(), reference.len(), "tensors of different sizes");
    let scale = reference
        .iter()
        .fold(0f64, |m, &v| m.max(f64::from(v).abs()));
    let err = a.iter().zip(reference).fold(0f64, |m, (&x, &y)| {
        m.max((f64::from(x) - f64::from(y)).abs())
    });
    if scale == 0.0 { err } else { err / scale }
}

/// Runs `f` on a rayon pool of `threads` threads.
pub fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// A 3×3 "same" convolution `c_in → c_out` with deterministic weights (Kaiming-scaled values of
/// [`values`] for `seed`) and a zero bias (or none), as the models build them.
pub fn conv3x3(
    c_in: usize,
    c_out: usize,
    bias: bool,
    seed: u64,
    device: &burn::tensor::Device,
) -> burn::nn::conv::Conv2d {
    use burn::module::Param;
    use burn::tensor::TensorData;
    let scale = (2.0 / (c_in * 9) as f32).sqrt();
    let weight: Vec<f32> = values(c_out * c_in * 9, seed)
        .into_iter()
        .map(|v| v * scale)
        .collect();
    burn::nn::conv::Conv2d {
        weight: Param::from_tensor(Tensor::from_data(
            TensorData::new(weight, [c_out, c_in, 3, 3]),
            device,
        )),
        bias: bias.then(|| Param::from_tensor(Tensor::zeros([c_out], device))),
        stride: [1, 1],
        kernel_size: [3, 3],
        dilation: [1, 1],
        groups: 1,
        padding: burn::nn::PaddingConfig2d::Explicit(1, 1, 1, 1),
    }
}
