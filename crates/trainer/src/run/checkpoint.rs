//! Checkpoints: model weights (safetensors), optimizer state (burnpack), the step, the data
//! position and the random-number state, written completely under a temporary name and renamed
//! before `checkpoints/latest` names them. A crash or `kill -9` at any moment leaves the newest
//! complete checkpoint usable; leftovers of an unfinished one are removed on the next start.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::store::{ModuleSnapshot, SafetensorsStore};
use burn::tensor::Device;
use denoise_data::write_bytes_atomically;
use denoise_model::{Denoiser, DenoiserConfig};
use serde::{Deserialize, Serialize};

use crate::error::{Context, Error, Result};
use crate::run::dir::{CONFIG, LATEST, MODEL_CONFIG, MODEL_WEIGHTS, OPTIMIZER, RunDir, STATE};

/// How the random state of a run is determined, recorded in every checkpoint.
pub const RNG_NOTE: &str = "every random draw comes from a xoshiro256++ generator keyed by \
    (seed, domain, index); the training batch of step s is index s, so (seed, step) is the whole \
    random state";

/// What a checkpoint records besides tensors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CheckpointState {
    /// Steps completed; training resumes at this step (the data stream is indexed by it).
    pub step: u64,
    /// The run's seed (a check that the checkpoint belongs to the run).
    pub seed: u64,
    /// Training time so far, in seconds.
    pub elapsed_s: f64,
    /// The position in the data stream: training patches consumed (steps × batch).
    #[serde(default)]
    pub patches_seen: u64,
    /// How the random state follows from `seed` and `step` ([`RNG_NOTE`]).
    #[serde(default)]
    pub rng: String,
}

/// How many complete checkpoints to keep.
pub const KEEP: usize = 2;

/// Serialises a model to safetensors bytes.
pub fn model_bytes(model: &Denoiser) -> Result<Vec<u8>> {
    let mut store = SafetensorsStore::from_bytes(None);
    model
        .valid()
        .save_into(&mut store)
        .map_err(|e| Error::Other(format!("cannot serialise the model: {e}")))?;
    store
        .get_bytes()
        .map_err(|e| Error::Other(format!("cannot serialise the model: {e}")))
}

/// Writes `model.safetensors` and `model.json` into `dir` (atomically each).
pub fn save_model(dir: &Path, model: &Denoiser, config: &DenoiserConfig) -> Result<()> {
    write_bytes_atomically(&dir.join(MODEL_WEIGHTS), &model_bytes(model)?)?;
    write_bytes_atomically(
        &dir.join(MODEL_CONFIG),
        serde_json::to_string_pretty(config)?.as_bytes(),
    )?;
    Ok(())
}

/// Parses a `model.json`, also as versions before `norm_epsilon` wrote it: burn's `Config`
/// does not apply its defaults to missing fields, and every model saved before had burn's
/// batch-norm ε, 1e-5.
fn parse_model_config(text: &str) -> serde_json::Result<DenoiserConfig> {
    let mut value: serde_json::Value = serde_json::from_str(text)?;
    if let Some(fields) = value.as_object_mut() {
        fields
            .entry("norm_epsilon")
            .or_insert(serde_json::json!(1e-5));
    }
    serde_json::from_value(value)
}

/// Reads `model.json` and `model.safetensors` from `dir` and builds the model on `device`.
pub fn load_model(dir: &Path, device: &Device) -> Result<(Denoiser, DenoiserConfig)> {
    let cfg_path = dir.join(MODEL_CONFIG);
    let text = std::fs::read_to_string(&cfg_path)
        .map_err(|e| Error::bad_input(format!("cannot read {}: {e}", cfg_path.display())))?;
    let config = parse_model_config(&text).map_err(|e| {
        Error::bad_input(format!(
            "{} is not a model config ({e}); it is written by `denoise train`",
            cfg_path.display()
        ))
    })?;
    config
        .validate()
        .map_err(|e| Error::bad_input(format!("{}: {e}", cfg_path.display())))?;
    let mut model = config.init(device);
    let weights = dir.join(MODEL_WEIGHTS);
    let bytes = std::fs::read(&weights)
        .map_err(|e| Error::bad_input(format!("cannot read {}: {e}", weights.display())))?;
    let mut store = SafetensorsStore::from_bytes(Some(bytes));
    let result = model.load_from(&mut store).map_err(|e| {
        Error::bad_input(format!(
            "cannot load weights from {} ({e}); the file is damaged or not a safetensors file",
            weights.display()
        ))
    })?;
    if !result.errors.is_empty() || !result.missing.is_empty() {
        return Err(Error::bad_input(format!(
            "{} does not fit the model in model.json: missing {:?}, errors {:?}",
            weights.display(),
            result.missing,
            result.errors
        )));
    }
    Ok((model, config))
}

