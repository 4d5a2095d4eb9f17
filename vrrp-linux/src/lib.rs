//! Linux network IO for VRRP: raw VRRP sockets, rtnetlink, GARP/NA, VMAC.
//!
//! - [`VrrpSocket`]: raw IP protocol 112 sockets for IPv4 and IPv6 on tokio, with
//!   TTL / hop limit, source, destination and interface of every packet
//!   ([`ReceivedPacket`]); the address family is vrrp-core's [`Family`].
//! - [`Rtnl`]: rtnetlink requests: interfaces, addresses (VIPs), macvlan VMACs,
//!   routes and rules ([`route`]).
//! - [`NetWatcher`]: link, address, route and rule events.
//! - [`Announcer`]: gratuitous ARP and unsolicited neighbour advertisements.
//! - [`vmac`]: virtual router MACs and keepalived's VMAC sysctls.
//! - [`ipvlan`]: ipvlan links for keepalived's `use_ipvlan`.
//! - [`proc_events`]: the kernel's process events connector (keepalived
//!   `vrrp_track_process`).
//! - [`PreciseTimer`]: a microsecond-precise timerfd timer for the daemons' loops.
//! - [`netns`]: named network namespaces: entering one (the daemons'
//!   `net_namespace`, tests), the one a thread runs in.
//!
//! Everything is Linux-only and most of it needs CAP_NET_ADMIN / CAP_NET_RAW.
#![warn(missing_docs)]

pub mod announce;
pub mod error;
pub mod ipvlan;
pub mod mac;
mod netlink_conn;
pub mod netns;
pub mod proc_events;
pub mod route;
pub mod rtnl;
mod sys;
pub mod timer;
pub mod vmac;
pub mod vmac_sysctls;
pub mod vrrp_socket;
pub mod watch;

pub use announce::{AnnouncePacer, Announcement, Announcer};
pub use error::{NetlinkError, NetnsError, SocketError, SysctlError};
pub use ipvlan::{IpvlanSpec, IpvlanType};
pub use mac::MacAddr;
pub use route::{
    AddMode, EncapSpec, LwtEncap, NexthopSpec, RouteEntry, RouteSpec, RuleEntry, RuleSpec,
};
pub use rtnl::{AddressInfo, AddressSpec, Interface, MacvlanMode, MacvlanSpec, Rtnl, Scope};
pub use timer::{PreciseTimer, monotonic_now};
pub use vmac::{Sysctl, eui64_link_local, vmac_address};
pub use vmac_sysctls::VmacSysctls;
pub use vrrp_core::packet::Family;
pub use vrrp_socket::{AhSeal, Outgoing, ReceivedPacket, VrrpSocket};
pub use watch::{NetEvent, NetEventKind, NetWatcher, WatchGroups};

/// The crate README's example, compiled as a doctest (not run: it needs
/// CAP_NET_RAW).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
