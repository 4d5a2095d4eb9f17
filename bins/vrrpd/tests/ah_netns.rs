//! `auth_type AH` against keepalived 2.2.7 (root, network namespaces,
//! keepalived; else `SKIPPED:`).
//!
//! A keepalived and this build's vrrpd on one link, both with
//! `authentication { auth_type AH auth_pass ... }`:
//!
//! * same password: each side takes over from the other and yields back
//!   (vrrpd the higher priority, then keepalived), with one holder of the
//!   VIP at a time: each accepts the other's AH adverts, their ICV and their
//!   sequence numbers, including those numbered on from what it sent;
//! * different passwords: neither accepts the other's adverts (keepalived
//!   logs its ICV error, vrrpd counts authentication failures), so both
//!   end up Master;
//! * unicast peers (the TTL outside the ICV): the same takeovers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Lab, Running, poll_until, skip_differential, wait_until};
use common::shell;
use std::time::Duration;

const K_IP: &str = "10.84.0.1";
const V_IP: &str = "10.84.0.2";
const VIP: &str = "10.84.0.100";

fn conf(router_id: &str, priority: u8, pass: &str) -> String {
    conf_with(router_id, priority, pass, "")
}

/// [`conf`] with `extra` lines in the instance.
fn conf_with(router_id: &str, priority: u8, pass: &str, extra: &str) -> String {
    format!(
        "global_defs {{\n  router_id {router_id}\n}}\n\
         vrrp_instance VI_1 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 84\n  \
         priority {priority}\n  advert_int 1\n{extra}  \
         authentication {{\n    auth_type AH\n    auth_pass {pass}\n  }}\n  \
         virtual_ipaddress {{\n    {VIP}/24\n  }}\n}}\n"
    )
}

fn has_vip(ns: &str) -> bool {
    shell(&format!("ip -n {ns} -4 -o addr show dev eth0")).contains(VIP)
}

/// Waits until `holder` alone has the VIP, then checks for 3 s that it keeps
/// it and the other never has it.
fn sole_master(holder: &str, other: &str, what: &str) {
    wait_until(Duration::from_secs(20), what, || {
        has_vip(holder) && !has_vip(other)
    });
    let broken = poll_until(Duration::from_secs(3), || {
        !has_vip(holder) || has_vip(other)
    });
    assert!(!broken, "{what}: the VIP moved or is held twice");
}

fn count(log: &str, pat: &str) -> usize {
    log.matches(pat).count()
}

/// Two namespaces `ahx-<test>k<pid>`, `ahx-<test>v<pid>` joined by `eth0`.
fn lab(test: &str) -> (Lab, String, String) {
    let pid = std::process::id();
    let mut lab = Lab::new(&format!("ahx-{test}-{pid}"));
    let k = lab.add_ns(&format!("ahx-{test}k{pid}"));
    let v = lab.add_ns(&format!("ahx-{test}v{pid}"));
    lab.veth(&k, "eth0", &v, "eth0");
    lab.addr(&k, "eth0", &format!("{K_IP}/24"));
    lab.addr(&v, "eth0", &format!("{V_IP}/24"));
    (lab, k, v)
}

#[test]
fn ah_failover_both_ways_with_keepalived() {
    if skip_differential("vrrpd ah_netns", &["keepalived"]) {
        return;
    }
    let (lab, k, v) = lab("f");

    // keepalived 100 alone becomes Master.
    let mut kd = lab.start_conf(&k, Daemon::Keepalived, &conf("ahk", 100, "secretpw"), "k");
    sole_master(&k, &v, "keepalived Master alone");
    // vrrpd 200 hears it (learning its sequence numbers), then preempts:
    // keepalived accepts vrrpd's adverts and yields.
    let mut vd: Running = lab.start_conf(&v, Daemon::Vrrpd, &conf("ahv", 200, "secretpw"), "v");
    sole_master(&v, &k, "vrrpd preempting keepalived");
    assert_eq!(
        count(&lab.log("k"), "Entering BACKUP STATE"),
        2,
        "{}",
        lab.log("k")
    );
    // vrrpd stops (priority 0): keepalived takes over.
    vd.stop();
    sole_master(&k, &v, "keepalived after vrrpd stopped");
    // vrrpd again, preempting a keepalived whose numbers went on meanwhile.
    let mut vd = lab.start_conf(&v, Daemon::Vrrpd, &conf("ahv", 200, "secretpw"), "v2");
    sole_master(&v, &k, "vrrpd preempting keepalived again");
    assert_eq!(
        count(&lab.log("k"), "Entering BACKUP STATE"),
        3,
        "{}",
        lab.log("k")
    );
    let klog = lab.log("k");
    assert!(
        !klog.contains("IPSEC"),
        "keepalived refused an advert:\n{klog}"
    );
    let st = lab.status("v2").expect("vrrpd status");
    assert!(
        st["instances"][0]["drops"].get("auth_failure").is_none(),
        "{st}"
    );
    vd.stop();
    kd.stop();
    sole_master_none(&k, &v);

    // Roles swapped: keepalived 200 over a vrrpd 100 that stays Backup,
    // accepting keepalived's adverts.
    let mut vd = lab.start_conf(&v, Daemon::Vrrpd, &conf("ahv", 100, "secretpw"), "v3");
    sole_master(&v, &k, "vrrpd Master alone");
    let mut kd = lab.start_conf(&k, Daemon::Keepalived, &conf("ahk", 200, "secretpw"), "k2");
    sole_master(&k, &v, "keepalived preempting vrrpd");
    kd.stop();
    sole_master(&v, &k, "vrrpd after keepalived stopped");
    let mut kd = lab.start_conf(&k, Daemon::Keepalived, &conf("ahk", 200, "secretpw"), "k3");
    sole_master(&k, &v, "keepalived preempting vrrpd again");
    let st = lab.status("v3").expect("vrrpd status");
    let i = &st["instances"][0];
    assert_eq!(i["state"], "BACKUP", "{i}");
    assert!(i["drops"].get("auth_failure").is_none(), "{i}");
    for tag in ["k2", "k3"] {
        let log = lab.log(tag);
        assert!(
            !log.contains("IPSEC"),
            "keepalived refused an advert:\n{log}"
        );
    }
    kd.stop();
    vd.stop();
}

