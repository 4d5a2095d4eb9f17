//! A BFD session whose `source_ip` is not on the host when vrrpd starts
//! (root, network namespaces, keepalived 2.2.7 as the BFD peer; else
//! `SKIPPED:`): vrrpd names it in `vrrpd status` (`running` false, an
//! `error`), its weight-0 instance stays FAULT, and once the address exists
//! the next retry (every 60 s, as keepalived's `bfd_open_fd_out_thread`)
//! runs it: Up with keepalived's BFD process, the instance MASTER.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Lab, skip_differential, wait_until};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// keepalived, stopped with SIGTERM (so that it stops its BFD child) on
/// drop, killed if it has not exited after 10 s.
struct Keepalived(Child);

impl Drop for Keepalived {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const V: &str = "10.81.0.1";
const K: &str = "10.81.0.2";

#[test]
fn unbindable_source_is_retried_until_it_exists() {
    if skip_differential("vrrpd bfd_retry_netns", &["keepalived"]) {
        return;
    }
    let mut lab = Lab::new("g5-vrt");
    let v = lab.add_ns("g5-vrt-v");
    let k = lab.add_ns("g5-vrt-k");
    lab.veth(&v, "eth0", &k, "eth0");
    // vrrpd's side has another address; V, the session's source, comes later.
    lab.addr(&v, "eth0", "10.81.0.9/24");
    lab.addr(&k, "eth0", &format!("{K}/24"));

    // keepalived's BFD process alone (a configuration with only a
    // bfd_instance) as the peer.
    let kconf = lab.write_conf(
        "k",
        &format!(
            "global_defs {{\n  router_id g5vrtk\n}}\nbfd_instance peer {{\n  neighbor_ip {V}\n  \
             source_ip {K}\n  min_rx 100\n  min_tx 100\n  multiplier 3\n}}\n"
        ),
    );
    let klog = std::fs::File::create(lab.path("k.log")).unwrap();
    let p = |f: &str| lab.path(f).to_str().unwrap().to_string();
    let _ka = Keepalived(
        Command::new("ip")
            .args(["netns", "exec", &k, "keepalived", "-n", "-l", "-D", "-f"])
            .arg(&kconf)
            .args([
                "-p",
                &p("k.pid"),
                "-r",
                &p("k.vrrp.pid"),
                "-c",
                &p("k.chk.pid"),
            ])
            .args(["-b", &p("k.bfd.pid")])
            .stdout(Stdio::null())
            .stderr(klog)
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );

    let conf = lab.write_conf(
        "v",
        &format!(
            "global_defs {{\n  router_id g5vrtv\n}}\n\
             bfd_instance gw {{\n  neighbor_ip {K}\n  source_ip {V}\n  min_rx 100\n  min_tx 100\n  \
             multiplier 3\n}}\n\
             vrrp_instance I {{\n  interface eth0\n  virtual_router_id 7\n  priority 100\n  \
             advert_int 1\n  track_bfd {{\n    gw\n  }}\n  virtual_ipaddress {{\n    10.81.0.100/24\n  }}\n}}\n"
        ),
    );
    let started = Instant::now();
    let mut d = lab.start(&v, Daemon::Vrrpd, &conf, "v");
    let state = |lab: &Lab| -> Option<(String, bool, String)> {
        let st = lab.status("v")?;
        let s = &st["bfd"][0];
        Some((
            st["instances"][0]["state"].as_str()?.to_string(),
            s["running"].as_bool()?,
            s["local_state"].as_str()?.to_string(),
        ))
    };
    wait_until(
        Duration::from_secs(10),
        "the session reported not running",
        || state(&lab).is_some_and(|(i, running, _)| i == "FAULT" && !running),
    );
    let st = lab.status("v").unwrap();
    let err = st["bfd"][0]["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(err.contains(V), "error does not name the source: {err:?}");
    // Still FAULT and not running a few seconds later: nothing is retried
    // before the minute.
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        state(&lab).is_some_and(|(i, running, _)| i == "FAULT" && !running),
        "{:?}",
        state(&lab)
    );
    lab.addr(&v, "eth0", &format!("{V}/24"));
    // The retry comes 60 s after the failed start; Up and MASTER
    // (Master_Down_Interval about 3 s) follow. 100 s in all leaves room for
    // a loaded machine.
    wait_until(
        Duration::from_secs(100),
        "running, Up and MASTER after the retry",
        || state(&lab).is_some_and(|(i, running, s)| i == "MASTER" && running && s == "Up"),
    );
    let took = started.elapsed();
    eprintln!("session running and MASTER {took:?} after vrrpd's start");
    assert!(took >= Duration::from_secs(55), "retried early: {took:?}");
    let klog = lab.log("k");
    assert!(
        klog.contains("(peer) Entering Up state"),
        "keepalived not Up:\n{klog}"
    );
    d.stop();
}
