//! [`EncodedAdvert`]: an advertisement encoded once and sent many times, with
//! only its priority and destination changed per datagram.
//!
//! A Master sends the same message every Advertisement_Interval; only the
//! priority (trackers, priority 0 on release) and, with unicast peers, the
//! destination of the VRRPv3 pseudo-header change. Rather than encoding the
//! whole message again, the cached bytes are copied and the checksum is
//! updated incrementally (RFC 1624 §3, eqn. 3: `HC' = ~(~HC + ~m + m')` over
//! the 16-bit words that changed). The result is bit for bit what
//! [`Advertisement::emit`] writes: the one's complement sum of a VRRP message
//! is never zero (its first word holds the version), so the updated sum has
//! the same representative in `1..=0xffff` as a fresh one.

use alloc::{boxed::Box, vec};
use core::net::IpAddr;

use super::checksum::{ChecksumMode, Sum};
use super::{Advertisement, EmitError, Family, Version};

/// Offset of the priority byte; with the address count it forms the second
/// 16-bit word of the message (RFC 9568 §5.1).
const PRIORITY_AT: usize = 2;
/// Offset of the checksum field (RFC 9568 §5.2.8, RFC 3768 §5.3.8).
const CHECKSUM_AT: usize = 6;

/// An advertisement encoded for one source and destination, re-targeted per
/// datagram by [`EncodedAdvert::write`].
#[derive(Clone, PartialEq, Eq)]
pub struct EncodedAdvert {
    /// The message as [`Advertisement::emit`] wrote it for `dst`.
    bytes: Box<[u8]>,
    /// The destination the checksum of `bytes` was computed for.
    dst: IpAddr,
    /// The destination is part of the checksummed pseudo-header: VRRPv3 over
    /// IPv6 always, over IPv4 in [`ChecksumMode::Rfc`].
    dst_in_sum: bool,
}

impl EncodedAdvert {
    /// Encodes `adv` sent from `src` to `dst` with the checksum of `mode`
    /// (the same checks as [`Advertisement::emit`]).
    pub fn new(
        adv: &Advertisement,
        src: IpAddr,
        dst: IpAddr,
        mode: ChecksumMode,
    ) -> Result<Self, EmitError> {
        let mut bytes = vec![0u8; adv.buffer_len()].into_boxed_slice();
        adv.emit(&mut bytes, src, dst, mode)?;
        let dst_in_sum = adv.version == Version::V3
            && match Family::of(dst) {
                Family::V6 => true,
                Family::V4 => mode == ChecksumMode::Rfc,
            };
        Ok(EncodedAdvert {
            bytes,
            dst,
            dst_in_sum,
        })
    }

    /// The encoded message, for the destination and priority it was built
    /// with.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Length of the message (what [`EncodedAdvert::write`] needs).
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Never true: a message has at least its 8-byte header.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The destination the cached checksum was computed for.
    pub fn dst(&self) -> IpAddr {
        self.dst
    }

    /// Writes the message with `priority`, checksummed for `dst`, into `out`
    /// (exactly [`EncodedAdvert::len`] bytes): a copy, the priority byte, and
    /// the checksum updated for the changed words (RFC 1624 eqn. 3). Equal to
    /// what [`Advertisement::emit`] writes for the same advertisement with
    /// that priority sent to `dst`. Allocates nothing.
    pub fn write(&self, out: &mut [u8], priority: u8, dst: IpAddr) -> Result<(), EmitError> {
        if out.len() != self.bytes.len() {
            return Err(EmitError::BufferLength {
                expected: self.bytes.len(),
                got: out.len(),
            });
        }
        if Family::of(self.dst) != Family::of(dst) {
            return Err(EmitError::FamilyMismatch);
        }
        out.copy_from_slice(&self.bytes);
        let [.., prio, count, _, _, c0, c1] = *self.header();
        // ~HC is the one's complement sum of the original message.
        let mut sum = Sum::new();
        sum.add_u32(u32::from(!u16::from_be_bytes([c0, c1])));
        // The priority word: ~m + m'.
        sum.add_u32(u32::from(!u16::from_be_bytes([prio, count])));
        sum.add_u32(u32::from(u16::from_be_bytes([priority, count])));
        if self.dst_in_sum && dst != self.dst {
            // The destination words of the pseudo-header; the complement of
            // a wider word is the complement of each of its 16-bit words.
            match (self.dst, dst) {
                (IpAddr::V4(old), IpAddr::V4(new)) => {
                    sum.add_u32(!old.to_bits());
                    sum.add_u32(new.to_bits());
                }
                (IpAddr::V6(old), IpAddr::V6(new)) => {
                    let (old, new) = (old.to_bits(), new.to_bits());
                    sum.add_u64(!((old >> 64) as u64));
                    sum.add_u64(!(old as u64));
                    sum.add_u64((new >> 64) as u64);
                    sum.add_u64(new as u64);
                }
                _ => return Err(EmitError::FamilyMismatch),
            }
        }
        if let Some(p) = out.get_mut(PRIORITY_AT) {
            *p = priority;
        }
        if let Some(c) = out.get_mut(CHECKSUM_AT..CHECKSUM_AT + 2) {
            c.copy_from_slice(&(!sum.fold()).to_be_bytes());
        }
        Ok(())
    }

