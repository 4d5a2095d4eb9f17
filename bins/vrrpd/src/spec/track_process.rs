//! `vrrp_track_process` blocks and the `track_process` entries of instances
//! and sync groups (keepalived vrrp_track.c `alloc_track_process`,
//! vrrp.c `add_vrrp_to_track_process`; docs/keepalived.md §3.21).

use std::time::Duration;

use keepalived_conf::{Config, Diagnostic, ParamMatch, TrackRef};
use keepalived_runtime::proc_scan::{self, ProcMatcher};
use vrrp_core::{TrackerConfig, TrackerKind};

/// A `vrrp_track_process` tracked by at least one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessSpec {
    /// `vrrp_track_process NAME`.
    pub name: String,
    /// Which processes it counts.
    pub matcher: ProcMatcher,
    /// `quorum` (default 1).
    pub quorum: u32,
    /// `quorum_max` (default unlimited).
    pub quorum_max: u32,
    /// `terminate_delay` / `delay`: quorum lost by exits counts this late.
    pub terminate_delay: Option<Duration>,
    /// `fork_delay` / `delay`: quorum gained by a tracked process forking
    /// counts this late.
    pub fork_delay: Option<Duration>,
}

/// The tracker of a `track_process` entry (instance or sync group), or
/// None (with keepalived's warning) when it names no `vrrp_track_process`.
/// The entry's `weight W [reverse]` overrides the block's (default 0).
pub(crate) fn process_tracker(
    cfg: &Config,
    t: &TrackRef,
    owner: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<TrackerConfig> {
    let Some(p) = cfg.track_processes.iter().find(|p| p.name.value == t.name) else {
        diags.push(Diagnostic::warning(
            "vrrpd-track-process",
            t.span,
            format!(
                "({owner}) track process {} not found, ignoring... (as keepalived does)",
                t.name
            ),
        ));
        return None;
    };
    let (weight, reverse) = match t.weight {
        Some(w) => (w, t.reverse),
        None => (p.weight.as_ref().map_or(0, |w| w.value), p.reverse),
    };
    Some(TrackerConfig {
        kind: TrackerKind::Process,
        name: t.name.clone(),
        weight,
        reverse,
        initially_up: true,
    })
}

/// global `process_monitor_rcv_bufs` (and `_force`).
pub fn rcvbuf(g: &keepalived_conf::GlobalDefs) -> Option<(u32, bool)> {
    let n = g.process_monitor_rcv_bufs.as_ref()?.value;
    let force = g
        .process_monitor_rcv_bufs_force
        .as_ref()
        .is_some_and(|f| f.value);
    Some((n, force))
}

/// The `vrrp_track_process` blocks named in `used`, in file order.
pub(crate) fn process_specs(cfg: &Config, used: &[&str]) -> Vec<ProcessSpec> {
    cfg.track_processes
        .iter()
        .filter(|p| used.contains(&p.name.value.as_str()))
        .filter_map(|p| {
            let words = &p.process.as_ref()?.value;
            let pm = p.effective_param_match().map(|m| match m {
                ParamMatch::Partial => proc_scan::ParamMatch::Partial,
                ParamMatch::Initial => proc_scan::ParamMatch::Initial,
                _ => proc_scan::ParamMatch::Exact,
            });
            Some(ProcessSpec {
                name: p.name.value.clone(),
                matcher: ProcMatcher::new(words, pm, p.uses_full_command()),
                quorum: p.quorum_value(),
                quorum_max: p.quorum_max_value(),
                terminate_delay: p.terminate_delay.as_ref().map(|d| d.value),
                fork_delay: p.fork_delay.as_ref().map(|d| d.value),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::spec::mapping::{SimResolver, TrackerSource, map_config};
    use keepalived_conf::{LoadOptions, parse_str};

    fn map(text: &str) -> (crate::spec::mapping::Mapped, Vec<String>) {
        let p = parse_str("t.conf", text, &LoadOptions::default());
        assert!(!p.has_errors(), "{}", p.render_diagnostics());
        let (m, d) = map_config(&p.config, &SimResolver { node: 3 });
        (m, d.iter().map(|x| x.short(&p.sources)).collect())
    }

    const BLOCKS: &str = "vrrp_track_process nginx {\n process nginx\n weight -20\n quorum 2\n \
                          delay 1.5\n}\nvrrp_track_process unused {\n process x\n}\n\
                          vrrp_track_process cmd {\n process /usr/bin/x -a\n param_match partial\n}\n";

    #[test]
    fn instance_entries_become_process_trackers() {
        let (m, d) = map(&format!(
            "{BLOCKS}vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n \
             track_process {{\n  nginx\n  cmd weight 5 reverse\n  nginx\n  nosuch\n }}\n \
             virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
        ));
        assert!(
            d.iter()
                .any(|x| x.contains("duplicate track_process nginx")),
            "{d:?}"
        );
        assert!(
            d.iter()
                .any(|x| x.contains("track process nosuch not found")),
            "{d:?}"
        );
        assert!(!d.iter().any(|x| x.contains("not acted on")), "{d:?}");
        let i = &m.instances[0];
        assert_eq!(
            i.trackers,
            [
                TrackerSource::Process("nginx".into()),
                TrackerSource::Process("cmd".into())
            ]
        );
        let t = &i.config.trackers;
        assert_eq!((t[0].weight, t[0].reverse), (-20, false));
        assert_eq!((t[1].weight, t[1].reverse), (5, true));
        // only the blocks in use, with keepalived's defaults filled in
        let names: Vec<_> = m.track_processes.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["nginx", "cmd"]);
        let n = &m.track_processes[0];
        assert_eq!((n.quorum, n.quorum_max), (2, u32::MAX));
        assert_eq!(
            n.terminate_delay,
            Some(std::time::Duration::from_millis(1500))
        );
        assert_eq!(n.fork_delay, n.terminate_delay);
        assert!(!n.matcher.full_command);
        let c = &m.track_processes[1].matcher;
        assert!(c.full_command);
        assert_eq!(c.params.as_deref(), Some(&b"-a\0"[..]));
        assert_eq!(
            c.param_match,
            Some(keepalived_runtime::proc_scan::ParamMatch::Partial)
        );
    }

    #[test]
    fn sync_group_with_an_owner_zeroes_process_weights() {
        let (m, d) = map(&format!(
            "{BLOCKS}vrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n track_process {{\n  nginx\n }}\n}}\n\
             vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n priority 255\n \
             virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n\
             vrrp_instance B {{\n interface eth0\n virtual_router_id 2\n \
             track_process {{\n  cmd weight 3\n }}\n virtual_ipaddress {{\n 192.0.2.2\n }}\n}}\n"
        ));
        assert!(d.iter().any(|x| x.contains("setting weight 0")), "{d:?}");
        let b = &m.instances[1];
        assert_eq!(b.trackers[0], TrackerSource::Process("cmd".into()));
        assert_eq!(
            b.config.trackers[0].weight, 3,
            "the instance's own entry stays"
        );
        assert_eq!(b.config.trackers[1].weight, 0);
    }

    #[test]
    fn sync_group_entries_go_to_members() {
        let (m, d) = map(&format!(
            "{BLOCKS}vrrp_sync_group G {{\n group {{\n  A\n }}\n track_process {{\n  nginx\n }}\n}}\n\
             vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n \
             virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
        ));
        assert!(!d.iter().any(|x| x.contains("not acted on")), "{d:?}");
        let i = &m.instances[0];
        assert_eq!(i.trackers, [TrackerSource::Process("nginx".into())]);
        // unlike scripts, a tracked process keeps its weight in a sync group
        // (keepalived 2.2.7 `vrrp_complete_instance` zeroes the others only)
        assert_eq!(i.config.trackers[0].weight, -20);
        assert_eq!(m.track_processes.len(), 1);
    }
}
