#![allow(clippy::unwrap_used, clippy::panic)]
//! Every row of every keyword table is wired, generated from the rows:
//!
//! - a row naming the field it sets (`Set::...`): a configuration writing the keyword
//!   with a value that is not the default gives that value in that field of the model;
//! - a row read by its section's builder (`Set::Builder`): writing the keyword is not
//!   reported as unknown, changes the model, and lands in a raw `other` list exactly
//!   when its row says it is kept as written.

use keepalived_conf::model::*;
use keepalived_conf::table::{self, BoxField, Field, Model, Section, Set, Value};
use keepalived_conf::{Config, LoadOptions, Spanned, parse_str};
use std::net::IpAddr;
use std::time::Duration;

/// The `bfd_instance`, `track_file`, script and process the sections refer to.
const TRACKED: &str = "vrrp_script s {\n script /bin/true\n}\ntrack_file f {\n file /tmp/f\n}\n\
                       vrrp_track_process p {\n process x\n}\n\
                       bfd_instance b {\n neighbor_ip 10.0.0.7\n}\n";
const INSTANCE: &str = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n";

/// A configuration holding `line` in the section `section`.
fn config(section: &str, line: &str) -> String {
    let rs = |inner: &str| {
        format!(
            "{TRACKED}virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n{inner}\n }}\n}}\n"
        )
    };
    let checker = |kind: &str, base: &str| rs(&format!("  {kind} {{\n{base}{line}\n  }}"));
    match section {
        "" => format!("{line}\n"),
        "global_defs" => format!("global_defs {{\n{line}\n}}\n"),
        "vrrp_instance" => format!("{TRACKED}{INSTANCE}{line}\n}}\n"),
        "vrrp_sync_group" => {
            format!(
                "{TRACKED}{INSTANCE}}}\nvrrp_sync_group G {{\n group {{\n  A\n }}\n{line}\n}}\n"
            )
        }
        "vrrp_script" => format!("vrrp_script s {{\n script /bin/true\n{line}\n}}\n"),
        "track_file" => format!("track_file f {{\n file /tmp/f\n{line}\n}}\n"),
        "vrrp_track_process" => format!("vrrp_track_process p {{\n process x\n{line}\n}}\n"),
        "bfd_instance" => format!("bfd_instance b {{\n neighbor_ip 10.0.0.7\n{line}\n}}\n"),
        "virtual_server" => format!(
            "{TRACKED}virtual_server 10.0.0.1 80 {{\n{line}\n real_server 10.0.0.2 80 {{\n }}\n}}\n"
        ),
        "real_server" => rs(line),
        "checker connection" | "checker" => checker("TCP_CHECK", ""),
        "HTTP_GET" | "SSL_GET" => checker(section, "   url {\n    path /\n   }\n"),
        "url" => rs(&format!(
            "  HTTP_GET {{\n   url {{\n    path /\n{line}\n   }}\n  }}"
        )),
        "MISC_CHECK" => checker(section, "   misc_path /bin/true\n"),
        "FILE_CHECK" => checker(section, "   track_file f\n"),
        "BFD_CHECK" => checker(section, "   name b\n"),
        "SMTP_CHECK" | "DNS_CHECK" | "UDP_CHECK" => checker(section, ""),
        other => panic!("no configuration for section `{other}`"),
    }
}

fn parse(section: &str, line: &str) -> Config {
    let text = config(section, line);
    let p = parse_str("t.conf", &text, &LoadOptions::default());
    assert!(
        !p.has_errors()
            && !p
                .diagnostics
                .iter()
                .any(|d| d.code == "unknown-keyword" || d.code == "invalid-value"),
        "{section}: `{}`:\n{}",
        line.trim(),
        p.render_diagnostics()
    );
    p.config
}

/// The first checker of the first real server.
fn checker(c: &mut Config) -> &mut Checker {
    &mut c.virtual_servers[0].real_servers[0].checkers[0]
}

