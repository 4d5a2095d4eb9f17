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
    /// nothing. On error the contents of `buf` are unspecified.
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
        let (version_nibble, word1, auth_len) = match self.version {
            Version::V2 => {
                if family != Family::V4 {
                    return Err(EmitError::V2RequiresIpv4);
                }
                let cs = self.max_advert_int_cs;
                if !cs.is_multiple_of(100) || cs > 255 * 100 {
                    return Err(self.interval_error());
                }
                (2u8, [self.auth_type()?, (cs / 100) as u8], AUTH_DATA_LEN)
            }
            Version::V3 => {
                if self.max_advert_int_cs > 0x0fff {
                    return Err(self.interval_error());
                }
                if self.auth != Auth::None {
                    return Err(EmitError::AuthOnV3);
                }
                (3u8, self.max_advert_int_cs.to_be_bytes(), 0)
            }
        };
        let count = self.addresses.len();
        let len = HEADER_LEN + count * family.address_len() + auth_len;
        if buf.len() != len {
            // A list mixing families has another length than `family`'s.
            let expected = self.buffer_len();
            return Err(if expected == buf.len() {
                EmitError::FamilyMismatch
            } else {
                EmitError::BufferLength {
                    expected,
                    got: buf.len(),
                }
            });
        }

        // RFC 9568 §5.1 / RFC 3768 §5.1 fixed header, checksum field zero;
        // the sum is accumulated while writing.
        let header = [
            (version_nibble << 4) | TYPE_ADVERTISEMENT,
            self.vrid,
            self.priority,
            // At most 255 entries.
            count as u8,
            word1[0],
            word1[1],
            0,
            0,
        ];
        let mut sum = Sum::new();
        sum.add_u64(u64::from_be_bytes(header));
        let (head, rest) = buf.split_at_mut(HEADER_LEN);
        head.copy_from_slice(&header);
        let (list, tail) = rest.split_at_mut(count * family.address_len());
        match family {
            Family::V4 => {
                for (a, out) in self.addresses.iter().zip(list.chunks_exact_mut(4)) {
                    let IpAddr::V4(a) = a else {
                        return Err(EmitError::FamilyMismatch);
                    };
                    let o = a.octets();
                    out.copy_from_slice(&o);
                    sum.add_u32(u32::from_be_bytes(o));
                }
            }
            Family::V6 => {
                for (a, out) in self.addresses.iter().zip(list.chunks_exact_mut(16)) {
                    let IpAddr::V6(a) = a else {
                        return Err(EmitError::FamilyMismatch);
                    };
                    out.copy_from_slice(&a.octets());
                    let bits = a.to_bits();
                    sum.add_u64((bits >> 64) as u64);
                    sum.add_u64(bits as u64);
                }
            }
        }
        if self.version == Version::V2 {
            // RFC 3768 §5.3.10; `tail` is exactly the 8 bytes.
            let data = self.auth_data();
            tail.copy_from_slice(&data);
            sum.add_u64(u64::from_be_bytes(data));
        }
        // `src` and `dst` are of `family` (checked above).
        add_pseudo_header(&mut sum, self.version, family, src, dst, mode, len);
        head[6..8].copy_from_slice(&(!sum.fold()).to_be_bytes());
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
