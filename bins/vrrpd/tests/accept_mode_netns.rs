//! Accept_Mode = False against keepalived 2.2.7 (root, network namespaces,
//! keepalived, nft and ping installed; else `SKIPPED:`).
//!
//! Two routers, each alone on a veth link with a peer namespace: keepalived
//! runs in one, this build's vrrpd in the other, with the same `no_accept`
//! config. Each becomes Master; `nft -j list ruleset` of both, with handles,
//! counter values and nft's metainfo stripped, must be equal, and a ping and
//! a TCP connection to the VIP from the peer are dropped. Then a higher-priority router in each
//! peer namespace (keepalived against keepalived, vrrpd against vrrpd)
//! demotes them: the table stays with an emptied set, again equal. After
//! SIGTERM neither namespace has a table. IPv4 and IPv6 (a global VIP;
//! a link-local first VIP, dropped per interface by index, or by name with
//! `dont_track_primary`, by index again with `nftables_ifindex`), where the
//! peer still resolves the dropped VIP (neighbour discovery passes). With
//! `use_vmac` (IPv4 with accept, IPv6 with no_accept) the VMAC rules are
//! the same as keepalived's, and MLD reports leaving by the VMAC go through
//! the rule that re-sends them from the parent. Also `vrrp_strict` alone,
//! the address owner (no table, answered), three instances sharing the
//! tables, and reloads changing the nftables settings.
//! With `accept` the ping is answered and no table is installed; a SIGHUP
//! reload flipping the accept mode of a Master fills and empties the set as
//! keepalived does.
//! A Master killed with SIGKILL and restarted (its table kept while it is
//! Backup, replaced when it is Master again); a user's `table inet filter`
//! and a foreign `table ip keepalived` made before start; strict mode with
//! VRRPv2; `disable_local_igmp` (the sysctl and no IPv4 VMAC rules; with the
//! sysctl read-only, keepalived's "kernel does not support" and the rules); the
//! IGMP reports of an IPv4 VMAC leaving by its parent (tcpdump); the
//! tenant configuration with `vrrp_iptables` (no table at all); vrrpd
//! without `PATH` (no `nft` run). `vrrpd
//! status` reports the accept mode, its reason and the drop set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Pair, Running, skip_differential, wait_until};
use common::{have, shell as sh};

use std::process::{Command, Stdio};
use std::time::Duration;

use keepalived_nft::testing::normalise;
use serde_json::Value;

/// How long a daemon may take to reach a state: Master_Down_Interval is
/// under 4 s, the rest is room for a loaded machine.
const WAIT: Duration = Duration::from_secs(20);

/// A router namespace `NAME` and its peer `NAME-p` (a [`Pair`]: veth `eth0`
/// on both sides, router .1, peer .2); the daemons started in either are
/// tagged with their namespace's name.
struct Link(Pair);

impl std::ops::Deref for Link {
    type Target = Pair;
    fn deref(&self) -> &Pair {
        &self.0
    }
}

impl Link {
    fn new(name: String) -> Self {
        Link(Pair::build(&name, false))
    }

    fn ruleset(&self, ns: &str) -> Value {
        let text = sh(&format!("ip netns exec {ns} nft -j list ruleset"));
        normalise(serde_json::from_str(&text).unwrap())
    }

    /// The `firewall` object of `vrrpd status` for the vrrpd started in `ns`.
    fn fw_status(&self, ns: &str) -> Value {
        let text = sh(&format!(
            "ip netns exec {ns} {} status --socket {}",
            env!("CARGO_BIN_EXE_vrrpd"),
            self.lab.socket(ns).display()
        ));
        let v: Value = serde_json::from_str(&text).unwrap();
        v["firewall"].clone()
    }

    fn has_address(&self, ns: &str, addr: &str) -> bool {
        sh(&format!("ip -n {ns} addr show")).contains(&format!(" {addr}/"))
    }

