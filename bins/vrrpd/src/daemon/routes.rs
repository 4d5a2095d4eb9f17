//! Routes and policy rules in the kernel: an instance's `virtual_routes` /
//! `virtual_rules` while it is Master, and the static addresses, routes and
//! rules for the daemon's lifetime, with keepalived 2.2.7's bookkeeping
//! (docs/keepalived.md §3.31): each entry remembers whether this run set it
//! (`set`), only set entries are removed, and a reload keeps unchanged ones
//! (`vrrp_iproute.c netlink_rtlist`, `clear_diff_routes`; `vrrp_iprule.c
//! netlink_rulelist`, `clear_diff_rules`; `vrrp_ipaddress.c netlink_iplist`).

use std::collections::HashMap;
use std::net::IpAddr;

use keepalived_conf::Span;
use vrrp_linux::{AddMode, AddressSpec, Interface, NetlinkError, RouteSpec};

use super::host::Host;

use super::route_watch::{self, Monitored};
use tracing::{debug, error, info, warn};

use crate::spec::mapping::VipSpec;
use crate::spec::routes::{RouteConf, RuleConf, StaticAddress, StaticSpec};

/// Looks up an interface index by name.
pub type IfIndexOf<'a> = &'a dyn Fn(&str) -> Option<u32>;

/// Why a configuration's routes, rules or static addresses cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// An entry names an interface that does not exist: keepalived's VRRP
    /// process stops then ("Non-existent interface specified in
    /// configuration", vrrp_daemon.c `start_vrrp`).
    #[error("no interface `{name}` for {what} `{entry}`")]
    NoInterface {
        /// The interface.
        name: String,
        /// "route", "rule" or "static address".
        what: &'static str,
        /// The entry as written.
        entry: String,
    },
}

/// The first interface named by a route (`dev`, nexthop `dev`) or rule (`iif`,
/// `oif`) that `exists` does not know.
pub fn check_interfaces(
    routes: &[RouteConf],
    rules: &[RuleConf],
    exists: &dyn Fn(&str) -> bool,
) -> Result<(), RouteError> {
    for r in routes {
        for d in r.dev.iter().chain(r.nexthop_devs.iter().flatten()) {
            if !exists(d) {
                return Err(RouteError::NoInterface {
                    name: d.clone(),
                    what: "route",
                    entry: r.text.clone(),
                });
            }
        }
    }
    for r in rules {
        for d in r.spec.iif.iter().chain(&r.spec.oif) {
            if !exists(d) {
                return Err(RouteError::NoInterface {
                    name: d.clone(),
                    what: "rule",
                    entry: r.text.clone(),
                });
            }
        }
    }
    Ok(())
}

/// [`check_interfaces`] for the static entries, addresses included.
pub fn check_static_interfaces(
    spec: &StaticSpec,
    exists: &dyn Fn(&str) -> bool,
) -> Result<(), RouteError> {
    for a in &spec.addresses {
        if !exists(&a.dev) {
            return Err(RouteError::NoInterface {
                name: a.dev.clone(),
                what: "static address",
                entry: a.addr.prefix.to_string(),
            });
        }
    }
    check_interfaces(&spec.routes, &spec.rules, exists)
}

/// Routes with `vrf NAME` get the table of that VRF device in `links`
/// (keepalived vrrp_iproute.c `alloc_route`, which reads it when the
/// configuration is read). A route whose VRF is not a link, or not a VRF,
/// is dropped with keepalived's message ("VRF NAME not found for route",
/// "Route specified VRF NAME is not a VRF"); the others stay.
pub fn apply_vrf_tables(routes: &mut Vec<RouteConf>, links: &HashMap<String, Interface>) {
    routes.retain_mut(|r| {
        let Some(name) = r.vrf.as_deref() else {
            return true;
        };
        let table = match links.get(name) {
            None => Err("not found for route"),
            Some(l) if l.kind.as_deref() != Some("vrf") => Err("is not a VRF"),
            Some(l) => l.vrf_table.ok_or("has no table"),
        };
        match table {
            Ok(t) => {
                r.spec.table = t;
                true
            }
            Err(why) => {
                error!(route = %r.text, "VRF {name} {why}; route skipped");
                false
            }
        }
    });
}

