//! Hand-made image files for tests (feature `test-support`): PNGs whose header says what a test
//! needs — a size no decoder should allocate, a colour palette — written byte by byte, so that no
//! encoder can refuse or repair them.

/// CRC-32 (IEEE 802.3), as PNG chunks use it.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG file: the signature, an IHDR for `width × height` with `bit_depth` and `color_type`,
/// then `chunks` (type, data) in order and IEND.
pub fn png_file(
    width: u32,
    height: u32,
    bit_depth: u8,
    color_type: u8,
    chunks: &[(&[u8; 4], &[u8])],
) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8; 4], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[bit_depth, color_type, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    for (kind, data) in chunks {
        chunk(kind, data);
    }
    chunk(b"IEND", &[]);
    out
}

/// A PNG whose header claims `width × height` 8-bit gray pixels, with a tiny, wrong IDAT: a decoder
/// that trusts the header allocates `width · height` bytes before finding out.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    png_file(
        width,
        height,
        8,
        0,
        &[(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])],
    )
}

/// zlib's "stored" (uncompressed) encoding of `raw`, with its Adler-32.
fn zlib_stored(raw: &[u8]) -> Vec<u8> {
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        z.extend_from_slice(&(block.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(block.len() as u16)).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    z
}

/// A 16 × 16 PNG with a 4-colour palette (colour type 3): black, red, green, white in 4 × 4
/// checks.
pub fn palette_png() -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..16u8 {
        raw.push(0); // filter type: none
        raw.extend((0..16u8).map(|x| (x / 4 + y / 4) % 4));
    }
    png_file(
        16,
        16,
        8,
        3,
        &[
            (b"PLTE", &[0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 255, 255]),
            (b"IDAT", &zlib_stored(&raw)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_of_the_standard_check_string() {
        // The CRC-32 check value of "123456789" (the catalogue of parametrised CRC algorithms).
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn the_palette_png_decodes_to_its_colours() {
        let img = image::load_from_memory(&palette_png()).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (16, 16));
        assert_eq!(img.get_pixel(0, 0).0, [0, 0, 0]);
        assert_eq!(img.get_pixel(4, 0).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(8, 0).0, [0, 255, 0]);
        assert_eq!(img.get_pixel(12, 0).0, [255, 255, 255]);
    }
}
