//! Side-by-side image grids: noisy input | each run's output | clean | oracle mean | oracle median,
//! with a zoomed crop on the sharpest region and an error map |output − clean| × 4 per panel.

use std::collections::BTreeMap;

use denoise_data::{BitDepth, Image};

use crate::error::{Error, Result};
use crate::plan::slug;
use crate::presets::PRESETS;
use crate::report::{ReportRun, font};
use crate::result::SAMPLES;

/// Error maps show |output − clean| multiplied by this.
pub const ERROR_GAIN: f32 = 4.0;

/// One column of a grid.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Column heading.
    pub label: String,
    /// The whole image, enlarged for display.
    pub full: Image,
    /// The zoomed crop.
    pub crop: Image,
    /// |image − clean| × [`ERROR_GAIN`].
    pub error: Image,
}

/// A grid of panels for one group of runs.
#[derive(Debug, Clone)]
pub struct Grid {
    /// File-name stem.
    pub slug: String,
    /// Heading.
    pub title: String,
    /// The preset's name, or `None` for runs outside any preset (`denoise compare`).
    pub experiment: Option<&'static str>,
    /// Columns.
    pub panels: Vec<Panel>,
    /// The whole grid as one PNG (rows: full, crop, error).
    pub png: Vec<u8>,
    /// Crop window `(y, x, side)` in the sample image.
    pub crop_window: (usize, usize, usize),
}

/// `img` enlarged `k` times (nearest neighbour).
pub fn upscale(img: &Image, k: usize) -> Image {
    let (c, h, w) = (img.channels(), img.height(), img.width());
    let mut data = Vec::with_capacity(c * h * w * k * k);
    for ch in 0..c {
        for y in 0..h * k {
            for x in 0..w * k {
                data.push(img.at(ch, y / k, x / k));
            }
        }
    }
    Image::new(data, c, h * k, w * k).expect("consistent shape")
}

/// The `side`-pixel window with the most gradient energy in `img` (where blur shows most).
pub fn sharpest_window(img: &Image, side: usize) -> (usize, usize) {
    let (h, w) = (img.height(), img.width());
    let side = side.min(h).min(w);
    let energy = |y0: usize, x0: usize| {
        let mut e = 0.0f32;
        for c in 0..img.channels() {
            for y in y0..y0 + side - 1 {
                for x in x0..x0 + side - 1 {
                    e += (img.at(c, y, x + 1) - img.at(c, y, x)).abs()
                        + (img.at(c, y + 1, x) - img.at(c, y, x)).abs();
                }
            }
        }
        e
    };
    let mut best = (0, 0, f32::MIN);
    for y in (0..=h - side).step_by(2) {
        for x in (0..=w - side).step_by(2) {
            let e = energy(y, x);
            if e > best.2 {
                best = (y, x, e);
            }
        }
    }
    (best.0, best.1)
}

fn error_map(img: &Image, clean: &Image) -> Image {
    let (h, w) = (img.height(), img.width());
    let c = img.channels();
    let data = (0..h * w)
        .map(|i| {
            let e: f32 = (0..c)
                .map(|ch| (img.as_slice()[ch * h * w + i] - clean.as_slice()[ch * h * w + i]).abs())
                .sum::<f32>()
                / c as f32;
            (e * ERROR_GAIN).min(1.0)
        })
        .collect();
    Image::new(data, 1, h, w).expect("consistent shape")
}

fn to_rgb(img: &Image) -> Image {
    if img.channels() == 3 {
        return img.clone();
    }
    let mut data = img.as_slice().to_vec();
    data.extend_from_slice(img.as_slice());
    data.extend_from_slice(img.as_slice());
    Image::new(data, 3, img.height(), img.width()).expect("consistent shape")
}

/// Font scale of the column titles.
const TITLE_SCALE: usize = 2;

/// Panels side by side under their titles, rows full / crop / error, 4-pixel white gaps, as one
/// PNG (a title too long for its column is cut).
fn compose(panels: &[Panel]) -> Result<Vec<u8>> {
    let gap = 4;
    let title_h = font::GLYPH.1 * TITLE_SCALE + gap;
    let rows: [&dyn Fn(&Panel) -> &Image; 3] = [&|p| &p.full, &|p| &p.crop, &|p| &p.error];
    let cell_w = panels.iter().map(|p| p.full.width()).max().unwrap_or(1);
    let row_h: Vec<usize> = rows
        .iter()
        .map(|f| panels.iter().map(|p| f(p).height()).max().unwrap_or(1))
        .collect();
    let (w, h) = (
        panels.len() * (cell_w + gap) - gap,
        title_h + row_h.iter().sum::<usize>() + 2 * gap,
    );
    let mut canvas = vec![1.0f32; 3 * h * w];
    for (i, p) in panels.iter().enumerate() {
        let text: String = p
            .label
            .chars()
            .take(font::fits(cell_w, TITLE_SCALE))
            .collect();
        let x0 = i * (cell_w + gap);
        for y in 0..font::GLYPH.1 * TITLE_SCALE {
            for x in 0..cell_w {
                if font::ink(&text, TITLE_SCALE, y, x) {
                    for c in 0..3 {
                        canvas[(c * h + y) * w + x0 + x] = 0.0;
                    }
                }
            }
        }
    }
    let mut y0 = title_h;
    for (r, f) in rows.iter().enumerate() {
        for (i, p) in panels.iter().enumerate() {
            let img = to_rgb(f(p));
            let x0 = i * (cell_w + gap);
            for c in 0..3 {
                for y in 0..img.height() {
                    for x in 0..img.width() {
                        canvas[(c * h + y0 + y) * w + x0 + x] = img.at(c, y, x);
                    }
                }
            }
        }
        y0 += row_h[r] + gap;
    }
    Image::new(canvas, 3, h, w)?
        .to_png_bytes(BitDepth::Eight)
        .map_err(|e| Error::Chart(format!("encoding an image grid as PNG: {e}")))
}

