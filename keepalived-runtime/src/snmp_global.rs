//! KEEPALIVED-MIB's `global` scalars (`keepalived.global`,
//! 1.3.6.1.4.1.9586.100.5.1), as keepalived 2.2.7 fills them from its
//! global settings (core/snmp.c `snmp_scalar`, `snmp_mail`), whichever
//! process registers them: the VRRP process when no checker process serves
//! SNMP, else the checker (vrrp_snmp.c `vrrp_handles_global_oid`,
//! check_snmp.c `check_snmp_agent_init`). vrrpd serves them with
//! `enable_snmp_vrrp`, lvsd with `enable_snmp_checker`
//! (docs/keepalived.md §3.39).

use std::net::IpAddr;

use agentx_subagent::table::{Table, truth};
use agentx_subagent::{Oid, Value};
use keepalived_conf::{GlobalDefs, Spanned};

/// `KEEPALIVED-MIB::global`.
pub const GLOBAL_ROOT: [u32; 10] = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 1];

/// The `global_defs` settings the scalars show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobalScalars {
    /// `router_id` (default: the host name).
    pub router_id: Option<String>,
    /// `smtp_server` host (an address or a name) and port (default 25).
    pub smtp_server: Option<(String, u16)>,
    /// `smtp_connect_timeout` in seconds (default 30 with a server, else 0).
    pub smtp_timeout: Option<u64>,
    /// `notification_email_from` (default `USER@HOST` with a server).
    pub email_from: Option<String>,
    /// `notification_email` addresses, in order.
    pub emails: Vec<String>,
    /// `no_email_faults`.
    pub no_email_faults: bool,
    /// `smtp_alert`, `smtp_alert_vrrp`, `smtp_alert_checker` (unset: None).
    pub smtp_alert: [Option<bool>; 3],
    /// `enable_traps`.
    pub traps: bool,
    /// `dynamic_interfaces`.
    pub dynamic_interfaces: bool,
    /// `lvs_flush`.
    pub lvs_flush: bool,
    /// `lvs_flush_onstop`.
    pub lvs_flush_onstop: bool,
}

impl GlobalScalars {
    /// The settings of `g`.
    pub fn of(g: &GlobalDefs) -> GlobalScalars {
        let flag = |o: &Option<Spanned<bool>>| o.as_ref().is_some_and(|s| s.value);
        let opt = |o: &Option<Spanned<bool>>| o.as_ref().map(|s| s.value);
        GlobalScalars {
            router_id: g.router_id.as_ref().map(|s| s.value.clone()),
            smtp_server: g
                .smtp_server
                .as_ref()
                .map(|s| (s.value.host.clone(), s.value.port.unwrap_or(25))),
            smtp_timeout: g.smtp_connect_timeout.as_ref().map(|d| d.value.as_secs()),
            email_from: g.notification_email_from.as_ref().map(|s| s.value.clone()),
            emails: g
                .notification_email
                .iter()
                .map(|s| s.value.clone())
                .collect(),
            no_email_faults: flag(&g.no_email_faults),
            smtp_alert: [
                opt(&g.smtp_alert),
                opt(&g.smtp_alert_vrrp),
                opt(&g.smtp_alert_checker),
            ],
            traps: g.enable_traps.is_some(),
            dynamic_interfaces: flag(&g.dynamic_interfaces),
            lvs_flush: flag(&g.lvs_flush),
            lvs_flush_onstop: flag(&g.lvs_flush_on_stop),
        }
    }
}

/// The host name (keepalived `get_local_name`: the default router_id,
/// `smtp_helo_name` and domain of the sender).
pub fn local_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The name of the user we run as (keepalived `set_default_email_from` uses
/// `getpwuid(getuid())`).
pub fn user_name() -> Option<String> {
    let uid = nix::unistd::Uid::current();
    nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|u| u.name)
}

/// RFC 4001 InetAddressType of the SMTP server: ipv4(1), else ipv6(2).
fn address_type(a: Option<IpAddr>) -> i32 {
    match a {
        Some(IpAddr::V4(_)) => 1,
        _ => 2,
    }
}

/// The three-valued `smtp_alert*` scalars: true(1), false(2), unset(3).
fn alert(v: Option<bool>) -> Value {
    Value::Integer(match v {
        Some(true) => 1,
        Some(false) => 2,
        None => 3,
    })
}

