//! The advert source of an IPv6 instance whose `use_ipvlan` has no address
//! (docs/keepalived.md §3.45): the link-local address the kernel gives the
//! ipvlan. It is read back when the ipvlan is made
//! ([`crate::daemon::vmac::VmacLink::link_local`]) or, when the ipvlan had
//! none yet, taken from the kernel's address event (keepalived_netlink.c
//! `netlink_if_address_filter`: the first link-local address of a link
//! becomes its `sin6_addr`, which vrrp.c `vrrp_send_adv` takes as the
//! source). Until then the instance runs without a source and sends
//! nothing ([`Router::send`](super::Router), "No address yet").

use std::net::{IpAddr, Ipv6Addr};

use tracing::{info, warn};
use vrrp_core::node::InstanceId;
use vrrp_linux::AddressInfo;

use crate::daemon::host::Host;
use crate::spec::ipvlan::learns_source;

use super::Router;

impl<H: Host> Router<H> {
    /// Whether instance `id` takes its source from its ipvlan and has none
    /// yet; the ipvlan's index when so.
    fn awaiting_ipvlan_source(&self, id: InstanceId) -> Option<u32> {
        let (slot, inst) = (self.node.data(id)?, self.node.instance(id)?);
        let c = inst.config();
        let v = slot.vmac.as_ref()?;
        (learns_source(c.family, slot.spec.src_override, slot.spec.vmac.as_deref())
            && c.primary_address.is_unspecified()
            && !slot.source_lost)
            .then_some(v.ifindex)
    }

    /// Instance `id` sends from `addr`, its ipvlan's link-local address,
    /// from now on (its state is kept).
    pub(super) fn take_ipvlan_source(&mut self, id: InstanceId, addr: Ipv6Addr) {
        let now = self.host.now();
        let name = self.name(id);
        match self
            .node
            .edit_instance(now, id, |c| c.primary_address = IpAddr::V6(addr))
        {
            Ok(()) => {
                info!(instance = %name, source = %addr, "advert source: the ipvlan's link-local address")
            }
            Err(e) => warn!(instance = %name, "taking the ipvlan's address as the source: {e}"),
        }
    }

    /// An address was added (RTM_NEWADDR): an instance downed because its
    /// source was deleted takes it and comes up (source_address.rs); the
    /// first link-local address of an ipvlan whose instance waits for it
    /// becomes that instance's source.
    pub async fn on_address_added(&mut self, a: &AddressInfo) {
        self.source_added(a.ifindex, a.addr).await;
        self.vmac_parent_link_local_added(a.ifindex, a.addr).await;
        let IpAddr::V6(v6) = a.addr else {
            return;
        };
        if !v6.is_unicast_link_local() {
            return;
        }
        let ids: Vec<InstanceId> = self
            .node
            .ids()
            .filter(|&id| self.awaiting_ipvlan_source(id) == Some(a.ifindex))
            .collect();
        for id in ids {
            self.take_ipvlan_source(id, v6);
        }
        self.flush().await;
    }
}
