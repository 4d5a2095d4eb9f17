//! Statistics, named after the VRRPv3 MIB (RFC 6527 §5,
//! `vrrpv3StatisticsTable` and the router-wide error counters) plus the
//! keepalived extras it prints on SIGUSR2.

/// RFC 6527 `vrrpv3StatisticsNewMasterReason`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum NewMasterReason {
    /// `notMaster(0)`: never became Master.
    #[default]
    NotMaster,
    /// `priority(1)`: became Master after the Master sent priority 0 (as
    /// keepalived reads RFC 6527).
    Priority,
    /// `preempted(2)`: preempted a lower-priority Master, or the address
    /// owner took over (keepalived's reading).
    Preempted,
    /// `masterNoResponse(3)`: the Master went silent or released.
    MasterNoResponse,
}

/// Why a received advertisement was not processed. The state machine counts
/// the ones it detects; the IO layer reports the ones the codec detects with
/// [`crate::Instance::note_rejected`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum DropReason {
    /// Wrong length (`vrrpv3StatisticsPacketLengthErrors`).
    PacketLength,
    /// TTL / hop limit not 255 (`vrrpv3StatisticsIpTtlErrors`).
    IpTtl,
    /// Type not 1 (`vrrpv3StatisticsRcvdInvalidTypePackets`).
    InvalidType,
    /// Bad checksum (`vrrpv3RouterChecksumErrors`).
    Checksum,
    /// Version not the configured one (`vrrpv3RouterVersionErrors`).
    Version,
    /// VRID not ours (`vrrpv3RouterVrIdErrors`).
    Vrid,
    /// v2 interval differs from ours, or a v3 interval of 0
    /// (`vrrpv3StatisticsAdvIntervalErrors`).
    AdvertInterval,
    /// v2 auth type unknown (keepalived "Invalid Type").
    AuthInvalidType,
    /// v2 auth type differs from ours (keepalived "Type Mismatch").
    AuthTypeMismatch,
    /// v2 password wrong (keepalived "Failure").
    AuthFailure,
    /// Unicast mode and the sender is not a configured peer.
    UnicastPeer,
    /// Address family differs from the instance's.
    Family,
    /// Ignored by an owner with `owner_ignore_adverts`.
    OwnerIgnore,
    /// Multicast advert on a unicast instance or the reverse.
    Destination,
    /// Address list differs and the policy drops it (RFC 3768 §7.1).
    AddressList,
    /// A codec reason without a counter of its own.
    Other,
}

impl From<crate::packet::DropReason> for DropReason {
    /// Maps the codec's receive-validation reason to the counter it feeds.
    fn from(r: crate::packet::DropReason) -> Self {
        use crate::packet::DropReason as P;
        match r {
            P::FamilyMismatch => DropReason::Family,
            P::Truncated | P::TrailingBytes => DropReason::PacketLength,
            P::VridMismatch => DropReason::Vrid,
            P::BadTtl => DropReason::IpTtl,
            P::VersionMismatch => DropReason::Version,
            P::BadType => DropReason::InvalidType,
            P::BadChecksum => DropReason::Checksum,
            P::UnknownAuthType => DropReason::AuthInvalidType,
            P::AuthTypeMismatch => DropReason::AuthTypeMismatch,
            P::AuthFailure => DropReason::AuthFailure,
            P::AdvertIntervalMismatch | P::ZeroAdvertInterval => DropReason::AdvertInterval,
            P::DestinationMismatch => DropReason::Destination,
            P::OwnerIgnoresAdverts => DropReason::OwnerIgnore,
            P::UnknownUnicastSource | P::UnicastTtlOutOfRange => DropReason::UnicastPeer,
            P::AddressListMismatch => DropReason::AddressList,
        }
    }
}

/// Per-instance counters. Field names follow RFC 6527 objects in snake
/// case; keepalived-only counters say so.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Counters {
    /// `vrrpv3StatisticsMasterTransitions` (keepalived "Became master").
    pub master_transitions: u64,
    /// `vrrpv3StatisticsNewMasterReason` of the last transition to Master.
    pub new_master_reason: NewMasterReason,
    /// `vrrpv3StatisticsRcvdAdvertisements`: adverts that passed the checks.
    pub rcvd_advertisements: u64,
    /// `vrrpv3StatisticsAdvIntervalErrors`.
    pub adv_interval_errors: u64,
    /// `vrrpv3StatisticsIpTtlErrors`.
    pub ip_ttl_errors: u64,
    /// `vrrpv3StatisticsRcvdPriZeroPackets`.
    pub rcvd_pri_zero_packets: u64,
    /// `vrrpv3StatisticsSentPriZeroPackets`.
    pub sent_pri_zero_packets: u64,
    /// `vrrpv3StatisticsRcvdInvalidTypePackets`.
    pub rcvd_invalid_type_packets: u64,
    /// `vrrpv3StatisticsAddressListErrors` (counted; the advert is still
    /// processed, as keepalived does).
    pub address_list_errors: u64,
    /// `vrrpv3StatisticsPacketLengthErrors`.
    pub packet_length_errors: u64,
    /// `vrrpv3RouterChecksumErrors` (router-wide in the MIB; per instance here).
    pub checksum_errors: u64,
    /// `vrrpv3RouterVersionErrors`.
    pub version_errors: u64,
    /// `vrrpv3RouterVrIdErrors`.
    pub vrid_errors: u64,
    /// keepalived "Advertisements Sent".
    pub sent_advertisements: u64,
    /// keepalived "Released master": left Master for any reason.
    pub released_master: u64,
    /// keepalived auth "Invalid Type".
    pub auth_invalid_type: u64,
    /// keepalived auth "Type Mismatch".
    pub auth_type_mismatch: u64,
    /// keepalived auth "Failure".
    pub auth_failures: u64,
    /// Adverts from a source not in `unicast_peers`.
    pub unicast_peer_errors: u64,
    /// Adverts of another address family.
    pub family_errors: u64,
    /// Adverts ignored by an owner with `owner_ignore_adverts`.
    pub owner_ignored: u64,
    /// Multicast/unicast destination mismatches.
    pub destination_errors: u64,
    /// Other drops reported by the codec.
    pub other_errors: u64,
}

