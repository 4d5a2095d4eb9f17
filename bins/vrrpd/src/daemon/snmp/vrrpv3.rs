//! VRRPv3-MIB (RFC 6527, `mib-2.207`), read-only, as keepalived serves it
//! (vrrp_snmp.c `vrrp_rfcv3_snmp_opertable`, `vrrp_rfcv3_snmp_assoiptable`,
//! `vrrp_rfcv3_snmp_stats`, `vrrp_rfcv3_snmp_statstable`):
//!
//! * rows only for instances with at least one `virtual_ipaddress`
//!   (`suitable_for_rfc6527`), VRRPv2 ones included as in Debian's build
//!   (it answers RFC 6527 for v2 instances too);
//! * rows indexed by (base ifIndex, VRID, InetAddressType 1/2);
//! * the associated-address index appends the address's 4 or 16 bytes with
//!   no length sub-identifier (keepalived `vrrp_rfcv3_header_ar_table`);
//! * `vrrpv3OperationsPriority` is the configured priority, the master
//!   address is the interface's primary address while Master, the intervals
//!   are in centiseconds, the up-time counts from the instances' start;
//! * the router-wide error counters sum the instances' ones; discontinuity
//!   times are 0 (keepalived keeps none).

use std::net::IpAddr;

use agentx_subagent::{Oid, Value};
use vrrp_core::NewMasterReason;
use vrrp_core::packet::{DropReason, Family};

use super::mib::{MibInput, Table, truth};
use super::rows::{declare, rows};
use crate::daemon::status::InstanceSnapshot;

/// `vrrpv3MIB`: mib-2.207.
pub const ROOT: [u32; 7] = [1, 3, 6, 1, 2, 1, 207];

fn oid(tail: &[u32]) -> Oid {
    Oid::from(ROOT).child(tail)
}

/// RFC 6527 `vrrpv3StatisticsProtoErrReason`: ipTtlError(1),
/// versionError(2), checksumError(3) — the reasons keepalived's
/// `vrrp_check_packet` notifies (a unicast peer's TTL out of its bounds is
/// a TTL error too; vrIdError(4) is never sent: an advert for another VRID
/// reaches no instance).
pub fn proto_error_reason(r: DropReason) -> Option<i32> {
    match r {
        DropReason::BadTtl | DropReason::UnicastTtlOutOfRange => Some(1),
        DropReason::VersionMismatch => Some(2),
        DropReason::BadChecksum => Some(3),
        _ => None,
    }
}

/// `vrrpv3StatisticsNewMasterReason`.
pub fn new_master_reason(r: NewMasterReason) -> i32 {
    match r {
        NewMasterReason::NotMaster => 0,
        NewMasterReason::Priority => 1,
        NewMasterReason::Preempted => 2,
        NewMasterReason::MasterNoResponse => 3,
    }
}

fn inet_type(f: Family) -> u32 {
    match f {
        Family::V4 => 1,
        Family::V6 => 2,
    }
}

