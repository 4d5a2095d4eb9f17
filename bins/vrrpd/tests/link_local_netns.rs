//! Instances on an interface without an IPv6 link-local address, against
//! keepalived 2.2.7 (root, network namespaces and keepalived installed;
//! else `SKIPPED:`).
//!
//! keepalived runs in one namespace, this build's vrrpd in another, on an
//! `eth0` without a link-local address (`addrgenmode none`, or IPv6
//! disabled with `disable_ipv6`). An IPv4 instance runs and becomes Master
//! in both. An IPv6 instance (no `dynamic_interfaces`) waits in FAULT without
//! its VIP in both, the daemons running; once a link-local address is added
//! both become Master with the same addresses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{have, shell as sh};

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A namespace with `eth0` (10.9.0.1/24, a veth whose peer stays in the
/// namespace), deleted on drop with its temporary directory.
struct Ns {
    name: String,
    dir: PathBuf,
}

impl Ns {
    fn new(name: String) -> Self {
        let _ = Command::new("ip")
            .args(["netns", "del", &name])
            .stderr(Stdio::null())
            .status();
        let dir = std::env::temp_dir().join(&name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ns = Ns { name, dir };
        let n = &ns.name;
        sh(&format!(
            "ip netns add {n} && ip -n {n} link add eth0 type veth peer name eth0p && \
             ip -n {n} addr add 10.9.0.1/24 dev eth0 && ip -n {n} link set eth0 up && \
             ip -n {n} link set eth0p up && ip -n {n} link set lo up"
        ));
        ns
    }

    /// (interface, address/prefix) of every global address, sorted.
    fn addresses(&self) -> Vec<(String, String)> {
        let text = sh(&format!("ip -n {} -j addr show scope global", self.name));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut out = Vec::new();
        for l in v.as_array().into_iter().flatten() {
            for a in l["addr_info"].as_array().into_iter().flatten() {
                // ip -j lists an empty object for an address it filtered out
                if a.get("local").is_none() {
                    continue;
                }
                out.push((
                    l["ifname"].as_str().unwrap_or("").to_string(),
                    format!("{}/{}", a["local"].as_str().unwrap_or(""), a["prefixlen"]),
                ));
            }
        }
        out.sort();
        out
    }

    fn conf(&self, text: &str) -> PathBuf {
        let p = self.dir.join("k.conf");
        std::fs::write(&p, text).unwrap();
        p
    }

    /// keepalived (`vrrpd` false) or this build's vrrpd on `conf`.
    fn command(&self, vrrpd: bool) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name]);
        if vrrpd {
            cmd.arg(env!("CARGO_BIN_EXE_vrrpd"));
        } else {
            cmd.arg("keepalived");
        }
        cmd
    }

    fn start(&self, conf: &str, vrrpd: bool) -> common::Kid {
        let path = self.conf(conf);
        let mut cmd = self.command(vrrpd);
        if vrrpd {
            cmd.arg("-f")
                .arg(&path)
                .arg("--socket")
                .arg(self.dir.join("o.sock"))
                .arg("--dump-file")
                .arg(self.dir.join("o.json"));
        } else {
            cmd.args(["-n", "-l", "-D", "-P", "-f"])
                .arg(&path)
                .arg("-p")
                .arg(self.dir.join("k.pid"))
                .arg("-r")
                .arg(self.dir.join("v.pid"));
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        common::Kid(child)
    }

    /// Runs `ip -n NS` with `args`.
    fn ip(&self, args: &str) {
        sh(&format!("ip -n {} {args}", self.name));
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits (bounded) for the process to exit; its exit status, or `None` if
/// it still runs after 10 s.
fn exit_of(kid: &mut common::Kid) -> Option<std::process::ExitStatus> {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = kid.0.try_wait().unwrap() {
            return Some(st);
        }
        if Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn stop(kid: &mut common::Kid) {
    let _ = Command::new("kill")
        .args(["-TERM", &kid.0.id().to_string()])
        .status();
    assert!(exit_of(kid).is_some(), "no exit 10 s after SIGTERM");
}

fn config(vip: &str) -> String {
    format!(
        "global_defs {{\n router_id ll\n}}\n\
         vrrp_instance VI_A {{\n state BACKUP\n interface eth0\n virtual_router_id 51\n \
         priority 100\n advert_int 1\n virtual_ipaddress {{\n  {vip}\n }}\n}}\n"
    )
}

fn skip() -> bool {
    if common::skip_netns_test("link-local differential", None, "network namespaces") {
        return true;
    }
    if !have("keepalived") {
        eprintln!("SKIPPED: link-local differential needs keepalived");
        return true;
    }
    false
}

/// Both namespaces, `eth0` prepared by `setup` (ip arguments).
fn pair(tag: &str, setup: &[&str]) -> (Ns, Ns) {
    let pid = std::process::id();
    let k = Ns::new(format!("fx-l{tag}k-{pid}"));
    let o = Ns::new(format!("fx-l{tag}o-{pid}"));
    for ns in [&k, &o] {
        for s in setup {
            if let Some(sysctl) = s.strip_prefix("sysctl ") {
                sh(&format!("ip netns exec {} sysctl -qw {sysctl}", ns.name));
            } else {
                ns.ip(s);
            }
        }
        let ll = sh(&format!(
            "ip -n {} -6 addr show dev eth0 scope link",
            ns.name
        ));
        assert!(ll.trim().is_empty(), "a link-local address: {ll}");
    }
    (k, o)
}

fn ipv4_runs(tag: &str, setup: &[&str]) {
    if skip() {
        return;
    }
    let (k, o) = pair(tag, setup);
    let conf = config("10.9.0.51/24");
    let mut kd = k.start(&conf, false);
    let mut od = o.start(&conf, true);
    for ns in [&k, &o] {
        wait_for(&format!("{}'s VIP", ns.name), || ns.addresses().len() == 2);
    }
    let (ka, oa) = (k.addresses(), o.addresses());
    let running = [&mut kd, &mut od].map(|d| d.0.try_wait().unwrap().is_none());
    stop(&mut kd);
    stop(&mut od);
    assert_eq!(running, [true, true]);
    assert_eq!(oa, ka);
    assert!(ka.contains(&("eth0".to_string(), "10.9.0.51/24".to_string())));
}

/// `addrgenmode none`: no link-local address; the IPv4 instance runs.
#[test]
fn ipv4_instance_without_link_local_runs_as_keepalived() {
    ipv4_runs(
        "a",
        &[
            "link set eth0 down",
            "link set eth0 addrgenmode none",
            "link set eth0 up",
        ],
    );
}

/// IPv6 disabled on the interface; the IPv4 instance runs.
#[test]
fn ipv4_instance_with_ipv6_disabled_runs_as_keepalived() {
    ipv4_runs("d", &["sysctl net.ipv6.conf.eth0.disable_ipv6=1"]);
}

/// An IPv6 instance waits in FAULT for a link-local address, then runs.
#[test]
fn ipv6_instance_waits_for_a_link_local_as_keepalived() {
    if skip() {
        return;
    }
    let (k, o) = pair(
        "6",
        &[
            "link set eth0 down",
            "link set eth0 addrgenmode none",
            "link set eth0 up",
            "addr add fd00:9::1/64 dev eth0 nodad",
        ],
    );
    let conf = config("fd00:9::51/64");
    let mut kd = k.start(&conf, false);
    let mut od = o.start(&conf, true);
    // Master_Down_Interval is a little over 3 s: both would be Master by now.
    std::thread::sleep(Duration::from_secs(5));
    let waiting = (k.addresses(), o.addresses());
    let running = [&mut kd, &mut od].map(|d| d.0.try_wait().unwrap().is_none());
    for ns in [&k, &o] {
        ns.ip("addr add fe80::1/64 dev eth0 nodad");
    }
    for ns in [&k, &o] {
        wait_for(&format!("{}'s VIP", ns.name), || ns.addresses().len() == 3);
    }
    let (ka, oa) = (k.addresses(), o.addresses());
    stop(&mut kd);
    stop(&mut od);
    assert_eq!(
        running,
        [true, true],
        "keepalived, vrrpd running while waiting"
    );
    assert_eq!(waiting.0.len(), 2, "keepalived waiting: {:?}", waiting.0);
    assert_eq!(waiting.1, waiting.0, "waiting in FAULT");
    assert_eq!(oa, ka, "after the link-local address");
    assert!(
        ka.contains(&("eth0".to_string(), "fd00:9::51/64".to_string())),
        "{ka:?}"
    );
}
