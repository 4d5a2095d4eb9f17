//! `virtual_routes` / `virtual_rules` of an instance and the top-level
//! `static_ipaddress` / `static_routes` / `static_rules`, turned into the
//! requests the daemon sends (docs/keepalived.md §3.31). Interface names stay
//! names here; the daemon resolves them when it installs an entry.

use keepalived_conf::{Config, Diagnostic, Span};
use keepalived_conf::{Encap, Route, RouteEncap, RouteMode, Rule, RuleAction};
use vrrp_linux::{AddMode, EncapSpec, LwtEncap, NexthopSpec, RouteSpec, RuleSpec};

use super::mapping::{VipSpec, not_acted_on};

/// RTPROT_KEEPALIVED (the protocol of every route and rule keepalived tracks).
pub const RTPROT_KEEPALIVED: u8 = vrrp_linux::route::RTPROT_KEEPALIVED;

/// keepalived's first automatic rule preference, counted down per family
/// (`vrrp_iprule.c RULE_START_PRIORITY`).
const RULE_START_PRIORITY: u32 = 16384;

/// One route to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteConf {
    /// The request, without interface indexes.
    pub spec: RouteSpec,
    /// `dev IF`.
    pub dev: Option<String>,
    /// The `dev` of each nexthop, in order.
    pub nexthop_devs: Vec<Option<String>>,
    /// `add` / `append` / `prepend`.
    pub mode: AddMode,
    /// Watched for deletion: no `no_track`, and a `dev` (keepalived
    /// `alloc_route` does not track a route without an interface).
    pub tracked: bool,
    /// The entry as written (for logs).
    pub text: String,
    /// `vrf NAME`: [`RouteSpec::table`] is to be the VRF's table, looked up
    /// on the host when the configuration is applied.
    pub vrf: Option<String>,
    /// Where it is written (names its vrrpRouteTable row).
    pub span: Span,
}

/// One policy rule to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleConf {
    /// The request.
    pub spec: RuleSpec,
    /// The preference was not written: keepalived numbered it.
    pub auto_priority: bool,
    /// Where it is written (automatic preferences go in file order).
    pub span: Span,
    /// Watched for deletion: no `no_track`.
    pub tracked: bool,
    /// The entry as written (for logs).
    pub text: String,
}

/// `static_ipaddress`, `static_routes` and `static_rules`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaticSpec {
    /// Addresses, each with its interface.
    pub addresses: Vec<StaticAddress>,
    /// Routes.
    pub routes: Vec<RouteConf>,
    /// Rules.
    pub rules: Vec<RuleConf>,
}

/// A `static_ipaddress` entry and the interface it goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticAddress {
    /// Its `dev`, else global `default_interface`, else keepalived's
    /// default [`DEFAULT_INTERFACE`].
    pub dev: String,
    /// The address and its options; its `dev` is the one above (taken out:
    /// always `None` here).
    pub addr: VipSpec,
}

/// The keepalived default of `default_interface` (global_data.c).
pub const DEFAULT_INTERFACE: &str = "eth0";

fn untyped_warning(span: Span, what: &str, text: &str) -> Diagnostic {
    not_acted_on(
        span,
        &format!("{what} option `{text}`"),
        "set it; vrrpd installs the entry without it",
    )
}

/// The encap `flags` as keepalived 2.2.7 puts them on the wire: vrrp_iproute.c
/// `add_encap_ip` writes the number in host byte order where the kernel reads
/// network order (found with the kernel's route: `flags 1` does not give
/// `csum`). [`EncapSpec::flags`] is sent in network order, so the value is
/// given byte-swapped on a little-endian host.
fn keepalived_encap_flags(f: u16) -> u16 {
    u16::from_be_bytes(f.to_ne_bytes())
}

/// A route's encapsulation as keepalived's vrrp_iproute.c `add_encap` sends
/// it (`add_encap_ip`, `add_encap_ip6`, `add_encap_mpls`, `add_encap_ila`).
fn lwt_encap(e: &Encap) -> LwtEncap {
    match e {
        Encap::Ip(e) => LwtEncap::Ip(EncapSpec {
            ipv6: e.ipv6,
            id: e.id,
            dst: e.dst,
            src: e.src,
            tos: e.tos,
            ttl: e.ttl,
            flags: e.flags.map(keepalived_encap_flags),
        }),
        Encap::Mpls(labels) => LwtEncap::Mpls(labels.clone()),
        Encap::Ila(locator) => LwtEncap::Ila(*locator),
    }
}

