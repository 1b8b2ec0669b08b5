//! Exit codes of the `denoise` binary and how an error maps to one: by the kind the libraries
//! give their errors ([`ErrorKind`]), found along the error's chain.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | any other failure (device, internal error) |
//! | 2 | usage: a bad flag or value, a bad `--config` file, a folder argument of the wrong kind, a `--backend` this build or machine cannot give |
//! | 3 | bad input data: an image or folder cannot be used, or a run's checkpoint or model is damaged |
//! | 4 | training diverged (non-finite loss, gradient or weights); the last good checkpoint is kept |
//! | 5 | the output cannot be written: read-only or full disk, file-size limit |
//! | 130 | interrupted by Ctrl-C (SIGINT) or SIGTERM/SIGHUP after writing a checkpoint |
//!
//! clap's own errors (unknown flag, value that does not parse) also exit with 2.

use std::fmt;
use std::process::ExitCode;

use denoise_data::DataError;
use denoise_trainer::ErrorKind;
use denoise_trainer::error::{data_kind, is_output_io};

/// The exit codes, as documented in the module docs and `denoise --help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Everything worked.
    Success = 0,
    /// Any other failure.
    Failure = 1,
    /// A bad flag, value or config file.
    Usage = 2,
    /// An input image, folder, checkpoint or model cannot be used.
    BadInput = 3,
    /// Training produced non-finite numbers.
    Diverged = 4,
    /// The output cannot be written.
    Output = 5,
    /// Stopped by a signal after writing a checkpoint.
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

impl From<ErrorKind> for Exit {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Usage => Exit::Usage,
            ErrorKind::BadInput => Exit::BadInput,
            ErrorKind::Output => Exit::Output,
            ErrorKind::Diverged => Exit::Diverged,
            ErrorKind::Interrupted => Exit::Interrupted,
            ErrorKind::Other => Exit::Failure,
        }
    }
}

/// The text of the exit-code table for `--help`.
pub const EXIT_CODES_HELP: &str = "Exit codes: 0 success; 1 other failure; 2 bad flag, value or \
    config file; 3 unusable input data (image, folder, damaged checkpoint); 4 training diverged \
    (last good checkpoint kept); 5 output not writable (read-only, disk full, file-size limit); \
    130 interrupted by Ctrl-C/SIGTERM after writing a checkpoint (continue with --resume).";

/// A mistake in the command line that only the binary can see (a grid of fewer than two runs):
/// exit 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Shorthand: an [`anyhow::Error`] holding a [`UsageError`].
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(message.into()))
}

/// The exit code for an error: the kind of the first library error found along its chain.
pub fn classify(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<denoise_lab::Error>() {
            return e.kind().into();
        }
        if let Some(e) = cause.downcast_ref::<denoise_trainer::Error>() {
            return e.kind().into();
        }
        if let Some(d) = cause.downcast_ref::<DataError>() {
            return data_kind(d).into();
        }
        if cause.is::<UsageError>() {
            return Exit::Usage;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && is_output_io(io)
        {
            return Exit::Output;
        }
    }
    Exit::Failure
}

#[cfg(test)]
mod tests {
    use anyhow::Context;
    use denoise_data::IoAction;

    use super::*;

    #[test]
    fn errors_map_to_their_codes_through_context() {
        let wrapped = |e: anyhow::Error| Err::<(), _>(e).context("outer").unwrap_err();
        let train = |e: denoise_trainer::Error| wrapped(e.into());
        assert_eq!(classify(&wrapped(usage("--lr"))), Exit::Usage);
        assert_eq!(
            classify(&train(denoise_trainer::Error::BadInput("damaged".into()))),
            Exit::BadInput
        );
        assert_eq!(
            classify(&train(denoise_trainer::Error::Output("read-only".into()))),
            Exit::Output
        );
        let div = denoise_trainer::error::Diverged {
            step: 3,
            what: "the loss is NaN".into(),
            lr: 1.0,
            last_good: None,
        };
        assert_eq!(classify(&train(div.into())), Exit::Diverged);
        let int = denoise_trainer::error::Interrupted {
            step: 4,
            run: "r".into(),
        };
        let in_grid = denoise_lab::Error::from(denoise_trainer::Error::from(int)).context("grid");
        assert_eq!(classify(&wrapped(in_grid.into())), Exit::Interrupted);
        let no_runs = denoise_lab::Error::Usage("no runs here".into());
        assert_eq!(classify(&wrapped(no_runs.into())), Exit::Usage);
        let decode = DataError::Decode {
            path: "a.png".into(),
            message: "bad".into(),
        };
        assert_eq!(classify(&wrapped(decode.into())), Exit::BadInput);
        let full = DataError::Io {
            action: IoAction::Write,
            path: "m.csv".into(),
            source: std::io::Error::from(std::io::ErrorKind::StorageFull),
        };
        assert_eq!(classify(&wrapped(full.into())), Exit::Output);
        let spec = "x".parse::<denoise_data::NoiseSpec>().unwrap_err();
        assert_eq!(
            classify(&wrapped(DataError::from(spec).into())),
            Exit::Usage
        );
        assert_eq!(classify(&anyhow::anyhow!("other")), Exit::Failure);
        let too_large = std::io::Error::from(std::io::ErrorKind::FileTooLarge);
        assert_eq!(classify(&wrapped(too_large.into())), Exit::Output);
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(classify(&wrapped(denied.into())), Exit::Failure);
    }
}