/// Adds the global scalars for `g` to `t`; `version` is the daemon's own
/// version string (keepalived's is `Keepalived v2.2.7 (...)`).
pub fn add(t: &mut Table, g: &GlobalScalars, version: &str) {
    let root = Oid::from(GLOBAL_ROOT);
    let mut scalar = |sub: &[u32], v: Value| t.insert(&root.child(sub), &[0], v);
    let text = |s: &str| Value::OctetString(s.as_bytes().to_vec());
    let host = local_name();
    // global_data.c `init_global_data`: router_id defaults to the host name
    scalar(&[1], text(version));
    scalar(&[2], text(g.router_id.as_deref().unwrap_or(&host)));
    // the server as an address: a name is not resolved (docs/keepalived.md
    // §3.39); no server shows an all-zero IPv4 address of type ipv6
    let server = g
        .smtp_server
        .as_ref()
        .map(|(h, p)| (h.parse::<IpAddr>().ok(), *p));
    let addr = server.and_then(|(a, _)| a);
    scalar(&[3, 1], Value::Integer(address_type(addr)));
    let bytes = match addr {
        Some(IpAddr::V6(a)) => a.octets().to_vec(),
        Some(IpAddr::V4(a)) => a.octets().to_vec(),
        None => vec![0; 4],
    };
    scalar(&[3, 2], Value::OctetString(bytes));
    // `set_default_smtp_connection_timeout` (30 s) only with a server
    let timeout = match (&server, g.smtp_timeout) {
        (_, Some(s)) => s,
        (Some(_), None) => 30,
        (None, None) => 0,
    };
    scalar(
        &[3, 3],
        Value::Gauge32(u32::try_from(timeout).unwrap_or(u32::MAX)),
    );
    // `set_default_email_from` only with a server
    let from = g.email_from.clone().or_else(|| {
        server.map(|_| format!("{}@{host}", user_name().unwrap_or_else(|| "root".into())))
    });
    if let Some(f) = from {
        scalar(&[3, 4], text(&f));
    }
    scalar(
        &[3, 6],
        Value::Gauge32(server.map_or(0, |(_, p)| u32::from(p))),
    );
    scalar(&[3, 7], truth(!g.no_email_faults));
    scalar(&[3, 8], alert(g.smtp_alert[0]));
    scalar(&[3, 9], alert(g.smtp_alert[1]));
    scalar(&[3, 10], alert(g.smtp_alert[2]));
    scalar(&[4], truth(g.traps));
    // linkBeat: polling(2) only with `linkbeat_use_polling`, an instance
    // setting keepalived does not reflect here; netlink(1)
    scalar(&[5], Value::Integer(1));
    scalar(&[6], truth(g.lvs_flush));
    // 64-bit IPVS counters: keepalived 2.2.7 as packaged says true
    scalar(&[7], truth(true));
    scalar(&[8], text(""));
    // D-Bus is served by neither daemon: false
    scalar(&[9], truth(false));
    scalar(&[10], truth(g.dynamic_interfaces));
    // lvsFlushOnStop: full(1), none(2), virtual servers only(3)
    scalar(
        &[11],
        Value::Integer(if g.lvs_flush_onstop { 1 } else { 2 }),
    );
    // emailTable: emailAddress.N, numbered from 1 in order
    let email = root.child(&[3, 5, 1, 2]);
    t.declare(&email);
    for (i, e) in g.emails.iter().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        t.insert(&email, &[n], text(e));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentx_subagent::MibView;

    fn get(t: &Table, sub: &str) -> Value {
        t.get(&format!("1.3.6.1.4.1.9586.100.5.1.{sub}").parse().unwrap())
    }

    #[test]
    fn scalars_without_and_with_a_server() {
        let mut t = Table::default();
        add(&mut t, &GlobalScalars::default(), "d v1");
        assert_eq!(get(&t, "1.0"), Value::OctetString(b"d v1".to_vec()));
        assert_eq!(get(&t, "3.1.0"), Value::Integer(2));
        assert_eq!(get(&t, "3.2.0"), Value::OctetString(vec![0; 4]));
        assert_eq!(get(&t, "3.3.0"), Value::Gauge32(0));
        assert_eq!(get(&t, "3.4.0"), Value::NoSuchObject);
        assert_eq!(get(&t, "3.8.0"), Value::Integer(3));
        assert_eq!(get(&t, "3.5.1.2.1"), Value::NoSuchInstance);
        let g = GlobalScalars {
            router_id: Some("r1".into()),
            smtp_server: Some(("10.9.0.9".into(), 2525)),
            smtp_timeout: Some(12),
            emails: vec!["a@b".into(), "c@d".into()],
            smtp_alert: [Some(false), Some(true), None],
            traps: true,
            ..GlobalScalars::default()
        };
        let mut t = Table::default();
        add(&mut t, &g, "d v1");
        assert_eq!(get(&t, "2.0"), Value::OctetString(b"r1".to_vec()));
        assert_eq!(get(&t, "3.1.0"), Value::Integer(1));
        assert_eq!(get(&t, "3.2.0"), Value::OctetString(vec![10, 9, 0, 9]));
        assert_eq!(get(&t, "3.3.0"), Value::Gauge32(12));
        assert_eq!(get(&t, "3.6.0"), Value::Gauge32(2525));
        assert_eq!(get(&t, "3.5.1.2.2"), Value::OctetString(b"c@d".to_vec()));
        assert_eq!(get(&t, "3.8.0"), Value::Integer(2));
        assert_eq!(get(&t, "3.9.0"), Value::Integer(1));
        assert_eq!(get(&t, "4.0"), Value::Integer(1));
        assert!(matches!(get(&t, "3.4.0"), Value::OctetString(_)));
    }

    #[test]
    fn read_from_global_defs() {
        let parsed = keepalived_conf::parse_str(
            "t.conf",
            "global_defs {\n router_id r\n smtp_server 10.0.0.9 2525\n enable_traps\n \
             smtp_alert_checker false\n lvs_flush\n notification_email {\n a@b\n }\n}\n",
            &keepalived_conf::LoadOptions::default(),
        );
        let g = GlobalScalars::of(&parsed.config.global_defs);
        assert_eq!(g.router_id.as_deref(), Some("r"));
        assert_eq!(g.smtp_server, Some(("10.0.0.9".into(), 2525)));
        assert_eq!(g.smtp_alert, [None, None, Some(false)]);
        assert!(g.traps && g.lvs_flush && !g.lvs_flush_onstop);
        assert_eq!(g.emails, vec!["a@b".to_string()]);
    }
}
