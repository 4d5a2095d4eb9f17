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
//! both daemons (docs/keepalived.md §3.24).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shell as sh;

use common::netns::{Daemon, Pair, Running, addresses, skip_differential, wait_until};

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const ROUTER: &str = "global_defs {\n router_id sad\n script_user root\n}\n\
vrrp_instance master {\n state BACKUP\n interface eth0\n virtual_router_id 51\n\
 priority 200\n advert_int 1\n notify NOTIFY\n virtual_ipaddress {\n 10.9.0.100/32\n }\n}\n\
vrrp_instance backup {\n state BACKUP\n interface eth0\n virtual_router_id 52\n\
 priority 50\n advert_int 1\n notify NOTIFY\n virtual_ipaddress {\n 10.9.0.200/32\n }\n}\n";

const PEER: &str = "global_defs {\n router_id sad-peer\n}\n\
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
    fn new(name: String, vrrpd: bool) -> SourceLab {
        let pair = Pair::build(&name, true);
        let lab = &pair.lab;
        let capture = lab.path("adverts.txt");
        let out = std::fs::File::create(&capture).unwrap();
        let tshark = Command::new("ip")
            .args([
                "netns", "exec", &pair.peer, "tshark", "-l", "-n", "-i", "eth0",
            ])
            .args(["-f", "ip proto 112", "-T", "fields"])
            .args(["-e", "ip.src", "-e", "vrrp.virt_rtr_id", "-e", "vrrp.prio"])
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
        let conf = ROUTER.replace("NOTIFY", &script.display().to_string());
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
            let [src, vrid, prio] = f[..] else { continue };
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

#[test]
fn a_deleted_source_address_faults_the_instances_and_an_added_one_brings_them_back() {
    if skip() {
        return;
    }
    let pid = std::process::id();
    let labs = [
        SourceLab::new(format!("sad-k-{pid}"), false),
        SourceLab::new(format!("sad-o-{pid}"), true),
    ];
    for (l, who) in labs.iter().zip(["keepalived", "vrrpd"]) {
        wait_until(Duration::from_secs(20), &format!("{who} started"), || {
            l.last_state("master").as_deref() == Some("MASTER")
                && l.last_state("backup").as_deref() == Some("BACKUP")
        });
    }
    // both Masters have sent adverts before the first step
    std::thread::sleep(Duration::from_millis(1500));
    let marks = |labs: &[SourceLab; 2]| labs.each_ref().map(|l| l.adverts().len());
    let step = |what: &str, labs: &[SourceLab; 2], settle: u64, act: &dyn Fn(&SourceLab)| {
        let from = marks(labs);
        for l in labs {
            act(l);
        }
        std::thread::sleep(Duration::from_millis(settle));
        let [k, o] = labs;
        for i in ["master", "backup"] {
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
        // from the last advert before the step on
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
        eprintln!(
            "{what}: {:?} / {:?} / {ka:?}",
            k.states("master"),
            k.states("backup")
        );
        ka
    };
    let a = step("source deleted", &labs, 2500, &|l| {
        l.ip("addr del 10.9.0.1/24 dev eth0");
    });
    assert_eq!(labs[0].last_state("master").as_deref(), Some("FAULT"));
    assert_eq!(labs[0].last_state("backup").as_deref(), Some("FAULT"));
    assert_eq!(a, ["10.9.0.1 vrid 51 prio 200", "10.9.0.1 vrid 51 prio 0"]);
    let a = step("source added back", &labs, 5500, &|l| {
        l.ip("addr add 10.9.0.1/24 dev eth0");
    });
    assert_eq!(labs[0].last_state("master").as_deref(), Some("MASTER"));
    assert_eq!(labs[0].last_state("backup").as_deref(), Some("BACKUP"));
    assert_eq!(a, ["10.9.0.1 vrid 51 prio 0", "10.9.0.1 vrid 51 prio 200"]);
    let a = step("source deleted again", &labs, 2500, &|l| {
        l.ip("addr del 10.9.0.1/24 dev eth0");
    });
    assert_eq!(a, ["10.9.0.1 vrid 51 prio 200", "10.9.0.1 vrid 51 prio 0"]);
    assert_eq!(labs[0].last_state("master").as_deref(), Some("FAULT"));
    let a = step("another address added", &labs, 5500, &|l| {
        l.ip("addr add 10.9.0.5/24 dev eth0");
    });
    assert_eq!(labs[0].last_state("master").as_deref(), Some("MASTER"));
    assert_eq!(a, ["10.9.0.1 vrid 51 prio 0", "10.9.0.5 vrid 51 prio 200"]);
    // a second address joins the interface's list and changes nothing;
    // the source deleted then, that address takes over, nothing else moves
    let a = step("a second address added", &labs, 1500, &|l| {
        l.ip("addr add 10.9.1.1/24 dev eth0");
    });
    assert_eq!(a, ["10.9.0.5 vrid 51 prio 200"]);
    let a = step("the source deleted beside it", &labs, 2500, &|l| {
        l.ip("addr del 10.9.0.5/24 dev eth0");
    });
    assert_eq!(labs[0].last_state("master").as_deref(), Some("MASTER"));
    assert_eq!(labs[0].last_state("backup").as_deref(), Some("BACKUP"));
    assert_eq!(
        a,
        ["10.9.0.5 vrid 51 prio 200", "10.9.1.1 vrid 51 prio 200"]
    );
}
