//! Memory before the work starts: what this machine (or its container) has free, what a training
//! step and an inference pass will need, and the refusal when it cannot fit — with the estimate and
//! the limit in the message, instead of the kernel's OOM killer ending the process without a word.
//!
//! The estimates are upper bounds fitted to measured peaks (`/usr/bin/time -f %M denoise train
//! --backend flex --steps 2 …` and `denoise denoise --tile none`, 2-core Intel Xeon, AVX-512;
//! the table in BENCHMARKS.md): training stores the activations of every layer for the backward
//! pass, inference keeps two padded layers at a time.

use denoise_model::DenoiserConfig;

use crate::error::{Error, Result};

/// Bytes of fixed overhead (the binary, burn's pools, the data set of a synthetic run).
pub const BASE: u64 = 96 << 20;

/// Free memory in bytes: `MemAvailable` of `/proc/meminfo`, lowered to the room left under a
/// cgroup limit (v2 `memory.max`, v1 `memory.limit_in_bytes`) when there is one; `None` where
/// neither can be read (other systems: no check).
pub fn available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let host = meminfo.as_deref().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib << 10)
    });
    let read_u64 = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
    };
    let cgroup = match (
        read_u64("/sys/fs/cgroup/memory.max"),
        read_u64("/sys/fs/cgroup/memory.current"),
    ) {
        (Some(max), Some(cur)) => Some(max.saturating_sub(cur)),
        _ => match (
            read_u64("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
            read_u64("/sys/fs/cgroup/memory/memory.usage_in_bytes"),
        ) {
            // v1 reports "no limit" as a huge number.
            (Some(max), Some(cur)) if max < 1 << 60 => Some(max.saturating_sub(cur)),
            _ => None,
        },
    };
    match (host, cgroup) {
        (Some(h), Some(c)) => Some(h.min(c)),
        (h, c) => h.or(c),
    }
}

/// Bytes a training step holds per input pixel (batch × patch²): the activations of every layer
/// kept for the backward pass and their gradients, 2.5 `f32` per hidden channel and layer without
/// batch norm, 3.5 with it (measured: 1.17 KB for `tiny`, up to 13.9 KB for `dncnn`).
pub fn training_bytes_per_pixel(model: &DenoiserConfig) -> u64 {
    let per_channel_layer = if model.batch_norm { 14 } else { 10 }; // 3.5 or 2.5 f32
    (model.width * model.depth) as u64 * per_channel_layer
}

/// Bytes an inference pass holds per pixel: two padded hidden layers and the image's copies.
pub fn inference_bytes_per_pixel(width: usize, channels: usize) -> u64 {
    (3 * width as u64 + 8 * channels as u64) * 4
}

/// The estimated peak of training `model` on `batch` patches of `patch²` pixels.
pub fn training_estimate(model: &DenoiserConfig, batch: usize, patch: usize) -> u64 {
    let pixels = (batch as u64).saturating_mul((patch * patch) as u64);
    BASE.saturating_add(pixels.saturating_mul(training_bytes_per_pixel(model)))
}

fn mib(b: u64) -> String {
    if b >= 10 << 30 {
        format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64)
    } else {
        format!("{} MiB", b >> 20)
    }
}

/// Refuses a training run whose estimated peak exceeds `available` bytes, naming the estimate, the
/// limit and the largest batch that fits.
pub fn check_training(
    model: &DenoiserConfig,
    batch: usize,
    patch: usize,
    available: Option<u64>,
) -> Result<()> {
    let Some(free) = available else {
        return Ok(());
    };
    let need = training_estimate(model, batch, patch);
    if need <= free {
        return Ok(());
    }
    let per_patch = (patch * patch) as u64 * training_bytes_per_pixel(model);
    let fits = free.saturating_sub(BASE) / per_patch.max(1);
    Err(Error::usage(format!(
        "--batch {batch} --patch {patch} needs about {} of memory for a training step (the \
         activations of {} layers × {} channels × {batch} × {patch}² pixels), but {} is free: \
         use --batch {} or less, or a smaller --patch",
        mib(need),
        model.depth,
        model.width,
        mib(free),
        fits.max(1)
    )))
}

/// The tile side for inference: the largest multiple of 16 whose window (side + 2·margin)² fits in
/// a quarter of `available` (at most 1 GiB), between 64 and 4096 pixels; 512 where free memory is
/// unknown.
pub fn default_tile(width: usize, channels: usize, margin: usize, available: Option<u64>) -> usize {
    let Some(free) = available else {
        return 512;
    };
    let budget = (free / 4).min(1 << 30);
    let window = (budget / inference_bytes_per_pixel(width, channels)) as f64;
    let side = (window.sqrt() as usize).saturating_sub(2 * margin) / 16 * 16;
    side.clamp(64, 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dncnn() -> DenoiserConfig {
        DenoiserConfig::new(1)
    }

    #[test]
    fn a_batch_that_cannot_fit_is_refused_with_the_numbers() {
        let err = check_training(&dncnn(), 100_000_000, 40, Some(8 << 30))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--batch 100000000") && err.contains("8192 MiB"),
            "{err}"
        );
        // The batch it proposes fits, one more does not.
        let fits: usize = err
            .split("use --batch ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(check_training(&dncnn(), fits, 40, Some(8 << 30)).is_ok());
        assert!(check_training(&dncnn(), fits + 1, 40, Some(8 << 30)).is_err());
        assert!(check_training(&dncnn(), 100_000_000, 40, None).is_ok());
    }

    #[test]
    fn estimates_cover_the_measured_peaks() {
        // Peaks measured on flex (KiB, /usr/bin/time -f %M, 2 steps): the estimate is above each.
        let tiny = DenoiserConfig::new(1)
            .with_depth(5)
            .with_width(32)
            .with_batch_norm(false);
        for (model, batch, patch, kib) in [
            (&tiny, 8, 32, 42_292u64),
            (&tiny, 32, 64, 220_252),
            (&tiny, 64, 96, 708_192),
            (&dncnn(), 8, 32, 156_756),
            (&dncnn(), 32, 64, 1_778_928),
            (&dncnn(), 64, 96, 5_658_124),
        ] {
            let est = training_estimate(model, batch, patch);
            assert!(est >= kib << 10, "{batch}×{patch}²: {est} < {kib} KiB");
            assert!(
                est <= 2 * (kib << 10) + BASE,
                "{batch}×{patch}²: {est} too loose"
            );
        }
    }

    #[test]
    fn default_tiles_follow_free_memory() {
        assert_eq!(default_tile(64, 1, 17, None), 512);
        let small = default_tile(64, 1, 17, Some(256 << 20));
        let large = default_tile(64, 1, 17, Some(64 << 30));
        assert!(
            small >= 64 && small < large && large <= 4096,
            "{small} {large}"
        );
        assert_eq!(large % 16, 0);
        // The window of the chosen side fits in the budget.
        let w = (large + 34) as u64;
        assert!(w * w * inference_bytes_per_pixel(64, 1) <= 1 << 30);
    }
}
