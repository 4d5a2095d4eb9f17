//! A configuration applied: the node's instances and sync groups built
//! from the mapping on the host as it is, at start ([`Router::install`]) and
//! on SIGHUP ([`Router::reload_prepared`]).

use std::collections::BTreeMap;

use tracing::{info, warn};
use vrrp_core::node::{Carry, InstanceId, InstanceSpec as NodeInstance, Node, NodeConfig};
use vrrp_core::packet::{Family, VRRP_TTL};
use vrrp_core::time::Instant;
use vrrp_core::{Event, State};

use crate::daemon::accept_mode;
use crate::daemon::error::ApplyError;
use crate::daemon::host::{Host, HostView};
use crate::daemon::routes::RouteSet;
use crate::spec::mapping::{InstanceSpec, Mapped};

use super::Router;
use super::slot::Slot;

/// `mapped` with the `vrf NAME` of every route resolved on `host`
/// ([`crate::daemon::routes::apply_vrf_tables`]).
fn with_vrf_tables(mut mapped: Mapped, host: &HostView) -> Mapped {
    use crate::daemon::routes::apply_vrf_tables;
    for i in &mut mapped.instances {
        apply_vrf_tables(&mut i.routes, &host.links);
    }
    apply_vrf_tables(&mut mapped.statics.routes, &host.links);
    mapped
}

/// A configuration made ready to apply: the mapping with the VRF of its
/// routes resolved and the node's configuration built from it on the host as
/// it was read. Building it is most of the cost of a reload (about 11 ms of
/// 13 at 1,000 instances), so a SIGHUP builds it on the blocking thread that
/// parsed the file (`daemon::reload`) and the event loop only applies it
/// ([`Router::reload_prepared`]).
#[derive(Debug)]
pub struct Prepared {
    /// The mapping, VRF tables resolved.
    pub mapped: Mapped,
    config: Result<NodeConfig<Slot>, ApplyError>,
}

impl Prepared {
    /// Resolves `mapped` on `host` and builds the node's configuration; an
    /// error (a missing interface, say) is kept for the apply to report.
    pub fn new(mapped: Mapped, host: &HostView) -> Prepared {
        let mapped = with_vrf_tables(mapped, host);
        let config = node_config(&mapped, host).and_then(|c| {
            crate::daemon::routes::check_static_interfaces(&mapped.statics, &|n| {
                host.ifindex(n).is_some()
            })
            .map_err(ApplyError::Statics)?;
            Ok(c)
        });
        Prepared { mapped, config }
    }
}

/// Builds a slot for `spec` (of the instance `name`) on `host`. Errors
/// name what is missing.
pub(super) fn make_slot(
    name: &str,
    spec: InstanceSpec<()>,
    host: &HostView,
) -> Result<Slot, ApplyError> {
    let iface = spec.interface.clone();
    let ifindex = match host.ifindex(&iface) {
        Some(i) => i,
        // dynamic_interfaces: in FAULT until it appears ([`dynamic`]).
        None if spec.dynamic => {
            info!(instance = %name, "interface `{iface}` does not exist yet; waiting for it in FAULT");
            0
        }
        None => {
            return Err(ApplyError::NoInterface {
                instance: name.to_string(),
                iface,
            });
        }
    };
    crate::daemon::routes::check_interfaces(&spec.routes, &spec.rules, &|n| {
        host.ifindex(n).is_some()
    })
    .map_err(|source| ApplyError::Routes {
        instance: name.to_string(),
        source,
    })?;
    Ok(Slot {
        mac: host.mac(&iface),
        iface,
        ifindex,
        installed: Vec::new(),
        vmac: None,
        // INIT->BACKUP, then BACKUP->MASTER or ->FAULT: room for two
        // now rather than at a takeover burst
        transitions: Vec::with_capacity(2),
        routes: RouteSet::new(&spec.routes, &spec.rules),
        last_protocol_error: None,
        source_lost: false,
        spec,
    })
}

/// The node's configuration for `mapped` on `host`. An instance listed
/// in several sync groups belongs to the first; groups left without
/// members are dropped.
pub(super) fn node_config(
    mapped: &Mapped,
    host: &HostView,
) -> Result<NodeConfig<Slot>, ApplyError> {
    let mut instances = Vec::with_capacity(mapped.instances.len());
    for spec in &mapped.instances {
        let (config, rest) = spec.clone().split();
        let slot = make_slot(&config.name, rest, host)?;
        let mut ni = NodeInstance::new(config, slot.ifindex, slot);
        ni.unicast_ttl = spec.unicast_ttl.unwrap_or(VRRP_TTL);
        instances.push(ni);
    }
    let first_group = |i: usize| mapped.sync_groups.iter().position(|(_, m)| m.contains(&i));
    let groups = mapped
        .sync_groups
        .iter()
        .enumerate()
        .map(|(g, (name, members))| {
            let own = members
                .iter()
                .copied()
                .filter(|&i| i < instances.len() && first_group(i) == Some(g));
            (name.clone(), own.collect::<Vec<usize>>())
        })
        .filter(|(_, m)| !m.is_empty())
        .collect();
    Ok(NodeConfig::new(instances).with_sync_groups(groups))
}

