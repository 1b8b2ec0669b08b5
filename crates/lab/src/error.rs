//! The one error type of the lab crate: the trainer's errors, and what grids and reports add.

use denoise_trainer::ErrorKind;
use thiserror::Error;

/// What can go wrong while planning, running and reporting experiments.
#[derive(Debug, Error)]
pub enum Error {
    /// Training, evaluation, run folders, data.
    #[error(transparent)]
    Train(#[from] denoise_trainer::Error),
    /// A bad argument: a folder that holds no runs, too few runs to compare.
    #[error("{0}")]
    Usage(String),
    /// A run's result or sample image that cannot be read.
    #[error("{0}")]
    BadInput(String),
    /// Drawing a chart failed.
    #[error("{0}")]
    Chart(String),
    /// What was being done when `source` happened.
    #[error("{context}")]
    Context {
        /// What was being done.
        context: String,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },
}

/// The lab's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The kind of failure, as the trainer classifies its own.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Train(e) => e.kind(),
            Self::Usage(_) => ErrorKind::Usage,
            Self::BadInput(_) => ErrorKind::BadInput,
            Self::Chart(_) => ErrorKind::Other,
            Self::Context { source, .. } => source.kind(),
        }
    }

    /// `self` with `context` saying what was being done.
    pub fn context(self, context: impl Into<String>) -> Self {
        Self::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }
}

impl From<denoise_data::DataError> for Error {
    fn from(e: denoise_data::DataError) -> Self {
        Self::Train(e.into())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Train(e.into())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::Train(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_pass_through_context_and_the_trainer() {
        let e = Error::Usage("no runs".into()).context("report");
        assert_eq!(e.kind(), ErrorKind::Usage);
        let t = Error::from(denoise_trainer::Error::Output("full".into())).context("run a");
        assert_eq!(t.kind(), ErrorKind::Output);
        assert_eq!(Error::Chart("x".into()).kind(), ErrorKind::Other);
    }
}
