//! The virtual LAN proper: nodes, links, the event queue and the timeline.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::rc::Rc;

use core::net::IpAddr;

use super::rng::SplitMix64;
use crate::config::{ConfigError, InstanceConfig};
use crate::instance::Instance;
use crate::packet::{Advertisement, ChecksumMode, Family, RxMeta, VRRP_TTL, validate};
use crate::state::{Action, Event, Reason, State};
use crate::sync_group::{SyncGroup, SyncGroupError};
use crate::time::{Duration, Instant};

/// Index of a node, in the order of [`VirtualLan::add_node`].
pub type NodeId = usize;

/// Properties of one directed link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LinkParams {
    /// Fixed one-way delay.
    pub latency: Duration,
    /// Extra delay drawn uniformly from `0..=jitter` per packet (reorders
    /// packets when larger than the gap between them).
    pub jitter: Duration,
    /// Loss probability in parts per million.
    pub loss_ppm: u32,
    /// Duplication probability in parts per million (the copy gets its own
    /// jitter).
    pub duplicate_ppm: u32,
}

impl LinkParams {
    /// Worst-case one-way delay.
    pub fn max_delay(&self) -> Duration {
        self.latency + self.jitter
    }
}

/// Something scheduled at a virtual time with [`VirtualLan::schedule`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimEvent {
    /// Start a node (first start, after a crash, or after a shutdown).
    Start(NodeId),
    /// Silent crash: nothing is sent, all state is lost; `Start` restarts
    /// the node with fresh instances.
    Crash(NodeId),
    /// Clean stop: every instance gets [`Event::Shutdown`] (a Master sends
    /// priority 0), then the node goes silent.
    Shutdown(NodeId),
    /// Feed one instance an [`Event`] (interface, tracker, fault).
    Instance {
        /// Node.
        node: NodeId,
        /// Instance index on the node.
        instance: usize,
        /// The event.
        event: Event,
    },
    /// Split the LAN: nodes in different groups cannot reach each other;
    /// nodes in no group are isolated alone.
    Partition(Vec<Vec<NodeId>>),
    /// Undo every partition.
    Heal,
    /// Set the default parameters of every link.
    SetDefaultLink(LinkParams),
    /// Override one directed link.
    SetLink {
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// Parameters.
        params: LinkParams,
    },
    /// Lose the next `count` adverts `node` sends (all destinations).
    DropAdverts {
        /// Sender.
        node: NodeId,
        /// How many.
        count: u32,
    },
}

/// What happened, for the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum TimelineKind {
    /// An instance changed state.
    StateChanged {
        /// Old state.
        from: State,
        /// New state.
        to: State,
        /// Why.
        reason: Reason,
    },
    /// An advert left an instance (only with packet recording on).
    AdvertSent {
        /// Priority.
        priority: u8,
    },
    /// An advert reached an instance (only with packet recording on).
    AdvertReceived {
        /// Sending node.
        from: NodeId,
        /// Priority.
        priority: u8,
    },
    /// An advert was lost on a link (only with packet recording on).
    AdvertLost {
        /// Intended receiver.
        to: NodeId,
    },
    /// Another action (VIPs, GARP, priority change; only with packet
    /// recording on).
    Action(Action),
    /// A scheduled event ran.
    Scheduled(SimEvent),
}

/// One timeline entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TimelineEvent {
    /// Virtual time.
    pub at: Instant,
    /// Node concerned (the sender for packets).
    pub node: NodeId,
    /// Instance index on that node, if one is concerned.
    pub instance: Option<usize>,
    /// What happened.
    pub kind: TimelineKind,
}

#[cfg(feature = "serde")]
impl serde::Serialize for SimEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{self:?}"))
    }
}

/// One instance's status with its node, from [`VirtualLan::status`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NodeInstanceStatus {
    /// Node index.
    pub node: NodeId,
    /// Node name.
    pub node_name: String,
    /// Whether the node runs (false after a crash or shutdown).
    pub node_up: bool,
    /// Instance index on the node.
    pub instance: usize,
    /// The instance's status.
    pub status: crate::instance::InstanceStatus,
}

