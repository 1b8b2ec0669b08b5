//! `denoise import` and `denoise export`: KAIR DnCNN state dicts (`.pth`) to a model folder and
//! back.

use std::process::ExitCode;

use anyhow::{Result, bail};
use burn::tensor::Device;
use denoise_trainer::backend::{BackendChoice, select};
use denoise_trainer::pytorch::{export_kair, import_kair, kair_constructor};
use denoise_trainer::run::checkpoint::{open_model, save_model};

use crate::args::{ExportArgs, ImportArgs};

/// Where the weights are held while they are converted: a CPU backend when the binary has one.
fn host() -> Result<Device> {
    let cpu = [
        BackendChoice::Flex,
        BackendChoice::Ndarray,
        BackendChoice::Auto,
    ];
    let mut last = None;
    for choice in cpu {
        match select(choice) {
            Ok(selected) => return Ok(selected.device),
            Err(e) => last = Some(e),
        }
    }
    Err(last.expect("three tries").into())
}

fn check_epsilon(flag: &str, eps: f64) -> Result<()> {
    if !(eps > 0.0 && eps.is_finite()) {
        bail!(denoise_trainer::Error::usage(format!(
            "{flag} {eps}: use a finite number above 0 (KAIR's 1e-4, PyTorch's default 1e-5)"
        )));
    }
    Ok(())
}

/// Imports a KAIR DnCNN into a new model folder.
pub fn run_import(args: &ImportArgs) -> Result<ExitCode> {
    check_epsilon("--norm-epsilon", args.norm_epsilon)?;
    let out = &args.out;
    let occupied = out.exists()
        && (!out.is_dir()
            || std::fs::read_dir(out)
                .map(|mut d| d.next().is_some())
                .unwrap_or(true));
    if occupied {
        bail!(denoise_trainer::Error::usage(format!(
            "--out {}: exists and is not an empty folder; give a new folder",
            out.display()
        )));
    }
    let (model, config) = import_kair(&args.input, args.norm_epsilon, &host()?)?;
    // written beside the target and renamed, so that a failure leaves no half model folder
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    let tmp = out.with_file_name(format!(
        ".{}.import-{}",
        out.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    if let Some(parent) = parent {
        std::fs::create_dir_all(parent).map_err(|e| {
            denoise_trainer::Error::output(format!("cannot create {}: {e}", parent.display()))
        })?;
    }
    let written = std::fs::create_dir_all(&tmp)
        .map_err(|e| {
            denoise_trainer::Error::output(format!("cannot create {}: {e}", tmp.display()))
        })
        .and_then(|()| save_model(&tmp, &model, &config))
        .and_then(|()| {
            if out.is_dir() {
                std::fs::remove_dir(out)?;
            }
            std::fs::rename(&tmp, out).map_err(|e| {
                denoise_trainer::Error::output(format!("cannot finish {}: {e}", out.display()))
            })
        });
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e.into());
    }
    println!(
        "imported {}: {} ({} parameters) -> {}; use --checkpoint {}",
        args.input.display(),
        kair_constructor(&model),
        config.num_params(),
        out.display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Exports a model as a KAIR DnCNN state dict.
pub fn run_export(args: &ExportArgs) -> Result<ExitCode> {
    check_epsilon("--norm-epsilon", args.norm_epsilon)?;
    let opened = open_model(&args.checkpoint, &host()?)?;
    let constructor = export_kair(&opened.model, &args.out, args.norm_epsilon)?;
    println!(
        "wrote {}; in KAIR (models/network_dncnn.py):",
        args.out.display()
    );
    println!("  model = {constructor}");
    println!(
        "  model.load_state_dict(torch.load('{}'), strict=True)",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
