//! The training loop: data → model → loss → optimizer → validation metrics → checkpoints.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};
use burn::module::Module;
use burn::optim::GradientsParams;
use denoise_data::{PairBatcher, PatchConfig, PatchSampler, evaluation_pairs, write_atomically};
use denoise_model::Denoiser;

use crate::backend::Selected;
use crate::checkpoint::{self, CheckpointState};
use crate::config::TrainConfig;
use crate::datasets;
use crate::evaluate::{EvalSummary, evaluate};
use crate::exit::{Diverged, Interrupted, bad_input};
use crate::grad::{clip_global_norm, global_norm};
use crate::progress::Progress;
use crate::run_dir::RunDir;
use crate::{interrupt, space};

/// One row of `metrics.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    /// Steps completed.
    pub step: u64,
    /// Training loss of this step's batch.
    pub loss: f64,
    /// Learning rate used.
    pub lr: f64,
    /// Global gradient norm before clipping.
    pub grad_norm: f64,
    /// Loss of the current weights on a fixed probe batch (no training noise from sampling);
    /// measured over the last quarter of training, to show oscillation near the optimum.
    pub probe_loss: Option<f64>,
}

/// One row of `validation.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationRow {
    /// Steps completed.
    pub step: u64,
    /// Mean metrics.
    pub summary: EvalSummary,
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The trained model (validation mode, on the plain device).
    pub model: Denoiser,
    /// The last validation.
    pub last: EvalSummary,
    /// Every step's row.
    pub steps: Vec<StepRow>,
    /// Every validation.
    pub validations: Vec<ValidationRow>,
    /// Training patches per second over this process's steps (excluding validation).
    pub patches_per_s: f64,
}

/// Options that are not part of the run's record.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrainOptions {
    /// No progress output.
    pub quiet: bool,
    /// Continue from the newest checkpoint of the run.
    pub resume: bool,
}

const METRICS_HEADER: &str = "step,loss,lr,grad_norm,probe_loss";
const VALIDATION_HEADER: &str = "step,psnr,input_psnr,ssim,bias,mae,tenengrad_ratio,\
laplacian_variance_ratio,high_frequency_ratio,anti_blur_ratio,psnr_vs_mean,median_distance";

fn write_metrics(run: &RunDir, rows: &[StepRow]) -> Result<()> {
    write_atomically(&run.metrics(), |w| {
        writeln!(w, "{METRICS_HEADER}")?;
        for r in rows {
            let probe = r.probe_loss.map(|p| format!("{p:e}")).unwrap_or_default();
            writeln!(
                w,
                "{},{:e},{:e},{:e},{probe}",
                r.step, r.loss, r.lr, r.grad_norm
            )?;
        }
        Ok(())
    })?;
    Ok(())
}

fn write_validation(run: &RunDir, earlier: &[String], rows: &[ValidationRow]) -> Result<()> {
    write_atomically(&run.validation(), |w| {
        writeln!(w, "{VALIDATION_HEADER}")?;
        for line in earlier {
            writeln!(w, "{line}")?;
        }
        for r in rows {
            let s = &r.summary;
            writeln!(
                w,
                "{},{:.6},{:.6},{:.6},{:e},{:e},{:.6},{:.6},{:.6},{:.6},{:.6},{:e}",
                r.step,
                s.psnr,
                s.input_psnr,
                s.ssim,
                s.bias,
                s.mae,
                s.sharpness.tenengrad,
                s.sharpness.laplacian_variance,
                s.sharpness.high_frequency,
                s.sharpness.anti_blur,
                s.psnr_vs_mean,
                s.median_distance
            )?;
        }
        Ok(())
    })?;
    Ok(())
}

/// The rows of an earlier `validation.csv` up to `step`, as text (for a resumed run).
fn read_validation_lines(run: &RunDir, up_to: u64) -> Result<Vec<String>> {
    let text = match std::fs::read_to_string(run.validation()) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).context("cannot read validation.csv"),
    };
    Ok(text
        .lines()
        .skip(1)
        .filter(|l| {
            l.split(',')
                .next()
                .and_then(|s| s.parse::<u64>().ok())
                .is_some_and(|s| s <= up_to)
        })
        .map(str::to_owned)
        .collect())
}

