//! `vrrp_sync_group` beyond membership: its tracking and notify scripts
//! (docs/keepalived.md §3.16, keepalived.conf(5) "VRRP synchronization group").
//!
//! * Objects tracked by the group (`track_interface`, `track_script`,
//!   `track_file`, `track_process`, `track_bfd`) are tracked by every member.
//! * Unless `sync_group_tracking_weight` is set, every tracker of a member
//!   has weight 0: a failing one puts the member, and so the group, in Fault
//!   (keepalived ignores the weights with a log line; we warn). Exceptions as
//!   in keepalived: tracked processes keep their weights; a member's own
//!   weighted `track_bfd` is dropped, and the group's `track_bfd` keeps its
//!   weight.
//! * Group notify scripts run when the group as a whole changes state; the
//!   generic `notify` gets `GROUP NAME STATE PRIORITY` appended, PRIORITY
//!   being 0 for a group as keepalived 2.2.7 passes it.
//! * A member with `state MASTER` starts as Backup when another member is
//!   not the address owner or wants Backup ([`initial_states`]).

use keepalived_conf::{Diagnostic, VrrpSyncGroup};
use vrrp_core::{InitialState, TrackerConfig, TrackerKind};

use crate::spec::mapping::{
    InstanceSpec, NotifySpec, TrackerSource, file_tracker, script_cmd, script_tracker,
};

/// The group's notify scripts, if it has any.
pub fn group_notify(sg: &VrrpSyncGroup, diags: &mut Vec<Diagnostic>) -> Option<NotifySpec> {
    let n = NotifySpec {
        master: script_cmd(sg.notify_master.as_ref(), diags),
        backup: script_cmd(sg.notify_backup.as_ref(), diags),
        fault: script_cmd(sg.notify_fault.as_ref(), diags),
        stop: script_cmd(sg.notify_stop.as_ref(), diags),
        generic: script_cmd(sg.notify.as_ref(), diags),
        deleted: None,
        master_rx_lower_pri: None,
    };
    (n != NotifySpec::default()).then_some(n)
}

/// The members' initial states as keepalived settles them
/// (vrrp.c `vrrp_complete_init`): when one member wants Master (`state
/// MASTER`, or no state and priority 255) and one wants Backup or is not the
/// address owner, every member that wants Master starts as Backup, so that
/// the group starts together. keepalived says nothing; we warn.
pub fn initial_states(
    sg: &VrrpSyncGroup,
    members: &[usize],
    instances: &mut [InstanceSpec],
    diags: &mut Vec<Diagnostic>,
) {
    let wants_master = |i: &InstanceSpec| match i.config.initial_state {
        Some(InitialState::Master) => true,
        Some(InitialState::Backup) => false,
        None => i.config.priority == 255,
    };
    let have_master = members.iter().any(|&m| wants_master(&instances[m]));
    let have_backup = members
        .iter()
        .any(|&m| !wants_master(&instances[m]) || instances[m].config.priority != 255);
    if !(have_master && have_backup) {
        return;
    }
    for &m in members {
        let i = &mut instances[m];
        if wants_master(i) {
            diags.push(Diagnostic::warning(
                "vrrpd-sync-group-state",
                i.span,
                format!(
                    "instance `{}` starts as BACKUP: sync group `{}` has a member that \
                     is not the address owner or starts as BACKUP (as keepalived does)",
                    i.config.name, sg.name.value
                ),
            ));
            i.config.initial_state = Some(InitialState::Backup);
        }
    }
}

