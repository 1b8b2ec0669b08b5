//! What a run tells the outside while it trains, and how the outside asks it to stop: the
//! [`Observer`] the caller passes in. The binary shows a progress bar and honours signals; tests
//! and library users pass [`Silent`].

/// Receives a run's progress and is asked, at every step boundary, whether to stop.
pub trait Observer {
    /// Training of `total` steps starts (or resumes) at step `start`.
    fn started(&self, _total: u64, _start: u64) {}
    /// A step is done: its loss and the training rate so far.
    fn step(&self, _step: u64, _loss: f64, _patches_per_s: f64) {}
    /// A progress line (each evaluation, resuming): for a user who asked for progress.
    fn line(&self, _text: &str) {}
    /// Something the user must see even without progress output (a skipped file, a stop).
    fn notice(&self, _text: &str) {}
    /// Training is over (finished, stopped or failed).
    fn finished(&self) {}
    /// Whether to stop at this step boundary, and why (the signal's name).
    fn stop_requested(&self) -> Option<&'static str> {
        None
    }
}

/// Shows nothing and never stops a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observer for Silent {}
