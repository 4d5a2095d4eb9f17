//! Errors, split by who is at fault: the configuration ([`SpecError`]) or
//! the system ([`SystemError`]).

use std::io;
use std::net::{IpAddr, SocketAddr};

/// Why [`crate::BfdRunner::start`] or [`crate::BfdRunner::reconfigure`]
/// failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BfdNetError {
    /// The specs are wrong; nothing was changed.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The system refused a socket operation; nothing was changed.
    #[error(transparent)]
    System(#[from] SystemError),
    /// The runner's task has stopped (its runtime shut down).
    #[error("the BFD runner has stopped")]
    Stopped,
}

/// A [`crate::PeerSpec`] list that cannot be run (the configuration's
/// fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// A session without a name.
    #[error("a BFD session has an empty name")]
    EmptyName,
    /// Two sessions with one name.
    #[error("BFD session name {0:?} is used twice")]
    DuplicateName(String),
    /// Two sessions of one kind (single-hop or multihop) with one neighbor
    /// on one interface and the same source address, or one of them
    /// without a source (packets are demultiplexed by source address,
    /// interface, port and destination address, RFC 5881 §3, RFC 5883 §3;
    /// keepalived's "duplicate source/neighbor address").
    #[error(
        "BFD session {name:?}: neighbor {neighbor}{} already has a session",
        source_ip.map(|s| format!(" from source {s}")).unwrap_or_default()
    )]
    DuplicateNeighbor {
        /// The second session.
        name: String,
        /// The neighbor.
        neighbor: IpAddr,
        /// The second session's source address, if it has one.
        source_ip: Option<IpAddr>,
    },
    /// The neighbor is not a unicast address.
    #[error("BFD session {name:?}: neighbor {neighbor} is not a unicast address")]
    BadNeighbor {
        /// The session.
        name: String,
        /// The neighbor.
        neighbor: IpAddr,
    },
    /// Source and neighbor of different address families.
    #[error("BFD session {name:?}: source {source_ip} and neighbor {neighbor} differ in family")]
    FamilyMismatch {
        /// The session.
        name: String,
        /// The neighbor.
        neighbor: IpAddr,
        /// The source.
        source_ip: IpAddr,
    },
    /// An interface for a neighbor that is not IPv6 link-local.
    #[error(
        "BFD session {name:?}: interface {interface} is only for an IPv6 link-local neighbor, \
         not {neighbor}"
    )]
    InterfaceNotLinkLocal {
        /// The session.
        name: String,
        /// The neighbor.
        neighbor: IpAddr,
        /// The interface written.
        interface: String,
    },
    /// TTL / hop limit 0 would never leave the host.
    #[error("BFD session {name:?}: ttl is 0")]
    ZeroTtl {
        /// The session.
        name: String,
    },
    /// Timers RFC 5880 does not allow.
    #[error("BFD session {name:?}: {source}")]
    Timers {
        /// The session.
        name: String,
        /// What bfd-core refused.
        source: bfd_core::ConfigError,
    },
}

/// A socket operation the system refused (the system's fault, or another
/// program's: the port is taken, the source address is not configured).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SystemError {
    /// Creating or setting up a socket failed.
    #[error("BFD {what} socket: {source}")]
    Socket {
        /// Which socket and step.
        what: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// Binding a socket failed.
    #[error("BFD {what} socket: bind to {addr}: {source}")]
    Bind {
        /// Which socket.
        what: &'static str,
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: io::Error,
    },
    /// Every source port of RFC 5881 §4 (49152–65535) is taken on the
    /// session's source address.
    #[error("BFD session {name:?}: no free source port in 49152-65535 on {addr}")]
    NoSourcePort {
        /// The session.
        name: String,
        /// The source address.
        addr: IpAddr,
    },
    /// The session's interface does not exist.
    #[error("BFD session {name:?}: interface {interface}: {source}")]
    Interface {
        /// The session.
        name: String,
        /// The interface.
        interface: String,
        /// The OS error.
        source: io::Error,
    },
    /// Called outside a tokio runtime.
    #[error("BFD runner needs a tokio runtime")]
    NoRuntime(#[source] tokio::runtime::TryCurrentError),
}