/// Applies the group's tracking to its members (indices into `instances`).
pub fn apply_group_tracking(
    sg: &VrrpSyncGroup,
    cfg: &keepalived_conf::Config,
    members: &[usize],
    instances: &mut [InstanceSpec],
    diags: &mut Vec<Diagnostic>,
) {
    let keep_weights = sg
        .sync_group_tracking_weight
        .as_ref()
        .is_some_and(|b| b.value);
    let mut added: Vec<(TrackerConfig, TrackerSource)> = Vec::new();
    for t in &sg.track_interface {
        added.push((
            TrackerConfig {
                kind: TrackerKind::Interface,
                name: t.name.clone(),
                weight: t.weight.unwrap_or(0),
                reverse: t.reverse,
                initially_up: true,
            },
            TrackerSource::Interface(t.name.clone()),
        ));
    }
    for t in &sg.track_script {
        if let Some(tc) = script_tracker(cfg, t, diags) {
            added.push((tc, TrackerSource::Script(t.name.clone())));
        }
    }
    for t in &sg.track_file {
        if let Some(tc) = file_tracker(cfg, t, diags) {
            added.push((tc, TrackerSource::File(t.name.clone())));
        }
    }
    // vrrp.c `vrrp_complete_init`: a group's tracked process keeps its weight
    // (sync_group_tracking_weight or not), except 0 when a member is an
    // address owner.
    let has_owner = members.iter().any(|&m| {
        instances
            .get(m)
            .is_some_and(|i| i.config.priority == vrrp_core::config::PRIORITY_OWNER)
    });
    for t in &sg.track_process {
        if let Some(mut tc) =
            crate::spec::track_process::process_tracker(cfg, t, &sg.name.value, diags)
        {
            if has_owner && tc.weight != 0 {
                diags.push(Diagnostic::warning(
                    "vrrpd-sync-group-weight",
                    t.span,
                    format!(
                        "({}) Cannot have weighted track process '{}' with member having \
                         priority 255 - setting weight 0 (as keepalived does)",
                        sg.name.value, t.name
                    ),
                ));
                tc.weight = 0;
            }
            added.push((tc, TrackerSource::Process(t.name.clone())));
        }
    }
    // vrrp.c `vrrp_complete_instance`: without sync_group_tracking_weight a
    // member's own weighted track_bfd entries are dropped (not made weight 0).
    if !keep_weights {
        for &m in members {
            if let Some(spec) = instances.get_mut(m) {
                drop_weighted_bfd(spec, &sg.name.value, diags);
            }
        }
    }
    // vrrp.c `sync_group_tracking_init`: the group's track_bfd entries keep
    // their weights (sync_group_tracking_weight or not), except 0 when a
    // member is an address owner.
    for t in &sg.track_bfd {
        if let Some(w) = crate::spec::bfd::never_up_warning(cfg, t, &sg.name.value) {
            diags.push(w);
        }
        let mut tc = crate::spec::bfd::bfd_tracker(t);
        if has_owner && tc.weight != 0 {
            diags.push(Diagnostic::warning(
                "vrrpd-sync-group-weight",
                t.span,
                format!(
                    "({}) Cannot have weighted track bfd '{}' with member having priority \
                     255 - setting weight 0 (as keepalived does)",
                    sg.name.value, t.name
                ),
            ));
            tc.weight = 0;
        }
        added.push((tc, TrackerSource::Bfd(t.name.clone())));
    }
    for &m in members {
        let Some(spec) = instances.get_mut(m) else {
            continue;
        };
        for (tc, src) in &added {
            match spec.trackers.iter().position(|s| s == src) {
                None => {
                    spec.config.trackers.push(tc.clone());
                    spec.trackers.push(src.clone());
                }
                // vrrp.c `add_vrrp_to_track_process`: tracked by the instance
                // too: the group's weight, unless the instance's is 0.
                Some(k) if tc.kind == TrackerKind::Process => {
                    if let Some(mine) = spec.config.trackers.get_mut(k)
                        && mine.weight != 0
                    {
                        mine.weight = tc.weight;
                    }
                }
                // vrrp.c `add_vrrp_to_track_bfd`: the same, with the group's
                // reverse too.
                Some(k) if tc.kind == TrackerKind::Bfd => {
                    if let Some(mine) = spec.config.trackers.get_mut(k)
                        && mine.weight != 0
                    {
                        mine.weight = tc.weight;
                        mine.reverse = tc.reverse;
                    }
                }
                Some(_) => {}
            }
        }
        if keep_weights {
            continue;
        }
        for tc in &mut spec.config.trackers {
            // keepalived leaves tracked processes' weights alone in a group,
            // and the weighted BFD trackers left are the group's own
            if tc.weight != 0 && tc.kind != TrackerKind::Process && tc.kind != TrackerKind::Bfd {
                diags.push(Diagnostic::warning(
                    "vrrpd-sync-group-weight",
                    spec.span,
                    format!(
                        "instance `{}`: weight {} of tracked `{}` ignored in sync group `{}` (as keepalived does; set sync_group_tracking_weight to keep it)",
                        spec.config.name, tc.weight, tc.name, sg.name.value
                    ),
                ));
                tc.weight = 0;
            }
        }
    }
}

/// Removes a member's weighted `track_bfd` trackers, with keepalived's
/// message ("ignoring tracked bfd ... due to SYNC group").
fn drop_weighted_bfd(spec: &mut InstanceSpec, group: &str, diags: &mut Vec<Diagnostic>) {
    let mut k = 0;
    while k < spec.config.trackers.len() {
        let t = &spec.config.trackers[k];
        if t.kind == TrackerKind::Bfd && t.weight != 0 {
            diags.push(Diagnostic::warning(
                "vrrpd-sync-group-weight",
                spec.span,
                format!(
                    "({}) ignoring tracked bfd {} with weight {} due to SYNC group `{group}` \
                     (as keepalived does; set sync_group_tracking_weight to keep it)",
                    spec.config.name, t.name, t.weight
                ),
            ));
            spec.config.trackers.remove(k);
            if k < spec.trackers.len() {
                spec.trackers.remove(k);
            }
        } else {
            k += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrrp_core::State;

    #[test]
    fn group_generic_notify_gets_group_name_state_and_zero() {
        let group_scripts = |n: &NotifySpec, g: &str, st: State| -> Vec<Vec<String>> {
            crate::spec::notify::group_scripts(n, g, st)
                .into_iter()
                .map(|c| c.argv)
                .collect()
        };
        let n = NotifySpec {
            master: Some(vec!["/bin/m".to_string(), "x".into()].into()),
            generic: Some(vec!["/bin/g".to_string()].into()),
            ..NotifySpec::default()
        };
        assert_eq!(
            group_scripts(&n, "G1", State::Master),
            vec![
                vec!["/bin/m".to_string(), "x".into()],
                vec![
                    "/bin/g".to_string(),
                    "GROUP".into(),
                    "G1".into(),
                    "MASTER".into(),
                    "0".into()
                ],
            ]
        );
        assert_eq!(
            group_scripts(&n, "G1", State::Fault),
            vec![vec![
                "/bin/g".to_string(),
                "GROUP".into(),
                "G1".into(),
                "FAULT".into(),
                "0".into()
            ]]
        );
        assert!(group_scripts(&n, "G1", State::Stop).is_empty());
    }
}
