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

use common::{have, shell};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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

/// (state, effective priority) per instance.
type Outcome = BTreeMap<String, (String, u64)>;

const BASE: &[(&str, u64)] = &[("A", 100), ("B", 100), ("D", 100), ("E", 100)];

fn run(args: &[&str]) -> std::process::Output {
    Command::new(args[0]).args(&args[1..]).output().unwrap()
}

/// One side: router and gateway namespaces, scratch directory, the daemon
/// and FRR; everything stopped and deleted on drop.
struct Side {
    tag: &'static str,
    r: String,
    g: String,
    dir: PathBuf,
    daemon: Option<std::process::Child>,
    frr: bool,
}

impl Side {
    fn new(tag: &'static str) -> Side {
        let (r, g) = (format!("bw-l{tag}-r"), format!("bw-l{tag}-g"));
        for n in [&r, &g] {
            let _ = Command::new("ip")
                .args(["netns", "del", n])
                .stderr(Stdio::null())
                .status();
        }
        let dir = PathBuf::from(format!("/tmp/bw-l{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let side = Side {
            tag,
            r,
            g,
            dir,
            daemon: None,
            frr: false,
        };
        let (r, g) = (&side.r, &side.g);
        shell(&format!(
            "ip netns add {r} && ip netns add {g} && \
             ip -n {r} link set lo up && ip -n {g} link set lo up && \
             ip -n {r} link add eth0 type veth peer name eth1 && \
             ip -n {r} addr add 10.78.0.1/24 dev eth0 && \
             ip -n {r} link set eth0 up && ip -n {r} link set eth1 up && \
             ip -n {r} link add up0 type veth peer name dn0 netns {g} && \
             ip -n {r} addr add 10.77.0.1/24 dev up0 && \
             ip -n {r} addr add 10.77.0.11/24 dev up0 && \
             ip -n {r} addr add 10.77.0.21/24 dev up0 && \
             ip -n {r} addr add fd77::1/64 dev up0 nodad && \
             ip -n {g} addr add 10.77.0.2/24 dev dn0 && \
             ip -n {g} addr add 10.77.0.12/24 dev dn0 && \
             ip -n {g} addr add 10.77.0.22/24 dev dn0 && \
             ip -n {g} addr add fd77::2/64 dev dn0 nodad && \
             ip -n {r} link set up0 up && ip -n {g} link set dn0 up"
        ));
        side
    }

    fn path(&self, f: &str) -> String {
        self.dir.join(f).to_string_lossy().into_owned()
    }

    /// Starts the daemon of this side on `conf`.
    fn start_daemon(&mut self, conf: &Path) {
        let child = if self.tag == "k" {
            let log = std::fs::File::create(self.dir.join("k.log")).unwrap();
            Command::new("ip")
                .args(["netns", "exec", &self.r, "keepalived"])
                .args(["-n", "-l", "-D", "-f"])
                .arg(conf)
                .args(["-p", &self.path("k.pid"), "-r", &self.path("kv.pid")])
                .args(["-c", &self.path("kc.pid"), "-b", &self.path("kb.pid")])
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap()
        } else {
            Command::new("ip")
                .args(["netns", "exec", &self.r])
                .arg(env!("CARGO_BIN_EXE_vrrpd"))
                .arg("-f")
                .arg(conf)
                .args(["--socket", &self.path("v.sock")])
                .args(["--dump-file", &self.path("v.json")])
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(self.dir.join("v.log")).unwrap())
                .spawn()
                .unwrap()
        };
        self.daemon = Some(child);
    }

