#![allow(clippy::unwrap_used, clippy::panic)]
//! Every row of a keyword table whose status is `typed` reaches the typed model: a
//! configuration writing the keyword with a valid value gives a model that differs
//! from the one without it, and the keyword is not left in a raw `other` list. A row
//! added to a table without its builder setting a field fails here.

use keepalived_conf::table::{self, Model, Section, Value};
use keepalived_conf::{LoadOptions, parse_str};

/// A valid value for `kw` of `section`: from the row's type, or written out where the
/// type says too little.
fn sample(section: &str, kw: &str, v: Value) -> String {
    match (section, kw) {
        (_, "vrrp_mcast_group4") => return "224.0.0.44".into(),
        (_, "vrrp_mcast_group6") => return "ff02::44".into(),
        (_, "mcast_dst_ip") => return "224.0.0.44".into(),
        (_, "smtp_server") => return "10.0.0.9 25".into(),
        (_, "script_user") | (_, "user") => return "root".into(),
        (_, "nftables") => return "t".into(),
        (_, "lvs_timeouts") => return "tcp 10".into(),
        (_, "lvs_sync_daemon") => return "eth0".into(),
        (_, "lvs_flush_on_stop") | (_, "lvs_flush_onstop") => return String::new(),
        (_, "notify_fifo") | (_, "vrrp_notify_fifo") | (_, "lvs_notify_fifo") => {
            return "/run/x.fifo".into();
        }
        (_, "dynamic_interfaces") => return String::new(),
        (_, "vrrp_garp_extra_if") | (_, "vrrp_vmac_garp_intvl") => return "10".into(),
        (_, "garp_extra_if") | (_, "vmac_garp_intvl") => return "10".into(),
        (_, "notification_email") => return "{\n a@b\n}".into(),
        (_, "state") => return "MASTER".into(),
        ("vrrp_script", "script") => return "/bin/false".into(),
        (_, "authentication") => return "{\n auth_type PASS\n auth_pass x\n}".into(),
        (_, "virtual_ipaddress") | (_, "virtual_ipaddress_excluded") => {
            return "{\n 10.0.0.9\n}".into();
        }
        (_, "virtual_routes") => return "{\n 10.1.0.0/16 via 10.0.0.1\n}".into(),
        (_, "virtual_rules") => return "{\n from 10.0.0.9 table 5\n}".into(),
        (_, "unicast_peer") => return "{\n 10.0.0.2\n}".into(),
        (_, "track_interface") => return "{\n eth1\n}".into(),
        (_, "track_script") => return "{\n s\n}".into(),
        (_, "track_file") if section != "FILE_CHECK" => return "{\n f\n}".into(),
        (_, "track_process") => return "{\n p\n}".into(),
        (_, "track_bfd") => return "{\n b\n}".into(),
        (_, "use_vmac") | (_, "use_ipvlan") => return String::new(),
        (_, "notify_deleted") => return String::new(),
        (_, "group") => return "{\n A\n}".into(),
        (_, "param_match") => return "initial".into(),
        (_, "init_file") => return String::new(),
        _ => {}
    }
    match v {
        Value::Bare | Value::Flag => String::new(),
        Value::Uint { min, .. } => min.max(1).to_string(),
        Value::Int { min, max } => 1.clamp(min, max).to_string(),
        Value::Seconds { min_us, max_us } => {
            let us = 1_000_000u64.clamp(min_us, max_us);
            format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
        }
        Value::Ip => "10.0.0.9".into(),
        Value::Text => "x".into(),
        Value::Words => "x y".into(),
        Value::Script => "/bin/true".into(),
        Value::Weight { .. } => "2".into(),
        _ => panic!("{section} {kw}: no sample for {v}"),
    }
}

/// What the instance, group, script, file and process to track are, so that a
/// reference to them is kept.
const TRACKED: &str = "vrrp_script s {\n script /bin/true\n}\ntrack_file f {\n file /tmp/f\n}\n\
                       vrrp_track_process p {\n process x\n}\n\
                       bfd_instance b {\n neighbor_ip 10.0.0.7\n}\n";

