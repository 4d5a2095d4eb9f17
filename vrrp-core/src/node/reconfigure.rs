//! Building a node's instances and groups, and reloading them: old and new
//! instances are matched as keepalived's reload does (`vrrp_data.c`
//! `clear_diff_vrrp` / `vrrp_exist`: same interface, family, VRID and
//! unicast, or multicast to the same group), unchanged ones keep running untouched, changed ones
//! keep their state, the rest restart.

use alloc::{
    string::{String, ToString},
    vec,
    vec::Vec,
};

use alloc::collections::{BTreeMap, VecDeque};

use super::{Carry, Node, NodeConfig, NodeError, Reconfigured, Slot};
use crate::config::InstanceConfig;
use crate::instance::Instance;
use crate::packet::Family;
use crate::state::{Event, State};
use crate::sync_group::SyncGroupError;
use crate::time::Instant;

/// The instances of a configuration, built and checked, and each one's
/// group.
pub(super) struct Built {
    pub(super) instances: Vec<Instance>,
    pub(super) group_of: Vec<Option<usize>>,
}

/// Builds every instance and checks every group, so that nothing fails
/// after the node started changing.
pub(super) fn build<T>(config: &NodeConfig<T>) -> Result<Built, NodeError> {
    let mut instances = Vec::with_capacity(config.instances.len());
    for spec in &config.instances {
        let inst = Instance::new(spec.config.clone()).map_err(|source| NodeError::Instance {
            name: spec.config.name.clone(),
            source,
        })?;
        instances.push(inst);
    }
    let mut group_of = vec![None; instances.len()];
    for (g, (name, members)) in config.sync_groups.iter().enumerate() {
        let fail = |source| NodeError::SyncGroup {
            name: name.clone(),
            source,
        };
        if members.is_empty() {
            return Err(fail(SyncGroupError::Empty(name.clone())));
        }
        for (k, &m) in members.iter().enumerate() {
            if members[..k].contains(&m) {
                return Err(fail(SyncGroupError::Duplicate(m)));
            }
            match group_of.get_mut(m) {
                None => return Err(fail(SyncGroupError::OutOfRange(m))),
                Some(Some(_)) => return Err(NodeError::TwoGroups(m)),
                Some(slot) => *slot = Some(g),
            }
        }
    }
    Ok(Built {
        instances,
        group_of,
    })
}

/// Interface, family, VRID and the multicast group (`None`: unicast).
type Key = (u32, Family, u8, Option<core::net::IpAddr>);

/// An old instance with its slot and sync group name, until matched.
type Old<T> = (Instance, Slot<T>, Option<String>);

fn key(ifindex: u32, inst: &Instance) -> Key {
    let c = inst.config();
    let group = c.unicast_peers.is_empty().then(|| c.multicast_group());
    (ifindex, c.family, c.vrid, group)
}

