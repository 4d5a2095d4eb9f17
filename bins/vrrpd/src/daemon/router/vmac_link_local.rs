//! The link-local address of an IPv6 instance's macvlan VMAC, kept in step
//! with its parent's as keepalived 2.2.7 keeps it (keepalived_netlink.c
//! `netlink_if_address_filter`; docs/keepalived.md §3.24). The VMAC is made
//! with the parent's link-local (vrrp_vmac.c `set_link_local_address`,
//! [`crate::daemon::vmac::ipv6_vmac_address`]) and the instance sends from
//! it; afterwards:
//!
//! - the parent's link-local the instance sends from deleted: the VMAC takes
//!   another link-local of the parent's when there is one (keepalived's
//!   `reset_link_local_address`), else the one made from the parent's MAC
//!   (`replace_link_local_address`); the instance stays up and sends from
//!   the VMAC's new address;
//! - a link-local added to a parent that has no other: the VMAC takes it
//!   (`reset_link_local_address`) and the instance sends from it.
//!
//! Only for a VMAC this daemon made, sending from it (not `vmac_xmit_base`),
//! for an instance without a configured source.

use std::net::IpAddr;

use tracing::{info, warn};
use vrrp_core::node::InstanceId;
use vrrp_core::packet::Family;
use vrrp_linux::{AddressSpec, MacAddr, Scope, eui64_link_local};

use crate::daemon::host::Host;

use super::Router;

/// An instance whose VMAC's link-local follows its parent's.
struct VmacUser {
    id: InstanceId,
    vmac: u32,
    source: IpAddr,
    parent_mac: Option<MacAddr>,
}

fn link_local_spec(ifindex: u32, addr: IpAddr) -> AddressSpec {
    let mut a = AddressSpec::vip(ifindex, addr, 64);
    a.scope = Scope::Link;
    a
}

fn is_link_local(addr: IpAddr) -> bool {
    matches!(addr, IpAddr::V6(a) if a.is_unicast_link_local())
}

impl<H: Host> Router<H> {
    /// The IPv6 instances on a macvlan VMAC of `parent` that send from the
    /// VMAC with the source it was given.
    fn vmac_link_local_users(&self, parent: u32) -> Vec<VmacUser> {
        self.node
            .ids()
            .filter_map(|id| {
                let (slot, inst) = (self.node.data(id)?, self.node.instance(id)?);
                let c = inst.config();
                let spec = slot.spec.vmac.as_ref()?;
                let vmac = slot.macvlan()?;
                (c.family == Family::V6
                    && slot.ifindex == parent
                    && !spec.xmit_base
                    && slot.spec.src_override.is_none())
                .then_some(VmacUser {
                    id,
                    vmac: vmac.ifindex,
                    source: c.primary_address,
                    parent_mac: slot.mac,
                })
            })
            .collect()
    }

    /// The link-local addresses of interface `link` other than `but`
    /// (kernel order).
    async fn link_locals(&self, link: u32, but: IpAddr) -> Vec<IpAddr> {
        match self.host.read_view().await {
            Ok(view) => view
                .addresses
                .iter()
                .filter(|a| a.ifindex == link && a.addr != but && is_link_local(a.addr))
                .map(|a| a.addr)
                .collect(),
            Err(e) => {
                warn!("reading the addresses of interface {link}: {e}");
                Vec::new()
            }
        }
    }

    /// RTM_DELADDR on a VMAC's parent (keepalived `netlink_if_address_filter`
    /// with `reset_link_local_address` / `replace_link_local_address`).
    pub(super) async fn vmac_parent_link_local_removed(&mut self, parent: u32, addr: IpAddr) {
        if !is_link_local(addr) {
            return;
        }
        let users: Vec<VmacUser> = self
            .vmac_link_local_users(parent)
            .into_iter()
            .filter(|u| u.source == addr)
            .collect();
        if users.is_empty() {
            return;
        }
        // keepalived takes the last of the others it listed
        let other = self.link_locals(parent, addr).await.pop();
        for u in users {
            let next = match (other, u.parent_mac) {
                (Some(o), _) => o,
                (None, Some(m)) => IpAddr::V6(eui64_link_local(m)),
                (None, None) => continue,
            };
            self.move_vmac_link_local(&u, next).await;
        }
    }

    /// RTM_NEWADDR on a VMAC's parent: a link-local address where it had
    /// none becomes the VMAC's.
    pub(super) async fn vmac_parent_link_local_added(&mut self, parent: u32, addr: IpAddr) {
        if !is_link_local(addr) {
            return;
        }
        let users = self.vmac_link_local_users(parent);
        if users.is_empty() || !self.link_locals(parent, addr).await.is_empty() {
            return;
        }
        for u in users.iter().filter(|u| u.source != addr) {
            self.move_vmac_link_local(u, addr).await;
        }
    }

    /// The VMAC of `u` carries `next` instead of the link-local it had, and
    /// the instance sends from it (keepalived `change_link_local_address`:
    /// the old one deleted, then the new one added). The old one is the
    /// VMAC's in the kernel, which is the instance's source unless the
    /// instance has none (downed by a reload while the parent had no
    /// link-local).
    async fn move_vmac_link_local(&mut self, u: &VmacUser, next: IpAddr) {
        let name = self.name(u.id);
        for old in self.link_locals(u.vmac, next).await {
            match self.host.del_address(&link_local_spec(u.vmac, old)).await {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => warn!(instance = %name, "deleting {old} from the VMAC: {e}"),
            }
        }
        match self
            .host
            .add_deprecated_address(&link_local_spec(u.vmac, next))
            .await
        {
            Ok(()) => {}
            Err(e) if e.is_already_exists() => {}
            Err(e) => {
                warn!(instance = %name, "adding {next} to the VMAC: {e}");
                return;
            }
        }
        info!(instance = %name, from = %u.source, to = %next, "VMAC link-local address replaced");
        let now = self.host.now();
        if let Err(e) = self
            .node
            .edit_instance(now, u.id, |c| c.primary_address = next)
        {
            warn!(instance = %name, "changing the advert source to {next}: {e}");
        }
    }
}