/// A route with keepalived's `set` flag.
#[derive(Debug, Clone)]
struct RouteEntry {
    conf: RouteConf,
    set: bool,
}

/// A rule with keepalived's `set` flag.
#[derive(Debug, Clone)]
struct RuleEntry {
    conf: RuleConf,
    set: bool,
}

/// Routes and rules that go in and out together (one instance's, or the
/// static ones).
#[derive(Debug, Clone, Default)]
pub struct RouteSet {
    routes: Vec<RouteEntry>,
    rules: Vec<RuleEntry>,
}

/// Why a route is not added now: the host (its interface is gone) or the
/// kernel's answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RouteAddError {
    /// An interface it names does not exist.
    #[error("no interface `{0}`")]
    NoInterface(String),
    /// The kernel refused it.
    #[error(transparent)]
    Kernel(#[from] NetlinkError),
}

/// The request for `c` with its interfaces resolved, or why not.
fn resolve(c: &RouteConf, ifindex_of: IfIndexOf) -> Result<RouteSpec, RouteAddError> {
    let missing = |d: &String| RouteAddError::NoInterface(d.clone());
    let mut s = c.spec.clone();
    if let Some(d) = &c.dev {
        s.oif = Some(ifindex_of(d).ok_or_else(|| missing(d))?);
    }
    for (nh, dev) in s.nexthops.iter_mut().zip(&c.nexthop_devs) {
        if let Some(d) = dev {
            nh.ifindex = Some(ifindex_of(d).ok_or_else(|| missing(d))?);
        }
    }
    Ok(s)
}

/// keepalived `route_exist`: the kernel's key of a route (destination, TOS,
/// metric, table) plus what a non-exclusive add also compares (gateway,
/// nexthops, scope, type, interface).
fn same_route(a: &RouteConf, b: &RouteConf) -> bool {
    let (x, y) = (&a.spec, &b.spec);
    x.dst == y.dst
        && x.dst_len == y.dst_len
        && x.tos == y.tos
        && x.metric == y.metric
        && x.table == y.table
        && x.scope.unwrap_or(0) == y.scope.unwrap_or(0)
        && x.route_type.unwrap_or(1) == y.route_type.unwrap_or(1)
        && x.gateway == y.gateway
        && a.dev == b.dev
        && x.nexthops == y.nexthops
        && a.nexthop_devs == b.nexthop_devs
}

/// Adds `s` (keepalived `netlink_route`, IPROUTE_ADD): the kernel's EEXIST
/// counts as success, as keepalived's `netlink_talk` takes it for RTM_NEWROUTE.
async fn add_route(host: &impl Host, s: &RouteSpec, mode: AddMode) -> Result<(), NetlinkError> {
    match host.add_route(s, mode).await {
        Err(e) if e.is_already_exists() => Ok(()),
        r => r,
    }
}

impl RouteSet {
    /// Nothing set yet.
    pub fn new(routes: &[RouteConf], rules: &[RuleConf]) -> RouteSet {
        RouteSet {
            routes: routes
                .iter()
                .map(|c| RouteEntry {
                    conf: c.clone(),
                    set: false,
                })
                .collect(),
            rules: rules
                .iter()
                .map(|c| RuleEntry {
                    conf: c.clone(),
                    set: false,
                })
                .collect(),
        }
    }

