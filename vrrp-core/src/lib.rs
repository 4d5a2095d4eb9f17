//! Sans-IO VRRP: the packet codec and the per-instance state machine.
//!
//! * [`packet`]: VRRPv2 (RFC 3768) and VRRPv3 (RFC 9568) advertisements for IPv4
//!   and IPv6: a zero-copy checked view, an owned [`packet::Advertisement`],
//!   checksums and receive validation.
//! * [`time`]: the crate's own monotonic [`time::Instant`] and
//!   [`time::Duration`]; nothing here reads the OS clock.
//!
//! No sockets, no clock, no threads, no randomness: the caller passes `now`
//! and input, and drains actions and the next deadline.
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod packet;
pub mod time;
