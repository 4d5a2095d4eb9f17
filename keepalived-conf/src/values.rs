//! Scalar value syntax (keepalived lib/parser.c `read_*`, man5 "PARAMETER SYNTAX").

use serde::Serialize;
use std::net::IpAddr;
use std::time::Duration;

/// An address with a prefix length (`10.0.0.1/24`; `/32` or `/128` when omitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct IpPrefix {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length.
    pub len: u8,
}

impl std::fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// Parses an IPv4 or IPv6 address (an IPv6 zone `%if` is not allowed).
pub fn parse_ip(s: &str) -> Result<IpAddr, String> {
    if let Some(v4) = dotted_quad(s.as_bytes()) {
        return Ok(IpAddr::V4(v4));
    }
    s.parse::<IpAddr>()
        .map_err(|_| format!("`{s}` is not an IPv4 or IPv6 address"))
}

/// The common IPv4 form in one pass (about a fifth of the instructions of std's parser,
/// which a large configuration calls for every real server): four decimal octets of
/// at most 255 without leading zeros, separated by dots. `None` for anything else, which
/// std's parser then decides (it accepts exactly this form too).
fn dotted_quad(b: &[u8]) -> Option<std::net::Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut v: u32 = 0;
        while let Some(&d) = b.get(i)
            && d.is_ascii_digit()
            && i - start < 3
        {
            v = v * 10 + u32::from(d - b'0');
            i += 1;
        }
        let digits = i - start;
        if digits == 0 || (digits > 1 && b[start] == b'0') {
            return None;
        }
        *octet = u8::try_from(v).ok()?;
    }
    (i == b.len()).then(|| std::net::Ipv4Addr::from(octets))
}

/// Parses `ADDR[/LEN]`.
pub fn parse_prefix(s: &str) -> Result<IpPrefix, String> {
    let (a, l) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let addr = parse_ip(a).map_err(|_| format!("`{s}` is not a valid address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match l {
        None => max,
        Some(l) => match l.parse::<u8>() {
            Ok(n) if n <= max => n,
            _ => return Err(format!("`{s}`: prefix length must be 0..{max}")),
        },
    };
    Ok(IpPrefix { addr, len })
}

/// Parses an unsigned decimal in `lo..=hi` (keepalived `read_unsigned`: base 10, no sign).
pub fn parse_uint(s: &str, lo: u64, hi: u64) -> Result<u64, String> {
    if s.is_empty() {
        return Err(format!("`{s}` is not a number"));
    }
    // digits only (no sign), accumulated in one pass; `None` once it overflows u64
    let mut v = Some(0u64);
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return Err(format!("`{s}` is not a number"));
        }
        v = v
            .and_then(|x| x.checked_mul(10))
            .and_then(|x| x.checked_add(u64::from(b - b'0')));
    }
    match v {
        Some(v) if v >= lo && v <= hi => Ok(v),
        _ => Err(format!("number `{s}` outside range [{lo}, {hi}]")),
    }
}

