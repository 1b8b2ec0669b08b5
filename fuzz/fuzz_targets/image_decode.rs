//! Fuzz target: decoding any bytes as an image never panics, never allocates beyond the limits,
//! and what decodes is a well-formed image with values in [0, 1].
#![no_main]

use std::path::Path;

use denoise_data::{ColorMode, DecodeLimits, Image};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let mode = if selector & 1 == 0 {
        ColorMode::Gray
    } else {
        ColorMode::Rgb
    };
    // The extension only matters when the content does not name its format.
    let name = ["x.png", "x.jpg", "x.tif", "x.bmp", "x.webp", "x.bin"][(selector as usize >> 1) % 6];
    let limits = DecodeLimits {
        max_side: 2048,
        max_bytes: 64 << 20,
    };
    if let Ok(img) = Image::decode(bytes, Path::new(name), mode, limits) {
        let [c, h, w] = img.shape();
        assert_eq!(c, mode.channels());
        assert_eq!(img.as_slice().len(), c * h * w);
        assert!(h <= 2048 && w <= 2048);
        assert!(
            img.as_slice()
                .iter()
                .all(|v| v.is_finite() && (-1e-6..=1.0 + 1e-6).contains(v)),
            "decoded values outside [0, 1]"
        );
    }
});
