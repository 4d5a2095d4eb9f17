//! LVS sections (keepalived/check/check_parser.c and check_*.c, man5 "LVS CONFIGURATION").

use super::{Ctx, raw_setting};
use crate::diag::Diagnostic;
use crate::model::*;
use crate::span::Spanned;
use crate::table::{self, Section};
use crate::tree::{Node, Word};
use crate::values;
use std::net::IpAddr;

const SCHEDULERS: &[&str] = &[
    "rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos",
];

/// The virtual server's keywords.
const VS: &Section = &table::VIRTUAL_SERVER;
/// The real server's keywords.
const RS: &Section = &table::REAL_SERVER;
/// A url block's keywords.
const URL: &Section = &table::URL;

/// `virtual_server_group NAME { ... }`
pub(crate) fn vs_group(c: &mut Ctx, n: &Node) -> Option<VirtualServerGroup> {
    let name = super::vrrp::header_name(c, n)?;
    let mut g = VirtualServerGroup {
        name,
        entries: Vec::new(),
    };
    for e in c.items(n) {
        c.no_block(e);
        let Some(first) = e.words.first() else {
            continue;
        };
        if first.text == "fwmark" {
            let Some(m) = e.args().first() else {
                c.sink
                    .error("missing-value", first.span, "`fwmark` needs a mark");
                continue;
            };
            if let Some(mark) = c.uint_word_strict::<u32>(m, "fwmark", 1, u64::from(u32::MAX)) {
                let family = e.args().get(1).map(|w| w.text.to_string());
                g.entries.push(VsgEntry {
                    kind: VsgEntryKind::Fwmark {
                        mark: mark.value,
                        family,
                    },
                    span: first.span,
                });
            }
            continue;
        }
        let Some((first_ip, last_ip)) = vsg_range(c, first) else {
            continue;
        };
        c.extra(e, 1);
        let port = e
            .args()
            .first()
            .and_then(|p| c.port_word(p, "virtual_server_group", 0));
        g.entries.push(VsgEntry {
            kind: VsgEntryKind::Range {
                first: first_ip,
                last: last_ip,
                port,
            },
            span: first.span,
        });
    }
    Some(g)
}

fn vsg_range(c: &mut Ctx, w: &Word) -> Option<(IpAddr, IpAddr)> {
    let t = w.text.as_str();
    // keepalived: "Invalid virtual server group IP address ... - skipping"
    // (check_parser.c vsg_handler()), and the group keeps its other entries.
    let err = |c: &mut Ctx, m: String| {
        c.sink.push(
            Diagnostic::warning(
                "invalid-address",
                w.span,
                format!("invalid virtual_server_group entry, skipped: {m}"),
            )
            .with_hint(
                "expected IP [PORT], IP-LAST [PORT], IP1-IP2 [PORT], IP/LEN [PORT] or fwmark N",
            ),
        );
    };
    if let Some((a, b)) = t.split_once('-') {
        let Ok(first) = values::parse_ip(a) else {
            err(c, format!("`{a}` is not an address"));
            return None;
        };
        let last = if let Ok(l) = values::parse_ip(b) {
            l
        } else {
            match first {
                IpAddr::V4(v4) => match b.parse::<u8>() {
                    Ok(x) => {
                        let o = v4.octets();
                        IpAddr::from([o[0], o[1], o[2], x])
                    }
                    Err(_) => {
                        err(c, format!("`{b}` is not a last octet"));
                        return None;
                    }
                },
                IpAddr::V6(v6) => match u16::from_str_radix(b, 16) {
                    Ok(x) => {
                        let mut s = v6.segments();
                        s[7] = x;
                        IpAddr::from(s)
                    }
                    Err(_) => {
                        err(c, format!("`{b}` is not a last group"));
                        return None;
                    }
                },
            }
        };
        if first.is_ipv4() != last.is_ipv4() || last < first {
            err(c, format!("range `{t}` is empty or mixes address families"));
            return None;
        }
        return Some((first, last));
    }
    match values::parse_prefix(t) {
        Ok(p) => {
            let (first, last) = prefix_bounds(p);
            Some((first, last))
        }
        Err(m) => {
            err(c, m);
            None
        }
    }
}

