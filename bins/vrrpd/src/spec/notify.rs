//! An instance's notify scripts: `notify_master`, `notify_backup`,
//! `notify_fault`, `notify_stop`, `notify`, `notify_deleted`,
//! `notify_master_rx_lower_pri`.

use keepalived_conf::{Diagnostic, VrrpInstance};

use crate::spec::mapping::{NotifySpec, script_cmd};

/// The notify scripts of `vi`, or None when it has none.
pub fn notify(vi: &VrrpInstance, diags: &mut Vec<Diagnostic>) -> Option<Box<NotifySpec>> {
    // `notify_deleted` alone (no script) only changes what a removal reports.
    let deleted = vi
        .notify_deleted
        .as_deref()
        .filter(|s| !s.value.command.is_empty());
    let notify = NotifySpec {
        master: script_cmd(vi.notify_master.as_deref(), diags),
        backup: script_cmd(vi.notify_backup.as_deref(), diags),
        fault: script_cmd(vi.notify_fault.as_deref(), diags),
        stop: script_cmd(vi.notify_stop.as_deref(), diags),
        generic: script_cmd(vi.notify.as_deref(), diags),
        deleted: script_cmd(deleted, diags),
        master_rx_lower_pri: script_cmd(vi.notify_master_rx_lower_pri.as_deref(), diags),
    };
    (!notify.is_empty()).then(|| Box::new(notify))
}

/// The command lines to run when group `name` enters `to`: the specific
/// script first, then the generic one with `GROUP NAME STATE 0`.
pub fn group_scripts(
    n: &crate::spec::mapping::NotifySpec,
    name: &str,
    to: vrrp_core::State,
) -> Vec<crate::spec::mapping::ScriptCmd> {
    let specific = n.for_state(to);
    // keepalived's generic notify knows no STOP for groups (man page:
    // "stop only applies to instances").
    let generic = (to != vrrp_core::State::Stop && to != vrrp_core::State::Initialize)
        .then(|| n.generic.clone())
        .flatten()
        .map(|mut a| {
            a.argv.extend([
                "GROUP".to_string(),
                name.to_string(),
                to.as_str().to_string(),
                "0".to_string(),
            ]);
            a
        });
    [specific, generic].into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use crate::spec::mapping::{SimResolver, map_config};

    /// Maps `global` + two instances (A in sync group G with `group`
    /// settings, B alone) and returns each instance's
    /// `notify_priority_changes`, A's lower-priority script and the warnings.
    fn map(global: &str, a: &str, group: &str) -> (Vec<bool>, Option<Vec<String>>, Vec<String>) {
        let inst = |n: &str, id: u8, extra: &str| {
            format!(
                "vrrp_instance {n} {{\n interface eth0\n virtual_router_id {id}\n{extra}\n \
                 virtual_ipaddress {{\n 192.0.2.{id}\n }}\n}}\n"
            )
        };
        let text = format!(
            "global_defs {{\n{global}\n}}\n{}{}vrrp_sync_group G {{\n group {{\n  A\n }}\n{group}\n}}\n",
            inst("A", 1, a),
            inst("B", 2, "")
        );
        let p = keepalived_conf::parse_str("t.conf", &text, &Default::default());
        assert!(!p.has_errors(), "{}", p.render_diagnostics());
        let (m, d) = map_config(&p.config, &SimResolver { node: 1 });
        let flags = m
            .instances
            .iter()
            .map(|i| i.notify_priority_changes)
            .collect();
        let script = m.instances[0]
            .notify
            .as_deref()
            .and_then(|n| n.master_rx_lower_pri.clone())
            .map(|c| c.argv);
        (
            flags,
            script,
            d.iter().map(|x| x.short(&p.sources)).collect(),
        )
    }

    /// vrrp.c `vrrp_complete_instance`: the instance's own setting, else
    /// its sync group's, else `vrrp_notify_priority_changes`; no warning.
    #[test]
    fn notify_priority_changes_falls_back_to_group_then_global() {
        let (f, _, d) = map("", "", "");
        assert_eq!(f, [false, false]);
        assert!(!d.iter().any(|w| w.contains("priority_changes")), "{d:?}");
        assert_eq!(map("vrrp_notify_priority_changes", "", "").0, [true, true]);
        let (f, _, d) = map("", "", " notify_priority_changes");
        assert_eq!(f, [true, false]);
        assert!(!d.iter().any(|w| w.contains("priority_changes")), "{d:?}");
        assert_eq!(
            map(
                "vrrp_notify_priority_changes",
                "",
                " notify_priority_changes false"
            )
            .0,
            [false, true]
        );
        assert_eq!(
            map(
                "",
                " notify_priority_changes true",
                " notify_priority_changes false"
            )
            .0,
            [true, false]
        );
    }

    /// `notify_master_rx_lower_pri` is run now: mapped as written, no
    /// "ignored" warning.
    #[test]
    fn master_rx_lower_pri_script_is_mapped() {
        let (_, script, d) = map("", " notify_master_rx_lower_pri \"/bin/true low\"", "");
        assert_eq!(script, Some(vec!["/bin/true".to_string(), "low".into()]));
        assert!(
            !d.iter()
                .any(|w| w.contains("notify_master_rx_lower_pri")
                    || w.contains("this notify script")),
            "{d:?}"
        );
    }
}
