//! Namespace fixtures for vrrp-linux's root tests: every test builds its own pair of
//! network namespaces joined by a veth, with 10.200.0.0/16 and fd00:200::/32
//! addresses, and removes them on drop (also when the test panics).

#![allow(dead_code)]

use std::future::Future;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(1);

/// True when the test can run; prints a loud SKIPPED line otherwise.
pub fn root_or_skip(test: &str) -> bool {
    // SAFETY-free check: effective uid via /proc.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(2))
        .unwrap_or("1");
    if euid != "0" {
        eprintln!("SKIPPED: {test}: needs root (network namespaces, raw sockets)");
        return false;
    }
    if Command::new("ip").arg("-V").output().is_err() {
        eprintln!("SKIPPED: {test}: iproute2 `ip` not found");
        return false;
    }
    true
}

/// True when `tool` runs; prints a loud SKIPPED line otherwise.
pub fn have_tool(test: &str, tool: &str) -> bool {
    if Command::new(tool).arg("--version").output().is_ok() {
        true
    } else {
        eprintln!("SKIPPED: {test}: {tool} not installed");
        false
    }
}

/// Runs a command, panicking with its output when it fails.
pub fn run(args: &[&str]) -> String {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("spawn");
    assert!(
        out.status.success(),
        "{args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `ip -n NS ARGS...`, returning stdout.
pub fn ip(ns: &str, args: &[&str]) -> String {
    let mut v = vec!["ip", "-n", ns];
    v.extend_from_slice(args);
    run(&v)
}

/// One named network namespace, deleted on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(name: String) -> Netns {
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        run(&["ip", "netns", "add", &name]);
        let ns = Netns { name };
        ip(&ns.name, &["link", "set", "lo", "up"]);
        // No DAD: link-local and test addresses are usable at once.
        for key in [
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0",
        ] {
            run(&["ip", "netns", "exec", &ns.name, "sysctl", "-qw", key]);
        }
        ns
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Kill whatever still runs inside (a daemon a failed test left behind).
        if let Ok(out) = Command::new("ip")
            .args(["netns", "pids", &self.name])
            .output()
        {
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("kill").args(["-KILL", pid]).output();
            }
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// A background process (keepalived) stopped with SIGTERM on drop, SIGKILL if it
/// lingers.
pub struct Daemon {
    pub child: std::process::Child,
    pub log: std::path::PathBuf,
}

impl Daemon {
    /// Starts `args` in namespace `ns` with output to `log`.
    pub fn start(ns: &str, args: &[&str], log: std::path::PathBuf) -> Daemon {
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = Command::new("ip")
            .args(["netns", "exec", ns])
            .args(args)
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn daemon");
        Daemon { child, log }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).output();
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh scratch directory under the system temp dir.
pub fn scratch_dir(tag: &str) -> std::path::PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("vl-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// Polls `ip -n NS -o addr show dev IF` until ADDR is present (or absent).
pub fn wait_addr(ns: &str, iface: &str, addr: &str, present: bool, secs: u64) -> bool {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let out = ip(ns, &["-o", "addr", "show", "dev", iface]);
        let has = out
            .split_whitespace()
            .any(|w| w.split('/').next() == Some(addr));
        if has == present {
            return true;
        }
        if std::time::Instant::now() >= end {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Two namespaces joined by a veth: `a` has interface `va` with 10.200.N.1/24 and
/// fd00:200:N::1/64, `b` has `vb` with .2 / ::2.
pub struct Pair {
    pub a: Netns,
    pub b: Netns,
    pub n: u32,
}

pub const IF_A: &str = "va";
pub const IF_B: &str = "vb";

impl Pair {
    pub fn new(tag: &str) -> Pair {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed) % 250;
        let pid = std::process::id();
        let a = Netns::new(format!("vl-{tag}-{pid}-{n}-a"));
        let b = Netns::new(format!("vl-{tag}-{pid}-{n}-b"));
        run(&[
            "ip", "-n", &a.name, "link", "add", IF_A, "type", "veth", "peer", "name", IF_B,
            "netns", &b.name,
        ]);
        ip(
            &a.name,
            &["addr", "add", &format!("10.200.{n}.1/24"), "dev", IF_A],
        );
        ip(
            &b.name,
            &["addr", "add", &format!("10.200.{n}.2/24"), "dev", IF_B],
        );
        ip(
            &a.name,
            &[
                "addr",
                "add",
                &format!("fd00:200:{n}::1/64"),
                "dev",
                IF_A,
                "nodad",
            ],
        );
        ip(
            &b.name,
            &[
                "addr",
                "add",
                &format!("fd00:200:{n}::2/64"),
                "dev",
                IF_B,
                "nodad",
            ],
        );
        ip(&a.name, &["link", "set", IF_A, "up"]);
        ip(&b.name, &["link", "set", IF_B, "up"]);
        wait_ipv6_ready(&a.name, IF_A);
        wait_ipv6_ready(&b.name, IF_B);
        Pair { a, b, n }
    }

    pub fn v4(&self, host: u8) -> std::net::Ipv4Addr {
        std::net::Ipv4Addr::new(10, 200, self.n as u8, host)
    }

    pub fn v6(&self, host: u16) -> std::net::Ipv6Addr {
        std::net::Ipv6Addr::new(0xfd00, 0x200, self.n as u16, 0, 0, 0, 0, host)
    }
}

/// Waits until `iface` in `ns` is operationally up and has a usable link-local
/// address: until then (linkwatch runs up to 1 s after carrier-on) the kernel
/// drops IPv6 multicast arriving on it.
pub fn wait_ipv6_ready(ns: &str, iface: &str) {
    for _ in 0..100 {
        let link = ip(ns, &["link", "show", iface]);
        let addr = ip(ns, &["-6", "addr", "show", "dev", iface, "scope", "link"]);
        if link.contains("state UP") && addr.contains("inet6 fe80") && !addr.contains("tentative") {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("{iface} in {ns} did not become ready for IPv6 within 5 s");
}

/// Runs an async body on a new thread inside namespace `ns` with its own
/// current-thread tokio runtime.
pub fn in_ns<F, Fut, T>(ns: &str, f: F) -> std::thread::JoinHandle<T>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    let ns = ns.to_string();
    std::thread::spawn(move || {
        vrrp_linux::netns::enter_netns(&ns).expect("enter netns");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(f())
    })
}

/// Joins a thread, re-raising its panic.
pub fn join<T>(h: std::thread::JoinHandle<T>) -> T {
    match h.join() {
        Ok(v) => v,
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// RFC 1071 checksum over the concatenation of `parts`.
pub fn internet_checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    let mut odd: Option<u8> = None;
    for part in parts {
        for &b in *part {
            match odd.take() {
                Some(hi) => sum += u32::from(u16::from_be_bytes([hi, b])),
                None => odd = Some(b),
            }
        }
    }
    if let Some(hi) = odd {
        sum += u32::from(hi) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The IPv6 pseudo-header for next header 112 (RFC 8200 §8.1).
pub fn v6_pseudo(src: std::net::Ipv6Addr, dst: std::net::Ipv6Addr, len: usize) -> Vec<u8> {
    let mut ph = Vec::new();
    ph.extend_from_slice(&src.octets());
    ph.extend_from_slice(&dst.octets());
    ph.extend_from_slice(&(len as u32).to_be_bytes());
    ph.extend_from_slice(&[0, 0, 0, 112]);
    ph
}
