//! Which output file is scored against which reference file: two files, or two folders matched by
//! the path of each image below its folder without the extension (`out/a/b.png` ↔ `ref/a/b.tif`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use denoise_data::list_images;

use crate::error::{Error, Result};

/// An output image and the reference it is scored against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePair {
    /// The name shown in tables: the file name, or the path below the folder without extension.
    pub name: String,
    /// The image being scored.
    pub output: PathBuf,
    /// Its reference (the clean truth).
    pub reference: PathBuf,
}

/// How many names an error message lists.
const SHOWN: usize = 5;

fn listed(names: &[&String]) -> String {
    let mut s = names
        .iter()
        .take(SHOWN)
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}

/// The images under `root` by their name without extension; two files of one name are an error.
fn by_name(root: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let listing = list_images(root)?;
    if let Some((p, why)) = listing.problems.first() {
        return Err(Error::bad_input(format!(
            "cannot read {}: {why}",
            p.display()
        )));
    }
    let mut map = BTreeMap::new();
    for path in listing.images {
        let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
        let name = rel.to_string_lossy().replace('\\', "/");
        if let Some(previous) = map.insert(name.clone(), path.clone()) {
            return Err(Error::bad_input(format!(
                "{} and {} have the same name without extension: keep one of them",
                previous.display(),
                path.display()
            )));
        }
    }
    if map.is_empty() {
        return Err(Error::bad_input(format!(
            "{}: no images in this folder",
            root.display()
        )));
    }
    Ok(map)
}

/// The pairs to score: `output` and `reference` are both files or both folders. In folders every
/// output needs a reference of the same name and every reference an output (a missing one would
/// change the mean without a word).
pub fn pair_files(output: &Path, reference: &Path) -> Result<Vec<FilePair>> {
    for p in [output, reference] {
        if !p.exists() {
            return Err(Error::bad_input(format!(
                "{}: no such file or folder",
                p.display()
            )));
        }
    }
    match (output.is_dir(), reference.is_dir()) {
        (false, false) => Ok(vec![FilePair {
            name: output
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| output.display().to_string()),
            output: output.to_path_buf(),
            reference: reference.to_path_buf(),
        }]),
        (true, true) => {
            let outputs = by_name(output)?;
            let mut references = by_name(reference)?;
            let orphans: Vec<&String> = outputs
                .keys()
                .filter(|n| !references.contains_key(*n))
                .collect();
            if !orphans.is_empty() {
                return Err(Error::bad_input(format!(
                    "{} image(s) in {} have no reference of the same name in {}: {}",
                    orphans.len(),
                    output.display(),
                    reference.display(),
                    listed(&orphans)
                )));
            }
            let missing: Vec<&String> = references
                .keys()
                .filter(|n| !outputs.contains_key(*n))
                .collect();
            if !missing.is_empty() {
                return Err(Error::bad_input(format!(
                    "{} reference image(s) in {} have no output in {}: {} — every reference is \
                     scored, so that means over folders compare the same images",
                    missing.len(),
                    reference.display(),
                    output.display(),
                    listed(&missing)
                )));
            }
            Ok(outputs
                .into_iter()
                .map(|(name, out)| {
                    let reference = references.remove(&name).expect("checked above");
                    FilePair {
                        name,
                        output: out,
                        reference,
                    }
                })
                .collect())
        }
        (o, _) => Err(Error::usage(format!(
            "{} is a {} but the reference {} is a {}: give two files or two folders",
            output.display(),
            if o { "folder" } else { "file" },
            reference.display(),
            if o { "file" } else { "folder" }
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }

    #[test]
    fn folders_match_by_name_without_extension() {
        let d = tempfile::tempdir().unwrap();
        let (o, r) = (d.path().join("out"), d.path().join("ref"));
        for p in ["a.png", "sub/b.png"] {
            touch(&o.join(p));
        }
        for p in ["a.tif", "sub/b.jpg"] {
            touch(&r.join(p));
        }
        let pairs = pair_files(&o, &r).unwrap();
        let names: Vec<&str> = pairs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "sub/b"]);
        assert_eq!(pairs[1].reference, r.join("sub/b.jpg"));
        touch(&r.join("c.png"));
        let err = pair_files(&o, &r).unwrap_err().to_string();
        assert!(err.contains("have no output") && err.contains('c'), "{err}");
        touch(&o.join("c.png"));
        touch(&o.join("d.png"));
        let err = pair_files(&o, &r).unwrap_err().to_string();
        assert!(err.contains("no reference") && err.contains('d'), "{err}");
        touch(&o.join("d.bmp"));
        assert!(
            pair_files(&o, &r)
                .unwrap_err()
                .to_string()
                .contains("same name")
        );
    }

    #[test]
    fn a_file_and_a_folder_is_a_usage_error() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.png");
        touch(&f);
        let err = pair_files(&f, d.path()).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Usage);
        assert_eq!(pair_files(&f, &f).unwrap()[0].name, "a.png");
        let missing = pair_files(&d.path().join("none.png"), &f).unwrap_err();
        assert!(missing.to_string().contains("none.png"));
    }
}
