//! Receive validation: RFC 9568 §7.1, RFC 3768 §7.1 and keepalived's
//! `vrrp_check_packet` order (see the order on [`validate`]).

use core::net::IpAddr;

use super::checksum::ChecksumMode;
use super::{
    Auth, Family, HEADER_LEN, ParseError, TYPE_ADVERTISEMENT, VRRP_TTL, Version, VrrpPacket,
};

/// What the IP layer saw of a received VRRP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RxMeta {
    /// IP source address.
    pub src: IpAddr,
    /// IP destination address (the group, or our address for unicast).
    pub dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
}

/// A configured unicast peer (keepalived `unicast_peer { IP [min_ttl N]
/// [max_ttl N] }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UnicastPeer {
    /// The peer's address.
    pub address: IpAddr,
    /// Lowest TTL accepted from it (with `check_unicast_src`).
    pub min_ttl: u8,
    /// Highest TTL accepted from it (with `check_unicast_src`).
    pub max_ttl: u8,
}

impl UnicastPeer {
    /// A peer accepting any TTL.
    pub const fn new(address: IpAddr) -> Self {
        UnicastPeer {
            address,
            min_ttl: 0,
            max_ttl: 255,
        }
    }
}

/// What to do when the advertised address list differs from ours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum AddressCheck {
    /// Do not compare.
    Skip,
    /// Compare, accept, and flag the mismatch in [`Notes`]: RFC 9568 §7.1
    /// ("MAY verify ... SHOULD log") and keepalived (`addr_list_err`).
    #[default]
    Report,
    /// RFC 3768 §7.1: on a mismatch drop the packet unless it comes from the
    /// address owner (priority 255).
    DropUnlessOwner,
}

/// An instance's expectations of the adverts it accepts.
///
/// Build with [`Expectations::new`] and set the public fields.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Expectations<'a> {
    /// Configured version; any other is dropped (RFC 9568 §7.1).
    pub version: Version,
    /// Our virtual router ID.
    pub vrid: u8,
    /// Our address family.
    pub family: Family,
    /// Our VRRPv2 authentication (RFC 3768 §7.1); ignored for VRRPv3.
    /// `Auth::Ah` only checks the type: the IP layer verifies the AH header.
    pub auth: Auth,
    /// Our Advertisement_Interval in centiseconds. VRRPv2 drops a mismatch
    /// (RFC 3768 §7.1); VRRPv3 only flags it (RFC 9568 §7.1 "SHOULD log").
    pub advert_int_cs: u16,
    /// Our virtual addresses, for [`Expectations::address_check`].
    pub addresses: &'a [IpAddr],
    /// How to compare the advertised addresses with ours.
    pub address_check: AddressCheck,
    /// The checksum rule for VRRPv3 over IPv4.
    pub checksum: ChecksumMode,
    /// Also accept a VRRPv3/IPv4 unicast checksum computed with 224.0.0.18
    /// as pseudo-header destination (keepalived's automatic
    /// `old_unicast_checksum` detection); flagged in [`Notes`].
    pub accept_old_unicast_checksum: bool,
    /// Unicast peers; empty means the instance is multicast.
    pub unicast_peers: &'a [UnicastPeer],
    /// keepalived `check_unicast_src`: the source must be a configured peer
    /// and the TTL within its bounds.
    pub check_unicast_src: bool,
    /// Drop adverts while we are the address owner (keepalived
    /// `owner_ignore_adverts`; RFC 3768 §7.1's owner check). RFC 9568 (with
    /// erratum 8298) only asks to log, so this is off by default.
    pub owner_ignores_adverts: bool,
    /// Whether we are the address owner (priority 255).
    pub is_owner: bool,
}

impl<'a> Expectations<'a> {
    /// Expectations for VRID `vrid` of `version` over `family`: no
    /// authentication, 1 s interval, no addresses to compare against (set
    /// [`Expectations::addresses`]), multicast, RFC checksum.
    pub const fn new(version: Version, vrid: u8, family: Family) -> Self {
        Expectations {
            version,
            vrid,
            family,
            auth: Auth::None,
            advert_int_cs: 100,
            addresses: &[],
            address_check: AddressCheck::Report,
            checksum: ChecksumMode::Rfc,
            accept_old_unicast_checksum: false,
            unicast_peers: &[],
            check_unicast_src: false,
            owner_ignores_adverts: false,
            is_owner: false,
        }
    }
}

