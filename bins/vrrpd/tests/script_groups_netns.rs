//! The groups a script runs with, against keepalived 2.2.7 (root, network
//! namespaces, keepalived, useradd/groupadd; else `SKIPPED:`).
//!
//! A throwaway system user with a supplementary group runs two
//! `vrrp_script`s: one as the global `script_user USER`, one with its own
//! `user USER GROUP`. Each script records `id -u`, `id -g`, `id -G` and the
//! kernel's supplementary list (`Groups:` of /proc/self/status). keepalived
//! (lib/notify.c `set_script_env`: `setgroups(1, &gid)`) and vrrpd, each in
//! its own namespace with the same configuration, must record the same
//! lines: the user's other groups are not added, and the script's group is
//! its only supplementary group.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::have;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn run(args: &[&str]) -> bool {
    Command::new(args[0])
        .args(&args[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The throwaway user and groups, the namespaces and the directory;
/// all removed on drop (also when the test fails).
struct Scratch {
    user: String,
    groups: [String; 2],
    namespaces: Vec<String>,
    dir: PathBuf,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for n in &self.namespaces {
            let _ = Command::new("ip").args(["netns", "del", n]).status();
        }
        let _ = Command::new("userdel").arg(&self.user).status();
        for g in &self.groups {
            let _ = Command::new("groupdel").arg(g).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A namespace with a veth pair (`eth0` up with 192.0.2.1/24): VRRP needs
/// an interface other than loopback, and nothing leaves the namespace.
fn namespace(name: &str) {
    let _ = Command::new("ip").args(["netns", "del", name]).status();
    common::sh(&["ip", "netns", "add", name]);
    let x = |args: &[&str]| {
        let mut v = vec!["ip", "netns", "exec", name];
        v.extend_from_slice(args);
        common::sh(&v);
    };
    x(&["ip", "link", "set", "lo", "up"]);
    x(&[
        "ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth1",
    ]);
    x(&["ip", "link", "set", "eth0", "up"]);
    x(&["ip", "link", "set", "eth1", "up"]);
    x(&["ip", "addr", "add", "192.0.2.1/24", "dev", "eth0"]);
}

fn config(dir: &Path, tag: &str, script_user: &str, user: &str, group: &str) -> String {
    let script = dir.join("groups.sh");
    format!(
        "global_defs {{\n script_user {script_user}\n}}\n\
         vrrp_script global {{\n script \"{s} {d}/{tag}.global\"\n interval 1\n}}\n\
         vrrp_script own {{\n script \"{s} {d}/{tag}.own\"\n interval 1\n user {user} {group}\n}}\n\
         vrrp_instance V {{\n interface eth0\n virtual_router_id 51\n priority 100\n\
         advert_int 1\n virtual_ipaddress {{\n  192.0.2.100/32\n }}\n\
         track_script {{\n  global\n  own\n }}\n}}\n",
        s = script.display(),
        d = dir.display(),
    )
}

/// Runs keepalived or vrrpd in `ns` until every file in `wait` has a line
/// (bounded at 15 s), then stops it.
fn run_daemon(ns: &str, conf: &Path, dir: &Path, vrrpd: bool, wait: &[PathBuf]) {
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", ns]);
    if vrrpd {
        cmd.arg(env!("CARGO_BIN_EXE_vrrpd"))
            .arg("-f")
            .arg(conf)
            .arg("-p")
            .arg(dir.join(format!("{ns}.pid")));
    } else {
        cmd.args(["keepalived", "-n", "-l", "-D", "-P", "-f"])
            .arg(conf)
            .arg("-p")
            .arg(dir.join(format!("{ns}.k.pid")))
            .arg("-r")
            .arg(dir.join(format!("{ns}.v.pid")));
    }
    let _kid = common::Kid(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let end = Instant::now() + Duration::from_secs(15);
    while !wait
        .iter()
        .all(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains('\n')))
    {
        assert!(
            Instant::now() < end,
            "{ns}: the scripts did not run: {wait:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn first_line(p: &Path) -> String {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn scripts_get_the_groups_keepalived_gives_them() {
    let what = "scripts_get_the_groups_keepalived_gives_them";
    if common::skip_netns_test(what, None, "network namespaces, useradd") {
        return;
    }
    if !have("keepalived") || !have("useradd") || !have("groupadd") {
        eprintln!("SKIPPED: {what} needs keepalived, useradd and groupadd");
        return;
    }
    let id = std::process::id();
    let dir = std::env::temp_dir().join(format!("hd-groups-{id}"));
    let s = Scratch {
        user: format!("hd-u{id}"),
        groups: [format!("hd-s{id}"), format!("hd-o{id}")],
        namespaces: vec![format!("hd-gk-{id}"), format!("hd-gv-{id}")],
        dir: dir.clone(),
    };
    std::fs::create_dir_all(&dir).unwrap();
    // Root-owned and not writable by others: enable_script_security aside,
    // keepalived checks the script's path.
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    assert!(
        run(&["groupadd", "-r", &s.groups[0]])
            && run(&["groupadd", "-r", &s.groups[1]])
            && run(&[
                "useradd",
                "-r",
                "-M",
                "-s",
                "/usr/sbin/nologin",
                "-G",
                &s.groups[0],
                &s.user
            ]),
        "useradd/groupadd failed"
    );
    let script = dir.join("groups.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"$(id -u) $(id -g) [$(id -G)] [$(sed -n 's/^Groups:[[:space:]]*//p' /proc/self/status)]\" >> \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut lines = Vec::new();
    for (ns, vrrpd, tag) in [
        (&s.namespaces[0], false, "k"),
        (&s.namespaces[1], true, "v"),
    ] {
        namespace(ns);
        let conf = dir.join(format!("{tag}.conf"));
        std::fs::write(&conf, config(&dir, tag, &s.user, &s.user, &s.groups[1])).unwrap();
        // The scripts' user cannot create files in the directory.
        let outs: Vec<PathBuf> = ["global", "own"]
            .iter()
            .map(|k| dir.join(format!("{tag}.{k}")))
            .collect();
        for o in &outs {
            std::fs::write(o, "").unwrap();
            std::fs::set_permissions(o, std::os::unix::fs::PermissionsExt::from_mode(0o666))
                .unwrap();
        }
        run_daemon(ns, &conf, &dir, vrrpd, &outs);
        lines.push(outs.iter().map(|o| first_line(o)).collect::<Vec<_>>());
    }
    println!("keepalived: {:?}\nvrrpd:      {:?}", lines[0], lines[1]);
    assert_eq!(lines[0], lines[1], "keepalived vs vrrpd");
    // Not vacuous: the user has a supplementary group the scripts do not get.
    let supp = nix_gid(&s.groups[0]);
    assert!(!lines[1][0].contains(&supp.to_string()), "{:?}", lines[1]);
}

/// A group's id from `getent group`.
fn nix_gid(name: &str) -> u32 {
    let out = Command::new("getent")
        .args(["group", name])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split(':')
        .nth(2)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}
