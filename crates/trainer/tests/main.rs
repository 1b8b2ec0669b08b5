//! Integration tests of the training engine: training outcomes, determinism, checkpoints, parity
//! of the backends, the GPU path, and the fuzz corpus of the parsers.

mod checkpoints;
mod fuzz_corpus;
mod gpu;
mod parity;
mod tiles;
mod training;
mod util;