/// Why a received packet was dropped: one variant per reason, usable as a
/// counter key ([`DropReason::ALL`], [`DropReason::index`],
/// [`DropReason::as_str`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum DropReason {
    /// Source or destination is not of the instance's family.
    #[error("address family differs from the instance's")]
    FamilyMismatch,
    /// Shorter than the fixed header, the address count or the v2 auth data
    /// need (RFC 9568 §7.1 "complete VRRP packet").
    #[error("packet truncated")]
    Truncated,
    /// Longer than the message the header describes (keepalived requires the
    /// exact length; `auth_hmac` trailers are not supported).
    #[error("bytes after the VRRP message")]
    TrailingBytes,
    /// Another virtual router's advert (RFC 9568 §7.1 "VRID is configured").
    #[error("VRID is not ours")]
    VridMismatch,
    /// TTL / hop limit not 255 on a multicast instance (RFC 9568 §7.1).
    #[error("TTL / hop limit is not 255")]
    BadTtl,
    /// Not the configured version, or not a version at all (RFC 9568 §7.1).
    #[error("VRRP version differs from the configured one")]
    VersionMismatch,
    /// Type is not ADVERTISEMENT (RFC 9568 §5.2.2).
    #[error("VRRP type is not ADVERTISEMENT")]
    BadType,
    /// Checksum wrong (RFC 9568 §7.1, RFC 3768 §7.1).
    #[error("VRRP checksum is wrong")]
    BadChecksum,
    /// VRRPv2 auth type is not 0, 1 or 2 (keepalived "Invalid auth type").
    #[error("unknown VRRPv2 auth type")]
    UnknownAuthType,
    /// VRRPv2 auth type differs from ours (RFC 3768 §7.1).
    #[error("VRRPv2 auth type differs from ours")]
    AuthTypeMismatch,
    /// VRRPv2 simple password differs from ours (RFC 2338 §5.3.6.2; RFC 3768
    /// reserves type 1 for it and keepalived still implements it).
    #[error("VRRPv2 password differs from ours")]
    AuthFailure,
    /// VRRPv2 Adver Int differs from ours (RFC 3768 §7.1: MUST discard).
    #[error("VRRPv2 advertisement interval differs from ours")]
    AdvertIntervalMismatch,
    /// VRRPv3 Max Adver Int is zero (RFC 9568 erratum 8301).
    #[error("VRRPv3 advertisement interval is zero")]
    ZeroAdvertInterval,
    /// Multicast destination on a unicast instance, or unicast destination
    /// on a multicast one (keepalived `vrrp_check_packet`).
    #[error("multicast/unicast destination does not match the instance")]
    DestinationMismatch,
    /// We own the addresses and ignore adverts (`owner_ignore_adverts`).
    #[error("we are the address owner and ignore adverts")]
    OwnerIgnoresAdverts,
    /// `check_unicast_src`: the source is not a configured peer.
    #[error("unicast source is not a configured peer")]
    UnknownUnicastSource,
    /// `check_unicast_src`: the TTL is outside the peer's min/max.
    #[error("unicast TTL outside the peer's bounds")]
    UnicastTtlOutOfRange,
    /// The address list differs from ours and the sender is not the owner
    /// ([`AddressCheck::DropUnlessOwner`], RFC 3768 §7.1).
    #[error("address list differs from ours")]
    AddressListMismatch,
}

impl DropReason {
    /// Every reason, in [`DropReason::index`] order.
    pub const ALL: [DropReason; 18] = [
        DropReason::FamilyMismatch,
        DropReason::Truncated,
        DropReason::TrailingBytes,
        DropReason::VridMismatch,
        DropReason::BadTtl,
        DropReason::VersionMismatch,
        DropReason::BadType,
        DropReason::BadChecksum,
        DropReason::UnknownAuthType,
        DropReason::AuthTypeMismatch,
        DropReason::AuthFailure,
        DropReason::AdvertIntervalMismatch,
        DropReason::ZeroAdvertInterval,
        DropReason::DestinationMismatch,
        DropReason::OwnerIgnoresAdverts,
        DropReason::UnknownUnicastSource,
        DropReason::UnicastTtlOutOfRange,
        DropReason::AddressListMismatch,
    ];

