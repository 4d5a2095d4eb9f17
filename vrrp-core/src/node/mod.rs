//! A VRRP speaker: every instance of one host with its sync groups, driven
//! sans-IO the way quinn-proto drives an `Endpoint`.
//!
//! [`Node`] owns the multi-instance part of the protocol that an IO layer
//! would otherwise write itself:
//! * demultiplexing a received datagram to its instance by interface,
//!   family, VRID and unicast peer, then validate → parse → handle
//!   ([`Node::handle_datagram`]);
//! * the sync-group step after every input and the order in which
//!   instances are drained ([`crate::SyncGroup`]);
//! * encoding adverts for the group or each unicast peer
//!   ([`Node::poll_transmit`]): each instance's advert is encoded once per
//!   configuration and patched per datagram, into a [`Payload`] that holds
//!   short messages inline, so a steady Master allocates nothing to send;
//! * the next deadline ([`Node::poll_timeout`]);
//! * matching old and new instances on reload ([`Node::reconfigure`]).
//!
//! After every `handle_*` call (and after [`Node::reconfigure`]) drain, in
//! this order: [`Node::poll_transmit`] (adverts go first, as keepalived's
//! `vrrp_state_master_tx` sends the advert before adding the VIPs), then
//! [`Node::poll_action`], then re-arm your timer with [`Node::poll_timeout`].
//!
//! ```
//! use vrrp_core::node::{InstanceSpec, Node, NodeConfig, Output};
//! use vrrp_core::packet::Version;
//! use vrrp_core::time::Instant;
//! use vrrp_core::{Action, Event, InstanceConfig, State};
//!
//! let mut cfg = InstanceConfig::new("VI_1", 51, Version::V3, "10.0.0.2".parse().unwrap());
//! cfg.vips = vec!["10.0.0.100".parse().unwrap()];
//! let mut node = Node::new(NodeConfig::new(vec![InstanceSpec::new(cfg, 2, ())])).unwrap();
//! node.handle_event_all(Instant::ZERO, Event::Startup);
//! let deadline = node.poll_timeout().unwrap(); // no Master heard: take over
//! node.handle_timeout(deadline);
//! let advert = node.poll_transmit().unwrap();
//! assert_eq!(advert.dst, "224.0.0.18".parse::<std::net::IpAddr>().unwrap());
//! assert_eq!((advert.ifindex, advert.hop_limit), (2, 255));
//! let mut became_master = false;
//! while let Some(out) = node.poll_action() {
//!     if let Output::Instance { action: Action::StateChanged { to: State::Master, .. }, .. } = out {
//!         became_master = true;
//!     }
//! }
//! assert!(became_master);
//! ```

use alloc::{boxed::Box, string::String, vec, vec::Vec};

mod payload;
mod reconfigure;
mod rx;
#[cfg(test)]
mod tests;
mod types;

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::instance::Instance;
use crate::packet::{Advertisement, DropReason, Family, VRRP_TTL};
use crate::state::{Action, Event, State};
use crate::sync_group::SyncGroup;
use crate::time::Instant;

pub use payload::{INLINE_PAYLOAD, Payload};
pub use types::{
    Carry, InstanceId, InstanceSpec, NodeConfig, NodeError, Output, Received, Reconfigured,
    RxError, Transmit,
};

/// Receive drops of one instance, by [`DropReason::index`].
pub type RxDrops = [u64; DropReason::ALL.len()];

/// What the node keeps next to each instance.
#[derive(Debug)]
struct Slot<T> {
    id: InstanceId,
    /// The configured interface (identity for reconfigure).
    ifindex: u32,
    /// Where adverts are received and sent ([`Node::set_paths`]).
    rx_ifindex: u32,
    tx_ifindex: u32,
    unicast_ttl: u8,
    /// Index into `Node::groups`.
    group: Option<usize>,
    /// Made on the first drop: most instances never see one, and the
    /// counters would cost each instance 144 bytes inline.
    drops: Option<Box<RxDrops>>,
    /// The deadline last seen after a drain, and when it was set.
    deadline: Option<Instant>,
    armed: u64,
    data: T,
}