fn prefix_bounds(p: values::IpPrefix) -> (IpAddr, IpAddr) {
    match p.addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let mask = if p.len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(p.len))
            };
            if p.len == 32 {
                return (p.addr, p.addr);
            }
            (
                IpAddr::from((bits & mask).to_be_bytes()),
                IpAddr::from((bits | !mask).to_be_bytes()),
            )
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            if p.len == 128 {
                return (p.addr, p.addr);
            }
            let mask = if p.len == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(p.len))
            };
            (
                IpAddr::from((bits & mask).to_be_bytes()),
                IpAddr::from((bits | !mask).to_be_bytes()),
            )
        }
    }
}

/// `virtual_server IP [PORT] | fwmark N | group NAME { ... }`
pub(crate) fn virtual_server(c: &mut Ctx, n: &Node) -> Option<VirtualServer> {
    let args = n.args();
    let Some(first) = args.first() else {
        c.sink.push(
            Diagnostic::error(
                "missing-value",
                n.span(),
                "`virtual_server` needs an address, `fwmark N` or `group NAME`",
            )
            .with_hint("the block is skipped"),
        );
        return None;
    };
    let key = match first.text.as_str() {
        "fwmark" => {
            let Some(m) = args.get(1) else {
                c.sink
                    .error("missing-value", first.span, "`fwmark` needs a mark");
                return None;
            };
            c.extra(n, 2);
            let mark =
                c.uint_word_strict::<u32>(m, "virtual_server fwmark", 1, u64::from(u32::MAX))?;
            VirtualServerKey::Fwmark(mark.value)
        }
        "group" => {
            let Some(g) = args.get(1) else {
                c.sink.error(
                    "missing-value",
                    first.span,
                    "`group` needs a virtual_server_group name",
                );
                return None;
            };
            c.extra(n, 2);
            VirtualServerKey::Group(g.text.to_string())
        }
        _ => {
            let Ok(ip) = values::parse_ip(&first.text) else {
                let mut d = Diagnostic::error(
                    "invalid-address",
                    first.span,
                    format!(
                        "invalid virtual server address `{}`; the virtual_server block is skipped",
                        first.text
                    ),
                );
                if first
                    .text
                    .chars()
                    .all(|ch| ch.is_ascii_uppercase() || ch == '_')
                {
                    d = d.with_hint(format!(
                        "`{}` looks like a placeholder that was never filled in; write the service address, e.g. `virtual_server 192.0.2.1 {}`",
                        first.text,
                        args.get(1).map_or("80", |p| p.text.as_str())
                    ));
                } else {
                    d = d.with_hint("expected `virtual_server IP [PORT]`, `virtual_server fwmark N` or `virtual_server group NAME`");
                }
                c.sink.push(d);
                return None;
            };
            c.extra(n, 2);
            let port = match args.get(1) {
                Some(p) => Some(c.port_word(p, "virtual_server", 0)?),
                None => None,
            };
            VirtualServerKey::Address { ip, port }
        }
    };
    if !c.block_required(n, args.len()) {
        return None;
    }
    let mut vs = VirtualServer {
        key: Spanned::new(key, first.span),
        lvs_sched: None,
        lvs_method: None,
        lvs_tunnel: None,
        protocol: None,
        persistence_timeout: None,
        persistence_granularity: None,
        persistence_engine: None,
        delay_loop: None,
        connect_timeout: None,
        retry: None,
        delay_before_retry: None,
        warmup: None,
        inhibit_on_failure: None,
        alpha: None,
        omega: None,
        quorum: None,
        hysteresis: None,
        quorum_up: None,
        quorum_down: None,
        sorry_server: None,
        sorry_server_inhibit: None,
        sorry_server_lvs_method: None,
        virtualhost: None,
        weight: None,
        ha_suspend: None,
        smtp_alert: None,
        real_servers: Vec::new(),
        scheduler_flags: Vec::new(),
        ip_family: None,
        other: Vec::new(),
    };
    for item in c.items(n) {
        if super::row::set_from(c, item, VS, &mut vs) {
            continue;
        }
        let kw = item.keyword();
        match kw {
            "lvs_sched" | "lb_algo" => {
                vs.lvs_sched = c.string(item);
                if let Some(s) = &vs.lvs_sched
                    && !SCHEDULERS.contains(&s.value.as_str())
                {
                    // check_parser.c lbalgo_handler(): "Invalid lvs_scheduler '%s' -
                    // ignoring"; the default scheduler applies.
                    let mut d = Diagnostic::warning(
                        "invalid-value",
                        s.span,
                        format!(
                            "unknown scheduler `{}`; ignored, as keepalived does",
                            s.value
                        ),
                    );
                    if let Some(h) = crate::diag::nearest(&s.value, SCHEDULERS) {
                        d = d.with_hint(format!("did you mean `{h}`?"));
                    }
                    c.sink.push(d);
                    vs.lvs_sched = None;
                }
            }
            "lvs_method" | "lb_kind" => {
                vs.lvs_method = c.lvs_method(item);
                vs.lvs_tunnel = c.lvs_tunnel(item);
            }
            "protocol" => {
                c.no_block(item);
                if let Some(w) = c.arg(item) {
                    c.extra(item, 1);
                    vs.protocol = match w.text.to_ascii_uppercase().as_str() {
                        "TCP" => Some(Spanned::new(Protocol::Tcp, w.span)),
                        "UDP" => Some(Spanned::new(Protocol::Udp, w.span)),
                        "SCTP" => Some(Spanned::new(Protocol::Sctp, w.span)),
                        _ => {
                            c.bad(
                                w,
                                "protocol",
                                format!("`{}` is not TCP, UDP or SCTP", w.text),
                            );
                            None
                        }
                    };
                    if matches!(vs.key.value, VirtualServerKey::Fwmark(_)) {
                        c.sink.warn(
                            "ignored",
                            item.span(),
                            "protocol specified for fwmark - protocol will be ignored",
                        );
                    }
                }
            }
            "persistence_timeout" => {
                if item.args().is_empty() {
                    vs.persistence_timeout = Some(Spanned::new(360, item.span()));
                } else {
                    vs.persistence_timeout = c.uint_of(item, VS);
                }
            }
            "sorry_server" => {
                c.no_block(item);
                if let Some(w) = c.arg(item) {
                    c.extra(item, 2);
                    if let Some(ip) = c.ip_word(w, "sorry_server") {
                        let port = item
                            .args()
                            .get(1)
                            .and_then(|p| c.port_word(p, "sorry_server", 0));
                        vs.sorry_server =
                            Some(Spanned::new(SorryServer { ip: ip.value, port }, w.span));
                    }
                }
            }
            "sorry_server_lvs_method" => vs.sorry_server_lvs_method = c.lvs_method(item),
            "real_server" => {
                if let Some(rs) = real_server(c, item) {
                    vs.real_servers.push(rs);
                }
            }
            "ops" | "flag-1" | "flag-2" | "flag-3" | "sh-port" | "sh-fallback" | "mh-port"
            | "mh-fallback" => {
                c.no_block(item);
                c.extra(item, 0);
                let f = match kw {
                    "ops" => SchedulerFlag::OnePacket,
                    "flag-1" | "sh-fallback" | "mh-fallback" => SchedulerFlag::Sched1,
                    "flag-2" | "sh-port" | "mh-port" => SchedulerFlag::Sched2,
                    _ => SchedulerFlag::Sched3,
                };
                vs.scheduler_flags.push(Spanned::new(f, item.span()));
            }
            "ip_family" => {
                if let Some(w) = c.arg(item) {
                    c.no_block(item);
                    c.extra(item, 1);
                    vs.ip_family = match w.text.as_str() {
                        "inet" => Some(Spanned::new(IpFamily::Inet, w.span)),
                        "inet6" => Some(Spanned::new(IpFamily::Inet6, w.span)),
                        o => {
                            c.bad(w, "ip_family", format!("`{o}` is not inet or inet6"));
                            None
                        }
                    };
                }
            }
            k if VS.as_written(k) => vs.other.push(raw_setting(item)),
            _ => c.unknown(item, "`virtual_server`", &VS.names()),
        }
    }
    vs.real_servers.shrink_to_fit();
    Some(vs)
}