    /// Whether a TCP connection from the peer to port 9 of `vip` (where
    /// nothing listens) is answered, by a reset or an accept, within 3 s;
    /// a dropped SYN is retried by the kernel and gets nothing back. 3 s
    /// leaves an answered SYN (a round trip on a veth) ample time on a
    /// loaded machine.
    fn tcp_answered(&self, vip: &str) -> bool {
        let status = Command::new("ip")
            .args(["netns", "exec", &self.peer, "timeout", "3", "bash", "-c"])
            .arg(format!("exec 3<>/dev/tcp/{vip}/9"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        // timeout(1) exits 124 when the time ran out
        status.code() != Some(124)
    }

    /// Whether two pings (1 s timeout each) from the peer to `vip` are
    /// answered.
    fn ping_answered(&self, vip: &str) -> bool {
        Command::new("ip")
            .args([
                "netns", "exec", &self.peer, "ping", "-n", "-q", "-c", "2", "-W", "1",
            ])
            .arg(vip)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    }

    /// Starts keepalived (`vrrpd` false) or this build's vrrpd in `ns`
    /// with `conf`.
    fn start(&self, ns: &str, conf: &str, vrrpd: bool) -> Running {
        self.lab.start_conf(ns, Daemon::of(vrrpd), conf, ns)
    }

    /// [`Link::start`] with `wrap` (a command that execs its arguments)
    /// between `ip netns exec NS` and the daemon.
    fn start_wrapped(&self, ns: &str, conf: &str, vrrpd: bool, wrap: &[&str]) -> Running {
        let path = self.lab.write_conf(ns, conf);
        self.lab
            .start_wrapped(ns, Daemon::of(vrrpd), &path, ns, wrap, &[])
    }

    /// SIGHUP to `daemon` (started in `ns`) after rewriting its config
    /// with `conf`.
    fn reload(&self, daemon: &Running, ns: &str, conf: &str) {
        self.lab.reload(daemon, ns, conf);
    }

    /// True once the daemon started in `ns` runs its instances: vrrpd's
    /// control socket answers, keepalived's VRRP child wrote its pid file.
    fn up(&self, ns: &str, daemon: &Running) -> bool {
        match daemon.daemon() {
            Daemon::Vrrpd => self.lab.status(ns).is_some(),
            _ => self.lab.path(&format!("{ns}.v.pid")).exists(),
        }
    }
}

fn wait_for(what: &str, ok: impl FnMut() -> bool) {
    wait_until(WAIT, what, ok);
}

fn config_with(global: &str, vip: &str, priority: u8, accept: &str) -> String {
    let vip = vip.replace(',', "\n ");
    format!(
        "global_defs {{\n router_id nD\n {global}\n}}\n\
         vrrp_instance vips {{\n state BACKUP\n interface eth0\n virtual_router_id 33\n\
         version 3\n priority {priority}\n advert_int 1\n {accept}\n\
         virtual_ipaddress {{\n {vip}\n }}\n}}\n"
    )
}

fn skip() -> bool {
    skip_differential("accept mode differential", &["keepalived", "nft", "ping"])
}

fn differential(vip: &str, global: &str) {
    let tag = match (vip.contains(':'), global.is_empty()) {
        (true, _) => "6",
        (false, true) => "4",
        (false, false) => "g",
    };
    differential_with(tag, vip, global, "no_accept");
}

/// `vips`: comma-separated, the last one global (pinged); `accept`: the
/// instance's extra lines.
fn differential_with(tag: &str, vips: &str, global: &str, accept: &str) {
    differential_version(tag, vips, global, accept, 3);
}

/// [`differential_with`] for VRRP `version`; with version 2 the rulesets
/// are also compared while both routers are still Backup.
fn differential_version(tag: &str, vips: &str, global: &str, accept: &str, version: u8) {
    differential_setup(&format!("fw-a{tag}"), vips, global, accept, version, |_| {});
}

/// The two [`Link`]s of a differential: keepalived's, named
/// `{prefix}k-PID`, and vrrpd's, `{prefix}o-PID`; None (after a `SKIPPED:`
/// line) when the differential is skipped.
fn links(prefix: &str) -> Option<(Link, Link)> {
    if skip() {
        return None;
    }
    let pid = std::process::id();
    Some((
        Link::new(format!("{prefix}k-{pid}")),
        Link::new(format!("{prefix}o-{pid}")),
    ))
}

/// [`differential_version`] with `setup` run on both [`Link`]s before the
/// daemons start; the namespaces' names start with `prefix`.
fn differential_setup(
    prefix: &str,
    vips: &str,
    global: &str,
    accept: &str,
    version: u8,
    setup: impl Fn(&Link),
) {
    let vip = vips.rsplit(',').next().unwrap_or(vips);
    let Some((k, o)) = links(prefix) else {
        return;
    };
    setup(&k);
    setup(&o);
    let versioned = |c: String| c.replace("version 3", &format!("version {version}"));
    let conf = versioned(config_with(global, vips, 100, accept));
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    if version == 2 {
        // Master_Down_Interval is over 3 s: both are still Backup once they
        // run (polled until both run and their rulesets agree).
        wait_for("both running with the same Backup ruleset", || {
            k.up(&k.ns, &kd) && o.up(&o.ns, &od) && o.ruleset(&o.ns) == k.ruleset(&k.ns)
        });
        assert!(!o.has_address(&o.ns, vip) && !k.has_address(&k.ns, vip));
    }
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s drop set and VIP"), || {
            l.ruleset(&l.ns).to_string().contains(vip) && l.has_address(&l.ns, vip)
        });
    }
    let master = o.ruleset(&o.ns);
    assert_eq!(master, k.ruleset(&k.ns), "Master: the same ruleset");
    assert!(master.to_string().contains("\"drop\""), "{master}");
    // vrrpd status: accept mode off and why, the VIPs in the drop set.
    let fw = o.fw_status(&o.ns);
    let why = if accept.contains("no_accept") {
        "no_accept"
    } else {
        "strict"
    };
    let table = if global.contains("nftables vrrp_fw") {
        "vrrp_fw"
    } else {
        "keepalived"
    };
    assert_eq!(fw["table"], table, "{fw}");
    assert_eq!(fw["failures"], 0, "{fw}");
    let me = &fw["instances"]["vips"];
    assert_eq!(me["accept_mode"], false, "{fw}");
    assert_eq!(me["reason"], why, "{fw}");
    assert_eq!(me["dropping"], true, "{fw}");
    assert!(me["dropped"].to_string().contains(vip), "{fw}");
    assert!(me["last_error"].is_null(), "{fw}");
    // Accept_Mode = False: the Master does not answer for the VIP.
    assert!(!k.ping_answered(vip), "keepalived's Master answered");
    assert!(!o.ping_answered(vip), "vrrpd's Master answered");
    assert!(!k.tcp_answered(vip), "keepalived's Master answered TCP");
    assert!(!o.tcp_answered(vip), "vrrpd's Master answered TCP");
    if vip.contains(':') {
        // Neighbour discovery passes: the peer resolved the VIP.
        for l in [&k, &o] {
            let neigh = sh(&format!("ip -n {} -6 neigh show {vip}", l.peer));
            assert!(neigh.contains("lladdr"), "{}: {neigh}", l.ns);
        }
    }

    // A higher priority on the peer side demotes each: the table stays, its
    // set emptied, in keepalived's namespace as in ours.
    let high = versioned(config_with(global, vips, 200, accept));
    let mut kp = k.start(&k.peer, &high, false);
    let mut op = o.start(&o.peer, &high, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} demoted"), || {
            !l.has_address(&l.ns, vip) && !l.ruleset(&l.ns).to_string().contains(vip)
        });
        wait_for(&format!("{who}'s peer Master"), || {
            l.ruleset(&l.peer).to_string().contains(vip)
        });
    }
    let demoted = o.ruleset(&o.ns);
    assert!(demoted.to_string().contains("\"vips\""), "{demoted}");
    let fw = o.fw_status(&o.ns);
    assert_eq!(fw["instances"]["vips"]["dropping"], false, "{fw}");
    assert_eq!(
        fw["instances"]["vips"]["dropped"],
        Value::Array(vec![]),
        "{fw}"
    );
    assert_eq!(demoted, k.ruleset(&k.ns), "demoted: the same ruleset");
    assert_eq!(o.ruleset(&o.peer), k.ruleset(&k.peer), "peer Masters");

    for d in [&mut kp, &mut op, &mut kd, &mut od] {
        d.stop();
    }
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        for ns in [&l.ns, &l.peer] {
            assert_eq!(l.ruleset(ns), Value::Array(vec![]), "{who} left a table");
        }
    }
}