impl Counters {
    /// Counts one dropped advertisement.
    pub fn count_drop(&mut self, r: DropReason) {
        let c = match r {
            DropReason::PacketLength => &mut self.packet_length_errors,
            DropReason::IpTtl => &mut self.ip_ttl_errors,
            DropReason::InvalidType => &mut self.rcvd_invalid_type_packets,
            DropReason::Checksum => &mut self.checksum_errors,
            DropReason::Version => &mut self.version_errors,
            DropReason::Vrid => &mut self.vrid_errors,
            DropReason::AdvertInterval => &mut self.adv_interval_errors,
            DropReason::AuthInvalidType => &mut self.auth_invalid_type,
            DropReason::AuthTypeMismatch => &mut self.auth_type_mismatch,
            DropReason::AuthFailure => &mut self.auth_failures,
            DropReason::UnicastPeer => &mut self.unicast_peer_errors,
            DropReason::Family => &mut self.family_errors,
            DropReason::OwnerIgnore => &mut self.owner_ignored,
            DropReason::Destination => &mut self.destination_errors,
            DropReason::AddressList => &mut self.address_list_errors,
            DropReason::Other => &mut self.other_errors,
        };
        *c = c.saturating_add(1);
    }
}

/// How an instance keeps its [`Counters`]: the ones every running instance
/// moves inline, the error counters in a box made on the first error (most
/// instances never see one, and inline they would cost each 120 bytes).
#[derive(Clone, Debug, Default)]
pub(crate) struct CounterStore {
    pub(crate) master_transitions: u64,
    pub(crate) rcvd_advertisements: u64,
    pub(crate) sent_advertisements: u64,
    pub(crate) released_master: u64,
    pub(crate) rcvd_pri_zero_packets: u64,
    pub(crate) sent_pri_zero_packets: u64,
    pub(crate) new_master_reason: NewMasterReason,
    /// Only the error fields are used; made on the first error.
    errors: Option<alloc::boxed::Box<Counters>>,
}

impl CounterStore {
    /// Counts one dropped advertisement.
    pub(crate) fn count_drop(&mut self, r: DropReason) {
        self.errors.get_or_insert_default().count_drop(r);
    }

    /// Counts an advert whose address list differs from ours (RFC 6527
    /// `vrrpv3StatisticsAddressListErrors`).
    pub(crate) fn count_address_list_error(&mut self) {
        let e = self.errors.get_or_insert_default();
        e.address_list_errors = e.address_list_errors.saturating_add(1);
    }

    /// Every counter, as [`Counters`].
    pub(crate) fn snapshot(&self) -> Counters {
        Counters {
            master_transitions: self.master_transitions,
            new_master_reason: self.new_master_reason,
            rcvd_advertisements: self.rcvd_advertisements,
            sent_advertisements: self.sent_advertisements,
            released_master: self.released_master,
            rcvd_pri_zero_packets: self.rcvd_pri_zero_packets,
            sent_pri_zero_packets: self.sent_pri_zero_packets,
            ..self.errors.as_deref().copied().unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_reads_back_every_counter() {
        let mut s = CounterStore::default();
        assert_eq!(s.snapshot(), Counters::default());
        assert!(s.errors.is_none());
        s.sent_advertisements = 3;
        s.count_drop(DropReason::Checksum);
        s.count_drop(DropReason::AuthFailure);
        s.count_address_list_error();
        let c = s.snapshot();
        assert_eq!(c.sent_advertisements, 3);
        assert_eq!(c.checksum_errors, 1);
        assert_eq!(c.auth_failures, 1);
        assert_eq!(c.address_list_errors, 1);
        assert_eq!(c.rcvd_advertisements, 0);
    }

    /// Inline, the store is the six counters every instance moves, the
    /// reason and the box.
    #[test]
    fn the_store_is_small() {
        assert!(core::mem::size_of::<CounterStore>() <= 64);
    }
}
