//! Gratuitous ARPs of VIPs on other interfaces and `garp_extra_if` against
//! keepalived 2.2.7 (root, network namespaces, keepalived and tcpdump
//! installed; else `SKIPPED:`).
//!
//! The same configuration runs under keepalived in one namespace and under
//! this build's vrrpd in another: an owner instance on eth0 with one VIP on
//! eth0, one (`dev eth1`) on eth1 and an excluded one on eth2,
//! `garp_master_repeat 1`, `garp_master_delay 0` and `garp_extra_if all 2`.
//! tcpdump on the far side of each veth counts the gratuitous ARPs for each
//! address on each interface over 9 s from the start; the counts must match
//! between the daemons within one round (the rounds follow the advert
//! ticks): one at the takeover on each interface, then one every 2 s on
//! eth1 and eth2 only, with none on eth0. Without `all` only the takeover's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shell as sh;

use common::netns::{Daemon, Looped, skip_differential, stop_child};

use std::process::{Command, Stdio};
use std::time::Duration;

/// A namespace with veth pairs eth0/p0 .. eth2/p2 (10.5.N.1/24); deleted
/// on drop.
fn namespace(name: &str) -> Looped {
    Looped::new(name, &["10.5.0.1/24", "10.5.1.1/24", "10.5.2.1/24"])
}

impl Looped {
    /// Runs keepalived or vrrpd for 9 s with `extra` in the instance while
    /// tcpdump listens on p0..p2; returns per interface the gratuitous
    /// ARPs seen as "ADDRESSxCOUNT" lists.
    fn run(&self, vrrpd: bool, extra: &str) -> Vec<Vec<(String, usize)>> {
        let conf = format!(
            "global_defs {{\n router_id mcg\n}}\nvrrp_instance A {{\n interface eth0\n\
             virtual_router_id 1\n priority 255\n advert_int 1\n garp_master_repeat 1\n\
             garp_master_delay 0\n{extra}\n virtual_ipaddress {{\n 10.5.0.100/32\n\
             10.5.1.100/32 dev eth1\n }}\n virtual_ipaddress_excluded {{\n\
             10.5.2.100/32 dev eth2\n }}\n}}\n"
        );
        let path = self.lab.write_conf("g", &conf);
        let dumps: Vec<common::Kid> = (0..3)
            .map(|i| {
                common::Kid(
                    Command::new("ip")
                        .args(["netns", "exec", &self.name, "tcpdump", "-i"])
                        .arg(format!("p{i}"))
                        .args(["-n", "-l", "-U", "-w"])
                        .arg(self.lab.path(&format!("p{i}.pcap")))
                        .arg("arp")
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .spawn()
                        .unwrap(),
                )
            })
            .collect();
        std::thread::sleep(Duration::from_millis(800));
        let mut kid = self.lab.start(&self.name, Daemon::of(vrrpd), &path, "v");
        std::thread::sleep(Duration::from_secs(9));
        let who = kid.daemon().name();
        assert!(kid.running(), "{who} exited");
        kid.stop();
        // tcpdump writes its buffer out on SIGTERM.
        for mut d in dumps {
            stop_child(&mut d.0);
        }
        (0..3)
            .map(|i| {
                let text = sh(&format!(
                    "tcpdump -n -r {} arp 2>/dev/null",
                    self.lab.path(&format!("p{i}.pcap")).display()
                ));
                let mut counts: Vec<(String, usize)> = Vec::new();
                // "Request who-has A (ff:..) tell A": gratuitous.
                for l in text.lines() {
                    let w: Vec<&str> = l.split_whitespace().collect();
                    let Some(p) = w.iter().position(|x| *x == "who-has") else {
                        continue;
                    };
                    let (Some(a), Some(t)) = (w.get(p + 1), w.iter().position(|x| *x == "tell"))
                    else {
                        continue;
                    };
                    if w.get(t + 1).map(|x| x.trim_end_matches(',')) != Some(*a) {
                        continue;
                    }
                    match counts.iter_mut().find(|(x, _)| x == a) {
                        Some(c) => c.1 += 1,
                        None => counts.push(((*a).to_string(), 1)),
                    }
                }
                counts.sort();
                counts
            })
            .collect()
    }
}

/// The counts must be equal, except that a periodic count may differ by
/// one round.
fn assert_close(k: &[Vec<(String, usize)>], v: &[Vec<(String, usize)>]) {
    assert_eq!(k.len(), v.len());
    for (i, (a, b)) in k.iter().zip(v).enumerate() {
        let names = |x: &[(String, usize)]| x.iter().map(|p| p.0.clone()).collect::<Vec<_>>();
        assert_eq!(names(a), names(b), "eth{i}: keepalived {a:?}, vrrpd {b:?}");
        for (x, y) in a.iter().zip(b) {
            assert!(
                x.1.abs_diff(y.1) <= 1,
                "eth{i}: keepalived {a:?}, vrrpd {b:?}"
            );
        }
    }
}

#[test]
fn garps_on_other_interfaces_like_keepalived() {
    if skip_differential("garp_extra_if differential", &["keepalived", "tcpdump"]) {
        return;
    }
    let pid = std::process::id();
    let k = namespace(&format!("nb-gek{pid}"));
    let v = namespace(&format!("nb-gev{pid}"));
    for extra in [" garp_extra_if all 2", ""] {
        let kr = k.run(false, extra);
        let vr = v.run(true, extra);
        eprintln!("{extra:?}: keepalived {kr:?}, vrrpd {vr:?}");
        assert_close(&kr, &vr);
        // The takeover's single GARP on each interface, for its address.
        assert_eq!(kr[0], [("10.5.0.100".to_string(), 1)], "{kr:?}");
        let periodic = |x: &Vec<(String, usize)>| x.first().map_or(0, |p| p.1);
        if extra.is_empty() {
            assert_eq!(periodic(&kr[1]), 1, "{kr:?}");
            assert_eq!(periodic(&kr[2]), 1, "{kr:?}");
        } else {
            assert!(periodic(&kr[1]) >= 4, "{kr:?}");
            assert!(periodic(&kr[2]) >= 4, "{kr:?}");
        }
    }
}
