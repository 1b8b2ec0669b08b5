//! `denoise denoise`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use burn::module::Module;
use denoise_data::{BitDepth, Image, list_images};
use denoise_trainer::evaluate::{Inference, denoise_images};
use denoise_trainer::run::checkpoint::open_model;

use crate::args::DenoiseArgs;
use crate::commands::devices::select;
use crate::signals;

fn default_output(input: &Path, folder: bool) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let name = if folder {
        format!("{stem}-denoised")
    } else {
        format!("{stem}-denoised.png")
    };
    input.with_file_name(name)
}

/// Denoises an image or a folder.
pub fn run(args: &DenoiseArgs) -> Result<ExitCode> {
    let selected = select(args.compute.backend.unwrap_or_default())?;
    if !args.compute.quiet {
        eprintln!("backend: {}", selected.description);
    }
    let opened = open_model(&args.checkpoint, &selected.device)?;
    let (model, config) = (opened.model.valid(), opened.config);
    let depth = if args.sixteen_bit {
        BitDepth::Sixteen
    } else {
        BitDepth::Eight
    };
    let is_folder = args.input.is_dir();
    let jobs: Vec<(PathBuf, PathBuf)> = if is_folder {
        let out = args
            .output
            .clone()
            .unwrap_or_else(|| default_output(&args.input, true));
        let listing = list_images(&args.input)?;
        let paths = listing.images;
        if let Some((p, why)) = listing.problems.first() {
            bail!("cannot read {}: {why}", p.display());
        }
        if paths.is_empty() {
            bail!("{}: no images in this folder", args.input.display());
        }
        paths
            .into_iter()
            .map(|p| {
                let rel = p
                    .strip_prefix(&args.input)
                    .unwrap_or(&p)
                    .with_extension("png");
                (p, out.join(rel))
            })
            .collect()
    } else {
        let out = args
            .output
            .clone()
            .unwrap_or_else(|| default_output(&args.input, false));
        vec![(args.input.clone(), out)]
    };
    for (input, output) in &jobs {
        let image = Image::load_native(input)?;
        if image.channels() != config.channels {
            bail!(
                "{}: the image has {} channel(s) but the model was trained on {} — use a model \
                 trained with --color {}",
                input.display(),
                image.channels(),
                config.channels,
                if image.channels() == 1 { "gray" } else { "rgb" }
            );
        }
        let stop = signals::requested;
        let inference = Inference {
            tile: args.tile,
            stop: &stop,
        };
        let out = denoise_images(&model, &[&image], &selected.device, &inference)?.remove(0);
        if let Some(parent) = output.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        out.save_png(output, depth)?;
        if !args.compute.quiet {
            eprintln!("{} -> {}", input.display(), output.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
