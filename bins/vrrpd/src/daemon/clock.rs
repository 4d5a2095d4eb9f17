//! The daemon's clock: `CLOCK_MONOTONIC` converted to vrrp-core's
//! [`vrrp_core::time::Instant`] (microseconds since the daemon started), and
//! back to absolute monotonic deadlines for netio's timerfd
//! ([`netio::PreciseTimer`]), so instance timers fire to the microsecond.

use std::time::Duration;

use vrrp_core::time::Instant;

/// Monotonic time since start.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// `CLOCK_MONOTONIC` at start.
    base: Duration,
}

impl Clock {
    /// A clock starting now.
    pub fn new() -> Self {
        Clock {
            base: netio::monotonic_now(),
        }
    }

    /// Now, for vrrp-core (truncated to the microsecond, so a timer armed
    /// with [`Clock::deadline`] for `t` always reads `now >= t` once fired).
    pub fn now(&self) -> Instant {
        let since = netio::monotonic_now().saturating_sub(self.base);
        Instant::from_micros(u64::try_from(since.as_micros()).unwrap_or(u64::MAX))
    }

    /// A vrrp-core instant as an absolute `CLOCK_MONOTONIC` deadline (for
    /// [`netio::PreciseTimer::set`]).
    pub fn deadline(self, t: Instant) -> Duration {
        self.base
            .saturating_add(Duration::from_micros(t.as_micros()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_monotonic_and_deadlines_map_back() {
        let c = Clock::new();
        let a = c.now();
        let b = c.now();
        assert!(b >= a);
        let t = Instant::from_micros(1_000_000);
        assert_eq!(
            c.deadline(t) - c.deadline(Instant::ZERO),
            Duration::from_secs(1)
        );
        // A deadline already passed maps to a monotonic time not after now.
        assert!(c.deadline(a) <= netio::monotonic_now());
    }
}
