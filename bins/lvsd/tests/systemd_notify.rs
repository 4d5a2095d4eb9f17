//! systemd readiness (`Type=notify`, deploy/lvsd.service) through a fake
//! `$NOTIFY_SOCKET`: lvsd sends `READY=1` only once the IPVS table is
//! programmed, `RELOADING=1` (with `MONOTONIC_USEC`) and `READY=1` around a
//! SIGHUP reload, and `STOPPING=1` on SIGTERM before it removes its entries.
//!
//! The daemon ([`lvsd::daemon::run_with`]) runs in a child process (this test
//! binary again, the ignored test `child_daemon`) against a stand-in IPVS
//! that, after each batch of requests, reports its table on the same socket
//! (`X_LVSD_TEST_TABLE=services:destinations`). A unix datagram socket keeps
//! the order of what is sent to it, so the order of the messages the test
//! reads is the order of events in the daemon: no timing involved.

#![allow(clippy::unwrap_used)]

mod common;
use common::Child;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ipvs_sys::testing::InMemoryIpvs;
use ipvs_sys::{Destination, Error, IpvsOps, Request, Service, SyncDaemon, Timeouts};
use lvsd::daemon::Options;

const CONF: &str = "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
    real_server 10.2.0.1 80 {\n }\n real_server 10.2.0.2 80 {\n weight 2\n }\n}\n\
    virtual_server 10.1.0.2 443 {\n lvs_sched wlc\n lvs_method NAT\n protocol TCP\n\
    real_server 10.2.0.3 443 {\n }\n}\n";

/// ipvs-sys's in-memory IPVS, reporting its size on `$NOTIFY_SOCKET` after
/// each batch and flush.
#[derive(Default)]
struct Reporting {
    table: InMemoryIpvs,
}

impl Reporting {
    fn report(&self) {
        let entries = self.table.entries();
        let dests: usize = entries.iter().map(|s| s.dests.len()).sum();
        let msg = format!("X_LVSD_TEST_TABLE={}:{dests}", entries.len());
        let path = std::env::var_os("NOTIFY_SOCKET").unwrap();
        UnixDatagram::unbound()
            .unwrap()
            .send_to(msg.as_bytes(), path)
            .unwrap();
    }
}

impl IpvsOps for Reporting {
    fn services(&mut self) -> Result<Vec<Service>, Error> {
        self.table.services()
    }
    fn service(&mut self, s: &Service) -> Result<Option<Service>, Error> {
        self.table.service(s)
    }
    fn destinations(&mut self, s: &Service) -> Result<Vec<Destination>, Error> {
        self.table.destinations(s)
    }
    fn execute_batch(&mut self, reqs: &[Request]) -> Result<Vec<Result<(), Error>>, Error> {
        let out = self.table.execute_batch(reqs);
        self.report();
        out
    }
    fn flush(&mut self) -> Result<(), Error> {
        let out = self.table.flush();
        self.report();
        out
    }
    fn timeouts(&mut self) -> Result<Timeouts, Error> {
        self.table.timeouts()
    }
    fn set_timeouts(&mut self, t: &Timeouts) -> Result<(), Error> {
        self.table.set_timeouts(t)
    }
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error> {
        self.table.daemons()
    }
    fn new_daemon(&mut self, d: &SyncDaemon) -> Result<(), Error> {
        self.table.new_daemon(d)
    }
    fn del_daemon(&mut self, d: &SyncDaemon) -> Result<(), Error> {
        self.table.del_daemon(d)
    }
}

/// The daemon half, run by `ready_after_programming_reload_and_stopping` in a
/// child process with `NOTIFY_SOCKET` and `LVSD_TEST_CONF` set.
#[test]
#[ignore = "child process of ready_after_programming_reload_and_stopping"]
fn child_daemon() {
    let conf = PathBuf::from(std::env::var_os("LVSD_TEST_CONF").unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let opts = Options {
        config: conf,
        config_id: None,
        socket: None,
        metrics_listen: None,
        metrics_limits: ha_daemon_kit::metrics::Limits::default(),
        dont_release_ipvs: false,
    };
    rt.block_on(lvsd::daemon::run_with(opts, Reporting::default()))
        .unwrap();
}

/// Messages up to and including the first one with the line `want`.
fn until(sock: &UnixDatagram, want: &str) -> Vec<String> {
    let end = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < end {
        sock.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let Ok(n) = sock.recv(&mut buf) else { continue };
        let m = String::from_utf8_lossy(&buf[..n]).into_owned();
        let done = m.lines().any(|l| l == want);
        seen.push(m);
        if done {
            return seen;
        }
    }
    panic!("no {want} on NOTIFY_SOCKET within 30 s; got {seen:?}");
}

fn signal(pid: u32, sig: &str) {
    let st = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success(), "kill {sig}");
}

fn tables(msgs: &[String]) -> Vec<&str> {
    msgs.iter()
        .filter_map(|m| m.strip_prefix("X_LVSD_TEST_TABLE="))
        .collect()
}

#[test]
fn ready_after_programming_reload_and_stopping() {
    let dir = std::env::temp_dir().join(format!("lvsd-sdnotify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("lvsd.conf");
    std::fs::write(&conf, CONF).unwrap();
    let sock_path = dir.join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    let proc = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_daemon", "--nocapture"])
        .env("NOTIFY_SOCKET", &sock_path)
        .env("LVSD_TEST_CONF", &conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Child { proc, dir };
    let pid = child.proc.id();

    // Start: the whole table (2 services, 3 destinations) before READY=1.
    let start = until(&sock, "READY=1");
    let ready = start.last().unwrap();
    assert_eq!(
        tables(&start).last(),
        Some(&"2:3"),
        "READY=1 before the table was programmed: {start:?}"
    );
    assert!(
        ready
            .lines()
            .any(|l| l.starts_with("STATUS=running 2 virtual server(s)")),
        "{ready}"
    );

    // SIGHUP with one more real server: RELOADING=1 with MONOTONIC_USEC,
    // the change, then READY=1.
    let more = CONF.replace(
        "real_server 10.2.0.3 443 {\n }",
        "real_server 10.2.0.3 443 {\n }\n real_server 10.2.0.4 443 {\n }",
    );
    assert_ne!(more, CONF);
    std::fs::write(&conf, more).unwrap();
    signal(pid, "-HUP");
    let reload = until(&sock, "RELOADING=1");
    assert!(
        reload
            .last()
            .unwrap()
            .lines()
            .any(|l| l.starts_with("MONOTONIC_USEC=")),
        "{reload:?}"
    );
    let reloaded = until(&sock, "READY=1");
    assert_eq!(tables(&reloaded), ["2:4"], "{reloaded:?}");

    // SIGTERM: STOPPING=1 first, then the entries go.
    signal(pid, "-TERM");
    let stopping = until(&sock, "STOPPING=1");
    assert!(tables(&stopping).is_empty(), "{stopping:?}");
    let st = child.proc.wait().unwrap();
    assert!(st.success(), "lvsd child: {st}");
    let mut buf = [0u8; 4096];
    sock.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let n = sock.recv(&mut buf).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&buf[..n]),
        "X_LVSD_TEST_TABLE=0:0",
        "entries removed after STOPPING=1"
    );
}
