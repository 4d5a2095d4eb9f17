//! `virtual_routes`, `virtual_rules`, `static_ipaddress`, `static_routes` and
//! `static_rules` against keepalived 2.2.7 (root, network namespaces,
//! keepalived installed; else `SKIPPED:`).
//!
//! The same configuration runs under keepalived in one namespace and under
//! this build's vrrpd in another (each with a peer namespace on a veth link
//! and a second link `eth1`). The normalised `ip -j -4/-6 route show table
//! all` and `ip -j -d -4/-6 rule` of both namespaces must be equal: once
//! Master, after a SIGHUP with a changed route and rule set, after a
//! higher-priority router in the peer namespace demoted them (keepalived's
//! peer against keepalived, vrrpd's against vrrpd), and after SIGTERM; the
//! route and rule events of the SIGHUP (`ip monitor`) must be equal too. The
//! entries cover both families, tables by number and name, unicast,
//! blackhole, unreachable, prohibit and throw routes, metric, src, onlink,
//! scope, protocol with `no_track`, RTAX metrics with a lock, IPv6 `pref`,
//! multipath nexthops, rtt/rttvar/rto_min/features/quickack/congctl/
//! fastopen_no_cookie/realms/expires, and rules with from/to/not/fwmark with a mask/iif/oif/
//! uidrange/goto/blackhole/unreachable/suppress_prefixlength/realms/
//! sup_group/ipproto/sport/dport (a single port: kept without it), automatic
//! preferences per family, and an `inet6` entry keepalived refuses. Entries
//! deleted by someone else (static ones restored, tracked virtual ones
//! sending the Master to Backup, `no_track` ones left alone) are compared
//! the same way, with the states both daemons logged. Two
//! configurations from the real-world corpus (OpenStack Octavia's and
//! Neutron's) are checked the same way when the corpus is present.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shell as sh;

use common::netns::{Daemon, Pair as Link, Running, skip_differential, wait_until};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A router namespace `NAME` and its peer `NAME-p` (`common::netns::Pair`),
/// each with extra veth pairs (`ethN` and `ethNp`, both ends in the
/// namespace) for `extra`; both namespaces and the temporary directory
/// deleted on drop.
impl Link {
    fn new(name: String, extra: &[(&str, &[&str])]) -> Self {
        let link = Link::build(&name, false);
        for n in [&link.ns, &link.peer] {
            for (ifname, addrs) in extra {
                link.lab.veth(n, ifname, n, &format!("{ifname}p"));
                for a in *addrs {
                    link.lab.addr(n, ifname, a);
                }
            }
        }
        link
    }

    /// Starts keepalived (`vrrpd` false) or this build's vrrpd in `ns`
    /// with `conf`.
    fn start(&self, ns: &str, conf: &str, vrrpd: bool) -> Running {
        self.lab.start_conf(ns, Daemon::of(vrrpd), conf, ns)
    }

    /// SIGHUP to `daemon` after rewriting its config (`start`'s path) with
    /// `conf`.
    fn reload(&self, daemon: &Running, ns: &str, conf: &str) {
        self.lab.reload(daemon, ns, conf);
    }

    fn log(&self, ns: &str) -> String {
        self.lab.log(ns)
    }
}

/// `ip monitor route rule` in a namespace, from [`Monitor::start`] until
/// [`Monitor::events`].
struct Monitor {
    kid: common::Kid,
    path: PathBuf,
}

impl Monitor {
    fn start(link: &Link, ns: &str) -> Monitor {
        let path = link.lab.path(&format!("{ns}.monitor"));
        let out = std::fs::File::create(&path).unwrap();
        let kid = Command::new("ip")
            .args(["-n", ns, "monitor", "route", "rule"])
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // the subscription is in place once ip has started
        std::thread::sleep(Duration::from_millis(300));
        Monitor {
            kid: common::Kid(kid),
            path,
        }
    }

    /// The events seen, sorted, without link-local and multicast routes.
    fn events(self) -> Vec<String> {
        std::thread::sleep(Duration::from_millis(300));
        drop(self.kid);
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        let mut ev: Vec<String> = text
            .lines()
            .filter(|l| !l.contains("fe80:") && !l.contains("ff00:"))
            .map(|l| l.trim().to_string())
            .collect();
        ev.sort();
        ev
    }
}

/// Routes (all tables) and rules of both families in `ns`, as sorted JSON
/// texts, without what differs between two namespaces for reasons of their
/// own: link-local addresses and their routes (MACs differ) and the
/// kernel's cache info.
fn kernel_state(ns: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (what, cmd) in [
        ("route4", format!("ip -n {ns} -j -4 route show table all")),
        ("route6", format!("ip -n {ns} -j -6 route show table all")),
        ("rule4", format!("ip -n {ns} -j -d -4 rule show")),
        ("rule6", format!("ip -n {ns} -j -d -6 rule show")),
    ] {
        let text = sh(&cmd);
        let v: Value = serde_json::from_str(text.trim()).unwrap_or(Value::Array(vec![]));
        let mut items: Vec<String> = v
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|r| {
                !r["dst"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("fe80:") || d.starts_with("ff00:"))
            })
            .map(|mut r| {
                if let Value::Object(m) = &mut r {
                    m.remove("cacheinfo");
                    m.remove("expires");
                }
                format!("{what} {r}")
            })
            .collect();
        items.sort();
        out.extend(items);
    }
    out
}