/// Calls `$func(struct, accessor, $args...)` with the struct of `c` that `$f` points
/// into: the first section of its kind, the first real server's first checker.
macro_rules! visit {
    ($c:expr, $f:expr, $func:ident($($arg:expr),*)) => {{
        let c: &mut Config = $c;
        match $f {
            Field::Global(a) => $func(&mut c.global_defs, a $(, $arg)*),
            Field::Instance(a) => $func(&mut c.vrrp_instances[0], a $(, $arg)*),
            Field::SyncGroup(a) => $func(&mut c.vrrp_sync_groups[0], a $(, $arg)*),
            Field::Script(a) => $func(&mut c.vrrp_scripts[0], a $(, $arg)*),
            Field::TrackFile(a) => $func(&mut c.track_files[0], a $(, $arg)*),
            Field::TrackProcess(a) => $func(&mut c.track_processes[0], a $(, $arg)*),
            Field::Bfd(a) => $func(&mut c.bfd_instances[0], a $(, $arg)*),
            Field::VirtualServer(a) => $func(&mut c.virtual_servers[0], a $(, $arg)*),
            Field::RealServer(a) => $func(&mut c.virtual_servers[0].real_servers[0], a $(, $arg)*),
            Field::Connect(a) => $func(&mut checker(c).connect, a $(, $arg)*),
            Field::Checker(a) => $func(checker(c), a $(, $arg)*),
            f => match (f, &mut checker(c).kind) {
                (Field::Http(a), CheckerKind::Http(h) | CheckerKind::Ssl(h)) => {
                    $func(h.as_mut(), a $(, $arg)*)
                }
                (Field::Url(a), CheckerKind::Http(h) | CheckerKind::Ssl(h)) => {
                    $func(&mut h.urls[0], a $(, $arg)*)
                }
                (Field::Misc(a), CheckerKind::Misc(m)) => $func(m.as_mut(), a $(, $arg)*),
                (Field::Smtp(a), CheckerKind::Smtp(x)) => $func(x.as_mut(), a $(, $arg)*),
                (Field::Dns(a), CheckerKind::Dns(x)) => $func(x.as_mut(), a $(, $arg)*),
                (Field::Udp(a), CheckerKind::Udp(x)) => $func(x.as_mut(), a $(, $arg)*),
                (Field::FileCheck(a), CheckerKind::File(x)) => $func(x.as_mut(), a $(, $arg)*),
                (Field::BfdCheck(a), CheckerKind::Bfd(x)) => $func(x.as_mut(), a $(, $arg)*),
                (f, k) => panic!("a {} field in a {k:?} checker", f.target()),
            },
        }
    }};
}

/// The value of the field `acc` picks in `s`.
fn value<S, T: Clone>(s: &mut S, acc: fn(&mut S) -> &mut Opt<T>) -> Option<T> {
    acc(s).as_ref().map(|v| v.value.clone())
}

/// The field `f` names, in the first section of its kind in `c`.
fn get<T: Clone>(c: &mut Config, f: Field<T>) -> Option<T> {
    visit!(c, f, value())
}

/// The name (as serialized) of the field `acc` picks in `s`: the one member that
/// changes when it is set to `v`.
fn name_of<S: Clone + serde::Serialize, T>(
    s: &mut S,
    acc: fn(&mut S) -> &mut Opt<T>,
    v: T,
) -> String {
    let before = serde_json::to_value(&*s).unwrap();
    let mut t = s.clone();
    *acc(&mut t) = Some(Spanned::new(v, Default::default()));
    let after = serde_json::to_value(&t).unwrap();
    let (serde_json::Value::Object(b), serde_json::Value::Object(a)) = (before, after) else {
        panic!("not a struct");
    };
    let changed: Vec<&String> = a.keys().filter(|k| b.get(*k) != a.get(*k)).collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    changed[0].clone()
}

