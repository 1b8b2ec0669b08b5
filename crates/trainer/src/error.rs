//! The one error type of the trainer library, and the kind of each error: what went wrong for the
//! user (a bad setting, unusable input, an output that cannot be written, a diverged or interrupted
//! run), which the binary turns into its exit code.

use std::fmt;
use std::path::PathBuf;

use denoise_data::DataError;
use denoise_metrics::MetricsError;
use denoise_model::ModelError;
use thiserror::Error;

/// What kind of failure an error is, for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A bad flag, value, config file or folder argument.
    Usage,
    /// An input image, folder, checkpoint or model cannot be used.
    BadInput,
    /// The output cannot be written (read-only or full disk, file-size limit).
    Output,
    /// Training produced non-finite numbers.
    Diverged,
    /// Stopped by a signal after writing a checkpoint.
    Interrupted,
    /// Anything else (a device that fails, an internal error).
    Other,
}

/// Everything that can go wrong in training, evaluation and the run folder.
#[derive(Debug, Error)]
pub enum Error {
    /// A bad flag, value, config file or folder argument: the message names the flag and what is
    /// accepted.
    #[error("{0}")]
    Usage(String),
    /// A damaged or incompatible input file that is not an image: a checkpoint, a model, a run's
    /// record.
    #[error("{0}")]
    BadInput(String),
    /// The output cannot be written: the message names the folder and the fix.
    #[error("{0}")]
    Output(String),
    /// A device or backend that cannot be used, or an internal failure.
    #[error("{0}")]
    Other(String),
    /// Training produced a non-finite number.
    #[error(transparent)]
    Diverged(#[from] Diverged),
    /// Training stopped on a signal after writing a checkpoint.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
    /// A signal stopped an evaluation or a denoising pass between two tiles or images.
    #[error("{0} received before every image was processed (nothing more was written)")]
    Stopped(&'static str),
    /// Images, specs and datasets.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A metric that cannot be computed.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// A model config that cannot be built.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A file operation.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Writing or reading JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
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

impl From<denoise_data::SpecError> for Error {
    fn from(e: denoise_data::SpecError) -> Self {
        Self::Data(e.into())
    }
}

/// The trainer's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whether an I/O error can only come from writing (read-only or full disk, file too large).
pub fn is_output_io(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ReadOnlyFilesystem | StorageFull | QuotaExceeded | FileTooLarge
    )
}

impl Error {
    /// A usage error (a bad flag, value or config file) with `message`.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }

    /// A bad-input error (a damaged checkpoint, model or record) with `message`.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::BadInput(message.into())
    }

    /// An output error (the output cannot be written) with `message`.
    pub fn output(message: impl Into<String>) -> Self {
        Self::Output(message.into())
    }

    /// The kind of failure: the innermost classified one behind any context.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Usage(_) => ErrorKind::Usage,
            Self::BadInput(_) => ErrorKind::BadInput,
            Self::Output(_) => ErrorKind::Output,
            Self::Other(_) | Self::Metrics(_) | Self::Json(_) => ErrorKind::Other,
            Self::Model(_) => ErrorKind::Usage,
            Self::Diverged(_) => ErrorKind::Diverged,
            Self::Interrupted(_) | Self::Stopped(_) => ErrorKind::Interrupted,
            Self::Data(d) => data_kind(d),
            Self::Io(e) if is_output_io(e) => ErrorKind::Output,
            Self::Io(_) => ErrorKind::Other,
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

/// The kind of a data error: bad settings are usage, unwritable files output, the rest input.
pub fn data_kind(d: &DataError) -> ErrorKind {
    if d.is_usage() {
        ErrorKind::Usage
    } else if d.is_output() {
        ErrorKind::Output
    } else {
        ErrorKind::BadInput
    }
}

/// `.context(…)` and `.with_context(|| …)` on results whose error converts into [`Error`](enum@Error).
pub trait Context<T> {
    /// Says what was being done when the error happened.
    fn context(self, context: impl Into<String>) -> Result<T>;
    /// [`Context::context`] with the text made only on error.
    fn with_context<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|e| e.into().context(context))
    }

