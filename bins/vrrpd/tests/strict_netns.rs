//! Strict mode's corrections against keepalived 2.2.7's own report: the same
//! configuration checked by `keepalived -t` and `vrrpd -t` in a network
//! namespace with a multicast-capable `eth0` (a veth end); every message
//! keepalived prints for an instance (`(NAME) ...`) must be among vrrpd's.
//! Root, keepalived and `ip` are needed; else `SKIPPED:`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Lab, skip_differential};

use std::process::Command;

/// Every correction strict mode makes; C, unicast on a multicast-capable
/// interface, is not refused.
const CONF: &str = "global_defs {
 vrrp_strict
 vrrp_garp_lower_prio_repeat 3
}
vrrp_instance A {
 state MASTER
 interface eth0
 virtual_router_id 1
 priority 100
 authentication {
  auth_type PASS
  auth_pass secret
 }
 preempt_delay 5
 down_timer_adverts 5
 garp_lower_prio_repeat 2
 garp_lower_prio_delay 3
 lower_prio_no_advert false
 higher_prio_send_advert true
 virtual_ipaddress {
  192.0.2.1
 }
}
vrrp_instance B {
 interface eth0
 virtual_router_id 2
 version 2
 virtual_ipaddress {
  fd00::1
  fe80::1
 }
}
vrrp_instance C {
 interface eth0
 virtual_router_id 3
 priority 255
 unicast_peer {
  192.0.2.9
 }
 virtual_ipaddress {
  192.0.2.3
 }
}
";

/// stdout and stderr of `daemon -t -f conf` run in `ns`.
fn check(ns: &str, daemon: Daemon, conf: &std::path::Path) -> String {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, daemon.program(), "-t", "-f"])
        .arg(conf)
        .output()
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn strict_mode_corrections_report_what_keepalived_reports() {
    if skip_differential("strict mode check", &["keepalived"]) {
        return;
    }
    let mut lab = Lab::new(&format!("fw-strict-{}", std::process::id()));
    let ns = lab.add_ns(&format!("fw-strict-{}", std::process::id()));
    // a veth end: multicast-capable, up
    lab.veth(&ns, "eth0", &ns, "eth1");
    let conf = lab.write_conf("strict", CONF);
    let theirs = check(&ns, Daemon::Keepalived, &conf);
    let ours = check(&ns, Daemon::Vrrpd, &conf);
    let expected: Vec<&str> = theirs.lines().filter(|l| l.starts_with('(')).collect();
    assert!(
        expected.len() >= 10,
        "keepalived reported fewer corrections than expected:\n{theirs}"
    );
    for line in &expected {
        assert!(
            ours.contains(line),
            "keepalived: {line}\nnot reported by vrrpd:\n{ours}"
        );
    }
    // keepalived 2.2.7 runs a strict unicast instance on a multicast-capable
    // interface (its check reads flags not known yet); so does vrrpd.
    assert!(!theirs.contains("(C)"), "{theirs}");
    assert!(!ours.contains("(C)") && !ours.contains("error["), "{ours}");
}

/// A strict instance whose `use_vmac` names a MAC address.
const VMAC_CONF: &str = "global_defs {
 vrrp_strict
}
vrrp_instance A {
 interface eth0
 virtual_router_id 7
 priority 100
 use_vmac vm7 02:11:22:33:44:55
 vmac_xmit_base
 virtual_ipaddress {
  10.9.0.70/24
 }
}
";

/// The macvlan `dev` of `ns` as `ip -j -d link` shows it, without what
/// differs between two namespaces (interface indexes, counters, the link's
/// own timing state).
fn vmac_link(ns: &str, dev: &str) -> serde_json::Value {
    let text = common::shell(&format!("ip -j -d -n {ns} link show dev {dev}"));
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut link = v[0].take();
    if let serde_json::Value::Object(m) = &mut link {
        for k in ["ifindex", "link_index", "stats64", "inet6_addr_gen_mode"] {
            m.remove(k);
        }
    }
    link
}

/// vrrp.c vrrp_complete_instance: strict mode clears a VMAC MAC written in
/// the configuration, so the macvlan gets the RFC 9568 §7.3 virtual MAC
/// (00:00:5e:00:01:07). keepalived 2.2.7 in one namespace and vrrpd in
/// another with the same configuration: `-t` reports the same line, and the
/// macvlans they create are alike (`ip -j -d link`). A written
/// `vmac_xmit_base` is reset with the same line by both.
#[test]
fn strict_mode_clears_a_vmac_mac_as_keepalived() {
    use common::netns::{Daemon, Looped, skip_differential, wait_until};
    use std::time::Duration;
    if skip_differential("strict VMAC differential", &["keepalived"]) {
        return;
    }
    let pid = std::process::id();
    let k = Looped::new(&format!("a5-svk-{pid}"), &["10.9.0.1/24"]);
    let o = Looped::new(&format!("a5-svo-{pid}"), &["10.9.0.2/24"]);
    const LINES: [&str; 2] = [
        "(A): cannot specify MAC address with strict mode - clearing",
        "(A) xmit_base is incompatible with strict mode - resetting",
    ];
    for (ns, daemon) in [(&k, Daemon::Keepalived), (&o, Daemon::Vrrpd)] {
        let path = ns.lab.write_conf("t", VMAC_CONF);
        let text = check(&ns.name, daemon, &path);
        for line in LINES {
            assert!(text.contains(line), "{}: {text}", daemon.name());
        }
        assert!(!text.contains("not acted on"), "{}: {text}", daemon.name());
    }
    let mut kd = k.start(VMAC_CONF, Daemon::Keepalived);
    let mut od = o.start(VMAC_CONF, Daemon::Vrrpd);
    // Alone on its link each becomes Master (Master_Down_Interval ~3.6 s);
    // 30 s leaves room for a loaded machine.
    for ns in [&k, &o] {
        wait_until(
            Duration::from_secs(30),
            &format!("{}'s VIP", ns.name),
            || {
                ns.addresses("-4")
                    .contains(&("vm7".to_string(), "10.9.0.70/24".to_string()))
            },
        );
    }
    let (kl, ol) = (vmac_link(&k.name, "vm7"), vmac_link(&o.name, "vm7"));
    kd.stop();
    od.stop();
    assert_eq!(kl["address"], "00:00:5e:00:01:07", "keepalived: {kl}");
    assert_eq!(ol, kl, "vrrpd's macvlan differs from keepalived's");
}