    /// Dense index into [`DropReason::ALL`], for counter arrays.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Stable snake_case name, for logs and metrics labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            DropReason::FamilyMismatch => "family_mismatch",
            DropReason::Truncated => "truncated",
            DropReason::TrailingBytes => "trailing_bytes",
            DropReason::VridMismatch => "vrid_mismatch",
            DropReason::BadTtl => "bad_ttl",
            DropReason::VersionMismatch => "version_mismatch",
            DropReason::BadType => "bad_type",
            DropReason::BadChecksum => "bad_checksum",
            DropReason::UnknownAuthType => "unknown_auth_type",
            DropReason::AuthTypeMismatch => "auth_type_mismatch",
            DropReason::AuthFailure => "auth_failure",
            DropReason::AdvertIntervalMismatch => "advert_interval_mismatch",
            DropReason::ZeroAdvertInterval => "zero_advert_interval",
            DropReason::DestinationMismatch => "destination_mismatch",
            DropReason::OwnerIgnoresAdverts => "owner_ignores_adverts",
            DropReason::UnknownUnicastSource => "unknown_unicast_source",
            DropReason::UnicastTtlOutOfRange => "unicast_ttl_out_of_range",
            DropReason::AddressListMismatch => "address_list_mismatch",
        }
    }

    /// The VRRP MIB counter this reason increments, where one exists
    /// (RFC 6527 for VRRPv3, RFC 2787 for the VRRPv2 authentication ones).
    pub const fn mib_counter(self) -> Option<&'static str> {
        Some(match self {
            DropReason::Truncated | DropReason::TrailingBytes => {
                "vrrpv3StatisticsPacketLengthErrors"
            }
            DropReason::VridMismatch => "vrrpv3RouterVrIdErrors",
            DropReason::BadTtl => "vrrpv3StatisticsIpTtlErrors",
            DropReason::VersionMismatch => "vrrpv3RouterVersionErrors",
            DropReason::BadType => "vrrpv3StatisticsRcvdInvalidTypePackets",
            DropReason::BadChecksum => "vrrpv3RouterChecksumErrors",
            DropReason::UnknownAuthType => "vrrpStatsInvalidAuthType",
            DropReason::AuthTypeMismatch => "vrrpStatsAuthTypeMismatch",
            DropReason::AuthFailure => "vrrpStatsAuthFailures",
            DropReason::AdvertIntervalMismatch | DropReason::ZeroAdvertInterval => {
                "vrrpv3StatisticsAdvIntervalErrors"
            }
            DropReason::AddressListMismatch => "vrrpv3StatisticsAddressListErrors",
            DropReason::FamilyMismatch
            | DropReason::DestinationMismatch
            | DropReason::OwnerIgnoresAdverts
            | DropReason::UnknownUnicastSource
            | DropReason::UnicastTtlOutOfRange => return None,
        })
    }
}

/// Accepted-but-noteworthy facts about a valid advert (to log and count).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Notes {
    /// The address list differs from ours (keepalived `addr_list_err`,
    /// MIB `vrrpv3StatisticsAddressListErrors`).
    pub address_list_mismatch: bool,
    /// VRRPv3 interval differs from ours (RFC 9568 §7.1 SHOULD log); a
    /// backup adopts the master's (§6.4.2).
    pub advert_interval_mismatch: bool,
    /// The checksum matched only with the 224.0.0.18 pseudo-destination
    /// ([`Expectations::accept_old_unicast_checksum`]).
    pub old_unicast_checksum: bool,
    /// The VRRPv3 reserved bits were not zero (ignored, RFC 9568 §5.2.6).
    pub reserved_bits_set: bool,
}

/// A packet that passed [`validate`]: the checked view and its [`Notes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validated<'p> {
    /// The checked view over the payload.
    pub packet: VrrpPacket<&'p [u8]>,
    /// Facts worth logging or counting.
    pub notes: Notes,
}

