//! Training losses, each with its optimum and its per-sample gradient.
//!
//! For a residual `r = prediction − target`, averaged over every pixel of the batch:
//!
//! | spelling | ρ(r) | ∂ρ/∂r | minimiser of E[ρ(c − T)] over c | maximum likelihood under |
//! |---|---|---|---|---|
//! | `mse` | r² | 2r (unbounded) | the mean of T | Gaussian noise |
//! | `l1` | \|r\| | sign(r) (bounded by 1) | a median of T | Laplace noise |
//! | `huber[:δ]` (δ = 1) | ½r² if \|r\| ≤ δ, δ(\|r\| − δ/2) else | clamp(r, −δ, δ) | between mean and median | Gaussian core, Laplace tails |
//! | `smooth-l1[:β]` (β = 1) | ½r²/β if \|r\| < β, \|r\| − β/2 else | clamp(r/β, −1, 1) | as Huber (= Huber/β) | |
//! | `charbonnier[:ε]` (ε = 1e-3) | √(r² + ε²) | r/√(r² + ε²) (bounded by 1) | ≈ a median (smooth L1) | |
//! | `log-cosh` | log cosh r | tanh r (bounded by 1) | between mean and median | hyperbolic-secant noise |
//! | `l0[:γ₀]` (γ₀ = 2) | (\|r\| + 1e-8)^γ, γ = γ₀·(1 − t) | γ(\|r\| + 1e-8)^(γ−1) sign r | → the mode as γ → 0 | (Noise2Noise, annealed) |
//!
//! `t` is the fraction of training done (0 → 1). burn's `MseLoss`, `HuberLoss`, `SmoothL1Loss` and
//! `LpLoss` are used where they exist.

use std::fmt;
use std::str::FromStr;

use burn::nn::loss::{HuberLossConfig, LpLossConfig, MseLoss, Reduction, SmoothL1LossConfig};
use burn::tensor::Tensor;
use denoise_data::spec::{SpecError, SpecKind, split_kind};
use serde::{Deserialize, Serialize};

/// What `--loss` accepts.
pub const LOSS_EXPECTED: &str = "one of mse, l1, huber[:δ > 0], smooth-l1[:β > 0], \
     charbonnier[:ε > 0], log-cosh, l0[:γ₀ > 0]";

const LOSS: SpecKind = SpecKind {
    what: "loss",
    expected: LOSS_EXPECTED,
};

/// A training loss; parse it from its CLI spelling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum LossSpec {
    /// Mean squared error.
    Mse,
    /// Mean absolute error.
    L1,
    /// Huber loss with threshold δ.
    Huber {
        /// Threshold between the quadratic and linear parts.
        delta: f64,
    },
    /// Smooth L1 (PyTorch's convention) with threshold β.
    SmoothL1 {
        /// Threshold between the quadratic and linear parts.
        beta: f64,
    },
    /// Charbonnier: a differentiable L1.
    Charbonnier {
        /// Smoothing constant.
        eps: f64,
    },
    /// log(cosh(r)).
    LogCosh,
    /// Annealed L0: `(|r| + 1e-8)^γ` with γ going from γ₀ to 0 over training.
    L0 {
        /// Starting exponent.
        gamma: f64,
    },
}

impl FromStr for LossSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, arg) = split_kind(s);
        let arg = arg.map(str::trim);
        let param = |name: &str, default: f64| -> Result<f64, SpecError> {
            match arg {
                None => Ok(default),
                Some(a) => match a.parse::<f64>() {
                    Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
                    _ => Err(LOSS.error(s, format!("{name} must be a number > 0"))),
                },
            }
        };
        let no_arg = |spec: LossSpec| match arg {
            None => Ok(spec),
            Some(_) => Err(LOSS.error(s, format!("{kind} takes no parameter"))),
        };
        match kind.to_ascii_lowercase().as_str() {
            "mse" | "l2" => no_arg(Self::Mse),
            "l1" | "mae" => no_arg(Self::L1),
            "huber" => Ok(Self::Huber {
                delta: param("δ", 1.0)?,
            }),
            "smooth-l1" | "smoothl1" => Ok(Self::SmoothL1 {
                beta: param("β", 1.0)?,
            }),
            "charbonnier" => Ok(Self::Charbonnier {
                eps: param("ε", 1e-3)?,
            }),
            "log-cosh" | "logcosh" => no_arg(Self::LogCosh),
            "l0" => Ok(Self::L0 {
                gamma: param("γ₀", 2.0)?,
            }),
            _ => Err(LOSS.error(s, "unknown loss")),
        }
    }
}

