//! `denoise eval`.

use std::process::ExitCode;

use anyhow::{Context, Result};
use burn::module::Module;
use denoise_data::{
    ColorMode, Corruption, FolderConfig, LabelSpec, NoiseSpec, SyntheticConfig, SyntheticDataset,
    evaluation_pairs, load_folder,
};

use crate::backend;
use crate::checkpoint::{load_model, resolve_model_dir};
use crate::cli::EvalArgs;
use crate::config::{DataSource, TrainConfig};
use crate::evaluate::evaluate;

/// The run config next to a model folder (the run itself or a checkpoint's run), if any.
fn run_config(model_dir: &std::path::Path) -> Option<TrainConfig> {
    [
        model_dir.join("config.json"),
        model_dir.join("../../config.json"),
    ]
    .iter()
    .find(|p| p.is_file())
    .and_then(|p| TrainConfig::load(p).ok())
}

/// Measures a model and prints a table or JSON.
pub fn run(args: &EvalArgs) -> Result<ExitCode> {
    let dir = resolve_model_dir(&args.checkpoint)?;
    let selected = backend::select(args.compute.backend.unwrap_or_default())?;
    if !args.compute.quiet {
        eprintln!("backend: {}", selected.description);
    }
    let (model, model_config) = load_model(&dir, &selected.device)?;
    let model = model.valid();
    let color = ColorMode::from_channels(model_config.channels)
        .context("model.json: channels must be 1 or 3")?;
    let run = run_config(&dir);
    let noise = args
        .noise
        .or(run.as_ref().map(|r| r.noise))
        .unwrap_or(NoiseSpec::Gaussian {
            sigma: denoise_data::Level::Fixed(25.0),
        });
    let labels = args
        .labels
        .or(run.as_ref().map(|r| r.labels))
        .unwrap_or(LabelSpec::Clean);
    let (names, images) = match &args.data {
        DataSource::Synthetic => {
            let set = SyntheticDataset::new(SyntheticConfig {
                count: args.images,
                height: args.size,
                width: args.size,
                color,
                seed: args.seed,
            });
            (
                (0..set.len())
                    .map(|i| format!("synthetic-{i:03}"))
                    .collect(),
                set.images(),
            )
        }
        DataSource::Folder(root) => {
            let folder = load_folder(&FolderConfig {
                root: root.clone(),
                color,
                validation_fraction: 0.0,
                seed: args.seed,
                min_side: 11,
                on_bad: args.on_bad_image.into(),
                limits: Default::default(),
            })
            .with_context(|| format!("--data {}", root.display()))?;
            for w in &folder.warnings {
                eprintln!("warning: {w}");
            }
            let names: Vec<String> = folder
                .train
                .iter()
                .map(|n| {
                    n.path
                        .strip_prefix(root)
                        .unwrap_or(&n.path)
                        .display()
                        .to_string()
                })
                .collect();
            (names, folder.train.into_iter().map(|n| n.image).collect())
        }
    };
    let corruption = Corruption {
        noise,
        clip_input: false,
        labels,
    };
    let pairs = evaluation_pairs(&images, &corruption, args.seed);
    let (summary, _) = evaluate(&model, &pairs, &names, &labels, &selected.device)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("model {}  noise {noise}  labels {labels}", dir.display());
    println!(
        "{:<28} {:>9} {:>9} {:>7} {:>9} {:>9} {:>9}",
        "image", "PSNR", "input", "SSIM", "bias", "tenengr.", "anti-blur"
    );
    for m in &summary.images {
        println!(
            "{:<28} {:>9.2} {:>9.2} {:>7.4} {:>+9.5} {:>9.3} {:>9.3}",
            m.name,
            m.psnr,
            m.input_psnr,
            m.ssim,
            m.bias,
            m.sharpness.tenengrad,
            m.sharpness.anti_blur
        );
    }
    println!(
        "{:<28} {:>9.2} {:>9.2} {:>7.4} {:>+9.5} {:>9.3} {:>9.3}",
        "mean",
        summary.psnr,
        summary.input_psnr,
        summary.ssim,
        summary.bias,
        summary.sharpness.tenengrad,
        summary.sharpness.anti_blur
    );
    Ok(ExitCode::SUCCESS)
}