/// The output queues, apart from the instances so that an instance can be
/// drained while the node's other fields are borrowed.
#[derive(Debug, Default)]
struct Queues {
    transmits: VecDeque<Transmit>,
    outputs: VecDeque<Output>,
    encode_errors: u64,
}

/// Capacity an emptied output queue keeps: bursts up to this size reuse
/// it without allocating.
const QUEUE_KEEP: usize = 256;

/// Gives back the room of an emptied queue beyond [`QUEUE_KEEP`]: when
/// thousands of instances send in the same instant the queue grows to
/// thousands of entries once, and without this it would keep them (over
/// 150 bytes per instance) for good.
fn shrink_idle<X>(q: &mut VecDeque<X>) {
    if q.capacity() > 4 * QUEUE_KEEP {
        q.shrink_to(QUEUE_KEEP);
    }
}

impl Queues {
    /// Moves `inst`'s pending actions to the queues; adverts become
    /// datagrams (keepalived `vrrp_send_adv`: the group, or every unicast
    /// peer in turn).
    fn drain<T>(&mut self, inst: &mut Instance, slot: &Slot<T>) {
        while let Some(a) = inst.poll_action() {
            match a {
                Action::SendAdvert { priority } => self.encode(inst, slot, priority),
                action => self.outputs.push_back(Output::Instance {
                    id: slot.id,
                    action,
                }),
            }
        }
    }

    /// The datagrams of one advert: the instance's cached encoding copied
    /// per destination with the priority and checksum patched
    /// ([`crate::packet::EncodedAdvert::write`]), inline in the
    /// [`Payload`] for all but very long address lists.
    fn encode<T>(&mut self, inst: &Instance, slot: &Slot<T>, priority: u8) {
        let cfg = inst.config();
        let Some(encoded) = inst.encoded_advert() else {
            self.encode_errors += 1;
            return;
        };
        let src = cfg.primary_address;
        let group = [cfg.multicast_group()];
        let (dsts, hop_limit) = if cfg.unicast_peers.is_empty() {
            (&group[..], VRRP_TTL)
        } else {
            (cfg.unicast_peers.as_slice(), slot.unicast_ttl)
        };
        for (copy, &dst) in dsts.iter().enumerate() {
            let mut payload = Payload::zeroed(encoded.len());
            if encoded.write(&mut payload, priority, dst).is_err() {
                self.encode_errors += 1;
                continue;
            }
            self.transmits.push_back(Transmit {
                instance: slot.id,
                ifindex: slot.tx_ifindex,
                src,
                dst,
                hop_limit,
                priority,
                copy,
                payload,
            });
        }
    }
}

/// Every VRRP instance of one host and its sync groups; see the
/// [module docs](self).
///
/// `T` is the caller's data per instance (interface names, installed
/// addresses, ...), kept next to the instance across reconfigurations.
#[derive(Debug)]
pub struct Node<T = ()> {
    /// Running instances, in configuration order; `slots` runs parallel.
    instances: Vec<Instance>,
    slots: Vec<Slot<T>>,
    groups: Vec<SyncGroup>,
    /// The group state last reported, per group.
    group_reported: Vec<Option<State>>,
    /// Instances a reconfiguration stopped, until [`Node::take_retired`].
    retired: Vec<(Instance, Slot<T>)>,
    queues: Queues,
    /// Drops before an instance was found: (ifindex, family, reason).
    unmatched: BTreeMap<(u32, Family, DropReason), u64>,
    /// The advert being decoded, reused for every datagram.
    rx_advert: Box<Advertisement>,
    next_id: u32,
    /// Counts deadline changes (see [`Node::handle_timeout`]).
    arm_seq: u64,
    /// Every running instance's deadline as (deadline, when set, id): the
    /// order [`Node::handle_timeout`] runs them in, as keepalived's timer
    /// tree.
    timers: BTreeSet<(Instant, u64, InstanceId)>,
    /// (id, position) of each running instance, sorted by id: a flat
    /// table searched by halves, where a map cost every instance a tree
    /// entry.
    index: Vec<(InstanceId, usize)>,
    /// ((receive interface, family, VRID), position) of each running
    /// instance, sorted by key and, within a key, in configuration order;
    /// flat for the same reason (a map held a vector per key).
    listeners: Vec<(ListenKey, usize)>,
}

