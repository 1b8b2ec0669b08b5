//! Running a model over full images and measuring the outputs ([`Scores`]): PSNR, SSIM, bias,
//! sharpness ratios, and the distance to the oracle optima of the label corruption.

pub mod scores;
pub mod tiles;

use burn::tensor::{Device, Tensor};
use denoise_data::{Image, LabelSpec, Pair, images_to_tensor};
use denoise_metrics::{
    ImageRef, bias, mae, mse, psnr, psnr_from_mse, residual_noise, sharpness_ratios, ssim,
};
use denoise_model::Denoiser;
use serde::{Deserialize, Serialize};

pub use scores::{COLUMNS, Column, CsvPrecision, Scores};
pub use tiles::{Inference, StopCheck, TileSize};

use crate::error::{Context, Error, Result};

/// The scores of one output image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ImageMetrics {
    /// Which image.
    pub name: String,
    /// Its scores.
    #[serde(flatten)]
    pub scores: Scores,
}

/// The scores of a set of images and their means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct EvalSummary {
    /// The mean of every score over the images.
    #[serde(flatten)]
    pub mean: Scores,
    /// Every image.
    pub images: Vec<ImageMetrics>,
}

/// Converts a `[1, channels, height, width]` slice of a batch back to an image.
pub(crate) fn to_image(t: Tensor<4>) -> Result<Image> {
    let [_, c, h, w] = t.dims();
    let data = t
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| Error::Other(format!("reading the output from the device: {e:?}")))?;
    Ok(Image::new(data, c, h, w)?)
}

/// The tile side `inference` asks for on `model` with `available` bytes free: `None` for one
/// pass over the whole image.
fn tile_side(
    model: &Denoiser,
    channels: usize,
    inference: &Inference<'_>,
    available: Option<u64>,
) -> Option<usize> {
    match inference.tile {
        TileSize::Whole => None,
        TileSize::Side(s) => Some(s),
        TileSize::Auto => Some(crate::memory::default_tile(
            model.hidden_width(),
            channels,
            model.receptive_radius(),
            available,
        )),
    }
}

/// Denoises images of any size with a model in validation mode, each in tiles as `inference`
/// says (an image no larger than a tile in one pass), asking `inference.stop` before each tile.
pub fn denoise_images(
    model: &Denoiser,
    images: &[&Image],
    device: &Device,
    inference: &Inference<'_>,
) -> Result<Vec<Image>> {
    // Free memory is read once per call (only `auto` tiles need it), not once per image.
    let available = match inference.tile {
        TileSize::Auto => crate::memory::available(),
        _ => None,
    };
    images
        .iter()
        .map(|img| {
            if let Some(signal) = (inference.stop)() {
                return Err(Error::Stopped(signal));
            }
            match tile_side(model, img.channels(), inference, available) {
                Some(side) if img.height() > side || img.width() > side => tiles::denoise_in_tiles(
                    model,
                    img,
                    side,
                    model.receptive_radius(),
                    device,
                    inference.stop,
                ),
                _ => to_image(model.forward(images_to_tensor([*img], device)?)),
            }
        })
        .collect()
}

/// The metrics' borrowed view of an image.
pub(crate) fn image_ref(img: &Image) -> ImageRef<'_> {
    ImageRef::new(img.as_slice(), img.channels(), img.height(), img.width())
        .expect("Image guarantees channels 1 or 3 and a matching buffer")
}

/// Measures `output` against the pair's clean image and the label corruption's oracle.
pub fn measure(
    name: &str,
    output: &Image,
    pair: &Pair,
    labels: &LabelSpec,
) -> Result<ImageMetrics> {
    let (o, c, i) = (
        image_ref(output),
        image_ref(&pair.clean),
        image_ref(&pair.input),
    );
    let oracle = labels.oracle(&pair.clean);
    let dist = oracle.distance_to_median_set(output);
    let n = dist.as_slice().len() as f64;
    Ok(ImageMetrics {
        name: name.to_owned(),
        scores: Scores {
            psnr: psnr(&o, &c, 1.0)?,
            input_psnr: psnr(&i, &c, 1.0)?,
            ssim: ssim(&o, &c).with_context(|| format!("SSIM of {name}"))?,
            bias: bias(&o, &c)?,
            mae: mae(&o, &c)?,
            sharpness: sharpness_ratios(&o, &c)?,
            residual_noise: residual_noise(&o, &c)?,
            psnr_vs_mean: psnr_from_mse(mse(&o, &image_ref(&oracle.mean))?, 1.0)?,
            median_distance: dist.as_slice().iter().map(|&d| f64::from(d)).sum::<f64>() / n,
        },
    })
}

/// The images' scores with their means.
pub fn summarize(images: Vec<ImageMetrics>) -> EvalSummary {
    EvalSummary {
        mean: Scores::mean(images.iter().map(|m| &m.scores)),
        images,
    }
}

/// Denoises every pair's input (as `inference` says) and measures it; `names` label the images.
pub fn evaluate(
    model: &Denoiser,
    pairs: &[Pair],
    names: &[String],
    labels: &LabelSpec,
    device: &Device,
    inference: &Inference<'_>,
) -> Result<(EvalSummary, Vec<Image>)> {
    let inputs: Vec<&Image> = pairs.iter().map(|p| &p.input).collect();
    let outputs = denoise_images(model, &inputs, device, inference)?;
    let metrics = outputs
        .iter()
        .zip(pairs)
        .zip(names)
        .map(|((o, p), name)| measure(name, o, p, labels))
        .collect::<Result<Vec<_>>>()?;
    Ok((summarize(metrics), outputs))
}
