//! `denoise train`.

use std::process::ExitCode;

use anyhow::{Context, Result};
use denoise_data::write_bytes_atomically;
use denoise_trainer::config::TrainConfig;
use denoise_trainer::run::{RunDir, default_run_path};
use denoise_trainer::train::{TrainOptions, train};

use crate::args::TrainArgs;
use crate::commands::devices::select;
use crate::progress::Progress;

/// Resolves the config, prepares the run folder, trains, prints a summary.
pub fn run(args: &TrainArgs) -> Result<ExitCode> {
    let (config, run, resume) = match &args.resume {
        Some(dir) => {
            let run = RunDir::open(dir).with_context(|| format!("--resume {}", dir.display()))?;
            let mut config = TrainConfig::load(&run.config()).map_err(|e| {
                denoise_trainer::Error::BadInput(format!("--resume {}: {e}", dir.display()))
            })?;
            run.check_writable()?;
            // Only the steps may be extended on resume; everything else is the run's record.
            if let Some(s) = args.steps {
                config.steps = s;
            }
            (config, run, true)
        }
        None => {
            let base = match &args.config {
                Some(path) => TrainConfig::load(path)?,
                None => TrainConfig::default(),
            };
            let config = args.apply(base);
            config.validate()?;
            let out = args.out.clone().unwrap_or_else(default_run_path);
            let run = RunDir::create(&out)?;
            (config, run, false)
        }
    };
    config.validate()?;
    let selected = select(config.backend)?;
    if !args.compute.quiet {
        eprintln!("backend: {}", selected.description);
        eprintln!(
            "run: {}  model {} ({} params)  loss {}  optim {} lr {:e}  noise {}  labels {}",
            run.root().display(),
            config.model.preset,
            config
                .model
                .resolve(config.data.color.channels(), config.seed)
                .num_params(),
            config.loss,
            config.optim.optimizer,
            config.optim.lr(),
            config.input_noise(),
            config.labels,
        );
    }
    if !resume {
        // The record of the run comes first, with the model's values written out.
        let mut record = config.clone();
        record.model = config.model.resolved(config.data.color.channels());
        write_bytes_atomically(
            &run.config(),
            serde_json::to_string_pretty(&record)?.as_bytes(),
        )?;
    }
    let outcome = train(
        &config,
        &run,
        &selected,
        TrainOptions { resume },
        &Progress::new(args.compute.quiet),
    )?;
    let s = &outcome.last.mean;
    println!(
        "done: {} steps, {:.0} patches/s; validation PSNR {:.2} dB (noisy input {:.2} dB), SSIM \
         {:.4}, bias {:+.5}, sharpness (Tenengrad ratio) {:.3}",
        config.steps,
        outcome.patches_per_s,
        s.psnr,
        s.input_psnr,
        s.ssim,
        s.bias,
        s.sharpness.tenengrad
    );
    println!("model: {}", run.model().display());
    Ok(ExitCode::SUCCESS)
}
