//! [`Host`] over Linux: rtnetlink, the raw VRRP sockets, the announcement
//! socket, the VMAC sysctls and `CLOCK_MONOTONIC`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::SystemTime;

use vrrp_core::packet::Family;
use vrrp_core::time::Instant;
use vrrp_linux::{
    AddMode, AddressSpec, Announcement, Announcer, NetlinkError, Outgoing, RouteSpec, Rtnl,
    RuleSpec, SocketError, VmacSysctls, VrrpSocket,
};

use super::{Host, HostView};
use crate::daemon::clock::Clock;
use crate::daemon::vmac::{self, Parent, VmacError, VmacLink};
use crate::spec::mapping::VmacSpec;

/// The machine the daemon runs on.
pub struct LinuxHost {
    rtnl: Rtnl,
    v4: Option<Arc<VrrpSocket>>,
    v6: Option<Arc<VrrpSocket>>,
    /// The IPv4 protocol-51 socket receiving `auth_type AH` adverts: it joins
    /// the IPv4 groups the VRRP socket joins.
    ah: Option<Arc<VrrpSocket>>,
    announcer: Option<Announcer>,
    clock: Clock,
    /// VMAC sysctls, with the shared ones counted per parent / host-wide.
    vmac_sysctls: VmacSysctls,
}

impl LinuxHost {
    /// The host reached through `rtnl`, the VRRP sockets `v4` / `v6`, the
    /// announcement socket `announcer` (none: no GARPs / NAs) and `clock`.
    pub fn new(
        rtnl: Rtnl,
        v4: Option<Arc<VrrpSocket>>,
        v6: Option<Arc<VrrpSocket>>,
        announcer: Option<Announcer>,
        clock: Clock,
    ) -> Self {
        LinuxHost {
            rtnl,
            v4,
            v6,
            ah: None,
            announcer,
            clock,
            vmac_sysctls: VmacSysctls::default(),
        }
    }

    /// The same host with `ah` receiving the AH-protected adverts
    /// ([`VrrpSocket::open_ah`]).
    pub fn with_ah_socket(mut self, ah: Option<Arc<VrrpSocket>>) -> Self {
        self.ah = ah;
        self
    }

    fn socket(&self, f: Family) -> Option<&Arc<VrrpSocket>> {
        match f {
            Family::V4 => self.v4.as_ref(),
            Family::V6 => self.v6.as_ref(),
        }
    }

    fn socket_of(&self, addr: IpAddr) -> Result<&Arc<VrrpSocket>, SocketError> {
        self.socket(Family::of(addr))
            .ok_or(SocketError::FamilyMismatch { addr })
    }
}

impl Host for LinuxHost {
    fn now(&self) -> Instant {
        self.clock.now()
    }

    fn received_at(&self, received: SystemTime, floor: Instant) -> Instant {
        self.clock.received_at(received, floor)
    }

    fn if_index(&self, name: &str) -> Option<u32> {
        vrrp_linux::netns::if_index(name)
    }

    fn ipv6_forwarding(&self, iface: &str) -> bool {
        std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{iface}/forwarding"))
            .is_ok_and(|v| v.trim() == "1")
    }

    async fn read_view(&self) -> Result<HostView, NetlinkError> {
        HostView::read(&self.rtnl).await
    }

    fn netlink_port(&self) -> Option<u32> {
        self.rtnl.port_id()
    }

    async fn add_address(&self, a: &AddressSpec) -> Result<(), NetlinkError> {
        self.rtnl.add_address(a).await
    }

    async fn del_address(&self, a: &AddressSpec) -> Result<(), NetlinkError> {
        self.rtnl.del_address(a).await
    }

    async fn add_deprecated_address(&self, a: &AddressSpec) -> Result<(), NetlinkError> {
        self.rtnl.add_deprecated_address(a).await
    }

    async fn add_route(&self, r: &RouteSpec, mode: AddMode) -> Result<(), NetlinkError> {
        self.rtnl.add_route(r, mode).await
    }

    async fn del_route(&self, r: &RouteSpec) -> Result<(), NetlinkError> {
        self.rtnl.del_route(r).await
    }

    async fn add_rule(&self, r: &RuleSpec) -> Result<(), NetlinkError> {
        self.rtnl.add_rule(r).await
    }

    async fn del_rule(&self, r: &RuleSpec) -> Result<(), NetlinkError> {
        self.rtnl.del_rule(r).await
    }

    fn has_socket(&self, family: Family) -> bool {
        self.socket(family).is_some()
    }

    async fn send_advert(&self, out: &Outgoing<'_>) -> Result<(), SocketError> {
        self.socket_of(out.src)?.send(out).await
    }

    fn join_multicast(&self, group: IpAddr, ifindex: u32) -> Result<(), SocketError> {
        self.socket_of(group)?.join_multicast(group, ifindex)?;
        match (&self.ah, group) {
            (Some(ah), IpAddr::V4(_)) => ah.join_multicast(group, ifindex),
            _ => Ok(()),
        }
    }

    fn leave_multicast(&self, group: IpAddr, ifindex: u32) -> Result<(), SocketError> {
        self.socket_of(group)?.leave_multicast(group, ifindex)?;
        match (&self.ah, group) {
            (Some(ah), IpAddr::V4(_)) => ah.leave_multicast(group, ifindex),
            _ => Ok(()),
        }
    }

    fn can_announce(&self) -> bool {
        self.announcer.is_some()
    }

    fn announce(&self, a: &Announcement) -> Result<(), SocketError> {
        match &self.announcer {
            Some(ann) => ann.send(a),
            None => Ok(()),
        }
    }

    async fn create_vmac(
        &mut self,
        spec: &VmacSpec,
        parent: Parent<'_>,
        family: Family,
        source: IpAddr,
    ) -> Result<VmacLink, VmacError> {
        vmac::create(
            &self.rtnl,
            &mut self.vmac_sysctls,
            spec,
            parent,
            family,
            source,
        )
        .await
    }

    async fn remove_vmac(&mut self, link: VmacLink) {
        vmac::remove(&self.rtnl, &mut self.vmac_sysctls, link).await;
    }

    async fn vrf_of(&self, index: u32) -> Option<u32> {
        vmac::parent_vrf(&self.rtnl, index).await
    }

    async fn set_master(&self, index: u32, master: u32) -> Result<(), NetlinkError> {
        self.rtnl.set_link_master(index, master).await
    }
}
