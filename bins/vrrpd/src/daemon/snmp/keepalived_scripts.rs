//! KEEPALIVED-MIB's vrrpScriptTable (vrrp.9, vrrp_snmp.c
//! `vrrp_snmp_script`): one row per `vrrp_script` being run, numbered from
//! 1 in config order (keepalived drops the scripts no instance or group
//! tracks, as vrrpd does not run them).

use agentx_subagent::{Oid, Value};
use keepalived_runtime::script_text::argv_text;

use super::keepalived::VRRP_ROOT;
use super::mib::{Table, truth};
use crate::daemon::status::Snapshot;
use crate::spec::snmp::GlobalScalars;

/// vrrpScriptResult: init(1) before a result, bad(2), good(3) (keepalived
/// shows good once its result counter reaches `rise`).
fn result(up: Option<bool>) -> i32 {
    match up {
        None => 1,
        Some(false) => 2,
        Some(true) => 3,
    }
}

/// Adds vrrpScriptTable: name (2), command (3, quoted as keepalived shows
/// commands), interval in seconds (4), the script's own weight (5), result
/// (6), rise (7), fall (8), weight reverse (9).
pub fn add_scripts(t: &mut Table, g: &GlobalScalars, snap: &Snapshot) {
    let root = Oid::from(VRRP_ROOT);
    let col = |c: u32| root.child(&[9, 1, c]);
    for c in 2..=9 {
        t.declare(&col(c));
    }
    for (n, s) in snap.scripts.iter().enumerate() {
        let n = [u32::try_from(n + 1).unwrap_or(u32::MAX)];
        let (weight, reverse) = g
            .script_weights
            .iter()
            .find(|w| w.name == s.name)
            .map_or((0, false), |w| (w.weight, w.reverse));
        t.insert(&col(2), &n, Value::OctetString(s.name.as_bytes().to_vec()));
        t.insert(
            &col(3),
            &n,
            Value::OctetString(argv_text(&s.argv).into_bytes()),
        );
        let secs = i32::try_from(s.interval_ms / 1000).unwrap_or(i32::MAX);
        t.insert(&col(4), &n, Value::Integer(secs));
        t.insert(&col(5), &n, Value::Integer(weight));
        t.insert(&col(6), &n, Value::Integer(result(s.up)));
        t.insert(&col(7), &n, Value::Gauge32(s.rise));
        t.insert(&col(8), &n, Value::Gauge32(s.fall));
        t.insert(&col(9), &n, truth(reverse));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::status::ScriptSnapshot;
    use crate::spec::snmp::TrackRowSpec;
    use agentx_subagent::MibView;

    #[test]
    fn rows_in_order_with_the_scripts_weights() {
        let mut snap = Snapshot::of(Vec::new());
        for (name, up) in [("a", Some(true)), ("b", Some(false)), ("c", None)] {
            snap.scripts.push(ScriptSnapshot {
                name: name.into(),
                argv: vec!["/nonexistent/x".into(), "1 2".into()],
                interval_ms: 2500,
                timeout_ms: 1000,
                rise: 2,
                fall: 3,
                init_fail: false,
                up,
            });
        }
        let g = GlobalScalars {
            script_weights: vec![TrackRowSpec {
                name: "b".into(),
                weight: -10,
                reverse: true,
            }],
            ..GlobalScalars::default()
        };
        let mut t = Table::default();
        add_scripts(&mut t, &g, &snap);
        let get = |s: &str| t.get(&format!("1.3.6.1.4.1.9586.100.5.2.9.1.{s}").parse().unwrap());
        assert_eq!(get("2.2"), Value::OctetString(b"b".to_vec()));
        assert_eq!(
            get("3.1"),
            Value::OctetString(b"'/nonexistent/x' '1 2'".to_vec())
        );
        assert_eq!(get("4.1"), Value::Integer(2));
        assert_eq!(get("5.1"), Value::Integer(0));
        assert_eq!(get("5.2"), Value::Integer(-10));
        assert_eq!(get("6.1"), Value::Integer(3));
        assert_eq!(get("6.2"), Value::Integer(2));
        assert_eq!(get("6.3"), Value::Integer(1));
        assert_eq!(get("7.1"), Value::Gauge32(2));
        assert_eq!(get("8.1"), Value::Gauge32(3));
        assert_eq!(get("9.2"), Value::Integer(1));
        assert_eq!(get("9.1"), Value::Integer(2));
        assert_eq!(get("2.4"), Value::NoSuchInstance);
    }
}