    fn with_context<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| e.into().context(context()))
    }
}

/// Training produced a non-finite number.
#[derive(Debug, Clone, PartialEq)]
pub struct Diverged {
    /// The step (1-based) at which it was seen.
    pub step: u64,
    /// What was not finite ("the loss is NaN", ...).
    pub what: String,
    /// The base learning rate of the run.
    pub lr: f64,
    /// The newest good checkpoint, if any.
    pub last_good: Option<PathBuf>,
}

impl fmt::Display for Diverged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "training diverged at step {}: {}; lower --lr (now {:e}) or add --grad-clip 1.0",
            self.step, self.what, self.lr
        )?;
        match &self.last_good {
            Some(p) => write!(f, "; the last good checkpoint is {}", p.display()),
            None => write!(f, "; no checkpoint was written before it"),
        }
    }
}

impl std::error::Error for Diverged {}

/// Training stopped on a signal after writing a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    /// Steps completed and saved.
    pub step: u64,
    /// The run folder.
    pub run: PathBuf,
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "interrupted after step {}: a checkpoint is written; continue with `denoise train \
             --resume {}`",
            self.step,
            self.run.display()
        )
    }
}

impl std::error::Error for Interrupted {}

#[cfg(test)]
mod tests {
    use denoise_data::IoAction;

    use super::*;

    #[test]
    fn every_error_has_its_kind_through_context() {
        let wrapped = |e: Error| e.context("outer").context("outermost");
        assert_eq!(
            wrapped(Error::Usage("--lr".into())).kind(),
            ErrorKind::Usage
        );
        assert_eq!(
            wrapped(Error::BadInput("damaged".into())).kind(),
            ErrorKind::BadInput
        );
        assert_eq!(
            wrapped(Error::Output("read-only".into())).kind(),
            ErrorKind::Output
        );
        let div = Diverged {
            step: 3,
            what: "the loss is NaN".into(),
            lr: 1.0,
            last_good: None,
        };
        assert_eq!(wrapped(div.into()).kind(), ErrorKind::Diverged);
        let int = Interrupted {
            step: 4,
            run: "r".into(),
        };
        assert_eq!(wrapped(int.into()).kind(), ErrorKind::Interrupted);
        let decode = DataError::Decode {
            path: "a.png".into(),
            message: "bad".into(),
        };
        assert_eq!(wrapped(decode.into()).kind(), ErrorKind::BadInput);
        let full = DataError::Io {
            action: IoAction::Write,
            path: "m.csv".into(),
            source: std::io::Error::from(std::io::ErrorKind::StorageFull),
        };
        assert_eq!(wrapped(full.into()).kind(), ErrorKind::Output);
        let unreadable = DataError::Io {
            action: IoAction::Read,
            path: "a.png".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert_eq!(wrapped(unreadable.into()).kind(), ErrorKind::BadInput);
        let spec = "x".parse::<denoise_data::NoiseSpec>().unwrap_err();
        assert_eq!(
            wrapped(DataError::from(spec).into()).kind(),
            ErrorKind::Usage
        );
        assert_eq!(
            wrapped(Error::Other("other".into())).kind(),
            ErrorKind::Other
        );
        let too_large = std::io::Error::from(std::io::ErrorKind::FileTooLarge);
        assert_eq!(wrapped(too_large.into()).kind(), ErrorKind::Output);
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(wrapped(denied.into()).kind(), ErrorKind::Other);
    }

    #[test]
    fn context_is_shown_before_the_cause() {
        let e = Error::Usage("--lr -1: must be > 0".into()).context("run a");
        assert_eq!(e.to_string(), "run a");
        let cause = std::error::Error::source(&e).unwrap().to_string();
        assert_eq!(cause, "--lr -1: must be > 0");
    }
}
