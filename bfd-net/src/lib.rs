//! BFD transport for Linux: RFC 5881 single-hop and RFC 5883 multihop BFD
//! over UDP for the sessions of [`bfd_core`], as keepalived's BFD process
//! runs them.
//!
//! * [`PeerSpec`]: one configured session (a keepalived `bfd_instance`).
//! * [`BfdRunner`]: opens one receive socket per address family on UDP port
//!   3784 (reporting each datagram's TTL / hop limit and destination), one
//!   on 4784 when a session is multihop ([`PeerSpec::multihop`]), and one send socket
//!   per session, bound to its source address and a port in 49152–65535
//!   that stays the session's for its lifetime; one tokio task drives all
//!   sessions from [`bfd_core::Sessions::poll_timeout`].
//! * [`BfdEvent`]: Up, and Down on a failure (not when the peer signalled
//!   AdminDown, RFC 5882 §3.2), for VRRP `track_bfd` and checkers.
//! * [`SessionStatus`]: state, timers, discriminators and counters,
//!   including [`Discards`] by reason.
//!
//! Received packets are accepted when their TTL / hop limit plus the
//! session's `max_hops` is at least its `ttl` (keepalived `bfd.c
//! bfd_check_packet_ttl`); the jitter of RFC 5880 §6.8.7, discriminators
//! and source ports come from a small generator seeded from the OS.
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod driver;
pub mod error;
mod handoff;
#[cfg(feature = "keepalived-conf")]
pub mod keepalived;
mod outbox;
mod rng;
mod runner;
mod socket;
pub mod spec;
pub mod status;
mod sys;

pub use error::{BfdNetError, SpecError, SystemError};
pub use runner::{BfdRunner, EVENT_QUEUE};
pub use socket::MULTIHOP_CONTROL_PORT;
pub use spec::PeerSpec;
pub use status::{BfdEvent, Discards, SessionStatus};

pub use bfd_core::{Diagnostic, State};
