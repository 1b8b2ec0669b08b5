//! Images of any size through a model in overlapping tiles: each tile's core is written from a
//! forward pass over the core widened by the model's receptive radius (clamped at the image's
//! edges), so every output pixel sees exactly the input it sees in one pass over the whole image
//! and the result equals the untiled one up to rounding; memory is bounded by the tile.

use burn::tensor::Device;
use denoise_data::{Image, images_to_tensor};
use denoise_model::Denoiser;

use super::to_image;
use crate::error::{Error, Result};

/// The tile side of an inference: chosen from free memory, given, or the whole image at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TileSize {
    /// From free memory ([`crate::memory::default_tile`]).
    #[default]
    Auto,
    /// Cores of this many pixels a side (at least 16).
    Side(usize),
    /// One pass over the whole image.
    Whole,
}

impl std::str::FromStr for TileSize {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "none" | "0" => Ok(Self::Whole),
            n => match n.parse::<usize>() {
                Ok(v) if v >= MIN_TILE => Ok(Self::Side(v)),
                _ => Err(format!(
                    "expected auto, none (the whole image in one pass) or a tile side of at \
                     least {MIN_TILE} pixels, got '{s}'"
                )),
            },
        }
    }
}

/// The smallest tile side accepted.
pub const MIN_TILE: usize = 16;

/// Asked between tiles whether to stop, and why (a signal's name); `|| None` never stops.
pub type StopCheck<'a> = &'a dyn Fn() -> Option<&'static str>;

/// How images go through a model.
#[derive(Clone, Copy)]
pub struct Inference<'a> {
    /// The tile side.
    pub tile: TileSize,
    /// Asked before every tile.
    pub stop: StopCheck<'a>,
}

impl std::fmt::Debug for Inference<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inference")
            .field("tile", &self.tile)
            .finish()
    }
}

fn never() -> Option<&'static str> {
    None
}

impl Inference<'static> {
    /// Tiles from free memory and nothing that stops it.
    pub fn unstoppable() -> Self {
        Self {
            tile: TileSize::Auto,
            stop: &never,
        }
    }
}

/// One tile: its core `[y0, y0 + h) × [x0, x0 + w)` and the widened window the model sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    /// Core top row.
    pub y0: usize,
    /// Core left column.
    pub x0: usize,
    /// Core height.
    pub h: usize,
    /// Core width.
    pub w: usize,
    /// Window top row (core widened by the margin, clamped to the image).
    pub wy0: usize,
    /// Window left column.
    pub wx0: usize,
    /// Window height.
    pub wh: usize,
    /// Window width.
    pub ww: usize,
}

/// The tiles covering a `height × width` image with cores of `side` and windows widened by
/// `margin` on every side that is not the image's edge.
pub fn tile_grid(height: usize, width: usize, side: usize, margin: usize) -> Vec<Tile> {
    let starts = |n: usize| (0..n).step_by(side.max(1));
    let mut tiles = Vec::new();
    for y0 in starts(height) {
        for x0 in starts(width) {
            let (h, w) = (side.min(height - y0), side.min(width - x0));
            let (wy0, wx0) = (y0.saturating_sub(margin), x0.saturating_sub(margin));
            let (wy1, wx1) = ((y0 + h + margin).min(height), (x0 + w + margin).min(width));
            tiles.push(Tile {
                y0,
                x0,
                h,
                w,
                wy0,
                wx0,
                wh: wy1 - wy0,
                ww: wx1 - wx0,
            });
        }
    }
    tiles
}

/// Denoises one image of any size in tiles of `side` with windows widened by `margin` (the
/// model's receptive radius gives the untiled result up to rounding).
pub fn denoise_in_tiles(
    model: &Denoiser,
    image: &Image,
    side: usize,
    margin: usize,
    device: &Device,
    stop: StopCheck<'_>,
) -> Result<Image> {
    let (c, h, w) = (image.channels(), image.height(), image.width());
    let mut out = vec![0.0f32; c * h * w];
    for t in tile_grid(h, w, side, margin) {
        if let Some(signal) = stop() {
            return Err(Error::Stopped(signal));
        }
        let window = image.crop(t.wy0, t.wx0, t.wh, t.ww);
        let x = images_to_tensor([&window], device)?;
        let y = to_image(model.forward(x))?;
        let (dy, dx) = (t.y0 - t.wy0, t.x0 - t.wx0);
        for ch in 0..c {
            for row in 0..t.h {
                let src = y.as_slice();
                let s = (ch * t.wh + dy + row) * t.ww + dx;
                let d = (ch * h + t.y0 + row) * w + t.x0;
                out[d..d + t.w].copy_from_slice(&src[s..s + t.w]);
            }
        }
    }
    Ok(Image::new(out, c, h, w)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_image_once_and_windows_stay_inside() {
        let (h, w, side, m) = (37, 50, 16, 5);
        let tiles = tile_grid(h, w, side, m);
        let mut seen = vec![0u8; h * w];
        for t in &tiles {
            for y in t.y0..t.y0 + t.h {
                for x in t.x0..t.x0 + t.w {
                    seen[y * w + x] += 1;
                }
            }
            assert!(t.wy0 + t.wh <= h && t.wx0 + t.ww <= w);
            assert!(t.wy0 + m >= t.y0.max(m) && t.y0 - t.wy0 <= m);
            // The window reaches `m` beyond the core unless the image ends first.
            assert_eq!(t.wy0 + t.wh, (t.y0 + t.h + m).min(h));
        }
        assert!(seen.iter().all(|&n| n == 1));
        assert_eq!(tiles.len(), 3 * 4);
    }

    #[test]
    fn tile_sizes_parse_with_a_message() {
        assert_eq!("auto".parse::<TileSize>(), Ok(TileSize::Auto));
        assert_eq!("none".parse::<TileSize>(), Ok(TileSize::Whole));
        assert_eq!("256".parse::<TileSize>(), Ok(TileSize::Side(256)));
        assert!("8".parse::<TileSize>().unwrap_err().contains("at least 16"));
    }
}
