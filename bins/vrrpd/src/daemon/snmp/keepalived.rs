//! KEEPALIVED-MIB served with `enable_snmp_vrrp`: the global scalars
//! (`keepalived.global`, 1.3.6.1.4.1.9586.100.5.1, built by
//! keepalived_runtime's `snmp_global`), as keepalived's VRRP process serves
//! them when no checker process does (vrrp_snmp.c
//! `vrrp_handles_global_oid`), and the sync group, instance and address tables of the
//! vrrp subtree (vrrp_snmp.c `vrrp_snmp_syncgroup`,
//! `vrrp_snmp_syncgroupmember`, `vrrp_snmp_instance`, `vrrp_snmp_address`,
//! `vrrp_snmp_trackedinterface`, `vrrp_snmp_trackedscript`).

use std::net::IpAddr;

use agentx_subagent::{Oid, Value};
use keepalived_runtime::script_text::script_text;

use super::mib::{Table, truth};
use crate::daemon::status::Snapshot;
use crate::spec::snmp::{AddressRowSpec, GlobalScalars, SyncGroupSpec};

/// `KEEPALIVED-MIB::global`.
pub use keepalived_runtime::snmp_global::GLOBAL_ROOT;

/// `KEEPALIVED-MIB::vrrp`.
pub const VRRP_ROOT: [u32; 10] = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 2];

/// keepalived's state numbers (vrrp_snmp.c `vrrp_snmp_state`): init(0),
/// backup(1), master(2), fault(3).
fn state_number(state: &str) -> i32 {
    match state {
        "BACKUP" => 1,
        "MASTER" => 2,
        "FAULT" => 3,
        _ => 0,
    }
}

/// A sync group's state from its members' (they move together; while
/// they do, the first of fault, master, backup any member is in).
fn group_state(g: &SyncGroupSpec, snap: &Snapshot) -> i32 {
    let states: Vec<i32> = g
        .members
        .iter()
        .filter_map(|m| snap.instances.iter().find(|i| &i.name == m))
        .map(|i| state_number(i.state))
        .collect();
    [3, 2, 1]
        .into_iter()
        .find(|s| states.contains(s))
        .unwrap_or(0)
}

/// Adds vrrpInstanceTable (index: the instance's position in the config,
/// from 1) for the instances running.
pub fn add_instances(t: &mut Table, g: &GlobalScalars, snap: &Snapshot) {
    use vrrp_core::packet::{Family, Version};
    let root = Oid::from(VRRP_ROOT);
    let text = |s: &str| Value::OctetString(s.as_bytes().to_vec());
    let col = |c: u32| root.child(&[3, 1, c]);
    for c in 2..=35 {
        t.declare(&col(c));
    }
    for (n, spec) in g.instances.iter().enumerate() {
        let Some(i) = snap.instances.iter().find(|i| i.name == spec.name) else {
            continue;
        };
        let n = [u32::try_from(n + 1).unwrap_or(u32::MAX)];
        let int = Value::Integer;
        let v2 = i.version == Version::V2;
        let state = state_number(i.state);
        t.insert(&col(2), &n, text(&i.name));
        t.insert(&col(3), &n, Value::Gauge32(u32::from(i.vrid)));
        t.insert(&col(4), &n, int(state));
        t.insert(&col(5), &n, int(if spec.initial_master { 2 } else { 1 }));
        // keepalived's wanted state follows the state once it is settled
        t.insert(&col(6), &n, int(state));
        t.insert(&col(7), &n, int(i32::from(i.base_priority)));
        t.insert(&col(8), &n, int(i32::from(i.effective_priority)));
        // vipset: the VIPs are set while Master (vrrp.c
        // `vrrp_state_become_master` sets them, `vrrp_restore_interface`
        // removes them)
        t.insert(&col(9), &n, truth(i.state == "MASTER"));
        t.insert(&col(10), &n, text(&i.interface));
        t.insert(&col(11), &n, truth(spec.tracks_interfaces));
        // seconds for VRRPv2, centiseconds for VRRPv3
        let adv = if v2 {
            i.advert_interval_ms / 1000
        } else {
            i.advert_interval_ms / 10
        };
        t.insert(
            &col(12),
            &n,
            Value::Gauge32(u32::try_from(adv).unwrap_or(u32::MAX)),
        );
        t.insert(&col(13), &n, truth(i.preempt));
        t.insert(
            &col(14),
            &n,
            Value::Gauge32(u32::try_from(spec.preempt_delay).unwrap_or(u32::MAX)),
        );
        t.insert(
            &col(15),
            &n,
            int(if v2 { i32::from(i.auth_type) } else { 0 }),
        );
        // no instance drives the IPVS sync daemon in vrrpd's view here
        t.insert(&col(16), &n, truth(false));
        if let Some(sg) = &i.sync_group {
            t.insert(&col(18), &n, text(sg));
        }
        t.insert(&col(19), &n, Value::Gauge32(spec.garp_delay));
        t.insert(&col(20), &n, truth(spec.smtp_alert));
        t.insert(&col(21), &n, truth(spec.notify_exec));
        // master(22), backup(23), fault(24), stop(25), notify(26),
        // master_rx_lower_pri(31), deleted(32)
        for (c, s) in [22, 23, 24, 25, 26, 31, 32].into_iter().zip(&spec.scripts) {
            if let Some(s) = s {
                t.insert(&col(c), &n, text(&script_text(s)));
            }
        }
        t.insert(&col(27), &n, if v2 { int(0) } else { truth(i.accept) });
        t.insert(&col(28), &n, truth(spec.promote_secondaries));
        t.insert(&col(29), &n, truth(false));
        t.insert(&col(30), &n, int(if v2 { 2 } else { 3 }));
        t.insert(&col(33), &n, truth(spec.scripts[6].is_some()));
        if i.unicast_peers.is_empty() {
            let (ty, addr) = match i.family {
                Family::V4 => (1, vec![224, 0, 0, 18]),
                Family::V6 => (
                    2,
                    std::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)
                        .octets()
                        .to_vec(),
                ),
            };
            t.insert(&col(34), &n, int(ty));
            t.insert(&col(35), &n, Value::OctetString(addr));
        }
    }
}

