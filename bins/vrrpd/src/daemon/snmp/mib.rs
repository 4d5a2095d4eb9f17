//! An ordered OID → value table built from one status snapshot: what the
//! AgentX session answers Get, GetNext and GetBulk from.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::time::Duration;

use agentx_subagent::{MibView, Oid, Value};

use crate::daemon::status::Snapshot;

/// What the MIB view is computed from: the daemon's status snapshot and the
/// time since the instances started.
#[derive(Debug)]
pub struct MibInput<'a> {
    /// The instances, as `vrrpd status` shows them.
    pub snapshot: &'a Snapshot,
    /// Time since the instances were started or last reloaded (keepalived
    /// resets every instance's up-time there: vrrp_scheduler.c
    /// `vrrp_init_state`).
    pub since_start: Duration,
    /// `enable_traps`: VRRP-MIB's `vrrpNotificationCntl` says enabled
    /// (vrrp_snmp.c `vrrp_rfcv2_snmp_node_info`).
    pub traps: bool,
}

/// The variables served, in lexicographic order, and the objects (scalars
/// and table columns, without instance part) they belong to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Table {
    vars: BTreeMap<Oid, Value>,
    objects: BTreeSet<Oid>,
}

impl Table {
    /// Adds the instance `index` of `object`.
    pub fn insert(&mut self, object: &Oid, index: &[u32], value: Value) {
        self.objects.insert(object.clone());
        self.vars.insert(object.child(index), value);
    }

    /// Declares an object with possibly no instance yet (a column of an
    /// empty table), so that a Get of it says noSuchInstance.
    pub fn declare(&mut self, object: &Oid) {
        self.objects.insert(object.clone());
    }

    /// Every variable, in order.
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = (&Oid, &Value)> {
        self.vars.iter()
    }
}

impl MibView for Table {
    fn get(&self, oid: &Oid) -> Value {
        if let Some(v) = self.vars.get(oid) {
            return v.clone();
        }
        // RFC 2741 §7.2.3.1: an object we serve but not this instance of it
        // is noSuchInstance; anything else noSuchObject.
        if self
            .objects
            .iter()
            .any(|o| oid.starts_with(o) && oid.0.len() > o.0.len())
        {
            Value::NoSuchInstance
        } else {
            Value::NoSuchObject
        }
    }

    fn get_next(&self, oid: &Oid) -> Option<(Oid, Value)> {
        self.vars
            .range((Bound::Excluded(oid.clone()), Bound::Unbounded))
            .next()
            .map(|(k, v)| (k.clone(), v.clone()))
    }
}

/// RFC 2579 TruthValue: true(1), false(2) (keepalived snmp.h `SNMP_TruthValue`).
pub fn truth(b: bool) -> Value {
    Value::Integer(if b { 1 } else { 2 })
}

/// Centiseconds as TimeTicks, saturating.
pub fn timeticks(d: Duration) -> Value {
    Value::TimeTicks(u32::try_from(d.as_millis() / 10).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_and_get_next_follow_oid_order() {
        let col: Oid = "1.3.6.1.2.1.207.1.1.1.1.6".parse().unwrap();
        let mut t = Table::default();
        t.insert(&col, &[3, 51, 1], Value::Integer(3));
        t.insert(&col, &[2, 9, 1], Value::Integer(2));
        t.declare(&"1.3.6.1.2.1.207.1.1.2.1.2".parse().unwrap());
        assert_eq!(t.get(&col.child(&[3, 51, 1])), Value::Integer(3));
        assert_eq!(t.get(&col.child(&[3, 52, 1])), Value::NoSuchInstance);
        assert_eq!(
            t.get(&"1.3.6.1.2.1.207.1.1.2.1.2.1".parse().unwrap()),
            Value::NoSuchInstance
        );
        assert_eq!(t.get(&col), Value::NoSuchObject);
        let (first, _) = t.get_next(&col).unwrap();
        assert_eq!(first, col.child(&[2, 9, 1]));
        let (second, _) = t.get_next(&first).unwrap();
        assert_eq!(second, col.child(&[3, 51, 1]));
        assert_eq!(t.get_next(&second), None);
        assert_eq!(t.iter().count(), 2);
    }

    #[test]
    fn truth_and_ticks() {
        assert_eq!(truth(true), Value::Integer(1));
        assert_eq!(truth(false), Value::Integer(2));
        assert_eq!(
            timeticks(Duration::from_millis(12_345)),
            Value::TimeTicks(1234)
        );
    }
}