/// What a received advert is matched on first: (receive interface, family,
/// VRID).
type ListenKey = (u32, Family, u8);

impl<T> Node<T> {
    /// A node running `config`; no instance is started (send
    /// [`Event::Startup`], e.g. with [`Node::handle_event_all`]).
    pub fn new(config: NodeConfig<T>) -> Result<Self, NodeError> {
        let built = reconfigure::build(&config)?;
        let mut node = Node::default();
        node.instances.reserve_exact(built.instances.len());
        node.slots.reserve_exact(built.instances.len());
        for (spec, inst) in config.instances.into_iter().zip(built.instances) {
            let id = node.new_id();
            node.instances.push(inst);
            node.slots.push(Slot::new(id, spec));
        }
        node.set_groups(&config.sync_groups, &built.group_of, &BTreeMap::new());
        node.reindex();
        Ok(node)
    }

    fn new_id(&mut self) -> InstanceId {
        let id = InstanceId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    // ------------------------------------------------------------ accessors

    /// The running instances, in configuration order.
    pub fn instances(&self) -> &[Instance] {
        &self.instances
    }

    /// Ids of the running instances, in configuration order.
    pub fn ids(&self) -> impl ExactSizeIterator<Item = InstanceId> + '_ {
        self.slots.iter().map(|s| s.id)
    }

    /// The id of the instance at `index` in configuration order.
    pub fn id_at(&self, index: usize) -> Option<InstanceId> {
        self.slots.get(index).map(|s| s.id)
    }

    /// The position of a running instance in configuration order.
    pub fn position(&self, id: InstanceId) -> Option<usize> {
        self.index
            .binary_search_by_key(&id, |&(k, _)| k)
            .ok()
            .and_then(|at| self.index.get(at))
            .map(|&(_, i)| i)
    }

    /// An instance, running or retired (until [`Node::take_retired`]).
    pub fn instance(&self, id: InstanceId) -> Option<&Instance> {
        match self.position(id) {
            Some(i) => self.instances.get(i),
            None => self
                .retired
                .iter()
                .find(|(_, s)| s.id == id)
                .map(|(i, _)| i),
        }
    }

    fn slot(&self, id: InstanceId) -> Option<&Slot<T>> {
        match self.position(id) {
            Some(i) => self.slots.get(i),
            None => self.retired.iter().map(|(_, s)| s).find(|s| s.id == id),
        }
    }

    /// The caller's data of an instance, running or retired.
    pub fn data(&self, id: InstanceId) -> Option<&T> {
        self.slot(id).map(|s| &s.data)
    }

    /// The caller's data of an instance, running or retired.
    pub fn data_mut(&mut self, id: InstanceId) -> Option<&mut T> {
        let slot = match self.position(id) {
            Some(i) => self.slots.get_mut(i),
            None => self.retired.iter_mut().map(|(_, s)| s).find(|s| s.id == id),
        };
        slot.map(|s| &mut s.data)
    }

    /// The interface an instance is configured on.
    pub fn ifindex(&self, id: InstanceId) -> Option<u32> {
        self.slot(id).map(|s| s.ifindex)
    }

    /// Where an instance receives and sends adverts: (rx, tx) interface.
    pub fn paths(&self, id: InstanceId) -> Option<(u32, u32)> {
        self.slot(id).map(|s| (s.rx_ifindex, s.tx_ifindex))
    }

    /// Receive drops of an instance, by [`DropReason::index`].
    pub fn rx_drops(&self, id: InstanceId) -> Option<&RxDrops> {
        const NONE: RxDrops = [0; DropReason::ALL.len()];
        self.slot(id).map(|s| s.drops.as_deref().unwrap_or(&NONE))
    }

    /// Datagrams no instance matched: (interface, family, reason) → count.
    pub fn unmatched_drops(&self) -> &BTreeMap<(u32, Family, DropReason), u64> {
        &self.unmatched
    }

    /// The sync groups.
    pub fn sync_groups(&self) -> &[SyncGroup] {
        &self.groups
    }

    /// The sync group of a running instance.
    pub fn sync_group_of(&self, id: InstanceId) -> Option<&SyncGroup> {
        let g = self.slot(id)?.group?;
        self.groups.get(g)
    }

