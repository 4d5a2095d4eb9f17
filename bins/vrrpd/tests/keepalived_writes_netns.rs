//! SNMP writes to KEEPALIVED-MIB (`enable_snmp_vrrp`) against keepalived
//! 2.2.7 (root, network namespaces, keepalived, snmpd and snmpset
//! installed; else `SKIPPED:`).
//!
//! A Master (priority 150) and a Backup (priority 100) on one link, both
//! keepalived or both vrrpd, snmpd in the Backup's namespace. Compared
//! between the two runs:
//!
//! * what `snmpset` prints for a wrong type, a priority of 0 and of 256
//!   (keepalived reads the low byte), a preempt
//!   value out of range and a read-only object (vrrpInstanceEffectivePriority)
//!   on the Backup;
//! * `snmpset` of vrrpInstanceAccept: of the VRRPv2 instance (notWritable:
//!   keepalived offers the write for VRRPv3 instances only), of the VRRPv3
//!   instance to false(2) and to 3 (noAccess both: keepalived 2.2.7 refuses
//!   every accept write), and the value read back after (unchanged, true);
//! * `snmpset` of vrrpInstanceBasePriority of a row that does not exist
//!   (the error status and index net-snmp answers for the subagent);
//! * `snmpset` of the Backup's vrrpInstanceBasePriority to 200: what it
//!   prints, keepalived's log line, and the state sequences both nodes'
//!   notify scripts record from then on (the Backup preempts: MASTER; the
//!   old Master goes BACKUP).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Pair, poll_until, skip_differential};
use common::snmp::{snmp, snmpd};

use std::time::Duration;

const BASE_PRIORITY: &str = ".1.3.6.1.4.1.9586.100.5.2.3.1.7.1";
const EFFECTIVE_PRIORITY: &str = ".1.3.6.1.4.1.9586.100.5.2.3.1.8.1";
const PREEMPT: &str = ".1.3.6.1.4.1.9586.100.5.2.3.1.13.1";
/// vrrpInstanceAccept of the VRRPv2 instance VI (row 1).
const ACCEPT_V2: &str = ".1.3.6.1.4.1.9586.100.5.2.3.1.27.1";
/// vrrpInstanceAccept of the VRRPv3 instance VI3 (row 2).
const ACCEPT_V3: &str = ".1.3.6.1.4.1.9586.100.5.2.3.1.27.2";
/// vrrpInstanceBasePriority of a row no instance has.
const BASE_PRIORITY_NO_ROW: &str = ".1.3.6.1.4.1.9586.100.5.2.3.1.7.9";

fn config(tag: &str, priority: u8, snmp: &str, dir: &std::path::Path) -> String {
    let d = dir.display();
    format!(
        "global_defs {{\n router_id {tag}\n{snmp}}}\n\
         vrrp_instance VI {{\n state BACKUP\n interface eth0\n virtual_router_id 61\n \
         priority {priority}\n advert_int 1\n notify {d}/notify_{tag}.sh\n \
         virtual_ipaddress {{\n  10.9.0.100/24\n }}\n}}\n\
         vrrp_instance VI3 {{\n state BACKUP\n interface eth0\n virtual_router_id 62\n \
         version 3\n priority {priority}\n advert_int 1\n accept\n \
         virtual_ipaddress {{\n  10.9.0.101/24\n }}\n}}\n"
    )
}