/// The keywords whose row names a field of another name: the other spellings of a
/// keyword and the switches that clear a field.
const ALIASES: &[(&str, &str)] = &[
    ("vrrp_delay_after_boot", "vrrp_startup_delay"),
    ("preempt", "nopreempt"),
    ("no_accept", "accept"),
    ("hoplimit", "ttl"),
];

/// A number in the row's range that no default of these tables is: 7 where it fits.
fn number(v: Value) -> i64 {
    match v {
        Value::Uint { min, max } => 7u64.clamp(min, max) as i64,
        Value::Int { min, max } => 7i64.clamp(min, max),
        _ => panic!("not a number: {v}"),
    }
}

/// Writes the row's keyword with a value that is not its default and checks that the
/// field the row names holds it.
fn check_set(section: &Section, row: &table::Keyword) {
    let name = section.name;
    let kw = row.keyword;
    // the written value, and a check that the field holds it (in `base` it must not)
    macro_rules! wired {
        ($f:expr, $written:expr, $want:expr) => {{
            let line = format!(" {kw} {}", $written);
            let want = Some($want);
            let mut base = parse(name, "");
            let mut with = parse(name, &line);
            assert_ne!(
                get(&mut base, $f),
                want,
                "{name} {kw}: the base has it already"
            );
            assert_eq!(get(&mut with, $f), want, "{name} {kw}: `{}`", line.trim());
            let field = visit!(&mut with, $f, name_of($want));
            let alias = ALIASES.iter().find(|a| a.0 == kw).map_or(kw, |a| a.1);
            assert_eq!(field, alias, "{name} {kw} sets `{field}`");
        }};
    }
    match row.set {
        Set::On(f) => wired!(f, "", true),
        Set::Off(f) => wired!(f, "", false),
        Set::U8(f) => wired!(f, number(row.value), number(row.value) as u8),
        Set::U16(f) => wired!(f, number(row.value), number(row.value) as u16),
        Set::U32(f) => wired!(f, number(row.value), number(row.value) as u32),
        Set::I16(f) => wired!(f, number(row.value), number(row.value) as i16),
        Set::I32(f) => wired!(f, number(row.value), number(row.value) as i32),
        Set::Seconds(f) => {
            let Value::Seconds { min_us, max_us } = row.value else {
                panic!("{name} {kw}: seconds without a range");
            };
            let us = 7_500_000u64.clamp(min_us, max_us);
            let written = format!("{}.{:06}", us / 1_000_000, us % 1_000_000);
            wired!(f, written, Duration::from_micros(us))
        }
        Set::Text(f) => {
            // the names other sections refer to must stay those of the base
            let word = match (name, kw) {
                ("FILE_CHECK", "track_file") => "f2",
                ("BFD_CHECK", "name") => "b2",
                _ => "x7",
            };
            let extra = match word {
                "f2" => "track_file f2 {\n file /tmp/f2\n}\n",
                "b2" => "bfd_instance b2 {\n neighbor_ip 10.0.0.8\n}\n",
                _ => "",
            };
            let line = format!(" {kw} {word}");
            let text = format!("{extra}{}", config(name, &line));
            let p = parse_str("t.conf", &text, &LoadOptions::default());
            assert!(!p.has_errors(), "{name} {kw}: {}", p.render_diagnostics());
            let mut with = p.config;
            let mut base = parse(name, "");
            let want = Some(word.to_string());
            assert_ne!(get(&mut base, f), want, "{name} {kw}");
            assert_eq!(get(&mut with, f), want, "{name} {kw}");
        }
        Set::Words(f) => wired!(f, "x7 y7", vec!["x7".to_string(), "y7".to_string()]),
        Set::Script(f) => wired!(
            f,
            "/bin/x7",
            Script {
                command: "/bin/x7".into(),
                user: None,
                group: None,
            }
        ),
        Set::BoxedScript(BoxField::Instance(acc)) => {
            let want = Script {
                command: "/bin/x7".into(),
                user: None,
                group: None,
            };
            let line = format!(" {kw} /bin/x7");
            let boxed = |c: &mut Config| {
                acc(&mut c.vrrp_instances[0])
                    .as_ref()
                    .map(|v| v.value.clone())
            };
            let mut base = parse(name, "");
            let mut with = parse(name, &line);
            assert_eq!(boxed(&mut base), None, "{name} {kw}");
            assert_eq!(boxed(&mut with), Some(want.clone()), "{name} {kw}");
            // the member that changes when the field is set is the keyword's
            let vi = &mut base.vrrp_instances[0];
            let before = serde_json::to_value(&*vi).unwrap();
            *acc(vi) = Some(Box::new(Spanned::new(want, Default::default())));
            let after = serde_json::to_value(&*vi).unwrap();
            let (serde_json::Value::Object(b), serde_json::Value::Object(a)) = (before, after)
            else {
                panic!("not a struct");
            };
            let changed: Vec<&String> = a.keys().filter(|k| b.get(*k) != a.get(*k)).collect();
            assert_eq!(changed, vec![kw], "{name} {kw}");
        }
        Set::Ip(f) | Set::IpSkipped(f) => {
            let a: IpAddr = "10.0.0.77".parse().unwrap();
            wired!(f, a, a)
        }
        Set::Builder => unreachable!(),
        _ => panic!("{name} {kw}: a kind of setter this test does not know"),
    }
}

