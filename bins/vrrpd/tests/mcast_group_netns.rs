//! Non-default VRRP multicast groups against keepalived 2.2.7 (root, network
//! namespaces, keepalived, tcpdump and tshark installed; else `SKIPPED:`).
//!
//! keepalived and this build's vrrpd run as peers on one veth link with the
//! same configuration: `vrrp_mcast_group4 224.0.0.44` for an IPv4 instance and
//! `mcast_dst_ip ff02::44` for an IPv6 one. Checked:
//! 1. keepalived (priority 200) is Master and vrrpd (100) stays Backup: vrrpd
//!    hears adverts sent to the configured groups only;
//! 2. both namespaces joined the same VRRP groups on eth0 (`ip -j maddr`):
//!    the configured ones, not 224.0.0.18 / ff02::12;
//! 3. after keepalived stops, vrrpd takes over, and a keepalived restarted
//!    with priority 50 stays Backup: keepalived hears vrrpd's adverts;
//! 4. every advert of either daemon (tcpdump, decoded by tshark) went to the
//!    configured group, and both daemons sent the same (version, VRID,
//!    destination) set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shell as sh;

use common::netns::{Daemon, Lab, Running, skip_differential, wait_until};
use std::collections::BTreeSet;

use std::process::{Command, Stdio};
use std::time::Duration;

const V4_VIP: &str = "10.9.7.100";
const V6_VIP: &str = "fd00:9:7::100";

/// Namespaces `nb-mck…` (keepalived, 10.9.7.1) and `nb-mcv…` (vrrpd,
/// 10.9.7.2) joined by a veth pair named eth0 on both sides; deleted on
/// drop with the temporary directory.
struct Pair {
    k: String,
    v: String,
    lab: Lab,
}

impl Pair {
    fn new() -> Self {
        let pid = std::process::id();
        let mut lab = Lab::new(&format!("nb-mc-group-{pid}"));
        let k = lab.add_ns(&format!("nb-mck{pid}"));
        let v = lab.add_ns(&format!("nb-mcv{pid}"));
        for n in [&k, &v] {
            lab.sysctl(n, &["net.ipv6.conf.default.accept_dad=0"]);
        }
        lab.veth(&k, "eth0", &v, "eth0");
        lab.addr(&k, "eth0", "10.9.7.1/24");
        lab.addr(&v, "eth0", "10.9.7.2/24");
        for n in [&k, &v] {
            wait_for("the IPv6 link-local address", || {
                sh(&format!("ip -n {n} -6 addr show dev eth0 scope link")).contains("fe80:")
            });
        }
        Pair { k, v, lab }
    }

    fn has_vips(&self, ns: &str) -> (bool, bool) {
        let a = sh(&format!("ip -n {ns} addr show dev eth0"));
        (
            a.contains(&format!(" {V4_VIP}/")),
            a.contains(&format!(" {V6_VIP}/")),
        )
    }

    /// Starts keepalived (`vrrpd` false) or this build's vrrpd in `ns`.
    fn start(&self, ns: &str, priority: u8, vrrpd: bool) -> Running {
        let path = self.lab.write_conf(ns, &config(priority));
        self.lab.start(ns, Daemon::of(vrrpd), &path, ns)
    }

    /// The VRRP groups (of the four candidates) `ns` joined on eth0.
    fn vrrp_groups(&self, ns: &str) -> BTreeSet<String> {
        let v: serde_json::Value =
            serde_json::from_str(&sh(&format!("ip -n {ns} -j maddr show dev eth0"))).unwrap();
        let candidates = ["224.0.0.18", "224.0.0.44", "ff02::12", "ff02::44"];
        v.as_array()
            .into_iter()
            .flatten()
            .flat_map(|l| l["maddr"].as_array().cloned().unwrap_or_default())
            .filter_map(|m| m["address"].as_str().map(String::from))
            .filter(|a| candidates.contains(&a.as_str()))
            .collect()
    }

    /// Captures VRRP in `ns` for `secs` seconds; rows of (source,
    /// destination, version, VRID, priority) decoded by tshark.
    fn capture(&self, ns: &str, secs: u32, tag: &str) -> Vec<[String; 5]> {
        let file = self.lab.path(&format!("{tag}.pcap"));
        let _ = Command::new("ip")
            .args(["netns", "exec", ns, "timeout", &secs.to_string()])
            .args(["tcpdump", "-i", "eth0", "-n", "-U", "-w"])
            .arg(&file)
            .arg("ip proto 112 or ip6 proto 112")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        let text = sh(&format!(
            "tshark -r {} -T fields -E separator=, -e ip.src -e ipv6.src -e ip.dst \
             -e ipv6.dst -e vrrp.version -e vrrp.virt_rtr_id -e vrrp.prio",
            file.display()
        ));
        text.lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                let pick = |a: &str, b: &str| if a.is_empty() { b } else { a }.to_string();
                (f.len() == 7).then(|| {
                    [
                        pick(f[0], f[1]),
                        pick(f[2], f[3]),
                        f[4].to_string(),
                        f[5].to_string(),
                        f[6].to_string(),
                    ]
                })
            })
            .collect()
    }
}