fn wait_for(what: &str, ok: impl FnMut() -> bool) {
    wait_until(Duration::from_secs(30), what, ok);
}

fn has(ns: &str, needle: &str) -> bool {
    kernel_state(ns).iter().any(|l| l.contains(needle))
}

/// Waits until both namespaces agree and stay equal for a second (the
/// daemons may still be working through their lists), then asserts it.
fn assert_same(phase: &str, k: &Link, kns: &str, o: &Link, ons: &str) -> Vec<String> {
    let start = Instant::now();
    loop {
        let (a, b) = (kernel_state(kns), kernel_state(ons));
        if a == b {
            std::thread::sleep(Duration::from_secs(1));
            let (a2, b2) = (kernel_state(kns), kernel_state(ons));
            if a2 == b2 && a2 == a {
                return a;
            }
        }
        if start.elapsed() > Duration::from_secs(15) {
            let only_k: Vec<&String> = a.iter().filter(|x| !b.contains(x)).collect();
            let only_o: Vec<&String> = b.iter().filter(|x| !a.contains(x)).collect();
            panic!(
                "{phase}: kernel state differs\nonly under keepalived: {only_k:#?}\n\
                 only under vrrpd: {only_o:#?}\n--- keepalived log ---\n{}\n--- vrrpd log ---\n{}",
                k.log(kns),
                o.log(ons)
            );
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn skip(what: &str) -> bool {
    skip_differential(what, &["keepalived"])
}

const STATIC: &str = "static_ipaddress {
 192.0.2.50/24 dev eth1
 fd00:50::5/64 dev eth1
}
static_routes {
 198.51.100.0/24 via 10.9.0.254 dev eth0 metric 30
 fd00:77::/64 via fd00:9::fe dev eth0
 blackhole 203.0.113.0/24 table 300
}
static_rules {
 from 198.51.100.0/24 table 300 priority 300
 to fd00:78::/64 table 300 priority 301
}
";

const STATIC_RELOADED: &str = "static_ipaddress {
 192.0.2.50/24 dev eth1
}
static_routes {
 198.51.100.0/24 via 10.9.0.254 dev eth0 metric 30
 blackhole 203.0.114.0/24 table 300
}
static_rules {
 from 198.51.100.0/24 table 300 priority 300
 fwmark 9 table 300 priority 302
}
";

const ROUTES: &str = " virtual_routes {
  10.20.0.0/16 via 10.9.0.254 dev eth0 metric 50
  10.21.0.0/16 dev eth0 src 10.9.0.44 table 100
  blackhole 10.22.0.0/16 table 100
  default via 10.9.0.254 dev eth0 table 101
  2001:db8:5::/64 via fd00:9::fe dev eth0 metric 20
  unreachable 2001:db8:6::/64 table 100
  prohibit 10.23.0.0/16 metric 7
  10.25.0.0/16 table main nexthop via 10.9.0.250 dev eth0 weight 2 nexthop via 10.9.0.251 dev eth0
  10.26.0.0/16 via 10.9.0.252 dev eth0 mtu lock 1400 advmss 1360 initcwnd 10 table 102
  10.27.0.0/16 via 172.16.0.1 dev eth0 onlink
  10.28.0.0/16 dev eth0 scope link protocol static no_track
  throw 10.29.0.0/16 table 102
  2001:db8:7::/64 via fd00:9::fd dev eth0 pref high table 102
  2001:db8:8::/64 nexthop via fd00:9::fb dev eth0 nexthop via fd00:9::fc dev eth0
  10.36.0.0/16 via 10.9.0.252 dev eth0 rtt 300ms rttvar lock 1s rto_min 250ms features ecn quickack 1 congctl cubic fastopen_no_cookie 1 realms 2/3 table 103
  2001:db8:b::/64 via fd00:9::fa dev eth0 expires 600 table 103
 }
 virtual_rules {
  from 10.9.0.44/32 table 100 priority 100
  to 10.30.0.0/16 table 101 priority 101
  from fd00:9::44/128 table 100 priority 100
  fwmark 7 table 101 priority 102
  from 10.31.0.0/16 table 101
  not from 10.32.0.0/16 fwmark 0x10/0xf0 iif eth0 oif eth1 lookup 102 priority 104
  uidrange 1000-2000 table 102 priority 105
  from 10.33.0.0/16 goto 110 priority 106
  from 10.34.0.0/16 blackhole priority 107
  to 2001:db8:9::/64 type unreachable priority 108
  from 10.35.0.0/16 table 102 suppress_prefixlength 0 priority 109
  inet6 from all table 102
  from 2001:db8:a::/64 table 102
  from 10.37.0.0/16 ipproto tcp sport 1000-2000 dport 80-81 table 102 priority 110
  from 10.38.0.0/16 realms 4 sup_group 0 table 102 priority 111
  from 10.39.0.0/16 dport 443 table 102 priority 112
 }
";

