//! `vrrp_track_process` against keepalived 2.2.7 (root, network namespaces
//! and keepalived installed; else `SKIPPED:`).
//!
//! The kernel sends process events to the initial network namespace only,
//! so both daemons are started there with `net_namespace pr-...` and move
//! into their own namespace themselves (keepalived opens its process
//! events socket before `setns()`; vrrpd does the same). Each namespace
//! holds a veth pair; the same config runs on both sides: eight instances
//! tracking copies of /bin/sleep under a name no other process on the
//! machine has (`trk<pid>`), with weight 0, a positive weight, `reverse`,
//! `quorum 2`, `delay 2`, and a full command line with an exact argument.
//! The test starts and kills copies and, after each step, compares every
//! instance's state and effective priority (keepalived: its log lines
//! "Entering X STATE" / "Changing effective priority from A to B"; vrrpd:
//! `vrrpd status`) and whether the VIP is on the interface (kernel state);
//! a few values are also checked against what keepalived's rules give, so
//! that two equal failures cannot pass.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn sh(cmd: &str) -> String {
    let out = Command::new("sh").args(["-c", cmd]).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A namespace with a veth pair `eth0`/`eth1` (10.7.0.1/24 on eth0),
/// deleted on drop.
struct Ns(String);

impl Ns {
    fn new(name: String) -> Ns {
        let _ = Command::new("ip")
            .args(["netns", "del", &name])
            .stderr(Stdio::null())
            .status();
        let ns = Ns(name);
        let n = &ns.0;
        sh(&format!(
            "ip netns add {n} && ip -n {n} link add eth0 type veth peer name eth1 && \
             ip -n {n} addr add 10.7.0.1/24 dev eth0 && ip -n {n} link set eth0 up && \
             ip -n {n} link set eth1 up && ip -n {n} link set lo up"
        ));
        ns
    }

    /// The VIPs (10.7.0.1xx) on eth0.
    fn vips(&self) -> Vec<String> {
        let j: serde_json::Value =
            serde_json::from_str(&sh(&format!("ip -n {} -j addr show dev eth0", self.0))).unwrap();
        let mut v: Vec<String> = j[0]["addr_info"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["local"].as_str().map(String::from))
            .filter(|a| a.starts_with("10.7.0.1") && a != "10.7.0.1")
            .collect();
        v.sort();
        v
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
        let _ = std::fs::remove_dir_all(format!("/run/keepalived/{}", self.0));
    }
}

/// Copies of the tracked program, killed on drop.
struct Copies {
    exe: PathBuf,
    running: BTreeMap<&'static str, common::Kid>,
}

impl Copies {
    fn start(&mut self, tag: &'static str, arg: &str) {
        let child = Command::new(&self.exe)
            .arg(arg)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        self.running.insert(tag, common::Kid(child));
    }

    fn kill(&mut self, tag: &str) {
        drop(self.running.remove(tag));
    }
}

/// The instances and what each tracks (process blocks below).
const INSTANCES: &[(&str, u8, &str)] = &[
    ("Vzero", 51, "pA"),
    ("Vweight", 52, "pA weight 10"),
    ("Vreverse", 53, "pA weight 10 reverse"),
    ("Vnegative", 54, "pA weight -30"),
    ("Vquorum", 55, "pQ"),
    ("Vdelay", 56, "pD"),
    ("Vabsent", 57, "pA weight 0 reverse"),
    ("Vcmdline", 58, "pC"),
    // members of sync group G, which tracks pA with weight 10; GroupB also
    // tracks pA itself with weight 3 (the group's weight replaces it)
    ("GroupA", 59, ""),
    ("GroupB", 60, "pA weight 3"),
];

fn config(ns: &str, exe: &str, name: &str) -> String {
    let mut c = format!(
        "net_namespace {ns}\nglobal_defs {{\n router_id {ns}\n}}\n\
         vrrp_track_process pA {{\n process {name}\n}}\n\
         vrrp_track_process pQ {{\n process {name}\n quorum 2\n}}\n\
         vrrp_track_process pD {{\n process {name}\n delay 2\n}}\n\
         vrrp_track_process pC {{\n process {exe} 1000\n weight 7\n}}\n"
    );
    c.push_str(
        "vrrp_sync_group G {\n group {\n  GroupA\n  GroupB\n }\n \
         track_process {\n  pA weight 10\n }\n}\n",
    );
    for (i, (inst, vrid, track)) in INSTANCES.iter().enumerate() {
        let track = if track.is_empty() {
            String::new()
        } else {
            format!(" track_process {{\n  {track}\n }}\n")
        };
        c.push_str(&format!(
            "vrrp_instance {inst} {{\n state BACKUP\n interface eth0\n virtual_router_id {vrid}\n \
             priority 100\n advert_int 1\n{track} \
             virtual_ipaddress {{\n  10.7.0.1{i:02}/32\n }}\n}}\n"
        ));
    }
    c
}

