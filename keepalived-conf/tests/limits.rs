//! The limits on sections and items (`keepalived_conf::limits`): a configuration at a
//! limit is read whole, one past it is refused with one `config-limit` error naming the
//! limit, the count and the option, and raising the limit accepts it.

use keepalived_conf::limits::{DEFAULT_LIMITS, Item, Limits};
use keepalived_conf::{LoadOptions, Parsed, check_str, parse_str, parse_str_in_two_parts};
use std::fmt::Write;

fn opts(item: Item, max: usize) -> LoadOptions {
    let mut limits = DEFAULT_LIMITS;
    limits.set(item, max);
    LoadOptions {
        limits,
        ..LoadOptions::default()
    }
}

/// The `config-limit` errors (one-line instances have no interface, VRID, ...: those
/// errors are not the point here).
fn errors(p: &Parsed) -> Vec<String> {
    p.diagnostics
        .iter()
        .filter(|d| d.code == "config-limit")
        .map(|d| d.short(&p.sources))
        .collect()
}

fn instances(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let _ = writeln!(s, "vrrp_instance v{i} {{ state BACKUP }}");
    }
    s
}

fn hint(name: &str) -> String {
    format!(
        "(hint: raise the limit with --config-limit {name}=N if this configuration is genuine (keepalived has no such limit))"
    )
}

#[test]
fn default_instance_limit_at_and_one_past() {
    let max = DEFAULT_LIMITS.get(Item::VrrpInstance);
    assert_eq!(max, 10_000);
    let at = parse_str("k.conf", &instances(max), &LoadOptions::default());
    assert!(errors(&at).is_empty(), "{:?}", errors(&at));
    assert_eq!(at.config.vrrp_instances.len(), max);

    let past = parse_str("k.conf", &instances(max + 1), &LoadOptions::default());
    assert_eq!(
        errors(&past),
        [format!(
            "k.conf:10001:1: error: the configuration holds 10001 vrrp_instance sections, over the limit of 10000; this one and those after it are not read {}",
            hint("vrrp_instance")
        )]
    );
    // counted, not built
    assert_eq!(past.config.vrrp_instances.len(), max);

    let raised = parse_str(
        "k.conf",
        &instances(max + 1),
        &opts(Item::VrrpInstance, max + 1),
    );
    assert!(errors(&raised).is_empty(), "{:?}", errors(&raised));
    assert_eq!(raised.config.vrrp_instances.len(), max + 1);
}

#[test]
fn the_count_goes_on_past_the_limit() {
    let p = parse_str("k.conf", &instances(25), &opts(Item::VrrpInstance, 10));
    assert_eq!(
        errors(&p),
        [format!(
            "k.conf:11:1: error: the configuration holds 25 vrrp_instance sections, over the limit of 10; this one and those after it are not read {}",
            hint("vrrp_instance")
        )]
    );
    assert_eq!(p.config.vrrp_instances.len(), 10);
}

/// One case: text at the limit, text one past it, the expected error for the latter.
fn at_and_past(item: Item, max: usize, at: &str, past: &str, error: &str) {
    for check in [false, true] {
        let read = |text: &str, o: &LoadOptions| {
            if check {
                check_str("k.conf", text, o)
            } else {
                parse_str("k.conf", text, o)
            }
        };
        let ok = read(at, &opts(item, max));
        assert!(errors(&ok).is_empty(), "{item:?} at: {:?}", errors(&ok));
        let over = read(past, &opts(item, max));
        assert_eq!(
            errors(&over),
            [format!("{error} {}", hint(item.name()))],
            "{item:?} past"
        );
        let raised = read(past, &opts(item, max + 1));
        assert!(
            errors(&raised).is_empty(),
            "{item:?} raised: {:?}",
            errors(&raised)
        );
    }
}

fn lines(n: usize, f: impl Fn(usize) -> String) -> String {
    (0..n).map(|i| f(i) + "\n").collect()
}

#[test]
fn virtual_server_limit() {
    let vs = |n: usize| lines(n, |i| format!("virtual_server 10.0.0.{i} 80 {{ }}"));
    at_and_past(
        Item::VirtualServer,
        3,
        &vs(3),
        &vs(4),
        "k.conf:4:1: error: the configuration holds 4 virtual_server sections, over the limit of 3; this one and those after it are not read",
    );
}

#[test]
fn real_server_limit_counts_every_virtual_server() {
    let rs = |n: usize| {
        format!(
            "virtual_server 10.0.0.1 80 {{\n real_server 10.1.0.1 80\n}}\nvirtual_server 10.0.0.2 80 {{\n sorry_server 10.2.0.9 80\n{}}}\n",
            lines(n - 2, |i| format!(
                " real_server 10.2.0.{i} 80 {{\n  weight 2\n }}"
            ))
        )
    };
    at_and_past(
        Item::RealServer,
        5,
        &rs(5),
        &rs(6),
        "k.conf:4:1: error: the configuration holds 6 real and sorry servers, over the limit of 5; this one and those after it are not read",
    );
}

