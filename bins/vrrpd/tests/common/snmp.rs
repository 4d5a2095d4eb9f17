//! snmpd and snmptrapd in a test namespace, as the SNMP differential tests
//! run them: snmpd the AgentX master on a unix socket in the lab directory,
//! its agent and snmptrapd on the namespace's loopback.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::Kid;
use super::netns::wait_until;

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
