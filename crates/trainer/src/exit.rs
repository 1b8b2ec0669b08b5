//! Exit codes of the `denoise` binary, the error kinds behind them, and how an error maps to one.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | any other failure (device, internal error) |
//! | 2 | usage: a bad flag or value, a bad `--config` file, a folder argument of the wrong kind |
//! | 3 | bad input data: an image or folder cannot be used, or a run's checkpoint or model is damaged |
//! | 4 | training diverged (non-finite loss, gradient or weights); the last good checkpoint is kept |
//! | 5 | the output cannot be written: read-only or full disk, file-size limit |
//! | 130 | interrupted by Ctrl-C (SIGINT) or SIGTERM/SIGHUP after writing a checkpoint |
//!
//! clap's own errors (unknown flag, value that does not parse) also exit with 2.

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

use denoise_data::DataError;

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

/// The text of the exit-code table for `--help`.
pub const EXIT_CODES_HELP: &str = "Exit codes: 0 success; 1 other failure; 2 bad flag, value or \
    config file; 3 unusable input data (image, folder, damaged checkpoint); 4 training diverged \
    (last good checkpoint kept); 5 output not writable (read-only, disk full, file-size limit); \
    130 interrupted by Ctrl-C/SIGTERM after writing a checkpoint (continue with --resume).";

macro_rules! message_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub String);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::error::Error for $name {}
    };
}

message_error!(
    /// A bad flag, value, config file or folder argument (exit 2). The message names the flag and
    /// what is accepted.
    UsageError
);
message_error!(
    /// A damaged or incompatible input file that is not an image: a checkpoint, a model, a run's
    /// record (exit 3).
    InputError
);
message_error!(
    /// The output cannot be written (exit 5): the message names the folder and the fix.
    OutputError
);

/// Training produced a non-finite number (exit 4).
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

/// Training stopped on a signal after writing a checkpoint (exit 130).
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

/// Shorthand: an [`anyhow::Error`] holding a [`UsageError`].
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(message.into()))
}

/// Shorthand: an [`anyhow::Error`] holding an [`InputError`].
pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(InputError(message.into()))
}

/// Shorthand: an [`anyhow::Error`] holding an [`OutputError`].
pub fn output(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(OutputError(message.into()))
}

/// Whether an I/O error can only come from writing (read-only or full disk, file too large).
fn is_output_io(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ReadOnlyFilesystem | StorageFull | QuotaExceeded | FileTooLarge
    )
}

/// The exit code for an error: the first classified kind found along its chain.
pub fn classify(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if cause.is::<Interrupted>() {
            return Exit::Interrupted;
        }
        if cause.is::<Diverged>() {
            return Exit::Diverged;
        }
        if cause.is::<UsageError>() {
            return Exit::Usage;
        }
        if cause.is::<OutputError>() {
            return Exit::Output;
        }
        if cause.is::<InputError>() {
            return Exit::BadInput;
        }
        if let Some(d) = cause.downcast_ref::<DataError>() {
            return match d {
                DataError::Io { action, .. } if action.starts_with("cannot write") => Exit::Output,
                DataError::Encode { .. } => Exit::Output,
                DataError::Spec { .. } | DataError::Parameter { .. } => Exit::Usage,
                _ => Exit::BadInput,
            };
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
    use super::*;

    #[test]
    fn errors_map_to_their_codes_through_context() {
        use anyhow::Context;
        let wrapped = |e: anyhow::Error| Err::<(), _>(e).context("outer").unwrap_err();
        assert_eq!(classify(&wrapped(usage("--lr"))), Exit::Usage);
        assert_eq!(classify(&wrapped(bad_input("damaged"))), Exit::BadInput);
        assert_eq!(classify(&wrapped(output("read-only"))), Exit::Output);
        let div = Diverged {
            step: 3,
            what: "the loss is NaN".into(),
            lr: 1.0,
            last_good: None,
        };
        assert_eq!(classify(&wrapped(anyhow::Error::new(div))), Exit::Diverged);
        let int = Interrupted {
            step: 4,
            run: "r".into(),
        };
        assert_eq!(
            classify(&wrapped(anyhow::Error::new(int))),
            Exit::Interrupted
        );
        let decode = DataError::Decode {
            path: "a.png".into(),
            message: "bad".into(),
        };
        assert_eq!(classify(&wrapped(decode.into())), Exit::BadInput);
        let full = DataError::Io {
            action: "cannot write",
            path: "m.csv".into(),
            source: std::io::Error::from(std::io::ErrorKind::StorageFull),
        };
        assert_eq!(classify(&wrapped(full.into())), Exit::Output);
        let spec = DataError::Spec {
            what: "noise",
            given: "x".into(),
            problem: "?".into(),
            expected: "y",
        };
        assert_eq!(classify(&wrapped(spec.into())), Exit::Usage);
        assert_eq!(classify(&anyhow::anyhow!("other")), Exit::Failure);
        let too_large = std::io::Error::from(std::io::ErrorKind::FileTooLarge);
        assert_eq!(classify(&wrapped(too_large.into())), Exit::Output);
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(classify(&wrapped(denied.into())), Exit::Failure);
    }
}
