//! What a [`crate::BfdRunner`] reports: [`BfdEvent`]s for the clients
//! (VRRP `track_bfd`, checkers) and [`SessionStatus`] snapshots with
//! counters.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use bfd_core::packet::ParseError;
use bfd_core::{Diagnostic, State};

/// A session event for the clients.
///
/// `Up` on every transition to Up. `Down` only for Up → Down when the peer
/// did not signal AdminDown (RFC 5882 §3.2; keepalived's
/// `bfd_scheduler.c bfd_state_fall` sends its Down event under the same
/// condition), so a peer taken down administratively is not a path failure.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BfdEvent {
    /// The session came Up.
    Up {
        /// The session's name.
        name: String,
    },
    /// The session failed.
    Down {
        /// The session's name.
        name: String,
        /// bfd.LocalDiag: why.
        diagnostic: Diagnostic,
    },
}

impl BfdEvent {
    /// The session's name.
    pub fn name(&self) -> &str {
        match self {
            BfdEvent::Up { name } | BfdEvent::Down { name, .. } => name,
        }
    }
}

/// Received datagrams discarded, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Discards {
    /// TTL / hop limit + `max_hops` below the session's `ttl` (keepalived
    /// `bfd.c bfd_check_packet_ttl`).
    pub ttl: u64,
    /// Shorter than the mandatory section, or the Length field beyond the
    /// payload (RFC 5880 §6.8.6).
    pub truncated: u64,
    /// Larger than the receive buffer.
    pub oversized: u64,
    /// Version other than 1.
    pub version: u64,
    /// Length field below 24.
    pub length: u64,
    /// Authentication present (the A bit): not implemented, as in
    /// keepalived.
    pub authentication: u64,
    /// Another field check of RFC 5880 §6.8.6 (Detect Mult, discriminators,
    /// Multipoint, Poll with Final).
    pub invalid: u64,
    /// No session matches Your Discriminator or, when it is zero, the
    /// source address.
    pub unknown_session: u64,
    /// Your Discriminator names a session of another neighbor.
    pub peer_mismatch: u64,
    /// Received while the local session is AdminDown.
    pub admin_down: u64,
    /// Any other reason bfd-core gave.
    pub other: u64,
}

impl Discards {
    /// The sum of all reasons.
    pub fn total(&self) -> u64 {
        self.ttl
            + self.truncated
            + self.oversized
            + self.version
            + self.length
            + self.authentication
            + self.invalid
            + self.unknown_session
            + self.peer_mismatch
            + self.admin_down
            + self.other
    }

    pub(crate) fn count_parse(&mut self, e: &ParseError) {
        match e {
            ParseError::Truncated { .. } | ParseError::LengthExceedsPayload { .. } => {
                self.truncated += 1
            }
            ParseError::UnknownVersion(_) => self.version += 1,
            ParseError::LengthTooShort(_) => self.length += 1,
            ParseError::Authenticated => self.authentication += 1,
            _ => self.invalid += 1,
        }
    }
}

/// A snapshot of one session.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionStatus {
    /// The session's name.
    pub name: String,
    /// The peer.
    pub neighbor: IpAddr,
    /// The configured source address.
    pub source: Option<IpAddr>,
    /// The UDP source port of our packets (49152–65535, RFC 5881 §4),
    /// stable for the session's lifetime.
    pub source_port: u16,
    /// Multihop (RFC 5883, UDP port 4784) rather than single hop.
    pub multihop: bool,
    /// The interface of a link-local neighbor.
    pub interface: Option<String>,
    /// bfd.SessionState.
    pub local_state: State,
    /// bfd.RemoteSessionState.
    pub remote_state: State,
    /// bfd.LocalDiag.
    pub local_diagnostic: Diagnostic,
    /// bfd.LocalDiscr.
    pub local_discriminator: u32,
    /// bfd.RemoteDiscr (0 until heard).
    pub remote_discriminator: u32,
    /// The negotiated periodic transmit interval before jitter (RFC 5880
    /// §6.8.7); `None` while nothing may be sent periodically.
    pub tx_interval: Option<Duration>,
    /// The Detection Time (RFC 5880 §6.8.4); `None` before the peer is
    /// heard.
    pub detection_time: Option<Duration>,
    /// A poll sequence is under way (timers changing, RFC 5880 §6.5).
    pub poll_active: bool,
    /// Datagrams the session accepted.
    pub packets_in: u64,
    /// Datagrams sent.
    pub packets_out: u64,
    /// Sends the system refused.
    pub send_errors: u64,
    /// Datagrams from this neighbor, or naming this session, that were
    /// discarded.
    pub discards: Discards,
    /// Up events sent.
    pub up_events: u64,
    /// Down events sent.
    pub down_events: u64,
    /// When the local state last changed (`None`: not since the start).
    pub last_state_change: Option<Instant>,
}
