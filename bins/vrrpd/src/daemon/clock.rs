//! The daemon's clock: `CLOCK_MONOTONIC` converted to vrrp-core's
//! [`vrrp_core::time::Instant`] (microseconds since the daemon started), and
//! back to absolute monotonic deadlines for vrrp-linux's timerfd
//! ([`vrrp_linux::PreciseTimer`]), so instance timers fire to the microsecond.

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
            base: vrrp_linux::monotonic_now(),
        }
    }

    /// Now, for vrrp-core (truncated to the microsecond, so a timer armed
    /// with [`Clock::deadline`] for `t` always reads `now >= t` once fired).
    pub fn now(&self) -> Instant {
        let since = vrrp_linux::monotonic_now().saturating_sub(self.base);
        Instant::from_micros(u64::try_from(since.as_micros()).unwrap_or(u64::MAX))
    }

    /// The instant a packet arrived, from its kernel receive time
    /// (SO_TIMESTAMPNS, `CLOCK_REALTIME`): now minus the packet's age, so a
    /// timer it starts (RFC 9568 §6.4.2: Skew_Time after a priority-0
    /// advert) counts from its arrival, not from when the daemon woke up.
    /// Never before `floor` (the last instant the caller used, so time stays
    /// monotonic for vrrp-core); the age is capped at [`MAX_RX_AGE`] so a
    /// step of the realtime clock cannot move a timer far.
    pub fn received_at(&self, received: std::time::SystemTime, floor: Instant) -> Instant {
        received_at(self.now(), std::time::SystemTime::now(), received, floor)
    }

    /// A vrrp-core instant as an absolute `CLOCK_MONOTONIC` deadline (for
    /// [`vrrp_linux::PreciseTimer::set`]).
    pub fn deadline(self, t: Instant) -> Duration {
        self.base
            .saturating_add(Duration::from_micros(t.as_micros()))
    }
}

/// The largest packet age [`Clock::received_at`] subtracts.
pub const MAX_RX_AGE: Duration = Duration::from_millis(250);

fn received_at(
    now: Instant,
    wall_now: std::time::SystemTime,
    received: std::time::SystemTime,
    floor: Instant,
) -> Instant {
    let age = wall_now
        .duration_since(received)
        .unwrap_or(Duration::ZERO)
        .min(MAX_RX_AGE);
    let age_us = u64::try_from(age.as_micros()).unwrap_or(u64::MAX);
    let at = Instant::from_micros(now.as_micros().saturating_sub(age_us));
    at.max(floor).min(now)
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
        assert!(c.deadline(a) <= vrrp_linux::monotonic_now());
    }

    #[test]
    fn a_packet_counts_from_its_arrival_within_bounds() {
        let us = Instant::from_micros;
        let wall = std::time::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let ago = |d: Duration| wall - d;
        // 300 µs old: anchored 300 µs before now.
        let t = received_at(us(10_000_000), wall, ago(Duration::from_micros(300)), us(0));
        assert_eq!(t, us(9_999_700));
        // Never before the floor (monotonic for vrrp-core).
        let t = received_at(
            us(10_000_000),
            wall,
            ago(Duration::from_micros(300)),
            us(9_999_900),
        );
        assert_eq!(t, us(9_999_900));
        // A timestamp from the future (realtime stepped back): now.
        let t = received_at(us(10_000_000), wall, wall + Duration::from_secs(5), us(0));
        assert_eq!(t, us(10_000_000));
        // Very old (realtime stepped forward): capped.
        let t = received_at(us(10_000_000), wall, ago(Duration::from_secs(30)), us(0));
        assert_eq!(t, us(10_000_000 - 250_000));
        // Near the start of the daemon: not below zero.
        let t = received_at(us(100), wall, ago(Duration::from_millis(1)), us(0));
        assert_eq!(t, us(0));
    }
}