/// The index of interface `dev` (0 when unknown).
fn ifindex_of(dev: &str) -> i32 {
    std::fs::read_to_string(format!("/sys/class/net/{dev}/ifindex"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// Adds vrrpAddressTable (index: the instance's position, the address's
/// position among its VIPs then its excluded VIPs, both from 1; the
/// `static_ipaddress` entries as instance 0).
pub fn add_addresses(t: &mut Table, g: &GlobalScalars, snap: &Snapshot) {
    let root = Oid::from(VRRP_ROOT);
    for c in 2..=12 {
        t.declare(&root.child(&[6, 1, c]));
    }
    // vrrp_snmp.c `vrrp_header_ar_table`: the static addresses first, as
    // instance 0, set once installed (at start), never advertised
    for (m, a) in g.static_addresses.iter().enumerate() {
        let idx = [0, u32::try_from(m + 1).unwrap_or(u32::MAX)];
        let dev = a.dev.clone().unwrap_or_default();
        address_row(t, &idx, a, (ifindex_of(&dev), dev), true);
    }
    for (n, spec) in g.instances.iter().enumerate() {
        let Some(i) = snap.instances.iter().find(|i| i.name == spec.name) else {
            continue;
        };
        let n = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let set = i.state == "MASTER";
        for (m, a) in spec.addresses.iter().enumerate() {
            let idx = [n, u32::try_from(m + 1).unwrap_or(u32::MAX)];
            let link = match &a.dev {
                Some(d) if d != &i.interface => (ifindex_of(d), d.clone()),
                _ => (i32::try_from(i.ifindex).unwrap_or(0), i.interface.clone()),
            };
            address_row(t, &idx, a, link, set);
        }
    }
}

/// One vrrpAddressTable row at `idx`, on interface `link` (index, name).
fn address_row(t: &mut Table, idx: &[u32], a: &AddressRowSpec, link: (i32, String), set: bool) {
    let root = Oid::from(VRRP_ROOT);
    let text = |s: &str| Value::OctetString(s.as_bytes().to_vec());
    let col = |c: u32| root.child(&[6, 1, c]);
    let ip = |a: &IpAddr| match a {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    t.insert(
        &col(2),
        idx,
        Value::Integer(if a.addr.is_ipv4() { 1 } else { 2 }),
    );
    t.insert(&col(3), idx, Value::OctetString(ip(&a.addr)));
    if a.addr.is_ipv4() {
        let brd = a.brd.map_or([0; 4], |b| b.octets());
        t.insert(&col(4), idx, Value::OctetString(brd.to_vec()));
    }
    t.insert(&col(5), idx, Value::Gauge32(u32::from(a.len)));
    t.insert(&col(6), idx, Value::Integer(a.scope));
    t.insert(&col(7), idx, Value::Integer(link.0));
    t.insert(&col(8), idx, text(&link.1));
    if let Some(l) = &a.label {
        t.insert(&col(9), idx, text(l));
    }
    t.insert(&col(10), idx, truth(set));
    t.insert(&col(11), idx, truth(a.advertised));
    if let Some(p) = &a.peer {
        t.insert(&col(12), idx, Value::OctetString(ip(p)));
    }
}

/// Adds vrrpTrackedInterfaceTable and vrrpTrackedScriptTable (index: the
/// instance's position, the entry's position, both from 1).
pub fn add_tracking(t: &mut Table, g: &GlobalScalars, snap: &Snapshot) {
    let root = Oid::from(VRRP_ROOT);
    let text = |s: &str| Value::OctetString(s.as_bytes().to_vec());
    // (table, first column): interfaces 4.1.{1,2,3}, scripts 5.1.{2,3,4}
    for (table, first) in [(4, 1), (5, 2)] {
        for c in first..first + 3 {
            t.declare(&root.child(&[table, 1, c]));
        }
    }
    for (n, spec) in g.instances.iter().enumerate() {
        if !snap.instances.iter().any(|i| i.name == spec.name) {
            continue;
        }
        let n = u32::try_from(n + 1).unwrap_or(u32::MAX);
        for (table, first, rows) in [
            (4, 1, &spec.tracked.interfaces),
            (5, 2, &spec.tracked.scripts),
        ] {
            for (m, r) in rows.iter().enumerate() {
                let idx = [n, u32::try_from(m + 1).unwrap_or(u32::MAX)];
                let col = |c: u32| root.child(&[table, 1, first + c]);
                t.insert(&col(0), &idx, text(&r.name));
                t.insert(&col(1), &idx, Value::Integer(r.weight));
                t.insert(&col(2), &idx, truth(r.reverse));
            }
        }
    }
}

/// Adds vrrpSyncGroupTable (index: the group's position, from 1) and
/// vrrpSyncGroupMemberTable (index: group, member position) to `t`.
pub fn add_sync_groups(t: &mut Table, g: &GlobalScalars, snap: &Snapshot) {
    let root = Oid::from(VRRP_ROOT);
    let text = |s: &str| Value::OctetString(s.as_bytes().to_vec());
    let col = |c: u32| root.child(&[1, 1, c]);
    for c in 2..=11 {
        t.declare(&col(c));
    }
    let member = root.child(&[2, 1, 2]);
    t.declare(&member);
    for (gi, sg) in g.sync_groups.iter().enumerate() {
        let gi = u32::try_from(gi + 1).unwrap_or(u32::MAX);
        t.insert(&col(2), &[gi], text(&sg.name));
        t.insert(&col(3), &[gi], Value::Integer(group_state(sg, snap)));
        t.insert(&col(4), &[gi], truth(sg.smtp_alert));
        t.insert(&col(5), &[gi], truth(sg.notify_exec));
        // master(6), backup(7), fault(8), notify(9), stop(11)
        for (c, s) in [6, 7, 8, 11, 9].into_iter().zip(&sg.scripts) {
            if let Some(s) = s {
                t.insert(&col(c), &[gi], text(&script_text(s)));
            }
        }
        t.insert(&col(10), &[gi], truth(sg.tracking_weight));
        for (mi, m) in sg.members.iter().enumerate() {
            let mi = u32::try_from(mi + 1).unwrap_or(u32::MAX);
            t.insert(&member, &[gi, mi], text(m));
        }
    }
}

/// What `version` shows: this daemon's name and version where keepalived
/// shows its own (`version_string`).
pub const VERSION: &str = concat!("vrrpd v", env!("CARGO_PKG_VERSION"));

/// Adds the global scalars for `g` to `t` (keepalived_runtime's
/// [`snmp_global`](keepalived_runtime::snmp_global), with vrrpd's version).
pub fn add(t: &mut Table, g: &GlobalScalars) {
    keepalived_runtime::snmp_global::add(t, &g.scalars, VERSION);
}
