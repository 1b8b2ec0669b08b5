//! The run's logs: `metrics.csv` (one row per step) and `validation.csv` (one row per evaluation,
//! the score columns of [`Scores`]), written whole under a temporary
//! name each time, and read back up to a step when a run resumes.

use std::io::Write;

use denoise_data::write_atomically;

use crate::error::{Context, Error, Result};
use crate::evaluate::{CsvPrecision, EvalSummary, Scores};
use crate::run::RunDir;

/// One row of `metrics.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    /// Steps completed.
    pub step: u64,
    /// Training loss of this step's batch.
    pub loss: f64,
    /// Learning rate used.
    pub lr: f64,
    /// Global gradient norm before clipping.
    pub grad_norm: f64,
    /// Loss of the current weights on a fixed probe batch (no training noise from sampling);
    /// measured over the last quarter of training, to show oscillation near the optimum.
    pub probe_loss: Option<f64>,
    /// How far this step moved the output on the probe batch: the root mean square over its
    /// pixels of the output after this step minus the output after the step before (range 1),
    /// over the last quarter of training but its first step. The same scale whatever the loss.
    pub probe_change: Option<f64>,
}

/// One row of `validation.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationRow {
    /// Steps completed.
    pub step: u64,
    /// Mean metrics.
    pub summary: EvalSummary,
}

const METRICS_HEADER: &str = "step,loss,lr,grad_norm,probe_loss,probe_change";

/// Writes `metrics.csv` with `rows`.
pub fn write_metrics(run: &RunDir, rows: &[StepRow]) -> Result<()> {
    write_atomically(&run.metrics(), |w| {
        writeln!(w, "{METRICS_HEADER}")?;
        for r in rows {
            let optional = |v: Option<f64>| v.map(|p| format!("{p:e}")).unwrap_or_default();
            writeln!(
                w,
                "{},{:e},{:e},{:e},{},{}",
                r.step,
                r.loss,
                r.lr,
                r.grad_norm,
                optional(r.probe_loss),
                optional(r.probe_change)
            )?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Writes `validation.csv`: the `earlier` rows as they were, then `rows`.
pub fn write_validation(run: &RunDir, earlier: &[String], rows: &[ValidationRow]) -> Result<()> {
    write_atomically(&run.validation(), |w| {
        writeln!(w, "step,{}", Scores::csv_header())?;
        for line in earlier {
            writeln!(w, "{line}")?;
        }
        for r in rows {
            writeln!(
                w,
                "{},{}",
                r.step,
                r.summary.mean.csv_fields(CsvPrecision::Full)
            )?;
        }
        Ok(())
    })?;
    Ok(())
}

/// The rows of an earlier `validation.csv` up to `step`, as text (for a resumed run).
pub fn read_validation_lines(run: &RunDir, up_to: u64) -> Result<Vec<String>> {
    let text = match std::fs::read_to_string(run.validation()) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).context("cannot read validation.csv"),
    };
    Ok(text
        .lines()
        .skip(1)
        .filter(|l| {
            l.split(',')
                .next()
                .and_then(|s| s.parse::<u64>().ok())
                .is_some_and(|s| s <= up_to)
        })
        .map(str::to_owned)
        .collect())
}

/// Reads the rows of an earlier `metrics.csv` up to `step` (for a resumed run).
pub fn read_metrics(run: &RunDir, up_to: u64) -> Result<Vec<StepRow>> {
    let text = match std::fs::read_to_string(run.metrics()) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).context("cannot read metrics.csv"),
    };
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let parse = |i: usize| -> Result<f64> {
            f.get(i)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| Error::BadInput(format!("metrics.csv: bad row '{line}'")))
        };
        let step = parse(0)? as u64;
        if step <= up_to {
            rows.push(StepRow {
                step,
                loss: parse(1)?,
                lr: parse(2)?,
                grad_norm: parse(3)?,
                probe_loss: f.get(4).and_then(|v| v.parse().ok()),
                probe_change: f.get(5).and_then(|v| v.parse().ok()),
            });
        }
    }
    Ok(rows)
}
