//! The report of a grid: `report.html` (self-contained: inline SVG charts, embedded PNGs), image
//! grids as PNG files, and `results.json` / `results.csv` for scripts.

pub mod charts;
pub mod font;
pub mod grid;
pub mod html;
pub mod tables;

use std::path::{Path, PathBuf};

use denoise_data::write_bytes_atomically;

use crate::error::{Error, Result};
use crate::result::{RunResult, find_results};
use crate::verdict::{Claim, verdicts};

/// A run's result with the folder holding its sample images.
#[derive(Debug, Clone)]
pub struct ReportRun {
    /// The result.
    pub result: RunResult,
    /// Its folder.
    pub dir: PathBuf,
}

/// Collects the runs of one or more grid folders (a run found twice is taken once).
pub fn collect(dirs: &[PathBuf]) -> Result<Vec<ReportRun>> {
    let mut runs: Vec<ReportRun> = Vec::new();
    for d in dirs {
        let found = find_results(d)?;
        if found.is_empty() {
            return Err(Error::Usage(format!(
                "{}: no runs with a result.json here; give the --out folders of `denoise experiment` \
                 or `denoise compare` runs",
                d.display()
            )));
        }
        for dir in found {
            let result = RunResult::load(&dir)?;
            if !runs.iter().any(|r| r.result.id == result.id) {
                runs.push(ReportRun { result, dir });
            }
        }
    }
    runs.sort_by(|a, b| a.result.id.cmp(&b.result.id));
    Ok(runs)
}

/// Writes the report of `runs` into `out`; returns the claims.
pub fn write(out: &Path, title: &str, runs: &[ReportRun]) -> Result<Vec<Claim>> {
    std::fs::create_dir_all(out.join("grids")).map_err(|e| {
        Error::from(e).context(format!("cannot create {}", out.join("grids").display()))
    })?;
    let results: Vec<RunResult> = runs.iter().map(|r| r.result.clone()).collect();
    let claims = verdicts(&results);
    write_bytes_atomically(&out.join("results.csv"), tables::csv(&results).as_bytes())?;
    write_bytes_atomically(
        &out.join("results.json"),
        serde_json::to_string_pretty(&tables::Json {
            claims: claims.clone(),
            runs: results.clone(),
        })?
        .as_bytes(),
    )?;
    let grids = grid::build_all(runs)?;
    for g in &grids {
        write_bytes_atomically(&out.join("grids").join(format!("{}.png", g.slug)), &g.png)?;
    }
    let page = html::page(title, runs, &claims, &grids)?;
    write_bytes_atomically(&out.join("report.html"), page.as_bytes())?;
    Ok(claims)
}
