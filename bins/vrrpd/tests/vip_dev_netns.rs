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

use common::netns::{Daemon, Looped, skip_differential, wait_until};
use common::shell as sh;

use std::time::Duration;

/// A namespace with `eth0` (10.9.0.1/24, a veth whose peer stays in the
/// namespace), deleted on drop with its temporary directory.
fn ns(name: String) -> Looped {
    Looped::new(&name, &["10.9.0.1/24"])
}

/// `-t` on `conf` in `ns`: (exit code, standard error).
fn config_test(ns: &Looped, conf: &str, vrrpd: bool) -> (Option<i32>, String) {
    let path = ns.lab.write_conf("k", conf);
    let mut cmd = std::process::Command::new("ip");
    cmd.args(["netns", "exec", &ns.name, Daemon::of(vrrpd).program()]);
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

fn wait_for(what: &str, ok: impl FnMut() -> bool) {
    wait_until(Duration::from_secs(20), what, ok);
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
    skip_differential("VIP dev differential", &["keepalived"])
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
    let k = ns(format!("nm-vdk-{pid}"));
    let o = ns(format!("nm-vdo-{pid}"));
    let conf = config("");
    let (kc, kt) = config_test(&k, &conf, false);
    let (_, ot) = config_test(&o, &conf, true);
    assert!(kt.contains(TEXT), "keepalived -t: {kt}");
    assert_ne!(kc, Some(0), "keepalived -t accepted it");
    assert!(ot.contains(TEXT), "vrrpd -t: {ot}");
    let mut kd = k.start(&conf, Daemon::Keepalived);
    let mut od = o.start(&conf, Daemon::Vrrpd);
    let ks = kd
        .wait_exit(Duration::from_secs(10))
        .expect("keepalived kept running");
    let os = od
        .wait_exit(Duration::from_secs(10))
        .expect("vrrpd kept running");
    assert!(!ks.success() && !os.success(), "{ks} {os}");
    let only = vec![("eth0".to_string(), "10.9.0.1/24".to_string())];
    assert_eq!(k.addresses("-4"), only, "keepalived");
    assert_eq!(o.addresses("-4"), only, "vrrpd");
}

/// With `dynamic_interfaces`: FAULT without VIPs until the interface is
/// created, then Master with the same addresses as keepalived.
#[test]
fn missing_vip_interface_waits_with_dynamic_interfaces_as_keepalived() {
    if skip() {
        return;
    }
    let pid = std::process::id();
    let k = ns(format!("nm-vddk-{pid}"));
    let o = ns(format!("nm-vddo-{pid}"));
    let conf = config(" dynamic_interfaces\n");
    let mut kd = k.start(&conf, Daemon::Keepalived);
    let mut od = o.start(&conf, Daemon::Vrrpd);
    // Master_Down_Interval is a little over 3 s: both would be Master by now.
    std::thread::sleep(Duration::from_secs(5));
    let waiting = (k.addresses("-4"), o.addresses("-4"));
    for ns in [&k, &o] {
        let n = &ns.name;
        sh(&format!(
            "ip -n {n} link add nosuch0 type veth peer name nz1 && \
             ip -n {n} link set nosuch0 up && ip -n {n} link set nz1 up"
        ));
    }
    for ns in [&k, &o] {
        wait_for(&format!("{}'s VIPs", ns.name), || {
            ns.addresses("-4").len() == 3
        });
    }
    std::thread::sleep(Duration::from_secs(1));
    let (ka, oa) = (k.addresses("-4"), o.addresses("-4"));
    kd.stop();
    od.stop();
    let only = vec![("eth0".to_string(), "10.9.0.1/24".to_string())];
    assert_eq!(waiting.0, only, "keepalived before the interface");
    assert_eq!(waiting.1, only, "vrrpd before the interface");
    assert_eq!(oa, ka, "after the interface appeared");
    assert!(ka.contains(&("nosuch0".to_string(), "10.9.0.52/24".to_string())));
}