    /// Whether there is nothing to install.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty() && self.rules.is_empty()
    }

    /// Where each route and rule the kernel took is written: the entries
    /// whose `set` flag is on, the flag keepalived's MIB shows
    /// (vrrp_snmp.c `vrrp_snmp_route` and `vrrp_snmp_rule` read it).
    pub fn set_spans(&self) -> Vec<Span> {
        let routes = self.routes.iter().filter(|r| r.set).map(|r| r.conf.span);
        let rules = self.rules.iter().filter(|r| r.set).map(|r| r.conf.span);
        routes.chain(rules).collect()
    }

    /// Where each route and rule held is written, set or not: the entries
    /// keepalived keeps in its lists once the configuration is read, which
    /// are the rows of its route and rule tables. A route dropped for its
    /// `vrf NAME` ([`apply_vrf_tables`]) is not among them, as vrrp_iproute.c
    /// `alloc_route` frees it before it is listed.
    pub fn held_spans(&self) -> Vec<Span> {
        let routes = self.routes.iter().map(|r| r.conf.span);
        let rules = self.rules.iter().map(|r| r.conf.span);
        routes.chain(rules).collect()
    }

    /// First start: every configured rule equal to one in the kernel is
    /// deleted (left over by an earlier run; keepalived
    /// `vrrp_restore_interfaces_startup` and `start_vrrp` delete with
    /// `force`, not-found ignored). Routes are not: none is set yet.
    pub async fn remove_leftover_rules(&self, host: &impl Host) {
        for r in &self.rules {
            if host.del_rule(&r.conf.spec).await.is_ok() {
                info!(rule = %r.conf.text, "removed leftover rule");
            }
        }
    }

    /// Routes then rules (keepalived `vrrp_state_become_master`, after the
    /// VIPs). `force_routes` re-adds routes already set, as a reload of a
    /// Master does (a route the kernel dropped with a VIP comes back).
    pub async fn install(
        &mut self,
        host: &impl Host,
        who: &str,
        force_routes: bool,
        ifindex_of: IfIndexOf<'_>,
    ) {
        for r in &mut self.routes {
            if r.set && !force_routes {
                continue;
            }
            let res = match resolve(&r.conf, ifindex_of) {
                Ok(s) => add_route(host, &s, r.conf.mode)
                    .await
                    .map_err(RouteAddError::Kernel),
                Err(e) => Err(e),
            };
            match res {
                // netlink_rtlist: a failed add leaves `set` as it was
                Ok(()) => r.set = true,
                Err(e) => warn!(%who, route = %r.conf.text, "cannot add route: {e}"),
            }
        }
        for r in &mut self.rules {
            if r.set {
                continue;
            }
            // netlink_rulelist: an add that fails (EEXIST included) clears `set`
            match host.add_rule(&r.conf.spec).await {
                Ok(()) => r.set = true,
                Err(e) => {
                    r.set = false;
                    warn!(%who, rule = %r.conf.text, "cannot add rule: {e}");
                }
            }
        }
        debug!(%who, routes = self.routes.len(), rules = self.rules.len(), "routes and rules installed");
    }

    /// Rules then routes, those this run set (keepalived
    /// `vrrp_restore_interface`, before the VIPs).
    pub async fn remove(&mut self, host: &impl Host, who: &str, ifindex_of: IfIndexOf<'_>) {
        for r in self.rules.iter_mut().filter(|r| r.set) {
            r.set = false;
            if let Err(e) = host.del_rule(&r.conf.spec).await {
                warn!(%who, rule = %r.conf.text, "cannot remove rule: {e}");
            }
        }
        for r in self.routes.iter_mut().filter(|r| r.set) {
            r.set = false;
            match resolve(&r.conf, ifindex_of) {
                Ok(s) => {
                    if let Err(e) = host.del_route(&s).await
                        && !e.is_not_found()
                    {
                        warn!(%who, route = %r.conf.text, "cannot remove route: {e}");
                    }
                }
                Err(e) => warn!(%who, route = %r.conf.text, "cannot remove route: {e}"),
            }
        }
    }

    /// A deleted route compared with this instance's virtual routes
    /// (keepalived `route_is_ours`, `netlink_route_filter`): the first that
    /// matches is no longer set; `Some(tracked)` when one matched.
    pub fn virtual_route_deleted(
        &mut self,
        e: &vrrp_linux::RouteEntry,
        ifindex_of: IfIndexOf<'_>,
    ) -> Option<bool> {
        let r = self.routes.iter_mut().find(|r| {
            let oif = r.conf.dev.as_deref().and_then(ifindex_of);
            route_watch::virtual_route_matches(&r.conf, oif, e)
        })?;
        r.set = false;
        Some(r.conf.tracked)
    }

    /// A deleted rule compared with this set's tracked rules (keepalived
    /// `rule_is_ours`, `netlink_rule_filter`): the first that matches is no
    /// longer set; whether one matched.
    pub fn rule_deleted(&mut self, e: &vrrp_linux::RuleEntry) -> bool {
        match self
            .rules
            .iter_mut()
            .find(|r| route_watch::rule_matches(&r.conf, e))
        {
            Some(r) => {
                r.set = false;
                true
            }
            None => false,
        }
    }

    /// The families of this set's tracked routes and rules.
    pub fn add_monitored(&self, m: &mut Monitored) {
        m.add(
            self.routes.iter().map(|r| &r.conf),
            self.rules.iter().map(|r| &r.conf),
        );
    }

    /// A reload: the new set, carrying over what is already in the kernel
    /// (keepalived `clear_diff_rules`, then `clear_diff_routes`). Set rules
    /// missing from the new configuration are deleted, equal ones stay;
    /// set routes missing from it are deleted, matching ones are replaced in
    /// place (NLM_F_REPLACE: no gap) and, when that fails, deleted to be
    /// added again by the next [`RouteSet::install`].
    pub async fn reload(
        mut self,
        routes: &[RouteConf],
        rules: &[RuleConf],
        host: &impl Host,
        who: &str,
        ifindex_of: IfIndexOf<'_>,
    ) -> RouteSet {
        let mut next = RouteSet::new(routes, rules);
        if next.rules.is_empty() {
            let mut old = RouteSet {
                routes: Vec::new(),
                rules: std::mem::take(&mut self.rules),
            };
            old.remove(host, who, ifindex_of).await;
        }
        for old in &self.rules {
            match next.rules.iter_mut().find(|n| n.conf.spec == old.conf.spec) {
                Some(n) => n.set = old.set,
                None if old.set => {
                    info!(%who, rule = %old.conf.text, "rule removed by reload");
                    if let Err(e) = host.del_rule(&old.conf.spec).await {
                        warn!(%who, rule = %old.conf.text, "cannot remove rule: {e}");
                    }
                }
                None => {}
            }
        }
        if next.routes.is_empty() {
            let mut old = RouteSet {
                routes: std::mem::take(&mut self.routes),
                rules: Vec::new(),
            };
            old.remove(host, who, ifindex_of).await;
        }
        for old in self.routes.iter().filter(|r| r.set) {
            let Some(n) = next
                .routes
                .iter_mut()
                .find(|n| same_route(&old.conf, &n.conf))
            else {
                info!(%who, route = %old.conf.text, "route removed by reload");
                let mut gone = RouteSet {
                    routes: vec![old.clone()],
                    rules: Vec::new(),
                };
                gone.remove(host, who, ifindex_of).await;
                continue;
            };
            n.set = true;
            let replaced = match resolve(&n.conf, ifindex_of) {
                Ok(s) => host.add_route(&s, AddMode::Replace).await.is_ok(),
                Err(_) => false,
            };
            if !replaced {
                let mut gone = RouteSet {
                    routes: vec![old.clone()],
                    rules: Vec::new(),
                };
                gone.remove(host, who, ifindex_of).await;
                n.set = false;
            }
        }
        next
    }
}

