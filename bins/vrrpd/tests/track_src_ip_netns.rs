//! `track_src_ip` against keepalived 2.2.7 (root, network namespaces,
//! keepalived installed; else `SKIPPED:`).
//!
//! The same configuration runs under keepalived in one namespace and under
//! this build's vrrpd in another, three owner instances (priority 255), each
//! with `mcast_src_ip` set to an address of its interface and a /32 VIP:
//! A tracks its source and it is the interface's only address; B does not
//! track it; C tracks it but its interface has a second address. The three
//! sources are removed, later added back. The VIPs present after each step
//! and the notify transitions of every instance must be the same for both
//! daemons. They are: nothing moves, every instance stays Master with its
//! VIP. keepalived 2.2.7 compares the removed address with the start of its
//! stored socket address rather than with the address inside it, so a
//! tracked configured source never puts the instance in FAULT
//! (docs/keepalived.md §3.29); if vrrpd ever did, this test says so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shell as sh;

use common::netns::{Daemon, Looped, skip_differential};

use std::time::{Duration, Instant};

const VIPS: [&str; 3] = ["10.6.0.100", "10.6.1.100", "10.6.2.100"];
const SOURCES: [(&str, &str); 3] = [
    ("eth0", "10.6.0.1/24"),
    ("eth1", "10.6.1.1/24"),
    ("eth2", "10.6.2.1/24"),
];

/// A namespace with veth pairs eth0/p0 .. eth2/p2 holding the sources
/// (and 10.6.2.2/24 on eth2); deleted on drop.
fn namespace(name: &str) -> Looped {
    let ns = Looped::new(name, &SOURCES.map(|(_, a)| a));
    ns.lab.addr(&ns.name, "eth2", "10.6.2.2/24");
    ns
}

impl Looped {
    /// Which VIPs are present, as "A B C" letters or "-".
    fn vips(&self) -> String {
        let a = sh(&format!("ip -n {} -4 addr", self.name));
        VIPS.iter()
            .zip(["A", "B", "C"])
            .map(|(v, n)| {
                if a.contains(&format!(" {v}/32")) {
                    n
                } else {
                    "-"
                }
            })
            .collect()
    }

    fn wait_vips(&self, want: &str, who: &str, step: &str) {
        let start = Instant::now();
        while self.vips() != want {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{who}, {step}: VIPs {} instead of {want}",
                self.vips()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn config(&self) -> String {
        let log = self.lab.path("notify.log");
        let notify = self.lab.write_script(
            "notify.sh",
            &format!("#!/bin/sh\necho \"$2 $3\" >> {}\n", log.display()),
        );
        let inst = |name: &str, i: usize, track: &str| {
            let (dev, a) = SOURCES[i];
            let src = a.split('/').next().unwrap();
            format!(
                "vrrp_instance {name} {{\n interface {dev}\n virtual_router_id {}\n\
                 priority 255\n advert_int 1\n mcast_src_ip {src}\n{track}\
                 notify {}\n virtual_ipaddress {{\n {}/32\n }}\n}}\n",
                i + 1,
                notify.display(),
                VIPS[i]
            )
        };
        format!(
            "global_defs {{\n router_id mcs\n}}\n{}{}{}",
            inst("A", 0, " track_src_ip\n"),
            inst("B", 1, ""),
            inst("C", 2, " track_src_ip\n")
        )
    }

    /// Runs keepalived or vrrpd through the steps; returns the VIPs seen
    /// after each and the notify lines of each instance.
    fn run(&self, vrrpd: bool) -> (Vec<String>, Vec<String>) {
        let path = self.lab.write_conf("s", &self.config());
        let mut kid = self.lab.start(&self.name, Daemon::of(vrrpd), &path, "v");
        let who = kid.daemon().name();
        let n = &self.name;
        let mut seen = Vec::new();
        self.wait_vips("ABC", who, "start");
        seen.push(self.vips());
        for (dev, a) in SOURCES {
            sh(&format!("ip -n {n} addr del {a} dev {dev}"));
        }
        // keepalived 2.2.7 reacts to the address events at once, if at all.
        std::thread::sleep(Duration::from_secs(4));
        seen.push(self.vips());
        for (dev, a) in SOURCES {
            sh(&format!("ip -n {n} addr add {a} dev {dev}"));
        }
        self.wait_vips("ABC", who, "sources back");
        std::thread::sleep(Duration::from_secs(2));
        seen.push(self.vips());
        assert!(kid.running(), "{who} exited");
        kid.stop();
        // Notify scripts run asynchronously: give the last ones a moment.
        std::thread::sleep(Duration::from_millis(500));
        let log = std::fs::read_to_string(self.lab.path("notify.log")).unwrap_or_default();
        let mut per_instance: Vec<String> = ["A", "B", "C"]
            .iter()
            .map(|i| {
                log.lines()
                    .filter(|l| l.split(' ').next() == Some(*i))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        per_instance.sort();
        (seen, per_instance)
    }
}

#[test]
fn track_src_ip_like_keepalived() {
    if skip_differential("track_src_ip differential", &["keepalived"]) {
        return;
    }
    let pid = std::process::id();
    let k = namespace(&format!("nb-tsk{pid}"));
    let v = namespace(&format!("nb-tsv{pid}"));
    let kr = k.run(false);
    let vr = v.run(true);
    assert_eq!(kr, vr, "keepalived (left) and vrrpd (right) differ");
    assert_eq!(kr.0, ["ABC", "ABC", "ABC"]);
    assert!(
        kr.1.iter()
            .all(|l| !l.contains("FAULT") && l.contains("MASTER")),
        "{:?}",
        kr.1
    );
}
