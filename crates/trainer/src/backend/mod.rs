//! The one place where a burn backend and device are chosen.
//!
//! `--backend auto` takes a hardware GPU through wgpu (a discrete GPU first, then an integrated
//! one) and otherwise `flex`, burn 0.22's fast pure-Rust CPU backend. It never takes a software
//! adapter (lavapipe, SwiftShader, WARP report themselves as CPU) on its own: those are slower than
//! flex. `ndarray` is deprecated in burn 0.22 and trains far slower; it stays selectable.
//! `--backend wgpu` takes the best adapter there is, software ones included (that is how CI runs
//! the GPU path on Mesa's lavapipe). `WGPU_ADAPTER_NAME` narrows both to adapters whose name
//! contains its value. The decision is [`adapters::resolve`], a pure function of the adapter list.

mod adapters;

use std::fmt;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

pub use adapters::{
    ADAPTER_NAME_VAR, Adapter, AdapterKind, NO_ADAPTER_HELP, Resolution, adapter_name_filter,
    adapter_warning, auto_pick, mesa_version, resolve, wgpu_adapters,
};

use crate::error::{Error, Result};

/// What `--backend` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum BackendChoice {
    /// A hardware GPU through wgpu if there is one, else flex.
    #[default]
    Auto,
    /// wgpu (Vulkan, Metal, DX12), any adapter including software ones.
    Wgpu,
    /// burn's pure-Rust CPU backend.
    Flex,
    /// burn's ndarray CPU backend (deprecated upstream, slow to train).
    Ndarray,
}

impl fmt::Display for BackendChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::Auto => "auto",
            Self::Wgpu => "wgpu",
            Self::Flex => "flex",
            Self::Ndarray => "ndarray",
        };
        f.write_str(s)
    }
}

/// A chosen device, with a line saying what it is.
#[derive(Debug, Clone)]
pub struct Selected {
    /// The burn device (without autodiff).
    pub device: Device,
    /// The backend actually used (never `Auto`).
    pub backend: BackendChoice,
    /// Human-readable description, e.g. "flex (CPU, 2 threads, avx512 kernels)".
    pub description: String,
    /// A known problem of the chosen adapter, for the user to see ([`adapter_warning`]).
    pub warning: Option<String>,
}

/// Threads of the CPU backends: `RAYON_NUM_THREADS` when set to a positive number, else every
/// core.
pub fn cpu_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn flex() -> Result<Selected> {
    #[cfg(feature = "flex")]
    {
        Ok(Selected {
            device: Device::flex(),
            backend: BackendChoice::Flex,
            description: format!(
                "flex (CPU, {} threads, {} kernels)",
                cpu_threads(),
                denoise_kernels::conv3x3::isa_name()
            ),
            warning: None,
        })
    }
    #[cfg(not(feature = "flex"))]
    Err(Error::Usage(
        "--backend flex: this build has no flex backend; rebuild with `--features flex`".into(),
    ))
}

fn ndarray() -> Result<Selected> {
    #[cfg(feature = "ndarray")]
    {
        #[allow(deprecated)]
        let device = Device::ndarray();
        Ok(Selected {
            device,
            backend: BackendChoice::Ndarray,
            description: format!(
                "ndarray (CPU, {} threads; deprecated in burn 0.22 and slow to train — flex is faster)",
                cpu_threads()
            ),
            warning: None,
        })
    }
    #[cfg(not(feature = "ndarray"))]
    Err(Error::Usage(
        "--backend ndarray: this build has no ndarray backend; rebuild with `--features ndarray`"
            .into(),
    ))
}

#[cfg(feature = "wgpu")]
fn wgpu_device(kind: AdapterKind, index: usize) -> Result<Device> {
    use burn::tensor::DeviceKind;
    Ok(Device::wgpu(match kind {
        AdapterKind::Discrete => DeviceKind::DiscreteGpu(index),
        AdapterKind::Integrated => DeviceKind::IntegratedGpu(index),
        AdapterKind::Virtual => DeviceKind::VirtualGpu(index),
        AdapterKind::Cpu => DeviceKind::Cpu,
        AdapterKind::Other => DeviceKind::DefaultDevice,
    }))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_device(_kind: AdapterKind, _index: usize) -> Result<Device> {
    Err(Error::Usage(
        "--backend wgpu: this build has no wgpu backend; rebuild with `--features wgpu`".into(),
    ))
}

/// Resolves `choice` to a device, checking that wgpu has an adapter before using it.
pub fn select(choice: BackendChoice) -> Result<Selected> {
    let adapters = match choice {
        BackendChoice::Wgpu | BackendChoice::Auto => wgpu_adapters(),
        _ => Vec::new(),
    };
    let name = adapter_name_filter();
    match resolve(choice, &adapters, cfg!(feature = "wgpu"), name.as_deref()) {
        Resolution::Flex => flex().or_else(|e| {
            if choice == BackendChoice::Auto {
                ndarray()
            } else {
                Err(e)
            }
        }),
        Resolution::Ndarray => ndarray(),
        Resolution::NoAdapter(why) => Err(Error::Usage(format!("--backend wgpu: {why}"))),
        Resolution::Wgpu {
            kind,
            index,
            adapter,
        } => Ok(Selected {
            warning: adapter_warning(&adapter),
            device: wgpu_device(kind, index)?,
            backend: BackendChoice::Wgpu,
            description: format!(
                "wgpu ({}: {} [{:?}], driver {}{})",
                adapter.api,
                adapter.name,
                adapter.kind,
                adapter.driver,
                if choice == BackendChoice::Auto {
                    ", chosen by auto"
                } else {
                    ""
                }
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_backends_resolve() {
        assert_eq!(
            select(BackendChoice::Flex).unwrap().backend,
            BackendChoice::Flex
        );
        assert_eq!(
            select(BackendChoice::Ndarray).unwrap().backend,
            BackendChoice::Ndarray
        );
    }
}