/// A changed set: one route and one rule gone, one route changed (metric),
/// one route and one rule new, the others unchanged.
const ROUTES_RELOADED: &str = " virtual_routes {
  10.20.0.0/16 via 10.9.0.254 dev eth0 metric 50
  10.21.0.0/16 dev eth0 src 10.9.0.44 table 100
  default via 10.9.0.254 dev eth0 table 101
  2001:db8:5::/64 via fd00:9::fe dev eth0 metric 21
  unreachable 2001:db8:6::/64 table 100
  10.24.0.0/16 via 10.9.0.253 dev eth0 table 102
 }
 virtual_rules {
  from 10.9.0.44/32 table 100 priority 100
  from fd00:9::44/128 table 100 priority 100
  fwmark 7 table 101 priority 102
  iif eth1 table 102 priority 103
 }
";

fn config(statics: &str, routes: &str, priority: u8) -> String {
    format!(
        "global_defs {{\n router_id rt\n}}\n{statics}\
         vrrp_instance R {{\n state BACKUP\n interface eth0\n virtual_router_id 44\n\
         priority {priority}\n advert_int 1\n\
         virtual_ipaddress {{\n  10.9.0.44/24\n }}\n\
         virtual_ipaddress_excluded {{\n  fd00:9::44/64\n }}\n{routes}}}\n"
    )
}

#[test]
fn routes_and_rules_follow_keepalived() {
    let what = "routes differential";
    if skip(what) {
        return;
    }
    let pid = std::process::id();
    let extra: &[(&str, &[&str])] = &[("eth1", &[])];
    let k = Link::new(format!("nb-rt-k-{pid}"), extra);
    let o = Link::new(format!("nb-rt-o-{pid}"), extra);

    let conf = config(STATIC, ROUTES, 100);
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} Master with its routes"), || {
            has(&l.ns, "\"10.20.0.0/16\"") && has(&l.ns, "\"2001:db8:6::/64\"")
        });
    }
    let master = assert_same("Master", &k, &k.ns, &o, &o.ns);
    for want in [
        "\"10.21.0.0/16\"",
        "\"prefsrc\":\"10.9.0.44\"",
        "\"dst\":\"10.22.0.0/16\",\"flags\":[],\"protocol\":\"keepalived\",\"table\":\"100\",\"type\":\"blackhole\"",
        "\"metric\":7",
        "\"198.51.100.0/24\"",
        "\"192.0.2.50\"",
        "\"src\":\"fd00:9::44\"",
        "\"priority\":16384",
        "\"protocol\":\"keepalived\"",
        "\"dst\":\"10.36.0.0/16\"",
        "\"congestion\":\"cubic\"",
        "\"dst\":\"2001:db8:b::/64\"",
        "\"src\":\"10.37.0.0\"",
        "\"src\":\"10.38.0.0\"",
        "\"src\":\"10.39.0.0\"",
        "\"src\":\"2001:db8:a::\"",
        "\"nexthops\"",
    ] {
        assert!(
            master.iter().any(|l| l.contains(want)),
            "Master: {want} missing in {master:#?}"
        );
    }

    // SIGHUP with a changed set while Master, watching the route and rule
    // events: the same changes, and none for what did not change.
    let kmon = Monitor::start(&k, &k.ns);
    let omon = Monitor::start(&o, &o.ns);
    let changed = config(STATIC_RELOADED, ROUTES_RELOADED, 100);
    k.reload(&kd, &k.ns, &changed);
    o.reload(&od, &o.ns, &changed);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} reloaded"), || {
            has(&l.ns, "\"10.24.0.0/16\"")
                && has(&l.ns, "\"203.0.114.0/24\"")
                && !has(&l.ns, "\"10.22.0.0/16\"")
        });
    }
    let reloaded = assert_same("after SIGHUP", &k, &k.ns, &o, &o.ns);
    let (kev, oev) = (kmon.events(), omon.events());
    assert_eq!(oev, kev, "route and rule events of the reload");
    for unchanged in ["from 10.9.0.44 lookup 100", "fwmark 0x7 lookup 101"] {
        assert!(
            !oev.iter().any(|e| e.contains(unchanged)),
            "an unchanged rule churned: {oev:#?}"
        );
    }
    assert!(
        oev.iter()
            .any(|e| e.starts_with("Deleted") && e.contains("10.22.0.0/16")),
        "{oev:#?}"
    );
    assert!(reloaded.iter().any(|l| l.contains("\"metric\":21")));
    assert!(!reloaded.iter().any(|l| l.contains("fd00:77::")));

    // A higher priority in the peer namespaces demotes both.
    let high = config(STATIC_RELOADED, ROUTES_RELOADED, 200);
    let mut kp = k.start(&k.peer, &high, false);
    let mut op = o.start(&o.peer, &high, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} demoted"), || {
            !has(&l.ns, "\"10.20.0.0/16\"") && has(&l.peer, "\"10.20.0.0/16\"")
        });
    }
    let demoted = assert_same("demoted", &k, &k.ns, &o, &o.ns);
    assert!(demoted.iter().any(|l| l.contains("\"198.51.100.0/24\"")));
    assert!(!demoted.iter().any(|l| l.contains("\"10.24.0.0/16\"")));
    assert_same("peer Master", &k, &k.peer, &o, &o.peer);

    for d in [&mut kp, &mut op, &mut kd, &mut od] {
        d.stop();
    }
    let stopped = assert_same("after SIGTERM", &k, &k.ns, &o, &o.ns);
    assert!(
        !stopped
            .iter()
            .any(|l| l.contains("198.51.100.0/24") || l.contains("keepalived")),
        "{stopped:#?}"
    );
    assert_same("peer after SIGTERM", &k, &k.peer, &o, &o.peer);
}

