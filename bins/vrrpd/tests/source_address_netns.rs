//! The address an instance sends from, deleted and added by someone else,
//! against keepalived 2.2.7 (root, network namespaces, keepalived and
//! tshark installed; else `SKIPPED:`).
//!
//! Two labs, each a router namespace and its peer joined by `eth0`
//! (10.9.0.1/24 and 10.9.0.2/24). The router runs the daemon under test
//! (keepalived in one lab, this build's vrrpd in the other) with two IPv4
//! instances on eth0 and no configured source: `master` (VRID 51, priority
//! 200, alone) and `backup` (VRID 52, priority 50), whose Master is a
//! keepalived in the peer namespace (priority 200) in both labs. tshark in
//! the peer records every advert. The same steps in both labs:
//!
//! 1. `ip addr del 10.9.0.1/24`: both instances go to FAULT, the Master
//!    after one priority 0 advert, and its VIP is removed;
//! 2. `ip addr add 10.9.0.1/24`: both come up as BACKUP, `master` becomes
//!    Master again, sending from 10.9.0.1;
//! 3. the address deleted again, then 10.9.0.5/24 added: FAULT, then BACKUP
//!    and Master sending from 10.9.0.5;
//! 4. 10.9.1.1/24 added (nothing changes), then 10.9.0.5/24 deleted: both
//!    instances keep their state and the Master sends from 10.9.1.1.
//!
//! After each step the notify sequences of both instances, `ip -j addr` of
//! the router's eth0 and the (source, VRID, priority) of the router's
//! adverts seen in that step (in order, repeats folded, starting with the
//! last one before the step) must be equal for
//! both daemons (docs/keepalived.md §3.24). Then the same for an IPv6
//! (VRRPv3) instance and eth0's link-local address: a global address
//! deleted changes nothing; the link-local source deleted, FAULT (no
//! priority 0 advert leaves under either daemon); fe80::2 added, BACKUP,
//! then Master sending from it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shell as sh;

use common::netns::{Daemon, Pair, Running, addresses, skip_differential, wait_until};

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const ROUTER: &str = "global_defs {\n router_id srca\n script_user root\n}\n\
vrrp_instance master {\n state BACKUP\n interface eth0\n virtual_router_id 51\n\
 priority 200\n advert_int 1\n notify NOTIFY\n virtual_ipaddress {\n 10.9.0.100/32\n }\n}\n\
vrrp_instance backup {\n state BACKUP\n interface eth0\n virtual_router_id 52\n\
 priority 50\n advert_int 1\n notify NOTIFY\n virtual_ipaddress {\n 10.9.0.200/32\n }\n}\n";

const ROUTER6: &str = "global_defs {\n router_id srca\n script_user root\n}\n\
vrrp_instance master {\n state BACKUP\n interface eth0\n virtual_router_id 61\n version 3\n\
 priority 200\n advert_int 1\n notify NOTIFY\n virtual_ipaddress {\n fd00:9::100/64\n }\n}\n";

const PEER: &str = "global_defs {\n router_id srca-peer\n}\n\
vrrp_instance backup {\n state MASTER\n interface eth0\n virtual_router_id 52\n\
 priority 200\n advert_int 1\n virtual_ipaddress {\n 10.9.0.200/32\n }\n}\n";

/// One lab: the pair, its daemons and the capture on the peer.
struct SourceLab {
    pair: Pair,
    capture: PathBuf,
    _tshark: common::Kid,
    _peer: Running,
    _router: Running,
}

impl SourceLab {
    fn new(name: String, vrrpd: bool, router_conf: &str) -> SourceLab {
        let pair = Pair::build(&name, true);
        let lab = &pair.lab;
        let capture = lab.path("adverts.txt");
        let out = std::fs::File::create(&capture).unwrap();
        let tshark = Command::new("ip")
            .args([
                "netns", "exec", &pair.peer, "tshark", "-l", "-n", "-i", "eth0",
            ])
            .args(["-f", "ip proto 112 or ip6 proto 112", "-T", "fields"])
            .args(["-e", "ip.src", "-e", "ipv6.src"])
            .args(["-e", "vrrp.virt_rtr_id", "-e", "vrrp.prio"])
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let tshark = common::Kid(tshark);
        // tshark starts capturing a moment after it is spawned
        std::thread::sleep(Duration::from_millis(1500));
        let peer = lab.start_conf(&pair.peer, Daemon::Keepalived, PEER, "peer");
        let script = lab.write_script(
            "notify.sh",
            &format!(
                "#!/bin/sh\necho \"$3\" >> {}/\"$2\".states\n",
                lab.dir.display()
            ),
        );
        let conf = router_conf.replace("NOTIFY", &script.display().to_string());
        let router = lab.start_conf(&pair.ns, Daemon::of(vrrpd), &conf, "router");
        SourceLab {
            pair,
            capture,
            _tshark: tshark,
            _peer: peer,
            _router: router,
        }
    }

