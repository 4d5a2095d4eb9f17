//! KEEPALIVED-MIB's own notifications, sent with `enable_traps` and
//! `enable_snmp_vrrp` (docs/keepalived.md §3.37):
//!
//! * `vrrpInstanceStateChange` (vrrp.10.0.2) whenever an instance's
//!   notifications are sent (vrrp_notify.c `send_instance_notifies`,
//!   vrrp_snmp.c `vrrp_snmp_instance_trap`): the instance's name, its state
//!   and its configured initial state, and the router id;
//! * `vrrpSyncGroupStateChange` (vrrp.10.0.1) whenever a sync group's are
//!   (vrrp_notify.c `send_group_notifies`, vrrp_snmp.c
//!   `vrrp_snmp_group_trap`): the group's name and state, and the router id.
//!
//! keepalived names the table columns in these VarBinds without an
//! instance index (`vrrpInstanceName`, not `vrrpInstanceName.N`); so does
//! vrrpd.

use agentx_subagent::{Oid, Value, VarBind};

use super::keepalived::{GLOBAL_ROOT, VRRP_ROOT};
use super::traps::{Notification, TrapEvent};
use crate::daemon::mail::local_name;
use crate::spec::snmp::GlobalScalars;

/// The state number these notifications carry (vrrp_snmp.c
/// `vrrp_snmp_instance_trap`): init(0), backup(1), master(2), fault(3),
/// stop(5), deleted(6); anything else unknown(4).
pub fn trap_state(word: &str) -> i32 {
    match word {
        "INIT" => 0,
        "BACKUP" => 1,
        "MASTER" => 2,
        "FAULT" => 3,
        "STOP" => 5,
        "DELETED" => 6,
        _ => 4,
    }
}

fn text(s: &str) -> Value {
    Value::OctetString(s.as_bytes().to_vec())
}

/// The KEEPALIVED-MIB notifications `event` is worth, for a daemon serving
/// KEEPALIVED-MIB with the settings `g` (the router id, and the instances'
/// initial states).
pub fn notifications(event: &TrapEvent, g: &GlobalScalars) -> Vec<Notification> {
    let root = Oid::from(VRRP_ROOT);
    // global_data.c `init_global_data`: router_id defaults to the host name
    let router_id = || {
        let id = g.scalars.router_id.clone().unwrap_or_else(local_name);
        VarBind::new(Oid::from(GLOBAL_ROOT).child(&[2, 0]), text(&id))
    };
    match event {
        TrapEvent::InstanceState { name, state } => {
            // vrrp->configured_state: master(2) with `state MASTER`, else
            // backup(1)
            let initial = g
                .instances
                .iter()
                .find(|i| &i.name == name)
                .map_or(1, |i| if i.initial_master { 2 } else { 1 });
            vec![Notification {
                trap: root.child(&[10, 0, 2]),
                varbinds: vec![
                    VarBind::new(root.child(&[3, 1, 2]), text(name)),
                    VarBind::new(root.child(&[3, 1, 4]), Value::Integer(trap_state(state))),
                    VarBind::new(root.child(&[3, 1, 5]), Value::Integer(initial)),
                    router_id(),
                ],
            }]
        }
        TrapEvent::GroupState { name, state } => vec![Notification {
            trap: root.child(&[10, 0, 1]),
            varbinds: vec![
                VarBind::new(root.child(&[1, 1, 2]), text(name)),
                VarBind::new(root.child(&[1, 1, 3]), Value::Integer(trap_state(state))),
                router_id(),
            ],
        }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::snmp::InstanceRowSpec;

    fn text_of(n: &[Notification]) -> Vec<String> {
        n.iter()
            .map(|n| {
                let vbs: Vec<String> = n
                    .varbinds
                    .iter()
                    .map(|v| format!("{}={:?}", v.name, v.value))
                    .collect();
                format!("{} {}", n.trap, vbs.join(" "))
            })
            .collect()
    }

    #[test]
    fn instance_and_group_notifications_as_keepalived_builds_them() {
        let g = GlobalScalars {
            scalars: keepalived_runtime::snmp_global::GlobalScalars {
                router_id: Some("r1".into()),
                ..Default::default()
            },
            instances: vec![InstanceRowSpec {
                name: "VI".into(),
                initial_master: true,
                ..InstanceRowSpec::default()
            }],
            ..GlobalScalars::default()
        };
        let ev = TrapEvent::InstanceState {
            name: "VI".into(),
            state: "STOP",
        };
        assert_eq!(
            text_of(&notifications(&ev, &g)),
            ["1.3.6.1.4.1.9586.100.5.2.10.0.2 \
              1.3.6.1.4.1.9586.100.5.2.3.1.2=OctetString([86, 73]) \
              1.3.6.1.4.1.9586.100.5.2.3.1.4=Integer(5) \
              1.3.6.1.4.1.9586.100.5.2.3.1.5=Integer(2) \
              1.3.6.1.4.1.9586.100.5.1.2.0=OctetString([114, 49])"]
        );
        let ev = TrapEvent::GroupState {
            name: "G".into(),
            state: "BACKUP",
        };
        assert_eq!(
            text_of(&notifications(&ev, &g)),
            ["1.3.6.1.4.1.9586.100.5.2.10.0.1 \
              1.3.6.1.4.1.9586.100.5.2.1.1.2=OctetString([71]) \
              1.3.6.1.4.1.9586.100.5.2.1.1.3=Integer(1) \
              1.3.6.1.4.1.9586.100.5.1.2.0=OctetString([114, 49])"]
        );
    }

    #[test]
    fn states() {
        assert_eq!(trap_state("MASTER"), 2);
        assert_eq!(trap_state("BACKUP"), 1);
        assert_eq!(trap_state("FAULT"), 3);
        assert_eq!(trap_state("DELETED"), 6);
        assert_eq!(trap_state("other"), 4);
    }
}