#[test]
fn no_accept_ipv4_same_rules_as_keepalived() {
    differential("10.9.0.33", "");
}

/// `nftables TABLE`, `nftables_priority`, `nftables_counters` honoured.
#[test]
fn no_accept_with_nftables_settings_same_rules_as_keepalived() {
    differential(
        "10.9.0.33",
        "nftables vrrp_fw\n nftables_priority -5\n nftables_counters",
    );
}

#[test]
fn no_accept_ipv6_same_rules_as_keepalived() {
    differential("fd00:9::33", "");
}

/// A link-local first VIP: set `vips_link_local` keyed by interface index.
#[test]
fn no_accept_link_local_vip_same_rules_as_keepalived() {
    differential_with(
        "ll",
        "fe80::33,fd00:9::33",
        "nftables_counters",
        "no_accept",
    );
}

/// `dont_track_primary`: keyed by interface name (`vips_link_local_name`).
#[test]
fn no_accept_link_local_dont_track_primary_same_rules_as_keepalived() {
    differential_with(
        "dt",
        "fe80::33,fd00:9::33",
        "",
        "no_accept\n dont_track_primary",
    );
}

/// `dont_track_primary` with link-local VIPs on a second interface: one
/// with its own `no_track`, keyed by that interface's name, one without,
/// keyed by its index (vrrp_nftables.c `nft_update_ipv6_address`).
#[test]
fn no_accept_link_local_no_track_on_another_interface_same_rules_as_keepalived() {
    differential_setup(
        "a5-ant",
        "fe80::33,fe80::34 dev eth1 no_track,fe80::35 dev eth1,fd00:9::33",
        "",
        "no_accept\n dont_track_primary",
        3,
        |l| {
            // in the peer too: it runs the same VIPs to demote the router
            for n in [&l.ns, &l.peer] {
                sh(&format!(
                    "ip -n {n} link add eth1 type veth peer name eth1p && \
                     ip -n {n} link set eth1 up && ip -n {n} link set eth1p up"
                ));
            }
        },
    );
}

/// The tenant configuration of keepalived-conf's user corpus (its VRRP
/// part on `eth0`, the VIP in the link's subnet): `vrrp_iptables
/// KUBE-KEEPALIVED-VIP`, no `no_accept`, no strict mode. keepalived 2.2.7
/// (nftables only) says "iptables not supported, using nftables instead"
/// and installs nothing; so does vrrpd, through start, Master (the ping
/// answered), SIGHUP and SIGTERM.
#[test]
fn tenant_vrrp_iptables_installs_nothing_as_keepalived() {
    let tenant = include_str!("../../../keepalived-conf/tests/data/user/tenant-vip.conf");
    // The VRRP part only: the virtual_server and the `lvs_*` settings are
    // IPVS's (keepalived 2.2.7's VRRP process dies of SIGSEGV at start with
    // `lvs_sync_daemon` where IPVS cannot be loaded, as in these namespaces).
    let vrrp: String = tenant
        .split("# Service:")
        .next()
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("lvs_"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replace("bond0", "eth0")
        .replace("192.168.143.33", "10.9.0.33");
    assert!(vrrp.contains("vrrp_iptables KUBE-KEEPALIVED-VIP"), "{vrrp}");
    let vip = "10.9.0.33";
    let Some((k, o)) = links("a5-at") else {
        return;
    };
    for (l, daemon) in [(&k, "keepalived"), (&o, env!("CARGO_BIN_EXE_vrrpd"))] {
        let path = l.lab.dir.join("t.conf");
        std::fs::write(&path, &vrrp).unwrap();
        let out = Command::new("ip")
            .args(["netns", "exec", &l.ns, daemon, "-t", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            said.contains("iptables not supported, using nftables instead"),
            "{daemon} -t: {said}"
        );
    }
    let mut kd = k.start(&k.ns, &vrrp, false);
    let mut od = o.start(&o.ns, &vrrp, true);
    let empty = Value::Array(vec![]);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s VIP"), || l.has_address(&l.ns, vip));
        assert_eq!(l.ruleset(&l.ns), empty, "{who}: Master");
        assert!(l.ping_answered(vip), "{who}'s Master did not answer");
    }
    let fw = o.fw_status(&o.ns);
    assert_eq!(fw["instances"]["vips"]["accept_mode"], true, "{fw}");
    assert_eq!(fw["instances"]["vips"]["dropping"], false, "{fw}");
    k.reload(&kd, &k.ns, &vrrp);
    o.reload(&od, &o.ns, &vrrp);
    // A reload takes a moment; the VIP stays and still nothing is installed.
    std::thread::sleep(Duration::from_secs(2));
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s VIP after SIGHUP"), || {
            l.has_address(&l.ns, vip)
        });
        assert_eq!(l.ruleset(&l.ns), empty, "{who}: after SIGHUP");
    }
    kd.stop();
    od.stop();
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        assert_eq!(l.ruleset(&l.ns), empty, "{who}: after SIGTERM");
    }
}