impl<T> Node<T> {
    /// Applies a new configuration at `now` (keepalived's reload).
    ///
    /// Each new instance takes over the first old one with the same
    /// interface, family, VRID and unicast, or multicast to the same group. The node's verdict
    /// on the pair: [`Carry::Restart`] when the sync group (by name) or the
    /// version differs, [`Carry::Keep`] when the configuration, interface
    /// and unicast TTL are equal, else [`Carry::Reconfigure`]. `carry` gives
    /// the caller's verdict on the old and the new instance, each as its
    /// (validated) configuration and the caller's data; the stricter wins.
    /// The configuration is there so that the caller's data need not repeat
    /// any of it.
    /// Kept instances keep everything; reconfigured ones keep their state
    /// ([`Instance::reconfigure`]), counters and [`Node::set_paths`];
    /// restarted, removed and unmatched old instances are shut down (their
    /// outputs queued: priority 0 from a Master, VIPs removed) and retired.
    /// New instances are not started.
    ///
    /// On error nothing changed.
    pub fn reconfigure(
        &mut self,
        now: Instant,
        config: NodeConfig<T>,
        mut carry: impl FnMut((&InstanceConfig, &T), (&InstanceConfig, &T)) -> Carry,
    ) -> Result<Reconfigured<T>, NodeError> {
        let built = build(&config)?;
        let group_name = |groups: &[(String, Vec<usize>)], g: Option<usize>| {
            g.and_then(|g| groups.get(g)).map(|(n, _)| n.clone())
        };
        let reported: BTreeMap<String, State> = self
            .groups
            .iter()
            .zip(&self.group_reported)
            .filter_map(|(g, s)| Some((g.name().to_string(), (*s)?)))
            .collect();
        let old_group: Vec<Option<String>> = self
            .slots
            .iter()
            .map(|s| {
                s.group
                    .and_then(|g| self.groups.get(g))
                    .map(|g| g.name().to_string())
            })
            .collect();
        let mut old: Vec<Option<Old<T>>> = self
            .instances
            .drain(..)
            .zip(self.slots.drain(..))
            .zip(old_group)
            .map(|((i, s), g)| Some((i, s, g)))
            .collect();
        // The old instances by key, each key's in their order: a lookup per
        // new instance instead of a scan of the old ones (1,000 instances
        // were half a million comparisons).
        let mut waiting: BTreeMap<Key, VecDeque<usize>> = BTreeMap::new();
        for (p, o) in old.iter().enumerate() {
            if let Some((i, s, _)) = o {
                waiting.entry(key(s.ifindex, i)).or_default().push_back(p);
            }
        }
        let mut report = Reconfigured {
            kept: Vec::new(),
            reconfigured: Vec::new(),
            fresh: Vec::new(),
            retired: Vec::new(),
            refused: Vec::new(),
        };
        let specs = config.instances.into_iter().zip(built.instances);
        for (j, (spec, new_inst)) in specs.enumerate() {
            let new_group = group_name(
                &config.sync_groups,
                built.group_of.get(j).copied().flatten(),
            );
            let k = key(spec.ifindex, &new_inst);
            let matched = waiting
                .get_mut(&k)
                .and_then(|positions| positions.pop_front())
                .and_then(|p| old.get_mut(p)?.take());
            let Some((mut oi, os, og)) = matched else {
                let id = self.new_id();
                report.fresh.push(id);
                self.instances.push(new_inst);
                self.slots.push(Slot::new(id, spec));
                continue;
            };
            let ours = if og != new_group || oi.config().version != new_inst.config().version {
                Carry::Restart
            } else if oi.config() == new_inst.config()
                && os.ifindex == spec.ifindex
                && os.unicast_ttl == spec.unicast_ttl
            {
                Carry::Keep
            } else {
                Carry::Reconfigure
            };
            let verdict = ours.max(carry(
                (oi.config(), &os.data),
                (new_inst.config(), &spec.data),
            ));
            match verdict {
                Carry::Keep => {
                    report.kept.push(os.id);
                    self.instances.push(oi);
                    self.slots.push(os);
                }
                Carry::Reconfigure => match oi.reconfigure(now, spec.config.clone()) {
                    Ok(()) => {
                        let mut ns = Slot::new(os.id, spec);
                        ns.rx_ifindex = os.rx_ifindex;
                        ns.tx_ifindex = os.tx_ifindex;
                        ns.drops = os.drops;
                        ns.deadline = os.deadline;
                        ns.armed = os.armed;
                        report.reconfigured.push((os.id, os.data));
                        self.instances.push(oi);
                        self.slots.push(ns);
                    }
                    Err(e) => {
                        report.refused.push((oi.name().to_string(), e));
                        self.retire(now, oi, os, &mut report);
                        let id = self.new_id();
                        report.fresh.push(id);
                        self.instances.push(new_inst);
                        self.slots.push(Slot::new(id, spec));
                    }
                },
                Carry::Restart => {
                    self.retire(now, oi, os, &mut report);
                    let id = self.new_id();
                    report.fresh.push(id);
                    self.instances.push(new_inst);
                    self.slots.push(Slot::new(id, spec));
                }
            }
        }
        for (oi, os, _) in old.into_iter().flatten() {
            self.retire(now, oi, os, &mut report);
        }
        self.set_groups(&config.sync_groups, &built.group_of, &reported);
        self.reindex();
        // Reconfigured instances may have changed priority, fault state
        // and timers: their outputs and their groups' rules follow.
        for i in 0..self.instances.len() {
            self.step(now, i);
        }
        Ok(report)
    }

    /// Shuts an old instance down, queues its outputs, keeps it until
    /// [`Node::take_retired`].
    fn retire(
        &mut self,
        now: Instant,
        mut inst: Instance,
        slot: Slot<T>,
        report: &mut Reconfigured<T>,
    ) {
        if let Some(t) = slot.deadline {
            self.timers.remove(&(t, slot.armed, slot.id));
        }
        inst.handle_event(now, Event::Shutdown);
        self.queues.drain(&mut inst, &slot);
        report.retired.push(slot.id);
        self.retired.push((inst, slot));
    }
}
