//! The IO of the running instances around the [`vrrp_core::Node`] that runs
//! VRRP: inputs (timers, packets, tracker and kernel events) go to the node,
//! and what it asks for (adverts, VIPs, announcements, state changes) is done
//! on the [`Host`].
//!
//! This file holds the [`Router`] and its event loop glue (timers, packets,
//! the flush of the node's outputs, shutdown). What it drives lives beside it,
//! one module each: the per-instance [`slot`], the configuration applied
//! ([`configure`], [`dynamic`]), the VIPs, virtual routes and rules
//! ([`vips`]), VMACs ([`vmacs`]), multicast groups ([`multicast`]), GARP/NA
//! pacing ([`announce`]), trackers ([`trackers`]), BFD ([`bfd_feed`]),
//! notifications ([`notify`]), SNMP notifications ([`traps`]),
//! `lvs_sync_daemon` ([`lvs`]), kernel events ([`kernel_events`]), the advert
//! source taken from the interface ([`source_address`]) and the
//! status snapshot ([`snapshot`]).

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;

use tracing::{debug, info, warn};
use vrrp_core::node::{InstanceId, Node, Output, RxError, Transmit};
use vrrp_core::packet::{Family, RxMeta};
use vrrp_core::time::Instant;
use vrrp_core::{Action, Event, Instance, State};
use vrrp_linux::Outgoing;

use super::accept_mode::AcceptFirewall;
use super::host::{Host, LinuxHost};
use super::promote::PromoteSecondaries;
use super::routes::Statics;
use super::snmp::TrapEvent;

mod ah;
mod announce;
mod bfd_feed;
mod configure;
mod dynamic;
mod ipvlan_source;
mod kernel_events;
mod lvs;
mod multicast;
mod notify;
mod slot;
mod snapshot;
mod snmp_writes;
mod source_address;
#[cfg(test)]
mod stand_in_tests;
mod trackers;
mod traps;
mod vips;
mod vmac_link_local;
mod vmac_vrf;
mod vmacs;

use announce::Announcements;
use bfd_feed::BfdFeed;
pub use configure::Prepared;
use lvs::LvsFollow;
use notify::Notifier;
use slot::Slot;
pub use trackers::ScriptResult;
use trackers::Trackers;
use traps::TrapFeed;

/// A packet read by a socket task.
#[derive(Debug)]
pub struct Inbound {
    /// Socket family.
    pub family: Family,
    /// Interface.
    pub ifindex: u32,
    /// IP source.
    pub src: IpAddr,
    /// IP destination.
    pub dst: IpAddr,
    /// TTL / hop limit.
    pub ttl: u8,
    /// VRRP bytes; with `ah`, the whole IPv4 datagram.
    pub payload: Vec<u8>,
    /// From the AH socket: `payload` is an IPv4 datagram of protocol 51.
    pub ah: bool,
    /// Kernel receive time, when the socket reported it.
    pub received: Option<std::time::SystemTime>,
}

/// Node outputs in one flush after which the freed heap pages are given
/// back to the kernel ([`ha_daemon_kit::memory::release_free_memory`]): a burst of state
/// changes, not the everyday one or two.
const TRIM_AFTER_OUTPUTS: usize = 1_000;