fn addr_bytes(a: IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn zero_addr(f: Family) -> Vec<u8> {
    match f {
        Family::V4 => vec![0; 4],
        Family::V6 => vec![0; 16],
    }
}

fn c64(n: u64) -> Value {
    Value::Counter64(n)
}

/// Adds VRRPv3-MIB's variables for `input` to `t`.
pub fn add(t: &mut Table, input: &MibInput<'_>) {
    let oper = |col: u32| oid(&[1, 1, 1, 1, col]);
    let assoc = oid(&[1, 1, 2, 1, 2]);
    let stats = |col: u32| oid(&[1, 2, 5, 1, col]);
    declare(t, &oid(&[1, 1, 1, 1]), 3..=13);
    t.declare(&assoc);
    declare(t, &oid(&[1, 2, 5, 1]), 1..=13);
    // suitable_for_rfc6527: at least one virtual_ipaddress
    let (rows, sums) = rows(input, |i| !i.vips.is_empty());
    for row in rows {
        let i = row.instance;
        let idx = [i.ifindex, u32::from(i.vrid), inet_type(i.family)];
        let c = &i.counters;
        let primary = addr_bytes(i.source_address);
        let master = if i.state == "MASTER" {
            primary.clone()
        } else {
            i.master_address
                .map_or_else(|| zero_addr(i.family), addr_bytes)
        };
        t.insert(&oper(3), &idx, Value::OctetString(master));
        t.insert(&oper(4), &idx, Value::OctetString(primary));
        if let Some(mac) = row.mac {
            t.insert(&oper(5), &idx, Value::OctetString(mac.to_vec()));
        }
        t.insert(&oper(6), &idx, Value::Integer(row.status));
        t.insert(&oper(7), &idx, Value::Gauge32(u32::from(i.base_priority)));
        let count = i32::try_from(i.vips.len()).unwrap_or(i32::MAX);
        t.insert(&oper(8), &idx, Value::Integer(count));
        let centis = i.advert_interval_ms / 10;
        t.insert(
            &oper(9),
            &idx,
            Value::Integer(i32::try_from(centis).unwrap_or(i32::MAX)),
        );
        t.insert(&oper(10), &idx, truth(i.preempt));
        t.insert(&oper(11), &idx, truth(i.accept));
        t.insert(&oper(12), &idx, row.up);
        // RowStatus active(1)
        t.insert(&oper(13), &idx, Value::Integer(1));
        for a in row.vips {
            let mut a_idx = idx.to_vec();
            a_idx.extend(addr_bytes(a).into_iter().map(u32::from));
            t.insert(&assoc, &a_idx, Value::Integer(1));
        }
        let transitions = u32::try_from(c.master_transitions).unwrap_or(u32::MAX);
        t.insert(&stats(1), &idx, Value::Counter32(transitions));
        t.insert(
            &stats(2),
            &idx,
            Value::Integer(new_master_reason(c.new_master_reason)),
        );
        t.insert(&stats(3), &idx, c64(c.rcvd_advertisements));
        t.insert(&stats(4), &idx, c64(c.adv_interval_errors));
        t.insert(&stats(5), &idx, c64(c.ip_ttl_errors));
        t.insert(&stats(6), &idx, Value::Integer(proto_err_reason(i)));
        t.insert(&stats(7), &idx, c64(c.rcvd_pri_zero_packets));
        t.insert(&stats(8), &idx, c64(c.sent_pri_zero_packets));
        t.insert(&stats(9), &idx, c64(c.rcvd_invalid_type_packets));
        t.insert(&stats(10), &idx, c64(c.address_list_errors));
        t.insert(&stats(11), &idx, c64(c.packet_length_errors));
        t.insert(&stats(12), &idx, Value::TimeTicks(0));
        // vrrpv3StatisticsRefreshRate in milliseconds, from centiseconds
        // as keepalived computes it.
        let refresh = u32::try_from(centis * 10).unwrap_or(u32::MAX);
        t.insert(&stats(13), &idx, Value::Gauge32(refresh));
    }
    t.insert(&oid(&[1, 2, 1]), &[0], c64(sums.checksum));
    t.insert(&oid(&[1, 2, 2]), &[0], c64(sums.version));
    t.insert(&oid(&[1, 2, 3]), &[0], c64(sums.vrid));
    t.insert(&oid(&[1, 2, 4]), &[0], Value::TimeTicks(0));
}

/// `vrrpv3StatisticsProtoErrReason`: the reason of the last advert rejected
/// for a TTL, version or checksum error, noError(0) before one (keepalived
/// keeps the last one, vrrp.c `vrrp_check_packet`).
fn proto_err_reason(i: &InstanceSnapshot) -> i32 {
    i.last_protocol_error
        .and_then(proto_error_reason)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use agentx_subagent::MibView;
    use vrrp_core::packet::Version;
    use vrrp_core::{Counters, NewMasterReason};

    use super::*;
    use crate::daemon::status::Snapshot;

    fn instance(name: &str, ifindex: u32, vrid: u8, state: &'static str) -> InstanceSnapshot {
        InstanceSnapshot {
            name: name.into(),
            vrid,
            version: Version::V3,
            family: Family::V4,
            interface: "eth0".into(),
            ifindex,
            mac: Some("02:00:00:00:00:01".into()),
            state,
            last_reason: None,
            base_priority: 150,
            preempt: true,
            accept: false,
            auth_type: 0,
            effective_priority: 150,
            advert_interval_ms: 1000,
            master_adver_interval_ms: 1000,
            master_address: Some("10.0.0.2".parse().unwrap()),
            master_priority: 100,
            source_address: "10.0.0.1".parse().unwrap(),
            unicast_peers: vec![],
            sync_group: None,
            vmac: None,
            vips: vec!["10.0.0.100/32".into(), "10.0.0.9/24".into()],
            installed_vips: vec![],
            routes_set: vec![],
            routes_held: vec![],
            counters: Counters {
                master_transitions: 2,
                new_master_reason: NewMasterReason::Preempted,
                rcvd_advertisements: 7,
                checksum_errors: 1,
                ..Counters::default()
            },
            last_protocol_error: Some(vrrp_core::packet::DropReason::BadChecksum),
            drops: BTreeMap::new(),
            transitions: BTreeMap::new(),
            bfd: Vec::new(),
            config: None,
        }
    }

    fn table(instances: Vec<InstanceSnapshot>) -> Table {
        let snapshot = Snapshot::of(instances);
        let mut t = Table::default();
        add(
            &mut t,
            &MibInput {
                snapshot: &snapshot,
                since_start: Duration::from_millis(4210),
                traps: false,
            },
        );
        t
    }

    fn get(t: &Table, s: &str) -> Value {
        t.get(&format!("1.3.6.1.2.1.207.{s}").parse().unwrap())
    }

    #[test]
    fn operations_row_of_a_master() {
        let mut backup = instance("B", 3, 9, "BACKUP");
        backup.vips.clear();
        let t = table(vec![instance("A", 3, 51, "MASTER"), backup]);
        let row = |col: u32| get(&t, &format!("1.1.1.1.{col}.3.51.1"));
        assert_eq!(row(3), Value::OctetString(vec![10, 0, 0, 1]));
        assert_eq!(row(4), Value::OctetString(vec![10, 0, 0, 1]));
        assert_eq!(row(5), Value::OctetString(vec![2, 0, 0, 0, 0, 1]));
        assert_eq!(row(6), Value::Integer(3));
        assert_eq!(row(7), Value::Gauge32(150));
        assert_eq!(row(8), Value::Integer(2));
        assert_eq!(row(9), Value::Integer(100));
        assert_eq!(row(10), Value::Integer(1));
        assert_eq!(row(11), Value::Integer(2));
        assert_eq!(row(12), Value::TimeTicks(421));
        assert_eq!(row(13), Value::Integer(1));
        // No VIP, no row.
        assert_eq!(get(&t, "1.1.1.1.6.3.9.1"), Value::NoSuchInstance);
        // Associated addresses: the address bytes without a length.
        assert_eq!(get(&t, "1.1.2.1.2.3.51.1.10.0.0.100"), Value::Integer(1));
        assert_eq!(get(&t, "1.1.2.1.2.3.51.1.10.0.0.9"), Value::Integer(1));
    }

    #[test]
    fn backup_shows_the_master_it_heard_and_statistics() {
        let t = table(vec![instance("A", 3, 51, "BACKUP")]);
        let st = |col: u32| get(&t, &format!("1.2.5.1.{col}.3.51.1"));
        assert_eq!(
            get(&t, "1.1.1.1.3.3.51.1"),
            Value::OctetString(vec![10, 0, 0, 2])
        );
        assert_eq!(get(&t, "1.1.1.1.6.3.51.1"), Value::Integer(2));
        assert_eq!(st(1), Value::Counter32(2));
        assert_eq!(st(2), Value::Integer(2));
        assert_eq!(st(3), Value::Counter64(7));
        assert_eq!(st(6), Value::Integer(3));
        assert_eq!(st(13), Value::Gauge32(1000));
        assert_eq!(get(&t, "1.2.1.0"), Value::Counter64(1));
        assert_eq!(get(&t, "1.2.4.0"), Value::TimeTicks(0));
    }

    #[test]
    fn fault_is_initialize_with_no_uptime_and_walk_is_ordered() {
        let mut v6 = instance("C", 2, 51, "FAULT");
        v6.family = Family::V6;
        v6.vips = vec!["2001:db8::1/64".into()];
        v6.master_address = None;
        let t = table(vec![instance("A", 3, 51, "MASTER"), v6]);
        assert_eq!(get(&t, "1.1.1.1.6.2.51.2"), Value::Integer(1));
        assert_eq!(get(&t, "1.1.1.1.12.2.51.2"), Value::TimeTicks(0));
        assert_eq!(get(&t, "1.1.1.1.3.2.51.2"), Value::OctetString(vec![0; 16]));
        let mut want = vec![2, 51, 2, 0x20, 1, 0xd, 0xb8];
        want.extend([0; 11]);
        want.push(1);
        assert_eq!(
            get(
                &t,
                &format!(
                    "1.1.2.1.2.{}",
                    want.iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(".")
                )
            ),
            Value::Integer(1)
        );
        // ifIndex 2 sorts before ifIndex 3 in every column.
        let first = t.get_next(&"1.3.6.1.2.1.207".parse().unwrap()).unwrap().0;
        assert_eq!(first.to_string(), "1.3.6.1.2.1.207.1.1.1.1.3.2.51.2");
        let names: Vec<String> = t.iter().map(|(k, _)| k.to_string()).collect();
        let mut sorted = names.clone();
        sorted.sort_by_key(|s| {
            s.split('.')
                .map(|x| x.parse::<u32>().unwrap())
                .collect::<Vec<_>>()
        });
        assert_eq!(names, sorted);
    }

    #[test]
    fn no_instance_leaves_the_router_counters() {
        let t = table(vec![]);
        let names: Vec<String> = t.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(
            names,
            [
                "1.3.6.1.2.1.207.1.2.1.0",
                "1.3.6.1.2.1.207.1.2.2.0",
                "1.3.6.1.2.1.207.1.2.3.0",
                "1.3.6.1.2.1.207.1.2.4.0"
            ]
        );
    }
}
