//! Training pairs: random patches with the 8 flips/rotations, noisy inputs and corrupted targets
//! (each pair made as in `pair.rs`).
//!
//! Pair `g` (a global counter: step × batch + position) depends only on `(seed, g)`: the same seed
//! gives the same pairs whatever the thread count or the order they are asked for, and a resumed
//! run continues the stream exactly.

use std::sync::Arc;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::pair::{Corruption, Pair};
use crate::seed::{Domain, stream};
use crate::{DataError, Image};

/// One of the 8 symmetries of the square: `k % 4` quarter turns, mirrored when `k >= 4`.
pub fn dihedral(image: &Image, k: u8) -> Image {
    let (c, h, w) = (image.channels(), image.height(), image.width());
    let turns = k % 4;
    let (oh, ow) = if turns.is_multiple_of(2) {
        (h, w)
    } else {
        (w, h)
    };
    let mut data = Vec::with_capacity(c * h * w);
    for ch in 0..c {
        for y in 0..oh {
            for x in 0..ow {
                let x = if k >= 4 { ow - 1 - x } else { x };
                // Source coordinates of output (y, x) after `turns` counter-clockwise quarter turns.
                let (sy, sx) = match turns {
                    0 => (y, x),
                    1 => (x, w - 1 - y),
                    2 => (h - 1 - y, w - 1 - x),
                    _ => (h - 1 - x, y),
                };
                data.push(image.at(ch, sy, sx));
            }
        }
    }
    Image::new(data, c, oh, ow).expect("same number of values")
}

/// Settings of a [`PatchSampler`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PatchConfig {
    /// Side of the square patches.
    pub patch: usize,
    /// Apply a random flip/rotation (one of 8) to each patch.
    pub augment: bool,
    /// Patches that make one epoch.
    pub patches_per_epoch: usize,
    /// Seed of positions, augmentations, noise and labels.
    pub seed: u64,
    /// A fixed set of this many corrupted targets per training image, drawn once (a patch takes
    /// one of them at random); `None`: a fresh corrupted target for every patch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_draws: Option<usize>,
}

/// Salt of the label streams of fixed target sets (apart from the per-patch label streams).
const FIXED_LABELS: u64 = 0xF1ED_1ABE_15D2_A5E5;

/// Where patch `index` comes from.
struct Placement {
    image: usize,
    y0: usize,
    x0: usize,
    symmetry: Option<u8>,
    draw: usize,
}

/// Draws training pairs from a set of clean images.
#[derive(Debug, Clone)]
pub struct PatchSampler {
    images: Arc<[Image]>,
    config: PatchConfig,
    corruption: Corruption,
    /// With `label_draws`: the fixed targets of each image, `targets[image][draw]`.
    targets: Option<Arc<[Vec<Image>]>>,
    /// With real noise: the noisy twin of each image, cut where its clean patch is cut.
    noisy: Option<Arc<[Image]>>,
}

impl PatchSampler {
    /// A sampler; every image must be at least `patch` pixels a side, and all must have the same
    /// channel count.
    pub fn new(
        images: Vec<Image>,
        config: PatchConfig,
        corruption: Corruption,
    ) -> Result<Self, DataError> {
        if config.patch == 0 {
            return Err(DataError::Parameter {
                name: "--patch",
                value: "0".into(),
                expected: "a patch side >= 1 (40 is DnCNN's)",
            });
        }
        if config.patches_per_epoch == 0 {
            return Err(DataError::Parameter {
                name: "patches per epoch",
                value: "0".into(),
                expected: "at least 1",
            });
        }
        let Some(first) = images.first() else {
            return Err(DataError::Parameter {
                name: "training images",
                value: "none".into(),
                expected: "at least one image",
            });
        };
        let channels = first.channels();
        for (i, img) in images.iter().enumerate() {
            if img.height() < config.patch || img.width() < config.patch {
                return Err(DataError::TooSmall {
                    path: format!("training image #{i}").into(),
                    height: img.height(),
                    width: img.width(),
                    patch: config.patch,
                });
            }
            if img.channels() != channels {
                return Err(DataError::Channels {
                    context: format!("training image #{i}"),
                    got: img.channels(),
                    expected: channels,
                });
            }
        }
        let targets = match config.label_draws {
            Some(0) => {
                return Err(DataError::Parameter {
                    name: "--label-draws",
                    value: "0".into(),
                    expected: "at least 1 fixed target per image",
                });
            }
            Some(k) => Some(Self::fixed_targets(&images, k, &config, &corruption)),
            None => None,
        };
        Ok(Self {
            images: images.into(),
            config,
            corruption,
            targets,
            noisy: None,
        })
    }

