//! Checks before training that the run folder can hold what the run will write: free disk space
//! for the checkpoints, and a file-size limit (`ulimit -f`) above the largest file. Finding this
//! out after an hour of training would cost the hour.

use std::path::Path;

use crate::error::{Error, Result};
use crate::run::checkpoint::KEEP;

/// What a run will write, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// Most bytes on disk at once.
    pub total: u64,
    /// The largest single file.
    pub largest_file: u64,
}

/// Bytes a run writes: `params` float parameters (running statistics included), `slots` optimizer
/// tensors per parameter (Adam 2, RMSProp 1, SGD with momentum 1, plain SGD 0), `steps` rows of
/// `metrics.csv` and `evaluations` rows of `validation.csv`.
///
/// At the peak, [`KEEP`] complete checkpoints and one being written exist beside the final model
/// (each checkpoint: weights, optimizer state, small JSON files); 64 KiB per file of headers and
/// 1 MiB for the small files are added.
pub fn footprint(params: u64, slots: u64, steps: u64, evaluations: u64) -> Footprint {
    const HEADER: u64 = 64 << 10;
    let model = params * 4 + HEADER;
    let optimizer = slots * params * 4 + HEADER;
    let metrics = steps * 96 + HEADER;
    let validation = evaluations * 256 + HEADER;
    let checkpoint = model + optimizer + HEADER;
    Footprint {
        total: (KEEP as u64 + 1) * checkpoint + model + metrics + validation + (1 << 20),
        largest_file: model.max(optimizer).max(metrics).max(validation),
    }
}

/// Fails when `available` bytes of disk or a file-size limit of `file_limit` bytes cannot hold
/// `need`, naming `dir` and the fix.
pub fn check_numbers(
    dir: &Path,
    need: Footprint,
    available: Option<u64>,
    file_limit: Option<u64>,
) -> Result<()> {
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    if let Some(free) = available
        && free < need.total
    {
        return Err(Error::output(format!(
            "--out {}: {:.1} MiB free on its disk, but this run needs about {:.1} MiB for its \
             checkpoints and logs; free some space or choose another --out",
            dir.display(),
            mib(free),
            mib(need.total)
        )));
    }
    if let Some(limit) = file_limit
        && limit < need.largest_file
    {
        return Err(Error::output(format!(
            "--out {}: the file-size limit (ulimit -f) is {limit} bytes, but this run writes files \
             of about {} bytes; raise the limit (ulimit -f unlimited)",
            dir.display(),
            need.largest_file
        )));
    }
    Ok(())
}

/// Free bytes for an unprivileged user on the filesystem holding `dir`, if it can be asked.
pub fn available_bytes(dir: &Path) -> Option<u64> {
    let s = rustix::fs::statvfs(dir).ok()?;
    Some(s.f_bavail.saturating_mul(s.f_frsize))
}

/// The soft file-size limit of this process, if there is one.
pub fn file_size_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Fsize).current
}

/// [`check_numbers`] with the real free space and limit of `dir`.
pub fn check(dir: &Path, need: Footprint) -> Result<()> {
    check_numbers(dir, need, available_bytes(dir), file_size_limit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprint_counts_three_checkpoints_and_the_final_model() {
        assert_eq!(
            KEEP, 2,
            "the expected totals below assume two kept checkpoints"
        );
        let f = footprint(1000, 2, 10, 2);
        let model = 4000 + 65536;
        let optim = 8000 + 65536;
        let ckpt = model + optim + 65536;
        let total = 3 * ckpt + model + (960 + 65536) + (512 + 65536) + (1 << 20);
        assert_eq!(f.total, total);
        assert_eq!(f.largest_file, optim);
        // A long run's metrics.csv outgrows Adam's state of a small model.
        let long = footprint(1000, 2, 100, 2);
        assert_eq!(long.largest_file, 9600 + 65536);
    }

    #[test]
    fn too_little_space_or_a_low_file_limit_is_an_output_error() {
        let need = Footprint {
            total: 10 << 20,
            largest_file: 1 << 20,
        };
        let dir = Path::new("runs/x");
        assert!(check_numbers(dir, need, Some(11 << 20), Some(2 << 20)).is_ok());
        assert!(check_numbers(dir, need, None, None).is_ok());
        let e = check_numbers(dir, need, Some(5 << 20), None).unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::Output);
        let m = e.to_string();
        assert!(m.contains("runs/x") && m.contains("5.0 MiB free"), "{m}");
        let e = check_numbers(dir, need, None, Some(1000)).unwrap_err();
        assert!(e.to_string().contains("ulimit -f"), "{e}");
    }

    #[test]
    fn the_real_numbers_can_be_read() {
        let dir = tempfile::tempdir().unwrap();
        assert!(available_bytes(dir.path()).is_some_and(|b| b > 0));
    }
}
