//! Address flag words and `preferred_lft` on virtual addresses, against
//! keepalived 2.2.7 (root, network namespaces and keepalived installed; else
//! `SKIPPED:`).
//!
//! keepalived runs in one namespace, this build's vrrpd in another, with the
//! same configuration: an IPv4 and an IPv6 instance whose addresses carry
//! `home`, `-nodad`, `mngtmpaddr`, `noprefixroute`, `autojoin` and
//! `preferred_lft`, and IPv6 /128 and /64 addresses without them (keepalived's
//! defaults: a /128 deprecated, every IPv6 address without DAD). Once both are
//! Master, `ip -j addr show dev eth0` (flags, and the preferred lifetime as
//! zero, finite or forever) must be the same.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Looped, skip_differential, wait_until};
use common::shell as sh;

use std::time::Duration;

use serde_json::Value;

const V4: &[&str] = &[
    "10.9.0.51/24 noprefixroute",
    "10.9.0.52/24 home mngtmpaddr",
    "10.9.0.53/24 preferred_lft 30",
    "10.9.0.54/24 nodad",
];

const V6: &[&str] = &[
    "fd00:9::51/64",
    "fd00:9::52/128",
    "fd00:9::53/128 preferred_lft forever",
    "fd00:9::54/64 -nodad",
    "fd00:9::55/64 preferred_lft 100 noprefixroute home mngtmpaddr",
    "fd00:9::56/128 preferred_lft 0",
    "ff0e::1:56/128 autojoin",
];

/// Point-to-point addresses (`peer`): the prefix is the peer's (always a full
/// one: a peer with `/LEN` is invalid and dropped, the address stays).
const PEER4: &[&str] = &[
    "10.9.0.71 peer 10.9.0.72",
    "10.9.0.73 peer 10.9.1.0/24 brd +",
    "10.9.0.75/24 peer 10.9.0.76",
];

const PEER6: &[&str] = &[
    "fd00:9::71 peer fd00:9::72",
    "fd00:9::73 peer fd00:9::74/64",
];

fn config() -> String {
    config_of(V4, V6)
}

fn config_of(v4: &[&str], v6: &[&str]) -> String {
    let list = |v: &[&str]| v.iter().map(|a| format!("  {a}\n")).collect::<String>();
    format!(
        "global_defs {{\n router_id vo\n}}\n\
         vrrp_instance V4 {{\n state MASTER\n interface eth0\n virtual_router_id 51\n \
         priority 200\n advert_int 1\n virtual_ipaddress {{\n{}}}\n}}\n\
         vrrp_instance V6 {{\n state MASTER\n interface eth0\n virtual_router_id 52\n \
         version 3\n priority 200\n advert_int 1\n virtual_ipaddress {{\n{}}}\n}}\n",
        list(v4),
        list(v6)
    )
}

/// `ip -j addr show dev eth0` of `ns` without link-local addresses, the
/// valid lifetime dropped and the preferred one as `0`, `finite` or
/// `forever` (it ticks), sorted by address.
fn addresses(ns: &str) -> Vec<Value> {
    let text = sh(&format!("ip -j -n {ns} addr show dev eth0"));
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for mut a in v[0]["addr_info"].as_array().cloned().unwrap_or_default() {
        if a["local"].as_str().is_none_or(|l| l.starts_with("fe80:")) {
            continue;
        }
        if let Value::Object(m) = &mut a {
            m.remove("valid_life_time");
            let p = match m.remove("preferred_life_time").and_then(|p| p.as_u64()) {
                Some(0) => "0",
                Some(4_294_967_295) => "forever",
                Some(_) => "finite",
                None => "absent",
            };
            m.insert("preferred".into(), Value::from(p));
        }
        out.push(a);
    }
    out.sort_by_key(|a| a["local"].as_str().unwrap_or("").to_string());
    out
}

