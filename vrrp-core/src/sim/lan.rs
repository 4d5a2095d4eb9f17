//! The virtual LAN proper: nodes, links, the event queue and the timeline.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::rc::Rc;

use core::net::IpAddr;

use super::rng::SplitMix64;
use crate::config::{ConfigError, InstanceConfig};
use crate::instance::Instance;
use crate::node::{self, InstanceSpec, Node, NodeConfig, Output, RxError, Transmit};
use crate::packet::{Family, RxMeta};
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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

/// One simulated host: a [`Node`] with its segments and environment.
struct Host {
    name: String,
    /// What the node runs; rebuilt from it after a crash.
    config: NodeConfig,
    /// Segment per instance (the instance's interface index on the node).
    segments: Vec<u32>,
    node: Node,
    /// The node deadline in the queue.
    scheduled: Option<Instant>,
    last_rx: Vec<Option<Instant>>,
    up: bool,
    drop_adverts: u32,
    /// Whether the advertisement being sent (all its copies) is lost.
    dropping: bool,
    /// Environment events per instance (latest per interface/tracker/fault).
    env: Vec<Vec<Event>>,
}

enum Pending {
    Scheduled(SimEvent),
    Timer(NodeId),
    Deliver {
        node: NodeId,
        from: NodeId,
        segment: u32,
        rx: RxMeta,
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
    nodes: Vec<Host>,
    queue: BinaryHeap<Reverse<Entry>>,
    default_link: LinkParams,
    links: HashMap<(NodeId, NodeId), LinkParams>,
    component: Vec<usize>,
    /// Multicast listeners per (segment, family, vrid).
    listeners: HashMap<Key, Vec<NodeId>>,
    /// Nodes with an instance per (segment, primary address, vrid), for
    /// unicast.
    by_addr: HashMap<(u32, IpAddr, u8), Vec<NodeId>>,
    timeline: Vec<TimelineEvent>,
    record_packets: bool,
    dest_scratch: Vec<NodeId>,
    adverts_sent: u64,
    adverts_delivered: u64,
    stalled: Option<Instant>,
    /// Encode errors of nodes since rebuilt after a crash.
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
            dest_scratch: Vec::new(),
            adverts_sent: 0,
            adverts_delivered: 0,
            stalled: None,
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
        let specs = configs
            .into_iter()
            .zip(&segments)
            .map(|(c, &seg)| InstanceSpec::new(c, seg, ()))
            .collect();
        let config = NodeConfig::new(specs).with_sync_groups(sync_groups);
        let node = Node::new(config.clone())?;
        for (inst, &seg) in node.instances().iter().zip(&segments) {
            let c = inst.config();
            let l = self.listeners.entry((seg, c.family, c.vrid)).or_default();
            if !l.contains(&id) {
                l.push(id);
            }
            let a = self
                .by_addr
                .entry((seg, c.primary_address, c.vrid))
                .or_default();
            if !a.contains(&id) {
                a.push(id);
            }
        }
        let n = node.instances().len();
        self.nodes.push(Host {
            name: name.into(),
            config,
            segments,
            node,
            scheduled: None,
            last_rx: vec![None; n],
            up: false,
            drop_adverts: 0,
            dropping: false,
            env: vec![Vec::new(); n],
        });
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
                        instance_name: node.node.instances().get(i).map_or("", Instance::name),
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
        self.nodes.get(node).map_or(&[], |n| n.node.instances())
    }

    /// One instance.
    pub fn instance(&self, node: NodeId, instance: usize) -> Option<&Instance> {
        self.nodes.get(node)?.node.instances().get(instance)
    }

