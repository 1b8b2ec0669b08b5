//! The graphics adapters wgpu sees and which one each `--backend` choice takes: [`resolve`], a
//! pure function of the adapter list, testable with made-up lists.

use crate::backend::BackendChoice;

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

/// The environment variable that restricts wgpu to adapters whose name contains its value
/// (case-insensitive), as in wgpu's own examples: `WGPU_ADAPTER_NAME="RTX 4090"`.
pub const ADAPTER_NAME_VAR: &str = "WGPU_ADAPTER_NAME";

/// What a backend choice resolves to, decided from the adapters alone (no device is touched):
/// the logic of `--backend`, testable with made-up adapter lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// wgpu on this adapter; `index` counts adapters *of its kind* (what burn's
    /// `DeviceKind::DiscreteGpu(index)` and friends mean).
    Wgpu {
        /// The adapter's kind.
        kind: AdapterKind,
        /// Its index among adapters of that kind.
        index: usize,
        /// The adapter.
        adapter: Adapter,
    },
    /// The flex CPU backend.
    Flex,
    /// The ndarray CPU backend.
    Ndarray,
    /// wgpu was asked for and no adapter fits: the message says why and what to do.
    NoAdapter(String),
}

fn matches_name(adapter: &Adapter, name: Option<&str>) -> bool {
    name.is_none_or(|n| {
        adapter
            .name
            .to_ascii_lowercase()
            .contains(&n.to_ascii_lowercase())
    })
}

fn wgpu_on(adapters: &[Adapter], position: usize) -> Resolution {
    let adapter = adapters[position].clone();
    let index = adapters[..position]
        .iter()
        .filter(|a| a.kind == adapter.kind)
        .count();
    Resolution::Wgpu {
        kind: adapter.kind,
        index,
        adapter,
    }
}

/// Which adapter `auto` takes from a list: the first discrete GPU, else the first integrated one,
/// among those whose name contains `name` when it is given. Software (CPU), virtual and unknown
/// adapters are never taken.
pub fn auto_pick(adapters: &[Adapter], name: Option<&str>) -> Option<Resolution> {
    [AdapterKind::Discrete, AdapterKind::Integrated]
        .into_iter()
        .find_map(|kind| {
            adapters
                .iter()
                .position(|a| a.kind == kind && matches_name(a, name))
        })
        .map(|p| wgpu_on(adapters, p))
}

