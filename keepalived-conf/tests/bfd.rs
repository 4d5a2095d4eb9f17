#![allow(clippy::unwrap_used)]
//! `bfd_instance` and `track_bfd` against keepalived 2.2.7 as the oracle
//! (`keepalived -t -f FILE` on the same small files): every line keepalived
//! reports we report too; a file keepalived accepts silently gets no diagnostic
//! from us beyond the IPv6 hop-limit hint; the sessions keepalived's BFD process
//! drops and the `track_bfd` entries its VRRP process drops are the ones the
//! model marks or leaves out. Without keepalived, the model checks still run.

use keepalived_conf::{LoadOptions, Parsed, parse_str};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn parse(text: &str) -> Parsed {
    parse_str("t.conf", text, &LoadOptions::default())
}

/// What `keepalived -t` says: (exit code, line-numbered messages).
fn keepalived_t(text: &str, tag: &str) -> Option<(i32, Vec<(u32, String)>)> {
    if !Path::new("/usr/sbin/keepalived").exists() {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("bc-bfdconf-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let f = dir.join("k.conf");
    std::fs::write(&f, text).ok()?;
    let out = Command::new("/usr/sbin/keepalived")
        .arg("-t")
        .arg("-f")
        .arg(&f)
        .output()
        .ok()?;
    let _ = std::fs::remove_dir_all(&dir);
    let all =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let mut lines = Vec::new();
    for l in all.lines() {
        if let Some(rest) = l.strip_prefix('(')
            && let Some((head, msg)) = rest.split_once(") ")
            && let Some((_, n)) = head.rsplit_once("Line ")
            && let Ok(n) = n.trim().parse::<u32>()
        {
            lines.push((n, msg.to_string()));
        }
    }
    Some((out.status.code().unwrap_or(-1), lines))
}

/// Line numbers (1-based) of the entries inside `track_bfd { ... }` blocks.
fn track_entry_lines(text: &str) -> BTreeSet<u32> {
    let mut inside = false;
    let mut out = BTreeSet::new();
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if t.starts_with("track_bfd") {
            inside = true;
        } else if inside && t == "}" {
            inside = false;
        } else if inside && !t.is_empty() {
            out.insert(i as u32 + 1);
        }
    }
    out
}

/// (name, first line, last line) of each `bfd_instance` block.
fn bfd_blocks(text: &str) -> Vec<(String, u32, u32)> {
    let mut out = Vec::new();
    let mut open: Option<(String, u32)> = None;
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        let n = i as u32 + 1;
        if let Some(rest) = t.strip_prefix("bfd_instance ") {
            open = Some((rest.trim_end_matches('{').trim().to_string(), n));
        } else if t == "}"
            && let Some((name, start)) = open.take()
        {
            out.push((name, start, n));
        }
    }
    out
}

/// The comparison for one file; returns the parse for further checks.
fn compare(tag: &str, text: &str) -> Parsed {
    let p = parse(text);
    let Some((rc, ka)) = keepalived_t(text, tag) else {
        eprintln!("SKIPPED: {tag}: /usr/sbin/keepalived is missing; model checks only");
        return p;
    };
    let ours: Vec<(u32, String)> = p
        .diagnostics
        .iter()
        .filter(|d| d.code != "bfd-hoplimit")
        .map(|d| (d.span.map_or(0, |s| s.line), d.message.clone()))
        .collect();
    let our_lines: BTreeSet<u32> = ours.iter().map(|(l, _)| *l).collect();
    for (line, msg) in &ka {
        // keepalived's VRRP-side complaint about its own interface, not about BFD
        if msg.contains("loopback") || msg.contains("Unknown interface") {
            continue;
        }
        assert!(
            our_lines.contains(line),
            "{tag}: keepalived says `{msg}` at line {line}; we say {ours:?}"
        );
    }
    if rc == 0 {
        assert!(
            ours.is_empty(),
            "{tag}: keepalived accepts it, we say {ours:?}"
        );
    } else {
        assert!(
            !ours.is_empty(),
            "{tag}: keepalived exits {rc}, we say nothing"
        );
    }
    // track_bfd entries: kept by us exactly when keepalived has no complaint that
    // drops them on their line.
    let dropping = |m: &str| {
        m.contains("not found")
            || m.contains("duplicate track_bfd")
            || m.contains("unknown track bfd")
            || m.contains("weight without value")
    };
    let ka_dropped: BTreeSet<u32> = ka
        .iter()
        .filter(|(_, m)| dropping(m))
        .map(|(l, _)| *l)
        .collect();
    let kept: BTreeSet<u32> = p
        .config
        .vrrp_instances
        .iter()
        .flat_map(|v| &v.track_bfd)
        .chain(p.config.vrrp_sync_groups.iter().flat_map(|g| &g.track_bfd))
        .map(|t| t.span.line)
        .collect();
    for l in track_entry_lines(text) {
        assert_eq!(
            kept.contains(&l),
            !ka_dropped.contains(&l),
            "{tag}: track_bfd entry at line {l}: ours kept={}, keepalived {ka:?}",
            kept.contains(&l)
        );
    }
    // bfd_instance sessions: dropped by us exactly when keepalived's BFD process
    // disables or ignores the instance.
    for (name, start, end) in bfd_blocks(text) {
        let ka_drops = ka.iter().any(|(l, m)| {
            (start..=end).contains(l)
                && (m.contains("disabling instance")
                    || m.contains("ignoring instance")
                    || m.contains("too long")
                    || m.contains("already configured"))
        });
        let ours = p
            .config
            .bfd_instances
            .iter()
            .find(|b| b.name.span.line == start)
            .is_some_and(|b| b.session);
        assert_eq!(
            ours, !ka_drops,
            "{tag}: bfd_instance {name} (line {start}): our session={ours}, keepalived {ka:?}"
        );
    }
    p
}

