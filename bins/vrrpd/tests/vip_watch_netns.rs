//! A VIP deleted by someone else, against keepalived 2.2.7 (root, network
//! namespaces, keepalived and tcpdump installed; else `SKIPPED:`).
//!
//! keepalived runs in one namespace, this build's vrrpd in another, each on
//! a veth link to a peer namespace, with the same config: two VIPs, the
//! second `no_track`. In both, while Master:
//!
//! 1. `ip addr del` of the `no_track` VIP: nothing happens (still Master, the
//!    VIP stays gone);
//! 2. `ip addr del` of the tracked VIP: the Master sends priority 0, goes
//!    Backup, and after Skew_Time takes over again with both VIPs back;
//! 3. with a lower-priority peer running the same daemon (keepalived next to
//!    keepalived, vrrpd next to vrrpd), the same deletion: the Master comes
//!    back, the peer stays Backup; the VIP then added by hand on the Backup
//!    is left there and its state does not change.
//!
//! After each step the notify-script state sequence, `ip -j addr` of every
//! namespace and the count of priority-0 adverts on the wire must be equal
//! for both daemons. IPv4 (VRRPv2) and IPv6 (VRRPv3); then a sync group of
//! two instances (both leave and come back, in keepalived's order) and a
//! VIP on a `use_vmac` macvlan.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shell as sh;

use common::netns::{Daemon, Pair as Link, Running, addresses, skip_differential, wait_until};

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The router `NAME` and its peer `NAME-p` (`common::netns::Pair`), with the MACs
/// set; both deleted on drop, with the temporary directory.
impl Link {
    fn new(name: String) -> Self {
        Link::build(&name, true)
    }

    /// `ip -j addr show dev eth0` of `ns` with the lifetimes dropped.
    fn addresses(&self, ns: &str) -> Value {
        self.addresses_of(ns, "eth0")
    }

    /// `ip -j addr show dev DEV` of `ns` with the lifetimes dropped.
    fn addresses_of(&self, ns: &str, dev: &str) -> Value {
        addresses(ns, dev)
    }

    fn has_address(&self, ns: &str, addr: &str) -> bool {
        self.addresses(ns)
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["local"] == addr))
    }

    /// The states the notify script of `ns` saw for the instance `vips`, in
    /// order.
    fn states(&self, ns: &str) -> Vec<String> {
        self.instance_states(ns, "vips")
    }

    /// The states the notify script of `ns` saw for `instance`, in order.
    fn instance_states(&self, ns: &str, instance: &str) -> Vec<String> {
        std::fs::read_to_string(self.lab.path(&format!("{ns}.{instance}.states")))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Starts keepalived (`vrrpd` false) or this build's vrrpd in `ns`
    /// with `conf`, where `NOTIFY` is replaced by a notify script appending
    /// the new state to `<ns>.<instance>.states`.
    fn start(&self, ns: &str, conf: &str, vrrpd: bool) -> Running {
        let script = self.lab.write_script(
            &format!("{ns}.notify.sh"),
            &format!(
                "#!/bin/sh\necho \"$3\" >> {}/{ns}.\"$2\".states\n",
                self.lab.dir.display()
            ),
        );
        let conf = conf.replace("NOTIFY", &script.display().to_string());
        let path = self.lab.write_conf(ns, &conf);
        self.lab.start(ns, Daemon::of(vrrpd), &path, ns)
    }

    /// tcpdump of the VRRP packets on the router side, until dropped.
    fn capture(&self) -> Capture {
        let file = self.lab.path("vrrp.txt");
        let out = std::fs::File::create(&file).unwrap();
        let child = Command::new("ip")
            .args([
                "netns", "exec", &self.ns, "tcpdump", "-l", "-n", "-v", "-i", "eth0",
            ])
            .arg("ip proto 112 or ip6 proto 112")
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Capture {
            _kid: common::Kid(child),
            file,
        }
    }
}

/// A running tcpdump and the file it writes.
struct Capture {
    _kid: common::Kid,
    file: PathBuf,
}

impl Capture {
    /// Adverts with priority 0 seen so far.
    fn releases(&self) -> usize {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .matches("prio 0,")
            .count()
    }
}

fn wait_for(what: &str, ok: impl FnMut() -> bool) {
    wait_until(Duration::from_secs(20), what, ok);
}

fn config(vips: [&str; 2], plen: u8, priority: u8, version: u8) -> String {
    format!(
        "global_defs {{\n router_id vw\n script_user root\n}}\n\
         vrrp_instance vips {{\n state BACKUP\n interface eth0\n virtual_router_id 33\n\
         version {version}\n priority {priority}\n advert_int 1\n notify NOTIFY\n\
         virtual_ipaddress {{\n {}/{plen}\n {}/{plen} no_track\n }}\n}}\n",
        vips[0], vips[1]
    )
}

