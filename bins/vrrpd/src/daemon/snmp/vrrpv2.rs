//! VRRP-MIB (RFC 2787, `mib-2.68`), read-only, as keepalived serves it
//! (vrrp_snmp.c `vrrp_rfcv2_snmp_node_info`, `vrrp_rfcv2_snmp_opertable`,
//! `vrrp_rfcv2_snmp_assoiptable`, `vrrp_rfcv2_snmp_stats`,
//! `vrrp_rfcv2_snmp_statstable`):
//!
//! * rows only for VRRPv2 IPv4 instances with at least one
//!   `virtual_ipaddress` (`suitable_for_rfc2787`), indexed by (base
//!   ifIndex, VRID); associated addresses append the address's 4 bytes;
//! * `vrrpOperMasterIpAddr` is the source of the last advert heard, which
//!   keepalived keeps while Master too; vrrpd shows 0.0.0.0 while Master
//!   (keepalived's value when it never heard another router);
//! * the authentication key is never readable; the advert interval is in
//!   seconds; every statistic is a Counter32;
//! * `vrrpNotificationCntl` is enabled(1) with `enable_traps`, else
//!   disabled(2) (the notifications themselves: [`super::traps`]);
//! * every row is served (keepalived's walk shows only the first row of the
//!   operations and statistics tables, see docs/keepalived.md §3.33).

use std::net::IpAddr;

use agentx_subagent::{Oid, Value};
use vrrp_core::packet::{Family, Version};

use super::mib::{MibInput, Table, truth};
use super::rows::{declare, rows};
use crate::daemon::status::InstanceSnapshot;

/// `vrrpMIB`: mib-2.68.
pub const ROOT: [u32; 7] = [1, 3, 6, 1, 2, 1, 68];

fn oid(tail: &[u32]) -> Oid {
    Oid::from(ROOT).child(tail)
}

fn v4(a: Option<IpAddr>) -> [u8; 4] {
    match a {
        Some(IpAddr::V4(a)) => a.octets(),
        _ => [0; 4],
    }
}

fn c32(n: u64) -> Value {
    // Counter32 wraps (RFC 2578 §7.1.6)
    Value::Counter32(u32::try_from(n & u64::from(u32::MAX)).unwrap_or(0))
}

fn suitable(i: &InstanceSnapshot) -> bool {
    i.version == Version::V2 && i.family == Family::V4 && !i.vips.is_empty()
}

