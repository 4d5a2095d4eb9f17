//! KEEPALIVED-MIB's route, next hop and rule tables: vrrpRouteTable
//! (vrrp.7, vrrp_snmp.c `vrrp_snmp_route`), vrrpRouteNextHopTable (vrrp.11,
//! `vrrp_snmp_next_hop`) and vrrpRuleTable (vrrp.8, `vrrp_snmp_rule`).
//!
//! Rows are indexed as keepalived's `vrrp_header_ar_table` and
//! `vrrp_header_nh_table` number them: `static_routes`/`static_rules` as
//! instance 0, then every instance by its position in the config (from 1),
//! each entry by its position (from 1); next hops add the hop's position.
//! An entry's "set" column is the daemon's own record of whether the kernel
//! took it (keepalived's `set` flag, which vrrp_iproute.c `netlink_rtlist`
//! and vrrp_iprule.c `netlink_rulelist` turn on only on success): a static
//! entry from start, an instance's while it is Master; a refused one shows
//! false (docs/keepalived.md §3.40).

use std::net::IpAddr;

use agentx_subagent::{Oid, Value};
use keepalived_conf::{Encap, Route, Rule, RuleAction};

use super::keepalived::VRRP_ROOT;
use super::mib::{Table, truth};
use crate::daemon::status::Snapshot;
use crate::spec::snmp::GlobalScalars;

