//! snmpd and snmptrapd in a test namespace, as the SNMP differential tests
//! run them: snmpd the AgentX master on a unix socket in the lab directory,
//! its agent and snmptrapd on the namespace's loopback.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Kid;
use super::netns::{Daemon, Looped, Pair, Running, wait_until};

/// The UDP port of snmpd's agent (127.0.0.1 in the namespace).
pub const SNMP_PORT: u16 = 11161;
/// The UDP port snmptrapd listens on (127.0.0.1 in the namespace).
pub const TRAP_PORT: u16 = 11162;

/// Starts snmpd in `ns`: AgentX master on the unix socket `dir/agentx`,
/// agent on 127.0.0.1:[`SNMP_PORT`] (community `public`), the lines
/// `extra` added to its configuration `dir/snmpd.conf`, its log
/// `dir/snmpd.log`, its persistent state in `persist`. Returns once the
/// AgentX socket exists (10 s at most, else the test fails).
pub fn snmpd(ns: &str, dir: &Path, persist: &Path, extra: &str) -> Kid {
    let sock = dir.join("agentx");
    let conf = dir.join("snmpd.conf");
    let lines = [
        format!("agentaddress udp:127.0.0.1:{SNMP_PORT}"),
        "rocommunity public 127.0.0.1".to_string(),
        "master agentx".to_string(),
        format!("agentxsocket unix:{}", sock.display()),
    ];
    std::fs::write(&conf, format!("{}\n{extra}", lines.join("\n"))).unwrap();
    let child = Command::new("ip")
        .args(["netns", "exec", ns, "snmpd", "-f", "-Lf"])
        .arg(dir.join("snmpd.log"))
        .arg("-C")
        .arg("-c")
        .arg(&conf)
        .env("SNMP_PERSISTENT_DIR", persist)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let kid = Kid(child);
    wait_until(Duration::from_secs(10), "snmpd's AgentX socket", || {
        sock.exists()
    });
    kid
}

/// The snmpd configuration line that sends every notification as an
/// SNMPv2c trap to [`snmptrapd`].
pub fn trap_sink() -> String {
    format!("trap2sink 127.0.0.1:{TRAP_PORT} public\n")
}

/// Starts snmptrapd in `ns` on 127.0.0.1:[`TRAP_PORT`] (configuration
/// `dir/snmptrapd.conf`, persistent state in `persist`): each notification
/// it receives becomes one line of `out`, "TRAP " and the VarBinds
/// (numeric OIDs, tab-separated).
pub fn snmptrapd(ns: &str, dir: &Path, persist: &Path, out: &Path) -> Kid {
    let trapd_conf = dir.join("snmptrapd.conf");
    std::fs::write(&trapd_conf, "authCommunity log public\n").unwrap();
    let out = std::fs::File::create(out).unwrap();
    let child = Command::new("ip")
        .args(["netns", "exec", ns, "snmptrapd", "-f", "-Lo", "-n", "-On"])
        .arg("-C")
        .arg("-c")
        .arg(&trapd_conf)
        .args(["-m", "", "-F", "TRAP %v\\n"])
        .arg(format!("udp:127.0.0.1:{TRAP_PORT}"))
        .env("SNMP_PERSISTENT_DIR", persist)
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Kid(child)
}

/// snmptrapd then snmpd in the router namespace of a [`Pair`], as the
/// notification tests run them: the AgentX master sends every notification
/// as an SNMPv2c trap ([`trap_sink`]) to snmptrapd, which prints it on one
/// line of `traps.txt` in the pair's lab directory. Both are killed on
/// drop.
pub struct TrapLab {
    /// snmptrapd, then snmpd.
    _kids: [Kid; 2],
    agentx: PathBuf,
    file: PathBuf,
}

