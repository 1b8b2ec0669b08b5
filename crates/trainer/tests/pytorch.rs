//! PyTorch interop against fixtures made by `scripts/pytorch_fixture.py write` (torch 2.15.0):
//! KAIR DnCNN state dicts with random weights and their outputs on a fixed input. Agreement is
//! measured on the predicted noise (input − output): max |ours − torch| / max |torch| ≤ 1e-5.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::store::bridge::to_data;
use burn::store::{ModuleStore, PytorchStore};
use burn::tensor::{Device, Tensor, TensorData};
use denoise_model::{Denoiser, DenoiserConfig};
use denoise_trainer::ErrorKind;
use denoise_trainer::backend::{self, BackendChoice};
use denoise_trainer::pytorch::pth_writer::{PthValues, pth_bytes};
use denoise_trainer::pytorch::{KAIR_NORM_EPSILON, export_kair, import_kair, kair_state_dict};

const TOLERANCE: f64 = 1e-5;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pytorch")
        .join(name)
}

/// Every tensor of a `.pth` as (shape, values as f64), by key.
fn tensors(path: &Path) -> BTreeMap<String, (Vec<usize>, Vec<f64>)> {
    let mut store = PytorchStore::from_file(path).map_indices_contiguous(false);
    store
        .get_all_tensors()
        .unwrap()
        .iter()
        .map(|(k, t)| {
            let values = to_data(t)
                .unwrap()
                .convert::<f64>()
                .try_to_vec::<f64>()
                .unwrap();
            (k.clone(), (t.shape.to_vec(), values))
        })
        .collect()
}

/// The fixture's input and torch's predicted noise.
fn io(name: &str) -> (Tensor<4>, Vec<f64>, [usize; 4]) {
    let io = tensors(&fixture(&format!("kair_{name}_io.pth")));
    let (shape, input) = &io["input"];
    let shape: [usize; 4] = shape.clone().try_into().unwrap();
    let data = TensorData::new(input.iter().map(|&v| v as f32).collect::<Vec<_>>(), shape);
    (
        Tensor::from_data(data, &Device::flex()),
        io["noise"].1.clone(),
        shape,
    )
}

/// max |ours − torch| / max |torch| of the noise `model` predicts on `input`.
fn relative_error(
    model: &Denoiser,
    input: &Tensor<4>,
    torch_noise: &[f64],
    device: &Device,
) -> f64 {
    let x = Tensor::<4>::from_data(input.to_data(), device);
    let noise = (x.clone() - model.forward(x)).into_data().convert::<f64>();
    let ours = noise.try_to_vec::<f64>().unwrap();
    let scale = torch_noise.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let diff = ours
        .iter()
        .zip(torch_noise)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    diff / scale
}

fn ndarray() -> Device {
    backend::select(BackendChoice::Ndarray).unwrap().device
}

#[test]
fn kair_models_import_with_torchs_outputs_on_both_cpu_backends() {
    for (name, channels, batch_norm) in [("plain", 1, false), ("bn", 3, true)] {
        let (input, torch_noise, _) = io(name);
        for device in [Device::flex(), ndarray()] {
            let (model, config) = import_kair(
                &fixture(&format!("kair_{name}.pth")),
                KAIR_NORM_EPSILON,
                &device,
            )
            .unwrap();
            let expected = DenoiserConfig::new(channels)
                .with_depth(5)
                .with_width(16)
                .with_batch_norm(batch_norm)
                .with_norm_epsilon(KAIR_NORM_EPSILON);
            assert_eq!(config, expected);
            let err = relative_error(&model, &input, &torch_noise, &device);
            assert!(
                err <= TOLERANCE,
                "{name} on {device:?}: relative error {err:.2e}"
            );
        }
    }
}

#[test]
fn the_test_sees_the_batch_norm_epsilon() {
    // the fixture has variances of 2e-5 and 5e-5: built with ε = 1e-5 instead of KAIR's 1e-4,
    // those channels come out far from torch's
    let (input, torch_noise, _) = io("bn");
    let (model, _) = import_kair(&fixture("kair_bn.pth"), 1e-5, &Device::flex()).unwrap();
    let err = relative_error(&model, &input, &torch_noise, &Device::flex());
    assert!(err > 100.0 * TOLERANCE, "relative error {err:.2e}");
}

#[test]
fn basicsr_and_data_parallel_prefixes_import_the_same_weights() {
    let device = Device::flex();
    let (plain, _) = import_kair(&fixture("kair_plain.pth"), KAIR_NORM_EPSILON, &device).unwrap();
    let (nested, _) =
        import_kair(&fixture("basicsr_plain.pth"), KAIR_NORM_EPSILON, &device).unwrap();
    assert_eq!(plain.layer_weights(), nested.layer_weights());
}