/// A state change with names resolved, as `vrrpd simulate` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct StateChange<'a> {
    /// Virtual time.
    pub at: Instant,
    /// Node index.
    pub node: NodeId,
    /// Node name.
    pub node_name: &'a str,
    /// Instance index on the node.
    pub instance: usize,
    /// Instance name.
    pub instance_name: &'a str,
    /// Old state.
    pub from: State,
    /// New state.
    pub to: State,
    /// Why.
    pub reason: Reason,
}

struct Node {
    name: String,
    configs: Vec<InstanceConfig>,
    segments: Vec<u32>,
    groups_spec: Vec<(String, Vec<usize>)>,
    instances: Vec<Instance>,
    groups: Vec<SyncGroup>,
    /// Group index per instance.
    group_of: Vec<Option<usize>>,
    /// Deadline each instance has in the queue.
    scheduled: Vec<Option<Instant>>,
    last_rx: Vec<Option<Instant>>,
    /// Cached encoded multicast advert per instance for its last priority.
    adv_cache: Vec<Option<(u8, Rc<[u8]>)>>,
    up: bool,
    drop_adverts: u32,
    /// Environment events per instance (latest per interface/tracker/fault).
    env: Vec<Vec<Event>>,
}

enum Pending {
    Scheduled(SimEvent),
    Timer {
        node: NodeId,
        inst: usize,
    },
    Deliver {
        node: NodeId,
        inst: usize,
        from: NodeId,
        src: IpAddr,
        dst: IpAddr,
        bytes: Rc<[u8]>,
    },
}

struct Entry {
    at: Instant,
    seq: u64,
    what: Pending,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> core::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

type Key = (u32, Family, u8);

/// The virtual LAN.
pub struct VirtualLan {
    now: Instant,
    seq: u64,
    rng: SplitMix64,
    nodes: Vec<Node>,
    queue: BinaryHeap<Reverse<Entry>>,
    default_link: LinkParams,
    links: HashMap<(NodeId, NodeId), LinkParams>,
    component: Vec<usize>,
    /// Multicast listeners per (segment, family, vrid).
    listeners: HashMap<Key, Vec<(NodeId, usize)>>,
    /// Instances per (segment, primary address), for unicast.
    by_addr: HashMap<(u32, IpAddr), Vec<(NodeId, usize)>>,
    timeline: Vec<TimelineEvent>,
    record_packets: bool,
    scratch: Vec<Action>,
    dest_scratch: Vec<(NodeId, usize)>,
    adverts_sent: u64,
    adverts_delivered: u64,
    stalled: Option<Instant>,
    /// Reused decode target (no allocation per delivery).
    rx_adv: Option<Advertisement>,
    encode_errors: u64,
}

impl VirtualLan {
    /// An empty LAN whose random choices all derive from `seed`. Links
    /// default to no latency, no loss.
    pub fn new(seed: u64) -> Self {
        VirtualLan {
            now: Instant::ZERO,
            seq: 0,
            rng: SplitMix64::new(seed),
            nodes: Vec::new(),
            queue: BinaryHeap::new(),
            default_link: LinkParams::default(),
            links: HashMap::new(),
            component: Vec::new(),
            listeners: HashMap::new(),
            by_addr: HashMap::new(),
            timeline: Vec::new(),
            record_packets: false,
            scratch: Vec::with_capacity(16),
            dest_scratch: Vec::new(),
            adverts_sent: 0,
            adverts_delivered: 0,
            stalled: None,
            rx_adv: None,
            encode_errors: 0,
        }
    }

    /// Records packets and non-state actions in the timeline too (off by
    /// default: an hour of adverts is large).
    pub fn record_packets(&mut self, on: bool) {
        self.record_packets = on;
    }

    /// Default parameters of every link (now, not scheduled).
    pub fn set_default_link(&mut self, p: LinkParams) {
        self.default_link = p;
    }

    /// Adds a node whose instances all sit on segment 0. Not started:
    /// schedule [`SimEvent::Start`].
    pub fn add_node(
        &mut self,
        name: impl Into<String>,
        configs: Vec<InstanceConfig>,
    ) -> Result<NodeId, NodeError> {
        let n = configs.len();
        self.add_node_with(name, configs, vec![0; n], Vec::new())
    }

