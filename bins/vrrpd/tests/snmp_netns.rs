//! VRRPv3-MIB (RFC 6527) served over AgentX, against keepalived 2.2.7 (root,
//! network namespaces, keepalived, snmpd and snmpwalk installed; else
//! `SKIPPED:`).
//!
//! Two setups side by side, one running keepalived and one this build's
//! vrrpd: a router namespace and a peer namespace joined by a veth pair
//! (`eth0` on both sides, the same MAC addresses in both setups), each with
//! its own snmpd (AgentX master on a unix socket in a temporary directory,
//! SNMP on 127.0.0.1 inside the namespace). The same config in both setups:
//! a VRRPv3 IPv4 instance with two VIPs, a VRRPv3 IPv6 instance and two
//! VRRPv2 IPv4 instances (one with a password and `nopreempt`),
//! `enable_snmp_rfc`; the router (priority 150) becomes Master, then the
//! peer (priority 100) starts and stays Backup. `snmpwalk -v2c -On` of
//! mib-2.68 and mib-2.207 from each router and each peer must be equal
//! between the setups once the up-times (TimeTicks), the interface index and
//! the Backups' received-advert counts (which depend on when the walk runs)
//! are normalised, and once vrrpd's VRRP-MIB operations and statistics
//! tables are cut to their first row as keepalived's walk shows them (the
//! other rows checked present). An `snmpset` of a column gets the same
//! answer from both (notWritable: everything is read-only).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shell as sh;

use common::netns::{Daemon, Pair, Running};

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SNMP_PORT: u16 = 11161;

/// A router namespace `NAME` and its peer `NAME-p` (a [`Pair`], the MAC
/// addresses set); both deleted on drop, with the temporary directory
/// (kept when the test fails).
struct Setup {
    // daemons first, while their namespaces exist
    kids: Vec<Running>,
    pair: Pair,
    dir: PathBuf,
}

impl Setup {
    fn new(name: String) -> Self {
        let pair = Pair::with_macs(&name, Some(("02:00:00:5e:aa:01", "02:00:00:5e:aa:02")));
        Setup {
            kids: Vec::new(),
            dir: pair.lab.dir.clone(),
            pair,
        }
    }

