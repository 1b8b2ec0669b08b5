//! Turning a data source into named clean images: the built-in synthetic set or a folder of
//! images (train/validation split), with the real noisy twin of each folder image where the
//! noise is real, for training runs and for evaluation alike.

use std::path::Path;

use denoise_data::{
    Corruption, FolderConfig, Image, NoisyTwins, Pair, SyntheticConfig, SyntheticDataset,
    evaluation_pairs, load_folder, noisy_twins, real_noise_pairs,
};

use crate::config::{DataSource, TrainConfig};
use crate::error::{Context, Error, Result};

/// An image with the name it is reported under.
pub type NamedImage = (String, Image);

/// Clean images for training and validation, with their real noisy twins where the noise is
/// real (`--noise real:DIR`).
pub struct Datasets {
    /// Training images (patches are cut from them).
    pub train: Vec<Image>,
    /// Validation images, full size, with names for the report.
    pub validation: Vec<NamedImage>,
    /// With real noise: the noisy twin of each training image, in the same order.
    pub train_noisy: Option<Vec<Image>>,
    /// With real noise: the noisy twin of each validation image, in the same order.
    pub validation_noisy: Option<Vec<Image>>,
    /// Files skipped and other remarks.
    pub warnings: Vec<String>,
}

impl Datasets {
    /// The validation pairs: inputs are the noisy twins with real noise, else drawn from `seed`
    /// ([`evaluation_pairs`]).
    pub fn validation_pairs(&self, corruption: &Corruption, seed: u64) -> Vec<Pair> {
        pairs_of(
            &self.validation,
            self.validation_noisy.as_deref(),
            corruption,
            seed,
        )
    }
}

/// Full-image pairs of `images`: the twins `noisy` as inputs where given, else noise drawn from
/// `seed` ([`evaluation_pairs`]).
fn pairs_of(
    images: &[NamedImage],
    noisy: Option<&[Image]>,
    corruption: &Corruption,
    seed: u64,
) -> Vec<Pair> {
    let clean: Vec<Image> = images.iter().map(|(_, i)| i.clone()).collect();
    match noisy {
        Some(noisy) => real_noise_pairs(&clean, noisy, corruption, seed),
        None => evaluation_pairs(&clean, corruption, seed),
    }
}

/// A folder's images, each named by its path below the folder, with their noisy twins.
pub struct NamedSet {
    /// The clean images.
    pub images: Vec<NamedImage>,
    /// With real noise: the noisy twin of each image.
    pub noisy: Option<Vec<Image>>,
    /// Files skipped and other remarks.
    pub warnings: Vec<String>,
}

impl NamedSet {
    /// Evaluation pairs of every image: the twins as inputs with real noise, else drawn from
    /// `seed` ([`evaluation_pairs`]).
    pub fn pairs(&self, corruption: &Corruption, seed: u64) -> Vec<Pair> {
        pairs_of(&self.images, self.noisy.as_deref(), corruption, seed)
    }
}

/// The noisy twins (in the folder `noisy`) of `images`, loaded from `config`'s folder.
fn twins_of(
    config: &FolderConfig,
    noisy: &Path,
    images: &[&denoise_data::NamedImage],
) -> Result<NoisyTwins> {
    let clean: Vec<_> = images
        .iter()
        .map(|n| (n.path.as_path(), n.image.shape()))
        .collect();
    noisy_twins(
        noisy,
        &config.root,
        &clean,
        config.color,
        config.limits,
        config.on_bad,
    )
    .with_context(|| {
        format!(
            "--noise real:{} (a pair that cannot be used stops the run; --on-bad-image skip \
             leaves such pairs out)",
            noisy.display()
        )
    })
}

/// Keeps the images whose twin was found and returns those twins, in the same order.
fn keep_paired(
    images: &mut Vec<denoise_data::NamedImage>,
    twins: impl Iterator<Item = Option<Image>>,
) -> Vec<Image> {
    let mut kept = Vec::with_capacity(images.len());
    let mut found = Vec::with_capacity(images.len());
    for (image, twin) in images.drain(..).zip(twins) {
        if let Some(twin) = twin {
            kept.push(image);
            found.push(twin);
        }
    }
    *images = kept;
    found
}

/// The images of a synthetic set, named `synthetic-000`, `synthetic-001`, ...
pub fn synthetic(config: SyntheticConfig) -> Vec<NamedImage> {
    let set = SyntheticDataset::new(config);
    (0..set.len())
        .map(|i| (format!("synthetic-{i:03}"), set.image(i)))
        .collect()
}