/// The address request of a static address (keepalived adds it as a VIP is
/// added: `netlink_ipaddress`).
fn static_address(v: &VipSpec, ifindex: u32) -> AddressSpec {
    v.address_spec(ifindex)
}

/// `static_ipaddress`, `static_routes`, `static_rules` in the kernel.
#[derive(Debug, Default)]
pub struct Statics {
    /// Addresses with keepalived's `set` flag.
    addresses: Vec<(StaticAddress, Option<AddressSpec>)>,
    set: RouteSet,
}

impl Statics {
    /// [`RouteSet::set_spans`] of the static routes and rules.
    pub fn set_spans(&self) -> Vec<Span> {
        self.set.set_spans()
    }

    /// [`RouteSet::held_spans`] of the static routes and rules.
    pub fn held_spans(&self) -> Vec<Span> {
        self.set.held_spans()
    }

    /// Start: leftover static rules of an earlier run go (keepalived
    /// `start_vrrp`: `netlink_rulelist(..., IPRULE_DEL, true)`, not-found
    /// ignored), then addresses, routes and rules are added.
    pub async fn start(&mut self, spec: &StaticSpec, host: &impl Host, ifindex_of: IfIndexOf<'_>) {
        RouteSet::new(&[], &spec.rules)
            .remove_leftover_rules(host)
            .await;
        self.addresses = spec.addresses.iter().map(|v| (v.clone(), None)).collect();
        self.set = RouteSet::new(&spec.routes, &spec.rules);
        self.add(host, ifindex_of).await;
    }

