//! A flood of idle connections to lvsd's `--metrics-listen` (2,000 at once,
//! topped up for 8 s, on 127.0.0.1) while its TCP_CHECKs run, with an open
//! files limit of 1024 (soft and hard): every real server stays alive, the
//! checks keep running, lvsd's descriptors stay well below the limit, and
//! the endpoint answers once the flood is over. Before the endpoint had a
//! connection limit, the flood took every descriptor and the checker sockets
//! failed: real servers were removed from IPVS.
//!
//! The daemon ([`lvsd::daemon::run_with`]) runs in a child process (this test
//! binary again, the ignored test `flood_child_daemon`, under `ulimit -n
//! 1024`) against an in-memory IPVS.

#![allow(clippy::unwrap_used)]

mod common;
use common::Child;
use std::io::Read as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ipvs_sys::testing::InMemoryIpvs;
use lvsd::daemon::Options;

const FLOOD_CONNECTIONS: usize = 2000;
const FLOOD_TIME: Duration = Duration::from_secs(8);
/// At most this many connection attempts in all (bounds the loop).
const MAX_ATTEMPTS: usize = 40_000;
const REAL_SERVERS: usize = 4;

/// The daemon half, run by `metrics_flood_leaves_real_servers_alive` in a
/// child process with `LVSD_TEST_CONF`, `LVSD_TEST_SOCKET` and
/// `LVSD_TEST_METRICS` set.
#[test]
#[ignore = "child process of metrics_flood_leaves_real_servers_alive"]
fn flood_child_daemon() {
    let var = |k| std::env::var_os(k).unwrap();
    let opts = Options {
        config: PathBuf::from(var("LVSD_TEST_CONF")),
        config_id: None,
        socket: Some(PathBuf::from(var("LVSD_TEST_SOCKET"))),
        metrics_listen: Some(var("LVSD_TEST_METRICS").to_str().unwrap().parse().unwrap()),
        metrics_limits: ha_daemon_kit::metrics::Limits::default(),
        dont_release_ipvs: false,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(lvsd::daemon::run_with(opts, InMemoryIpvs::new()))
        .unwrap();
}

/// A backend that accepts and closes, counting connections.
fn counting_backend() -> (u16, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let n = Arc::new(AtomicUsize::new(0));
    let c = n.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            if s.is_ok() {
                c.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (port, n)
}

/// Alive real servers in lvsd's status, None when it does not answer.
fn alive(sock: &Path) -> Option<usize> {
    let text = ha_daemon_kit::control::fetch(sock).ok()?;
    let js: serde_json::Value = serde_json::from_str(&text).ok()?;
    let rs = js["virtual_servers"][0]["real_servers"].as_array()?;
    Some(rs.iter().filter(|r| r["alive"] == true).count())
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
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

#[test]
fn metrics_flood_leaves_real_servers_alive() {
    // This process holds the flood's connections.
    keepalived_runtime::fd_limit::raise_nofile_limit().unwrap();
    if keepalived_runtime::fd_limit::nofile_limit().unwrap() < FLOOD_CONNECTIONS as u64 + 200 {
        panic!("the test needs a hard open files limit above {FLOOD_CONNECTIONS} + 200");
    }
    let dir = std::env::temp_dir().join(format!("lvsd-flood-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (backend, checks) = counting_backend();
    let metrics: SocketAddr = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut conf = "virtual_server 10.1.0.1 80 {\n delay_loop 1\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n".to_string();
    for i in 0..REAL_SERVERS {
        conf += &format!(
            " real_server 127.0.0.1 {} {{\n TCP_CHECK {{\n connect_port {backend}\n connect_timeout 1\n }}\n }}\n",
            30000 + i
        );
    }
    conf += "}\n";
    let conf_path = dir.join("lvsd.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let sock = dir.join("lvsd.sock");
    let proc = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 1024 && exec "$0" --ignored --exact flood_child_daemon --nocapture"#)
        .arg(std::env::current_exe().unwrap())
        .env("LVSD_TEST_CONF", &conf_path)
        .env("LVSD_TEST_SOCKET", &sock)
        .env("LVSD_TEST_METRICS", metrics.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let child = Child { proc, dir };
    let pid = child.proc.id();
    let end = Instant::now() + Duration::from_secs(20);
    while alive(&sock) != Some(REAL_SERVERS) || checks.load(Ordering::SeqCst) < REAL_SERVERS {
        assert!(
            Instant::now() < end,
            "lvsd did not start: {:?}",
            alive(&sock)
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let checks_before = checks.load(Ordering::SeqCst);
    let mut samples = Vec::new();
    let flood_end = Instant::now() + FLOOD_TIME;
    let mut open: Vec<TcpStream> = Vec::with_capacity(FLOOD_CONNECTIONS);
    let (mut attempts, mut established) = (0usize, 0usize);
    while Instant::now() < flood_end && attempts < MAX_ATTEMPTS {
        open.retain_mut(|s| !closed_by_server(s));
        while open.len() < FLOOD_CONNECTIONS
            && attempts < MAX_ATTEMPTS
            && Instant::now() < flood_end
        {
            attempts += 1;
            if let Ok(s) = TcpStream::connect_timeout(&metrics, Duration::from_millis(200)) {
                s.set_nonblocking(true).unwrap();
                established += 1;
                open.push(s);
            }
        }
        samples.push((alive(&sock), open_fds(pid)));
        std::thread::sleep(Duration::from_millis(500));
    }
    drop(open);
    let checks_during = checks.load(Ordering::SeqCst) - checks_before;
    let max_fds = samples.iter().map(|s| s.1).max().unwrap_or(0);
    eprintln!(
        "flood: {established} connections established, {} samples, lvsd fds max {max_fds}, \
         checks during the flood {checks_during}",
        samples.len()
    );
    assert!(
        established >= FLOOD_CONNECTIONS,
        "the flood did not happen: {established} connections"
    );
    for (up, fds) in &samples {
        assert_eq!(
            *up,
            Some(REAL_SERVERS),
            "during the flood: alive real servers {up:?}, lvsd fds {fds}"
        );
    }
    assert!(
        max_fds < 1024 - keepalived_runtime::fd_limit::RESERVE as usize,
        "lvsd used {max_fds} descriptors of 1024"
    );
    assert!(samples.len() >= 3, "{samples:?}");
    assert!(
        checks_during >= REAL_SERVERS * 4,
        "{checks_during} checks in {FLOOD_TIME:?}"
    );
    let end = Instant::now() + Duration::from_secs(15);
    loop {
        let r = ha_daemon_kit::metrics::http_get(metrics, "/metrics");
        if matches!(&r, Ok((200, body)) if body.contains("lvsd_")) {
            break;
        }
        assert!(Instant::now() < end, "no scrape after the flood: {r:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(child);
}
