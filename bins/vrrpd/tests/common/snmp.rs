//! A namespace with its own snmpd as AgentX master, for the KEEPALIVED-MIB
//! differentials: the daemon under test connects to the socket in the lab
//! directory, and `snmpwalk`/`snmpset` talk to snmpd on 127.0.0.1 inside
//! the namespace.
#![allow(clippy::unwrap_used, dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::netns::{Daemon, Looped, Running, wait_until};

/// The SNMP port snmpd listens on inside the namespace.
pub const SNMP_PORT: u16 = 11161;

/// A looped namespace (see [`Looped`]) with snmpd running; the daemon is
/// started by the test.
pub struct SnmpLab {
    /// The namespace and its files.
    pub ns: Looped,
    _snmpd: super::Kid,
}

impl SnmpLab {
    /// The namespace `name` with looped links addressed `addrs`, and snmpd
    /// (read community `public`, write community `private`) once its
    /// AgentX socket exists.
    pub fn new(name: &str, addrs: &[&str]) -> SnmpLab {
        let ns = Looped::new(name, addrs);
        let snmpd = snmpd(&ns.lab.dir, &ns.name);
        SnmpLab { ns, _snmpd: snmpd }
    }

    /// snmpd's AgentX socket.
    pub fn agentx(&self) -> PathBuf {
        self.ns.lab.path("agentx")
    }

    /// Starts `daemon` on `conf`.
    pub fn start(&self, conf: &str, daemon: Daemon) -> Running {
        self.ns.start(conf, daemon)
    }

    fn snmp(&self, tool: &str, community: &str, args: &[&str]) -> String {
        snmp(&self.ns.lab.dir, &self.ns.name, tool, community, args)
    }

    /// The `snmpwalk -On` lines under `root` (the lab directory written
    /// `LAB`).
    pub fn walk(&self, root: &str) -> Vec<String> {
        self.snmp("snmpwalk", "public", &[root])
            .lines()
            .filter(|l| l.starts_with(root))
            .map(str::to_string)
            .collect()
    }

    /// Walks `root` until `ready` holds, for at most 30 s (generous for a
    /// loaded machine: scripts and trackers need a few rounds); the last
    /// walk either way.
    pub fn walk_until(&self, root: &str, ready: &dyn Fn(&[String]) -> bool) -> Vec<String> {
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            let w = self.walk(root);
            if ready(&w) || Instant::now() > end {
                return w;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// What `snmpset` of `oid` to `value` of type `ty` prints (stdout then
    /// stderr).
    pub fn set(&self, oid: &str, ty: &str, value: &str) -> String {
        self.snmp("snmpset", "private", &[oid, ty, value])
    }
}

/// Starts snmpd in `ns` (read community `public`, write community
/// `private`, AgentX master on `agentx` in `dir`, its files there too),
/// once its AgentX socket exists; killed when dropped.
pub fn snmpd(dir: &Path, ns: &str) -> super::Kid {
    let sock = dir.join("agentx");
    let conf = dir.join("snmpd.conf");
    std::fs::write(
        &conf,
        format!(
            "agentaddress udp:127.0.0.1:{SNMP_PORT}\nrocommunity public 127.0.0.1\n\
             rwcommunity private 127.0.0.1\nmaster agentx\nagentxsocket unix:{}\n",
            sock.display()
        ),
    )
    .unwrap();
    let child = Command::new("ip")
        .args(["netns", "exec", ns, "snmpd", "-f", "-Lf"])
        .arg(dir.join("snmpd.log"))
        .arg("-C")
        .arg("-c")
        .arg(&conf)
        .env("SNMP_PERSISTENT_DIR", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let kid = super::Kid(child);
    wait_until(Duration::from_secs(10), "snmpd's AgentX socket", || {
        sock.exists()
    });
    kid
}

/// What net-snmp's `tool` (`snmpwalk`, `snmpset`, ...) with `community`
/// and `args` prints against the snmpd of `ns` started with [`snmpd`] on
/// `dir` (stdout then stderr; `dir` written `LAB`).
pub fn snmp(dir: &Path, ns: &str, tool: &str, community: &str, args: &[&str]) -> String {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, tool, "-v2c", "-c", community])
        .args(["-On", "-t", "2", "-r", "1"])
        .arg(format!("127.0.0.1:{SNMP_PORT}"))
        .args(args)
        .env("SNMP_PERSISTENT_DIR", dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.replace(&dir.display().to_string(), "LAB")
}
