//! What an instance reports when a SIGHUP reload removes it
//! (docs/keepalived.md §3.18).
//!
//! keepalived (vrrp.c `clear_diff_vrrp`) releases a removed Master first
//! (`vrrp_restore_interface`: priority 0 advert, VIPs removed), then marks
//! the instance DELETED and sends its notifies unless it was in FAULT and
//! has no `notify_deleted`. vrrp_notify.c `send_instance_notifies` picks
//! the state's own script while the state is still DELETED (so only a
//! `notify_deleted` script, never `notify_fault` or `notify_stop`), then,
//! without `notify_deleted`, reports the state as FAULT: `notify ... FAULT`
//! and a FAULT FIFO line. With it: `notify ... DELETED` and a DELETED line.

use vrrp_core::node::{InstanceId, Node};
use vrrp_core::{Instance, State};

use crate::spec::mapping::{NotifySpec, ScriptCmd};

/// The state word of a notification and the specific script to run with it.
pub(super) type Notice = (&'static str, Option<ScriptCmd>);

/// The notification of a state change `from` → `to`; `removed` when a
/// reload took the instance away (its shutdown is then reported as
/// keepalived reports a deletion). `None`: nothing is notified.
pub(super) fn notice(
    notify: Option<&NotifySpec>,
    notify_deleted: bool,
    removed: bool,
    from: State,
    to: State,
) -> Option<Notice> {
    let script = |s: State| notify.and_then(|n| n.for_state(s));
    if !removed || to != State::Stop {
        return Some((to.as_str(), script(to)));
    }
    if notify_deleted {
        Some(("DELETED", notify.and_then(|n| n.deleted.clone())))
    } else if from == State::Fault {
        // clear_diff_vrrp: a FAULT instance without notify_deleted is
        // removed silently.
        None
    } else {
        Some((State::Fault.as_str(), None))
    }
}

/// Whether `id`, no longer running, was removed by the reload rather than
/// restarted: no running instance has its interface, family, VRID and
/// multicast group (or unicast), the identity keepalived's `vrrp_exist`
/// matches on. A restarted instance is the same one to keepalived, which
/// notifies no removal for it.
pub(super) fn removed<T>(node: &Node<T>, id: InstanceId) -> bool {
    if node.position(id).is_some() {
        return false;
    }
    let key = |i: &Instance, ifindex: Option<u32>| {
        let c = i.config();
        let group = c.unicast_peers.is_empty().then(|| c.multicast_group());
        (ifindex, c.family, c.vrid, group)
    };
    let Some(old) = node.instance(id).map(|i| key(i, node.ifindex(id))) else {
        return false;
    };
    !node
        .ids()
        .filter_map(|r| node.instance(r).map(|i| key(i, node.ifindex(r))))
        .any(|k| k == old)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> NotifySpec {
        NotifySpec {
            fault: Some(vec!["/bin/f".to_string()].into()),
            stop: Some(vec!["/bin/s".to_string()].into()),
            deleted: Some(vec!["/bin/d".to_string()].into()),
            ..NotifySpec::default()
        }
    }

    fn argv(n: Option<Notice>) -> Option<(&'static str, Option<Vec<String>>)> {
        n.map(|(w, s)| (w, s.map(|c| c.argv)))
    }

    #[test]
    fn a_running_instance_reports_its_state() {
        let n = spec();
        let got = notice(Some(&n), true, false, State::Master, State::Stop);
        assert_eq!(argv(got), Some(("STOP", Some(vec!["/bin/s".into()]))));
    }

    #[test]
    fn a_removed_instance_reports_fault_unless_notify_deleted() {
        let n = spec();
        let got = notice(Some(&n), false, true, State::Master, State::Stop);
        assert_eq!(argv(got), Some(("FAULT", None)));
        let got = notice(Some(&n), true, true, State::Backup, State::Stop);
        assert_eq!(argv(got), Some(("DELETED", Some(vec!["/bin/d".into()]))));
        assert_eq!(
            argv(notice(None, true, true, State::Fault, State::Stop)),
            Some(("DELETED", None))
        );
    }

    #[test]
    fn a_removed_faulty_instance_is_silent_without_notify_deleted() {
        let n = spec();
        assert!(notice(Some(&n), false, true, State::Fault, State::Stop).is_none());
    }
}