    /// Takes every patch's input from `noisy[image]`, the real noisy twin of each training image,
    /// at the clean patch's position and symmetry, instead of drawing the corruption's noise.
    pub fn with_noisy_inputs(mut self, noisy: Vec<Image>) -> Result<Self, DataError> {
        if noisy.len() != self.images.len() {
            return Err(DataError::Parameter {
                name: "noisy twins",
                value: format!("{} for {} images", noisy.len(), self.images.len()),
                expected: "one noisy twin per training image",
            });
        }
        for (i, (twin, clean)) in noisy.iter().zip(self.images.iter()).enumerate() {
            if twin.shape() != clean.shape() {
                return Err(DataError::Pairing {
                    path: format!("training image #{i}").into(),
                    problem: format!(
                        "its noisy twin is {:?}, the image {:?}",
                        twin.shape(),
                        clean.shape()
                    ),
                });
            }
        }
        self.noisy = Some(noisy.into());
        Ok(self)
    }

    /// `k` corrupted targets of every image, each from its own label stream.
    fn fixed_targets(
        images: &[Image],
        k: usize,
        config: &PatchConfig,
        corruption: &Corruption,
    ) -> Arc<[Vec<Image>]> {
        images
            .iter()
            .enumerate()
            .map(|(j, img)| {
                (0..k)
                    .map(|d| {
                        let mut rng = stream(
                            config.seed ^ FIXED_LABELS,
                            Domain::Labels,
                            (j * k + d) as u64,
                        );
                        corruption.labels.corrupt(img, &mut rng)
                    })
                    .collect()
            })
            .collect()
    }

    /// The fixed targets of training image `image` (with `label_draws`).
    pub fn fixed_targets_of(&self, image: usize) -> Option<&[Image]> {
        self.targets.as_ref().map(|t| t[image].as_slice())
    }

    /// Source image, position, symmetry and fixed-target draw of patch `index`.
    fn placement(&self, index: u64) -> Placement {
        let mut rng = stream(self.config.seed, Domain::Patches, index);
        let image = rng.random_range(0..self.images.len());
        let img = &self.images[image];
        let p = self.config.patch;
        let y0 = rng.random_range(0..=img.height() - p);
        let x0 = rng.random_range(0..=img.width() - p);
        let symmetry = self.config.augment.then(|| rng.random_range(0..8u8));
        let draw = self
            .config
            .label_draws
            .map_or(0, |k| rng.random_range(0..k));
        Placement {
            image,
            y0,
            x0,
            symmetry,
            draw,
        }
    }

    /// The patch of `img` at `at`.
    fn cut(&self, img: &Image, at: &Placement) -> Image {
        let p = self.config.patch;
        let crop = img.crop(at.y0, at.x0, p, p);
        match at.symmetry {
            Some(k) => dihedral(&crop, k),
            None => crop,
        }
    }

    /// The settings.
    pub fn config(&self) -> &PatchConfig {
        &self.config
    }

    /// The corruption applied.
    pub fn corruption(&self) -> &Corruption {
        &self.corruption
    }

    /// Channel count of the pairs.
    pub fn channels(&self) -> usize {
        self.images[0].channels()
    }

    /// Pair number `index` of the endless stream: with `label_draws`, its target is the same
    /// patch of one of the image's fixed targets.
    pub fn pair(&self, index: u64) -> Pair {
        let at = self.placement(index);
        let clean = self.cut(&self.images[at.image], &at);
        let real = self.real_input(&at);
        let Some(targets) = &self.targets else {
            return self.corruption.pair_with_input(
                clean,
                real,
                self.config.seed,
                Domain::InputNoise,
                index,
            );
        };
        let c = &self.corruption;
        let input = real.unwrap_or_else(|| {
            let mut rng_in = stream(self.config.seed, Domain::InputNoise, index);
            c.noise.apply(&clean, &mut rng_in, c.clip_input)
        });
        Pair {
            input,
            target: self.cut(&targets[at.image][at.draw], &at),
            clean,
        }
    }

    /// The noisy twin's patch at `at` (with real noise).
    fn real_input(&self, at: &Placement) -> Option<Image> {
        self.noisy.as_ref().map(|n| self.cut(&n[at.image], at))
    }

    /// A measurement pair at patch position `index` (the training loss is probed on such pairs,
    /// far from the training stream): noise and target from the evaluation streams, the input
    /// the noisy twin's patch with real noise.
    pub fn probe_pair(&self, index: u64) -> Pair {
        let at = self.placement(index);
        let clean = self.cut(&self.images[at.image], &at);
        let real = self.real_input(&at);
        self.corruption
            .pair_with_input(clean, real, self.config.seed, Domain::Evaluation, index)
    }

    /// The `batch` pairs of training step `step`: indices `step·batch .. (step+1)·batch`.
    pub fn batch_pairs(&self, step: u64, batch: usize) -> Vec<Pair> {
        let start = step * batch as u64;
        (start..start + batch as u64)
            .map(|i| self.pair(i))
            .collect()
    }

