//! The daemon's clock: a monotonic std clock converted to vrrp-core's
//! [`vrrp_core::time::Instant`] (microseconds since the daemon started).

use vrrp_core::time::Instant;

/// Monotonic time since start.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base: std::time::Instant,
}

impl Clock {
    /// A clock starting now.
    pub fn new() -> Self {
        Clock {
            base: std::time::Instant::now(),
        }
    }

    /// Now, for vrrp-core.
    pub fn now(&self) -> Instant {
        Instant::from_micros(u64::try_from(self.base.elapsed().as_micros()).unwrap_or(u64::MAX))
    }

    /// A vrrp-core instant as a tokio instant (for `sleep_until`).
    pub fn to_tokio(self, t: Instant) -> tokio::time::Instant {
        let d = std::time::Duration::from_micros(t.as_micros());
        let std = self
            .base
            .checked_add(d)
            .unwrap_or_else(|| self.base + std::time::Duration::from_secs(86_400 * 365));
        tokio::time::Instant::from_std(std)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_monotonic() {
        let c = Clock::new();
        let a = c.now();
        let b = c.now();
        assert!(b >= a);
        let t = c.to_tokio(Instant::from_micros(1_000_000));
        assert!(t > c.to_tokio(Instant::ZERO));
    }
}
