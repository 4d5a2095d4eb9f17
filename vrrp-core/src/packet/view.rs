//! [`VrrpPacket`]: a zero-copy, checked view of a received VRRP message.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::checksum::{ChecksumMode, Sum, add_pseudo_header};
use super::{AUTH_DATA_LEN, Auth, Family, HEADER_LEN, ParseError, Version};

/// A zero-copy view of a VRRP message (RFC 3768 §5.1, RFC 9568 §5.1) over any
/// byte container.
///
/// [`VrrpPacket::new_checked`] checks once that the buffer holds the whole
/// message the header describes; after that every accessor is a plain read
/// and none panics (they return zeros rather than panic even if a perverse
/// `AsRef` impl later hands out a shorter slice). Bytes after the message
/// (link padding, keepalived's `auth_hmac` trailer) are kept and reachable
/// through [`VrrpPacket::trailing`].
///
/// The address family is not in the VRRP header: it is the IP layer's
/// (RFC 9568 §5.2.9), so the caller passes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VrrpPacket<T: AsRef<[u8]>> {
    buffer: T,
    family: Family,
    version: Version,
    message_len: u16,
}

/// Byte offsets of the fixed header (RFC 9568 §5.1, RFC 3768 §5.1).
mod field {
    pub const VER_TYPE: usize = 0;
    pub const VRID: usize = 1;
    pub const PRIORITY: usize = 2;
    pub const COUNT: usize = 3;
    /// v2: auth type; v3: rsvd(4) + interval high bits.
    pub const WORD1: usize = 4;
    /// v2: interval in seconds; v3: interval low bits.
    pub const WORD1_LO: usize = 5;
    pub const CHECKSUM: usize = 6;
}

