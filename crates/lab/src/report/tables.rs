//! `results.csv` and `results.json`.

use denoise_trainer::evaluate::{CsvPrecision, Scores};
use serde::{Deserialize, Serialize};

use crate::result::RunResult;
use crate::verdict::Claim;

/// The content of `results.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Json {
    /// Verdicts.
    pub claims: Vec<Claim>,
    /// Every run.
    pub runs: Vec<RunResult>,
}

/// The columns of `results.csv` before the scores (machine-independent: no timings).
const RUN_COLUMNS: &str = "id,experiments,loss,optim,labels,noise,eps,seed,lr,schedule";

/// The header of `results.csv`: the run's columns, every score, the loss spread.
pub fn csv_header() -> String {
    format!("{RUN_COLUMNS},{},loss_spread", Scores::csv_header())
}

/// `results.csv`, one row per run sorted by id.
pub fn csv(results: &[RunResult]) -> String {
    let mut rows: Vec<&RunResult> = results.iter().collect();
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = csv_header();
    out.push('\n');
    for r in rows {
        let [loss, optim, labels, noise, eps, seed, lr, schedule] =
            r.params.spelled().map(|(_, v)| v);
        out.push_str(&format!(
            "{},{},{loss},{optim},{labels},{noise},{eps},{seed},{lr},{schedule},{},{:.6}\n",
            r.id,
            r.experiments.join(";"),
            r.final_metrics.mean.csv_fields(CsvPrecision::Rounded),
            r.loss_spread
        ));
    }
    out
}
