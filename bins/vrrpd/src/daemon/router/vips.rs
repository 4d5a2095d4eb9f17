//! The virtual addresses, routes and rules of a Master: installed on
//! becoming Master, reconciled on reload, removed on leaving it, and the
//! leftovers of an earlier run removed at start.

use std::net::IpAddr;

use tracing::{debug, info, warn};
use vrrp_core::node::InstanceId;
use vrrp_linux::{AddressSpec, Announcement};

use crate::daemon::accept_mode;
use crate::daemon::host::{Host, HostView};

use super::Router;
use super::slot::address_spec;

impl<H: Host> Router<H> {
    /// The addresses instance `id` installs as Master: VIPs and excluded
    /// VIPs, each on its interface.
    pub(super) fn wanted_addresses(&self, id: InstanceId) -> Vec<AddressSpec> {
        let (Some(slot), Some(family)) = (self.node.data(id), self.family(id)) else {
            return Vec::new();
        };
        slot.spec
            .vips
            .iter()
            .chain(&slot.spec.excluded_vips)
            .map(|v| address_spec(v, slot.vip_ifindex(v, family, |n| self.host.if_index(n))))
            .collect()
    }

    /// Becoming (or, on reload, staying) Master: the drop rules of accept
    /// mode first, then the VIPs (keepalived `vrrp_state_become_master`).
    pub(super) async fn add_vips(&mut self, id: InstanceId) {
        let (Some(slot), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
            return;
        };
        let (name, family) = (inst.name().to_owned(), inst.config().family);
        let reason = slot.spec.accept_reason;
        let drop = accept_mode::targets(&slot.spec, self.accept_fw.ifindex_only(), |v| {
            slot.vip_link(v, family, |n| self.host.if_index(n))
        });
        let mut fw = std::mem::take(&mut self.accept_fw);
        fw.become_master(&name, reason, &drop, self.install_vips(id))
            .await;
        self.accept_fw = fw;
        // then virtual routes and rules, before the GARPs (docs/keepalived.md §3.31)
        self.set_routes(id, true).await;
    }

    /// Installs (`up`) or removes an instance's virtual routes and rules.
    pub(super) async fn set_routes(&mut self, id: InstanceId, up: bool) {
        let name = self.name(id);
        let Some(slot) = self.node.data_mut(id) else {
            return;
        };
        if slot.routes.is_empty() {
            return;
        }
        let mut set = std::mem::take(&mut slot.routes);
        if up {
            set.install(&self.host, &name, false, &|n| self.host.if_index(n))
                .await;
        } else {
            set.remove(&self.host, &name, &|n| self.host.if_index(n))
                .await;
        }
        if let Some(slot) = self.node.data_mut(id) {
            slot.routes = set;
        }
    }

    /// Leaving Master (or stopping): the VIPs first, then the drop rules
    /// (keepalived `vrrp_restore_interface`).
    pub(super) async fn remove_vips(&mut self, id: InstanceId) {
        if self.node.data(id).is_none() {
            return;
        }
        let name = self.name(id);
        // virtual rules and routes go first (docs/keepalived.md §3.31)
        self.set_routes(id, false).await;
        let mut fw = std::mem::take(&mut self.accept_fw);
        fw.leave_master(&name, self.uninstall_vips(id)).await;
        self.accept_fw = fw;
    }

    /// Adds the wanted addresses and removes installed ones no longer
    /// wanted (a reload changed them); already present counts as added.
    pub(super) async fn install_vips(&mut self, id: InstanceId) {
        let wanted = self.wanted_addresses(id);
        let name = self.name(id);
        // the list's room, reserved at start, is reused: no allocation in
        // a takeover burst that would outlive it
        let mut installed = match self.node.data_mut(id) {
            Some(slot) => std::mem::take(&mut slot.installed),
            None => return,
        };
        let stale: Vec<AddressSpec> = installed
            .iter()
            .filter(|a| !wanted.contains(a))
            .cloned()
            .collect();
        for a in &stale {
            if let Err(e) = self.host.del_address(a).await
                && !e.is_not_found()
            {
                warn!(instance = %name, "{e}");
            }
        }
        // Exactly as many as wanted: kept per instance while Master.
        installed.clear();
        installed.reserve_exact(wanted.len());
        for a in wanted {
            match self.host.add_address(&a).await {
                Ok(()) => installed.push(a),
                Err(e) if e.is_already_exists() => installed.push(a),
                Err(e) => warn!(instance = %name, "{e}"),
            }
        }
        if let Some(slot) = self.node.data_mut(id) {
            debug!(instance = %name, n = installed.len(), "virtual addresses installed");
            slot.installed = installed;
        }
    }

    /// Removes the installed addresses and forgets their queued GARPs/NAs.
    pub(super) async fn uninstall_vips(&mut self, id: InstanceId) {
        let name = self.name(id);
        let Some(slot) = self.node.data_mut(id) else {
            return;
        };
        // Queued GARPs/NAs for these VIPs are no longer ours to send.
        let (ifindex, vips) = (slot.announce_from().0, &slot.spec.vips);
        self.announce.pacer.forget(|a| {
            let (idx, addr) = match *a {
                Announcement::Garp { ifindex, vip, .. } => (ifindex, IpAddr::V4(vip)),
                Announcement::Na { ifindex, vip, .. } => (ifindex, IpAddr::V6(vip)),
            };
            idx == ifindex && vips.iter().any(|v| v.prefix.addr == addr)
        });
        let mut installed = std::mem::take(&mut slot.installed);
        for a in &installed {
            if let Err(e) = self.host.del_address(a).await
                && !e.is_not_found()
            {
                warn!(instance = %name, "{e}");
            }
        }
        // the room stays for the next takeover
        installed.clear();
        if let Some(slot) = self.node.data_mut(id) {
            slot.installed = installed;
        }
    }

    /// keepalived removes VIPs of its instances found on the interface at
    /// start, before entering Backup.
    pub(super) async fn remove_leftovers(&mut self, host: &HostView) {
        for id in self.node.ids() {
            let (Some(s), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
                continue;
            };
            let (name, family) = (inst.name(), inst.config().family);
            for v in s.spec.vips.iter().chain(&s.spec.excluded_vips) {
                let idx = s.vip_ifindex(v, family, |d| host.ifindex(d));
                if host
                    .addresses
                    .iter()
                    .any(|a| a.ifindex == idx && a.addr == v.prefix.addr)
                {
                    let spec = address_spec(v, idx);
                    match self.host.del_address(&spec).await {
                        Ok(()) => info!(
                            instance = %name,
                            iface = %s.iface,
                            "removed leftover virtual address {}",
                            v.prefix
                        ),
                        Err(e) => warn!(instance = %name, "{e}"),
                    }
                }
            }
            // keepalived vrrp_restore_interfaces_startup: its virtual rules too
            s.routes.remove_leftover_rules(&self.host).await;
        }
    }
}
