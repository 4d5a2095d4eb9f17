//! A namespace with its own snmpd as AgentX master, for the KEEPALIVED-MIB
//! differentials: the daemon under test connects to the socket in the lab
//! directory, and `snmpwalk`/`snmpset` talk to snmpd on 127.0.0.1 inside
//! the namespace.
#![allow(clippy::unwrap_used, dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::netns::{Daemon, Lab, Looped, Running, wait_until};

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
        let snmpd = snmpd(&ns.lab, &ns.name);
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
        snmp(&self.ns.lab, &self.ns.name, tool, community, args)
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
/// `private`, AgentX master on `agentx` in the lab directory), once its
/// AgentX socket exists; killed when dropped.
pub fn snmpd(lab: &Lab, ns: &str) -> super::Kid {
    let sock = lab.path("agentx");
    let conf = lab.path("snmpd.conf");
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
        .arg(lab.path("snmpd.log"))
        .arg("-C")
        .arg("-c")
        .arg(&conf)
        .env("SNMP_PERSISTENT_DIR", &lab.dir)
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
/// and `args` prints against the snmpd of `ns` (stdout then stderr; the lab
/// directory written `LAB`).
pub fn snmp(lab: &Lab, ns: &str, tool: &str, community: &str, args: &[&str]) -> String {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, tool, "-v2c", "-c", community])
        .args(["-On", "-t", "2", "-r", "1"])
        .arg(format!("127.0.0.1:{SNMP_PORT}"))
        .args(args)
        .env("SNMP_PERSISTENT_DIR", &lab.dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.replace(&lab.dir.display().to_string(), "LAB")
}