    /// The pairs of one epoch.
    pub fn epoch(&self, epoch: u64) -> impl Iterator<Item = Pair> + '_ {
        let n = self.config.patches_per_epoch as u64;
        (epoch * n..(epoch + 1) * n).map(move |i| self.pair(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pair::evaluation_pairs;

    fn numbered(h: usize, w: usize) -> Image {
        Image::new((0..h * w).map(|i| i as f32).collect(), 1, h, w).unwrap()
    }

    #[test]
    fn dihedral_gives_eight_distinct_symmetries() {
        let img = numbered(3, 3);
        let all: Vec<Image> = (0..8).map(|k| dihedral(&img, k)).collect();
        for i in 0..8 {
            for j in i + 1..8 {
                assert_ne!(all[i], all[j], "symmetries {i} and {j} coincide");
            }
        }
        assert_eq!(all[0], img);
        // Four quarter turns are the identity; a mirror twice is the identity.
        let r = dihedral(&dihedral(&dihedral(&dihedral(&img, 1), 1), 1), 1);
        assert_eq!(r, img);
        assert_eq!(dihedral(&dihedral(&img, 4), 4), img);
        // Non-square: a quarter turn swaps the sides.
        assert_eq!(dihedral(&numbered(2, 5), 1).shape(), [1, 5, 2]);
    }

    fn sampler(seed: u64) -> PatchSampler {
        let images = vec![numbered(20, 30), numbered(25, 25)];
        let corruption = Corruption {
            noise: "gaussian:25".parse().unwrap(),
            clip_input: false,
            labels: "outliers:0.1:1".parse().unwrap(),
        };
        let config = PatchConfig {
            patch: 8,
            augment: true,
            patches_per_epoch: 16,
            seed,
            label_draws: None,
        };
        PatchSampler::new(images, config, corruption).unwrap()
    }

    #[test]
    fn pairs_depend_only_on_seed_and_index() {
        let s = sampler(4);
        let forward: Vec<Pair> = (0..10).map(|i| s.pair(i)).collect();
        let backward: Vec<Pair> = (0..10).rev().map(|i| s.pair(i)).collect();
        for (i, p) in forward.iter().enumerate() {
            assert_eq!(p, &backward[9 - i]);
        }
        assert_eq!(s.batch_pairs(2, 3)[1], s.pair(7));
        assert_ne!(sampler(5).pair(0), s.pair(0));
        // Threads do not change anything: pairs made on other threads are equal.
        let handles: Vec<_> = (0..4u64)
            .map(|i| {
                let s = s.clone();
                std::thread::spawn(move || s.pair(i))
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.join().unwrap(), forward[i]);
        }
    }

    #[test]
    fn fixed_label_draws_give_every_patch_one_of_k_targets() {
        let images = vec![numbered(20, 30), numbered(25, 25)];
        let corruption = Corruption {
            noise: "gaussian:25".parse().unwrap(),
            clip_input: false,
            labels: "noisy:gaussian:50".parse().unwrap(),
        };
        let config = PatchConfig {
            patch: 8,
            augment: true,
            patches_per_epoch: 16,
            seed: 2,
            label_draws: Some(3),
        };
        let s = PatchSampler::new(images.clone(), config, corruption).unwrap();
        let mut draws = std::collections::BTreeSet::new();
        for i in 0..60 {
            let at = s.placement(i);
            let p = s.pair(i);
            let targets = s.fixed_targets_of(at.image).unwrap();
            assert_eq!(targets.len(), 3);
            assert_eq!(p.target, s.cut(&targets[at.draw], &at), "pair {i}");
            assert_eq!(p.clean, s.cut(&images[at.image], &at));
            draws.insert((at.image, at.draw));
        }
        assert_eq!(draws.len(), 6, "every fixed target of both images is used");
        // The targets are fixed: the same patch drawn again gets the same target, and a new
        // sampler with the same seed draws the same sets.
        let again = PatchSampler::new(images.clone(), config, corruption).unwrap();
        assert_eq!(again.pair(7), s.pair(7));
        let zero = PatchConfig {
            label_draws: Some(0),
            ..config
        };
        assert!(PatchSampler::new(images, zero, corruption).is_err());
    }

    #[test]
    fn patches_are_crops_of_the_clean_images_and_inputs_are_noisy() {
        let s = sampler(1);
        let p = s.pair(3);
        assert_eq!(p.input.shape(), [1, 8, 8]);
        assert_ne!(p.input, p.clean);
        assert_ne!(
            p.target, p.clean,
            "10 % outliers over 64 pixels: some differ"
        );
        assert!(s.epoch(1).count() == 16);
    }

    #[test]
    fn zero_patch_and_small_images_are_refused() {
        let c = *sampler(0).corruption();
        let cfg = PatchConfig {
            patch: 0,
            augment: false,
            patches_per_epoch: 1,
            seed: 0,
            label_draws: None,
        };
        assert!(PatchSampler::new(vec![numbered(4, 4)], cfg, c).is_err());
        let cfg = PatchConfig { patch: 5, ..cfg };
        let err = PatchSampler::new(vec![numbered(4, 4)], cfg, c).unwrap_err();
        assert!(
            err.to_string().contains("smaller than the 5×5 patch"),
            "{err}"
        );
    }

    #[test]
    fn evaluation_pairs_are_full_images_with_fixed_noise() {
        let c = *sampler(0).corruption();
        let imgs = vec![numbered(9, 11)];
        let a = evaluation_pairs(&imgs, &c, 3);
        let b = evaluation_pairs(&imgs, &c, 3);
        assert_eq!(a, b);
        assert_eq!(a[0].input.shape(), [1, 9, 11]);
    }
}
