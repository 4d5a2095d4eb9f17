//! A flood of idle connections to `--metrics-listen` (2,000 at once, topped
//! up for 8 s) against a Master with a track script whose open files limit
//! is 1024 (soft and hard, as systemd's default soft limit): the Master keeps
//! its VIP, the track script keeps running, the daemon's descriptors stay
//! well below the limit, and the endpoint answers once the flood is over.
//! Before the endpoint had a connection limit, the flood took every
//! descriptor: the script could not start, the instance went FAULT and the
//! VIP was removed. Runs in a network namespace of its own (root).

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read as _;
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const METRICS: &str = "127.0.0.1:9650";
const FLOOD_CONNECTIONS: usize = 2000;
const FLOOD_TIME: Duration = Duration::from_secs(8);
/// At most this many connection attempts in all (bounds the loop).
const MAX_ATTEMPTS: usize = 40_000;

fn state(sock: &std::path::Path) -> String {
    common::netns::status_at(sock)
        .and_then(|s| s["instances"][0]["state"].as_str().map(str::to_string))
        .unwrap_or_else(|| "no answer".into())
}

fn has_vip(ns: &str) -> bool {
    let out = Command::new("ip")
        .args(["-n", ns, "-4", "addr", "show", "dev", "v0"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).contains("10.93.0.100/32")
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

fn runs(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |s| s.lines().count())
}

/// Whether the server closed `s` (EOF or an error on a non-blocking read).
fn closed_by_server(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 64];
    match s.read(&mut b) {
        // EOF, or an answer: either way the server is done with us.
        Ok(0) => true,
        Ok(_) => true,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    }
}

/// Keeps up to FLOOD_CONNECTIONS idle connections open for FLOOD_TIME,
/// replacing the ones the server closes; calls `sample` every 500 ms.
/// Returns the connections that were established.
fn flood(addr: SocketAddr, mut sample: impl FnMut()) -> usize {
    let end = Instant::now() + FLOOD_TIME;
    let mut open: Vec<TcpStream> = Vec::with_capacity(FLOOD_CONNECTIONS);
    let (mut attempts, mut established) = (0usize, 0usize);
    while Instant::now() < end && attempts < MAX_ATTEMPTS {
        open.retain_mut(|s| !closed_by_server(s));
        while open.len() < FLOOD_CONNECTIONS && attempts < MAX_ATTEMPTS && Instant::now() < end {
            attempts += 1;
            if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                s.set_nonblocking(true).unwrap();
                established += 1;
                open.push(s);
            }
        }
        sample();
        std::thread::sleep(Duration::from_millis(500));
    }
    established
}

#[test]
fn metrics_flood_leaves_the_master_its_vip_and_its_track_script() {
    let what = "metrics_flood_leaves_the_master_its_vip_and_its_track_script";
    if common::skip_netns_test(what, None, "network namespaces") {
        return;
    }
    // This process holds the flood's connections.
    keepalived_runtime::fd_limit::raise_nofile_limit().unwrap();
    assert!(
        keepalived_runtime::fd_limit::nofile_limit().unwrap() > FLOOD_CONNECTIONS as u64 + 100,
        "the test needs a hard open files limit above {FLOOD_CONNECTIONS}"
    );
    let tag = std::process::id();
    let ns = format!("vflood-{tag}");
    let dir = std::env::temp_dir().join(format!("vflood-{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let _clean = common::Cleanup {
        netns: vec![ns.clone()],
        paths: vec![dir.clone()],
    };
    common::sh(&["ip", "netns", "add", &ns]);
    common::sh(&[
        "ip", "-n", &ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1",
    ]);
    common::sh(&["ip", "-n", &ns, "addr", "add", "10.93.0.1/24", "dev", "v0"]);
    for l in ["v0", "v1", "lo"] {
        common::sh(&["ip", "-n", &ns, "link", "set", l, "up"]);
    }
    let conf = dir.join("keepalived.conf");
    let ctl = dir.join("vrrpd.sock");
    let runs_file = dir.join("runs");
    std::fs::write(
        &conf,
        format!(
            "vrrp_script chk {{\n  script \"/bin/sh -c 'echo run >> {}'\"\n  interval 1\n  fall 1\n}}\n\
             vrrp_instance VI_1 {{\n  state MASTER\n  interface v0\n  virtual_router_id 53\n  \
             priority 100\n  version 3\n  advert_int 0.5\n  track_script {{\n    chk\n  }}\n  \
             virtual_ipaddress {{\n    10.93.0.100/32\n  }}\n}}\n",
            runs_file.display()
        ),
    )
    .unwrap();
    // 1024 descriptors, soft and hard (the shell's ulimit sets both).
    let kid = common::Kid(
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -n 1024 && exec ip netns exec {ns} {} -f {} --socket {} --metrics-listen {METRICS}",
                env!("CARGO_BIN_EXE_vrrpd"),
                conf.display(),
                ctl.display()
            ))
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let pid = kid.0.id();
    let end = Instant::now() + Duration::from_secs(15);
    while !(state(&ctl) == "MASTER" && has_vip(&ns) && runs(&runs_file) >= 1) {
        assert!(
            Instant::now() < end,
            "no MASTER with its VIP and a script run: state {}, VIP {}, runs {}",
            state(&ctl),
            has_vip(&ns),
            runs(&runs_file)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let runs_before = runs(&runs_file);

    let mut samples = Vec::new();
    let addr: SocketAddr = METRICS.parse().unwrap();
    let established = vrrp_linux::netns::run_in_netns(&ns, || {
        flood(addr, || {
            samples.push((state(&ctl), has_vip(&ns), open_fds(pid)))
        })
    })
    .unwrap();
    let runs_during = runs(&runs_file) - runs_before;

    let max_fds = samples.iter().map(|s| s.2).max().unwrap_or(0);
    eprintln!(
        "flood: {established} connections established, {} samples, vrrpd fds max {max_fds}, \
         script runs during the flood {runs_during}",
        samples.len()
    );
    assert!(
        established >= FLOOD_CONNECTIONS,
        "the flood did not happen: {established} connections"
    );
    for (st, vip, fds) in &samples {
        assert!(
            st == "MASTER" && *vip,
            "during the flood: state {st}, VIP present {vip}, vrrpd fds {fds}"
        );
    }
    assert!(
        max_fds < 1024 - keepalived_runtime::fd_limit::RESERVE as usize,
        "vrrpd used {max_fds} descriptors of 1024"
    );
    assert!(samples.len() >= 3, "{samples:?}");
    assert!(
        runs_during >= 4,
        "the track script ran {runs_during} times in {FLOOD_TIME:?}"
    );
    // The endpoint serves scrapes again once the flood is gone.
    let end = Instant::now() + Duration::from_secs(15);
    loop {
        let r = vrrp_linux::netns::run_in_netns(&ns, || {
            ha_daemon_kit::metrics::http_get(addr, "/metrics")
        })
        .unwrap();
        if matches!(&r, Ok((200, body)) if body.contains("vrrpd_instance_state")) {
            break;
        }
        assert!(Instant::now() < end, "no scrape after the flood: {r:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(state(&ctl), "MASTER");
}