fn flag(addrs: &[Value], local: &str, key: &str) -> Value {
    addrs
        .iter()
        .find(|a| a["local"] == local)
        .map(|a| a[key].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn address_flags_and_lifetimes_as_keepalived() {
    if skip_differential("VIP options differential", &["keepalived"]) {
        return;
    }
    let pid = std::process::id();
    let k = Looped::new(&format!("vpx-vok-{pid}"), &["10.9.0.1/24"]);
    let o = Looped::new(&format!("vpx-voo-{pid}"), &["10.9.0.1/24"]);
    let conf = config();
    let mut kd = k.start(&conf, Daemon::Keepalived);
    let mut od = o.start(&conf, Daemon::Vrrpd);
    let want = V4.len() + V6.len() + 1;
    for (ns, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_until(
            Duration::from_secs(20),
            &format!("{who} Master with its VIPs"),
            || addresses(&ns.name).len() >= want,
        );
    }
    // DAD of the `-nodad` address (about a second on a veth)
    std::thread::sleep(Duration::from_secs(3));
    let (ka, oa) = (addresses(&k.name), addresses(&o.name));
    kd.stop();
    od.stop();
    assert_eq!(oa, ka, "addresses (vrrpd left, keepalived right)");
    // the words reached the kernel (not only equal by both ignoring them)
    assert_eq!(flag(&ka, "10.9.0.51", "noprefixroute"), Value::Bool(true));
    assert_eq!(flag(&ka, "fd00:9::55", "home"), Value::Bool(true));
    assert_eq!(flag(&ka, "fd00:9::55", "mngtmpaddr"), Value::Bool(true));
    assert_eq!(flag(&ka, "fd00:9::51", "nodad"), Value::Bool(true));
    assert_eq!(flag(&ka, "fd00:9::54", "nodad"), Value::Null);
    assert_eq!(flag(&ka, "fd00:9::52", "preferred"), Value::from("0"));
    assert_eq!(flag(&ka, "fd00:9::53", "preferred"), Value::from("forever"));
    assert_eq!(flag(&ka, "fd00:9::55", "preferred"), Value::from("finite"));
}

#[test]
fn peer_addresses_as_keepalived() {
    if skip_differential("VIP peer differential", &["keepalived"]) {
        return;
    }
    let pid = std::process::id();
    let k = Looped::new(&format!("vpx-vpk-{pid}"), &["10.9.0.1/24"]);
    let o = Looped::new(&format!("vpx-vpo-{pid}"), &["10.9.0.1/24"]);
    let conf = config_of(PEER4, PEER6);
    let mut kd = k.start(&conf, Daemon::Keepalived);
    let mut od = o.start(&conf, Daemon::Vrrpd);
    let want = PEER4.len() + PEER6.len() + 1;
    for (ns, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_until(
            Duration::from_secs(20),
            &format!("{who} Master with its VIPs"),
            || addresses(&ns.name).len() >= want,
        );
    }
    std::thread::sleep(Duration::from_secs(1));
    let (ka, oa) = (addresses(&k.name), addresses(&o.name));
    kd.stop();
    od.stop();
    assert_eq!(oa, ka, "addresses (vrrpd left, keepalived right)");
    assert_eq!(flag(&ka, "10.9.0.71", "address"), Value::from("10.9.0.72"));
    assert_eq!(flag(&ka, "10.9.0.75", "prefixlen"), Value::from(32));
    assert_eq!(flag(&ka, "10.9.0.73", "address"), Value::Null);
    // on stop keepalived 2.2.7 removes an IPv4 point-to-point address with
    // IFA_ADDRESS = the address, which the kernel does not match: it stays;
    // vrrpd names the peer and removes it (docs/keepalived.md §3.46)
    let has = |ns: &str| addresses(ns).iter().any(|a| a["local"] == "10.9.0.71");
    assert!(has(&k.name), "keepalived removed the peer address");
    assert!(!has(&o.name), "vrrpd left the peer address");
}
