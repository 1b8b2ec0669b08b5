//! Reads a KAIR DnCNN state dict (`torch.save(model.state_dict(), path)`; also BasicSR's
//! `{"params": …}` and DataParallel's `module.` prefix) through burn-store's `PytorchStore`, whose
//! key remapping strips the prefix, and builds the same network as a [`Denoiser`].
//!
//! KAIR's convolutions before a batch norm have a bias; ours do not (β replaces it), so that bias
//! is folded into the running mean: `BN(Wx + b) = γ (Wx − (μ − b)) / √(σ² + ε) + β`, exact in eval
//! mode. The batch norms keep the file's ε (KAIR's 1e-4 unless told otherwise).

use std::collections::BTreeMap;
use std::path::Path;

use burn::store::bridge::to_data;
use burn::store::{ModuleStore, PytorchStore};
use burn::tensor::Device;
use denoise_model::{ConvWeights, Denoiser, DenoiserConfig, LayerWeights, NormWeights};

use super::kair_layout::{act_mode, kair_layout};
use crate::error::{Error, Result};

/// One tensor of the file: shape and values as f32.
struct Entry {
    shape: Vec<usize>,
    values: Vec<f32>,
}

/// The `model.{i}.{field}` tensors of the file, by index and field.
type Layers = BTreeMap<usize, BTreeMap<String, Entry>>;

/// The prefix group of a key (`params.`, `params_ema.`, …, or empty) when it names a layer.
fn prefix_group(key: &str) -> Option<&str> {
    let at = key.find("model.")?;
    let prefix = &key[..at];
    let known = [
        "",
        "params.",
        "params_ema.",
        "state_dict.",
        "model_state_dict.",
    ];
    known
        .iter()
        .find(|p| prefix == **p || prefix == format!("{p}module."))
        .copied()
}

