//! Seeded random streams: every random draw in the crate comes from a generator made here.
//!
//! A stream is identified by `(seed, domain, index)`: the same triple always gives the same
//! generator, independent of thread count or of the order in which items are produced. The
//! generator is xoshiro256++ (a fixed, documented algorithm, so numbers are stable across
//! platforms and crate versions).

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

/// The generator type used everywhere in denoise-lab.
pub type Rng = Xoshiro256PlusPlus;

/// SplitMix64's finaliser: a bijective mixer of 64-bit words.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Names of the independent random streams, so two uses of one seed never share numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Domain {
    /// Procedural content of synthetic images.
    Synthetic = 1,
    /// Patch positions, source images and augmentations.
    Patches = 2,
    /// Noise on training inputs.
    InputNoise = 3,
    /// Label corruption of training targets.
    Labels = 4,
    /// Fixed noise of validation/evaluation sets.
    Evaluation = 5,
    /// Train/validation split of a folder.
    Split = 6,
    /// Model initialisation and anything else the trainer needs.
    Trainer = 7,
}

/// The generator for item `index` of `domain` under `seed`.
pub fn stream(seed: u64, domain: Domain, index: u64) -> Rng {
    let s = mix(mix(mix(seed) ^ domain as u64) ^ index);
    Rng::seed_from_u64(s)
}

#[cfg(test)]
mod tests {
    use rand::RngExt;

    use super::*;

    #[test]
    fn same_triple_same_numbers_different_triples_differ() {
        let a: u64 = stream(42, Domain::Patches, 7).random();
        let b: u64 = stream(42, Domain::Patches, 7).random();
        let c: u64 = stream(42, Domain::Patches, 8).random();
        let d: u64 = stream(42, Domain::Labels, 7).random();
        let e: u64 = stream(43, Domain::Patches, 7).random();
        assert_eq!(a, b);
        assert!(a != c && a != d && a != e && c != d);
    }
}