fn index(n: usize) -> u32 {
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

fn bytes(a: &IpAddr) -> Value {
    Value::OctetString(match a {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    })
}

fn text(s: &str) -> Value {
    Value::OctetString(s.as_bytes().to_vec())
}

/// RFC 4001 InetAddressType: ipv4(1), ipv6(2).
fn family(v6: bool) -> Value {
    Value::Integer(if v6 { 2 } else { 1 })
}

/// The index of interface `dev` (0 when unknown).
fn ifindex_of(dev: &str) -> i32 {
    std::fs::read_to_string(format!("/sys/class/net/{dev}/ifindex"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// InetScopeType of an RT_SCOPE_* number (core/snmp.c `snmp_scope`):
/// global 14, host 1, link 2, site 5, nowhere 0.
fn scope(s: Option<u8>) -> i32 {
    match s {
        Some(254) => 1,
        Some(253) => 2,
        Some(200) => 5,
        Some(255) => 0,
        _ => 14,
    }
}

/// vrrpRouteType (vrrp_snmp.c `vrrp_snmp_route`): multipath(2) with next
/// hops, else from the RTN_* type; unicast(1) otherwise.
fn route_type(r: &Route) -> i32 {
    if !r.nexthops.is_empty() {
        return 2;
    }
    match r.route_type {
        Some(6) => 3,   // blackhole
        Some(4) => 4,   // anycast
        Some(5) => 5,   // multicast
        Some(3) => 6,   // broadcast
        Some(7) => 7,   // unreachable
        Some(8) => 8,   // prohibit
        Some(9) => 9,   // throw
        Some(10) => 10, // nat
        Some(11) => 11, // xresolve
        _ => 1,
    }
}

/// One vrrpRouteTable row at `idx`.
fn route_row(t: &mut Table, idx: &[u32], r: &Route, set: bool) {
    let root = Oid::from(VRRP_ROOT);
    let col = |c: u32| root.child(&[7, 1, c]);
    // the address type: the destination's, else the source's, else IPv4
    let v6 =
        r.to.as_ref()
            .map(|p| p.addr.is_ipv6())
            .or(r.from.as_ref().map(|p| p.addr.is_ipv6()))
            .or(r.src.map(|a| a.is_ipv6()))
            .unwrap_or(false);
    t.insert(&col(2), idx, family(v6));
    if let Some(to) = &r.to {
        t.insert(&col(3), idx, bytes(&to.addr));
        t.insert(&col(4), idx, Value::Gauge32(u32::from(to.len)));
    }
    if let Some(via) = &r.via {
        t.insert(&col(5), idx, bytes(via));
    }
    // a second gateway: exactly one next hop (`via A or B`)
    if let [nh] = r.nexthops.as_slice()
        && let Some(via) = &nh.via
    {
        t.insert(&col(6), idx, bytes(via));
    }
    if let Some(src) = &r.src {
        t.insert(&col(7), idx, bytes(src));
    }
    t.insert(&col(8), idx, Value::Gauge32(r.metric.unwrap_or(0)));
    t.insert(&col(9), idx, Value::Integer(scope(r.scope)));
    t.insert(&col(10), idx, Value::Integer(route_type(r)));
    if let Some(dev) = &r.dev {
        t.insert(&col(11), idx, Value::Integer(ifindex_of(dev)));
        t.insert(&col(12), idx, text(dev));
    }
    t.insert(&col(13), idx, Value::Gauge32(r.table_id));
    t.insert(&col(14), idx, truth(set));
    if let Some(from) = &r.from {
        t.insert(&col(15), idx, bytes(&from.addr));
        t.insert(&col(16), idx, Value::Gauge32(u32::from(from.len)));
    }
    if let Some(tos) = r.tos {
        t.insert(&col(17), idx, Value::Gauge32(u32::from(tos)));
    }
    // keepalived's own protocol (RTPROT_KEEPALIVED, 18) unless one is
    // written, shown plus one
    let proto = r.protocol.unwrap_or(18);
    t.insert(&col(18), idx, Value::Integer(i32::from(proto) + 1));
    // ECN is a feature keepalived's parser never sets here; quickack
    // likewise shown false unless set (RTAX_QUICKACK, 15)
    t.insert(&col(19), idx, truth(false));
    let quickack = r.metrics.iter().any(|&(k, _)| k == 15);
    t.insert(&col(20), idx, truth(quickack));
    if let Some(e) = r.expires {
        t.insert(
            &col(21),
            idx,
            Value::Integer(i32::try_from(e).unwrap_or(i32::MAX)),
        );
    }
    route_metric_columns(t, idx, r);
    if let Some(c) = &r.congctl {
        t.insert(&col(42), idx, text(c));
    }
    // ICMPV6_ROUTER_PREF_LOW (3), _MEDIUM (0), _HIGH (1) as low(1),
    // medium(2), high(3); any other number 0
    if let Some(p) = r.pref {
        let v = match p {
            3 => 1,
            0 => 2,
            1 => 3,
            _ => 0,
        };
        t.insert(&col(43), idx, Value::Integer(v));
    }
    if let Some(realms) = r.realms.filter(|&r| r != 0) {
        t.insert(&col(44), idx, Value::Gauge32(realms & 0xFFFF));
        if realms & 0xFFFF_0000 != 0 {
            t.insert(&col(45), idx, Value::Gauge32(realms >> 16));
        }
    }
    if let Some(e) = &r.encap {
        encap_columns(t, idx, e);
    }
    // RTAX_FASTOPEN_NO_COOKIE (17)
    if let Some(v) = metric(r, 17) {
        t.insert(&col(55), idx, truth(v != 0));
    }
}

/// The RTAX_* metric `id` of `r`, when written.
fn metric(r: &Route, id: u16) -> Option<u32> {
    r.metrics.iter().find(|&&(k, _)| k == id).map(|&(_, v)| v)
}

/// vrrpRouteTable's metric columns 22 to 41 (vrrp_snmp.c `vrrp_snmp_route`):
/// each value when written, its lock (a TruthValue) beside it. rtt and
/// rttvar are kept in the kernel's units (1/8 and 1/4 ms) and shown in ms.
/// keepalived shows advmss (25) only when `hoplimit` is written (0 when
/// advmss is not), and its lock (26) when advmss is.
fn route_metric_columns(t: &mut Table, idx: &[u32], r: &Route) {
    let root = Oid::from(VRRP_ROOT);
    let col = |c: u32| root.child(&[7, 1, c]);
    let locked = |id: u16| truth(r.lock & (1 << id) != 0);
    // (value column, RTAX_*, divisor, lock column)
    let plain: [(u32, u16, u32, Option<u32>); 11] = [
        (22, 2, 1, Some(23)),  // mtu
        (24, 10, 1, None),     // hoplimit
        (27, 4, 8, Some(28)),  // rtt
        (29, 5, 4, Some(30)),  // rttvar
        (31, 9, 1, Some(32)),  // reordering
        (33, 3, 1, None),      // window
        (34, 7, 1, Some(35)),  // cwnd
        (36, 6, 1, Some(37)),  // ssthresh
        (38, 13, 1, Some(39)), // rto_min
        (40, 11, 1, None),     // initcwnd
        (41, 14, 1, None),     // initrwnd
    ];
    for (c, id, div, lock) in plain {
        if let Some(v) = metric(r, id) {
            t.insert(&col(c), idx, Value::Gauge32(v / div));
            if let Some(l) = lock {
                t.insert(&col(l), idx, locked(id));
            }
        }
    }
    // advmss (RTAX_ADVMSS 8) behind hoplimit's bit, as keepalived tests it
    if metric(r, 10).is_some() {
        t.insert(&col(25), idx, Value::Gauge32(metric(r, 8).unwrap_or(0)));
    }
    if metric(r, 8).is_some() {
        t.insert(&col(26), idx, locked(8));
    }
}

/// vrrpRouteEncapMplsLabels as keepalived 2.2.7 prints it: not the labels
/// but each label stack entry as the kernel takes it (the label shifted
/// 12 bits left, the bottom-of-stack bit 8 on the last), in network byte
/// order, read as a host-order number: on a little-endian host label 100
/// alone shows as 4195840.
fn mpls_text(labels: &[u32]) -> String {
    let n = labels.len();
    let entries: Vec<String> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let bos = if i + 1 == n { 1 << 8 } else { 0 };
            let entry = (l << 12) | bos;
            u32::from_ne_bytes(entry.to_be_bytes()).to_string()
        })
        .collect();
    entries.join("/")
}

/// vrrpRouteTable's encapsulation columns 46 to 54 (vrrp_snmp.c
/// `vrrp_snmp_encap`): the LWTUNNEL_ENCAP_* type plus one (mpls 2, ip 3,
/// ila 4, ip6 5), then what the type has.
fn encap_columns(t: &mut Table, idx: &[u32], e: &Encap) {
    let root = Oid::from(VRRP_ROOT);
    let col = |c: u32| root.child(&[7, 1, c]);
    match e {
        Encap::Mpls(labels) => {
            t.insert(&col(46), idx, Value::Integer(2));
            t.insert(&col(47), idx, text(&mpls_text(labels)));
        }
        Encap::Ip(ip) => {
            t.insert(&col(46), idx, Value::Integer(if ip.ipv6 { 5 } else { 3 }));
            if let Some(id) = ip.id {
                t.insert(&col(48), idx, Value::Counter64(id));
            }
            if let Some(a) = &ip.dst {
                t.insert(&col(49), idx, bytes(a));
            }
            if let Some(a) = &ip.src {
                t.insert(&col(50), idx, bytes(a));
            }
            if let Some(v) = ip.tos {
                t.insert(&col(51), idx, Value::Gauge32(u32::from(v)));
            }
            if let Some(v) = ip.ttl {
                t.insert(&col(52), idx, Value::Gauge32(u32::from(v)));
            }
            if let Some(v) = ip.flags {
                t.insert(&col(53), idx, Value::Gauge32(u32::from(v)));
            }
        }
        Encap::Ila(locator) => {
            t.insert(&col(46), idx, Value::Integer(4));
            t.insert(&col(54), idx, Value::Counter64(*locator));
        }
    }
}

/// vrrpRouteNextHopTable rows of route `idx` (route index, hop from 1).
/// The hop's encapsulation columns (10-18) stay empty: keepalived's
/// `vrrp_snmp_encap` serves them but matches the request against the route
/// table's column numbers, so 2.2.7 never shows a hop's `encap`
/// (docs/keepalived.md §3.40).
fn next_hop_rows(t: &mut Table, idx: &[u32], r: &Route) {
    let root = Oid::from(VRRP_ROOT);
    let col = |c: u32| root.child(&[11, 1, c]);
    for (h, nh) in r.nexthops.iter().enumerate() {
        let i = [idx[0], idx[1], index(h)];
        if let Some(via) = &nh.via {
            t.insert(&col(2), &i, family(via.is_ipv6()));
            t.insert(&col(3), &i, bytes(via));
        }
        if let Some(dev) = &nh.dev {
            t.insert(&col(4), &i, Value::Integer(ifindex_of(dev)));
            t.insert(&col(5), &i, text(dev));
        }
        // the weight as written (keepalived keeps it less one, shows it
        // plus one)
        if let Some(w) = nh.weight {
            t.insert(&col(6), &i, Value::Gauge32(u32::from(w)));
        }
        t.insert(&col(7), &i, truth(nh.onlink));
    }
}

/// FR_ACT_* of a rule's action.
fn action(a: RuleAction) -> i32 {
    match a {
        RuleAction::Table(_) | RuleAction::L3mdev => 1,
        RuleAction::Goto(_) => 2,
        RuleAction::Nop => 3,
        RuleAction::Blackhole => 6,
        RuleAction::Unreachable => 7,
        RuleAction::Prohibit => 8,
    }
}

/// One vrrpRuleTable row at `idx`.
fn rule_row(t: &mut Table, idx: &[u32], r: &Rule, set: bool) {
    let root = Oid::from(VRRP_ROOT);
    let col = |c: u32| root.child(&[8, 1, c]);
    // the obsolete direction columns: `to` before `from`
    let direction = match (&r.to, &r.from) {
        (Some(_), Some(_)) => "both",
        (Some(_), None) => "to",
        (None, Some(_)) => "from",
        (None, None) => "",
    };
    t.insert(&col(2), idx, text(direction));
    if let Some(a) = r.to.as_ref().or(r.from.as_ref()) {
        t.insert(&col(3), idx, family(a.addr.is_ipv6()));
        t.insert(&col(4), idx, bytes(&a.addr));
        t.insert(&col(5), idx, Value::Gauge32(u32::from(a.len)));
    }
    let table = match r.action {
        RuleAction::Table(n) => Some(n),
        _ => None,
    };
    if let Some(n) = table {
        t.insert(&col(6), idx, Value::Gauge32(n));
    }
    t.insert(&col(7), idx, truth(set));
    t.insert(&col(8), idx, truth(r.invert));
    for (c, a) in [(9, &r.to), (12, &r.from)] {
        if let Some(a) = a {
            t.insert(&col(c), idx, family(a.addr.is_ipv6()));
            t.insert(&col(c + 1), idx, bytes(&a.addr));
            t.insert(&col(c + 2), idx, Value::Gauge32(u32::from(a.len)));
        }
    }
    t.insert(&col(15), idx, Value::Gauge32(u32::from(r.tos)));
    if let Some(m) = r.fwmark {
        t.insert(&col(16), idx, Value::Gauge32(m));
    }
    if let Some(m) = r.fwmask {
        t.insert(&col(17), idx, Value::Gauge32(m));
    }
    if let Some(realms) = r.realms.filter(|&r| r != 0) {
        t.insert(&col(18), idx, Value::Gauge32(realms & 0xFFFF));
        if realms & 0xFFFF_0000 != 0 {
            t.insert(&col(19), idx, Value::Gauge32(realms >> 16));
        }
    }
    if let Some(i) = &r.iif {
        t.insert(&col(20), idx, text(i));
    }
    if let Some(o) = &r.oif {
        t.insert(&col(21), idx, text(o));
    }
    if let RuleAction::Goto(n) = r.action {
        t.insert(&col(22), idx, Value::Gauge32(n));
    }
    t.insert(&col(23), idx, Value::Integer(action(r.action)));
    if let Some(n) = table {
        t.insert(&col(24), idx, Value::Gauge32(n));
    }
    if let Some(p) = r.preference.filter(|&p| p != 0) {
        t.insert(&col(25), idx, Value::Gauge32(p));
    }
    if let Some(p) = r.suppress_prefixlength {
        t.insert(&col(26), idx, Value::Gauge32(p));
    }
    if let Some(id) = r.tunnel_id.filter(|&i| i != 0) {
        t.insert(&col(28), idx, Value::Gauge32((id >> 32) as u32));
        t.insert(&col(29), idx, Value::Gauge32((id & 0xFFFF_FFFF) as u32));
    }
    if let Some((a, b)) = r.uidrange {
        t.insert(&col(30), idx, Value::Gauge32(a));
        t.insert(&col(31), idx, Value::Gauge32(b));
    }
    if r.action == RuleAction::L3mdev {
        t.insert(&col(32), idx, Value::Integer(1));
    }
}

/// Adds vrrpRouteTable, vrrpRouteNextHopTable and vrrpRuleTable: the static
/// entries as instance 0, then each running instance's. Only the entries the
/// daemon holds have rows, numbered among themselves: a route dropped when
/// the configuration was applied (its `vrf NAME` not a VRF) has none and
/// moves the next ones up, as keepalived never lists it (vrrp_iproute.c
/// `alloc_route`).
pub fn add_routes(t: &mut Table, g: &GlobalScalars, snap: &Snapshot) {
    let root = Oid::from(VRRP_ROOT);
    for (table, cols) in [(7, 2..=55), (11, 2..=9), (8, 2..=32)] {
        for c in cols {
            t.declare(&root.child(&[table, 1, c]));
        }
    }
    let mut owners = vec![(
        0,
        &g.static_routes,
        &g.static_rules,
        &snap.static_routes_set,
        &snap.static_routes_held,
    )];
    for (n, spec) in g.instances.iter().enumerate() {
        if let Some(i) = snap.instances.iter().find(|i| i.name == spec.name) {
            owners.push((
                index(n),
                &spec.routes,
                &spec.rules,
                &i.routes_set,
                &i.routes_held,
            ));
        }
    }
    for (owner, routes, rules, set, held) in owners {
        let routes = routes.iter().filter(|r| held.contains(&r.span));
        for (m, r) in routes.enumerate() {
            let idx = [owner, index(m)];
            route_row(t, &idx, r, set.contains(&r.span));
            next_hop_rows(t, &idx, r);
        }
        let rules = rules.iter().filter(|r| held.contains(&r.span));
        for (m, r) in rules.enumerate() {
            rule_row(t, &[owner, index(m)], r, set.contains(&r.span));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentx_subagent::MibView;

    fn parse_route(words: &str) -> Route {
        let text = format!("static_routes {{\n {words}\n}}\n");
        let parsed =
            keepalived_conf::parse_str("t.conf", &text, &keepalived_conf::LoadOptions::default());
        parsed.config.static_routes.into_iter().next().unwrap()
    }

    /// A daemon holding every static entry of `g`.
    fn holding_all(g: &GlobalScalars) -> Snapshot {
        let mut snap = Snapshot::of(Vec::new());
        let routes = g.static_routes.iter().map(|r| r.span);
        snap.static_routes_held = routes
            .chain(g.static_rules.iter().map(|r| r.span))
            .collect();
        snap
    }

    #[test]
    fn static_rows_are_instance_zero_and_hops_numbered() {
        let g = GlobalScalars {
            static_routes: vec![
                parse_route("blackhole 10.2.0.0/24"),
                parse_route("10.3.0.0/24 nexthop via 10.0.0.1 weight 3 nexthop via 10.0.0.2"),
            ],
            ..GlobalScalars::default()
        };
        let mut t = Table::default();
        add_routes(&mut t, &g, &holding_all(&g));
        let get = |s: &str| t.get(&format!("1.3.6.1.4.1.9586.100.5.2.{s}").parse().unwrap());
        assert_eq!(get("7.1.10.0.1"), Value::Integer(3));
        assert_eq!(get("7.1.10.0.2"), Value::Integer(2));
        assert_eq!(get("7.1.13.0.1"), Value::Gauge32(254));
        assert_eq!(get("7.1.18.0.1"), Value::Integer(19));
        assert_eq!(get("7.1.12.0.1"), Value::NoSuchInstance);
        assert_eq!(get("11.1.3.0.2.2"), Value::OctetString(vec![10, 0, 0, 2]));
        assert_eq!(get("11.1.6.0.2.1"), Value::Gauge32(3));
        assert_eq!(get("11.1.6.0.2.2"), Value::NoSuchInstance);
    }

    #[test]
    fn set_column_is_what_the_kernel_took() {
        let text = "static_routes {\n 10.2.0.0/24 dev x\n 10.3.0.0/24 via 10.9.9.9\n}\n\
                    static_rules {\n from 10.4.0.0/24 table 7\n to 10.5.0.0/24 table 7\n}\n";
        let cfg =
            keepalived_conf::parse_str("t.conf", text, &keepalived_conf::LoadOptions::default())
                .config;
        let g = GlobalScalars {
            static_routes: cfg.static_routes.clone(),
            static_rules: cfg.static_rules.clone(),
            ..GlobalScalars::default()
        };
        // the first route and the second rule were taken, the others refused
        let mut snap = holding_all(&g);
        snap.static_routes_set = vec![cfg.static_routes[0].span, cfg.static_rules[1].span];
        let mut t = Table::default();
        add_routes(&mut t, &g, &snap);
        let get = |s: &str| t.get(&format!("1.3.6.1.4.1.9586.100.5.2.{s}").parse().unwrap());
        assert_eq!(get("7.1.14.0.1"), Value::Integer(1));
        assert_eq!(get("7.1.14.0.2"), Value::Integer(2));
        assert_eq!(get("8.1.7.0.1"), Value::Integer(2));
        assert_eq!(get("8.1.7.0.2"), Value::Integer(1));
    }

    #[test]
    fn metric_and_encap_columns_as_keepalived_shows_them() {
        let g = GlobalScalars {
            static_routes: vec![
                parse_route("10.4.0.0/24 dev x mtu lock 1400 rtt 300ms hoplimit 9"),
                parse_route("10.5.0.0/24 dev x advmss 1200 encap mpls 100/200"),
                parse_route("10.6.0.0/24 dev x encap ip id 5 dst 10.0.0.9 ttl 3"),
            ],
            ..GlobalScalars::default()
        };
        let mut t = Table::default();
        add_routes(&mut t, &g, &holding_all(&g));
        let get = |s: &str| t.get(&format!("1.3.6.1.4.1.9586.100.5.2.7.1.{s}").parse().unwrap());
        assert_eq!(get("22.0.1"), Value::Gauge32(1400));
        assert_eq!(get("23.0.1"), Value::Integer(1));
        // rtt in ms, though kept in 1/8 ms
        assert_eq!(get("27.0.1"), Value::Gauge32(300));
        assert_eq!(get("28.0.1"), Value::Integer(2));
        // advmss behind hoplimit: 0 there, absent without hoplimit
        assert_eq!(get("25.0.1"), Value::Gauge32(0));
        assert_eq!(get("25.0.2"), Value::NoSuchInstance);
        assert_eq!(get("26.0.2"), Value::Integer(2));
        assert_eq!(get("46.0.2"), Value::Integer(2));
        let labels = if cfg!(target_endian = "little") {
            "4195840/8457216"
        } else {
            "409600/819456"
        };
        assert_eq!(
            get("47.0.2"),
            Value::OctetString(labels.as_bytes().to_vec())
        );
        assert_eq!(get("46.0.3"), Value::Integer(3));
        assert_eq!(get("48.0.3"), Value::Counter64(5));
        assert_eq!(get("49.0.3"), Value::OctetString(vec![10, 0, 0, 9]));
        assert_eq!(get("52.0.3"), Value::Gauge32(3));
        assert_eq!(get("53.0.3"), Value::NoSuchInstance);
    }

    /// A route the daemon dropped (its VRF missing) has no row; the next one
    /// takes its index, as in keepalived's list.
    #[test]
    fn a_dropped_route_has_no_row_and_the_next_moves_up() {
        let text = "static_routes {\n 10.2.0.0/24 dev x vrf nosuch\n 10.3.0.0/24 dev y\n}\n";
        let cfg =
            keepalived_conf::parse_str("t.conf", text, &keepalived_conf::LoadOptions::default())
                .config;
        let g = GlobalScalars {
            static_routes: cfg.static_routes.clone(),
            ..GlobalScalars::default()
        };
        let mut snap = Snapshot::of(Vec::new());
        snap.static_routes_held = vec![cfg.static_routes[1].span];
        let mut t = Table::default();
        add_routes(&mut t, &g, &snap);
        let get = |s: &str| t.get(&format!("1.3.6.1.4.1.9586.100.5.2.{s}").parse().unwrap());
        assert_eq!(get("7.1.12.0.1"), Value::OctetString(b"y".to_vec()));
        assert_eq!(get("7.1.12.0.2"), Value::NoSuchInstance);
        assert_eq!(get("7.1.2.0.2"), Value::NoSuchInstance);
    }
}