/// The rules are sent over netlink, not by running `nft`: vrrpd started
/// with an empty environment (no `PATH`, so no `nft` could be found) still
/// installs keepalived's ruleset for a `no_accept` Master and the ping to
/// the VIP is dropped.
#[test]
fn no_accept_without_nft_on_path_same_rules_as_keepalived() {
    let vip = "10.9.0.33";
    let Some((k, o)) = links("a5-ae") else {
        return;
    };
    let conf = config_with("", vip, 100, "no_accept");
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start_wrapped(&o.ns, &conf, true, &["env", "-i"]);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s drop set and VIP"), || {
            l.ruleset(&l.ns).to_string().contains(vip) && l.has_address(&l.ns, vip)
        });
    }
    let (kr, or) = (k.ruleset(&k.ns), o.ruleset(&o.ns));
    let answered = o.ping_answered(vip);
    kd.stop();
    od.stop();
    assert_eq!(or, kr, "Master: the same ruleset");
    assert!(!answered, "vrrpd's Master answered");
    assert_eq!(o.ruleset(&o.ns), Value::Array(vec![]), "table left at exit");
}

/// `nftables_ifindex`: keyed by index again.
#[test]
fn no_accept_link_local_nftables_ifindex_same_rules_as_keepalived() {
    differential_with(
        "ix",
        "fe80::33,fd00:9::33",
        "nftables_ifindex",
        "no_accept\n dont_track_primary",
    );
}

/// With `accept` the Master answers for the VIP and has no table. A reload
/// to `no_accept` while Master fills the set (keepalived
/// `clear_diff_vrrp_vip`), one back to `accept` empties it and keeps the
/// table, as keepalived. `nftables` is written out: without it keepalived
/// 2.2.7 forgets the table name it picked when a reload leaves no instance
/// needing it, so the VIP stays dropped and the table stays after exit
/// (seen with these configs); vrrpd keeps the name and empties the set.
#[test]
fn accept_answers_and_a_reload_flips_it_as_keepalived() {
    let vip = "10.9.0.33";
    let Some((k, o)) = links("fw-aa") else {
        return;
    };
    let accept = config_with("nftables", vip, 100, "accept");
    let mut kd = k.start(&k.ns, &accept, false);
    let mut od = o.start(&o.ns, &accept, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s VIP"), || l.has_address(&l.ns, vip));
        assert!(l.ping_answered(vip), "{who}'s accept Master did not answer");
        assert!(
            l.tcp_answered(vip),
            "{who}'s accept Master did not answer TCP"
        );
        assert_eq!(l.ruleset(&l.ns), Value::Array(vec![]), "{who}");
    }
    let no_accept = config_with("nftables", vip, 100, "no_accept");
    k.reload(&kd, &k.ns, &no_accept);
    o.reload(&od, &o.ns, &no_accept);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s drop set after reload"), || {
            l.ruleset(&l.ns).to_string().contains(vip)
        });
        assert!(l.has_address(&l.ns, vip), "{who} lost its VIP");
        assert!(!l.ping_answered(vip), "{who}'s no_accept Master answered");
        assert!(
            !l.tcp_answered(vip),
            "{who}'s no_accept Master answered TCP"
        );
    }
    assert_eq!(
        o.ruleset(&o.ns),
        k.ruleset(&k.ns),
        "after reload to no_accept"
    );
    k.reload(&kd, &k.ns, &accept);
    o.reload(&od, &o.ns, &accept);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s set emptied after reload"), || {
            !l.ruleset(&l.ns).to_string().contains(vip)
        });
        assert!(l.ping_answered(vip), "{who}'s accept Master did not answer");
    }
    let emptied = o.ruleset(&o.ns);
    assert!(emptied.to_string().contains("\"vips\""), "{emptied}");
    assert_eq!(emptied, k.ruleset(&k.ns), "after reload to accept");
    kd.stop();
    od.stop();
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        assert_eq!(l.ruleset(&l.ns), Value::Array(vec![]), "{who} left a table");
    }
}

/// `use_vmac`: the VMAC's rules (map `vmac_map`, IGMP/MLD reports re-sent
/// from the parent, IPv6 router solicitations dropped) beside the drop
/// sets, equal to keepalived's while Master; nothing left after SIGTERM.
fn vmac_differential(tag: &str, vips: &str, accept: &str, drops: bool) {
    let vip = vips.rsplit(',').next().unwrap_or(vips);
    let Some((k, o)) = links(&format!("fw-a{tag}")) else {
        return;
    };
    let conf = config_with("nftables_counters", vips, 100, accept);
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s VMAC rules and VIP"), || {
            let r = l.ruleset(&l.ns).to_string();
            r.contains("vrrp.33") && (!drops || r.contains(vip)) && l.has_address(&l.ns, vip)
        });
    }
    let master = o.ruleset(&o.ns);
    assert_eq!(
        master,
        k.ruleset(&k.ns),
        "Master with a VMAC: the same ruleset"
    );
    assert!(master.to_string().contains("\"dup\""), "{master}");
    assert_eq!(k.ping_answered(vip), !drops, "keepalived");
    assert_eq!(o.ping_answered(vip), !drops, "vrrpd");
    if vip.contains(':') {
        // The VMAC joined its multicast groups: its MLD reports met the
        // rule that re-sends them from the parent, in both namespaces.
        for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
            let text = sh(&format!("ip netns exec {} nft -j list ruleset", l.ns));
            let v: Value = serde_json::from_str(&text).unwrap();
            let dup_packets = v["nftables"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|i| i.get("rule"))
                .filter(|r| r.to_string().contains("\"dup\""))
                .filter_map(|r| {
                    r["expr"]
                        .as_array()?
                        .iter()
                        .find_map(|e| e.get("counter")?.get("packets")?.as_u64())
                })
                .sum::<u64>();
            assert!(dup_packets > 0, "{who}: no MLD report met the dup rule");
        }
    }
    kd.stop();
    od.stop();
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        assert_eq!(l.ruleset(&l.ns), Value::Array(vec![]), "{who} left a table");
    }
}