    /// Adds whatever is not set yet: addresses, routes, rules (keepalived
    /// `start_vrrp`, "Set static entries").
    async fn add(&mut self, host: &impl Host, ifindex_of: IfIndexOf<'_>) {
        for (StaticAddress { dev, addr: v }, set) in
            self.addresses.iter_mut().filter(|(_, s)| s.is_none())
        {
            let Some(ifindex) = ifindex_of(dev) else {
                warn!(address = %v.prefix, "static address: no interface `{dev}`");
                continue;
            };
            let a = static_address(v, ifindex);
            match host.add_address(&a).await {
                // EEXIST is success for RTM_NEWADDR in keepalived's netlink_talk
                Ok(()) => *set = Some(a),
                Err(e) if e.is_already_exists() => *set = Some(a),
                Err(e) => warn!(address = %v.prefix, "cannot add static address: {e}"),
            }
        }
        self.set.install(host, "static", false, ifindex_of).await;
    }

    /// A deleted route no instance claimed: when it is a static route, it is
    /// no longer set, and a tracked one is added again if the family's route
    /// deletions are watched (keepalived `route_is_ours`,
    /// `reinstate_static_route`).
    pub async fn route_deleted(
        &mut self,
        e: &vrrp_linux::RouteEntry,
        monitored: Monitored,
        host: &impl Host,
        ifindex_of: IfIndexOf<'_>,
    ) {
        if !monitored.routes(e.ipv6) {
            return;
        }
        let Some(r) = self
            .set
            .routes
            .iter_mut()
            .find(|r| route_watch::static_route_matches(&r.conf, e))
        else {
            return;
        };
        r.set = false;
        if !r.conf.tracked {
            return;
        }
        info!(route = %r.conf.text, "restoring deleted static route");
        let res = match resolve(&r.conf, ifindex_of) {
            Ok(s) => add_route(host, &s, r.conf.mode)
                .await
                .map_err(RouteAddError::Kernel),
            Err(e) => Err(e),
        };
        match res {
            Ok(()) => r.set = true,
            Err(e) => warn!(route = %r.conf.text, "cannot restore static route: {e}"),
        }
    }

    /// A deleted rule no instance claimed: a tracked static rule is added
    /// again if the family's rule deletions are watched (keepalived
    /// `rule_is_ours`, `reinstate_static_rule`).
    pub async fn rule_deleted(
        &mut self,
        e: &vrrp_linux::RuleEntry,
        monitored: Monitored,
        host: &impl Host,
    ) {
        if !monitored.rules(e.ipv6) {
            return;
        }
        let Some(r) = self
            .set
            .rules
            .iter_mut()
            .find(|r| route_watch::rule_matches(&r.conf, e))
        else {
            return;
        };
        info!(rule = %r.conf.text, "restoring deleted static rule");
        match host.add_rule(&r.conf.spec).await {
            Ok(()) => r.set = true,
            Err(err) => {
                r.set = false;
                warn!(rule = %r.conf.text, "cannot restore static rule: {err}");
            }
        }
    }

