//! Integration tests of the trainer: training outcomes, determinism, checkpoints and the binary.

mod binary;
mod checkpoints;
mod gpu;
mod parity;
mod report;
mod training;
mod util;
