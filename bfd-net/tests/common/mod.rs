//! Shared by the namespace tests: namespaces and veth pairs removed on drop,
//! a `BfdRunner` on its own thread inside a namespace, and small helpers.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::process::{Command, Output};
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bfd_net::{BfdEvent, BfdRunner, PeerSpec, SessionStatus};
use tokio::sync::mpsc;

/// True when running as root (effective uid 0).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// Whether `tool` is on PATH (or an existing path).
pub fn have(tool: &str) -> bool {
    if tool.contains('/') {
        return std::path::Path::new(tool).exists();
    }
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Prints `SKIPPED: ...` and returns true unless root and every tool is
/// there.
pub fn skip_netns_test(what: &str, tools: &[&str]) -> bool {
    if !is_root() {
        eprintln!("SKIPPED: {what} needs root (network namespaces)");
        return true;
    }
    for t in tools {
        if !have(t) {
            eprintln!("SKIPPED: {what} needs {t}");
            return true;
        }
    }
    false
}

/// Runs a command; the test fails unless it succeeds. Returns stdout.
pub fn sh(args: &[&str]) -> String {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a command, whatever its result.
pub fn run(args: &[&str]) -> Output {
    Command::new(args[0]).args(&args[1..]).output().unwrap()
}

/// A network namespace, deleted on drop.
pub struct Netns(pub String);

impl Netns {
    /// Creates `name` (must start with `bn-`, `g5-` or `bfdx-`),
    /// deleting a leftover first, with `lo` up.
    pub fn new(name: &str) -> Netns {
        assert!(["bn-", "g5-", "bfdx-"].iter().any(|p| name.starts_with(p)));
        let _ = run(&["ip", "netns", "del", name]);
        sh(&["ip", "netns", "add", name]);
        let ns = Netns(name.to_string());
        sh(&["ip", "-n", name, "link", "set", "lo", "up"]);
        ns
    }

    /// Runs a command inside; the test fails unless it succeeds.
    pub fn sh(&self, args: &[&str]) -> String {
        let mut v = vec!["ip", "netns", "exec", &self.0];
        v.extend_from_slice(args);
        sh(&v)
    }

    /// Runs a command inside, whatever its result.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut v = vec!["ip", "netns", "exec", &self.0];
        v.extend_from_slice(args);
        run(&v)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = run(&["ip", "netns", "del", &self.0]);
    }
}

/// Two namespaces joined by a veth pair (`eth0` on both sides) with the
/// given addresses (with prefix length); IPv6 addresses without DAD.
pub fn pair(a: &str, b: &str, addr_a: &str, addr_b: &str) -> (Netns, Netns) {
    let na = Netns::new(a);
    let nb = Netns::new(b);
    sh(&[
        "ip", "link", "add", "eth0", "netns", a, "type", "veth", "peer", "name", "eth0", "netns", b,
    ]);
    for (ns, addr) in [(&na, addr_a), (&nb, addr_b)] {
        let mut args = vec!["ip", "-n", &ns.0, "addr", "add", addr, "dev", "eth0"];
        if addr.contains(':') {
            args.push("nodad");
        }
        sh(&args);
        sh(&["ip", "-n", &ns.0, "link", "set", "eth0", "up"]);
    }
    (na, nb)
}

/// Three namespaces `a` — `r` — `b` in a line: `a`'s `eth0` (`addr_a`)
/// faces `r`'s `eth0` (`r_a`), `r`'s `eth1` (`r_b`) faces `b`'s `eth0`
/// (`addr_b`); `r` forwards and `a` and `b` route to each other through
/// it, so a packet between them crosses one router (its TTL / hop limit
/// lowered by one). Addresses with their prefix length, all IPv4 or all
/// IPv6 (without duplicate address detection).
pub fn routed(
    names: [&str; 3],
    addr_a: &str,
    r_a: &str,
    r_b: &str,
    addr_b: &str,
) -> (Netns, Netns, Netns) {
    let [a, r, b] = names;
    let na = Netns::new(a);
    let nr = Netns::new(r);
    let nb = Netns::new(b);
    sh(&[
        "ip", "link", "add", "eth0", "netns", a, "type", "veth", "peer", "name", "eth0", "netns", r,
    ]);
    sh(&[
        "ip", "link", "add", "eth0", "netns", b, "type", "veth", "peer", "name", "eth1", "netns", r,
    ]);
    for (ns, dev, addr) in [
        (&na, "eth0", addr_a),
        (&nr, "eth0", r_a),
        (&nr, "eth1", r_b),
        (&nb, "eth0", addr_b),
    ] {
        let mut args = vec!["ip", "-n", &ns.0, "addr", "add", addr, "dev", dev];
        if addr.contains(':') {
            args.push("nodad");
        }
        sh(&args);
        sh(&["ip", "-n", &ns.0, "link", "set", dev, "up"]);
    }
    nr.sh(&["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    nr.sh(&["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"]);
    let host = |a: &str| a.split('/').next().unwrap().to_string();
    sh(&["ip", "-n", a, "route", "add", "default", "via", &host(r_a)]);
    sh(&["ip", "-n", b, "route", "add", "default", "via", &host(r_b)]);
    (na, nr, nb)
}

/// A background process, killed on drop.
pub struct Kid(pub std::process::Child);
impl Drop for Kid {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

enum Cmd {
    Status(std_mpsc::Sender<Vec<SessionStatus>>),
    Reconfigure(Vec<PeerSpec>, std_mpsc::Sender<Result<(), String>>),
    Shutdown { admin_down: bool },
}

/// A `BfdRunner` on a thread that entered a namespace (so its sockets are
/// there), with its events forwarded with their arrival time.
pub struct NsBfd {
    cmd: mpsc::UnboundedSender<Cmd>,
    events: std_mpsc::Receiver<(Instant, BfdEvent)>,
    thread: Option<JoinHandle<()>>,
}

impl NsBfd {
    /// Starts a runner with `specs` inside namespace `ns`.
    pub fn start(ns: &Netns, specs: Vec<PeerSpec>) -> NsBfd {
        let path = format!("/run/netns/{}", ns.0);
        let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel::<Cmd>();
        let (ev_tx, ev_rx) = std_mpsc::channel();
        let (ready_tx, ready_rx) = std_mpsc::channel::<Result<(), String>>();
        let thread = std::thread::spawn(move || {
            let f = std::fs::File::open(&path).unwrap();
            nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let (runner, mut events) = match BfdRunner::start(specs).await {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                loop {
                    tokio::select! {
                        ev = events.recv() => match ev {
                            Some(ev) => { let _ = ev_tx.send((Instant::now(), ev)); }
                            None => return,
                        },
                        cmd = cmd_rx.recv() => match cmd {
                            Some(Cmd::Status(reply)) => { let _ = reply.send(runner.status()); }
                            Some(Cmd::Reconfigure(specs, reply)) => {
                                let _ = reply.send(runner.reconfigure(specs).map_err(|e| e.to_string()));
                            }
                            Some(Cmd::Shutdown { admin_down }) => {
                                if admin_down { runner.shutdown_admin_down().await } else { runner.shutdown().await }
                                return;
                            }
                            None => { runner.shutdown().await; return; }
                        },
                    }
                }
            });
        });
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("runner thread did not start")
            .expect("BfdRunner::start failed");
        NsBfd {
            cmd: cmd_tx,
            events: ev_rx,
            thread: Some(thread),
        }
    }

    /// The runner's status.
    pub fn status(&self) -> Vec<SessionStatus> {
        let (tx, rx) = std_mpsc::channel();
        self.cmd.send(Cmd::Status(tx)).unwrap();
        rx.recv_timeout(Duration::from_secs(5)).unwrap()
    }

    /// One session's status.
    pub fn session(&self, name: &str) -> SessionStatus {
        self.status()
            .into_iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no session {name}"))
    }

    /// `BfdRunner::reconfigure` inside the namespace.
    pub fn reconfigure(&self, specs: Vec<PeerSpec>) -> Result<(), String> {
        let (tx, rx) = std_mpsc::channel();
        self.cmd.send(Cmd::Reconfigure(specs, tx)).unwrap();
        rx.recv_timeout(Duration::from_secs(5)).unwrap()
    }

    /// The next event within `timeout`.
    pub fn next_event(&self, timeout: Duration) -> Option<(Instant, BfdEvent)> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Events until one matches `pred` (returned) or `timeout` passes.
    pub fn wait_event(
        &self,
        timeout: Duration,
        pred: impl Fn(&BfdEvent) -> bool,
    ) -> Option<(Instant, BfdEvent)> {
        let end = Instant::now() + timeout;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.events.recv_timeout(left) {
                Ok((t, e)) if pred(&e) => return Some((t, e)),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// Polls the status until `pred` holds for session `name` (returned) or
    /// `timeout` passes.
    pub fn wait_status(
        &self,
        name: &str,
        timeout: Duration,
        pred: impl Fn(&SessionStatus) -> bool,
    ) -> Option<SessionStatus> {
        let end = Instant::now() + timeout;
        loop {
            let s = self.session(name);
            if pred(&s) {
                return Some(s);
            }
            if Instant::now() >= end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the runner (`shutdown`, or `shutdown_admin_down`).
    pub fn stop(mut self, admin_down: bool) {
        let _ = self.cmd.send(Cmd::Shutdown { admin_down });
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for NsBfd {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = self.cmd.send(Cmd::Shutdown { admin_down: false });
            let _ = t.join();
        }
    }
}

/// Adds an nftables rule dropping BFD control packets sent from `ns`;
/// returns the times just before the rule was added and just after.
pub fn drop_bfd_out(ns: &Netns) -> (Instant, Instant) {
    drop_bfd_out_port(ns, 3784)
}

/// Like [`drop_bfd_out`] for UDP destination port `port`.
pub fn drop_bfd_out_port(ns: &Netns, port: u16) -> (Instant, Instant) {
    ns.sh(&["nft", "add", "table", "inet", "bnbfd"]);
    ns.sh(&[
        "nft",
        "add chain inet bnbfd out { type filter hook output priority 0; }",
    ]);
    let before = Instant::now();
    ns.sh(&[
        "nft",
        &format!("add rule inet bnbfd out udp dport {port} drop"),
    ]);
    (before, Instant::now())
}

/// Removes the rule of [`drop_bfd_out`].
pub fn allow_bfd_out(ns: &Netns) {
    ns.sh(&["nft", "delete", "table", "inet", "bnbfd"]);
}

/// A UDP datagram sent from `ns` with a chosen TTL / hop limit, with
/// python3.
pub fn send_udp(ns: &Netns, dst: &str, port: u16, ttl: u8, payload: &[u8]) {
    let hex: String = payload.iter().map(|b| format!("{b:02x}")).collect();
    let v6 = dst.contains(':');
    let script = format!(
        "import socket\n\
         fam = socket.AF_INET6 if {v6} else socket.AF_INET\n\
         s = socket.socket(fam, socket.SOCK_DGRAM)\n\
         if {v6}:\n    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, {ttl})\n\
         else:\n    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, {ttl})\n\
         s.bind(('::' if {v6} else '0.0.0.0', 49999))\n\
         s.sendto(bytes.fromhex('{hex}'), ('{dst}', {port}))\n",
        v6 = if v6 { "True" } else { "False" },
    );
    ns.sh(&["python3", "-c", &script]);
}

/// keepalived in a namespace, in the foreground, killed on drop.
pub struct Keepalived {
    kid: Kid,
    log: std::path::PathBuf,
}

impl Keepalived {
    /// Starts keepalived 2.2.7 in `ns` with `config` (written to
    /// `dir/ka.conf`; its pid files and log go to `dir` too).
    pub fn start(ns: &Netns, dir: &std::path::Path, config: &str) -> Keepalived {
        let conf = dir.join("ka.conf");
        std::fs::write(&conf, config).unwrap();
        let log = dir.join("ka.log");
        let out = std::fs::File::create(&log).unwrap();
        let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
        let kid = Kid(std::process::Command::new("ip")
            .args(["netns", "exec", &ns.0, "keepalived", "-n", "-l", "-D", "-f"])
            .arg(&conf)
            .args([
                "-p",
                &p("ka.pid"),
                "-r",
                &p("vrrp.pid"),
                "-c",
                &p("chk.pid"),
            ])
            .args(["-b", &p("bfd.pid")])
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(std::process::Stdio::null())
            .spawn()
            .unwrap());
        Keepalived { kid, log }
    }

    /// Its log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the log has `n` lines containing `needle`.
    pub fn wait_log(&self, needle: &str, n: usize, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if self.log().matches(needle).count() >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// SIGTERM, then wait for the exit.
    pub fn stop(mut self) {
        let _ = run(&["kill", "-TERM", &self.kid.0.id().to_string()]);
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if matches!(self.kid.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Waits until `r` reports an Up event and `ka`'s log says its `kabfd`
/// session entered Up (15 s, then 5 s); the test fails otherwise, with
/// keepalived's log and `what` (the setting).
pub fn wait_up_with_keepalived(r: &NsBfd, ka: &Keepalived, what: &str) {
    let is_up = |e: &BfdEvent| matches!(e, BfdEvent::Up { .. });
    assert!(
        r.wait_event(Duration::from_secs(15), is_up).is_some(),
        "not Up with keepalived {what}:\n{}",
        ka.log()
    );
    assert!(
        ka.wait_log("(kabfd) Entering Up state", 1, Duration::from_secs(5)),
        "keepalived {what} not Up:\n{}",
        ka.log()
    );
}

/// FRR's zebra and bfdd running inside a namespace with their own
/// pathspace and vty sockets; stopped and cleaned up on drop.
pub struct Frr {
    ns: String,
    dir: std::path::PathBuf,
}

/// FRR's bfdd, zebra and vtysh are installed.
pub const FRR_TOOLS: &[&str] = &["/usr/lib/frr/bfdd", "/usr/lib/frr/zebra", "vtysh"];

impl Frr {
    /// Starts zebra then bfdd in `ns` with `bfd_conf` (the `bfd` section).
    pub fn start(ns: &Netns, bfd_conf: &str) -> Frr {
        let dir = std::path::PathBuf::from(format!("/tmp/{}-frr", ns.0));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let etc = format!("/etc/frr/{}", ns.0);
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(format!("{etc}/vtysh.conf"), "").unwrap();
        let frr = Frr {
            ns: ns.0.clone(),
            dir: dir.clone(),
        };
        let d = dir.to_str().unwrap();
        std::fs::write(dir.join("zebra.conf"), format!("hostname {}\n", ns.0)).unwrap();
        std::fs::write(
            dir.join("bfdd.conf"),
            format!("hostname {}\n{bfd_conf}", ns.0),
        )
        .unwrap();
        let _ = run(&["chown", "-R", "frr:frr", d]);
        let _ = run(&["chmod", "777", d]);
        for daemon in ["zebra", "bfdd"] {
            let bin = format!("/usr/lib/frr/{daemon}");
            let conf = format!("{d}/{daemon}.conf");
            let pid = format!("{d}/{daemon}.pid");
            let zserv = format!("{d}/zserv.api");
            let log = format!("file:{d}/{daemon}.log");
            ns.sh(&[
                &bin,
                "-d",
                "-N",
                &ns.0,
                "-f",
                &conf,
                "-i",
                &pid,
                "--vty_socket",
                d,
                "-z",
                &zserv,
                "--log",
                &log,
                "-A",
                "127.0.0.1",
            ]);
            // Each daemon is ready when its vty socket exists.
            let vty = dir.join(format!("{daemon}.vty"));
            let end = Instant::now() + Duration::from_secs(10);
            while !vty.exists() && Instant::now() < end {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        frr
    }

    /// Runs vtysh with `-c` commands; returns its output.
    pub fn vtysh(&self, cmds: &[&str]) -> String {
        let d = self.dir.to_str().unwrap();
        let mut args = vec!["ip", "netns", "exec", &self.ns, "vtysh", "--vty_socket", d];
        for c in cmds {
            args.push("-c");
            args.push(c);
        }
        let out = run(&args);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `show bfd peers json`, the entry of `peer`.
    pub fn peer(&self, peer: &str) -> Option<serde_json::Value> {
        let v: serde_json::Value =
            serde_json::from_str(&self.vtysh(&["show bfd peers json"])).ok()?;
        v.as_array()?
            .iter()
            .find(|p| p["peer"].as_str() == Some(peer))
            .cloned()
    }

    /// Polls `peer` until `pred` holds (returned) or `timeout` passes.
    pub fn wait_peer(
        &self,
        peer: &str,
        timeout: Duration,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> Option<serde_json::Value> {
        let end = Instant::now() + timeout;
        loop {
            if let Some(p) = self.peer(peer)
                && pred(&p)
            {
                return Some(p);
            }
            if Instant::now() >= end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The bfdd log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("bfdd.log")).unwrap_or_default()
    }
}

impl Drop for Frr {
    fn drop(&mut self) {
        for daemon in ["bfdd", "zebra"] {
            if let Ok(pid) = std::fs::read_to_string(self.dir.join(format!("{daemon}.pid"))) {
                let _ = run(&["kill", pid.trim()]);
            }
        }
        std::thread::sleep(Duration::from_millis(300));
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_dir_all(format!("/etc/frr/{}", self.ns));
    }
}
