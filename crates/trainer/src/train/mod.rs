//! The training loop: data → model → loss → optimizer → validation metrics → checkpoints; its
//! logs ([`log`]) and what it tells its caller while it runs ([`observer`]).

pub mod log;
pub mod observer;

use std::time::Instant;

use burn::module::Module;
use burn::optim::GradientsParams;
use denoise_data::{PairBatcher, PatchConfig, PatchSampler};
use denoise_model::Denoiser;

pub use log::{StepRow, ValidationRow};
pub use observer::{Observer, Silent};

use crate::backend::{BackendChoice, Selected};
use crate::config::TrainConfig;
use crate::datasets;
use crate::error::{Diverged, Error, Interrupted, Result};
use crate::evaluate::{EvalSummary, Inference, TileSize, evaluate};
use crate::memory;
use crate::optim::grad::{clip_global_norm, global_norm};
use crate::run::checkpoint::{self, CheckpointState};
use crate::run::{RunDir, space};
use log::{read_metrics, read_validation_lines, write_metrics, write_validation};

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
    /// Continue from the newest checkpoint of the run.
    pub resume: bool,
}

/// Trains according to `config` into `run` on `selected`'s device, telling `observer` how it goes
/// and stopping (with a checkpoint) at the first step boundary where it asks to.
pub fn train(
    config: &TrainConfig,
    run: &RunDir,
    selected: &Selected,
    options: TrainOptions,
    observer: &dyn Observer,
) -> Result<TrainOutcome> {
    config.validate()?;
    if matches!(
        selected.backend,
        BackendChoice::Flex | BackendChoice::Ndarray
    ) {
        // On the CPU the activations live in host memory: refuse before loading anything.
        let model = config
            .model
            .resolve(config.data.color.channels(), config.seed);
        memory::check_training(&model, config.batch, config.patch, memory::available())?;
    }
    let device = &selected.device;
    let ad = device.clone().autodiff();
    let data = datasets::load(config)?;
    for w in &data.warnings {
        observer.notice(&format!("warning: {w}"));
    }
    let channels = data.train[0].channels();
    let corruption = config.corruption();
    let val_pairs = data.validation_pairs(&corruption, config.seed);
    let names: Vec<String> = data.validation.iter().map(|(n, _)| n.clone()).collect();
    let mut sampler = PatchSampler::new(
        data.train,
        PatchConfig {
            patch: config.patch,
            augment: config.augment,
            patches_per_epoch: config.patches_per_epoch,
            seed: config.seed,
            label_draws: config.label_draws,
        },
        corruption,
    )?;
    if let Some(noisy) = data.train_noisy {
        sampler = sampler.with_noisy_inputs(noisy)?;
    }

    let model_config = config.model.resolve(channels, config.seed);
    checkpoint::remove_stale(run);
    space::check(
        run.root(),
        space::footprint(
            model_config.num_params() as u64 + 2 * (model_config.width * model_config.depth) as u64,
            config.optim.state_slots(),
            config.steps,
            config.steps / config.eval_every + 1,
        ),
    )?;
    let mut model = model_config.init(device).fork(&ad).train();
    let build = |step| {
        config
            .optim
            .optimizer_at(step, config.steps)
            .build(config.optim.weight_decay)
    };
    let mut optim = build(0);
    // With a warm start, the step where the second optimizer takes over (0: none).
    let switch = config.optim.switch_step(config.steps);
    let mut start = 0u64;
    let mut elapsed_before = 0.0;
    let mut steps: Vec<StepRow> = Vec::new();
    let mut earlier_validation: Vec<String> = Vec::new();
    let mut last_good: Option<std::path::PathBuf> = None;
    if options.resume {
        if let Some((state, dir)) = checkpoint::latest(run)? {
            if state.seed != config.seed {
                return Err(Error::BadInput(format!(
                    "checkpoint {} was made with seed {} but config.json says {}; the run folder \
                     is inconsistent",
                    dir.display(),
                    state.seed,
                    config.seed
                )));
            }
            let (loaded, loaded_config) = checkpoint::load_model(&dir, device)?;
            if loaded_config != model_config {
                return Err(Error::BadInput(format!(
                    "checkpoint {} holds a different model than config.json describes",
                    dir.display()
                )));
            }
            model = loaded.fork(&ad).train();
            // The state saved is that of the optimizer of the last step done.
            optim = checkpoint::load_optimizer(&dir, build(state.step.saturating_sub(1)))?;
            last_good = Some(dir.clone());
            start = state.step;
            elapsed_before = state.elapsed_s;
            steps = read_metrics(run, start)?;
            earlier_validation = read_validation_lines(run, start)?;
            observer.line(&format!(
                "resuming {} at step {start}",
                run.root().display()
            ));
        } else {
            observer.line("no checkpoint yet: starting from step 0");
        }
    }

    let lr_base = config.optim.lr();
    // A fixed probe batch, drawn far from the training stream, measured on the plain device.
    let probe_pairs: Vec<_> = (0..config.batch as u64)
        .map(|j| sampler.probe_pair(u64::MAX - j))
        .collect();
    let probe = PairBatcher.try_batch(&probe_pairs, device)?;
    let probe_from = config.steps - (config.steps / 4).max(1);
    // The probe output after the step before, for each step's probe change; a run resumed inside
    // the last quarter recomputes it from the weights it resumes with (those of that step).
    let mut previous_probe =
        (start > probe_from).then(|| model.valid().forward(probe.input.clone()));
    observer.started(config.steps, start);
    let mut validations: Vec<ValidationRow> = Vec::new();
    let t0 = Instant::now();
    let mut train_secs = 0.0;
    let mut last: Option<EvalSummary> = None;
    // Validation asks the observer between images and tiles whether to stop.
    let stop_check = || observer.stop_requested();
    let inference = Inference {
        tile: TileSize::Auto,
        stop: &stop_check,
    };
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
        if step == switch && switch > 0 {
            optim = build(step);
        }
        let lr = config.optim.lr_at(step, config.steps);
        model = optim.step(lr, model, grads);
        // Training time ends here: the probe below is measurement, not training.
        train_secs += t_step.elapsed().as_secs_f64();
        let (probe_loss, probe_change) = if step >= probe_from {
            let out = model.valid().forward(probe.input.clone());
            let change = previous_probe.take().map(|before| {
                let d = out.clone() - before;
                f64::from((d.clone() * d).mean().into_scalar::<f32>()).sqrt()
            });
            previous_probe = Some(out.clone());
            let loss = config
                .loss
                .forward(out, probe.target.clone(), progress_frac)
                .into_scalar::<f32>();
            (Some(f64::from(loss)), change)
        } else {
            (None, None)
        };
        let done = step + 1;
        steps.push(StepRow {
            step: done,
            loss: loss_value,
            lr,
            grad_norm,
            probe_loss,
            probe_change,
        });
        let rate = (done - start) as f64 * config.batch as f64 / train_secs.max(1e-9);
        observer.step(done, loss_value, rate);

        let is_last = done == config.steps;
        // A signal during validation skips the rest of it: the checkpoint below is still written.
        let eval_due = done % config.eval_every == 0 || is_last;
        let validation = if eval_due {
            match evaluate(
                &model.valid(),
                &val_pairs,
                &names,
                &config.labels,
                device,
                &inference,
            ) {
                Ok((summary, _)) => Some(summary),
                Err(Error::Stopped(_)) => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        let validation_skipped = eval_due && validation.is_none();
        if let Some(summary) = validation {
            observer.line(&format!(
                "step {done:>6}  loss {loss_value:.5}  val PSNR {:.2} dB (input {:.2})  SSIM {:.4}  \
                 bias {:+.4}  sharpness {:.3}",
                summary.mean.psnr,
                summary.mean.input_psnr,
                summary.mean.ssim,
                summary.mean.bias,
                summary.mean.sharpness.tenengrad
            ));
            validations.push(ValidationRow {
                step: done,
                summary: summary.clone(),
            });
            last = Some(summary);
            write_validation(run, &earlier_validation, &validations)?;
        }
        let stop = observer.stop_requested();
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
            && (!is_last || validation_skipped)
        {
            observer.finished();
            observer.notice(&format!("{signal} received: stopped at the step boundary"));
            return Err(Interrupted {
                step: done,
                run: run.root().to_path_buf(),
            }
            .into());
        }
    }
    observer.finished();
    let model = model.valid();
    let last = match last {
        Some(l) => l,
        // Resumed a finished run: measure the model as it is.
        None => {
            evaluate(
                &model,
                &val_pairs,
                &names,
                &config.labels,
                device,
                &inference,
            )?
            .0
        }
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