    /// Adverts the codec refused to encode (a bug if ever non-zero).
    pub fn encode_errors(&self) -> u64 {
        self.queues.encode_errors
    }

    // ------------------------------------------------------------ mutators

    /// Receive adverts on `rx_ifindex` and send them on `tx_ifindex`
    /// instead of the configured interface (keepalived `use_vmac`: the
    /// macvlan, unless `vmac_xmit_base`). Kept across reconfigurations that
    /// keep the instance.
    pub fn set_paths(&mut self, id: InstanceId, rx_ifindex: u32, tx_ifindex: u32) {
        if let Some(s) = self.position(id).and_then(|i| self.slots.get_mut(i)) {
            s.rx_ifindex = rx_ifindex;
            s.tx_ifindex = tx_ifindex;
            self.reindex();
        }
    }

    /// Gives an instance that has not started (Initialize, or Stop after a
    /// shutdown) an interface, tracker or fault event without running the
    /// sync step: it sets the environment [`Event::Startup`] will find.
    /// Returns false, ignoring the event, for a running instance, for
    /// Startup and Shutdown, and for an unknown id.
    pub fn preset(&mut self, id: InstanceId, ev: Event) -> bool {
        let Some(i) = self.position(id) else {
            return false;
        };
        let Some(inst) = self.instances.get_mut(i) else {
            return false;
        };
        if !matches!(inst.state(), State::Initialize | State::Stop)
            || matches!(ev, Event::Startup | Event::Shutdown)
        {
            return false;
        }
        inst.handle_event(Instant::ZERO, ev);
        self.drain(i);
        true
    }

    /// Stopped instances a reconfiguration retired, with their data; call
    /// it after draining the outputs of [`Node::reconfigure`].
    pub fn take_retired(&mut self) -> Vec<(InstanceId, T)> {
        self.retired
            .drain(..)
            .map(|(_, s)| (s.id, s.data))
            .collect()
    }

    // ------------------------------------------------------------ inputs

    /// Runs every instance timer that expired at or before `now`, each
    /// followed by the sync step. Earlier deadlines run first; equal ones
    /// in the order they were set, as keepalived runs them
    /// (`vrrp_scheduler.c` `vrrp_dispatcher_read_timeout` walks the
    /// `rb_sands` tree, where an equal deadline goes after those already
    /// there). That order
    /// matters to a sync group: the member whose timer runs last completes
    /// the group's wish for Master and is drained first.
    pub fn handle_timeout(&mut self, now: Instant) {
        // Each run re-arms its instance later than `now`; the bound only
        // guards against an instance that would not.
        for _ in 0..4 * self.instances.len() + 4 {
            let Some(&(t, armed, id)) = self.timers.first() else {
                return;
            };
            if t > now {
                return;
            }
            self.timers.remove(&(t, armed, id));
            let Some(i) = self.position(id) else {
                continue;
            };
            if let (Some(inst), Some(slot)) = (self.instances.get_mut(i), self.slots.get_mut(i)) {
                slot.deadline = None;
                inst.handle_timeout(now);
            }
            self.step(now, i);
        }
    }

    /// One event for one instance, then the sync step.
    pub fn handle_event(&mut self, now: Instant, id: InstanceId, ev: Event) {
        self.handle_events(now, id, [ev]);
    }

    /// Several events for one instance, then one sync step (a start-up:
    /// the trackers' states, Startup, the interface state).
    pub fn handle_events(
        &mut self,
        now: Instant,
        id: InstanceId,
        events: impl IntoIterator<Item = Event>,
    ) {
        let Some(i) = self.position(id) else {
            return;
        };
        if let Some(inst) = self.instances.get_mut(i) {
            for ev in events {
                inst.handle_event(now, ev);
            }
        }
        self.step(now, i);
    }

