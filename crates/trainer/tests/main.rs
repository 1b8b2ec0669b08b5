//! Integration tests of the trainer: training outcomes, determinism, checkpoints and the binary.

mod bad_input;
mod binary;
mod checkpoints;
mod fuzz_corpus;
mod gpu;
mod interruption;
mod parity;
mod report;
mod training;
mod util;
