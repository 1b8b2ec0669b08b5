//! Running a grid: each run in its own folder (config, metrics, checkpoint, result, samples).

use std::path::{Path, PathBuf};
use std::time::Instant;

use denoise_data::{BitDepth, write_bytes_atomically};
use denoise_trainer::backend::Selected;
use denoise_trainer::config::TrainConfig;
use denoise_trainer::datasets;
use denoise_trainer::evaluate::{Inference, TileSize, evaluate};
use denoise_trainer::run::RunDir;
use denoise_trainer::run::dir::CONFIG;
use denoise_trainer::train::{Observer, TrainOptions, train};
use denoise_trainer::{Error as TrainError, ErrorKind};

use crate::error::{Error, Result};
use crate::plan::RunSpec;
use crate::probes;
use crate::result::{RunResult, SAMPLES, downsample, tail_mean, tail_spread};
use crate::shard::Shard;

/// What a grid's runs tell the caller while they train: only what must be seen (warnings, a
/// stop) and, at every step boundary, whether to stop; no per-step progress.
struct RunObserver<'a>(&'a dyn Observer);

impl Observer for RunObserver<'_> {
    fn notice(&self, text: &str) {
        self.0.notice(text);
    }

    fn stop_requested(&self) -> Option<&'static str> {
        self.0.stop_requested()
    }
}

/// Where run `id` of a grid in `out` lives.
pub fn run_path(out: &Path, id: &str) -> PathBuf {
    out.join("runs").join(id)
}

/// The config a run of `spec` records (the model's preset values written out).
fn record(spec: &RunSpec) -> TrainConfig {
    let mut record = spec.config.clone();
    record.model = spec
        .config
        .model
        .resolved(spec.config.data.color.channels());
    record
}

/// Trains one run into `dir` and writes its result and sample images. A folder left by an
/// interrupted run of the same config is resumed from its newest checkpoint (the result is
/// bit-identical to an uninterrupted run); any other leftover is cleared and the run redone.
pub fn run_one(
    spec: &RunSpec,
    dir: &Path,
    selected: &Selected,
    observer: &dyn Observer,
) -> Result<RunResult> {
    let same_config = TrainConfig::load(&dir.join(CONFIG)).is_ok_and(|c| c == record(spec));
    let (run, resume) = if same_config {
        (RunDir::open(dir)?, true)
    } else {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .map_err(|e| Error::from(e).context(format!("cannot clear {}", dir.display())))?;
        }
        let run = RunDir::create(dir)?;
        write_bytes_atomically(
            &run.config(),
            serde_json::to_string_pretty(&record(spec))?.as_bytes(),
        )?;
        (run, false)
    };
    let outcome = train(
        &spec.config,
        &run,
        selected,
        TrainOptions { resume },
        &RunObserver(observer),
    )
    .map_err(|e| Error::from(e).context(format!("run {}", spec.id)))?;

    // Every validation output (the same inputs for every run of a seed): image 0 is the sample,
    // all of them feed the probes.
    let data = datasets::load(&spec.config)?;
    let corruption = spec.config.corruption();
    let pairs = data.validation_pairs(&corruption, spec.config.seed);
    let (names, cleans): (Vec<String>, Vec<_>) = data.validation.into_iter().unzip();
    if cleans.is_empty() {
        return Err(Error::from(TrainError::BadInput(
            "no validation image".into(),
        )));
    }
    let stop = || observer.stop_requested();
    let inference = Inference {
        tile: TileSize::Auto,
        stop: &stop,
    };
    let (_, outputs) = evaluate(
        &outcome.model,
        &pairs,
        &names,
        &spec.config.labels,
        &selected.device,
        &inference,
    )?;
    let ghost = probes::ghosts(&spec.config.labels, &cleans, &outputs);
    let outlier_share =
        probes::outlier_share(&spec.config.labels, &cleans, &outputs, spec.config.seed);
    let oracle = spec.config.labels.oracle(&cleans[0]);
    let images = [
        &pairs[0].input,
        &cleans[0],
        &outputs[0],
        &oracle.mean,
        &oracle.median_mid(),
    ];
    for (file, img) in SAMPLES.iter().zip(images) {
        img.save_png(&dir.join(file), BitDepth::Sixteen)?;
    }

    let result = RunResult {
        id: spec.id.clone(),
        experiments: spec.experiments.clone(),
        params: spec.params,
        backend: selected.description.clone(),
        final_metrics: outcome.last.clone(),
        loss_curve: downsample(&outcome.steps, 300),
        psnr_curve: outcome
            .validations
            .iter()
            .map(|v| (v.step, v.summary.mean.psnr))
            .collect(),
        loss_spread: tail_spread(&outcome.steps),
        probe_loss: tail_mean(&outcome.steps, |r| r.probe_loss),
        output_step: tail_mean(&outcome.steps, |r| r.probe_change),
        patches_per_s: outcome.patches_per_s,
        ghost,
        outlier_share,
    };
    result.save(dir)?;
    Ok(result)
}

/// Runs the slice `shard` of `specs` into `out/runs/`, reusing finished runs with the same
/// config; tells `observer` one line per run, and stops when it asks to.
pub fn run_grid(
    specs: &[RunSpec],
    out: &Path,
    shard: Shard,
    selected: &Selected,
    observer: &dyn Observer,
) -> Result<Vec<RunResult>> {
    let mine: Vec<(usize, &RunSpec)> = specs
        .iter()
        .enumerate()
        .filter(|(i, _)| shard.contains(*i))
        .collect();
    let mut results = Vec::new();
    for (k, (_, spec)) in mine.iter().enumerate() {
        let dir = run_path(out, &spec.id);
        let t = Instant::now();
        let reused = RunResult::load(&dir).ok().filter(|r| {
            TrainConfig::load(&dir.join(CONFIG)).is_ok_and(|c| c == record(spec))
                && r.experiments == spec.experiments
        });
        let (result, how) = match reused {
            Some(r) => (r, "reused"),
            None => match run_one(spec, &dir, selected, observer) {
                Ok(r) => (r, "trained"),
                Err(e) if e.kind() == ErrorKind::Interrupted => {
                    return Err(e.context(
                        "the grid stopped; run the same command again to continue: finished runs \
                         are reused and this one resumes from its checkpoint",
                    ));
                }
                Err(e) => return Err(e),
            },
        };
        {
            let f = &result.final_metrics.mean;
            observer.line(&format!(
                "[{}/{}] {:<44} PSNR {:6.2} dB  SSIM {:.4}  bias {:+.4}  sharp {:.3}  noise {:.4}  ({how}, {:.1} s)",
                k + 1,
                mine.len(),
                spec.id,
                f.psnr,
                f.ssim,
                f.bias,
                f.sharpness.tenengrad,
                f.residual_noise,
                t.elapsed().as_secs_f64()
            ));
        }
        results.push(result);
    }
    Ok(results)
}
