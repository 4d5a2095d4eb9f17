//! The random bits for transmit jitter (RFC 5880 §6.8.7), discriminators
//! and source ports: a small xorshift generator seeded from the OS. Not
//! cryptographic; BFD without authentication needs none.

/// xorshift64* (Vigna), seeded from `getrandom`.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// Seeded from the OS; falls back to the clock and the process id if
    /// `getrandom` fails.
    pub(crate) fn from_os() -> Self {
        let mut seed = [0u8; 8];
        let s = match rustix::rand::getrandom(&mut seed, rustix::rand::GetRandomFlags::empty()) {
            Ok(8) => u64::from_ne_bytes(seed),
            _ => {
                let t = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0);
                t ^ u64::from(std::process::id()).rotate_left(32)
            }
        };
        Rng::seeded(s)
    }

    /// A generator from a fixed seed.
    pub(crate) fn seeded(seed: u64) -> Self {
        // The state must not be zero.
        Rng(seed | 1)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `range` (inclusive), nearly uniform.
    pub(crate) fn in_range(&mut self, lo: u16, hi: u16) -> u16 {
        let span = u64::from(hi.saturating_sub(lo)) + 1;
        lo + (self.next_u64() % span) as u16
    }
}

impl bfd_core::Jitter for Rng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn ports_stay_in_range_and_vary() {
        let mut r = Rng::seeded(42);
        let ports: Vec<u16> = (0..1000).map(|_| r.in_range(49152, 65535)).collect();
        assert!(ports.iter().all(|p| (49152..=65535).contains(p)));
        let distinct: std::collections::BTreeSet<_> = ports.iter().collect();
        assert!(distinct.len() > 900);
        assert_ne!(Rng::from_os().next_u64(), Rng::from_os().next_u64());
    }
}