const VI: &str = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n";
const VIP: &str = " virtual_ipaddress {\n  192.0.2.100\n }\n}\n";

#[test]
fn a_valid_instance_is_accepted_with_keepalived_defaults() {
    let t = format!(
        "bfd_instance b1 {{\n neighbor_ip 192.0.2.2\n}}\n{VI} track_bfd {{\n  b1\n }}\n{VIP}"
    );
    let p = compare("valid", &t);
    let b = &p.config.bfd_instances[0];
    assert!(b.session && b.to_vrrp() && b.to_checker());
    assert_eq!(b.min_rx_value().as_micros(), 10_000);
    assert_eq!(b.min_tx_value().as_micros(), 10_000);
    assert_eq!(b.idle_tx_value().as_micros(), 1_000_000);
    assert_eq!(
        (b.multiplier_value(), b.ttl_value(), b.max_hops_value()),
        (5, 255, 0)
    );
    let tr = &p.config.vrrp_instances[0].track_bfd[0];
    assert_eq!((tr.weight, tr.reverse), (Some(0), false));
}

#[test]
fn out_of_range_values_are_reported_and_ignored() {
    let t = "bfd_instance b1 {\n neighbor_ip 192.0.2.2\n min_rx 0\n min_tx 0.5\n idle_tx 999\n \
             multiplier 300\n ttl 0\n max_hops 300\n weight 300 foo\n}\n";
    let p = compare("ranges", t);
    let b = &p.config.bfd_instances[0];
    assert!(b.session);
    assert!(b.min_rx.is_none() && b.min_tx.is_none() && b.idle_tx.is_none());
    assert!(b.multiplier.is_none() && b.ttl.is_none() && b.max_hops.is_none());
    assert!(b.weight.is_none() && !b.reverse);
    assert!(!p.has_errors(), "{:?}", p.short_diagnostics());
}

#[test]
fn sessions_keepalived_cannot_run_are_dropped_but_their_names_stay() {
    let t = format!(
        "bfd_instance nonbr {{\n source_ip 192.0.2.1\n}}\n\
         bfd_instance fam {{\n neighbor_ip 192.0.2.2\n source_ip 2001:db8::1\n}}\n\
         bfd_instance one {{\n neighbor_ip 192.0.2.9\n}}\n\
         bfd_instance dup {{\n neighbor_ip 192.0.2.9\n}}\n\
         bfd_instance src {{\n neighbor_ip 192.0.2.9\n source_ip 192.0.2.7\n}}\n\
         bfd_instance bad {{\n neighbor_ip nonsense\n}}\n\
         bfd_instance one {{\n neighbor_ip 192.0.2.10\n}}\n\
         bfd_instance abcdefghijabcdefghijabcdefghij12 {{\n neighbor_ip 192.0.2.11\n}}\n\
         {VI} track_bfd {{\n  nonbr\n  fam\n  dup\n  abcdefghijabcdefghijabcdefghij12\n }}\n{VIP}"
    );
    let p = compare("dropped", &t);
    let names: Vec<(&str, bool)> = p
        .config
        .bfd_instances
        .iter()
        .map(|b| (b.name.value.as_str(), b.session))
        .collect();
    assert_eq!(
        names,
        [
            ("nonbr", false),
            ("fam", false),
            ("one", true),
            ("dup", false),
            ("src", false),
            ("bad", false)
        ]
    );
    let tracked: Vec<&str> = p.config.vrrp_instances[0]
        .track_bfd
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(tracked, ["nonbr", "fam", "dup"]);
}