/// The name of the image at `path` in the folder `root`: its path below the folder.
fn relative_name(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// A folder's images split as `config` says, each named by its path below the folder, with the
/// noisy twin of each from the folder `noisy` (real noise); a file that cannot be used names the
/// folder and the `--on-bad-image` choice in the error.
pub fn folder(config: &FolderConfig, noisy: Option<&Path>) -> Result<Datasets> {
    let root = &config.root;
    let mut loaded = load_folder(config).with_context(|| {
        format!(
            "--data {} (a file that cannot be used stops the run; --on-bad-image skip leaves such \
             files out)",
            root.display()
        )
    })?;
    let (mut train_noisy, mut validation_noisy) = (None, None);
    if let Some(noisy) = noisy {
        // The split keeps whole pairs: the twins of training images train, the others validate.
        // Paired in one pass (every twin is then used); a folder too small to split validates
        // on its training images.
        let same = loaded
            .validation
            .iter()
            .map(|v| &v.path)
            .eq(loaded.train.iter().map(|t| &t.path));
        let held_out = if same {
            &[][..]
        } else {
            &loaded.validation[..]
        };
        let all: Vec<_> = loaded.train.iter().chain(held_out).collect();
        let found = twins_of(config, noisy, &all)?;
        loaded.warnings.extend(found.warnings);
        let mut twins = found.twins.into_iter();
        let n_train = loaded.train.len();
        let train = keep_paired(&mut loaded.train, twins.by_ref().take(n_train));
        let validation = if same {
            loaded.validation = loaded.train.clone();
            train.clone()
        } else {
            keep_paired(&mut loaded.validation, twins)
        };
        train_noisy = Some(train);
        validation_noisy = Some(validation);
        if loaded.train.is_empty() {
            return Err(Error::BadInput(format!(
                "--noise real:{}: no training image has a usable noisy twin",
                noisy.display()
            )));
        }
    }
    let name = |p: &Path| relative_name(root, p);
    Ok(Datasets {
        train: loaded.train.into_iter().map(|n| n.image).collect(),
        validation: loaded
            .validation
            .into_iter()
            .map(|n| (name(&n.path), n.image))
            .collect(),
        train_noisy,
        validation_noisy,
        warnings: loaded.warnings,
    })
}

/// Every image of a folder (none held out), each named by its path below the folder, with the
/// noisy twin of each from the folder `noisy` (real noise).
pub fn named_all(config: &FolderConfig, noisy: Option<&Path>) -> Result<NamedSet> {
    let root = &config.root;
    let config = FolderConfig {
        validation_fraction: 0.0,
        ..config.clone()
    };
    let mut loaded = load_folder(&config).with_context(|| format!("--data {}", root.display()))?;
    let noisy = match noisy {
        Some(dir) => {
            let found = twins_of(&config, dir, &loaded.train.iter().collect::<Vec<_>>())?;
            loaded.warnings.extend(found.warnings);
            Some(keep_paired(&mut loaded.train, found.twins.into_iter()))
        }
        None => None,
    };
    if loaded.train.is_empty() {
        return Err(Error::BadInput(format!(
            "--data {}: no image has a usable noisy twin",
            root.display()
        )));
    }
    let images = loaded
        .train
        .into_iter()
        .map(|n| (relative_name(root, &n.path), n.image))
        .collect();
    Ok(NamedSet {
        images,
        noisy,
        warnings: loaded.warnings,
    })
}

/// The centre `side × side` window of `image` (each dimension only where it is larger).
pub fn centre_crop(image: &Image, side: usize) -> Image {
    let (h, w) = (image.height().min(side), image.width().min(side));
    if (h, w) == (image.height(), image.width()) {
        return image.clone();
    }
    image.crop((image.height() - h) / 2, (image.width() - w) / 2, h, w)
}

/// Loads or renders the images a run trains and validates on.
pub fn load(config: &TrainConfig) -> Result<Datasets> {
    let d = &config.data;
    match &d.source {
        DataSource::Synthetic => {
            let train = SyntheticDataset::new(SyntheticConfig {
                count: d.train_images,
                height: d.train_size,
                width: d.train_size,
                color: d.color,
                seed: config.seed,
            })
            .images();
            // Validation images come from a different seed stream than training images.
            let validation = synthetic(SyntheticConfig {
                count: d.val_images,
                height: d.val_size,
                width: d.val_size,
                color: d.color,
                seed: config.seed ^ 0x7A11_DA7E,
            });
            Ok(Datasets {
                train,
                validation,
                train_noisy: None,
                validation_noisy: None,
                warnings: Vec::new(),
            })
        }
        DataSource::Folder(root) => {
            let mut sets = folder(
                &FolderConfig {
                    root: root.clone(),
                    color: d.color,
                    validation_fraction: d.val_fraction,
                    seed: config.seed,
                    min_side: config.patch,
                    on_bad: d.on_bad_image,
                    limits: Default::default(),
                },
                d.noisy.as_deref(),
            )?;
            if d.val_crop > 0 {
                for (_, image) in &mut sets.validation {
                    *image = centre_crop(image, d.val_crop);
                }
                // The twins are cut where their clean images are (they have the same size).
                for image in sets.validation_noisy.iter_mut().flatten() {
                    *image = centre_crop(image, d.val_crop);
                }
            }
            Ok(sets)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_folder_validation_images_are_centre_cropped() {
        let dir = tempfile::tempdir().unwrap();
        let wide = Image::new(
            (0..300 * 20).map(|i| (i % 300) as f32 / 300.0).collect(),
            1,
            20,
            300,
        )
        .unwrap();
        for i in 0..4 {
            wide.save_png(
                &dir.path().join(format!("{i}.png")),
                denoise_data::BitDepth::Sixteen,
            )
            .unwrap();
        }
        let mut config = TrainConfig {
            patch: 16,
            ..TrainConfig::default()
        };
        config.data.source = DataSource::Folder(dir.path().to_path_buf());
        config.data.val_fraction = 0.5;
        config.data.val_crop = 64;
        let sets = load(&config).unwrap();
        let (_, v) = &sets.validation[0];
        // Only the side beyond 64 is cut, around the centre: columns 118..182.
        assert_eq!(v.shape(), [1, 20, 64]);
        assert_eq!(v.at(0, 3, 0), sets.train[0].at(0, 3, 118));
        assert_eq!(v.at(0, 3, 63), sets.train[0].at(0, 3, 181));
        assert_eq!(
            sets.train[0].shape(),
            [1, 20, 300],
            "training images stay whole"
        );
        config.data.val_crop = 0;
        assert_eq!(load(&config).unwrap().validation[0].1.shape(), [1, 20, 300]);
    }

    #[test]
    fn noisy_twins_follow_their_images_through_the_split_and_the_crop() {
        let dir = tempfile::tempdir().unwrap();
        let (clean, noisy) = (dir.path().join("clean"), dir.path().join("noisy"));
        std::fs::create_dir_all(&clean).unwrap();
        std::fs::create_dir_all(&noisy).unwrap();
        for i in 0..5usize {
            // Whole 16-bit levels, so that 1 − v is one too and survives the file exactly.
            let levels = |k: usize| ((k * 37 + i * 1009) % 65536) as f32 / 65535.0;
            let img = Image::new((0..20 * 90).map(levels).collect(), 1, 20, 90).unwrap();
            img.save_png(
                &clean.join(format!("{i}.png")),
                denoise_data::BitDepth::Sixteen,
            )
            .unwrap();
            img.map(|v| 1.0 - v)
                .save_png(
                    &noisy.join(format!("{i}.png")),
                    denoise_data::BitDepth::Sixteen,
                )
                .unwrap();
        }
        let mut config = TrainConfig {
            patch: 16,
            ..TrainConfig::default()
        };
        config.data.source = DataSource::Folder(clean.clone());
        config.data.val_fraction = 0.4;
        config.data.val_crop = 32;
        config.set_input_noise(denoise_data::InputNoise::Real(noisy.clone()));
        let sets = load(&config).unwrap();
        assert!(sets.warnings.is_empty(), "{:?}", sets.warnings);
        // The twin of `img` is 1 − img, up to the float rounding of 1 − a/65535 (a wrong pairing
        // is off by far more).
        let is_twin = |img: &Image, twin: &Image| {
            img.shape() == twin.shape()
                && img
                    .as_slice()
                    .iter()
                    .zip(twin.as_slice())
                    .all(|(v, t)| (1.0 - v - t).abs() < 1e-6)
        };
        let train_noisy = sets.train_noisy.as_ref().unwrap();
        assert_eq!((sets.train.len(), train_noisy.len()), (3, 3));
        for (img, twin) in sets.train.iter().zip(train_noisy) {
            assert!(is_twin(img, twin));
        }
        let val_noisy = sets.validation_noisy.as_ref().unwrap();
        assert_eq!(val_noisy.len(), 2);
        for ((_, img), twin) in sets.validation.iter().zip(val_noisy) {
            assert_eq!(img.shape(), [1, 20, 32]);
            assert!(is_twin(img, twin));
        }
        let corruption = config.corruption();
        for (pair, twin) in sets.validation_pairs(&corruption, 0).iter().zip(val_noisy) {
            assert_eq!(pair.input, *twin);
        }
        // Every image, for eval: the same twins.
        let all = named_all(&FolderConfig::new(&clean), Some(&noisy)).unwrap();
        assert_eq!(all.noisy.as_ref().unwrap().len(), 5);
        for (pair, (_, img)) in all.pairs(&corruption, 0).iter().zip(&all.images) {
            assert!(is_twin(img, &pair.input));
        }
    }
}
