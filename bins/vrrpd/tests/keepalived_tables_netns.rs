//! KEEPALIVED-MIB tables beyond the instance ones (`enable_snmp_vrrp`),
//! walked over AgentX against keepalived 2.2.7 (root, network namespaces,
//! keepalived, snmpd and snmpwalk installed; else `SKIPPED:`).
//!
//! One namespace per daemon (the common lab's `Looped`: eth0 10.9.0.1/24),
//! each with its own snmpd as AgentX master on a unix socket in the lab
//! directory and SNMP on 127.0.0.1 inside the namespace; the same config
//! in both.
//!
//! * vrrpScriptTable: four `vrrp_script`s, one untracked (keepalived drops
//!   it), one failing, one with arguments, with weights, `reverse`,
//!   intervals, rise and fall; the walk must be equal once both daemons
//!   have the failing script down and the others up.
//! * vrrpTrackedFileTable and vrrpFileTable: four `track_file`s (one
//!   untracked, one whose file does not exist, one with `reverse`), tracked
//!   by the instance with and without weights of its own, one named through
//!   a symbolic link; the walks must be equal once the lab directory in
//!   paths is normalised.
//! * the sync group tracking tables and the instances' tracked tables for
//!   a sync group with tracking of its own and a member with its own
//!   weighted tracking (keepalived zeroes a member's weights without
//!   `sync_group_tracking_weight`): walks equal.
//! * vrrpTrackedProcessTable, syncGroupTrackedProcessTable,
//!   vrrpTrackedBfdTable and syncGroupTrackedBfdTable: a sync group and a
//!   member tracking `vrrp_track_process`es and `bfd_instance`s, entries
//!   with weights of their own (keepalived shows the tracked object's),
//!   and vrrpBfdTable (every session down: no neighbour answers): walks
//!   equal.
//! * vrrpAddressTable with `static_ipaddress` entries (instance 0, before
//!   the instances' rows): walk equal once the instance is Master.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Looped, Running, skip_differential};
use common::snmp;

use std::path::Path;
use std::time::{Duration, Instant};

const SCRIPTS: &str = ".1.3.6.1.4.1.9586.100.5.2.9";
const TRACKED_FILES: &str = ".1.3.6.1.4.1.9586.100.5.2.12";
const FILES: &str = ".1.3.6.1.4.1.9586.100.5.2.13";
const TRACKED_IFS: &str = ".1.3.6.1.4.1.9586.100.5.2.4";
const TRACKED_SCRIPTS: &str = ".1.3.6.1.4.1.9586.100.5.2.5";
const GROUP_IFS: &str = ".1.3.6.1.4.1.9586.100.5.2.14";
const GROUP_SCRIPTS: &str = ".1.3.6.1.4.1.9586.100.5.2.15";
const GROUP_FILES: &str = ".1.3.6.1.4.1.9586.100.5.2.16";
const ADDRESSES: &str = ".1.3.6.1.4.1.9586.100.5.2.6";
const TRACKED_PROCESSES: &str = ".1.3.6.1.4.1.9586.100.5.2.20";
const GROUP_PROCESSES: &str = ".1.3.6.1.4.1.9586.100.5.2.22";
const TRACKED_BFDS: &str = ".1.3.6.1.4.1.9586.100.5.2.17";
const GROUP_BFDS: &str = ".1.3.6.1.4.1.9586.100.5.2.19";
const BFDS: &str = ".1.3.6.1.4.1.9586.100.5.2.18";

/// A namespace with snmpd; the daemon is started by the test.
struct Setup {
    ns: Looped,
    _snmpd: common::Kid,
}

impl Setup {
    fn new(name: &str) -> Setup {
        let ns = Looped::new(name, &["10.9.0.1/24", "10.9.1.1/24"]);
        let snmpd = snmp::snmpd(&ns.name, &ns.lab.dir, &ns.lab.dir, "");
        Setup { ns, _snmpd: snmpd }
    }

    fn start(&self, daemon: Daemon, config: fn(&Path, &Path) -> String) -> Running {
        let lab = &self.ns.lab;
        std::fs::write(lab.path("f_ok"), "5\n").unwrap();
        std::fs::write(lab.path("f_rev"), "1\n").unwrap();
        std::fs::write(lab.path("f_unused"), "3\n").unwrap();
        // f_rev is named through a link to the lab directory: shown resolved
        let _ = std::os::unix::fs::symlink(&lab.dir, lab.path("link"));
        self.ns
            .start(&config(&lab.path("agentx"), &lab.dir), daemon)
    }

