//! `track_bfd` against live BFD peers, side by side with keepalived 2.2.7
//! (root, network namespaces, keepalived and FRR's bfdd installed; else
//! `SKIPPED:`).
//!
//! Two copies of one topology: a router namespace (`bw-lk-r` for keepalived,
//! `bw-lv-r` for vrrpd) alone on its VRRP LAN and linked to a gateway
//! namespace (`bw-lk-g`, `bw-lv-g`) where FRR's bfdd answers four sessions
//! (three IPv4, one IPv6 with hop limit 255), 100 ms × 4 (a Detection
//! Time of 400 ms, so that a loaded machine does not flap them). The same
//! configuration runs under both daemons and the same steps are applied to
//! both sides; after each step every instance's state and effective
//! priority must be equal in both (keepalived's from its log, vrrpd's from
//! `vrrpd status`):
//!
//! 1. FRR not started yet: weight-0 trackers hold their instances in FAULT,
//!    weighted ones are applied as for a session down.
//! 2. FRR started: the sessions come Up and the instances leave FAULT; a
//!    fifth, untracked session whose `source_ip` is on no interface is
//!    named in vrrpd's error log and status, and the others run.
//! 3. The gateway drops its BFD packets to one session (nftables): that
//!    instance goes to FAULT within the Detection Time (measured on both,
//!    from the rule to the VIP leaving the interface).
//! 4. The rule removed: back.
//! 5. FRR `shutdown` of a weighted session's peer (AdminDown): no change
//!    (RFC 5882 §3.2; keepalived bfd_scheduler.c `bfd_state_fall`).
//! 6. SIGHUP with f0's `min_rx`/`min_tx` changed: A does not move on
//!    either; vrrpd's session stays Up without a new Up event and FRR sees
//!    the new intervals (a poll sequence, RFC 5880 §6.8.3). Both re-read
//!    every session's state at the reload, so wn (Down since its peer's
//!    AdminDown) now counts as down on B, as keepalived's BFD process
//!    re-sends it (bfd_scheduler.c `bfd_register_workers`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::frr::Frr;
use common::keepalived_log::{self, Outcome};
use common::netns::{Daemon, Lab, Running, poll_until, skip_differential};
use common::shell;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

const CONF: &str = "\
global_defs {
  router_id bwlive
}
bfd_instance f0 {
  neighbor_ip 10.77.0.2
  source_ip 10.77.0.1
  min_rx 100
  min_tx 100
  multiplier 4
}
bfd_instance wn {
  neighbor_ip 10.77.0.12
  source_ip 10.77.0.11
  min_rx 100
  min_tx 100
  multiplier 4
  weight -20
}
bfd_instance wr {
  neighbor_ip 10.77.0.22
  source_ip 10.77.0.21
  min_rx 100
  min_tx 100
  multiplier 4
  weight -15 reverse
}
bfd_instance f6 {
  neighbor_ip fd77::2
  source_ip fd77::1
  hoplimit 255
  min_rx 100
  min_tx 100
  multiplier 4
}
bfd_instance nb {
  neighbor_ip 10.77.0.99
  source_ip 10.77.0.98
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  priority 100
  advert_int 1
  track_bfd {
    f0
  }
  virtual_ipaddress {
    10.78.0.101/32
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  priority 100
  advert_int 1
  track_bfd {
    wn
    wr
  }
  virtual_ipaddress {
    10.78.0.102/32
  }
}
vrrp_instance D {
  interface eth0
  virtual_router_id 4
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.78.0.104/32
  }
}
vrrp_instance E {
  interface eth0
  virtual_router_id 5
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.78.0.105/32
  }
}
vrrp_sync_group S {
  group {
    D
    E
  }
  track_bfd {
    f6
  }
}
";

/// FRR's sessions: (peer = the router's address, local = the gateway's).
const PEERS: &[(&str, &str)] = &[
    ("10.77.0.1", "10.77.0.2"),
    ("10.77.0.11", "10.77.0.12"),
    ("10.77.0.21", "10.77.0.22"),
    ("fd77::1", "fd77::2"),
];

const BASE: &[(&str, u64)] = &[("A", 100), ("B", 100), ("D", 100), ("E", 100)];

/// One side: router and gateway namespaces in a lab, the daemon (tagged
/// `k` or `v`) and FRR; everything stopped and deleted on drop (fields
/// drop in order: the processes before their namespaces).
struct Side {
    tag: &'static str,
    daemon: Option<Running>,
    frr: Option<Frr>,
    r: String,
    g: String,
    lab: Lab,
}

