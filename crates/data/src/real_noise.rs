//! Real noise: `--noise real:DIR` takes the input of each clean `--data` image from its noisy twin
//! in a second folder with the same names (the SIDD-style layout that Restormer, KAIR and BasicSR
//! prepare: `target/0001.png` ↔ `input/0001.png`), instead of drawing synthetic noise.
//!
//! Twins are matched by their path below their folder without the extension, so `clean/a/1.png`
//! pairs with `noisy/a/1.tif`; they must have the same size.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::spec::{SpecError, SpecKind};
use crate::{ColorMode, DataError, DecodeLimits, Image, NoiseSpec, OnBadImage, list_images};

/// What `--noise` accepts where real noise can be used (train and eval on a folder).
pub const INPUT_NOISE_EXPECTED: &str = "one of none, gaussian:<σ>, gaussian:<lo>-<hi>, \
     laplace:<b>, laplace:<lo>-<hi> (σ and b >= 0 on the 0-255 scale), poisson:<peak > 0>, \
     salt-pepper:<p in [0,1]>, impulse:<p in [0,1]>, or real:<DIR> (a folder of noisy twins of \
     the --data images, matched by name)";

const INPUT_NOISE: SpecKind = SpecKind {
    what: "noise",
    expected: INPUT_NOISE_EXPECTED,
};

/// The noise of the network's input: drawn, or real from a folder of noisy twins.
#[derive(Debug, Clone, PartialEq)]
pub enum InputNoise {
    /// Synthetic noise added to each clean image.
    Synthetic(NoiseSpec),
    /// The noisy twins in this folder.
    Real(PathBuf),
}

impl FromStr for InputNoise {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(dir) = s.strip_prefix("real:") {
            if dir.is_empty() {
                return Err(INPUT_NOISE.error(s, "the folder of noisy images is missing"));
            }
            return Ok(Self::Real(PathBuf::from(dir)));
        }
        s.parse::<NoiseSpec>()
            .map(Self::Synthetic)
            .map_err(|e| INPUT_NOISE.error(s, e.problem))
    }
}

impl fmt::Display for InputNoise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Synthetic(n) => n.fmt(f),
            Self::Real(dir) => write!(f, "real:{}", dir.display()),
        }
    }
}

/// The key twins are matched by: the path below `root` without its extension.
pub fn twin_key(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .with_extension("")
        .to_string_lossy()
        .into_owned()
}

/// The noisy twins of some clean images.
#[derive(Debug, Clone, Default)]
pub struct NoisyTwins {
    /// The twin of each clean image given, in order; `None` where it was skipped
    /// ([`OnBadImage::Skip`]): leave that clean image out too.
    pub twins: Vec<Option<Image>>,
    /// Twins skipped, noisy images without a clean one, one line each.
    pub warnings: Vec<String>,
}

