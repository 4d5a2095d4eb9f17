//! `vrrp_track_process` against keepalived 2.2.7 (root, network namespaces
//! and keepalived installed; else `SKIPPED:`).
//!
//! The kernel sends process events to the initial network namespace only,
//! so both daemons are started there with `net_namespace nb-pr...` and move
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

use common::{have, shell as sh};

use common::netns::{Daemon, Lab, Running};

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A namespace of a [`Lab`] with a veth pair `eth0`/`eth1` (10.7.0.1/24
/// on eth0); deleted with the lab.
struct Ns(String);

impl Ns {
    fn new(lab: &mut Lab, name: &str) -> Ns {
        let n = lab.add_ns(name);
        lab.veth(&n, "eth0", &n, "eth1");
        lab.addr(&n, "eth0", "10.7.0.1/24");
        Ns(n)
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

/// Copies of the tracked programs, each in its own process group, the
/// group killed on drop.
struct Copies {
    exe: PathBuf,
    shell: PathBuf,
    running: BTreeMap<&'static str, Group>,
}

/// A process group led by a child; SIGKILL to the whole group on drop.
struct Group(common::Kid);

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.0.id())])
            .stderr(Stdio::null())
            .status();
    }
}

impl Copies {
    fn spawn(&mut self, tag: &'static str, exe: &std::path::Path, args: &[&str]) {
        use std::os::unix::process::CommandExt as _;
        let child = Command::new(exe)
            .args(args)
            .process_group(0)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        self.running.insert(tag, Group(common::Kid(child)));
    }

    /// A copy of /bin/sleep (`trk<pid>`) with `arg`.
    fn start(&mut self, tag: &'static str, arg: &str) {
        let exe = self.exe.clone();
        self.spawn(tag, &exe, &[arg]);
    }