/// Runs every receive check on a VRRP `payload` (the bytes after the IP
/// header, up to the IP length) that arrived as `rx` says, for an instance
/// expecting `exp`. Allocates nothing and never panics.
///
/// Order (the first failure is the reason):
/// 1. family of src/dst ([`DropReason::FamilyMismatch`]);
/// 2. fixed header present ([`DropReason::Truncated`]);
/// 3. VRID is ours ([`DropReason::VridMismatch`]; RFC 9568 §7.1; keepalived
///    demultiplexes on it before its checks);
/// 4. multicast instance: TTL/hop limit 255 ([`DropReason::BadTtl`];
///    RFC 9568 §7.1, RFC 3768 §7.1; docs/keepalived.md §3.9 step 3: not for unicast);
/// 5. version ([`DropReason::VersionMismatch`]);
/// 6. type ([`DropReason::BadType`]);
/// 7. complete, exact length ([`DropReason::Truncated`],
///    [`DropReason::TrailingBytes`]);
/// 8. checksum ([`DropReason::BadChecksum`]);
/// 9. VRRPv2: auth type known, equal, password equal (constant time), then
///    the interval equal (RFC 3768 §7.1); VRRPv3: interval non-zero
///    (erratum 8301), mismatch only noted;
/// 10. multicast vs unicast destination ([`DropReason::DestinationMismatch`]);
/// 11. `owner_ignores_adverts` ([`DropReason::OwnerIgnoresAdverts`]);
/// 12. `check_unicast_src`: known peer, TTL within bounds;
/// 13. address list ([`AddressCheck`]).
pub fn validate<'p>(
    rx: &RxMeta,
    payload: &'p [u8],
    exp: &Expectations<'_>,
) -> Result<Validated<'p>, DropReason> {
    let mut notes = Notes::default();

    if Family::of(rx.src) != exp.family || Family::of(rx.dst) != exp.family {
        return Err(DropReason::FamilyMismatch);
    }
    let Some(&[ver_type, vrid, _, _]) = payload.first_chunk::<4>() else {
        return Err(DropReason::Truncated);
    };
    if payload.len() < HEADER_LEN {
        return Err(DropReason::Truncated);
    }
    if vrid != exp.vrid {
        return Err(DropReason::VridMismatch);
    }
    let unicast_instance = !exp.unicast_peers.is_empty();
    if !unicast_instance && rx.ttl != VRRP_TTL {
        return Err(DropReason::BadTtl);
    }
    let version_nibble = match exp.version {
        Version::V2 => 2,
        Version::V3 => 3,
    };
    if ver_type >> 4 != version_nibble {
        return Err(DropReason::VersionMismatch);
    }
    if ver_type & 0x0f != TYPE_ADVERTISEMENT {
        return Err(DropReason::BadType);
    }
    let packet = match VrrpPacket::new_checked(payload, exp.family) {
        Ok(p) => p,
        Err(ParseError::Truncated { .. }) => return Err(DropReason::Truncated),
        // Version and family were checked above; V2 over IPv6 is a version
        // the instance cannot have.
        Err(_) => return Err(DropReason::VersionMismatch),
    };
    if !packet.trailing().is_empty() {
        return Err(DropReason::TrailingBytes);
    }

    if !packet.verify_checksum(rx.src, rx.dst, exp.checksum) {
        let old = exp.accept_old_unicast_checksum
            && exp.version == Version::V3
            && !rx.dst.is_multicast()
            && packet.verify_checksum(rx.src, rx.dst, ChecksumMode::V3MulticastPseudoDestination);
        if !old {
            return Err(DropReason::BadChecksum);
        }
        notes.old_unicast_checksum = true;
    }

    match exp.version {
        Version::V2 => {
            check_v2_auth(&packet, exp.auth)?;
            if packet.max_advert_int_cs() != exp.advert_int_cs {
                return Err(DropReason::AdvertIntervalMismatch);
            }
        }
        Version::V3 => {
            let cs = packet.max_advert_int_cs();
            if cs == 0 {
                return Err(DropReason::ZeroAdvertInterval);
            }
            notes.advert_interval_mismatch = cs != exp.advert_int_cs;
            notes.reserved_bits_set = packet.reserved() != 0;
        }
    }

    if rx.dst.is_multicast() == unicast_instance {
        return Err(DropReason::DestinationMismatch);
    }
    if exp.is_owner && exp.owner_ignores_adverts {
        return Err(DropReason::OwnerIgnoresAdverts);
    }
    if unicast_instance && exp.check_unicast_src {
        let peer = exp
            .unicast_peers
            .iter()
            .find(|p| p.address == rx.src)
            .ok_or(DropReason::UnknownUnicastSource)?;
        if rx.ttl < peer.min_ttl || rx.ttl > peer.max_ttl {
            return Err(DropReason::UnicastTtlOutOfRange);
        }
    }

    if exp.address_check != AddressCheck::Skip && !same_addresses(&packet, exp.addresses) {
        if exp.address_check == AddressCheck::DropUnlessOwner && packet.priority() != 255 {
            return Err(DropReason::AddressListMismatch);
        }
        notes.address_list_mismatch = true;
    }

    Ok(Validated { packet, notes })
}

/// RFC 3768 §7.1 "Auth Type matches ... and perform that authentication
/// method"; docs/keepalived.md §3.8 order: known type, same type, password.
fn check_v2_auth(packet: &VrrpPacket<&[u8]>, ours: Auth) -> Result<(), DropReason> {
    let got = packet.auth_type();
    if got > 2 {
        return Err(DropReason::UnknownAuthType);
    }
    let want = match ours {
        Auth::None => 0,
        Auth::Pass(_) => 1,
        Auth::Ah => 2,
        Auth::Other(t, _) => t,
    };
    if got != want {
        return Err(DropReason::AuthTypeMismatch);
    }
    if let Auth::Pass(password) = ours {
        let data = packet.auth_data().unwrap_or_default();
        // Constant time over all 8 bytes, as keepalived compares.
        let diff = data
            .iter()
            .zip(password.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff != 0 {
            return Err(DropReason::AuthFailure);
        }
    }
    Ok(())
}

/// Same count and the same set of addresses (order-free, as keepalived
/// compares each received address against the configured ones).
fn same_addresses(packet: &VrrpPacket<&[u8]>, ours: &[IpAddr]) -> bool {
    if usize::from(packet.count_ip_addrs()) != ours.len() {
        return false;
    }
    // Fast path: the same order, as peers built from the same configuration
    // send; otherwise compare as sets.
    packet.addresses().eq(ours.iter().copied())
        || (packet.addresses().all(|a| ours.contains(&a))
            && ours.iter().all(|o| packet.addresses().any(|a| a == *o)))
}