    /// Changes one running instance's configuration in place with `edit`
    /// (an SNMP write of its base priority, preemption or accept mode:
    /// keepalived vrrp_snmp.c `vrrp_snmp_instance_priority`,
    /// `vrrp_snmp_instance_preempt`, `vrrp_snmp_instance_accept`), keeping
    /// its state as [`Instance::reconfigure`] does, then one sync step. On
    /// error nothing changed.
    pub fn edit_instance(
        &mut self,
        now: Instant,
        id: InstanceId,
        edit: impl FnOnce(&mut crate::config::InstanceConfig),
    ) -> Result<(), NodeError> {
        let Some(i) = self.position(id) else {
            return Ok(());
        };
        if let Some(inst) = self.instances.get_mut(i) {
            let mut cfg = inst.config().clone();
            edit(&mut cfg);
            inst.reconfigure(now, cfg)
                .map_err(|source| NodeError::Instance {
                    name: inst.name().into(),
                    source,
                })?;
        }
        self.step(now, i);
        Ok(())
    }

    /// One of `id`'s VIPs was deleted by someone else: [`Event::VipRemoved`]
    /// for it and, when it is in a sync group, for every member that is
    /// Master, then one sync step (keepalived_netlink.c `set_vrrp_backup`:
    /// each Master of the group sends priority 0, enters Backup and takes
    /// over again after Skew_Time; docs/keepalived.md §3.24).
    pub fn vip_removed(&mut self, now: Instant, id: InstanceId) {
        let Some(i) = self.position(id) else {
            return;
        };
        if self.instances.get(i).map(Instance::state) != Some(State::Master) {
            return;
        }
        let mut members = vec![i];
        if let Some(grp) = self
            .slots
            .get(i)
            .and_then(|s| s.group)
            .and_then(|g| self.groups.get(g))
        {
            members.extend(grp.members().iter().copied().filter(|&m| m != i));
        }
        for m in members {
            if let Some(inst) = self.instances.get_mut(m) {
                inst.handle_event(now, Event::VipRemoved);
            }
        }
        self.step(now, i);
        // keepalived sets the instance's own timer after its group's, so with
        // equal Skew_Times it fires last and the group's return to Master
        // starts with it.
        self.rearm_last(i);
    }

    /// Moves instance `i`'s timer behind every timer with the same deadline.
    fn rearm_last(&mut self, i: usize) {
        if let Some(slot) = self.slots.get_mut(i)
            && let Some(t) = slot.deadline
        {
            self.timers.remove(&(t, slot.armed, slot.id));
            self.arm_seq += 1;
            slot.armed = self.arm_seq;
            self.timers.insert((t, slot.armed, slot.id));
        }
    }

    /// The same event for every instance (start-up, shutdown), then the
    /// sync step for each in order.
    pub fn handle_event_all(&mut self, now: Instant, ev: Event) {
        for inst in &mut self.instances {
            inst.handle_event(now, ev);
        }
        for i in 0..self.instances.len() {
            self.step(now, i);
        }
    }

    // ------------------------------------------------------------ outputs

