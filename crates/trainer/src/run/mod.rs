//! A run's folder: its layout and file names ([`dir`]), its checkpoints ([`checkpoint`]), and the
//! check before training that the disk can hold what it will write ([`space`]).

pub mod checkpoint;
pub mod dir;
pub mod space;

pub use dir::{RunDir, default_run_path};
