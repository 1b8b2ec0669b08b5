//! Running a model over full images and measuring the outputs: PSNR, SSIM, bias, sharpness
//! ratios, and the distance to the oracle optima of the label corruption.

use anyhow::{Context, Result};
use burn::tensor::{Device, Tensor};
use denoise_data::{Image, LabelSpec, Pair, images_to_tensor};
use denoise_metrics::{
    ImageRef, Sharpness, bias, mae, mse, psnr, psnr_from_mse, sharpness_ratios, ssim,
};
use denoise_model::Denoiser;
use serde::{Deserialize, Serialize};

/// Metrics of one output image against its clean truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ImageMetrics {
    /// Which image.
    pub name: String,
    /// PSNR of the output (dB, range 1).
    pub psnr: f64,
    /// PSNR of the noisy input, for reference.
    pub input_psnr: f64,
    /// SSIM of the output.
    pub ssim: f64,
    /// Mean signed error (output − clean).
    pub bias: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Sharpness of the output relative to the clean image (1 = as sharp).
    pub sharpness: Sharpness,
    /// PSNR of the output against the oracle conditional mean (the MSE optimum).
    pub psnr_vs_mean: f64,
    /// Mean distance of the output to the oracle median set (the L1 optima).
    pub median_distance: f64,
}

/// Metrics of a set of images and their means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct EvalSummary {
    /// Mean PSNR over images (dB).
    pub psnr: f64,
    /// Mean input PSNR (dB).
    pub input_psnr: f64,
    /// Mean SSIM.
    pub ssim: f64,
    /// Mean bias.
    pub bias: f64,
    /// Mean MAE.
    pub mae: f64,
    /// Mean sharpness ratios.
    pub sharpness: Sharpness,
    /// Mean PSNR against the oracle mean.
    pub psnr_vs_mean: f64,
    /// Mean distance to the oracle median set.
    pub median_distance: f64,
    /// Every image.
    pub images: Vec<ImageMetrics>,
}

/// Converts a `[1, channels, height, width]` slice of a batch back to an image.
fn to_image(t: Tensor<4>) -> Result<Image> {
    let [_, c, h, w] = t.dims();
    let data = t
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("reading the output from the device: {e:?}"))?;
    Ok(Image::new(data, c, h, w)?)
}

/// Denoises images of any size (one forward per image, on `device`) with a model in
/// validation mode.
pub fn denoise_images(model: &Denoiser, images: &[&Image], device: &Device) -> Result<Vec<Image>> {
    images
        .iter()
        .map(|img| {
            let x = images_to_tensor([*img], device)?;
            to_image(model.forward(x))
        })
        .collect()
}

fn image_ref(img: &Image) -> ImageRef<'_> {
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
        psnr: psnr(&o, &c, 1.0)?,
        input_psnr: psnr(&i, &c, 1.0)?,
        ssim: ssim(&o, &c).with_context(|| format!("SSIM of {name}"))?,
        bias: bias(&o, &c)?,
        mae: mae(&o, &c)?,
        sharpness: sharpness_ratios(&o, &c)?,
        psnr_vs_mean: psnr_from_mse(mse(&o, &image_ref(&oracle.mean))?, 1.0)?,
        median_distance: dist.as_slice().iter().map(|&d| f64::from(d)).sum::<f64>() / n,
    })
}

/// Averages per-image metrics (PSNR is averaged in dB, as the literature reports it).
pub fn summarize(images: Vec<ImageMetrics>) -> EvalSummary {
    let n = images.len().max(1) as f64;
    let mean = |f: &dyn Fn(&ImageMetrics) -> f64| images.iter().map(f).sum::<f64>() / n;
    EvalSummary {
        psnr: mean(&|m| m.psnr),
        input_psnr: mean(&|m| m.input_psnr),
        ssim: mean(&|m| m.ssim),
        bias: mean(&|m| m.bias),
        mae: mean(&|m| m.mae),
        sharpness: Sharpness {
            tenengrad: mean(&|m| m.sharpness.tenengrad),
            laplacian_variance: mean(&|m| m.sharpness.laplacian_variance),
            high_frequency: mean(&|m| m.sharpness.high_frequency),
            anti_blur: mean(&|m| m.sharpness.anti_blur),
        },
        psnr_vs_mean: mean(&|m| m.psnr_vs_mean),
        median_distance: mean(&|m| m.median_distance),
        images,
    }
}

/// Denoises every pair's input and measures it; `names` label the images.
pub fn evaluate(
    model: &Denoiser,
    pairs: &[Pair],
    names: &[String],
    labels: &LabelSpec,
    device: &Device,
) -> Result<(EvalSummary, Vec<Image>)> {
    let inputs: Vec<&Image> = pairs.iter().map(|p| &p.input).collect();
    let outputs = denoise_images(model, &inputs, device)?;
    let metrics = outputs
        .iter()
        .zip(pairs)
        .zip(names)
        .map(|((o, p), name)| measure(name, o, p, labels))
        .collect::<Result<Vec<_>>>()?;
    Ok((summarize(metrics), outputs))
}
