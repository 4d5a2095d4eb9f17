//! `use_vmac` sysctls shared by two VMACs on one parent (docs/keepalived.md
//! §3.13, keepalived vrrp_if_config.c `reset_arp_config` counting the
//! VMACs on a parent), vrrpd alone in a network namespace.
//!
//! The router (`eth0`, a veth to a second namespace) runs VI_51 and VI_52,
//! both `use_vmac` on eth0, with all.rp_filter=2 before start. Running:
//! both VMACs up, eth0 arp_ignore=1 arp_filter=1, all.rp_filter 0 with its
//! old value copied onto eth0 and lo. A SIGHUP dropping VI_51 removes
//! vrrp.51 and keeps eth0's and all's settings for vrrp.52; one without any
//! `use_vmac` puts every value back as it was before start while vrrpd
//! runs; one with both again applies them again, and SIGTERM leaves no VMAC
//! and every sysctl as before start. Needs root; else `SKIPPED:`.
#![allow(clippy::unwrap_used)]

mod common;

use common::netns::{Daemon, Lab, wait_until};
use common::shell;

use std::time::Duration;

/// Room for a loaded machine: each step takes well under a second.
const WAIT: Duration = Duration::from_secs(10);

/// One instance, VRID `vrid`, with or without `use_vmac`.
fn instance(vrid: u8, vmac: bool) -> String {
    let vmac = if vmac { "use_vmac" } else { "" };
    format!(
        "vrrp_instance VI_{vrid} {{\n state BACKUP\n interface eth0\n {vmac}\n \
         virtual_router_id {vrid}\n priority 100\n advert_int 0.5\n \
         virtual_ipaddress {{\n  10.77.0.{vrid}\n }}\n}}\n"
    )
}

/// The configuration with `instances` (VRID, use_vmac).
fn conf(instances: &[(u8, bool)]) -> String {
    let mut c = "global_defs { router_id r }\n".to_string();
    for (vrid, vmac) in instances {
        c += &instance(*vrid, *vmac);
    }
    c
}

struct Router {
    lab: Lab,
    ns: String,
}

impl Router {
    fn sysctl(&self, dev: &str, key: &str) -> String {
        shell(&format!(
            "ip netns exec {} cat /proc/sys/net/ipv4/conf/{dev}/{key}",
            self.ns
        ))
        .trim()
        .to_string()
    }

    /// eth0's arp_ignore, arp_filter and rp_filter, lo's and all's
    /// rp_filter, one digit each.
    fn state(&self) -> String {
        [
            ("eth0", "arp_ignore"),
            ("eth0", "arp_filter"),
            ("eth0", "rp_filter"),
            ("lo", "rp_filter"),
            ("all", "rp_filter"),
        ]
        .iter()
        .map(|(dev, key)| self.sysctl(dev, key))
        .collect()
    }

    fn has_link(&self, dev: &str) -> bool {
        shell(&format!("ip -n {} -o link show", self.ns)).contains(&format!(" {dev}@"))
    }

    fn has_vip(&self, dev: &str, vip: &str) -> bool {
        self.has_link(dev)
            && shell(&format!("ip -n {} -o addr show dev {dev}", self.ns))
                .contains(&format!(" {vip}/"))
    }

    /// How many reloads vrrpd has logged as done.
    fn reloads(&self) -> usize {
        self.lab.log("r").matches("configuration reloaded").count()
    }
}

#[test]
fn shared_vmac_sysctls_stay_until_the_last_vmac_goes() {
    if common::skip_netns_test("vmac sysctl netns test", None, "namespaces, macvlan") {
        return;
    }
    let mut lab = Lab::new(&format!("nb-vmacsys-{}", std::process::id()));
    let ns = lab.add_ns(&format!("nb-vmacsys-r{}", std::process::id()));
    let b = lab.add_ns(&format!("nb-vmacsys-b{}", std::process::id()));
    lab.veth(&ns, "eth0", &b, "eth0");
    lab.addr(&ns, "eth0", "10.77.0.1/24");
    lab.sysctl(
        &ns,
        &[
            "net.ipv4.conf.all.rp_filter=2",
            "net.ipv4.conf.eth0.rp_filter=0",
            "net.ipv4.conf.lo.rp_filter=0",
            "net.ipv4.conf.eth0.arp_ignore=0",
            "net.ipv4.conf.eth0.arp_filter=0",
        ],
    );
    let r = Router { lab, ns };
    let before = r.state();
    assert_eq!(before, "00002", "before start");
    let both = conf(&[(51, true), (52, true)]);
    let path = r.lab.write_conf("r", &both);
    let mut vrrpd = r.lab.start_with(&r.ns, Daemon::Vrrpd, &path, "r", &["-D"]);
    let both_master = || r.has_vip("vrrp.51", "10.77.0.51") && r.has_vip("vrrp.52", "10.77.0.52");
    wait_until(WAIT, "both VMACs Master with their VIPs", both_master);
    // the sysctls are written around the VMACs' creation: polled
    wait_until(WAIT, "eth0 11 2, lo 2, all 0 while running", || {
        r.state() == "11220"
    });

    // SIGHUP and wait until vrrpd logs the reload as done
    let hup = |text: &str| {
        let n = r.reloads();
        r.lab.write_conf("r", text);
        vrrpd.signal("HUP");
        wait_until(WAIT, "the reload done", || r.reloads() > n);
    };

    hup(&conf(&[(52, true)]));
    wait_until(WAIT, "vrrp.51 removed", || !r.has_link("vrrp.51"));
    assert!(r.has_vip("vrrp.52", "10.77.0.52"), "vrrp.52 lost its VIP");
    assert_eq!(
        r.state(),
        "11220",
        "eth0's and all's settings kept for vrrp.52"
    );

    hup(&conf(&[(51, false), (52, false)]));
    wait_until(WAIT, "no VMAC left", || {
        !r.has_link("vrrp.51") && !r.has_link("vrrp.52")
    });
    wait_until(WAIT, "every sysctl as before start", || r.state() == before);

    hup(&both);
    wait_until(WAIT, "both VMACs back with their VIPs", both_master);
    wait_until(WAIT, "the settings applied again", || r.state() == "11220");

    vrrpd.stop();
    assert!(
        !r.has_link("vrrp.51") && !r.has_link("vrrp.52"),
        "a VMAC left after SIGTERM"
    );
    assert_eq!(
        r.state(),
        before,
        "every sysctl as before start after SIGTERM"
    );
}
