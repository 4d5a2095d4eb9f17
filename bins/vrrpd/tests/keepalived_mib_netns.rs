//! KEEPALIVED-MIB (`enable_snmp_vrrp`) served over AgentX, against
//! keepalived 2.2.7 (root, network namespaces, keepalived, snmpd and
//! snmpwalk installed; else `SKIPPED:`).
//!
//! Two namespaces, one running keepalived and one this build's vrrpd, each
//! with a veth pair (`eth0`/`eth1`) and its own snmpd (AgentX master on a
//! unix socket in a temporary directory, SNMP on 127.0.0.1 inside the
//! namespace). The same config in both: global settings that the global
//! scalars show (router id, SMTP server, sender, two addresses, alerts,
//! traps), a sync group of two instances with VIPs and an excluded VIP.
//! `snmpwalk -v2c -On` of KEEPALIVED-MIB's global subtree must be equal once
//! the version string (each daemon's own) is normalised; so must the walks
//! of vrrpSyncGroupTable (once the group is Master) and
//! vrrpSyncGroupMemberTable, and of vrrpInstanceTable once every instance
//! is Master (a third instance, VRRPv3 outside the group, with tracking,
//! notify scripts and the other settings the table shows), and of
//! vrrpAddressTable (VIPs with broadcast and label, an IPv6 and an IPv4
//! excluded VIP) once every VIP is set, except isAdvertised of the later
//! instances, where keepalived 2.2.7 is known to differ (docs/keepalived.md
//! §3.39; vrrpd's value is checked instead), and of the tracked interface
//! and script tables (weights given and inherited, reverse).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::netns::Daemon;
use common::snmp::SnmpLab;

const GLOBAL: &str = ".1.3.6.1.4.1.9586.100.5.1";
const SYNC_GROUPS: &str = ".1.3.6.1.4.1.9586.100.5.2.1";
const MEMBERS: &str = ".1.3.6.1.4.1.9586.100.5.2.2";
const INSTANCES: &str = ".1.3.6.1.4.1.9586.100.5.2.3";
const ADDRESSES: &str = ".1.3.6.1.4.1.9586.100.5.2.6";
const TRACKED_IFS: &str = ".1.3.6.1.4.1.9586.100.5.2.4";
const TRACKED_SCRIPTS: &str = ".1.3.6.1.4.1.9586.100.5.2.5";

/// A namespace with snmpd ([`SnmpLab`]): eth0 (10.9.0.1/24, a fixed MAC
/// address) and eth1 (10.9.1.1/24, tracked), each looped to a peer end.
fn setup(name: &str) -> SnmpLab {
    let s = SnmpLab::new(name, &["10.9.0.1/24", "10.9.1.1/24"]);
    s.ns.ip("link set eth0 address 02:00:00:5e:aa:01");
    s
}

fn config(sock: &std::path::Path) -> String {
    format!(
        "vrrp_script chk_ok {{\n script /bin/true\n weight 7\n}}\n\
         vrrp_script chk_rev {{\n script /bin/true\n weight -3 reverse\n}}\n\
         global_defs {{\n router_id snmp-test\n enable_snmp_vrrp\n enable_traps\n \
         snmp_socket unix:{}\n notification_email {{\n  a@b.c\n  d@e.f\n }}\n \
         notification_email_from x@y.z\n smtp_server 10.9.0.9 2525\n smtp_connect_timeout 12\n \
         smtp_alert_vrrp false\n dynamic_interfaces\n lvs_flush\n}}\n\
         vrrp_sync_group G {{\n group {{\n  V1\n  V2\n }}\n \
         notify_master \"/bin/echo master\"\n notify_stop /bin/true\n}}\n\
         vrrp_instance V1 {{\n state MASTER\n interface eth0\n virtual_router_id 51\n \
         priority 150\n advert_int 1\n virtual_ipaddress {{\n  10.9.0.100/32\n }}\n \
         virtual_ipaddress_excluded {{\n  10.9.0.200/32\n  fd00:9::200/64\n }}\n}}\n\
         vrrp_instance V2 {{\n state BACKUP\n interface eth0\n virtual_router_id 52\n \
         priority 100\n advert_int 1\n virtual_ipaddress {{\n  10.9.0.101/32\n }}\n}}\n\
         vrrp_instance V3 {{\n state BACKUP\n interface eth0\n virtual_router_id 53\n \
         version 3\n priority 120\n advert_int 0.5\n accept\n promote_secondaries\n \
         preempt_delay 2\n garp_master_delay 3\n smtp_alert\n \
         track_interface {{\n  eth1 weight -10\n  lo\n }}\n \
         track_script {{\n  chk_ok\n  chk_rev weight 5 reverse\n }}\n notify_master \"/bin/echo v3 master\"\n \
         notify /bin/true\n virtual_ipaddress {{\n  10.9.0.103/24 brd 10.9.0.255 label eth0:v3\n }}\n}}\n",
        sock.display()
    )
}

