//! `denoise report merge`.

use std::process::ExitCode;

use anyhow::Result;
use denoise_lab::report;

use crate::args::ReportCommand;
use crate::commands::experiment::print_claims;

/// Builds one report from several grid folders.
pub fn run(command: &ReportCommand) -> Result<ExitCode> {
    match command {
        ReportCommand::Merge { dirs, out } => {
            let runs = report::collect(dirs)?;
            let claims = report::write(out, "denoise-lab report", &runs)?;
            print_claims(&claims);
            println!(
                "report: {} ({} runs)",
                out.join("report.html").display(),
                runs.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
