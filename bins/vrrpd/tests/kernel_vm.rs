//! The VRRP extras that need kernel features the development machine lacks
//! (ipvlan, VRF, MPLS and ILA lightweight tunnels), against keepalived 2.2.7
//! in the test VM (root, qemu, keepalived, tcpdump and tshark installed; else
//! `SKIPPED:`; `VRRPD_VM_TESTS=0` disables it).
//!
//! `scripts/vm/run-in-vm.sh` boots Debian's kernel once and
//! `tests/vm/vrrp-case.sh` runs each case inside it: the same config under
//! keepalived in one network namespace and under this build's vrrpd in
//! another. While the instances are Master, after each step of the case,
//! and again after SIGTERM, `ip -j -d link`, `ip -j addr` (lifetimes
//! dropped), `ip -j route show table all`, `ip -j rule` (both families) and
//! the new links' `disable_ipv6` must be equal in the two namespaces. The
//! runs, to keep the boot short:
//!
//! - `plain`: `use_ipvlan` on IPv4 instances (a named one with an address
//!   and prefix, a default-named one with a bare address) and on IPv6 ones
//!   (a global, a link-local and no address: the adverts of the last, as
//!   tcpdump saw them and tshark reads them, come from the ipvlan's kernel
//!   link-local address under both daemons; that address then deleted and
//!   fe80::2 added on the ipvlan, the adverts come from fe80::2 under both),
//!   and `virtual_routes` with `encap mpls` (one and two labels) and
//!   `encap ila`;
//! - `vrf`: parents enslaved to a VRF: a `use_vmac` and a `use_ipvlan`
//!   instance (the new links go into the same VRF, the VIP routes into its
//!   table) with `virtual_routes` given `vrf NAME`, one of them after a
//!   `table` (the VRF's table wins, as the later word); then, while the
//!   daemons run, the parents leave the VRF and join it again, and the VMAC
//!   and the ipvlan follow them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// ipvlans of both families (keepalived's default name and a given one,
/// an address with and without a prefix, global and link-local) and routes
/// with MPLS and ILA encapsulation, in one run. All ipvlans are `private`:
/// the kernel keeps one set of ipvlan flags per parent, so a mix would only
/// show the last one.
const PLAIN: &str = "global_defs {
 router_id vw
}
vrrp_instance A {
 state BACKUP
 interface eth0
 virtual_router_id 7
 priority 100
 advert_int 1
 use_ipvlan ipv7 10.9.0.11/24 private
 virtual_ipaddress {
  10.9.0.100/24
 }
 virtual_routes {
  10.20.0.0/16 encap mpls 100/0x20 via 10.9.0.2 dev eth0
  10.21.0.0/16 encap mpls 300 via 10.9.0.2 dev eth0 metric 7
  2001:db8:1:2:2000::/67 encap ila 2001:0:0:beef dev eth0
 }
}
vrrp_instance B {
 state BACKUP
 interface eth0
 virtual_router_id 8
 priority 100
 advert_int 1
 use_ipvlan 10.9.0.12 private
 virtual_ipaddress {
  10.9.0.101
 }
}
vrrp_instance A6 {
 state BACKUP
 interface eth0
 version 3
 virtual_router_id 17
 priority 100
 advert_int 1
 use_ipvlan ipv17 2001:db8:9::11/64 private
 virtual_ipaddress {
  2001:db8:9::100/64
 }
}
vrrp_instance B6 {
 state BACKUP
 interface eth0
 version 3
 virtual_router_id 18
 priority 100
 advert_int 1
 use_ipvlan private fe80::12/64
 virtual_ipaddress {
  2001:db8:9::101/64
 }
}
vrrp_instance C6 {
 state BACKUP
 interface eth0
 version 3
 virtual_router_id 19
 priority 100
 advert_int 1
 use_ipvlan private
 virtual_ipaddress {
  2001:db8:9::102/64
 }
}
";