impl fmt::Display for LossSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mse => write!(f, "mse"),
            Self::L1 => write!(f, "l1"),
            Self::Huber { delta } => write!(f, "huber:{delta}"),
            Self::SmoothL1 { beta } => write!(f, "smooth-l1:{beta}"),
            Self::Charbonnier { eps } => write!(f, "charbonnier:{eps}"),
            Self::LogCosh => write!(f, "log-cosh"),
            Self::L0 { gamma } => write!(f, "l0:{gamma}"),
        }
    }
}

denoise_data::spec_string!(LossSpec);

impl LossSpec {
    /// The mean loss over every element; `progress` in [0, 1] is the fraction of training done
    /// (only the annealed `l0` uses it).
    ///
    /// # Shapes
    /// - `prediction`, `target`: `[batch, channels, height, width]`
    /// - output: `[1]`
    pub fn forward(&self, prediction: Tensor<4>, target: Tensor<4>, progress: f64) -> Tensor<1> {
        match *self {
            Self::Mse => MseLoss::new().forward(prediction, target, Reduction::Mean),
            Self::L1 => LpLossConfig::l1().forward(prediction, target, Reduction::Mean),
            Self::Huber { delta } => HuberLossConfig::new(delta as f32).init().forward(
                prediction,
                target,
                Reduction::Mean,
            ),
            Self::SmoothL1 { beta } => SmoothL1LossConfig::new()
                .with_beta(beta as f32)
                .init()
                .forward_with_reduction(prediction, target, Reduction::Mean),
            Self::Charbonnier { eps } => {
                let r = prediction - target;
                (r.clone() * r + eps * eps).sqrt().mean()
            }
            Self::LogCosh => {
                // log cosh r = |r| + log(1 + e^(−2|r|)) − log 2, stable for large |r|.
                let a = (prediction - target).abs();
                (a.clone() + (a * -2.0).exp().log1p() - std::f64::consts::LN_2).mean()
            }
            Self::L0 { gamma } => {
                let g = self.l0_gamma(gamma, progress);
                ((prediction - target).abs() + 1e-8).powf_scalar(g).mean()
            }
        }
    }

    fn l0_gamma(&self, gamma: f64, progress: f64) -> f64 {
        gamma * (1.0 - progress.clamp(0.0, 1.0))
    }

    /// What the loss converges to per pixel: "mean", "median", or a description.
    pub fn optimum(&self) -> &'static str {
        match self {
            Self::Mse => "conditional mean",
            Self::L1 | Self::Charbonnier { .. } => "conditional median",
            Self::Huber { .. } | Self::SmoothL1 { .. } | Self::LogCosh => "between mean and median",
            Self::L0 { .. } => "conditional mode (annealed)",
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, TensorData};

    use super::*;

    fn t(values: &[f32], device: &Device) -> Tensor<4> {
        Tensor::from_data(
            TensorData::new(values.to_vec(), [1, 1, 1, values.len()]),
            device,
        )
    }

    fn value(spec: &str, pred: &[f32], target: &[f32], progress: f64) -> f64 {
        let device = Device::flex();
        let l: LossSpec = spec.parse().unwrap();
        let out = l.forward(t(pred, &device), t(target, &device), progress);
        f64::from(out.into_data().try_to_vec::<f32>().unwrap()[0])
    }

