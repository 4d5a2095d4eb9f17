//! Time as the state machine sees it: integer microseconds on a monotonic
//! clock that the caller owns. Nothing in this crate reads the OS clock.

use core::fmt;
use core::num::NonZeroU64;
use core::ops::{Add, AddAssign, Sub};

/// A span of time in whole microseconds.
///
/// VRRPv3 intervals are centiseconds and skew times are fractions of 1/256 of
/// an interval; microseconds keep every RFC formula exact enough
/// (Skew_Time for 1 s and priority 100 is 609 375 µs exactly).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
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
    /// From centiseconds, the VRRPv3 interval unit (saturating).
    pub const fn from_centis(cs: u64) -> Self {
        Duration(cs.saturating_mul(10_000))
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
    /// Whole centiseconds (truncated).
    pub const fn as_centis(self) -> u64 {
        self.0 / 10_000
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
///
/// Kept as one more than the microseconds, so that zero is free and
/// `Option<Instant>` is as small as `Instant` (an instance keeps eight
/// optional deadlines); the last microsecond, `u64::MAX`, is therefore
/// not representable and saturates to [`Instant::FAR_FUTURE`], half a
/// million years after the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(NonZeroU64);

impl Default for Instant {
    /// The epoch.
    fn default() -> Self {
        Instant::ZERO
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Instant {
    /// Microseconds since the epoch, as a number.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.as_micros())
    }
}

impl Instant {
    /// The epoch.
    pub const ZERO: Instant = Instant::from_micros(0);
    /// Far future; used for "no deadline".
    pub const FAR_FUTURE: Instant = Instant(NonZeroU64::MAX);

    /// From microseconds since the epoch (saturating at
    /// [`Instant::FAR_FUTURE`]).
    pub const fn from_micros(us: u64) -> Self {
        match NonZeroU64::new(us.saturating_add(1)) {
            Some(n) => Instant(n),
            None => Instant::FAR_FUTURE,
        }
    }
    /// From milliseconds since the epoch (saturating).
    pub const fn from_millis(ms: u64) -> Self {
        Instant::from_micros(ms.saturating_mul(1_000))
    }
    /// From seconds since the epoch (saturating).
    pub const fn from_secs(s: u64) -> Self {
        Instant::from_micros(s.saturating_mul(1_000_000))
    }
    /// Microseconds since the epoch.
    pub const fn as_micros(self) -> u64 {
        self.0.get() - 1
    }
    /// Time elapsed since `earlier`, zero if `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration(self.0.get().saturating_sub(earlier.0.get()))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant::from_micros(self.as_micros().saturating_add(d.0))
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
        write!(f, "t+{}", Duration(self.as_micros()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_exactly() {
        assert_eq!(Duration::from_centis(100), Duration::from_secs(1));
        assert_eq!(Duration::from_millis(1500).as_centis(), 150);
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
        assert_eq!(Instant::from_micros(u64::MAX), Instant::FAR_FUTURE);
        assert_eq!(Instant::FAR_FUTURE.as_micros(), u64::MAX - 1);
    }

    /// An optional deadline costs no more than a deadline.
    #[test]
    fn an_optional_instant_is_eight_bytes() {
        assert_eq!(core::mem::size_of::<Option<Instant>>(), 8);
        assert_eq!(Instant::ZERO.as_micros(), 0);
        assert_eq!(Instant::default(), Instant::ZERO);
        assert_eq!(Instant::from_micros(42).as_micros(), 42);
    }
}
