//! Checkpoints: weights round-trip, and a resumed run ends where an uninterrupted one does.

use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use denoise_model::Preset;
use denoise_trainer::run::checkpoint::{load_model, parameter_values, save_model};

use crate::util::{resume, run, small_config};

#[test]
fn saved_model_loads_with_identical_outputs_including_batch_norm_statistics() {
    let device = Device::flex();
    let ad = device.clone().autodiff();
    let config = Preset::Dncnn.config(1).with_depth(4).with_width(8);
    // One training-mode forward moves the running statistics away from their initial values.
    let model = config.init(&device).fork(&ad).train();
    let x = Tensor::<4>::random([2, 1, 12, 12], Distribution::Default, &ad);
    let _ = model.forward(x);
    let model = model.valid();
    let dir = tempfile::tempdir().unwrap();
    save_model(dir.path(), &model, &config).unwrap();
    let (loaded, loaded_config) = load_model(dir.path(), &device).unwrap();
    assert_eq!(loaded_config, config);
    let probe = Tensor::<4>::random([1, 1, 10, 14], Distribution::Default, &device);
    let a = model.forward(probe.clone()).into_data();
    let b = loaded.valid().forward(probe).into_data();
    a.assert_eq(&b, true);
}

/// Twelve steps of 4 patches of 16, evaluated and checkpointed every `every` steps.
fn twelve_steps(every: u64) -> denoise_trainer::config::TrainConfig {
    let mut c = small_config();
    c.steps = 12;
    c.batch = 4;
    c.patch = 16;
    c.eval_every = every;
    c.checkpoint_every = every;
    c
}

#[test]
fn resumed_run_is_bit_identical_to_an_uninterrupted_one() {
    let c = twelve_steps(6);
    let whole = tempfile::tempdir().unwrap();
    let straight = parameter_values(&run(&c, whole.path()).model);

    let parts = tempfile::tempdir().unwrap();
    let mut first = c.clone();
    first.steps = 6;
    run(&first, parts.path());
    let resumed = resume(&c, parts.path());
    assert!(
        parameter_values(&resumed.model) == straight,
        "resume changed the weights"
    );
    // The metrics of the first part are kept: one row per step of the whole run.
    let metrics = std::fs::read_to_string(parts.path().join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 13);
    let validation = std::fs::read_to_string(parts.path().join("validation.csv")).unwrap();
    assert_eq!(validation.lines().count(), 3, "header + steps 6 and 12");
}

#[test]
fn a_warm_start_switches_from_adam_and_resumes_bit_identically_on_either_side() {
    // 6 steps of Adam, then SGD with momentum (which has state to save) for 6 more.
    let mut c = twelve_steps(12);
    c.optim.optimizer = "sgd:0.9".parse().unwrap();
    c.optim.lr = Some(1e-2);
    c.optim.adam_first = Some(0.5);
    let whole = tempfile::tempdir().unwrap();
    let straight = parameter_values(&run(&c, whole.path()).model);
    let metrics = std::fs::read_to_string(whole.path().join("metrics.csv")).unwrap();
    let lrs: Vec<&str> = metrics
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(lrs, [["1e-3"; 6], ["1e-2"; 6]].concat(), "{metrics}");

    // Stopped after the switch (step 9: SGD's state saved) and exactly at it (step 6: Adam's
    // state saved, SGD taking over at the first resumed step); the first parts' switch is at
    // step 6 too.
    for (steps, adam_first) in [(9, 6.0 / 9.0), (6, 0.99)] {
        let parts = tempfile::tempdir().unwrap();
        let mut first = c.clone();
        first.steps = steps;
        first.checkpoint_every = steps;
        first.eval_every = steps;
        first.optim.adam_first = Some(adam_first);
        assert_eq!(first.optim.switch_step(steps), 6);
        run(&first, parts.path());
        let resumed = resume(&c, parts.path());
        assert!(
            parameter_values(&resumed.model) == straight,
            "resuming after step {steps} changed the weights"
        );
    }
}
