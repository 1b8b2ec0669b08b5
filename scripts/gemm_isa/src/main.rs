//! The 16 products of one layer's Winograd weight gradient (`[c × 200] · [200 × c]`, 32 blocks,
//! one thread) through faer's x86 kernels, once with AVX-512 and once with AVX2; prints the best
//! of 7 and the ratio. Layouts as `winograd_weights.rs` hands them to faer (row-major left side,
//! column-major right side, row-major result).

use private_gemm_x86::*;
use std::time::Instant;
fn run(instr: InstrSet, m: usize, n: usize, k: usize, calls: usize) -> f64 {
    let lhs: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32 * 0.1).collect();
    let rhs: Vec<f32> = (0..k * n).map(|i| (i % 5) as f32 * 0.1).collect();
    let mut dst = vec![0.0f32; m * n];
    let alpha = 1.0f32;
    let mut best = f64::MAX;
    for _ in 0..7 {
        let t = Instant::now();
        for _ in 0..calls {
            unsafe {
                gemm(
                    DType::F32,
                    IType::U64,
                    instr,
                    m,
                    n,
                    k,
                    dst.as_mut_ptr() as *mut (),
                    n as isize,
                    1,
                    std::ptr::null(),
                    std::ptr::null(),
                    DstKind::Full,
                    Accum::Replace,
                    lhs.as_ptr() as *const (),
                    k as isize,
                    1,
                    false,
                    std::ptr::null(),
                    0,
                    rhs.as_ptr() as *const (),
                    1,
                    k as isize,
                    false,
                    &alpha as *const f32 as *const (),
                    1,
                );
            }
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    std::hint::black_box(&dst);
    best
}
fn main() {
    for &(c, calls) in &[(32usize, 512usize), (64, 512)] {
        let a512 = run(InstrSet::Avx512, c, c, 200, calls);
        let a256 = run(InstrSet::Avx256, c, c, 200, calls);
        let flops = 2.0 * (c * c * 200 * calls) as f64;
        println!(
            "c={c}: avx512 {:.2} ms ({:.0} GF/s)  avx256 {:.2} ms ({:.0} GF/s)  ratio {:.2}",
            a512 * 1e3,
            flops / a512 / 1e9,
            a256 * 1e3,
            flops / a256 / 1e9,
            a256 / a512
        );
    }
}
