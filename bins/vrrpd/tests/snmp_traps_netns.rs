//! SNMP notifications (RFC 2787 VRRP-MIB traps, RFC 6527 VRRPv3-MIB
//! notifications) sent through an AgentX master, against keepalived 2.2.7
//! (root, network namespaces, keepalived, snmpd, snmptrapd and python3
//! installed; else `SKIPPED:`).
//!
//! Two setups side by side, one where the router runs keepalived and one
//! where it runs this build's vrrpd: a router namespace with snmpd (AgentX
//! master on a unix socket, `trap2sink` to a snmptrapd in the same
//! namespace that prints every notification with numeric OIDs) and a peer
//! namespace joined by a veth pair. The router's configuration is the same
//! in both setups (`enable_snmp_rfc`, `enable_traps`, VRRPv3 IPv4 and IPv6
//! instances, a VRRPv3 one with `use_vmac` and a VRRPv2 one with a password); the peer always runs keepalived, so the
//! stimulus is the same. The phases:
//!
//! 1. the router starts and becomes Master of every instance;
//! 2. a peer with a higher priority on the VRRPv3 instance takes over, then
//!    stops (its priority 0 makes the router Master again);
//! 3. a peer with another password on the VRRPv2 instance becomes Master
//!    there (it cannot authenticate the router) and sends adverts the router
//!    rejects;
//! 4. hand-made adverts from the peer namespace (a Python raw socket): a
//!    TTL of 64, a VRRPv2 advert to the VRRPv3 instance, a bad checksum, a
//!    TTL of 64 to the VRRPv2 instance and one to the VMAC instance (whose
//!    notification is indexed by the VMAC's interface index, `VIF`), then
//!    VRRPv2 adverts without authentication and with an unknown type.
//!
//! The notifications received in each phase (notification OID, VarBind
//! OIDs and values) must be equal between the setups once sysUpTime.0 and
//! the router's interface index are normalised, the phase 1 ones (two
//! instances whose timers expire together) are sorted, and phase 3's
//! repeats (one per advert) are counted as one. After phase 4 a walk of
//! vrrpv3StatisticsProtoErrReason must be equal too (the last error's
//! reason).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::{Daemon, Pair, Running, poll_until, skip_differential, wait_until};
use common::shell as sh;
use common::snmp;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long to wait for more notifications once the expected ones came:
/// a phase ends when none has come for this long.
const QUIET: Duration = Duration::from_secs(1);

/// A router namespace `NAME` and its peer `NAME-p` (a [`Pair`], the MAC
/// addresses set), the snmpd and snmptrapd of the router, and the daemons.
struct Setup {
    /// Killed before the namespaces go (fields drop in order).
    snmp: snmp::TrapLab,
    pair: Pair,
}

impl Setup {
    fn new(name: String) -> Self {
        let pair = Pair::with_macs(&name, Some(("02:00:00:5e:ab:01", "02:00:00:5e:ab:02")));
        Setup {
            snmp: snmp::TrapLab::start(&pair),
            pair,
        }
    }

    /// The index of the router's interface `dev`.
    fn ifindex(&self, dev: &str) -> String {
        let text = sh(&format!("ip -j -n {} link show dev {dev}", self.pair.ns));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v[0]["ifindex"].to_string()
    }

    /// keepalived (`vrrpd` false) or this build's vrrpd in `ns` with `conf`
    /// (files named after `tag`).
    fn daemon(&self, ns: &str, tag: &str, conf: &str, vrrpd: bool) -> Running {
        let path = self.pair.lab.write_conf(tag, conf);
        self.pair.lab.start(ns, Daemon::of(vrrpd), &path, tag)
    }

    /// The notifications received so far, normalised: sysUpTime.0's value
    /// and the router's interface index replaced.
    fn traps(&self, ifindex: &snmp::Indexes) -> Vec<String> {
        self.snmp
            .received()
            .iter()
            .map(|l| snmp::normalise_trap(l, ifindex))
            // snmpd's own coldStart and the like
            .filter(|l| l.contains(".1.3.6.1.2.1.68.0.") || l.contains(".1.3.6.1.2.1.207.0."))
            .collect()
    }

    /// Waits until `ready` holds for the notifications received after the
    /// first `from` and none has come for [`QUIET`], for at most `secs`;
    /// then those notifications.
    fn traps_until(
        &self,
        ifindex: &snmp::Indexes,
        from: usize,
        secs: u64,
        ready: &dyn Fn(&[String]) -> bool,
    ) -> Vec<String> {
        let mut last: Vec<String> = Vec::new();
        let mut since = Instant::now();
        poll_until(Duration::from_secs(secs), || {
            let t: Vec<String> = self.traps(ifindex).into_iter().skip(from).collect();
            if t.len() != last.len() {
                since = Instant::now();
                last = t;
            }
            ready(&last) && since.elapsed() >= QUIET
        });
        self.traps(ifindex).into_iter().skip(from).collect()
    }