fn loss_rank(loss: &str) -> usize {
    ["mse", "l1", "huber"]
        .iter()
        .position(|l| loss.starts_with(l))
        .unwrap_or(3)
}

/// The (labels, noise) groups of `runs`, each sorted by optimizer and loss when `sort` (a
/// preset's), else in the order given.
fn groups<'a>(
    runs: impl Iterator<Item = &'a ReportRun>,
    sort: bool,
) -> Vec<((String, String), Vec<&'a ReportRun>)> {
    let mut groups: BTreeMap<(String, String), Vec<&ReportRun>> = BTreeMap::new();
    for r in runs {
        let key = (
            r.result.params.labels.to_string(),
            r.result.params.noise.to_string(),
        );
        groups.entry(key).or_default().push(r);
    }
    for members in groups.values_mut().filter(|_| sort) {
        members.sort_by_key(|r| {
            (
                r.result.params.optim.to_string(),
                loss_rank(&r.result.params.loss.to_string()),
            )
        });
    }
    groups.into_iter().collect()
}

/// One grid per preset and (labels, noise) group of its runs, then one per group of the runs
/// outside any preset (from `denoise compare`); of the replicates, the first seed's runs are shown.
pub fn build_all(runs: &[ReportRun]) -> Result<Vec<Grid>> {
    let first_seed = runs.iter().map(|r| r.result.params.seed).min();
    let shown: Vec<ReportRun> = runs
        .iter()
        .filter(|r| Some(r.result.params.seed) == first_seed)
        .cloned()
        .collect();
    let runs = &shown[..];
    let mut grids = Vec::new();
    for preset in PRESETS {
        let name = preset.name();
        for ((labels, noise), members) in
            groups(runs.iter().filter(|r| r.result.in_experiment(name)), true)
        {
            grids.push(build(Some(name), &labels, &noise, &members)?);
        }
    }
    for ((labels, noise), members) in groups(
        runs.iter().filter(|r| r.result.experiments.is_empty()),
        false,
    ) {
        grids.push(build(None, &labels, &noise, &members)?);
    }
    Ok(grids)
}

fn build(
    experiment: Option<&'static str>,
    labels: &str,
    noise: &str,
    members: &[&ReportRun],
) -> Result<Grid> {
    let load = |run: &ReportRun, i: usize| Image::load_native(&run.dir.join(SAMPLES[i]));
    let first = members[0];
    let (input, clean) = (load(first, 0)?, load(first, 1)?);
    let several_optims = members
        .iter()
        .any(|m| m.result.params.optim != first.result.params.optim);
    let mut sources: Vec<(String, Image)> = vec![("noisy input".into(), input)];
    for m in members {
        let label = if several_optims {
            format!("{} + {}", m.result.params.loss, m.result.params.optim)
        } else {
            m.result.params.loss.to_string()
        };
        sources.push((label, load(m, 2)?));
    }
    sources.push(("clean".into(), clean.clone()));
    if labels != "clean" {
        sources.push(("oracle mean".into(), load(first, 3)?));
        sources.push(("oracle median".into(), load(first, 4)?));
    }
    let side = (clean.height().min(clean.width()) / 4).max(8);
    let (cy, cx) = sharpest_window(&clean, side);
    let scale = (192 / clean.width().max(1)).max(1);
    let crop_scale = (clean.width() * scale / side).max(1);
    let panels = sources
        .into_iter()
        .map(|(label, img)| Panel {
            full: upscale(&img, scale),
            crop: upscale(&img.crop(cy, cx, side, side), crop_scale),
            error: upscale(&error_map(&img, &clean), scale),
            label,
        })
        .collect::<Vec<_>>();
    let png = compose(&panels)?;
    let prefix = experiment.unwrap_or("compare");
    Ok(Grid {
        slug: slug(&format!("{prefix}_{labels}_{noise}")),
        title: format!(
            "{prefix}: labels {labels}, input noise {noise} (seed {})",
            first.result.params.seed
        ),
        experiment,
        panels,
        png,
        crop_window: (cy, cx, side),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sharpest_window_finds_the_edge() {
        // Flat except a vertical edge at column 20 of 32.
        let data: Vec<f32> = (0..32 * 32)
            .map(|i| if i % 32 >= 20 { 1.0 } else { 0.0 })
            .collect();
        let img = Image::new(data, 1, 32, 32).unwrap();
        let (_, x) = sharpest_window(&img, 8);
        assert!((13..=20).contains(&x), "window at x = {x} misses the edge");
    }

    #[test]
    fn upscale_repeats_pixels() {
        let img = Image::new(vec![0.0, 1.0], 1, 1, 2).unwrap();
        assert_eq!(
            upscale(&img, 2).as_slice(),
            &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0]
        );
    }
}