fn skip() -> bool {
    skip_differential("VIP watch differential", &["keepalived", "tcpdump"])
}

/// Runs `step` in both links, waits `settle`, and checks that the states,
/// addresses and priority-0 counts agree; returns vrrpd's states.
fn compare(
    what: &str,
    links: [(&Link, &Capture); 2],
    settle: Duration,
    step: impl Fn(&Link),
) -> Vec<String> {
    for (l, _) in links {
        step(l);
    }
    std::thread::sleep(settle);
    let [(k, kc), (o, oc)] = links;
    for (ns_k, ns_o) in [(&k.ns, &o.ns), (&k.peer, &o.peer)] {
        assert_eq!(
            o.states(ns_o),
            k.states(ns_k),
            "{what}: notified states (vrrpd left, keepalived right)"
        );
        assert_eq!(
            o.addresses(ns_o),
            k.addresses(ns_k),
            "{what}: addresses (vrrpd left, keepalived right)"
        );
    }
    assert_eq!(oc.releases(), kc.releases(), "{what}: priority-0 adverts");
    o.states(&o.ns)
}

fn differential(vips: [&'static str; 2], version: u8, tag: &str) {
    if skip() {
        return;
    }
    let pid = std::process::id();
    let k = Link::new(format!("nb-vwk{tag}-{pid}"));
    let o = Link::new(format!("nb-vwo{tag}-{pid}"));
    let kc = k.capture();
    let oc = o.capture();
    // IPv6 VIPs as /64: keepalived 2.2.7 adds a /128 without
    // `preferred_lft` deprecated (vrrpd too); these stay preferred.
    let plen = if vips[0].contains(':') { 64 } else { 32 };
    let conf = config(vips, plen, 100, version);
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} Master with its VIPs"), || {
            l.states(&l.ns).last().is_some_and(|s| s == "MASTER")
                && vips.iter().all(|v| l.has_address(&l.ns, v))
        });
    }
    let links = [(&k, &kc), (&o, &oc)];
    let del = |v: &'static str| {
        move |l: &Link| {
            sh(&format!("ip -n {} addr del {v}/{plen} dev eth0", l.ns));
        }
    };

    // 1. The no_track VIP: nothing happens.
    let s = compare(
        "no_track VIP deleted",
        links,
        Duration::from_secs(2),
        del(vips[1]),
    );
    assert_eq!(s, ["BACKUP", "MASTER"]);
    assert!(!o.has_address(&o.ns, vips[1]) && o.has_address(&o.ns, vips[0]));
    assert_eq!(oc.releases(), 0);

    // 2. The tracked VIP: Backup with priority 0, Master again after
    //    Skew_Time with every VIP back.
    let s = compare(
        "tracked VIP deleted",
        links,
        Duration::from_secs(3),
        del(vips[0]),
    );
    assert_eq!(s, ["BACKUP", "MASTER", "BACKUP", "MASTER"]);
    assert!(vips.iter().all(|v| o.has_address(&o.ns, v)));
    assert_eq!(oc.releases(), 1);

    // 3. A lower-priority peer of the same kind: it hears priority 0, but
    //    the Master's shorter Skew_Time wins.
    let low = config(vips, plen, 50, version);
    let mut kp = k.start(&k.peer, &low, false);
    let mut op = o.start(&o.peer, &low, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s peer Backup"), || {
            l.states(&l.peer).last().is_some_and(|s| s == "BACKUP")
        });
    }
    let s = compare(
        "tracked VIP deleted with a peer",
        links,
        Duration::from_secs(3),
        del(vips[0]),
    );
    assert_eq!(s.len(), 6, "{s:?}");
    assert_eq!(o.states(&o.peer), ["BACKUP"]);
    assert_eq!(oc.releases(), 2);

    // The VIP added by hand on the Backup stays, and nothing changes.
    compare(
        "VIP added on the Backup",
        links,
        Duration::from_secs(2),
        |l: &Link| {
            sh(&format!(
                "ip -n {} addr add {}/{plen} dev eth0 nodad",
                l.peer, vips[0]
            ));
        },
    );
    assert!(o.has_address(&o.peer, vips[0]));
    assert_eq!(o.states(&o.peer), ["BACKUP"]);

    for d in [&mut kp, &mut op, &mut kd, &mut od] {
        d.stop();
    }
}

#[test]
fn deleted_ipv4_vip_as_keepalived() {
    differential(["10.9.0.33", "10.9.0.34"], 2, "4");
}

