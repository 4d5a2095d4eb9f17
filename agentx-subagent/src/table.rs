//! An ordered OID → value table: what a subagent answers Get, GetNext and
//! GetBulk from when it builds its whole view from one snapshot of its
//! state, and the value encodings the textual conventions it serves share
//! (RFC 2579 TruthValue, TimeTicks, RFC 4001 InetAddressType and
//! InetAddress).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::ops::{Bound, RangeInclusive};
use std::time::Duration;

use crate::pdu::{Oid, Value};
use crate::session::MibView;

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

    /// Declares columns `columns` of the table entry `entry`, so that a Get
    /// of a missing row says noSuchInstance.
    pub fn declare_columns(&mut self, entry: &Oid, columns: RangeInclusive<u32>) {
        for col in columns {
            self.declare(&entry.child(&[col]));
        }
    }

    /// Every variable, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Oid, &Value)> {
        self.vars.iter()
    }

    /// The value of the variable `oid`, if it is served.
    pub fn value(&self, oid: &Oid) -> Option<&Value> {
        self.vars.get(oid)
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

/// RFC 2579 TruthValue: true(1), false(2).
pub fn truth(b: bool) -> Value {
    Value::Integer(if b { 1 } else { 2 })
}

/// Centiseconds as TimeTicks, saturating.
pub fn timeticks(d: Duration) -> Value {
    Value::TimeTicks(u32::try_from(d.as_millis() / 10).unwrap_or(u32::MAX))
}

/// RFC 4001 InetAddressType of an address: ipv4(1), ipv6(2).
pub fn inet_address_type(a: &IpAddr) -> Value {
    Value::Integer(if a.is_ipv4() { 1 } else { 2 })
}

/// RFC 4001 InetAddress of an address: its 4 or 16 bytes.
pub fn inet_address(a: &IpAddr) -> Value {
    match a {
        IpAddr::V4(v4) => Value::OctetString(v4.octets().to_vec()),
        IpAddr::V6(v6) => Value::OctetString(v6.octets().to_vec()),
    }
}

/// A string as an OCTET STRING.
pub fn text(s: &str) -> Value {
    Value::OctetString(s.as_bytes().to_vec())
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
        assert_eq!(t.value(&first), Some(&Value::Integer(2)));
    }

    #[test]
    fn declared_columns_answer_no_such_instance() {
        let entry: Oid = "1.3.6.1.4.1.9586.100.5.3.4.1".parse().unwrap();
        let mut t = Table::default();
        t.declare_columns(&entry, 2..=3);
        assert_eq!(t.get(&entry.child(&[2, 1, 1])), Value::NoSuchInstance);
        assert_eq!(t.get(&entry.child(&[4, 1, 1])), Value::NoSuchObject);
    }

    #[test]
    fn encodings() {
        assert_eq!(truth(true), Value::Integer(1));
        assert_eq!(truth(false), Value::Integer(2));
        assert_eq!(
            timeticks(Duration::from_millis(12_345)),
            Value::TimeTicks(1234)
        );
        let v4: IpAddr = "10.0.0.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(inet_address_type(&v4), Value::Integer(1));
        assert_eq!(inet_address_type(&v6), Value::Integer(2));
        assert_eq!(inet_address(&v4), Value::OctetString(vec![10, 0, 0, 1]));
        assert_eq!(
            inet_address(&v6),
            Value::OctetString(
                v6.to_string()
                    .parse::<std::net::Ipv6Addr>()
                    .unwrap()
                    .octets()
                    .to_vec()
            )
        );
        assert_eq!(text("ab"), Value::OctetString(b"ab".to_vec()));
    }
}
