//! Which channels `denoise score` compares ([`ScoreChannel`]) and the conversions it makes: RGB to
//! luminance (scikit-image `rgb2gray`), RGB to the Y of ITU-R BT.601 YCbCr (as MATLAB's
//! `rgb2ycbcr` and BasicSR's `test_y_channel` do for the published tables), and border crops.

use denoise_data::Image;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::evaluate::image_ref;

/// The channels an image is scored on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum ScoreChannel {
    /// The files' own channels: RGB when both are colour, gray when both are gray.
    #[default]
    Auto,
    /// All three colour channels (SSIM is the mean of the per-channel SSIMs).
    Rgb,
    /// Luminance `0.2125 R + 0.7154 G + 0.0721 B` of colour files (scikit-image `rgb2gray`).
    Gray,
    /// The Y of BT.601 YCbCr, `(16 + 65.481 R + 128.553 G + 24.966 B) / 255`, of colour files;
    /// gray files are scored as they are (as BasicSR does).
    Y,
}

impl ScoreChannel {
    /// The name used in messages and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Rgb => "rgb",
            Self::Gray => "gray",
            Self::Y => "y",
        }
    }
}

/// One plane from the three colour planes of `image` with weights `w` and offset `offset`.
fn weighted(image: &Image, w: [f64; 3], offset: f64) -> Image {
    let n = image.height() * image.width();
    let d = image.as_slice();
    let data = (0..n)
        .map(|i| {
            (offset
                + w[0] * f64::from(d[i])
                + w[1] * f64::from(d[n + i])
                + w[2] * f64::from(d[2 * n + i])) as f32
        })
        .collect();
    Image::new(data, 1, image.height(), image.width()).expect("one plane of the image's size")
}

/// The luminance of a colour image with scikit-image's `rgb2gray` weights, as the metrics compute
/// it ([`denoise_metrics::ImageRef::luminance`]); gray images as they are.
pub fn luminance(image: &Image) -> Image {
    if image.channels() == 1 {
        return image.clone();
    }
    let plane = image_ref(image).luminance();
    let data = plane.values.iter().map(|&v| v as f32).collect();
    Image::new(data, 1, plane.height, plane.width).expect("one plane of the image's size")
}

/// The BT.601 Y of a colour image in [16/255, 235/255] (gray images as they are).
pub fn luma_y(image: &Image) -> Image {
    if image.channels() == 1 {
        image.clone()
    } else {
        weighted(
            image,
            [65.481 / 255.0, 128.553 / 255.0, 24.966 / 255.0],
            16.0 / 255.0,
        )
    }
}

/// Converts an output and its reference to the channels `channel` asks for; `describe` names the
/// pair in errors.
pub fn to_channels(
    channel: ScoreChannel,
    output: Image,
    reference: Image,
    describe: &dyn Fn() -> String,
) -> Result<(Image, Image, ScoreChannel)> {
    let kinds = |c: usize| if c == 1 { "gray" } else { "RGB" };
    let (co, cr) = (output.channels(), reference.channels());
    match channel {
        ScoreChannel::Auto if co == cr => {
            let used = if co == 1 {
                ScoreChannel::Gray
            } else {
                ScoreChannel::Rgb
            };
            Ok((output, reference, used))
        }
        ScoreChannel::Auto => Err(Error::usage(format!(
            "{}: the output is {} and the reference {} — pass --channel gray (luminance of \
             both) or --channel y",
            describe(),
            kinds(co),
            kinds(cr)
        ))),
        ScoreChannel::Rgb if co == 3 && cr == 3 => Ok((output, reference, ScoreChannel::Rgb)),
        ScoreChannel::Rgb => Err(Error::usage(format!(
            "{}: --channel rgb needs two colour images, the output is {} and the reference {} — \
             pass --channel gray",
            describe(),
            kinds(co),
            kinds(cr)
        ))),
        ScoreChannel::Gray => Ok((
            luminance(&output),
            luminance(&reference),
            ScoreChannel::Gray,
        )),
        ScoreChannel::Y => Ok((luma_y(&output), luma_y(&reference), ScoreChannel::Y)),
    }
}

/// `image` without `border` pixels on each side; `None` when nothing would be left.
pub fn crop_border(image: &Image, border: usize) -> Option<Image> {
    let (h, w) = (image.height(), image.width());
    if 2 * border >= h || 2 * border >= w {
        return None;
    }
    Some(image.crop(border, border, h - 2 * border, w - 2 * border))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(r: f32, g: f32, b: f32) -> Image {
        Image::new(vec![r, r, g, g, b, b], 3, 1, 2).unwrap()
    }

    #[test]
    fn weights_are_rgb2gray_and_bt601() {
        // White: luminance 1 (the weights sum to 1), Y = 235/255 (the top of studio swing).
        let white = rgb(1.0, 1.0, 1.0);
        assert!((luminance(&white).at(0, 0, 0) - 1.0).abs() < 1e-6);
        assert!((luma_y(&white).at(0, 0, 0) - 235.0 / 255.0).abs() < 1e-6);
        // Black: Y = 16/255; pure green: 0.7154 and (16 + 128.553)/255.
        assert!((luma_y(&rgb(0.0, 0.0, 0.0)).at(0, 0, 1) - 16.0 / 255.0).abs() < 1e-7);
        let green = rgb(0.0, 1.0, 0.0);
        assert!((luminance(&green).at(0, 0, 0) - 0.7154).abs() < 1e-6);
        assert!((luma_y(&green).at(0, 0, 0) - 144.553 / 255.0).abs() < 1e-6);
        let gray = Image::filled(1, 2, 2, 0.3);
        assert_eq!(luma_y(&gray), gray);
    }

    #[test]
    fn mixed_channels_need_a_choice_and_crops_must_leave_pixels() {
        let (g, c) = (Image::filled(1, 4, 4, 0.5), Image::filled(3, 4, 4, 0.5));
        let name = || "a.png".to_string();
        let err = to_channels(ScoreChannel::Auto, c.clone(), g.clone(), &name).unwrap_err();
        assert!(err.to_string().contains("--channel gray"), "{err}");
        assert!(to_channels(ScoreChannel::Rgb, c.clone(), g.clone(), &name).is_err());
        let (o, r, used) = to_channels(ScoreChannel::Gray, c, g, &name).unwrap();
        assert_eq!(
            (o.channels(), r.channels(), used),
            (1, 1, ScoreChannel::Gray)
        );
        assert_eq!(crop_border(&o, 1).unwrap().shape(), [1, 2, 2]);
        assert!(crop_border(&o, 2).is_none());
    }
}
