//! `virtual_routes` / `static_routes` and `virtual_rules` / `static_rules` entries,
//! read word by word as keepalived 2.2.7 reads them (`vrrp_iproute.c alloc_route`,
//! `parse_nexthops`, `vrrp_iprule.c alloc_rule`). An entry keepalived refuses is
//! skipped with a warning at its position: keepalived logs a configuration error,
//! skips that entry and runs on.

use super::Ctx;
use crate::diag::Diagnostic;
use crate::model::{Encap, Nexthop, Route, RouteEncap, RouteMode, Rule, RuleAction};
use crate::span::{Span, Spanned};
use crate::tree::{Node, Word};
use crate::values::{self, IpPrefix};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// RT_TABLE_MAIN.
const RT_TABLE_MAIN: u32 = 254;

/// The iproute2 configuration directory keepalived reads names from
/// (`lib/rttables.c`).
const IPROUTE2_DIR: &str = "/etc/iproute2/";

/// An entry keepalived refuses: the message and where.
struct Refused(Span, String);

type Res<T> = Result<T, Refused>;

/// Entries of `virtual_routes` / `static_routes`.
pub(crate) fn routes(c: &mut Ctx, n: &Node) -> Vec<Route> {
    let mut out = Vec::new();
    for e in c.items(n) {
        c.no_block(e);
        let mut warnings = Vec::new();
        match route(&e.words, e.span(), &mut warnings) {
            Ok(r) => {
                for d in warnings {
                    c.sink.push(d);
                }
                if r.dev.is_none() && !r.no_track {
                    c.sink.push(
                        Diagnostic::warning(
                            "untracked-route",
                            r.span,
                            format!(
                                "cannot track route {} with no interface specified, not tracking",
                                r.to.map(|p| p.to_string()).unwrap_or_default()
                            ),
                        )
                        .with_hint("add `dev IF`, or `no_track`"),
                    );
                }
                out.push(r);
            }
            Err(Refused(span, msg)) => {
                for d in warnings {
                    c.sink.push(d);
                }
                c.sink.push(
                    Diagnostic::warning("invalid-route", span, format!("{msg}; route skipped"))
                        .with_hint("routes use `ip route` syntax: `[TYPE] PREFIX [via IP] [dev IF] [src IP] [table N] [metric N] ...`"),
                );
            }
        }
    }
    out
}

/// Entries of `virtual_rules` / `static_rules`.
pub(crate) fn rules(c: &mut Ctx, n: &Node) -> Vec<Rule> {
    let mut out = Vec::new();
    for e in c.items(n) {
        c.no_block(e);
        let mut warnings = Vec::new();
        let res = rule(&e.words, e.span(), &mut warnings);
        for d in warnings {
            c.sink.push(d);
        }
        match res {
            Ok(r) => {
                if r.preference.is_none() {
                    c.sink.push(
                        Diagnostic::warning(
                            "rule-no-preference",
                            r.span,
                            "rule has no preference specified",
                        )
                        .with_hint(
                            "keepalived picks one counting down from 16384; add `preference N`",
                        ),
                    );
                }
                out.push(r);
            }
            Err(Refused(span, msg)) => c.sink.push(
                Diagnostic::warning("invalid-rule", span, format!("{msg}; rule skipped"))
                    .with_hint("rules use `ip rule` syntax: `[from P] [to P] [fwmark M] [iif IF] table N preference N`"),
            ),
        }
    }
    out
}

/// The words of an entry with a cursor.
struct Cursor<'a> {
    ws: &'a [Word],
    i: usize,
}

impl<'a> Cursor<'a> {
    /// The value after keyword `k` (the cursor moves onto it).
    fn value(&mut self, k: &str) -> Res<&'a Word> {
        let at = self.ws[self.i.min(self.ws.len() - 1)].span;
        self.i += 1;
        self.ws
            .get(self.i)
            .ok_or_else(|| Refused(at, format!("`{k}` needs a value")))
    }

    fn peek_is(&self, s: &str) -> bool {
        self.ws.get(self.i + 1).is_some_and(|w| w.text == s)
    }
}

/// Family bookkeeping shared by routes and rules: the first address or `inet`/`inet6`
/// decides, later ones must agree.
fn set_family(fam: &mut Option<bool>, v6: bool, at: Span) -> Res<()> {
    match *fam {
        None => {
            *fam = Some(v6);
            Ok(())
        }
        Some(f) if f == v6 => Ok(()),
        Some(_) => Err(Refused(at, "cannot mix IPv4 and IPv6 addresses".into())),
    }
}

/// keepalived `parse_route`: `default`/`any`/`all` (family open), `default6`, or a prefix.
fn parse_dest(s: &str) -> Option<(Option<bool>, Option<IpPrefix>)> {
    match s {
        "default" | "any" | "all" => Some((None, None)),
        "default6" => Some((Some(true), None)),
        _ => values::parse_prefix(s)
            .ok()
            .map(|p| (Some(p.addr.is_ipv6()), Some(p))),
    }
}

/// The family's /0 for a destination written as `default`.
fn any_prefix(v6: bool) -> IpPrefix {
    IpPrefix {
        addr: if v6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        },
        len: 0,
    }
}

fn u32_of(w: &Word, what: &str, max: u64) -> Res<u32> {
    values::parse_uint(&w.text, 0, max)
        .ok()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| Refused(w.span, format!("invalid {what} `{}`", w.text)))
}

/// `strtoul(s, 0)`: decimal, `0x` hex or leading-zero octal.
fn c_number(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// keepalived `lib/rttables.c find_entry`: a number up to `max`, else a name from
/// `/etc/iproute2/FILE` (lines `NUMBER NAME`), else one of `defaults`.
fn rt_lookup(name: &str, file: &str, defaults: &[(u32, &str)], max: u32) -> Option<u32> {
    if let Some(n) = c_number(name) {
        return u32::try_from(n).ok().filter(|v| *v <= max);
    }
    let text = std::fs::read_to_string(format!("{IPROUTE2_DIR}{file}")).unwrap_or_default();
    let mut entries: Vec<(u32, String)> = text
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let (num, nm) = (it.next()?, it.next()?);
            if it.next().is_some() || num.starts_with('-') {
                return None;
            }
            let id = u32::try_from(c_number(num)?).ok().filter(|v| *v <= max)?;
            Some((id, nm.to_string()))
        })
        .collect();
    for (id, nm) in defaults {
        if !entries.iter().any(|(i, _)| i == id) {
            entries.push((*id, (*nm).to_string()));
        }
    }
    entries
        .into_iter()
        .find(|(_, n)| n == name)
        .map(|(id, _)| id)
}

/// A routing table by number or name (`find_rttables_table`).
pub(crate) fn table_id(name: &str) -> Option<u32> {
    rt_lookup(
        name,
        "rt_tables",
        &[(253, "default"), (254, "main"), (255, "local")],
        u32::MAX,
    )
}