    fn states(&self, instance: &str) -> Vec<String> {
        std::fs::read_to_string(self.pair.lab.path(&format!("{instance}.states")))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn last_state(&self, instance: &str) -> Option<String> {
        self.states(instance).pop()
    }

    /// The router's adverts seen by the peer so far, as "SRC vrid V prio P",
    /// consecutive repeats folded.
    fn adverts(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.capture).unwrap_or_default();
        let mut out: Vec<String> = Vec::new();
        for l in text.lines() {
            let f: Vec<&str> = l.split('\t').collect();
            let [v4, v6, vrid, prio] = f[..] else {
                continue;
            };
            let src = if v4.is_empty() { v6 } else { v4 };
            if src == "10.9.0.2" {
                continue;
            }
            let a = format!("{src} vrid {vrid} prio {prio}");
            if out.last() != Some(&a) {
                out.push(a);
            }
        }
        out
    }

    fn ip(&self, args: &str) {
        sh(&format!("ip -n {} {args}", self.pair.ns));
    }
}

fn skip() -> bool {
    skip_differential("source address differential", &["keepalived", "tshark"])
}

/// Starts both labs (`tag` tells the tests' namespaces apart) on `conf` and waits until every instance of `want`
/// has notified its state (then a moment more, for the Masters' adverts).
fn started(tag: &str, conf: &str, want: &[(&str, &str)]) -> [SourceLab; 2] {
    let pid = std::process::id();
    let labs = [
        SourceLab::new(format!("srca-k{tag}-{pid}"), false, conf),
        SourceLab::new(format!("srca-o{tag}-{pid}"), true, conf),
    ];
    for (l, who) in labs.iter().zip(["keepalived", "vrrpd"]) {
        wait_until(Duration::from_secs(20), &format!("{who} started"), || {
            want.iter()
                .all(|(i, st)| l.last_state(i).as_deref() == Some(*st))
        });
    }
    std::thread::sleep(Duration::from_millis(1500));
    labs
}

/// Runs `act` in both labs, waits `settle` ms, and checks that the notified
/// states of `instances`, the router's addresses and its adverts since the
/// last one before the step are equal; returns keepalived's adverts.
fn step(
    labs: &[SourceLab; 2],
    what: &str,
    instances: &[&str],
    settle: u64,
    act: &dyn Fn(&SourceLab),
) -> Vec<String> {
    let from = labs.each_ref().map(|l| l.adverts().len());
    for l in labs {
        act(l);
    }
    std::thread::sleep(Duration::from_millis(settle));
    let [k, o] = labs;
    for i in instances {
        assert_eq!(
            o.states(i),
            k.states(i),
            "{what}: {i} notified states (vrrpd left, keepalived right)"
        );
    }
    assert_eq!(
        addresses(&o.pair.ns, "eth0"),
        addresses(&k.pair.ns, "eth0"),
        "{what}: the router's addresses (vrrpd left, keepalived right)"
    );
    let seen = |l: &SourceLab, from: usize| {
        let mut a = l.adverts();
        a.drain(..from.saturating_sub(1).min(a.len()));
        a
    };
    let (ka, oa) = (seen(k, from[0]), seen(o, from[1]));
    assert_eq!(
        oa, ka,
        "{what}: the router's adverts (vrrpd left, keepalived right)"
    );
    let states: Vec<Vec<String>> = instances.iter().map(|i| k.states(i)).collect();
    eprintln!("{what}: {states:?} / {ka:?}");
    ka
}

