//! KEEPALIVED-MIB's tracked process and BFD tables and vrrpBfdTable:
//! vrrpTrackedProcessTable (vrrp.20,
//! vrrp_snmp.c `vrrp_snmp_trackedprocess`) and
//! syncGroupTrackedProcessTable (vrrp.22, `vrrp_snmp_group_trackedprocess`):
//! name (2), and the `vrrp_track_process`'s own weight (3) and reverse (4),
//! as keepalived shows them (not a weight the entry gives).

use agentx_subagent::{Oid, Value};

use super::keepalived::VRRP_ROOT;
use super::mib::{Table, truth};
use crate::daemon::status::Snapshot;
use crate::spec::snmp::{GlobalScalars, TrackRowSpec};

fn index(n: usize) -> u32 {
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

/// Adds the rows of `names` (owner `owner`, from 1) to table `table`, with
/// the weights of `all`.
fn rows(t: &mut Table, all: &[TrackRowSpec], table: u32, owner: u32, names: &[String]) {
    let root = Oid::from(VRRP_ROOT);
    for (m, name) in names.iter().enumerate() {
        let Some(p) = all.iter().find(|p| &p.name == name) else {
            continue;
        };
        let idx = [owner, index(m)];
        let col = |c: u32| root.child(&[table, 1, c]);
        t.insert(
            &col(2),
            &idx,
            Value::OctetString(p.name.as_bytes().to_vec()),
        );
        t.insert(&col(3), &idx, Value::Integer(p.weight));
        t.insert(&col(4), &idx, truth(p.reverse));
    }
}

/// Adds vrrpTrackedProcessTable (.20.1.COL.N.M, N the instance's position,
/// running instances only) and syncGroupTrackedProcessTable (.22.1.COL.G.M,
/// G the group's position), and likewise vrrpTrackedBfdTable (.17) and
/// syncGroupTrackedBfdTable (.19) with the `bfd_instance`s' own weights
/// (vrrp_snmp.c `vrrp_snmp_trackedbfd`, `vrrp_snmp_group_trackedbfd`).
pub fn add_tracked_processes(t: &mut Table, g: &GlobalScalars, snap: &Snapshot) {
    let root = Oid::from(VRRP_ROOT);
    for table in [17, 19, 20, 22] {
        for c in 2..=4 {
            t.declare(&root.child(&[table, 1, c]));
        }
    }
    for (n, spec) in g.instances.iter().enumerate() {
        if snap.instances.iter().any(|i| i.name == spec.name) {
            rows(t, &g.processes, 20, index(n), &spec.tracked.processes);
            rows(t, &g.bfds, 17, index(n), &spec.tracked.bfds);
        }
    }
    // vrrpBfdTable (.18.1.COL.B, vrrp_snmp.c `vrrp_snmp_bfd`): every
    // bfd_instance, name (2), up (3: 1 while the session is Up, else 0),
    // weight (4), reverse (5)
    let bfd = |c: u32| root.child(&[18, 1, c]);
    for c in 2..=5 {
        t.declare(&bfd(c));
    }
    for (n, b) in g.bfds.iter().enumerate() {
        let idx = [index(n)];
        let up = snap
            .bfd
            .iter()
            .any(|s| s.name == b.name && s.local_state == "Up");
        t.insert(
            &bfd(2),
            &idx,
            Value::OctetString(b.name.as_bytes().to_vec()),
        );
        t.insert(&bfd(3), &idx, Value::Integer(i32::from(up)));
        t.insert(&bfd(4), &idx, Value::Integer(b.weight));
        t.insert(&bfd(5), &idx, truth(b.reverse));
    }
    for (n, sg) in g.sync_groups.iter().enumerate() {
        rows(t, &g.processes, 22, index(n), &sg.tracked.processes);
        rows(t, &g.bfds, 19, index(n), &sg.tracked.bfds);
    }
}

/// Adds vrrpProcessTable (.21.1.COL.P, P the `vrrp_track_process`'s
/// position in the config, tracked or not; vrrp_snmp.c
/// `vrrp_snmp_process`): name (2), path (3), parameters (4), param_match
/// (5), weight (6), reverse (7), quorum (8), quorum_max (9, unlimited
/// shown as -1), fork and terminate delays in microseconds (10, 11),
/// full_command (12), the processes counted (13) and whether the quorum
/// holds (14).
pub fn add_processes(t: &mut Table, g: &GlobalScalars, snap: &Snapshot) {
    let root = Oid::from(VRRP_ROOT);
    let col = |c: u32| root.child(&[21, 1, c]);
    for c in 2..=14 {
        t.declare(&col(c));
    }
    let text = |s: &str| Value::OctetString(s.as_bytes().to_vec());
    for (n, p) in g.process_rows.iter().enumerate() {
        let idx = [index(n)];
        let (count, quorum) = snap.processes.get(&p.name).copied().unwrap_or((0, false));
        t.insert(&col(2), &idx, text(&p.name));
        t.insert(&col(3), &idx, text(&p.path));
        t.insert(&col(4), &idx, text(&p.params));
        t.insert(&col(5), &idx, Value::Integer(p.param_match));
        t.insert(&col(6), &idx, Value::Integer(p.weight));
        t.insert(&col(7), &idx, truth(p.reverse));
        t.insert(&col(8), &idx, Value::Gauge32(p.quorum));
        // an unsigned value in a signed column: all ones is -1
        t.insert(&col(9), &idx, Value::Integer(p.quorum_max as i32));
        t.insert(&col(10), &idx, Value::Gauge32(p.fork_delay_us));
        t.insert(&col(11), &idx, Value::Gauge32(p.terminate_delay_us));
        t.insert(&col(12), &idx, truth(p.full_command));
        t.insert(
            &col(13),
            &idx,
            Value::Integer(i32::try_from(count).unwrap_or(i32::MAX)),
        );
        t.insert(&col(14), &idx, truth(quorum));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::snmp::{SyncGroupSpec, TrackedSpec};
    use agentx_subagent::MibView;

    #[test]
    fn group_rows_with_the_process_weights() {
        let g = GlobalScalars {
            processes: vec![TrackRowSpec {
                name: "p".into(),
                weight: -4,
                reverse: true,
            }],
            sync_groups: vec![SyncGroupSpec {
                name: "G".into(),
                tracked: TrackedSpec {
                    processes: vec!["p".into()],
                    ..TrackedSpec::default()
                },
                ..SyncGroupSpec::default()
            }],
            ..GlobalScalars::default()
        };
        let mut t = Table::default();
        add_tracked_processes(&mut t, &g, &Snapshot::of(Vec::new()));
        let get = |s: &str| t.get(&format!("1.3.6.1.4.1.9586.100.5.2.{s}").parse().unwrap());
        assert_eq!(get("22.1.2.1.1"), Value::OctetString(b"p".to_vec()));
        assert_eq!(get("22.1.3.1.1"), Value::Integer(-4));
        assert_eq!(get("22.1.4.1.1"), Value::Integer(1));
        assert_eq!(get("20.1.2.1.1"), Value::NoSuchInstance);
    }
}
