//! Turning a data source into named clean images: the built-in synthetic set or a folder of
//! images (train/validation split), for training runs and for evaluation alike.

use std::path::Path;

use denoise_data::{FolderConfig, Image, SyntheticConfig, SyntheticDataset, load_folder};

use crate::config::{DataSource, TrainConfig};
use crate::error::{Context, Result};

/// An image with the name it is reported under.
pub type NamedImage = (String, Image);

/// Clean images for training and validation.
pub struct Datasets {
    /// Training images (patches are cut from them).
    pub train: Vec<Image>,
    /// Validation images, full size, with names for the report.
    pub validation: Vec<NamedImage>,
    /// Files skipped and other remarks.
    pub warnings: Vec<String>,
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

/// A folder's images split as `config` says, each named by its path below the folder; a file
/// that cannot be used names the folder and the `--on-bad-image` choice in the error.
pub fn folder(config: &FolderConfig) -> Result<Datasets> {
    let root = &config.root;
    let loaded = load_folder(config).with_context(|| {
        format!(
            "--data {} (a file that cannot be used stops the run; --on-bad-image skip leaves such \
             files out)",
            root.display()
        )
    })?;
    let name = |p: &Path| relative_name(root, p);
    Ok(Datasets {
        train: loaded.train.into_iter().map(|n| n.image).collect(),
        validation: loaded
            .validation
            .into_iter()
            .map(|n| (name(&n.path), n.image))
            .collect(),
        warnings: loaded.warnings,
    })
}

/// Every image of a folder (none held out), each named by its path below the folder.
pub fn named_all(config: &FolderConfig) -> Result<(Vec<NamedImage>, Vec<String>)> {
    let root = &config.root;
    let loaded = load_folder(&FolderConfig {
        validation_fraction: 0.0,
        ..config.clone()
    })
    .with_context(|| format!("--data {}", root.display()))?;
    let named = loaded
        .train
        .into_iter()
        .map(|n| (relative_name(root, &n.path), n.image))
        .collect();
    Ok((named, loaded.warnings))
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
                warnings: Vec::new(),
            })
        }
        DataSource::Folder(root) => {
            let mut sets = folder(&FolderConfig {
                root: root.clone(),
                color: d.color,
                validation_fraction: d.val_fraction,
                seed: config.seed,
                min_side: config.patch,
                on_bad: d.on_bad_image,
                limits: Default::default(),
            })?;
            if d.val_crop > 0 {
                for (_, image) in &mut sets.validation {
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
}