/// One `virtual_routes` / `static_routes` entry (keepalived `alloc_route`,
/// `netlink_route`).
pub fn map_route(r: &Route, diags: &mut Vec<Diagnostic>) -> Option<RouteConf> {
    let to = r.to?;
    for u in &r.untyped {
        diags.push(untyped_warning(u.span, "route", &u.value));
    }
    // A tracked route (no `no_track`) always gets RTPROT_KEEPALIVED; keepalived
    // resets another protocol with a message.
    let protocol = match (r.no_track, r.protocol) {
        (false, Some(p)) if p != RTPROT_KEEPALIVED => {
            diags.push(Diagnostic::warning(
                "route-protocol",
                r.span,
                format!(
                    "route cannot be tracked if protocol is not RTPROT_KEEPALIVED({RTPROT_KEEPALIVED}), \
                     resetting protocol (add `no_track` to keep protocol {p})"
                ),
            ));
            RTPROT_KEEPALIVED
        }
        (true, Some(p)) => p,
        _ => RTPROT_KEEPALIVED,
    };
    if let Some(Encap::Ip(RouteEncap { flags: Some(f), .. })) = r.encap {
        diags.push(Diagnostic::warning(
            "route-encap-flags",
            r.span,
            format!(
                "encap flags {f} are sent in host byte order, as keepalived 2.2.7 sends them \
                 (the kernel reads {})",
                u16::from_be_bytes(f.to_ne_bytes())
            ),
        ));
    }
    // vrrp_iproute.c add_nexthop hands `add_encap` the attribute's current
    // length as its room, so every attribute of a hop's encapsulation is
    // refused and the hop goes out without it: keepalived 2.2.7 parses a
    // nexthop's `encap` and never installs it. vrrpd installs the same and
    // says so (docs/keepalived.md §3.31).
    for (n, nh) in r.nexthops.iter().enumerate() {
        if nh.encap.is_some() {
            diags.push(Diagnostic::warning(
                "route-nexthop-encap",
                r.span,
                format!(
                    "the encap of nexthop {} is not installed: keepalived 2.2.7 sends the \
                     nexthop without it",
                    n + 1
                ),
            ));
        }
    }
    let spec = RouteSpec {
        ipv6: r.ipv6,
        dst: to.addr,
        dst_len: to.len,
        table: r.table_id,
        route_type: r.route_type,
        scope: r.scope,
        protocol,
        tos: r.tos.unwrap_or(0),
        pref_src: r.src,
        src: r.from.map(|p| (p.addr, p.len)),
        gateway: r.via,
        oif: None,
        metric: r.metric,
        onlink: r.onlink,
        metrics: r.metrics.clone(),
        lock: r.lock,
        pref: r.pref,
        nexthops: r
            .nexthops
            .iter()
            .map(|n| NexthopSpec {
                gateway: n.via,
                ifindex: None,
                weight: n.weight,
                onlink: n.onlink,
                encap: None,
            })
            .collect(),
        congctl: r.congctl.clone(),
        realms: r.realms,
        expires: r.expires,
        encap: r.encap.as_ref().map(lwt_encap),
        // vrrp_iproute.c alloc_route/netlink_route: `enabled` sends 1, anything
        // else 0 (the kernel's "default", not its "disabled", 2)
        ttl_propagate: r.ttl_propagate.map(u8::from),
    };
    Some(RouteConf {
        spec,
        dev: r.dev.clone(),
        nexthop_devs: r.nexthops.iter().map(|n| n.dev.clone()).collect(),
        mode: match r.mode {
            RouteMode::Add => AddMode::Exclusive,
            RouteMode::Append => AddMode::Append,
            _ => AddMode::Prepend,
        },
        tracked: !r.no_track && r.dev.is_some(),
        text: r.words.join(" "),
        vrf: r.vrf.clone(),
        span: r.span,
    })
}