fn pairing(path: &Path, problem: impl Into<String>) -> DataError {
    DataError::Pairing {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

/// Loads the twin in `noisy_root` of each of the `clean` images (files under `clean_root`, with
/// their decoded shapes). A missing, ambiguous, undecodable or differently sized twin stops with
/// an error naming both files, or with `on_bad` [`OnBadImage::Skip`] is left out with a warning.
pub fn noisy_twins(
    noisy_root: &Path,
    clean_root: &Path,
    clean: &[(&Path, [usize; 3])],
    color: ColorMode,
    limits: DecodeLimits,
    on_bad: OnBadImage,
) -> Result<NoisyTwins, DataError> {
    let listing = list_images(noisy_root)?;
    let mut by_key: HashMap<String, Vec<PathBuf>> = HashMap::new();
    for p in listing.images {
        by_key.entry(twin_key(noisy_root, &p)).or_default().push(p);
    }
    let mut out = NoisyTwins::default();
    let mut used = 0usize;
    for &(path, shape) in clean {
        let key = twin_key(clean_root, path);
        let twin = match by_key.get(&key).map(Vec::as_slice) {
            None | Some([]) => Err(pairing(
                path,
                format!(
                    "no noisy twin in {} (looked for {key}.<png|tif|…>); --noise real:DIR needs \
                     one noisy image per clean image, with the same name",
                    noisy_root.display()
                ),
            )),
            Some([one]) => {
                used += 1;
                Image::load_with_limits(one, color, limits).and_then(|image| {
                    if image.shape() == shape {
                        Ok(image)
                    } else {
                        Err(pairing(
                            path,
                            format!(
                                "its noisy twin {} is {:?} (channels, height, width), the clean \
                                 image {shape:?}; twins must have the same size",
                                one.display(),
                                image.shape()
                            ),
                        ))
                    }
                })
            }
            Some(many) => Err(pairing(
                path,
                format!(
                    "{} noisy files have its name ({}); keep one",
                    many.len(),
                    many.iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        };
        match (twin, on_bad) {
            (Ok(image), _) => out.twins.push(Some(image)),
            (Err(e), OnBadImage::Fail) => return Err(e),
            (Err(e), OnBadImage::Skip) => {
                out.warnings.push(format!("skipped: {e}"));
                out.twins.push(None);
            }
        }
    }
    let extra = by_key.len().saturating_sub(used);
    if extra > 0 {
        out.warnings.push(format!(
            "{extra} noisy image name(s) in {} have no clean image in {} and are not used",
            noisy_root.display(),
            clean_root.display()
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BitDepth;

    #[test]
    fn spellings_round_trip_and_errors_list_real() {
        for s in ["gaussian:25", "none", "real:data/noisy", "real:/abs/x y"] {
            assert_eq!(s.parse::<InputNoise>().unwrap().to_string(), s);
        }
        assert_eq!(
            "real:n".parse::<InputNoise>().unwrap(),
            InputNoise::Real("n".into())
        );
        for bad in ["real:", "speckle:3", "gaussian:-1"] {
            let e = bad.parse::<InputNoise>().unwrap_err().to_string();
            assert!(e.contains("real:<DIR>") && e.contains(bad), "{e}");
        }
    }

    fn write(dir: &Path, name: &str, h: usize, w: usize, v: f32) -> PathBuf {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        Image::filled(1, h, w, v)
            .save_png(&p, BitDepth::Sixteen)
            .unwrap();
        p
    }

    #[test]
    fn twins_match_by_path_without_extension() {
        let d = tempfile::tempdir().unwrap();
        let (clean, noisy) = (d.path().join("clean"), d.path().join("noisy"));
        let a = write(&clean, "a.png", 8, 8, 0.25);
        let b = write(&clean, "sub/b.png", 6, 8, 0.5);
        write(&noisy, "sub/b.tif", 6, 8, 0.0);
        write(&noisy, "a.png", 8, 8, 1.0);
        write(&noisy, "unused.png", 8, 8, 0.0);
        let found = noisy_twins(
            &noisy,
            &clean,
            &[(&a, [1, 8, 8]), (&b, [1, 6, 8])],
            ColorMode::Gray,
            DecodeLimits::default(),
            OnBadImage::Fail,
        )
        .unwrap();
        let first = |i: usize| found.twins[i].as_ref().unwrap().at(0, 0, 0);
        assert_eq!((first(0), first(1)), (1.0, 0.0));
        assert_eq!(found.warnings.len(), 1, "{:?}", found.warnings);
        assert!(found.warnings[0].contains("1 noisy image name(s)"));
    }

    #[test]
    fn missing_ambiguous_and_resized_twins_name_the_files() {
        let d = tempfile::tempdir().unwrap();
        let (clean, noisy) = (d.path().join("clean"), d.path().join("noisy"));
        let a = write(&clean, "a.png", 8, 8, 0.25);
        let b = write(&clean, "b.png", 8, 8, 0.25);
        let c = write(&clean, "c.png", 8, 8, 0.25);
        write(&noisy, "b.png", 8, 7, 0.5);
        write(&noisy, "c.png", 8, 8, 0.5);
        write(&noisy, "c.tif", 8, 8, 0.5);
        let run = |path: &Path, on_bad| {
            noisy_twins(
                &noisy,
                &clean,
                &[(path, [1, 8, 8])],
                ColorMode::Gray,
                DecodeLimits::default(),
                on_bad,
            )
        };
        for (path, needle) in [
            (&a, "no noisy twin"),
            (&b, "twins must have the same size"),
            (&c, "2 noisy files have its name"),
        ] {
            let e = run(path, OnBadImage::Fail).unwrap_err().to_string();
            assert!(
                e.contains(&path.display().to_string()) && e.contains(needle),
                "{e}"
            );
            let skipped = run(path, OnBadImage::Skip).unwrap();
            assert!(skipped.twins[0].is_none());
            assert!(
                skipped.warnings[0].contains(needle),
                "{:?}",
                skipped.warnings
            );
        }
    }

    fn numbered(h: usize, w: usize) -> Image {
        Image::new((0..h * w).map(|i| i as f32).collect(), 1, h, w).unwrap()
    }

    #[test]
    fn sampled_inputs_are_the_twins_patches_and_targets_do_not_change() {
        use crate::{Corruption, PatchConfig, PatchSampler, evaluation_pairs, real_noise_pairs};
        let images = vec![numbered(20, 30), numbered(25, 25)];
        let twins: Vec<Image> = images.iter().map(|i| i.map(|v| -v - 1.0)).collect();
        let corruption = Corruption {
            noise: NoiseSpec::None,
            clip_input: false,
            labels: "outliers:0.1:1".parse().unwrap(),
        };
        for label_draws in [None, Some(2)] {
            let config = PatchConfig {
                patch: 8,
                augment: true,
                patches_per_epoch: 16,
                seed: 3,
                label_draws,
            };
            let drawn = PatchSampler::new(images.clone(), config, corruption).unwrap();
            let real = drawn.clone().with_noisy_inputs(twins.clone()).unwrap();
            for i in 0..40 {
                let (d, r) = (drawn.pair(i), real.pair(i));
                // The twin's patch at the same place and symmetry, not the clean patch.
                assert_eq!(r.input, r.clean.map(|v| -v - 1.0), "pair {i}");
                assert_eq!((&r.clean, &r.target), (&d.clean, &d.target), "pair {i}");
                let probe = real.probe_pair(u64::MAX - i);
                assert_eq!(probe.input, probe.clean.map(|v| -v - 1.0));
                assert_eq!(probe.target, drawn.probe_pair(u64::MAX - i).target);
            }
        }
        let config = *PatchSampler::new(
            images.clone(),
            PatchConfig {
                patch: 8,
                augment: false,
                patches_per_epoch: 1,
                seed: 0,
                label_draws: None,
            },
            corruption,
        )
        .unwrap()
        .config();
        let sampler = || PatchSampler::new(images.clone(), config, corruption).unwrap();
        assert!(sampler().with_noisy_inputs(twins[..1].to_vec()).is_err());
        let resized = vec![twins[0].clone(), numbered(25, 24)];
        let e = sampler()
            .with_noisy_inputs(resized)
            .unwrap_err()
            .to_string();
        assert!(e.contains("training image #1"), "{e}");
        let eval = real_noise_pairs(&images, &twins, &corruption, 9);
        let drawn = evaluation_pairs(&images, &corruption, 9);
        for ((r, d), twin) in eval.iter().zip(&drawn).zip(&twins) {
            assert_eq!((&r.input, &r.target), (twin, &d.target));
        }
    }
}