fn real_server(c: &mut Ctx, n: &Node) -> Option<RealServer> {
    let args = n.args();
    let Some(first) = args.first() else {
        c.sink
            .error("missing-value", n.span(), "`real_server` needs an address");
        return None;
    };
    let ip = c.ip_word(first, "real_server")?;
    let port = match args.get(1) {
        Some(p) => Some(c.port_word(p, "real_server", 0)?),
        None => None,
    };
    if !c.block_required(n, 2) {
        // keepalived accepts `real_server IP PORT` without a block; it has no checker then.
        return Some(empty_rs(ip, port));
    }
    let mut rs = empty_rs(ip, port);
    for item in c.items(n) {
        if super::row::set_from(c, item, RS, &mut rs) {
            continue;
        }
        let kw = item.keyword();
        match kw {
            "lvs_method" => {
                rs.lvs_method = c.lvs_method(item);
                rs.lvs_tunnel = c.lvs_tunnel(item);
            }
            k if RS.as_written(k) => rs.other.push(raw_setting(item)),
            "TCP_CHECK" | "HTTP_GET" | "SSL_GET" | "MISC_CHECK" | "SMTP_CHECK" | "DNS_CHECK"
            | "UDP_CHECK" | "PING_CHECK" | "FILE_CHECK" | "BFD_CHECK" => {
                if let Some(ch) = checker(c, item) {
                    if rs.checkers.is_empty() {
                        // most real servers have one checker: no grow + shrink
                        rs.checkers.reserve_exact(1);
                    }
                    rs.checkers.push(ch);
                }
            }
            _ => c.unknown(item, "`real_server`", &RS.names()),
        }
    }
    rs.checkers.shrink_to_fit();
    Some(rs)
}

