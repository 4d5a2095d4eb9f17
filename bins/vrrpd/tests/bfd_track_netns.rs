//! `track_bfd` side by side with keepalived 2.2.7 (root, network namespaces,
//! keepalived installed; else `SKIPPED:`).
//!
//! The same configuration runs in two namespaces, keepalived in `bc-bfdt-*-k`
//! and this build's vrrpd in `bc-bfdt-*-v`, each alone on a veth link. The BFD
//! neighbors do not exist, so every session stays down in keepalived (its BFD
//! process runs them and never gets an answer) and in vrrpd (whose bfd-net
//! sessions get none either). After a few seconds each instance's state and effective priority
//! must be the same in both: keepalived's from its log ("Entering ... STATE",
//! "Changing effective priority"), vrrpd's from `vrrpd status`; and the
//! weights vrrpd tracks each session with must be the ones keepalived's own
//! dump (`-d`: "Tracking instances") lists, so weights, `reverse`, weight 0
//! (FAULT), the address owner and the sync-group rules are compared.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::keepalived_dump;
use common::netns::{Daemon, Running, wait_until};
use common::{have, shell as sh};

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Both namespaces (`bc-bfdt-TAG-k` for keepalived, `bc-bfdt-TAG-v` for
/// vrrpd) and the scratch directory, deleted on drop.
struct Nets {
    dir: PathBuf,
    k: String,
    v: String,
}

impl Nets {
    fn new(tag: &str) -> Nets {
        let (k, v) = (format!("bc-bfdt-{tag}-k"), format!("bc-bfdt-{tag}-v"));
        for n in [&k, &v] {
            let _ = Command::new("ip")
                .args(["netns", "del", n])
                .stderr(Stdio::null())
                .status();
        }
        let dir = std::env::temp_dir().join(format!("bc-bfdt-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let nets = Nets { dir, k, v };
        for n in [&nets.k, &nets.v] {
            sh(&format!(
                "ip netns add {n} && ip -n {n} link add eth0 type veth peer name eth1 && \
                 ip -n {n} addr add 10.9.0.1/24 dev eth0 && ip -n {n} link set eth0 up && \
                 ip -n {n} link set eth1 up && ip -n {n} link set lo up"
            ));
        }
        nets
    }
}

impl Drop for Nets {
    fn drop(&mut self) {
        for n in [&self.k, &self.v] {
            let _ = Command::new("ip").args(["netns", "del", n]).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const CONF: &str = "\
global_defs {
  router_id bfdt
}
bfd_instance b0 {
  neighbor_ip 10.9.0.50
}
bfd_instance bpos {
  neighbor_ip 10.9.0.51
  weight 10
}
bfd_instance bneg {
  neighbor_ip 10.9.0.52
  weight -20
}
bfd_instance brev {
  neighbor_ip 10.9.0.53
  weight -15 reverse
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  priority 100
  advert_int 1
  track_bfd {
    bpos
    bneg
    brev
  }
  virtual_ipaddress {
    10.9.0.101
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  priority 100
  advert_int 1
  track_bfd {
    b0
  }
  virtual_ipaddress {
    10.9.0.102
  }
}
vrrp_instance C {
  interface eth0
  virtual_router_id 3
  priority 100
  advert_int 1
  track_bfd {
    b0 weight 0 reverse
    bpos weight -7 noreverse
  }
  virtual_ipaddress {
    10.9.0.103
  }
}
vrrp_instance D {
  interface eth0
  virtual_router_id 4
  priority 255
  advert_int 1
  track_bfd {
    bneg
  }
  virtual_ipaddress {
    10.9.0.104
  }
}
vrrp_instance E {
  interface eth0
  virtual_router_id 5
  priority 100
  advert_int 1
  track_bfd {
    bneg weight -30
  }
  virtual_ipaddress {
    10.9.0.105
  }
}
vrrp_instance F {
  interface eth0
  virtual_router_id 6
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.9.0.106
  }
}
vrrp_sync_group G {
  group {
    E
    F
  }
  track_bfd {
    brev
  }
}
";

/// (state, effective priority) per instance.
type Outcome = BTreeMap<String, (String, u64)>;
/// (session, instance) → (weight, reverse).
type Weights = BTreeMap<(String, String), (i64, bool)>;

fn strip_time(l: &str) -> &str {
    keepalived_dump::strip_time(l).unwrap_or(l)
}

/// keepalived's outcome from its log and its tracked weights from its dump;
/// `base`: each instance's configured priority (before any "Changing
/// effective priority" line).
///
/// The weights are the `NAME, weight W [reverse]` entries under each
/// ` VRRP Track BFD = SESSION` of the VRRP process's "VRRP Track BFDs"
/// section. The BFD process dumps its own data at the same time, so its
/// lines (` BFD Instance = ...`, its section headers) land between those:
/// only the next ` VRRP Track BFD = ` line changes the session, and the
/// section ends only at the VRRP process's next header (see
/// `keepalived_dump::vrrp_log_section`). No line of the BFD dump is
/// indented by five spaces or holds ", weight ".
fn keepalived_view(log: &str, base: &BTreeMap<String, u64>) -> (Outcome, Weights) {
    let mut out = Outcome::new();
    for l in log.lines().map(strip_time) {
        if let Some(rest) = l.strip_prefix('(')
            && let Some((name, msg)) = rest.split_once(") ")
            && let Some(&b) = base.get(name)
        {
            let e = out.entry(name.to_string()).or_insert((String::new(), b));
            // "Entering MASTER STATE", and "entering FAULT state" at start
            if let Some(st) = msg
                .strip_prefix("Entering ")
                .or_else(|| msg.strip_prefix("entering "))
                .and_then(|m| m.split_once(' '))
                .filter(|(_, rest)| rest.eq_ignore_ascii_case("state") || rest.starts_with("STATE"))
            {
                e.0 = st.0.to_string();
            }
            if let Some(p) = msg.strip_prefix("Changing effective priority from ")
                && let Some((_, to)) = p.split_once(" to ")
            {
                e.1 = to.trim().parse().unwrap();
            }
        }
    }
    let mut weights = Weights::new();
    let mut session: Option<String> = None;
    for l in keepalived_dump::vrrp_log_section(log, "VRRP Track BFDs") {
        if let Some(n) = l.strip_prefix(" VRRP Track BFD = ") {
            session = Some(n.to_string());
        } else if let Some(s) = &session
            && l.starts_with("     ")
            && let Some((inst, w)) = l.trim().split_once(", weight ")
        {
            let (w, rev) = match w.split_once(' ') {
                Some((w, r)) => (w, r == "reverse"),
                None => (w, false),
            };
            weights.insert((s.clone(), inst.to_string()), (w.parse().unwrap(), rev));
        }
    }
    (out, weights)
}

fn vrrpd_view(st: &serde_json::Value) -> (Outcome, Weights, BTreeMap<String, u64>) {
    let mut out = Outcome::new();
    let mut weights = Weights::new();
    let mut base = BTreeMap::new();
    for i in st["instances"].as_array().unwrap() {
        let name = i["name"].as_str().unwrap().to_string();
        base.insert(name.clone(), i["base_priority"].as_u64().unwrap());
        out.insert(
            name.clone(),
            (
                i["state"].as_str().unwrap().to_string(),
                i["effective_priority"].as_u64().unwrap(),
            ),
        );
        for b in i["bfd"].as_array().unwrap() {
            assert_eq!(b["state"], "DOWN", "no session runs: {b}");
            weights.insert(
                (b["name"].as_str().unwrap().to_string(), name.clone()),
                (
                    b["weight"].as_i64().unwrap(),
                    b["reverse"].as_bool().unwrap(),
                ),
            );
        }
    }
    (out, weights, base)
}

/// How long keepalived runs on once its `-d` dump is complete (the VRRP
/// process writes it just before its instances start): its instances
/// without a fault become Master after the Master_Down_Interval (3 advert
/// intervals of 1 s and a skew under 1 s, RFC 3768 §6.1), with time to
/// spare for a loaded 2-core machine, where keepalived's start-up alone can
/// take seconds.
const KEEPALIVED_RUNS: Duration = Duration::from_secs(8);
/// How long keepalived may take to write its whole `-d` dump on a loaded
/// machine (it takes well under a second when idle).
const DUMP_WITHIN: Duration = Duration::from_secs(30);

/// Runs keepalived on `conf` in `ns` until its `-d` dump is complete (see
/// `keepalived_dump::log_dump_complete`) and [`KEEPALIVED_RUNS`] more,
/// stops it (SIGTERM, bounded wait) and returns its console log. The log
/// is read from a pipe, not a file: no line is lost when the disk is full.
fn run_keepalived(ns: &str, dir: &Path, conf: &Path) -> String {
    let pid = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns, "keepalived"])
        .args(["-n", "-l", "-D", "-d", "-f"])
        .arg(conf)
        .args([
            "-p",
            &pid("k.pid"),
            "-r",
            &pid("v.pid"),
            "-c",
            &pid("c.pid"),
        ])
        .args(["-b", &pid("b.pid")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let reader = {
        let log = Arc::clone(&log);
        let stderr = child.stderr.take().unwrap();
        // ends when every keepalived process has exited (end of file)
        std::thread::spawn(move || {
            let mut stderr = BufReader::new(stderr);
            let mut line = Vec::new();
            while stderr.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                log.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&line));
                line.clear();
            }
        })
    };
    let mut ka = Running::new(child, Daemon::Keepalived);
    wait_until(DUMP_WITHIN, "keepalived's whole -d dump", || {
        keepalived_dump::log_dump_complete(&log.lock().unwrap())
    });
    std::thread::sleep(KEEPALIVED_RUNS);
    ka.stop();
    // the children have stopped too once the pipe is closed; bounded
    let end = Instant::now() + Duration::from_secs(15);
    while !reader.is_finished() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
    }
    log.lock().unwrap().clone()
}

/// Runs `conf` under both daemons and compares (see the module comment).
fn differential(tag: &str, conf_text: &str) {
    if common::skip_netns_test("track_bfd differential", None, "network namespaces") {
        return;
    }
    if !have("keepalived") {
        eprintln!("SKIPPED: track_bfd differential needs keepalived");
        return;
    }
    let nets = Nets::new(tag);
    let conf = nets.dir.join(format!("{tag}.conf"));
    std::fs::write(&conf, conf_text).unwrap();

    let sock = nets.dir.join("v.sock");
    let child = Command::new("ip")
        .args(["netns", "exec", &nets.v])
        .arg(env!("CARGO_BIN_EXE_vrrpd"))
        .arg("-f")
        .arg(&conf)
        .arg("--socket")
        .arg(&sock)
        .arg("--dump-file")
        .arg(nets.dir.join("v.json"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _vrrpd = common::Kid(child);

    let log = run_keepalived(&nets.k, &nets.dir, &conf);
    // vrrpd has run at least as long; wait until its Backups are settled too
    let end = Instant::now() + Duration::from_secs(15);
    let (k_out, k_weights, v) = loop {
        if let Ok(text) = ha_daemon_kit::control::fetch(&sock) {
            let st: serde_json::Value = serde_json::from_str(&text).unwrap();
            let v = vrrpd_view(&st);
            let (k_out, k_weights) = keepalived_view(&log, &v.2);
            if v.0 == k_out || Instant::now() > end {
                break (k_out, k_weights, v);
            }
        }
        assert!(Instant::now() < end, "{tag}: vrrpd status did not answer");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        k_out.len(),
        v.2.len(),
        "{tag}: no state for every instance in keepalived's log:\n{log}"
    );
    assert!(
        !k_weights.is_empty(),
        "{tag}: no tracking dump from keepalived:\n{log}"
    );
    assert_eq!(
        v.0, k_out,
        "{tag}: states and priorities: vrrpd (left), keepalived (right)\n{log}"
    );
    assert_eq!(
        v.1, k_weights,
        "{tag}: tracked weights: vrrpd (left), keepalived (right)"
    );
}

#[test]
fn track_bfd_start_states_and_weights_as_keepalived() {
    differential("main", CONF);
}

/// With `sync_group_tracking_weight` a member keeps its own weighted entries,
/// and a session tracked by both the member and its group takes the group's
/// weight and `reverse` unless the member's weight is 0 (vrrp.c
/// `add_vrrp_to_track_bfd`).
#[test]
fn sync_group_tracking_weight_and_shared_sessions_as_keepalived() {
    let conf = "\
bfd_instance b0 {
  neighbor_ip 10.9.0.50
}
bfd_instance bpos {
  neighbor_ip 10.9.0.51
  weight 10
}
bfd_instance bneg {
  neighbor_ip 10.9.0.52
  weight -20
}
bfd_instance brev {
  neighbor_ip 10.9.0.53
}
vrrp_instance P {
  interface eth0
  virtual_router_id 11
  priority 100
  advert_int 1
  track_bfd {
    bpos weight 5
    bneg weight -6
    b0 weight 0
  }
  virtual_ipaddress {
    10.9.0.111
  }
}
vrrp_instance Q {
  interface eth0
  virtual_router_id 12
  priority 100
  advert_int 1
  track_bfd {
    brev weight 7
  }
  virtual_ipaddress {
    10.9.0.112
  }
}
vrrp_sync_group H {
  group {
    P
    Q
  }
  sync_group_tracking_weight
  track_bfd {
    bpos
    brev weight 9 reverse
  }
}
";
    differential("stw", conf);
}

/// The BFD process's `-d` dump interleaved with the VRRP process's "VRRP
/// Track BFDs" section, as keepalived 2.2.7 printed it in one run (a ` BFD
/// Instance` item and a BFD section header between a session and its
/// entries): every entry is still read, and the interfaces' tracking lists
/// after the section are not.
#[test]
fn interleaved_bfd_dump_does_not_cut_the_tracked_weights() {
    let lines = [
        "------< VRRP Track BFDs >------",
        " VRRP Track BFD = b0",
        "   Weight = 0",
        "   Bfd is down",
        "   send event to VRRP process = Yes",
        " BFD Instance = bneg",
        "   Neighbor IP = 10.9.0.52",
        "   Tracking VRRP instances :",
        "   Tracking instances :",
        "     P, weight 0",
        " VRRP Track BFD = brev",
        "   Tracking instances :",
        "------< BFD Topology >------",
        " BFD Instance = brev",
        "(Q) entering FAULT state",
        "     Q, weight 9 reverse",
        "------< Interfaces >------",
        " Name = eth0",
        "   Tracking VRRP instances :",
        "     P, weight 0",
        "     Q, weight 0",
    ];
    let log: String = lines
        .iter()
        .map(|l| format!("Mon Dec  7 02:07:24 2026: {l}\n"))
        .collect();
    let base = BTreeMap::from([("P".to_string(), 100), ("Q".to_string(), 100)]);
    let (out, weights) = keepalived_view(&log, &base);
    assert_eq!(
        weights,
        Weights::from([
            (("b0".into(), "P".into()), (0, false)),
            (("brev".into(), "Q".into()), (9, true)),
        ])
    );
    assert_eq!(out["Q"], ("FAULT".to_string(), 100));
    assert!(keepalived_dump::log_dump_complete(&log));
}