/// [`SnmpLab::walk_until`] with the daemon's version (in the global
/// table) written `VERSION`.
fn walk_until(s: &SnmpLab, root: &str, ready: &dyn Fn(&[String]) -> bool) -> Vec<String> {
    let version = format!("{GLOBAL}.1.0 = ");
    s.walk_until(root, ready)
        .into_iter()
        .map(|l| {
            if l.starts_with(&version) {
                format!("{version}VERSION")
            } else {
                l
            }
        })
        .collect()
}

#[test]
fn keepalived_mib_global_and_sync_groups_equal_keepalived() {
    if common::skip_netns_test_with_tools(
        "KEEPALIVED-MIB differential",
        Some("VRRPD_NETNS_TESTS"),
        "namespaces",
        &["keepalived", "snmpd", "snmpwalk", "ip"],
    ) {
        return;
    }
    let pid = std::process::id();
    let mut walks = Vec::new();
    for vrrpd in [false, true] {
        let s = setup(&format!("km-kmib{}-{pid}", if vrrpd { "v" } else { "k" }));
        let _daemon = s.start(&config(&s.agentx()), Daemon::of(vrrpd));
        let global = walk_until(&s, GLOBAL, &|w| w.len() >= 20);
        // both instances Master (alone on the link), so the group too
        let master = format!("{SYNC_GROUPS}.1.3.1 = INTEGER: 2");
        let groups = walk_until(&s, SYNC_GROUPS, &|w| w.contains(&master));
        let members = walk_until(&s, MEMBERS, &|w| w.len() >= 2);
        let v3 = format!("{INSTANCES}.1.4.3 = INTEGER: 2");
        let instances = walk_until(&s, INSTANCES, &|w| w.contains(&v3));
        // every instance's VIPs set
        let set = |w: &[String]| {
            ["1.1", "2.1", "3.1"]
                .iter()
                .all(|i| w.contains(&format!("{ADDRESSES}.1.10.{i} = INTEGER: 1")))
        };
        let addresses = walk_until(&s, ADDRESSES, &set);
        let mut tracking = walk_until(&s, TRACKED_IFS, &|w| w.len() >= 6);
        tracking.extend(walk_until(&s, TRACKED_SCRIPTS, &|w| w.len() >= 6));
        walks.push((global, groups, members, instances, addresses, tracking));
    }
    let (k, v) = (&walks[0], &walks[1]);
    eprintln!("keepalived sync group walk:\n{}", k.1.join("\n"));
    eprintln!("keepalived member walk:\n{}", k.2.join("\n"));
    assert!(k.1.len() >= 6, "short keepalived group walk: {:?}", k.1);
    assert_eq!(
        v.1, k.1,
        "sync group walks differ (left vrrpd, right keepalived)"
    );
    assert_eq!(
        k.2,
        [
            format!("{MEMBERS}.1.2.1.1 = STRING: \"V1\""),
            format!("{MEMBERS}.1.2.1.2 = STRING: \"V2\"")
        ]
    );
    assert_eq!(
        v.2, k.2,
        "member walks differ (left vrrpd, right keepalived)"
    );
    eprintln!("keepalived instance walk:\n{}", k.3.join("\n"));
    assert!(k.3.len() >= 60, "short keepalived instance walk: {:?}", k.3);
    assert_eq!(
        v.3, k.3,
        "instance walks differ (left vrrpd, right keepalived)"
    );
    eprintln!("keepalived address walk:\n{}", k.4.join("\n"));
    assert!(
        k.4.contains(&format!("{ADDRESSES}.1.11.1.2 = INTEGER: 2")),
        "the excluded VIP is not in keepalived's address walk: {:?}",
        k.4
    );
    // keepalived 2.2.7 says isAdvertised true only for the first
    // instance's VIPs (docs/keepalived.md §3.39); vrrpd for every VIP
    let later_adv = |l: &String| {
        l.starts_with(&format!("{ADDRESSES}.1.11."))
            && !l.starts_with(&format!("{ADDRESSES}.1.11.1."))
    };
    for i in ["2.1", "3.1"] {
        let l = format!("{ADDRESSES}.1.11.{i} = INTEGER: 1");
        assert!(v.4.contains(&l), "vrrpd: no {l}: {:?}", v.4);
    }
    let cut = |w: &[String]| {
        w.iter()
            .filter(|l| !later_adv(l))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        cut(&v.4),
        cut(&k.4),
        "address walks differ (left vrrpd, right keepalived)"
    );
    eprintln!("keepalived tracking walk:\n{}", k.5.join("\n"));
    assert!(k.5.len() >= 12, "short keepalived tracking walk: {:?}", k.5);
    assert_eq!(
        v.5, k.5,
        "tracking walks differ (left vrrpd, right keepalived)"
    );
    let (k, v) = (&k.0, &v.0);
    eprintln!("keepalived global walk:\n{}", k.join("\n"));
    assert!(k.len() >= 20, "short keepalived walk: {k:?}");
    assert!(
        k.contains(&format!("{GLOBAL}.3.5.1.2.2 = STRING: \"d@e.f\"")),
        "{k:?}"
    );
    assert_eq!(v, k, "global walks differ (left vrrpd, right keepalived)");
}