fn proto_id(name: &str) -> Option<u8> {
    let defaults = [
        (0, "none"),
        (1, "redirect"),
        (2, "kernel"),
        (3, "boot"),
        (4, "static"),
        (8, "gated"),
        (9, "ra"),
        (10, "mrt"),
        (11, "zebra"),
        (12, "bird"),
        (42, "babel"),
        (13, "dnrouted"),
        (14, "xorp"),
        (15, "ntk"),
        (16, "dhcp"),
    ];
    rt_lookup(name, "rt_protos", &defaults, 255).map(|v| v as u8)
}

fn scope_id(name: &str) -> Option<u8> {
    let defaults = [
        (0, "global"),
        (255, "nowhere"),
        (254, "host"),
        (253, "link"),
        (200, "site"),
    ];
    rt_lookup(name, "rt_scopes", &defaults, 255).map(|v| v as u8)
}

fn dsfield(name: &str) -> Option<u8> {
    rt_lookup(name, "rt_dsfield", &[], 255).map(|v| v as u8)
}

/// `find_rttables_rtntype`: a route type name or a number up to 255.
fn rtn_type(s: &str) -> Option<u8> {
    const TYPES: &[(&str, u8)] = &[
        ("local", 2),
        ("nat", 10),
        ("broadcast", 3),
        ("brd", 3),
        ("anycast", 4),
        ("multicast", 5),
        ("prohibit", 8),
        ("unreachable", 7),
        ("blackhole", 6),
        ("xresolve", 11),
        ("unicast", 1),
        ("throw", 9),
    ];
    if let Some((_, t)) = TYPES.iter().find(|(n, _)| *n == s) {
        return Some(*t);
    }
    if s.starts_with('-') {
        return None;
    }
    c_number(s).and_then(|v| u8::try_from(v).ok())
}

/// RTAX_* numbers of the metrics a route can carry.
mod rtax {
    pub const MTU: u16 = 2;
    pub const WINDOW: u16 = 3;
    pub const SSTHRESH: u16 = 6;
    pub const CWND: u16 = 7;
    pub const ADVMSS: u16 = 8;
    pub const REORDERING: u16 = 9;
    pub const HOPLIMIT: u16 = 10;
    pub const INITCWND: u16 = 11;
    pub const INITRWND: u16 = 14;
    pub const RTT: u16 = 4;
    pub const RTTVAR: u16 = 5;
    pub const FEATURES: u16 = 12;
    pub const RTO_MIN: u16 = 13;
    pub const QUICKACK: u16 = 15;
    pub const CC_ALGO: u16 = 16;
    pub const FASTOPEN_NO_COOKIE: u16 = 17;
}

/// RTAX_FEATURE_ECN.
const RTAX_FEATURE_ECN: u32 = 1;

/// The kernel's bounds for rtt values (TCP_RTO_MIN, TCP_RTO_MAX), in ms.
const RTT_MIN_MS: u64 = 200;
const RTT_MAX_MS: u64 = 120_000;

/// keepalived `get_time_rtt`: a time for `rtt`, `rttvar` or `rto_min` in the
/// metric's units of 1/(1000 × `unit_mult`) s. With `s`/`sec`/`secs` or `ms`
/// (case-insensitive) the value is a time, else a raw count; either is clamped to
/// 200 ms .. 120 s.
fn time_rtt(s: &str, unit_mult: u64) -> Option<u32> {
    let lower = s.to_ascii_lowercase();
    let (num, scale, raw) = if let Some(p) = lower.find('s') {
        let suffix = &lower[p..];
        if !matches!(suffix, "s" | "sec" | "secs") {
            return None;
        }
        if p > 0 && lower.as_bytes()[p - 1] == b'm' {
            (&lower[..p - 1], 0u32, false)
        } else {
            (&lower[..p], 3u32, false)
        }
    } else {
        (lower.as_str(), 0u32, true)
    };
    if num.is_empty() || num.contains('e') {
        return None;
    }
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if frac.len() > scale as usize
        || int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut digits = format!("{int}{frac}");
    for _ in frac.len()..scale as usize {
        digits.push('0');
    }
    let mut v: u64 = digits.parse().ok()?;
    if v > RTT_MAX_MS * unit_mult * 1000 {
        return None;
    }
    if !raw {
        v *= unit_mult;
    }
    Some(v.clamp(RTT_MIN_MS * unit_mult, RTT_MAX_MS * unit_mult) as u32)
}

/// keepalived `get_realms`: `TO` or `FROM/TO`, each a number up to 255 or a name
/// from `/etc/iproute2/rt_realms`; FROM goes in the high 16 bits.
fn realms(s: &str) -> Option<u32> {
    let one = |x: &str| rt_lookup(x, "rt_realms", &[], 255);
    match s.split_once('/') {
        Some((a, b)) => Some(one(a)? << 16 | one(b)?),
        None => one(s),
    }
}

/// Options keepalived 2.2.7 accepts on a route that the model keeps as words, with the
/// number of values each takes.
const ROUTE_UNTYPED: &[(&str, usize)] = &[("track_group", 1)];