    /// A copy of /bin/sh (`trk<pid>s`) whose subshell, a fork that keeps
    /// the name, loops on `sleep 1`.
    fn start_forking(&mut self, tag: &'static str) {
        let exe = self.shell.clone();
        self.spawn(tag, &exe, &["-c", "(while :; do sleep 1; done) & wait"]);
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
    ("Vfork", 61, "pF"),
];

/// The config of both sides: `net_namespace NS` when `ns` is given,
/// `weight` for Vweight's entry.
fn config(ns: Option<&str>, exe: &str, name: &str, weight: i32) -> String {
    let mut c = match ns {
        Some(ns) => format!("net_namespace {ns}\n"),
        None => String::new(),
    };
    c.push_str(&format!(
        "global_defs {{\n router_id trk\n process_monitor_rcv_bufs 1048576\n}}\n\
         vrrp_track_process pA {{\n process {name}\n}}\n\
         vrrp_track_process pQ {{\n process {name}\n quorum 2\n}}\n\
         vrrp_track_process pD {{\n process {name}\n delay 2\n}}\n\
         vrrp_track_process pC {{\n process {exe} 1000\n weight 7\n}}\n\
         vrrp_track_process pF {{\n process {name}s\n quorum 2\n fork_delay 2\n weight 10\n}}\n"
    ));
    c.push_str(
        "vrrp_sync_group G {\n group {\n  GroupA\n  GroupB\n }\n \
         track_process {\n  pA weight 10\n }\n}\n",
    );
    for (i, (inst, vrid, track)) in INSTANCES.iter().enumerate() {
        let track = track.replace("pA weight 10", &format!("pA weight {weight}"));
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

    /// Waits until both sides agree and `ok` holds on two polls in a row
    /// (at most 15 s), then compares once more. One poll is not enough:
    /// a daemon reports Master a moment before its VIP is on the link, and
    /// instances of other priorities may still be between states.
    fn settle(&self, step: &str, ok: impl Fn(&View) -> bool) -> View {
        let start = Instant::now();
        let mut held = 0;
        loop {
            let kv = keepalived_view(&self.klog);
            let ov = vrrpd_view(&self.osock);
            if kv == ov && ok(&kv) && self.k.vips() == self.o.vips() {
                held += 1;
                if held == 2 {
                    break;
                }
            } else {
                held = 0;
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

/// Both daemons with their namespaces, copies and files; dropped in this
/// order: daemons, copies, namespaces and files (the lab).
struct Run {
    kd: Running,
    od: Running,
    copies: Copies,
    s: Sides,
    kconf: PathBuf,
    oconf: PathBuf,
    exe: String,
    name: String,
    _lab: Lab,
}

impl Run {
    /// Sets up both sides (`tag` makes the names unique) and starts the
    /// daemons: from the initial namespace with `net_namespace`, or inside
    /// their namespace with `ip netns exec` (`via_exec`). `before` runs
    /// after the namespaces exist and before the daemons start.
    fn start(tag: &str, via_exec: bool, before: impl FnOnce(&mut Copies)) -> Option<Run> {
        if common::skip_netns_test("track_process differential", None, "network namespaces") {
            return None;
        }
        if !have("keepalived") || !have("ip") {
            eprintln!("SKIPPED: track_process differential needs keepalived and ip");
            return None;
        }
        let pid = std::process::id();
        let mut lab = Lab::new(&format!("nb-prtrk{tag}-{pid}"));
        // Names no other process has: `trk<pid>` / `trk<pid>s` (at most 15 bytes).
        let name = format!("trk{pid}");
        let exe = lab.path(&name);
        let shell = lab.path(&format!("{name}s"));
        std::fs::copy("/bin/sleep", &exe).unwrap();
        std::fs::copy("/bin/sh", &shell).unwrap();
        let exe_s = exe.to_str().unwrap().to_string();
        let mut copies = Copies {
            exe,
            shell,
            running: BTreeMap::new(),
        };
        let k = Ns::new(&mut lab, &format!("nb-prtk{tag}{pid}"));
        let o = Ns::new(&mut lab, &format!("nb-prto{tag}{pid}"));
        let kconf = lab.path("k.conf");
        let oconf = lab.path("o.conf");
        let ns = |n: &Ns| (!via_exec).then(|| n.0.clone());
        std::fs::write(&kconf, config(ns(&k).as_deref(), &exe_s, &name, 10)).unwrap();
        std::fs::write(&oconf, config(ns(&o).as_deref(), &exe_s, &name, 10)).unwrap();
        before(&mut copies);
        let klog = lab.path("k.log");
        let osock = lab.socket("o");
        let exec_in = |n: &Ns| via_exec.then(|| n.0.clone());
        let kd = Running::new(
            lab.command(exec_in(&k).as_deref(), Daemon::Keepalived, &kconf, "k")
                .stdout(std::fs::File::create(&klog).unwrap())
                .stderr(std::fs::File::options().append(true).open(&klog).unwrap())
                .spawn()
                .unwrap(),
            Daemon::Keepalived,
        );
        let od = Running::new(
            lab.command(exec_in(&o).as_deref(), Daemon::Vrrpd, &oconf, "o")
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(lab.path("o.log")).unwrap())
                .spawn()
                .unwrap(),
            Daemon::Vrrpd,
        );
        Some(Run {
            kd,
            od,
            copies,
            s: Sides { k, o, klog, osock },
            kconf,
            oconf,
            exe: exe_s,
            name,
            _lab: lab,
        })
    }

    /// Rewrites both configs with Vweight's weight `w` and sends SIGHUP.
    fn reload_with_weight(&self, w: i32) {
        for (path, ns, daemon) in [
            (&self.kconf, &self.s.k.0, &self.kd),
            (&self.oconf, &self.s.o.0, &self.od),
        ] {
            std::fs::write(path, config(Some(ns), &self.exe, &self.name, w)).unwrap();
            daemon.signal("HUP");
        }
    }
}

#[test]
fn track_process_follows_keepalived() {
    let Some(mut run) = Run::start("", false, |_| {}) else {
        return;
    };
    let s = &run.s;
    let copies = &mut run.copies;

    // Nothing runs: weight 0 trackers FAULT, `reverse` weight 0 is up.
    let v = s.settle("no process", |v| {
        is(v, "Vabsent", "MASTER", 100)
            && is(v, "Vweight", "MASTER", 100)
            && is(v, "Vnegative", "MASTER", 70)
    });
    assert_eq!(st(&v, "Vzero").0, "FAULT", "{v:?}");
    assert_eq!(st(&v, "Vquorum").0, "FAULT", "{v:?}");
    assert_eq!(st(&v, "Vdelay").0, "FAULT", "{v:?}");

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

    // A shell whose subshell (a fork keeping the name) makes the second
    // process: quorum 2 of pF is reached by a fork and waits fork_delay 2.
    copies.start_forking("shell");
    let forked = Instant::now();
    std::thread::sleep(Duration::from_millis(1000));
    let v = s.compare("within fork_delay");
    assert_eq!(st(&v, "Vfork"), ("MASTER".into(), 100), "{v:?}");
    s.settle("after fork_delay", |v| is(v, "Vfork", "MASTER", 110));
    assert!(forked.elapsed() >= Duration::from_secs(2));
    copies.kill("shell");
    s.settle("shell killed", |v| is(v, "Vfork", "MASTER", 100));

    // A process renaming itself (prctl PR_SET_NAME, a comm event) into the
    // tracked name counts; renaming itself away stops counting.
    if have("python3") {
        copies.kill("four");
        s.settle("no copy", |v| is(v, "Vweight", "MASTER", 100));
        let name = run.name.clone();
        let script = format!(
            "import ctypes, time\n\
             libc = ctypes.CDLL(None)\n\
             libc.prctl(15, b'{name}', 0, 0, 0)\n\
             time.sleep(4)\n\
             libc.prctl(15, b'renamed', 0, 0, 0)\n\
             time.sleep(100)\n"
        );
        copies.spawn("py", std::path::Path::new("python3"), &["-c", &script]);
        s.settle("renamed into the tracked name", |v| {
            is(v, "Vweight", "MASTER", 110)
        });
        s.settle("renamed away", |v| is(v, "Vweight", "MASTER", 100));
        copies.kill("py");
        copies.start("five", "1000");
    }

    // A reload with another weight while the process runs.
    run.reload_with_weight(20);
    let v = run.s.settle("reloaded with weight 20", |v| {
        is(v, "Vweight", "MASTER", 120)
    });
    // `pA weight 10 reverse` became 20 too; the group's entry stayed 10
    assert_eq!(st(&v, "Vreverse"), ("MASTER".into(), 80), "{v:?}");
    assert_eq!(st(&v, "GroupA"), ("MASTER".into(), 110), "{v:?}");
}

/// Under `ip netns exec` (no `net_namespace`) the kernel refuses the
/// subscription: keepalived counts no process, so a weight-0 tracker keeps
/// its instance in FAULT although a copy runs; vrrpd does the same.
#[test]
fn inside_a_namespace_no_process_counts_as_with_keepalived() {
    let Some(run) = Run::start("x", true, |c| c.start("early", "1000")) else {
        return;
    };
    let v = run.s.settle("via ip netns exec", |v| {
        is(v, "Vabsent", "MASTER", 100)
            && is(v, "Vweight", "MASTER", 100)
            && is(v, "Vnegative", "MASTER", 70)
    });
    assert_eq!(st(&v, "Vzero").0, "FAULT", "{v:?}");
}