    /// A deleted address: a tracked static address with that address on
    /// that interface is added again (keepalived
    /// `netlink_if_address_filter`, `reinstate_static_address`).
    pub async fn address_deleted(
        &mut self,
        ifindex: u32,
        addr: IpAddr,
        host: &impl Host,
        ifindex_of: IfIndexOf<'_>,
    ) {
        let Some((StaticAddress { addr: v, .. }, set)) =
            self.addresses
                .iter_mut()
                .find(|(StaticAddress { dev, addr: v }, set)| {
                    let on = set.as_ref().map(|a| a.ifindex).or_else(|| ifindex_of(dev));
                    !v.no_track && v.prefix.addr == addr && on == Some(ifindex)
                })
        else {
            return;
        };
        info!(address = %v.prefix, "restoring deleted static address");
        let a = static_address(v, ifindex);
        match host.add_address(&a).await {
            Ok(()) => *set = Some(a),
            Err(e) if e.is_already_exists() => *set = Some(a),
            Err(e) => {
                *set = None;
                warn!(address = %v.prefix, "cannot restore static address: {e}");
            }
        }
    }

    /// Exit: rules, routes, then addresses this run set (keepalived
    /// `vrrp_terminate_phase2`).
    pub async fn stop(&mut self, host: &impl Host, ifindex_of: IfIndexOf<'_>) {
        self.set.remove(host, "static", ifindex_of).await;
        for (v, set) in &mut self.addresses {
            if let Some(a) = set.take()
                && let Err(e) = host.del_address(&a).await
                && !e.is_not_found()
            {
                warn!(address = %v.addr.prefix, "cannot remove static address: {e}");
            }
        }
    }

