//! Global gradient norm (for the log) and clipping by it (as PyTorch's `clip_grad_norm_`).

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

struct SquaredNorm<'a> {
    grads: &'a GradientsParams,
    total: Option<Tensor<1>>,
}

impl ModuleVisitor for SquaredNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.get::<D>(param.id) {
            let s = (g.clone() * g).sum();
            self.total = Some(match self.total.take() {
                Some(t) => t + s,
                None => s,
            });
        }
    }
}

struct Scale<'a> {
    grads: &'a mut GradientsParams,
    factor: f64,
}

impl ModuleVisitor for Scale<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.remove::<D>(param.id) {
            self.grads.register(param.id, g * self.factor);
        }
    }
}

/// The L2 norm of all gradients of `module` together (one read from the device).
pub fn global_norm<M: Module>(module: &M, grads: &GradientsParams) -> f64 {
    let mut v = SquaredNorm { grads, total: None };
    module.visit(&mut v);
    v.total
        .map(|t| f64::from(t.into_scalar::<f32>()).sqrt())
        .unwrap_or(0.0)
}

/// Scales every gradient so the global norm is at most `max_norm`; returns the norm before.
pub fn clip_global_norm<M: Module>(module: &M, grads: &mut GradientsParams, max_norm: f64) -> f64 {
    let norm = global_norm(module, grads);
    if norm.is_finite() && norm > max_norm {
        let mut s = Scale {
            grads,
            factor: max_norm / (norm + 1e-6),
        };
        module.visit(&mut s);
    }
    norm
}
