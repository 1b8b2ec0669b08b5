//! Decoding image files (every format the `image` crate reads, within [`DecodeLimits`]) into
//! [`Image`]s, and encoding them as 8- or 16-bit PNG.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use super::{BitDepth, ColorMode, DecodeLimits, Image};
use crate::{DataError, IoAction, fs::write_bytes_atomically};

impl Image {
    /// Decodes an image file (PNG, JPEG, TIFF incl. 16-bit, BMP, WebP) with default limits.
    pub fn load(path: &Path, mode: ColorMode) -> Result<Self, DataError> {
        Self::load_with_limits(path, mode, DecodeLimits::default())
    }

    /// Decodes an image file, refusing headers beyond `limits` before allocating.
    pub fn load_with_limits(
        path: &Path,
        mode: ColorMode,
        limits: DecodeLimits,
    ) -> Result<Self, DataError> {
        let bytes = std::fs::read(path).map_err(|e| DataError::io(IoAction::Read, path, e))?;
        Self::decode(&bytes, path, mode, limits)
    }

    /// Decodes an in-memory file; `path` is only used in messages and to guess the format when the
    /// content does not tell it.
    pub fn decode(
        bytes: &[u8],
        path: &Path,
        mode: ColorMode,
        limits: DecodeLimits,
    ) -> Result<Self, DataError> {
        Ok(Self::from_dynamic(
            &decode_dynamic(bytes, path, limits)?,
            mode,
        ))
    }

    /// Decodes a file in its own colour: gray files (with or without alpha) as 1 channel, colour
    /// files as 3.
    pub fn load_native(path: &Path) -> Result<Self, DataError> {
        Ok(Self::load_native_with_levels(path)?.0)
    }

    /// Like [`Image::load_native`], with the file's largest integer sample value: 255 for 8-bit
    /// files, 65535 for 16-bit ones, `None` for floating-point files (their values are kept as
    /// they are). Values are `level / max` in the image.
    pub fn load_native_with_levels(path: &Path) -> Result<(Self, Option<u32>), DataError> {
        let bytes = std::fs::read(path).map_err(|e| DataError::io(IoAction::Read, path, e))?;
        let img = decode_dynamic(&bytes, path, DecodeLimits::default())?;
        let color = img.color();
        let mode = if color.has_color() {
            ColorMode::Rgb
        } else {
            ColorMode::Gray
        };
        let bits = color.bits_per_pixel() / u16::from(color.channel_count());
        let float = img.as_rgb32f().is_some() || img.as_rgba32f().is_some();
        let levels = (!float && bits <= 16).then(|| (1u32 << bits) - 1);
        Ok((Self::from_dynamic(&img, mode), levels))
    }

    /// Converts a decoded `image` crate image (any depth) to planar `f32` in [0, 1].
    pub fn from_dynamic(img: &DynamicImage, mode: ColorMode) -> Self {
        let (w, h) = (img.width() as usize, img.height() as usize);
        match mode {
            ColorMode::Gray => Self {
                data: img.to_luma32f().into_raw(),
                channels: 1,
                height: h,
                width: w,
            },
            ColorMode::Rgb => {
                let inter = img.to_rgb32f().into_raw();
                let n = h * w;
                let mut data = vec![0.0f32; 3 * n];
                for (i, px) in inter.chunks_exact(3).enumerate() {
                    data[i] = px[0];
                    data[n + i] = px[1];
                    data[2 * n + i] = px[2];
                }
                Self {
                    data,
                    channels: 3,
                    height: h,
                    width: w,
                }
            }
        }
    }

