#![allow(clippy::unwrap_used)]
//! `vrrp_track_process` is typed, with keepalived 2.2.7's ranges, defaults and
//! order-dependent quorum checks (the messages below are the ones keepalived
//! 2.2.7 prints for the same lines, reworded).

use keepalived_conf::{LoadOptions, ParamMatch, parse_str};
use std::time::Duration;

fn parse(text: &str) -> keepalived_conf::Parsed {
    parse_str("t.conf", text, &LoadOptions::default())
}

#[test]
fn full_block_is_typed() {
    let p = parse(
        "vrrp_track_process nginx {\n process /usr/sbin/nginx -g daemon\n param_match partial\n \
         weight -20 reverse\n quorum 2\n quorum_max 4\n delay 1.5\n fork_delay 0.25\n}\n",
    );
    assert!(p.diagnostics.is_empty(), "{:?}", p.short_diagnostics());
    assert!(p.config.raw_blocks.is_empty());
    let t = &p.config.track_processes[0];
    assert_eq!(t.name.value, "nginx");
    assert_eq!(
        t.process.as_ref().unwrap().value,
        ["/usr/sbin/nginx", "-g", "daemon"]
    );
    assert_eq!(t.effective_param_match(), Some(ParamMatch::Partial));
    assert!(t.uses_full_command());
    assert_eq!(t.weight.as_ref().unwrap().value, -20);
    assert!(t.reverse);
    assert_eq!((t.quorum_value(), t.quorum_max_value()), (2, 4));
    assert_eq!(
        t.terminate_delay.as_ref().unwrap().value,
        Duration::from_millis(1500)
    );
    assert_eq!(
        t.fork_delay.as_ref().unwrap().value,
        Duration::from_millis(250)
    );
}

#[test]
fn defaults_and_implied_full_command() {
    let p = parse(
        "vrrp_track_process a {\n process sshd\n}\nvrrp_track_process b {\n process /bin/x y\n}\n",
    );
    assert!(p.diagnostics.is_empty(), "{:?}", p.short_diagnostics());
    let a = &p.config.track_processes[0];
    assert!(!a.uses_full_command());
    assert_eq!(a.effective_param_match(), None);
    assert_eq!((a.quorum_value(), a.quorum_max_value()), (1, u32::MAX));
    assert!(a.weight.is_none() && a.terminate_delay.is_none() && a.fork_delay.is_none());
    let b = &p.config.track_processes[1];
    assert!(b.uses_full_command());
    assert_eq!(b.effective_param_match(), Some(ParamMatch::Exact));
    // `param_match` alone is exact and implies the full command line.
    let p = parse("vrrp_track_process c {\n process x\n param_match\n}\n");
    let c = &p.config.track_processes[0];
    assert!(c.uses_full_command());
    assert_eq!(c.effective_param_match(), Some(ParamMatch::Exact));
}

/// The values keepalived 2.2.7 reports and ignores (`keepalived -t` on the
/// same block): `param_match exact` (2.2.7 has no such word), weight 300,
/// quorum_max below quorum, delay 0; a block without `process` is removed.
#[test]
fn ignored_values_warn_and_missing_process_is_an_error() {
    let p = parse(
        "vrrp_track_process p1 {\n process sleep\n param_match exact\n weight 300\n quorum 3\n \
         quorum_max 2\n delay 0\n}\nvrrp_track_process p2 {\n full_command\n}\n",
    );
    let d = p.short_diagnostics();
    let has = |line: &str, text: &str| d.iter().any(|x| x.contains(line) && x.contains(text));
    assert!(has("t.conf:3:", "not a param_match type"), "{d:?}");
    assert!(has("t.conf:4:", "weight"), "{d:?}");
    assert!(has("t.conf:6:", "quorum_max is less than quorum"), "{d:?}");
    assert!(has("t.conf:7:", "delay"), "{d:?}");
    assert!(has("t.conf:11:", "process name not specified"), "{d:?}");
    assert!(p.has_errors());
    assert_eq!(p.config.track_processes.len(), 1);
    let t = &p.config.track_processes[0];
    assert_eq!(t.param_match, None);
    assert!(!t.uses_full_command());
    assert_eq!(t.weight, None);
    assert_eq!((t.quorum_value(), t.quorum_max_value()), (3, u32::MAX));
    assert_eq!(t.terminate_delay, None);
}

#[test]
fn quorum_order_rules_follow_keepalived() {
    let q = |body: &str| {
        let p = parse(&format!("vrrp_track_process p {{\n process x\n{body}}}\n"));
        let t = &p.config.track_processes[0];
        (t.quorum_value(), t.quorum_max_value(), p.diagnostics.len())
    };
    // quorum_max 0: "must not run" (quorum 0).
    assert_eq!(q(" quorum_max 0\n"), (0, 0, 0));
    // ... then quorum 1 is above quorum_max 0: ignored.
    assert_eq!(q(" quorum_max 0\n quorum 1\n"), (0, 0, 1));
    // quorum_max 0 after quorum 2: below the quorum, ignored.
    assert_eq!(q(" quorum 2\n quorum_max 0\n"), (2, u32::MAX, 1));
    // quorum_max raised again after 0: quorum back to 1.
    assert_eq!(q(" quorum_max 0\n quorum_max 3\n"), (1, 3, 0));
    // a second weight is ignored once one is set.
    let p = parse("vrrp_track_process p {\n process x\n weight 5\n weight 7 reverse\n}\n");
    let t = &p.config.track_processes[0];
    assert_eq!((t.weight.as_ref().unwrap().value, t.reverse), (5, false));
    assert_eq!(p.diagnostics.len(), 1, "{:?}", p.short_diagnostics());
}

#[test]
fn process_monitor_rcv_bufs_are_typed() {
    let p = parse(
        "global_defs {\n process_monitor_rcv_bufs 4194304\n process_monitor_rcv_bufs_force\n}\n",
    );
    assert!(p.diagnostics.is_empty(), "{:?}", p.short_diagnostics());
    let g = &p.config.global_defs;
    assert_eq!(
        g.process_monitor_rcv_bufs.as_ref().unwrap().value,
        4_194_304
    );
    assert!(g.process_monitor_rcv_bufs_force.as_ref().unwrap().value);
    // 0 is ignored, as keepalived ignores it
    let p = parse("global_defs {\n process_monitor_rcv_bufs 0\n}\n");
    assert!(p.config.global_defs.process_monitor_rcv_bufs.is_none());
}