#[test]
fn a_deleted_source_address_faults_the_instances_and_an_added_one_brings_them_back() {
    if skip() {
        return;
    }
    let labs = started("4", ROUTER, &[("master", "MASTER"), ("backup", "BACKUP")]);
    let both = ["master", "backup"];
    let a = step(&labs, "source deleted", &both, 2500, &|l| {
        l.ip("addr del 10.9.0.1/24 dev eth0");
    });
    assert_eq!(labs[0].last_state("master").as_deref(), Some("FAULT"));
    assert_eq!(labs[0].last_state("backup").as_deref(), Some("FAULT"));
    assert_eq!(a, ["10.9.0.1 vrid 51 prio 200", "10.9.0.1 vrid 51 prio 0"]);
    let a = step(&labs, "source added back", &both, 5500, &|l| {
        l.ip("addr add 10.9.0.1/24 dev eth0");
    });
    assert_eq!(labs[0].last_state("master").as_deref(), Some("MASTER"));
    assert_eq!(labs[0].last_state("backup").as_deref(), Some("BACKUP"));
    assert_eq!(a, ["10.9.0.1 vrid 51 prio 0", "10.9.0.1 vrid 51 prio 200"]);
    let a = step(&labs, "source deleted again", &both, 2500, &|l| {
        l.ip("addr del 10.9.0.1/24 dev eth0");
    });
    assert_eq!(a, ["10.9.0.1 vrid 51 prio 200", "10.9.0.1 vrid 51 prio 0"]);
    assert_eq!(labs[0].last_state("master").as_deref(), Some("FAULT"));
    let a = step(&labs, "another address added", &both, 5500, &|l| {
        l.ip("addr add 10.9.0.5/24 dev eth0");
    });
    assert_eq!(labs[0].last_state("master").as_deref(), Some("MASTER"));
    assert_eq!(a, ["10.9.0.1 vrid 51 prio 0", "10.9.0.5 vrid 51 prio 200"]);
    // a second address joins the interface's list and changes nothing;
    // the source deleted then, that address takes over, nothing else moves
    let a = step(&labs, "a second address added", &both, 1500, &|l| {
        l.ip("addr add 10.9.1.1/24 dev eth0");
    });
    assert_eq!(a, ["10.9.0.5 vrid 51 prio 200"]);
    let a = step(&labs, "the source deleted beside it", &both, 2500, &|l| {
        l.ip("addr del 10.9.0.5/24 dev eth0");
    });
    assert_eq!(labs[0].last_state("master").as_deref(), Some("MASTER"));
    assert_eq!(labs[0].last_state("backup").as_deref(), Some("BACKUP"));
    assert_eq!(
        a,
        ["10.9.0.5 vrid 51 prio 200", "10.9.1.1 vrid 51 prio 200"]
    );
}

/// IPv6 (VRRPv3): the interface's link-local address is the source; deleted,
/// the instance goes to FAULT; another link-local address added, it comes
/// back and sends from it. A global address deleted changes nothing.
#[test]
fn a_deleted_link_local_source_faults_an_ipv6_instance_until_another_comes() {
    if skip() {
        return;
    }
    let labs = started("6", ROUTER6, &[("master", "MASTER")]);
    let one = ["master"];
    let a = step(&labs, "global address deleted", &one, 1500, &|l| {
        l.ip("addr del fd00:9::1/64 dev eth0");
    });
    assert_eq!(a, ["fe80::ff:fe00:1 vrid 61 prio 200"]);
    let a = step(&labs, "link-local source deleted", &one, 2500, &|l| {
        l.ip("addr del fe80::ff:fe00:1/64 dev eth0");
    });
    assert_eq!(labs[0].last_state("master").as_deref(), Some("FAULT"));
    // no priority 0 advert leaves without the address, under either daemon
    assert_eq!(a, ["fe80::ff:fe00:1 vrid 61 prio 200"]);
    let a = step(&labs, "another link-local added", &one, 5500, &|l| {
        l.ip("addr add fe80::2/64 dev eth0 nodad");
    });
    assert_eq!(labs[0].last_state("master").as_deref(), Some("MASTER"));
    assert_eq!(
        a,
        [
            "fe80::ff:fe00:1 vrid 61 prio 200",
            "fe80::2 vrid 61 prio 200"
        ]
    );
}
