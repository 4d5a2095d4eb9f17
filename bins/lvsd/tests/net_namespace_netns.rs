//! The top-level `net_namespace NAME`: lvsd enters it before anything else, as
//! keepalived does (docs/keepalived.md §3.42). In a namespace of the test's own:
//!
//! * the daemon's start-up step ([`lvsd::namespace::enter`], what `main` runs
//!   first) moves the thread into `/run/netns/NAME`, and the default file names
//!   then carry the namespace's name;
//! * the checkers run there: a TCP_CHECK reaches a real server whose address
//!   exists only in the namespace, and the (in-memory: this host has no IPVS)
//!   table takes the server in;
//! * a namespace that does not exist stops the daemon at start with keepalived's
//!   words, compared with keepalived 2.2.7 run on the same file (in a namespace of
//!   its own, so that it touches nothing of the host's if it started).
//!
//! Needs root (prints `SKIPPED` otherwise).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{is_root, sh};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ipvs_sys::testing::InMemoryIpvs;
use keepalived_conf as kc;
use lvsd::daemon::Daemon;

const NS: &str = "lvns-lvns";
const NS_KA: &str = "lvns-lvka";
const MISSING: &str = "lvns-lvmissing";
/// The real server's address: on the namespace's loopback only.
const RS: &str = "10.77.9.2";

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn skip(what: &str) -> bool {
    if !is_root() {
        eprintln!("SKIPPED: {what} needs root (network namespaces)");
        return true;
    }
    if !have("ip") {
        eprintln!("SKIPPED: {what} needs iproute2's ip");
        return true;
    }
    false
}

/// A namespace deleted on drop (also when the test fails).
struct Netns(&'static str);

impl Netns {
    fn new(name: &'static str) -> Netns {
        assert!(name.starts_with("lvns-"));
        let _ = Command::new("ip").args(["netns", "del", name]).output();
        sh(&["ip", "netns", "add", name]);
        let g = Netns(name);
        sh(&["ip", "-n", name, "link", "set", "lo", "up"]);
        g
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", self.0]).output();
    }
}

fn config(ns: &str, port: u16) -> String {
    format!(
        "net_namespace {ns}\n\
         virtual_server 10.1.0.1 80 {{\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n \
         delay_loop 1\n real_server {RS} {port} {{\n  weight 4\n  \
         TCP_CHECK {{\n   connect_timeout 1\n   alpha\n  }}\n }}\n}}\n"
    )
}

/// The destinations lvsd holds in the (in-memory) kernel, from its status.
fn dests(d: &Daemon<InMemoryIpvs>) -> Vec<String> {
    let js: serde_json::Value = serde_json::from_str(&d.status_json()).unwrap();
    js["virtual_servers"][0]["services"][0]["destinations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| format!("{} w{}", d[0].as_str().unwrap_or("?"), d[1]))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn lvsd_enters_the_configured_namespace_and_checks_from_there() {
    if skip("lvsd net_namespace") {
        return;
    }
    let _ns = Netns::new(NS);
    sh(&[
        "ip",
        "-n",
        NS,
        "addr",
        "add",
        &format!("{RS}/32"),
        "dev",
        "lo",
    ]);
    // The address exists in the namespace only: a check that reaches it ran there.
    assert!(std::net::TcpListener::bind((RS, 0)).is_err());

    std::thread::spawn(|| {
        // The port is only known once the listener is bound inside; the
        // namespace comes from the configuration, parsed as the daemon parses it.
        let text = config(NS, 1);
        let parsed = kc::parse_str("t.conf", &text, &kc::LoadOptions::default());
        let startup = lvsd::namespace::Startup::of(&parsed.config.global_defs);
        assert_eq!(lvsd::namespace::enter(&startup).unwrap(), Some(NS));
        assert_eq!(vrrp_linux::netns::current_tag().as_deref(), Some(NS));
        let listener = std::net::TcpListener::bind((RS, 0)).expect("bind inside the namespace");
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let text = config(NS, port);
        let parsed = kc::parse_str("t.conf", &text, &kc::LoadOptions::default());
        let m = lvsd::mapping::map_config(&parsed.config);
        assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let mut d = Daemon::start(InMemoryIpvs::default(), "t".into(), m.desired, tx).unwrap();
            // alpha: the server starts out of the table and enters on its first
            // good check (delay_loop 1 s; 30 s allows a loaded machine).
            assert!(dests(&d).is_empty(), "{:?}", dests(&d));
            let deadline = Instant::now() + Duration::from_secs(30);
            let want = format!("{RS}:{port} w4");
            while dests(&d) != [want.clone()] {
                let left = deadline.saturating_duration_since(Instant::now());
                assert!(
                    !left.is_zero(),
                    "no good check within 30 s: {:?}",
                    dests(&d)
                );
                // accept (and drop) the checker's connections as they come
                while listener.accept().is_ok() {}
                if let Ok(Some(r)) =
                    tokio::time::timeout(left.min(Duration::from_millis(200)), rx.recv()).await
                {
                    d.on_report(r);
                }
            }
            d.shutdown(false).await;
        });
    })
    .join()
    .unwrap();
}

