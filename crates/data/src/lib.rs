//! Data for denoise-lab: images, noise models, label corruption with its oracle targets,
//! synthetic and folder datasets, patch sampling and batching.
//!
//! Nothing here chooses a burn backend: batches are made on whatever [`burn::tensor::Device`]
//! the caller gives. Every random draw comes from [`seed::stream`], so the same seed gives the same
//! pairs on any machine and with any thread count.

mod atomic;
mod batch;
mod corruption;
mod error;
mod folder;
#[cfg(any(test, feature = "test-support"))]
pub mod fuzz_input;
mod image;
mod noise;
mod patch;
pub mod seed;
mod synthetic;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use atomic::{temporary_path, write_atomically, write_bytes_atomically};
pub use batch::{PairBatch, PairBatcher, images_to_tensor, stack_images};
pub use corruption::{LabelSpec, Oracle, OutlierScope, shift_horizontally};
pub use error::DataError;
pub use folder::{
    FolderConfig, FolderDataset, IMAGE_EXTENSIONS, ImageListing, NamedImage, OnBadImage,
    list_images, load_folder,
};
pub use image::{BitDepth, ColorMode, DecodeLimits, Image};
pub use noise::{Level, NoiseSpec};
pub use patch::{Corruption, Pair, PatchConfig, PatchSampler, dihedral, evaluation_pairs};
pub use synthetic::{SyntheticConfig, SyntheticDataset};
