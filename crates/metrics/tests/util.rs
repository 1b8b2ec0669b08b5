//! Fixtures shared with `scripts/metrics_reference.py` (the same integer formulas).

/// `((y·73856093) ^ (x·19349663) ^ (seed·83492791)) mod 256 / 255`, rounded to f32.
pub fn hash_image(h: usize, w: usize, seed: u64) -> Vec<f32> {
    let mut out = Vec::with_capacity(h * w);
    for y in 0..h as u64 {
        for x in 0..w as u64 {
            let v = ((y * 73_856_093) ^ (x * 19_349_663) ^ (seed * 83_492_791)) % 256;
            out.push((v as f64 / 255.0) as f32);
        }
    }
    out
}

/// A square, a ramp and stripes on a flat background: edges where blur shows.
pub fn scene(h: usize, w: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(h * w);
    for y in 0..h {
        for x in 0..w {
            let v = if (8..24).contains(&y) && (6..20).contains(&x) {
                0.8
            } else if y < 4 {
                x as f64 / (w - 1) as f64
            } else if x >= w - 6 {
                ((x + y) / 2 % 2) as f64 * 0.6 + 0.2
            } else {
                0.2
            };
            out.push(v as f32);
        }
    }
    out
}

/// `img + 0.2·(hash − 0.5)`, rounded to f32.
pub fn noisy(img: &[f32], h: usize, w: usize, seed: u64) -> Vec<f32> {
    img.iter()
        .zip(hash_image(h, w, seed))
        .map(|(&v, n)| (f64::from(v) + 0.2 * (f64::from(n) - 0.5)) as f32)
        .collect()
}

/// A 3×3 box blur with edge replication.
pub fn box_blur(img: &[f32], h: usize, w: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; h * w];
    for y in 0..h {
        for x in 0..w {
            let mut s = 0.0f64;
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let yy = (y as i64 + dy).clamp(0, h as i64 - 1) as usize;
                    let xx = (x as i64 + dx).clamp(0, w as i64 - 1) as usize;
                    s += f64::from(img[yy * w + xx]);
                }
            }
            out[y * w + x] = (s / 9.0) as f32;
        }
    }
    out
}

/// Asserts `|got − want| ≤ tol`, with both in the message.
#[track_caller]
pub fn assert_close(got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "got {got}, want {want} (tolerance {tol})"
    );
}