/// Runs `cmd` with a bounded wait; (exit success, stdout + stderr).
fn run_bounded(mut cmd: Command, limit: Duration) -> (bool, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            return (status.success(), text);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{cmd:?} still running after {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_missing_namespace_stops_lvsd_at_start_as_it_stops_keepalived() {
    if skip("lvsd missing net_namespace") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("lvns-lvns-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    struct Rm(std::path::PathBuf);
    impl Drop for Rm {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _rm = Rm(dir.clone());
    let conf = dir.join("k.conf");
    std::fs::write(&conf, config(MISSING, 80)).unwrap();
    let words = format!("Unable to set network namespace {MISSING} - exiting");

    // lvsd: run where the test runs; it stops before it touches anything.
    let mut lvsd = Command::new(env!("CARGO_BIN_EXE_lvsd"));
    lvsd.arg("-f")
        .arg(&conf)
        .arg("--socket")
        .arg(dir.join("l.sock"));
    let (ok, out) = run_bounded(lvsd, Duration::from_secs(30));
    assert!(!ok, "lvsd ran without its namespace: {out}");
    assert!(out.contains(&words), "{out}");
    assert!(
        out.contains(&format!("/run/netns/{MISSING}")),
        "the file that is missing is named: {out}"
    );
    assert!(!dir.join("l.sock").exists(), "lvsd made its socket: {out}");

    // `-t` checks the file and enters nothing, as keepalived -t.
    let (ok, out) = run_bounded(
        {
            let mut c = Command::new(env!("CARGO_BIN_EXE_lvsd"));
            c.arg("-t").arg("-f").arg(&conf);
            c
        },
        Duration::from_secs(30),
    );
    assert!(ok, "{out}");
    assert!(!out.contains("net_namespace"), "no longer warned: {out}");

    // keepalived 2.2.7 on the same file, inside a namespace of its own.
    let keepalived = "/usr/sbin/keepalived";
    if !std::path::Path::new(keepalived).exists() {
        eprintln!("SKIPPED: the keepalived comparison needs {keepalived}");
        return;
    }
    let _ka = Netns::new(NS_KA);
    let mut ka = Command::new("ip");
    ka.args(["netns", "exec", NS_KA, keepalived, "-n", "-l", "-C", "-f"])
        .arg(&conf)
        .arg("-p")
        .arg(dir.join("k.pid"))
        .arg("-c")
        .arg(dir.join("c.pid"));
    let (_, out) = run_bounded(ka, Duration::from_secs(30));
    // keepalived exits 0 here; lvsd fails, so that a supervisor sees it.
    assert!(out.contains(&words), "keepalived: {out}");
    assert!(
        !out.contains("Starting Healthcheck child"),
        "keepalived started its checker: {out}"
    );
}