/// Reads the rows of an earlier `metrics.csv` up to `step` (for a resumed run).
fn read_metrics(run: &RunDir, up_to: u64) -> Result<Vec<StepRow>> {
    let text = match std::fs::read_to_string(run.metrics()) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).context("cannot read metrics.csv"),
    };
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let parse = |i: usize| -> Result<f64> {
            f.get(i)
                .and_then(|v| v.parse().ok())
                .with_context(|| format!("metrics.csv: bad row '{line}'"))
        };
        let step = parse(0)? as u64;
        if step <= up_to {
            rows.push(StepRow {
                step,
                loss: parse(1)?,
                lr: parse(2)?,
                grad_norm: parse(3)?,
                probe_loss: f.get(4).and_then(|v| v.parse().ok()),
            });
        }
    }
    Ok(rows)
}

/// Trains according to `config` into `run` on `selected`'s device.
pub fn train(
    config: &TrainConfig,
    run: &RunDir,
    selected: &Selected,
    options: TrainOptions,
) -> Result<TrainOutcome> {
    config.validate()?;
    let device = &selected.device;
    let ad = device.clone().autodiff();
    let data = datasets::load(config)?;
    for w in &data.warnings {
        eprintln!("warning: {w}");
    }
    let channels = data.train[0].channels();
    let corruption = config.corruption();
    let sampler = PatchSampler::new(
        data.train,
        PatchConfig {
            patch: config.patch,
            augment: config.augment,
            patches_per_epoch: config.patches_per_epoch,
            seed: config.seed,
        },
        corruption,
    )?;
    let names: Vec<String> = data.validation.iter().map(|(n, _)| n.clone()).collect();
    let val_images: Vec<_> = data.validation.into_iter().map(|(_, i)| i).collect();
    let val_pairs = evaluation_pairs(&val_images, &corruption, config.seed);

    let model_config = config.model.resolve(channels, config.seed);
    checkpoint::remove_stale(run);
    space::check(
        run.root(),
        space::footprint(
            model_config.num_params() as u64 + 2 * (model_config.width * model_config.depth) as u64,
            config.optim.optimizer.state_slots(),
            config.steps,
            config.steps / config.eval_every + 1,
        ),
    )?;
    let mut model = model_config.init(device).fork(&ad).train();
    let mut optim = config.optim.optimizer.build(config.optim.weight_decay);
    let mut start = 0u64;
    let mut elapsed_before = 0.0;
    let mut steps: Vec<StepRow> = Vec::new();
    let mut earlier_validation: Vec<String> = Vec::new();
    let mut last_good: Option<std::path::PathBuf> = None;
    if options.resume {
        if let Some((state, dir)) = checkpoint::latest(run)? {
            if state.seed != config.seed {
                return Err(bad_input(format!(
                    "checkpoint {} was made with seed {} but config.json says {}; the run folder \
                     is inconsistent",
                    dir.display(),
                    state.seed,
                    config.seed
                )));
            }
            let (loaded, loaded_config) = checkpoint::load_model(&dir, device)?;
            if loaded_config != model_config {
                return Err(bad_input(format!(
                    "checkpoint {} holds a different model than config.json describes",
                    dir.display()
                )));
            }
            model = loaded.fork(&ad).train();
            optim = checkpoint::load_optimizer(&dir, optim)?;
            last_good = Some(dir.clone());
            start = state.step;
            elapsed_before = state.elapsed_s;
            steps = read_metrics(run, start)?;
            earlier_validation = read_validation_lines(run, start)?;
            if !options.quiet {
                eprintln!("resuming {} at step {start}", run.root().display());
            }
        } else if !options.quiet {
            eprintln!("no checkpoint yet: starting from step 0");
        }
    }

    let lr_base = config.optim.lr();
    // A fixed probe batch, drawn far from the training stream, measured on the plain device.
    let probe_pairs: Vec<_> = (0..config.batch as u64)
        .map(|j| {
            corruption.make_pair(
                sampler.clean_patch(u64::MAX - j),
                config.seed,
                denoise_data::seed::Domain::Evaluation,
                u64::MAX - j,
            )
        })
        .collect();
    let probe = PairBatcher.try_batch(&probe_pairs, device)?;
    let probe_from = config.steps - (config.steps / 4).max(1);
    let progress = Progress::new(config.steps, start, options.quiet);
    let mut validations: Vec<ValidationRow> = Vec::new();
    let t0 = Instant::now();
    let mut train_secs = 0.0;
    let mut last: Option<EvalSummary> = None;
    for step in start..config.steps {
        let t_step = Instant::now();
        let pairs = sampler.batch_pairs(step, config.batch);
        let batch = PairBatcher.try_batch(&pairs, &ad)?;
        let output = model.forward(batch.input);
        let progress_frac = step as f64 / config.steps as f64;
        let loss = config.loss.forward(output, batch.target, progress_frac);
        let loss_value = f64::from(loss.clone().into_scalar::<f32>());
        let diverged = |what: String| Diverged {
            step: step + 1,
            what,
            lr: lr_base,
            last_good: last_good.clone(),
        };
        if !loss_value.is_finite() {
            return Err(diverged(format!("the loss is {loss_value}")).into());
        }
        let mut grads = GradientsParams::from_grads(loss.backward(), &model);
        let grad_norm = match config.optim.grad_clip {
            Some(max) => clip_global_norm(&model, &mut grads, max),
            None => global_norm(&model, &grads),
        };
        if !grad_norm.is_finite() {
            return Err(diverged(format!(
                "the gradient norm is {grad_norm} (loss {loss_value:e})"
            ))
            .into());
        }
        let lr = config.optim.schedule.lr_at(lr_base, step, config.steps);
        model = optim.step(lr, model, grads);
        // Training time ends here: the probe below is measurement, not training.
        train_secs += t_step.elapsed().as_secs_f64();
        let probe_loss = if step >= probe_from {
            let out = model.valid().forward(probe.input.clone());
            Some(f64::from(
                config
                    .loss
                    .forward(out, probe.target.clone(), progress_frac)
                    .into_scalar::<f32>(),
            ))
        } else {
            None
        };
        let done = step + 1;
        steps.push(StepRow {
            step: done,
            loss: loss_value,
            lr,
            grad_norm,
            probe_loss,
        });
        let rate = (done - start) as f64 * config.batch as f64 / train_secs.max(1e-9);
        progress.step(done, loss_value, rate);

        let is_last = done == config.steps;
        if done % config.eval_every == 0 || is_last {
            let (summary, _) =
                evaluate(&model.valid(), &val_pairs, &names, &config.labels, device)?;
            progress.line(&format!(
                "step {done:>6}  loss {loss_value:.5}  val PSNR {:.2} dB (input {:.2})  SSIM {:.4}  \
                 bias {:+.4}  sharpness {:.3}",
                summary.psnr,
                summary.input_psnr,
                summary.ssim,
                summary.bias,
                summary.sharpness.tenengrad
            ));
            validations.push(ValidationRow {
                step: done,
                summary: summary.clone(),
            });
            last = Some(summary);
            write_validation(run, &earlier_validation, &validations)?;
        }
        let stop = interrupt::requested();
        if done % config.checkpoint_every == 0 || is_last || stop.is_some() {
            // Never save weights that are no longer numbers: the last good checkpoint stays.
            if let Some(bad) = checkpoint::first_non_finite(&model) {
                return Err(Diverged {
                    step: done,
                    what: format!(
                        "the weights hold {bad} after the update (loss before it {loss_value:e})"
                    ),
                    lr: lr_base,
                    last_good: last_good.clone(),
                }
                .into());
            }
            write_metrics(run, &steps)?;
            let state = CheckpointState {
                step: done,
                seed: config.seed,
                elapsed_s: elapsed_before + t0.elapsed().as_secs_f64(),
                patches_seen: done * config.batch as u64,
                rng: checkpoint::RNG_NOTE.into(),
            };
            last_good = Some(checkpoint::save(
                run,
                &model,
                &model_config,
                &optim,
                &state,
            )?);
        }
        if let Some(signal) = stop
            && !is_last
        {
            progress.finish();
            eprintln!("{signal} received: stopped at the step boundary");
            return Err(Interrupted {
                step: done,
                run: run.root().to_path_buf(),
            }
            .into());
        }
    }
    progress.finish();
    let model = model.valid();
    let last = match last {
        Some(l) => l,
        // Resumed a finished run: measure the model as it is.
        None => evaluate(&model, &val_pairs, &names, &config.labels, device)?.0,
    };
    checkpoint::save_model(run.root(), &model, &model_config)?;
    write_metrics(run, &steps)?;
    let patches_per_s = (config.steps - start) as f64 * config.batch as f64 / train_secs.max(1e-9);
    Ok(TrainOutcome {
        model,
        last,
        steps,
        validations,
        patches_per_s,
    })
}
