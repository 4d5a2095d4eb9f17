//! The RFC timer formulas, in integer microseconds (no floats).

use crate::packet::Version;
use crate::time::Duration;

/// Skew_Time.
///
/// * v3 (RFC 9568 §6.1): `((256 − Priority) × Master_Adver_Interval) / 256`.
/// * v2 (RFC 3768 §6.1): `(256 − Priority) / 256` seconds.
///
/// The division truncates to whole microseconds, as keepalived's
/// `VRRP_TIMER_SKEW` does (`TIMER_HZ` = 1 000 000).
pub fn skew_time(version: Version, priority: u8, master_adver_interval: Duration) -> Duration {
    let k = 256 - u64::from(priority);
    match version {
        Version::V3 => {
            Duration::from_micros(k.saturating_mul(master_adver_interval.as_micros()) / 256)
        }
        Version::V2 => Duration::from_micros(k * 1_000_000 / 256),
    }
}

/// Master_Down_Interval = `down_timer_adverts` (RFC: 3) ×
/// Master_Adver_Interval + Skew_Time (RFC 9568 §6.1, RFC 3768 §6.1).
pub fn master_down_interval(
    version: Version,
    priority: u8,
    master_adver_interval: Duration,
    down_timer_adverts: u32,
) -> Duration {
    master_adver_interval.saturating_mul(u64::from(down_timer_adverts))
        + skew_time(version, priority, master_adver_interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples() {
        let s = Duration::from_secs(1);
        assert_eq!(
            skew_time(Version::V3, 100, s),
            Duration::from_micros(609_375)
        );
        assert_eq!(
            master_down_interval(Version::V3, 100, s, 3),
            Duration::from_micros(3_609_375)
        );
        // man5: v2, advert_int 1, priority 128 → 3.5 s.
        assert_eq!(
            master_down_interval(Version::V2, 128, s, 3),
            Duration::from_micros(3_500_000)
        );
        // v2 skew does not scale with the interval.
        assert_eq!(
            skew_time(Version::V2, 128, Duration::from_secs(5)),
            Duration::from_micros(500_000)
        );
        // v3 skew does: 0.5 s interval, priority 0 → 0.5 s.
        assert_eq!(
            skew_time(Version::V3, 0, Duration::from_millis(500)),
            Duration::from_millis(500)
        );
        assert_eq!(skew_time(Version::V3, 255, s), Duration::from_micros(3_906));
    }
}