/// A VMAC on eth0 and an ipvlan on eth1 (a link cannot carry both), both
/// parents in VRF `blue`, with `vrf` routes; while the daemons run both
/// parents leave the VRF (STEP1) and join it again (STEP2).
const VRF: &str = "global_defs {
 router_id vw
}
vrrp_instance V {
 state BACKUP
 interface eth0
 virtual_router_id 30
 priority 100
 advert_int 1
 use_vmac
 virtual_ipaddress {
  10.9.0.130/24
 }
 virtual_routes {
  10.30.0.0/16 via 10.9.0.2 dev eth0 vrf blue
 }
}
vrrp_instance W {
 state BACKUP
 interface eth1
 virtual_router_id 31
 priority 100
 advert_int 1
 use_ipvlan ipv31 10.9.1.31/24 private
 virtual_ipaddress {
  10.9.1.131/24
 }
 virtual_routes {
  10.31.0.0/16 via 10.9.1.2 dev eth1 table 7 vrf blue metric 3
 }
}
";

/// Per namespace (`$ns`, its peer `$ns-p`), before the daemons start:
/// VRF `blue` (table 10) with eth0 and a second veth eth1 (fixed MAC,
/// 10.9.1.1/24) in it.
const VRF_SETUP: &str = "$ip -n $ns link add blue type vrf table 10 && \
    $ip -n $ns link set blue up && $ip -n $ns link set eth0 master blue && \
    $ip -n $ns link add eth1 type veth peer name eth1 netns $ns-p && \
    $ip -n $ns link set eth1 address 02:00:00:00:01:01 && \
    $ip -n $ns link set eth1 master blue && \
    $ip -n $ns addr add 10.9.1.1/24 dev eth1 && $ip -n $ns link set eth1 up && \
    $ip -n $ns-p link set eth1 up";

/// `plain`'s STEP1: the link-local address of C6's ipvlan (its advert
/// source) deleted, and two seconds later fe80::2 added there.
const IPVLAN6_SOURCE_SWAP: &str = "$ip -n $ns addr flush dev vrrp.19 scope link && sleep 2 && \
     $ip -n $ns addr add fe80::2/64 dev vrrp.19 nodad";

/// `vrf`'s STEP1: both parents out of `blue` while the daemons run.
const VRF_LEAVE: &str = "$ip -n $ns link set eth0 nomaster && $ip -n $ns link set eth1 nomaster";

/// `vrf`'s STEP2: both parents back into `blue`.
const VRF_JOIN: &str =
    "$ip -n $ns link set eth0 master blue && $ip -n $ns link set eth1 master blue";

/// One case: name, config, the `ip addr` pattern and count that mean every
/// VIP is up, the links whose `disable_ipv6` is compared, a shell line run
/// in each namespace before the daemons start (`vrrp-case.sh`'s SETUP),
/// whether the adverts are captured (CAPTURE), and the shell lines run in
/// each namespace while the daemons run (STEP1, STEP2; empty: none).
struct Case {
    name: &'static str,
    conf: &'static str,
    pattern: &'static str,
    count: u32,
    links: &'static [&'static str],
    setup: &'static str,
    capture: bool,
    steps: [&'static str; 2],
}

impl Case {
    /// The snapshots `vrrp-case.sh` takes for this case.
    fn tags(&self) -> Vec<String> {
        let mut t = vec!["master".to_string()];
        for (k, s) in self.steps.iter().enumerate() {
            if !s.is_empty() {
                t.push(format!("step{}", k + 1));
            }
        }
        t.push("stopped".into());
        t
    }
}

const CASES: &[Case] = &[
    Case {
        name: "plain",
        conf: PLAIN,
        pattern: r"inet6? (10\.9\.0|2001:db8:9:)[.:]10[0-2]/",
        count: 5,
        links: &["ipv7", "vrrp.8", "ipv17", "vrrp.18", "vrrp.19"],
        setup: "",
        capture: true,
        steps: [IPVLAN6_SOURCE_SWAP, ""],
    },
    Case {
        name: "vrf",
        conf: VRF,
        pattern: r"inet 10\.9\.[01]\.13[01]/",
        count: 2,
        links: &["vrrp.30", "ipv31"],
        setup: VRF_SETUP,
        capture: false,
        steps: [VRF_LEAVE, VRF_JOIN],
    },
];

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Lifetimes dropped, recursively.
fn strip(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| k != "valid_life_time" && k != "preferred_life_time")
                .map(|(k, v)| (k, strip(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip).collect()),
        v => v,
    }
}

