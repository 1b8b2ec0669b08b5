//! Integration tests of the training engine: training outcomes, determinism, checkpoints, parity
//! of the backends, the GPU path, PyTorch files, and the fuzz corpus of the parsers.

mod checkpoints;
mod fuzz_corpus;
mod gpu;
mod parity;
mod pytorch;
mod tiles;
mod training;
mod util;