/// The states the notify script of `tag` recorded, in order.
fn states(lab: &common::netns::Lab, tag: &str) -> Vec<String> {
    std::fs::read_to_string(lab.path(&format!("states_{tag}")))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

struct Run {
    errors: Vec<String>,
    /// What a get of VI3's accept prints after the sets.
    accept: String,
    accept_logged: bool,
    set: String,
    logged: bool,
    master: Vec<String>,
    backup: Vec<String>,
}

fn run(vrrpd: bool) -> Run {
    let pair = Pair::build(
        &format!(
            "snm-wr{}-{}",
            if vrrpd { "v" } else { "k" },
            std::process::id()
        ),
        false,
    );
    let lab = &pair.lab;
    let _snmpd = snmpd(
        &pair.peer,
        &lab.dir,
        &lab.dir,
        "rwcommunity private 127.0.0.1\n",
    );
    for tag in ["m", "b"] {
        let out = lab.path(&format!("states_{tag}"));
        lab.write_script(
            &format!("notify_{tag}.sh"),
            &format!("#!/bin/sh\necho \"$3\" >> {}\n", out.display()),
        );
    }
    let agentx = format!(
        " enable_snmp_vrrp\n snmp_socket unix:{}\n",
        lab.path("agentx").display()
    );
    let daemon = Daemon::of(vrrpd);
    let _m = lab.start_conf(&pair.ns, daemon, &config("m", 150, "", &lab.dir), "m");
    let _b = lab.start_conf(
        &pair.peer,
        daemon,
        &config("b", 100, &agentx, &lab.dir),
        "b",
    );
    // generous: start-up, three adverts of 1 s and the AgentX session on a
    // loaded machine
    let settled = poll_until(Duration::from_secs(30), || {
        states(lab, "m").last().is_some_and(|s| s == "MASTER")
            && states(lab, "b").last().is_some_and(|s| s == "BACKUP")
            && snmp(&lab.dir, &pair.peer, "snmpget", "public", &[BASE_PRIORITY])
                .contains("INTEGER: 100")
    });
    assert!(
        settled,
        "no Master/Backup pair with SNMP: {:?} {:?}",
        states(lab, "m"),
        states(lab, "b")
    );
    let set = |oid: &str, ty: &str, v: &str| {
        snmp(&lab.dir, &pair.peer, "snmpset", "private", &[oid, ty, v])
    };
    let errors = vec![
        set(BASE_PRIORITY, "s", "x"),
        set(BASE_PRIORITY, "i", "0"),
        // only the low byte counts: 256 is 0
        set(BASE_PRIORITY, "i", "256"),
        set(PREEMPT, "i", "3"),
        set(EFFECTIVE_PRIORITY, "i", "120"),
        set(ACCEPT_V2, "i", "2"),
        set(ACCEPT_V3, "i", "2"),
        set(ACCEPT_V3, "i", "3"),
        set(BASE_PRIORITY_NO_ROW, "i", "120"),
    ];
    let accept = snmp(&lab.dir, &pair.peer, "snmpget", "public", &[ACCEPT_V3]);
    // what follows the write is compared (a start-up may differ in
    // transient states while the veth's carrier comes up)
    let before = (states(lab, "m").len(), states(lab, "b").len());
    let written = set(BASE_PRIORITY, "i", "200");
    // the Backup waits out Master_Down_Interval (about 3 s) ignoring the
    // lower-priority adverts, then takes over; 30 s for a loaded machine
    poll_until(Duration::from_secs(30), || {
        states(lab, "b").last().is_some_and(|s| s == "MASTER")
            && states(lab, "m").last().is_some_and(|s| s == "BACKUP")
    });
    Run {
        errors,
        accept,
        accept_logged: lab.log("b").contains("accept mode"),
        set: written,
        logged: lab
            .log("b")
            .contains("(VI) base priority changed from 100 to 200 via SNMP."),
        master: states(lab, "m").split_off(before.0),
        backup: states(lab, "b").split_off(before.1),
    }
}

#[test]
fn base_priority_write_preempts_as_with_keepalived() {
    if skip_differential(
        "KEEPALIVED-MIB SNMP write differential",
        &["keepalived", "snmpd", "snmpset", "snmpget", "ip"],
    ) {
        return;
    }
    let k = run(false);
    let v = run(true);
    eprintln!("keepalived's answers:\n{}\n{}", k.errors.join("\n"), k.set);
    eprintln!(
        "keepalived's states: Master {:?}, Backup {:?}",
        k.master, k.backup
    );
    eprintln!("keepalived's accept after the sets: {}", k.accept);
    assert!(k.logged, "keepalived logged no priority change");
    assert!(!k.accept_logged, "keepalived logged an accept change");
    assert!(
        k.accept.contains("INTEGER: 1"),
        "keepalived's accept is not true(1) after the refused sets: {}",
        k.accept
    );
    assert_eq!(
        k.backup.last().map(String::as_str),
        Some("MASTER"),
        "keepalived's Backup did not preempt"
    );
    assert_eq!(
        v.errors, k.errors,
        "answers to bad sets differ (left vrrpd)"
    );
    assert_eq!(v.accept, k.accept, "accept read after the sets differs");
    assert!(!v.accept_logged, "vrrpd logged an accept change");
    assert_eq!(v.set, k.set, "answers to the priority set differ");
    assert!(v.logged, "vrrpd logged no priority change");
    assert_eq!(v.master, k.master, "the Masters' state sequences differ");
    assert_eq!(v.backup, k.backup, "the Backups' state sequences differ");
}
