//! Differential against keepalived 2.2.7 (root, network namespaces): the same
//! `no_accept` Master (IPv4 and IPv6, with and without `nftables_counters`;
//! a link-local first VIP keyed by interface index, or by name with
//! `dont_track_primary`, by index again with `nftables_ifindex`; a VMAC
//! with IPv6 `no_accept` and with IPv4 `accept`) in two namespaces, one run
//! by keepalived, one by this crate; `nft -j list ruleset` of both, with handles, counter values and
//! nft's version stripped, must be equal. Then our table's life cycle: the
//! set emptied on demotion, a stale table replaced at start, nothing left
//! after shutdown.
//!
//! Our side runs in a child process (this test binary again, the ignored
//! test `child`) started with `ip netns exec`, so the test never changes its
//! own namespace. Without root, keepalived or nft it prints `SKIPPED:`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use keepalived_nft::ruleset::{LinkKey, Target};
use keepalived_nft::testing::normalise;
use keepalived_nft::{Family, Firewall, NftSocket, Settings};
use serde_json::Value;

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
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

/// A namespace with `eth0` (10.9.0.1/24, one end of a veth pair) up;
/// deleted on drop.
struct Netns(String);

impl Netns {
    fn new(name: String) -> Self {
        let _ = Command::new("ip")
            .args(["netns", "del", &name])
            .stderr(std::process::Stdio::null())
            .status();
        sh(&format!(
            "ip netns add {name} && \
             ip netns exec {name} sysctl -qw net.ipv6.conf.default.accept_dad=0 && \
             ip -n {name} link add eth0 type veth peer name eth1 && \
             ip -n {name} addr add 10.9.0.1/24 dev eth0 && ip -n {name} link set eth0 up && \
             ip -n {name} link set eth1 up && ip -n {name} link set lo up"
        ));
        Netns(name)
    }
    fn ruleset(&self) -> Value {
        let text = sh(&format!("ip netns exec {} nft -j list ruleset", self.0));
        normalise(serde_json::from_str(&text).unwrap())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn wait_for(mut ok: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Our side, run as `ip netns exec NS <this test binary> child --ignored`
/// with `KANFT_STEPS` = comma-separated steps, `KANFT_VIPS` the targets
/// (`ADDR`, `ADDR%IF` keyed by index, `ADDR%=IF` keyed by name) and
/// `KANFT_VMAC` = `VMAC:PARENT` for step `vmac`.
#[test]
#[ignore = "child process of the differential test"]
fn child() {
    let Ok(steps) = std::env::var("KANFT_STEPS") else {
        return;
    };
    let counters = std::env::var("KANFT_COUNTERS").is_ok();
    let settings = Settings::default().with_counters(counters);
    let mut fw = Firewall::new(settings, NftSocket::new().unwrap());
    let index = |name: &str| {
        let text = std::fs::read_to_string(format!("/sys/class/net/{name}/ifindex")).unwrap();
        text.trim().parse::<u32>().unwrap()
    };
    let targets: Vec<Target> = std::env::var("KANFT_VIPS")
        .unwrap()
        .split(',')
        .map(|t| match t.split_once('%') {
            None => Target::Global(t.parse().unwrap()),
            Some((a, i)) => Target::LinkLocal(
                a.parse().unwrap(),
                match i.strip_prefix('=') {
                    Some(name) => LinkKey::Name(name.to_string()),
                    None => LinkKey::Index(index(i)),
                },
            ),
        })
        .collect();
    let family = if targets[0].addr().is_ipv4() {
        Family::Ipv4
    } else {
        Family::Ipv6
    };
    for step in steps.split(',') {
        match step {
            "stale" => fw.remove_stale().unwrap(),
            "add" => fw.add(&targets).unwrap(),
            "remove" => fw.remove(&targets).unwrap(),
            "vmac" => {
                let v = std::env::var("KANFT_VMAC").unwrap();
                let (vmac, parent) = v.split_once(':').unwrap();
                fw.add_vmac(family, index(vmac), index(parent)).unwrap();
            }
            "shutdown" => fw.shutdown().unwrap(),
            other => panic!("unknown step {other}"),
        }
    }
}

/// One scenario: keepalived's `global_defs` and instance lines, the VIPs as
/// keepalived reads them, the same as [`child`]'s targets, and the VMAC.
struct Case<'a> {
    tag: &'a str,
    global: &'a str,
    instance: &'a str,
    vips: &'a [&'a str],
    targets: &'a str,
    vmac: bool,
    counters: bool,
}

fn ours(ns: &Netns, steps: &str, case: &Case<'_>) {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", &ns.0])
        .arg(exe)
        .args(["--exact", "child", "--ignored", "--nocapture"])
        .env("KANFT_STEPS", steps)
        .env("KANFT_VIPS", case.targets)
        .env("KANFT_VMAC", "vrrp.33:eth0");
    if case.counters {
        cmd.env("KANFT_COUNTERS", "1");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "child {steps}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Keepalived {
    child: std::process::Child,
    dir: std::path::PathBuf,
}

impl Drop for Keepalived {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn keepalived(ns: &Netns, case: &Case<'_>) -> Keepalived {
    let dir = std::env::temp_dir().join(format!("{}-conf", ns.0));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("keepalived.conf");
    std::fs::write(
        &conf,
        format!(
            "global_defs {{\n router_id kanft\n {}\n}}\n\
             vrrp_instance vips {{\n state BACKUP\n interface eth0\n virtual_router_id 33\n\
             version 3\n priority 100\n advert_int 1\n {}\n\
             virtual_ipaddress {{\n {}\n }}\n}}\n",
            case.global,
            case.instance,
            case.vips.join("\n ")
        ),
    )
    .unwrap();
    let child = Command::new("ip")
        .args([
            "netns",
            "exec",
            &ns.0,
            "keepalived",
            "-n",
            "-l",
            "-D",
            "-P",
            "-f",
        ])
        .arg(&conf)
        .arg("-p")
        .arg(dir.join("k.pid"))
        .arg("-r")
        .arg(dir.join("v.pid"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    Keepalived { child, dir }
}

fn differential(case: Case<'_>) {
    if !is_root() || !have("keepalived") || !have("nft") {
        eprintln!("SKIPPED: the keepalived differential needs root, keepalived and nft");
        return;
    }
    let pid = std::process::id();
    let k_ns = Netns::new(format!("fw-k{}-{pid}", case.tag));
    let o_ns = Netns::new(format!("fw-o{}-{pid}", case.tag));
    if case.vmac {
        sh(&format!(
            "ip -n {} link add link eth0 name vrrp.33 type macvlan mode private && \
             ip -n {} link set vrrp.33 up",
            o_ns.0, o_ns.0
        ));
    }
    let k = keepalived(&k_ns, &case);
    // keepalived alone becomes Master after 3 adverts and adds its rules;
    // its VMAC rules come at start.
    let last = case.vips.last().copied().unwrap_or_default();
    let expect = if case.instance.contains("no_accept") || case.global.contains("strict") {
        last
    } else {
        "vrrp.33"
    };
    wait_for(
        || k_ns.ruleset().to_string().contains(expect),
        "keepalived's rules",
    );
    let drops = expect != "vrrp.33";
    let steps = match (case.vmac, drops) {
        (true, true) => "stale,vmac,add",
        (true, false) => "stale,vmac",
        _ => "stale,add",
    };
    ours(&o_ns, steps, &case);
    assert_eq!(o_ns.ruleset(), k_ns.ruleset(), "Master: same ruleset");
    drop(k);
    wait_for(
        || k_ns.ruleset() == Value::Array(vec![]),
        "keepalived's cleanup",
    );
    if !drops {
        return;
    }
    // A stale table (a killed daemon's) is replaced; demotion empties the
    // set and keeps the table; shutdown removes everything.
    ours(&o_ns, "stale,add,remove", &case);
    let demoted = o_ns.ruleset().to_string();
    assert!(demoted.contains("\"vips\""), "{demoted}");
    for v in case.vips {
        assert!(!demoted.contains(v), "{demoted}");
    }
    ours(&o_ns, "stale,add,shutdown", &case);
    assert_eq!(o_ns.ruleset(), Value::Array(vec![]));
}

fn no_accept<'a>(tag: &'a str, vip: &'a [&'a str], counters: bool) -> Case<'a> {
    Case {
        tag,
        global: if counters { "nftables_counters" } else { "" },
        instance: "no_accept",
        vips: vip,
        targets: vip[0],
        vmac: false,
        counters,
    }
}

#[test]
fn same_ruleset_as_keepalived_for_a_no_accept_master() {
    differential(no_accept("p4", &["10.9.0.33"], false));
}

#[test]
fn same_ruleset_as_keepalived_with_counters() {
    differential(no_accept("c4", &["10.9.0.33"], true));
}

#[test]
fn same_ruleset_as_keepalived_for_an_ipv6_master() {
    differential(no_accept("p6", &["fd00:9::33"], false));
}

#[test]
fn same_ruleset_as_keepalived_for_an_ipv6_master_with_counters() {
    differential(no_accept("c6", &["fd00:9::33"], true));
}

/// nft_update_ipv6_address: a link-local VIP on the instance's interface
/// is keyed by that interface's index.
#[test]
fn same_ruleset_as_keepalived_for_a_link_local_first_vip() {
    differential(Case {
        targets: "fe80::33%eth0,fd00:9::33",
        ..no_accept("ll", &["fe80::33", "fd00:9::33"], true)
    });
}

/// With `dont_track_primary` the set is keyed by interface name
/// (`vips_link_local_name`)...
#[test]
fn same_ruleset_as_keepalived_for_link_local_with_dont_track_primary() {
    differential(Case {
        instance: "no_accept\n dont_track_primary",
        targets: "fe80::33%=eth0,fd00:9::33",
        ..no_accept("dt", &["fe80::33", "fd00:9::33"], false)
    });
}

/// ... unless `nftables_ifindex`.
#[test]
fn same_ruleset_as_keepalived_for_link_local_with_nftables_ifindex() {
    differential(Case {
        global: "nftables_ifindex",
        instance: "no_accept\n dont_track_primary",
        targets: "fe80::33%eth0,fd00:9::33",
        ..no_accept("ix", &["fe80::33", "fd00:9::33"], false)
    });
}

/// nft_add_vmac then the drop sets: IPv6 `use_vmac` with `no_accept`
/// (the VIPs live on the VMAC, so the link-local one is keyed by it).
#[test]
fn same_ruleset_as_keepalived_for_an_ipv6_vmac_no_accept_master() {
    differential(Case {
        instance: "no_accept\n use_vmac",
        targets: "fe80::33%vrrp.33,fd00:9::33",
        vmac: true,
        ..no_accept("v6", &["fe80::33", "fd00:9::33"], true)
    });
}

/// IPv4 `use_vmac` with accept: only the VMAC's IGMP rule, at start.
#[test]
fn same_ruleset_as_keepalived_for_an_ipv4_vmac_with_accept() {
    differential(Case {
        instance: "use_vmac",
        vmac: true,
        ..no_accept("v4", &["10.9.0.33"], false)
    });
}