/// One route entry (keepalived `alloc_route`).
fn route(ws: &[Word], span: Span, warnings: &mut Vec<Diagnostic>) -> Res<Route> {
    let mut r = Route {
        to: None,
        src: None,
        via: None,
        dev: None,
        table: None,
        no_track: false,
        words: ws.iter().map(|w| w.text.to_string()).collect(),
        span,
        ipv6: false,
        table_id: RT_TABLE_MAIN,
        route_type: None,
        scope: None,
        metric: None,
        protocol: None,
        tos: None,
        onlink: false,
        from: None,
        metrics: Vec::new(),
        lock: 0,
        pref: None,
        mode: RouteMode::Prepend,
        nexthops: Vec::new(),
        congctl: None,
        realms: None,
        expires: None,
        encap: None,
        ttl_propagate: None,
        vrf: None,
        untyped: Vec::new(),
    };
    let mut fam: Option<bool> = None;
    let mut have_dest = false;
    let mut c = Cursor { ws, i: 0 };
    while c.i < ws.len() {
        let w = &ws[c.i];
        let k = w.text.as_str();
        match k {
            "inet" | "inet6" => {
                set_family(&mut fam, k == "inet6", w.span)?;
                // keepalived 2.2.7 steps over the word after `inet`/`inet6` too
                // (its loop advances twice): `inet6 from ...` loses the `from`
                c.i += 1;
            }
            "src" => {
                let v = c.value(k)?;
                let a = values::parse_ip(&v.text).map_err(|_| {
                    Refused(v.span, format!("invalid route src address `{}`", v.text))
                })?;
                set_family(&mut fam, a.is_ipv6(), v.span)?;
                r.src = Some(a);
            }
            "via" | "gw" => {
                if k == "gw" {
                    warnings.push(
                        Diagnostic::warning("deprecated", w.span, "`gw` for routes is deprecated")
                            .with_hint("use `via`"),
                    );
                }
                let mut v = c.value(k)?;
                if v.text == "inet" || v.text == "inet6" {
                    set_family(&mut fam, v.text == "inet6", v.span)?;
                    v = c.value(k)?;
                }
                let a = values::parse_ip(&v.text).map_err(|_| {
                    Refused(v.span, format!("invalid route via address `{}`", v.text))
                })?;
                set_family(&mut fam, a.is_ipv6(), v.span)?;
                r.via = Some(a);
            }
            "from" => {
                let v = c.value(k)?;
                let p = values::parse_prefix(&v.text).map_err(|_| {
                    Refused(v.span, format!("invalid route from address `{}`", v.text))
                })?;
                if p.addr.is_ipv4() {
                    return Err(Refused(
                        v.span,
                        "route from address only supported with IPv6".into(),
                    ));
                }
                set_family(&mut fam, true, v.span)?;
                r.from = Some(p);
            }
            "tos" | "dsfield" => {
                let v = c.value(k)?;
                r.tos = Some(dsfield(&v.text).ok_or_else(|| {
                    Refused(v.span, format!("TOS value `{}` is invalid", v.text))
                })?);
            }
            "table" => {
                let v = c.value(k)?;
                r.table_id = table_id(&v.text).ok_or_else(|| {
                    Refused(
                        v.span,
                        format!("routing table `{}` not found for route", v.text),
                    )
                })?;
                r.table = Some(v.text.to_string());
                // vrrp_iproute.c alloc_route: the later of `table` and `vrf` sets
                // the table
                r.vrf = None;
            }
            "vrf" => {
                let v = c.value(k)?;
                r.vrf = Some(v.text.to_string());
            }
            "protocol" => {
                let v = c.value(k)?;
                r.protocol = Some(proto_id(&v.text).ok_or_else(|| {
                    Refused(
                        v.span,
                        format!("protocol `{}` not found or invalid for route", v.text),
                    )
                })?);
            }
            "scope" => {
                let v = c.value(k)?;
                r.scope = Some(scope_id(&v.text).ok_or_else(|| {
                    Refused(
                        v.span,
                        format!("scope `{}` not found or invalid for route", v.text),
                    )
                })?);
            }
            "metric" | "priority" | "preference" => {
                let v = c.value(k)?;
                r.metric = Some(u32_of(v, "metric", u64::from(u32::MAX))?);
            }
            "dev" | "oif" => r.dev = Some(c.value(k)?.text.to_string()),
            "onlink" => r.onlink = true,
            "mtu" | "advmss" | "reordering" | "cwnd" | "ssthresh" | "window" | "initcwnd"
            | "initrwnd" | "hoplimit" => {
                let id = match k {
                    "mtu" => rtax::MTU,
                    "advmss" => rtax::ADVMSS,
                    "reordering" => rtax::REORDERING,
                    "cwnd" => rtax::CWND,
                    "ssthresh" => rtax::SSTHRESH,
                    "window" => rtax::WINDOW,
                    "initcwnd" => rtax::INITCWND,
                    "initrwnd" => rtax::INITRWND,
                    _ => rtax::HOPLIMIT,
                };
                let lockable = !matches!(k, "window" | "initcwnd" | "initrwnd" | "hoplimit");
                if lockable && c.peek_is("lock") {
                    c.i += 1;
                    r.lock |= 1 << id;
                }
                let v = c.value(k)?;
                let max = if k == "hoplimit" {
                    255
                } else {
                    u64::from(u32::MAX)
                };
                r.metrics.push((id, u32_of(v, k, max)?));
            }
            "rtt" | "rttvar" | "rto_min" => {
                let (id, mult) = match k {
                    "rtt" => (rtax::RTT, 8),
                    "rttvar" => (rtax::RTTVAR, 4),
                    _ => (rtax::RTO_MIN, 1),
                };
                if c.peek_is("lock") {
                    c.i += 1;
                    r.lock |= 1 << id;
                }
                let v = c.value(k)?;
                let t = time_rtt(&v.text, mult).ok_or_else(|| {
                    Refused(v.span, format!("invalid {k} `{}` for route", v.text))
                })?;
                r.metrics.push((id, t));
            }
            "features" => {
                let v = c.value(k)?;
                if v.text == "ecn" {
                    r.metrics.push((rtax::FEATURES, RTAX_FEATURE_ECN));
                } else {
                    // keepalived reports it and keeps the route
                    warnings.push(Diagnostic::warning(
                        "invalid-route",
                        v.span,
                        format!("feature `{}` not supported, ignored", v.text),
                    ));
                }
            }
            "quickack" | "fastopen_no_cookie" => {
                let v = c.value(k)?;
                let n = u32_of(v, k, 1)?;
                let id = if k == "quickack" {
                    rtax::QUICKACK
                } else {
                    rtax::FASTOPEN_NO_COOKIE
                };
                r.metrics.push((id, n));
            }
            "congctl" => {
                if c.peek_is("lock") {
                    c.i += 1;
                    r.lock |= 1 << rtax::CC_ALGO;
                }
                r.congctl = Some(c.value(k)?.text.to_string());
            }
            "realms" => {
                let v = c.value(k)?;
                r.realms = Some(realms(&v.text).ok_or_else(|| {
                    Refused(v.span, format!("invalid realms `{}` for route", v.text))
                })?);
                if fam == Some(true) {
                    return Err(Refused(w.span, "realms are only valid for IPv4".into()));
                }
                fam = Some(false);
            }
            "expires" => {
                let v = c.value(k)?;
                if fam == Some(false) {
                    return Err(Refused(w.span, "expires is only valid for IPv6".into()));
                }
                fam = Some(true);
                r.expires = Some(u32_of(v, "expires time", u64::from(u32::MAX))?);
            }
            "pref" => {
                let v = c.value(k)?;
                if fam == Some(false) {
                    return Err(Refused(w.span, "pref is only valid for IPv6".into()));
                }
                fam = Some(true);
                r.pref = Some(match v.text.as_str() {
                    "low" => 3,
                    "medium" => 0,
                    "high" => 1,
                    _ => u32_of(v, "pref", 255)? as u8,
                });
            }
            "add" => r.mode = RouteMode::Add,
            "prepend" => r.mode = RouteMode::Prepend,
            "append" => r.mode = RouteMode::Append,
            "or" => {
                warnings.push(
                    Diagnostic::warning("deprecated", w.span, "`or` for routes is deprecated")
                        .with_hint("use `nexthop`"),
                );
                let v = c.value(k)?;
                if r.nexthops.is_empty() {
                    let a = values::parse_ip(&v.text).map_err(|_| {
                        Refused(v.span, format!("invalid `or` address `{}`", v.text))
                    })?;
                    r.nexthops.push(Nexthop {
                        via: r.via.take(),
                        dev: None,
                        weight: None,
                        onlink: false,
                        encap: None,
                    });
                    r.nexthops.push(Nexthop {
                        via: Some(a),
                        dev: None,
                        weight: None,
                        onlink: false,
                        encap: None,
                    });
                } else {
                    warnings.push(Diagnostic::warning(
                        "invalid-route",
                        w.span,
                        "`or` route already specified - ignoring subsequent",
                    ));
                }
            }
            "nexthop" => {
                if !r.nexthops.is_empty() {
                    return Err(Refused(
                        w.span,
                        "cannot specify nexthops with `or` route".into(),
                    ));
                }
                nexthops(&mut c, &mut r, &mut fam)?;
                break;
            }
            "no_track" => r.no_track = true,
            "as" => {
                // vrrp_iproute.c alloc_route: `as [to] ADDR` is for MPLS
                // routes; keepalived 2.2.7 reports it and sends nothing
                if c.peek_is("to") {
                    c.i += 1;
                }
                c.value(k)?;
                warnings.push(Diagnostic::warning(
                    "invalid-route",
                    w.span,
                    "\"as to\" for MPLS only - ignoring",
                ));
            }
            "ttl-propagate" => {
                // vrrp_iproute.c alloc_route: an unknown value is reported and
                // the attribute still sent, as 0
                let v = c.value(k)?;
                r.ttl_propagate = Some(match v.text.as_str() {
                    "enabled" => true,
                    "disabled" => false,
                    other => {
                        warnings.push(Diagnostic::warning(
                            "invalid-route",
                            v.span,
                            format!("ttl-propagate value {other} not recognised"),
                        ));
                        false
                    }
                });
            }
            "encap" if route_encap(ws, c.i).is_some() && r.encap.is_none() => {
                if let Some((e, last)) = route_encap(ws, c.i) {
                    r.encap = Some(e);
                    c.i = last;
                }
            }
            "encap" => {
                // `encap TYPE ...` runs to the next route keyword: kept as written
                let start = c.i;
                c.i += 1;
                while c.i + 1 < ws.len() && !is_route_keyword(&ws[c.i + 1].text) {
                    c.i += 1;
                }
                let text: Vec<&str> = ws[start..=c.i.min(ws.len() - 1)]
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect();
                r.untyped.push(Spanned::new(text.join(" "), w.span));
            }
            _ if ROUTE_UNTYPED.iter().any(|(n, _)| *n == k) => {
                let mut text = k.to_string();
                let v = c.value(k)?;
                text.push(' ');
                text.push_str(&v.text);
                r.untyped.push(Spanned::new(text, w.span));
            }
            _ => {
                // [to] [TYPE] PREFIX
                let mut d = w;
                if k == "to" {
                    d = c.value(k)?;
                }
                if let Some(t) = rtn_type(&d.text)
                    && parse_dest(&d.text).is_none()
                {
                    r.route_type = Some(t);
                    d = c.value(&d.text)?;
                }
                let (f, p) = parse_dest(&d.text).ok_or_else(|| {
                    Refused(d.span, format!("unknown route keyword `{}`", d.text))
                })?;
                if let Some(f) = f {
                    set_family(&mut fam, f, d.span)?;
                }
                r.to = p;
                have_dest = true;
            }
        }
        c.i += 1;
    }
    if !have_dest {
        return Err(Refused(span, "route must have a destination".into()));
    }
    r.ipv6 = fam.unwrap_or(false);
    if r.to.is_none() {
        r.to = Some(any_prefix(r.ipv6));
    }
    Ok(r)
}