/// A model opened from what `--checkpoint` names.
pub struct OpenedModel {
    /// The model.
    pub model: Denoiser,
    /// Its config.
    pub config: DenoiserConfig,
    /// The model folder (`None` for a PyTorch file).
    pub dir: Option<PathBuf>,
}

/// Opens what a user points at: a run or checkpoint folder ([`resolve_model_dir`]) or a KAIR
/// DnCNN `.pth` state dict (imported with KAIR's batch-norm ε).
pub fn open_model(path: &Path, device: &Device) -> Result<OpenedModel> {
    if crate::pytorch::is_pth(path) && path.is_file() {
        let (model, config) =
            crate::pytorch::import_kair(path, crate::pytorch::KAIR_NORM_EPSILON, device)?;
        return Ok(OpenedModel {
            model,
            config,
            dir: None,
        });
    }
    let dir = resolve_model_dir(path)?;
    let (model, config) = load_model(&dir, device)?;
    Ok(OpenedModel {
        model,
        config,
        dir: Some(dir),
    })
}

/// Finds the model folder a user points at: a checkpoint folder, or a run (its final model, else
/// its latest checkpoint).
pub fn resolve_model_dir(path: &Path) -> Result<PathBuf> {
    if path.join(MODEL_WEIGHTS).is_file() && path.join(MODEL_CONFIG).is_file() {
        return Ok(path.to_path_buf());
    }
    if path.join(CONFIG).is_file() {
        let run = RunDir::open(path)?;
        if let Some((_, dir)) = latest(&run)? {
            return Ok(dir);
        }
        return Err(Error::usage(format!(
            "--checkpoint {}: this run has no checkpoint yet; train it further or give another run",
            path.display()
        )));
    }
    Err(Error::usage(format!(
        "--checkpoint {}: no model here; give a run folder (from `denoise train --out`), one of \
         its checkpoints/step-* folders, or a KAIR DnCNN .pth file",
        path.display()
    )))
}

fn step_dir_name(step: u64) -> String {
    format!("step-{step:08}")
}

/// Writes a complete checkpoint for `state.step` and points `latest` at it; keeps the newest
/// [`KEEP`].
pub fn save(
    run: &RunDir,
    model: &Denoiser,
    config: &DenoiserConfig,
    optim: &ModuleOptimizer,
    state: &CheckpointState,
) -> Result<PathBuf> {
    let root = run.checkpoints();
    let name = step_dir_name(state.step);
    let tmp = root.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)
        .map_err(|e| Error::output(format!("cannot create {}: {e}", tmp.display())))?;
    let written = (|| -> Result<()> {
        save_model(&tmp, model, config)?;
        let optim_bytes = optim
            .into_bytes()
            .map_err(|e| Error::Other(format!("cannot serialise the optimizer state: {e:?}")))?;
        write_bytes_atomically(&tmp.join(OPTIMIZER), &optim_bytes)?;
        write_bytes_atomically(
            &tmp.join(STATE),
            serde_json::to_string_pretty(state)?.as_bytes(),
        )?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e.context(format!(
            "the checkpoint of step {} was not written; the previous one stays the latest",
            state.step
        )));
    }
    let dir = root.join(&name);
    let renamed = (|| {
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| Error::output(format!("cannot replace {}: {e}", dir.display())))?;
        }
        std::fs::rename(&tmp, &dir)
            .map_err(|e| Error::output(format!("cannot finish {}: {e}", dir.display())))
    })();
    if let Err(e) = renamed {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e.context(format!(
            "the checkpoint of step {} was not written; the previous one stays the latest",
            state.step
        )));
    }
    write_bytes_atomically(&root.join(LATEST), name.as_bytes())?;
    prune(&root, &name)?;
    Ok(dir)
}

fn prune(root: &Path, keep_name: &str) -> Result<()> {
    let mut names: Vec<String> = std::fs::read_dir(root)?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("step-"))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(KEEP);
    for n in names.into_iter().take(excess) {
        if n != keep_name {
            let _ = std::fs::remove_dir_all(root.join(n));
        }
    }
    Ok(())
}