    /// Adds a node with a segment per instance and sync groups (name,
    /// member indices into `configs`).
    pub fn add_node_with(
        &mut self,
        name: impl Into<String>,
        configs: Vec<InstanceConfig>,
        segments: Vec<u32>,
        sync_groups: Vec<(String, Vec<usize>)>,
    ) -> Result<NodeId, NodeError> {
        if segments.len() != configs.len() {
            return Err(NodeError::Segments);
        }
        let id = self.nodes.len();
        let mut node = Node {
            name: name.into(),
            configs,
            segments,
            groups_spec: sync_groups,
            instances: Vec::new(),
            groups: Vec::new(),
            group_of: Vec::new(),
            scheduled: Vec::new(),
            last_rx: Vec::new(),
            adv_cache: Vec::new(),
            up: false,
            drop_adverts: 0,
            env: Vec::new(),
        };
        build_instances(&mut node)?;
        node.env = vec![Vec::new(); node.instances.len()];
        for (i, inst) in node.instances.iter().enumerate() {
            let c = inst.config();
            let seg = node.segments.get(i).copied().unwrap_or(0);
            self.listeners
                .entry((seg, c.family, c.vrid))
                .or_default()
                .push((id, i));
            self.by_addr
                .entry((seg, c.primary_address))
                .or_default()
                .push((id, i));
        }
        self.nodes.push(node);
        self.component.push(0);
        Ok(id)
    }

    /// Schedules `ev` at virtual time `at` (not before now).
    pub fn schedule(&mut self, at: Instant, ev: SimEvent) {
        let at = at.max(self.now);
        self.push(at, Pending::Scheduled(ev));
    }

    /// Current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Runs every event up to and including `until`; time then stands at
    /// `until`.
    ///
    /// If more than [`VirtualLan::MAX_EVENTS_PER_INSTANT`] events happen at
    /// one virtual instant (an advert storm between routers answering each
    /// other over zero-latency links), the run stops there and
    /// [`VirtualLan::stalled`] says when.
    pub fn run_until(&mut self, until: Instant) {
        if self.stalled.is_some() {
            return;
        }
        let mut same_instant = 0u64;
        while let Some(Reverse(top)) = self.queue.peek() {
            if top.at > until {
                break;
            }
            let Some(Reverse(e)) = self.queue.pop() else {
                break;
            };
            if e.at == self.now {
                same_instant += 1;
                if same_instant > Self::MAX_EVENTS_PER_INSTANT {
                    self.stalled = Some(self.now);
                    return;
                }
            } else {
                same_instant = 0;
            }
            self.now = e.at;
            self.dispatch(e.what);
        }
        self.now = self.now.max(until);
    }

    /// Events allowed at one virtual instant before a run counts as stalled.
    pub const MAX_EVENTS_PER_INSTANT: u64 = 200_000;

    /// The instant at which the run stalled (see [`VirtualLan::run_until`]).
    pub fn stalled(&self) -> Option<Instant> {
        self.stalled
    }

    /// Runs for `d` more virtual time.
    pub fn run_for(&mut self, d: Duration) {
        self.run_until(self.now + d);
    }

    /// The timeline so far.
    pub fn timeline(&self) -> &[TimelineEvent] {
        &self.timeline
    }

