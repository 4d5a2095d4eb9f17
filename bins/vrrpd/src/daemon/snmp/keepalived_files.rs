//! KEEPALIVED-MIB's track_file tables: vrrpTrackedFileTable (vrrp.12, the
//! files each instance tracks; vrrp_snmp.c `vrrp_snmp_trackedfile`) and
//! vrrpFileTable (vrrp.13, the `track_file`s; vrrp_snmp.c
//! `vrrp_snmp_file`).

use agentx_subagent::{Oid, Value};

use super::keepalived::VRRP_ROOT;
use super::mib::{Table, truth};
use crate::daemon::status::Snapshot;
use crate::spec::snmp::GlobalScalars;

fn index(n: usize) -> u32 {
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

/// Adds vrrpTrackedFileTable (.12.1.COL.N.M, N the instance's position, M
/// the entry's in its `track_file` block: name (2), weight (3), reverse
/// (4); keepalived shows the `track_file`'s own weight and reverse here,
/// not the entry's) and vrrpFileTable (.13.1.COL.F, F the file's position:
/// name (2), path (3, resolved), the value last read (4), weight (5),
/// reverse (6)); only the files some instance or sync group tracks.
pub fn add_files(t: &mut Table, g: &GlobalScalars, snap: &Snapshot) {
    let root = Oid::from(VRRP_ROOT);
    let text = |s: &str| Value::OctetString(s.as_bytes().to_vec());
    let tracked = |c: u32| root.child(&[12, 1, c]);
    let file = |c: u32| root.child(&[13, 1, c]);
    for c in 2..=4 {
        t.declare(&tracked(c));
    }
    for c in 2..=6 {
        t.declare(&file(c));
    }
    for (n, spec) in g.instances.iter().enumerate() {
        if !snap.instances.iter().any(|i| i.name == spec.name) {
            continue;
        }
        for (m, name) in spec.tracked.files.iter().enumerate() {
            let Some(f) = g.files.iter().find(|f| &f.name == name) else {
                continue;
            };
            let idx = [index(n), index(m)];
            t.insert(&tracked(2), &idx, text(&f.name));
            t.insert(&tracked(3), &idx, Value::Integer(f.weight));
            t.insert(&tracked(4), &idx, truth(f.reverse));
        }
    }
    for (n, f) in g.files.iter().enumerate() {
        let idx = [index(n)];
        t.insert(&file(2), &idx, text(&f.name));
        // track_file.c `init_track_files`: the real path of a file that
        // exists, else the path as written
        let path = std::fs::canonicalize(&f.path)
            .map_or_else(|_| f.path.clone(), |p| p.display().to_string());
        t.insert(&file(3), &idx, text(&path));
        let value = snap.track_files.get(&f.name).copied().unwrap_or(0);
        t.insert(&file(4), &idx, Value::Integer(value));
        t.insert(&file(5), &idx, Value::Integer(f.weight));
        t.insert(&file(6), &idx, truth(f.reverse));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::snmp::{FileRowSpec, InstanceRowSpec, TrackedSpec};
    use agentx_subagent::MibView;

    #[test]
    fn tracked_and_file_rows() {
        let mut snap = Snapshot::of(Vec::new());
        snap.track_files.insert("f2".into(), -7);
        let g = GlobalScalars {
            files: vec![
                FileRowSpec {
                    name: "f1".into(),
                    path: "/nonexistent/a".into(),
                    weight: 1,
                    reverse: false,
                },
                FileRowSpec {
                    name: "f2".into(),
                    path: "/tmp/b".into(),
                    weight: -4,
                    reverse: true,
                },
            ],
            instances: vec![InstanceRowSpec {
                name: "V".into(),
                tracked: TrackedSpec {
                    files: vec!["f2".into()],
                    ..TrackedSpec::default()
                },
                ..InstanceRowSpec::default()
            }],
            ..GlobalScalars::default()
        };
        let mut t = Table::default();
        add_files(&mut t, &g, &snap);
        let get = |s: &str| t.get(&format!("1.3.6.1.4.1.9586.100.5.2.{s}").parse().unwrap());
        // the instance is not running: no tracked row
        assert_eq!(get("12.1.2.1.1"), Value::NoSuchInstance);
        assert_eq!(get("13.1.2.2"), Value::OctetString(b"f2".to_vec()));
        assert_eq!(
            get("13.1.3.1"),
            Value::OctetString(b"/nonexistent/a".to_vec())
        );
        assert_eq!(get("13.1.4.1"), Value::Integer(0));
        assert_eq!(get("13.1.4.2"), Value::Integer(-7));
        assert_eq!(get("13.1.5.2"), Value::Integer(-4));
        assert_eq!(get("13.1.6.2"), Value::Integer(1));
        assert_eq!(get("13.1.6.1"), Value::Integer(2));
    }
}