/// Entries already in the kernel. A route there before the daemons start
/// is taken as theirs (EEXIST counts as added) and removed on leaving. A
/// rule there at start is deleted as a leftover; one that appears while
/// they are Backup is not taken when they become Master (EEXIST fails) and
/// stays after they exit.
#[test]
fn existing_entries_are_handled_as_keepalived() {
    let what = "existing routes differential";
    if skip(what) {
        return;
    }
    let pid = std::process::id();
    let k = Link::new(format!("nb-rt-ek-{pid}"), &[]);
    let o = Link::new(format!("nb-rt-eo-{pid}"), &[]);
    for l in [&k, &o] {
        sh(&format!(
            "ip -n {ns} route add 10.20.0.0/16 via 10.9.0.254 dev eth0 metric 50 proto 18 && \
             ip -n {ns} rule add from 10.9.0.44/32 table 100 priority 100 proto 18",
            ns = l.ns
        ));
    }
    let routes = " virtual_routes {\n  10.20.0.0/16 via 10.9.0.254 dev eth0 metric 50\n }\n \
                  virtual_rules {\n  from 10.9.0.44/32 table 100 priority 100\n  \
                  from 10.9.0.45/32 table 100 priority 101\n }\n";
    let conf = config("", routes, 100);
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    for (l, who, backup) in [
        (&k, "keepalived", "Entering BACKUP STATE"),
        (&o, "vrrpd", "to=\"BACKUP\""),
    ] {
        wait_for(&format!("{who} Backup"), || l.log(&l.ns).contains(backup));
        assert!(!has(&l.ns, "\"10.9.0.44\""), "{who} kept the leftover rule");
        sh(&format!(
            "ip -n {} rule add from 10.9.0.45/32 table 100 priority 101 proto 18",
            l.ns
        ));
    }
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} Master"), || has(&l.ns, "\"10.9.0.44\""));
    }
    assert_same("Master", &k, &k.ns, &o, &o.ns);
    kd.stop();
    od.stop();
    let after = assert_same("after SIGTERM", &k, &k.ns, &o, &o.ns);
    assert!(
        !after.iter().any(|l| l.contains("10.20.0.0/16")),
        "{after:#?}"
    );
    assert!(!after.iter().any(|l| l.contains("10.9.0.44")), "{after:#?}");
    assert!(after.iter().any(|l| l.contains("10.9.0.45")), "{after:#?}");
}

/// A SIGHUP that drops every virtual route and rule of a Master removes them
/// all (keepalived `clear_diff_routes`/`clear_diff_rules`, "all removed"), and
/// one that brings them back adds them again, as keepalived.
#[test]
fn reload_dropping_and_restoring_all_routes_follows_keepalived() {
    let what = "routes reload differential";
    if skip(what) {
        return;
    }
    let pid = std::process::id();
    let extra: &[(&str, &[&str])] = &[("eth1", &[])];
    let k = Link::new(format!("nb-rt-rk-{pid}"), extra);
    let o = Link::new(format!("nb-rt-ro-{pid}"), extra);
    let with = config("", ROUTES_RELOADED, 100);
    let without = config("", "", 100);
    let mut kd = k.start(&k.ns, &with, false);
    let mut od = o.start(&o.ns, &with, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} Master"), || has(&l.ns, "\"10.24.0.0/16\""));
    }
    assert_same("Master", &k, &k.ns, &o, &o.ns);
    k.reload(&kd, &k.ns, &without);
    o.reload(&od, &o.ns, &without);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} dropped its routes"), || {
            !has(&l.ns, "\"10.24.0.0/16\"") && !has(&l.ns, "\"priority\":102")
        });
    }
    let dropped = assert_same("routes dropped by SIGHUP", &k, &k.ns, &o, &o.ns);
    assert!(
        !dropped.iter().any(|l| l.contains("keepalived")),
        "{dropped:#?}"
    );
    assert!(
        dropped.iter().any(|l| l.contains("\"10.9.0.44\"")),
        "VIP lost"
    );
    k.reload(&kd, &k.ns, &with);
    o.reload(&od, &o.ns, &with);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} restored its routes"), || {
            has(&l.ns, "\"10.24.0.0/16\"") && has(&l.ns, "\"priority\":102")
        });
    }
    assert_same("routes restored by SIGHUP", &k, &k.ns, &o, &o.ns);
    kd.stop();
    od.stop();
    assert_same("after SIGTERM", &k, &k.ns, &o, &o.ns);
}

