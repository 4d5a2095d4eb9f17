//! The Internet checksum (RFC 1071) and the VRRP pseudo-headers.
//!
//! * VRRPv2 (RFC 3768 §5.3.8): 16-bit one's complement of the one's complement
//!   sum of the VRRP message, checksum field taken as zero; no pseudo-header.
//! * VRRPv3 (RFC 9568 §5.2.8): the same sum, plus the IPv4 (RFC 791) or IPv6
//!   (RFC 8200 §8.1) pseudo-header with next header 112.
//! * keepalived deviations, chosen per instance with [`ChecksumMode`].

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Family, IPPROTO_VRRP, VRRP_GROUP_V4, Version};

/// Which bytes the VRRPv3 **IPv4** checksum covers. VRRPv2 never has a
/// pseudo-header and VRRPv3 over IPv6 always has one (RFC 8200 §8.1), so this
/// choice only changes VRRPv3 over IPv4.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum ChecksumMode {
    /// RFC 9568 §5.2.8: pseudo-header with the packet's real source and
    /// destination (the peer's address for unicast). keepalived's default.
    #[default]
    Rfc,
    /// No pseudo-header, as VRRPv2 computes it: interop with peers that
    /// checksum VRRPv3/IPv4 that way (keepalived's `v3_checksum_as_v2`,
    /// added after 2.2.7).
    V3WithoutPseudoHeader,
    /// Pseudo-header whose destination is always 224.0.0.18, even for unicast:
    /// keepalived ≤ 1.3.6, and later ones configured with
    /// `old_unicast_checksum`.
    V3MulticastPseudoDestination,
}

/// A running 16-bit one's complement sum (RFC 1071), accumulated 64 bits at a
/// time with end-around carry and folded at the end.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Sum {
    acc: u64,
}

impl Sum {
    pub(crate) const fn new() -> Self {
        Sum { acc: 0 }
    }

    /// Adds a 64-bit big-endian word (four 16-bit words).
    #[inline(always)]
    pub(crate) fn add_u64(&mut self, w: u64) {
        let (s, carry) = self.acc.overflowing_add(w);
        self.acc = s + u64::from(carry);
    }

    /// Adds a 32-bit big-endian word (two 16-bit words).
    #[inline(always)]
    pub(crate) fn add_u32(&mut self, w: u32) {
        self.add_u64(u64::from(w));
    }

    /// Adds `bytes`, which must start at an even offset of the summed data;
    /// an odd trailing byte is padded with zero (RFC 1071 §4.1).
    ///
    /// Any 16-bit-aligned word may be added at any 16-bit shift, since
    /// 2^16 ≡ 1 (mod 2^16 − 1): 8-byte words, then a 4-, 2- and 1-byte tail
    /// without a variable-length copy.
    #[inline]
    pub(crate) fn add_bytes(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            if let Some(w) = c.first_chunk::<8>() {
                self.add_u64(u64::from_be_bytes(*w));
            }
        }
        let mut rest = chunks.remainder();
        if let Some((w, r)) = rest.split_first_chunk::<4>() {
            self.add_u64(u64::from(u32::from_be_bytes(*w)));
            rest = r;
        }
        if let Some((w, r)) = rest.split_first_chunk::<2>() {
            self.add_u64(u64::from(u16::from_be_bytes(*w)));
            rest = r;
        }
        if let Some(&b) = rest.first() {
            self.add_u64(u64::from(b) << 8);
        }
    }

    /// The folded 16-bit sum (not yet complemented).
    #[inline]
    pub(crate) fn fold(self) -> u16 {
        // 64 → 32 → 16 bits, each an end-around-carry add of the halves.
        let (s, c) = (self.acc as u32).overflowing_add((self.acc >> 32) as u32);
        let a = s.wrapping_add(u32::from(c));
        let (s, c) = (a as u16).overflowing_add((a >> 16) as u16);
        s.wrapping_add(u16::from(c))
    }
}

/// The pseudo-header the checksum of a `version` message of `family` over
/// `src`→`dst` covers under `mode`, added to `sum`. Returns `false` when the
/// addresses are not both of `family` (no checksum can be computed then).
#[inline]
pub(crate) fn add_pseudo_header(
    sum: &mut Sum,
    version: Version,
    family: Family,
    src: IpAddr,
    dst: IpAddr,
    mode: ChecksumMode,
    message_len: usize,
) -> bool {
    // Lengths fit: a VRRP message is at most 8 + 255 × 16 + 8 bytes.
    let len = (message_len & 0xffff) as u32;
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) if family == Family::V4 => {
            if version == Version::V2 {
                return true;
            }
            let d = match mode {
                ChecksumMode::Rfc => d,
                ChecksumMode::V3WithoutPseudoHeader => return true,
                ChecksumMode::V3MulticastPseudoDestination => VRRP_GROUP_V4,
            };
            add_v4(sum, s, d);
            // zero(8) | protocol(8) | VRRP length(16)
            sum.add_u32((u32::from(IPPROTO_VRRP) << 16) | len);
            true
        }
        (IpAddr::V6(s), IpAddr::V6(d)) if family == Family::V6 => {
            if version == Version::V2 {
                return true;
            }
            add_v6(sum, s, d);
            // upper-layer length (32) | zero (24) | next header (8)
            sum.add_u64((u64::from(len) << 32) | u64::from(IPPROTO_VRRP));
            true
        }
        _ => false,
    }
}

#[inline(always)]
fn add_v4(sum: &mut Sum, s: Ipv4Addr, d: Ipv4Addr) {
    sum.add_u64((u64::from(s.to_bits()) << 32) | u64::from(d.to_bits()));
}

#[inline(always)]
fn add_v6(sum: &mut Sum, s: Ipv6Addr, d: Ipv6Addr) {
    let (s, d) = (s.to_bits(), d.to_bits());
    sum.add_u64((s >> 64) as u64);
    sum.add_u64(s as u64);
    sum.add_u64((d >> 64) as u64);
    sum.add_u64(d as u64);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slow textbook sum, 16 bits at a time (RFC 1071 §4.1).
    fn naive(bytes: &[u8]) -> u16 {
        let mut acc: u32 = 0;
        for c in bytes.chunks(2) {
            let w = (u32::from(c[0]) << 8) | c.get(1).map_or(0, |b| u32::from(*b));
            acc += w;
            acc = (acc & 0xffff) + (acc >> 16);
        }
        acc as u16
    }

    #[test]
    fn matches_naive_sum_on_every_length() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7919 % 251) as u8 ^ 0xa5).collect();
        for len in 0..data.len() {
            let mut s = Sum::new();
            s.add_bytes(&data[..len]);
            assert_eq!(s.fold(), naive(&data[..len]), "length {len}");
        }
    }

    #[test]
    fn all_ones_words_fold_without_overflow() {
        let data = [0xffu8; 4096];
        let mut s = Sum::new();
        s.add_bytes(&data);
        assert_eq!(s.fold(), 0xffff);
        assert_eq!(naive(&data), 0xffff);
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
        let mut s = Sum::new();
        s.add_bytes(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
        assert_eq!(s.fold(), 0xddf2);
    }
}