    /// State changes with names resolved.
    pub fn state_changes(&self) -> impl Iterator<Item = StateChange<'_>> + '_ {
        self.timeline
            .iter()
            .filter_map(move |e| match (&e.kind, e.instance) {
                (TimelineKind::StateChanged { from, to, reason }, Some(i)) => {
                    let node = self.nodes.get(e.node)?;
                    Some(StateChange {
                        at: e.at,
                        node: e.node,
                        node_name: &node.name,
                        instance: i,
                        instance_name: node.configs.get(i).map_or("", |c| c.name.as_str()),
                        from: *from,
                        to: *to,
                        reason: *reason,
                    })
                }
                _ => None,
            })
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Node name.
    pub fn node_name(&self, node: NodeId) -> Option<&str> {
        self.nodes.get(node).map(|n| n.name.as_str())
    }

    /// True if the node is running.
    pub fn is_up(&self, node: NodeId) -> bool {
        self.nodes.get(node).is_some_and(|n| n.up)
    }

    /// The instances of a node (fresh ones in Initialize after a crash).
    pub fn instances(&self, node: NodeId) -> &[Instance] {
        self.nodes.get(node).map_or(&[], |n| n.instances.as_slice())
    }

    /// One instance.
    pub fn instance(&self, node: NodeId, instance: usize) -> Option<&Instance> {
        self.nodes.get(node)?.instances.get(instance)
    }

    /// Sync groups of a node.
    pub fn sync_groups(&self, node: NodeId) -> &[SyncGroup] {
        self.nodes.get(node).map_or(&[], |n| n.groups.as_slice())
    }

    /// When the instance last accepted-or-not received an advert (any
    /// delivery that reached it while up).
    pub fn last_advert_received(&self, node: NodeId, instance: usize) -> Option<Instant> {
        *self.nodes.get(node)?.last_rx.get(instance)?
    }

    /// Status of every instance of every node, in node then instance order.
    pub fn status(&self) -> Vec<NodeInstanceStatus> {
        let mut v = Vec::new();
        for (n, node) in self.nodes.iter().enumerate() {
            for (i, inst) in node.instances.iter().enumerate() {
                v.push(NodeInstanceStatus {
                    node: n,
                    node_name: node.name.clone(),
                    node_up: node.up,
                    instance: i,
                    status: inst.status(),
                });
            }
        }
        v
    }

    /// Running instances in Master for (family, vrid) on any segment.
    pub fn masters(&self, family: Family, vrid: u8) -> Vec<(NodeId, usize)> {
        let mut v = Vec::new();
        for (n, node) in self.nodes.iter().enumerate() {
            for (i, inst) in node.instances.iter().enumerate() {
                let c = inst.config();
                if node.up && c.family == family && c.vrid == vrid && inst.state() == State::Master
                {
                    v.push((n, i));
                }
            }
        }
        v
    }

    /// Adverts the codec refused to encode (a bug if ever non-zero).
    pub fn encode_errors(&self) -> u64 {
        self.encode_errors
    }

    /// Adverts sent and delivered so far (statistics).
    pub fn packet_counts(&self) -> (u64, u64) {
        (self.adverts_sent, self.adverts_delivered)
    }

    // ------------------------------------------------------------ internals

    fn push(&mut self, at: Instant, what: Pending) {
        self.seq += 1;
        self.queue.push(Reverse(Entry {
            at,
            seq: self.seq,
            what,
        }));
    }

    fn note(&mut self, node: NodeId, instance: Option<usize>, kind: TimelineKind) {
        self.timeline.push(TimelineEvent {
            at: self.now,
            node,
            instance,
            kind,
        });
    }

    fn dispatch(&mut self, what: Pending) {
        let now = self.now;
        match what {
            Pending::Timer { node, inst } => {
                let Some(n) = self.nodes.get_mut(node) else {
                    return;
                };
                let Some(slot) = n.scheduled.get_mut(inst) else {
                    return;
                };
                if *slot != Some(now) || !n.up {
                    return; // stale
                }
                *slot = None;
                if let Some(i) = n.instances.get_mut(inst) {
                    i.handle_timeout(now);
                }
                self.after_input(node, inst);
            }
            Pending::Deliver {
                node,
                inst,
                from,
                src,
                dst,
                bytes,
            } => {
                let Some(n) = self.nodes.get_mut(node) else {
                    return;
                };
                if !n.up {
                    return;
                }
                if let Some(r) = n.last_rx.get_mut(inst) {
                    *r = Some(now);
                }
                let Some(i) = n.instances.get_mut(inst) else {
                    return;
                };
                // The receive path of a real daemon: codec validation, then
                // decode into a reused advertisement, then the FSM.
                let rx = RxMeta {
                    src,
                    dst,
                    ttl: VRRP_TTL,
                };
                let mut priority = None;
                match validate(&rx, &bytes, &i.expectations()) {
                    Err(r) => i.note_rejected(r.into()),
                    Ok(v) => {
                        let adv = self.rx_adv.get_or_insert_with(|| i.advertisement(0));
                        if adv.parse_into(&v.packet).is_ok() {
                            priority = Some(adv.priority);
                            let _ = i.handle_advert(now, src, adv);
                        }
                    }
                }
                self.adverts_delivered += 1;
                if self.record_packets {
                    let priority = priority.unwrap_or(0);
                    self.note(
                        node,
                        Some(inst),
                        TimelineKind::AdvertReceived { from, priority },
                    );
                }
                self.after_input(node, inst);
            }
            Pending::Scheduled(ev) => self.run_scheduled(ev),
        }
    }

    fn run_scheduled(&mut self, ev: SimEvent) {
        let now = self.now;
        let node_of = match &ev {
            SimEvent::Start(n) | SimEvent::Crash(n) | SimEvent::Shutdown(n) => Some(*n),
            SimEvent::Instance { node, .. } | SimEvent::DropAdverts { node, .. } => Some(*node),
            _ => None,
        };
        self.note(
            node_of.unwrap_or(usize::MAX),
            None,
            TimelineKind::Scheduled(ev.clone()),
        );
        match ev {
            SimEvent::Start(n) => {
                let Some(node) = self.nodes.get_mut(n) else {
                    return;
                };
                if node.up {
                    return;
                }
                node.up = true;
                for i in 0..node.instances.len() {
                    if let Some(inst) = node.instances.get_mut(i) {
                        inst.handle_event(now, Event::Startup);
                    }
                }
                for i in 0..self.nodes.get(n).map_or(0, |x| x.instances.len()) {
                    self.after_input(n, i);
                }
            }
            SimEvent::Crash(n) => {
                let Some(node) = self.nodes.get_mut(n) else {
                    return;
                };
                node.up = false;
                node.drop_adverts = 0;
                // Fresh instances: all state is lost. Configs were valid once.
                if build_instances(node).is_err() {
                    node.instances.clear();
                }
                for (inst, evs) in node.instances.iter_mut().zip(&node.env) {
                    for e in evs {
                        inst.handle_event(self.now, *e);
                    }
                }
            }
            SimEvent::Shutdown(n) => {
                let Some(node) = self.nodes.get_mut(n) else {
                    return;
                };
                if !node.up {
                    return;
                }
                for inst in node.instances.iter_mut() {
                    inst.handle_event(now, Event::Shutdown);
                }
                for i in 0..self.nodes.get(n).map_or(0, |x| x.instances.len()) {
                    self.after_input(n, i);
                }
                if let Some(node) = self.nodes.get_mut(n) {
                    node.up = false;
                }
            }
            SimEvent::Instance {
                node,
                instance,
                event,
            } => {
                let Some(nd) = self.nodes.get_mut(node) else {
                    return;
                };
                // Interface, tracker and fault state belong to the node's
                // environment: they also change while the node is down and
                // are replayed into fresh instances after a crash.
                let env = env_key(event);
                if let (Some(k), Some(list)) = (env, nd.env.get_mut(instance)) {
                    list.retain(|e| env_key(*e) != Some(k));
                    list.push(event);
                } else if !nd.up {
                    return;
                }
                if let Some(i) = nd.instances.get_mut(instance) {
                    i.handle_event(now, event);
                }
                if nd.up {
                    self.after_input(node, instance);
                }
            }
            SimEvent::Partition(groups) => {
                for (n, c) in self.component.iter_mut().enumerate() {
                    *c = groups
                        .iter()
                        .position(|g| g.contains(&n))
                        .unwrap_or(usize::MAX - n);
                }
            }
            SimEvent::Heal => self.component.iter_mut().for_each(|c| *c = 0),
            SimEvent::SetDefaultLink(p) => self.default_link = p,
            SimEvent::SetLink { from, to, params } => {
                self.links.insert((from, to), params);
            }
            SimEvent::DropAdverts { node, count } => {
                if let Some(n) = self.nodes.get_mut(node) {
                    n.drop_adverts = n.drop_adverts.saturating_add(count);
                }
            }
        }
    }

    /// After input to (node, inst): run its sync group, drain actions,
    /// re-arm timers.
    fn after_input(&mut self, node: NodeId, inst: usize) {
        let now = self.now;
        let group = self
            .nodes
            .get(node)
            .and_then(|n| n.group_of.get(inst).copied().flatten());
        if let Some(g) = group {
            let Some(n) = self.nodes.get_mut(node) else {
                return;
            };
            let members = match n.groups.get_mut(g) {
                Some(grp) => {
                    grp.sync(now, &mut n.instances);
                    grp.members().to_vec()
                }
                None => Vec::new(),
            };
            // The instance that got the input first, then the others.
            self.drain(node, inst);
            for m in members.into_iter().filter(|&m| m != inst) {
                self.drain(node, m);
            }
        } else {
            self.drain(node, inst);
        }
    }

    fn drain(&mut self, node: NodeId, inst: usize) {
        let mut acts = core::mem::take(&mut self.scratch);
        acts.clear();
        if let Some(i) = self
            .nodes
            .get_mut(node)
            .and_then(|n| n.instances.get_mut(inst))
        {
            while let Some(a) = i.poll_action() {
                acts.push(a);
            }
        }
        for a in acts.iter().copied() {
            match a {
                Action::SendAdvert { priority } => self.transmit(node, inst, priority),
                Action::StateChanged { from, to, reason } => {
                    self.note(
                        node,
                        Some(inst),
                        TimelineKind::StateChanged { from, to, reason },
                    );
                }
                other => {
                    if self.record_packets {
                        self.note(node, Some(inst), TimelineKind::Action(other));
                    }
                }
            }
        }
        self.scratch = acts;
        // Re-arm.
        let Some(n) = self.nodes.get_mut(node) else {
            return;
        };
        let t = n.instances.get(inst).and_then(Instance::poll_timeout);
        let Some(slot) = n.scheduled.get_mut(inst) else {
            return;
        };
        if *slot != t {
            *slot = t;
            if let Some(t) = t {
                self.push(t.max(self.now), Pending::Timer { node, inst });
            }
        }
    }

    fn transmit(&mut self, node: NodeId, inst: usize, priority: u8) {
        let Some(n) = self.nodes.get_mut(node) else {
            return;
        };
        if !n.up {
            return;
        }
        let Some(i) = n.instances.get(inst) else {
            return;
        };
        let cfg = i.config();
        let (src, family, vrid, unicast) = (
            cfg.primary_address,
            cfg.family,
            cfg.vrid,
            !cfg.unicast_peers.is_empty(),
        );
        let seg = n.segments.get(inst).copied().unwrap_or(0);
        // Multicast: one encoding per priority, cached.
        let group = family.group();
        let mcast = match n.adv_cache.get(inst) {
            Some(Some((p, b))) if *p == priority => Some(Rc::clone(b)),
            _ if unicast => None,
            _ => {
                let b = encode(&i.advertisement(priority), src, group);
                if let (Some(b), Some(slot)) = (&b, n.adv_cache.get_mut(inst)) {
                    *slot = Some((priority, Rc::clone(b)));
                }
                b
            }
        };
        let adv_unicast = unicast.then(|| i.advertisement(priority));
        let dropped = n.drop_adverts > 0;
        n.drop_adverts = n.drop_adverts.saturating_sub(1);
        self.adverts_sent += 1;
        if self.record_packets {
            self.note(node, Some(inst), TimelineKind::AdvertSent { priority });
        }
        // Destinations: multicast listeners, or the unicast peers.
        let mut dests = core::mem::take(&mut self.dest_scratch);
        dests.clear();
        if !unicast {
            if let Some(l) = self.listeners.get(&(seg, family, vrid)) {
                dests.extend(l.iter().copied().filter(|&(dn, _)| dn != node));
            }
        } else if let Some(peers) = self
            .nodes
            .get(node)
            .and_then(|x| x.instances.get(inst))
            .map(|x| x.config().unicast_peers.as_slice())
        {
            for p in peers {
                if let Some(l) = self.by_addr.get(&(seg, *p)) {
                    dests.extend(l.iter().copied().filter(|&(dn, di)| {
                        dn != node
                            && self
                                .nodes
                                .get(dn)
                                .and_then(|x| x.instances.get(di))
                                .is_some_and(|x| x.config().vrid == vrid)
                    }));
                }
            }
        }
        for &(dn, di) in &dests {
            let p = self
                .links
                .get(&(node, dn))
                .copied()
                .unwrap_or(self.default_link);
            let cut = self.component.get(node) != self.component.get(dn);
            if dropped || cut || self.rng.chance_ppm(p.loss_ppm) {
                if self.record_packets {
                    self.note(node, Some(inst), TimelineKind::AdvertLost { to: dn });
                }
                continue;
            }
            // Unicast: the v3/IPv4 checksum covers the destination.
            let (dst, bytes) = match (&mcast, &adv_unicast) {
                (Some(b), _) => (group, Rc::clone(b)),
                (None, Some(a)) => {
                    let Some(dst) = self
                        .nodes
                        .get(dn)
                        .and_then(|x| x.instances.get(di))
                        .map(|x| x.config().primary_address)
                    else {
                        continue;
                    };
                    match encode(a, src, dst) {
                        Some(b) => (dst, b),
                        None => {
                            self.encode_errors += 1;
                            continue;
                        }
                    }
                }
                (None, None) => {
                    self.encode_errors += 1;
                    continue;
                }
            };
            let copies = if self.rng.chance_ppm(p.duplicate_ppm) {
                2
            } else {
                1
            };
            for _ in 0..copies {
                let j = self.rng.up_to(p.jitter.as_micros());
                let at = self.now + p.latency + Duration::from_micros(j);
                let bytes = Rc::clone(&bytes);
                self.push(
                    at,
                    Pending::Deliver {
                        node: dn,
                        inst: di,
                        from: node,
                        src,
                        dst,
                        bytes,
                    },
                );
            }
        }
        self.dest_scratch = dests;
    }
}

/// Which piece of environment an event sets (`None`: not environment).
fn env_key(e: Event) -> Option<(u8, usize)> {
    match e {
        Event::InterfaceUp | Event::InterfaceDown => Some((0, 0)),
        Event::TrackerUp(i) | Event::TrackerDown(i) | Event::TrackerValue(i, _) => Some((1, i)),
        Event::FaultOn | Event::FaultOff => Some((2, 0)),
        Event::Startup | Event::Shutdown => None,
    }
}

/// Encodes an advert with the codec (RFC checksum rule).
fn encode(adv: &Advertisement, src: IpAddr, dst: IpAddr) -> Option<Rc<[u8]>> {
    let mut buf = vec![0u8; adv.buffer_len()];
    adv.emit(&mut buf, src, dst, ChecksumMode::Rfc).ok()?;
    Some(Rc::from(buf))
}

/// Why a node could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// An instance config is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A sync group is invalid.
    #[error(transparent)]
    SyncGroup(#[from] SyncGroupError),
    /// `segments` and `configs` differ in length.
    #[error("one segment per instance config is required")]
    Segments,
}

fn build_instances(node: &mut Node) -> Result<(), NodeError> {
    let mut v = Vec::with_capacity(node.configs.len());
    for c in &node.configs {
        v.push(Instance::new(c.clone())?);
    }
    let mut groups = Vec::new();
    let mut group_of = vec![None; v.len()];
    for (gi, (name, members)) in node.groups_spec.iter().enumerate() {
        let g = SyncGroup::new(name.clone(), members.clone(), &mut v)?;
        for &m in g.members() {
            if let Some(s) = group_of.get_mut(m) {
                *s = Some(gi);
            }
        }
        groups.push(g);
    }
    let n = v.len();
    node.instances = v;
    node.groups = groups;
    node.group_of = group_of;
    node.scheduled = vec![None; n];
    node.last_rx = vec![None; n];
    node.adv_cache = vec![None; n];
    Ok(())
}
