//! Linux IPVS generic-netlink family: messages and a blocking client.
//!
//! Layers, each usable alone:
//! - [`nla`]: attribute enums (service, destination, daemon, stats, command)
//!   implementing [`netlink_packet_core::Nla`], keeping unknown attributes;
//! - [`message`]: [`IpvsMessage`], the `GenlFamily` payload for "IPVS" v1;
//! - [`model`]: plain structs [`Service`], [`Destination`], [`Timeouts`],
//!   [`SyncDaemon`], [`Stats`], [`Info`];
//! - [`request`]: [`Request`] encoding and reply parsing, no socket code;
//! - [`client`]: [`IpvsClient`], blocking, batching many requests per send;
//! - [`ops`]: [`IpvsOps`], the operations a daemon uses, implemented by the
//!   client and (feature `testing`) by `testing::InMemoryIpvs`, an in-memory
//!   table answering as the kernel does; `capture` (feature `testing`) reads
//!   netlink captures for golden tests.
//!
//! Numbers and attribute layouts are those of `<linux/ip_vs.h>`; requests are
//! encoded in libipvs's attribute order, so they are byte-identical to
//! ipvsadm's for the same command (checked against captured messages).
//!
//! ```no_run
//! use ipvs_sys::{Destination, ForwardMethod, IpvsClient, Protocol, Service, ServiceKey};
//! let mut ipvs = IpvsClient::new()?;
//! let svc = Service::new(
//!     ServiceKey::Inet { protocol: Protocol::Tcp, addr: "10.0.0.1".parse()?, port: 80 },
//!     "wlc",
//! );
//! ipvs.new_service(&svc)?;
//! ipvs.new_dest(&svc, &Destination::new("10.0.0.2".parse()?, 80, ForwardMethod::Masq))?;
//! for s in ipvs.services()? {
//!     println!("{} {} dests", s.key, ipvs.destinations(&s)?.len());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

#[cfg(feature = "testing")]
pub mod capture;
pub mod client;
pub mod constants;
pub mod error;
pub mod message;
pub mod model;
pub mod nla;
pub mod ops;
mod parse_error;
pub mod request;
#[cfg(feature = "testing")]
pub mod testing;

pub use client::IpvsClient;
pub use error::{Error, Object, ParseError};
pub use message::{IpvsCmd, IpvsMessage};
pub use model::{
    AddressFamily, DaemonState, Destination, ForwardMethod, Info, Protocol, Service, ServiceFlags,
    ServiceKey, Stats, SyncDaemon, Timeouts, TunnelFlags, TunnelType,
};
pub use ops::IpvsOps;
pub use request::{Reply, Request, emit_message, parse_replies};

/// The crate README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
