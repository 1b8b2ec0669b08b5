//! A folder of images as a dataset: recursive, sorted, split deterministically into training and
//! validation images.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::{
    ColorMode, DataError, DecodeLimits, Image, IoAction,
    seed::{Domain, stream},
};

/// File endings read as images (case-insensitive).
pub const IMAGE_EXTENSIONS: [&str; 7] = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "webp"];

/// What to do with a file that cannot be used (undecodable, unreadable, too small).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum OnBadImage {
    /// Stop with an error naming the file (the default: bad data should be seen).
    #[default]
    Fail,
    /// Leave the file out and record a warning.
    Skip,
}

/// How to read a folder.
#[derive(Debug, Clone, PartialEq)]
pub struct FolderConfig {
    /// The folder (searched recursively; hidden files and folders are ignored).
    pub root: PathBuf,
    /// Convert every image to gray or RGB.
    pub color: ColorMode,
    /// Share of images held out for validation, in [0, 1).
    pub validation_fraction: f64,
    /// Seed of the split.
    pub seed: u64,
    /// Smallest accepted side (the patch size); smaller images are bad images.
    pub min_side: usize,
    /// Fail or skip on bad files.
    pub on_bad: OnBadImage,
    /// Decoding limits.
    pub limits: DecodeLimits,
}

impl FolderConfig {
    /// Defaults for a folder: gray, 10 % validation, seed 0, no size minimum, fail on bad files.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            color: ColorMode::Gray,
            validation_fraction: 0.1,
            seed: 0,
            min_side: 1,
            on_bad: OnBadImage::Fail,
            limits: DecodeLimits::default(),
        }
    }
}

/// An image with the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedImage {
    /// The source file.
    pub path: PathBuf,
    /// The decoded image.
    pub image: Image,
}

/// The images of a folder, split.
#[derive(Debug, Clone)]
pub struct FolderDataset {
    /// Training images, sorted by path.
    pub train: Vec<NamedImage>,
    /// Validation images, sorted by path.
    pub validation: Vec<NamedImage>,
    /// Files left out (with `OnBadImage::Skip`) and other remarks, one line each.
    pub warnings: Vec<String>,
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        .unwrap_or(false)
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.starts_with('.'))
        .unwrap_or(false)
}

/// What [`list_images`] found under a folder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageListing {
    /// Image files, sorted.
    pub images: Vec<PathBuf>,
    /// Number of other files seen.
    pub other_files: usize,
    /// Paths that could not be inspected (broken links, permissions), with the reason.
    pub problems: Vec<(PathBuf, String)>,
}

/// Every image file under `root`, sorted; symbolic links are followed once (loops are cut).
pub fn list_images(root: &Path) -> Result<ImageListing, DataError> {
    let meta = fs::metadata(root).map_err(|e| DataError::io(IoAction::OpenFolder, root, e))?;
    if !meta.is_dir() {
        return Err(DataError::io(
            IoAction::OpenFolder,
            root,
            std::io::Error::other("not a directory: give a folder of images"),
        ));
    }
    let mut images = Vec::new();
    let mut others = 0usize;
    let mut problems = Vec::new();
    let mut visited = HashSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let canonical = fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        if !visited.insert(canonical) {
            continue;
        }
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if dir == root => return Err(DataError::io(IoAction::ReadFolder, &dir, e)),
            Err(e) => {
                problems.push((dir.clone(), e.to_string()));
                continue;
            }
        };
        for entry in entries {
            let path = match entry {
                Ok(e) => e.path(),
                Err(e) => {
                    problems.push((dir.clone(), e.to_string()));
                    continue;
                }
            };
            if is_hidden(&path) {
                continue;
            }
            match fs::metadata(&path) {
                Ok(m) if m.is_dir() => stack.push(path),
                Ok(_) if has_image_extension(&path) => images.push(path),
                Ok(_) => others += 1,
                Err(e) => problems.push((path, e.to_string())),
            }
        }
    }
    images.sort();
    problems.sort();
    Ok(ImageListing {
        images,
        other_files: others,
        problems,
    })
}

