//! The VRRP advertisement codec: VRRPv2 (RFC 3768 §5) and VRRPv3 (RFC 9568 §5),
//! IPv4 and IPv6.
//!
//! The codec helper owns this module; the shape of [`Advertisement`] below is
//! the contract the state machine builds on (fields may be added, not renamed).

use core::net::IpAddr;

/// Most addresses one advertisement can carry (the count field is 8 bits).
pub const MAX_ADDRESSES: usize = 255;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Family {
    /// IPv4 (protocol 112 over IPv4, 224.0.0.18).
    V4,
    /// IPv6 (next header 112, ff02::12).
    V6,
}

/// VRRPv2 authentication (RFC 3768 §5.3.6; keepalived also knows AH, which
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

/// One VRRP advertisement, owned and decoded.
///
/// `addresses` is a fixed-capacity inline list so that decoding allocates
/// nothing; `addr_count` says how many entries of it are valid.
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

/// Fixed-capacity list of IP addresses (no heap).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AddressList {
    len: u8,
    items: [IpAddr; MAX_ADDRESSES],
}

impl AddressList {
    /// An empty list.
    pub const fn new() -> Self {
        AddressList {
            len: 0,
            items: [IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED); MAX_ADDRESSES],
        }
    }
    /// Appends; returns `false` if the list is full.
    pub fn push(&mut self, a: IpAddr) -> bool {
        let i = usize::from(self.len);
        match self.items.get_mut(i) {
            Some(slot) => {
                *slot = a;
                self.len += 1;
                true
            }
            None => false,
        }
    }
    /// Number of addresses.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }
    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The addresses as a slice.
    pub fn as_slice(&self) -> &[IpAddr] {
        &self.items[..usize::from(self.len)]
    }
}

impl Default for AddressList {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for AddressList {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<'a> FromIterator<&'a IpAddr> for AddressList {
    fn from_iter<I: IntoIterator<Item = &'a IpAddr>>(iter: I) -> Self {
        let mut l = AddressList::new();
        for a in iter {
            if !l.push(*a) {
                break;
            }
        }
        l
    }
}