/// Parses a signed decimal in `lo..=hi`.
pub fn parse_int(s: &str, lo: i64, hi: i64) -> Result<i64, String> {
    let body = s
        .strip_prefix('-')
        .or_else(|| s.strip_prefix('+'))
        .unwrap_or(s);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{s}` is not a number"));
    }
    match s.parse::<i64>() {
        Ok(v) if v >= lo && v <= hi => Ok(v),
        _ => Err(format!("number `{s}` outside range [{lo}, {hi}]")),
    }
}

/// Parses decimal seconds with at most 6 decimals (keepalived `<TIMER>`), within `lo..=hi`
/// microseconds.
pub fn parse_timer(s: &str, lo_us: u64, hi_us: u64) -> Result<Duration, String> {
    // a byte search: `split_once('.')` costs more than the rest on the usual "3"
    let (int, frac) = match s.bytes().position(|b| b == b'.') {
        Some(p) => (&s[..p], &s[p + 1..]),
        None => (s, ""),
    };
    let int_ok = !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit());
    let frac_ok = frac.bytes().all(|b| b.is_ascii_digit());
    if !(int_ok || (int.is_empty() && !frac.is_empty())) || !frac_ok || int.len() > 12 {
        return Err(format!("`{s}` is not a number of seconds"));
    }
    if frac.len() > 6 {
        return Err(format!("`{s}`: at most 6 decimal places are allowed"));
    }
    // at most 12 digits (checked above): no overflow
    let secs: u64 = int.bytes().fold(0, |acc, b| acc * 10 + u64::from(b - b'0'));
    let mut micros_frac: u64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        micros_frac += u64::from(b - b'0') * 10u64.pow(5 - i as u32);
    }
    let us = secs.saturating_mul(1_000_000).saturating_add(micros_frac);
    if us < lo_us || us > hi_us {
        return Err(format!(
            "`{s}` outside range [{}, {}] seconds",
            fmt_us(lo_us),
            fmt_us(hi_us)
        ));
    }
    Ok(Duration::from_micros(us))
}

pub(crate) fn fmt_us(us: u64) -> String {
    if us.is_multiple_of(1_000_000) {
        (us / 1_000_000).to_string()
    } else {
        let s = format!("{}.{:06}", us / 1_000_000, us % 1_000_000);
        s.trim_end_matches('0').to_string()
    }
}

/// keepalived `check_true_false`: `true|on|yes` / `false|off|no`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" => Some(true),
        "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

/// Parses a MAC address `xx:xx:xx:xx:xx[:xx]`.
pub fn parse_mac(s: &str) -> Option<Vec<u8>> {
    let parts: Vec<&str> = s.split(':').collect();
    if !(5..=6).contains(&parts.len()) {
        return None;
    }
    parts
        .iter()
        .map(|p| {
            if p.len() <= 2 {
                u8::from_str_radix(p, 16).ok()
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_quads() {
        for (s, want) in [
            ("172.16.0.10", Some([172, 16, 0, 10])),
            ("0.0.0.0", Some([0, 0, 0, 0])),
            ("255.255.255.255", Some([255, 255, 255, 255])),
            ("256.1.1.1", None),
            ("01.1.1.1", None),
            ("1.1.1", None),
            ("1.1.1.1.", None),
            ("1.1.1.1 ", None),
            ("1..1.1", None),
            ("1.1.1.1234", None),
            ("", None),
        ] {
            assert_eq!(
                dotted_quad(s.as_bytes()),
                want.map(std::net::Ipv4Addr::from),
                "{s}"
            );
        }
    }

    proptest::proptest! {
        /// What the fast IPv4 path accepts, std's parser accepts with the same value, and
        /// `parse_ip` decides everything exactly as std does.
        #[test]
        fn parse_ip_is_std(s in "[0-9.:a-f]{0,16}", a: [u8; 4]) {
            let dotted = format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
            proptest::prop_assert_eq!(dotted_quad(dotted.as_bytes()), Some(std::net::Ipv4Addr::from(a)));
            for text in [s.as_str(), dotted.as_str()] {
                if let Some(v4) = dotted_quad(text.as_bytes()) {
                    proptest::prop_assert_eq!(text.parse::<std::net::Ipv4Addr>().ok(), Some(v4));
                }
                proptest::prop_assert_eq!(parse_ip(text).ok(), text.parse::<IpAddr>().ok());
            }
        }
    }

    #[test]
    fn timers() {
        assert_eq!(parse_timer("1", 0, u64::MAX), Ok(Duration::from_secs(1)));
        assert_eq!(
            parse_timer("0.5", 0, u64::MAX),
            Ok(Duration::from_millis(500))
        );
        assert!(parse_timer("0.1234567", 0, u64::MAX).is_err());
        assert!(parse_timer("0", 1, 10).is_err());
        assert!(parse_timer("abc", 0, 10).is_err());
        assert!(parse_timer("", 0, 10).is_err());
    }

    #[test]
    fn prefixes() {
        assert_eq!(parse_prefix("10.0.0.1").map(|p| p.len), Ok(32));
        assert_eq!(parse_prefix("fe80::1/64").map(|p| p.len), Ok(64));
        assert!(parse_prefix("192.168.100./24").is_err());
        assert!(parse_prefix("10.0.0.1/33").is_err());
        assert!(parse_prefix("VIP").is_err());
    }

    #[test]
    fn ints() {
        assert_eq!(parse_uint("255", 1, 255), Ok(255));
        assert!(parse_uint("256", 1, 255).is_err());
        assert!(parse_uint("-1", 0, 255).is_err());
        assert_eq!(parse_int("-253", -253, 253), Ok(-253));
        assert_eq!(parse_bool("On"), Some(true));
        assert_eq!(parse_mac("00:00:5e:00:01"), Some(vec![0, 0, 0x5e, 0, 1]));
    }

    proptest::proptest! {
        /// The one-pass digit loop gives what `str::parse::<u64>` gives on digit strings.
        #[test]
        fn parse_uint_matches_std(s in "[0-9]{1,24}|[0-9+ a-]{0,6}", lo in 0u64..3, hi in proptest::prelude::any::<u64>()) {
            let want = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse::<u64>().ok().filter(|v| *v >= lo && *v <= hi)
            } else {
                None
            };
            proptest::prop_assert_eq!(parse_uint(&s, lo, hi).ok(), want);
        }

        /// Choosing the family by `:` gives what `IpAddr`'s own parser gives.
        #[test]
        fn parse_ip_matches_std(s in "[0-9a-f:.%]{0,20}") {
            proptest::prop_assert_eq!(parse_ip(&s).ok(), s.parse::<IpAddr>().ok());
        }
    }
}