    /// `snmpwalk` of vrrpv3StatisticsProtoErrReason, the interface index
    /// as `IF`.
    fn proto_err_reasons(&self, ifindex: &snmp::Indexes) -> Vec<String> {
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.pair.ns,
                "snmpwalk",
                "-v2c",
                "-c",
                "public",
            ])
            .args(["-On", "-t", "2", "-r", "1", "127.0.0.1:11161"])
            .arg(".1.3.6.1.2.1.207.1.2.5.1.6")
            .env("SNMP_PERSISTENT_DIR", self.pair.lab.path("persist"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.replace(&format!(".6.{}.", ifindex[0].0), ".6.IF."))
            .collect()
    }
}

fn router_config(sock: &std::path::Path) -> String {
    format!(
        "global_defs {{\n router_id traps\n enable_snmp_rfc\n enable_traps\n \
         snmp_socket unix:{}\n}}\n\
         vrrp_instance V2P {{\n state BACKUP\n interface eth0\n virtual_router_id 54\n \
         priority 150\n advert_int 1\n version 2\n authentication {{\n  auth_type PASS\n  \
         auth_pass secret\n }}\n virtual_ipaddress {{\n  10.9.0.54/32\n }}\n}}\n\
         vrrp_instance V3 {{\n state BACKUP\n interface eth0\n virtual_router_id 51\n \
         priority 150\n advert_int 1\n version 3\n virtual_ipaddress {{\n  10.9.0.51/32\n }}\n}}\n\
         vrrp_instance V6 {{\n state BACKUP\n interface eth0\n virtual_router_id 52\n \
         priority 150\n advert_int 1\n version 3\n virtual_ipaddress {{\n  fd00:9::52/64\n }}\n}}\n\
         vrrp_instance VM {{\n state BACKUP\n interface eth0\n use_vmac\n virtual_router_id 57\n \
         priority 150\n advert_int 1\n version 3\n virtual_ipaddress {{\n  10.9.0.57/32\n }}\n}}\n",
        sock.display()
    )
}

/// The peer of phase 2: priority 200 on the VRRPv3 instance.
const PEER_TAKEOVER: &str = "global_defs {\n router_id peer\n}\n\
    vrrp_instance V3 {\n state BACKUP\n interface eth0\n virtual_router_id 51\n \
    priority 200\n advert_int 1\n version 3\n virtual_ipaddress {\n  10.9.0.51/32\n }\n}\n";

/// The peer of phase 3: the VRRPv2 instance with another password.
const PEER_WRONG_PASS: &str = "global_defs {\n router_id peer\n}\n\
    vrrp_instance V2P {\n state BACKUP\n interface eth0\n virtual_router_id 54\n \
    priority 100\n advert_int 1\n version 2\n authentication {\n  auth_type PASS\n  \
    auth_pass wrong\n }\n virtual_ipaddress {\n  10.9.0.54/32\n }\n}\n";

/// Phase 4's adverts, sent from 10.9.0.2 to 224.0.0.18 with a raw socket,
/// 300 ms apart: (VRID, version, TTL, checksum right, address, VRRPv2 auth
/// type).
const BAD_ADVERTS: &str = r#"
import socket, struct, sys, time

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

src, dst = socket.inet_aton("10.9.0.2"), socket.inet_aton("224.0.0.18")
def advert(vrid, version, good, vip, auth=1):
    addr = socket.inet_aton(vip)
    if version == 3:
        body = struct.pack("!BBBBH", 0x31, vrid, 100, 1, 100)
        pseudo = src + dst + struct.pack("!BBH", 0, 112, 8 + 4)
        c = csum(pseudo + body + b"\0\0" + addr)
    else:
        body = struct.pack("!BBBBBB", 0x21, vrid, 100, 1, auth, 1)
        c = csum(body + b"\0\0" + addr + b"secret\0\0")
        addr += b"secret\0\0"
    if not good:
        c ^= 0x5a5a
    return body + struct.pack("!H", c) + addr

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, src)
for vrid, version, ttl, good, vip, auth in [
    (51, 3, 64, True, "10.9.0.51", 1),
    (51, 2, 255, True, "10.9.0.51", 1),
    (51, 3, 255, False, "10.9.0.51", 1),
    (54, 2, 64, True, "10.9.0.54", 1),
    (57, 3, 64, True, "10.9.0.57", 1),
    (54, 2, 255, True, "10.9.0.54", 0),
    (54, 2, 255, True, "10.9.0.54", 7),
]:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
    s.sendto(advert(vrid, version, good, vip, auth), ("224.0.0.18", 0))
    time.sleep(0.3)
"#;

/// Consecutive equal lines as one.
fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.dedup();
    v
}

