//! `denoise eval`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use burn::module::Module;
use denoise_data::{
    BitDepth, ColorMode, Corruption, FolderConfig, Image, InputNoise, LabelSpec, NoiseSpec,
    SyntheticConfig,
};
use denoise_trainer::Error;
use denoise_trainer::config::{DataSource, TrainConfig};
use denoise_trainer::datasets::{self, NamedSet};
use denoise_trainer::evaluate::{COLUMNS, Inference, Scores, evaluate};
use denoise_trainer::run::checkpoint::open_model;
use denoise_trainer::run::dir::CONFIG;

use crate::args::EvalArgs;
use crate::commands::devices::select;
use crate::signals;

/// The run config next to a model folder (the run itself or a checkpoint's run), if any.
fn run_config(model_dir: &std::path::Path) -> Option<TrainConfig> {
    [model_dir.join(CONFIG), model_dir.join("../..").join(CONFIG)]
        .iter()
        .find(|p| p.is_file())
        .and_then(|p| TrainConfig::load(p).ok())
}

/// One row of the terminal table: a name and every score.
fn table_row(name: &str, s: &Scores) -> String {
    let mut row = format!("{name:<28}");
    for c in &COLUMNS {
        let w = c.short.chars().count().max(8);
        row.push_str(&format!(" {:>w$}", c.cell((c.get)(s))));
    }
    row
}

/// Writes `images` as `dir/<name>.png` (each through a temporary file and a rename).
fn save_all(dir: &Path, names: &[String], images: &[&Image], depth: BitDepth) -> Result<()> {
    for (name, image) in names.iter().zip(images) {
        let path = dir.join(Path::new(name).with_extension("png"));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        image.save_png(&path, depth)?;
    }
    Ok(())
}

/// Measures a model and prints a table or JSON.
pub fn run(args: &EvalArgs) -> Result<ExitCode> {
    let selected = select(args.compute.backend.unwrap_or_default())?;
    if !args.compute.quiet {
        eprintln!("backend: {}", selected.description);
    }
    let opened = open_model(&args.checkpoint, &selected.device)?;
    let (model, model_config) = (opened.model.valid(), opened.config);
    let color = ColorMode::from_channels(model_config.channels)
        .context("model.json: channels must be 1 or 3")?;
    let run = opened.dir.as_deref().and_then(run_config);
    let noise = args
        .noise
        .clone()
        .or(run.as_ref().map(TrainConfig::input_noise))
        .unwrap_or(InputNoise::Synthetic(NoiseSpec::Gaussian {
            sigma: denoise_data::Level::Fixed(25.0),
        }));
    let labels = args
        .labels
        .or(run.as_ref().map(|r| r.labels))
        .unwrap_or(LabelSpec::Clean);
    let real = match &noise {
        InputNoise::Real(dir) => Some(dir.as_path()),
        InputNoise::Synthetic(_) => None,
    };
    let corruption = Corruption {
        noise: match noise {
            InputNoise::Synthetic(n) => n,
            InputNoise::Real(_) => NoiseSpec::None,
        },
        clip_input: false,
        labels,
    };
    let set = match &args.data {
        DataSource::Synthetic => {
            if let Some(dir) = real {
                bail!(Error::usage(format!(
                    "--noise real:{}: real noise needs the clean images as --data DIR (the \
                     twins are matched by name)",
                    dir.display()
                )));
            }
            let images = datasets::synthetic(SyntheticConfig {
                count: args.images,
                height: args.size,
                width: args.size,
                color,
                seed: args.seed,
            });
            NamedSet {
                images,
                noisy: None,
                warnings: Vec::new(),
            }
        }
        DataSource::Folder(root) => datasets::named_all(
            &FolderConfig {
                min_side: 11,
                on_bad: args.on_bad_image,
                seed: args.seed,
                color,
                ..FolderConfig::new(root)
            },
            real,
        )?,
    };
    for w in &set.warnings {
        eprintln!("warning: {w}");
    }
    let mut pairs = set.pairs(&corruption, args.seed);
    let names: Vec<String> = set.images.into_iter().map(|(n, _)| n).collect();
    if args.quantize_input {
        for p in &mut pairs {
            p.input = p.input.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() / 255.0);
        }
    }
    let stop = signals::requested;
    let inference = Inference {
        tile: args.tile,
        stop: &stop,
    };
    let (summary, outputs) = evaluate(
        &model,
        &pairs,
        &names,
        &labels,
        &selected.device,
        &inference,
    )?;
    if let Some(dir) = &args.save_inputs {
        let depth = if args.quantize_input {
            BitDepth::Eight
        } else {
            BitDepth::Sixteen
        };
        let inputs: Vec<&Image> = pairs.iter().map(|p| &p.input).collect();
        save_all(dir, &names, &inputs, depth)?;
    }
    if let Some(dir) = &args.save_outputs {
        let depth = if args.sixteen_bit {
            BitDepth::Sixteen
        } else {
            BitDepth::Eight
        };
        save_all(dir, &names, &outputs.iter().collect::<Vec<_>>(), depth)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(ExitCode::SUCCESS);
    }
    let source = opened.dir.as_deref().unwrap_or(&args.checkpoint);
    println!("model {}  noise {noise}  labels {labels}", source.display());
    let mut header = format!("{:<28}", "image");
    for c in &COLUMNS {
        let w = c.short.chars().count().max(8);
        header.push_str(&format!(" {:>w$}", c.short));
    }
    println!("{header}");
    for m in &summary.images {
        println!("{}", table_row(&m.name, &m.scores));
    }
    println!("{}", table_row("mean", &summary.mean));
    Ok(ExitCode::SUCCESS)
}