#[test]
fn vmac_ipv4_with_accept_same_rules_as_keepalived() {
    vmac_differential("v4", "10.9.0.33", "use_vmac", false);
}

#[test]
fn vmac_ipv6_no_accept_same_rules_as_keepalived() {
    vmac_differential("v6", "fe80::33,fd00:9::33", "use_vmac\n no_accept", true);
}

/// Reloads while Master, as keepalived 2.2.7 takes them: new
/// `nftables_counters` / `nftables_priority` leave the existing rules alone
/// and shape a table made afterwards (the ip6 one of a new excluded VIP);
/// a new `nftables` table name refuses the whole reload (the IPv6 VIP
/// removed by that config stays); SIGTERM removes the table in both.
#[test]
fn reloads_change_nftables_settings_as_keepalived() {
    let Some((k, o)) = links("fw-ar") else {
        return;
    };
    let conf = |global: &str, excluded: &str| {
        format!(
            "global_defs {{\n router_id nD\n {global}\n}}\n\
             vrrp_instance vips {{\n state BACKUP\n interface eth0\n virtual_router_id 33\n\
             version 3\n priority 100\n advert_int 1\n no_accept\n\
             virtual_ipaddress {{\n 10.9.0.33\n }}\n\
             virtual_ipaddress_excluded {{\n {excluded}\n }}\n}}\n"
        )
    };
    let first = conf("", "");
    let mut kd = k.start(&k.ns, &first, false);
    let mut od = o.start(&o.ns, &first, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s drop set"), || {
            l.ruleset(&l.ns).to_string().contains("10.9.0.33") && l.has_address(&l.ns, "10.9.0.33")
        });
    }
    let second = conf("nftables_counters\n nftables_priority -5", "fd00:9::33");
    k.reload(&kd, &k.ns, &second);
    o.reload(&od, &o.ns, &second);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s ip6 table after reload"), || {
            l.ruleset(&l.ns).to_string().contains("fd00:9::33")
        });
    }
    let after = o.ruleset(&o.ns);
    assert_eq!(after, k.ruleset(&k.ns), "after a reload adding counters");
    let text = after.to_string();
    assert!(
        text.contains("\"prio\":-5") && text.contains("\"prio\":-1"),
        "{text}"
    );
    let third = conf("nftables other", "");
    k.reload(&kd, &k.ns, &third);
    o.reload(&od, &o.ns, &third);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} refusing the reload"), || {
            l.lab
                .log(&l.ns)
                .contains("Cannot change nftables table name at a reload")
        });
    }
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        assert!(
            l.has_address(&l.ns, "fd00:9::33"),
            "{who} applied a reload changing the table name"
        );
    }
    assert_eq!(
        o.ruleset(&o.ns),
        after,
        "vrrpd: refused reload kept the rules"
    );
    assert_eq!(
        k.ruleset(&k.ns),
        after,
        "keepalived: refused reload kept the rules"
    );
    kd.stop();
    od.stop();
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        assert_eq!(l.ruleset(&l.ns), Value::Array(vec![]), "{who} left a table");
    }
}

/// `vrrp_strict` alone (no `no_accept`): accept mode off by default.
#[test]
fn vrrp_strict_same_rules_as_keepalived() {
    differential_with("st", "10.9.0.33", "vrrp_strict", "");
}

/// `vrrp_strict` with VRRPv2 over IPv4 multicast, two routers: the same
/// rulesets at Backup, Master (the VIP not answered), demoted and after
/// SIGTERM.
#[test]
fn vrrp_strict_v2_same_rules_as_keepalived() {
    differential_version("s2", "10.9.0.33", "vrrp_strict", "", 2);
}

/// The address owner (priority 255) accepts even with `no_accept`: no table,
/// the ping answered, in both.
#[test]
fn the_address_owner_installs_no_rules_as_keepalived() {
    let vip = "10.9.0.33";
    let Some((k, o)) = links("fw-aw") else {
        return;
    };
    let conf = config_with("", vip, 255, "no_accept").replace("state BACKUP", "state MASTER");
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s VIP"), || l.has_address(&l.ns, vip));
        assert!(l.ping_answered(vip), "{who}'s owner did not answer");
        assert_eq!(l.ruleset(&l.ns), Value::Array(vec![]), "{who}");
    }
    let fw = o.fw_status(&o.ns);
    let me = &fw["instances"]["vips"];
    assert_eq!(me["reason"], "owner", "{fw}");
    assert_eq!(me["dropping"], false, "{fw}");
    kd.stop();
    od.stop();
}