/// The notifications of each phase for the router running keepalived
/// (`vrrpd` false) or vrrpd.
fn run(vrrpd: bool) -> Vec<Vec<String>> {
    let name = format!(
        "tp-trap{}-{}",
        if vrrpd { "v" } else { "k" },
        std::process::id()
    );
    let s = Setup::new(name);
    let (ns, peer) = (s.pair.ns.clone(), s.pair.peer.clone());
    let conf = router_config(&s.snmp.agentx());
    let _router = s.daemon(&ns, "router", &conf, vrrpd);
    // the VMAC of VRID 57, made by the daemon
    wait_until(Duration::from_secs(15), "the VMAC vrrp.57", || {
        sh(&format!("ip -n {ns} -o link show")).contains(" vrrp.57@")
    });
    let ifindex = [(s.ifindex("eth0"), "IF"), (s.ifindex("vrrp.57"), "VIF")];
    let mut phases = Vec::new();

    // 1. Master of every instance: 5 notifications.
    let start = s.traps_until(&ifindex, 0, 25, &|t| t.len() >= 5);
    let mut seen = start.len();
    phases.push(start);

    // 2. A peer takes the VRRPv3 instance over, then leaves.
    let mut p = s.daemon(&peer, "peer-takeover", PEER_TAKEOVER, false);
    wait_until(
        Duration::from_secs(20),
        "the peer taking VRID 51 over",
        || !s.pair.holds("10.9.0.51"),
    );
    // SIGTERM: the Master sends priority 0
    p.stop();
    let back = s.traps_until(&ifindex, seen, 15, &|t| !t.is_empty());
    seen += back.len();
    phases.push(back);

    // 3. A peer with another password on the VRRPv2 instance.
    let mut p = s.daemon(&peer, "peer-wrong-pass", PEER_WRONG_PASS, false);
    // wait for at least two rejected adverts
    poll_until(Duration::from_secs(20), || {
        s.traps(&ifindex).len() >= seen + 2
    });
    p.stop();
    let auth = s.traps_until(&ifindex, seen, 5, &|_| true);
    seen += auth.len();
    phases.push(dedup(auth));

    // 4. Hand-made adverts with protocol errors.
    let script = s.pair.lab.path("bad_adverts.py");
    std::fs::write(&script, BAD_ADVERTS).unwrap();
    sh(&format!(
        "ip netns exec {peer} python3 {}",
        script.display()
    ));
    let errors = s.traps_until(&ifindex, seen, 10, &|t| t.len() >= 7);
    phases.push(errors);
    // the MIB keeps the last protocol error's reason
    phases.push(s.proto_err_reasons(&ifindex));

    let who = if vrrpd { "vrrpd" } else { "keepalived" };
    // phase 5 is the walk
    for (i, p) in phases.iter().enumerate() {
        eprintln!("{who}, phase {}:\n  {}", i + 1, p.join("\n  "));
    }
    phases
}

#[test]
fn notifications_equal_keepalived() {
    if common::skip_netns_test(
        "SNMP notifications differential",
        Some("VRRPD_NETNS_TESTS"),
        "namespaces",
    ) {
        return;
    }
    if skip_differential(
        "SNMP notifications differential",
        &[
            "keepalived",
            "snmpd",
            "snmptrapd",
            "snmpwalk",
            "python3",
            "ip",
        ],
    ) {
        return;
    }
    let k = run(false);
    let v = run(true);
    // keepalived's own sequence is what the phases expect
    assert_eq!(k[0].len(), 5, "keepalived at start: {:?}", k[0]);
    let new_master_v2 = ".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.2.1.68.0.1";
    let pos = |p: &[String], needle: &str| p.iter().position(|l| l.contains(needle));
    for (who, p) in [("keepalived", &k), ("vrrpd", &v)] {
        // the VRRPv2 instance's VRRP-MIB trap comes before its VRRPv3-MIB one
        let v2 = pos(&p[0], new_master_v2);
        let v3 = pos(&p[0], ".1.3.6.1.2.1.207.1.1.1.1.3.IF.54.1 ");
        assert!(v2.is_some() && v2 < v3, "{who}: {:?}", p[0]);
    }
    assert_eq!(k[1].len(), 1, "keepalived after the takeover: {:?}", k[1]);
    assert!(!k[2].is_empty(), "keepalived sent no vrrpTrapAuthFailure");
    assert_eq!(k[3].len(), 7, "keepalived's protocol errors: {:?}", k[3]);
    let sorted = |p: &[String]| {
        let mut p = p.to_vec();
        p.sort();
        p
    };
    assert_eq!(
        sorted(&v[0]),
        sorted(&k[0]),
        "at start (left vrrpd, right keepalived)"
    );
    assert_eq!(v[1], k[1], "Master again after the peer left");
    assert_eq!(v[2], k[2], "authentication failures");
    assert_eq!(v[3], k[3], "protocol errors");
    assert_eq!(
        k[4].len(),
        4,
        "keepalived's vrrpv3StatisticsProtoErrReason: {:?}",
        k[4]
    );
    assert_eq!(
        v[4], k[4],
        "vrrpv3StatisticsProtoErrReason after the errors"
    );
}
