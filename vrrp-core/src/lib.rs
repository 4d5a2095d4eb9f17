//! Sans-IO VRRP: the packet codec and the per-instance state machine.
//!
//! * [`packet`]: VRRPv2 (RFC 3768) and VRRPv3 (RFC 9568) advertisements for IPv4
//!   and IPv6: a zero-copy checked view, an owned [`packet::Advertisement`],
//!   checksums and receive validation.
//! * [`Instance`]: one virtual router (RFC 9568 §6 / RFC 3768 §6 with
//!   keepalived's semantics; every deviation from the RFCs is listed in
//!   [`differences`]), configured by [`InstanceConfig`]; [`SyncGroup`]
//!   couples instances as keepalived's `vrrp_sync_group`.
//! * [`Node`]: every instance of a host and its sync groups behind one
//!   sans-IO interface: raw datagrams in (demultiplexed, validated, decoded),
//!   encoded datagrams and actions out. The simulator and `vrrpd` drive it;
//!   `examples/leader_election.rs` uses it for leader election over the
//!   embedder's own transport.
//! * `sim` (cargo feature `sim`): a deterministic virtual LAN.
//! * [`time`]: the crate's own monotonic [`time::Instant`] and
//!   [`time::Duration`]; nothing here reads the OS clock.
//!
//! No sockets, no clock, no threads, no randomness: the caller passes `now`
//! and input, and drains actions and the next deadline.
//!
//! Without the `sim` feature the crate is `#![no_std]` and needs only
//! `alloc` (`cargo build -p vrrp-core` checks that: any `std` item outside
//! `sim` fails to compile).
#![cfg_attr(not(any(feature = "sim", test)), no_std)]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

extern crate alloc;

pub mod packet;
pub mod time;

pub mod config;
pub mod counters;
pub mod differences;
pub mod instance;
pub mod node;
#[cfg(feature = "sim")]
pub mod sim;
pub mod state;
pub mod sync_group;
pub mod timers;

pub use config::{
    ConfigError, GarpConfig, InitialState, InstanceConfig, TrackerConfig, TrackerKind,
};
pub use counters::{Counters, DropReason, NewMasterReason};
pub use instance::{Instance, InstanceStatus};
pub use node::Node;
pub use state::{Action, AnnounceReason, Event, Reason, State};
pub use sync_group::{SyncGroup, SyncGroupError};

/// The crate README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
