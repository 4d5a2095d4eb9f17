//! KEEPALIVED-MIB's notifications `vrrpInstanceStateChange` and
//! `vrrpSyncGroupStateChange` (`enable_snmp_vrrp` with `enable_traps`),
//! sent through an AgentX master, against keepalived 2.2.7 (root, network
//! namespaces, keepalived, snmpd and snmptrapd installed; else `SKIPPED:`).
//!
//! Two setups side by side, one where the router runs keepalived and one
//! where it runs this build's vrrpd: a router namespace with snmpd (AgentX
//! master on a unix socket, `trap2sink` to a snmptrapd in the same
//! namespace printing each notification with numeric OIDs) and a peer
//! namespace joined by a veth pair (the common lab's `Pair`). The router's
//! configuration is the same in both (a sync group of two VRRPv2 instances,
//! a VRRPv3 instance with `state MASTER` outside it, `enable_snmp_rfcv3`
//! too, so the order against `vrrpv3NewMaster` is checked); the peer always
//! runs keepalived. The phases:
//!
//! 1. the router starts and becomes Master of every instance;
//! 2. a peer with a higher priority on one group member takes over (the
//!    group follows to Backup);
//! 3. the peer stops (its priority 0 makes the router Master again);
//! 4. the router stops (STOP for every instance and the group).
//!
//! The notifications received in each phase (notification OID, VarBind
//! OIDs and values, sysUpTime.0 and the interface index normalised) must
//! be equal between the setups, in order; phase 1's are sorted (three
//! instances whose timers expire together).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Pair, Running, skip_differential, wait_until};
use common::shell as sh;
use common::snmp;

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// KEEPALIVED-MIB's and VRRPv3-MIB's notification prefixes.
const KEEPALIVED_NOTIFICATIONS: &str = ".1.3.6.1.4.1.9586.100.5.2.10.0.";
const RFCV3_NOTIFICATIONS: &str = ".1.3.6.1.2.1.207.0.";

/// The router/peer pair with snmptrapd and snmpd in the router namespace.
struct Setup {
    /// Killed before the namespaces go (fields drop in order).
    snmp: snmp::TrapLab,
    pair: Pair,
    /// The router's eth0 index, shown as `IF`.
    ifindex: [(String, &'static str); 1],
}

impl Setup {
    fn new(name: &str) -> Setup {
        let pair = Pair::build(name, false);
        let text = sh(&format!("ip -j -n {} link show dev eth0", pair.ns));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let ifindex = [(v[0]["ifindex"].to_string(), "IF")];
        Setup {
            snmp: snmp::TrapLab::start(&pair),
            pair,
            ifindex,
        }
    }

    fn agentx(&self) -> PathBuf {
        self.snmp.agentx()
    }

    /// The KEEPALIVED-MIB and VRRPv3-MIB notifications received so far,
    /// normalised (see [`snmp::normalise_trap`]).
    fn traps(&self) -> Vec<String> {
        self.snmp
            .received()
            .iter()
            .filter(|l| l.contains(KEEPALIVED_NOTIFICATIONS) || l.contains(RFCV3_NOTIFICATIONS))
            .map(|l| snmp::normalise_trap(l, &self.ifindex))
            .collect()
    }

    /// The notifications after the first `from`, once `ready` holds for
    /// them (at most `secs`) and then no more came for 1.5 s (so that a
    /// slow daemon's late ones are not cut off, and a later phase does not
    /// get this one's).
    fn settle(&self, from: usize, secs: u64, ready: &dyn Fn(&[String]) -> bool) -> Vec<String> {
        let end = Instant::now() + Duration::from_secs(secs);
        let since = |s: &Setup| s.traps().into_iter().skip(from).collect::<Vec<_>>();
        while !ready(&since(self)) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(200));
        }
        let mut last = since(self).len();
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(1500));
            let now = since(self).len();
            if now == last {
                break;
            }
            last = now;
        }
        since(self)
    }

    fn start(&self, in_peer: bool, daemon: Daemon, tag: &str, conf: &str) -> Running {
        let path = self.pair.lab.write_conf(tag, conf);
        let ns = if in_peer {
            &self.pair.peer
        } else {
            &self.pair.ns
        };
        self.pair.lab.start(ns, daemon, &path, tag)
    }
}

