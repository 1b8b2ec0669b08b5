//! Experiments: grids of training runs that differ only in what is compared, their results, and
//! the verdicts on the claims of the theory.

pub mod plan;
pub mod result;
pub mod runner;
pub mod shard;
pub mod verdict;
