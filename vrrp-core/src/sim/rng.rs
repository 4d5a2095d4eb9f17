//! A tiny deterministic PRNG (SplitMix64, Steele/Lea/Flood 2014), written
//! here so the simulator needs no `rand` and every run is a function of the
//! seed.

/// SplitMix64 generator.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator from a seed (any value, zero included).
    pub const fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..=max` (Lemire's multiply-shift; the bias for the
    /// small ranges used here is below 2⁻⁴⁰).
    pub fn up_to(&mut self, max: u64) -> u64 {
        if max == u64::MAX {
            return self.next_u64();
        }
        ((u128::from(self.next_u64()) * u128::from(max + 1)) >> 64) as u64
    }

    /// True with probability `ppm` / 1 000 000.
    pub fn chance_ppm(&mut self, ppm: u32) -> bool {
        ppm > 0 && self.up_to(999_999) < u64::from(ppm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_sequence_and_ranges() {
        // First outputs of SplitMix64 seeded with 0 (published reference values).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut r = SplitMix64::new(7);
        for _ in 0..1000 {
            assert!(r.up_to(9) <= 9);
        }
        assert!(!r.chance_ppm(0));
        assert!(r.chance_ppm(1_000_000));
    }
}
