//! The one error type of the data crate.

use std::path::PathBuf;

use thiserror::Error;

use crate::spec::SpecError;

/// What a file operation was doing when it failed: the kind of error it is for the user (an
/// unreadable input, or an output that cannot be written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoAction {
    /// Reading a file.
    Read,
    /// Opening a folder.
    OpenFolder,
    /// Listing a folder.
    ReadFolder,
    /// Looking at a file's type.
    Inspect,
    /// Writing a file.
    Write,
}

impl std::fmt::Display for IoAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Read => "cannot read",
            Self::OpenFolder => "cannot open folder",
            Self::ReadFolder => "cannot read folder",
            Self::Inspect => "cannot inspect",
            Self::Write => "cannot write",
        })
    }
}

/// What can go wrong while reading images, parsing specs or building datasets.
#[derive(Debug, Error)]
pub enum DataError {
    /// Reading or writing a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done: reading or writing.
        action: IoAction,
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file exists but is not an image the decoder understands, or is damaged.
    #[error("cannot decode image {path}: {message} (supported: PNG, JPEG, TIFF, BMP, WebP)")]
    Decode {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        message: String,
    },
    /// The header declares an image beyond the decoding limits; nothing was allocated.
    #[error(
        "image {path} is refused: {message} (limits: {max_side} pixels a side, {max_mib} MiB decoded); \
         split or downscale it"
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What the decoder said about the limit.
        message: String,
        /// Maximum width or height.
        max_side: u32,
        /// Maximum decoded size in MiB.
        max_mib: u64,
    },
    /// Encoding an image failed.
    #[error("cannot encode image {path}: {message}")]
    Encode {
        /// The destination.
        path: PathBuf,
        /// What the encoder said.
        message: String,
    },
    /// A spec string (noise, labels, ...) is malformed.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A numeric parameter is out of range.
    #[error("invalid {name} = {value}: {expected}")]
    Parameter {
        /// Parameter name as the user knows it.
        name: &'static str,
        /// The value given.
        value: String,
        /// What would be accepted.
        expected: &'static str,
    },
    /// A folder has no images in it.
    #[error(
        "no images found in {path}: {detail} (looked for .png .jpg .jpeg .tif .tiff .bmp .webp)"
    )]
    NoImages {
        /// The folder.
        path: PathBuf,
        /// Why ("the folder is empty", "12 files, none an image", ...).
        detail: String,
    },
    /// An image is smaller than the training patch.
    #[error(
        "image {path} is {height}×{width}, smaller than the {patch}×{patch} patch; \
         use a smaller --patch or remove the image (or pass --on-bad-image skip)"
    )]
    TooSmall {
        /// The file.
        path: PathBuf,
        /// Image height.
        height: usize,
        /// Image width.
        width: usize,
        /// Patch side.
        patch: usize,
    },
    /// A clean image and its noisy twin (`--noise real:DIR`) cannot be paired.
    #[error("cannot pair {path} with a noisy image: {problem}")]
    Pairing {
        /// The clean image.
        path: PathBuf,
        /// Why (no twin, two twins, another size), naming the noisy file.
        problem: String,
    },
    /// Channel counts do not match.
    #[error("{context}: image has {got} channel(s) but {expected} are needed (1 = gray, 3 = RGB)")]
    Channels {
        /// Where it happened.
        context: String,
        /// Channels found.
        got: usize,
        /// Channels required.
        expected: usize,
    },
}

impl DataError {
    /// Whether this error is about writing output (a file that cannot be written or encoded),
    /// rather than about unusable input.
    pub fn is_output(&self) -> bool {
        matches!(
            self,
            Self::Io {
                action: IoAction::Write,
                ..
            } | Self::Encode { .. }
        )
    }

    /// Whether this error is a bad setting (a spec string or parameter out of range), rather than
    /// about data.
    pub fn is_usage(&self) -> bool {
        matches!(self, Self::Spec(_) | Self::Parameter { .. })
    }

    pub(crate) fn io(action: IoAction, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
