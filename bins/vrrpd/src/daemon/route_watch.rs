//! Which configured route or rule a kernel deletion (RTM_DELROUTE,
//! RTM_DELRULE) is, compared as keepalived 2.2.7 compares them
//! (keepalived_netlink.c `route_is_ours`, `compare_rule`,
//! `netlink_route_filter`, `netlink_rule_filter`; docs/keepalived.md §3.34).
//!
//! Only entries marked RTPROT_KEEPALIVED are looked at. A deleted tracked
//! virtual route or rule of a Master sends that instance to Backup (as a
//! deleted VIP does); a deleted tracked static route or rule is added again,
//! but only for a family whose routes (rules) are watched at all, which
//! keepalived does when some instance has a tracked virtual route (rule) of
//! that family (vrrp.c `vrrp_complete_instance`, `set_extra_netlink_monitoring`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use vrrp_linux::{RouteEntry, RuleEntry};

use crate::spec::routes::{RTPROT_KEEPALIVED, RouteConf, RuleConf};

/// RT_TABLE_MAIN.
const RT_TABLE_MAIN: u32 = 254;
/// FR_ACT_TO_TBL.
const FR_ACT_TO_TBL: u8 = 1;
/// FR_ACT_GOTO.
const FR_ACT_GOTO: u8 = 2;

/// Which families' route and rule deletions keepalived listens to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Monitored {
    /// IPv4 routes.
    pub v4_routes: bool,
    /// IPv6 routes.
    pub v6_routes: bool,
    /// IPv4 rules.
    pub v4_rules: bool,
    /// IPv6 rules.
    pub v6_rules: bool,
}

impl Monitored {
    /// Adds the families of an instance's tracked virtual routes and rules
    /// (vrrp.c `vrrp_complete_instance`).
    pub fn add<'a>(
        &mut self,
        routes: impl IntoIterator<Item = &'a RouteConf>,
        rules: impl IntoIterator<Item = &'a RuleConf>,
    ) {
        for r in routes.into_iter().filter(|r| r.tracked) {
            if r.spec.ipv6 {
                self.v6_routes = true;
            } else {
                self.v4_routes = true;
            }
        }
        for r in rules.into_iter().filter(|r| r.tracked) {
            if r.spec.ipv6 {
                self.v6_rules = true;
            } else {
                self.v4_rules = true;
            }
        }
    }

    /// Whether deletions of routes of this family are seen.
    pub fn routes(&self, ipv6: bool) -> bool {
        if ipv6 { self.v6_routes } else { self.v4_routes }
    }

    /// Whether deletions of rules of this family are seen.
    pub fn rules(&self, ipv6: bool) -> bool {
        if ipv6 { self.v6_rules } else { self.v4_rules }
    }
}

/// `netlink_route_filter`: only RTPROT_KEEPALIVED routes are watched.
pub(super) fn is_keepalived_route(e: &RouteEntry) -> bool {
    e.protocol == RTPROT_KEEPALIVED
}

/// `netlink_rule_filter`: a rule with another FRA_PROTOCOL is not ours (one
/// without FRA_PROTOCOL still is).
pub(super) fn is_keepalived_rule(e: &RuleEntry) -> bool {
    e.protocol.is_none_or(|p| p == RTPROT_KEEPALIVED)
}

fn zero(ipv6: bool) -> IpAddr {
    if ipv6 {
        Ipv6Addr::UNSPECIFIED.into()
    } else {
        Ipv4Addr::UNSPECIFIED.into()
    }
}

/// Table, family, prefix length, TOS and destination: what static and
/// virtual routes are both compared on (a default route has no RTA_DST).
fn same_destination(c: &RouteConf, e: &RouteEntry) -> bool {
    let (dst, len) = e.dst.unwrap_or((zero(e.ipv6), 0));
    c.spec.table == e.table
        && c.spec.ipv6 == e.ipv6
        && c.spec.dst_len == len
        && c.spec.tos == e.tos
        && c.spec.dst == dst
}