    /// Encodes as PNG bytes; values are clipped to [0, 1] and rounded to the nearest level.
    pub fn to_png_bytes(&self, depth: BitDepth) -> Result<Vec<u8>, image::ImageError> {
        let n = self.height * self.width;
        let (w, h) = (self.width as u32, self.height as u32);
        let interleaved = |scale: f32| -> Vec<f32> {
            let mut out = Vec::with_capacity(self.data.len());
            for i in 0..n {
                for c in 0..self.channels {
                    out.push((self.data[c * n + i].clamp(0.0, 1.0) * scale).round());
                }
            }
            out
        };
        let dynamic = match (depth, self.channels) {
            (BitDepth::Eight, 1) => DynamicImage::ImageLuma8(
                image::GrayImage::from_raw(
                    w,
                    h,
                    interleaved(255.0).iter().map(|&v| v as u8).collect(),
                )
                .expect("buffer size matches"),
            ),
            (BitDepth::Eight, _) => DynamicImage::ImageRgb8(
                image::RgbImage::from_raw(
                    w,
                    h,
                    interleaved(255.0).iter().map(|&v| v as u8).collect(),
                )
                .expect("buffer size matches"),
            ),
            (BitDepth::Sixteen, 1) => DynamicImage::ImageLuma16(
                image::ImageBuffer::from_raw(
                    w,
                    h,
                    interleaved(65535.0).iter().map(|&v| v as u16).collect(),
                )
                .expect("buffer size matches"),
            ),
            (BitDepth::Sixteen, _) => DynamicImage::ImageRgb16(
                image::ImageBuffer::from_raw(
                    w,
                    h,
                    interleaved(65535.0).iter().map(|&v| v as u16).collect(),
                )
                .expect("buffer size matches"),
            ),
        };
        let mut bytes = Vec::new();
        dynamic.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)?;
        Ok(bytes)
    }

    /// Saves as PNG through a temporary file and a rename (never a half-written file).
    pub fn save_png(&self, path: &Path, depth: BitDepth) -> Result<(), DataError> {
        let bytes = self.to_png_bytes(depth).map_err(|e| DataError::Encode {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        write_bytes_atomically(path, &bytes)
    }
}

fn decode_dynamic(
    bytes: &[u8],
    path: &Path,
    limits: DecodeLimits,
) -> Result<DynamicImage, DataError> {
    let decode_err = |message: String| DataError::Decode {
        path: path.to_path_buf(),
        message,
    };
    if bytes.is_empty() {
        return Err(decode_err("the file is empty (0 bytes)".into()));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| decode_err(e.to_string()))?;
    if reader.format().is_none() {
        reader.set_format(
            ImageFormat::from_path(path)
                .map_err(|_| decode_err("unrecognised image format".into()))?,
        );
    }
    if reader.format() == Some(ImageFormat::Jpeg) && !jpeg_is_complete(bytes) {
        return Err(decode_err(
            "the JPEG is truncated (no end-of-image marker after its image data)".into(),
        ));
    }
    let mut l = Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    l.max_alloc = Some(limits.max_bytes);
    reader.limits(l);
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(le) => DataError::TooLarge {
            path: path.to_path_buf(),
            message: le.to_string(),
            max_side: limits.max_side,
            max_mib: limits.max_bytes >> 20,
        },
        other => decode_err(other.to_string()),
    })
}