impl TrapLab {
    /// Starts both in `pair`'s router namespace (their persistent state in
    /// `persist` of the lab directory); returns once snmpd's AgentX socket
    /// exists.
    pub fn start(pair: &Pair) -> TrapLab {
        let dir = &pair.lab.dir;
        let persist = pair.lab.path("persist");
        std::fs::create_dir_all(&persist).unwrap();
        let file = pair.lab.path("traps.txt");
        let trapd = snmptrapd(&pair.ns, dir, &persist, &file);
        let snmpd = snmpd(&pair.ns, dir, &persist, &trap_sink());
        TrapLab {
            _kids: [trapd, snmpd],
            agentx: dir.join("agentx"),
            file,
        }
    }

    /// snmpd's AgentX socket.
    pub fn agentx(&self) -> PathBuf {
        self.agentx.clone()
    }

    /// The notifications received so far, one a line as snmptrapd printed
    /// it without its "TRAP " (the VarBinds, tab-separated).
    pub fn received(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.file).unwrap_or_default();
        text.lines()
            .filter_map(|l| l.strip_prefix("TRAP "))
            .map(str::to_string)
            .collect()
    }
}

/// Interface indexes and what [`normalise_trap`] shows them as.
pub type Indexes = [(String, &'static str)];

/// One notification line of [`TrapLab::received`] made comparable between
/// runs: its VarBinds joined by " | ", sysUpTime.0's value as `T` and, in
/// VRRPv3-MIB and VRRP-MIB OIDs, an interface index of `ifindex` (the first
/// sub-identifier after a column) as its label.
pub fn normalise_trap(line: &str, ifindex: &Indexes) -> String {
    line.split('\t')
        .map(|vb| {
            let (name, value) = vb.split_once(" = ").unwrap_or((vb, ""));
            if name == ".1.3.6.1.2.1.1.3.0" {
                return format!("{name} = T");
            }
            let mut parts: Vec<String> = name.split('.').map(str::to_string).collect();
            // ".1.3.6.1.2.1.207.1.x.y.1.COL.IF..." / ".1.3.6.1.2.1.68.1.3.1.COL.IF..."
            // / ".1.3.6.1.2.1.68.1.{5,6}.IF.VRID"
            let at = match (
                parts.get(7).map(String::as_str),
                parts.get(9).map(String::as_str),
            ) {
                (Some("207"), _) => 13,
                (Some("68"), Some("3")) => 12,
                (Some("68"), _) => 10,
                _ => usize::MAX,
            };
            if let Some(p) = parts.get_mut(at)
                && let Some((_, label)) = ifindex.iter().find(|(i, _)| i == p)
            {
                *p = (*label).into();
            }
            format!("{} = {}", parts.join("."), value.trim_end())
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// `snmpwalk -v2c` of `root` against the agent of [`snmpd`] in `ns`
/// (numeric OIDs; 2 s timeout, one retry): the output lines under `root`.
pub fn walk(ns: &str, persist: &Path, root: &str) -> Vec<String> {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, "snmpwalk", "-v2c", "-c", "public"])
        .args(["-On", "-t", "2", "-r", "1"])
        .arg(format!("127.0.0.1:{SNMP_PORT}"))
        .arg(root)
        .env("SNMP_PERSISTENT_DIR", persist)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with(root))
        .map(str::to_string)
        .collect()
}

/// A looped namespace (see [`Looped`]) with snmpd running; the daemon is
/// started by the test.
pub struct SnmpLab {
    /// The namespace and its files.
    pub ns: Looped,
    _snmpd: Kid,
}

impl SnmpLab {
    /// The namespace `name` with looped links addressed `addrs`, and snmpd
    /// (read community `public`, write community `private`) once its
    /// AgentX socket exists.
    pub fn new(name: &str, addrs: &[&str]) -> SnmpLab {
        let ns = Looped::new(name, addrs);
        let snmpd = snmpd(
            &ns.name,
            &ns.lab.dir,
            &ns.lab.dir,
            "rwcommunity private 127.0.0.1\n",
        );
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
