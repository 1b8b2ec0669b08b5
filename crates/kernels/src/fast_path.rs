//! When the models take their own fast kernels ([`crate::conv3x3`], [`crate::batch_norm`]): f32
//! tensors on burn's flex backend, unless turned off for the process with [`set_enabled`].

use std::sync::atomic::{AtomicBool, Ordering};

use burn::backend::DispatchTensorKind;
use burn::tensor::{DType, Tensor};

/// Whether the fast kernels may be taken (on by default).
static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns the fast flex kernels on or off for the whole process (off: burn's stock operations
/// everywhere; for comparisons and benchmarks).
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// Whether the fast flex kernels are on.
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Whether a fast kernel should handle `x`: the kernels are on, `x` is f32 and lives on flex
/// (with or without autodiff).
pub fn applies_to<const D: usize>(x: &Tensor<D>) -> bool {
    fn is_flex(kind: &DispatchTensorKind) -> bool {
        match kind {
            DispatchTensorKind::Flex(_) => true,
            DispatchTensorKind::Autodiff(inner) => is_flex(inner),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }
    is_enabled() && x.dtype() == DType::F32 && is_flex(&x.clone().into_dispatch().kind)
}

/// Panics with a clear message when a kernel's buffer does not match its sizes (a caller bug,
/// not bad input: the burn glue derives the sizes from the tensors' shapes).
pub(crate) fn check_len(kernel: &str, what: &str, len: usize, expected: usize) {
    assert_eq!(
        len, expected,
        "{kernel}: {what} has {len} elements, the sizes need {expected}"
    );
}