/// Loads and splits a folder according to `config`.
pub fn load_folder(config: &FolderConfig) -> Result<FolderDataset, DataError> {
    if !(0.0..1.0).contains(&config.validation_fraction) {
        return Err(DataError::Parameter {
            name: "validation fraction",
            value: config.validation_fraction.to_string(),
            expected: "a value in [0, 1), e.g. 0.1",
        });
    }
    let ImageListing {
        images: paths,
        other_files: others,
        problems,
    } = list_images(&config.root)?;
    let mut warnings = Vec::new();
    let bad = |err: DataError, warnings: &mut Vec<String>| -> Result<(), DataError> {
        match config.on_bad {
            OnBadImage::Fail => Err(err),
            OnBadImage::Skip => {
                warnings.push(format!("skipped: {err}"));
                Ok(())
            }
        }
    };
    for (path, reason) in problems {
        bad(
            DataError::io(IoAction::Inspect, path, std::io::Error::other(reason)),
            &mut warnings,
        )?;
    }
    if paths.is_empty() {
        let detail = if others == 0 {
            "the folder is empty".to_owned()
        } else {
            format!("{others} file(s), none with an image extension")
        };
        return Err(DataError::NoImages {
            path: config.root.clone(),
            detail,
        });
    }
    let mut loaded = Vec::with_capacity(paths.len());
    for path in paths {
        match Image::load_with_limits(&path, config.color, config.limits) {
            Ok(image) if image.height() < config.min_side || image.width() < config.min_side => {
                let err = DataError::TooSmall {
                    path: path.clone(),
                    height: image.height(),
                    width: image.width(),
                    patch: config.min_side,
                };
                bad(err, &mut warnings)?;
            }
            Ok(image) => loaded.push(NamedImage { path, image }),
            Err(err) => bad(err, &mut warnings)?,
        }
    }
    if loaded.is_empty() {
        return Err(DataError::NoImages {
            path: config.root.clone(),
            detail: format!("every image was skipped: {}", warnings.join("; ")),
        });
    }
    let n = loaded.len();
    let mut n_val = (config.validation_fraction * n as f64).round() as usize;
    if config.validation_fraction > 0.0 && n_val == 0 {
        n_val = 1;
    }
    if n_val >= n {
        warnings.push(format!(
            "only {n} usable image(s): validation uses the training images"
        ));
        return Ok(FolderDataset {
            validation: loaded.clone(),
            train: loaded,
            warnings,
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut stream(config.seed, Domain::Split, 0));
    let val_set: HashSet<usize> = order[..n_val].iter().copied().collect();
    let (mut train, mut validation) = (Vec::new(), Vec::new());
    for (i, img) in loaded.into_iter().enumerate() {
        if val_set.contains(&i) {
            validation.push(img);
        } else {
            train.push(img);
        }
    }
    Ok(FolderDataset {
        train,
        validation,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BitDepth;

    fn write(dir: &Path, name: &str, h: usize, w: usize) {
        let img = Image::filled(1, h, w, 0.5);
        let p = dir.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        img.save_png(&p, BitDepth::Eight).unwrap();
    }

    #[test]
    fn recursive_sorted_and_split_deterministically() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..10 {
            write(dir.path(), &format!("sub{}/img{i}.png", i % 2), 8, 8);
        }
        fs::write(dir.path().join("notes.txt"), "x").unwrap();
        let mut cfg = FolderConfig::new(dir.path());
        cfg.validation_fraction = 0.3;
        let a = load_folder(&cfg).unwrap();
        assert_eq!((a.train.len(), a.validation.len()), (7, 3));
        let b = load_folder(&cfg).unwrap();
        let names = |d: &FolderDataset| {
            d.validation
                .iter()
                .map(|n| n.path.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        assert!(a.train.windows(2).all(|w| w[0].path < w[1].path));
        cfg.seed = 1;
        let c = load_folder(&cfg).unwrap();
        assert_eq!(c.validation.len(), 3);
    }

    #[test]
    fn empty_folder_and_folder_without_images_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_folder(&FolderConfig::new(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("the folder is empty"), "{err}");
        fs::write(dir.path().join("a.txt"), "x").unwrap();
        let err = load_folder(&FolderConfig::new(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("1 file(s), none with an image extension"),
            "{err}"
        );
    }

    #[test]
    fn bad_file_fails_by_default_and_is_skipped_on_request() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "good.png", 16, 16);
        write(dir.path(), "good2.png", 16, 16);
        fs::write(dir.path().join("broken.png"), b"not a png at all").unwrap();
        write(dir.path(), "tiny.png", 4, 4);
        let mut cfg = FolderConfig::new(dir.path());
        cfg.min_side = 8;
        let err = load_folder(&cfg).unwrap_err().to_string();
        assert!(err.contains("broken.png"), "{err}");
        cfg.on_bad = OnBadImage::Skip;
        let ds = load_folder(&cfg).unwrap();
        assert_eq!(ds.train.len() + ds.validation.len(), 2);
        let w = ds.warnings.join("\n");
        assert!(
            w.contains("broken.png") && w.contains("tiny.png") && w.contains("8×8"),
            "{w}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a/x.png", 8, 8);
        std::os::unix::fs::symlink(dir.path(), dir.path().join("a/loop")).unwrap();
        assert_eq!(list_images(dir.path()).unwrap().images.len(), 1);
    }
}