    fn walk(&self, root: &str) -> Vec<String> {
        snmp::walk(&self.ns.name, &self.ns.lab.dir, root)
            .into_iter()
            .map(|l| l.replace(&self.ns.lab.dir.display().to_string(), "LAB"))
            .collect()
    }

    /// Walks `root` until `ready` holds, for at most 30 s (scripts run
    /// every 1-2 s and need rise/fall results; generous for a loaded
    /// machine); the last walk either way.
    fn walk_until(&self, root: &str, ready: &dyn Fn(&[String]) -> bool) -> Vec<String> {
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            let w = self.walk(root);
            if ready(&w) || Instant::now() > end {
                return w;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

fn config(sock: &Path, dir: &Path) -> String {
    let d = dir.display();
    format!(
        "global_defs {{\n router_id tables\n enable_snmp_vrrp\n snmp_socket unix:{}\n}}\n\
         vrrp_script chk_ok {{\n script /bin/true\n weight 7\n interval 2\n rise 2\n fall 3\n}}\n\
         vrrp_script chk_unused {{\n script /bin/true\n}}\n\
         vrrp_script chk_bad {{\n script /bin/false\n weight -3 reverse\n}}\n\
         vrrp_script chk_args {{\n script \"/bin/sh -c 'exit 0'\"\n}}\n\
         track_file f_ok {{\n file {d}/f_ok\n weight 2\n}}\n\
         track_file f_unused {{\n file {d}/f_unused\n}}\n\
         track_file f_rev {{\n file {d}/link/f_rev\n weight -3 reverse\n}}\n\
         track_file f_missing {{\n file {d}/f_missing\n}}\n\
         vrrp_instance V1 {{\n state BACKUP\n interface eth0\n virtual_router_id 51\n \
         priority 150\n advert_int 1\n track_script {{\n  chk_ok\n  chk_bad\n  chk_args\n }}\n \
         track_file {{\n  f_ok weight 10\n  f_rev\n  f_missing weight 0\n }}\n \
         virtual_ipaddress {{\n  10.9.0.100/32\n }}\n}}\n",
        sock.display()
    )
}

#[test]
fn script_and_file_tables_equal_keepalived() {
    if skip_differential(
        "KEEPALIVED-MIB vrrpScriptTable differential",
        &["keepalived", "snmpd", "snmpwalk", "ip"],
    ) {
        return;
    }
    let pid = std::process::id();
    let mut walks = Vec::new();
    for vrrpd in [false, true] {
        let s = Setup::new(&format!("f5-kt{}-{pid}", if vrrpd { "v" } else { "k" }));
        let _d = s.start(Daemon::of(vrrpd), config);
        // rows 1 (chk_ok) and 3 (chk_args) good, row 2 (chk_bad) bad
        let settled = |w: &[String]| {
            [("1", 3), ("2", 2), ("3", 3)]
                .iter()
                .all(|(r, v)| w.contains(&format!("{SCRIPTS}.1.6.{r} = INTEGER: {v}")))
        };
        let scripts = s.walk_until(SCRIPTS, &settled);
        let tracked = s.walk_until(TRACKED_FILES, &|w| w.len() >= 9);
        let files = s.walk_until(FILES, &|w| w.len() >= 15);
        walks.push((scripts, tracked, files));
    }
    for (what, k, v) in [
        ("tracked file", &walks[0].1, &walks[1].1),
        ("file", &walks[0].2, &walks[1].2),
    ] {
        eprintln!("keepalived {what} walk:\n{}", k.join("\n"));
        assert!(k.len() >= 9, "short keepalived {what} walk: {k:?}");
        assert_eq!(v, k, "{what} walks differ (left vrrpd, right keepalived)");
    }
    let (k, v) = (&walks[0].0, &walks[1].0);
    eprintln!("keepalived script walk:\n{}", k.join("\n"));
    // 3 rows of 8 columns: the untracked script is not shown
    assert_eq!(k.len(), 24, "keepalived's script walk: {k:?}");
    assert_eq!(v, k, "script walks differ (left vrrpd, right keepalived)");
}

fn group_config(sock: &Path, dir: &Path) -> String {
    let d = dir.display();
    format!(
        "global_defs {{\n router_id tables\n enable_snmp_vrrp\n snmp_socket unix:{}\n}}\n\
         vrrp_script chk_ok {{\n script /bin/true\n weight 7\n}}\n\
         vrrp_script chk_two {{\n script /bin/true\n weight -3 reverse\n}}\n\
         track_file f_ok {{\n file {d}/f_ok\n weight 2\n}}\n\
         vrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n \
         track_interface {{\n  eth1 weight -5\n  lo\n }}\n \
         track_script {{\n  chk_ok\n  chk_two weight 4 reverse\n }}\n \
         track_file {{\n  f_ok\n }}\n}}\n\
         vrrp_instance A {{\n state BACKUP\n interface eth0\n virtual_router_id 51\n \
         priority 150\n advert_int 1\n track_interface {{\n  eth1 weight -10\n }}\n \
         track_script {{\n  chk_two weight 6\n }}\n \
         virtual_ipaddress {{\n  10.9.0.100/32\n }}\n}}\n\
         vrrp_instance B {{\n state BACKUP\n interface eth0\n virtual_router_id 52\n \
         priority 150\n advert_int 1\n virtual_ipaddress {{\n  10.9.0.101/32\n }}\n}}\n",
        sock.display()
    )
}

#[test]
fn sync_group_tracking_tables_equal_keepalived() {
    if skip_differential(
        "KEEPALIVED-MIB sync group tracking differential",
        &["keepalived", "snmpd", "snmpwalk", "ip"],
    ) {
        return;
    }
    let pid = std::process::id();
    let roots = [
        GROUP_IFS,
        GROUP_SCRIPTS,
        GROUP_FILES,
        TRACKED_IFS,
        TRACKED_SCRIPTS,
        TRACKED_FILES,
    ];
    let mut walks = Vec::new();
    for vrrpd in [false, true] {
        let s = Setup::new(&format!("f5-kg{}-{pid}", if vrrpd { "v" } else { "k" }));
        let _d = s.start(Daemon::of(vrrpd), group_config);
        // the group's interface table is there once the subagent serves
        s.walk_until(GROUP_IFS, &|w| w.len() >= 6);
        walks.push(roots.map(|r| s.walk(r)));
    }
    for (i, root) in roots.iter().enumerate() {
        let (k, v) = (&walks[0][i], &walks[1][i]);
        eprintln!("keepalived walk of {root}:\n{}", k.join("\n"));
        assert_eq!(
            v, k,
            "walks of {root} differ (left vrrpd, right keepalived)"
        );
    }
    assert_eq!(walks[0][0].len(), 6, "keepalived's group interface walk");
}

fn static_config(sock: &Path, _dir: &Path) -> String {
    format!(
        "global_defs {{\n router_id tables\n enable_snmp_vrrp\n snmp_socket unix:{}\n}}\n\
         static_ipaddress {{\n  10.9.1.50/24 dev eth1 brd 10.9.1.255 label eth1:st\n  \
         fd00:1::50/64 dev eth0\n  10.9.2.7/32 dev lo scope host\n}}\n\
         vrrp_instance A {{\n state BACKUP\n interface eth0\n virtual_router_id 51\n \
         priority 150\n advert_int 1\n virtual_ipaddress {{\n  10.9.0.100/32\n }}\n}}\n",
        sock.display()
    )
}

#[test]
fn static_address_rows_equal_keepalived() {
    if skip_differential(
        "KEEPALIVED-MIB static_ipaddress rows differential",
        &["keepalived", "snmpd", "snmpwalk", "ip"],
    ) {
        return;
    }
    let pid = std::process::id();
    let mut walks = Vec::new();
    for vrrpd in [false, true] {
        let s = Setup::new(&format!("f5-ks{}-{pid}", if vrrpd { "v" } else { "k" }));
        let _d = s.start(Daemon::of(vrrpd), static_config);
        // the instance's VIP set: it is Master
        let set = format!("{ADDRESSES}.1.10.1.1 = INTEGER: 1");
        walks.push(s.walk_until(ADDRESSES, &|w| w.contains(&set)));
    }
    let (k, v) = (&walks[0], &walks[1]);
    eprintln!("keepalived address walk:\n{}", k.join("\n"));
    assert!(
        k.iter()
            .any(|l| l.starts_with(&format!("{ADDRESSES}.1.3.0.3 "))),
        "keepalived shows no third static address: {k:?}"
    );
    assert_eq!(v, k, "address walks differ (left vrrpd, right keepalived)");
}

fn process_config(sock: &Path, _dir: &Path) -> String {
    format!(
        "global_defs {{\n router_id tables\n enable_snmp_vrrp\n snmp_socket unix:{}\n}}\n\
         vrrp_track_process p_one {{\n process f5-no-such-proc\n weight -4 reverse\n \
         quorum 0\n}}\n\
         vrrp_track_process p_two {{\n process f5-other-proc\n weight 3\n quorum 0\n}}\n\
         bfd_instance b_one {{\n neighbor_ip 10.9.0.2\n weight -6 reverse\n}}\n\
         bfd_instance b_two {{\n neighbor_ip 10.9.0.3\n weight 2\n}}\n\
         vrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n \
         track_process {{\n  p_one\n }}\n track_bfd {{\n  b_one\n }}\n \
         sync_group_tracking_weight\n}}\n\
         vrrp_instance A {{\n state BACKUP\n interface eth0\n virtual_router_id 51\n \
         priority 150\n advert_int 1\n track_process {{\n  p_two weight 9\n  p_one\n }}\n \
         track_bfd {{\n  b_two weight 5\n  b_one\n }}\n \
         virtual_ipaddress {{\n  10.9.0.100/32\n }}\n}}\n\
         vrrp_instance B {{\n state BACKUP\n interface eth0\n virtual_router_id 52\n \
         priority 150\n advert_int 1\n virtual_ipaddress {{\n  10.9.0.101/32\n }}\n}}\n",
        sock.display()
    )
}

#[test]
fn tracked_process_and_bfd_tables_equal_keepalived() {
    if skip_differential(
        "KEEPALIVED-MIB tracked process tables differential",
        &["keepalived", "snmpd", "snmpwalk", "ip"],
    ) {
        return;
    }
    let pid = std::process::id();
    let mut walks = Vec::new();
    for vrrpd in [false, true] {
        let s = Setup::new(&format!("f5-kp{}-{pid}", if vrrpd { "v" } else { "k" }));
        let _d = s.start(Daemon::of(vrrpd), process_config);
        let group = s.walk_until(GROUP_PROCESSES, &|w| w.len() >= 3);
        let bfd_group = s.walk_until(GROUP_BFDS, &|w| w.len() >= 3);
        walks.push((
            group,
            s.walk(TRACKED_PROCESSES),
            bfd_group,
            s.walk(TRACKED_BFDS),
            // no neighbour answers: every session down in both
            s.walk(BFDS),
        ));
    }
    let (k, v) = (&walks[0], &walks[1]);
    eprintln!("keepalived BFD table walk:\n{}", k.4.join("\n"));
    assert_eq!(k.4.len(), 8, "keepalived's BFD table walk: {:?}", k.4);
    assert_eq!(
        v.4, k.4,
        "BFD table walks differ (left vrrpd, right keepalived)"
    );
    eprintln!("keepalived walks:\n{}\n{}", k.0.join("\n"), k.1.join("\n"));
    assert_eq!(k.0.len(), 3, "keepalived's group process walk: {:?}", k.0);
    assert_eq!(k.1.len(), 6, "keepalived's tracked process walk: {:?}", k.1);
    assert_eq!(
        v.0, k.0,
        "group walks differ (left vrrpd, right keepalived)"
    );
    assert_eq!(
        v.1, k.1,
        "instance walks differ (left vrrpd, right keepalived)"
    );
    eprintln!(
        "keepalived BFD walks:\n{}\n{}",
        k.2.join("\n"),
        k.3.join("\n")
    );
    assert_eq!(k.2.len(), 3, "keepalived's group BFD walk: {:?}", k.2);
    assert_eq!(k.3.len(), 6, "keepalived's tracked BFD walk: {:?}", k.3);
    assert_eq!(
        v.2, k.2,
        "group BFD walks differ (left vrrpd, right keepalived)"
    );
    assert_eq!(
        v.3, k.3,
        "instance BFD walks differ (left vrrpd, right keepalived)"
    );
}