fn empty_rs(ip: Spanned<IpAddr>, port: Option<u16>) -> RealServer {
    RealServer {
        ip,
        port,
        weight: None,
        lvs_method: None,
        lvs_tunnel: None,
        inhibit_on_failure: None,
        notify_up: None,
        notify_down: None,
        uthreshold: None,
        lthreshold: None,
        smtp_alert: None,
        alpha: None,
        retry: None,
        delay_before_retry: None,
        warmup: None,
        connect_timeout: None,
        delay_loop: None,
        virtualhost: None,
        checkers: Vec::new(),
        other: Vec::new(),
    }
}

fn checker(c: &mut Ctx, n: &Node) -> Option<Checker> {
    let kw = n.keyword();
    let mut kind = match kw {
        "TCP_CHECK" => CheckerKind::Tcp,
        "HTTP_GET" => CheckerKind::Http(Box::default()),
        "SSL_GET" => CheckerKind::Ssl(Box::default()),
        "MISC_CHECK" => CheckerKind::Misc(Box::default()),
        "SMTP_CHECK" => CheckerKind::Smtp(Box::default()),
        "DNS_CHECK" => CheckerKind::Dns(Box::default()),
        "UDP_CHECK" => CheckerKind::Udp(Box::default()),
        "PING_CHECK" => CheckerKind::Ping,
        "FILE_CHECK" => CheckerKind::File(Box::default()),
        _ => CheckerKind::Bfd(Box::default()),
    };
    if !c.block_required(n, 0) {
        return None;
    }
    let network = !matches!(
        kind,
        CheckerKind::Misc(_) | CheckerKind::File(_) | CheckerKind::Bfd(_)
    );
    let mut ch = Checker {
        span: n.span(),
        connect: ConnectOptions::default(),
        retry: None,
        delay_before_retry: None,
        warmup: None,
        delay_loop: None,
        alpha: None,
        log_all_failures: None,
        kind: CheckerKind::Tcp,
        other: Vec::new(),
    };
    let specific: Option<&Section> = match &kind {
        CheckerKind::Http(_) | CheckerKind::Ssl(_) => Some(&table::HTTP_GET),
        CheckerKind::Misc(_) => Some(&table::MISC_CHECK),
        CheckerKind::Smtp(_) => Some(&table::SMTP_CHECK),
        CheckerKind::Dns(_) => Some(&table::DNS_CHECK),
        CheckerKind::Udp(_) => Some(&table::UDP_CHECK),
        CheckerKind::File(_) => Some(&table::FILE_CHECK),
        CheckerKind::Bfd(_) => Some(&table::BFD_CHECK),
        _ => None,
    };
    // The keywords for a did-you-mean hint, gathered only when one is needed.
    let common_kw = !matches!(kind, CheckerKind::File(_) | CheckerKind::Bfd(_));
    let known = || {
        let mut known: Vec<&str> = specific.map(Section::names).unwrap_or_default();
        if network {
            known.extend(table::CHECKER_CONNECT.names());
        }
        if common_kw {
            known.extend(table::CHECKER_COMMON.names());
        }
        known
    };
    for item in c.items(n) {
        let k = item.keyword();
        if network && connect_option(c, item, &mut ch.connect) {
            continue;
        }
        if common_kw && super::row::set_from(c, item, &table::CHECKER_COMMON, &mut ch) {
            continue;
        }
        if let Some(row) = specific.and_then(|t| t.get(k))
            && (super::row::set_field(c, item, row, &mut ch) || kind_field(c, item, row, &mut kind))
        {
            continue;
        }
        match (k, &mut kind) {
            // check_http.c `http_get_retry_handler`: the old name of `retry`
            ("nb_get_retry", CheckerKind::Http(_) | CheckerKind::Ssl(_)) => {
                c.sink.push(
                    Diagnostic::warning("deprecated", item.span(), "`nb_get_retry` is deprecated")
                        .with_hint("use `retry`"),
                );
                ch.retry = c.uint_of(item, &table::HTTP_GET);
            }
            ("url", CheckerKind::Http(h) | CheckerKind::Ssl(h)) => {
                if c.block_required(item, 0) {
                    h.urls.push(url(c, item));
                }
            }
            ("http_protocol", CheckerKind::Http(h) | CheckerKind::Ssl(h)) => {
                h.http_protocol = c.string(item);
                if let Some(p) = &h.http_protocol
                    && !matches!(p.value.as_str(), "1.0" | "1.0C" | "1.0c" | "1.1")
                {
                    c.sink.error(
                        "invalid-value",
                        p.span,
                        format!(
                            "invalid `http_protocol` `{}`: expected 1.0, 1.0C or 1.1",
                            p.value
                        ),
                    );
                }
            }
            ("user", CheckerKind::Misc(m)) => m.user = c.user(item),
            ("host", CheckerKind::Smtp(s)) => {
                if c.block_required(item, 0) {
                    let mut co = ConnectOptions::default();
                    for h in c.items(item) {
                        if !connect_option(c, h, &mut co) {
                            c.unknown(h, "`host`", &CONNECT.names());
                        }
                    }
                    s.hosts.push(co);
                }
            }
            ("type", CheckerKind::Dns(d)) => {
                d.r#type = c.string(item);
                if let Some(t) = &d.r#type
                    && !matches!(
                        t.value.to_ascii_uppercase().as_str(),
                        "A" | "NS" | "CNAME" | "SOA" | "MX" | "TXT" | "AAAA"
                    )
                {
                    c.sink.error(
                        "invalid-value",
                        t.span,
                        format!("unknown DNS query type `{}`", t.value),
                    );
                }
            }
            ("require_reply", CheckerKind::Udp(u)) => {
                c.no_block(item);
                u.require_reply = Some(Spanned::new(
                    item.args().first().map(|w| w.text.to_string()),
                    item.span(),
                ));
            }
            ("dynamic", CheckerKind::File(_)) => {
                c.no_block(item);
                c.extra(item, 0);
                ch.other.push(raw_setting(item));
            }
            ("weight", CheckerKind::File(f)) => {
                f.weight = c.int_of(item, &table::FILE_CHECK);
                f.reverse = item.args().get(1).is_some_and(|w| w.text == "reverse");
            }
            _ => c.unknown(item, &format!("`{kw}`"), &known()),
        }
    }
    if let CheckerKind::Misc(m) = &kind
        && m.misc_path.is_none()
    {
        // check_misc.c misc_end_handler(): "No script path has been specified for
        // MISC_CHECKER - skipping".
        c.sink.warn(
            "missing-value",
            n.span(),
            "MISC_CHECK has no `misc_path`; the checker is ignored, as keepalived does",
        );
        return None;
    }
    ch.kind = kind;
    Some(ch)
}