fn read_state(dir: &Path) -> Result<CheckpointState> {
    let state_path = dir.join(STATE);
    let text = std::fs::read_to_string(&state_path)
        .map_err(|e| Error::bad_input(format!("cannot read {}: {e}", state_path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::bad_input(format!(
            "{} is damaged ({e}); delete that checkpoint folder to resume from the one before",
            state_path.display()
        ))
    })
}

/// The newest complete checkpoint of a run, if any: the one `checkpoints/latest` names, or, when
/// that pointer is missing or names a folder that is gone, the newest `step-*` folder (each is
/// complete: it only gets that name once every file is written).
pub fn latest(run: &RunDir) -> Result<Option<(CheckpointState, PathBuf)>> {
    let root = run.checkpoints();
    let pointer = root.join(LATEST);
    if let Ok(name) = std::fs::read_to_string(&pointer) {
        let dir = root.join(name.trim());
        if dir.is_dir() {
            return Ok(Some((read_state(&dir)?, dir)));
        }
    }
    let mut names: Vec<String> = match std::fs::read_dir(&root) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.starts_with("step-"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", root.display())),
    };
    names.sort();
    match names.pop() {
        Some(name) => {
            let dir = root.join(name);
            Ok(Some((read_state(&dir)?, dir)))
        }
        None => Ok(None),
    }
}

/// Removes what an interrupted process left behind: unfinished checkpoint folders
/// (`checkpoints/.step-*.tmp-*`) and temporary files (`.NAME.tmp-*`) in the run folder.
pub fn remove_stale(run: &RunDir) {
    for dir in [run.root().to_path_buf(), run.checkpoints()] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.contains(".tmp-") {
                let path = entry.path();
                let _ = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
            }
        }
    }
}

struct FirstNonFinite(Option<String>);

impl burn::module::ModuleVisitor for FirstNonFinite {
    fn visit_float<const D: usize>(
        &mut self,
        param: &burn::module::Param<burn::tensor::Tensor<D>>,
    ) {
        if self.0.is_some() {
            return;
        }
        let values = param
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap_or_default();
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            self.0 = Some(format!(
                "{v} in a parameter of shape {:?}",
                param.val().dims()
            ));
        }
    }
}

/// The first non-finite parameter value of `model`, described, if any.
pub fn first_non_finite(model: &Denoiser) -> Option<String> {
    let mut v = FirstNonFinite(None);
    model.visit(&mut v);
    v.0
}

/// Loads the optimizer state of a checkpoint into `optim`.
pub fn load_optimizer(dir: &Path, optim: ModuleOptimizer) -> Result<ModuleOptimizer> {
    let path = dir.join(OPTIMIZER);
    let bytes = std::fs::read(&path)
        .map_err(|e| Error::bad_input(format!("cannot read {}: {e}", path.display())))?;
    optim
        .from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))
        .map_err(|e| {
            Error::bad_input(format!(
                "cannot load the optimizer state {} ({e:?}); delete that checkpoint folder to \
                 resume from the one before",
                path.display()
            ))
        })
}

struct Collect(Vec<Vec<f32>>);

impl burn::module::ModuleVisitor for Collect {
    fn visit_float<const D: usize>(
        &mut self,
        param: &burn::module::Param<burn::tensor::Tensor<D>>,
    ) {
        self.0.push(
            param
                .val()
                .into_data()
                .try_to_vec::<f32>()
                .expect("float parameters read as f32"),
        );
    }
}

/// Every float parameter's values, in module order (for comparing two models exactly).
pub fn parameter_values(model: &Denoiser) -> Vec<Vec<f32>> {
    let mut c = Collect(Vec::new());
    model.visit(&mut c);
    c.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `model.json` as `denoise train` wrote it before `norm_epsilon` existed.
    const BEFORE_EPSILON: &str = r#"{
  "channels": 1,
  "depth": 17,
  "width": 64,
  "batch_norm": true,
  "residual": true,
  "init_seed": 0
}"#;

    #[test]
    fn model_configs_without_the_epsilon_read_as_burns_default() {
        let old = parse_model_config(BEFORE_EPSILON).unwrap();
        assert_eq!(old.norm_epsilon, 1e-5);
        assert_eq!((old.depth, old.width, old.batch_norm), (17, 64, true));
        let kair = old.clone().with_norm_epsilon(1e-4);
        let text = serde_json::to_string_pretty(&kair).unwrap();
        assert_eq!(parse_model_config(&text).unwrap().norm_epsilon, 1e-4);
        assert!(parse_model_config(r#"{"channels": 1}"#).is_err());
    }
}