/// The router's config. keepalived drops the notifications of transitions
/// made before its AgentX session is open, which on a loaded machine can
/// take a few seconds after start: the instances start 5 s late
/// (`vrrp_startup_delay`, both daemons) so that the start-up ones are not
/// lost to that race.
fn router_config(sock: &std::path::Path) -> String {
    format!(
        "global_defs {{\n router_id kt-router\n enable_snmp_vrrp\n enable_snmp_rfcv3\n \
         enable_traps\n snmp_socket unix:{}\n vrrp_startup_delay 5\n}}\n\
         vrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n}}\n\
         vrrp_instance A {{\n state BACKUP\n interface eth0\n virtual_router_id 61\n \
         priority 150\n advert_int 1\n version 2\n virtual_ipaddress {{\n  10.9.0.61/32\n }}\n}}\n\
         vrrp_instance B {{\n state BACKUP\n interface eth0\n virtual_router_id 62\n \
         priority 150\n advert_int 1\n version 2\n virtual_ipaddress {{\n  10.9.0.62/32\n }}\n}}\n\
         vrrp_instance C {{\n state MASTER\n interface eth0\n virtual_router_id 63\n \
         priority 150\n advert_int 1\n version 3\n virtual_ipaddress {{\n  10.9.0.63/32\n }}\n}}\n",
        sock.display()
    )
}

/// The peer of phase 2: priority 200 on group member A.
const PEER: &str = "global_defs {\n router_id peer\n}\n\
    vrrp_instance A {\n state BACKUP\n interface eth0\n virtual_router_id 61\n \
    priority 200\n advert_int 1\n version 2\n virtual_ipaddress {\n  10.9.0.61/32\n }\n}\n";

/// How many of `t` are `vrrpSyncGroupStateChange` to `state` (1 backup, 2
/// master, 5 stop).
fn group_changes(t: &[String], state: u8) -> usize {
    t.iter()
        .filter(|l| {
            l.contains(".1.3.6.1.4.1.9586.100.5.2.10.0.1 ")
                && l.contains(&format!(
                    ".1.3.6.1.4.1.9586.100.5.2.1.1.3 = INTEGER: {state} "
                ))
        })
        .count()
}

/// The notifications of each phase for the router running keepalived
/// (`vrrpd` false) or vrrpd.
fn run(vrrpd: bool) -> Vec<Vec<String>> {
    let name = format!(
        "f5-kt{}-{}",
        if vrrpd { "v" } else { "k" },
        std::process::id()
    );
    let s = Setup::new(&name);
    let mut router = s.start(
        false,
        Daemon::of(vrrpd),
        "router",
        &router_config(&s.agentx()),
    );
    let mut phases = Vec::new();

    // 1. Master of every instance (the group's Master and C's vrrpv3NewMaster)
    let start = s.settle(0, 40, &|t| {
        group_changes(t, 2) >= 1
            && t.iter()
                .any(|l| l.contains(".1.3.6.1.2.1.207.1.1.1.1.3.IF.63.1 "))
    });
    let mut seen = start.len();
    phases.push(start);

    // 2. A peer takes A over; the group follows it to Backup.
    let mut peer = s.start(true, Daemon::Keepalived, "peer", PEER);
    wait_until(Duration::from_secs(20), "the group's VIPs to leave", || {
        !s.pair.holds("10.9.0.61") && !s.pair.holds("10.9.0.62")
    });
    let backup = s.settle(seen, 10, &|t| group_changes(t, 1) >= 1);
    seen += backup.len();
    phases.push(backup);

    // 3. The peer leaves: Master again.
    peer.stop();
    let back = s.settle(seen, 15, &|t| group_changes(t, 2) >= 1);
    seen += back.len();
    phases.push(back);

    // 4. The router stops.
    router.stop();
    let stop = s.settle(seen, 10, &|t| group_changes(t, 5) >= 1);
    phases.push(stop);

    let who = if vrrpd { "vrrpd" } else { "keepalived" };
    for (i, p) in phases.iter().enumerate() {
        eprintln!("{who}, phase {}:\n  {}", i + 1, p.join("\n  "));
    }
    phases
}

#[test]
fn keepalived_mib_notifications_equal_keepalived() {
    if skip_differential(
        "KEEPALIVED-MIB notifications differential",
        &["keepalived", "snmpd", "snmptrapd", "ip"],
    ) {
        return;
    }
    let k = run(false);
    let v = run(true);
    // keepalived's own sequence is what the phases expect: every phase has
    // its group notification, and the stop one a STOP for each instance
    assert_eq!(
        group_changes(&k[0], 2),
        1,
        "keepalived at start: {:?}",
        k[0]
    );
    assert_eq!(
        group_changes(&k[1], 1),
        1,
        "keepalived, takeover: {:?}",
        k[1]
    );
    assert_eq!(group_changes(&k[2], 2), 1, "keepalived, back: {:?}", k[2]);
    assert_eq!(group_changes(&k[3], 5), 1, "keepalived, stop: {:?}", k[3]);
    let sorted = |p: &[String]| {
        let mut p = p.to_vec();
        p.sort();
        p
    };
    assert_eq!(
        sorted(&v[0]),
        sorted(&k[0]),
        "at start (left vrrpd, right keepalived)"
    );
    assert_eq!(v[1], k[1], "the peer took A over");
    assert_eq!(v[2], k[2], "Master again after the peer left");
    assert_eq!(v[3], k[3], "the router stopped");
}