/// Two `no_accept` instances (IPv4 and IPv6) share one table per family,
/// as in keepalived.
#[test]
fn two_instances_share_the_table_as_keepalived() {
    let Some((k, o)) = links("fw-a2") else {
        return;
    };
    let one = config_with("nftables_counters", "10.9.0.33", 100, "no_accept");
    let two = config_with("", "10.9.0.34", 100, "no_accept")
        .replace("vrrp_instance vips", "vrrp_instance second")
        .replace("virtual_router_id 33", "virtual_router_id 34");
    let three = config_with("", "fd00:9::35", 100, "no_accept")
        .replace("vrrp_instance vips", "vrrp_instance third")
        .replace("virtual_router_id 33", "virtual_router_id 35");
    let strip = |c: &str| c[c.find("vrrp_instance").unwrap_or(0)..].to_string();
    let conf = format!("{one}{}{}", strip(&two), strip(&three));
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s three drops"), || {
            let r = l.ruleset(&l.ns).to_string();
            ["10.9.0.33", "10.9.0.34", "fd00:9::35"]
                .iter()
                .all(|v| r.contains(v))
        });
    }
    assert_eq!(
        o.ruleset(&o.ns),
        k.ruleset(&k.ns),
        "three Masters, two tables"
    );
    kd.stop();
    od.stop();
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        assert_eq!(l.ruleset(&l.ns), Value::Array(vec![]), "{who} left a table");
    }
}

/// A `no_accept` Master killed with SIGKILL leaves its table, with the VIP
/// in the set and on the interface. Restarted while a higher-priority
/// router is Master, it stays Backup and the killed run's table stays as
/// it was (keepalived deletes a table of its name only right before it
/// makes its first one); when the other router stops, it becomes Master
/// and replaces the table with a fresh one. Rulesets equal to
/// keepalived's at each point, none left after SIGTERM.
#[test]
fn sigkill_and_restart_same_rules_as_keepalived() {
    let vip = "10.9.0.33";
    let Some((k, o)) = links("fw-ak") else {
        return;
    };
    let conf = config_with("nftables_counters", vip, 100, "no_accept");
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s drop set and VIP"), || {
            l.ruleset(&l.ns).to_string().contains(vip) && l.has_address(&l.ns, vip)
        });
    }
    let master = o.ruleset(&o.ns);
    assert_eq!(master, k.ruleset(&k.ns), "Master: the same ruleset");
    kd.sigkill(&k.lab, &k.ns);
    od.sigkill(&o.lab, &o.ns);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        assert!(
            l.has_address(&l.ns, vip),
            "{who}: the VIP went with SIGKILL"
        );
        assert_eq!(l.ruleset(&l.ns), master, "{who}: after SIGKILL");
        assert!(
            !l.ping_answered(vip),
            "{who}: the killed Master's VIP answered"
        );
    }

    let high = config_with("", vip, 200, "no_accept");
    let mut kp = k.start(&k.peer, &high, false);
    let mut op = o.start(&o.peer, &high, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s peer Master"), || {
            l.ruleset(&l.peer).to_string().contains(vip) && l.has_address(&l.peer, vip)
        });
    }
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        // A restarted daemon removes the VIPs it finds before it runs.
        wait_for(&format!("{who} restarted, the VIP removed"), || {
            !l.has_address(&l.ns, vip)
        });
    }
    // Longer than Master_Down_Interval: had either not heard the peer it
    // would be Master by now (a fixed wait: what is checked is that
    // nothing happens).
    std::thread::sleep(Duration::from_secs(4));
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        assert!(!l.has_address(&l.ns, vip), "{who} is not Backup");
    }
    let backup = o.ruleset(&o.ns);
    assert_eq!(backup, k.ruleset(&k.ns), "restarted as Backup");
    assert!(
        backup.to_string().contains(vip),
        "the killed run's set kept its VIP: {backup}"
    );

    kp.stop();
    op.stop();
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} Master again"), || {
            l.has_address(&l.ns, vip) && l.ruleset(&l.ns).to_string().contains(vip)
        });
    }
    // the fresh table may come a moment after the VIP: polled until equal
    wait_for("the same ruleset as Master again", || {
        o.ruleset(&o.ns) == k.ruleset(&k.ns)
    });
    let again = o.ruleset(&o.ns);
    assert!(again.to_string().contains(vip), "{again}");
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        assert!(!l.ping_answered(vip), "{who}'s Master answered");
    }
    kd.stop();
    od.stop();
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        assert_eq!(l.ruleset(&l.ns), Value::Array(vec![]), "{who} left a table");
    }
}

