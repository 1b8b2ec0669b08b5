//! The image type of denoise-lab: planar `f32` `[channels, height, width]`, nominal range [0, 1],
//! its colour modes and bit depths; decoding and encoding files is in `io`.

use crate::DataError;
use serde::{Deserialize, Serialize};

mod io;

/// Gray or RGB: what an image is converted to on loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum ColorMode {
    /// One channel (Rec. 709 luma of colour sources, as the `image` crate converts).
    Gray,
    /// Three channels, alpha dropped.
    Rgb,
}

impl ColorMode {
    /// 1 for gray, 3 for RGB.
    pub fn channels(self) -> usize {
        match self {
            Self::Gray => 1,
            Self::Rgb => 3,
        }
    }

    /// The mode with this many channels, if any.
    pub fn from_channels(channels: usize) -> Option<Self> {
        match channels {
            1 => Some(Self::Gray),
            3 => Some(Self::Rgb),
            _ => None,
        }
    }
}

/// Bit depth of saved PNGs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BitDepth {
    /// 8 bits a sample (values rounded to k/255).
    #[default]
    Eight,
    /// 16 bits a sample (values rounded to k/65535).
    Sixteen,
}

/// Decoding limits: a header beyond them is refused before any pixel buffer is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest width or height accepted.
    pub max_side: u32,
    /// Largest decoded buffer, in bytes.
    pub max_bytes: u64,
}

impl Default for DecodeLimits {
    /// 16384 pixels a side and 1 GiB decoded: far above denoising datasets (DIV2K is 2040 wide).
    fn default() -> Self {
        Self {
            max_side: 16_384,
            max_bytes: 1 << 30,
        }
    }
}

/// A planar `f32` image `[channels, height, width]` with channels 1 or 3, nominal range [0, 1]
/// (noise may take values outside it; nothing clips implicitly).
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    data: Vec<f32>,
    channels: usize,
    height: usize,
    width: usize,
}

impl Image {
    /// Wraps a planar buffer; fails when `channels` is not 1 or 3 or the length does not match.
    pub fn new(
        data: Vec<f32>,
        channels: usize,
        height: usize,
        width: usize,
    ) -> Result<Self, DataError> {
        if channels != 1 && channels != 3 {
            return Err(DataError::Channels {
                context: "image".into(),
                got: channels,
                expected: 1,
            });
        }
        if data.len() != channels * height * width {
            return Err(DataError::Parameter {
                name: "image buffer length",
                value: data.len().to_string(),
                expected: "channels × height × width values",
            });
        }
        Ok(Self {
            data,
            channels,
            height,
            width,
        })
    }

    /// An image filled with one value.
    pub fn filled(channels: usize, height: usize, width: usize, value: f32) -> Self {
        assert!(channels == 1 || channels == 3, "channels must be 1 or 3");
        Self {
            data: vec![value; channels * height * width],
            channels,
            height,
            width,
        }
    }

    /// An image of the same shape with every value mapped through `f`.
    pub fn map(&self, f: impl Fn(f32) -> f32) -> Self {
        Self {
            data: self.data.iter().map(|&v| f(v)).collect(),
            channels: self.channels,
            height: self.height,
            width: self.width,
        }
    }

    /// Values combined pairwise with another image of the same shape.
    pub fn zip_map(&self, other: &Image, f: impl Fn(f32, f32) -> f32) -> Self {
        assert_eq!(self.shape(), other.shape(), "zip_map needs equal shapes");
        Self {
            data: self
                .data
                .iter()
                .zip(&other.data)
                .map(|(&a, &b)| f(a, b))
                .collect(),
            channels: self.channels,
            height: self.height,
            width: self.width,
        }
    }

    /// All values, planar.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// All values, planar, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// Consumes the image, returning its planar buffer.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    /// Number of channels (1 or 3).
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// `[channels, height, width]`.
    pub fn shape(&self) -> [usize; 3] {
        [self.channels, self.height, self.width]
    }

    /// The value of channel `c` at row `y`, column `x`.
    #[inline]
    pub fn at(&self, c: usize, y: usize, x: usize) -> f32 {
        self.data[(c * self.height + y) * self.width + x]
    }

    /// Every value clipped to [0, 1].
    pub fn clipped(&self) -> Self {
        self.map(|v| v.clamp(0.0, 1.0))
    }

    /// The `size_h × size_w` window whose top-left corner is `(y0, x0)`.
    pub fn crop(&self, y0: usize, x0: usize, size_h: usize, size_w: usize) -> Self {
        assert!(
            y0 + size_h <= self.height && x0 + size_w <= self.width,
            "crop out of bounds"
        );
        let mut data = Vec::with_capacity(self.channels * size_h * size_w);
        for c in 0..self.channels {
            for y in y0..y0 + size_h {
                let start = (c * self.height + y) * self.width + x0;
                data.extend_from_slice(&self.data[start..start + size_w]);
            }
        }
        Self {
            data,
            channels: self.channels,
            height: size_h,
            width: size_w,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic test image.
    pub(super) fn ramp(channels: usize, h: usize, w: usize) -> Image {
        let data = (0..channels * h * w)
            .map(|i| (i % 256) as f32 / 255.0)
            .collect();
        Image::new(data, channels, h, w).unwrap()
    }

    #[test]
    fn crop_takes_the_window() {
        let img = ramp(3, 4, 5);
        let c = img.crop(1, 2, 2, 3);
        assert_eq!(c.shape(), [3, 2, 3]);
        assert_eq!(c.at(2, 1, 2), img.at(2, 2, 4));
        assert_eq!(c.at(0, 0, 0), img.at(0, 1, 2));
    }

    #[test]
    fn rgb_loads_planar_and_gray_converts() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.png");
        let mut rgb = image::RgbImage::new(2, 1);
        rgb.put_pixel(0, 0, image::Rgb([255, 0, 0]));
        rgb.put_pixel(1, 0, image::Rgb([0, 0, 255]));
        rgb.save(&p).unwrap();
        let img = Image::load(&p, ColorMode::Rgb).unwrap();
        assert_eq!(img.as_slice(), &[1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        let gray = Image::load(&p, ColorMode::Gray).unwrap();
        assert_eq!(gray.channels(), 1);
        assert!(
            gray.at(0, 0, 0) > gray.at(0, 0, 1),
            "red is brighter than blue in luma"
        );
    }
}
