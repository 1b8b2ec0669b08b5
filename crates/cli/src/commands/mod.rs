//! One module per subcommand: each turns its parsed arguments into validated settings, calls the
//! libraries and prints the outcome.

pub mod bench;
pub mod compare;
pub mod denoise;
pub mod devices;
pub mod eval;
pub mod experiment;
pub mod pytorch;
pub mod report;
pub mod score;
pub mod train;
