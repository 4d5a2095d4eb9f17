#![allow(clippy::unwrap_used)]
//! `lvs_method TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]` on virtual and real
//! servers, with keepalived's consistency checks (check_parser.c forwarding_handler).

use keepalived_conf::{LoadOptions, Severity, TunnelCsum, TunnelOptions, TunnelType, parse_str};

fn parse(vs_method: &str, rs_method: &str) -> keepalived_conf::Parsed {
    let text = format!(
        "virtual_server 10.0.0.1 80 {{\n  protocol TCP\n  lvs_method {vs_method}\n  real_server 10.0.1.1 80 {{\n    {rs_method}\n  }}\n}}\n"
    );
    parse_str("t.conf", &text, &LoadOptions::default())
}

fn errors(p: &keepalived_conf::Parsed) -> Vec<String> {
    p.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn gue_with_port_and_csum_on_the_virtual_server() {
    let p = parse("TUN type gue port 6080 remcsum", "weight 1");
    assert!(errors(&p).is_empty(), "{:?}", p.diagnostics);
    let vs = &p.config.virtual_servers[0];
    assert_eq!(
        vs.lvs_tunnel.as_ref().unwrap().value,
        TunnelOptions {
            kind: TunnelType::Gue,
            port: Some(6080),
            csum: TunnelCsum::Remcsum
        }
    );
    assert!(vs.real_servers[0].lvs_tunnel.is_none());
}

#[test]
fn real_server_gre_csum_and_plain_tun_defaults_to_ipip() {
    let p = parse("TUN", "lvs_method TUN type gre csum");
    assert!(errors(&p).is_empty(), "{:?}", p.diagnostics);
    let vs = &p.config.virtual_servers[0];
    assert_eq!(
        vs.lvs_tunnel.as_ref().unwrap().value,
        TunnelOptions {
            kind: TunnelType::Ipip,
            port: None,
            csum: TunnelCsum::Nocsum
        }
    );
    assert_eq!(
        vs.real_servers[0].lvs_tunnel.as_ref().unwrap().value,
        TunnelOptions {
            kind: TunnelType::Gre,
            port: None,
            csum: TunnelCsum::Csum
        }
    );
}

#[test]
fn nat_has_no_tunnel_options() {
    let p = parse("NAT", "weight 1");
    assert!(errors(&p).is_empty());
    assert!(p.config.virtual_servers[0].lvs_tunnel.is_none());
}

fn warnings(p: &keepalived_conf::Parsed) -> Vec<String> {
    p.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.message.clone())
        .collect()
}

/// keepalived's forwarding_handler() (check_parser.c) reports a bad tunnel option and
/// returns, keeping TUN with the default ipip tunnel: a warning, no options, no error.
#[test]
fn inconsistent_tunnel_options_are_reported_and_dropped() {
    for (m, why) in [
        ("TUN type gue", "gue tunnels require"),
        ("TUN type gre port 5", "gue tunnels require"),
        ("TUN csum", "ipip tunnels do not support"),
        ("TUN type gre remcsum", "gre tunnels do not support"),
        ("TUN type vxlan", "unknown tunnel type"),
        ("TUN fast", "invalid tunnel option"),
        ("TUN type gue port 0", "lvs_method TUN port"),
    ] {
        let p = parse(m, "weight 1");
        assert!(errors(&p).is_empty(), "{m}: {:?}", errors(&p));
        let w = warnings(&p);
        assert!(w.iter().any(|s| s.contains(why)), "{m}: {w:?}");
        assert!(p.config.virtual_servers[0].lvs_tunnel.is_none(), "{m}");
    }
}
