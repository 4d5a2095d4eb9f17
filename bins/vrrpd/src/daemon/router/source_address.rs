//! The advert source an instance takes from its interface, followed
//! through the kernel's address events (keepalived_netlink.c
//! `netlink_if_address_filter`; the rules are in
//! [`crate::daemon::source_watch`], docs/keepalived.md §3.24).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use tracing::{info, warn};
use vrrp_core::Event;
use vrrp_core::node::InstanceId;
use vrrp_core::packet::Family;

use crate::daemon::host::Host;
use crate::daemon::source_watch::{self, SourceChange, SourceUser};
use crate::spec::ipvlan::learns_source;

use super::Router;

/// Whether keepalived looks at an address event for this address: every
/// IPv4 one, IPv6 link-local ones only (`ignore_address_if_ours_or_link_local`
/// and the RT_SCOPE_LINK test of the RTM_DELADDR branch).
fn considered(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(_) => true,
        IpAddr::V6(a) => a.is_unicast_link_local(),
    }
}

fn unspecified(family: Family) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

impl<H: Host> Router<H> {
    /// The instances of `family` whose source is taken from a link: no
    /// `mcast_src_ip` / `unicast_src_ip`; an IPv4 instance from its
    /// configured interface (keepalived `VRRP_CONFIGURED_IFP`), an IPv6 one
    /// from its interface or from its ipvlan when it learns its source there.
    /// An IPv6 instance on a macvlan VMAC is left out (keepalived makes a
    /// link-local address of its own there).
    fn source_users(&self, family: Family) -> Vec<SourceUser<InstanceId>> {
        self.node
            .ids()
            .filter_map(|id| {
                let (slot, inst) = (self.node.data(id)?, self.node.instance(id)?);
                let c = inst.config();
                if c.family != family || slot.spec.src_override.is_some() {
                    return None;
                }
                let link = match (family, slot.spec.vmac.as_deref()) {
                    (Family::V4, None) => slot.ifindex,
                    (Family::V4, Some(v)) if v.ipvlan.is_none() => slot.ifindex,
                    (Family::V6, None) => slot.ifindex,
                    (Family::V6, v @ Some(_)) if learns_source(family, None, v) => {
                        slot.vmac.as_ref()?.ifindex
                    }
                    _ => return None,
                };
                Some(SourceUser {
                    id,
                    link,
                    source: c.primary_address,
                    lost: slot.source_lost,
                })
            })
            .collect()
    }

    /// Whether `addr` is one of the instances' VIPs or excluded VIPs
    /// (keepalived keeps those out of an interface's address list).
    fn is_virtual(&self, addr: IpAddr) -> bool {
        self.node
            .ids()
            .filter_map(|id| self.node.data(id))
            .any(|s| {
                s.spec
                    .vips
                    .iter()
                    .chain(&s.spec.excluded_vips)
                    .any(|v| v.prefix.addr == addr)
            })
    }

    fn link_name(&self, link: u32, id: InstanceId) -> String {
        self.node
            .data(id)
            .map(|s| match &s.vmac {
                Some(v) if v.ifindex == link => v.name.clone(),
                _ => s.iface.clone(),
            })
            .unwrap_or_default()
    }

    /// RTM_DELADDR: an instance whose source this was sends from another
    /// address of the link, or goes to FAULT without a source
    /// (`down_instance`).
    pub(super) async fn source_removed(&mut self, ifindex: u32, addr: IpAddr) {
        if !considered(addr) {
            return;
        }
        let family = Family::of(addr);
        let users = self.source_users(family);
        if !users
            .iter()
            .any(|u| u.link == ifindex && u.source == addr && !u.lost)
        {
            return;
        }
        let others: Vec<IpAddr> = match self.host.read_view().await {
            Ok(view) => view
                .addresses
                .iter()
                .filter(|a| a.ifindex == ifindex && a.addr != addr && considered(a.addr))
                .filter(|a| Family::of(a.addr) == family && !self.is_virtual(a.addr))
                .map(|a| a.addr)
                .collect(),
            Err(e) => {
                warn!("reading the addresses after {addr} was deleted: {e}");
                Vec::new()
            }
        };
        let now = self.host.now();
        let changes = source_watch::removed(&users, ifindex, addr, &others);
        // once per event, as keepalived (which says it at `-D`)
        if let Some(&SourceChange::Lost(id)) =
            changes.iter().find(|c| matches!(c, SourceChange::Lost(_)))
        {
            info!(
                "Deassigned address {addr} from interface {}",
                self.link_name(ifindex, id)
            );
        }
        for change in changes {
            match change {
                SourceChange::Lost(id) => {
                    // down first: a Master's priority 0 advert still
                    // carries the old source, as keepalived's does
                    self.node.handle_events(now, id, [Event::FaultOn]);
                    self.flush().await;
                    self.set_source(id, unspecified(family));
                    if let Some(s) = self.node.data_mut(id) {
                        s.source_lost = true;
                    }
                }
                SourceChange::Moved(id, next) => self.set_source(id, next),
                SourceChange::Regained(..) => {}
            }
        }
        self.flush().await;
    }

    /// RTM_NEWADDR: an instance downed for its source takes the address
    /// and comes up again (`try_up_instance`), unless another fault holds it;
    /// a unicast one then announces that address as it leaves FAULT
    /// ([`Router::announce_source`]).
    pub(super) async fn source_added(&mut self, ifindex: u32, addr: IpAddr) {
        if !considered(addr) || self.is_virtual(addr) {
            return;
        }
        let users = self.source_users(Family::of(addr));
        let now = self.host.now();
        let changes = source_watch::added(&users, ifindex, addr);
        if let Some(&SourceChange::Regained(id, _)) = changes.first() {
            info!(
                "Assigned address {addr} for interface {}",
                self.link_name(ifindex, id)
            );
        }
        for change in changes {
            let SourceChange::Regained(id, addr) = change else {
                continue;
            };
            self.set_source(id, addr);
            let other_fault = self.node.data_mut(id).is_some_and(|s| {
                s.source_lost = false;
                s.spec.config_fault || s.spec.primary_missing
            });
            if !other_fault {
                self.node.handle_events(now, id, [Event::FaultOff]);
            }
            self.flush().await;
        }
    }

    /// Instance `id` sends from `addr` from now on (its state is kept).
    fn set_source(&mut self, id: InstanceId, addr: IpAddr) {
        let now = self.host.now();
        let name = self.name(id);
        match self
            .node
            .edit_instance(now, id, |c| c.primary_address = addr)
        {
            Ok(()) => info!(instance = %name, source = %addr, "advert source"),
            Err(e) => warn!(instance = %name, "changing the advert source to {addr}: {e}"),
        }
    }
}
