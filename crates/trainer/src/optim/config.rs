//! Optimizer settings of a run (`config.json`'s `optim`): the optimizer, its learning rate,
//! schedule, weight decay and clipping, and an optional warm start with Adam.

use serde::{Deserialize, Serialize};

use super::{OptimSpec, Schedule};

/// Optimizer settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct OptimConfig {
    /// The optimizer.
    pub optimizer: OptimSpec,
    /// Base learning rate; `None` takes the optimizer's default.
    pub lr: Option<f64>,
    /// Weight decay (0 = none).
    pub weight_decay: f64,
    /// Clip the global gradient norm to this value.
    pub grad_clip: Option<f64>,
    /// Learning-rate schedule (over the steps of `optimizer`).
    pub schedule: Schedule,
    /// Warm start: the first this fraction of the steps train with Adam (its default learning
    /// rate, constant), the rest with `optimizer` from the weights Adam reached, so that it starts
    /// near an optimum. `None`: `optimizer` from the first step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adam_first: Option<f64>,
}

impl Default for OptimConfig {
    fn default() -> Self {
        Self {
            optimizer: OptimSpec::Adam,
            lr: None,
            weight_decay: 0.0,
            grad_clip: None,
            schedule: Schedule::Constant,
            adam_first: None,
        }
    }
}

impl OptimConfig {
    /// The base learning rate.
    pub fn lr(&self) -> f64 {
        self.lr.unwrap_or_else(|| self.optimizer.default_lr())
    }

    /// The first step (0-based) that `optimizer` takes, of `steps`: 0 without a warm start.
    pub fn switch_step(&self, steps: u64) -> u64 {
        self.adam_first
            .map_or(0, |f| ((f * steps as f64).round() as u64).min(steps))
    }

    /// The optimizer of step `step` (0-based) of `steps`.
    pub fn optimizer_at(&self, step: u64, steps: u64) -> OptimSpec {
        if step < self.switch_step(steps) {
            OptimSpec::Adam
        } else {
            self.optimizer
        }
    }

    /// The learning rate of step `step` (0-based) of `steps`: Adam's default during a warm start,
    /// then `lr` under `schedule` over the remaining steps.
    pub fn lr_at(&self, step: u64, steps: u64) -> f64 {
        let switch = self.switch_step(steps);
        if step < switch {
            OptimSpec::Adam.default_lr()
        } else {
            self.schedule
                .lr_at(self.lr(), step - switch, steps - switch)
        }
    }

    /// Tensors of optimizer state per parameter, the larger of the two optimizers' with a warm
    /// start (for disk-space estimates).
    pub fn state_slots(&self) -> u64 {
        let own = self.optimizer.state_slots();
        match self.adam_first {
            Some(_) => own.max(OptimSpec::Adam.state_slots()),
            None => own,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warm_start_takes_adam_first_then_the_optimizer_on_its_own_schedule() {
        let c = OptimConfig {
            optimizer: OptimSpec::Sgd { momentum: 0.0 },
            lr: Some(0.1),
            schedule: Schedule::Cosine,
            adam_first: Some(0.25),
            ..OptimConfig::default()
        };
        assert_eq!(c.switch_step(100), 25);
        assert_eq!(c.optimizer_at(24, 100), OptimSpec::Adam);
        assert_eq!(c.optimizer_at(25, 100), c.optimizer);
        assert_eq!(c.lr_at(0, 100), 1e-3);
        // The cosine runs over SGD's 75 steps, from SGD's first step.
        assert_eq!(c.lr_at(25, 100), Schedule::Cosine.lr_at(0.1, 0, 75));
        assert_eq!(c.lr_at(99, 100), Schedule::Cosine.lr_at(0.1, 74, 75));
        assert_eq!(
            c.state_slots(),
            2,
            "Adam's two moments are the larger state"
        );
        let cold = OptimConfig::default();
        assert_eq!(cold.switch_step(100), 0);
        assert_eq!(cold.lr_at(0, 100), 1e-3);
    }
}
