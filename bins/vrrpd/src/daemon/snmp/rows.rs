//! The walk both MIB tables share: the instances that have a row, each with
//! the values VRRP-MIB and VRRPv3-MIB compute alike (virtual MAC, RFC state,
//! up-time, addresses), and the router-wide error sums over those rows
//! (vrrp_snmp.c `vrrp_rfcv2_snmp_opertable`, `vrrp_rfcv3_snmp_opertable`,
//! `vrrp_rfcv2_snmp_stats`, `vrrp_rfcv3_snmp_stats`).

use std::net::IpAddr;
use std::ops::RangeInclusive;

use agentx_subagent::{Oid, Value};

use super::mib::{MibInput, Table, timeticks};
use crate::daemon::status::InstanceSnapshot;

/// One instance's row, with what both MIBs derive the same way.
#[derive(Debug)]
pub struct Row<'a> {
    /// The instance.
    pub instance: &'a InstanceSnapshot,
    /// The hardware address of the interface it runs on (its VMAC when it
    /// has one).
    pub mac: Option<[u8; 6]>,
    /// initialize(1), backup(2), master(3); FAULT shown as initialize
    /// (vrrp_snmp.c `vrrp_snmp_rfc_state`).
    pub status: i32,
    /// Up-time since the instances started, 0 unless Backup or Master.
    pub up: Value,
    /// The `virtual_ipaddress` addresses, without prefix length.
    pub vips: Vec<IpAddr>,
}

/// Router-wide error counters: the sums over the rows' instances.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sums {
    /// Checksum errors.
    pub checksum: u64,
    /// Version errors.
    pub version: u64,
    /// VRID errors.
    pub vrid: u64,
}

/// `aa:bb:cc:dd:ee:ff` as bytes.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = s.split(':');
    for b in &mut out {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

fn status(state: &str) -> i32 {
    match state {
        "BACKUP" => 2,
        "MASTER" => 3,
        _ => 1,
    }
}

/// The rows of the instances `suitable` keeps, in snapshot order, and the
/// sums of their error counters.
pub fn rows<'a>(
    input: &MibInput<'a>,
    suitable: impl Fn(&InstanceSnapshot) -> bool,
) -> (Vec<Row<'a>>, Sums) {
    let mut sums = Sums::default();
    let snapshot: &'a crate::daemon::status::Snapshot = input.snapshot;
    let rows = snapshot
        .instances
        .iter()
        .filter(|i| suitable(i))
        .map(|i| {
            let c = &i.counters;
            sums.checksum = sums.checksum.saturating_add(c.checksum_errors);
            sums.version = sums.version.saturating_add(c.version_errors);
            sums.vrid = sums.vrid.saturating_add(c.vrid_errors);
            let mac = match &i.vmac {
                Some(v) => parse_mac(&v.mac),
                None => i.mac.as_deref().and_then(parse_mac),
            };
            let up = if matches!(i.state, "MASTER" | "BACKUP") {
                timeticks(input.since_start)
            } else {
                Value::TimeTicks(0)
            };
            Row {
                instance: i,
                mac,
                status: status(i.state),
                up,
                vips: i
                    .vips
                    .iter()
                    .filter_map(|v| v.split('/').next()?.parse().ok())
                    .collect(),
            }
        })
        .collect();
    (rows, sums)
}

/// Declares columns `columns` of the table entry `entry`, so that a Get of
/// a missing row says noSuchInstance.
pub fn declare(t: &mut Table, entry: &Oid, columns: RangeInclusive<u32>) {
    t.declare_columns(entry, columns);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs() {
        assert_eq!(
            parse_mac("02:00:5e:00:01:33"),
            Some([2, 0, 0x5e, 0, 1, 0x33])
        );
        assert_eq!(parse_mac("02:00:5e:00:01"), None);
        assert_eq!(parse_mac("02:00:5e:00:01:33:44"), None);
        assert_eq!(parse_mac("zz:00:5e:00:01:33"), None);
    }

    #[test]
    fn states() {
        assert_eq!(status("MASTER"), 3);
        assert_eq!(status("BACKUP"), 2);
        assert_eq!(status("FAULT"), 1);
        assert_eq!(status("INIT"), 1);
    }
}
