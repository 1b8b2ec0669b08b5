//! What `denoise devices` reports, and the message when `--backend wgpu` finds no driver.

use std::os::unix::fs::PermissionsExt;

use crate::util::{denoise_with_env, stderr};

/// Environment that hides every Vulkan driver from the Vulkan loader (old and new variable
/// names), as on a machine where none is installed.
const NO_DRIVER: [(&str, &str); 2] = [
    ("VK_ICD_FILENAMES", "/nonexistent/no-driver.json"),
    ("VK_DRIVER_FILES", "/nonexistent/no-driver.json"),
];

#[test]
fn wgpu_without_a_driver_fails_with_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let o = denoise_with_env(
        &[
            "train",
            "--backend",
            "wgpu",
            "--steps",
            "1",
            "--quiet",
            "--out",
            "r",
        ],
        dir.path(),
        &NO_DRIVER,
    );
    let e = stderr(&o);
    assert!(!o.status.success(), "wgpu without a driver succeeded:\n{e}");
    for needle in [
        "--backend wgpu",
        "mesa-vulkan-drivers",
        "libvulkan1",
        "NVIDIA",
        "macOS",
        "--backend flex",
    ] {
        assert!(e.contains(needle), "stderr lacks '{needle}':\n{e}");
    }
    assert!(!e.contains("panicked"), "{e}");

    let o = denoise_with_env(&["devices"], dir.path(), &NO_DRIVER);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("  none."), "{out}");
    assert!(
        out.contains("--backend auto takes: flex (CPU)"),
        "auto falls back to flex:\n{out}"
    );
    assert!(
        out.contains("--backend wgpu takes: nothing"),
        "wgpu has nothing to take:\n{out}"
    );
}

#[test]
fn devices_lists_adapters_and_auto_never_takes_a_software_one() {
    let dir = tempfile::tempdir().unwrap();
    let o = denoise_with_env(&["devices"], dir.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("CPU backends:") && out.contains("flex"),
        "{out}"
    );
    let hardware = out.contains("[Discrete]") || out.contains("[Integrated]");
    let auto = out
        .lines()
        .find(|l| l.starts_with("--backend auto takes:"))
        .unwrap_or_else(|| panic!("no auto line:\n{out}"));
    if hardware {
        assert!(auto.contains("wgpu on"), "{out}");
    } else {
        assert!(auto.contains("flex (CPU)"), "{out}");
    }
    if std::env::var_os("DENOISE_SKIP_WGPU").is_none() {
        // CI has lavapipe: it is listed as a software adapter and taken only by --backend wgpu.
        assert!(
            out.contains("--backend wgpu takes: wgpu on"),
            "no wgpu adapter listed (install mesa-vulkan-drivers libvulkan1, or set \
             DENOISE_SKIP_WGPU=1):\n{out}"
        );
        if !hardware {
            assert!(out.contains("[Cpu]") && out.contains("(software"), "{out}");
        }
    }
}

/// `scripts/gpu_check.sh run` (the check for the lent GPU machine) on a machine without a GPU:
/// with everything prepared but no hardware adapter (here no Vulkan driver at all), it stops with
/// exit 3 and says why before it trains or times anything; with nothing prepared, exit 2.
#[test]
fn gpu_check_without_a_gpu_stops_cleanly() {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/gpu_check.sh");
    let dir = tempfile::tempdir().unwrap();
    let gpu = dir.path().join("prepared");
    let out = dir.path().join("out");
    let check = |prepared: &std::path::Path| {
        std::process::Command::new("bash")
            .arg(&script)
            .arg("run")
            .env("GPU_CHECK_DIR", prepared)
            .env("OUT", &out)
            .env_remove("GPU_CHECK_ALLOW_SOFTWARE")
            .envs(NO_DRIVER)
            .output()
            .unwrap()
    };
    let o = check(&gpu);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not prepared"), "{}", stderr(&o));

    std::fs::create_dir_all(&gpu).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_denoise"), gpu.join("denoise")).unwrap();
    // Never reached: the check stops at the devices step.
    let tests = gpu.join("trainer-tests");
    std::fs::write(&tests, "#!/bin/sh\nexit 99\n").unwrap();
    std::fs::set_permissions(&tests, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(gpu.join("flex-reference.csv"), "step,psnr\n120,23.7\n").unwrap();
    let o = check(&gpu);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(
        e.contains("no hardware GPU adapter") || e.contains("no Vulkan loader"),
        "{e}"
    );
    assert!(!out.join("bench-wgpu.json").exists(), "it timed something");
}
