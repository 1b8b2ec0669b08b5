//! Fuzz target: decoding any bytes as an image never panics, never allocates beyond the limits,
//! and what decodes is a well-formed image with values in [0, 1]
//! ([`denoise_data::fuzz_input::decode_image_input`], which the corpus replay uses too).
#![no_main]

use denoise_data::fuzz_input::decode_image_input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = decode_image_input(data) {
        panic!("{e}");
    }
});