impl Side {
    fn new(tag: &'static str) -> Side {
        let mut lab = Lab::new(&format!("bw-l{tag}-{}", std::process::id()));
        let r = lab.add_ns(&format!("bw-l{tag}-r"));
        let g = lab.add_ns(&format!("bw-l{tag}-g"));
        // the VRRP LAN: alone on a veth link
        lab.veth(&r, "eth0", &r, "eth1");
        lab.addr(&r, "eth0", "10.78.0.1/24");
        // the link to the gateway, one address per session
        lab.veth(&r, "up0", &g, "dn0");
        for (mine, theirs) in PEERS {
            let len = if mine.contains(':') { 64 } else { 24 };
            lab.addr(&r, "up0", &format!("{mine}/{len}"));
            lab.addr(&g, "dn0", &format!("{theirs}/{len}"));
        }
        Side {
            tag,
            daemon: None,
            frr: None,
            r,
            g,
            lab,
        }
    }

    /// Starts the daemon of this side on `conf`.
    fn start_daemon(&mut self, conf: &Path) {
        let daemon = if self.tag == "k" {
            Daemon::KeepalivedBfd
        } else {
            Daemon::Vrrpd
        };
        self.daemon = Some(self.lab.start(&self.r, daemon, conf, self.tag));
    }

    /// Starts zebra and bfdd in the gateway with every session of
    /// [`PEERS`], 100 ms × 4.
    fn start_frr(&mut self) {
        let mut bfd = "bfd\n".to_string();
        for (peer, local) in PEERS {
            bfd += &format!(
                " peer {peer} local-address {local}\n  receive-interval 100\n  \
                 transmit-interval 100\n  detect-multiplier 4\n !\n"
            );
        }
        bfd += "!\n";
        self.frr = Some(Frr::start(&self.lab, &self.g, &bfd));
    }

    fn frr(&self) -> &Frr {
        self.frr.as_ref().expect("FRR started")
    }

