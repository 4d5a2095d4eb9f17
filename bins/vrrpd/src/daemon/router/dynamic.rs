//! `dynamic_interfaces [allow_if_changes]` (keepalived vrrp_if.c, vrrp.c
//! `set_vrrp_src_addr`, keepalived_netlink.c): an instance whose interface
//! does not exist yet, or has no address to send from, starts in FAULT
//! instead of stopping the daemon. When a link or an address appears, the
//! configuration is mapped again against the interfaces as they are now and
//! applied in place ([`Router::rebind`]): the waiting instance keeps its state
//! and identity, gets its interface index and source address, and leaves
//! FAULT as keepalived's does (BACKUP, then MASTER when nobody else is). The
//! same remapping serves an instance whose existing interface has no source
//! address yet (an IPv6 instance without a link-local address), which waits in
//! FAULT without `dynamic_interfaces` too (vrrp.c `set_vrrp_src_addr`). An
//! interface deleted and created again (another index) is followed the same
//! way, with or without `allow_if_changes`, as keepalived does.
//!
//! `allow_if_changes` lets keepalived take an interface whose type changed
//! (a macvlan that is no longer one, or has another parent;
//! keepalived_netlink.c, `seen_interface`); vrrpd does not look at the type of
//! an instance's interface, so it always behaves as with `allow_if_changes`.

use std::collections::HashMap;

use tracing::{info, warn};
use vrrp_core::Event;
use vrrp_core::node::{Carry, NodeConfig};

use super::{Router, Slot};
use crate::daemon::error::ApplyError;
use crate::daemon::host::{Host, HostView};
use crate::spec::mapping::{Mapped, map_config};

impl<H: Host> Router<H> {
    /// Takes the `dynamic_interfaces` settings of a (re)loaded configuration.
    pub(super) fn set_dynamic(&mut self, mapped: &Mapped) {
        self.dynamic = mapped.dynamic.clone();
    }

    /// The node matches instances across a reconfiguration by interface
    /// index; an instance bound to its interface after start (index 0, or
    /// an interface created again) keeps the index it was started with as its
    /// identity, so that it is reconfigured in place, never restarted. With
    /// `same_interface` (a SIGHUP reload) only where it is still on the same
    /// interface; otherwise (binding) by name.
    pub(super) fn keep_node_keys(&self, config: &mut NodeConfig<Slot>, same_interface: bool) {
        // Instance names are unique: one map instead of a scan per instance.
        let running: HashMap<&str, (u32, Option<u32>)> = self
            .node
            .ids()
            .filter_map(|id| {
                let (s, inst) = (self.node.data(id)?, self.node.instance(id)?);
                Some((inst.name(), (s.ifindex, self.node.ifindex(id))))
            })
            .collect();
        for ni in &mut config.instances {
            let key = running
                .get(ni.config.name.as_str())
                .filter(|(ifindex, _)| !same_interface || *ifindex == ni.ifindex)
                .and_then(|&(_, key)| key);
            if let Some(k) = key {
                ni.ifindex = k;
            }
        }
    }

    /// Whether an instance waits for an interface or an address; `link` is
    /// the (index, name) of a link that changed, if any.
    fn awaiting(&self, link: Option<(u32, &str)>) -> bool {
        self.node.ids().any(|id| {
            self.node.data(id).is_some_and(|s| {
                s.ifindex == 0
                    || s.spec.primary_missing
                    || link.is_some_and(|(idx, name)| s.iface == name && s.ifindex != idx)
            })
        })
    }

    /// A link changed or an address was added: with `dynamic_interfaces` and
    /// an instance waiting, the configuration is mapped again and applied.
    pub async fn on_interfaces_changed(&mut self, link: Option<(u32, &str)>) {
        let Some(cfg) = self.dynamic.clone() else {
            return;
        };
        if !self.awaiting(link) {
            return;
        }
        let host = match self.host.read_view().await {
            Ok(h) => h,
            Err(e) => {
                warn!("dynamic_interfaces: reading interfaces: {e}");
                return;
            }
        };
        let (mut mapped, diags) = map_config(&cfg, &host);
        if diags.iter().any(keepalived_conf::Diagnostic::is_error) {
            warn!("dynamic_interfaces: the configuration no longer maps on these interfaces");
            return;
        }
        crate::daemon::script_policy::apply_script_policy(&mut mapped);
        let changed = mapped.instances.iter().any(|new| {
            // The node keeps configurations as vrrp-core validated them.
            let config = new.config.clone().validated().ok();
            !self.node.ids().any(|id| {
                let (Some(s), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
                    return false;
                };
                s.spec.same_apart_from_config(new)
                    && config.as_ref() == Some(inst.config())
                    && host.ifindex(&s.iface).is_none_or(|i| i == s.ifindex)
            })
        });
        if !changed {
            return;
        }
        info!("dynamic_interfaces: an interface or address appeared");
        if let Err(e) = self.rebind(mapped, &host).await {
            warn!("dynamic_interfaces: {e}");
        }
    }

    /// Applies the mapping made on the current interfaces in place: every
    /// instance keeps its state (a waiting one is still in FAULT), the waiting
    /// ones get their interface index and source address, then leave the
    /// faults that no longer hold (keepalived: "Interface eth1 added", then
    /// "Entering BACKUP STATE" once it is up with an address).
    async fn rebind(&mut self, mapped: Mapped, host: &HostView) -> Result<(), ApplyError> {
        let mut config = super::configure::node_config(&mapped, host)?;
        self.keep_node_keys(&mut config, false);
        let now = self.host.now();
        let r = self.node.reconfigure(now, config, |(_, old), (_, new)| {
            if old.spec == new.spec && old.ifindex == new.ifindex {
                Carry::Keep
            } else {
                Carry::Reconfigure
            }
        })?;
        let mut rebound = Vec::new();
        for (id, old) in r.reconfigured {
            if let Some(slot) = self.node.data_mut(id) {
                slot.installed = old.installed;
                slot.vmac = old.vmac;
                slot.transitions = old.transitions;
                let up = host
                    .links
                    .get(&slot.iface)
                    .is_some_and(|l| l.is_up() && l.is_running());
                let found = old.spec.primary_missing && !slot.spec.primary_missing;
                rebound.push((id, slot.ifindex, up, found));
            }
        }
        self.flush().await;
        for &id in &r.retired {
            self.remove_vips(id).await;
        }
        let _ = self.node.take_retired();
        for (id, ifindex, up, address_found) in rebound {
            // Adverts go to and come from the interface as it is now.
            if self.node.paths(id) != Some((ifindex, ifindex))
                && self.node.data(id).is_some_and(|s| s.vmac.is_none())
            {
                self.node.set_paths(id, ifindex, ifindex);
            }
            self.join_groups();
            let mut events = Vec::new();
            if address_found {
                events.push(Event::FaultOff);
            }
            if up {
                events.push(Event::InterfaceUp);
            }
            self.node.handle_events(now, id, events);
            self.flush().await;
        }
        for &id in &r.fresh {
            self.start_instance(id, now, host).await;
        }
        Ok(())
    }
}