/// One `virtual_rules` / `static_rules` entry (keepalived `alloc_rule`,
/// `netlink_rule`); an unset preference is numbered later by
/// [`number_rules`].
pub fn map_rule(r: &Rule, diags: &mut Vec<Diagnostic>) -> RuleConf {
    for u in &r.untyped {
        diags.push(untyped_warning(u.span, "rule", &u.value));
    }
    let (action, table, goto, l3mdev) = match r.action {
        RuleAction::Table(t) => (1, t, None, false),
        RuleAction::Goto(t) => (2, 0, Some(t), false),
        RuleAction::Nop => (3, 0, None, false),
        RuleAction::Blackhole => (6, 0, None, false),
        RuleAction::Unreachable => (7, 0, None, false),
        RuleAction::Prohibit => (8, 0, None, false),
        RuleAction::L3mdev => (1, 0, None, true),
    };
    let protocol = match (r.no_track, r.protocol) {
        (false, Some(p)) if p != RTPROT_KEEPALIVED => {
            diags.push(Diagnostic::warning(
                "rule-protocol",
                r.span,
                format!(
                    "rule cannot be tracked if protocol is not RTPROT_KEEPALIVED({RTPROT_KEEPALIVED}), \
                     resetting protocol (add `no_track` to keep protocol {p})"
                ),
            ));
            Some(RTPROT_KEEPALIVED)
        }
        (false, _) => Some(RTPROT_KEEPALIVED),
        (true, p) => p,
    };
    let zero = |v6: bool| -> std::net::IpAddr {
        if v6 {
            std::net::Ipv6Addr::UNSPECIFIED.into()
        } else {
            std::net::Ipv4Addr::UNSPECIFIED.into()
        }
    };
    // `from all` / `to default` still send an all-zero address with length 0.
    let any = |p: Option<keepalived_conf::values::IpPrefix>, written: bool| {
        p.map(|p| (p.addr, p.len))
            .or(written.then(|| (zero(r.ipv6), 0)))
    };
    let has = |k: &str| r.words.iter().any(|w| w == k);
    // keepalived 2.2.7 reads 64 bits but installs only the low 32 (found
    // with the kernel's rule: 5000000000 becomes 705032704, 2^32 none at
    // all; docs/keepalived.md §3.31); vrrpd installs the same and says so.
    let tun_id = r.tunnel_id.map(|id| id & u64::from(u32::MAX));
    if let Some(id) = r.tunnel_id.filter(|id| *id > u64::from(u32::MAX)) {
        diags.push(Diagnostic::warning(
            "rule-tunnel-id",
            r.span,
            format!(
                "tunnel-id {id} is installed as {} (the low 32 bits), as keepalived 2.2.7 does",
                id & u64::from(u32::MAX)
            ),
        ));
    }
    RuleConf {
        spec: RuleSpec {
            ipv6: r.ipv6,
            action,
            table,
            goto,
            invert: r.invert,
            from: any(r.from, has("from")),
            to: any(r.to, has("to")),
            priority: r.preference.unwrap_or(0),
            tos: r.tos,
            fwmark: r.fwmark,
            fwmask: r.fwmask,
            iif: r.iif.clone(),
            oif: r.oif.clone(),
            uidrange: r.uidrange,
            suppress_prefixlength: r.suppress_prefixlength,
            l3mdev,
            protocol,
            realms: r.realms,
            suppress_ifgroup: r.suppress_ifgroup,
            ipproto: r.ipproto,
            sport: r.sport,
            dport: r.dport,
            tun_id,
        },
        auto_priority: r.preference.is_none(),
        span: r.span,
        tracked: !r.no_track,
        text: r.words.join(" "),
    }
}

/// Gives rules without a preference keepalived's numbers: 16384 counting down,
/// per family, in the order the rules are written in the configuration
/// (`vrrp_iprule.c alloc_rule`, `next_rule_priority_ipv4/6`).
pub fn number_rules<'a>(rules: impl IntoIterator<Item = &'a mut RuleConf>) {
    let mut all: Vec<&mut RuleConf> = rules.into_iter().filter(|r| r.auto_priority).collect();
    all.sort_by_key(|r| r.span);
    let (mut v4, mut v6) = (RULE_START_PRIORITY, RULE_START_PRIORITY);
    for r in all {
        let next = if r.spec.ipv6 { &mut v6 } else { &mut v4 };
        r.spec.priority = *next;
        *next = next.saturating_sub(1);
    }
}

