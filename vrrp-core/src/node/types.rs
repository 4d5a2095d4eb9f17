//! The data a [`super::Node`] takes and hands out: instance and group
//! identifiers, the configuration of a node, datagrams to send, outputs,
//! receive results and errors.

use alloc::{string::String, vec::Vec};

use core::net::IpAddr;

use crate::config::{ConfigError, InstanceConfig};
use crate::counters::DropReason as FsmDropReason;
use crate::packet::{DropReason, Notes, VRRP_TTL};
use crate::state::{Action, State};
use crate::sync_group::SyncGroupError;

/// Names one instance of a [`super::Node`] for the node's lifetime: ids are
/// never reused, not even after [`super::Node::reconfigure`] removed the
/// instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct InstanceId(pub(super) u32);

impl core::fmt::Display for InstanceId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One instance of a node's configuration, with the facts the node needs
/// beyond [`InstanceConfig`] and the caller's own data `T` (kept next to the
/// instance, returned by [`super::Node::data`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct InstanceSpec<T = ()> {
    /// The state machine's configuration.
    pub config: InstanceConfig,
    /// The interface the instance is configured on. Adverts are received
    /// and sent there unless [`super::Node::set_paths`] says otherwise
    /// (keepalived's `use_vmac`). Part of the identity
    /// [`super::Node::reconfigure`] matches on.
    pub ifindex: u32,
    /// TTL / hop limit of unicast adverts (keepalived `unicast_ttl`,
    /// default 255). Multicast adverts always use 255 (RFC 9568 §5.1.1.3).
    pub unicast_ttl: u8,
    /// The caller's data.
    pub data: T,
}

impl<T> InstanceSpec<T> {
    /// An instance on interface `ifindex` with the default unicast TTL.
    pub fn new(config: InstanceConfig, ifindex: u32, data: T) -> Self {
        InstanceSpec {
            config,
            ifindex,
            unicast_ttl: VRRP_TTL,
            data,
        }
    }
}

/// What a [`super::Node`] runs: its instances, in order, and its sync
/// groups (keepalived `vrrp_sync_group`: a name and member indices into
/// `instances`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct NodeConfig<T = ()> {
    /// The instances.
    pub instances: Vec<InstanceSpec<T>>,
    /// Sync groups: name and member indices into `instances`.
    pub sync_groups: Vec<(String, Vec<usize>)>,
}

impl<T> NodeConfig<T> {
    /// A configuration without sync groups.
    pub fn new(instances: Vec<InstanceSpec<T>>) -> Self {
        NodeConfig {
            instances,
            sync_groups: Vec::new(),
        }
    }

    /// Adds sync groups (name, member indices into the instances).
    pub fn with_sync_groups(mut self, groups: Vec<(String, Vec<usize>)>) -> Self {
        self.sync_groups = groups;
        self
    }
}

/// A datagram ready to send: the VRRP message (the IP payload, protocol
/// 112) with its addresses, interface and TTL / hop limit.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transmit {
    /// The instance that sends it.
    pub instance: InstanceId,
    /// Interface to send on.
    pub ifindex: u32,
    /// IP source address (the instance's primary address).
    pub src: IpAddr,
    /// IP destination: the VRRP group, or one unicast peer.
    pub dst: IpAddr,
    /// IPv4 TTL / IPv6 hop limit.
    pub hop_limit: u8,
    /// The advertised priority (0: the Master releases).
    pub priority: u8,
    /// Which destination of the advertisement this is: 0 for the group or
    /// the first unicast peer, 1.. for the further peers (one advertisement,
    /// one datagram per peer).
    pub copy: usize,
    /// The encoded VRRP message, checksum included (RFC 9568 §5.2.8).
    pub payload: super::Payload,
}

/// Something the caller does besides sending adverts, from
/// [`super::Node::poll_action`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// An instance's action (VIPs, announcements, state and priority
    /// changes). [`Action::SendAdvert`] never appears here: it becomes
    /// [`Transmit`]s.
    Instance {
        /// The instance.
        id: InstanceId,
        /// What to do.
        action: Action,
    },
    /// A sync group as a whole entered Master, Backup or Fault (keepalived
    /// `vrrp_sync.c` notifies once per group change).
    GroupStateChanged {
        /// Index into [`super::Node::sync_groups`].
        group: usize,
        /// The state last reported, `None` at first.
        from: Option<State>,
        /// The new group state.
        to: State,
    },
}

/// A received advertisement an instance accepted for processing (from
/// [`super::Node::handle_datagram`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Received {
    /// The instance it was given to.
    pub instance: InstanceId,
    /// The advertised priority.
    pub priority: u8,
    /// Facts worth logging from the codec.
    pub notes: Notes,
    /// Set when the state machine discarded it (counted in the instance's
    /// counters): wrong state, lower priority rules, owner rules.
    pub ignored: Option<FsmDropReason>,
}

/// Why [`super::Node::handle_datagram`] dropped a datagram (counted: per
/// instance in [`super::Node::rx_drops`] and the instance's counters, or per
/// interface in [`super::Node::unmatched_drops`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RxError {
    /// No instance listens for it on that interface: too short to carry a
    /// VRID ([`DropReason::Truncated`]) or no instance with its family and
    /// VRID ([`DropReason::VridMismatch`]).
    #[error("no instance for the advert: {0}")]
    NoInstance(DropReason),
    /// The instance it was meant for rejected it (RFC 9568 §7.1 checks).
    #[error("instance {instance} rejected the advert: {reason}")]
    Rejected {
        /// The instance.
        instance: InstanceId,
        /// Why.
        reason: DropReason,
    },
}

/// A node configuration that cannot run (the caller is at fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// An instance configuration is invalid.
    #[error("instance {name}: {source}")]
    Instance {
        /// Instance name.
        name: String,
        /// What is wrong.
        source: ConfigError,
    },
    /// A sync group is invalid.
    #[error("sync group {name}: {source}")]
    SyncGroup {
        /// Group name.
        name: String,
        /// What is wrong.
        source: SyncGroupError,
    },
    /// An instance is listed in two sync groups.
    #[error("instance index {0} is in two sync groups")]
    TwoGroups(usize),
}

/// How an old instance carries over to a new configuration: the caller's
/// verdict on its own data in [`super::Node::reconfigure`]. The node's own
/// verdict (identity, sync group, configuration) is combined with it; the
/// stricter one wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Carry {
    /// Nothing changed: keep the instance and the old data untouched.
    Keep,
    /// Keep the state, apply the new configuration
    /// ([`crate::Instance::reconfigure`]) and take the new data.
    Reconfigure,
    /// Stop the old instance and start a fresh one.
    Restart,
}

/// What [`super::Node::reconfigure`] did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Reconfigured<T> {
    /// Instances kept untouched.
    pub kept: Vec<InstanceId>,
    /// Instances that kept their state under a new configuration, with
    /// the data they had before (the node now holds the new data).
    pub reconfigured: Vec<(InstanceId, T)>,
    /// New instances, in Initialize: start them with
    /// [`crate::Event::Startup`] once their IO is ready.
    pub fresh: Vec<InstanceId>,
    /// Old instances that were stopped (a Master sends priority 0 and
    /// removes its VIPs through the usual outputs); their data stays
    /// readable until [`super::Node::take_retired`].
    pub retired: Vec<InstanceId>,
    /// Instances whose new configuration [`crate::Instance::reconfigure`]
    /// refused (they were restarted instead): name and reason.
    pub refused: Vec<(String, ConfigError)>,
}
