//! Sans-IO BFD (RFC 5880, single hop over IPv4/IPv6 per RFC 5881): the
//! control packet codec and the session state machine.
//!
//! * [`packet`]: version 1 control packets, a zero-copy checked view and an
//!   owned [`packet::ControlPacket`] that parses and emits into a caller
//!   buffer without allocating. Authentication is not implemented: packets
//!   with the A bit are discarded, as keepalived's BFD does.
//! * [`Session`]: one session in Asynchronous mode (RFC 5880 §6): the
//!   three-way handshake, Detection Time, jittered transmission, the poll
//!   sequence, the Passive role and AdminDown, configured by
//!   [`SessionConfig`]; [`Event::is_failure`] applies RFC 5882 §3.2.
//! * [`Sessions`]: the sessions of a host, with demultiplexing by Your
//!   Discriminator or, while it is zero, by peer and kind (RFC 5880 §6.8.6,
//!   RFC 5881 §3, RFC 5883 §3: [`PeerKey::multihop`]), and the TTL 255 check
//!   (RFC 5881 §5).
//! * [`time`]: the crate's own monotonic [`time::Instant`] and
//!   [`time::Duration`] in microseconds; nothing here reads the OS clock.
//!
//! No sockets, no clock, no threads, no randomness: the caller passes `now`,
//! received packets and the random bits for jitter, and drains packets to
//! send, events and the next deadline.
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

extern crate alloc;

pub mod packet;
pub mod session;
pub mod sessions;
pub mod time;

pub use packet::{ControlPacket, Diagnostic, State};
pub use session::{ConfigError, Discard, Event, Jitter, Session, SessionConfig};
pub use sessions::{AddError, PeerKey, RxError, RxMeta, Sessions};

/// The crate README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