/// Whether a JPEG stream has an end-of-image marker (FF D9) after its first start-of-scan (FF DA).
/// Entropy-coded data never holds FF D9 (an FF there is followed by 00 or a restart marker), so a
/// file cut anywhere inside its image data lacks it; JPEG decoders fill the missing part in
/// silently, which would put a half-gray image into a training set.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let find = |from: usize, marker: u8| {
        bytes[from..]
            .windows(2)
            .position(|w| w == [0xFF, marker])
            .map(|p| from + p)
    };
    find(0, 0xDA).and_then(|sos| find(sos + 2, 0xD9)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::tests::ramp;

    #[test]
    fn png_round_trip_8_and_16_bit() {
        let dir = tempfile::tempdir().unwrap();
        for channels in [1, 3] {
            let img = ramp(channels, 5, 7);
            let p8 = dir.path().join(format!("a{channels}.png"));
            img.save_png(&p8, BitDepth::Eight).unwrap();
            let back = Image::load(&p8, ColorMode::from_channels(channels).unwrap()).unwrap();
            assert_eq!(back, img, "k/255 values survive 8-bit PNG exactly");
            let fine = img.map(|v| v * 0.5 + 1.0 / 65535.0);
            let p16 = dir.path().join(format!("b{channels}.png"));
            fine.save_png(&p16, BitDepth::Sixteen).unwrap();
            let back = Image::load(&p16, ColorMode::from_channels(channels).unwrap()).unwrap();
            for (a, b) in back.as_slice().iter().zip(fine.as_slice()) {
                assert!((a - b).abs() <= 0.5 / 65535.0 + 1e-7, "{a} vs {b}");
            }
            let (native8, levels8) = Image::load_native_with_levels(&p8).unwrap();
            let (native16, levels16) = Image::load_native_with_levels(&p16).unwrap();
            assert_eq!((levels8, levels16), (Some(255), Some(65535)));
            assert_eq!(
                (native8.channels(), native16.channels()),
                (channels, channels)
            );
        }
    }

    #[test]
    fn every_format_loads_including_16_bit_tiff() {
        let dir = tempfile::tempdir().unwrap();
        // 16-bit gray TIFF: values k·257 + 1 keep precision beyond 8 bits.
        let (w, h) = (6u32, 4u32);
        let raw: Vec<u16> = (0..w * h).map(|i| (i * 2570 + 1) as u16).collect();
        let tiff = image::ImageBuffer::<image::Luma<u16>, _>::from_raw(w, h, raw.clone()).unwrap();
        let p = dir.path().join("deep.tif");
        tiff.save(&p).unwrap();
        let img = Image::load(&p, ColorMode::Gray).unwrap();
        for (a, &b) in img.as_slice().iter().zip(&raw) {
            assert!((a - f32::from(b) / 65535.0).abs() < 1e-6, "{a} vs {b}");
        }
        // 8-bit RGB through PNG, BMP, lossless WebP and JPEG (lossy: close, not exact).
        let rgb = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 40) as u8, (y * 60) as u8, 128])
        });
        for (ext, tol) in [("png", 0.0), ("bmp", 0.0), ("webp", 0.0), ("jpg", 0.08)] {
            let p = dir.path().join(format!("c.{ext}"));
            rgb.save(&p).unwrap();
            let img = Image::load(&p, ColorMode::Rgb).unwrap();
            assert_eq!(img.shape(), [3, h as usize, w as usize], "{ext}");
            let want = f32::from(rgb.get_pixel(5, 3)[0]) / 255.0;
            assert!(
                (img.at(0, 3, 5) - want).abs() <= tol,
                "{ext}: {} vs {want}",
                img.at(0, 3, 5)
            );
        }
    }

    #[test]
    fn truncated_jpeg_is_refused_and_a_complete_one_loads() {
        let rgb = image::RgbImage::from_fn(48, 48, |x, y| {
            image::Rgb([(x * 5) as u8, (y * 5) as u8, ((x * y) % 256) as u8])
        });
        let mut bytes = std::io::Cursor::new(Vec::new());
        rgb.write_to(&mut bytes, ImageFormat::Jpeg).unwrap();
        let bytes = bytes.into_inner();
        let p = Path::new("photo.jpg");
        let whole = Image::decode(&bytes, p, ColorMode::Rgb, DecodeLimits::default());
        assert_eq!(whole.unwrap().shape(), [3, 48, 48]);
        for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() - 2] {
            let err = Image::decode(&bytes[..cut], p, ColorMode::Rgb, DecodeLimits::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("photo.jpg") && err.contains("truncated"),
                "cut at {cut}: {err}"
            );
        }
        // Bytes after the end-of-image marker (camera trailers) are fine.
        let mut trailer = bytes.clone();
        trailer.extend_from_slice(b"trailing maker notes");
        assert!(Image::decode(&trailer, p, ColorMode::Rgb, DecodeLimits::default()).is_ok());
    }

    #[test]
    fn hostile_header_is_refused_without_allocating() {
        // A valid PNG signature and IHDR claiming 60000×60000 pixels.
        let png = crate::testing::png_claiming(60_000, 60_000);
        let err = Image::decode(
            &png,
            Path::new("huge.png"),
            ColorMode::Gray,
            DecodeLimits::default(),
        )
        .unwrap_err();
        assert!(matches!(err, DataError::TooLarge { .. }), "{err}");
        assert!(err.to_string().contains("huge.png"));
    }

    #[test]
    fn empty_and_garbage_files_are_decode_errors_naming_the_file() {
        for (bytes, name) in [
            (&b""[..], "empty.png"),
            (&b"hello, not a png"[..], "text.png"),
        ] {
            let err = Image::decode(
                bytes,
                Path::new(name),
                ColorMode::Gray,
                DecodeLimits::default(),
            )
            .unwrap_err();
            assert!(matches!(err, DataError::Decode { .. }), "{err}");
            assert!(err.to_string().contains(name), "{err}");
        }
    }
}
