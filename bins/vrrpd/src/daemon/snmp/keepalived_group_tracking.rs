//! KEEPALIVED-MIB's sync group tracking tables (vrrp_snmp.c
//! `vrrp_snmp_group_trackedinterface`, `vrrp_snmp_group_trackedscript`,
//! `vrrp_snmp_group_trackedfile`): what a `vrrp_sync_group`'s own
//! `track_interface`, `track_script` and `track_file` blocks name, indexed
//! by the group's position and the entry's, both from 1.

use agentx_subagent::{Oid, Value};

use super::keepalived::VRRP_ROOT;
use super::mib::{Table, truth};
use crate::spec::snmp::GlobalScalars;

fn index(n: usize) -> u32 {
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

/// Adds syncGroupTrackedInterfaceTable (.14.1.{1,2,3}: name, weight,
/// reverse), syncGroupTrackedScriptTable (.15.1.{2,3,4}: name, the entry's
/// weight else the script's, reverse likewise) and
/// syncGroupTrackedFileTable (.16.1.{2,3,4}: name, the `track_file`'s own
/// weight and reverse, as keepalived shows them).
pub fn add_group_tracking(t: &mut Table, g: &GlobalScalars) {
    let root = Oid::from(VRRP_ROOT);
    let text = |s: &str| Value::OctetString(s.as_bytes().to_vec());
    for (table, first) in [(14, 1), (15, 2), (16, 2)] {
        for c in first..first + 3 {
            t.declare(&root.child(&[table, 1, c]));
        }
    }
    for (gi, sg) in g.sync_groups.iter().enumerate() {
        for (table, first, rows) in [
            (14, 1, &sg.tracked.interfaces),
            (15, 2, &sg.tracked.scripts),
        ] {
            for (m, r) in rows.iter().enumerate() {
                let idx = [index(gi), index(m)];
                let col = |c: u32| root.child(&[table, 1, first + c]);
                t.insert(&col(0), &idx, text(&r.name));
                t.insert(&col(1), &idx, Value::Integer(r.weight));
                t.insert(&col(2), &idx, truth(r.reverse));
            }
        }
        for (m, name) in sg.tracked.files.iter().enumerate() {
            let Some(f) = g.files.iter().find(|f| &f.name == name) else {
                continue;
            };
            let idx = [index(gi), index(m)];
            let col = |c: u32| root.child(&[16, 1, c]);
            t.insert(&col(2), &idx, text(&f.name));
            t.insert(&col(3), &idx, Value::Integer(f.weight));
            t.insert(&col(4), &idx, truth(f.reverse));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::snmp::{FileRowSpec, SyncGroupSpec, TrackRowSpec, TrackedSpec};
    use agentx_subagent::MibView;

    #[test]
    fn group_rows() {
        let row = |name: &str, weight| TrackRowSpec {
            name: name.into(),
            weight,
            reverse: false,
        };
        let g = GlobalScalars {
            files: vec![FileRowSpec {
                name: "f".into(),
                path: "/x".into(),
                weight: 3,
                reverse: true,
            }],
            sync_groups: vec![SyncGroupSpec {
                name: "G".into(),
                tracked: TrackedSpec {
                    interfaces: vec![row("eth1", -5), row("lo", 0)],
                    scripts: vec![row("s", 2)],
                    files: vec!["f".into()],
                    ..TrackedSpec::default()
                },
                ..SyncGroupSpec::default()
            }],
            ..GlobalScalars::default()
        };
        let mut t = Table::default();
        add_group_tracking(&mut t, &g);
        let get = |s: &str| t.get(&format!("1.3.6.1.4.1.9586.100.5.2.{s}").parse().unwrap());
        assert_eq!(get("14.1.1.1.2"), Value::OctetString(b"lo".to_vec()));
        assert_eq!(get("14.1.2.1.1"), Value::Integer(-5));
        assert_eq!(get("15.1.2.1.1"), Value::OctetString(b"s".to_vec()));
        assert_eq!(get("15.1.3.1.1"), Value::Integer(2));
        assert_eq!(get("16.1.3.1.1"), Value::Integer(3));
        assert_eq!(get("16.1.4.1.1"), Value::Integer(1));
        assert_eq!(get("16.1.2.1.2"), Value::NoSuchInstance);
    }
}