#[test]
fn address_limit_counts_virtual_excluded_and_static() {
    let addrs = |n: usize| {
        format!(
            "static_ipaddress {{\n 192.168.9.1/24 dev lo\n}}\nvrrp_instance v {{\n interface lo\n virtual_router_id 1\n virtual_ipaddress {{\n 10.0.0.1\n }}\n virtual_ipaddress_excluded {{\n{} }}\n}}\n",
            lines(n - 2, |i| format!("  10.1.0.{i}"))
        )
    };
    at_and_past(
        Item::Address,
        4,
        &addrs(4),
        &addrs(5),
        "k.conf:4:1: error: the configuration holds 5 virtual and static addresses, over the limit of 4; this one and those after it are not read",
    );
}

#[test]
fn route_limit_counts_routes_and_rules() {
    let routes = |n: usize| {
        format!(
            "static_rules {{\n from 10.0.0.1 table 5\n}}\nstatic_routes {{\n{}}}\n",
            lines(n - 1, |i| format!(" 10.9.{i}.0/24 dev lo"))
        )
    };
    at_and_past(
        Item::Route,
        3,
        &routes(3),
        &routes(4),
        "k.conf:4:1: error: the configuration holds 4 virtual and static routes and rules, over the limit of 3; this one and those after it are not read",
    );
}

#[test]
fn section_limit_counts_other_top_level_statements() {
    let scripts = |n: usize| lines(n, |i| format!("vrrp_script s{i} {{\n script /bin/true\n}}"));
    at_and_past(
        Item::Section,
        2,
        &scripts(2),
        &scripts(3),
        "k.conf:7:1: error: the configuration holds 3 top-level statements other than vrrp_instance and virtual_server, over the limit of 2; this one and those after it are not read",
    );
}

#[test]
fn section_statements_limit_drops_the_section() {
    // 1 + 1 + 1 + n statements: interface, virtual_router_id, the block and its addresses
    let inst = |n: usize| {
        format!(
            "vrrp_instance v {{\n interface lo\n virtual_router_id 1\n virtual_ipaddress {{\n{} }}\n}}\n",
            lines(n, |i| format!("  10.1.0.{i}"))
        )
    };
    at_and_past(
        Item::SectionStatements,
        6,
        &inst(3),
        &inst(4),
        "k.conf:1:1: error: `vrrp_instance v` holds 7 statements, over the limit of 6 in one section; those after the first 6 are not read",
    );
    // a dropped statement's block (brace on the same or the next line) is skipped whole
    let p = parse_str(
        "k.conf",
        "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80\n real_server 10.0.0.3 80 {\n  weight 2\n }\n real_server 10.0.0.4 80\n {\n  weight 3\n }\n}\nvrrp_instance v {\n interface lo\n virtual_router_id 1\n}\n",
        &opts(Item::SectionStatements, 1),
    );
    let errs = errors(&p);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs[0].starts_with(
            "k.conf:1:1: error: `virtual_server 10.0.0.1 80` holds 5 statements, over the limit of 1 in one section"
        ),
        "{errs:?}"
    );
    assert!(
        errs[1].starts_with(
            "k.conf:11:1: error: `vrrp_instance v` holds 2 statements, over the limit of 1"
        ),
        "{errs:?}"
    );
    // a section over the limit is not built
    assert!(p.config.virtual_servers.is_empty());
    assert!(p.config.vrrp_instances.is_empty());
}

#[test]
fn a_split_read_reports_as_reading_in_one_go() {
    // large enough to be read in two parts; the second part's virtual servers pass the limit
    let text = lines(20_000, |i| {
        format!(
            "virtual_server 10.{}.{}.{} 80 {{ }}",
            i >> 16,
            (i >> 8) & 255,
            i & 255
        )
    });
    let o = opts(Item::VirtualServer, 15_000);
    let one = parse_str("k.conf", &text, &o);
    assert_eq!(
        errors(&one),
        [format!(
            "k.conf:15001:1: error: the configuration holds 20000 virtual_server sections, over the limit of 15000; this one and those after it are not read {}",
            hint("virtual_server")
        )]
    );
    // reading in two parts gives up and reads in one go
    assert!(parse_str_in_two_parts("k.conf", &text, &o).is_none());
}

#[test]
fn limits_from_args() {
    let l = Limits::from_args(&["vrrp_instance=20000", "real_server=5"]).unwrap();
    assert_eq!(l.get(Item::VrrpInstance), 20_000);
    assert_eq!(l.get(Item::RealServer), 5);
    assert_eq!(l.get(Item::Address), DEFAULT_LIMITS.get(Item::Address));
    assert!(Limits::from_args(&["bogus=1"]).is_err());
}

#[test]
fn a_daemon_not_using_the_section_still_refuses() {
    let p = parse_str("k.conf", &instances(3), &opts(Item::VrrpInstance, 2));
    let diags = keepalived_conf::sections::demote_unused(&p, &["virtual_server"], "lvsd");
    let limit: Vec<_> = diags.iter().filter(|d| d.code == "config-limit").collect();
    assert_eq!(limit.len(), 1);
    assert!(limit[0].is_error());
    assert!(!limit[0].message.contains("lvsd does not use"));
}