    /// FRR's status of every session ("up", "down", ...), by peer.
    fn frr_states(&self) -> BTreeMap<String, String> {
        self.frr()
            .bfd_peers()
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| {
                        (
                            p["peer"].as_str().unwrap_or("").to_string(),
                            p["status"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// States and effective priorities now.
    fn outcome(&self) -> Outcome {
        if self.tag == "k" {
            let base = BASE.iter().map(|(n, p)| (n.to_string(), *p)).collect();
            keepalived_log::outcome(&self.lab.log("k"), &base)
        } else {
            self.lab
                .status("v")
                .map(|st| keepalived_log::vrrpd_outcome(&st))
                .unwrap_or_default()
        }
    }

    /// vrrpd's `bfd` list of its status.
    fn vrrpd_bfd(&self) -> serde_json::Value {
        self.lab.status("v").expect("vrrpd answers")["bfd"].clone()
    }

    /// The session `name` of [`Side::vrrpd_bfd`].
    fn vrrpd_session(&self, name: &str) -> serde_json::Value {
        self.vrrpd_bfd()
            .as_array()
            .and_then(|a| a.iter().find(|b| b["name"] == name).cloned())
            .unwrap_or_default()
    }

    /// Sends SIGHUP to the daemon (keepalived's parent reloads every child).
    fn reload(&self) {
        self.daemon.as_ref().expect("daemon started").signal("HUP");
    }

    fn has_vip(&self, vip: &str) -> bool {
        shell(&format!("ip -n {} -o addr show dev eth0", self.r)).contains(&format!(" {vip}/"))
    }

    /// Drops (or stops dropping) the gateway's BFD packets to `peer`.
    fn drop_to(&self, peer: &str, on: bool) {
        let g = &self.g;
        if on {
            shell(&format!(
                "ip netns exec {g} nft add table inet bwdrop && \
                 ip netns exec {g} nft 'add chain inet bwdrop out {{ type filter hook output priority 0; }}' && \
                 ip netns exec {g} nft add rule inet bwdrop out ip daddr {peer} udp dport 3784 drop"
            ));
        } else {
            shell(&format!("ip netns exec {g} nft delete table inet bwdrop"));
        }
    }
}

/// Waits until both sides show the same outcome and `pred` holds for it
/// (or `limit` passes); returns both.
fn settle(
    k: &Side,
    v: &Side,
    limit: Duration,
    pred: impl Fn(&Outcome) -> bool,
) -> (Outcome, Outcome) {
    let _ = poll_until(limit, || {
        let (ko, vo) = (k.outcome(), v.outcome());
        ko == vo && ko.len() == BASE.len() && pred(&ko)
    });
    (k.outcome(), v.outcome())
}

/// Milliseconds from adding the drop rule on `side` until A's VIP leaves
/// the interface (bounded by 5 s).
fn time_to_fault(side: &Side) -> Option<u128> {
    side.drop_to("10.77.0.1", true);
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(5) {
        if !side.has_vip("10.78.0.101") {
            return Some(t0.elapsed().as_millis());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

fn state(o: &Outcome, i: &str) -> String {
    o.get(i).map(|s| s.0.clone()).unwrap_or_default()
}

#[test]
fn track_bfd_follows_live_frr_peers_as_keepalived() {
    if skip_differential(
        "track_bfd live differential",
        &[
            "keepalived",
            "nft",
            "vtysh",
            "/usr/lib/frr/bfdd",
            "/usr/lib/frr/zebra",
        ],
    ) {
        return;
    }
    let mut k = Side::new("k");
    let mut v = Side::new("v");
    let conf = k.lab.write_conf("live", CONF);

    // 1. no peer yet: FAULT for weight 0, weights applied as down
    k.start_daemon(&conf);
    v.start_daemon(&conf);
    let (ko, vo) = settle(&k, &v, Duration::from_secs(15), |o| {
        state(o, "B") == "MASTER" && state(o, "A") == "FAULT"
    });
    assert_eq!(vo, ko, "before Up: vrrpd (left), keepalived (right)");
    assert_eq!(state(&vo, "A"), "FAULT");
    assert_eq!(state(&vo, "D"), "FAULT");
    let b_down = vo["B"].1;
    assert_ne!(b_down, 100, "B's weighted sessions are down: {vo:?}");

    // 2. FRR answers: every session Up, every instance Master
    k.start_frr();
    v.start_frr();
    let (ko, vo) = settle(&k, &v, Duration::from_secs(20), |o| {
        o.values().all(|(s, _)| s == "MASTER")
    });
    assert_eq!(vo, ko, "after Up: vrrpd (left), keepalived (right)");
    assert!(vo.values().all(|(s, _)| s == "MASTER"), "{vo:?}");
    assert_ne!(vo["B"].1, b_down, "B's priority follows its sessions Up");
    for side in [&k, &v] {
        // FRR comes Up once it hears our Up: polled
        let all_up = |f: &BTreeMap<String, String>| {
            PEERS
                .iter()
                .all(|(p, _)| f.get(*p).map(String::as_str) == Some("up"))
        };
        let _ = poll_until(Duration::from_secs(5), || all_up(&side.frr_states()));
        let f = side.frr_states();
        assert!(all_up(&f), "{}: FRR sessions {f:?}", side.tag);
    }
    let bfd = v.vrrpd_bfd();
    let names: Vec<&str> = bfd
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["f0", "f6", "nb", "wn", "wr"]);
    // nb's source address is on no interface: named, not run, the rest runs
    let nb = v.vrrpd_session("nb");
    assert_eq!(nb["running"], false, "{nb}");
    assert!(
        nb["error"]
            .as_str()
            .is_some_and(|e| e.contains("BFD_Instance(nb)") && e.contains("10.77.0.98")),
        "{nb}"
    );
    let vlog = v.lab.log("v");
    assert!(
        vlog.lines()
            .any(|l| l.contains("ERROR") && l.contains("BFD_Instance(nb)")),
        "no error naming nb in vrrpd's log"
    );
    for b in bfd.as_array().unwrap().iter().filter(|b| b["name"] != "nb") {
        assert_eq!(b["local_state"], "Up", "{b}");
        assert_eq!(b["running"], true, "{b}");
        assert!(b["packets_in"].as_u64().unwrap() > 0, "{b}");
        assert!(b["packets_out"].as_u64().unwrap() > 0, "{b}");
        // FRR's 100 ms × 4
        assert_eq!(b["detection_time_us"], 400_000, "{b}");
    }

    // 3. the gateway stops answering f0: A to FAULT within the Detection
    // Time (400 ms) plus 600 ms for the loaded machine's scheduling and the
    // 5 ms poll
    let tk = time_to_fault(&k);
    let tv = time_to_fault(&v);
    eprintln!("drop -> A's VIP gone: keepalived {tk:?} ms, vrrpd {tv:?} ms");
    let (tk, tv) = (
        tk.expect("keepalived: no FAULT"),
        tv.expect("vrrpd: no FAULT"),
    );
    // the rule may come just after a packet: at least the Detection Time
    // less one interval (with jitter) passes before the expiry
    for (who, t) in [("keepalived", tk), ("vrrpd", tv)] {
        assert!((250..=1000).contains(&t), "{who} took {t} ms");
    }
    let (ko, vo) = settle(&k, &v, Duration::from_secs(5), |o| state(o, "A") == "FAULT");
    assert_eq!(vo, ko, "path down: vrrpd (left), keepalived (right)");
    assert_eq!(state(&vo, "A"), "FAULT");

    // 4. the path is back
    k.drop_to("", false);
    v.drop_to("", false);
    let (ko, vo) = settle(&k, &v, Duration::from_secs(15), |o| {
        state(o, "A") == "MASTER"
    });
    assert_eq!(vo, ko, "path back: vrrpd (left), keepalived (right)");
    assert_eq!(state(&vo, "A"), "MASTER");

    // 5. FRR shuts wn's peer down (AdminDown): no Down event, no change
    for side in [&k, &v] {
        side.frr().vtysh(&[
            "conf t",
            "bfd",
            "peer 10.77.0.11 local-address 10.77.0.12",
            "shutdown",
        ]);
    }
    // the peer said AdminDown: polled for on vrrpd's session
    let _ = poll_until(Duration::from_secs(5), || {
        v.vrrpd_session("wn")["local_diagnostic"] == "NeighborSignaledSessionDown"
    });
    let wn = v.vrrpd_session("wn");
    // the peer said AdminDown: our session is Down with diagnostic 3 and no
    // Down event was reported for it
    assert_eq!(
        wn["local_diagnostic"], "NeighborSignaledSessionDown",
        "{wn}"
    );
    assert_ne!(wn["local_state"], "Up", "{wn}");
    // a fixed second after the AdminDown reached vrrpd: what is checked is
    // that it changes nothing, on either side
    std::thread::sleep(Duration::from_secs(1));
    let (ko2, vo2) = settle(&k, &v, Duration::from_secs(5), |o| *o == vo);
    assert_eq!(vo2, ko2, "peer AdminDown: vrrpd (left), keepalived (right)");
    assert_eq!(vo2, vo, "a peer's AdminDown changes nothing");

    // 6. reload with f0's intervals changed: nothing moves, the session is
    // kept and FRR learns the new intervals
    let f0_before = v.vrrpd_session("f0");
    let changed = CONF.replacen(
        "  min_rx 100\n  min_tx 100\n",
        "  min_rx 200\n  min_tx 200\n",
        1,
    );
    assert_ne!(changed, CONF);
    k.lab.write_conf("live", &changed);
    k.reload();
    v.reload();
    let _ = poll_until(Duration::from_secs(10), || {
        v.frr().bfd_peer("10.77.0.1")["remote-receive-interval"] == 200
    });
    let p = v.frr().bfd_peer("10.77.0.1");
    assert_eq!(p["remote-receive-interval"], 200, "{p}");
    assert_eq!(p["remote-transmit-interval"], 200, "{p}");
    assert_eq!(p["status"], "up", "{p}");
    let f0 = v.vrrpd_session("f0");
    assert_eq!(f0["local_state"], "Up", "{f0}");
    assert_eq!(f0["up_events"], f0_before["up_events"], "{f0}");
    assert_eq!(f0["min_rx_ms"], 200, "{f0}");
    // keepalived's BFD process re-sends every session's state at a reload:
    // wn, Down since its peer's AdminDown (no event then), now counts as
    // down (-20 on B); f0 was kept Up, so A does not move
    let (ko3, vo3) = settle(&k, &v, Duration::from_secs(5), |o| {
        o.get("B").map(|b| b.1 + 20) == Some(vo["B"].1)
    });
    assert_eq!(vo3, ko3, "after reload: vrrpd (left), keepalived (right)");
    assert_eq!(vo3["A"], vo["A"], "f0 kept across the reload");
    assert_eq!(
        vo3["B"].1 + 20,
        vo["B"].1,
        "wn counted down after the reload"
    );
}