    /// The fixed header: version/type, VRID, priority, count, two bytes of
    /// interval (and auth type), checksum.
    fn header(&self) -> &[u8; 8] {
        const EMPTY: [u8; 8] = [0; 8];
        self.bytes.first_chunk::<8>().unwrap_or(&EMPTY)
    }
}

impl core::fmt::Debug for EncodedAdvert {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EncodedAdvert")
            .field("len", &self.bytes.len())
            .field("dst", &self.dst)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{AddressList, Auth};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn fresh(
        adv: &Advertisement,
        priority: u8,
        src: IpAddr,
        dst: IpAddr,
        m: ChecksumMode,
    ) -> Vec<u8> {
        let mut a = adv.clone();
        a.priority = priority;
        let mut b = vec![0; a.buffer_len()];
        a.emit(&mut b, src, dst, m).unwrap();
        b
    }

    #[test]
    fn patched_equals_fresh_for_each_mode_and_family() {
        let v4 = Advertisement {
            version: Version::V3,
            vrid: 7,
            priority: 100,
            max_advert_int_cs: 100,
            auth: Auth::None,
            addresses: [ip("10.0.0.100"), ip("10.0.0.101")]
                .iter()
                .collect::<AddressList>(),
        };
        let (src, dst0, dst1) = (ip("10.0.0.2"), ip("224.0.0.18"), ip("10.0.0.3"));
        for m in [
            ChecksumMode::Rfc,
            ChecksumMode::V3WithoutPseudoHeader,
            ChecksumMode::V3MulticastPseudoDestination,
        ] {
            let e = EncodedAdvert::new(&v4, src, dst0, m).unwrap();
            for p in [0, 1, 100, 254, 255] {
                for d in [dst0, dst1] {
                    let mut out = vec![0; e.len()];
                    e.write(&mut out, p, d).unwrap();
                    assert_eq!(out, fresh(&v4, p, src, d, m), "{m:?} {p} {d}");
                }
            }
        }
        let v6 = Advertisement {
            addresses: [ip("fe80::100"), ip("2001:db8::1")]
                .iter()
                .collect::<AddressList>(),
            ..v4
        };
        let (src, dst0, dst1) = (ip("fe80::2"), ip("ff02::12"), ip("fe80::3"));
        let e = EncodedAdvert::new(&v6, src, dst0, ChecksumMode::Rfc).unwrap();
        let mut out = vec![0; e.len()];
        e.write(&mut out, 0, dst1).unwrap();
        assert_eq!(out, fresh(&v6, 0, src, dst1, ChecksumMode::Rfc));
    }

    #[test]
    fn wrong_buffer_or_family_is_refused() {
        let a = Advertisement {
            version: Version::V2,
            vrid: 1,
            priority: 100,
            max_advert_int_cs: 100,
            auth: Auth::Pass(*b"secret\0\0"),
            addresses: [ip("10.0.0.100")].iter().collect::<AddressList>(),
        };
        let e =
            EncodedAdvert::new(&a, ip("10.0.0.2"), ip("224.0.0.18"), ChecksumMode::Rfc).unwrap();
        assert_eq!(e.len(), 20);
        assert!(matches!(
            e.write(&mut [0; 19], 1, ip("224.0.0.18")),
            Err(EmitError::BufferLength {
                expected: 20,
                got: 19
            })
        ));
        assert_eq!(
            e.write(&mut [0; 20], 1, ip("ff02::12")),
            Err(EmitError::FamilyMismatch)
        );
    }
}
