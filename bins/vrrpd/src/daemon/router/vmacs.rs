//! The VMACs of `use_vmac` / `use_ipvlan` instances and the nftables
//! rules that go with them.

use vrrp_core::node::InstanceId;
use vrrp_core::packet::Family;

use crate::daemon::error::ApplyError;
use crate::daemon::host::Host;
use crate::daemon::{accept_mode, vmac};

use super::Router;

impl<H: Host> Router<H> {
    /// `disable_local_igmp` is in force (set before [`Self::install`]; a
    /// reload cannot change it).
    pub fn set_local_igmp_disabled(&mut self, on: bool) {
        self.local_igmp_disabled = on;
    }

    /// Whether a VMAC of an instance of `family` gets the nftables rules
    /// (vrrp_vmac.c `netlink_link_add_vmac`: IPv6, or IPv4 without
    /// `disable_local_igmp`).
    pub(super) fn vmac_rules(&self, family: Family) -> bool {
        family == Family::V6 || !self.local_igmp_disabled
    }

    /// Creates the VMACs of instances `ids` that want one; the node then
    /// receives and sends their adverts there.
    pub(super) async fn create_vmacs(&mut self, ids: &[InstanceId]) -> Result<(), ApplyError> {
        for &id in ids {
            let (Some(slot), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
                continue;
            };
            let config = inst.config();
            let Some(spec) = slot.spec.vmac.clone() else {
                continue;
            };
            if slot.vmac.is_some() {
                continue;
            }
            let learns = crate::spec::ipvlan::learns_source(
                config.family,
                slot.spec.src_override,
                Some(&spec),
            );
            let parent = vmac::Parent {
                index: slot.ifindex,
                name: &slot.iface,
                mac: slot.mac,
            };
            let made = self
                .host
                .create_vmac(&spec, parent, config.family, config.primary_address)
                .await
                .map_err(|source| ApplyError::Vmac {
                    instance: config.name.clone(),
                    source,
                })?;
            let (name, families) = (
                config.name.clone(),
                accept_mode::vmac_families(&slot.spec, config.family),
            );
            // vrrp_vmac.c netlink_link_add_vmac: no rules at all for an IPv4
            // instance with disable_local_igmp; `netlink_link_add_ipvlan`
            // adds none for an ipvlan.
            if spec.ipvlan.is_none() && self.vmac_rules(config.family) {
                self.accept_fw
                    .add_vmac(&name, &families, made.ifindex, parent.index);
            }
            let learned = made.link_local;
            if let Some(slot) = self.node.data_mut(id) {
                slot.vmac = Some(Box::new(made));
                let (rx, tx) = (slot.rx_ifindex(), slot.xmit_ifindex());
                self.node.set_paths(id, rx, tx);
            }
            // An IPv6 ipvlan without an address of its own: its kernel
            // link-local address is the source (§3.45).
            if let Some(ll) = learned
                && learns
            {
                self.take_ipvlan_source(id, ll);
            }
        }
        Ok(())
    }

    /// Removes every VMAC (last created first, so sysctls come back in order).
    pub(super) async fn remove_vmacs(&mut self) {
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids.into_iter().rev() {
            let (name, Some(family)) = (self.name(id), self.family(id)) else {
                continue;
            };
            if let Some(s) = self.node.data_mut(id)
                && let Some(v) = s.vmac.take()
            {
                let families = accept_mode::vmac_families(&s.spec, family);
                let ipvlan = s.spec.vmac.as_ref().is_some_and(|v| v.ipvlan.is_some());
                let index = v.ifindex;
                self.host.remove_vmac(*v).await;
                if !ipvlan && self.vmac_rules(family) {
                    self.accept_fw.remove_vmac(&name, &families, index);
                }
            }
        }
    }
}
