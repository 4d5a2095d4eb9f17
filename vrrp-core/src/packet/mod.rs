//! The VRRP advertisement codec: VRRPv2 (RFC 3768) and VRRPv3 (RFC 9568, which
//! obsoletes RFC 5798), over IPv4 and IPv6.
//!
//! # Layers
//!
//! * [`VrrpPacket`]: a zero-copy view over received bytes, checked once by
//!   [`VrrpPacket::new_checked`] (complete message, known version); accessors
//!   never panic afterwards. Checksums: [`VrrpPacket::verify_checksum`].
//! * [`Advertisement`]: the owned, decoded form. [`Advertisement::parse`]
//!   reads a view; [`Advertisement::emit`] writes into a caller buffer of
//!   exactly [`Advertisement::buffer_len`] bytes and fills in the checksum.
//! * [`validate`]: the receive checks of RFC 9568 §7.1 / RFC 3768 §7.1 (and
//!   keepalived's `vrrp_check_packet`) against an instance's
//!   [`Expectations`], returning the view or a [`DropReason`].
//! * [`EncodedAdvert`]: an advertisement encoded once, then copied per
//!   datagram with its priority and destination patched and the checksum
//!   updated incrementally (RFC 1624), the send path of [`crate::Node`].
//!
//! Nothing here allocates: not the view, not validation, not reading the
//! address list, not emit, not [`EncodedAdvert::write`]
//! (`tests/codec_no_alloc.rs` proves it with a counting allocator); only
//! [`EncodedAdvert::new`] allocates its copy of the message.
//!
//! # Wire format (RFC 9568 §5.1, RFC 3768 §5.1)
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! v3: |(rsvd) |     Max Adver Int     |          Checksum             |
//! v2: |   Auth Type   |   Adver Int   |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |       IPvX Address(es): count × 4 (IPv4) or × 16 (IPv6)       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   v2 only: Authentication Data, 8 bytes (RFC 3768 §5.3.10)    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! * Version (§5.2.1) 2 or 3; Type (§5.2.2) 1 = ADVERTISEMENT, the only one.
//! * VRRPv2's Adver Int is in seconds (RFC 3768 §5.3.7); VRRPv3's Max Adver
//!   Int is 12 bits of centiseconds (RFC 9568 §5.2.7). [`Advertisement`] keeps
//!   centiseconds for both.
//! * Checksum (RFC 9568 §5.2.8, RFC 3768 §5.3.8): see [`ChecksumMode`].
//!   VRRPv2 covers the message only; VRRPv3 adds the IPv4 or IPv6
//!   pseudo-header; keepalived's two IPv4 variants are explicit modes.
//! * Authentication, VRRPv2 only (RFC 3768 §5.3.6): type 0 none; types 1
//!   (simple password, RFC 2338 §5.3.6.2) and 2 (IP AH, RFC 2338 §5.3.6.3)
//!   are reserved by RFC 3768 for RFC 2338 compatibility and still used by
//!   keepalived. Type 2's IPsec Authentication Header (HMAC-MD5-96 over the
//!   IPv4 datagram, keepalived's sequence numbers) is [`ah`]. VRRPv3 has no
//!   authentication field.
//!
//! The IP layer's part (RFC 9568 §5.1.1, §5.1.2): protocol 112, TTL/hop
//! limit 255, destination 224.0.0.18 or ff02::12 ([`VRRP_GROUP_V4`],
//! [`VRRP_GROUP_V6`]) unless unicast peers are configured.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

mod address_list;
mod advert;
pub mod ah;
mod checksum;
mod encoded;
mod error;
mod validate;
mod view;

pub use address_list::AddressList;
pub use checksum::ChecksumMode;
pub use encoded::EncodedAdvert;
pub use error::{EmitError, ParseError};
pub use validate::{
    AddressCheck, DropReason, Expectations, Notes, RxMeta, UnicastPeer, Validated, validate,
};
pub use view::{Addresses, VrrpPacket};