/// A route or rule naming an interface that does not exist stops keepalived's
/// VRRP process before it installs anything ("Non-existent interface specified
/// in configuration"); vrrpd refuses to start too, and neither leaves a
/// static entry behind.
#[test]
fn a_missing_interface_stops_both() {
    let what = "missing interface differential";
    if skip(what) {
        return;
    }
    let pid = std::process::id();
    let k = Link::new(format!("nb-rt-mk-{pid}"), &[]);
    let o = Link::new(format!("nb-rt-mo-{pid}"), &[]);
    for routes in [
        " virtual_routes {\n  10.40.0.0/16 dev nosuch0\n }\n",
        " virtual_rules {\n  from 10.41.0.0/16 iif nosuch1 table 5 priority 113\n }\n",
    ] {
        let conf = config(
            "static_routes {\n 198.51.100.0/24 via 10.9.0.254 dev eth0\n}\n",
            routes,
            100,
        );
        let mut kd = k.start(&k.ns, &conf, false);
        let mut od = o.start(&o.ns, &conf, true);
        for (d, who) in [(&mut kd, "keepalived"), (&mut od, "vrrpd")] {
            let status = d
                .wait_exit(Duration::from_secs(20))
                .unwrap_or_else(|| panic!("{who} still runs with {routes}"));
            if who == "vrrpd" {
                assert!(!status.success(), "vrrpd exited 0 with {routes}");
            }
        }
        assert!(o.log(&o.ns).contains("nosuch"), "{}", o.log(&o.ns));
        let state = assert_same("refused", &k, &k.ns, &o, &o.ns);
        assert!(
            !state.iter().any(|l| l.contains("198.51.100.0")),
            "{state:#?}"
        );
    }
}

/// A corpus file, when the corpus is on this machine.
fn corpus(name: &str) -> Option<String> {
    // The corpus lives beside the repository, never in it.
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/realworld")
        .join(name);
    match std::fs::read_to_string(&p) {
        Ok(t) => Some(t),
        Err(_) => {
            eprintln!("SKIPPED: {} not present", p.display());
            None
        }
    }
}

/// Runs `conf` under both daemons, each alone, and compares the kernel state
/// once `ready` holds in both, and after SIGTERM.
fn corpus_differential(tag: &str, conf: &str, extra: &[(&str, &[&str])], ready: &str) {
    let pid = std::process::id();
    let k = Link::new(format!("nb-rt-c{tag}k-{pid}"), extra);
    let o = Link::new(format!("nb-rt-c{tag}o-{pid}"), extra);
    let mut kd = k.start(&k.ns, conf, false);
    let mut od = o.start(&o.ns, conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} installed {ready}"), || has(&l.ns, ready));
    }
    assert_same(&format!("{tag} Master"), &k, &k.ns, &o, &o.ns);
    kd.stop();
    od.stop();
    assert_same(&format!("{tag} after SIGTERM"), &k, &k.ns, &o, &o.ns);
}

/// Rules with `tunnel-id` (FRA_TUN_ID, vrrp_iprule.c `netlink_rule`): a
/// virtual rule of the Master and a static rule, IPv4 and IPv6, `tunnel-id
/// 0`, which keepalived does not send, and ids above 32 bits, of which
/// keepalived 2.2.7 installs the low 32 (2^32 becomes none). The kernel's
/// rules must be equal under both daemons while Master and after SIGTERM.
#[test]
fn rules_with_tunnel_id_as_keepalived() {
    let what = "rule tunnel-id differential";
    if skip(what) {
        return;
    }
    let pid = std::process::id();
    let extra: &[(&str, &[&str])] = &[("eth1", &[])];
    let k = Link::new(format!("a5-rtk-{pid}"), extra);
    let o = Link::new(format!("a5-rto-{pid}"), extra);
    let statics = "static_rules {\n from 10.41.0.0/16 tunnel-id 9 table 300 priority 301\n}\n";
    let rules = " virtual_rules {\n  from 10.40.0.0/16 tunnel-id 18446744073709551615 table 102 \
                 priority 113\n  from 2001:db8:c::/64 tunnel-id 7 table 102 priority 114\n  \
                 from 10.42.0.0/16 tunnel-id 0 table 102 priority 115\n  \
                 from 10.43.0.0/16 tunnel-id 5000000000 table 102 priority 116\n  \
                 from 10.44.0.0/16 tunnel-id 4294967296 table 102 priority 117\n }\n";
    let conf = config(statics, rules, 100);
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s virtual rules"), || {
            has(&l.ns, "10.40.0.0") && has(&l.ns, "2001:db8:c::") && has(&l.ns, "10.44.0.0")
        });
    }
    let master = assert_same("tunnel-id Master", &k, &k.ns, &o, &o.ns);
    let with_id: Vec<&String> = master.iter().filter(|l| l.contains("tun_id")).collect();
    assert_eq!(with_id.len(), 4, "rules carrying a tunnel id: {master:#?}");
    assert!(
        with_id.iter().any(|l| l.contains("10.41.0.0")),
        "the static rule: {with_id:#?}"
    );
    kd.stop();
    od.stop();
    assert_same("tunnel-id after SIGTERM", &k, &k.ns, &o, &o.ns);
}