/// What differs between the namespaces for reasons outside this test: the
/// VRF device's MAC is random, and keepalived also sets
/// `inet6_addr_gen_mode` none on an IPv4 VMAC (`netlink_link_add_vmac`),
/// which vrrpd's VMACs do not follow (the VMAC tests leave it out too).
fn normalize(mut v: Value) -> Value {
    if let Some(a) = v.as_array_mut() {
        for l in a {
            if let Some(m) = l.as_object_mut() {
                match m.get("ifname").and_then(Value::as_str) {
                    Some("blue") => {
                        m.remove("address");
                    }
                    Some("vrrp.30") => {
                        m.remove("inet6_addr_gen_mode");
                    }
                    _ => {}
                }
            }
        }
    }
    v
}

fn read(dir: &Path, name: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{name} missing from the VM's output: {e}"));
    strip(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}: {text}")))
}

fn link<'a>(links: &'a Value, name: &str) -> Option<&'a Value> {
    links
        .as_array()
        .and_then(|a| a.iter().find(|l| l["ifname"] == name))
}

/// The addresses of `iface` in an `ip -j addr` dump.
fn locals(addrs: &Value, iface: &str) -> Vec<String> {
    link(addrs, iface)
        .and_then(|l| l["addr_info"].as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x["local"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The route to `dst` in an `ip -j route` dump.
fn route<'a>(routes: &'a Value, dst: &str) -> Option<&'a Value> {
    routes
        .as_array()
        .and_then(|a| a.iter().find(|r| r["dst"] == dst))
}

/// `o` (vrrpd's) equals `k` (keepalived's); else a panic listing the
/// entries of the dumps that differ, as JSON.
fn assert_same(o: &Value, k: &Value, what: &str) {
    if o == k {
        return;
    }
    let (oa, ka) = (o.as_array(), k.as_array());
    let mut lines = Vec::new();
    if let (Some(oa), Some(ka)) = (oa, ka) {
        for x in oa.iter().filter(|x| !ka.contains(x)) {
            lines.push(format!("vrrpd only:      {x}"));
        }
        for x in ka.iter().filter(|x| !oa.contains(x)) {
            lines.push(format!("keepalived only: {x}"));
        }
    }
    panic!(
        "{what} differs:\n{}\nvrrpd: {o}\nkeepalived: {k}",
        lines.join("\n")
    );
}

/// The VM's output, removed afterwards unless `VRRPD_VM_KEEP` is set.
struct OutDir(PathBuf);
impl Drop for OutDir {
    fn drop(&mut self) {
        if std::env::var_os("VRRPD_VM_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[test]
fn kernel_features_as_keepalived() {
    if common::skip_netns_test(
        "VRRP kernel VM differential",
        Some("VRRPD_VM_TESTS"),
        "qemu",
    ) {
        return;
    }
    if ![
        "qemu-system-x86_64",
        "keepalived",
        "busybox",
        "tcpdump",
        "tshark",
    ]
    .into_iter()
    .all(have)
    {
        eprintln!(
            "SKIPPED: VRRP kernel VM differential needs qemu-system-x86_64, busybox, keepalived, tcpdump and tshark"
        );
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = OutDir(std::env::temp_dir().join(format!("vw-kernel-vm-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&out.0);
    std::fs::create_dir_all(&out.0).unwrap();
    let ip = ["/usr/bin/ip", "/bin/ip", "/sbin/ip"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("iproute2's ip");
    let mut cmd = Command::new(repo.join("scripts/vm/run-in-vm.sh"));
    cmd.args([
        "--modules",
        "ipvlan mpls_router mpls_iptunnel ila vrf",
        "--timeout",
        "600",
        "--file",
    ])
    .arg(env!("CARGO_BIN_EXE_vrrpd"))
    .arg("--file")
    .arg(format!("{}:/usr/sbin/keepalived", which("keepalived")))
    // Not /bin/ip (busybox's) and not a name starting with `ip`:
    // iproute2 reads a command from the rest of its program name.
    .arg("--file")
    .arg(format!("{ip}:/usr/local/bin/ip"))
    .arg("--file")
    .arg(format!("{}:/usr/local/bin/tcpdump", which("tcpdump")))
    .arg("--file")
    .arg(format!(
        "{}:/work/vrrp-case.sh",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vm/vrrp-case.sh")
            .display()
    ));
    let mut script = String::new();
    for c in CASES {
        let conf = out.0.join(format!("{}.conf", c.name));
        std::fs::write(&conf, c.conf).unwrap();
        cmd.arg("--file")
            .arg(format!("{}:/work/{}.conf", conf.display(), c.name));
        script.push_str(&format!(
            "SETUP='{4}' CAPTURE='{5}' STEP1='{6}' STEP2='{7}' sh /work/vrrp-case.sh {0} /work/{0}.conf '{1}' {2} {3} && ",
            c.name,
            c.pattern,
            c.count,
            c.links.join(" "),
            c.setup,
            if c.capture { "1" } else { "" },
            c.steps[0],
            c.steps[1],
        ));
    }
    script.push_str("echo all-cases-done");
    let res = cmd
        .arg("--out")
        .arg(&out.0)
        .args(["--", &script])
        .output()
        .unwrap();
    let console = String::from_utf8_lossy(&res.stdout);
    let tail: Vec<&str> = console.lines().rev().take(40).collect();
    assert!(
        res.status.success() && console.contains("all-cases-done"),
        "VM run failed ({}):\n{}\n{}",
        res.status,
        tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        String::from_utf8_lossy(&res.stderr)
    );
    for c in CASES {
        let dir = out.0.join(c.name);
        for tag in c.tags() {
            for kind in ["link", "addr", "route4", "route6", "rule4", "rule6"] {
                let k = normalize(read(&dir, &format!("k.{tag}.{kind}.json")));
                let o = normalize(read(&dir, &format!("o.{tag}.{kind}.json")));
                assert_same(&o, &k, &format!("{}: {tag}: ip -j {kind}", c.name));
            }
            let k = std::fs::read_to_string(dir.join(format!("k.{tag}.sysctl.txt"))).unwrap();
            let o = std::fs::read_to_string(dir.join(format!("o.{tag}.sysctl.txt"))).unwrap();
            assert_eq!(o, k, "{}: {tag}: the new links' disable_ipv6", c.name);
        }
    }
    // What the equalities covered, so that they cannot pass on two empty
    // namespaces.
    let plain = out.0.join("plain");
    ipvlan4_covered(&plain);
    ipvlan6_covered(&plain);
    encap_covered(&plain);
    ipvlan6_source(&plain);
    vrf_covered(&out.0.join("vrf"));
    vrf_moves_covered(&out.0.join("vrf"));
}

/// (source, VRID, priority) of each VRRP packet of a capture, as tshark
/// reads them; IPv4 or IPv6 sources.
fn adverts(pcap: &Path) -> Vec<(String, u64, u64)> {
    let o = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args([
            "-Y", "vrrp", "-T", "fields", "-e", "ip.src", "-e", "ipv6.src",
        ])
        .args(["-e", "vrrp.virt_rtr_id", "-e", "vrrp.prio"])
        .output()
        .expect("tshark");
    assert!(
        o.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let src = if f.first()?.is_empty() {
                f.get(1)?
            } else {
                f.first()?
            };
            Some((
                src.to_string(),
                f.get(2)?.parse().ok()?,
                f.get(3)?.parse().ok()?,
            ))
        })
        .collect()
}

/// The IPv6 ipvlan without an address (C6, `vrrp.19`): its only address is
/// the link-local one the kernel gave it (the same under both daemons, by
/// the equality of the dumps), not eth0's, and the adverts of VRID 19 carry
/// it. STEP1 deletes it (the instance goes to FAULT, keepalived
/// `down_instance`) and adds fe80::2, which becomes the source when the
/// instance comes back (docs/keepalived.md §3.24): under both daemons the
/// adverts of VRID 19, repeats folded, are the same, from the kernel's
/// address first and from fe80::2 last.
fn ipvlan6_source(dir: &Path) {
    let addrs = read(dir, "o.master.addr.json");
    let ll = locals(&addrs, "vrrp.19");
    assert!(
        ll.len() == 1 && ll[0].starts_with("fe80:"),
        "vrrp.19: {ll:?}"
    );
    let eth0_ll: Vec<String> = locals(&addrs, "eth0")
        .into_iter()
        .filter(|a| a.starts_with("fe80:"))
        .collect();
    assert!(!eth0_ll.contains(&ll[0]), "{eth0_ll:?}");
    let after = locals(&read(dir, "o.step1.addr.json"), "vrrp.19");
    assert_eq!(after, ["fe80::2"], "vrrp.19 after STEP1");
    let folded = |side: &str| {
        let mut out: Vec<(String, u64)> = Vec::new();
        for (src, vrid, prio) in adverts(&dir.join(format!("{side}.pcap"))) {
            if vrid == 19 && out.last() != Some(&(src.clone(), prio)) {
                out.push((src, prio));
            }
        }
        out
    };
    let (k, o) = (folded("k"), folded("o"));
    assert_eq!(o, k, "adverts of VRID 19 (vrrpd left, keepalived right)");
    assert_eq!(k.first(), Some(&(ll[0].clone(), 100)), "{k:?}");
    assert_eq!(k.last(), Some(&("fe80::2".to_string(), 100)), "{k:?}");
}

/// While the parents were out of `blue` (step1) the VMAC and the ipvlan
/// were out too and the VMAC's VIP route in the local table; once back
/// (step2) all of it is in `blue` and table 10 again (compared with
/// keepalived above).
fn vrf_moves_covered(dir: &Path) {
    let links = read(dir, "o.step1.link.json");
    for name in ["vrrp.30", "ipv31"] {
        let l = link(&links, name).unwrap_or_else(|| panic!("no {name}: {links}"));
        assert!(l["master"].is_null(), "{l}");
    }
    let r4 = read(dir, "o.step1.route4.json");
    let vip = |r4: &Value, table: &str| {
        r4.as_array()
            .unwrap()
            .iter()
            .any(|r| r["dst"] == "10.9.0.130" && r["table"] == table && r["dev"] == "vrrp.30")
    };
    assert!(vip(&r4, "local"), "{r4}");
    let links = read(dir, "o.step2.link.json");
    for name in ["vrrp.30", "ipv31"] {
        let l = link(&links, name).unwrap_or_else(|| panic!("no {name}: {links}"));
        assert_eq!(l["master"], "blue", "{l}");
    }
    assert!(vip(&read(dir, "o.step2.route4.json"), "10"));
}

/// The VMAC and the ipvlan enslaved to `blue`, the VIPs' and the virtual
/// routes in its table 10, none of it left after exit.
fn vrf_covered(dir: &Path) {
    let links = read(dir, "o.master.link.json");
    for name in ["vrrp.30", "ipv31"] {
        let l = link(&links, name).unwrap_or_else(|| panic!("no {name}: {links}"));
        assert_eq!(l["master"], "blue", "{l}");
    }
    let r4 = read(dir, "o.master.route4.json");
    for dst in ["10.30.0.0/16", "10.31.0.0/16"] {
        let r = route(&r4, dst).unwrap_or_else(|| panic!("no {dst}: {r4}"));
        assert_eq!(r["table"], "10", "{r}");
    }
    let vip_local = r4
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["dst"] == "10.9.0.130" && r["table"] == "10" && r["dev"] == "vrrp.30");
    assert!(vip_local, "{r4}");
    let after = read(dir, "o.stopped.route4.json");
    assert!(route(&after, "10.30.0.0/16").is_none(), "{after}");
    assert!(link(&read(dir, "o.stopped.link.json"), "vrrp.30").is_none());
}

/// L2 private ipvlans on eth0 with their own addresses, the VIPs on eth0
/// (keepalived 2.2.7 does not move them to the ipvlan), IPv6 off on the
/// ipvlans, and all of it gone after exit.
fn ipvlan4_covered(dir: &Path) {
    let links = read(dir, "o.master.link.json");
    for name in ["ipv7", "vrrp.8"] {
        let l = link(&links, name).unwrap_or_else(|| panic!("no {name}: {links}"));
        assert_eq!(l["link"], "eth0");
        assert_eq!(l["linkinfo"]["info_kind"], "ipvlan");
        assert_eq!(l["linkinfo"]["info_data"]["mode"], "l2");
        assert_eq!(l["linkinfo"]["info_data"]["private"], true);
    }
    let addrs = read(dir, "o.master.addr.json");
    assert_eq!(locals(&addrs, "ipv7"), ["10.9.0.11"]);
    assert_eq!(locals(&addrs, "vrrp.8"), ["10.9.0.12"]);
    let eth0 = locals(&addrs, "eth0");
    assert!(
        eth0.iter().any(|a| a == "10.9.0.100") && eth0.iter().any(|a| a == "10.9.0.101"),
        "{eth0:?}"
    );
    let sysctl = std::fs::read_to_string(dir.join("o.master.sysctl.txt")).unwrap();
    assert!(sysctl.starts_with("ipv7 1\nvrrp.8 1\n"), "{sysctl}");
    let after = read(dir, "o.stopped.link.json");
    assert!(link(&after, "ipv7").is_none() && link(&after, "vrrp.8").is_none());
}

/// IPv6 ipvlans of the given types with IPv6 on, the configured address on
/// each (next to the link-local address the kernel gives it), the VIPs on
/// eth0, all gone after exit.
fn ipvlan6_covered(dir: &Path) {
    let links = read(dir, "o.master.link.json");
    for (name, flag) in [("ipv17", "private"), ("vrrp.18", "private")] {
        let l = link(&links, name).unwrap_or_else(|| panic!("no {name}: {links}"));
        assert_eq!(l["link"], "eth0");
        assert_eq!(l["linkinfo"]["info_kind"], "ipvlan");
        assert_eq!(l["linkinfo"]["info_data"]["mode"], "l2");
        assert_eq!(l["linkinfo"]["info_data"][flag], true, "{l}");
    }
    let addrs = read(dir, "o.master.addr.json");
    assert!(
        locals(&addrs, "ipv17").contains(&"2001:db8:9::11".to_string()),
        "{addrs}"
    );
    assert!(
        locals(&addrs, "vrrp.18").contains(&"fe80::12".to_string()),
        "{addrs}"
    );
    let eth0 = locals(&addrs, "eth0");
    assert!(
        eth0.iter().any(|a| a == "2001:db8:9::100") && eth0.iter().any(|a| a == "2001:db8:9::101"),
        "{eth0:?}"
    );
    let sysctl = std::fs::read_to_string(dir.join("o.master.sysctl.txt")).unwrap();
    assert!(
        sysctl.ends_with("ipv17 0\nvrrp.18 0\nvrrp.19 0\n"),
        "{sysctl}"
    );
    let after = read(dir, "o.stopped.link.json");
    assert!(link(&after, "ipv17").is_none() && link(&after, "vrrp.18").is_none());
}

/// The MPLS and ILA routes installed with their encapsulations while
/// Master, and removed after exit. iproute2's JSON shows an MPLS route's
/// label stack under `dst`, in place of the destination.
fn encap_covered(dir: &Path) {
    let r4 = read(dir, "o.master.route4.json");
    let mpls: Vec<&Value> = r4
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["encap"] == "mpls")
        .collect();
    let labels: Vec<&Value> = mpls.iter().map(|r| &r["dst"]).collect();
    assert_eq!(labels, ["100/32", "300"], "{r4}");
    assert_eq!(mpls[1]["metric"], 7, "{r4}");
    let r6 = read(dir, "o.master.route6.json");
    let ila = route(&r6, "2001:db8:1:2:2000::/67").unwrap_or_else(|| panic!("no ila route: {r6}"));
    assert_eq!(ila["encap"], "ila", "{ila}");
    assert_eq!(ila["locator"], "2001:0:0:beef", "{ila}");
    // keepalived sends no csum-mode, ident-type or hook-type: the kernel's
    assert_eq!(
        (&ila["csum_mode"], &ila["ident_type"], &ila["hook_type"]),
        (&"no-action".into(), &"use-format".into(), &"output".into()),
        "{ila}"
    );
    for f in ["route4", "route6"] {
        let after = read(dir, &format!("o.stopped.{f}.json"));
        let left = after
            .as_array()
            .unwrap()
            .iter()
            .any(|r| !r["encap"].is_null());
        assert!(!left, "{after}");
    }
}

fn which(cmd: &str) -> String {
    let o = Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}
