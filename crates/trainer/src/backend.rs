//! The one place where a burn backend and device are chosen.
//!
//! `--backend auto` takes a hardware GPU through wgpu (a discrete GPU first, then an integrated
//! one) and otherwise `flex`, burn 0.22's fast pure-Rust CPU backend. It never takes a software
//! adapter (lavapipe, SwiftShader, WARP report themselves as CPU) on its own: those are slower than
//! flex. `ndarray` is deprecated in burn 0.22 and trains far slower; it stays selectable.

use std::fmt;

use anyhow::{Result, bail};
use burn::tensor::Device;
use clap::ValueEnum;
use serde::{Deserialize, Serialize};

/// What `--backend` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, Serialize, Deserialize)]
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

/// The kind of a graphics adapter, as wgpu reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdapterKind {
    /// A GPU with its own memory.
    Discrete,
    /// A GPU sharing memory with the CPU.
    Integrated,
    /// A virtualised GPU.
    Virtual,
    /// A software renderer running on the CPU.
    Cpu,
    /// Unknown.
    Other,
}

/// One graphics adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adapter {
    /// The name the driver gives.
    pub name: String,
    /// Its kind.
    pub kind: AdapterKind,
    /// The graphics API (Vulkan, Metal, Dx12).
    pub api: String,
    /// The driver and its version, when known.
    pub driver: String,
}

/// A chosen device, with a line saying what it is.
#[derive(Debug, Clone)]
pub struct Selected {
    /// The burn device (without autodiff).
    pub device: Device,
    /// The backend actually used (never `Auto`).
    pub backend: BackendChoice,
    /// Human-readable description, e.g. "flex (CPU, 2 threads)".
    pub description: String,
}

/// Which adapter `auto` takes from a list: the first discrete GPU, else the first integrated one;
/// returns the index of that adapter *among adapters of its kind* (what wgpu's `DiscreteGpu(n)`
/// means). Software (CPU), virtual and unknown adapters are never taken.
pub fn auto_pick(adapters: &[Adapter]) -> Option<(AdapterKind, usize, &Adapter)> {
    for kind in [AdapterKind::Discrete, AdapterKind::Integrated] {
        if let Some(a) = adapters.iter().find(|a| a.kind == kind) {
            return Some((kind, 0, a));
        }
    }
    None
}

/// The adapters wgpu sees on this machine, for the first graphics API that has any (the same
/// order cubecl settles on: Vulkan, then Metal, then DX12). Empty without drivers.
#[cfg(feature = "wgpu")]
pub fn wgpu_adapters() -> Vec<Adapter> {
    for backend in [
        wgpu::Backend::Vulkan,
        wgpu::Backend::Metal,
        wgpu::Backend::Dx12,
    ] {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: backend.into(),
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        let found: Vec<Adapter> = pollster::block_on(instance.enumerate_adapters(backend.into()))
            .iter()
            .map(|a| {
                let info = a.get_info();
                Adapter {
                    name: info.name.clone(),
                    kind: match info.device_type {
                        wgpu::DeviceType::DiscreteGpu => AdapterKind::Discrete,
                        wgpu::DeviceType::IntegratedGpu => AdapterKind::Integrated,
                        wgpu::DeviceType::VirtualGpu => AdapterKind::Virtual,
                        wgpu::DeviceType::Cpu => AdapterKind::Cpu,
                        wgpu::DeviceType::Other => AdapterKind::Other,
                    },
                    api: format!("{:?}", info.backend),
                    driver: format!("{} {}", info.driver, info.driver_info)
                        .trim()
                        .to_owned(),
                }
            })
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// Without the `wgpu` feature there are no adapters.
#[cfg(not(feature = "wgpu"))]
pub fn wgpu_adapters() -> Vec<Adapter> {
    Vec::new()
}

/// What to install when wgpu finds no adapter.
pub const NO_ADAPTER_HELP: &str = "wgpu found no Vulkan, Metal or DX12 adapter. Install a driver: \
    Linux NVIDIA: the proprietary driver (nvidia-driver, with its Vulkan ICD) and libvulkan1; \
    Linux AMD/Intel: mesa-vulkan-drivers and libvulkan1; a CPU-only Linux machine can use \
    lavapipe (mesa-vulkan-drivers) but --backend flex is faster there; \
    macOS: Metal is built in (macOS 10.13+); Windows: a current GPU driver (DX12/Vulkan). \
    Check with `vulkaninfo --summary` (package vulkan-tools), or use --backend flex";

fn cpu_threads() -> usize {
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
            description: format!("flex (CPU, {} threads)", cpu_threads()),
        })
    }
    #[cfg(not(feature = "flex"))]
    bail!("--backend flex: this build has no flex backend; rebuild with `--features flex`")
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
        })
    }
    #[cfg(not(feature = "ndarray"))]
    bail!("--backend ndarray: this build has no ndarray backend; rebuild with `--features ndarray`")
}

