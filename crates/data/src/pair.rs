//! One example: a clean image, the noisy input made from it and the corrupted target
//! ([`Corruption`]), each drawn from its own seeded stream (or the input a real noisy twin);
//! and full-image evaluation pairs.

use serde::{Deserialize, Serialize};

use crate::seed::{Domain, stream};
use crate::{Image, LabelSpec, NoiseSpec};

/// A training or evaluation example.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// What the network sees: the clean image with input noise.
    pub input: Image,
    /// What the loss compares with: the clean image with label corruption.
    pub target: Image,
    /// The truth, for metrics.
    pub clean: Image,
}

/// How inputs and targets are made from a clean image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Corruption {
    /// Noise on the input.
    pub noise: NoiseSpec,
    /// Clip noisy inputs to [0, 1] (targets are never clipped).
    pub clip_input: bool,
    /// Corruption of the target.
    pub labels: LabelSpec,
}

impl Corruption {
    /// The pair for `clean`, with input noise from `seed/domain/index` and label corruption from
    /// an independent stream.
    pub fn make_pair(&self, clean: Image, seed: u64, domain: Domain, index: u64) -> Pair {
        self.pair_with_input(clean, None, seed, domain, index)
    }

    /// [`make_pair`](Self::make_pair), with `real` (a noisy twin, `--noise real:DIR`) as the
    /// input where given instead of drawn noise; the target's stream is the same either way.
    pub fn pair_with_input(
        &self,
        clean: Image,
        real: Option<Image>,
        seed: u64,
        domain: Domain,
        index: u64,
    ) -> Pair {
        let mut rng_lab = stream(seed ^ 0x5EED_1AB3_15C0_FFEE, domain, index);
        let input = real.unwrap_or_else(|| {
            let mut rng_in = stream(seed, domain, index);
            self.noise.apply(&clean, &mut rng_in, self.clip_input)
        });
        let target = self.labels.corrupt(&clean, &mut rng_lab);
        Pair {
            input,
            target,
            clean,
        }
    }
}

/// Full-image evaluation pairs (no cropping), with noise fixed by `seed` so every evaluation of a
/// run, and every run of a comparison, sees the same inputs.
pub fn evaluation_pairs(images: &[Image], corruption: &Corruption, seed: u64) -> Vec<Pair> {
    images
        .iter()
        .enumerate()
        .map(|(i, img)| corruption.make_pair(img.clone(), seed, Domain::Evaluation, i as u64))
        .collect()
}

/// Full-image evaluation pairs whose inputs are the real noisy twins `noisy[i]` of `images[i]`
/// (targets as [`evaluation_pairs`] makes them).
pub fn real_noise_pairs(
    images: &[Image],
    noisy: &[Image],
    corruption: &Corruption,
    seed: u64,
) -> Vec<Pair> {
    assert_eq!(images.len(), noisy.len(), "one noisy twin per image");
    images
        .iter()
        .zip(noisy)
        .enumerate()
        .map(|(i, (img, twin))| {
            corruption.pair_with_input(
                img.clone(),
                Some(twin.clone()),
                seed,
                Domain::Evaluation,
                i as u64,
            )
        })
        .collect()
}
