//! Time as the state machine sees it: integer microseconds on a monotonic
//! clock that the caller owns. Nothing in this crate reads the OS clock.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};

/// A span of time in whole microseconds, the unit of every BFD interval on
/// the wire (RFC 5880 §4.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

impl Duration {
    /// Zero length.
    pub const ZERO: Duration = Duration(0);
    /// The longest representable span.
    pub const MAX: Duration = Duration(u64::MAX);

    /// From microseconds.
    pub const fn from_micros(us: u64) -> Self {
        Duration(us)
    }
    /// From milliseconds (saturating).
    pub const fn from_millis(ms: u64) -> Self {
        Duration(ms.saturating_mul(1_000))
    }
    /// From seconds (saturating).
    pub const fn from_secs(s: u64) -> Self {
        Duration(s.saturating_mul(1_000_000))
    }
    /// Whole microseconds.
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    /// True for a zero-length span.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
    /// Whole milliseconds (truncated).
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000
    }
    /// Saturating multiplication by an integer.
    pub const fn saturating_mul(self, k: u64) -> Self {
        Duration(self.0.saturating_mul(k))
    }
    /// Saturating addition.
    pub const fn saturating_add(self, o: Duration) -> Self {
        Duration(self.0.saturating_add(o.0))
    }
    /// Saturating subtraction.
    pub const fn saturating_sub(self, o: Duration) -> Self {
        Duration(self.0.saturating_sub(o.0))
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, o: Duration) -> Duration {
        self.saturating_add(o)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}s", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

impl From<Duration> for core::time::Duration {
    fn from(d: Duration) -> Self {
        core::time::Duration::from_micros(d.0)
    }
}

impl From<core::time::Duration> for Duration {
    fn from(d: core::time::Duration) -> Self {
        Duration(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
    }
}

/// A point on the caller's monotonic clock, in microseconds since an epoch the
/// caller picks (process start, simulation start, ...).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// The epoch.
    pub const ZERO: Instant = Instant(0);
    /// Far future; used for "no deadline".
    pub const FAR_FUTURE: Instant = Instant(u64::MAX);

    /// From microseconds since the epoch.
    pub const fn from_micros(us: u64) -> Self {
        Instant(us)
    }
    /// From milliseconds since the epoch (saturating).
    pub const fn from_millis(ms: u64) -> Self {
        Instant(ms.saturating_mul(1_000))
    }
    /// From seconds since the epoch (saturating).
    pub const fn from_secs(s: u64) -> Self {
        Instant(s.saturating_mul(1_000_000))
    }
    /// Microseconds since the epoch.
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    /// Time elapsed since `earlier`, zero if `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.0))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, o: Instant) -> Duration {
        self.saturating_duration_since(o)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t+{}", Duration(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_exactly() {
        assert_eq!(Duration::from_millis(1000), Duration::from_secs(1));
        assert_eq!(Duration::from_millis(1500).as_millis(), 1500);
        assert_eq!(
            Instant::from_micros(5) + Duration::from_micros(7),
            Instant::from_micros(12)
        );
        assert_eq!(
            Instant::from_micros(5) - Instant::from_micros(7),
            Duration::ZERO
        );
        assert_eq!(Duration::from_micros(3_609_375).to_string(), "3.609375s");
    }

    #[test]
    fn instants_from_millis_and_secs() {
        assert_eq!(Instant::from_millis(1_500), Instant::from_micros(1_500_000));
        assert_eq!(
            Instant::from_secs(3),
            Instant::ZERO + Duration::from_secs(3)
        );
        assert_eq!(Instant::from_secs(u64::MAX), Instant::FAR_FUTURE);
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(
            Instant::FAR_FUTURE + Duration::from_secs(1),
            Instant::FAR_FUTURE
        );
        assert_eq!(Duration::MAX.saturating_mul(3), Duration::MAX);
    }
}
