//! KEEPALIVED-MIB's route, rule, next hop and process tables
//! (`enable_snmp_vrrp`), walked over AgentX against keepalived 2.2.7 (root,
//! network namespaces, keepalived, snmpd and snmpwalk installed; else
//! `SKIPPED:`).
//!
//! One namespace per daemon with its own snmpd (the common [`SnmpLab`]);
//! the same config in both:
//!
//! * vrrpRouteTable and vrrpRouteNextHopTable: `static_routes` (instance 0)
//!   and an instance's `virtual_routes` (IPv4 and IPv6, gateway, table,
//!   metric, source, scope, blackhole, multipath next hops with a weight;
//!   the RTAX metrics with their locks, IPv6 pref, ip encapsulation; mpls
//!   needs the kernel's MPLS modules, not loaded here: its label column is
//!   a unit test); walked once the instance is Master (its routes set).
//!   One static and one virtual route have a gateway the kernel cannot
//!   reach: refused, they show "set" false on a Master too. A multipath
//!   route has an `encap ip` on one next hop, which keepalived 2.2.7 parses
//!   but neither installs nor shows (docs/keepalived.md §3.31, §3.40): the
//!   kernel's route is compared too. One static route names a VRF that
//!   does not exist and one virtual route a link that is not a VRF: both
//!   dropped when the configuration is read, no row, the next entry takes
//!   their index (the refused ones stay at 0.7 and 1.6).
//! * vrrpRuleTable: `static_rules` and `virtual_rules` (from, to, table,
//!   priority, fwmark, iif, IPv6).
//! * vrrpProcessTable: `vrrp_track_process`es, one whose process runs (a
//!   program of the lab's own name started by the test), one that does
//!   not, one matched with its arguments, one nothing tracks (still a
//!   row). The kernel's process events are not delivered inside a network
//!   namespace other than the first, so keepalived counts no process here
//!   (docs/keepalived.md §3.71): both walks show 0 processes and no
//!   quorum.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, skip_differential};
use common::snmp::SnmpLab;

use std::path::Path;
use std::process::{Command, Stdio};

const ROUTES: &str = ".1.3.6.1.4.1.9586.100.5.2.7";
const RULES: &str = ".1.3.6.1.4.1.9586.100.5.2.8";
const NEXT_HOPS: &str = ".1.3.6.1.4.1.9586.100.5.2.11";
const PROCESSES: &str = ".1.3.6.1.4.1.9586.100.5.2.21";

/// The program name of the process tracked as running.
const PROC: &str = "snmproc";

fn config(sock: &Path, dir: &Path) -> String {
    let d = dir.display();
    format!(
        "global_defs {{\n router_id routes\n enable_snmp_vrrp\n snmp_socket unix:{}\n}}\n\
         static_routes {{\n  10.9.5.0/24 via 10.9.1.254 dev eth1\n  \
         fd00:5::/64 via fd00:1::254 dev eth0 metric 7\n  \
         10.9.12.0/24 dev eth0 mtu lock 1400 hoplimit 9 advmss 1300 rtt 300ms \
         rttvar lock 250ms reordering 5 window 1000 cwnd lock 10 ssthresh 20 \
         rto_min 250ms initcwnd 4 initrwnd 5 fastopen_no_cookie 1\n  \
         10.9.13.0/24 dev eth0 advmss lock 1200\n  \
         fd00:12::/64 dev eth0 pref high\n  \
         10.9.15.0/24 dev eth0 encap ip id 5 dst 10.9.0.9 tos 4 ttl 3 flags 1\n  \
         10.9.19.0/24 dev eth0 vrf snm-novrf\n  \
         10.9.16.0/24 via 10.77.0.1 dev eth0\n}}\n\
         static_rules {{\n  from 10.9.7.0/24 table 200 priority 300\n}}\n\
         vrrp_track_process p_run {{\n process {PROC}\n weight 5\n}}\n\
         vrrp_track_process p_none {{\n process snm-nothere\n weight -4 reverse\n \
         quorum 2\n quorum_max 3\n fork_delay 2\n terminate_delay 3\n}}\n\
         vrrp_track_process p_args {{\n process {d}/{PROC} 600\n weight 1\n}}\n\
         vrrp_track_process p_unused {{\n process snm-unused\n}}\n\
         vrrp_instance A {{\n state BACKUP\n interface eth0\n virtual_router_id 51\n \
         priority 150\n advert_int 1\n \
         track_process {{\n  p_run\n  p_none\n  p_args\n }}\n \
         virtual_ipaddress {{\n  10.9.0.100/32\n }}\n \
         virtual_routes {{\n  10.9.6.0/24 via 10.9.0.254 dev eth0 metric 10 table 100\n  \
         blackhole 10.9.8.0/24\n  fd00:6::/64 via fd00:1::254 dev eth0\n  \
         10.9.9.0/24 nexthop via 10.9.0.254 dev eth0 weight 2 nexthop via 10.9.1.254 dev eth1\n  \
         10.9.10.0/24 src 10.9.0.1 dev eth0 scope link\n  \
         10.9.20.0/24 dev eth0 vrf eth1\n  \
         10.9.17.0/24 via 10.77.0.2 dev eth0\n  \
         10.9.18.0/24 nexthop via 10.9.0.254 dev eth0 encap ip id 1 dst 10.9.0.9 \
         nexthop via 10.9.1.254 dev eth1\n }}\n \
         virtual_rules {{\n  from 10.9.0.0/24 table 100 priority 100\n  \
         to 10.9.11.0/24 table 101 priority 101\n  fwmark 7 table 102 priority 102\n  \
         iif eth1 table 103 priority 103\n  from fd00:1::/64 table 100 priority 104\n }}\n}}\n",
        sock.display()
    )
}