/// `encap TYPE ...` starting at `ws[at]` (keepalived `parse_encap`): `ip`
/// and `ip6` take key-value pairs ([`route_encap_ip`]), `mpls` one label
/// stack ([`mpls_labels`]), `ila` one locator ([`ila_locator`]). Returns the
/// encapsulation and the index of its last word; `None` for another type or
/// any value keepalived would report (the entry is then kept as written).
fn route_encap(ws: &[Word], at: usize) -> Option<(Encap, usize)> {
    match ws.get(at + 1)?.text.as_str() {
        "ip" => route_encap_ip(ws, at, false).map(|(e, i)| (Encap::Ip(e), i)),
        "ip6" => route_encap_ip(ws, at, true).map(|(e, i)| (Encap::Ip(e), i)),
        "mpls" => Some((Encap::Mpls(mpls_labels(&ws.get(at + 2)?.text)?), at + 2)),
        "ila" => Some((Encap::Ila(ila_locator(&ws.get(at + 2)?.text)?), at + 2)),
        _ => None,
    }
}

/// keepalived `parse_mpls_address`: `LABEL[/LABEL]`, at most two labels
/// (its MAX_MPLS_LABELS), each a C number (decimal, `0x` hex, `0` octal)
/// that fits the 20-bit label field; no sign, no space.
pub(crate) fn mpls_labels(s: &str) -> Option<Vec<u32>> {
    let labels: Vec<u32> = s
        .split('/')
        .map(|l| {
            if l.is_empty() || l.starts_with(['-', '+']) {
                return None;
            }
            u32::try_from(c_number(l)?).ok().filter(|v| *v < 1 << 20)
        })
        .collect::<Option<_>>()?;
    (labels.len() <= 2).then_some(labels)
}

/// keepalived `get_addr64`: four groups of one to four hex digits joined by
/// `:`, the first group the high 16 bits of the result.
pub(crate) fn ila_locator(s: &str) -> Option<u64> {
    let groups: Vec<&str> = s.split(':').collect();
    if groups.len() != 4 {
        return None;
    }
    groups.iter().try_fold(0u64, |acc, g| {
        if g.is_empty() || !g.starts_with(|c: char| c.is_ascii_hexdigit()) {
            return None;
        }
        let v = u16::from_str_radix(g, 16).ok()?;
        Some(acc << 16 | u64::from(v))
    })
}

/// `encap ip|ip6 KEY VALUE...` (keepalived `parse_encap_ip`,
/// `parse_encap_ip6`): pairs are read while the key is one of the type's
/// (`id`, `dst`, `src`, `tos`/`tc`, `ttl`/`hoplimit`, `flags`); a `dst` or
/// an `id` is required.
fn route_encap_ip(ws: &[Word], at: usize, ipv6: bool) -> Option<(RouteEncap, usize)> {
    let mut e = RouteEncap {
        ipv6,
        id: None,
        dst: None,
        src: None,
        tos: None,
        ttl: None,
        flags: None,
    };
    let addr = |s: &str| s.parse::<IpAddr>().ok().filter(|a| a.is_ipv6() == ipv6);
    let mut j = at + 2;
    while j + 1 < ws.len() {
        let v = ws[j + 1].text.as_str();
        match (ws[j].text.as_str(), ipv6) {
            ("id", _) => e.id = Some(c_number(v)?),
            ("dst", _) => e.dst = Some(addr(v)?),
            ("src", _) => e.src = Some(addr(v)?),
            ("tos", false) | ("tc", true) => e.tos = Some(u8::try_from(c_number(v)?).ok()?),
            ("ttl", false) | ("hoplimit", true) => e.ttl = Some(u8::try_from(c_number(v)?).ok()?),
            ("flags", _) => e.flags = Some(u16::try_from(c_number(v)?).ok()?),
            _ => break,
        }
        j += 2;
    }
    (e.dst.is_some() || e.id.is_some()).then_some((e, j - 1))
}