    /// Reload: rules and routes as [`RouteSet::reload`], addresses no longer
    /// configured removed (keepalived `clear_diff_static_*`), then everything
    /// not set added.
    pub async fn reload(&mut self, spec: &StaticSpec, host: &impl Host, ifindex_of: IfIndexOf<'_>) {
        let old = std::mem::take(&mut self.set);
        self.set = old
            .reload(&spec.routes, &spec.rules, host, "static", ifindex_of)
            .await;
        let mut next: Vec<(StaticAddress, Option<AddressSpec>)> =
            spec.addresses.iter().map(|v| (v.clone(), None)).collect();
        for (v, set) in std::mem::take(&mut self.addresses) {
            match next.iter_mut().find(|(n, _)| *n == v) {
                Some(n) => n.1 = set,
                None => {
                    if let Some(a) = set
                        && let Err(e) = host.del_address(&a).await
                        && !e.is_not_found()
                    {
                        warn!(address = %v.addr.prefix, "cannot remove static address: {e}");
                    }
                }
            }
        }
        self.addresses = next;
        self.add(host, ifindex_of).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// keepalived netlink_rtlist / netlink_rulelist: only what the kernel
    /// took is set, and [`RouteSet::set_spans`] names it; removal clears it.
    #[tokio::test]
    async fn set_spans_are_what_the_kernel_took() {
        let cfg = keepalived_conf::parse_str(
            "t.conf",
            "static_routes {\n 10.1.0.0/16 dev lo\n 10.2.0.0/16 via 10.77.0.1 dev lo\n}\n\
             static_rules {\n from 10.3.0.0/16 table 5\n}\n",
            &keepalived_conf::LoadOptions::default(),
        )
        .config;
        let spec = crate::spec::routes::map_statics(&cfg, &mut Vec::new());
        let host = crate::daemon::host::stand_in::StandInHost::default();
        host.refuse_routes_to("10.2.0.0".parse().unwrap());
        let mut set = RouteSet::new(&spec.routes, &spec.rules);
        assert!(set.set_spans().is_empty());
        set.install(&host, "static", false, &|_| Some(1)).await;
        assert_eq!(
            set.set_spans(),
            [cfg.static_routes[0].span, cfg.static_rules[0].span]
        );
        set.remove(&host, "static", &|_| Some(1)).await;
        assert!(set.set_spans().is_empty());
    }

    fn conf(text: &str) -> RouteConf {
        let cfg = keepalived_conf::parse_str(
            "t.conf",
            &format!("static_routes {{\n {text}\n}}\n"),
            &keepalived_conf::LoadOptions::default(),
        )
        .config;
        crate::spec::routes::map_route(&cfg.static_routes[0], &mut Vec::new()).unwrap()
    }

    /// keepalived alloc_route: `vrf NAME` takes the VRF's table; a route
    /// naming a missing link or one that is not a VRF is skipped.
    #[test]
    fn vrf_routes_take_the_vrfs_table() {
        let link = |index, name: &str, kind: &str, table| Interface {
            index,
            name: name.into(),
            mac: None,
            flags: 0,
            mtu: 1500,
            kind: Some(kind.into()),
            parent_index: None,
            master: None,
            vrf_table: table,
        };
        let links: HashMap<String, Interface> = [
            ("blue".to_string(), link(5, "blue", "vrf", Some(10))),
            ("eth0".to_string(), link(2, "eth0", "veth", None)),
        ]
        .into();
        let mut routes = vec![
            conf("10.1.0.0/16 dev eth0 vrf blue"),
            conf("10.2.0.0/16 dev eth0 vrf eth0"),
            conf("10.3.0.0/16 dev eth0 vrf red"),
            conf("10.4.0.0/16 dev eth0 table 7"),
        ];
        apply_vrf_tables(&mut routes, &links);
        let got: Vec<(String, u32)> = routes
            .iter()
            .map(|r| (r.spec.dst.to_string(), r.spec.table))
            .collect();
        assert_eq!(
            got,
            [("10.1.0.0".to_string(), 10), ("10.4.0.0".to_string(), 7)]
        );
    }

    #[test]
    fn route_identity_follows_route_exist() {
        let a = conf("10.0.0.0/8 via 192.0.2.1 dev eth0 metric 5");
        assert!(same_route(
            &a,
            &conf("10.0.0.0/8 via 192.0.2.1 dev eth0 metric 5 src 192.0.2.9")
        ));
        assert!(same_route(
            &a,
            &conf("10.0.0.0/8 via 192.0.2.1 dev eth0 metric 5 mtu 1400")
        ));
        assert!(!same_route(
            &a,
            &conf("10.0.0.0/8 via 192.0.2.2 dev eth0 metric 5")
        ));
        assert!(!same_route(
            &a,
            &conf("10.0.0.0/8 via 192.0.2.1 dev eth0 metric 6")
        ));
        assert!(!same_route(
            &a,
            &conf("10.0.0.0/8 via 192.0.2.1 dev eth0 metric 5 table 7")
        ));
        assert!(!same_route(&a, &conf("blackhole 10.0.0.0/8 metric 5")));
    }

    #[test]
    fn missing_interfaces_are_named() {
        let r = conf("10.0.0.0/8 nexthop via 192.0.2.1 dev eth0 nexthop via 192.0.2.2 dev nosuch");
        let e = check_interfaces(&[r], &[], &|n| n == "eth0").unwrap_err();
        assert!(e.to_string().contains("`nosuch`"), "{e}");
        assert!(check_interfaces(&[conf("10.0.0.0/8 dev eth0")], &[], &|n| n == "eth0").is_ok());
    }

    #[test]
    fn unresolvable_interface_is_reported() {
        let a = conf("10.0.0.0/8 dev nosuchif0");
        assert!(resolve(&a, &|_| None).is_err());
        let s = resolve(&a, &|_| Some(9)).unwrap();
        assert_eq!(s.oif, Some(9));
    }
}