#[test]
fn track_bfd_follows_the_file_order_and_the_vrrp_flag() {
    let t = format!(
        "{VI} track_bfd {{\n  b1\n }}\n{VIP}\
         bfd_instance b1 {{\n neighbor_ip 192.0.2.2\n weight -20 reverse\n}}\n\
         bfd_instance b2 {{\n neighbor_ip 192.0.2.3\n checker\n}}\n\
         bfd_instance b3 {{\n neighbor_ip 192.0.2.4\n vrrp\n checker\n}}\n\
         vrrp_instance B {{\n interface eth0\n virtual_router_id 2\n track_bfd {{\n  b1\n  b2\n  b3\n  \
         b1 weight 5\n  b9\n }}\n{VIP}\
         vrrp_instance C {{\n interface eth0\n virtual_router_id 3\n track_bfd {{\n  b1 weight 5\n  \
         b3 weight\n }}\n{VIP}\
         vrrp_instance D {{\n interface eth0\n virtual_router_id 4\n track_bfd {{\n  b1 weight 400 \
         noreverse\n  b3 weight 7 foo\n }}\n{VIP}\
         vrrp_instance E {{\n interface eth0\n virtual_router_id 5\n track_bfd {{\n  b1 foo\n }}\n{VIP}"
    );
    let p = compare("order", &t);
    let tracked = |i: usize| -> Vec<(String, Option<i32>, bool)> {
        p.config.vrrp_instances[i]
            .track_bfd
            .iter()
            .map(|t| (t.name.clone(), t.weight, t.reverse))
            .collect()
    };
    assert!(tracked(0).is_empty(), "b1 comes after instance A");
    // the bfd_instance's weight and reverse unless written
    assert_eq!(
        tracked(1),
        [
            ("b1".into(), Some(-20), true),
            ("b3".into(), Some(0), false)
        ]
    );
    // `weight 5` alone keeps the bfd_instance's reverse, as alloc_track_bfd does
    assert_eq!(tracked(2), [("b1".into(), Some(5), true)]);
    // an out-of-range weight falls back to the bfd_instance's
    assert_eq!(tracked(3), [("b1".into(), Some(-20), false)]);
    assert!(tracked(4).is_empty());
}

#[test]
fn max_hops_above_ttl_and_the_ipv6_hop_limit() {
    let t = "bfd_instance b6 {\n neighbor_ip fd00::2\n source_ip fd00::1\n max_hops 100\n \
             passive\n}\nbfd_instance b7 {\n neighbor_ip fd00::3\n hoplimit 255\n max_hops 2\n}\n";
    let p = compare("hops", t);
    let b6 = &p.config.bfd_instances[0];
    assert_eq!((b6.ttl_value(), b6.max_hops_value()), (64, 64));
    assert!(b6.passive_value());
    let b7 = &p.config.bfd_instances[1];
    assert_eq!((b7.ttl_value(), b7.max_hops_value()), (255, 2));
    let hints: Vec<u32> = p
        .diagnostics
        .iter()
        .filter(|d| d.code == "bfd-hoplimit")
        .map(|d| d.span.unwrap().line)
        .collect();
    assert_eq!(hints, [1], "only the IPv6 session without hoplimit");
}

#[test]
fn sync_group_track_bfd_is_resolved_the_same_way() {
    let t = format!(
        "bfd_instance b1 {{\n neighbor_ip 192.0.2.2\n weight 10\n}}\n{VI}{VIP}\
         vrrp_sync_group G {{\n group {{\n  A\n }}\n track_bfd {{\n  b1\n  b1\n  b2\n }}\n}}\n"
    );
    let p = compare("group", &t);
    let g = &p.config.vrrp_sync_groups[0].track_bfd;
    assert_eq!(g.len(), 1);
    assert_eq!((g[0].weight, g[0].reverse), (Some(10), false));
}