#[test]
fn the_exported_state_dict_has_kairs_keys_shapes_dtypes_and_order() {
    let text = std::fs::read_to_string(fixture("kair_keys.json")).unwrap();
    let keys: BTreeMap<String, Vec<(String, Vec<usize>, String)>> =
        serde_json::from_str(&text).unwrap();
    let configs = [
        (
            "dncnn-plain-gray",
            DenoiserConfig::new(1).with_batch_norm(false),
        ),
        ("dncnn-bn-gray", DenoiserConfig::new(1)),
        ("dncnn-bn-rgb", DenoiserConfig::new(3)),
    ];
    assert_eq!(keys.len(), configs.len());
    for (name, config) in configs {
        let dict = kair_state_dict(&config.init(&Device::flex()), KAIR_NORM_EPSILON).unwrap();
        let ours: Vec<(String, Vec<usize>, String)> = dict
            .iter()
            .map(|t| {
                let dtype = match t.values {
                    PthValues::F32(_) => "float32",
                    PthValues::I64(_) => "int64",
                };
                (t.name.clone(), t.shape.clone(), dtype.to_string())
            })
            .collect();
        assert_eq!(ours, keys[name], "{name}");
    }
}

#[test]
fn exported_files_read_back_and_keep_torchs_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::flex();
    for name in ["plain", "bn"] {
        let source = fixture(&format!("kair_{name}.pth"));
        let (model, _) = import_kair(&source, KAIR_NORM_EPSILON, &device).unwrap();
        let out = dir.path().join(format!("{name}.pth"));
        export_kair(&model, &out, KAIR_NORM_EPSILON).unwrap();
        let (theirs, ours) = (tensors(&source), tensors(&out));
        let shapes = |m: &BTreeMap<String, (Vec<usize>, Vec<f64>)>| -> Vec<(String, Vec<usize>)> {
            m.iter().map(|(k, (s, _))| (k.clone(), s.clone())).collect()
        };
        assert_eq!(shapes(&ours), shapes(&theirs), "{name}: keys and shapes");
        if name == "plain" {
            assert_eq!(
                ours, theirs,
                "without batch norm the weights go back unchanged"
            );
        }
        let (input, torch_noise, _) = io(name);
        let (back, _) = import_kair(&out, KAIR_NORM_EPSILON, &device).unwrap();
        let err = relative_error(&back, &input, &torch_noise, &device);
        assert!(
            err <= TOLERANCE,
            "{name}: relative error {err:.2e} after export"
        );
    }
}

#[test]
fn a_model_with_another_epsilon_exports_to_the_same_function() {
    // a denoise-lab model (ε = 1e-5) with variances near zero, written for KAIR's ε = 1e-4 by
    // rescaling γ, computes the same output once read back with ε = 1e-4
    let device = Device::flex();
    let config = DenoiserConfig::new(1)
        .with_depth(4)
        .with_width(6)
        .with_init_seed(3);
    let mut layers = config.init(&device).layer_weights();
    for layer in &mut layers {
        if let Some(norm) = layer.norm.as_mut() {
            for (c, v) in norm.variance.iter_mut().enumerate() {
                *v = [1e-6, 3e-5, 0.5, 2.0, 4e-5, 1.0][c];
            }
            norm.beta.iter_mut().for_each(|b| *b = 0.3);
        }
    }
    let model = config.init(&device).with_layer_weights(layers).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.pth");
    export_kair(&model, &out, KAIR_NORM_EPSILON).unwrap();
    let (back, back_config) = import_kair(&out, KAIR_NORM_EPSILON, &device).unwrap();
    assert_eq!(back_config.norm_epsilon, KAIR_NORM_EPSILON);
    let x = Tensor::<4>::random([1, 1, 9, 11], burn::tensor::Distribution::Default, &device);
    let expected: Vec<f64> = (x.clone() - model.forward(x.clone()))
        .into_data()
        .convert::<f64>()
        .try_to_vec()
        .unwrap();
    let err = relative_error(&back, &x, &expected, &device);
    assert!(err <= TOLERANCE, "relative error {err:.2e}");
}

#[test]
fn files_that_are_not_a_kair_dncnn_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::flex();
    let text = dir.path().join("notes.pth");
    std::fs::write(&text, "not a zip").unwrap();
    let err = import_kair(&text, KAIR_NORM_EPSILON, &device).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadInput);
    assert!(err.to_string().contains("notes.pth"), "{err}");
    // another network's state dict, written in torch's format
    let other = dir.path().join("resnet.pth");
    let tensor = |name: &str| denoise_trainer::pytorch::pth_writer::PthTensor {
        name: name.into(),
        shape: vec![2],
        values: PthValues::F32(vec![0.0, 1.0]),
    };
    std::fs::write(
        &other,
        pth_bytes(&[tensor("conv1.weight"), tensor("fc.bias")]).unwrap(),
    )
    .unwrap();
    let err = import_kair(&other, KAIR_NORM_EPSILON, &device).unwrap_err();
    assert!(err.to_string().contains("not a KAIR DnCNN"), "{err}");
    // a KAIR DnCNN with a layer missing: the indices no longer follow KAIR's
    let mut dict =
        kair_state_dict(&DenoiserConfig::new(1).with_depth(4).init(&device), 1e-4).unwrap();
    dict.retain(|t| !t.name.starts_with("model.5."));
    let gap = dir.path().join("gap.pth");
    std::fs::write(&gap, pth_bytes(&dict).unwrap()).unwrap();
    let err = import_kair(&gap, KAIR_NORM_EPSILON, &device).unwrap_err();
    assert!(err.to_string().contains("act_mode='BR'"), "{err}");
    // a model that predicts the image cannot become KAIR's residual DnCNN
    let direct = DenoiserConfig::new(1).with_residual(false).init(&device);
    let err = export_kair(&direct, &dir.path().join("d.pth"), 1e-4).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage);
    assert!(!dir.path().join("d.pth").exists());
}