/// A user's `table inet filter` (a base chain with a counter rule that
/// never matches, a named counter with values) and a foreign `table ip
/// keepalived` made before start. The inet table must stay byte for byte
/// (handles and counter values included) through start, Master,
/// demotion, SIGHUP and SIGTERM; the foreign `keepalived` table stays
/// until the first Master replaces it with ours (`check_and_delete_tables`
/// deletes whatever has our name), and the whole rulesets are equal to
/// keepalived's at each point.
#[test]
fn user_tables_are_left_alone_as_keepalived() {
    let vip = "10.9.0.33";
    let Some((k, o)) = links("fw-au") else {
        return;
    };
    let user = "table inet filter {\n counter mine { packets 7 bytes 700 }\n \
                chain input {\n type filter hook input priority 0; policy accept;\n \
                ip daddr 10.9.9.9 counter drop\n }\n chain mine {\n ip saddr 10.9.9.9 counter name mine\n }\n}\n\
                table ip keepalived {\n chain foreign {\n ip daddr 10.9.9.8 counter\n }\n}\n";
    for l in [&k, &o] {
        let path = l.lab.path("user.nft");
        std::fs::write(&path, user).unwrap();
        sh(&format!("ip netns exec {} nft -f {}", l.ns, path.display()));
    }
    let inet = |l: &Link| {
        sh(&format!(
            "ip netns exec {} nft -j list table inet filter",
            l.ns
        ))
    };
    let before = [inet(&k), inet(&o)];
    assert!(before[0].contains("\"packets\": 7") || before[0].contains("\"packets\":7"));
    let unchanged = |when: &str| {
        for (i, (l, who)) in [(&k, "keepalived"), (&o, "vrrpd")].into_iter().enumerate() {
            assert_eq!(inet(l), before[i], "{who} changed table inet filter {when}");
        }
        assert_eq!(o.ruleset(&o.ns), k.ruleset(&k.ns), "rulesets {when}");
    };
    let conf = config_with("", vip, 100, "no_accept");
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    wait_for("both daemons running", || {
        k.up(&k.ns, &kd) && o.up(&o.ns, &od)
    });
    unchanged("after start");
    assert!(o.ruleset(&o.ns).to_string().contains("foreign"), "at start");
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s drop set and VIP"), || {
            l.ruleset(&l.ns).to_string().contains(vip) && l.has_address(&l.ns, vip)
        });
    }
    unchanged("as Master");
    assert!(
        !o.ruleset(&o.ns).to_string().contains("foreign"),
        "as Master"
    );

    let high = config_with("", vip, 200, "no_accept");
    let mut kp = k.start(&k.peer, &high, false);
    let mut op = o.start(&o.peer, &high, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who} demoted"), || {
            !l.has_address(&l.ns, vip) && !l.ruleset(&l.ns).to_string().contains(vip)
        });
    }
    unchanged("after demotion");
    k.reload(&kd, &k.ns, &conf);
    o.reload(&od, &o.ns, &conf);
    // vrrpd logs a reload done; keepalived only its start ("Reloading"),
    // so a fixed wait follows for its VRRP process (what is checked is
    // that the reload changes nothing).
    for (l, mark) in [(&k, "Reloading"), (&o, "configuration reloaded")] {
        wait_for(&format!("{} taking the SIGHUP", l.ns), || {
            l.lab.log(&l.ns).contains(mark)
        });
    }
    std::thread::sleep(Duration::from_secs(2));
    unchanged("after SIGHUP");
    for d in [&mut kp, &mut op, &mut kd, &mut od] {
        d.stop();
    }
    unchanged("after SIGTERM");
    let left = o.ruleset(&o.ns).to_string();
    assert!(
        left.contains("filter") && !left.contains("keepalived"),
        "{left}"
    );
}

/// `disable_local_igmp` with an IPv4 VMAC and accept mode: while running,
/// `net.ipv4.igmp_link_local_mcast_reports` is 0 in keepalived's namespace
/// and in vrrpd's, neither installs the VMAC's IGMP rules (no table), and
/// both write 1 back at SIGTERM. A namespace where it was 0 already keeps
/// 0 after exit.
#[test]
fn disable_local_igmp_sets_the_sysctl_as_keepalived() {
    let vip = "10.9.0.33";
    let Some((k, o)) = links("fw-ai") else {
        return;
    };
    let sysctl = |ns: &str| {
        sh(&format!(
            "ip netns exec {ns} sysctl -n net.ipv4.igmp_link_local_mcast_reports"
        ))
        .trim()
        .to_string()
    };
    let conf = config_with("disable_local_igmp", vip, 100, "use_vmac");
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        assert_eq!(sysctl(&l.ns), "1", "{who}: a new namespace's default");
        // The peer has it at 0 before start: it stays 0 after exit.
        sh(&format!(
            "ip netns exec {} sysctl -qw net.ipv4.igmp_link_local_mcast_reports=0",
            l.peer
        ));
    }
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    let mut kp = k.start(&k.peer, &conf.replace("priority 100", "priority 50"), false);
    let mut op = o.start(&o.peer, &conf.replace("priority 100", "priority 50"), true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s VIP on the VMAC"), || {
            l.has_address(&l.ns, vip)
        });
        assert_eq!(sysctl(&l.ns), "0", "{who} while running");
        assert_eq!(sysctl(&l.peer), "0", "{who}'s peer while running");
        assert_eq!(
            l.ruleset(&l.ns),
            Value::Array(vec![]),
            "{who}: no IGMP rule for an IPv4 VMAC"
        );
    }
    for d in [&mut kd, &mut od, &mut kp, &mut op] {
        d.stop();
    }
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        assert_eq!(sysctl(&l.ns), "1", "{who} wrote 1 back at exit");
        assert_eq!(sysctl(&l.peer), "0", "{who}'s peer: 0 as it was");
    }
}

/// Runs its arguments in a mount namespace of their own where the sysctl
/// `disable_local_igmp` writes is read-only, as on a kernel without it
/// (keepalived checks it with access(2) W_OK). The mount is private to that
/// namespace (unshare's default propagation), so nothing outside changes.
const READ_ONLY_IGMP_SYSCTL: [&str; 5] = [
    "unshare",
    "-m",
    "sh",
    "-c",
    "mount --bind $0 $0 && mount -o remount,bind,ro $0 && exec \"$@\"",
];
const IGMP_SYSCTL: &str = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports";

