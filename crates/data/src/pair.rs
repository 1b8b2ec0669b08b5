//! One example: a clean image, the noisy input made from it and the corrupted target
//! ([`Corruption`]), each drawn from its own seeded stream; and full-image evaluation pairs.

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
        let mut rng_in = stream(seed, domain, index);
        let mut rng_lab = stream(seed ^ 0x5EED_1AB3_15C0_FFEE, domain, index);
        let input = self.noise.apply(&clean, &mut rng_in, self.clip_input);
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
