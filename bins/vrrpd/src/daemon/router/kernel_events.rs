//! Kernel events about the instances' links, addresses, routes and rules.

use std::net::IpAddr;

use tracing::info;
use vrrp_core::node::InstanceId;
use vrrp_core::{Event, State};
use vrrp_linux::{RouteEntry, RuleEntry};

use crate::daemon::host::Host;
use crate::daemon::route_watch::{self, Monitored};
use crate::daemon::vip_watch::{self, WatchedInstance, WatchedVip};
use crate::spec::mapping::TrackerSource;

use super::Router;

impl<H: Host> Router<H> {
    /// An interface changed state.
    pub async fn on_link(&mut self, ifindex: u32, name: &str, running: bool) {
        self.follow_parent_vrf(ifindex).await;
        self.on_tracker(&TrackerSource::Interface(name.to_string()), running)
            .await;
        let now = self.host.now();
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            // dont_track_primary: the own interface is not tracked
            // (keepalived VRRP_FLAG_DONT_TRACK_PRIMARY, vrrp_if.c).
            if self
                .node
                .data(id)
                .is_none_or(|s| s.ifindex != ifindex || s.spec.dont_track_primary)
            {
                continue;
            }
            let was_fault = self
                .node
                .instance(id)
                .is_some_and(|i| i.state() == State::Fault);
            let ev = if running && was_fault {
                Some(Event::InterfaceUp)
            } else if !running && !was_fault {
                Some(Event::InterfaceDown)
            } else {
                None
            };
            self.node.handle_events(now, id, ev);
            self.flush().await;
        }
    }

    /// An address was deleted (RTM_DELADDR): an instance that sent from it
    /// sends from another address of the link or goes to FAULT
    /// (source_address.rs); when it is a tracked VIP of a Master on that
    /// interface, the Master goes to Backup with priority 0 and returns
    /// after Skew_Time (vip_watch.rs); a tracked static address is added
    /// again.
    pub async fn on_address_removed(&mut self, ifindex: u32, addr: IpAddr) {
        // the source first, as keepalived's `netlink_if_address_filter`
        self.source_removed(ifindex, addr).await;
        self.vmac_parent_link_local_removed(ifindex, addr).await;
        let watched: Vec<WatchedInstance<InstanceId>> = self
            .node
            .ids()
            .filter_map(|id| {
                let (slot, inst) = (self.node.data(id)?, self.node.instance(id)?);
                let vips = slot.spec.vips.iter().chain(&slot.spec.excluded_vips);
                let family = inst.config().family;
                Some(WatchedInstance {
                    id,
                    master: inst.state() == State::Master,
                    vips: vips
                        .map(|v| WatchedVip {
                            ifindex: slot.vip_ifindex(v, family, |n| self.host.if_index(n)),
                            addr: v.prefix.addr,
                            no_track: v.no_track,
                        })
                        .collect(),
                })
            })
            .collect();
        if let Some(id) = vip_watch::owner_of_removed(&watched, ifindex, addr) {
            if let Some(inst) = self.node.instance(id) {
                info!(instance = %inst.name(), %addr, ifindex, "a virtual address was deleted: leaving Master");
            }
            let now = self.host.now();
            self.node.vip_removed(now, id);
            self.flush().await;
        }
        // then a deleted static address comes back (keepalived
        // `netlink_if_address_filter`, after the VIPs)
        self.statics
            .address_deleted(ifindex, addr, &self.host, &|n| self.host.if_index(n))
            .await;
    }

    /// Whether a kernel event with this `nlmsg_pid` was caused by the
    /// router's own netlink requests (keepalived_netlink.c
    /// `netlink_parse_info` skips those for deletions).
    pub fn caused(&self, sender: u32) -> bool {
        sender != 0 && self.host.netlink_port() == Some(sender)
    }

    /// The families whose route and rule deletions keepalived would see:
    /// those of the instances' tracked virtual routes and rules.
    pub(super) fn monitored(&self) -> Monitored {
        let mut m = Monitored::default();
        for id in self.node.ids() {
            if let Some(slot) = self.node.data(id) {
                slot.routes.add_monitored(&mut m);
            }
        }
        m
    }

    /// A route was deleted (RTM_DELROUTE, keepalived
    /// `netlink_route_filter`): the first instance with a matching virtual
    /// route no longer has it set, and when that route is tracked and the
    /// instance Master, the instance goes to Backup as for a deleted VIP;
    /// a route no instance has may be a static route, added again.
    pub async fn on_route_removed(&mut self, e: &RouteEntry) {
        if !route_watch::is_keepalived_route(e) {
            return;
        }
        let monitored = self.monitored();
        if !monitored.routes(e.ipv6) {
            return;
        }
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            let Some(slot) = self.node.data_mut(id) else {
                continue;
            };
            let Some(tracked) = slot
                .routes
                .virtual_route_deleted(e, &|n| self.host.if_index(n))
            else {
                continue;
            };
            if tracked {
                self.leave_for_deleted(id, "route").await;
            }
            return;
        }
        self.statics
            .route_deleted(e, monitored, &self.host, &|n| self.host.if_index(n))
            .await;
    }

    /// A policy rule was deleted (RTM_DELRULE, keepalived
    /// `netlink_rule_filter`): as [`Router::on_route_removed`], for tracked
    /// rules only.
    pub async fn on_rule_removed(&mut self, e: &RuleEntry) {
        if !route_watch::is_keepalived_rule(e) {
            return;
        }
        let monitored = self.monitored();
        if !monitored.rules(e.ipv6) {
            return;
        }
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            let Some(slot) = self.node.data_mut(id) else {
                continue;
            };
            if slot.routes.rule_deleted(e) {
                self.leave_for_deleted(id, "rule").await;
                return;
            }
        }
        self.statics.rule_deleted(e, monitored, &self.host).await;
    }

    /// A Master whose tracked route or rule was deleted goes to Backup
    /// with priority 0 and returns after Skew_Time (keepalived
    /// `set_vrrp_backup`); the Node ignores an instance that is not Master.
    pub(super) async fn leave_for_deleted(&mut self, id: InstanceId, what: &str) {
        match self.node.instance(id) {
            Some(inst) if inst.state() == State::Master => {
                info!(instance = %inst.name(), "a virtual {what} was deleted: leaving Master");
            }
            _ => return,
        }
        let now = self.host.now();
        self.node.vip_removed(now, id);
        self.flush().await;
    }
}