/// No VIP left on either side once both daemons stopped.
fn sole_master_none(k: &str, v: &str) {
    wait_until(Duration::from_secs(10), "the VIP removed", || {
        !has_vip(k) && !has_vip(v)
    });
}

#[test]
fn ah_with_another_password_is_refused_both_ways() {
    if skip_differential("vrrpd ah_netns", &["keepalived"]) {
        return;
    }
    let (lab, k, v) = lab("p");
    let mut kd = lab.start_conf(&k, Daemon::Keepalived, &conf("ahk", 200, "secretpw"), "k");
    sole_master(&k, &v, "keepalived Master alone");
    let mut vd = lab.start_conf(&v, Daemon::Vrrpd, &conf("ahv", 100, "otherpw1"), "v");
    // vrrpd refuses keepalived's adverts: it becomes Master too; keepalived
    // refuses vrrpd's.
    wait_until(Duration::from_secs(20), "both Master", || {
        has_vip(&k) && has_vip(&v)
    });
    wait_until(Duration::from_secs(10), "keepalived's ICV error", || {
        lab.log("k").contains("IPSEC HMAC-MD5 value")
    });
    let st = lab.status("v").expect("vrrpd status");
    let i = &st["instances"][0];
    assert_eq!(i["state"], "MASTER", "{i}");
    assert!(
        i["drops"]["auth_failure"].as_u64().unwrap_or(0) >= 2,
        "vrrpd counts keepalived's adverts as authentication failures: {i}"
    );
    // keepalived never yielded to vrrpd's adverts: BACKUP once, at its start.
    assert_eq!(
        count(&lab.log("k"), "Entering BACKUP STATE"),
        1,
        "{}",
        lab.log("k")
    );
    vd.stop();
    kd.stop();
}

#[test]
fn ah_over_unicast_peers_with_keepalived() {
    if skip_differential("vrrpd ah_netns", &["keepalived"]) {
        return;
    }
    let (lab, k, v) = lab("u");
    let unicast = |src: &str, peer: &str| {
        format!("  unicast_src_ip {src}\n  unicast_peer {{\n    {peer}\n  }}\n")
    };
    let kconf = conf_with("ahk", 100, "secretpw", &unicast(K_IP, V_IP));
    let vconf = conf_with("ahv", 200, "secretpw", &unicast(V_IP, K_IP));
    let mut kd = lab.start_conf(&k, Daemon::Keepalived, &kconf, "k");
    sole_master(&k, &v, "keepalived Master alone");
    let mut vd = lab.start_conf(&v, Daemon::Vrrpd, &vconf, "v");
    sole_master(&v, &k, "vrrpd preempting keepalived");
    vd.stop();
    sole_master(&k, &v, "keepalived after vrrpd stopped");
    let mut vd = lab.start_conf(&v, Daemon::Vrrpd, &vconf, "v2");
    sole_master(&v, &k, "vrrpd preempting keepalived again");
    let klog = lab.log("k");
    assert!(
        !klog.contains("IPSEC"),
        "keepalived refused an advert:\n{klog}"
    );
    assert_eq!(count(&klog, "Entering BACKUP STATE"), 3, "{klog}");
    let st = lab.status("v2").expect("vrrpd status");
    assert!(
        st["instances"][0]["drops"].get("auth_failure").is_none(),
        "{st}"
    );
    vd.stop();
    kd.stop();
}
