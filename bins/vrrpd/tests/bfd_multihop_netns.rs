//! vrrpd `track_bfd` on a multihop session (root, network namespaces, FRR's
//! bfdd; else `SKIPPED:`): vrrpd in `g5-vmh-a` tracks, with weight 0, a
//! `bfd_instance` with `multihop` and `max_hops 1` whose neighbor is FRR
//! in `g5-vmh-f`, one router (`g5-vmh-r`) away. The instance is FAULT until
//! the session is Up over UDP 4784 (FRR's `peer ... multihop`), then
//! MASTER (alone on its link); FRR's packets dropped by nftables put it
//! back in FAULT. keepalived 2.2.7 has no `multihop` (it would run the
//! session on 3784, which FRR's multihop peer does not listen on), so this
//! is checked against FRR rather than side by side.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::frr::Frr;
use common::netns::{Daemon, Lab, skip_differential, wait_until};
use common::shell;

use std::time::Duration;

const A: &str = "10.79.1.1";
const F: &str = "10.79.2.1";

fn conf() -> String {
    format!(
        "global_defs {{\n  router_id g5vmh\n}}\n\
         bfd_instance gw {{\n  neighbor_ip {F}\n  source_ip {A}\n  min_rx 100\n  min_tx 100\n  \
         multiplier 3\n  max_hops 1\n  multihop\n}}\n\
         vrrp_instance V {{\n  interface eth0\n  virtual_router_id 9\n  priority 100\n  \
         advert_int 1\n  track_bfd {{\n    gw\n  }}\n  virtual_ipaddress {{\n    10.79.1.100/24\n  }}\n}}\n"
    )
}

#[test]
fn track_bfd_on_a_multihop_session_to_frr() {
    if skip_differential(
        "vrrpd bfd_multihop_netns",
        &["/usr/lib/frr/bfdd", "/usr/lib/frr/zebra", "nft"],
    ) {
        return;
    }
    let mut lab = Lab::new("g5-vmh");
    let a = lab.add_ns("g5-vmh-a");
    let r = lab.add_ns("g5-vmh-r");
    let f = lab.add_ns("g5-vmh-f");
    lab.veth(&a, "eth0", &r, "eth0");
    lab.veth(&f, "eth0", &r, "eth1");
    lab.addr(&a, "eth0", &format!("{A}/24"));
    lab.addr(&r, "eth0", "10.79.1.254/24");
    lab.addr(&r, "eth1", "10.79.2.254/24");
    lab.addr(&f, "eth0", &format!("{F}/24"));
    lab.sysctl(&r, &["net.ipv4.ip_forward=1"]);
    shell(&format!("ip -n {a} route add default via 10.79.1.254"));
    shell(&format!("ip -n {f} route add default via 10.79.2.254"));

    let path = lab.write_conf("v", &conf());
    let mut v = lab.start(&a, Daemon::Vrrpd, &path, "v");
    let state = |lab: &Lab| -> Option<(String, String, bool)> {
        let st = lab.status("v")?;
        let inst = st["instances"][0]["state"].as_str()?.to_string();
        let s = &st["bfd"][0];
        Some((
            inst,
            s["local_state"].as_str()?.to_string(),
            s["multihop"].as_bool()?,
        ))
    };
    // No session yet: weight 0 keeps the instance in FAULT.
    wait_until(Duration::from_secs(10), "vrrpd FAULT before Up", || {
        state(&lab).is_some_and(|(i, _, _)| i == "FAULT")
    });
    let _frr = Frr::start(
        &lab,
        &f,
        &format!(
            "bfd\n peer {A} multihop local-address {F}\n  receive-interval 100\n  \
             transmit-interval 100\n  detect-multiplier 3\n !\n!\n"
        ),
    );
    // Up over 4784, then MASTER after Master_Down_Interval (about 3 s at
    // advert_int 1); 20 s allows for a loaded machine.
    wait_until(Duration::from_secs(20), "vrrpd MASTER after Up", || {
        state(&lab).is_some_and(|(i, s, m)| i == "MASTER" && s == "Up" && m)
    });
    let ports = shell(&format!("ip netns exec {a} ss -Hnlu"));
    assert!(ports.contains(":4784"), "{ports}");
    assert!(
        lab.log("v").contains("keepalived 2.2.8"),
        "no warning for `multihop`:\n{}",
        lab.log("v")
    );

    // FRR's packets dropped: the session fails and the instance goes FAULT.
    shell(&format!(
        "ip netns exec {f} nft add table inet g5 && \
         ip netns exec {f} nft 'add chain inet g5 out {{ type filter hook output priority 0; }}' && \
         ip netns exec {f} nft add rule inet g5 out udp dport 4784 drop"
    ));
    wait_until(
        Duration::from_secs(10),
        "vrrpd FAULT after the drop",
        || state(&lab).is_some_and(|(i, s, _)| i == "FAULT" && s != "Up"),
    );
    shell(&format!("ip netns exec {f} nft delete table inet g5"));
    wait_until(Duration::from_secs(20), "vrrpd MASTER again", || {
        state(&lab).is_some_and(|(i, s, _)| i == "MASTER" && s == "Up")
    });
    v.stop();
}