    fn ifindex(&self, ns: &str) -> String {
        let text = sh(&format!("ip -j -n {ns} link show dev eth0"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v[0]["ifindex"].to_string()
    }

    /// The files of `ns`'s snmpd.
    fn snmpd_dir(&self, ns: &str) -> PathBuf {
        self.dir.join(ns)
    }

    /// The AgentX socket of `ns`'s snmpd.
    fn agentx(&self, ns: &str) -> PathBuf {
        self.snmpd_dir(ns).join("agentx")
    }

    /// snmpd in `ns` (common's [`snmpd`](common::snmp::snmpd), write
    /// community `private`): AgentX master on [`Setup::agentx`]; killed
    /// when the returned value is dropped.
    fn snmpd(&self, ns: &str) -> common::Kid {
        let dir = self.snmpd_dir(ns);
        let persist = dir.join("persist");
        std::fs::create_dir_all(&persist).unwrap();
        // a socket left by a stopped snmpd would look like the new one's
        let _ = std::fs::remove_file(self.agentx(ns));
        common::snmp::snmpd(ns, &dir, &persist, "rwcommunity private 127.0.0.1\n")
    }

    fn log(&self, ns: &str) -> String {
        self.pair.lab.log(&format!("{ns}.daemon"))
    }

    /// keepalived (`vrrpd` false) or this build's vrrpd in `ns` with `conf`.
    fn daemon(&mut self, ns: &str, conf: &str, vrrpd: bool) {
        let path = self.pair.lab.write_conf(ns, conf);
        let daemon = self
            .pair
            .lab
            .start(ns, Daemon::of(vrrpd), &path, &format!("{ns}.daemon"));
        self.kids.push(daemon);
    }

    /// `snmpset` of `oid` (with `IF` standing for `ns`'s eth0 index) to
    /// `value` of `type`: net-snmp's answer, with the index put back as `IF`.
    fn set(&self, ns: &str, oid: &str, ty: &str, value: &str) -> String {
        let ifindex = self.ifindex(ns);
        let oid = oid.replace("IF", &ifindex);
        let out = Command::new("ip")
            .args(["netns", "exec", ns, "snmpset", "-v2c", "-c", "private"])
            .args(["-On", "-t", "2", "-r", "1"])
            .arg(format!("127.0.0.1:{SNMP_PORT}"))
            .args([oid.as_str(), ty, value])
            .env("SNMP_PERSISTENT_DIR", &self.dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .replace(&format!(".{ifindex}.51.1"), ".IF.51.1")
    }

    /// `snmpwalk` of VRRP-MIB and VRRPv3-MIB.
    fn walk(&self, ns: &str) -> String {
        let mut text = String::new();
        for root in [".1.3.6.1.2.1.68", ".1.3.6.1.2.1.207"] {
            let out = Command::new("ip")
                .args(["netns", "exec", ns, "snmpwalk", "-v2c", "-c", "public"])
                .args(["-On", "-t", "2", "-r", "1"])
                .arg(format!("127.0.0.1:{SNMP_PORT}"))
                .arg(root)
                .env("SNMP_PERSISTENT_DIR", &self.dir)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            text.push_str(&String::from_utf8_lossy(&out.stdout));
        }
        text
    }
}

fn config(sock: &std::path::Path, priority: u8) -> String {
    let inst = |name: &str, vrid: u8, version: u8, extra: &str, vips: &str| {
        format!(
            "vrrp_instance {name} {{\n state BACKUP\n interface eth0\n virtual_router_id {vrid}\n \
             priority {priority}\n advert_int 1\n version {version}\n{extra}\n \
             virtual_ipaddress {{\n{vips} }}\n}}\n"
        )
    };
    format!(
        "global_defs {{\n router_id snmp-test\n enable_snmp_rfc\n snmp_socket unix:{}\n}}\n{}{}{}{}",
        sock.display(),
        inst("V4", 51, 3, "", "  10.9.0.100/32\n  10.9.0.51/24\n"),
        inst("V6", 52, 3, "", "  fd00:9::52/64\n"),
        inst("V2", 53, 2, "", "  10.9.0.53/32\n"),
        inst(
            "V2P",
            54,
            2,
            " nopreempt\n authentication {\n  auth_type PASS\n  auth_pass secret\n }",
            "  10.9.0.54/32\n  10.9.0.154/32\n"
        ),
    )
}

/// The walk with what legitimately differs replaced: TimeTicks values,
/// `ifindex` as the row index's first sub-identifier, and (`backup`) the
/// received-advert counts.
fn normalise(walk: &str, ifindex: &str, backup: bool) -> Vec<String> {
    walk.lines()
        .map(|l| {
            let (name, value) = l.split_once(" = ").unwrap_or((l, ""));
            let mut parts: Vec<&str> = name.split('.').collect();
            // ".1.3.6.1.2.1.207.1.x.y.1.COL.IFINDEX..." (".68.x.y.1.COL.IFINDEX"
            // in VRRP-MIB) splits with a leading ""
            let at = if parts.get(7) == Some(&"68") { 12 } else { 13 };
            if parts.len() > at && parts[at] == ifindex {
                parts[at] = "IF";
            }
            let name = parts.join(".");
            let value = if value.starts_with("Timeticks:") {
                "Timeticks: T".to_string()
            } else if backup
                && (name.starts_with(".1.3.6.1.2.1.207.1.2.5.1.3.")
                    || name.starts_with(".1.3.6.1.2.1.68.2.4.1.2."))
            {
                // received adverts: how many depends on the walk's time
                let n: u64 = value
                    .rsplit(' ')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let ty = value.split(':').next().unwrap_or("");
                format!("{ty}: {}", if n > 0 { "N>0" } else { "0" })
            } else {
                value.to_string()
            };
            format!("{name} = {value}")
        })
        .collect()
}

/// Walks `ns` until `ready` holds for the normalised walk, for at most `secs`.
fn walk_until(
    s: &Setup,
    ns: &str,
    backup: bool,
    secs: u64,
    ready: &dyn Fn(&[String]) -> bool,
) -> Vec<String> {
    let ifindex = s.ifindex(ns);
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        let raw = s.walk(ns);
        if std::env::var("SNMP_TEST_DEBUG").is_ok() {
            eprintln!("raw walk of {ns}:\n{raw}");
        }
        let w = normalise(&raw, &ifindex, backup);
        if ready(&w) || Instant::now() > end {
            return w;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The status columns of both MIBs say `status` for every row.
fn all_in(status: i32) -> impl Fn(&[String]) -> bool {
    move |w: &[String]| {
        let has = |l: String| w.contains(&l);
        ["IF.51.1", "IF.52.2", "IF.53.1", "IF.54.1"]
            .iter()
            .all(|idx| {
                has(format!(
                    ".1.3.6.1.2.1.207.1.1.1.1.6.{idx} = INTEGER: {status}"
                ))
            })
            && has(format!(".1.3.6.1.2.1.68.1.3.1.3.IF.53 = INTEGER: {status}"))
    }
}

/// keepalived 2.2.7's VRRP-MIB operations and statistics tables show only
/// their first row in a walk (see docs/keepalived.md §3.33); vrrpd shows
/// every row. Keeps only the first row of each of those columns, after
/// checking that the others are there.
fn first_rows_of_rfc2787_tables(w: &[String], later_row: &str) -> Vec<String> {
    let tables = [".1.3.6.1.2.1.68.1.3.1.", ".1.3.6.1.2.1.68.2.4.1."];
    let in_tables = |l: &str| tables.iter().any(|t| l.starts_with(t));
    assert!(
        w.iter().any(|l| in_tables(l) && l.contains(later_row)),
        "vrrpd serves no row {later_row} in VRRP-MIB: {w:?}"
    );
    let mut seen = std::collections::BTreeSet::new();
    w.iter()
        .filter(|l| {
            if !in_tables(l) {
                return true;
            }
            // ".1.3.6.1.2.1.68.1.3.1.COL.IF.VRID = ..." -> the column
            let column: Vec<&str> = l.split('.').take(12).collect();
            seen.insert(column.join("."))
        })
        .cloned()
        .collect()
}

#[test]
fn vrrpv3_mib_walks_equal_keepalived() {
    if common::skip_netns_test_with_tools(
        "SNMP differential",
        Some("VRRPD_NETNS_TESTS"),
        "namespaces",
        &["keepalived", "snmpd", "snmpwalk", "ip"],
    ) {
        return;
    }
    let pid = std::process::id();
    let mut walks = Vec::new();
    for vrrpd in [false, true] {
        let mut s = Setup::new(format!("nb-snmp{}-{pid}", if vrrpd { "v" } else { "k" }));
        let (ns, peer) = (s.pair.ns.clone(), s.pair.peer.clone());
        let _snmpd = s.snmpd(&ns);
        let _peer_snmpd = s.snmpd(&peer);
        let (sock, psock) = (s.agentx(&ns), s.agentx(&peer));
        s.daemon(&ns, &config(&sock, 150), vrrpd);
        let master = walk_until(&s, &ns, false, 25, &all_in(3));
        s.daemon(&peer, &config(&psock, 100), vrrpd);
        // the Backup has heard the Master on every instance
        let heard = |w: &[String]| {
            all_in(2)(w)
                && ["IF.51.1", "IF.53.1", "IF.54.1"].iter().all(|i| {
                    w.iter().any(|l| {
                        l == &format!(".1.3.6.1.2.1.207.1.1.1.1.3.{i} = Hex-STRING: 0A 09 00 01 ")
                    })
                })
        };
        let backup = walk_until(&s, &peer, true, 25, &heard);
        // a last walk of the Master, with the Backup running
        let master_after = walk_until(&s, &ns, false, 0, &|_| true);
        // every object is read-only
        let set = s.set(&ns, ".1.3.6.1.2.1.207.1.1.1.1.7.IF.51.1", "u", "200");
        walks.push((master, backup, master_after, set));
    }
    let (k, v) = (&walks[0], &walks[1]);
    eprintln!("keepalived Master walk:\n{}", k.0.join("\n"));
    eprintln!("keepalived Backup walk:\n{}", k.1.join("\n"));
    assert!(all_in(3)(&k.0), "keepalived never became Master");
    assert!(all_in(2)(&k.1), "keepalived's peer is not Backup");
    assert!(k.0.len() > 80, "short keepalived walk: {:?}", k.0);
    assert!(
        k.0.iter()
            .any(|l| l.starts_with(".1.3.6.1.2.1.68.1.3.1.3.IF.53 ")),
        "no VRRP-MIB row in keepalived's walk"
    );
    let first = |w: &[String]| first_rows_of_rfc2787_tables(w, ".IF.54 = ");
    assert_eq!(
        first(&v.0),
        k.0,
        "Master walks differ (left vrrpd, right keepalived)"
    );
    assert_eq!(
        first(&v.1),
        k.1,
        "Backup walks differ (left vrrpd, right keepalived)"
    );
    assert_eq!(first(&v.2), k.2, "Master walks with a Backup differ");
    eprintln!("keepalived's answer to a set:\n{}", k.3);
    assert!(k.3.contains("notWritable"), "{}", k.3);
    assert_eq!(v.3, k.3, "answers to a set differ");
}

#[test]
fn vrrpd_waits_for_a_late_snmpd_and_comes_back_after_a_restart() {
    if common::skip_netns_test_with_tools(
        "SNMP session",
        Some("VRRPD_NETNS_TESTS"),
        "namespaces",
        &["snmpd", "snmpwalk", "ip"],
    ) {
        return;
    }
    let mut s = Setup::new(format!("nb-snmpr-{}", std::process::id()));
    let ns = s.pair.ns.clone();
    let sock = s.agentx(&ns);
    // vrrpd first: no master to talk to
    s.daemon(&ns, &config(&sock, 150), true);
    std::thread::sleep(Duration::from_secs(4));
    let unreachable = |log: &str| log.matches("unreachable").count();
    assert_eq!(
        unreachable(&s.log(&ns)),
        1,
        "said once that the master is unreachable:\n{}",
        s.log(&ns)
    );
    let started = Instant::now();
    let snmpd = s.snmpd(&ns);
    let w = walk_until(&s, &ns, false, 40, &all_in(3));
    assert!(all_in(3)(&w), "no rows 40 s after snmpd started: {w:?}");
    eprintln!("rows served {:?} after snmpd started", started.elapsed());
    // snmpd goes away and comes back: the session is opened again
    drop(snmpd);
    std::thread::sleep(Duration::from_secs(1));
    let restarted = Instant::now();
    let _snmpd = s.snmpd(&ns);
    let w = walk_until(&s, &ns, false, 40, &all_in(3));
    assert!(all_in(3)(&w), "no rows 40 s after snmpd restarted: {w:?}");
    eprintln!(
        "rows served {:?} after snmpd restarted",
        restarted.elapsed()
    );
    let log = s.log(&ns);
    eprintln!("vrrpd's log:\n{log}");
    assert!(log.contains("lost"), "{log}");
    // VRRP went on throughout: still Master, one transition
    assert!(
        w.iter()
            .any(|l| l == ".1.3.6.1.2.1.207.1.2.5.1.1.IF.51.1 = Counter32: 1"),
        "{w:?}"
    );
}