/// Adds VRRP-MIB's variables for `input` to `t`.
pub fn add(t: &mut Table, input: &MibInput<'_>) {
    let oper = |col: u32| oid(&[1, 3, 1, col]);
    let assoc = oid(&[1, 4, 1, 2]);
    let stats = |col: u32| oid(&[2, 4, 1, col]);
    declare(t, &oid(&[1, 3, 1]), 2..=15);
    t.declare(&assoc);
    declare(t, &oid(&[2, 4, 1]), 1..=12);
    // vrrpNodeVersion 2; vrrpNotificationCntl enabled(1) with
    // enable_traps, else disabled(2)
    t.insert(&oid(&[1, 1]), &[0], Value::Integer(2));
    let cntl = if input.traps { 1 } else { 2 };
    t.insert(&oid(&[1, 2]), &[0], Value::Integer(cntl));
    let (rows, sums) = rows(input, suitable);
    for row in rows {
        let i = row.instance;
        let idx = [i.ifindex, u32::from(i.vrid)];
        let c = &i.counters;
        if let Some(mac) = row.mac {
            t.insert(&oper(2), &idx, Value::OctetString(mac.to_vec()));
        }
        t.insert(&oper(3), &idx, Value::Integer(row.status));
        // vrrpOperAdminState up(1)
        t.insert(&oper(4), &idx, Value::Integer(1));
        t.insert(&oper(5), &idx, Value::Integer(i32::from(i.base_priority)));
        let count = i32::try_from(i.vips.len()).unwrap_or(i32::MAX);
        t.insert(&oper(6), &idx, Value::Integer(count));
        let master = if i.state == "MASTER" {
            [0; 4]
        } else {
            v4(i.master_address)
        };
        t.insert(&oper(7), &idx, Value::IpAddress(master));
        t.insert(&oper(8), &idx, Value::IpAddress(v4(Some(i.source_address))));
        // vrrpOperAuthType: noAuthentication(1), simpleTextPassword(2),
        // ipAuthenticationHeader(3)
        t.insert(&oper(9), &idx, Value::Integer(i32::from(i.auth_type) + 1));
        let secs = i.advert_interval_ms / 1000;
        t.insert(
            &oper(11),
            &idx,
            Value::Integer(i32::try_from(secs).unwrap_or(i32::MAX)),
        );
        t.insert(&oper(12), &idx, truth(i.preempt));
        t.insert(&oper(13), &idx, row.up);
        // vrrpOperProtocol ip(1), vrrpOperRowStatus active(1)
        t.insert(&oper(14), &idx, Value::Integer(1));
        t.insert(&oper(15), &idx, Value::Integer(1));
        for vip in &row.vips {
            if let IpAddr::V4(a) = vip {
                let mut a_idx = idx.to_vec();
                a_idx.extend(a.octets().into_iter().map(u32::from));
                t.insert(&assoc, &a_idx, Value::Integer(1));
            }
        }
        t.insert(&stats(1), &idx, c32(c.master_transitions));
        t.insert(&stats(2), &idx, c32(c.rcvd_advertisements));
        t.insert(&stats(3), &idx, c32(c.adv_interval_errors));
        t.insert(&stats(4), &idx, c32(c.auth_failures));
        t.insert(&stats(5), &idx, c32(c.ip_ttl_errors));
        t.insert(&stats(6), &idx, c32(c.rcvd_pri_zero_packets));
        t.insert(&stats(7), &idx, c32(c.sent_pri_zero_packets));
        t.insert(&stats(8), &idx, c32(c.rcvd_invalid_type_packets));
        t.insert(&stats(9), &idx, c32(c.address_list_errors));
        t.insert(&stats(10), &idx, c32(c.auth_invalid_type));
        t.insert(&stats(11), &idx, c32(c.auth_type_mismatch));
        t.insert(&stats(12), &idx, c32(c.packet_length_errors));
    }
    t.insert(&oid(&[2, 1]), &[0], c32(sums.checksum));
    t.insert(&oid(&[2, 2]), &[0], c32(sums.version));
    t.insert(&oid(&[2, 3]), &[0], c32(sums.vrid));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use agentx_subagent::MibView;
    use vrrp_core::Counters;

    use super::*;
    use crate::daemon::status::Snapshot;

    fn instance(vrid: u8, version: Version, state: &'static str) -> InstanceSnapshot {
        InstanceSnapshot {
            name: format!("I{vrid}"),
            vrid,
            version,
            family: Family::V4,
            interface: "eth0".into(),
            ifindex: 2,
            mac: Some("02:00:00:00:00:09".into()),
            state,
            last_reason: None,
            base_priority: 120,
            preempt: false,
            accept: false,
            auth_type: 1,
            effective_priority: 120,
            advert_interval_ms: 3000,
            master_adver_interval_ms: 3000,
            master_address: Some("10.0.0.2".parse().unwrap()),
            master_priority: 100,
            source_address: "10.0.0.1".parse().unwrap(),
            unicast_peers: vec![],
            sync_group: None,
            vmac: None,
            vips: vec!["10.0.0.100/32".into()],
            installed_vips: vec![],
            routes_set: vec![],
            routes_held: vec![],
            counters: Counters {
                auth_failures: 4,
                version_errors: 2,
                ..Counters::default()
            },
            last_protocol_error: None,
            drops: BTreeMap::new(),
            transitions: BTreeMap::new(),
            bfd: Vec::new(),
            config: None,
        }
    }

    fn table(instances: Vec<InstanceSnapshot>) -> Table {
        table_with(instances, false)
    }

    fn table_with(instances: Vec<InstanceSnapshot>, traps: bool) -> Table {
        let snapshot = Snapshot::of(instances);
        let mut t = Table::default();
        add(
            &mut t,
            &MibInput {
                snapshot: &snapshot,
                since_start: Duration::from_secs(2),
                traps,
            },
        );
        t
    }

    fn get(t: &Table, s: &str) -> Value {
        t.get(&format!("1.3.6.1.2.1.68.{s}").parse().unwrap())
    }

    /// vrrp_snmp.c `vrrp_rfcv2_snmp_node_info`: enabled(1) with
    /// `enable_traps`, disabled(2) without.
    #[test]
    fn notification_cntl_follows_enable_traps() {
        assert_eq!(get(&table(vec![]), "1.2.0"), Value::Integer(2));
        assert_eq!(get(&table_with(vec![], true), "1.2.0"), Value::Integer(1));
    }

    #[test]
    fn v2_ipv4_rows_only() {
        let mut v6 = instance(3, Version::V2, "BACKUP");
        v6.family = Family::V6;
        let t = table(vec![
            instance(1, Version::V2, "BACKUP"),
            instance(2, Version::V3, "BACKUP"),
            v6,
        ]);
        assert_eq!(get(&t, "1.3.1.3.2.1"), Value::Integer(2));
        assert_eq!(get(&t, "1.3.1.3.2.2"), Value::NoSuchInstance);
        assert_eq!(get(&t, "1.3.1.3.2.3"), Value::NoSuchInstance);
        assert_eq!(get(&t, "1.1.0"), Value::Integer(2));
        assert_eq!(get(&t, "2.2.0"), Value::Counter32(2));
    }

    #[test]
    fn operations_and_statistics_of_a_backup() {
        let t = table(vec![instance(7, Version::V2, "BACKUP")]);
        let op = |col: u32| get(&t, &format!("1.3.1.{col}.2.7"));
        assert_eq!(op(2), Value::OctetString(vec![2, 0, 0, 0, 0, 9]));
        assert_eq!(op(5), Value::Integer(120));
        assert_eq!(op(7), Value::IpAddress([10, 0, 0, 2]));
        assert_eq!(op(8), Value::IpAddress([10, 0, 0, 1]));
        assert_eq!(op(9), Value::Integer(2));
        assert_eq!(op(10), Value::NoSuchInstance);
        assert_eq!(op(11), Value::Integer(3));
        assert_eq!(op(12), Value::Integer(2));
        assert_eq!(op(13), Value::TimeTicks(200));
        assert_eq!(get(&t, "1.4.1.2.2.7.10.0.0.100"), Value::Integer(1));
        assert_eq!(get(&t, "2.4.1.4.2.7"), Value::Counter32(4));
    }

    #[test]
    fn master_shows_no_master_address() {
        let t = table(vec![instance(7, Version::V2, "MASTER")]);
        assert_eq!(get(&t, "1.3.1.7.2.7"), Value::IpAddress([0; 4]));
        assert_eq!(get(&t, "1.3.1.3.2.7"), Value::Integer(3));
    }
}
