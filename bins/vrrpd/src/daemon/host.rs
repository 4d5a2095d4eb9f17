//! What the host looks like and what the router asks of it.
//!
//! [`HostView`]: interfaces and their addresses, read once per (re)load
//! through rtnetlink, and the primary addresses keepalived would send from.
//! [`Host`]: every effect the router has on the machine (addresses, routes
//! and rules, the VRRP sockets, gratuitous ARPs / NAs, VMACs) and the clock
//! it reads, so that the router runs over Linux ([`LinuxHost`]) or, in unit
//! tests, over an in-memory stand-in that records what it was asked.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::time::SystemTime;

use vrrp_core::packet::Family;
use vrrp_core::time::Instant;
use vrrp_linux::{
    AddMode, AddressInfo, AddressSpec, Announcement, Interface, MacAddr, NetlinkError, Outgoing,
    RouteSpec, Rtnl, RuleSpec, SocketError,
};

use super::vmac::{Parent, VmacError, VmacLink};
use crate::spec::mapping::{AddressResolver, VmacSpec};

mod linux;
#[cfg(test)]
pub mod stand_in;

pub use linux::LinuxHost;

/// The machine under the router: its clock, links, addresses, routes and
/// rules, VRRP sockets, announcements and VMACs, as the router uses them.
///
/// Address, route and rule requests report rtnetlink's answer; the router
/// decides what an error means (an address already there is installed, one
/// already gone is removed).
pub trait Host {
    /// Now, on the daemon's monotonic clock.
    fn now(&self) -> Instant;

    /// The instant a packet the kernel stamped `received` arrived, never
    /// before `floor` (see [`super::clock::Clock::received_at`]).
    fn received_at(&self, received: SystemTime, floor: Instant) -> Instant;

    /// The ifindex of interface `name`, now.
    fn if_index(&self, name: &str) -> Option<u32>;

    /// Whether interface `iface` forwards IPv6 (an unsolicited NA from it
    /// carries the router flag).
    fn ipv6_forwarding(&self, iface: &str) -> bool;

    /// Reads the interfaces and addresses as they are now.
    fn read_view(&self) -> impl Future<Output = Result<HostView, NetlinkError>>;

    /// The netlink port of the router's own requests (kernel events they
    /// cause carry it).
    fn netlink_port(&self) -> Option<u32>;

    /// Adds an address.
    fn add_address(&self, a: &AddressSpec) -> impl Future<Output = Result<(), NetlinkError>>;

    /// Removes an address.
    fn del_address(&self, a: &AddressSpec) -> impl Future<Output = Result<(), NetlinkError>>;

    /// Adds an address valid but not preferred (an IPv6 VMAC's link-local,
    /// see `Rtnl::add_deprecated_address`); by default as [`Host::add_address`].
    fn add_deprecated_address(
        &self,
        a: &AddressSpec,
    ) -> impl Future<Output = Result<(), NetlinkError>> {
        self.add_address(a)
    }

    /// Adds (or replaces, per `mode`) a route.
    fn add_route(
        &self,
        r: &RouteSpec,
        mode: AddMode,
    ) -> impl Future<Output = Result<(), NetlinkError>>;

    /// Removes a route.
    fn del_route(&self, r: &RouteSpec) -> impl Future<Output = Result<(), NetlinkError>>;

    /// Adds a policy rule.
    fn add_rule(&self, r: &RuleSpec) -> impl Future<Output = Result<(), NetlinkError>>;

    /// Removes a policy rule.
    fn del_rule(&self, r: &RuleSpec) -> impl Future<Output = Result<(), NetlinkError>>;

    /// Whether a VRRP socket of `family` is open (adverts of that family
    /// can be sent, its groups joined).
    fn has_socket(&self, family: Family) -> bool;