/// The top-level static entries.
pub fn map_statics(cfg: &Config, diags: &mut Vec<Diagnostic>) -> StaticSpec {
    let mut s = StaticSpec::default();
    // global_defs `default_interface` (keepalived `default_interface_handler`):
    // where a static address without `dev` goes.
    let default_if = cfg
        .global_defs
        .default_interface
        .as_ref()
        .map_or(DEFAULT_INTERFACE, |d| d.value.as_str());
    for a in &cfg.static_ipaddress {
        if let Some(mut addr) = super::mapping::map_vip(a, diags) {
            let dev = addr.dev.take().unwrap_or_else(|| default_if.to_string());
            s.addresses.push(StaticAddress { dev, addr });
        }
    }
    s.routes = cfg
        .static_routes
        .iter()
        .filter_map(|r| map_route(r, diags))
        .collect();
    s.rules = cfg
        .static_rules
        .iter()
        .map(|r| map_rule(r, diags))
        .collect();
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Config {
        keepalived_conf::parse_str("t.conf", text, &keepalived_conf::LoadOptions::default()).config
    }

    #[test]
    fn statics_and_numbering() {
        let c = cfg("static_ipaddress {\n 192.0.2.9/24 dev lo\n 192.0.2.10\n}\n\
             static_routes {\n 10.9.0.0/16 via 192.0.2.1 dev lo metric 5 table 100 protocol static\n \
             blackhole 10.8.0.0/16 no_track protocol static\n}\n\
             static_rules {\n from 10.1.0.0/16 table 100\n from 2001:db8::/64 table 100\n \
             from 10.2.0.0/16 table 100\n to 10.3.0.0/16 table 100 preference 7\n}\n");
        let mut d = Vec::new();
        let mut s = map_statics(&c, &mut d);
        number_rules(s.rules.iter_mut());
        assert_eq!(s.addresses.len(), 2);
        assert_eq!(s.addresses[1].dev, "eth0");
        assert_eq!(s.routes[0].spec.protocol, RTPROT_KEEPALIVED);
        assert_eq!(s.routes[0].spec.metric, Some(5));
        assert_eq!(s.routes[0].spec.table, 100);
        assert_eq!(s.routes[1].spec.protocol, 4);
        assert_eq!(s.routes[1].spec.route_type, Some(6));
        assert!(d.iter().any(|d| d.message.contains("resetting protocol")));
        let prios: Vec<u32> = s.rules.iter().map(|r| r.spec.priority).collect();
        assert_eq!(prios, [16384, 16384, 16383, 7]);
        assert_eq!(s.rules[0].spec.protocol, Some(RTPROT_KEEPALIVED));
        assert_eq!(s.rules[0].spec.table, 100);
    }

    /// `default_interface` is where a static address without `dev` goes.
    #[test]
    fn default_interface_places_static_addresses() {
        let c = cfg("global_defs {\n default_interface lo\n}\n\
             static_ipaddress {\n 192.0.2.10\n 192.0.2.11 dev eth1\n}\n");
        let mut d = Vec::new();
        let s = map_statics(&c, &mut d);
        let devs: Vec<&str> = s.addresses.iter().map(|a| a.dev.as_str()).collect();
        assert_eq!(devs, ["lo", "eth1"]);
        assert!(s.addresses.iter().all(|a| a.addr.dev.is_none()));
    }

    /// vrrp_iprule.c netlink_rule as keepalived 2.2.7 behaves: FRA_TUN_ID
    /// carries the low 32 bits of `tunnel-id`, reported when that loses bits.
    #[test]
    fn rule_tunnel_id_keeps_keepalived_low_32_bits() {
        let c = cfg("static_rules {\n from 10.1.0.0/16 tunnel-id 7 table 5\n \
                     from 10.2.0.0/16 tunnel-id 5000000000 table 5\n}\n");
        let mut d = Vec::new();
        let s = map_statics(&c, &mut d);
        let ids: Vec<Option<u64>> = s.rules.iter().map(|r| r.spec.tun_id).collect();
        assert_eq!(ids, [Some(7), Some(705_032_704)]);
        let text: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            text,
            [
                "tunnel-id 5000000000 is installed as 705032704 (the low 32 bits), as keepalived 2.2.7 does"
            ]
        );
    }

    /// vrrp_iproute.c add_nexthop: a hop's `encap` is not installed, as
    /// keepalived 2.2.7 sends none (warned); the route's is.
    #[test]
    fn nexthop_encap_is_not_installed_as_keepalived() {
        let c = cfg("static_routes {\n 10.1.0.0/16 encap ip id 4 dst 10.9.0.4 \
                     nexthop via 10.9.0.1 dev lo encap ip id 5 dst 10.9.0.5 \
                     nexthop via 10.9.0.2 dev lo\n}\n");
        let mut d = Vec::new();
        let s = map_statics(&c, &mut d);
        let spec = &s.routes[0].spec;
        assert!(matches!(spec.encap, Some(LwtEncap::Ip(_))), "{spec:?}");
        assert_eq!(spec.nexthops.len(), 2);
        assert!(spec.nexthops.iter().all(|n| n.encap.is_none()), "{spec:?}");
        let warned: Vec<&str> = d
            .iter()
            .filter(|d| d.code == "route-nexthop-encap")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            warned,
            [
                "the encap of nexthop 1 is not installed: keepalived 2.2.7 sends the nexthop without it"
            ]
        );
    }

    /// vrrp_iproute.c add_encap: the encapsulation is installed; `ip`
    /// flags go out in host byte order as keepalived sends them (reported);
    /// `mpls` and `ila` are installed; an `encap` keepalived would report
    /// (a third label) stays warned as not acted on.
    #[test]
    fn route_encap_as_keepalived_sends_it() {
        let c = cfg(
            "static_routes {\n 10.1.0.0/16 encap ip id 5 dst 10.9.0.5 flags 1 dev lo\n \
                     10.2.0.0/16 encap mpls 100/200/300 dev lo\n \
                     10.3.0.0/16 encap mpls 100/0x20 dev lo\n \
                     2001:db8:1:2:2000::/67 encap ila 1:2:3:4 dev lo\n}\n",
        );
        let mut d = Vec::new();
        let s = map_statics(&c, &mut d);
        let Some(LwtEncap::Ip(e)) = s.routes[0].spec.encap.clone() else {
            panic!("{:?}", s.routes[0].spec.encap)
        };
        assert_eq!((e.id, e.dst), (Some(5), Some("10.9.0.5".parse().unwrap())));
        assert_eq!(e.flags, Some(u16::from_be_bytes(1u16.to_ne_bytes())));
        assert!(s.routes[1].spec.encap.is_none());
        assert_eq!(s.routes[2].spec.encap, Some(LwtEncap::Mpls(vec![100, 32])));
        assert_eq!(
            s.routes[3].spec.encap,
            Some(LwtEncap::Ila(0x0001_0002_0003_0004))
        );
        let text: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert!(
            text.iter()
                .any(|m| m.contains("encap flags 1 are sent in host byte order")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|m| m.contains("route option `encap mpls 100/200/300`")),
            "{text:?}"
        );
        assert_eq!(text.len(), 2, "{text:?}");
    }

    #[test]
    fn what_is_not_acted_on_is_warned_by_name() {
        let c = cfg(
            "static_routes {\n 10.9.0.0/16 dev lo vrf red track_group g\n}\n\
             vrrp_instance A {\n interface lo\n virtual_router_id 1\n\
             virtual_ipaddress {\n 192.0.2.1\n }\n\
             virtual_routes {\n 10.8.0.0/16 dev lo no_track\n 10.7.0.0/16 via 192.0.2.9 dev lo\n }\n\
             virtual_rules {\n from 10.1.0.0/16 table 5 priority 3 no_track\n }\n}\n",
        );
        let mut d = Vec::new();
        map_statics(&c, &mut d);
        let text: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert!(
            text.iter()
                .any(|m| m.contains("route option `track_group g`")),
            "{text:?}"
        );
        // `vrf` is acted on (the VRF's table, daemon::routes)
        assert!(!text.iter().any(|m| m.contains("vrf")), "{text:?}");
        let s = map_statics(&c, &mut Vec::new());
        assert_eq!(s.routes[0].vrf.as_deref(), Some("red"));
        // watching deleted entries is acted on: no warning about it
        assert!(!text.iter().any(|m| m.contains("watching")), "{text:?}");
        let vi = &c.vrrp_instances[0];
        let routes: Vec<RouteConf> = vi
            .virtual_routes
            .iter()
            .filter_map(|r| map_route(r, &mut d))
            .collect();
        // `no_track`, then a route with `dev`
        assert_eq!(
            routes.iter().map(|r| r.tracked).collect::<Vec<_>>(),
            [false, true]
        );
        assert!(!map_rule(&vi.virtual_rules[0], &mut d).tracked);
        // no `dev`: keepalived does not track it
        let c = cfg("static_routes {\n 10.9.0.0/16 via 192.0.2.1\n}\n");
        assert!(!map_route(&c.static_routes[0], &mut d).unwrap().tracked);
    }
}
