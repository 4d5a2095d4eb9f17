//! `unicast_peer { IP min_ttl N max_ttl N }` against keepalived 2.2.7 (root,
//! network namespaces and keepalived installed; else `SKIPPED:`).
//!
//! Two veth pairs. On one keepalived is the Master sending unicast adverts
//! (TTL 255) and vrrpd the receiver; on the other the roles are swapped. The
//! receivers (priority 100, `state BACKUP`) name the sender as their peer:
//! with a TTL range that excludes 255 both ignore the adverts and become
//! Master beside the sender (keepalived logs "TTL/HL 255 not in range");
//! with one that includes it both stay Backup.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Pair, Running, skip_differential};

use std::time::Duration;

fn config(state: &str, priority: u8, me: &str, peer: &str, range: &str) -> String {
    format!(
        "global_defs {{\n router_id ut\n}}\n\
         vrrp_instance U {{\n state {state}\n interface eth0\n virtual_router_id 61\n \
         priority {priority}\n advert_int 1\n unicast_src_ip {me}\n \
         unicast_peer {{\n  {peer}{range}\n }}\n virtual_ipaddress {{\n  10.9.0.61/24\n }}\n}}\n"
    )
}

/// Starts the sender (`sender` on the peer side, 10.9.0.2) and the receiver
/// (the other daemon on the router side, 10.9.0.1, with `range` on its peer).
fn start(pair: &Pair, sender: Daemon, receiver: Daemon, range: &str) -> [Running; 2] {
    let s = pair.lab.start_conf(
        &pair.peer,
        sender,
        &config("MASTER", 200, "10.9.0.2", "10.9.0.1", ""),
        "sender",
    );
    let r = pair.lab.start_conf(
        &pair.ns,
        receiver,
        &config("BACKUP", 100, "10.9.0.1", "10.9.0.2", range),
        "receiver",
    );
    [s, r]
}

/// Whether the peer side (the sender) holds the VIP.
fn sender_holds(pair: &Pair) -> bool {
    common::shell(&format!("ip -n {} -4 -o addr show dev eth0", pair.peer)).contains(" 10.9.0.61/")
}

/// Runs both pairs with `range` on the receivers; returns whether each
/// receiver (vrrpd's, keepalived's) took the VIP while the sender kept it,
/// and keepalived's receiver log.
fn run(range: &str, tag: &str) -> (bool, bool, String) {
    let pid = std::process::id();
    // keepalived sends, vrrpd receives; and the other way round
    let o = Pair::build(&format!("vpx-ut{tag}o-{pid}"), false);
    let k = Pair::build(&format!("vpx-ut{tag}k-{pid}"), false);
    let mut od = start(&o, Daemon::Keepalived, Daemon::Vrrpd, range);
    let mut kd = start(&k, Daemon::Vrrpd, Daemon::Keepalived, range);
    // Master_Down_Interval is a little over 3 s
    std::thread::sleep(Duration::from_secs(6));
    let got = (
        o.holds("10.9.0.61"),
        k.holds("10.9.0.61"),
        sender_holds(&o) && sender_holds(&k),
    );
    for d in od.iter_mut().chain(kd.iter_mut()) {
        d.stop();
    }
    assert!(got.2, "a sender lost the VIP");
    let log = std::fs::read_to_string(k.lab.path("receiver.log")).unwrap_or_default();
    (got.0, got.1, log)
}

fn skip() -> bool {
    skip_differential("unicast TTL differential", &["keepalived"])
}

/// A range without 255: the sender's adverts are dropped, the receiver
/// becomes Master too.
#[test]
fn a_peer_outside_its_ttl_range_is_ignored_as_by_keepalived() {
    if skip() {
        return;
    }
    let (vrrpd, keepalived, log) = run(" min_ttl 1 max_ttl 254", "x");
    assert!(keepalived, "keepalived accepted the advert: {log}");
    assert!(log.contains("TTL/HL 255 not in range 1 - 254"), "{log}");
    assert!(
        vrrpd,
        "vrrpd accepted an advert outside the peer's TTL range"
    );
}

/// A range with 255: the receiver stays Backup.
#[test]
fn a_peer_inside_its_ttl_range_is_heard_as_by_keepalived() {
    if skip() {
        return;
    }
    let (vrrpd, keepalived, log) = run(" min_ttl 255", "i");
    assert!(!keepalived, "keepalived ignored the advert: {log}");
    assert!(
        !vrrpd,
        "vrrpd ignored an advert inside the peer's TTL range"
    );
}