impl<H: Host> Router<H> {
    /// First start: removes our VIPs left over by a previous run, then starts
    /// every instance.
    pub async fn install(&mut self, mapped: Mapped, host: &HostView) -> Result<(), ApplyError> {
        let Prepared { mapped, config } = Prepared::new(mapped, host);
        let config = config?;
        self.announce
            .pacer
            .set_intervals(mapped.garp_interval, mapped.gna_interval);
        self.node = Node::new(config)?;
        let all: Vec<InstanceId> = self.node.ids().collect();
        // The stale table goes before the VMACs add their rules.
        self.accept_fw.configure(
            &mapped.firewall,
            mapped.needs_firewall(self.local_igmp_disabled),
        );
        if let Err(e) = self.create_vmacs(&all).await {
            self.remove_vmacs().await;
            return Err(e);
        }
        self.remove_leftovers(host).await;
        self.notify.groups = mapped.group_notify.clone();
        self.set_mail(&mapped);
        self.traps.on = mapped.snmp.as_ref().is_some_and(|s| s.traps);
        self.set_dynamic(&mapped);
        self.set_ah_keys(&mapped.ah_keys);
        self.join_groups();
        self.want_promote_secondaries();
        self.configure_extra_garp(host);
        self.set_lvs_sync(mapped.lvs_sync.clone());
        // Static entries before any instance can become Master (keepalived start_vrrp).
        self.statics
            .start(&mapped.statics, &self.host, &|n| self.host.if_index(n))
            .await;
        let now = self.host.now();
        for id in all {
            self.start_instance(id, now, host).await;
        }
        Ok(())
    }

    /// [`Router::reload_prepared`] of `mapped`, prepared here.
    #[cfg(test)]
    pub async fn reload(&mut self, mapped: Mapped, host: &HostView) -> Result<(), ApplyError> {
        self.reload_prepared(Prepared::new(mapped, host), host)
            .await
    }

    /// SIGHUP: applies a new configuration, prepared beforehand off the
    /// event loop. The node matches instances by (interface, family, VRID,
    /// unicast or not) as keepalived does;
    /// unchanged ones are left alone (no advert gap), changed ones with the
    /// same identity are reconfigured keeping their state, others restart;
    /// removed ones release. A changed VMAC (or, with an IPv6 VMAC, a
    /// changed source address, which the VMAC carries) means a restart.
    pub async fn reload_prepared(
        &mut self,
        prepared: Prepared,
        host: &HostView,
    ) -> Result<(), ApplyError> {
        let Prepared { mapped, config } = prepared;
        let mut config = config?;
        self.announce
            .pacer
            .set_intervals(mapped.garp_interval, mapped.gna_interval);
        // An instance bound to its interface after start keeps its identity.
        self.keep_node_keys(&mut config, true);
        let now = self.host.now();
        let r = self
            .node
            .reconfigure(now, config, |(old_cfg, old), (new_cfg, new)| {
                // The node compares the configurations itself.
                if old.spec == new.spec {
                    Carry::Keep
                } else if old.spec.primary_missing != new.spec.primary_missing {
                    // dynamic_interfaces: the source address appeared (or went).
                    Carry::Restart
                } else if old.spec.vmac == new.spec.vmac
                    && (old.spec.vmac.is_none()
                        || old_cfg.primary_address == new_cfg.primary_address)
                {
                    Carry::Reconfigure
                } else {
                    Carry::Restart
                }
            })?;
        for (name, e) in &r.refused {
            warn!(instance = %name, "cannot reconfigure ({e}); restarting");
        }
        // A reconfigured instance keeps its addresses, VMAC and history.
        let reconfigured = r.reconfigured.len();
        let mut masters = Vec::new();
        // keepalived clear_diff_static_rules/_routes/_addresses come first.
        self.statics
            .reload(&mapped.statics, &self.host, &|n| self.host.if_index(n))
            .await;
        for (id, old) in r.reconfigured {
            // keepalived clear_diff_vrrp_vrules / _vroutes: unchanged entries stay.
            let name = self.name(id);
            let carried = match self.node.data(id) {
                Some(slot) => {
                    old.routes
                        .reload(
                            &slot.spec.routes,
                            &slot.spec.rules,
                            &self.host,
                            &name,
                            &|n| self.host.if_index(n),
                        )
                        .await
                }
                None => old.routes,
            };
            if let Some(slot) = self.node.data_mut(id) {
                slot.routes = carried;
                slot.installed = old.installed;
                slot.vmac = old.vmac;
                slot.transitions = old.transitions;
                slot.last_protocol_error = old.last_protocol_error;
            }
            if self
                .node
                .instance(id)
                .is_some_and(|i| i.state() == State::Master)
            {
                masters.push(id);
            }
        }
        self.notify.groups = mapped.group_notify.clone();
        self.set_mail(&mapped);
        self.traps.on = mapped.snmp.as_ref().is_some_and(|s| s.traps);
        self.set_dynamic(&mapped);
        self.set_ah_keys(&mapped.ah_keys);
        self.accept_fw.configure(
            &mapped.firewall,
            mapped.needs_firewall(self.local_igmp_disabled),
        );
        // Retired instances release (priority 0, VIPs removed); reconfigured
        // ones report their changes.
        self.flush().await;
        for &id in &r.retired {
            self.remove_vips(id).await;
        }
        // Their configurations go with the instances: names and families first.
        let gone: BTreeMap<InstanceId, (String, Family)> = r
            .retired
            .iter()
            .filter_map(|&id| {
                let c = self.node.instance(id)?.config();
                Some((id, (c.name.clone(), c.family)))
            })
            .collect();
        for (id, s) in self.node.take_retired() {
            let Some((name, family)) = gone.get(&id) else {
                continue;
            };
            self.notify
                .mail
                .deleted(name, s.spec.smtp_alert, s.spec.notify_deleted);
            if let Some(v) = s.vmac {
                self.joined.retain(|&(_, idx)| idx != v.ifindex);
                let index = v.ifindex;
                self.host.remove_vmac(*v).await;
                let families = accept_mode::vmac_families(&s.spec, *family);
                self.accept_fw.remove_vmac(name, &families, index);
            }
        }
        for id in masters {
            // VIP attributes may have changed: reconcile.
            self.add_vips(id).await;
        }
        self.join_groups();
        self.want_promote_secondaries();
        self.configure_extra_garp(host);
        self.set_lvs_sync(mapped.lvs_sync.clone());
        for &id in &r.fresh {
            // An instance whose VMAC cannot be made does not start.
            if let Err(e) = self.create_vmacs(&[id]).await {
                tracing::error!("{e}; the instance stays down");
                continue;
            }
            self.join_groups();
            self.start_instance(id, now, host).await;
        }
        info!(
            kept = r.kept.len(),
            reconfigured,
            restarted_or_new = r.fresh.len(),
            retired = r.retired.len(),
            "configuration reloaded"
        );
        Ok(())
    }