#[test]
fn deleted_ipv6_vip_as_keepalived() {
    differential(["fd00:9::33", "fd00:9::34"], 3, "6");
}

/// A sync group: the deleted VIP of one member sends every Master of the
/// group to Backup with priority 0 (keepalived `set_vrrp_backup`), and the
/// group comes back together.
#[test]
fn deleted_vip_in_a_sync_group_as_keepalived() {
    if skip() {
        return;
    }
    let pid = std::process::id();
    let k = Link::new(format!("nb-vwkg-{pid}"));
    let o = Link::new(format!("nb-vwog-{pid}"));
    let kc = k.capture();
    let oc = o.capture();
    let conf = "global_defs {\n router_id vw\n script_user root\n}\n\
                vrrp_sync_group G {\n group {\n  one\n  two\n }\n}\n\
                vrrp_instance one {\n state BACKUP\n interface eth0\n virtual_router_id 33\n\
                priority 100\n advert_int 1\n notify NOTIFY\n\
                virtual_ipaddress {\n 10.9.0.33/32\n }\n}\n\
                vrrp_instance two {\n state BACKUP\n interface eth0\n virtual_router_id 34\n\
                priority 100\n advert_int 1\n notify NOTIFY\n\
                virtual_ipaddress {\n 10.9.0.34/32\n }\n}\n";
    let mut kd = k.start(&k.ns, conf, false);
    let mut od = o.start(&o.ns, conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s group Master"), || {
            ["one", "two"].iter().all(|i| {
                l.instance_states(&l.ns, i)
                    .last()
                    .is_some_and(|s| s == "MASTER")
            }) && l.has_address(&l.ns, "10.9.0.33")
                && l.has_address(&l.ns, "10.9.0.34")
        });
    }
    for l in [&k, &o] {
        sh(&format!("ip -n {} addr del 10.9.0.33/32 dev eth0", l.ns));
    }
    std::thread::sleep(Duration::from_secs(4));
    for i in ["one", "two"] {
        assert_eq!(
            o.instance_states(&o.ns, i),
            k.instance_states(&k.ns, i),
            "{i}: notified states (vrrpd left, keepalived right)"
        );
        assert_eq!(
            o.instance_states(&o.ns, i),
            ["BACKUP", "MASTER", "BACKUP", "MASTER"]
        );
    }
    assert_eq!(o.addresses(&o.ns), k.addresses(&k.ns), "addresses");
    assert!(o.has_address(&o.ns, "10.9.0.33") && o.has_address(&o.ns, "10.9.0.34"));
    assert_eq!(oc.releases(), kc.releases(), "priority-0 adverts");
    assert_eq!(oc.releases(), 2);
    kd.stop();
    od.stop();
}

/// With `use_vmac` the VIP lives on the VMAC: its deletion there is noticed
/// the same way (keepalived tracks the VMAC interface for the instance).
#[test]
fn deleted_vip_on_a_vmac_as_keepalived() {
    if skip() {
        return;
    }
    let pid = std::process::id();
    let k = Link::new(format!("nb-vwkm-{pid}"));
    let o = Link::new(format!("nb-vwom-{pid}"));
    let kc = k.capture();
    let oc = o.capture();
    let conf = "global_defs {\n router_id vw\n script_user root\n}\n\
                vrrp_instance vips {\n state BACKUP\n interface eth0\n virtual_router_id 33\n\
                priority 100\n advert_int 1\n use_vmac\n notify NOTIFY\n\
                virtual_ipaddress {\n 10.9.0.33/32\n }\n}\n";
    let mut kd = k.start(&k.ns, conf, false);
    let mut od = o.start(&o.ns, conf, true);
    let on_vmac = |l: &Link| {
        l.addresses_of(&l.ns, "vrrp.33")
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["local"] == "10.9.0.33"))
    };
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} Master with its VIP on the VMAC"), || {
            l.states(&l.ns).last().is_some_and(|s| s == "MASTER") && on_vmac(l)
        });
    }
    for l in [&k, &o] {
        sh(&format!("ip -n {} addr del 10.9.0.33/32 dev vrrp.33", l.ns));
    }
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(o.states(&o.ns), k.states(&k.ns), "notified states");
    assert_eq!(o.states(&o.ns), ["BACKUP", "MASTER", "BACKUP", "MASTER"]);
    assert_eq!(
        o.addresses_of(&o.ns, "vrrp.33"),
        k.addresses_of(&k.ns, "vrrp.33"),
        "the VMAC's addresses"
    );
    assert!(on_vmac(&o));
    assert_eq!(oc.releases(), kc.releases(), "priority-0 adverts");
    assert_eq!(oc.releases(), 1);
    kd.stop();
    od.stop();
}
