//! The one error type of the data crate.

use std::path::PathBuf;

use thiserror::Error;

/// What can go wrong while reading images, parsing specs or building datasets.
#[derive(Debug, Error)]
pub enum DataError {
    /// Reading or writing a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("cannot read", "cannot write", ...).
        action: &'static str,
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
    #[error("invalid {what} '{given}': {problem}; expected {expected}")]
    Spec {
        /// Which kind of spec ("noise", "labels").
        what: &'static str,
        /// The text given.
        given: String,
        /// What is wrong with it.
        problem: String,
        /// What would be accepted.
        expected: &'static str,
    },
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
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
