//! `promote_secondaries` against keepalived 2.2.7 (root, network namespaces,
//! keepalived installed; else `SKIPPED:`).
//!
//! The same configuration runs under keepalived in one namespace and under
//! this build's vrrpd in another, each with eth0 (sysctl 0), eth1 (sysctl
//! already 1) and a VMAC instance on eth2. The sysctls
//! `net.ipv4.conf.{eth0,eth1,eth2,vrrp.3}.promote_secondaries` are read
//! before start, while every instance is Master and after SIGTERM; the three
//! snapshots must be equal between the daemons (and are: 0/1/0 → 1/1/0 with
//! the VMAC at 1 → 0/1/0, eth2 without the keyword left alone). The kernel
//! state after the removal of the VIPs (`ip -j addr`) must be equal too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shell as sh;

use common::netns::{Daemon, Looped, skip_differential, wait_until};

use std::process::Stdio;
use std::time::Duration;

/// A namespace with veth pairs eth0/p0, eth1/p1, eth2/p2 (addresses
/// 10.8.N.1/24, the secondary 10.8.0.5/24 on eth0); deleted on drop.
fn namespace(name: &str) -> Looped {
    let ns = Looped::new(name, &["10.8.0.1/24", "10.8.1.1/24", "10.8.2.1/24"]);
    ns.lab.addr(&ns.name, "eth0", "10.8.0.5/24");
    ns.lab.sysctl(
        &ns.name,
        &[
            "net.ipv4.conf.eth0.promote_secondaries=0",
            "net.ipv4.conf.eth1.promote_secondaries=1",
            "net.ipv4.conf.eth2.promote_secondaries=0",
        ],
    );
    ns
}

impl Looped {
    /// promote_secondaries of eth0, eth1, eth2 and vrrp.3 ("-" when absent).
    fn sysctls(&self) -> String {
        ["eth0", "eth1", "eth2", "vrrp.3"]
            .iter()
            .map(|i| {
                std::process::Command::new("ip")
                    .args(["netns", "exec", &self.name, "cat"])
                    .arg(format!("/proc/sys/net/ipv4/conf/{i}/promote_secondaries"))
                    .stderr(Stdio::null())
                    .output()
                    .ok()
                    .filter(|o| o.status.success())
                    .map_or("-".to_string(), |o| {
                        String::from_utf8_lossy(&o.stdout).trim().to_string()
                    })
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    fn masters(&self) -> bool {
        let a = sh(&format!("ip -n {} addr", self.name));
        ["10.8.0.100/", "10.8.1.100/", "10.8.2.100/"]
            .iter()
            .all(|v| a.contains(v))
    }

    /// Addresses of eth0..eth2 as (interface, address/len), sorted.
    fn eth_addresses(&self) -> Vec<(String, String)> {
        let v: serde_json::Value =
            serde_json::from_str(&sh(&format!("ip -n {} -4 -j addr", self.name))).unwrap();
        let mut out: Vec<(String, String)> = v
            .as_array()
            .into_iter()
            .flatten()
            .filter(|l| l["ifname"].as_str().is_some_and(|n| n.starts_with("eth")))
            .flat_map(|l| {
                let name = l["ifname"].as_str().unwrap_or_default().to_string();
                l["addr_info"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |a| (name.clone(), format!("{}/{}", a["local"], a["prefixlen"])))
            })
            .collect();
        out.sort();
        out
    }

    /// Runs keepalived or vrrpd until every instance is Master; returns the
    /// sysctls before, while Master and after SIGTERM, and the addresses
    /// after.
    fn run(&self, vrrpd: bool) -> (String, String, String, Vec<(String, String)>) {
        let before = self.sysctls();
        let path = self.lab.write_conf("k", CONFIG);
        let mut kid = self.lab.start(&self.name, Daemon::of(vrrpd), &path, "v");
        let who = kid.daemon().name();
        wait_until(Duration::from_secs(20), "every instance Master", || {
            assert!(kid.running(), "{who} exited");
            self.masters()
        });
        let running = self.sysctls();
        kid.stop();
        (before, running, self.sysctls(), self.eth_addresses())
    }
}

const CONFIG: &str = "global_defs {\n router_id mcp\n}\n\
    vrrp_instance A {\n interface eth0\n virtual_router_id 1\n priority 255\n\
    promote_secondaries\n virtual_ipaddress {\n 10.8.0.100/24\n }\n}\n\
    vrrp_instance B {\n interface eth1\n virtual_router_id 2\n priority 255\n\
    promote_secondaries\n virtual_ipaddress {\n 10.8.1.100/24\n }\n}\n\
    vrrp_instance C {\n interface eth2\n virtual_router_id 3\n priority 255\n\
    use_vmac\n promote_secondaries\n virtual_ipaddress {\n 10.8.2.100/24\n }\n}\n";

#[test]
fn promote_secondaries_like_keepalived() {
    if skip_differential("promote_secondaries differential", &["keepalived"]) {
        return;
    }
    let pid = std::process::id();
    let k = namespace(&format!("nb-psk{pid}"));
    let v = namespace(&format!("nb-psv{pid}"));
    let kr = k.run(false);
    let vr = v.run(true);
    assert_eq!(kr, vr, "keepalived (left) and vrrpd (right) differ");
    // What keepalived does, spelled out.
    assert_eq!(
        (kr.0.as_str(), kr.1.as_str(), kr.2.as_str()),
        ("0,1,0,-", "1,1,0,1", "0,1,0,-")
    );
}