/// `disable_local_igmp` on a kernel that does not let it be set: keepalived
/// 2.2.7 reports "kernel does not support ..." while reading the
/// configuration (`-t` too) and runs without the setting, so an IPv4 VMAC
/// gets its IGMP rules. vrrpd, under the same read-only sysctl, reports the
/// same line from `-t`, leaves the sysctl alone, and installs the same rules
/// as keepalived.
#[test]
fn disable_local_igmp_without_kernel_support_as_keepalived() {
    if !have("unshare") {
        if !skip() {
            eprintln!("SKIPPED: local IGMP differential needs unshare");
        }
        return;
    }
    let vip = "10.9.0.33";
    let Some((k, o)) = links("a5-an") else {
        return;
    };
    let conf = config_with("disable_local_igmp", vip, 100, "use_vmac");
    let text = format!("kernel does not support {IGMP_SYSCTL}");
    for (l, daemon) in [(&k, "keepalived"), (&o, env!("CARGO_BIN_EXE_vrrpd"))] {
        let path = l.lab.dir.join("t.conf");
        std::fs::write(&path, &conf).unwrap();
        let out = Command::new("ip")
            .args(["netns", "exec", &l.ns])
            .args(READ_ONLY_IGMP_SYSCTL)
            .arg(IGMP_SYSCTL)
            .args([daemon, "-t", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(said.contains(&text), "{daemon} -t: {said}");
        // and with the sysctl writable, nothing is said
        let out = Command::new("ip")
            .args(["netns", "exec", &l.ns, daemon, "-t", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!said.contains(&text), "{daemon} -t: {said}");
    }
    let mut wrap: Vec<&str> = READ_ONLY_IGMP_SYSCTL.to_vec();
    wrap.push(IGMP_SYSCTL);
    let mut kd = k.start_wrapped(&k.ns, &conf, false, &wrap);
    let mut od = o.start_wrapped(&o.ns, &conf, true, &wrap);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s VIP on the VMAC"), || {
            l.has_address(&l.ns, vip)
        });
    }
    // The table is made with the VMAC, before the VIP is added; poll in
    // case the Master's set is still being filled on a loaded machine.
    let kr = k.ruleset(&k.ns);
    wait_for("vrrpd's rules equal keepalived's", || {
        o.ruleset(&o.ns) == kr
    });
    let sysctl = |ns: &str| {
        sh(&format!(
            "ip netns exec {ns} sysctl -n net.ipv4.igmp_link_local_mcast_reports"
        ))
        .trim()
        .to_string()
    };
    let (ks, os) = (sysctl(&k.ns), sysctl(&o.ns));
    let fw = o.fw_status(&o.ns);
    kd.stop();
    od.stop();
    assert!(
        kr.to_string().contains("vmac_map"),
        "keepalived: the IPv4 VMAC's IGMP rules: {kr}"
    );
    assert_eq!(ks, "1", "keepalived left the sysctl alone");
    assert_eq!(os, "1", "vrrpd left the sysctl alone");
    assert_eq!(fw["failures"], 0, "vrrpd status firewall: {fw}");
}

/// IPv4 `use_vmac` with `no_accept`: the IGMP reports of the VMAC's group
/// joins leave by the parent (the `dup ... device oif map @vmac_map` rule,
/// its original dropped), so the peer sees them with the parent's MAC and
/// never the virtual MAC, under keepalived as under vrrpd; the rule's
/// counter moved in both, and the rulesets are equal.
#[test]
fn vmac_ipv4_igmp_reports_leave_from_the_parent_as_keepalived() {
    if skip() {
        return;
    }
    if !have("tcpdump") || !have("timeout") {
        eprintln!("SKIPPED: the IGMP capture needs tcpdump and timeout");
        return;
    }
    let vip = "10.9.0.33";
    let Some((k, o)) = links("fw-ap") else {
        return;
    };
    let conf = config_with("nftables_counters", vip, 100, "use_vmac\n no_accept");
    let capture = |l: &Link| {
        let out = l.lab.path("igmp.txt");
        let err = l.lab.path("tcpdump.log");
        let child = Command::new("ip")
            .args(["netns", "exec", &l.peer, "timeout", "9"])
            .args([
                "tcpdump", "-i", "eth0", "-e", "-n", "-l", "-c", "50", "igmp",
            ])
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        (common::Kid(child), out, err)
    };
    let mut caps = [capture(&k), capture(&o)];
    // tcpdump is listening before the VMACs join their groups.
    for (_, _, err) in &caps {
        wait_for("tcpdump listening", || {
            std::fs::read_to_string(err).is_ok_and(|t| t.contains("listening on"))
        });
    }
    let mut kd = k.start(&k.ns, &conf, false);
    let mut od = o.start(&o.ns, &conf, true);
    for (l, who) in [(&k, "keepalived"), (&o, "vrrpd")] {
        wait_for(&format!("{who}'s VMAC rules and VIP"), || {
            let r = l.ruleset(&l.ns).to_string();
            r.contains("vrrp.33") && r.contains(vip) && l.has_address(&l.ns, vip)
        });
    }
    assert_eq!(o.ruleset(&o.ns), k.ruleset(&k.ns), "the same ruleset");
    for ((kid, _, _), who) in caps.iter_mut().zip(["keepalived", "vrrpd"]) {
        wait_until(
            Duration::from_secs(12),
            &format!("{who}: tcpdump to stop"),
            || kid.0.try_wait().unwrap().is_some(),
        );
    }
    for ((l, who), (_, out, _)) in [(&k, "keepalived"), (&o, "vrrpd")].into_iter().zip(&caps) {
        let link: Value =
            serde_json::from_str(&sh(&format!("ip -n {} -j link show eth0", l.ns))).unwrap();
        let parent = link[0]["address"].as_str().unwrap().to_string();
        let text = std::fs::read_to_string(out).unwrap();
        println!("{who}'s peer captured:\n{text}");
        let reports: Vec<&str> = text.lines().filter(|l| l.contains("igmp")).collect();
        // The VMAC's own reports (sent from an interface without 10.9.0.1)
        // carried by the parent's MAC.
        assert!(
            reports
                .iter()
                .any(|r| r.contains(&format!(" {parent} >")) && !r.contains(" 10.9.0.1 >")),
            "{who}: no IGMP report of the VMAC from the parent {parent}:\n{text}"
        );
        assert!(
            !text.contains("00:00:5e:00:01:21 >"),
            "{who}: an IGMP report left by the VMAC:\n{text}"
        );
        let rules = sh(&format!(
            "ip netns exec {} nft list chain ip keepalived out",
            l.ns
        ));
        let dup = rules.lines().find(|r| r.contains(" dup ")).unwrap_or("");
        assert!(
            dup.contains("counter packets") && !dup.contains("counter packets 0 "),
            "{who}: the dup rule met no report: {rules}"
        );
    }
    kd.stop();
    od.stop();
}