/// Routes with `encap ip` / `encap ip6` (RTA_ENCAP, vrrp_iproute.c
/// `add_encap`): ids, addresses, tos/tc, ttl/hoplimit and flags, a virtual
/// route of the Master and a static one; routes with `ttl-propagate`
/// (RTA_TTL_PROPAGATE, which the kernel takes and ignores outside MPLS) and
/// `as to` (reported and ignored by both). The kernel's routes must be equal
/// under both daemons while Master and after SIGTERM.
#[test]
fn routes_with_ip_encap_as_keepalived() {
    let what = "route encap differential";
    if skip(what) {
        return;
    }
    let pid = std::process::id();
    let extra: &[(&str, &[&str])] = &[("eth1", &[])];
    let k = Link::new(format!("a5-rek-{pid}"), extra);
    let o = Link::new(format!("a5-reo-{pid}"), extra);
    let statics = "static_routes {\n 10.52.0.0/16 encap ip id 5 dst 10.9.0.5 dev eth0\n}\n";
    let routes = " virtual_routes {\n  10.50.0.0/16 encap ip id 100 dst 10.9.0.2 dev eth0 metric 5\n  \
                  10.51.0.0/16 encap ip id 7 src 10.9.0.1 dst 10.9.0.3 tos 0x10 ttl 9 flags 1 \
                  dev eth0 table 104\n  \
                  2001:db8:d::/64 encap ip6 id 8 dst fd00:9::2 hoplimit 3 tc 4 dev eth0\n  \
                  10.53.0.0/16 dev eth0 ttl-propagate enabled\n  \
                  2001:db8:e::/64 dev eth0 ttl-propagate disabled\n  \
                  10.54.0.0/16 dev eth0 as to 10.9.0.9\n }\n";
    let conf = config(statics, routes, 100);
    // `ip -j` prints an encapsulated route's own `dst` and the tunnel's
    // `dst` under one key (the JSON keeps the tunnel's): the text output
    // is compared as well.
    let encapped = |ns: &str| -> Vec<String> {
        let mut v: Vec<String> = ["-4", "-6"]
            .iter()
            .flat_map(|f| {
                sh(&format!("ip -n {ns} {f} route show table all"))
                    .lines()
                    .filter(|l| l.contains(" encap "))
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        v.sort();
        v
    };
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s virtual routes"), || {
            encapped(&l.ns).len() == 4
                && has(&l.ns, "10.53.0.0/16")
                && has(&l.ns, "2001:db8:e::/64")
                && has(&l.ns, "10.54.0.0/16")
        });
    }
    assert_same("encap Master", &k, &k.ns, &o, &o.ns);
    let (ke, oe) = (encapped(&k.ns), encapped(&o.ns));
    assert_eq!(
        oe, ke,
        "the encapsulated routes (vrrpd left, keepalived right)"
    );
    for d in [
        "10.50.0.0/16",
        "10.51.0.0/16",
        "10.52.0.0/16",
        "2001:db8:d::/64",
    ] {
        assert!(ke.iter().any(|l| l.starts_with(d)), "{d}: {ke:#?}");
    }
    kd.stop();
    od.stop();
    assert_same("encap after SIGTERM", &k, &k.ns, &o, &o.ns);
}

/// Octavia's IPv4/IPv6 amphora: virtual routes in table 1 with `src`,
/// `scope link`, `onlink` defaults, and rules with `from`. The test copy runs
/// the check script as `/bin/true` and advertises every second instead of
/// every ten (the Master is reached in ~4 s instead of ~31 s); the unicast
/// source 10.0.0.1 goes on `eth1`.
#[test]
fn corpus_octavia_v4v6_same_routes_as_keepalived() {
    let what = "octavia corpus routes differential";
    if skip(what) {
        return;
    }
    let Some(text) = corpus("101-openstack-octavia-test_jinja_cfg-vrrp-v4v6.conf") else {
        return;
    };
    let conf = text
        .replace("/tmp/test/vrrp/check_script.sh", "/bin/true")
        .replace("advert_int 10", "advert_int 1");
    corpus_differential(
        "oct",
        &conf,
        &[("eth1", &["10.0.0.1/24"])],
        "\"2001:db8::ff\"",
    );
}

/// Neutron's router: a `no_track` default route with `protocol static` via
/// an excluded address's subnet, with `auth_type AH` as written. The test
/// copy keeps `VR_1` only: `VR_2` has `mcast_src_ip 224.0.0.1`, a multicast
/// address no interface can hold, and no routes.
#[test]
fn corpus_neutron_same_routes_as_keepalived() {
    let what = "neutron corpus routes differential";
    if skip(what) {
        return;
    }
    let Some(text) = corpus("104-openstack-neutron-test_keepalived.conf") else {
        return;
    };
    let Some(cut) = text.find("vrrp_instance VR_2") else {
        panic!("the corpus file changed: no VR_2");
    };
    let conf = text[..cut].replace("advert_int 5", "advert_int 1");
    corpus_differential(
        "neu",
        &conf,
        &[("eth1", &[]), ("eth2", &[]), ("eth10", &[])],
        "\"192.168.1.1\"",
    );
}

/// The VRRP states `ns` entered, in order, from its daemon's log
/// (keepalived "Entering X STATE", vrrpd `to="X"`).
fn states(link: &Link, ns: &str, vrrpd: bool) -> Vec<&'static str> {
    let log = link.log(ns);
    log.lines()
        .filter_map(|l| {
            ["MASTER", "BACKUP", "FAULT"].into_iter().find(|s| {
                if vrrpd {
                    l.contains(&format!("to=\"{s}\""))
                } else {
                    l.contains(&format!("Entering {s} STATE"))
                }
            })
        })
        .collect()
}

const WATCHED_STATIC: &str = "static_ipaddress {
 192.0.2.50/24 dev eth1
 192.0.3.51/24 dev eth1 no_track
}
static_routes {
 198.51.100.0/24 via 10.9.0.254 dev eth0 metric 30
 198.51.101.0/24 via 10.9.0.254 dev eth0 no_track
 198.51.102.0/24 via 10.9.0.254
 fd00:77::/64 via fd00:9::fe dev eth0
}
static_rules {
 from 198.51.100.0/24 table 300 priority 300
 from 198.51.101.0/24 table 300 priority 301 no_track
}
";

