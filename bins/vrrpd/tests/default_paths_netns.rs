//! Two daemons started with the default paths, one in each of two network
//! namespaces, do not collide: each binds /run/vrrpd_NS.sock and `vrrpd
//! status` run in the same namespace reaches its own daemon (before, both
//! took /run/vrrpd.sock and the second refused to start). Root only.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Cleanup(Vec<String>);
impl Drop for Cleanup {
    fn drop(&mut self) {
        for n in &self.0 {
            let _ = Command::new("ip").args(["netns", "del", n]).status();
            let _ = std::fs::remove_file(format!("/run/vrrpd_{n}.sock"));
        }
    }
}

/// `vrrpd status` in namespace `ns`, with the default socket.
fn status_in(ns: &str) -> Option<serde_json::Value> {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, env!("CARGO_BIN_EXE_vrrpd"), "status"])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

#[test]
fn daemons_in_two_namespaces_get_their_own_default_socket() {
    let what = "daemons_in_two_namespaces_get_their_own_default_socket";
    if common::skip_netns_test(what, None, "network namespaces") {
        return;
    }
    let tag = std::process::id();
    let names = [format!("vpath-a-{tag}"), format!("vpath-b-{tag}")];
    let _clean = Cleanup(names.to_vec());
    let conf = std::env::temp_dir().join(format!("vpath-{tag}.conf"));
    std::fs::write(&conf, "global_defs {\n router_id test\n}\n").unwrap();
    let mut kids = Vec::new();
    for n in &names {
        common::sh(&["ip", "netns", "add", n]);
        kids.push(common::Kid(
            Command::new("ip")
                .args(["netns", "exec", n, env!("CARGO_BIN_EXE_vrrpd"), "-f"])
                .arg(&conf)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        ));
    }
    for (n, kid) in names.iter().zip(&kids) {
        let end = Instant::now() + Duration::from_secs(15);
        let st = loop {
            if let Some(st) = status_in(n) {
                break st;
            }
            assert!(Instant::now() < end, "no status from the daemon in {n}");
            std::thread::sleep(Duration::from_millis(100));
        };
        // `ip netns exec` execs vrrpd: the child's pid is the daemon's.
        assert_eq!(st["pid"], kid.0.id(), "{n}: {st}");
        assert!(std::path::Path::new(&format!("/run/vrrpd_{n}.sock")).exists());
    }
    let _ = std::fs::remove_file(&conf);
}