#[test]
fn intervals_take_milliseconds_with_three_decimals() {
    let t = "bfd_instance b1 {\n neighbor_ip 192.0.2.2\n min_rx 20.5\n min_tx 0.25\n idle_tx 2000\n \
             multiplier 3\n}\nbfd_instance b2 {\n neighbor_ip 192.0.2.3\n min_rx 10.1236\n}\n";
    let p = parse(t);
    let b = &p.config.bfd_instances[0];
    assert_eq!(b.min_rx_value().as_micros(), 20_500);
    assert_eq!(b.idle_tx_value().as_micros(), 2_000_000);
    assert_eq!(b.multiplier_value(), 3);
    // 0.25 ms is below keepalived's 1 ms minimum
    assert!(b.min_tx.is_none());
    // a fourth decimal is reported and rounded
    assert_eq!(p.config.bfd_instances[1].min_rx_value().as_micros(), 10_124);
    compare("intervals", t);
}

/// `BFD_CHECK { name NAME; alpha }` in a real_server is typed (lvsd follows the
/// named session with it, docs/keepalived.md §3.38).
#[test]
fn bfd_check_is_typed() {
    let p = parse(
        "bfd_instance b1 {\n neighbor_ip 192.0.2.2\n checker\n}\n\
         virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 80 {\n  BFD_CHECK {\n   \
         name b1\n   alpha\n  }\n }\n}\n",
    );
    assert!(p.diagnostics.is_empty(), "{:?}", p.short_diagnostics());
    let ch = &p.config.virtual_servers[0].real_servers[0].checkers[0];
    let keepalived_conf::CheckerKind::Bfd(b) = &ch.kind else {
        panic!("{:?}", ch.kind)
    };
    assert_eq!(b.name.as_ref().unwrap().value, "b1");
    assert_eq!(ch.alpha.as_ref().map(|a| a.value), Some(true));
    let bi = &p.config.bfd_instances[0];
    assert!(bi.to_checker() && !bi.to_vrrp());
}

/// keepalived 2.2.8 (`multihop`; bfd_data.c `find_bfd_by_addr` compares it):
/// a single-hop and a multihop session to one neighbor are two sessions, no
/// duplicate; a second one of the same kind is still dropped with keepalived's
/// duplicate message. 2.2.7 does not know `multihop`, so this is not compared
/// with the installed keepalived.
#[test]
fn a_single_hop_and_a_multihop_session_to_one_neighbor_are_no_duplicate() {
    let t = "bfd_instance single {\n neighbor_ip 192.0.2.9\n}\n\
             bfd_instance multi {\n neighbor_ip 192.0.2.9\n multihop\n}\n\
             bfd_instance multi_again {\n multihop\n neighbor_ip 192.0.2.9\n}\n\
             bfd_instance single_again {\n neighbor_ip 192.0.2.9\n multihop false\n}\n";
    let p = parse(t);
    let names: Vec<(&str, bool, bool)> = p
        .config
        .bfd_instances
        .iter()
        .map(|b| (b.name.value.as_str(), b.multihop, b.session))
        .collect();
    assert_eq!(
        names,
        [
            ("single", false, true),
            ("multi", true, true),
            ("multi_again", true, false),
            ("single_again", false, false)
        ]
    );
    let dups: Vec<String> = p
        .diagnostics
        .iter()
        .filter(|d| d.code == "duplicate-address")
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(dups.len(), 2, "{dups:?}");
    assert!(dups[0].contains("`multi_again`") && dups[0].contains("`multi`"));
    assert!(dups[1].contains("`single_again`") && dups[1].contains("`single`"));
}

/// `passive`, `vrrp` and `checker` are switches read from their table rows: each
/// sets its field, and a word after one is reported as an extra argument, as for
/// every other switch (keepalived ignores it silently).
#[test]
fn passive_vrrp_and_checker_are_switches() {
    let p = parse("bfd_instance b1 {\n neighbor_ip 192.0.2.2\n}\n");
    let b = &p.config.bfd_instances[0];
    assert!(!b.passive_value() && b.vrrp.is_none() && b.checker.is_none());
    assert!(b.to_vrrp() && b.to_checker());
    let p = parse("bfd_instance b1 {\n neighbor_ip 192.0.2.2\n passive now\n vrrp\n}\n");
    let b = &p.config.bfd_instances[0];
    assert!(b.passive_value() && b.to_vrrp() && !b.to_checker());
    let extra: Vec<_> = p
        .diagnostics
        .iter()
        .filter(|d| d.code == "extra-arguments")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(extra, ["extra argument to `passive` ignored: `now`"]);
    let p = parse("bfd_instance b1 {\n neighbor_ip 192.0.2.2\n checker\n vrrp\n}\n");
    let b = &p.config.bfd_instances[0];
    assert!(
        b.to_vrrp() && b.to_checker(),
        "both written: both get the events"
    );
}