const WATCHED_ROUTES: &str = " virtual_routes {
  10.20.0.0/16 via 10.9.0.254 dev eth0 metric 50
  10.28.0.0/16 dev eth0 no_track
  10.40.0.0/16 via 10.9.0.254
  2001:db8:5::/64 via fd00:9::fe dev eth0
 }
 virtual_rules {
  from 10.9.0.44/32 table 100 priority 100
  from 10.41.0.0/16 table 100 priority 120 no_track
 }
";

/// Entries deleted by someone else (`ip route/rule/addr del` in both
/// namespaces), as keepalived_netlink.c `netlink_route_filter`,
/// `netlink_rule_filter` and `reinstate_static_*`: deleted tracked static
/// routes, rules and addresses come back (an IPv6 static route too: static
/// routes are matched without their metric); `no_track` ones, a route
/// without `dev` (not tracked) and an IPv6 virtual route without `metric`
/// (the kernel reports metric 1024, keepalived compares 0) stay deleted and
/// the instance stays Master; a deleted tracked virtual route, then a deleted tracked virtual
/// rule, each sends the Master to Backup and, with no other router, back to
/// Master with its entries. After each step the kernel state of both
/// namespaces and the sequence of states both daemons logged are equal.
#[test]
fn deleted_entries_are_watched_as_keepalived() {
    let what = "route watch differential";
    if skip(what) {
        return;
    }
    let pid = std::process::id();
    let extra: &[(&str, &[&str])] = &[("eth1", &[])];
    let k = Link::new(format!("nb-rw-k-{pid}"), extra);
    let o = Link::new(format!("nb-rw-o-{pid}"), extra);
    let conf = config(WATCHED_STATIC, WATCHED_ROUTES, 100);
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} Master with its routes"), || {
            has(&l.ns, "\"10.20.0.0/16\"") && has(&l.ns, "\"src\":\"10.9.0.44\"")
        });
    }
    assert_same("Master", &k, &k.ns, &o, &o.ns);
    let same_states = |phase: &str| {
        let (ks, os) = (states(&k, &k.ns, false), states(&o, &o.ns, true));
        assert_eq!(
            os,
            ks,
            "{phase}: states (vrrpd, keepalived)\n--- keepalived log ---\n{}\n--- vrrpd log ---\n{}",
            k.log(&k.ns),
            o.log(&o.ns)
        );
        ks
    };
    let master = same_states("Master");
    assert_eq!(master.last(), Some(&"MASTER"));

    // 1. tracked static route, rule and address: added again
    let del = |cmds: &[&str]| {
        for l in [&k, &o] {
            for c in cmds {
                sh(&format!("ip -n {} {c}", l.ns));
            }
        }
    };
    del(&[
        "route del 198.51.100.0/24 via 10.9.0.254 dev eth0 metric 30",
        "rule del from 198.51.100.0/24 table 300 priority 300",
        "addr del 192.0.2.50/24 dev eth1",
        "-6 route del fd00:77::/64 via fd00:9::fe dev eth0",
    ]);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} restored the static entries"), || {
            has(&l.ns, "\"198.51.100.0/24\"")
                && has(&l.ns, "\"src\":\"198.51.100.0\"")
                && has(&l.ns, "\"fd00:77::/64\"")
                && sh(&format!("ip -n {} -4 addr show dev eth1", l.ns)).contains("192.0.2.50")
        });
    }
    assert_same("static entries restored", &k, &k.ns, &o, &o.ns);

    // 2. no_track and untracked entries: left deleted, still Master
    del(&[
        "route del 198.51.101.0/24 via 10.9.0.254 dev eth0",
        "route del 198.51.102.0/24 via 10.9.0.254",
        "rule del from 198.51.101.0/24 table 300 priority 301",
        "addr del 192.0.3.51/24 dev eth1",
        "route del 10.28.0.0/16 dev eth0",
        "route del 10.40.0.0/16 via 10.9.0.254",
        "rule del from 10.41.0.0/16 table 100 priority 120",
        // reported with the kernel's IPv6 metric 1024, never matched
        "-6 route del 2001:db8:5::/64 via fd00:9::fe dev eth0",
    ]);
    std::thread::sleep(Duration::from_secs(3));
    let left = assert_same("no_track entries deleted", &k, &k.ns, &o, &o.ns);
    for gone in [
        "198.51.101.0/24",
        "198.51.102.0/24",
        "\"src\":\"198.51.101.0\"",
        "10.28.0.0/16",
        "10.40.0.0/16",
        "10.41.0.0",
        "2001:db8:5::/64",
    ] {
        assert!(
            !left.iter().any(|l| l.contains(gone)),
            "{gone} came back: {left:#?}"
        );
    }
    for l in [&k, &o] {
        assert!(!sh(&format!("ip -n {} -4 addr show dev eth1", l.ns)).contains("192.0.3.51"));
    }
    assert_eq!(same_states("after no_track deletions"), master);

    // 3. tracked virtual route: Backup, then Master again with the route
    del(&["route del 10.20.0.0/16 via 10.9.0.254 dev eth0 metric 50"]);
    for (l, ns, vrrpd, who) in [(&k, &k.ns, false, "keepalived"), (&o, &o.ns, true, "vrrpd")] {
        wait_for(&format!("{who} left and took over again"), || {
            states(l, ns, vrrpd).len() >= master.len() + 2 && has(ns, "\"10.20.0.0/16\"")
        });
    }
    let after_route = same_states("after deleting a tracked virtual route");
    assert_eq!(&after_route[master.len()..], ["BACKUP", "MASTER"]);
    assert_same("tracked route deleted", &k, &k.ns, &o, &o.ns);

    // 4. tracked virtual rule: the same
    del(&["rule del from 10.9.0.44/32 table 100 priority 100"]);
    for (l, ns, vrrpd, who) in [(&k, &k.ns, false, "keepalived"), (&o, &o.ns, true, "vrrpd")] {
        wait_for(&format!("{who} left and took over again"), || {
            states(l, ns, vrrpd).len() >= after_route.len() + 2 && has(ns, "\"src\":\"10.9.0.44\"")
        });
    }
    let after_rule = same_states("after deleting a tracked virtual rule");
    assert_eq!(&after_rule[after_route.len()..], ["BACKUP", "MASTER"]);
    assert_same("tracked rule deleted", &k, &k.ns, &o, &o.ns);

    kd.stop();
    od.stop();
    assert_same("after SIGTERM", &k, &k.ns, &o, &o.ns);
}

