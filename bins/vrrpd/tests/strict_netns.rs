//! Strict mode's corrections against keepalived 2.2.7's own report: the same
//! configuration checked by `keepalived -t` and `vrrpd -t` in a network
//! namespace with a multicast-capable `eth0` (a veth end); every message
//! keepalived prints for an instance (`(NAME) ...`) must be among vrrpd's.
//! Root, keepalived and `ip` are needed; else `SKIPPED:`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Stdio};

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

/// A namespace with a veth `eth0`, deleted on drop.
struct Ns(String);

impl Ns {
    fn new() -> Self {
        let name = format!("fw-strict-{}", std::process::id());
        let _ = Command::new("ip")
            .args(["netns", "del", &name])
            .stderr(Stdio::null())
            .status();
        common::sh(&["ip", "netns", "add", &name]);
        let ns = Ns(name);
        common::sh(&[
            "ip", "-n", &ns.0, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1",
        ]);
        common::sh(&["ip", "-n", &ns.0, "link", "set", "eth0", "up"]);
        ns
    }

    /// stdout and stderr of `prog -t -f conf` run in the namespace.
    fn check(&self, prog: &str, conf: &std::path::Path) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.0, prog, "-t", "-f"])
            .arg(conf)
            .output()
            .unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

#[test]
fn strict_mode_corrections_report_what_keepalived_reports() {
    if common::skip_netns_test("strict mode check", None, "network namespaces") {
        return;
    }
    let have = Command::new("sh")
        .args(["-c", "command -v keepalived"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        eprintln!("SKIPPED: strict mode check needs keepalived");
        return;
    }
    let dir = std::env::temp_dir().join(format!("fw-strict-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("strict.conf");
    std::fs::write(&conf, CONF).unwrap();
    let ns = Ns::new();
    let theirs = ns.check("keepalived", &conf);
    let ours = ns.check(env!("CARGO_BIN_EXE_vrrpd"), &conf);
    let _ = std::fs::remove_dir_all(&dir);
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
