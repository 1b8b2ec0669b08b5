//! Turning the data settings of a run into training images and named validation images.

use anyhow::{Context, Result};
use denoise_data::{FolderConfig, Image, SyntheticConfig, SyntheticDataset, load_folder};

use crate::config::{DataSource, TrainConfig};

/// Clean images for training and validation.
pub struct Datasets {
    /// Training images (patches are cut from them).
    pub train: Vec<Image>,
    /// Validation images, full size, with names for the report.
    pub validation: Vec<(String, Image)>,
    /// Files skipped and other remarks.
    pub warnings: Vec<String>,
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
            let val = SyntheticDataset::new(SyntheticConfig {
                count: d.val_images,
                height: d.val_size,
                width: d.val_size,
                color: d.color,
                seed: config.seed ^ 0x7A11_DA7E,
            });
            let validation = (0..val.len())
                .map(|i| (format!("synthetic-{i:03}"), val.image(i)))
                .collect();
            Ok(Datasets {
                train,
                validation,
                warnings: Vec::new(),
            })
        }
        DataSource::Folder(root) => {
            let folder = load_folder(&FolderConfig {
                root: root.clone(),
                color: d.color,
                validation_fraction: d.val_fraction,
                seed: config.seed,
                min_side: config.patch,
                on_bad: d.on_bad_image,
                limits: Default::default(),
            })
            .with_context(|| {
                format!(
                    "--data {} (a file that cannot be used stops the run; --on-bad-image skip \
                     leaves such files out)",
                    root.display()
                )
            })?;
            let name = |p: &std::path::Path| {
                p.strip_prefix(root)
                    .unwrap_or(p)
                    .to_string_lossy()
                    .into_owned()
            };
            Ok(Datasets {
                train: folder.train.into_iter().map(|n| n.image).collect(),
                validation: folder
                    .validation
                    .into_iter()
                    .map(|n| (name(&n.path), n.image))
                    .collect(),
                warnings: folder.warnings,
            })
        }
    }
}