/// `route_is_ours` for a virtual route: also the metric (RTA_PRIORITY, 0 when
/// absent: an IPv6 route without `metric` gets 1024 from the kernel and so
/// never matches, as in keepalived) and, for a route with a `dev`, its
/// interface (`oif`, resolved by the caller).
pub(super) fn virtual_route_matches(c: &RouteConf, oif: Option<u32>, e: &RouteEntry) -> bool {
    same_destination(c, e)
        && c.spec.metric.unwrap_or(0) == e.metric.unwrap_or(0)
        && (c.dev.is_none() || (oif.is_some() && e.oif == oif))
}

/// `route_is_ours` for a static route: table, family, destination and TOS
/// only.
pub(super) fn static_route_matches(c: &RouteConf, e: &RouteEntry) -> bool {
    same_destination(c, e)
}

/// An address with length 0 is `all`: the kernel sends no attribute then.
fn prefix(p: Option<(IpAddr, u8)>) -> Option<(IpAddr, u8)> {
    p.filter(|p| p.1 != 0)
}

/// `compare_rule`: a tracked rule equal in family, preference, action, goto
/// target, table, `not`, `from`, `to`, TOS, fwmark/mask, `iif` and `oif`.
/// (The rarer selectors — realms, uidrange, ports, ipproto,
/// suppress_* — are not compared: two rules differing only there are taken
/// for the same.)
pub(super) fn rule_matches(c: &RuleConf, e: &RuleEntry) -> bool {
    let s = &c.spec;
    let table = if s.action == FR_ACT_TO_TBL && s.table == 0 && !s.l3mdev {
        RT_TABLE_MAIN
    } else {
        s.table
    };
    c.tracked
        && s.ipv6 == e.ipv6
        && s.priority == e.priority
        && s.action == e.action
        && (s.action != FR_ACT_GOTO || s.goto == e.goto)
        && table == e.table
        && s.invert == e.invert
        && prefix(s.from) == prefix(e.from)
        && prefix(s.to) == prefix(e.to)
        && s.tos == e.tos
        && s.fwmark.unwrap_or(0) == e.fwmark.unwrap_or(0)
        && s.fwmask.unwrap_or(u32::MAX) == e.fwmask.unwrap_or(u32::MAX)
        && s.iif == e.iif
        && s.oif == e.oif
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(block: &str, text: &str) -> (Vec<RouteConf>, Vec<RuleConf>) {
        let cfg = keepalived_conf::parse_str(
            "t.conf",
            &format!("{block} {{\n {text}\n}}\n"),
            &keepalived_conf::LoadOptions::default(),
        )
        .config;
        let mut d = Vec::new();
        let routes = cfg
            .static_routes
            .iter()
            .filter_map(|r| crate::spec::routes::map_route(r, &mut d))
            .collect();
        let mut rules: Vec<RuleConf> = cfg
            .static_rules
            .iter()
            .map(|r| crate::spec::routes::map_rule(r, &mut d))
            .collect();
        crate::spec::routes::number_rules(rules.iter_mut());
        (routes, rules)
    }

    fn route(text: &str) -> RouteConf {
        conf("static_routes", text).0.remove(0)
    }

    fn rule(text: &str) -> RuleConf {
        conf("static_rules", text).1.remove(0)
    }

    fn entry(dst: &str, len: u8, table: u32, metric: Option<u32>, oif: Option<u32>) -> RouteEntry {
        RouteEntry {
            ipv6: dst.contains(':'),
            table,
            dst: Some((dst.parse().unwrap(), len)),
            protocol: RTPROT_KEEPALIVED,
            route_type: 1,
            oif,
            gateway: None,
            metric,
            tos: 0,
        }
    }

    #[test]
    fn virtual_routes_compare_metric_and_interface() {
        let r = route("10.9.0.0/16 via 192.0.2.1 dev eth0 metric 5 table 100");
        assert!(r.tracked);
        let e = entry("10.9.0.0", 16, 100, Some(5), Some(3));
        assert!(virtual_route_matches(&r, Some(3), &e));
        assert!(!virtual_route_matches(&r, Some(4), &e));
        assert!(!virtual_route_matches(&r, None, &e));
        assert!(!virtual_route_matches(
            &r,
            Some(3),
            &entry("10.9.0.0", 16, 100, Some(6), Some(3))
        ));
        assert!(!virtual_route_matches(
            &r,
            Some(3),
            &entry("10.9.0.0", 16, 254, Some(5), Some(3))
        ));
        assert!(!virtual_route_matches(
            &r,
            Some(3),
            &entry("10.9.0.0", 24, 100, Some(5), Some(3))
        ));
        // statics: destination and table only
        assert!(static_route_matches(
            &r,
            &entry("10.9.0.0", 16, 100, None, Some(9))
        ));
        assert!(!static_route_matches(
            &r,
            &entry("10.8.0.0", 16, 100, Some(5), Some(3))
        ));
    }

    /// An IPv6 route without `metric` is reported with the kernel's 1024 and
    /// is not recognised, as keepalived compares it with 0.
    #[test]
    fn ipv6_route_without_metric_is_not_recognised() {
        let r = route("2001:db8:9::/48 dev eth0");
        let e = entry("2001:db8:9::", 48, 254, Some(1024), Some(3));
        assert!(!virtual_route_matches(&r, Some(3), &e));
        assert!(static_route_matches(&r, &e));
    }

    #[test]
    fn default_route_has_no_destination() {
        let r = route("default via 192.0.2.1 dev eth0");
        let mut e = entry("0.0.0.0", 0, 254, None, Some(3));
        e.dst = None;
        assert!(virtual_route_matches(&r, Some(3), &e));
    }

    #[test]
    fn only_keepalived_entries_are_looked_at() {
        let mut e = entry("10.9.0.0", 16, 254, None, None);
        assert!(is_keepalived_route(&e));
        e.protocol = 4;
        assert!(!is_keepalived_route(&e));
        let mut r = kernel_rule();
        assert!(is_keepalived_rule(&r));
        r.protocol = None;
        assert!(is_keepalived_rule(&r));
        r.protocol = Some(4);
        assert!(!is_keepalived_rule(&r));
    }

    fn kernel_rule() -> RuleEntry {
        RuleEntry {
            ipv6: false,
            priority: 16384,
            table: 254,
            from: Some(("10.1.0.0".parse().unwrap(), 16)),
            protocol: Some(RTPROT_KEEPALIVED),
            action: 1,
            goto: None,
            to: None,
            tos: 0,
            invert: false,
            fwmark: None,
            fwmask: None,
            iif: None,
            oif: None,
        }
    }

    #[test]
    fn rules_compare_as_compare_rule() {
        let r = rule("from 10.1.0.0/16 table main");
        let e = kernel_rule();
        assert!(rule_matches(&r, &e));
        assert!(!rule_matches(
            &r,
            &RuleEntry {
                priority: 16383,
                ..e.clone()
            }
        ));
        assert!(!rule_matches(
            &r,
            &RuleEntry {
                table: 100,
                ..e.clone()
            }
        ));
        assert!(!rule_matches(
            &r,
            &RuleEntry {
                invert: true,
                ..e.clone()
            }
        ));
        assert!(!rule_matches(
            &r,
            &RuleEntry {
                iif: Some("eth0".into()),
                ..e.clone()
            }
        ));
        assert!(!rule_matches(
            &r,
            &RuleEntry {
                from: None,
                ..e.clone()
            }
        ));
        let r = rule("to 10.3.0.0/16 fwmark 7 table 100 preference 7");
        let e = RuleEntry {
            priority: 7,
            table: 100,
            from: None,
            to: Some(("10.3.0.0".parse().unwrap(), 16)),
            fwmark: Some(7),
            ..kernel_rule()
        };
        assert!(rule_matches(&r, &e));
        let untracked = rule("from 10.1.0.0/16 table main no_track");
        assert!(!rule_matches(&untracked, &kernel_rule()));
    }

    #[test]
    fn monitoring_follows_tracked_virtual_entries() {
        let mut m = Monitored::default();
        m.add(&[route("10.9.0.0/16 via 192.0.2.1")], &[]);
        assert_eq!(m, Monitored::default());
        m.add(
            &[route("2001:db8::/48 dev eth0")],
            &[rule("from 10.1.0.0/16 table 5")],
        );
        assert!(m.routes(true) && !m.routes(false) && m.rules(false) && !m.rules(true));
    }
}