fn config(priority: u8) -> String {
    format!(
        "global_defs {{\n router_id mc\n vrrp_mcast_group4 224.0.0.44\n}}\n\
         vrrp_instance v4 {{\n state BACKUP\n interface eth0\n virtual_router_id 51\n\
         priority {priority}\n advert_int 1\n virtual_ipaddress {{\n {V4_VIP}/24\n }}\n}}\n\
         vrrp_instance v6 {{\n state BACKUP\n interface eth0\n virtual_router_id 52\n\
         version 3\n priority {priority}\n advert_int 1\n mcast_dst_ip ff02::44\n\
         virtual_ipaddress {{\n {V6_VIP}/64\n }}\n}}\n"
    )
}

fn wait_for(what: &str, ok: impl FnMut() -> bool) {
    wait_until(Duration::from_secs(20), what, ok);
}

/// The configured group of a row's VRID.
fn group_of(vrid: &str) -> &'static str {
    if vrid == "51" {
        "224.0.0.44"
    } else {
        "ff02::44"
    }
}

#[test]
fn non_default_groups_interoperate_with_keepalived() {
    if skip_differential(
        "multicast group interop",
        &["keepalived", "tcpdump", "tshark"],
    ) {
        return;
    }
    let p = Pair::new();
    // 1. keepalived 200 vs vrrpd 100: keepalived Master, vrrpd Backup.
    let mut kd = p.start(&p.k, 200, false);
    let mut vd = p.start(&p.v, 100, true);
    wait_for("keepalived's VIPs", || p.has_vips(&p.k) == (true, true));
    let from_k = p.capture(&p.v, 4, "k-master");
    assert!(vd.running() && kd.running(), "a daemon exited");
    assert_eq!(p.has_vips(&p.v), (false, false), "vrrpd became Master too");
    assert_eq!(p.has_vips(&p.k), (true, true));
    // 2. The same groups joined on both sides: the configured ones.
    let want: BTreeSet<String> = ["224.0.0.44", "ff02::44"].map(String::from).into();
    assert_eq!(p.vrrp_groups(&p.k), want, "keepalived's groups");
    assert_eq!(p.vrrp_groups(&p.v), want, "vrrpd's groups");
    // 3. keepalived stops: vrrpd takes over; keepalived back at 50 stays Backup.
    kd.stop();
    wait_for("vrrpd's VIPs", || p.has_vips(&p.v) == (true, true));
    let mut kd = p.start(&p.k, 50, false);
    let from_v = p.capture(&p.k, 6, "v-master");
    assert!(vd.running() && kd.running(), "a daemon exited");
    assert_eq!(
        p.has_vips(&p.k),
        (false, false),
        "keepalived became Master too"
    );
    assert_eq!(p.has_vips(&p.v), (true, true));
    // 4. Every advert went to its configured group; both daemons alike.
    let sent_by = |rows: &[[String; 5]], src4: &str| -> BTreeSet<(String, String, String)> {
        rows.iter()
            .filter(|r| r[0] == src4 || r[0].starts_with("fe80:"))
            .map(|r| (r[2].clone(), r[3].clone(), r[1].clone()))
            .collect()
    };
    for (rows, who, prio) in [(&from_k, "keepalived", "200"), (&from_v, "vrrpd", "100")] {
        assert!(
            rows.iter().any(|r| r[4] == prio && r[3] == "51")
                && rows.iter().any(|r| r[4] == prio && r[3] == "52"),
            "{who}'s adverts of both instances: {rows:?}"
        );
        for r in rows.iter() {
            assert_eq!(r[1], group_of(&r[3]), "{who}: {r:?}");
        }
    }
    let k_set = sent_by(&from_k, "10.9.7.1");
    let v_set = sent_by(
        &from_v
            .iter()
            .filter(|r| r[4] == "100")
            .cloned()
            .collect::<Vec<_>>(),
        "10.9.7.2",
    );
    assert_eq!(k_set, v_set);
    kd.stop();
    vd.stop();
}