/// Most addresses one advertisement can carry (the count field is 8 bits).
pub const MAX_ADDRESSES: usize = 255;

/// IP protocol / IPv6 next header number of VRRP (RFC 9568 §5.1.1.4).
pub const IPPROTO_VRRP: u8 = 112;

/// IPv4 multicast group of VRRP (RFC 9568 §5.1.1.2).
pub const VRRP_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

/// IPv6 multicast group of VRRP (RFC 9568 §5.1.2.2).
pub const VRRP_GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

/// TTL / hop limit every VRRP packet is sent with and multicast receivers
/// require (RFC 9568 §5.1.1.3, §7.1).
pub const VRRP_TTL: u8 = 255;

/// Length of the fixed header.
pub const HEADER_LEN: usize = 8;

/// Length of VRRPv2's Authentication Data (RFC 3768 §5.3.10).
pub const AUTH_DATA_LEN: usize = 8;

/// The Type value of an advertisement (RFC 9568 §5.2.2).
pub const TYPE_ADVERTISEMENT: u8 = 1;

/// VRRP protocol version (RFC 3768 is 2, RFC 9568 is 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Version {
    /// VRRPv2, RFC 3768: IPv4 only, interval in seconds, optional auth.
    V2,
    /// VRRPv3, RFC 9568: IPv4 and IPv6, interval in centiseconds.
    V3,
}

/// Address family of the virtual router.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Family {
    /// IPv4 (protocol 112 over IPv4, 224.0.0.18).
    V4,
    /// IPv6 (next header 112, ff02::12).
    V6,
}

impl Family {
    /// The family of `a`.
    pub const fn of(a: IpAddr) -> Family {
        match a {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    /// Bytes one address of this family takes in the address list.
    pub const fn address_len(self) -> usize {
        match self {
            Family::V4 => 4,
            Family::V6 => 16,
        }
    }

    /// The VRRP multicast group of this family.
    pub const fn group(self) -> IpAddr {
        match self {
            Family::V4 => IpAddr::V4(VRRP_GROUP_V4),
            Family::V6 => IpAddr::V6(VRRP_GROUP_V6),
        }
    }
}

/// VRRPv2 authentication (RFC 3768 §5.3.6, RFC 2338 §5.3.6; keepalived also knows AH, which
/// is carried in an IPsec header and not in this field's data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Auth {
    /// Type 0: no authentication, data field zero.
    None,
    /// Type 1: simple text password, up to 8 bytes, zero padded.
    Pass([u8; 8]),
    /// Type 2: IP Authentication Header (the 8 data bytes are zero).
    Ah,
    /// Any other type value, kept with its raw data.
    Other(u8, [u8; 8]),
}

impl Auth {
    /// `Auth::Pass` from a password as keepalived's `auth_pass` takes it:
    /// truncated to 8 bytes, NUL padded (RFC 3768 §5.3.10).
    pub fn pass(password: &[u8]) -> Auth {
        let mut data = [0u8; AUTH_DATA_LEN];
        for (d, s) in data.iter_mut().zip(password) {
            *d = *s;
        }
        Auth::Pass(data)
    }
}

/// One VRRP advertisement, owned and decoded.
///
/// `addresses` is a fixed-capacity inline list so that decoding allocates
/// nothing. Decode with [`Advertisement::parse`] (or
/// [`Advertisement::decode`]), encode with [`Advertisement::emit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advertisement {
    /// Protocol version.
    pub version: Version,
    /// Virtual router identifier, 1–255.
    pub vrid: u8,
    /// Sender's priority: 0 = releasing, 255 = address owner.
    pub priority: u8,
    /// Advertisement interval in centiseconds. For VRRPv2 this is the 8-bit
    /// seconds field × 100 (so always a whole number of seconds).
    pub max_advert_int_cs: u16,
    /// VRRPv2 authentication; `Auth::None` for VRRPv3.
    pub auth: Auth,
    /// The virtual addresses carried (all of one family).
    pub addresses: AddressList,
}

#[cfg(test)]
mod tests;
