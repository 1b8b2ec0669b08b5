//! What the fuzz targets (`fuzz/`) and the tests that replay their corpus share (feature
//! `test-support`): how a fuzz input is read, and what must hold of the result.

use std::fmt::{Debug, Display};
use std::path::Path;
use std::str::FromStr;

use crate::{ColorMode, DecodeLimits, Image};

/// The decode limits of the image target.
pub const IMAGE_LIMITS: DecodeLimits = DecodeLimits {
    max_side: 2048,
    max_bytes: 64 << 20,
};

/// Parses `data` as a `T`. `Ok(None)` when it is not UTF-8 or does not parse; `Err` when it parses
/// but its printed form does not parse back to the same value.
pub fn parse_round_trip<T>(data: &[u8]) -> Result<Option<T>, String>
where
    T: FromStr + Display + PartialEq + Debug,
    T::Err: Display,
{
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(None);
    };
    let Ok(value) = text.parse::<T>() else {
        return Ok(None);
    };
    let printed = value.to_string();
    match printed.parse::<T>() {
        Ok(again) if again == value => Ok(Some(value)),
        Ok(again) => Err(format!(
            "'{text}' -> '{printed}' -> {again:?}, not {value:?}"
        )),
        Err(e) => Err(format!(
            "'{text}' printed as '{printed}', which does not parse: {e}"
        )),
    }
}

/// Decodes an image fuzz input: bit 0 of the first byte picks gray or RGB, the rest of it the file
/// name (the extension only matters when the content does not name its format), the other bytes
/// are the file. `Ok(true)` when it decoded into a well-formed image within [`IMAGE_LIMITS`] with
/// values in [0, 1], `Ok(false)` when it was refused, `Err` when it decoded into something else.
pub fn decode_image_input(data: &[u8]) -> Result<bool, String> {
    let Some((&selector, bytes)) = data.split_first() else {
        return Ok(false);
    };
    let mode = if selector & 1 == 0 {
        ColorMode::Gray
    } else {
        ColorMode::Rgb
    };
    let name =
        ["x.png", "x.jpg", "x.tif", "x.bmp", "x.webp", "x.bin"][(selector as usize >> 1) % 6];
    let Ok(img) = Image::decode(bytes, Path::new(name), mode, IMAGE_LIMITS) else {
        return Ok(false);
    };
    let [c, h, w] = img.shape();
    if c != mode.channels() || img.as_slice().len() != c * h * w {
        return Err(format!("{name}: shape {:?} for {mode:?}", img.shape()));
    }
    let max = IMAGE_LIMITS.max_side as usize;
    if h > max || w > max {
        return Err(format!("{name}: {w}×{h} beyond the limits"));
    }
    if !img
        .as_slice()
        .iter()
        .all(|v| v.is_finite() && (-1e-6..=1.0 + 1e-6).contains(v))
    {
        return Err(format!("{name}: decoded values outside [0, 1]"));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_of_a_spelling_and_of_junk() {
        assert_eq!(parse_round_trip::<u8>(b"7"), Ok(Some(7)));
        assert_eq!(parse_round_trip::<u8>(b"007"), Ok(Some(7)));
        assert_eq!(parse_round_trip::<u8>(b"x"), Ok(None));
        assert_eq!(parse_round_trip::<u8>(&[0xff]), Ok(None));
    }

    #[test]
    fn image_input_selects_mode_and_refuses_junk() {
        assert_eq!(decode_image_input(&[]), Ok(false));
        assert_eq!(decode_image_input(b"\x00not an image"), Ok(false));
        let mut png = std::io::Cursor::new(Vec::new());
        image::GrayImage::new(3, 2)
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        // Selector 1: RGB, named x.png.
        assert_eq!(
            decode_image_input(&[&[1u8], png.get_ref().as_slice()].concat()),
            Ok(true)
        );
    }
}