#[test]
fn route_rule_and_process_tables_equal_keepalived() {
    if skip_differential(
        "KEEPALIVED-MIB route, rule and process tables differential",
        &["keepalived", "snmpd", "snmpwalk", "ip"],
    ) {
        return;
    }
    let pid = std::process::id();
    let roots = [ROUTES, NEXT_HOPS, RULES, PROCESSES];
    let mut walks = Vec::new();
    let mut kernel = Vec::new();
    for vrrpd in [false, true] {
        let s = SnmpLab::new(
            &format!("snv-rt{}-{pid}", if vrrpd { "v" } else { "k" }),
            &["10.9.0.1/24", "10.9.1.1/24"],
        );
        s.ns.ip("addr add fd00:1::1/64 dev eth0 nodad");
        let lab = &s.ns.lab;
        // a process of its own name (the link's), running while the test does
        std::os::unix::fs::symlink("/bin/sleep", lab.path(PROC)).unwrap();
        let _proc = common::Kid(
            Command::new(lab.path(PROC))
                .arg("600")
                .stdin(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let _d = s.start(&config(&s.agentx(), &lab.dir), Daemon::of(vrrpd));
        // the instance's first route set: it is Master
        let set = format!("{ROUTES}.1.14.1.1 = INTEGER: 1");
        let w = s.walk_until(ROUTES, &|w| w.contains(&set));
        // the refused routes: static 7, the instance's 6
        for idx in ["0.7", "1.6"] {
            let refused = format!("{ROUTES}.1.14.{idx} = INTEGER: 2");
            assert!(w.contains(&refused), "{refused} not in {w:#?}");
        }
        // the multipath route is in, its hops without the encapsulation
        // (keepalived 2.2.7 never sends a hop's)
        let hops = common::shell(&format!("ip -n {} -d route show 10.9.18.0/24", s.ns.name));
        assert!(
            hops.contains("nexthop via 10.9.1.254") && !hops.contains("encap"),
            "{hops}"
        );
        kernel.push(hops);
        // every process row there (13 columns of 4 rows)
        s.walk_until(PROCESSES, &|w| w.len() >= 52);
        walks.push(roots.map(|r| s.walk(r)));
    }
    for (i, root) in roots.iter().enumerate() {
        eprintln!("keepalived walk of {root}:\n{}", walks[0][i].join("\n"));
    }
    assert_eq!(
        kernel[1], kernel[0],
        "the multipath route in the kernel (left vrrpd, right keepalived)"
    );
    let equal: usize = (0..roots.len())
        .map(|i| {
            let (k, v) = (&walks[0][i], &walks[1][i]);
            k.iter().filter(|l| v.contains(l)).count()
        })
        .sum();
    eprintln!("{equal} variables equal");
    for (i, root) in roots.iter().enumerate() {
        let (k, v) = (&walks[0][i], &walks[1][i]);
        assert!(!k.is_empty(), "keepalived shows nothing under {root}");
        assert_eq!(
            v, k,
            "walks of {root} differ (left vrrpd, right keepalived)"
        );
    }
}
