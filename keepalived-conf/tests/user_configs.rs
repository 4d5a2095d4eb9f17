#![allow(clippy::unwrap_used)]
//! Configurations as users write them (tests/data/user/): a MySQL pair with the mistakes
//! found in real files (a `//` comment, an unfilled `VIP` placeholder, a checker missing
//! its `}`) and a tenant VIP with IPVS NAT. Exact diagnostics, and the valid parts (the
//! vrrp_instance) come out whole. keepalived 2.2.7's `-t` crashes (SIGSEGV) on such a
//! MySQL file.

use keepalived_conf::{LoadOptions, Parsed, VrrpState, load};
use std::path::Path;

fn user_config(name: &str) -> Parsed {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/user")
        .join(name);
    load(&p, &LoadOptions::default())
}

fn short(p: &Parsed) -> Vec<String> {
    // file names without the directory, for stable comparison
    let main = &p.sources.files[0].name;
    let dir = main
        .rsplit_once('/')
        .map_or(String::new(), |(d, _)| format!("{d}/"));
    p.short_diagnostics()
        .into_iter()
        .map(|l| l.replacen(&dir, "", 1))
        .collect()
}

const UNCLOSED: &str = "mysql-{}.conf:22:1: error: unclosed block `virtual_server VIP 3306` (line 22): missing `}` before end of file (hint: `TCP_CHECK` opened at line 31 is closed by the `}` at line 35 column 5, which is indented differently; `TCP_CHECK` is probably missing its `}`)";
const VIP: &str = "mysql-{}.conf:22:16: error: invalid virtual server address `VIP`; the virtual_server block is skipped (hint: `VIP` looks like a placeholder that was never filled in; write the service address, e.g. `virtual_server 192.0.2.1 3306`)";

fn check_mysql(p: &Parsed, which: &str, priority: u8) {
    assert!(p.has_errors());
    let c = &p.config;
    assert_eq!(c.global_defs.router_id.as_ref().unwrap().value, "MYSQL_HA");
    assert_eq!(c.vrrp_instances.len(), 1);
    let vi = &c.vrrp_instances[0];
    assert_eq!(vi.name.value, "VI_1");
    assert_eq!(vi.state.as_ref().unwrap().value, VrrpState::Backup);
    assert_eq!(vi.interface.as_ref().unwrap().value, "bond0");
    assert_eq!(vi.virtual_router_id.as_ref().unwrap().value, 32);
    assert_eq!(vi.priority.as_ref().unwrap().value, priority);
    assert_eq!(vi.advert_int.as_ref().unwrap().value.as_secs(), 1);
    assert!(vi.nopreempt.as_ref().unwrap().value);
    assert_eq!(
        vi.authentication
            .as_ref()
            .unwrap()
            .auth_pass
            .as_ref()
            .unwrap()
            .value,
        "1111"
    );
    assert_eq!(vi.virtual_ipaddress.len(), 1);
    assert_eq!(
        vi.virtual_ipaddress[0].address.value.to_string(),
        "192.168.143.32/32"
    );
    assert_eq!(vi.virtual_ipaddress[0].address.span.line, 19);
    assert!(
        c.virtual_servers.is_empty(),
        "the VS with address VIP is skipped"
    );
    let _ = which;
}

#[test]
fn mysql_master() {
    let p = user_config("mysql-master.conf");
    assert_eq!(
        short(&p),
        [
            "mysql-master.conf:12:21: warning: extra argument to `advert_int` ignored: `//interval,seconds` (hint: `//` does not start a comment in keepalived.conf; use `#` or `!`)".to_string(),
            UNCLOSED.replace("{}", "master"),
            VIP.replace("{}", "master"),
        ]
    );
    check_mysql(&p, "master", 100);
}

#[test]
fn mysql_backup() {
    let p = user_config("mysql-backup.conf");
    assert_eq!(
        short(&p),
        [
            UNCLOSED.replace("{}", "backup"),
            VIP.replace("{}", "backup")
        ]
    );
    check_mysql(&p, "backup", 90);
}

#[test]
fn tenant_vip_is_valid() {
    let p = user_config("tenant-vip.conf");
    assert_eq!(short(&p), Vec::<String>::new());
    let c = &p.config;
    let g = &c.global_defs;
    assert_eq!(g.vrrp_version.as_ref().unwrap().value, 3);
    assert_eq!(
        g.vrrp_iptables.as_ref().unwrap().value,
        ["KUBE-KEEPALIVED-VIP"]
    );
    let t = &g.lvs_timeouts.as_ref().unwrap().value;
    assert_eq!((t.tcp, t.tcpfin, t.udp), (Some(7200), Some(120), Some(300)));
    let sd = &g.lvs_sync_daemon.as_ref().unwrap().value;
    assert_eq!(
        (sd.interface.as_str(), sd.instance.as_deref()),
        ("bond0", Some("vips"))
    );
    let vi = &c.vrrp_instances[0];
    assert_eq!(vi.virtual_router_id.as_ref().unwrap().value, 33);
    assert_eq!(vi.track_interface[0].name, "bond0");
    let vs = &c.virtual_servers[0];
    assert_eq!(
        vs.key.value,
        keepalived_conf::VirtualServerKey::Address {
            ip: "192.168.143.33".parse().unwrap(),
            port: Some(5432)
        }
    );
    assert_eq!(vs.lvs_sched.as_ref().unwrap().value, "wlc");
    assert_eq!(vs.persistence_timeout.as_ref().unwrap().value, 7200);
    assert_eq!(vs.real_servers[0].weight.as_ref().unwrap().value, 1);
    assert!(vs.real_servers[0].checkers.is_empty());
}