/// A value for a keyword its builder reads by name.
fn sample(section: &str, kw: &str, v: Value) -> String {
    let s = match (section, kw) {
        (_, "vrrp_mcast_group4" | "mcast_dst_ip") => "224.0.0.44",
        (_, "vrrp_mcast_group6") => "ff02::44",
        (_, "smtp_server") => "10.0.0.9 25",
        (_, "script_user" | "user") => "root",
        (_, "nftables") => "t",
        (_, "lvs_timeouts") => "tcp 10",
        (_, "lvs_sync_daemon") => "eth0",
        (_, "vrrp_garp_extra_if" | "vrrp_vmac_garp_intvl") => "10",
        (_, "garp_extra_if" | "vmac_garp_intvl") => "10",
        (_, "notification_email") => "{\n a@b\n}",
        (_, "state") => "MASTER",
        (_, "authentication") => "{\n auth_type PASS\n auth_pass x\n}",
        (_, "virtual_ipaddress" | "virtual_ipaddress_excluded") => "{\n 10.0.0.9\n}",
        (_, "virtual_routes") => "{\n 10.1.0.0/16 via 10.0.0.1\n}",
        (_, "virtual_rules") => "{\n from 10.0.0.9 table 5\n}",
        (_, "unicast_peer") => "{\n 10.0.0.2\n}",
        (_, "track_interface") => "{\n eth1\n}",
        (_, "track_script") => "{\n s\n}",
        ("FILE_CHECK", "track_file") => "f",
        (_, "track_file") => "{\n f\n}",
        (_, "track_process") => "{\n p\n}",
        (_, "track_bfd") => "{\n b\n}",
        (_, "group") => "{\n A\n}",
        (_, "param_match") => "initial",
        (_, "neighbor_ip" | "neighbour_ip") => "10.0.0.9",
        (_, "min_rx" | "min_tx") => "50",
        (_, "idle_tx") => "2000",
        (_, "lvs_sched" | "lb_algo") => "rr",
        (_, "lvs_method" | "lb_kind" | "sorry_server_lvs_method") => "DR",
        (_, "protocol") => "UDP",
        (_, "sorry_server") => "10.0.0.5 80",
        (_, "real_server") => "10.0.0.3 80 {\n}",
        (_, "ip_family") => "inet",
        (_, "HTTP_GET" | "SSL_GET") => "{\n url {\n path /\n }\n}",
        (_, "MISC_CHECK") => "{\n misc_path /bin/true\n}",
        (_, "FILE_CHECK") => "{\n track_file f\n}",
        (_, "BFD_CHECK") => "{\n name b\n}",
        ("real_server", _) if matches!(v, Value::Block(_)) => "{\n}",
        (_, "url") => "{\n path /x\n}",
        (_, "http_protocol") => "1.1",
        (_, "digest") => "0123456789abcdef0123456789abcdef",
        (_, "status_code") => "201",
        (_, "host") => "{\n connect_ip 10.0.0.3\n}",
        (_, "type") => "A",
        (_, "regex_stack") => "100",
        (_, "max_auto_priority") => "",
        _ => match v {
            Value::Bare | Value::Flag | Value::Other(_) => "",
            Value::Uint { .. } | Value::Int { .. } => return number(v).to_string(),
            Value::Seconds { .. } => "7",
            Value::Ip => "10.0.0.9",
            Value::Text => "x7",
            Value::Words => "x7 y7",
            Value::Script => "/bin/x7",
            Value::Weight { .. } => "2",
            _ => panic!("{section} {kw}: no sample for {v}"),
        },
    };
    s.to_string()
}

