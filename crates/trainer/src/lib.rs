//! The training engine of denoise-lab: backend choice, losses, optimizers, the training loop, run
//! folders with their checkpoints, and evaluation. A library: it prints nothing and returns typed
//! errors ([`Error`], with an [`ErrorKind`] each); the `denoise` binary (`denoise-cli`) shows
//! progress, handles signals and maps errors to exit codes.

pub mod backend;
pub mod bench;
pub mod config;
pub mod datasets;
pub mod error;
pub mod evaluate;
pub mod loss;
pub mod memory;
pub mod optim;
pub mod pytorch;
pub mod run;
pub mod score;
pub mod train;

pub use error::{Error, ErrorKind, Result};
