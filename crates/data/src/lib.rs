//! Data for denoise-lab: images, noise models (and real noise from noisy twins), label corruption
//! with its oracle targets, synthetic and folder datasets, patch sampling and batching, and the
//! spec strings every setting is spelled in.
//!
//! Nothing here chooses a burn backend: batches are made on whatever [`burn::tensor::Device`]
//! the caller gives. Every random draw comes from [`seed::stream`], so the same seed gives the same
//! pairs on any machine and with any thread count.

mod batch;
mod error;
mod folder;
mod fs;
#[cfg(any(test, feature = "test-support"))]
pub mod fuzz_input;
mod image;
mod labels;
mod noise;
mod noise_spelling;
mod oracle;
mod pair;
mod patch;
mod real_noise;
pub mod seed;
pub mod spec;
mod synthetic;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use batch::{PairBatch, PairBatcher, images_to_tensor, stack_images};
pub use error::{DataError, IoAction};
pub use folder::{
    FolderConfig, FolderDataset, IMAGE_EXTENSIONS, ImageListing, NamedImage, OnBadImage,
    list_images, load_folder,
};
pub use fs::{temporary_path, write_atomically, write_bytes_atomically};
pub use image::{BitDepth, ColorMode, DecodeLimits, Image};
pub use labels::{LabelSpec, OutlierScope, shift_horizontally};
pub use noise::{Level, NOISE_EXPECTED, NoiseSpec};
pub use oracle::Oracle;
pub use pair::{Corruption, Pair, evaluation_pairs, real_noise_pairs};
pub use patch::{PatchConfig, PatchSampler, dihedral};
pub use real_noise::{INPUT_NOISE_EXPECTED, InputNoise, NoisyTwins, noisy_twins, twin_key};
pub use spec::{SpecError, SpecKind};
pub use synthetic::{SyntheticConfig, SyntheticDataset};