/// The VRRP node and the shared IO handles.
pub struct Router<H: Host = LinuxHost> {
    /// Every instance and sync group; the [`Slot`]s ride along.
    node: Node<Slot>,
    /// The machine: clock, addresses, sockets, announcements, VMACs.
    host: H,
    /// Multicast groups joined: (group, interface).
    joined: HashSet<(IpAddr, u32)>,
    /// The instant of the last timer or packet given to the node: a
    /// packet's arrival time is never taken as earlier.
    last_input: Instant,
    /// `vrrp_script`, `track_file` and `vrrp_track_process` states.
    trackers: Trackers,
    /// BFD sessions and their states.
    bfd: BfdFeed,
    /// GARP/NA pacing and `garp_extra_if`.
    announce: Announcements,
    /// Notify scripts and FIFOs, e-mail alerts.
    notify: Notifier,
    /// The SNMP notification feed.
    traps: TrapFeed,
    /// `lvs_sync_daemon`.
    lvs: LvsFollow,
    /// The nftables drop rules of Accept_Mode = False.
    accept_fw: AcceptFirewall,
    /// `disable_local_igmp` in force: IPv4 VMACs get no IGMP rules.
    local_igmp_disabled: bool,
    /// `dynamic_interfaces`: the configuration to map again ([`dynamic`]).
    dynamic: Option<Arc<keepalived_conf::Config>>,
    /// `promote_secondaries` set on interfaces.
    promote: PromoteSecondaries,
    /// `static_ipaddress`, `static_routes`, `static_rules`.
    statics: Statics,
    /// `auth_type AH` instances: keys and sequence numbers.
    ah: ah::AhInstances,
}

impl<H: Host> Router<H> {
    /// An empty router over `host`; add instances with [`Router::install`].
    pub fn new(host: H) -> Self {
        Router {
            node: Node::default(),
            host,
            joined: HashSet::new(),
            last_input: Instant::ZERO,
            trackers: Trackers::default(),
            bfd: BfdFeed::default(),
            announce: Announcements::default(),
            notify: Notifier::default(),
            traps: TrapFeed::default(),
            lvs: LvsFollow::default(),
            accept_fw: AcceptFirewall::default(),
            local_igmp_disabled: false,
            dynamic: None,
            promote: PromoteSecondaries::default(),
            statics: Statics::default(),
            ah: ah::AhInstances::default(),
        }
    }

    /// The name of an instance, running or retired (empty once gone).
    fn name(&self, id: InstanceId) -> String {
        self.node
            .instance(id)
            .map(|i| i.name().to_owned())
            .unwrap_or_default()
    }

    /// The address family of an instance, running or retired.
    fn family(&self, id: InstanceId) -> Option<Family> {
        self.node.instance(id).map(|i| i.config().family)
    }

    /// The host the router runs on.
    #[cfg(test)]
    pub fn host(&self) -> &H {
        &self.host
    }