impl<T: AsRef<[u8]>> VrrpPacket<T> {
    /// Checks that `buffer` starts with a complete VRRP message of a known
    /// version for `family`, and wraps it.
    ///
    /// Errors: [`ParseError::Truncated`] (fewer bytes than the header, the
    /// address count and v2's authentication data need),
    /// [`ParseError::UnknownVersion`], [`ParseError::V2OverIpv6`]. The type
    /// nibble is not checked here (see [`VrrpPacket::packet_type`]).
    pub fn new_checked(buffer: T, family: Family) -> Result<Self, ParseError> {
        let b = buffer.as_ref();
        let Some(&[ver_type, _, _, count]) = b.first_chunk::<4>() else {
            return Err(ParseError::Truncated {
                needed: HEADER_LEN,
                got: b.len(),
            });
        };
        let version = match ver_type >> 4 {
            2 => Version::V2,
            3 => Version::V3,
            v => return Err(ParseError::UnknownVersion(v)),
        };
        if version == Version::V2 && family == Family::V6 {
            return Err(ParseError::V2OverIpv6);
        }
        let needed = message_len(version, family, count);
        if b.len() < needed {
            return Err(ParseError::Truncated {
                needed,
                got: b.len(),
            });
        }
        Ok(VrrpPacket {
            buffer,
            family,
            version,
            // At most 8 + 255 × 16 = 4088 bytes.
            message_len: needed as u16,
        })
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole wrapped buffer (message and trailing bytes).
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    #[inline(always)]
    fn byte(&self, i: usize) -> u8 {
        self.buffer.as_ref().get(i).copied().unwrap_or(0)
    }

    #[inline(always)]
    fn bytes(&self, from: usize, len: usize) -> &[u8] {
        self.buffer
            .as_ref()
            .get(from..from.saturating_add(len))
            .unwrap_or(&[])
    }

    /// The address family the caller declared.
    pub fn family(&self) -> Family {
        self.family
    }

    /// Version (RFC 9568 §5.2.1): 2 or 3.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Type nibble (RFC 9568 §5.2.2): 1 is ADVERTISEMENT, the only type;
    /// anything else must be discarded.
    pub fn packet_type(&self) -> u8 {
        self.byte(field::VER_TYPE) & 0x0f
    }

    /// Virtual Router ID (RFC 9568 §5.2.3).
    pub fn vrid(&self) -> u8 {
        self.byte(field::VRID)
    }

    /// Priority (RFC 9568 §5.2.4): 0 = the master is leaving, 255 = owner.
    pub fn priority(&self) -> u8 {
        self.byte(field::PRIORITY)
    }

    /// "Count IPvX Addrs" (RFC 9568 §5.2.5).
    pub fn count_ip_addrs(&self) -> u8 {
        self.byte(field::COUNT)
    }

    /// VRRPv2 Auth Type (RFC 3768 §5.3.6); 0 for VRRPv3, which has none.
    pub fn auth_type(&self) -> u8 {
        match self.version {
            Version::V2 => self.byte(field::WORD1),
            Version::V3 => 0,
        }
    }

    /// The interval field as carried: VRRPv2 Adver Int in seconds
    /// (RFC 3768 §5.3.7), VRRPv3 Max Advertise Interval in centiseconds
    /// with the 4 reserved bits masked off (RFC 9568 §5.2.6–7).
    pub fn advert_int_field(&self) -> u16 {
        match self.version {
            Version::V2 => u16::from(self.byte(field::WORD1_LO)),
            Version::V3 => {
                u16::from_be_bytes([self.byte(field::WORD1), self.byte(field::WORD1_LO)]) & 0x0fff
            }
        }
    }

    /// The interval in centiseconds for both versions (VRRPv2 seconds × 100).
    pub fn max_advert_int_cs(&self) -> u16 {
        match self.version {
            Version::V2 => self.advert_int_field() * 100,
            Version::V3 => self.advert_int_field(),
        }
    }

    /// VRRPv3's 4 reserved bits (RFC 9568 §5.2.6: sent as zero, ignored on
    /// receive); 0 for VRRPv2.
    pub fn reserved(&self) -> u8 {
        match self.version {
            Version::V2 => 0,
            Version::V3 => self.byte(field::WORD1) >> 4,
        }
    }

    /// The checksum field as received (RFC 9568 §5.2.8).
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.byte(field::CHECKSUM), self.byte(field::CHECKSUM + 1)])
    }

    /// Length of the VRRP message: header, addresses and (VRRPv2) auth data.
    pub fn message_len(&self) -> usize {
        usize::from(self.message_len)
    }

    /// The VRRP message bytes (what the checksum covers).
    pub fn message(&self) -> &[u8] {
        self.bytes(0, self.message_len())
    }

    /// Bytes after the message: link padding, keepalived's `auth_hmac`
    /// trailer, or junk. Receive validation drops packets that have any.
    pub fn trailing(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(self.message_len()..)
            .unwrap_or(&[])
    }

    /// The raw address list: `count_ip_addrs()` × 4 (IPv4) or × 16 (IPv6)
    /// bytes (RFC 9568 §5.2.9).
    pub fn address_bytes(&self) -> &[u8] {
        let n = usize::from(self.count_ip_addrs()) * self.family.address_len();
        self.bytes(HEADER_LEN, n)
    }

    /// The `i`-th address, if there is one.
    pub fn address(&self, i: usize) -> Option<IpAddr> {
        let len = self.family.address_len();
        let raw = self
            .address_bytes()
            .get(i.checked_mul(len)?..i.checked_mul(len)?.checked_add(len)?)?;
        Some(address_from(self.family, raw))
    }

    /// Iterates over the addresses without allocating.
    pub fn addresses(&self) -> Addresses<'_> {
        Addresses {
            chunks: self.address_bytes().chunks_exact(self.family.address_len()),
            family: self.family,
        }
    }

    /// VRRPv2 Authentication Data (RFC 3768 §5.3.10), 8 bytes after the
    /// addresses; `None` for VRRPv3.
    pub fn auth_data(&self) -> Option<[u8; AUTH_DATA_LEN]> {
        match self.version {
            Version::V2 => {
                let off = HEADER_LEN + self.address_bytes().len();
                self.bytes(off, AUTH_DATA_LEN).first_chunk().copied()
            }
            Version::V3 => None,
        }
    }

    /// The authentication the packet carries, decoded as [`Auth`]
    /// (`Auth::None` for VRRPv3). The data of types 0 and 2 is not kept
    /// (RFC 3768 §5.3.6.1, §5.3.10: ignored on reception).
    pub fn auth(&self) -> Auth {
        let data = self.auth_data().unwrap_or_default();
        match self.auth_type() {
            0 => Auth::None,
            1 => Auth::Pass(data),
            2 => Auth::Ah,
            t => Auth::Other(t, data),
        }
    }

    /// The checksum this message should carry when sent `src`→`dst` under
    /// `mode` (computed with the checksum field taken as zero). `None` if
    /// `src` and `dst` are not of the packet's family.
    pub fn compute_checksum(&self, src: IpAddr, dst: IpAddr, mode: ChecksumMode) -> Option<u16> {
        let mut sum = self.sum_with_pseudo_header(src, dst, mode)?;
        sum.add_u32(!u32::from(self.checksum()) & 0xffff);
        Some(!sum.fold())
    }

    /// True if the checksum is right for `src`→`dst` under `mode`
    /// (RFC 3768 §7.1 and RFC 9568 §7.1: "MUST verify the VRRP checksum").
    #[inline]
    pub fn verify_checksum(&self, src: IpAddr, dst: IpAddr, mode: ChecksumMode) -> bool {
        self.sum_with_pseudo_header(src, dst, mode)
            .is_some_and(|s| s.fold() == 0xffff)
    }

    #[inline]
    fn sum_with_pseudo_header(&self, src: IpAddr, dst: IpAddr, mode: ChecksumMode) -> Option<Sum> {
        let msg = self.message();
        let mut sum = Sum::new();
        if !add_pseudo_header(
            &mut sum,
            self.version,
            self.family,
            src,
            dst,
            mode,
            msg.len(),
        ) {
            return None;
        }
        sum.add_bytes(msg);
        Some(sum)
    }
}

/// Message length implied by the header: RFC 9568 §5.1 (8 + n × 4|16) and
/// RFC 3768 §5.1 (8 + n × 4 + 8).
pub(crate) fn message_len(version: Version, family: Family, count: u8) -> usize {
    let auth = match version {
        Version::V2 => AUTH_DATA_LEN,
        Version::V3 => 0,
    };
    HEADER_LEN + usize::from(count) * family.address_len() + auth
}

#[inline(always)]
pub(crate) fn address_from(family: Family, raw: &[u8]) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::from(
            raw.first_chunk::<4>().copied().unwrap_or_default(),
        )),
        Family::V6 => IpAddr::V6(Ipv6Addr::from(
            raw.first_chunk::<16>().copied().unwrap_or_default(),
        )),
    }
}

/// Iterator over a packet's addresses; see [`VrrpPacket::addresses`].
#[derive(Clone, Debug)]
pub struct Addresses<'a> {
    chunks: core::slice::ChunksExact<'a, u8>,
    family: Family,
}

impl Iterator for Addresses<'_> {
    type Item = IpAddr;
    #[inline]
    fn next(&mut self) -> Option<IpAddr> {
        self.chunks.next().map(|c| address_from(self.family, c))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl ExactSizeIterator for Addresses<'_> {}
impl DoubleEndedIterator for Addresses<'_> {
    fn next_back(&mut self) -> Option<IpAddr> {
        self.chunks
            .next_back()
            .map(|c| address_from(self.family, c))
    }
}