/// The keywords of the raw settings in `other` lists (and raw blocks) of `v`.
fn raw_keywords(v: &serde_json::Value, under_other: bool, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if under_other && let Some(serde_json::Value::String(k)) = m.get("keyword") {
                out.push(k.clone());
            }
            for (k, x) in m {
                raw_keywords(x, under_other || k == "other" || k == "raw_blocks", out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| raw_keywords(x, under_other, out)),
        _ => {}
    }
}

/// Writes a keyword its builder reads by name: the model changes, and the keyword is in
/// a raw list exactly when the row says it is kept as written.
fn check_builder(section: &Section, row: &table::Keyword) {
    let (name, kw) = (section.name, row.keyword);
    let line = format!(" {kw} {}", sample(name, kw, row.value));
    let json = |c: &Config| serde_json::to_value(c).unwrap();
    let base = json(&parse(name, ""));
    let with = json(&parse(name, &line));
    let raw = |v: &serde_json::Value| {
        let mut out = Vec::new();
        raw_keywords(v, false, &mut out);
        out.iter().filter(|k| *k == kw).count()
    };
    let kept = raw(&with) > raw(&base);
    assert_eq!(
        kept,
        row.model == Model::AsWritten,
        "{name} {kw}: kept as written: {kept}, its row says {:?}",
        row.model
    );
    if !kept {
        assert_ne!(with, base, "{name} {kw}: `{}` changes nothing", line.trim());
    }
}

#[test]
fn every_row_of_every_section_is_wired() {
    let mut set = 0;
    let mut by_builder = 0;
    for section in table::SECTIONS {
        for row in section.keywords {
            if matches!(row.set, Set::Builder) {
                // the base of these sections has it: every one needs it, and a
                // second one is ignored
                let required = matches!(
                    (section.name, row.keyword),
                    ("vrrp_sync_group", "group") | ("vrrp_track_process", "process")
                );
                if !required {
                    check_builder(section, row);
                    by_builder += 1;
                }
            } else {
                assert_eq!(
                    row.model,
                    Model::Typed,
                    "{} {}: a row naming its field is typed",
                    section.name,
                    row.keyword
                );
                check_set(section, row);
                set += 1;
            }
        }
    }
    // every section but the top level names fields in its rows
    for section in &table::SECTIONS[1..] {
        assert!(
            section
                .keywords
                .iter()
                .any(|r| !matches!(r.set, Set::Builder)),
            "`{}` has no row naming its field",
            section.name
        );
    }
    assert!(set > 150 && by_builder > 100, "{set} {by_builder}");
}

