//! `denoise import` and `denoise export` flags (PyTorch state dicts of KAIR's DnCNN).

use std::path::PathBuf;

use clap::Args;

/// `denoise import` flags.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// A KAIR DnCNN state dict (`torch.save(model.state_dict(), path)`; BasicSR's `params` and
    /// DataParallel's `module.` prefixes are accepted).
    #[arg(value_name = "FILE.pth")]
    pub input: PathBuf,
    /// The model folder to write (model.json, model.safetensors); it must not exist yet or be
    /// empty. Use it as `--checkpoint DIR` in eval and denoise.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The ε the file's BatchNorm2d layers were built with: KAIR's 1e-4; 1e-5 for PyTorch's
    /// default `nn.BatchNorm2d`.
    #[arg(long, default_value_t = 1e-4, value_name = "EPS")]
    pub norm_epsilon: f64,
}

/// `denoise export` flags.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// A run folder, a checkpoint folder (or a .pth, to rewrite it).
    #[arg(long, value_name = "DIR")]
    pub checkpoint: PathBuf,
    /// The .pth file to write (through a temporary name; an existing file is replaced).
    #[arg(long, value_name = "FILE.pth")]
    pub out: PathBuf,
    /// The ε of the BatchNorm2d layers that will load it: KAIR's 1e-4 (γ is rescaled where the
    /// model's own ε differs, so eval mode computes the same function).
    #[arg(long, default_value_t = 1e-4, value_name = "EPS")]
    pub norm_epsilon: f64,
}
