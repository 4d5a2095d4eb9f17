//! The gratuitous ARPs of a unicast instance whose source address is
//! deleted and comes back, against keepalived 2.2.7 (root, network
//! namespaces, keepalived and tshark installed; else `SKIPPED:`).
//!
//! Two labs, each a router namespace and its peer joined by `eth0`
//! (10.9.0.1/24 and 10.9.0.2/24). The router runs the daemon under test
//! (keepalived in one lab, this build's vrrpd in the other) with one
//! unicast IPv4 instance (peer 10.9.0.2, no configured source, priority
//! 200, alone, one VIP, `garp_master_delay 0`). tshark in the peer records
//! every gratuitous ARP (sender address equal to the target address).
//!
//! Once Master, the source is deleted (FAULT) and added back: the instance
//! comes up as BACKUP and at once sends one gratuitous ARP for its source
//! address, so the peer learns the router's MAC again (keepalived
//! vrrp_scheduler.c `try_up_instance`); as Master again it announces its
//! VIP as a new Master does (`vrrp_state_become_master`, `garp_master_repeat`
//! 5). Then the same with eth0 set down and up. The GARPs seen after each
//! way back, by sender address, must be equal for both daemons
//! (docs/keepalived.md §3.24).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shell as sh;

use common::netns::{Daemon, Pair, Running, poll_until, skip_differential, wait_until};

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const ROUTER: &str = "global_defs {\n router_id srcg\n script_user root\n}\n\
vrrp_instance uni {\n state BACKUP\n interface eth0\n virtual_router_id 71\n\
 priority 200\n advert_int 1\n garp_master_delay 0\n notify NOTIFY\n\
 unicast_peer {\n 10.9.0.2\n }\n virtual_ipaddress {\n 10.9.0.100/32\n }\n}\n";

/// One lab: the pair, the router's daemon and the capture on the peer.
struct GarpLab {
    pair: Pair,
    capture: PathBuf,
    _tshark: common::Kid,
    _router: Running,
}

impl GarpLab {
    fn new(name: String, vrrpd: bool) -> GarpLab {
        let pair = Pair::build(&name, true);
        let lab = &pair.lab;
        let capture = lab.path("garps.txt");
        let out = std::fs::File::create(&capture).unwrap();
        let tshark = Command::new("ip")
            .args([
                "netns", "exec", &pair.peer, "tshark", "-l", "-n", "-i", "eth0",
            ])
            .args(["-f", "arp", "-T", "fields"])
            .args(["-e", "arp.src.proto_ipv4", "-e", "arp.dst.proto_ipv4"])
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let tshark = common::Kid(tshark);
        // tshark starts capturing a moment after it is spawned
        std::thread::sleep(Duration::from_millis(1500));
        let script = lab.write_script(
            "notify.sh",
            &format!(
                "#!/bin/sh\necho \"$3\" >> {}/\"$2\".states\n",
                lab.dir.display()
            ),
        );
        let conf = ROUTER.replace("NOTIFY", &script.display().to_string());
        let router = lab.start_conf(&pair.ns, Daemon::of(vrrpd), &conf, "router");
        GarpLab {
            pair,
            capture,
            _tshark: tshark,
            _router: router,
        }
    }

    fn states(&self) -> Vec<String> {
        std::fs::read_to_string(self.pair.lab.path("uni.states"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The gratuitous ARPs captured so far, by sender address.
    fn garps(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.capture).unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                let (src, dst) = l.split_once('\t')?;
                (src == dst).then(|| src.to_string())
            })
            .collect()
    }

    fn ip(&self, args: &str) {
        sh(&format!("ip -n {} {args}", self.pair.ns));
    }
}

fn count(garps: &[String]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for g in garps {
        *m.entry(g.clone()).or_default() += 1;
    }
    m
}

/// Runs `act` in both labs once the instance is Master, waits for FAULT,
/// runs `back`, waits for Master again and returns the GARPs each peer saw
/// from `back` on, by sender (keepalived's first).
fn garps_after(
    labs: &[GarpLab; 2],
    act: &dyn Fn(&GarpLab),
    back: &dyn Fn(&GarpLab),
) -> [BTreeMap<String, usize>; 2] {
    for l in labs {
        act(l);
    }
    for (l, who) in labs.iter().zip(["keepalived", "vrrpd"]) {
        wait_until(Duration::from_secs(5), &format!("{who} FAULT"), || {
            l.states().last().map(String::as_str) == Some("FAULT")
        });
    }
    let from = labs.each_ref().map(|l| l.garps().len());
    for l in labs {
        back(l);
    }
    for (l, who) in labs.iter().zip(["keepalived", "vrrpd"]) {
        wait_until(
            Duration::from_secs(10),
            &format!("{who} Master again"),
            || l.states().last().map(String::as_str) == Some("MASTER"),
        );
    }
    // the new Master's burst (5 GARPs, vrrp_garp_interval 0) seen
    let seen = |i: usize| count(&labs[i].garps()[from[i]..]);
    poll_until(Duration::from_secs(3), || {
        (0..2).all(|i| seen(i).get("10.9.0.100") >= Some(&5))
    });
    std::thread::sleep(Duration::from_millis(500));
    [seen(0), seen(1)]
}

#[test]
fn a_unicast_instance_out_of_fault_arps_for_its_source_then_for_its_vip() {
    if skip_differential(
        "unicast source GARP differential",
        &["keepalived", "tshark"],
    ) {
        return;
    }
    let pid = std::process::id();
    let labs = [
        GarpLab::new(format!("srcg-k-{pid}"), false),
        GarpLab::new(format!("srcg-o-{pid}"), true),
    ];
    for (l, who) in labs.iter().zip(["keepalived", "vrrpd"]) {
        wait_until(Duration::from_secs(20), &format!("{who} Master"), || {
            l.states().last().map(String::as_str) == Some("MASTER")
        });
    }
    // the first Master's burst over
    std::thread::sleep(Duration::from_millis(1500));
    let want: BTreeMap<String, usize> =
        [("10.9.0.1".to_string(), 1), ("10.9.0.100".to_string(), 5)]
            .into_iter()
            .collect();
    // the source deleted and added back
    let [k, o] = garps_after(&labs, &|l| l.ip("addr del 10.9.0.1/24 dev eth0"), &|l| {
        l.ip("addr add 10.9.0.1/24 dev eth0")
    });
    eprintln!("source back: keepalived {k:?}, vrrpd {o:?}");
    assert_eq!(k, want, "keepalived's GARPs after the source returned");
    assert_eq!(o, k, "GARPs after the source returned (vrrpd left)");
    // the interface down and up (the same way out of FAULT)
    let [k, o] = garps_after(&labs, &|l| l.ip("link set eth0 down"), &|l| {
        l.ip("link set eth0 up")
    });
    eprintln!("link back: keepalived {k:?}, vrrpd {o:?}");
    assert_eq!(k, want, "keepalived's GARPs after the link came back");
    assert_eq!(o, k, "GARPs after the link came back (vrrpd left)");
    let states = ["BACKUP", "MASTER", "FAULT", "BACKUP", "MASTER"];
    let states = [&states[..], &states[2..]].concat();
    assert_eq!(labs[0].states(), states);
    assert_eq!(labs[1].states(), labs[0].states(), "notified states");
}