    /// Starts zebra and bfdd in the gateway with every session of
    /// [`PEERS`], 50 ms × 3, in their own pathspace.
    fn start_frr(&mut self) {
        let d = self.path("frr");
        std::fs::create_dir_all(&d).unwrap();
        let etc = format!("/etc/frr/{}", self.g);
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(format!("{etc}/vtysh.conf"), "").unwrap();
        let mut bfd = format!("hostname {}\nbfd\n", self.g);
        for (peer, local) in PEERS {
            bfd += &format!(
                " peer {peer} local-address {local}\n  receive-interval 100\n  \
                 transmit-interval 100\n  detect-multiplier 4\n !\n"
            );
        }
        bfd += "!\n";
        std::fs::write(format!("{d}/bfdd.conf"), bfd).unwrap();
        std::fs::write(format!("{d}/zebra.conf"), format!("hostname {}\n", self.g)).unwrap();
        let _ = run(&["chown", "-R", "frr:frr", &d]);
        let _ = run(&["chmod", "777", &d]);
        self.frr = true;
        for daemon in ["zebra", "bfdd"] {
            let out = run(&[
                "ip",
                "netns",
                "exec",
                &self.g,
                &format!("/usr/lib/frr/{daemon}"),
                "-d",
                "-N",
                &self.g,
                "-f",
                &format!("{d}/{daemon}.conf"),
                "-i",
                &format!("{d}/{daemon}.pid"),
                "--vty_socket",
                &d,
                "-z",
                &format!("{d}/zserv.api"),
                "--log",
                &format!("file:{d}/{daemon}.log"),
                "-A",
                "127.0.0.1",
            ]);
            assert!(out.status.success(), "{daemon}: {out:?}");
            let vty = PathBuf::from(format!("{d}/{daemon}.vty"));
            let end = Instant::now() + Duration::from_secs(10);
            while !vty.exists() && Instant::now() < end {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    fn vtysh(&self, cmds: &[&str]) -> String {
        let d = self.path("frr");
        let mut args = vec!["ip", "netns", "exec", &self.g, "vtysh", "--vty_socket", &d];
        for c in cmds {
            args.push("-c");
            args.push(c);
        }
        String::from_utf8_lossy(&run(&args).stdout).into_owned()
    }

    /// FRR's status of every session ("up", "down", ...), by peer.
    fn frr_states(&self) -> BTreeMap<String, String> {
        let v: serde_json::Value =
            serde_json::from_str(&self.vtysh(&["show bfd peers json"])).unwrap_or_default();
        v.as_array()
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
            let log = std::fs::read_to_string(self.dir.join("k.log")).unwrap_or_default();
            keepalived_outcome(&log)
        } else {
            let Ok(text) = ha_daemon_kit::control::fetch(Path::new(&self.path("v.sock"))) else {
                return Outcome::new();
            };
            let st: serde_json::Value = serde_json::from_str(&text).unwrap();
            st["instances"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["name"].as_str().unwrap().to_string(),
                        (
                            i["state"].as_str().unwrap().to_string(),
                            i["effective_priority"].as_u64().unwrap(),
                        ),
                    )
                })
                .collect()
        }
    }

    /// vrrpd's `bfd` list of its status.
    fn vrrpd_bfd(&self) -> serde_json::Value {
        let text = ha_daemon_kit::control::fetch(Path::new(&self.path("v.sock"))).unwrap();
        let st: serde_json::Value = serde_json::from_str(&text).unwrap();
        st["bfd"].clone()
    }

    /// The session `name` of [`Side::vrrpd_bfd`].
    fn vrrpd_session(&self, name: &str) -> serde_json::Value {
        self.vrrpd_bfd()
            .as_array()
            .and_then(|a| a.iter().find(|b| b["name"] == name).cloned())
            .unwrap_or_default()
    }

    /// FRR's view of the session with `peer`.
    fn frr_peer(&self, peer: &str) -> serde_json::Value {
        let v: serde_json::Value =
            serde_json::from_str(&self.vtysh(&["show bfd peers json"])).unwrap_or_default();
        v.as_array()
            .and_then(|a| a.iter().find(|p| p["peer"] == peer).cloned())
            .unwrap_or_default()
    }

    /// Sends SIGHUP to the daemon (keepalived's parent reloads every child).
    fn reload(&self) {
        let pid = self.daemon.as_ref().unwrap().id().to_string();
        assert!(run(&["kill", "-HUP", &pid]).status.success());
    }

