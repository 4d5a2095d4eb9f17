//! A virtual address whose `dev` names an interface that does not exist,
//! against keepalived 2.2.7 (root, network namespaces and keepalived
//! installed; else `SKIPPED:`).
//!
//! keepalived runs in one namespace, this build's vrrpd in another, with the
//! same configuration. Without `dynamic_interfaces` both report the address
//! with keepalived's text (`-t` too) and stop without adding any address.
//! With it both wait in FAULT without the VIPs; once the interface is created
//! both become Master with the same addresses on the same interfaces.

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

    /// (interface, address/prefix) of every global IPv4 address, sorted.
    fn addresses(&self) -> Vec<(String, String)> {
        let text = sh(&format!("ip -n {} -j -4 addr show scope global", self.name));
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

    /// `-t` on `conf`: (exit code, standard error).
    fn config_test(&self, conf: &str, vrrpd: bool) -> (Option<i32>, String) {
        let path = self.conf(conf);
        let mut cmd = self.command(vrrpd);
        cmd.arg("-t").arg("-f").arg(&path);
        if !vrrpd {
            cmd.arg("-P");
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
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

fn config(global: &str) -> String {
    format!(
        "global_defs {{\n router_id vd\n{global}}}\n\
         vrrp_instance VI_A {{\n state BACKUP\n interface eth0\n virtual_router_id 51\n \
         priority 100\n advert_int 1\n virtual_ipaddress {{\n  10.9.0.51/24\n  \
         10.9.0.52/24 dev nosuch0\n }}\n}}\n"
    )
}

fn skip() -> bool {
    if common::skip_netns_test("VIP dev differential", None, "network namespaces") {
        return true;
    }
    if !have("keepalived") {
        eprintln!("SKIPPED: VIP dev differential needs keepalived");
        return true;
    }
    false
}

const TEXT: &str = "interface nosuch0 for ip address 10.9.0.52/24 doesn't exist";

/// Without `dynamic_interfaces`: keepalived's VRRP process stops at start
/// ("Non-existent interface specified in configuration"); vrrpd refuses the
/// configuration. Neither adds an address; `-t` names the address alike.
#[test]
fn missing_vip_interface_stops_as_keepalived() {
    if skip() {
        return;
    }
    let pid = std::process::id();
    let k = Ns::new(format!("fx-vk-{pid}"));
    let o = Ns::new(format!("fx-vo-{pid}"));
    let conf = config("");
    let (kc, kt) = k.config_test(&conf, false);
    let (_, ot) = o.config_test(&conf, true);
    assert!(kt.contains(TEXT), "keepalived -t: {kt}");
    assert_ne!(kc, Some(0), "keepalived -t accepted it");
    assert!(ot.contains(TEXT), "vrrpd -t: {ot}");
    let mut kd = k.start(&conf, false);
    let mut od = o.start(&conf, true);
    let ks = exit_of(&mut kd).expect("keepalived kept running");
    let os = exit_of(&mut od).expect("vrrpd kept running");
    assert!(!ks.success() && !os.success(), "{ks} {os}");
    let only = vec![("eth0".to_string(), "10.9.0.1/24".to_string())];
    assert_eq!(k.addresses(), only, "keepalived");
    assert_eq!(o.addresses(), only, "vrrpd");
}

/// With `dynamic_interfaces`: FAULT without VIPs until the interface is
/// created, then Master with the same addresses as keepalived.
#[test]
fn missing_vip_interface_waits_with_dynamic_interfaces_as_keepalived() {
    if skip() {
        return;
    }
    let pid = std::process::id();
    let k = Ns::new(format!("fx-vdk-{pid}"));
    let o = Ns::new(format!("fx-vdo-{pid}"));
    let conf = config(" dynamic_interfaces\n");
    let mut kd = k.start(&conf, false);
    let mut od = o.start(&conf, true);
    // Master_Down_Interval is a little over 3 s: both would be Master by now.
    std::thread::sleep(Duration::from_secs(5));
    let waiting = (k.addresses(), o.addresses());
    for ns in [&k, &o] {
        let n = &ns.name;
        sh(&format!(
            "ip -n {n} link add nosuch0 type veth peer name nz1 && \
             ip -n {n} link set nosuch0 up && ip -n {n} link set nz1 up"
        ));
    }
    for ns in [&k, &o] {
        wait_for(&format!("{}'s VIPs", ns.name), || ns.addresses().len() == 3);
    }
    std::thread::sleep(Duration::from_secs(1));
    let (ka, oa) = (k.addresses(), o.addresses());
    stop(&mut kd);
    stop(&mut od);
    let only = vec![("eth0".to_string(), "10.9.0.1/24".to_string())];
    assert_eq!(waiting.0, only, "keepalived before the interface");
    assert_eq!(waiting.1, only, "vrrpd before the interface");
    assert_eq!(oa, ka, "after the interface appeared");
    assert!(ka.contains(&("nosuch0".to_string(), "10.9.0.52/24".to_string())));
}