/// The states instance `name` of `ns` entered, in order, from its daemon's
/// log (keepalived "(NAME) Entering X STATE", vrrpd's "state change" lines).
fn instance_states(link: &Link, ns: &str, vrrpd: bool, name: &str) -> Vec<&'static str> {
    let log = link.log(ns);
    log.lines()
        .filter(|l| {
            if vrrpd {
                l.contains("state change")
                    && !l.contains("sync group")
                    && l.contains(&format!("instance={name} "))
            } else {
                l.contains(&format!("({name}) Entering"))
            }
        })
        .filter_map(|l| {
            ["MASTER", "BACKUP", "FAULT"].into_iter().find(|s| {
                l.contains(&format!("to=\"{s}\"")) || l.contains(&format!("Entering {s} STATE"))
            })
        })
        .collect()
}

/// A deleted tracked virtual route of one instance of a sync group sends
/// the whole group to Backup and back (keepalived `set_vrrp_backup`), as
/// keepalived does; the other instance's routes come back with it.
#[test]
fn deleted_route_in_a_sync_group_as_keepalived() {
    let what = "route watch sync group differential";
    if skip(what) {
        return;
    }
    let pid = std::process::id();
    let k = Link::new(format!("nb-rw-gk-{pid}"), &[]);
    let o = Link::new(format!("nb-rw-go-{pid}"), &[]);
    let conf = "global_defs {\n router_id rw\n}\n\
                vrrp_sync_group G {\n group {\n  one\n  two\n }\n}\n\
                vrrp_instance one {\n state BACKUP\n interface eth0\n virtual_router_id 33\n\
                priority 100\n advert_int 1\n\
                virtual_ipaddress {\n  10.9.0.33/32\n }\n\
                virtual_routes {\n  10.50.0.0/16 via 10.9.0.254 dev eth0\n }\n}\n\
                vrrp_instance two {\n state BACKUP\n interface eth0\n virtual_router_id 34\n\
                priority 100\n advert_int 1\n\
                virtual_ipaddress {\n  10.9.0.34/32\n }\n\
                virtual_routes {\n  10.51.0.0/16 via 10.9.0.254 dev eth0\n }\n}\n";
    let mut kd = k.start(&k.ns, conf, false);
    let mut od = o.start(&o.ns, conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s group Master"), || {
            has(&l.ns, "\"10.50.0.0/16\"") && has(&l.ns, "\"10.51.0.0/16\"")
        });
    }
    assert_same("Master", &k, &k.ns, &o, &o.ns);
    let before: Vec<usize> = ["one", "two"]
        .iter()
        .map(|i| instance_states(&k, &k.ns, false, i).len())
        .collect();
    for l in [&k, &o] {
        sh(&format!(
            "ip -n {} route del 10.50.0.0/16 via 10.9.0.254 dev eth0",
            l.ns
        ));
    }
    for (l, vrrpd, who) in [(&k, false, "keepalived"), (&o, true, "vrrpd")] {
        wait_for(&format!("{who}'s group back"), || {
            ["one", "two"]
                .iter()
                .zip(&before)
                .all(|(i, n)| instance_states(l, &l.ns, vrrpd, i).len() >= n + 2)
                && has(&l.ns, "\"10.50.0.0/16\"")
        });
    }
    std::thread::sleep(Duration::from_secs(2));
    for (i, n) in ["one", "two"].iter().zip(&before) {
        let (ks, os) = (
            instance_states(&k, &k.ns, false, i),
            instance_states(&o, &o.ns, true, i),
        );
        assert_eq!(
            os,
            ks,
            "{i}: states (vrrpd, keepalived)\n--- keepalived log ---\n{}\n--- vrrpd log ---\n{}",
            k.log(&k.ns),
            o.log(&o.ns)
        );
        assert_eq!(&ks[*n..], ["BACKUP", "MASTER"], "{i}");
    }
    assert_same("group back", &k, &k.ns, &o, &o.ns);
    kd.stop();
    od.stop();
    assert_same("after SIGTERM", &k, &k.ns, &o, &o.ns);
}
