#![allow(clippy::unwrap_used)]
//! Cross-file lint on the MySQL pair in tests/data/lint/: exact text of
//! the warning, and no warning once the weight is large enough or for one router alone.

use keepalived_conf::lint::tracking_weights;
use keepalived_conf::{LoadOptions, load, parse_str};

fn opts() -> LoadOptions {
    LoadOptions {
        config_id: Some("main".into()),
        ..LoadOptions::default()
    }
}

#[test]
fn mysql_pair_gets_exactly_the_expected_warning() {
    let m = load("tests/data/lint/master.conf", &opts());
    let b = load("tests/data/lint/backup.conf", &opts());
    assert!(!m.has_errors() && !b.has_errors());
    let found = tracking_weights(&[&m.config, &b.config]);
    let got: Vec<String> = found
        .iter()
        .map(|f| {
            let p = if f.config == 0 { &m } else { &b };
            f.diagnostic.short(&p.sources)
        })
        .collect();
    let expected: Vec<String> = std::fs::read_to_string("tests/data/lint/pair.expected")
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(got, expected);
    // the order of the files does not matter: the warning stays on the Master's tracker
    let found = tracking_weights(&[&b.config, &m.config]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].config, 1);
    // one router alone: nothing to compare with
    assert!(tracking_weights(&[&m.config]).is_empty());
    assert!(tracking_weights(&[&b.config]).is_empty());
}

#[test]
fn the_hinted_weight_fixes_it() {
    let text = std::fs::read_to_string("tests/data/lint/master.conf").unwrap();
    let b = load("tests/data/lint/backup.conf", &opts());
    // the hint's weight on the track_script entry, and the same on the script itself
    for fixed in [
        text.replace("        chk_mysql\n", "        chk_mysql weight -51\n"),
        text.replace("weight -20", "weight -51"),
    ] {
        let m = parse_str("master.conf", &fixed, &opts());
        assert!(!m.has_errors(), "{}", m.render_diagnostics());
        assert!(tracking_weights(&[&m.config, &b.config]).is_empty());
    }
}

#[test]
fn both_instances_in_one_file_are_compared() {
    let text = "vrrp_script chk {\n script /bin/true\n weight -20\n}\n\
        vrrp_instance A {\n interface eth0\n virtual_router_id 9\n priority 150\n virtual_ipaddress {\n  10.0.0.9\n }\n track_script {\n  chk\n }\n}\n\
        vrrp_instance B {\n interface eth1\n virtual_router_id 9\n priority 100\n virtual_ipaddress {\n  10.0.0.9\n }\n}\n\
        vrrp_instance C {\n interface eth0\n virtual_router_id 9\n priority 100\n virtual_ipaddress {\n  fd00::9\n }\n}\n";
    let p = parse_str("one.conf", text, &opts());
    let found = tracking_weights(&[&p.config]);
    assert_eq!(found.len(), 1, "{found:?}");
    let d = &found[0].diagnostic;
    assert_eq!(
        d.short(&p.sources).split(": warning").next(),
        Some("one.conf:13:3")
    );
    // C is IPv6: another virtual router, not compared
    assert!(
        d.message.contains("virtual router 9 (IPv4)"),
        "{}",
        d.message
    );
    assert!(d.message.contains("`A` has priority 150"), "{}", d.message);
    assert!(
        d.message.contains("the most `B` can reach"),
        "{}",
        d.message
    );
}

/// `kaconf check` reads with `check_file` (no model kept): the instances are reduced to
/// what the lint reads, and the lint finds exactly the same.
#[test]
fn reduced_instances_give_the_same_findings() {
    let findings = |read: fn(&str, &LoadOptions) -> keepalived_conf::Parsed| {
        let m = read("tests/data/lint/master.conf", &opts());
        let b = read("tests/data/lint/backup.conf", &opts());
        let found = tracking_weights(&[&m.config, &b.config]);
        assert!(!found.is_empty());
        found
            .iter()
            .map(|f| {
                let p = if f.config == 0 { &m } else { &b };
                f.diagnostic.short(&p.sources)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        findings(|p, o| keepalived_conf::check_file(p, o)),
        findings(|p, o| load(p, o))
    );
    let text = "vrrp_instance V {\n interface eth0\n virtual_router_id 9\n priority 90\n virtual_ipaddress {\n  fd00::1/64\n  fd00::2/64\n }\n virtual_routes {\n  fd01::/64 via fd00::9\n }\n track_script {\n  chk weight 20\n }\n}\nvrrp_script chk {\n script /bin/true\n}\n";
    let full = parse_str("v.conf", text, &opts());
    let reduced = keepalived_conf::check_str("v.conf", text, &opts());
    assert_eq!(full.short_diagnostics(), reduced.short_diagnostics());
    let (f, r) = (
        &full.config.vrrp_instances[0],
        &reduced.config.vrrp_instances[0],
    );
    assert_eq!(
        (f.virtual_ipaddress.len(), r.virtual_ipaddress.len()),
        (2, 1)
    );
    assert_eq!(
        r.virtual_ipaddress[0].address.value.addr,
        f.virtual_ipaddress[0].address.value.addr
    );
    assert!(!f.virtual_routes.is_empty() && r.virtual_routes.is_empty());
    assert_eq!(r.track_script.len(), 1);
    assert_eq!(r.priority.as_ref().map(|p| p.value), Some(90));
}

/// track_bfd weights count, with the bfd_instance's weight when the entry has none:
/// an address owner's weighted track_bfd is warned about.
#[test]
fn track_bfd_weights_are_linted() {
    let text = "bfd_instance b1 {\n neighbor_ip 192.0.2.2\n weight -30\n}\n\
                vrrp_instance A {\n interface eth0\n virtual_router_id 1\n priority 255\n \
                track_bfd {\n  b1\n }\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n";
    let p = parse_str("t.conf", text, &LoadOptions::default());
    let found = tracking_weights(&[&p.config]);
    assert_eq!(found.len(), 1, "{:?}", p.short_diagnostics());
    assert_eq!(found[0].diagnostic.span.unwrap().line, 10);
    // weight 0 (FAULT while down) is not a priority change
    let p = parse_str(
        "t.conf",
        &text.replace("  b1\n", "  b1 weight 0\n"),
        &LoadOptions::default(),
    );
    assert!(tracking_weights(&[&p.config]).is_empty());
}