/// Resolves `choice` against the adapters wgpu reports (`wgpu_compiled` says whether this build
/// has wgpu at all; `name` is the value of [`ADAPTER_NAME_VAR`]):
/// - `flex`, `ndarray`: themselves;
/// - `wgpu`: the best adapter there is — a hardware GPU first, else any other, software included
///   (lavapipe is how CI tests the GPU path) — or [`Resolution::NoAdapter`];
/// - `auto`: a hardware GPU ([`auto_pick`]), else flex.
pub fn resolve(
    choice: BackendChoice,
    adapters: &[Adapter],
    wgpu_compiled: bool,
    name: Option<&str>,
) -> Resolution {
    match choice {
        BackendChoice::Flex => Resolution::Flex,
        BackendChoice::Ndarray => Resolution::Ndarray,
        BackendChoice::Auto => auto_pick(adapters, name).unwrap_or(Resolution::Flex),
        BackendChoice::Wgpu if !wgpu_compiled => Resolution::NoAdapter(
            "this build has no wgpu backend; rebuild with `--features wgpu`".into(),
        ),
        BackendChoice::Wgpu => auto_pick(adapters, name)
            .or_else(|| {
                adapters
                    .iter()
                    .position(|a| matches_name(a, name))
                    .map(|p| wgpu_on(adapters, p))
            })
            .unwrap_or_else(|| match name {
                Some(n) if !adapters.is_empty() => Resolution::NoAdapter(format!(
                    "{ADAPTER_NAME_VAR}={n} matches none of the adapters ({}); unset it or \
                     name one of them (`denoise devices` lists them)",
                    adapters
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                _ => Resolution::NoAdapter(NO_ADAPTER_HELP.into()),
            }),
    }
}

/// The Mesa version of a driver string such as "Mesa 22.3.6 (LLVM 15.0.6)", as (major, minor).
pub fn mesa_version(driver: &str) -> Option<(u32, u32)> {
    let rest = &driver[driver.find("Mesa ")? + 5..];
    let mut parts = rest.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// A warning for adapters known to compute wrong results: Mesa's lavapipe before 25 (22.3.6 drops
/// part of every reduction over more than 2^18 elements, so batch-norm statistics and losses of
/// large batches come out wrong; 25.0.7 is right — the parity tests check it).
pub fn adapter_warning(adapter: &Adapter) -> Option<String> {
    let (major, minor) = mesa_version(&adapter.driver)?;
    (adapter.kind == AdapterKind::Cpu && major < 25).then(|| {
        format!(
            "{} runs on Mesa {major}.{minor}, whose lavapipe computes large reductions wrongly \
             (seen with 22.3.6); install Mesa >= 25 (Debian 12: `apt-get install -t \
             bookworm-backports mesa-vulkan-drivers`) or use --backend flex",
            adapter.name
        )
    })
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

/// The value of [`ADAPTER_NAME_VAR`], if set and not empty.
pub fn adapter_name_filter() -> Option<String> {
    std::env::var(ADAPTER_NAME_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
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

    fn picked(r: &Resolution) -> (AdapterKind, usize, &str) {
        match r {
            Resolution::Wgpu {
                kind,
                index,
                adapter,
            } => (*kind, *index, adapter.name.as_str()),
            other => panic!("expected a wgpu adapter, got {other:?}"),
        }
    }

    #[test]
    fn auto_prefers_discrete_then_integrated_and_never_software() {
        let lavapipe = a("llvmpipe", AdapterKind::Cpu);
        let igpu = a("Intel UHD", AdapterKind::Integrated);
        let dgpu = a("RTX", AdapterKind::Discrete);
        let auto = |list: &[Adapter]| resolve(BackendChoice::Auto, list, true, None);
        assert_eq!(auto(&[]), Resolution::Flex);
        assert_eq!(auto(std::slice::from_ref(&lavapipe)), Resolution::Flex);
        assert_eq!(
            auto(&[a("virgl", AdapterKind::Virtual), a("?", AdapterKind::Other)]),
            Resolution::Flex
        );
        let two = [lavapipe.clone(), igpu.clone()];
        assert_eq!(
            picked(&auto(&two)),
            (AdapterKind::Integrated, 0, "Intel UHD")
        );
        let three = [lavapipe, igpu, dgpu];
        assert_eq!(picked(&auto(&three)), (AdapterKind::Discrete, 0, "RTX"));
    }

    #[test]
    fn explicit_wgpu_takes_software_adapters_and_fails_clearly_without_any() {
        let list = [
            a("llvmpipe", AdapterKind::Cpu),
            a("virgl", AdapterKind::Virtual),
        ];
        let r = resolve(BackendChoice::Wgpu, &list[..1], true, None);
        assert_eq!(picked(&r), (AdapterKind::Cpu, 0, "llvmpipe"));
        // No GPU: the first adapter there is.
        let r = resolve(BackendChoice::Wgpu, &list, true, None);
        assert_eq!(picked(&r), (AdapterKind::Cpu, 0, "llvmpipe"));
        match resolve(BackendChoice::Wgpu, &[], true, None) {
            Resolution::NoAdapter(m) => {
                assert!(m.contains("mesa-vulkan-drivers") && m.contains("--backend flex"))
            }
            other => panic!("{other:?}"),
        }
        match resolve(BackendChoice::Wgpu, &list, false, None) {
            Resolution::NoAdapter(m) => assert!(m.contains("--features wgpu"), "{m}"),
            other => panic!("{other:?}"),
        }
        // The CPU backends never look at adapters.
        assert_eq!(
            resolve(BackendChoice::Ndarray, &list, true, None),
            Resolution::Ndarray
        );
        assert_eq!(
            resolve(BackendChoice::Flex, &list, true, None),
            Resolution::Flex
        );
    }

    #[test]
    fn adapter_name_picks_one_and_counts_the_index_within_its_kind() {
        let list = [
            a("NVIDIA RTX 3090", AdapterKind::Discrete),
            a("Intel Arc", AdapterKind::Integrated),
            a("NVIDIA RTX 4090", AdapterKind::Discrete),
            a("llvmpipe", AdapterKind::Cpu),
        ];
        let r = resolve(BackendChoice::Auto, &list, true, Some("4090"));
        assert_eq!(picked(&r), (AdapterKind::Discrete, 1, "NVIDIA RTX 4090"));
        let r = resolve(BackendChoice::Auto, &list, true, Some("arc"));
        assert_eq!(picked(&r), (AdapterKind::Integrated, 0, "Intel Arc"));
        // auto never takes software, even by name; --backend wgpu does.
        assert_eq!(
            resolve(BackendChoice::Auto, &list, true, Some("llvmpipe")),
            Resolution::Flex
        );
        let r = resolve(BackendChoice::Wgpu, &list, true, Some("LLVMPIPE"));
        assert_eq!(picked(&r), (AdapterKind::Cpu, 0, "llvmpipe"));
        match resolve(BackendChoice::Wgpu, &list, true, Some("radeon")) {
            Resolution::NoAdapter(m) => {
                assert!(
                    m.contains("WGPU_ADAPTER_NAME=radeon") && m.contains("RTX 4090"),
                    "{m}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn old_lavapipe_is_flagged_and_new_is_not() {
        assert_eq!(
            mesa_version("llvmpipe Mesa 22.3.6 (LLVM 15.0.6)"),
            Some((22, 3))
        );
        assert_eq!(
            mesa_version("llvmpipe Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)"),
            Some((25, 0))
        );
        assert_eq!(mesa_version("NVIDIA 550.54"), None);
        let mut old = a("llvmpipe (LLVM 15.0.6, 256 bits)", AdapterKind::Cpu);
        old.driver = "llvmpipe Mesa 22.3.6 (LLVM 15.0.6)".into();
        assert!(adapter_warning(&old).unwrap().contains("Mesa >= 25"));
        let mut new = old.clone();
        new.driver = "llvmpipe Mesa 25.0.7 (LLVM 15.0.6)".into();
        assert_eq!(adapter_warning(&new), None);
        let mut radv = a("AMD Radeon (RADV)", AdapterKind::Discrete);
        radv.driver = "radv Mesa 22.3.6".into();
        assert_eq!(adapter_warning(&radv), None, "only lavapipe is known bad");
    }
}
