//! Differential against keepalived 2.2.7 (root, network namespaces): the same
//! `no_accept` Master (IPv4 and IPv6, with and without `nftables_counters`)
//! in two namespaces, one run by keepalived, one by this
//! crate; `nft -j list ruleset` of both, with handles, counter values and
//! nft's version stripped, must be equal. Then our table's life cycle: the
//! set emptied on demotion, a stale table replaced at start, nothing left
//! after shutdown.
//!
//! Our side runs in a child process (this test binary again, the ignored
//! test `child`) started with `ip netns exec`, so the test never changes its
//! own namespace. Without root, keepalived or nft it prints `SKIPPED:`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use keepalived_nft::{Firewall, NftSocket, Settings};
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

/// Drops what differs between runs: nft's metainfo, object handles and
/// counter values.
fn normalise(v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("handle");
                if let Some(Value::Object(c)) = m.get_mut("counter") {
                    c.remove("packets");
                    c.remove("bytes");
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut items: Vec<Value> = v["nftables"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| i.get("metainfo").is_none())
        .collect();
    items.iter_mut().for_each(strip);
    Value::Array(items)
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
/// with `KANFT_STEPS` = comma-separated steps.
#[test]
#[ignore = "child process of the differential test"]
fn child() {
    let Ok(steps) = std::env::var("KANFT_STEPS") else {
        return;
    };
    let counters = std::env::var("KANFT_COUNTERS").is_ok();
    let settings = Settings::default().with_counters(counters);
    let mut fw = Firewall::new(settings, NftSocket::new().unwrap());
    let vip: IpAddr = std::env::var("KANFT_VIP").unwrap().parse().unwrap();
    for step in steps.split(',') {
        match step {
            "stale" => fw.remove_stale().unwrap(),
            "add" => fw.add(&[vip]).unwrap(),
            "remove" => fw.remove(&[vip]).unwrap(),
            "shutdown" => fw.shutdown().unwrap(),
            other => panic!("unknown step {other}"),
        }
    }
}

fn ours(ns: &Netns, steps: &str, counters: bool, vip: &str) {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", &ns.0])
        .arg(exe)
        .args(["--exact", "child", "--ignored", "--nocapture"])
        .env("KANFT_STEPS", steps)
        .env("KANFT_VIP", vip);
    if counters {
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

fn keepalived(ns: &Netns, global: &str, vip: &str) -> Keepalived {
    let dir = std::env::temp_dir().join(format!("{}-conf", ns.0));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("keepalived.conf");
    std::fs::write(
        &conf,
        format!(
            "global_defs {{\n router_id kanft\n {global}\n}}\n\
             vrrp_instance vips {{\n state BACKUP\n interface eth0\n virtual_router_id 33\n\
             version 3\n priority 100\n advert_int 1\n no_accept\n\
             virtual_ipaddress {{\n {vip}\n }}\n}}\n"
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

fn differential(counters: bool, vip: &str) {
    if !is_root() || !have("keepalived") || !have("nft") {
        eprintln!("SKIPPED: the keepalived differential needs root, keepalived and nft");
        return;
    }
    let tag = format!(
        "{}{}",
        if counters { "c" } else { "p" },
        if vip.contains(':') { "6" } else { "4" }
    );
    let pid = std::process::id();
    let k_ns = Netns::new(format!("kanft-k{tag}-{pid}"));
    let o_ns = Netns::new(format!("kanft-o{tag}-{pid}"));
    let global = if counters { "nftables_counters" } else { "" };
    let k = keepalived(&k_ns, global, vip);
    // keepalived alone becomes Master after 3 adverts and adds its rules.
    wait_for(
        || k_ns.ruleset().to_string().contains(vip),
        "keepalived's drop set",
    );
    ours(&o_ns, "stale,add", counters, vip);
    assert_eq!(o_ns.ruleset(), k_ns.ruleset(), "Master: same ruleset");
    drop(k);
    wait_for(
        || k_ns.ruleset() == Value::Array(vec![]),
        "keepalived's cleanup",
    );
    // A stale table (a killed daemon's) is replaced; demotion empties the
    // set and keeps the table; shutdown removes everything.
    ours(&o_ns, "stale,add,remove", counters, vip);
    let demoted = o_ns.ruleset().to_string();
    assert!(demoted.contains("\"vips\""), "{demoted}");
    assert!(!demoted.contains(vip), "{demoted}");
    ours(&o_ns, "stale,add,shutdown", counters, vip);
    assert_eq!(o_ns.ruleset(), Value::Array(vec![]));
}

#[test]
fn same_ruleset_as_keepalived_for_a_no_accept_master() {
    differential(false, "10.9.0.33");
}

#[test]
fn same_ruleset_as_keepalived_with_counters() {
    differential(true, "10.9.0.33");
}

#[test]
fn same_ruleset_as_keepalived_for_an_ipv6_master() {
    differential(false, "fd00:9::33");
}

#[test]
fn same_ruleset_as_keepalived_for_an_ipv6_master_with_counters() {
    differential(true, "fd00:9::33");
}