    /// The next datagram to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let t = self.queues.transmits.pop_front();
        if t.is_none() {
            shrink_idle(&mut self.queues.transmits);
        }
        t
    }

    /// The next action (after the datagrams).
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Output> {
        let o = self.queues.outputs.pop_front();
        if o.is_none() {
            shrink_idle(&mut self.queues.outputs);
        }
        o
    }

    /// When to call [`Node::handle_timeout`] next; `None` when no timer
    /// runs.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|&(t, _, _)| t)
    }

    // ------------------------------------------------------------ internals

    /// After input to instance `i`: its sync group's rules
    /// ([`SyncGroup::sync`]), then drain `i`, then the other members in
    /// group order, then report a new group state.
    fn step(&mut self, now: Instant, i: usize) {
        let group = self.slots.get(i).and_then(|s| s.group);
        let Some(g) = group else {
            self.drain(i);
            return;
        };
        let Some(grp) = self.groups.get_mut(g) else {
            self.drain(i);
            return;
        };
        grp.sync(now, &mut self.instances);
        self.drain(i);
        let n = self.groups.get(g).map_or(0, |grp| grp.members().len());
        for k in 0..n {
            let m = self
                .groups
                .get(g)
                .and_then(|grp| grp.members().get(k).copied());
            if let Some(m) = m.filter(|&m| m != i) {
                self.drain(m);
            }
        }
        self.report_group(g);
    }

    /// Moves instance `i`'s actions to the queues and notes when its
    /// deadline changed (for the order of [`Node::handle_timeout`]).
    fn drain(&mut self, i: usize) {
        if let (Some(inst), Some(slot)) = (self.instances.get_mut(i), self.slots.get_mut(i)) {
            self.queues.drain(inst, slot);
            let t = inst.poll_timeout();
            if slot.deadline != t {
                if let Some(old) = slot.deadline {
                    self.timers.remove(&(old, slot.armed, slot.id));
                }
                slot.deadline = t;
                self.arm_seq += 1;
                slot.armed = self.arm_seq;
                if let Some(t) = t {
                    self.timers.insert((t, slot.armed, slot.id));
                }
            }
        }
    }

    /// Reports a group that entered Master, Backup or Fault as a whole.
    fn report_group(&mut self, g: usize) {
        let Some(grp) = self.groups.get(g) else {
            return;
        };
        let to = grp.state(&self.instances);
        let Some(last) = self.group_reported.get_mut(g) else {
            return;
        };
        if matches!(to, State::Master | State::Backup | State::Fault) && *last != Some(to) {
            let from = last.replace(to);
            self.queues
                .outputs
                .push_back(Output::GroupStateChanged { group: g, from, to });
        }
    }

    /// Builds the sync groups over the running instances (`group_of`: the
    /// group index per instance, checked by [`reconfigure::build`]);
    /// `reported` carries the last reported state by group name.
    fn set_groups(
        &mut self,
        specs: &[(String, Vec<usize>)],
        group_of: &[Option<usize>],
        reported: &BTreeMap<String, State>,
    ) {
        self.groups.clear();
        self.group_reported.clear();
        for (name, members) in specs {
            // Checked by `build`: cannot fail.
            if let Ok(g) = SyncGroup::new(name.clone(), members.clone(), &mut self.instances) {
                self.group_reported.push(reported.get(name).copied());
                self.groups.push(g);
            }
        }
        for (s, g) in self.slots.iter_mut().zip(group_of) {
            s.group = *g;
        }
    }
}

impl<T> Node<T> {
    /// Rebuilds the lookup tables after the instances or their paths
    /// changed.
    fn reindex(&mut self) {
        self.index.clear();
        self.listeners.clear();
        self.index.reserve_exact(self.slots.len());
        self.listeners.reserve_exact(self.slots.len());
        for (i, (s, inst)) in self.slots.iter().zip(&self.instances).enumerate() {
            self.index.push((s.id, i));
            let c = inst.config();
            self.listeners.push(((s.rx_ifindex, c.family, c.vrid), i));
        }
        // (key, position) pairs are distinct: sorting them keeps
        // configuration order within a key.
        self.index.sort_unstable();
        self.listeners.sort_unstable();
        self.index.shrink_to_fit();
        self.listeners.shrink_to_fit();
    }

    /// The positions of the running instances listening on `key`, in
    /// configuration order.
    fn listening(&self, key: ListenKey) -> impl Iterator<Item = usize> + '_ {
        let from = self.listeners.partition_point(|&(k, _)| k < key);
        self.listeners
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(move |&&(k, _)| k == key)
            .map(|&(_, i)| i)
    }
}

impl<T> Default for Node<T> {
    /// A node without instances ([`Node::reconfigure`] adds them).
    fn default() -> Self {
        Node {
            instances: Vec::new(),
            slots: Vec::new(),
            groups: Vec::new(),
            group_reported: Vec::new(),
            retired: Vec::new(),
            queues: Queues::default(),
            unmatched: BTreeMap::new(),
            rx_advert: Box::new(Advertisement {
                version: crate::packet::Version::V3,
                vrid: 0,
                priority: 0,
                max_advert_int_cs: 0,
                auth: crate::packet::Auth::None,
                addresses: crate::packet::AddressList::new(),
            }),
            next_id: 0,
            arm_seq: 0,
            timers: BTreeSet::new(),
            index: Vec::new(),
            listeners: Vec::new(),
        }
    }
}

impl<T> Slot<T> {
    fn new(id: InstanceId, spec: InstanceSpec<T>) -> Self {
        Slot {
            id,
            ifindex: spec.ifindex,
            rx_ifindex: spec.ifindex,
            tx_ifindex: spec.ifindex,
            unicast_ttl: spec.unicast_ttl,
            group: None,
            drops: None,
            deadline: None,
            armed: 0,
            data: spec.data,
        }
    }
}
