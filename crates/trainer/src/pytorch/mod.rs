//! PyTorch interoperability: KAIR's DnCNN state dicts (`.pth`) in and out.
//!
//! - [`import_kair`]: a `.pth` state dict of KAIR's `DnCNN` (with or without batch norm; BasicSR's
//!   `params` nesting and DataParallel's `module.` prefix too) as a [`denoise_model::Denoiser`],
//!   read by burn-store's `PytorchStore` with key remapping.
//! - [`export_kair`]: a model as a `.pth` that `DnCNN(...).load_state_dict(torch.load(path),
//!   strict=True)` accepts (burn-store cannot write PyTorch files; [`pth_writer`] does).
//! - [`is_pth`]: whether a path names such a file, for commands that take a checkpoint.

mod kair_export;
mod kair_import;
mod kair_layout;
pub mod pth_writer;

use std::path::Path;

use denoise_data::write_bytes_atomically;
use denoise_model::Denoiser;

pub use kair_export::kair_state_dict;
pub use kair_import::import_kair;
pub use kair_layout::{KAIR_NORM_EPSILON, KairIndex, act_mode, kair_layout};

use crate::error::Result;

/// Whether `path` is a PyTorch file by its extension (`.pth`, `.pt`).
pub fn is_pth(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("pth") || e.eq_ignore_ascii_case("pt"))
}

/// Writes `model` to `path` as KAIR's DnCNN state dict (through a temporary name and a rename),
/// its batch norms for `norm_epsilon`; returns the `DnCNN(...)` call that loads it.
pub fn export_kair(model: &Denoiser, path: &Path, norm_epsilon: f64) -> Result<String> {
    let dict = kair_state_dict(model, norm_epsilon)?;
    write_bytes_atomically(path, &pth_writer::pth_bytes(&dict)?)?;
    Ok(kair_constructor(model))
}

/// `DnCNN(in_nc=…, out_nc=…, nc=…, nb=…, act_mode='…')` for `model`.
pub fn kair_constructor(model: &Denoiser) -> String {
    let layers = model.layer_weights();
    let channels = layers[0].conv.shape[1];
    format!(
        "DnCNN(in_nc={channels}, out_nc={channels}, nc={}, nb={}, act_mode='{}')",
        model.hidden_width(),
        layers.len(),
        act_mode(model.norm_epsilon().is_some())
    )
}
