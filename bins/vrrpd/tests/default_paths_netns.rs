//! Two daemons started with the default paths, one in each of two network
//! namespaces, do not collide: each binds /run/vrrpd_NS.sock and `vrrpd
//! status` run in the same namespace reaches its own daemon (before, both
//! took /run/vrrpd.sock and the second refused to start). Root only.

#![allow(clippy::unwrap_used)]

mod common;

use common::Cleanup;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    let _clean = Cleanup {
        netns: names.to_vec(),
        paths: names
            .iter()
            .map(|n| format!("/run/vrrpd_{n}.sock").into())
            .collect(),
    };
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

/// `vrrpd status ARGS` in namespace `ns`.
fn status_with(ns: &str, args: &[&str]) -> Option<serde_json::Value> {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, env!("CARGO_BIN_EXE_vrrpd"), "status"])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .unwrap();
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

/// Waits (bounded) until `vrrpd status ARGS` answers with `kid`'s pid.
fn wait_for(ns: &str, args: &[&str], kid: &mut common::Kid) {
    let end = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(st) = status_with(ns, args) {
            assert_eq!(st["pid"], kid.0.id(), "{args:?}: {st}");
            return;
        }
        if let Ok(Some(code)) = kid.0.try_wait() {
            panic!("the daemon for {args:?} exited with {code}");
        }
        assert!(Instant::now() < end, "no status for {args:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Two daemons in one namespace, told apart by `-p` and then by the
/// configuration's `instance NAME`, each get their own default control
/// socket and dump file (keepalived main.c derives its pid files from
/// `-p` and `instance` the same way). Before, the second of each pair
/// found the shared default socket taken and exited.
#[test]
fn daemons_in_one_namespace_told_apart_by_pid_file_or_instance() {
    let what = "daemons_in_one_namespace_told_apart_by_pid_file_or_instance";
    if common::skip_netns_test(what, None, "network namespaces") {
        return;
    }
    let tag = std::process::id();
    let ns = format!("hd-paths-{tag}");
    let dir = std::env::temp_dir().join(format!("hd-paths-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut paths = vec![dir.clone()];
    paths.extend(["one", "two"].map(|i| format!("/run/vrrpd_{ns}_{i}.sock").into()));
    let _clean = Cleanup {
        netns: vec![ns.clone()],
        paths,
    };
    common::sh(&["ip", "netns", "add", &ns]);
    let conf = dir.join("plain.conf");
    std::fs::write(&conf, "global_defs {\n router_id test\n}\n").unwrap();
    let spawn = |args: &[&str], conf: &std::path::Path| {
        common::Kid(
            Command::new("ip")
                .args(["netns", "exec", &ns, env!("CARGO_BIN_EXE_vrrpd"), "-f"])
                .arg(conf)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    };
    // By pid file: the socket and dump sit beside it.
    let pids: Vec<String> = ["a", "b"]
        .iter()
        .map(|n| dir.join(format!("{n}.pid")).to_string_lossy().into_owned())
        .collect();
    let mut kids: Vec<common::Kid> = pids.iter().map(|p| spawn(&["-p", p], &conf)).collect();
    for (p, kid) in pids.iter().zip(kids.iter_mut()) {
        wait_for(&ns, &["-p", p], kid);
        let sock = std::path::Path::new(p).with_extension("sock");
        assert!(sock.exists(), "{}", sock.display());
        // SIGUSR1 writes the dump beside the pid file too.
        common::sh(&["kill", "-USR1", &kid.0.id().to_string()]);
        let dump = std::path::Path::new(p).with_extension("json");
        let end = Instant::now() + Duration::from_secs(10);
        while !dump.exists() {
            assert!(Instant::now() < end, "no dump at {}", dump.display());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    drop(kids);
    // By `instance NAME`: /run/vrrpd_NS_NAME.sock.
    let mut kids = Vec::new();
    for i in ["one", "two"] {
        let c = dir.join(format!("{i}.conf"));
        std::fs::write(
            &c,
            format!("instance {i}\nglobal_defs {{\n router_id t\n}}\n"),
        )
        .unwrap();
        kids.push((i, spawn(&[], &c)));
    }
    for (i, kid) in &mut kids {
        wait_for(&ns, &["--instance", i], kid);
        let sock = format!("/run/vrrpd_{ns}_{i}.sock");
        assert!(std::path::Path::new(&sock).exists(), "{sock}");
    }
}
