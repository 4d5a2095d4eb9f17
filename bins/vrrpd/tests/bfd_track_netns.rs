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
use common::keepalived_log::{self, Outcome};
use common::netns::{Daemon, Lab, poll_until, skip_differential};

use std::collections::BTreeMap;
use std::time::Duration;

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

/// (session, instance) → (weight, reverse).
type Weights = BTreeMap<(String, String), (i64, bool)>;

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
    (keepalived_log::outcome(log, base), weights)
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

/// Runs `conf` under both daemons and compares (see the module comment).
fn differential(tag: &str, conf_text: &str) {
    if skip_differential("track_bfd differential", &["keepalived"]) {
        return;
    }
    let mut lab = Lab::new(&format!("bc-bfdt-{tag}-{}", std::process::id()));
    for side in ["k", "v"] {
        let ns = lab.add_ns(&format!("bc-bfdt-{tag}-{side}"));
        lab.veth(&ns, "eth0", &ns, "eth1");
        lab.addr(&ns, "eth0", "10.9.0.1/24");
    }
    let (k, v) = (lab.names()[0].clone(), lab.names()[1].clone());
    let conf = lab.write_conf(tag, conf_text);
    let _vrrpd = lab.start(&v, Daemon::Vrrpd, &conf, "v");
    // `-d`: keepalived's configuration dump, with the tracked weights
    let mut keepalived = lab.start_with(&k, Daemon::KeepalivedBfd, &conf, "k", &["-d"]);

    // Alone on their links, every instance ends MASTER or FAULT: polled
    // until both say so and agree, states and weights (Master_Down_Interval is under 4 s; the
    // rest is room for a loaded machine).
    let mut last = None;
    let _ = poll_until(Duration::from_secs(30), || {
        let Some(st) = lab.status("v") else {
            return false;
        };
        let v = vrrpd_view(&st);
        let (k_out, k_weights) = keepalived_view(&lab.log("k"), &v.2);
        // the dump (`-d`) may come after the last state change
        let done = v.0 == k_out
            && v.1 == k_weights
            && k_out.len() == v.2.len()
            && k_out.values().all(|(s, _)| s != "BACKUP" && !s.is_empty());
        last = Some((k_out, k_weights, v));
        done
    });
    keepalived.stop();
    let log = lab.log("k");
    let (k_out, k_weights, v) = last.expect("vrrpd status did not answer");
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
