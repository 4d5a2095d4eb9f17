//! Linux IO for the rust-ha daemons: raw VRRP sockets, rtnetlink, GARP/NA, VMAC.
//!
//! - [`VrrpSocket`]: raw IP protocol 112 sockets for IPv4 and IPv6 on tokio, with
//!   TTL / hop limit, source, destination and interface of every packet.
//! - [`Rtnl`]: rtnetlink requests: interfaces, addresses (VIPs), macvlan VMACs.
//! - [`NetWatcher`]: link and address events.
//! - [`Announcer`]: gratuitous ARP and unsolicited neighbour advertisements.
//! - [`vmac`]: virtual router MACs and keepalived's VMAC sysctls.
//! - [`run_script`]: notify scripts with a timeout.
//! - [`netns`]: entering network namespaces (tests, tools).
//!
//! Everything is Linux-only and most of it needs CAP_NET_ADMIN / CAP_NET_RAW.
#![warn(missing_docs)]

pub mod announce;
pub mod error;
pub mod mac;
mod netlink_conn;
pub mod netns;
pub mod rtnl;
pub mod script;
mod sys;
pub mod vmac;
pub mod vrrp_socket;
pub mod watch;

pub use announce::Announcer;
pub use error::{NetlinkError, NetnsError, ScriptError, SocketError, SysctlError};
pub use mac::MacAddr;
pub use rtnl::{AddressInfo, AddressSpec, Interface, MacvlanMode, MacvlanSpec, Rtnl, Scope};
pub use script::{ScriptOutcome, run_script};
pub use sys::kill_process_group;
pub use vmac::{Sysctl, eui64_link_local, vmac_address};
pub use vrrp_socket::{IpFamily, Outgoing, ReceivedPacket, RecvInfo, VrrpSocket};
pub use watch::{NetEvent, NetEventKind, NetWatcher, WatchGroups};
