//! Instances on an interface without an IPv6 link-local address, against
//! keepalived 2.2.7 (root, network namespaces and keepalived installed;
//! else `SKIPPED:`).
//!
//! keepalived runs in one namespace, this build's vrrpd in another, on an
//! `eth0` without a link-local address (`addrgenmode none`, or IPv6
//! disabled with `disable_ipv6`). An IPv4 instance runs and becomes Master
//! in both. An IPv6 instance (no `dynamic_interfaces`) waits in FAULT without
//! its VIP in both, the daemons running; once a link-local address is added
//! both become Master with the same addresses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Looped, skip_differential, wait_until};
use common::shell as sh;

use std::time::Duration;

/// A namespace with `eth0` (10.9.0.1/24, a veth whose peer stays in the
/// namespace), deleted on drop with its temporary directory.
fn ns(name: String) -> Looped {
    Looped::new(&name, &["10.9.0.1/24"])
}

fn wait_for(what: &str, ok: impl FnMut() -> bool) {
    wait_until(Duration::from_secs(20), what, ok);
}

fn config(vip: &str) -> String {
    format!(
        "global_defs {{\n router_id ll\n}}\n\
         vrrp_instance VI_A {{\n state BACKUP\n interface eth0\n virtual_router_id 51\n \
         priority 100\n advert_int 1\n virtual_ipaddress {{\n  {vip}\n }}\n}}\n"
    )
}

fn skip() -> bool {
    skip_differential("link-local differential", &["keepalived"])
}

/// Both namespaces, `eth0` prepared by `setup` (ip arguments).
fn pair(tag: &str, setup: &[&str]) -> (Looped, Looped) {
    let pid = std::process::id();
    let k = ns(format!("nm-ll{tag}k-{pid}"));
    let o = ns(format!("nm-ll{tag}o-{pid}"));
    for ns in [&k, &o] {
        for s in setup {
            if let Some(sysctl) = s.strip_prefix("sysctl ") {
                sh(&format!("ip netns exec {} sysctl -qw {sysctl}", ns.name));
            } else {
                ns.ip(s);
            }
        }
        let ll = sh(&format!(
            "ip -n {} -6 addr show dev eth0 scope link",
            ns.name
        ));
        assert!(ll.trim().is_empty(), "a link-local address: {ll}");
    }
    (k, o)
}

fn ipv4_runs(tag: &str, setup: &[&str]) {
    if skip() {
        return;
    }
    let (k, o) = pair(tag, setup);
    let conf = config("10.9.0.51/24");
    let mut kd = k.start(&conf, Daemon::Keepalived);
    let mut od = o.start(&conf, Daemon::Vrrpd);
    for ns in [&k, &o] {
        wait_for(&format!("{}'s VIP", ns.name), || {
            ns.addresses("").len() == 2
        });
    }
    let (ka, oa) = (k.addresses(""), o.addresses(""));
    let running = [&mut kd, &mut od].map(|d| d.running());
    kd.stop();
    od.stop();
    assert_eq!(running, [true, true]);
    assert_eq!(oa, ka);
    assert!(ka.contains(&("eth0".to_string(), "10.9.0.51/24".to_string())));
}

/// `addrgenmode none`: no link-local address; the IPv4 instance runs.
#[test]
fn ipv4_instance_without_link_local_runs_as_keepalived() {
    ipv4_runs(
        "a",
        &[
            "link set eth0 down",
            "link set eth0 addrgenmode none",
            "link set eth0 up",
        ],
    );
}

/// IPv6 disabled on the interface; the IPv4 instance runs.
#[test]
fn ipv4_instance_with_ipv6_disabled_runs_as_keepalived() {
    ipv4_runs("d", &["sysctl net.ipv6.conf.eth0.disable_ipv6=1"]);
}

/// An IPv6 instance waits in FAULT for a link-local address, then runs.
#[test]
fn ipv6_instance_waits_for_a_link_local_as_keepalived() {
    if skip() {
        return;
    }
    let (k, o) = pair(
        "6",
        &[
            "link set eth0 down",
            "link set eth0 addrgenmode none",
            "link set eth0 up",
            "addr add fd00:9::1/64 dev eth0 nodad",
        ],
    );
    let conf = config("fd00:9::51/64");
    let mut kd = k.start(&conf, Daemon::Keepalived);
    let mut od = o.start(&conf, Daemon::Vrrpd);
    // Master_Down_Interval is a little over 3 s: both would be Master by now.
    std::thread::sleep(Duration::from_secs(5));
    let waiting = (k.addresses(""), o.addresses(""));
    let running = [&mut kd, &mut od].map(|d| d.running());
    for ns in [&k, &o] {
        ns.ip("addr add fe80::1/64 dev eth0 nodad");
    }
    for ns in [&k, &o] {
        wait_for(&format!("{}'s VIP", ns.name), || {
            ns.addresses("").len() == 3
        });
    }
    let (ka, oa) = (k.addresses(""), o.addresses(""));
    kd.stop();
    od.stop();
    assert_eq!(
        running,
        [true, true],
        "keepalived, vrrpd running while waiting"
    );
    assert_eq!(waiting.0.len(), 2, "keepalived waiting: {:?}", waiting.0);
    assert_eq!(waiting.1, waiting.0, "waiting in FAULT");
    assert_eq!(oa, ka, "after the link-local address");
    assert!(
        ka.contains(&("eth0".to_string(), "fd00:9::51/64".to_string())),
        "{ka:?}"
    );
}