fn read(path: &Path) -> Result<Layers> {
    let bad = |what: String| Error::bad_input(format!("{}: {what}", path.display()));
    let mut probe = PytorchStore::from_file(path).map_indices_contiguous(false);
    let keys = probe.keys().map_err(|e| {
        bad(format!(
            "cannot read it as a PyTorch state dict ({e}); save one with \
             torch.save(model.state_dict(), path)"
        ))
    })?;
    let mut groups: Vec<&str> = keys.iter().filter_map(|k| prefix_group(k)).collect();
    groups.sort_unstable();
    groups.dedup();
    // BasicSR files may hold `params` and `params_ema`; BasicSR loads `params` by default.
    let group = match groups.as_slice() {
        [] => {
            return Err(bad(format!(
                "no `model.<i>.weight` keys: not a KAIR DnCNN state dict (keys: {})",
                keys.iter().take(6).cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        [one] => *one,
        several if several.contains(&"params.") => "params.",
        several => {
            return Err(bad(format!(
                "several state dicts in one file ({}); save the one to import alone",
                several.join(", ")
            )));
        }
    };
    let pattern = format!("^{}(?:module\\.)?model\\.", regex_escape(group));
    let mut store = PytorchStore::from_file(path)
        .map_indices_contiguous(false)
        .with_key_remapping(&pattern, "model.");
    let tensors = store
        .get_all_tensors()
        .map_err(|e| bad(format!("cannot read its tensors ({e})")))?;
    let mut layers = Layers::new();
    for (key, tensor) in tensors {
        let Some(rest) = key.strip_prefix("model.") else {
            if prefix_group(key).is_some() || (!group.is_empty() && !key.starts_with(group)) {
                continue; // another state dict's layer (`params_ema.` beside `params.`)
            }
            return Err(bad(format!("unexpected key `{key}`: not a KAIR DnCNN")));
        };
        let parsed = rest
            .split_once('.')
            .and_then(|(i, field)| Some((i.parse::<usize>().ok()?, field)));
        let Some((index, field)) = parsed else {
            return Err(bad(format!("unexpected key `{key}`: not a KAIR DnCNN")));
        };
        let known = [
            "weight",
            "bias",
            "running_mean",
            "running_var",
            "num_batches_tracked",
        ];
        if !known.contains(&field) {
            return Err(bad(format!("unexpected key `{key}`: not a KAIR DnCNN")));
        }
        let data = to_data(tensor).map_err(|e| bad(format!("cannot read `{key}` ({e})")))?;
        let values = data
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|e| bad(format!("cannot read `{key}` as numbers ({e:?})")))?;
        let entry = Entry {
            shape: tensor.shape.to_vec(),
            values,
        };
        layers
            .entry(index)
            .or_default()
            .insert(field.to_string(), entry);
    }
    Ok(layers)
}

fn regex_escape(s: &str) -> String {
    s.replace('.', "\\.")
}

fn take(
    path: &Path,
    fields: &mut BTreeMap<String, Entry>,
    index: usize,
    field: &str,
    shape: &[usize],
) -> Result<Vec<f32>> {
    let entry = fields.remove(field).ok_or_else(|| {
        Error::bad_input(format!(
            "{}: `model.{index}.{field}` is missing",
            path.display()
        ))
    })?;
    if entry.shape != shape {
        return Err(Error::bad_input(format!(
            "{}: `model.{index}.{field}` has shape {:?}, the network around it needs {shape:?}",
            path.display(),
            entry.shape
        )));
    }
    Ok(entry.values)
}

/// Reads the KAIR DnCNN in `path` and builds it on `device`; `norm_epsilon` is the ε its
/// `BatchNorm2d` layers were built with ([`super::KAIR_NORM_EPSILON`] for KAIR's).
pub fn import_kair(
    path: &Path,
    norm_epsilon: f64,
    device: &Device,
) -> Result<(Denoiser, DenoiserConfig)> {
    let mut layers = read(path)?;
    let bad = |what: String| Error::bad_input(format!("{}: {what}", path.display()));
    let is_conv = |f: &BTreeMap<String, Entry>| f.get("weight").is_some_and(|w| w.shape.len() == 4);
    let convs: Vec<usize> = layers
        .iter()
        .filter(|(_, f)| is_conv(f))
        .map(|(i, _)| *i)
        .collect();
    let batch_norm = layers.values().any(|f| f.contains_key("running_mean"));
    let expected = kair_layout(convs.len(), batch_norm);
    let expected_indices: Vec<usize> = expected
        .iter()
        .flat_map(|i| std::iter::once(i.conv).chain(i.norm))
        .collect();
    let found: Vec<usize> = layers.keys().copied().collect();
    if convs.len() < 2 || found != expected_indices {
        return Err(bad(format!(
            "layers at model.{found:?}; KAIR's DnCNN(nb={}, act_mode='{}') has them at \
             model.{expected_indices:?}: not a KAIR DnCNN of 3×3 convolutions",
            convs.len(),
            act_mode(batch_norm)
        )));
    }
    let head = &layers[&0]["weight"].shape;
    let (width, channels) = (head[0], head[1]);
    let config = DenoiserConfig::new(channels)
        .with_depth(convs.len())
        .with_width(width)
        .with_batch_norm(batch_norm)
        .with_residual(true)
        .with_norm_epsilon(norm_epsilon);
    config.validate().map_err(|e| bad(format!("{e}")))?;
    let mut weights = Vec::with_capacity(expected.len());
    for (layer, index) in expected.iter().enumerate() {
        let cin = if layer == 0 { channels } else { width };
        let cout = if layer + 1 == expected.len() {
            channels
        } else {
            width
        };
        let shape = [cout, cin, 3, 3];
        let fields = layers.get_mut(&index.conv).expect("checked above");
        let weight = take(path, fields, index.conv, "weight", &shape)?;
        let bias = match fields.contains_key("bias") {
            true => take(path, fields, index.conv, "bias", &[cout])?,
            false => vec![0.0; cout],
        };
        let (bias, norm) = match index.norm {
            None => (Some(bias), None),
            Some(n) => {
                let fields = layers.get_mut(&n).expect("checked above");
                let mut field = |name| take(path, fields, n, name, &[cout]);
                let (gamma, beta) = (field("weight")?, field("bias")?);
                let mean = field("running_mean")?;
                let variance = field("running_var")?;
                let mean = mean.iter().zip(&bias).map(|(m, b)| m - b).collect();
                (
                    None,
                    Some(NormWeights {
                        gamma,
                        beta,
                        mean,
                        variance,
                    }),
                )
            }
        };
        weights.push(LayerWeights {
            conv: ConvWeights {
                weight,
                shape,
                bias,
            },
            norm,
        });
    }
    for (index, fields) in &layers {
        if let Some(field) = fields.keys().find(|f| *f != "num_batches_tracked") {
            return Err(bad(format!("unexpected key `model.{index}.{field}`")));
        }
    }
    let model = config.init(device).with_layer_weights(weights)?;
    Ok((model, config))
}
