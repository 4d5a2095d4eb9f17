//! Every instance as the status socket, the SIGUSR1 dump, the metrics and
//! the MIBs see it.

use std::collections::BTreeMap;

use vrrp_core::packet::{DropReason, Family};

use crate::daemon::host::Host;
use crate::daemon::status::{
    ConfigSnapshot, Detail, InstanceSnapshot, ScriptSnapshot, Snapshot, VmacSnapshot,
};

use super::Router;
use super::trackers::ScriptState;

impl<H: Host> Router<H> {
    /// Every instance: the one source of `vrrpd status`, the SIGUSR1 dump
    /// and the metrics; each instance's configuration only with
    /// [`Detail::Full`].
    pub fn snapshot(&self, detail: Detail) -> Snapshot {
        let instances = self
            .node
            .ids()
            .filter_map(|id| Some((id, self.node.data(id)?, self.node.instance(id)?)))
            .map(|(id, s, inst)| {
                let st = inst.status();
                let counts = self.node.rx_drops(id);
                let drops: BTreeMap<&'static str, u64> = DropReason::ALL
                    .iter()
                    .filter_map(|r| {
                        let n = counts.and_then(|c| c.get(r.index())).copied().unwrap_or(0);
                        (n > 0).then_some((r.as_str(), n))
                    })
                    .collect();
                InstanceSnapshot {
                    name: st.name,
                    vrid: st.vrid,
                    version: st.version,
                    family: st.family,
                    interface: s.iface.clone(),
                    ifindex: s.ifindex,
                    mac: s.mac.map(|m| m.to_string()),
                    state: st.state.as_str(),
                    last_reason: st.last_reason.map(|r| r.to_string()),
                    base_priority: st.base_priority,
                    preempt: !inst.config().nopreempt,
                    accept: st.accept,
                    auth_type: crate::daemon::status::auth_type(&inst.config().auth),
                    effective_priority: st.effective_priority,
                    advert_interval_ms: st.advert_interval.as_millis(),
                    master_adver_interval_ms: st.master_adver_interval.as_millis(),
                    master_address: st.master_address,
                    master_priority: st.master_priority,
                    source_address: inst.config().primary_address,
                    unicast_peers: inst.config().unicast_peers.clone(),
                    sync_group: self.node.sync_group_of(id).map(|g| g.name().to_string()),
                    vmac: s.vmac.as_ref().map(|v| VmacSnapshot {
                        name: v.name.clone(),
                        ifindex: v.ifindex,
                        mac: v.mac.to_string(),
                    }),
                    vips: s.spec.vips.iter().map(|v| v.prefix.to_string()).collect(),
                    installed_vips: s
                        .installed
                        .iter()
                        .map(|a| format!("{}/{}", a.addr, a.prefix_len))
                        .collect(),
                    routes_set: s.routes.set_spans(),
                    routes_held: s.routes.held_spans(),
                    counters: st.counters,
                    last_protocol_error: s.last_protocol_error,
                    drops,
                    transitions: s
                        .transitions
                        .iter()
                        .map(|(f, t, n)| (format!("{}->{}", f.as_str(), t.as_str()), *n))
                        .collect(),
                    bfd: inst
                        .config()
                        .trackers
                        .iter()
                        .zip(&st.trackers_up)
                        .filter(|(t, _)| t.kind == vrrp_core::TrackerKind::Bfd)
                        .map(|(t, &up)| crate::daemon::status::BfdTrackSnapshot {
                            name: t.name.clone(),
                            state: if up { "UP" } else { "DOWN" },
                            weight: t.weight,
                            reverse: t.reverse,
                        })
                        .collect(),
                    config: (detail == Detail::Full).then(|| {
                        Box::new(ConfigSnapshot {
                            engine: inst.config().clone(),
                            vips: s.spec.vips.clone(),
                            excluded_vips: s.spec.excluded_vips.clone(),
                            unicast_ttl: s.spec.unicast_ttl,
                            notify: crate::daemon::status::notify_map(s.spec.notify.as_deref()),
                            group_notify: crate::daemon::status::notify_map(
                                self.node
                                    .sync_group_of(id)
                                    .and_then(|g| self.notify.groups.get(g.name())),
                            ),
                            promote_secondaries: s.spec.promote_secondaries,
                            dont_track_primary: s.spec.dont_track_primary,
                            smtp_alert: s.spec.smtp_alert,
                            notify_deleted: s.spec.notify_deleted,
                        })
                    }),
                }
            })
            .collect();
        let firewall = crate::daemon::firewall_status::collect(
            &self.accept_fw,
            self.node.ids().filter_map(|id| {
                let (s, inst) = (self.node.data(id)?, self.node.instance(id)?);
                Some((inst.name(), s.spec.accept_reason, inst.config().accept))
            }),
        );
        Snapshot {
            pid: std::process::id(),
            instances,
            firewall,
            unmatched_drops: self
                .node
                .unmatched_drops()
                .iter()
                .map(|(&(ifindex, family, reason), &n)| {
                    let f = match family {
                        Family::V4 => "ipv4",
                        Family::V6 => "ipv6",
                    };
                    (format!("{ifindex}/{f}/{}", reason.as_str()), n)
                })
                .collect(),
            scripts: ScriptSnapshot::all(&self.trackers.specs, |n| {
                self.trackers.scripts.get(n).map(ScriptState::up)
            }),
            track_files: self
                .trackers
                .file_values
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            bfd: self
                .bfd
                .sessions
                .as_ref()
                .map(|b| b.status())
                .unwrap_or_default(),
            processes: std::collections::BTreeMap::new(),
            static_routes_set: self.statics.set_spans(),
            static_routes_held: self.statics.held_spans(),
        }
    }

    /// Every instance as JSON, with its configuration (status socket,
    /// SIGUSR1 dump).
    pub fn status_json(&self) -> String {
        serde_json::to_string(&self.snapshot(Detail::Full))
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
