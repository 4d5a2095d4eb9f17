//! Routes and policy rules through [`vrrp_linux::Rtnl`] against the real kernel,
//! in a network namespace the test creates (root only; skipped loudly
//! otherwise): what is added is what `ip -j route` / `ip -j rule` and the
//! crate's own dumps show, an identical add answers EEXIST, a replace keeps
//! one route, a delete matches the route as last sent (metrics included).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: panics are the failure report

mod common;

use common::{Netns, in_ns, ip, join, root_or_skip};
use vrrp_linux::route::RTPROT_KEEPALIVED;
use vrrp_linux::{AddMode, RouteSpec, Rtnl, RuleSpec};

fn route(ifindex: u32) -> RouteSpec {
    RouteSpec {
        ipv6: false,
        dst: "10.77.0.0".parse().unwrap(),
        dst_len: 16,
        table: 1000,
        route_type: None,
        scope: None,
        protocol: RTPROT_KEEPALIVED,
        tos: 0,
        pref_src: None,
        src: None,
        gateway: Some("10.76.0.254".parse().unwrap()),
        oif: Some(ifindex),
        metric: Some(40),
        onlink: false,
        metrics: vec![(2, 1400)],
        lock: 0,
        pref: None,
        nexthops: Vec::new(),
        congctl: None,
        realms: None,
        expires: None,
        encap: None,
        ttl_propagate: None,
    }
}

fn rule() -> RuleSpec {
    RuleSpec {
        ipv6: false,
        action: 1,
        table: 1000,
        goto: None,
        invert: false,
        from: Some(("10.77.1.0".parse().unwrap(), 24)),
        to: None,
        priority: 77,
        tos: 0,
        fwmark: Some(5),
        fwmask: None,
        iif: None,
        oif: None,
        uidrange: None,
        suppress_prefixlength: None,
        l3mdev: false,
        protocol: Some(RTPROT_KEEPALIVED),
        realms: None,
        suppress_ifgroup: None,
        ipproto: None,
        sport: None,
        dport: None,
        tun_id: None,
    }
}

#[test]
fn routes_and_rules_add_dump_replace_delete() {
    if !root_or_skip("routes_and_rules_add_dump_replace_delete") {
        return;
    }
    let ns = Netns::new(format!("rt-nio-{}", std::process::id()));
    ip(
        &ns.name,
        &[
            "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p",
        ],
    );
    ip(&ns.name, &["link", "set", "eth0", "up"]);
    ip(&ns.name, &["link", "set", "eth0p", "up"]);
    ip(&ns.name, &["addr", "add", "10.76.0.1/24", "dev", "eth0"]);
    let name = ns.name.clone();
    let shown = move |args: &[&str]| ip(&name, args);
    let h = in_ns(&ns.name, move || async move {
        let rtnl = Rtnl::open().unwrap();
        let idx = vrrp_linux::netns::if_index("eth0").unwrap();
        let r = route(idx);
        rtnl.add_route(&r, AddMode::Prepend).await.unwrap();
        let again = rtnl.add_route(&r, AddMode::Prepend).await.unwrap_err();
        assert!(again.is_already_exists(), "{again}");
        let mut changed = r.clone();
        changed.metrics = vec![(2, 1300)];
        rtnl.add_route(&changed, AddMode::Replace).await.unwrap();
        let mine: Vec<_> = rtnl
            .routes(false)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.protocol == RTPROT_KEEPALIVED)
            .collect();
        assert_eq!(mine.len(), 1, "{mine:?}");
        assert_eq!(mine[0].table, 1000);
        assert_eq!(mine[0].dst, Some((r.dst, 16)));
        assert_eq!((mine[0].metric, mine[0].oif), (Some(40), Some(idx)));
        let u = rule();
        rtnl.add_rule(&u).await.unwrap();
        assert!(rtnl.add_rule(&u).await.unwrap_err().is_already_exists());
        let rules: Vec<_> = rtnl
            .rules(false)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.priority == 77)
            .collect();
        assert_eq!(rules.len(), 1, "{rules:?}");
        assert_eq!(
            (rules[0].table, rules[0].from, rules[0].protocol),
            (1000, u.from, Some(RTPROT_KEEPALIVED))
        );
        idx
    });
    join(h);
    let routes = shown(&["-j", "route", "show", "table", "1000"]);
    assert!(routes.contains("\"dst\":\"10.77.0.0/16\""), "{routes}");
    assert!(routes.contains("\"mtu\":1300"), "{routes}");
    let rules = shown(&["-j", "-d", "rule", "show"]);
    assert!(rules.contains("\"fwmark\":\"0x5\""), "{rules}");

    let h = in_ns(&ns.name, move || async move {
        let rtnl = Rtnl::open().unwrap();
        let idx = vrrp_linux::netns::if_index("eth0").unwrap();
        rtnl.del_rule(&rule()).await.unwrap();
        // a delete carries the metrics too and the kernel compares them: the
        // route as replaced is the one that matches (keepalived deletes with
        // the entry it last sent, too)
        let mut replaced = route(idx);
        let stale = rtnl.del_route(&replaced).await.unwrap_err();
        assert!(stale.is_not_found(), "{stale}");
        replaced.metrics = vec![(2, 1300)];
        rtnl.del_route(&replaced).await.unwrap();
        let gone = rtnl.del_route(&replaced).await.unwrap_err();
        assert!(gone.is_not_found(), "{gone}");
    });
    join(h);
    let routes = ip(&ns.name, &["-j", "route", "show", "table", "1000"]);
    assert!(!routes.contains("10.77.0.0"), "{routes}");
    let rules = ip(&ns.name, &["-j", "rule", "show"]);
    assert!(!rules.contains("10.77.1.0"), "{rules}");
}