    /// Sends one advert on the socket of its source's family.
    fn send_advert(&self, out: &Outgoing<'_>) -> impl Future<Output = Result<(), SocketError>>;

    /// Joins the VRRP multicast `group` on interface `ifindex`.
    fn join_multicast(&self, group: IpAddr, ifindex: u32) -> Result<(), SocketError>;

    /// Leaves the VRRP multicast `group` on interface `ifindex`.
    fn leave_multicast(&self, group: IpAddr, ifindex: u32) -> Result<(), SocketError>;

    /// Whether gratuitous ARPs / unsolicited NAs can be sent.
    fn can_announce(&self) -> bool;

    /// Sends one gratuitous ARP or unsolicited NA now.
    fn announce(&self, a: &Announcement) -> Result<(), SocketError>;

    /// Creates and brings up the VMAC `spec` of an instance of `family` on
    /// `parent`; `source` is the instance's advert source address.
    fn create_vmac(
        &mut self,
        spec: &VmacSpec,
        parent: Parent<'_>,
        family: Family,
        source: IpAddr,
    ) -> impl Future<Output = Result<VmacLink, VmacError>>;

    /// Removes a VMAC and puts back what its creation changed.
    fn remove_vmac(&mut self, link: VmacLink) -> impl Future<Output = ()>;

    /// The VRF device interface `index` is enslaved to, if its master is a
    /// VRF.
    fn vrf_of(&self, index: u32) -> impl Future<Output = Option<u32>>;

    /// Enslaves interface `index` to `master`, or releases it (0).
    fn set_master(&self, index: u32, master: u32)
    -> impl Future<Output = Result<(), NetlinkError>>;
}

/// A snapshot of the host's interfaces and addresses.
#[derive(Debug, Clone, Default)]
pub struct HostView {
    /// Interfaces by name.
    pub links: HashMap<String, Interface>,
    /// Addresses, in the kernel's order (primary first).
    pub addresses: Vec<AddressInfo>,
}

impl HostView {
    /// Reads interfaces and addresses.
    pub async fn read(rtnl: &Rtnl) -> Result<HostView, NetlinkError> {
        let links = rtnl
            .links()
            .await?
            .into_iter()
            .map(|l| (l.name.clone(), l))
            .collect();
        let addresses = rtnl.addresses(None).await?;
        Ok(HostView { links, addresses })
    }

    /// ifindex of `name`.
    pub fn ifindex(&self, name: &str) -> Option<u32> {
        self.links.get(name).map(|l| l.index)
    }

    /// MAC of `name`.
    pub fn mac(&self, name: &str) -> Option<MacAddr> {
        self.links.get(name).and_then(|l| l.mac)
    }
}

impl AddressResolver for HostView {
    /// keepalived: the first (primary, non-secondary) IPv4 address of the
    /// interface; for IPv6 its link-local address.
    fn primary(&self, interface: Option<&str>, family: Family) -> Option<IpAddr> {
        let idx = self.ifindex(interface?)?;
        let mine = self.addresses.iter().filter(|a| a.ifindex == idx);
        match family {
            Family::V4 => mine
                .filter(|a| a.addr.is_ipv4() && !a.is_secondary())
                .map(|a| a.addr)
                .next(),
            Family::V6 => mine
                .filter(|a| matches!(a.addr, IpAddr::V6(v) if v.is_unicast_link_local()))
                .map(|a| a.addr)
                .next(),
        }
    }

    fn has_interface(&self, name: &str) -> Option<bool> {
        Some(self.ifindex(name).is_some())
    }

    fn is_loopback(&self, name: &str) -> Option<bool> {
        Some(self.links.get(name)?.is_loopback())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrrp_linux::Scope;

    fn addr(ifindex: u32, a: &str, flags: u32) -> AddressInfo {
        AddressInfo {
            ifindex,
            addr: a.parse().unwrap(),
            prefix_len: 24,
            label: None,
            scope: Scope::Global,
            broadcast: None,
            flags,
        }
    }

    #[test]
    fn primary_is_first_non_secondary_v4_and_link_local_v6() {
        let mut h = HostView::default();
        h.links.insert(
            "eth0".into(),
            Interface {
                index: 2,
                name: "eth0".into(),
                mac: None,
                flags: 0,
                mtu: 1500,
                kind: None,
                parent_index: None,
                master: None,
                vrf_table: None,
            },
        );
        h.addresses = vec![
            addr(1, "127.0.0.1", 0),
            addr(2, "10.0.0.9", 0x01), // secondary
            addr(2, "10.0.0.1", 0),
            addr(2, "fd00::1", 0),
            addr(2, "fe80::1", 0),
        ];
        assert_eq!(
            h.primary(Some("eth0"), Family::V4),
            Some("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            h.primary(Some("eth0"), Family::V6),
            Some("fe80::1".parse().unwrap())
        );
        assert_eq!(h.primary(Some("eth1"), Family::V4), None);
    }
}
