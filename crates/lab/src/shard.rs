//! `--shard i/n`: the i-th of n slices of a grid (1-based), for job arrays.

use std::fmt;
use std::str::FromStr;

use denoise_data::spec::{SpecError, SpecKind};

const SHARD: SpecKind = SpecKind {
    what: "shard",
    expected: "i/n with 1 <= i <= n, e.g. 2/4",
};

/// A slice of a grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, 1..=count.
    pub index: usize,
    /// How many slices.
    pub count: usize,
}

impl Default for Shard {
    fn default() -> Self {
        Self { index: 1, count: 1 }
    }
}

impl Shard {
    /// Whether run number `i` (0-based, in plan order) belongs to this slice.
    pub fn contains(&self, i: usize) -> bool {
        i % self.count == self.index - 1
    }
}

impl FromStr for Shard {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || SHARD.error(s, "not a slice of the grid");
        let (i, n) = s.split_once('/').ok_or_else(err)?;
        let (index, count) = (
            i.trim().parse::<usize>().map_err(|_| err())?,
            n.trim().parse::<usize>().map_err(|_| err())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(err());
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_runs() {
        let n = 3;
        let shards: Vec<Shard> = (1..=n)
            .map(|i| format!("{i}/{n}").parse().unwrap())
            .collect();
        for run in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.contains(run)).count(), 1);
        }
        for bad in ["0/2", "3/2", "1/0", "a/b", "1"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