/// The model of `section` (JSON) with `line` written in it.
fn model(section: &Section, line: &str) -> serde_json::Value {
    let (text, pick): (String, fn(&keepalived_conf::Config) -> serde_json::Value) = match section
        .name
    {
        "" => (format!("{line}\n"), |c| {
            serde_json::json!([serde_json::to_value(&c.global_defs).unwrap(), c.other.len()])
        }),
        "global_defs" => (format!("global_defs {{\n{line}\n}}\n"), |c| {
            serde_json::to_value(&c.global_defs).unwrap()
        }),
        "vrrp_instance" => (
            format!(
                "{TRACKED}vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n{line}\n}}\n"
            ),
            |c| serde_json::to_value(&c.vrrp_instances).unwrap(),
        ),
        "vrrp_sync_group" => (
            format!(
                "{TRACKED}vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n}}\n\
                 vrrp_sync_group G {{\n group {{\n  A\n }}\n{line}\n}}\n"
            ),
            |c| serde_json::to_value(&c.vrrp_sync_groups).unwrap(),
        ),
        "vrrp_script" => (
            format!("vrrp_script s {{\n script /bin/true\n{line}\n}}\n"),
            |c| serde_json::to_value(&c.vrrp_scripts).unwrap(),
        ),
        _ => unreachable!(),
    };
    let p = parse_str("t.conf", &text, &LoadOptions::default());
    assert!(
        !p.has_errors(),
        "{}: {}",
        line.trim(),
        p.render_diagnostics()
    );
    pick(&p.config)
}

fn check(section: &Section) {
    let base = model(section, "");
    let mut unwired = Vec::new();
    for row in section.keywords.iter().filter(|k| k.model == Model::Typed) {
        if section.name == "vrrp_sync_group" && row.keyword == "group" {
            continue; // the base has it: every group needs one
        }
        let value = sample(section.name, row.keyword, row.value);
        let line = format!(" {} {value}", row.keyword);
        if model(section, &line) == base {
            unwired.push(row.keyword);
        }
    }
    assert!(
        unwired.is_empty(),
        "typed rows of `{}` whose value does not reach the model: {unwired:?}",
        section.name
    );
}

#[test]
fn every_typed_top_level_and_global_defs_row_reaches_the_model() {
    check(&table::TOP);
    check(&table::GLOBAL_DEFS);
}

#[test]
fn every_typed_vrrp_script_row_reaches_the_model_and_plain_ones_name_their_field() {
    check(&table::SCRIPT);
    let by_name: Vec<&str> = table::SCRIPT
        .keywords
        .iter()
        .filter(|k| matches!(k.set, table::Set::Builder))
        .map(|k| k.keyword)
        .collect();
    assert_eq!(by_name, ["weight", "user"]);
}

#[test]
fn every_typed_vrrp_instance_and_sync_group_row_reaches_the_model() {
    check(&table::INSTANCE);
    check(&table::SYNC_GROUP);
}

/// In `global_defs`, a typed keyword with a plain value is one row: it names the field
/// it sets and the builder reads it from the row. Only the keywords with a syntax of
/// their own (or setting several fields) are read by name in the builder; a new plain
/// keyword belongs in the first group.
#[test]
fn global_defs_rows_name_their_field_unless_their_syntax_is_their_own() {
    let by_name: Vec<&str> = table::GLOBAL_DEFS
        .keywords
        .iter()
        .filter(|k| k.model == Model::Typed && matches!(k.set, table::Set::Builder))
        .map(|k| k.keyword)
        .collect();
    assert_eq!(
        by_name,
        [
            "notification_email",
            "smtp_server",
            "smtp_connect_timeout",
            "script_user",
            "nftables",
            "vrrp_mcast_group4",
            "vrrp_mcast_group6",
            "max_auto_priority",
            "lvs_timeouts",
            "lvs_sync_daemon",
            "lvs_flush_on_stop",
            "lvs_flush_onstop",
            "enable_snmp_rfc",
            "enable_snmp_rfcv2",
            "enable_snmp_rfcv3",
            "enable_snmp_vrrp",
            "enable_snmp_keepalived",
            "enable_snmp_checker",
            "enable_traps",
            "snmp_socket",
            "dynamic_interfaces",
            "process_monitor_rcv_bufs",
            "vrrp_garp_extra_if",
            "vrrp_vmac_garp_intvl",
        ]
    );
}