    /// The earliest timer of the node or the GARP pacer.
    pub fn next_deadline(&self) -> Option<Instant> {
        let pacer = self
            .announce
            .pacer
            .next_deadline()
            .map(|d| Instant::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX)));
        self.node.poll_timeout().into_iter().chain(pacer).min()
    }

    /// Runs every expired timer.
    pub async fn on_timers(&mut self) {
        self.send_due_announcements();
        let now = self.host.now();
        self.last_input = now;
        self.node.handle_timeout(now);
        self.flush().await;
    }

    /// Receive path: the node finds the instance, validates and handles.
    pub async fn on_packet(&mut self, p: Inbound) {
        let now = match p.received {
            Some(at) => self.host.received_at(at, self.last_input),
            None => self.host.now(),
        };
        let rx = RxMeta {
            src: p.src,
            dst: p.dst,
            ttl: p.ttl,
        };
        let ah = if p.ah {
            match self.open_ah(p.ifindex, &rx, &p.payload) {
                Some(a) => Some(a),
                None => return,
            }
        } else {
            if self.plain_for_ah(p.ifindex, &rx, &p.payload) {
                return;
            }
            None
        };
        let vrrp = match &ah {
            Some(a) => p.payload.get(a.vrrp.clone()).unwrap_or_default(),
            None => &p.payload[..],
        };
        match self.node.handle_datagram(now, p.ifindex, &rx, vrrp) {
            Ok(r) => {
                self.last_input = now;
                if let (Some(reason), Some(inst)) = (r.ignored, self.node.instance(r.instance)) {
                    debug!(instance = %inst.name(), vrid = inst.config().vrid, from = %p.src, ?reason, "advert dropped by the state machine");
                }
                if let Some(a) = &ah {
                    self.after_ah(a, &rx, r.priority);
                }
                self.flush().await;
            }
            Err(RxError::Rejected { instance, reason }) => self.rejected(instance, &rx, reason),
            Err(e) => {
                debug!(ifindex = p.ifindex, family = ?p.family, from = %p.src, "dropped advert: {e}");
            }
        }
    }

    /// Reports an advert dropped for `instance`: the last protocol error,
    /// the SNMP notification, a debug line.
    fn rejected(
        &mut self,
        instance: InstanceId,
        rx: &RxMeta,
        reason: vrrp_core::packet::DropReason,
    ) {
        if super::snmp::vrrpv3::proto_error_reason(reason).is_some()
            && let Some(slot) = self.node.data_mut(instance)
        {
            slot.last_protocol_error = Some(reason);
        }
        self.trap_event(|| {
            Some(TrapEvent::Rejected {
                instance: self.trap_instance(instance)?,
                from: rx.src,
                reason,
            })
        });
        if let (Some(inst), Some(slot)) = (self.node.instance(instance), self.node.data(instance)) {
            debug!(
                instance = %inst.name(),
                vrid = inst.config().vrid,
                iface = %slot.iface,
                from = %rx.src,
                reason = reason.as_str(),
                "advert dropped"
            );
        }
    }

    /// Counts an advert dropped before the node saw it, then reports it as
    /// [`Router::rejected`].
    fn reject(&mut self, instance: InstanceId, rx: &RxMeta, reason: vrrp_core::packet::DropReason) {
        self.node.reject(instance, reason);
        self.rejected(instance, rx, reason);
    }

    /// Performs what the node asks after an input: datagrams first (the
    /// advert before the VIPs, as keepalived's `vrrp_state_master_tx`),
    /// then actions and sync-group changes.
    async fn flush(&mut self) {
        while let Some(t) = self.node.poll_transmit() {
            self.send(&t).await;
            self.extra_garp_round(&t);
        }
        let mut outputs = 0usize;
        while let Some(out) = self.node.poll_action() {
            outputs += 1;
            match out {
                Output::Instance { id, action } => self.apply(id, action).await,
                Output::GroupStateChanged { group, from, to } => {
                    self.notify_group(group, from, to);
                }
                other => debug!(?other, "node output ignored"),
            }
        }
        if outputs >= TRIM_AFTER_OUTPUTS {
            // Hundreds of instances changed state at once (a start-up's
            // takeover, a link back): the requests, log lines and queues of
            // that burst are freed now, scattered between what the instances
            // keep. Giving those pages back takes about 15 % off the resident
            // size at thousands of instances (BENCHMARKING.md).
            ha_daemon_kit::memory::release_free_memory();
        }
    }

    /// Sends one advert the node made.
    async fn send(&mut self, t: &Transmit) {
        if !self.host.has_socket(Family::of(t.src)) {
            return;
        }
        if t.src.is_unspecified() {
            // An IPv6 ipvlan without its link-local address yet: nothing
            // is sent (vrrp.c `vrrp_send_adv`, "No address yet for IF").
            let iface = self
                .node
                .data(t.instance)
                .and_then(|s| s.vmac.as_ref())
                .map_or("", |v| v.name.as_str());
            info!(iface = %iface, "no address yet; advert not sent");
            return;
        }
        let ah = self.ah_seal(t);
        let out = Outgoing {
            ifindex: t.ifindex,
            src: t.src,
            dst: t.dst,
            ttl: t.hop_limit,
            payload: &t.payload,
            ah,
        };
        if let Err(e) = self.host.send_advert(&out).await {
            let name = self.node.instance(t.instance).map_or("", Instance::name);
            let iface = self.node.data(t.instance).map_or("", |s| s.iface.as_str());
            warn!(instance = %name, iface = %iface, "sending advert: {e}");
        }
    }

    /// Performs one action of instance `id`.
    async fn apply(&mut self, id: InstanceId, a: Action) {
        if let Action::StateChanged { from, to, .. } = &a {
            if *to == State::Master {
                // from the time of the input that made it Master, as
                // keepalived's timer starts from the loop's time_now
                self.announce.extra_garp.became_master(id, self.last_input);
            } else if *from == State::Master {
                self.ah_left_master(id);
                self.announce.extra_garp.left_master(id);
            }
        }
        if let (Action::StateChanged { from, to, .. }, Some(s)) = (&a, self.node.data_mut(id)) {
            match s
                .transitions
                .iter_mut()
                .find(|(f, t, _)| f == from && t == to)
            {
                Some((_, _, n)) => *n += 1,
                None => {
                    // one entry more, not four: a handful per instance
                    s.transitions.reserve_exact(1);
                    s.transitions.push((*from, *to, 1));
                }
            }
        }
        let (Some(_), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
            return;
        };
        let name = inst.name().to_string();
        let vrid = inst.config().vrid;
        let source = inst.config().primary_address;
        match a {
            // The node turns adverts into datagrams: never seen here.
            Action::SendAdvert { .. } => {}
            Action::AddVips => self.add_vips(id).await,
            Action::RemoveVips => self.remove_vips(id).await,
            Action::Announce { rounds, reason } => self.announce_vips(id, rounds, reason),
            Action::StateChanged { from, to, reason } => {
                self.report_state_change(id, from, to, reason);
                // up again: keepalived's try_up_instance, which every way
                // out of FAULT goes through
                if from == State::Fault && to != State::Fault {
                    self.announce_source(id, source);
                }
            }
            Action::PriorityChanged { from, to } => {
                info!(instance = %name, vrid, from, to, "effective priority changed");
                self.report_priority_change(id);
            }
            Action::MasterRxLowerPriority { from, priority } => {
                debug!(instance = %name, vrid, %from, priority, "master heard a lower priority");
                self.report_master_rx_lower_pri(id);
            }
            other => debug!(instance = %name, vrid, ?other, "action not handled"),
        }
    }

    /// SIGTERM: every Master sends priority 0 and removes its VIPs.
    pub async fn shutdown(&mut self) {
        let now = self.host.now();
        self.node.handle_event_all(now, Event::Shutdown);
        self.flush().await;
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            // Anything still installed (Fault, Backup races) goes too.
            self.remove_vips(id).await;
        }
        // keepalived vrrp_terminate_phase2: then the static rules, routes, addresses.
        self.statics
            .stop(&self.host, &|n| self.host.if_index(n))
            .await;
        // keepalived nft_cleanup: our tables go once every VIP is removed.
        self.accept_fw.shutdown();
        self.remove_vmacs().await;
        self.promote.reset();
        // keepalived notify_shutdown: every group then gets STOP on the FIFOs.
        let names: Vec<String> = self
            .node
            .sync_groups()
            .iter()
            .map(|g| g.name().to_string())
            .collect();
        self.notify.groups_stopped(&names);
        for g in &names {
            self.trap_event(|| {
                Some(TrapEvent::GroupState {
                    name: g.clone(),
                    state: State::Stop.as_str(),
                })
            });
        }
        self.trackers.stop();
        self.lvs.stop().await;
        self.notify.drain().await;
    }
}

#[cfg(test)]
mod tests {
    use vrrp_core::packet::DropReason;

    #[test]
    fn every_codec_reason_feeds_an_instance_counter() {
        // No codec reason falls into the catch-all: each has its own counter,
        // address-list mismatches included (keepalived's addr_list_err).
        for r in DropReason::ALL {
            let c: vrrp_core::DropReason = r.into();
            assert_ne!(c, vrrp_core::DropReason::Other, "{r:?}");
        }
        let mut counters = vrrp_core::Counters::default();
        counters.count_drop(DropReason::AddressListMismatch.into());
        counters.count_drop(DropReason::DestinationMismatch.into());
        assert_eq!(counters.address_list_errors, 1);
        assert_eq!(counters.destination_errors, 1);
    }
}
