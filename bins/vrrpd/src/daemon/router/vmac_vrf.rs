//! A VMAC or ipvlan follows its parent into and out of VRFs while vrrpd
//! runs (docs/keepalived.md §3.26; keepalived_netlink.c
//! `netlink_link_filter` compares a known link's IFLA_MASTER with the
//! master it had, vrrp_vmac.c `update_vmac_vrfs` then `netlink_update_vrf`
//! sends an RTM_NEWLINK with IFLA_MASTER, the new master's index or 0, for
//! every VMAC or ipvlan keepalived made on that link).

use tracing::{info, warn};
use vrrp_core::node::InstanceId;

use crate::daemon::host::Host;

use super::Router;

impl<H: Host> Router<H> {
    /// Link `ifindex` changed: when it carries VMACs or ipvlans of ours
    /// and its VRF is no longer theirs, they are moved to it (or released
    /// when it left its VRF). Only a VRF master is followed: keepalived
    /// would also hand a VMAC a bridge or bond that became its parent's
    /// master, which vrrpd does not.
    pub(super) async fn follow_parent_vrf(&mut self, ifindex: u32) {
        let ids: Vec<InstanceId> = self
            .node
            .ids()
            .filter(|&id| {
                self.node
                    .data(id)
                    .is_some_and(|s| s.ifindex == ifindex && s.vmac.is_some())
            })
            .collect();
        if ids.is_empty() {
            return;
        }
        let vrf = self.host.vrf_of(ifindex).await.unwrap_or(0);
        for id in ids {
            let Some((link, index, had)) = self
                .node
                .data(id)
                .and_then(|s| s.vmac.as_ref())
                .map(|v| (v.name.clone(), v.ifindex, v.vrf))
            else {
                continue;
            };
            if had == vrf {
                continue;
            }
            match self.host.set_master(index, vrf).await {
                Ok(()) => {
                    info!(iface = %link, vrf, "moved with its parent's VRF");
                    if let Some(v) = self.node.data_mut(id).and_then(|s| s.vmac.as_mut()) {
                        v.vrf = vrf;
                    }
                }
                Err(e) => warn!(iface = %link, vrf, "changing the VRF: {e}"),
            }
        }
    }
}
