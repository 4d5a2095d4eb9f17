#![allow(clippy::unwrap_used)]
//! Keywords a daemon reads and does not act on are warned about, at their line, with
//! what keepalived would have done; every row of the table names a keyword the parser
//! knows in that section.

use keepalived_conf::keywords::{Daemon, not_acted_on, rows};
use keepalived_conf::{LoadOptions, Severity, parse_str};

const TEXT: &str = "global_defs {
  enable_snmp_vrrp
  smtp_alert false
  enable_dbus
}
net_namespace blue
static_ipaddress {
  192.0.2.9/24 dev eth0
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  use_vmac_addr
  vrf red
  virtual_ipaddress {
    192.0.2.1
  }
}
virtual_server 10.0.0.1 80 {
  real_server 10.0.0.2 80 {
    HTTP_GET {
      url {
        path /
        regex \"ok\"
      }
    }
  }
}
";

fn lines(daemon: Daemon) -> Vec<(u32, String)> {
    let p = parse_str("t.conf", TEXT, &LoadOptions::default());
    not_acted_on(&p, daemon)
        .into_iter()
        .map(|d| {
            assert_eq!(d.severity, Severity::Warning);
            assert!(d.message.contains("keepalived would"), "{}", d.message);
            (d.span.unwrap().line, d.message)
        })
        .collect()
}

#[test]
fn vrrpd_is_told_what_it_ignores() {
    let got = lines(Daemon::Vrrpd);
    let at: Vec<u32> = got.iter().map(|g| g.0).collect();
    // `smtp_alert false` (line 3) asks for nothing; the url regex is lvsd's;
    // vrrpd serves KEEPALIVED-MIB (line 2), enters `net_namespace` (line 6),
    // installs `static_ipaddress` (line 7) and acts on `vrf` (line 14; its
    // mapping warns when it must be ignored)
    assert_eq!(at, [4, 13], "{got:?}");
    assert!(got[0].1.contains("`enable_dbus` is not acted on by vrrpd"));
    assert!(got[1].1.contains("`use_vmac_addr`"));
}

#[test]
fn lvsd_is_told_what_it_ignores() {
    let got = lines(Daemon::Lvsd);
    let at: Vec<u32> = got.iter().map(|g| g.0).collect();
    // lvsd enters `net_namespace` (line 6) as vrrpd does
    assert_eq!(at, [24], "{got:?}");
    assert!(got[0].1.contains("`regex` is not acted on by lvsd"));
}

/// A keyword kept only as written (no daemon reads it) is reported too, for the daemons
/// whose side of keepalived it belongs to.
#[test]
fn keywords_kept_as_written_are_reported() {
    let text = "global_defs {\n umask 022\n checker_priority 1\n vrrp_rt_priority 1\n}\n\
                vrrp_instance A {\n native_ipv6\n}\n";
    let p = parse_str("t.conf", text, &LoadOptions::default());
    let at = |d: Daemon| -> Vec<u32> {
        not_acted_on(&p, d)
            .iter()
            .map(|w| w.span.unwrap().line)
            .collect()
    };
    assert_eq!(at(Daemon::Vrrpd), [2, 4, 7]);
    assert_eq!(at(Daemon::Lvsd), [2, 3]);
}

#[test]
fn every_row_is_a_known_keyword_of_its_section() {
    for r in rows() {
        let text = match r.section {
            "" => format!("{} {{\n}}\n", r.keyword),
            "global_defs" => format!("global_defs {{\n {} x\n}}\n", r.keyword),
            "vrrp_instance" => format!("vrrp_instance X {{\n {} x\n}}\n", r.keyword),
            "vrrp_sync_group" => format!("vrrp_sync_group X {{\n {} x\n}}\n", r.keyword),
            "bfd_instance" => format!("bfd_instance X {{\n {} x\n}}\n", r.keyword),
            "virtual_server" => format!("virtual_server 10.0.0.1 80 {{\n {} x\n}}\n", r.keyword),
            "real_server" => format!(
                "virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n {} x\n }}\n}}\n",
                r.keyword
            ),
            "url" => format!(
                "virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n HTTP_GET {{\n url {{\n path /\n {} x\n }}\n }}\n }}\n}}\n",
                r.keyword
            ),
            k @ ("HTTP_GET" | "SSL_GET") => format!(
                "virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n {k} {{\n {} x\n }}\n }}\n}}\n",
                r.keyword
            ),
            "FILE_CHECK" => format!(
                "virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n FILE_CHECK {{\n {} x\n }}\n }}\n}}\n",
                r.keyword
            ),
            other => panic!("no test text for section `{other}`"),
        };
        let p = parse_str("t.conf", &text, &LoadOptions::default());
        assert!(
            !p.diagnostics.iter().any(|d| d.code == "unknown-keyword"),
            "{} {}: {:?}",
            r.section,
            r.keyword,
            p.diagnostics
        );
        assert!(!r.daemons.is_empty() && !r.keepalived_would.is_empty());
    }
}

/// A checker keyword lvsd reads and does not act on is warned, in HTTP_GET and
/// SSL_GET alike; one it acts on is not.
#[test]
fn checker_keywords_not_acted_on_are_warned() {
    let text = "virtual_server 10.0.0.1 443 {\n real_server 10.0.0.2 443 {\n  SSL_GET {\n   \
                fast_recovery\n   retry 2\n   url {\n    path /\n   }\n  }\n  HTTP_GET {\n   \
                fast_recovery on\n  }\n  FILE_CHECK {\n   track_file f\n   dynamic\n  }\n }\n}\n";
    let p = parse_str("t.conf", text, &LoadOptions::default());
    let got: Vec<(u32, String)> = not_acted_on(&p, Daemon::Lvsd)
        .iter()
        .map(|w| (w.span.unwrap().line, w.message.clone()))
        .collect();
    let lines: Vec<u32> = got.iter().map(|g| g.0).collect();
    assert_eq!(lines, [4, 11, 15], "{got:?}");
    assert!(got[0].1.contains("`fast_recovery` is not acted on by lvsd"));
    assert!(not_acted_on(&p, Daemon::Vrrpd).is_empty());
}

/// `lvs_sync_daemon_interface` in a `vrrp_instance` (keepalived 2.2.7 reads it, with a
/// deprecation message, as `lvs_sync_daemon IF INSTANCE`) is deprecated and, as vrrpd
/// runs the sync daemon from global_defs `lvs_sync_daemon` only, not acted on.
#[test]
fn instance_lvs_sync_daemon_interface_is_deprecated_and_not_acted_on() {
    let text = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n \
                lvs_sync_daemon_interface eth1\n virtual_ipaddress {\n  192.0.2.1\n }\n}\n";
    let p = parse_str("t.conf", text, &LoadOptions::default());
    let deprecated: Vec<u32> = p
        .diagnostics
        .iter()
        .filter(|d| d.code == "deprecated")
        .map(|d| d.span.unwrap().line)
        .collect();
    assert_eq!(deprecated, [4], "{:?}", p.diagnostics);
    assert!(!p.diagnostics.iter().any(|d| d.code == "unknown-keyword"));
    let got = not_acted_on(&p, Daemon::Vrrpd);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].span.unwrap().line, 4);
    assert!(
        got[0]
            .message
            .contains("`lvs_sync_daemon_interface` is not acted on by vrrpd"),
        "{}",
        got[0].message
    );
    assert!(not_acted_on(&p, Daemon::Lvsd).is_empty());
}