/// Sets the field of the checker kind's own settings that `row` names (see
/// [`super::row::set_field`]).
fn kind_field(c: &mut Ctx, item: &Node, row: &table::Keyword, kind: &mut CheckerKind) -> bool {
    use super::row::set_field;
    match kind {
        CheckerKind::Http(h) | CheckerKind::Ssl(h) => set_field(c, item, row, h.as_mut()),
        CheckerKind::Misc(m) => set_field(c, item, row, m.as_mut()),
        CheckerKind::Smtp(s) => set_field(c, item, row, s.as_mut()),
        CheckerKind::Dns(d) => set_field(c, item, row, d.as_mut()),
        CheckerKind::Udp(u) => set_field(c, item, row, u.as_mut()),
        CheckerKind::File(f) => set_field(c, item, row, f.as_mut()),
        CheckerKind::Bfd(b) => set_field(c, item, row, b.as_mut()),
        _ => false,
    }
}

/// The connection options' keywords.
const CONNECT: &Section = &table::CHECKER_CONNECT;

/// Connection options (every row of [`table::CHECKER_CONNECT`] names its field);
/// true when `n` was one.
fn connect_option(c: &mut Ctx, n: &Node, co: &mut ConnectOptions) -> bool {
    super::row::set_from(c, n, CONNECT, co)
}

