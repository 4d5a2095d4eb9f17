//! An instance's notify scripts: `notify_master`, `notify_backup`,
//! `notify_fault`, `notify_stop`, `notify`, `notify_deleted`;
//! `notify_master_rx_lower_pri` is read and not run (a warning).

use keepalived_conf::{Diagnostic, VrrpInstance};

use crate::spec::mapping::{NotifySpec, ignored, script_cmd};

/// The notify scripts of `vi`, or None when it has none.
pub fn notify(vi: &VrrpInstance, diags: &mut Vec<Diagnostic>) -> Option<Box<NotifySpec>> {
    if let Some(s) = &vi.notify_master_rx_lower_pri {
        diags.push(ignored(s.span, "this notify script"));
    }
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
