//! Progress on the terminal: one indicatif bar for the run (loss, patches/s, ETA) when stderr is a
//! terminal; plain lines at each evaluation otherwise; nothing with `--quiet`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// How a run reports progress.
pub struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Progress {
    /// A reporter for `total` steps starting at `start`.
    pub fn new(total: u64, start: u64, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30.cyan/blue} {pos}/{len} steps  {msg}  [{elapsed_precise} < {eta}]",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_position(start);
            bar
        });
        Self { bar, quiet }
    }

    /// After each step.
    pub fn step(&self, step: u64, loss: f64, patches_per_s: f64) {
        if let Some(bar) = &self.bar {
            bar.set_position(step);
            bar.set_message(format!("loss {loss:.5}  {patches_per_s:.0} patches/s"));
        }
    }

    /// A line that must be seen (evaluations, checkpoints), above the bar or on stderr.
    pub fn line(&self, text: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
