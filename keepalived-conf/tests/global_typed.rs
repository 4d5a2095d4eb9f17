#![allow(clippy::unwrap_used)]
//! Settings the daemons read have typed fields (no daemon looks a keyword up in
//! `GlobalDefs::other`); a later line replaces an earlier one, as in keepalived.

use keepalived_conf::{LoadOptions, parse_str};

#[test]
fn fifo_scripts_and_rs_init_notifies_are_typed_and_the_last_line_wins() {
    let p = parse_str(
        "t.conf",
        "global_defs {\n notify_fifo /run/a.fifo\n notify_fifo_script /bin/first\n \
         notify_fifo_script \"/bin/reader -x\" nobody\n vrrp_notify_fifo_script /bin/v\n \
         lvs_notify_fifo_script /bin/l\n rs_init_notifies\n}\n",
        &LoadOptions::default(),
    );
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let g = &p.config.global_defs;
    let s = g.notify_fifo_script.as_ref().unwrap();
    assert_eq!(s.value.command, "/bin/reader -x");
    assert_eq!(s.value.user.as_deref(), Some("nobody"));
    assert_eq!(s.span.line, 4);
    assert_eq!(
        g.vrrp_notify_fifo_script.as_ref().unwrap().value.command,
        "/bin/v"
    );
    assert_eq!(
        g.lvs_notify_fifo_script.as_ref().unwrap().value.command,
        "/bin/l"
    );
    assert_eq!(g.rs_init_notifies.as_ref().map(|b| b.value), Some(true));
    assert!(g.other.is_empty(), "{:?}", g.other);
}

/// keepalived 2.2.7: `lvs_sync_daemon IF inst VI` names the instance; an unknown
/// trailing word is reported and ignored, not an error.
#[test]
fn lvs_sync_daemon_inst_and_unknown_options() {
    let p = parse_str(
        "t.conf",
        "global_defs {\n lvs_sync_daemon eth0 inst VI_1 bogus\n}\n",
        &LoadOptions::default(),
    );
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    let d = &p.config.global_defs.lvs_sync_daemon.as_ref().unwrap().value;
    assert_eq!(d.interface, "eth0");
    assert_eq!(d.instance.as_deref(), Some("VI_1"));
    assert_eq!(p.diagnostics.len(), 1, "{:?}", p.diagnostics);
    assert!(p.diagnostics[0].message.contains("bogus"));
}

/// keepalived 2.2.7 treats the deprecated `global_tracking` as
/// `sync_group_tracking_weight` (vrrp_gglobal_tracking_handler()).
#[test]
fn global_tracking_means_sync_group_tracking_weight() {
    let p = parse_str(
        "t.conf",
        "vrrp_sync_group G {\n group {\n  A\n }\n global_tracking\n}\n",
        &LoadOptions::default(),
    );
    let g = &p.config.vrrp_sync_groups[0];
    assert_eq!(
        g.sync_group_tracking_weight.as_ref().map(|b| b.value),
        Some(true)
    );
    assert!(p.diagnostics.iter().any(|d| d.code == "deprecated"));
}

/// keepalived 2.2.7 global_parser.c: `dynamic_interfaces [allow_if_changes]`
/// (an unknown option is reported and ignored) and `no_email_faults` are typed.
#[test]
fn dynamic_interfaces_options_and_no_email_faults() {
    let p = parse_str(
        "t.conf",
        "global_defs {\n dynamic_interfaces allow_if_changes\n no_email_faults\n}\n",
        &LoadOptions::default(),
    );
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let g = &p.config.global_defs;
    assert_eq!(g.dynamic_interfaces.as_ref().map(|b| b.value), Some(true));
    assert_eq!(g.allow_if_changes.as_ref().map(|b| b.value), Some(true));
    assert_eq!(g.no_email_faults.as_ref().map(|b| b.value), Some(true));
    assert!(g.other.is_empty(), "{:?}", g.other);
    let p = parse_str(
        "t.conf",
        "global_defs {\n dynamic_interfaces sometimes\n}\n",
        &LoadOptions::default(),
    );
    assert_eq!(p.diagnostics.len(), 1, "{:?}", p.diagnostics);
    assert!(p.diagnostics[0].message.contains("sometimes"));
    assert!(!p.has_errors());
    let g = &p.config.global_defs;
    assert!(g.dynamic_interfaces.is_some() && g.allow_if_changes.is_none());
}

/// keepalived 2.2.7 global_parser.c `trap_handler`, `snmp_checker_handler`:
/// `enable_traps` and `enable_snmp_checker` take no value; vrrpd acts on
/// `enable_traps` (VRRP-MIB, VRRPv3-MIB, KEEPALIVED-MIB vrrp notifications),
/// lvsd on both (KEEPALIVED-MIB check subtree and its notifications).
#[test]
fn enable_traps_and_snmp_checker_are_typed_and_acted_on() {
    let text = "global_defs {\n enable_traps\n enable_snmp_rfc\n enable_snmp_checker\n}\n";
    let parsed = parse_str("t.conf", text, &LoadOptions::default());
    let g = &parsed.config.global_defs;
    assert_eq!(g.enable_traps.as_ref().map(|b| b.value), Some(true));
    assert!(g.other.iter().all(|o| o.keyword != "enable_traps"));
    let warned = |d| {
        keepalived_conf::keywords::not_acted_on(&parsed, d)
            .iter()
            .any(|w| w.message.contains("enable_traps"))
    };
    assert!(!warned(keepalived_conf::keywords::Daemon::Vrrpd));
    assert!(!warned(keepalived_conf::keywords::Daemon::Lvsd));
    assert_eq!(g.enable_snmp_checker.as_ref().map(|b| b.value), Some(true));
    assert!(g.other.iter().all(|o| o.keyword != "enable_snmp_checker"));
    for d in [
        keepalived_conf::keywords::Daemon::Vrrpd,
        keepalived_conf::keywords::Daemon::Lvsd,
    ] {
        assert!(
            keepalived_conf::keywords::not_acted_on(&parsed, d)
                .iter()
                .all(|w| !w.message.contains("enable_snmp_checker")),
            "{d:?}"
        );
    }
}

/// The top-level `net_namespace` and `instance` are typed (global_parser.c
/// `net_namespace_handler`, `instance_handler`): the first one with a name counts, a
/// later one or one without a name is reported and ignored, and neither is left in
/// the raw `other` list for a daemon to look up by name.
#[test]
fn net_namespace_and_instance_are_typed_and_the_first_counts() {
    let p = parse_str(
        "t.conf",
        "net_namespace\nnet_namespace blue extra\nnet_namespace red\ninstance one\n\
         instance two\nnet_namespace_ipvs x\n",
        &LoadOptions::default(),
    );
    let g = &p.config.global_defs;
    let ns = g.net_namespace.as_ref().unwrap();
    assert_eq!((ns.value.as_str(), ns.span.line), ("blue", 2));
    assert_eq!(g.instance.as_ref().unwrap().value, "one");
    let warned: Vec<(u32, &str)> = p
        .diagnostics
        .iter()
        .map(|d| (d.span.unwrap().line, d.code))
        .collect();
    assert_eq!(
        warned,
        [(1, "invalid-value"), (3, "duplicate"), (5, "duplicate")],
        "{:?}",
        p.diagnostics
    );
    assert!(p.diagnostics.iter().all(|d| !d.is_error()));
    let raw: Vec<&str> = p.config.other.iter().map(|s| s.keyword.as_str()).collect();
    assert_eq!(raw, ["net_namespace_ipvs"]);
}
