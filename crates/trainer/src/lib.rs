//! The library behind the `denoise` binary: CLI, backend choice, losses, optimizers, training
//! loop, checkpoints and evaluation. Integration tests drive it directly and through the binary.

pub mod allocator;
pub mod backend;
pub mod bench;
pub mod checkpoint;
pub mod cli;
pub mod commands;
pub mod config;
pub mod datasets;
pub mod evaluate;
pub mod exit;
pub mod experiment;
pub mod grad;
pub mod interrupt;
pub mod loss;
pub mod optim;
pub mod progress;
pub mod report;
pub mod run_dir;
pub mod space;
pub mod train;