/// (state, effective priority) of every instance.
type View = BTreeMap<String, (String, u64)>;

/// keepalived's view from its log: the last "(I) Entering X STATE" (or
/// "entering X state (...)") and
/// "(I) Changing effective priority from A to B" lines (base 100 before any).
fn keepalived_view(log: &std::path::Path) -> View {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut v = View::new();
    for (inst, _, _) in INSTANCES {
        let tag = format!("({inst}) ");
        let mut state = String::from("INIT");
        let mut prio = 100;
        for l in text.lines() {
            let Some(rest) = l.split_once(&tag).map(|x| x.1) else {
                continue;
            };
            // "Entering MASTER STATE", and at start "entering FAULT state
            // (tracked process ... quorum not achieved)"
            let lower = rest.to_ascii_lowercase();
            if let Some(w) = lower
                .strip_prefix("entering ")
                .and_then(|r| r.split_once(" state"))
                .map(|(w, _)| w)
            {
                state = w.to_ascii_uppercase();
            }
            if let Some(p) = rest
                .strip_prefix("Changing effective priority from ")
                .and_then(|r| r.split(" to ").nth(1))
            {
                prio = p.trim().parse().unwrap();
            }
        }
        v.insert(inst.to_string(), (state, prio));
    }
    v
}

fn vrrpd_view(sock: &std::path::Path) -> View {
    let out = Command::new(env!("CARGO_BIN_EXE_vrrpd"))
        .arg("status")
        .arg("--socket")
        .arg(sock)
        .output()
        .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let mut v = View::new();
    for i in j["instances"].as_array().into_iter().flatten() {
        v.insert(
            i["name"].as_str().unwrap_or("").to_string(),
            (
                i["state"].as_str().unwrap_or("").to_string(),
                i["effective_priority"].as_u64().unwrap_or(0),
            ),
        );
    }
    v
}

struct Sides {
    k: Ns,
    o: Ns,
    klog: PathBuf,
    osock: PathBuf,
}

impl Sides {
    /// Both views and VIP lists; they must be equal. Returns the view.
    fn compare(&self, step: &str) -> View {
        let kv = keepalived_view(&self.klog);
        let ov = vrrpd_view(&self.osock);
        assert_eq!(ov, kv, "{step}: vrrpd (left) vs keepalived (right)");
        let (kvips, ovips) = (self.k.vips(), self.o.vips());
        assert_eq!(
            ovips, kvips,
            "{step}: VIPs vrrpd (left) vs keepalived (right)"
        );
        // the kernel agrees with the reported state: a VIP per Master
        let masters = kv.values().filter(|(s, _)| s == "MASTER").count();
        assert_eq!(kvips.len(), masters, "{step}: {kv:?} {kvips:?}");
        kv
    }

