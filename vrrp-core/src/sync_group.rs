//! keepalived's `vrrp_sync_group`: instances that change state together
//! (docs/keepalived.md §3.16).
//!
//! The group does not own its instances: keep them in one slice, pass
//! member indices, and call [`SyncGroup::sync`] after every input given to
//! any member. `sync` may call members, so drain their actions after it.
//! [`crate::Node`] does all of that (it is what `vrrpd` and the simulator
//! drive).
//!
//! Rules, as `vrrp_sync.c` implements them:
//! * a member whose Master_Down_Timer fires does not become Master by itself;
//!   it marks that it wants Master and re-arms its timer. When every member
//!   wants Master, all go Master together;
//! * one member becoming Master (address owner, ...) forces all to Master;
//! * one member going Master → Backup forces all Masters to Backup;
//! * one member in Fault forces all to Fault; the group leaves Fault only
//!   when no member has a fault of its own.

use alloc::{string::String, vec::Vec};

use crate::instance::Instance;
use crate::state::State;
use crate::time::Instant;

/// A misconfigured group (the caller is at fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyncGroupError {
    /// No members.
    #[error("sync group {0} has no members")]
    Empty(String),
    /// A member index outside the instance slice.
    #[error("sync group member index {0} out of range")]
    OutOfRange(usize),
    /// An instance listed twice.
    #[error("instance index {0} listed twice")]
    Duplicate(usize),
}

/// A sync group over indices into the caller's instance slice.
#[derive(Debug, Clone)]
pub struct SyncGroup {
    name: String,
    members: Vec<usize>,
    last: Vec<State>,
}

impl SyncGroup {
    /// Creates the group and marks the members (their down timers now only
    /// request Master from the group).
    pub fn new(
        name: impl Into<String>,
        members: Vec<usize>,
        instances: &mut [Instance],
    ) -> Result<Self, SyncGroupError> {
        let name = name.into();
        if members.is_empty() {
            return Err(SyncGroupError::Empty(name));
        }
        for (k, &m) in members.iter().enumerate() {
            if m >= instances.len() {
                return Err(SyncGroupError::OutOfRange(m));
            }
            if members[..k].contains(&m) {
                return Err(SyncGroupError::Duplicate(m));
            }
        }
        let mut last = Vec::with_capacity(members.len());
        for &m in &members {
            if let Some(i) = instances.get_mut(m) {
                i.set_sync_member(true);
                last.push(i.state());
            }
        }
        Ok(SyncGroup {
            name,
            members,
            last,
        })
    }

    /// Group name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Member indices.
    pub fn members(&self) -> &[usize] {
        &self.members
    }

    /// The group state: Fault if any member is, else Master if any member
    /// is, else Backup if any member is, else the first member's state.
    pub fn state(&self, instances: &[Instance]) -> State {
        let states = || {
            self.members
                .iter()
                .filter_map(|&m| instances.get(m))
                .map(Instance::state)
        };
        for s in [State::Fault, State::Master, State::Backup] {
            if states().any(|x| x == s) {
                return s;
            }
        }
        states().next().unwrap_or(State::Initialize)
    }

    /// Applies the group rules after input to any member.
    pub fn sync(&mut self, now: Instant, instances: &mut [Instance]) {
        // A handful of rounds suffice: each round can only move members
        // towards the group's decision.
        for _ in 0..4 {
            let mut changed = false;
            let any_own_fault = self
                .members
                .iter()
                .filter_map(|&m| instances.get(m))
                .any(Instance::has_own_fault);
            for &m in &self.members {
                if let Some(i) = instances.get_mut(m) {
                    i.set_sync_fault(now, any_own_fault);
                }
            }
            let mut went_master = false;
            let mut left_master = false;
            for (k, &m) in self.members.iter().enumerate() {
                let (Some(i), Some(prev)) = (instances.get(m), self.last.get(k)) else {
                    continue;
                };
                let s = i.state();
                went_master |= s == State::Master && *prev != State::Master;
                left_master |= *prev == State::Master && s == State::Backup;
            }
            let all_want = self
                .members
                .iter()
                .filter_map(|&m| instances.get(m))
                .all(|i| i.state() == State::Backup && i.wants_master());
            for (k, &m) in self.members.iter().enumerate() {
                let Some(i) = instances.get_mut(m) else {
                    continue;
                };
                if went_master || all_want {
                    i.sync_force_master(now);
                } else if left_master {
                    i.sync_force_backup(now);
                }
                if let Some(prev) = self.last.get_mut(k) {
                    changed |= *prev != i.state();
                    *prev = i.state();
                }
            }
            if !changed {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InstanceConfig;
    use crate::packet::Version;

    fn insts(n: u8) -> Vec<Instance> {
        (1..=n)
            .map(|v| {
                Instance::new(InstanceConfig::new(
                    "VI",
                    v,
                    Version::V3,
                    "10.0.0.1".parse().unwrap(),
                ))
                .unwrap()
            })
            .collect()
    }

    #[test]
    fn rejects_bad_member_lists() {
        let mut v = insts(2);
        assert!(matches!(
            SyncGroup::new("g", vec![], &mut v),
            Err(SyncGroupError::Empty(_))
        ));
        assert_eq!(
            SyncGroup::new("g", vec![0, 2], &mut v).unwrap_err(),
            SyncGroupError::OutOfRange(2)
        );
        assert_eq!(
            SyncGroup::new("g", vec![1, 1], &mut v).unwrap_err(),
            SyncGroupError::Duplicate(1)
        );
    }

    #[test]
    fn members_wait_for_each_other_then_fault_together() {
        use crate::state::Event;
        let mut v = insts(2);
        let mut g = SyncGroup::new("g", vec![0, 1], &mut v).unwrap();
        let t0 = Instant::ZERO;
        v[0].handle_event(t0, Event::Startup);
        g.sync(t0, &mut v);
        // Only member 0 started: its down timer fires but it must wait.
        let t = v[0].poll_timeout().unwrap();
        v[0].handle_timeout(t);
        g.sync(t, &mut v);
        assert_eq!(v[0].state(), State::Backup);
        assert!(v[0].wants_master());
        v[1].handle_event(t, Event::Startup);
        let t2 = v[1].poll_timeout().unwrap();
        v[1].handle_timeout(t2);
        g.sync(t2, &mut v);
        assert_eq!((v[0].state(), v[1].state()), (State::Master, State::Master));
        assert_eq!(g.state(&v), State::Master);
        v[1].handle_event(t2, Event::FaultOn);
        g.sync(t2, &mut v);
        assert_eq!((v[0].state(), v[1].state()), (State::Fault, State::Fault));
        v[1].handle_event(t2, Event::FaultOff);
        g.sync(t2, &mut v);
        assert_eq!((v[0].state(), v[1].state()), (State::Backup, State::Backup));
    }
}
