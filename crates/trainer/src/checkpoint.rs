//! Checkpoints: model weights (safetensors), optimizer state (burnpack) and the step, written
//! completely before `checkpoints/latest` names them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::store::{ModuleSnapshot, SafetensorsStore};
use burn::tensor::Device;
use denoise_data::write_bytes_atomically;
use denoise_model::{Denoiser, DenoiserConfig};
use serde::{Deserialize, Serialize};

use crate::run_dir::RunDir;

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
}

/// How many complete checkpoints to keep.
pub const KEEP: usize = 2;

/// Serialises a model to safetensors bytes.
pub fn model_bytes(model: &Denoiser) -> Result<Vec<u8>> {
    let mut store = SafetensorsStore::from_bytes(None);
    model
        .valid()
        .save_into(&mut store)
        .map_err(|e| anyhow!("cannot serialise the model: {e}"))?;
    store
        .get_bytes()
        .map_err(|e| anyhow!("cannot serialise the model: {e}"))
}

/// Writes `model.safetensors` and `model.json` into `dir` (atomically each).
pub fn save_model(dir: &Path, model: &Denoiser, config: &DenoiserConfig) -> Result<()> {
    write_bytes_atomically(&dir.join("model.safetensors"), &model_bytes(model)?)?;
    write_bytes_atomically(
        &dir.join("model.json"),
        serde_json::to_string_pretty(config)?.as_bytes(),
    )?;
    Ok(())
}

/// Reads `model.json` and `model.safetensors` from `dir` and builds the model on `device`.
pub fn load_model(dir: &Path, device: &Device) -> Result<(Denoiser, DenoiserConfig)> {
    let cfg_path = dir.join("model.json");
    let config: DenoiserConfig = serde_json::from_str(
        &std::fs::read_to_string(&cfg_path)
            .with_context(|| format!("cannot read {}", cfg_path.display()))?,
    )
    .with_context(|| format!("{} is not a model config", cfg_path.display()))?;
    config
        .validate()
        .map_err(|e| anyhow!("{}: {e}", cfg_path.display()))?;
    let mut model = config.init(device);
    let weights = dir.join("model.safetensors");
    let bytes =
        std::fs::read(&weights).with_context(|| format!("cannot read {}", weights.display()))?;
    let mut store = SafetensorsStore::from_bytes(Some(bytes));
    let result = model
        .load_from(&mut store)
        .map_err(|e| anyhow!("cannot load weights from {}: {e}", weights.display()))?;
    if !result.errors.is_empty() || !result.missing.is_empty() {
        bail!(
            "{} does not fit the model in model.json: missing {:?}, errors {:?}",
            weights.display(),
            result.missing,
            result.errors
        );
    }
    Ok((model, config))
}

/// Finds the model folder a user points at: a checkpoint folder, or a run (its final model, else
/// its latest checkpoint).
pub fn resolve_model_dir(path: &Path) -> Result<PathBuf> {
    if path.join("model.safetensors").is_file() && path.join("model.json").is_file() {
        return Ok(path.to_path_buf());
    }
    if path.join("config.json").is_file() {
        let run = RunDir::open(path)?;
        if let Some((_, dir)) = latest(&run)? {
            return Ok(dir);
        }
        bail!("{} holds a run without any checkpoint yet", path.display());
    }
    bail!(
        "--checkpoint {}: no model here; give a run folder (from `denoise train --out`) or one of \
         its checkpoints/step-* folders",
        path.display()
    )
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
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    save_model(&tmp, model, config)?;
    let optim_bytes = optim
        .into_bytes()
        .map_err(|e| anyhow!("cannot serialise the optimizer state: {e:?}"))?;
    write_bytes_atomically(&tmp.join("optimizer.bpk"), &optim_bytes)?;
    write_bytes_atomically(
        &tmp.join("state.json"),
        serde_json::to_string_pretty(state)?.as_bytes(),
    )?;
    let dir = root.join(&name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    std::fs::rename(&tmp, &dir).with_context(|| format!("cannot finish {}", dir.display()))?;
    write_bytes_atomically(&root.join("latest"), name.as_bytes())?;
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

/// The newest complete checkpoint of a run, if any.
pub fn latest(run: &RunDir) -> Result<Option<(CheckpointState, PathBuf)>> {
    let pointer = run.checkpoints().join("latest");
    let name = match std::fs::read_to_string(&pointer) {
        Ok(n) => n.trim().to_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", pointer.display())),
    };
    let dir = run.checkpoints().join(&name);
    let state_path = dir.join("state.json");
    let state: CheckpointState = serde_json::from_str(
        &std::fs::read_to_string(&state_path)
            .with_context(|| format!("cannot read {}", state_path.display()))?,
    )
    .with_context(|| format!("{} is damaged", state_path.display()))?;
    Ok(Some((state, dir)))
}

/// Loads the optimizer state of a checkpoint into `optim`.
pub fn load_optimizer(dir: &Path, optim: ModuleOptimizer) -> Result<ModuleOptimizer> {
    let path = dir.join("optimizer.bpk");
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    optim
        .from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))
        .map_err(|e| anyhow!("cannot load optimizer state {}: {e:?}", path.display()))
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