/// A row names a field of its own section's struct (a checker row may name one of the
/// settings every checker has, `alpha` of BFD_CHECK).
#[test]
fn rows_name_fields_of_their_own_section() {
    for section in table::SECTIONS {
        for row in section.keywords {
            let Some(target) = row.set.target() else {
                continue;
            };
            let own = match section.name {
                "SSL_GET" => "HTTP_GET",
                n => n,
            };
            assert!(
                target == own || (target == "checker" && section.name == "BFD_CHECK"),
                "{} {} sets a field of {target}",
                section.name,
                row.keyword
            );
        }
    }
}

/// A typed row with a plain value names its field unless its keyword does more than
/// set one field; those are listed here, so a new plain keyword gets a setter.
#[test]
fn plain_rows_name_their_field() {
    let by_name: Vec<String> = table::SECTIONS
        .iter()
        .flat_map(|s| s.keywords.iter().map(move |k| (s.name, k)))
        .filter(|(_, k)| {
            k.model == Model::Typed
                && matches!(k.set, Set::Builder)
                && matches!(
                    k.value,
                    Value::Bare
                        | Value::Flag
                        | Value::Uint { .. }
                        | Value::Int { .. }
                        | Value::Seconds { .. }
                        | Value::Ip
                        | Value::Text
                        | Value::Words
                        | Value::Script
                )
        })
        .map(|(s, k)| format!("{s} {}", k.keyword))
        .collect();
    assert_eq!(
        by_name,
        [
            // the first one counts, a later one is reported
            " net_namespace",
            " instance",
            // seconds written as an integer
            "global_defs smtp_connect_timeout",
            // checked to be a multicast address of the family
            "global_defs vrrp_mcast_group4",
            "global_defs vrrp_mcast_group6",
            // no value means 99
            "global_defs max_auto_priority",
            // words after them ignored, some set two fields or share one
            "global_defs enable_snmp_rfc",
            "global_defs enable_snmp_rfcv2",
            "global_defs enable_snmp_rfcv3",
            "global_defs enable_snmp_vrrp",
            "global_defs enable_snmp_keepalived",
            "global_defs enable_snmp_checker",
            "global_defs enable_traps",
            // the first one counts
            "global_defs snmp_socket",
            // 0 is ignored
            "global_defs process_monitor_rcv_bufs",
            // checked to be a multicast address
            "vrrp_instance mcast_dst_ip",
            // deprecated: a warning, then sync_group_tracking_weight
            "vrrp_sync_group global_tracking",
            // the first one counts; quorum and quorum_max are checked against each
            // other; delay sets two fields
            "vrrp_track_process process",
            "vrrp_track_process quorum",
            "vrrp_track_process quorum_max",
            "vrrp_track_process delay",
            // a malformed neighbor drops the session; a malformed source keeps the
            // earlier one
            "bfd_instance neighbor_ip",
            "bfd_instance neighbour_ip",
            "bfd_instance source_ip",
            // a plain switch of the model (not optional) that warns
            "bfd_instance multihop",
            // no value means 360
            "virtual_server persistence_timeout",
            // scheduler flags: one list
            "virtual_server ops",
            "virtual_server flag-1",
            "virtual_server flag-2",
            "virtual_server flag-3",
            "virtual_server sh-port",
            "virtual_server sh-fallback",
            "virtual_server mh-port",
            "virtual_server mh-fallback",
            // deprecated: a warning, then retry
            "HTTP_GET nb_get_retry",
            "SSL_GET nb_get_retry",
            // followed by an optional `reverse`
            "FILE_CHECK weight",
        ]
    );
}

/// keepalived 2.2.7's FILE_CHECK has no `alpha` (check_file.c installs `track_file`
/// and `weight` only): it is reported as unknown, and not taken.
#[test]
fn file_check_takes_no_alpha() {
    let text = config("FILE_CHECK", "   alpha");
    let p = parse_str("t.conf", &text, &LoadOptions::default());
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.code == "unknown-keyword" && d.message.contains("`alpha`")),
        "{}",
        p.render_diagnostics()
    );
    let mut c = p.config;
    assert_eq!(checker(&mut c).alpha, None);
}
