//! Parity of reductions over millions of elements (where lavapipe once dropped part of the sum)
//! and of batch-norm statistics of a large batch.

use super::*;

/// Values that are multiples of 1/4 below 2: every partial sum of up to 2^21 of them is exact in
/// f32, whatever the order, so a reduction must give the exact answer on every backend.
fn quarters(n: usize) -> Vec<f32> {
    (0..n).map(|i| (i % 7) as f32 * 0.25).collect()
}

/// Reductions over more than 2^18 elements. Mesa 22.3's lavapipe dropped part of them (a 1-D mean
/// of 2^20 elements came out at ¼, a `mean_dim` over `[64, 100000]` lost half its rows); Mesa
/// 25.0.7 is right. Sums of quarters are exact, so the expected values are exact too.
#[test]
fn large_reductions_are_exact() {
    let _gpu = crate::util::wgpu_lock();
    let backends = backends();
    for n in [262_145usize, 1 << 20, 3_000_000] {
        let v = quarters(n);
        let exact: f64 = v.iter().map(|&x| f64::from(x)).sum();
        for (name, device) in &backends {
            let t = Tensor::<1>::from_data(TensorData::new(v.clone(), [n]), device);
            let sum = f64::from(t.clone().sum().into_scalar::<f32>());
            let mean = f64::from(t.clone().mean().into_scalar::<f32>());
            let sum_dim = f64::from(t.sum_dim(0).into_scalar::<f32>());
            assert_eq!(sum, exact, "sum of {n} on {name}");
            assert_eq!(sum_dim, exact, "sum_dim of {n} on {name}");
            // The mean is the exact sum divided once: within two f32 ulps of the true quotient
            // (one for the division, one for how a backend scales by 1/n).
            let want = exact / n as f64;
            assert!(
                (mean - want).abs() <= want * 2.0 * f64::from(f32::EPSILON),
                "mean of {n} on {name}: {mean} vs {want}"
            );
        }
    }
    // Row means of a [64, 100000] matrix (the shape of batch-norm statistics: channels × pixels).
    let (rows, cols) = (64usize, 100_000usize);
    let v = quarters(rows * cols);
    let want: Vec<f32> = v
        .chunks(cols)
        .map(|r| (r.iter().map(|&x| f64::from(x)).sum::<f64>() / cols as f64) as f32)
        .collect();
    for (name, device) in &backends {
        let t = Tensor::<2>::from_data(TensorData::new(v.clone(), [rows, cols]), device);
        let got = to_vec(t.mean_dim(1));
        check("row means of [64, 100000]", name, &got, &want);
    }
    print_worst();
}

/// Batch norm in training mode on a batch with more than 2^18 pixels per channel (8 × 192 × 192 =
/// 294,912): the output and the running statistics agree.
#[test]
fn batch_norm_statistics_of_a_large_batch_agree() {
    let _gpu = crate::util::wgpu_lock();
    let backends = backends();
    let config = DenoiserConfig::new(1)
        .with_depth(3)
        .with_width(4)
        .with_batch_norm(true)
        .with_init_seed(5);
    let shape = [8, 1, 192, 192];
    let input = host_batch(7, shape);
    let mut reference: Option<(Vec<f32>, Vec<Vec<f32>>)> = None;
    for (name, device) in &backends {
        let ad = device.clone().autodiff();
        let model = config.init(device).fork(&ad).train();
        let out = to_vec(model.forward(tensor(&input, shape, &ad)));
        let stats = parameter_values(&model.valid());
        match &reference {
            None => reference = Some((out, stats)),
            Some((o, s)) => {
                check("large-batch batch-norm forward", name, &out, o);
                for (got, want) in stats.iter().zip(s) {
                    check("large-batch running statistics", name, got, want);
                }
            }
        }
    }
    print_worst();
}