fn url(c: &mut Ctx, n: &Node) -> Url {
    let mut u = Url {
        path: None,
        digest: None,
        status_code: Vec::new(),
        virtualhost: None,
        regex: None,
        other: Vec::new(),
        span: n.span(),
    };
    for item in c.items(n) {
        if super::row::set_from(c, item, URL, &mut u) {
            continue;
        }
        match item.keyword() {
            "digest" => {
                u.digest = c.string(item);
                if let Some(d) = &u.digest
                    && !(d.value.len() == 32 && d.value.bytes().all(|b| b.is_ascii_hexdigit()))
                {
                    c.sink.error(
                        "invalid-value",
                        d.span,
                        "`digest` must be 32 hexadecimal characters (MD5)",
                    );
                }
            }
            "status_code" => {
                c.no_block(item);
                for w in item.args() {
                    let (a, b) = w.text.split_once('-').unwrap_or((&w.text, &w.text));
                    match (
                        values::parse_uint(a, 100, 599),
                        values::parse_uint(b, 100, 599),
                    ) {
                        (Ok(x), Ok(y)) if x <= y => {
                            u.status_code
                                .push(Spanned::new((x as u16, y as u16), w.span));
                        }
                        _ => c.bad(
                            w,
                            "status_code",
                            format!("`{}` is not a code or range within 100..599", w.text),
                        ),
                    }
                }
                if item.args().is_empty() {
                    c.sink
                        .error("missing-value", item.span(), "`status_code` needs a value");
                }
            }
            k if URL.as_written(k) => u.other.push(raw_setting(item)),
            _ => c.unknown(item, "`url`", &URL.names()),
        }
    }
    if u.path.is_none() {
        c.sink
            .error("missing-value", n.span(), "`url` has no `path`");
    }
    u
}