    fn has_vip(&self, vip: &str) -> bool {
        let out = run(&["ip", "-n", &self.r, "-o", "addr", "show", "dev", "eth0"]);
        String::from_utf8_lossy(&out.stdout).contains(&format!(" {vip}/"))
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

impl Drop for Side {
    fn drop(&mut self) {
        if let Some(mut c) = self.daemon.take() {
            let _ = run(&["kill", "-TERM", &c.id().to_string()]);
            let end = Instant::now() + Duration::from_secs(5);
            while Instant::now() < end && matches!(c.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
        if self.frr {
            for daemon in ["bfdd", "zebra"] {
                if let Ok(pid) = std::fs::read_to_string(self.dir.join(format!("frr/{daemon}.pid")))
                {
                    let _ = run(&["kill", pid.trim()]);
                }
            }
            std::thread::sleep(Duration::from_millis(300));
            let _ = std::fs::remove_dir_all(format!("/etc/frr/{}", self.g));
        }
        for n in [&self.r, &self.g] {
            let _ = Command::new("ip")
                .args(["netns", "del", n])
                .stderr(Stdio::null())
                .status();
        }
        if std::env::var_os("BW_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn strip_time(l: &str) -> &str {
    // "Sun Dec  6 21:50:09 2026: text"
    match l.get(24..26) {
        Some(": ") => &l[26..],
        _ => l,
    }
}

/// keepalived's states and effective priorities from its log ("Entering
/// ... STATE", "entering FAULT state", "Changing effective priority").
fn keepalived_outcome(log: &str) -> Outcome {
    let base: BTreeMap<&str, u64> = BASE.iter().copied().collect();
    let mut out = Outcome::new();
    for l in log.lines().map(strip_time) {
        if let Some(rest) = l.strip_prefix('(')
            && let Some((name, msg)) = rest.split_once(") ")
            && let Some(&b) = base.get(name)
        {
            let e = out.entry(name.to_string()).or_insert((String::new(), b));
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
    out
}

/// Waits until both sides show the same outcome and `pred` holds for it
/// (or `limit` passes); returns both.
fn settle(
    k: &Side,
    v: &Side,
    limit: Duration,
    pred: impl Fn(&Outcome) -> bool,
) -> (Outcome, Outcome) {
    let end = Instant::now() + limit;
    loop {
        let (ko, vo) = (k.outcome(), v.outcome());
        if (ko == vo && ko.len() == BASE.len() && pred(&ko)) || Instant::now() > end {
            return (ko, vo);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
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
    if common::skip_netns_test("track_bfd live differential", None, "network namespaces") {
        return;
    }
    for tool in [
        "keepalived",
        "nft",
        "vtysh",
        "/usr/lib/frr/bfdd",
        "/usr/lib/frr/zebra",
    ] {
        if !have(tool) {
            eprintln!("SKIPPED: track_bfd live differential needs {tool}");
            return;
        }
    }
    let mut k = Side::new("k");
    let mut v = Side::new("v");
    let conf = k.dir.join("live.conf");
    std::fs::write(&conf, CONF).unwrap();

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
        let f = side.frr_states();
        assert!(
            PEERS
                .iter()
                .all(|(p, _)| f.get(*p).map(String::as_str) == Some("up")),
            "{}: FRR sessions {f:?}",
            side.tag
        );
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
    let vlog = std::fs::read_to_string(v.dir.join("v.log")).unwrap_or_default();
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
        side.vtysh(&[
            "conf t",
            "bfd",
            "peer 10.77.0.11 local-address 10.77.0.12",
            "shutdown",
        ]);
    }
    std::thread::sleep(Duration::from_secs(2));
    let wn = v.vrrpd_session("wn");
    // the peer said AdminDown: our session is Down with diagnostic 3 and no
    // Down event was reported for it
    assert_eq!(
        wn["local_diagnostic"], "NeighborSignaledSessionDown",
        "{wn}"
    );
    assert_ne!(wn["local_state"], "Up", "{wn}");
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
    std::fs::write(&conf, changed).unwrap();
    k.reload();
    v.reload();
    let end = Instant::now() + Duration::from_secs(10);
    let p = loop {
        let p = v.frr_peer("10.77.0.1");
        if p["remote-receive-interval"] == 200 || Instant::now() > end {
            break p;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
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