fn is_route_keyword(s: &str) -> bool {
    matches!(
        s,
        "src"
            | "via"
            | "gw"
            | "dev"
            | "oif"
            | "table"
            | "metric"
            | "priority"
            | "preference"
            | "scope"
            | "protocol"
            | "onlink"
            | "mtu"
            | "advmss"
            | "nexthop"
            | "no_track"
            | "tos"
            | "dsfield"
            | "from"
            | "pref"
            | "expires"
            | "realms"
    )
}

/// `nexthop [via [inet|inet6] IP] [dev IF] [weight N] [onlink] ...` (keepalived
/// `parse_nexthops`).
fn nexthops(c: &mut Cursor, r: &mut Route, fam: &mut Option<bool>) -> Res<()> {
    let ws = c.ws;
    while c.i < ws.len() && ws[c.i].text == "nexthop" {
        c.i += 1;
        let mut nh = Nexthop {
            via: None,
            dev: None,
            weight: None,
            onlink: false,
            encap: None,
        };
        while c.i < ws.len() {
            let w = &ws[c.i];
            match w.text.as_str() {
                "via" => {
                    let mut v = c.value("via")?;
                    if v.text == "inet" || v.text == "inet6" {
                        set_family(fam, v.text == "inet6", v.span)?;
                        v = c.value("via")?;
                    }
                    let a = values::parse_ip(&v.text).map_err(|_| {
                        Refused(v.span, format!("invalid nexthop address `{}`", v.text))
                    })?;
                    set_family(fam, a.is_ipv6(), v.span)?;
                    nh.via = Some(a);
                }
                "dev" => nh.dev = Some(c.value("dev")?.text.to_string()),
                "weight" => {
                    let v = c.value("weight")?;
                    let n = u32_of(v, "weight", 256)?;
                    if n == 0 {
                        return Err(Refused(
                            v.span,
                            "invalid weight 0 specified for route".into(),
                        ));
                    }
                    nh.weight = Some(n as u16);
                }
                "onlink" => nh.onlink = true,
                // keepalived parse_nexthops calls parse_encap, as for the route
                "encap" if nh.encap.is_none() && route_encap(ws, c.i).is_some() => {
                    if let Some((e, last)) = route_encap(ws, c.i) {
                        nh.encap = Some(e);
                        c.i = last;
                    }
                }
                "encap" | "realms" | "as" => {
                    r.untyped
                        .push(Spanned::new(format!("nexthop {}", w.text), w.span));
                    c.value(&w.text)?;
                }
                _ => break,
            }
            c.i += 1;
        }
        r.nexthops.push(nh);
    }
    if let Some(w) = ws.get(c.i) {
        return Err(Refused(
            w.span,
            format!("route has trailing nonsense after nexthops - `{}`", w.text),
        ));
    }
    Ok(())
}

/// Options of a rule that the model keeps as words.
const RULE_UNTYPED: &[&str] = &["track_group"];

/// keepalived reports an invalid value of some rule options and keeps the rule
/// without the option.
fn kept_without(v: &Word, what: &str) -> Diagnostic {
    Diagnostic::warning(
        "invalid-rule",
        v.span,
        format!("invalid {what} `{}`, the rule is kept without it", v.text),
    )
}

/// keepalived `inet_proto_a2n`: a number up to 127 or a protocol name (or alias)
/// from `/etc/protocols`.
fn ip_proto(s: &str) -> Option<u8> {
    if s.is_empty() || s.starts_with('-') {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<u8>().ok().filter(|n| *n <= 127);
    }
    let text = std::fs::read_to_string("/etc/protocols").ok()?;
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .find_map(|l| {
            let mut it = l.split_whitespace();
            let name = it.next()?;
            let num: u8 = it.next()?.parse().ok()?;
            (name == s || it.any(|a| a == s)).then_some(num)
        })
}