    #[track_caller]
    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-6 * b.abs().max(1.0), "{a} vs {b}");
    }

    #[test]
    fn hand_computed_values() {
        // Residuals r = 0.5, −2, 3 (prediction − target).
        let p = [0.5, 0.0, 4.0];
        let y = [0.0, 2.0, 1.0];
        close(value("mse", &p, &y, 0.0), (0.25 + 4.0 + 9.0) / 3.0);
        close(value("l1", &p, &y, 0.0), (0.5 + 2.0 + 3.0) / 3.0);
        // Huber δ = 1: ½·0.25, 1·(2 − ½), 1·(3 − ½).
        close(value("huber:1", &p, &y, 0.0), (0.125 + 1.5 + 2.5) / 3.0);
        // Huber δ = 2.5: ½·0.25, ½·4, 2.5·(3 − 1.25).
        close(value("huber:2.5", &p, &y, 0.0), (0.125 + 2.0 + 4.375) / 3.0);
        // Smooth L1 β = 1: ½·0.25/1, 2 − ½, 3 − ½ (= Huber δ=1 / β).
        close(value("smooth-l1:1", &p, &y, 0.0), (0.125 + 1.5 + 2.5) / 3.0);
        // Smooth L1 β = 4: ½r²/4 for all three.
        close(
            value("smooth-l1:4", &p, &y, 0.0),
            (0.25 + 4.0 + 9.0) / 8.0 / 3.0,
        );
        let ch = |r: f64| (r * r + 0.01f64).sqrt();
        close(
            value("charbonnier:0.1", &p, &y, 0.0),
            (ch(0.5) + ch(2.0) + ch(3.0)) / 3.0,
        );
        let lc = |r: f64| r.cosh().ln();
        close(
            value("log-cosh", &p, &y, 0.0),
            (lc(0.5) + lc(2.0) + lc(3.0)) / 3.0,
        );
        // l0 at the start is (|r|+1e-8)², at half-way (|r|+1e-8)¹.
        close(value("l0", &p, &y, 0.0), (0.25 + 4.0 + 9.0) / 3.0);
        close(value("l0", &p, &y, 0.5), (0.5 + 2.0 + 3.0) / 3.0);
    }

    #[test]
    fn huber_is_half_square_below_delta_and_linear_above() {
        let delta = 0.3f64;
        for r in [0.05f32, 0.2, 0.29, 0.31, 0.5, 2.0] {
            let got = value("huber:0.3", &[r], &[0.0], 0.0);
            let r = f64::from(r);
            let want = if r <= delta {
                0.5 * r * r
            } else {
                delta * (r - delta / 2.0)
            };
            close(got, want);
        }
    }

    #[test]
    fn log_cosh_is_stable_for_large_residuals() {
        // log cosh 100 = 100 − log 2 to double precision; a naive cosh would overflow f32.
        close(
            value("log-cosh", &[100.0], &[0.0], 0.0),
            100.0 - std::f64::consts::LN_2,
        );
    }

    /// The gradient of the mean loss with respect to each prediction, times n (per-sample).
    fn per_sample_grad(spec: &str, residuals: &[f32]) -> Vec<f32> {
        let device = Device::flex().autodiff();
        let n = residuals.len() as f32;
        let p = t(residuals, &device).require_grad();
        let y = t(&vec![0.0; residuals.len()], &device);
        let loss: LossSpec = spec.parse().unwrap();
        let grads = loss.forward(p.clone(), y, 0.0).backward();
        let g = p
            .grad(&grads)
            .unwrap()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        g.into_iter().map(|v| v * n).collect()
    }

    #[test]
    fn bounded_gradients_stay_bounded_and_mse_does_not() {
        let r = [-1000.0f32, -3.0, -0.1, 0.1, 3.0, 1000.0];
        for spec in ["l1", "huber:1", "smooth-l1:1", "charbonnier", "log-cosh"] {
            for g in per_sample_grad(spec, &r) {
                assert!(g.abs() <= 1.0 + 1e-5, "{spec}: per-sample gradient {g}");
            }
        }
        let g = per_sample_grad("l1", &r);
        assert_eq!(g, vec![-1.0, -1.0, -1.0, 1.0, 1.0, 1.0]);
        let g = per_sample_grad("mse", &r);
        assert!(
            (g[5] - 2000.0).abs() < 1e-2,
            "mse grows with the residual: {}",
            g[5]
        );
    }

    /// Fits one constant c to samples by gradient descent on each loss: MSE lands on the mean,
    /// L1 on the median (0 of {0, 0, 0, 1, 10}; mean 2.2).
    #[test]
    fn constant_fit_lands_on_mean_or_median() {
        let samples = [0.0f32, 0.0, 0.0, 1.0, 10.0];
        let fit = |spec: &str, lr: f32, steps: usize| {
            let device = Device::flex().autodiff();
            let loss: LossSpec = spec.parse().unwrap();
            let y = t(&samples, &device);
            let mut c = 5.0f32;
            for k in 0..steps {
                let p = t(&[c; 5], &device).require_grad();
                let grads = loss.forward(p.clone(), y.clone(), 0.0).backward();
                let g: f32 = p
                    .grad(&grads)
                    .unwrap()
                    .into_data()
                    .try_to_vec::<f32>()
                    .unwrap()
                    .iter()
                    .sum();
                // A decaying step lets the subgradient method settle on the median.
                c -= lr / (1.0 + k as f32 * 0.05) * g;
            }
            c
        };
        let mean = fit("mse", 0.1, 300);
        assert!((mean - 2.2).abs() < 1e-3, "mse fit {mean}");
        let median = fit("l1", 0.5, 2000);
        assert!(median.abs() < 0.02, "l1 fit {median}");
    }

    #[test]
    fn spellings_and_errors() {
        for s in [
            "mse",
            "l1",
            "huber:0.05",
            "smooth-l1:0.5",
            "charbonnier:0.001",
            "log-cosh",
            "l0:2",
        ] {
            assert_eq!(s.parse::<LossSpec>().unwrap().to_string(), s);
        }
        for bad in ["huber:0", "huber:-1", "huber:x", "mse:2", "l3", ""] {
            let e = bad.parse::<LossSpec>().unwrap_err().to_string();
            assert!(e.contains("expected one of mse, l1"), "{bad}: {e}");
        }
    }
}
