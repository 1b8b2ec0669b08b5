//! Writes a [`Denoiser`] as the state dict of KAIR's `DnCNN(in_nc=c, out_nc=c, nc=width,
//! nb=depth, act_mode='R' or 'BR')`, the keys, shapes, dtypes and order that
//! `load_state_dict(strict=True)` asks for.
//!
//! Our convolutions before a batch norm have no bias; KAIR's get a zero bias. Where our ε differs
//! from the target's, γ is rescaled so that eval mode computes the same function:
//! `γ' = γ √((σ² + ε_target) / (σ² + ε))` (shifting σ² instead could make it negative).

use denoise_model::Denoiser;

use super::kair_layout::kair_layout;
use super::pth_writer::{PthTensor, PthValues};
use crate::error::{Error, Result};

fn f32s(name: String, shape: Vec<usize>, values: Vec<f32>) -> PthTensor {
    PthTensor {
        name,
        shape,
        values: PthValues::F32(values),
    }
}

/// The state dict of `model` for KAIR's DnCNN whose `BatchNorm2d` layers use `norm_epsilon`
/// ([`super::KAIR_NORM_EPSILON`] for KAIR's), in KAIR's order.
pub fn kair_state_dict(model: &Denoiser, norm_epsilon: f64) -> Result<Vec<PthTensor>> {
    if !model.is_residual() {
        return Err(Error::usage(
            "this model predicts the image, not the noise; KAIR's DnCNN returns x − model(x), so \
             only a residual model (the default; not --no-residual) can be exported",
        ));
    }
    let layers = model.layer_weights();
    let ours = model.norm_epsilon();
    let batch_norm = ours.is_some();
    let mut dict = Vec::new();
    let layout = kair_layout(layers.len(), batch_norm);
    for (layer, index) in layers.into_iter().zip(layout) {
        let cout = layer.conv.shape[0];
        let at = |field: &str, i: usize| format!("model.{i}.{field}");
        dict.push(f32s(
            at("weight", index.conv),
            layer.conv.shape.to_vec(),
            layer.conv.weight,
        ));
        let bias = layer.conv.bias.unwrap_or_else(|| vec![0.0; cout]);
        dict.push(f32s(at("bias", index.conv), vec![cout], bias));
        if let (Some(norm), Some(i), Some(eps)) = (layer.norm, index.norm, ours) {
            let gamma = norm
                .gamma
                .iter()
                .zip(&norm.variance)
                .map(|(&g, &v)| {
                    let v = f64::from(v);
                    (f64::from(g) * ((v + norm_epsilon) / (v + eps)).sqrt()) as f32
                })
                .collect();
            dict.push(f32s(at("weight", i), vec![cout], gamma));
            dict.push(f32s(at("bias", i), vec![cout], norm.beta));
            dict.push(f32s(at("running_mean", i), vec![cout], norm.mean));
            dict.push(f32s(at("running_var", i), vec![cout], norm.variance));
            dict.push(PthTensor {
                name: at("num_batches_tracked", i),
                shape: Vec::new(),
                values: PthValues::I64(vec![0]),
            });
        }
    }
    Ok(dict)
}
