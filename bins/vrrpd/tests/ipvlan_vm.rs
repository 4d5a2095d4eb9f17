//! `use_ipvlan` against keepalived 2.2.7, in the test VM (root, qemu and
//! keepalived installed; else `SKIPPED:`; `VRRPD_VM_TESTS=0` disables it).
//!
//! This machine's kernel has no ipvlan driver, so `scripts/vm/run-in-vm.sh`
//! boots Debian's kernel and `tests/vm/ipvlan.sh` runs inside it: the same
//! config under keepalived in one network namespace and under this build's
//! vrrpd in another, two instances with `use_ipvlan` (a named one with an
//! address and prefix, a default-named one with a bare address, both
//! `private`). While both are Master, and again after SIGTERM,
//! `ip -j -d link`, `ip -j addr` (lifetimes dropped) and the ipvlans'
//! `disable_ipv6` must be equal in the two namespaces.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const CONF: &str = "global_defs {
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
";

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

fn read(dir: &Path, name: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{name} missing from the VM's output: {e}"));
    strip(serde_json::from_str(&text).unwrap())
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

struct OutDir(PathBuf);
impl Drop for OutDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn ipvlan_links_and_addresses_as_keepalived() {
    if common::skip_netns_test("use_ipvlan VM differential", Some("VRRPD_VM_TESTS"), "qemu") {
        return;
    }
    if !have("qemu-system-x86_64") || !have("keepalived") || !have("busybox") {
        eprintln!(
            "SKIPPED: use_ipvlan VM differential needs qemu-system-x86_64, busybox and keepalived"
        );
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = OutDir(std::env::temp_dir().join(format!("vw-ipvlan-vm-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&out.0);
    std::fs::create_dir_all(&out.0).unwrap();
    let conf = out.0.join("ipvlan.conf");
    std::fs::write(&conf, CONF).unwrap();
    let ip = ["/usr/bin/ip", "/bin/ip", "/sbin/ip"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("iproute2's ip");
    let res = Command::new(repo.join("scripts/vm/run-in-vm.sh"))
        .args(["--modules", "ipvlan", "--timeout", "300", "--file"])
        .arg(env!("CARGO_BIN_EXE_vrrpd"))
        .arg("--file")
        .arg(format!("{}:/usr/sbin/keepalived", which("keepalived")))
        // Not /bin/ip (busybox's) and not a name starting with `ip`:
        // iproute2 reads a command from the rest of its program name.
        .arg("--file")
        .arg(format!("{ip}:/usr/local/bin/ip"))
        .arg("--file")
        .arg(format!(
            "{}:/work/ipvlan.sh",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/vm/ipvlan.sh")
                .display()
        ))
        .arg("--file")
        .arg(format!("{}:/work/ipvlan.conf", conf.display()))
        .args(["--env", "NVIPS=2", "--out"])
        .arg(&out.0)
        .args(["--", "sh /work/ipvlan.sh /work/ipvlan.conf ipv7 vrrp.8"])
        .output()
        .unwrap();
    let console = String::from_utf8_lossy(&res.stdout);
    let tail: Vec<&str> = console.lines().rev().take(40).collect();
    assert!(
        res.status.success() && console.contains("done"),
        "VM run failed ({}):\n{}\n{}",
        res.status,
        tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        String::from_utf8_lossy(&res.stderr)
    );
    for tag in ["master", "stopped"] {
        for kind in ["link", "addr"] {
            let k = read(&out.0, &format!("k.{tag}.{kind}.json"));
            let o = read(&out.0, &format!("o.{tag}.{kind}.json"));
            assert_eq!(o, k, "{tag}: ip -j {kind} (vrrpd left, keepalived right)");
        }
        let k = std::fs::read_to_string(out.0.join(format!("k.{tag}.sysctl.txt"))).unwrap();
        let o = std::fs::read_to_string(out.0.join(format!("o.{tag}.sysctl.txt"))).unwrap();
        assert_eq!(o, k, "{tag}: the ipvlans' disable_ipv6");
    }
    // What the equality covered: L2 private ipvlans on eth0 with their own
    // addresses, the VIPs on eth0 (keepalived 2.2.7 does not move them to
    // the ipvlan), IPv6 off on the ipvlans, and all of it gone after exit.
    let links = read(&out.0, "o.master.link.json");
    for name in ["ipv7", "vrrp.8"] {
        let l = link(&links, name).unwrap_or_else(|| panic!("no {name}: {links}"));
        assert_eq!(l["link"], "eth0");
        assert_eq!(l["linkinfo"]["info_kind"], "ipvlan");
        assert_eq!(l["linkinfo"]["info_data"]["mode"], "l2");
        assert_eq!(l["linkinfo"]["info_data"]["private"], true);
    }
    let addrs = read(&out.0, "o.master.addr.json");
    assert_eq!(locals(&addrs, "ipv7"), ["10.9.0.11"]);
    assert_eq!(locals(&addrs, "vrrp.8"), ["10.9.0.12"]);
    let eth0 = locals(&addrs, "eth0");
    assert!(
        eth0.iter().any(|a| a == "10.9.0.100") && eth0.iter().any(|a| a == "10.9.0.101"),
        "{eth0:?}"
    );
    let sysctl = std::fs::read_to_string(out.0.join("o.master.sysctl.txt")).unwrap();
    assert_eq!(sysctl, "ipv7 1\nvrrp.8 1\n");
    let after = read(&out.0, "o.stopped.link.json");
    assert!(link(&after, "ipv7").is_none() && link(&after, "vrrp.8").is_none());
}

fn which(cmd: &str) -> String {
    let o = Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}