    /// Sync groups of a node.
    pub fn sync_groups(&self, node: NodeId) -> &[SyncGroup] {
        self.nodes.get(node).map_or(&[], |n| n.node.sync_groups())
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
            for (i, inst) in node.node.instances().iter().enumerate() {
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
            for (i, inst) in node.node.instances().iter().enumerate() {
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
            + self
                .nodes
                .iter()
                .map(|h| h.node.encode_errors())
                .sum::<u64>()
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
            Pending::Timer(n) => {
                let Some(host) = self.nodes.get_mut(n) else {
                    return;
                };
                if host.scheduled != Some(now) || !host.up {
                    return; // stale
                }
                host.scheduled = None;
                host.node.handle_timeout(now);
                self.after_input(n);
            }
            Pending::Deliver {
                node,
                from,
                segment,
                rx,
                bytes,
            } => {
                let Some(host) = self.nodes.get_mut(node) else {
                    return;
                };
                if !host.up {
                    return;
                }
                // The receive path of a real daemon: demultiplexing, codec
                // validation, decoding, the FSM and the sync step.
                let res = host.node.handle_datagram(now, segment, &rx, &bytes);
                let (id, priority) = match res {
                    Ok(r) => (Some(r.instance), r.priority),
                    Err(RxError::Rejected { instance, .. }) => (Some(instance), 0),
                    Err(_) => (None, 0),
                };
                let inst = id.and_then(|id| host.node.position(id));
                if let Some(r) = inst.and_then(|i| host.last_rx.get_mut(i)) {
                    *r = Some(now);
                }
                self.adverts_delivered += 1;
                if self.record_packets {
                    self.note(node, inst, TimelineKind::AdvertReceived { from, priority });
                }
                self.after_input(node);
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
                let Some(host) = self.nodes.get_mut(n) else {
                    return;
                };
                if host.up {
                    return;
                }
                host.up = true;
                host.node.handle_event_all(now, Event::Startup);
                self.after_input(n);
            }
            SimEvent::Crash(n) => {
                let Some(host) = self.nodes.get_mut(n) else {
                    return;
                };
                host.up = false;
                host.drop_adverts = 0;
                host.scheduled = None;
                self.encode_errors += host.node.encode_errors();
                // A fresh node: all state is lost. The config was valid once.
                let empty = || Node::new(NodeConfig::new(Vec::new()));
                if let Ok(node) = Node::new(host.config.clone()).or_else(|_| empty()) {
                    host.node = node;
                }
                host.last_rx.iter_mut().for_each(|r| *r = None);
                for (i, evs) in host.env.iter().enumerate() {
                    let Some(id) = host.node.id_at(i) else {
                        continue;
                    };
                    for e in evs {
                        host.node.preset(id, *e);
                    }
                }
            }
            SimEvent::Shutdown(n) => {
                let Some(host) = self.nodes.get_mut(n) else {
                    return;
                };
                if !host.up {
                    return;
                }
                host.node.handle_event_all(now, Event::Shutdown);
                self.after_input(n);
                if let Some(host) = self.nodes.get_mut(n) {
                    host.up = false;
                }
            }
            SimEvent::Instance {
                node,
                instance,
                event,
            } => {
                let Some(host) = self.nodes.get_mut(node) else {
                    return;
                };
                // Interface, tracker and fault state belong to the node's
                // environment: they also change while the node is down and
                // are replayed into fresh instances after a crash.
                let env = env_key(event);
                if let (Some(k), Some(list)) = (env, host.env.get_mut(instance)) {
                    list.retain(|e| env_key(*e) != Some(k));
                    list.push(event);
                } else if !host.up {
                    return;
                }
                let Some(id) = host.node.id_at(instance) else {
                    return;
                };
                if host.up {
                    host.node.handle_event(now, id, event);
                    self.after_input(node);
                } else {
                    host.node.preset(id, event);
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

    /// After input to a node: send its datagrams, record its actions,
    /// re-arm its timer.
    fn after_input(&mut self, n: NodeId) {
        while let Some(t) = self.nodes.get_mut(n).and_then(|h| h.node.poll_transmit()) {
            self.transmit(n, t);
        }
        while let Some(out) = self.nodes.get_mut(n).and_then(|h| h.node.poll_action()) {
            let Output::Instance { id, action } = out else {
                continue;
            };
            let inst = self.nodes.get(n).and_then(|h| h.node.position(id));
            match action {
                Action::StateChanged { from, to, reason } => {
                    self.note(n, inst, TimelineKind::StateChanged { from, to, reason });
                }
                other => {
                    if self.record_packets {
                        self.note(n, inst, TimelineKind::Action(other));
                    }
                }
            }
        }
        let Some(host) = self.nodes.get_mut(n) else {
            return;
        };
        let t = host.node.poll_timeout();
        if host.scheduled != t {
            host.scheduled = t;
            if let Some(t) = t {
                self.push(t.max(self.now), Pending::Timer(n));
            }
        }
    }

    /// Carries one datagram to the nodes that listen for it: every other
    /// node with an instance of the same segment, family and VRID
    /// (multicast) or with the destination as primary address (unicast),
    /// over the link's latency, jitter, loss and duplication.
    fn transmit(&mut self, n: NodeId, t: Transmit) {
        let Some(host) = self.nodes.get_mut(n) else {
            return;
        };
        if !host.up {
            return;
        }
        let Some(i) = host.node.position(t.instance) else {
            return;
        };
        let seg = host.segments.get(i).copied().unwrap_or(0);
        let vrid = host.node.instances().get(i).map_or(0, |x| x.config().vrid);
        if t.copy == 0 {
            // A new advertisement: `DropAdverts` loses all its copies.
            host.dropping = host.drop_adverts > 0;
            host.drop_adverts = host.drop_adverts.saturating_sub(1);
            self.adverts_sent += 1;
            if self.record_packets {
                let priority = t.priority;
                self.note(n, Some(i), TimelineKind::AdvertSent { priority });
            }
        }
        let dropped = self.nodes.get(n).is_some_and(|h| h.dropping);
        let mut dests = core::mem::take(&mut self.dest_scratch);
        dests.clear();
        let listeners = if t.dst.is_multicast() {
            self.listeners.get(&(seg, Family::of(t.src), vrid))
        } else {
            self.by_addr.get(&(seg, t.dst, vrid))
        };
        if let Some(l) = listeners {
            dests.extend(l.iter().copied().filter(|&dn| dn != n));
        }
        let bytes: Rc<[u8]> = Rc::from(&t.payload[..]);
        let rx = RxMeta {
            src: t.src,
            dst: t.dst,
            ttl: t.hop_limit,
        };
        for &dn in &dests {
            let p = self
                .links
                .get(&(n, dn))
                .copied()
                .unwrap_or(self.default_link);
            let cut = self.component.get(n) != self.component.get(dn);
            if dropped || cut || self.rng.chance_ppm(p.loss_ppm) {
                if self.record_packets {
                    self.note(n, Some(i), TimelineKind::AdvertLost { to: dn });
                }
                continue;
            }
            let copies = if self.rng.chance_ppm(p.duplicate_ppm) {
                2
            } else {
                1
            };
            for _ in 0..copies {
                let j = self.rng.up_to(p.jitter.as_micros());
                let at = self.now + p.latency + Duration::from_micros(j);
                self.push(
                    at,
                    Pending::Deliver {
                        node: dn,
                        from: n,
                        segment: seg,
                        rx,
                        bytes: Rc::clone(&bytes),
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
        Event::Startup | Event::Shutdown | Event::VipRemoved => None,
    }
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
    /// An instance is in two sync groups.
    #[error("instance index {0} is in two sync groups")]
    TwoGroups(usize),
}

impl From<node::NodeError> for NodeError {
    fn from(e: node::NodeError) -> Self {
        match e {
            node::NodeError::Instance { source, .. } => NodeError::Config(source),
            node::NodeError::SyncGroup { source, .. } => NodeError::SyncGroup(source),
            node::NodeError::TwoGroups(i) => NodeError::TwoGroups(i),
        }
    }
}
