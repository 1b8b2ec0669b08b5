//! Progress on the terminal, as the training loop's [`Observer`]: one indicatif bar for the run
//! (loss, patches/s, ETA) when stderr is a terminal; plain lines at each evaluation otherwise;
//! nothing with `--quiet` but what must be seen. Stop requests come from the signal handlers.

use std::cell::RefCell;
use std::io::IsTerminal;

use denoise_trainer::train::Observer;
use indicatif::{ProgressBar, ProgressStyle};

use crate::signals;

/// How a command reports progress.
pub struct Progress {
    bar: RefCell<Option<ProgressBar>>,
    quiet: bool,
}

impl Progress {
    /// A reporter that shows progress unless `quiet`.
    pub fn new(quiet: bool) -> Self {
        Self {
            bar: RefCell::new(None),
            quiet,
        }
    }
}

impl Observer for Progress {
    fn started(&self, total: u64, start: u64) {
        if self.quiet || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30.cyan/blue} {pos}/{len} steps  {msg}  [{elapsed_precise} < {eta}]",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_position(start);
        *self.bar.borrow_mut() = Some(bar);
    }

    fn step(&self, step: u64, loss: f64, patches_per_s: f64) {
        if let Some(bar) = &*self.bar.borrow() {
            bar.set_position(step);
            bar.set_message(format!("loss {loss:.5}  {patches_per_s:.0} patches/s"));
        }
    }

    fn line(&self, text: &str) {
        if self.quiet {
            return;
        }
        match &*self.bar.borrow() {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn notice(&self, text: &str) {
        match &*self.bar.borrow() {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn finished(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }

    fn stop_requested(&self) -> Option<&'static str> {
        signals::requested()
    }
}
