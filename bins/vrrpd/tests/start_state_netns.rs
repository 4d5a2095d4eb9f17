//! The state a Backup starts in when its interface is up but not yet
//! running (root, network namespaces, keepalived 2.2.7; else `SKIPPED:`).
//!
//! The Backup's `eth0` is a fresh veth whose peer is still down, so it is
//! IFF_UP without IFF_RUNNING (no carrier) when the daemon starts, as a
//! freshly made veth is for a moment. keepalived 2.2.7 (`vrrp_init_state`
//! with vrrp_if.h `FLAGS_UP`, which asks for IFF_UP and IFF_RUNNING) starts
//! the instance in FAULT, then goes to BACKUP when the link runs: its
//! notify script sees FAULT, BACKUP. The test runs keepalived, then this
//! build's vrrpd, as that Backup against a keepalived Master of priority
//! 200 (already MASTER, on a bridge the veth's peer joins), and asks both
//! for the same notify lines; vrrpd's `vrrpd status` counts the same two
//! transitions and names the Master it hears.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Lab, Running, poll_until, skip_differential, wait_until};
use common::shell;
use std::time::Duration;

const BACKUP_IP: &str = "10.83.0.2";
const MASTER_IP: &str = "10.83.0.1";

/// One instance of `priority` on `iface`, with the generic notify script
/// `notify` when there is one.
fn conf(router_id: &str, state: &str, priority: u8, iface: &str, notify: Option<&str>) -> String {
    let notify = notify
        .map(|n| format!("  notify {n}\n"))
        .unwrap_or_default();
    format!(
        "global_defs {{\n  router_id {router_id}\n}}\n\
         vrrp_instance VI_1 {{\n  state {state}\n  interface {iface}\n  virtual_router_id 83\n  \
         priority {priority}\n  advert_int 1\n{notify}  \
         virtual_ipaddress {{\n    10.83.0.100/24\n  }}\n}}\n"
    )
}

/// The lines the notify script wrote to `file` so far.
fn lines(file: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

/// What `backup` (keepalived or vrrpd) does from its start on a link that is
/// not running until the Master's side comes up: its notify lines, and for
/// vrrpd its status document once it hears the Master.
fn run(backup: Daemon) -> (Vec<String>, Option<serde_json::Value>) {
    let tag = match backup {
        Daemon::Vrrpd => "v",
        _ => "k",
    };
    let mut lab = Lab::new(&format!("vstart{tag}-{}", std::process::id()));
    let b = lab.add_ns(&format!("vstart{tag}-b"));
    let m = lab.add_ns(&format!("vstart{tag}-m"));
    // The Master on a bridge of the other namespace, kept running by a
    // port of its own (a veth pair, both ends there); the Backup's veth joins the bridge through `vb`, down
    // until the Master runs and the Backup has started.
    shell(&format!(
        "ip -n {m} link add br0 type bridge && \
         ip -n {m} link add k0 type veth peer name k1 && ip -n {m} link set k1 up && \
         ip -n {m} link set k0 master br0 up && \
         ip -n {b} link add eth0 type veth peer name vb netns {m} && \
         ip -n {m} link set vb master br0 && \
         ip -n {m} addr add {MASTER_IP}/24 dev br0 && ip -n {m} link set br0 up && \
         ip -n {b} addr add {BACKUP_IP}/24 dev eth0 && ip -n {b} link set eth0 up"
    ));
    let states = lab.path("states");
    let notify = lab.write_script(
        "notify.sh",
        &format!("#!/bin/sh\necho \"$@\" >> {}\n", states.display()),
    );
    let notify = notify.display().to_string();

    // A keepalived Master of 200, MASTER before the Backup starts.
    let mut md = lab.start_conf(
        &m,
        Daemon::Keepalived,
        &conf("ssm", "MASTER", 200, "br0", None),
        "m",
    );
    wait_until(Duration::from_secs(15), "keepalived's Master", || {
        lab.log("m").contains("Entering MASTER STATE")
    });
    let mut bd: Running = lab.start_conf(
        &b,
        backup,
        &conf("ssb", "BACKUP", 100, "eth0", Some(&notify)),
        "b",
    );
    // Up without carrier: FAULT (with the bug, after a BACKUP line).
    wait_until(Duration::from_secs(15), "a FAULT notify line", || {
        lines(&states).iter().any(|l| l.contains(" FAULT "))
    });
    let ip_link = shell(&format!("ip -n {b} -o link show eth0"));
    assert!(
        ip_link.contains("NO-CARRIER"),
        "the Backup's link runs already: {ip_link}"
    );
    // The link runs: BACKUP, and the Master's adverts arrive.
    shell(&format!("ip -n {m} link set vb up"));
    let heard = |lab: &Lab| {
        lab.status("b").filter(|st| {
            st["instances"][0]["state"] == "BACKUP"
                && st["instances"][0]["master_address"] == MASTER_IP
        })
    };
    wait_until(Duration::from_secs(20), "the Backup in BACKUP", || {
        lines(&states)
            .last()
            .is_some_and(|l| l.contains(" BACKUP "))
            && (backup != Daemon::Vrrpd || heard(&lab).is_some())
    });
    // Nothing more comes while the Master runs.
    let more = poll_until(Duration::from_secs(3), || lines(&states).len() > 2);
    let status = heard(&lab);
    let got = lines(&states);
    bd.stop();
    md.stop();
    if more {
        eprintln!("{} log:\n{}", backup.name(), lab.log("b"));
    }
    (got, status)
}

#[test]
fn backup_on_a_link_not_yet_running_starts_in_fault_as_keepalived_does() {
    if skip_differential("vrrpd start_state_netns", &["keepalived"]) {
        return;
    }
    let want = ["INSTANCE VI_1 FAULT 100", "INSTANCE VI_1 BACKUP 100"];
    let (keepalived, _) = run(Daemon::Keepalived);
    assert_eq!(keepalived, want, "keepalived 2.2.7's notify lines");
    let (vrrpd, status) = run(Daemon::Vrrpd);
    assert_eq!(
        vrrpd, keepalived,
        "vrrpd's notify lines against keepalived's"
    );
    let status = status.expect("vrrpd status");
    let i = &status["instances"][0];
    assert_eq!(
        i["transitions"],
        serde_json::json!({"INIT->FAULT": 1, "FAULT->BACKUP": 1}),
        "{i}"
    );
    assert_eq!(i["master_priority"], 200, "{i}");
}