    /// Waits until both sides agree and `ok` holds (at most 15 s), then
    /// compares once more.
    fn settle(&self, step: &str, ok: impl Fn(&View) -> bool) -> View {
        let start = Instant::now();
        loop {
            let kv = keepalived_view(&self.klog);
            let ov = vrrpd_view(&self.osock);
            if kv == ov && ok(&kv) && self.k.vips() == self.o.vips() {
                break;
            }
            if start.elapsed() > Duration::from_secs(15) {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let v = self.compare(step);
        assert!(ok(&v), "{step}: unexpected {v:?}");
        v
    }
}

fn st(v: &View, i: &str) -> (String, u64) {
    v.get(i).cloned().unwrap_or_default()
}

fn is(v: &View, i: &str, state: &str, prio: u64) -> bool {
    st(v, i) == (state.to_string(), prio)
}

#[test]
fn track_process_follows_keepalived() {
    if common::skip_netns_test("track_process differential", None, "network namespaces") {
        return;
    }
    if !have("keepalived") || !have("ip") {
        eprintln!("SKIPPED: track_process differential needs keepalived and ip");
        return;
    }
    let pid = std::process::id();
    let dir = std::env::temp_dir().join(format!("pr-trk-{pid}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    struct Dir(PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _dir = Dir(dir.clone());
    // A command name no other process has: `trk<pid>` (at most 15 bytes).
    let name = format!("trk{pid}");
    let exe = dir.join(&name);
    std::fs::copy("/bin/sleep", &exe).unwrap();
    let exe_s = exe.to_str().unwrap().to_string();

    let k = Ns::new(format!("pr-tk{pid}"));
    let o = Ns::new(format!("pr-to{pid}"));
    let kconf = dir.join("k.conf");
    let oconf = dir.join("o.conf");
    std::fs::write(&kconf, config(&k.0, &exe_s, &name)).unwrap();
    std::fs::write(&oconf, config(&o.0, &exe_s, &name)).unwrap();
    let klog = dir.join("k.log");
    let osock = dir.join("o.sock");
    // Both daemons start in the initial namespace and enter theirs.
    let _kd = common::Kid(
        Command::new("keepalived")
            .args(["-n", "-l", "-D", "-P", "-f"])
            .arg(&kconf)
            .arg("-p")
            .arg(dir.join("k.pid"))
            .arg("-r")
            .arg(dir.join("v.pid"))
            .stdout(std::fs::File::create(&klog).unwrap())
            .stderr(std::fs::File::options().append(true).open(&klog).unwrap())
            .spawn()
            .unwrap(),
    );
    let _od = common::Kid(
        Command::new(env!("CARGO_BIN_EXE_vrrpd"))
            .arg("-f")
            .arg(&oconf)
            .arg("--socket")
            .arg(&osock)
            .arg("--dump-file")
            .arg(dir.join("o.json"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("o.log")).unwrap())
            .spawn()
            .unwrap(),
    );
    let s = Sides { k, o, klog, osock };
    let mut copies = Copies {
        exe: exe.clone(),
        running: BTreeMap::new(),
    };

    // Nothing runs: weight 0 trackers FAULT, `reverse` weight 0 is up.
    let v = s.settle("no process", |v| {
        is(v, "Vabsent", "MASTER", 100) && is(v, "Vweight", "MASTER", 100)
    });
    assert_eq!(st(&v, "Vzero").0, "FAULT", "{v:?}");
    assert_eq!(st(&v, "Vquorum").0, "FAULT", "{v:?}");
    assert_eq!(st(&v, "Vdelay").0, "FAULT", "{v:?}");
    assert_eq!(st(&v, "Vnegative"), ("MASTER".into(), 70), "{v:?}");

    // One copy, with the argument pC wants.
    copies.start("one", "1000");
    let v = s.settle("one copy", |v| {
        is(v, "Vzero", "MASTER", 100)
            && is(v, "Vweight", "MASTER", 110)
            && is(v, "Vcmdline", "MASTER", 107)
            && st(v, "Vabsent").0 == "FAULT"
    });
    assert_eq!(st(&v, "Vquorum").0, "FAULT", "one of two: {v:?}");
    assert_eq!(st(&v, "Vnegative"), ("MASTER".into(), 100), "{v:?}");
    // the sync group's weight, also over GroupB's own 3
    assert_eq!(st(&v, "GroupA"), ("MASTER".into(), 110), "{v:?}");
    assert_eq!(st(&v, "GroupB"), ("MASTER".into(), 110), "{v:?}");

    // A second copy: quorum 2 reached; pC's exact argument does not match 2000.
    copies.start("two", "2000");
    s.settle("two copies", |v| {
        is(v, "Vquorum", "MASTER", 100) && is(v, "Vcmdline", "MASTER", 107)
    });

    // The second copy goes: quorum lost at once (no delay on pQ).
    copies.kill("two");
    s.settle("second copy killed", |v| st(v, "Vquorum").0 == "FAULT");

    // The last copy goes: pD waits its 2 s delay before FAULT.
    copies.kill("one");
    let killed = Instant::now();
    s.settle("last copy killed", |v| {
        st(v, "Vzero").0 == "FAULT" && is(v, "Vweight", "MASTER", 100)
    });
    if killed.elapsed() < Duration::from_millis(1500) {
        let v = s.compare("within the delay");
        assert_eq!(st(&v, "Vdelay").0, "MASTER", "before its delay: {v:?}");
    }
    let v = s.settle("after the delay", |v| st(v, "Vdelay").0 == "FAULT");
    assert!(killed.elapsed() >= Duration::from_secs(2), "{v:?}");

    // Restarted within the delay: pD never goes down.
    copies.start("three", "1000");
    s.settle("restarted", |v| is(v, "Vdelay", "MASTER", 100));
    copies.kill("three");
    std::thread::sleep(Duration::from_millis(500));
    copies.start("four", "1000");
    // sampled for 3 s (past the delay): never down on either side
    for _ in 0..15 {
        let (kv, ov) = (keepalived_view(&s.klog), vrrpd_view(&s.osock));
        for (who, v) in [("keepalived", &kv), ("vrrpd", &ov)] {
            assert_eq!(st(v, "Vdelay"), ("MASTER".into(), 100), "{who}: {v:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    s.settle("killed and restarted within the delay", |v| {
        is(v, "Vzero", "MASTER", 100) && is(v, "Vdelay", "MASTER", 100)
    });
    drop(copies);
}