    /// Sets `promote_secondaries` on the interfaces of the instances that
    /// ask for it (keepalived vrrp.c `vrrp_complete_instance`).
    pub(super) fn want_promote_secondaries(&mut self) {
        let ifaces: Vec<String> = self
            .node
            .ids()
            .filter_map(|id| self.node.data(id))
            .filter(|s| s.spec.promote_secondaries)
            .map(|s| s.iface.clone())
            .collect();
        self.promote.want_all(ifaces.iter().map(String::as_str));
    }

    /// Starts instance `id`: its trackers from what is known now, a
    /// configuration fault and its interface when down, then Startup.
    pub(super) async fn start_instance(&mut self, id: InstanceId, now: Instant, host: &HostView) {
        let Some(slot) = self.node.data(id) else {
            return;
        };
        let up = host
            .links
            .get(&slot.iface)
            .is_some_and(|l| l.is_up() && l.is_running());
        // Trackers start from what is known now (before Startup, so that a
        // failed one never lets the instance through Master).
        let mut events = self
            .trackers
            .initial_events(&slot.spec.trackers, &self.bfd.states, host);
        // A configuration fault, like a failed tracker, is known before
        // Startup: the instance starts in FAULT (vrrp_scheduler.c vrrp_init_state).
        if slot.spec.config_fault || slot.spec.primary_missing {
            events.push(Event::FaultOn);
        }
        // So is an interface that is not up and running (vrrp_if.h
        // `FLAGS_UP`: IFF_UP and IFF_RUNNING): keepalived's `vrrp_init_state`
        // puts the instance straight into FAULT, never through BACKUP, and
        // the link event that follows takes it to BACKUP.
        if !up && !slot.spec.dont_track_primary {
            events.push(Event::InterfaceDown);
        }
        // The VIP requests are built when they are sent: serialising one
        // costs far less than its netlink round trip, and kept per
        // instance they cost every instance about 200 bytes per VIP.
        let wanted = self.wanted_addresses(id).len();
        if let Some(slot) = self.node.data_mut(id) {
            // room for the addresses now, beside the instance's other data,
            // not among the temporary allocations of a takeover burst
            slot.installed.reserve_exact(wanted);
        }
        // Trackers first: they only set the starting priority and faults.
        self.node.handle_events(now, id, events);
        self.report_initial_priority(id);
        self.node.handle_events(now, id, vec![Event::Startup]);
        self.flush().await;
    }
}
