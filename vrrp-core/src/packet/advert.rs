//! [`Advertisement`] decoding from a [`VrrpPacket`] and encoding into a
//! caller's buffer.

use core::net::IpAddr;

use super::checksum::{ChecksumMode, Sum, add_pseudo_header};
use super::view::address_from;
use super::{
    AUTH_DATA_LEN, AddressList, Advertisement, Auth, EmitError, Family, HEADER_LEN, ParseError,
    TYPE_ADVERTISEMENT, Version, VrrpPacket,
};

impl Advertisement {
    /// Decodes a checked packet. Fails only on a type other than
    /// ADVERTISEMENT ([`ParseError::UnknownType`]); the checksum is not
    /// looked at here (see [`VrrpPacket::verify_checksum`] and
    /// [`super::validate`]).
    ///
    /// Builds a fresh [`AddressList`], which writes its whole inline array;
    /// [`Advertisement::parse_into`] reuses an existing one instead.
    pub fn parse<T: AsRef<[u8]>>(packet: &VrrpPacket<T>) -> Result<Self, ParseError> {
        let mut adv = Advertisement {
            version: packet.version(),
            vrid: 0,
            priority: 0,
            max_advert_int_cs: 0,
            auth: Auth::None,
            addresses: AddressList::new(),
        };
        adv.parse_into(packet)?;
        Ok(adv)
    }

    /// Like [`Advertisement::parse`], overwriting `self` (and only the used
    /// entries of its address list). On error `self` is left unchanged.
    pub fn parse_into<T: AsRef<[u8]>>(&mut self, packet: &VrrpPacket<T>) -> Result<(), ParseError> {
        let t = packet.packet_type();
        if t != TYPE_ADVERTISEMENT {
            return Err(ParseError::UnknownType(t));
        }
        self.version = packet.version();
        self.vrid = packet.vrid();
        self.priority = packet.priority();
        self.max_advert_int_cs = packet.max_advert_int_cs();
        self.auth = packet.auth();
        self.addresses.clear();
        let family = packet.family();
        for raw in packet.address_bytes().chunks_exact(family.address_len()) {
            // At most 255 entries (the count is one byte): push cannot fail.
            self.addresses.push(address_from(family, raw));
        }
        Ok(())
    }

    /// Checks `bytes` as a packet of `family` and decodes it: the
    /// [`VrrpPacket::new_checked`] + [`Advertisement::parse`] shortcut.
    pub fn decode(bytes: &[u8], family: Family) -> Result<Self, ParseError> {
        Self::parse(&VrrpPacket::new_checked(bytes, family)?)
    }

    /// Bytes [`Advertisement::emit`] writes: 8 + the addresses (4 or 16
    /// bytes each) + 8 bytes of authentication data for VRRPv2.
    pub fn buffer_len(&self) -> usize {
        let addrs: usize = self
            .addresses
            .iter()
            .map(|a| Family::of(*a).address_len())
            .sum();
        let auth = match self.version {
            Version::V2 => AUTH_DATA_LEN,
            Version::V3 => 0,
        };
        HEADER_LEN + addrs + auth
    }

    /// Encodes into `buf`, which must be exactly
    /// [`Advertisement::buffer_len`] bytes, with the checksum for a packet
    /// sent from `src` to `dst` under `mode` (RFC 9568 §5.2.8, RFC 3768
    /// §5.3.8). Reserved bits are sent as zero (RFC 9568 §5.2.6). Allocates
    /// nothing.
    pub fn emit(
        &self,
        buf: &mut [u8],
        src: IpAddr,
        dst: IpAddr,
        mode: ChecksumMode,
    ) -> Result<(), EmitError> {
        let family = Family::of(src);
        if Family::of(dst) != family {
            return Err(EmitError::FamilyMismatch);
        }
        let expected = self.buffer_len();
        if buf.len() != expected {
            return Err(EmitError::BufferLength {
                expected,
                got: buf.len(),
            });
        }
        let word1: [u8; 2] = match self.version {
            Version::V2 => {
                if family != Family::V4 {
                    return Err(EmitError::V2RequiresIpv4);
                }
                let cs = self.max_advert_int_cs;
                if cs % 100 != 0 || cs > 255 * 100 {
                    return Err(self.interval_error());
                }
                [self.auth_type()?, (cs / 100) as u8]
            }
            Version::V3 => {
                if self.max_advert_int_cs > 0x0fff {
                    return Err(self.interval_error());
                }
                if self.auth != Auth::None {
                    return Err(EmitError::AuthOnV3);
                }
                self.max_advert_int_cs.to_be_bytes()
            }
        };
        let version_nibble = match self.version {
            Version::V2 => 2u8,
            Version::V3 => 3u8,
        };

        let (header, rest) = buf.split_at_mut(HEADER_LEN);
        let count = self.addresses.len();
        // The list holds at most 255 entries.
        let header_bytes = [
            (version_nibble << 4) | TYPE_ADVERTISEMENT,
            self.vrid,
            self.priority,
            count as u8,
            word1[0],
            word1[1],
            0,
            0,
        ];
        header.copy_from_slice(&header_bytes);

        let mut at = 0usize;
        for a in self.addresses.iter() {
            let n = match (family, a) {
                (Family::V4, IpAddr::V4(v4)) => put(rest, at, &v4.octets()),
                (Family::V6, IpAddr::V6(v6)) => put(rest, at, &v6.octets()),
                _ => return Err(EmitError::FamilyMismatch),
            };
            at += n;
        }
        if self.version == Version::V2 {
            put(rest, at, &self.auth_data());
        }

        let mut sum = Sum::new();
        add_pseudo_header(&mut sum, self.version, src, dst, mode, expected);
        sum.add_bytes(buf);
        let checksum = (!sum.fold()).to_be_bytes();
        if let Some(field) = buf.get_mut(6..8) {
            field.copy_from_slice(&checksum);
        }
        Ok(())
    }

    fn interval_error(&self) -> EmitError {
        EmitError::IntervalOutOfRange {
            version: self.version,
            centiseconds: self.max_advert_int_cs,
        }
    }

    /// VRRPv2 Auth Type byte (RFC 3768 §5.3.6).
    fn auth_type(&self) -> Result<u8, EmitError> {
        match self.auth {
            Auth::None => Ok(0),
            Auth::Pass(_) => Ok(1),
            Auth::Ah => Ok(2),
            Auth::Other(t @ 0..=2, _) => Err(EmitError::NonCanonicalAuth(t)),
            Auth::Other(t, _) => Ok(t),
        }
    }

    /// VRRPv2 Authentication Data (RFC 3768 §5.3.10): the password for
    /// type 1, zero for types 0 and 2.
    fn auth_data(&self) -> [u8; AUTH_DATA_LEN] {
        match self.auth {
            Auth::Pass(d) | Auth::Other(_, d) => d,
            Auth::None | Auth::Ah => [0; AUTH_DATA_LEN],
        }
    }

    /// The family of the virtual addresses (`None` if there are none, or
    /// they mix families, which [`Advertisement::emit`] refuses).
    pub fn family(&self) -> Option<Family> {
        self.addresses.family()
    }
}

/// Copies `src` to `dst[at..]`, returning its length; out of range writes are
/// skipped (the caller sized `dst` from the same data, so they do not happen).
#[inline(always)]
fn put(dst: &mut [u8], at: usize, src: &[u8]) -> usize {
    if let Some(d) = dst.get_mut(at..at + src.len()) {
        d.copy_from_slice(src);
    }
    src.len()
}