/// One rule entry (keepalived `alloc_rule`).
fn rule(ws: &[Word], span: Span, warnings: &mut Vec<Diagnostic>) -> Res<Rule> {
    let mut r = Rule {
        from: None,
        to: None,
        table: None,
        preference: None,
        no_track: false,
        words: ws.iter().map(|w| w.text.to_string()).collect(),
        span,
        ipv6: false,
        action: RuleAction::Nop,
        invert: false,
        tos: 0,
        fwmark: None,
        fwmask: None,
        iif: None,
        oif: None,
        uidrange: None,
        suppress_prefixlength: None,
        protocol: None,
        realms: None,
        suppress_ifgroup: None,
        ipproto: None,
        sport: None,
        dport: None,
        tunnel_id: None,
        untyped: Vec::new(),
    };
    let mut action: Option<RuleAction> = None;
    let mut table_option = false;
    let mut fam: Option<bool> = None;
    let mut c = Cursor { ws, i: 0 };
    let set_action = |action: &mut Option<RuleAction>, a: RuleAction, at: Span| -> Res<()> {
        if action.is_some() {
            return Err(Refused(
                at,
                "cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule".into(),
            ));
        }
        *action = Some(a);
        Ok(())
    };
    while c.i < ws.len() {
        let w = &ws[c.i];
        let k = w.text.as_str();
        match k {
            "inet" | "inet6" => {
                set_family(&mut fam, k == "inet6", w.span)?;
                // keepalived 2.2.7 steps over the word after `inet`/`inet6` too
                // (its loop advances twice): `inet6 from ...` loses the `from`
                c.i += 1;
            }
            "from" | "to" => {
                let v = c.value(k)?;
                let (f, p) = parse_dest(&v.text).ok_or_else(|| {
                    Refused(v.span, format!("invalid rule {k} address `{}`", v.text))
                })?;
                if let Some(f) = f {
                    set_family(&mut fam, f, v.span)?;
                }
                if k == "from" {
                    r.from = p;
                } else {
                    r.to = p;
                }
            }
            "table" | "lookup" => {
                let v = c.value(k)?;
                let id = table_id(&v.text).ok_or_else(|| {
                    Refused(
                        v.span,
                        format!("routing table `{}` not found for rule", v.text),
                    )
                })?;
                if id == 0 {
                    return Err(Refused(v.span, "table 0 is not valid".into()));
                }
                set_action(&mut action, RuleAction::Table(id), w.span)?;
                r.table = Some(v.text.to_string());
            }
            "not" => r.invert = true,
            "preference" | "order" | "priority" => {
                let v = c.value(k)?;
                let n = c_number(&v.text)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        Refused(v.span, format!("invalid rule preference `{}`", v.text))
                    })?;
                r.preference = Some(n);
            }
            "tos" | "dsfield" => {
                let v = c.value(k)?;
                r.tos = dsfield(&v.text)
                    .ok_or_else(|| Refused(v.span, format!("TOS value `{}` is invalid", v.text)))?;
            }
            "fwmark" => {
                let v = c.value(k)?;
                let bad = || Refused(v.span, format!("invalid rule fwmark `{}`", v.text));
                let (m, mask) = match v.text.split_once('/') {
                    Some((m, k)) => (m, Some(k)),
                    None => (v.text.as_str(), None),
                };
                let num = |s: &str| {
                    if s.starts_with('-') {
                        None
                    } else {
                        c_number(s).and_then(|n| u32::try_from(n).ok())
                    }
                };
                r.fwmark = Some(num(m).ok_or_else(bad)?);
                r.fwmask = match mask {
                    Some(s) => Some(num(s).ok_or_else(bad)?),
                    None => None,
                };
            }
            "dev" | "iif" => r.iif = Some(c.value(k)?.text.to_string()),
            "oif" => r.oif = Some(c.value(k)?.text.to_string()),
            "uidrange" => {
                let v = c.value(k)?;
                let p = v
                    .text
                    .split_once('-')
                    .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                    .ok_or_else(|| Refused(v.span, format!("invalid uidrange `{}`", v.text)))?;
                r.uidrange = Some(p);
            }
            "suppress_prefixlength" | "sup_pl" => {
                let v = c.value(k)?;
                r.suppress_prefixlength =
                    Some(u32_of(v, "suppress_prefixlength", i32::MAX as u64)?);
                table_option = true;
            }
            "l3mdev" => set_action(&mut action, RuleAction::L3mdev, w.span)?,
            "protocol" => {
                let v = c.value(k)?;
                // keepalived reports an invalid protocol and keeps the rule
                match values::parse_uint(&v.text, 0, 255) {
                    Ok(n) => r.protocol = Some(n as u8),
                    Err(_) => warnings.push(kept_without(v, "protocol")),
                }
            }
            "realms" => {
                let v = c.value(k)?;
                r.realms = Some(realms(&v.text).ok_or_else(|| {
                    Refused(v.span, format!("invalid realms `{}` for rule", v.text))
                })?);
                table_option = true;
                set_family(&mut fam, false, w.span)?;
            }
            "suppress_ifgroup" | "sup_group" => {
                let v = c.value(k)?;
                r.suppress_ifgroup = Some(
                    rt_lookup(&v.text, "group", &[], i32::MAX as u32).ok_or_else(|| {
                        Refused(v.span, format!("suppress_group `{}` is invalid", v.text))
                    })?,
                );
                table_option = true;
            }
            "ipproto" => {
                let v = c.value(k)?;
                match ip_proto(&v.text) {
                    Some(p) => r.ipproto = Some(p),
                    None => warnings.push(kept_without(v, "ipproto")),
                }
            }
            "sport" | "dport" => {
                let v = c.value(k)?;
                // keepalived's sscanf("%hu-%hu") must find both ends; a single port
                // is reported and the rule kept without it
                let range = v
                    .text
                    .split_once('-')
                    .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
                match (range, k) {
                    (Some(p), "sport") => r.sport = Some(p),
                    (Some(p), _) => r.dport = Some(p),
                    (None, _) => warnings.push(kept_without(v, k)),
                }
            }
            "no_track" => r.no_track = true,
            "tunnel-id" => {
                // vrrp_iprule.c alloc_rule: read_unsigned64_strvec, the rule
                // dropped on a bad value (keepalived names the keyword).
                let v = c.value(k)?;
                let id = values::parse_uint(&v.text, 0, u64::MAX)
                    .map_err(|_| Refused(v.span, "Invalid tunnel-id tunnel-id specified".into()))?;
                r.tunnel_id = Some(id);
            }
            _ if RULE_UNTYPED.contains(&k) => {
                let v = c.value(k)?;
                r.untyped
                    .push(Spanned::new(format!("{k} {}", v.text), w.span));
            }
            _ => {
                let mut a = w;
                if k == "type" {
                    a = c.value(k)?;
                }
                let act = match a.text.as_str() {
                    "goto" => {
                        let v = c.value("goto")?;
                        RuleAction::Goto(u32_of(v, "goto target", u64::from(u32::MAX))?)
                    }
                    "nop" => RuleAction::Nop,
                    other => match rtn_type(other) {
                        Some(6) => RuleAction::Blackhole,
                        Some(7) => RuleAction::Unreachable,
                        Some(8) => RuleAction::Prohibit,
                        Some(_) => {
                            return Err(Refused(a.span, format!("invalid rule action `{other}`")));
                        }
                        None => {
                            return Err(Refused(a.span, format!("unknown rule option `{other}`")));
                        }
                    },
                };
                set_action(&mut action, act, a.span)?;
            }
        }
        c.i += 1;
    }
    let Some(action) = action else {
        return Err(Refused(span, "no action specified for rule".into()));
    };
    if let RuleAction::Goto(t) = action {
        match r.preference {
            Some(p) if p >= t => {
                return Err(Refused(span, format!("preference {p} >= goto target {t}")));
            }
            None => {
                return Err(Refused(
                    span,
                    format!("goto target {t} specified without preference"),
                ));
            }
            Some(_) => {}
        }
    }
    if !matches!(action, RuleAction::Table(_)) && table_option {
        return Err(Refused(
            span,
            "suppressor/realm specified for non table action".into(),
        ));
    }
    r.action = action;
    r.ipv6 = fam.unwrap_or(false);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn words(s: &str) -> Vec<Word> {
        s.split_whitespace()
            .enumerate()
            .map(|(i, t)| Word {
                text: t.into(),
                span: Span::new(FileId(0), 1, (i + 1) as u32),
                quoted: false,
            })
            .collect()
    }

    fn rt(s: &str) -> Res<Route> {
        route(&words(s), Span::new(FileId(0), 1, 1), &mut Vec::new())
    }

    fn ru(s: &str) -> Res<Rule> {
        rule(&words(s), Span::new(FileId(0), 1, 1), &mut Vec::new())
    }

    /// keepalived parse_encap_ip / parse_encap_ip6: key-value pairs of the
    /// type, `src` inside the encapsulation is the tunnel's, the route's
    /// options go on after it; an invalid one stays untyped (warned).
    #[test]
    fn route_ttl_propagate_is_typed() {
        let r = rt("10.0.0.0/8 dev x ttl-propagate enabled").ok().unwrap();
        assert_eq!(r.ttl_propagate, Some(true));
        assert!(r.untyped.is_empty(), "{:?}", r.untyped);
        let mut w = Vec::new();
        let r = route(
            &words("10.0.0.0/8 dev x ttl-propagate maybe"),
            Span::new(FileId(0), 1, 1),
            &mut w,
        )
        .ok()
        .unwrap();
        assert_eq!(r.ttl_propagate, Some(false));
        assert_eq!(w.len(), 1);
    }

    /// keepalived parse_encap_mpls / parse_encap_ila: one word each (no
    /// `ttl`, `csum-mode`, `ident-type` or `hook-type` in 2.2.7), the
    /// route's options go on after it.
    #[test]
    fn route_encap_mpls_and_ila_are_typed() {
        let r = rt("10.3.0.0/16 encap mpls 100/0x20 via 10.9.0.2 dev eth0")
            .ok()
            .unwrap();
        assert_eq!(r.encap, Some(Encap::Mpls(vec![100, 32])));
        assert_eq!(r.dev.as_deref(), Some("eth0"));
        assert!(r.untyped.is_empty(), "{:?}", r.untyped);
        let r = rt("2001:db8:1:2:2000::/67 encap ila 2001:0:0:beef dev eth0")
            .ok()
            .unwrap();
        assert_eq!(r.encap, Some(Encap::Ila(0x2001_0000_0000_beef)));
        assert!(r.untyped.is_empty(), "{:?}", r.untyped);
        assert_eq!(mpls_labels("017"), Some(vec![15]));
        for bad in ["", "-1", "1/", "1//2", "1 2", "0xfffff0"] {
            assert_eq!(mpls_labels(bad), None, "{bad}");
        }
        for bad in ["1:2:3", "1:2:3:4:5", "1:2::4", "1:2:3:10000", "g:0:0:0"] {
            assert_eq!(ila_locator(bad), None, "{bad}");
        }
    }

    /// keepalived parse_nexthops: a hop's `encap` is parsed as the route's
    /// (parse_encap) and belongs to that hop; the hop's options go on after
    /// it.
    #[test]
    fn nexthop_encap_is_typed_per_hop() {
        let r = rt(
            "10.4.0.0/16 nexthop via 10.9.0.2 dev eth0 encap ip id 1 dst 10.9.0.9 weight 2 \
                    nexthop via 10.9.1.2 encap mpls 100 nexthop via 10.9.1.3",
        )
        .ok()
        .unwrap();
        assert!(r.untyped.is_empty(), "{:?}", r.untyped);
        assert_eq!(r.encap, None);
        let [a, b, c] = r.nexthops.as_slice() else {
            panic!("{:?}", r.nexthops)
        };
        let Some(Encap::Ip(e)) = &a.encap else {
            panic!("{:?}", a.encap)
        };
        assert_eq!((e.id, e.dst), (Some(1), Some("10.9.0.9".parse().unwrap())));
        assert_eq!(a.weight, Some(2));
        assert_eq!(b.encap, Some(Encap::Mpls(vec![100])));
        assert_eq!(c.encap, None);
        // an encapsulation keepalived reports stays as written
        let r = rt("10.4.0.0/16 nexthop via 10.9.0.2 encap bogus")
            .ok()
            .unwrap();
        assert_eq!(r.nexthops[0].encap, None);
        assert_eq!(r.untyped.len(), 1, "{:?}", r.untyped);
    }

    #[test]
    fn route_encap_ip_and_ip6_are_typed() {
        let r = rt("10.2.0.0/16 encap ip id 100 src 10.9.0.1 dst 10.9.0.2 tos 0x10 ttl 9 flags 4 dev eth0 metric 5")
            .ok()
            .unwrap();
        let Some(Encap::Ip(e)) = r.encap.clone() else {
            panic!("{:?}", r.encap)
        };
        assert!(!e.ipv6);
        assert_eq!(e.id, Some(100));
        assert_eq!(e.src, Some("10.9.0.1".parse().unwrap()));
        assert_eq!(e.dst, Some("10.9.0.2".parse().unwrap()));
        assert_eq!((e.tos, e.ttl, e.flags), (Some(16), Some(9), Some(4)));
        assert_eq!(
            (r.src, r.dev.as_deref(), r.metric),
            (None, Some("eth0"), Some(5))
        );
        assert!(r.untyped.is_empty(), "{:?}", r.untyped);
        let r = rt("2001:db8:1::/64 encap ip6 dst fd00::2 hoplimit 3 tc 1 dev eth0")
            .ok()
            .unwrap();
        let Some(Encap::Ip(e)) = r.encap else {
            panic!("{:?}", r.encap)
        };
        assert!(e.ipv6 && e.id.is_none());
        assert_eq!((e.ttl, e.tos), (Some(3), Some(1)));
        // the wrong family, no dst nor id, another type: kept as written
        for bad in [
            "10.2.0.0/16 encap ip dst fd00::2 dev eth0",
            "10.2.0.0/16 encap ip ttl 3 dev eth0",
            "10.2.0.0/16 encap mpls 100/200/300 dev eth0",
            "10.2.0.0/16 encap mpls 1048576 dev eth0",
            "2001:db8::/64 encap ila 1:2:3 dev eth0",
            "2001:db8::/64 encap seg6 mode encap segs fc00::1 dev eth0",
        ] {
            let r = rt(bad).ok().unwrap();
            assert!(r.encap.is_none(), "{bad}");
            assert_eq!(r.untyped.len(), 1, "{bad}");
        }
    }

    #[test]
    fn route_options_are_typed() {
        let r = rt("src 192.168.100.1 192.168.209.0/24 via 192.168.200.254 dev eth0 metric 7 table 100 scope link protocol static onlink mtu lock 1400 advmss 1360").ok().unwrap();
        assert_eq!(r.to.unwrap().to_string(), "192.168.209.0/24");
        assert_eq!(r.src, Some("192.168.100.1".parse().unwrap()));
        assert_eq!(r.via, Some("192.168.200.254".parse().unwrap()));
        assert_eq!(r.dev.as_deref(), Some("eth0"));
        assert_eq!(
            (r.metric, r.table_id, r.scope, r.protocol),
            (Some(7), 100, Some(253), Some(4))
        );
        assert!(r.onlink && !r.ipv6);
        assert_eq!(r.metrics, vec![(rtax::MTU, 1400), (rtax::ADVMSS, 1360)]);
        assert_eq!(r.lock, 1 << rtax::MTU);
    }

    #[test]
    fn default_types_and_ipv6() {
        let r = rt("default via inet6 fe80::1 dev eth0 table main")
            .ok()
            .unwrap();
        assert!(r.ipv6);
        assert_eq!(r.to.unwrap().to_string(), "::/0");
        assert_eq!(r.table_id, 254);
        let r = rt("blackhole 10.9.0.0/16 table local").ok().unwrap();
        assert_eq!((r.route_type, r.table_id), (Some(6), 255));
        let r = rt("default via 10.0.0.1").ok().unwrap();
        assert_eq!(r.to.unwrap().to_string(), "0.0.0.0/0");
        let r = rt("unreachable 2001:db8::/64 pref high").ok().unwrap();
        assert_eq!((r.route_type, r.pref, r.ipv6), (Some(7), Some(1), true));
        let r = rt("10.0.0.0/8 nexthop via 10.1.0.1 dev a weight 2 nexthop via 10.1.0.2 dev b")
            .ok()
            .unwrap();
        assert_eq!(r.nexthops.len(), 2);
        assert_eq!(r.nexthops[0].weight, Some(2));
        assert_eq!(r.nexthops[1].dev.as_deref(), Some("b"));
        let r = rt("10.0.0.0/8 via 10.1.0.1 or 10.1.0.2").ok().unwrap();
        assert_eq!(r.via, None);
        assert_eq!(r.nexthops.len(), 2);
        let r = rt("10.0.0.0/8 dev x rtt 3 congctl lock cubic")
            .ok()
            .unwrap();
        assert_eq!(r.congctl.as_deref(), Some("cubic"));
        // a raw rtt below 200 ms is raised to it (units of 1/8000 s)
        assert_eq!(r.metrics, vec![(rtax::RTT, 1600)]);
        let r =
            rt("10.0.0.0/8 dev x rtt 1.5s rttvar 300ms rto_min lock 250ms features ecn realms 2/3")
                .ok()
                .unwrap();
        assert_eq!(
            r.metrics,
            vec![
                (rtax::RTT, 12000),
                (rtax::RTTVAR, 1200),
                (rtax::RTO_MIN, 250),
                (rtax::FEATURES, 1)
            ]
        );
        assert_eq!(r.lock, 1 << rtax::RTO_MIN);
        assert_eq!(r.realms, Some(2 << 16 | 3));
        let r = rt("2001:db8::/64 dev x expires 300").ok().unwrap();
        assert_eq!(r.expires, Some(300));
        // `vrf NAME` names the table; the later of `vrf` and `table` wins
        let r = rt("10.0.0.0/8 dev x vrf red").ok().unwrap();
        assert_eq!(r.vrf.as_deref(), Some("red"));
        assert!(r.untyped.is_empty(), "{:?}", r.untyped);
        let r = rt("10.0.0.0/8 dev x table 7 vrf red").ok().unwrap();
        assert_eq!(r.vrf.as_deref(), Some("red"));
        let r = rt("10.0.0.0/8 dev x vrf red table 7").ok().unwrap();
        assert_eq!((r.vrf, r.table_id), (None, 7));
        // `as [to] ADDR`: keepalived's message, nothing kept
        let mut w = Vec::new();
        let r = route(
            &words("10.0.0.0/8 dev x as to 10.1.1.1 metric 3"),
            Span::new(FileId(0), 1, 1),
            &mut w,
        )
        .ok()
        .unwrap();
        assert!(r.untyped.is_empty() && r.metric == Some(3), "{r:?}");
        assert_eq!(w[0].message, "\"as to\" for MPLS only - ignoring");
    }

    #[test]
    fn refused_routes() {
        for bad in [
            "via 10.0.0.1 dev eth0",
            "10.0.0.0/8 via fe80::1",
            "10.0.0.0/8 table nosuchtable_xyz",
            "10.0.0.0/8 frobnicate",
            "10.0.0.0/8 metric",
            "10.0.0.0/8 nexthop via 10.0.0.1 bogus",
            "from 10.0.0.0/8 ::/0",
            "10.0.0.0/8 nexthop via 10.0.0.1 weight 0",
            "inet6 2001:db8::/64 dev eth0",
        ] {
            assert!(rt(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rule_options_are_typed() {
        let r = ru("from 10.1.0.5/32 table 1 priority 100").ok().unwrap();
        assert_eq!(r.from.unwrap().to_string(), "10.1.0.5/32");
        assert_eq!(
            (r.action, r.preference, r.ipv6),
            (RuleAction::Table(1), Some(100), false)
        );
        let r = ru("to 2001:db8::/64 not fwmark 0x10/0xff iif eth0 oif eth1 uidrange 100-200 lookup main preference 5").ok().unwrap();
        assert!(r.ipv6 && r.invert);
        assert_eq!((r.fwmark, r.fwmask), (Some(16), Some(255)));
        assert_eq!(
            (r.iif.as_deref(), r.oif.as_deref()),
            (Some("eth0"), Some("eth1"))
        );
        assert_eq!(r.uidrange, Some((100, 200)));
        assert_eq!(r.action, RuleAction::Table(254));
        let r = ru("from all goto 300 preference 200").ok().unwrap();
        assert_eq!(r.action, RuleAction::Goto(300));
        let r = ru("from 10.0.0.0/8 type blackhole preference 9")
            .ok()
            .unwrap();
        assert_eq!(r.action, RuleAction::Blackhole);
    }

    #[test]
    fn rule_selectors_beyond_ip_rule_basics() {
        let mut w = Vec::new();
        let r = rule(
            &words("from 10.0.0.0/8 ipproto tcp sport 1000-2000 dport 80 realms 4 sup_group 0 table 5 preference 9"),
            Span::new(FileId(0), 1, 1),
            &mut w,
        )
        .ok()
        .unwrap();
        assert_eq!(r.ipproto, Some(6));
        assert_eq!(r.sport, Some((1000, 2000)));
        // a single port: reported, the rule kept without it (keepalived's sscanf check)
        assert_eq!(r.dport, None);
        assert_eq!(w.len(), 1);
        assert_eq!((r.realms, r.suppress_ifgroup), (Some(4), Some(0)));
    }

    /// vrrp_iprule.c alloc_rule: `tunnel-id` is a 64-bit number; a bad one
    /// drops the rule with keepalived's (oddly worded) message.
    #[test]
    fn rule_tunnel_id() {
        let r = ru("from 10.0.0.0/8 tunnel-id 18446744073709551615 table 5")
            .ok()
            .unwrap();
        assert_eq!(r.tunnel_id, Some(u64::MAX));
        assert!(r.untyped.is_empty(), "{:?}", r.untyped);
        assert!(ru("from 10.0.0.0/8 tunnel-id x table 5").is_err());
        assert!(ru("from 10.0.0.0/8 tunnel-id -1 table 5").is_err());
    }

    #[test]
    fn refused_rules() {
        for bad in [
            "from 10.0.0.0/8 preference 5",
            "from 10.0.0.0/8 table 0",
            "from 10.0.0.0/8 table 1 blackhole",
            "from 10.0.0.0/8 goto 3 preference 5",
            "from 10.0.0.0/8 to fe80::/64 table 1",
            "from 10.0.0.0/8 bogus table 1",
            "from 10.0.0.0/8 nop sup_pl 3",
            "from 10.0.0.0/8 table 1 pref 3",
            "from 10.0.0.0/8 realms 3 nop preference 2",
            "inet6 from all table 1 preference 3",
        ] {
            assert!(ru(bad).is_err(), "{bad}");
        }
    }
}
