//! `persistence_granularity` read as keepalived 2.2.7 reads it
//! (check_parser.c `pgr_handler`, docs/keepalived.md §4.7).
//!
//! An IPv4 service takes the word as a numeric IPv4 address, the glibc
//! `getaddrinfo` numeric-host reading (the classic `inet_aton` forms: one to
//! four parts, each decimal, octal with a leading `0` or hexadecimal with
//! `0x`, the last part filling the bytes that remain). So `24` is the netmask
//! 0.0.0.24, not a prefix length. An IPv6 service takes a decimal prefix
//! length 1..128 (parser.c `read_unsigned_func`).

use ipvs_sys::AddressFamily;

/// Why a `persistence_granularity` is refused: the messages keepalived logs,
/// in its order. keepalived then runs the service without a granularity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(super) enum GranularityError {
    /// Not a numeric IPv4 address.
    #[error("Invalid IPv4 persistence_granularity specified - {0}")]
    Ipv4(String),
    /// Not a prefix length 1..128; the first message is keepalived's number
    /// reader's.
    #[error("{number}; Invalid IPv6 persistence_granularity specified - {word}")]
    Ipv6 {
        /// parser.c `read_unsigned_func`'s message.
        number: String,
        /// The word as written.
        word: String,
    },
}

impl GranularityError {
    /// The lines keepalived logs for this error, in its order.
    pub(super) fn messages(&self) -> Vec<String> {
        match self {
            Self::Ipv4(_) => vec![self.to_string()],
            Self::Ipv6 { number, word } => vec![
                number.clone(),
                format!("Invalid IPv6 persistence_granularity specified - {word}"),
            ],
        }
    }
}

/// The granularity the kernel is given: for IPv4 a host-order netmask, for
/// IPv6 a prefix length.
pub(super) fn parse(word: &str, af: AddressFamily) -> Result<u32, GranularityError> {
    match af {
        AddressFamily::Inet => {
            inet_aton_exact(word).ok_or_else(|| GranularityError::Ipv4(word.to_string()))
        }
        AddressFamily::Inet6 => prefix_length(word).map_err(|number| GranularityError::Ipv6 {
            number,
            word: word.to_string(),
        }),
    }
}

/// Whether an IPv4 granularity is written other than as four decimal parts
/// (`24`, `255.255.255`, `0xffffff00`): keepalived takes such a word as an
/// address without a message, which for a number like `24` is hardly meant.
pub(super) fn is_short_form(word: &str) -> bool {
    word.parse::<std::net::Ipv4Addr>().is_err()
}

/// A numeric IPv4 address as glibc's `getaddrinfo` with `AI_NUMERICHOST`
/// reads one (its exact `inet_aton`: the whole word, no trailing text), as a
/// host-order number.
///
/// One to four parts separated by dots; each starts with a digit and is
/// decimal, octal (leading `0`) or hexadecimal (`0x`); every part but the
/// last is one byte, the last fills the remaining 4, 3, 2 or 1 bytes.
pub(super) fn inet_aton_exact(word: &str) -> Option<u32> {
    let parts: Vec<&str> = word.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let (last, leading) = parts.split_last()?;
    let mut value: u32 = 0;
    for (i, part) in leading.iter().enumerate() {
        let byte = u8::try_from(c_number(part)?).ok()?;
        value |= u32::from(byte) << (24 - 8 * i);
    }
    let rest_bits = 32 - 8 * leading.len() as u32;
    let tail = c_number(last)?;
    if rest_bits < 32 && tail >> rest_bits != 0 {
        return None;
    }
    Some(value | tail)
}

/// One part of an `inet_aton` address: a C integer constant (`strtoul` with
/// base 0) that starts with a digit and is the whole part, at most 32 bits.
fn c_number(part: &str) -> Option<u32> {
    if !part.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

/// A prefix length 1..128 as parser.c `read_unsigned_func` reads one (base
/// 10 `strtoul` after leading white space, so a `+` sign is taken); the
/// error is keepalived's message for the word.
fn prefix_length(word: &str) -> Result<u32, String> {
    let number = word.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if number.starts_with('-') {
        return Err(format!("negative number '{word}'"));
    }
    let digits = number.strip_prefix('+').unwrap_or(number);
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    if end < digits.len() || (end == 0 && !number.is_empty()) {
        // strtoul stops at the first character that is not a digit: text
        // after the number, or a word without digits, is refused.
        return Err(format!("invalid number '{word}'"));
    }
    if end == 0 {
        // Nothing but white space: strtoul reads 0.
        return Err(format!("number '{word}' outside range [1, 128]"));
    }
    match digits.parse::<u64>() {
        Ok(n) if n <= u64::from(u32::MAX) => {
            if (1..=128).contains(&n) {
                Ok(n as u32)
            } else {
                Err(format!("number '{word}' outside range [1, 128]"))
            }
        }
        _ => Err(format!("number '{word}' outside unsigned integer range")),
    }
}

/// `persistence_granularity` as keepalived holds it for its SNMP agent,
/// read in `af` (the family keepalived knows at that line, see
/// `granularity_family`): an IPv4 netmask's bytes in network order read as
/// a number in memory order, an IPv6 prefix length as it is; None when it
/// is refused.
pub(super) fn held(word: &str, af: AddressFamily) -> Option<u32> {
    let m = parse(word, af).ok()?;
    Some(match af {
        AddressFamily::Inet => u32::from_ne_bytes(m.to_be_bytes()),
        AddressFamily::Inet6 => m,
    })
}