#[cfg(feature = "wgpu")]
fn wgpu_device(kind: AdapterKind, index: usize) -> Device {
    use burn::tensor::DeviceKind;
    Device::wgpu(match kind {
        AdapterKind::Discrete => DeviceKind::DiscreteGpu(index),
        AdapterKind::Integrated => DeviceKind::IntegratedGpu(index),
        AdapterKind::Virtual => DeviceKind::VirtualGpu(index),
        AdapterKind::Cpu => DeviceKind::Cpu,
        AdapterKind::Other => DeviceKind::DefaultDevice,
    })
}

/// Resolves `choice` to a device, checking that wgpu has an adapter before using it.
pub fn select(choice: BackendChoice) -> Result<Selected> {
    match choice {
        BackendChoice::Flex => flex(),
        BackendChoice::Ndarray => ndarray(),
        BackendChoice::Wgpu => {
            #[cfg(feature = "wgpu")]
            {
                let adapters = wgpu_adapters();
                // An explicit wgpu choice takes the best adapter there is, software included.
                let pick = auto_pick(&adapters)
                    .map(|(k, i, a)| (k, i, a.clone()))
                    .or_else(|| adapters.first().map(|a| (a.kind, 0, a.clone())));
                let Some((kind, index, adapter)) = pick else {
                    bail!("--backend wgpu: {NO_ADAPTER_HELP}");
                };
                Ok(Selected {
                    device: wgpu_device(kind, index),
                    backend: BackendChoice::Wgpu,
                    description: format!(
                        "wgpu ({}: {} [{:?}], driver {})",
                        adapter.api, adapter.name, adapter.kind, adapter.driver
                    ),
                })
            }
            #[cfg(not(feature = "wgpu"))]
            bail!("--backend wgpu: this build has no wgpu backend; rebuild with `--features wgpu`")
        }
        BackendChoice::Auto => {
            #[cfg(feature = "wgpu")]
            {
                let adapters = wgpu_adapters();
                if let Some((kind, index, adapter)) = auto_pick(&adapters) {
                    return Ok(Selected {
                        device: wgpu_device(kind, index),
                        backend: BackendChoice::Wgpu,
                        description: format!(
                            "wgpu ({}: {} [{:?}], chosen by auto)",
                            adapter.api, adapter.name, adapter.kind
                        ),
                    });
                }
            }
            flex().or_else(|_| ndarray())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(name: &str, kind: AdapterKind) -> Adapter {
        Adapter {
            name: name.into(),
            kind,
            api: "Vulkan".into(),
            driver: String::new(),
        }
    }

    #[test]
    fn auto_prefers_discrete_then_integrated_and_never_software() {
        let lavapipe = a("llvmpipe", AdapterKind::Cpu);
        let igpu = a("Intel UHD", AdapterKind::Integrated);
        let dgpu = a("RTX", AdapterKind::Discrete);
        assert!(auto_pick(std::slice::from_ref(&lavapipe)).is_none());
        assert!(
            auto_pick(&[a("virgl", AdapterKind::Virtual), a("?", AdapterKind::Other)]).is_none()
        );
        let two = [lavapipe.clone(), igpu.clone()];
        let (k, i, pick) = auto_pick(&two).unwrap();
        assert_eq!(
            (k, i, pick.name.as_str()),
            (AdapterKind::Integrated, 0, "Intel UHD")
        );
        let three = [lavapipe, igpu, dgpu];
        let (k, _, pick) = auto_pick(&three).unwrap();
        assert_eq!((k, pick.name.as_str()), (AdapterKind::Discrete, "RTX"));
    }

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
