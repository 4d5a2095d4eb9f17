//! The LVS sections' keywords (keepalived/check/check_parser.c and check_*.c, man5
//! "LVS CONFIGURATION"); a real server's unset checker settings fall back to its
//! virtual server's (check_parser.c).

use super::{Field, Keyword, L, Section, Set, Value};

const U32: u64 = u32::MAX as u64;
/// `u32::MAX` seconds in microseconds: the largest checker timer.
pub(crate) const TIMER_MAX: u64 = U32 * 1_000_000;
const fn l(keyword: &'static str, value: Value) -> Keyword {
    Keyword::new(keyword, L, value)
}

const SCHED: Value = Value::Other("rr|wrr|lc|wlc|lblc|sh|mh|dh|fo|ovf|lblcr|sed|nq|twos");
const METHOD: Value = Value::Other("NAT|DR|TUN [type ipip|gue|gre] [port P] [csum options]");
const SCHED_FLAG: Value = Value::Bare;
const REGEX: &str = "fail the check unless the page matches the regular expression";

/// `virtual_server IP PORT | fwmark N | group NAME { ... }`
pub const VIRTUAL_SERVER: Section = Section {
    name: "virtual_server",
    keywords: &[
        l("lvs_sched", SCHED).dflt("wlc"),
        l("lb_algo", SCHED).dflt("wlc"),
        l("lvs_method", METHOD).dflt("NAT"),
        l("lb_kind", METHOD).dflt("NAT"),
        // check_data.c `validate_check_config`: "no protocol set - defaulting to UDP"
        l("protocol", Value::Other("TCP|UDP|SCTP"))
            .dflt("UDP, with a configuration error (none for a fwmark)"),
        l("persistence_timeout", Value::uint(1, 2_678_400))
            .dflt("none; 360 when written without a value"),
        l("persistence_granularity", Value::Text)
            .set(Set::Text(Field::VirtualServer(|v| {
                &mut v.persistence_granularity
            })))
            .dflt("255.255.255.255 (/128)"),
        l("persistence_engine", Value::Text)
            .set(Set::Text(Field::VirtualServer(|v| {
                &mut v.persistence_engine
            })))
            .dflt("none"),
        l("delay_loop", Value::secs(1, TIMER_MAX))
            .set(Set::Seconds(Field::VirtualServer(|v| &mut v.delay_loop)))
            .dflt("60"),
        l("connect_timeout", Value::secs(1, TIMER_MAX))
            .set(Set::Seconds(Field::VirtualServer(|v| {
                &mut v.connect_timeout
            })))
            .dflt("5"),
        l("retry", Value::uint(1, U32))
            .set(Set::U32(Field::VirtualServer(|v| &mut v.retry)))
            .dflt("the checker's"),
        l("delay_before_retry", Value::secs(0, TIMER_MAX))
            .set(Set::Seconds(Field::VirtualServer(|v| {
                &mut v.delay_before_retry
            })))
            .dflt("the checker's"),
        l("warmup", Value::secs(0, TIMER_MAX))
            .set(Set::Seconds(Field::VirtualServer(|v| &mut v.warmup)))
            .dflt("the checker's (the delay_loop)"),
        l("inhibit_on_failure", Value::Flag)
            .set(Set::On(Field::VirtualServer(|v| &mut v.inhibit_on_failure)))
            .dflt("off"),
        l("alpha", Value::Flag)
            .set(Set::On(Field::VirtualServer(|v| &mut v.alpha)))
            .dflt("off"),
        l("omega", Value::Flag)
            .set(Set::On(Field::VirtualServer(|v| &mut v.omega)))
            .dflt("off"),
        l("quorum", Value::uint(1, U32))
            .set(Set::U32(Field::VirtualServer(|v| &mut v.quorum)))
            .dflt("1"),
        l("hysteresis", Value::uint(0, U32))
            .set(Set::U32(Field::VirtualServer(|v| &mut v.hysteresis)))
            .dflt("0"),
        l("quorum_up", Value::Script)
            .set(Set::Script(Field::VirtualServer(|v| &mut v.quorum_up)))
            .dflt("none"),
        l("quorum_down", Value::Script)
            .set(Set::Script(Field::VirtualServer(|v| &mut v.quorum_down)))
            .dflt("none"),
        l("sorry_server", Value::Other("IP PORT")).dflt("none"),
        l("sorry_server_inhibit", Value::Flag)
            .set(Set::On(Field::VirtualServer(|v| {
                &mut v.sorry_server_inhibit
            })))
            .dflt("off"),
        l("sorry_server_lvs_method", METHOD).dflt("the lvs_method"),
        l("virtualhost", Value::Text)
            .set(Set::Text(Field::VirtualServer(|v| &mut v.virtualhost)))
            .dflt("none"),
        l("weight", Value::uint(1, i32::MAX as u64))
            .set(Set::U32(Field::VirtualServer(|v| &mut v.weight)))
            .dflt("1"),
        l("ha_suspend", Value::Bare)
            .set(Set::On(Field::VirtualServer(|v| &mut v.ha_suspend)))
            .dflt("off"),
        l("smtp_alert", Value::Flag)
            .set(Set::On(Field::VirtualServer(|v| &mut v.smtp_alert)))
            .dflt("off")
            .fallback("global_defs smtp_alert_checker, then smtp_alert"),
        l("real_server", Value::Block("IP PORT { ... }")).dflt("none"),
        l("ops", SCHED_FLAG).dflt("off"),
        l("flag-1", SCHED_FLAG).dflt("off"),
        l("flag-2", SCHED_FLAG).dflt("off"),
        l("flag-3", SCHED_FLAG).dflt("off"),
        l("sh-port", SCHED_FLAG).dflt("off"),
        l("sh-fallback", SCHED_FLAG).dflt("off"),
        l("mh-port", SCHED_FLAG).dflt("off"),
        l("mh-fallback", SCHED_FLAG).dflt("off"),
        l("ip_family", Value::Other("inet|inet6")).dflt("the addresses' family"),
        // kept as written
        l("hashed", Value::Bare).dflt("off").raw(),
        l("snmp_name", Value::Text).dflt("none").kept(),
    ],
};

/// `real_server IP PORT { ... }`
pub const REAL_SERVER: Section = Section {
    name: "real_server",
    keywords: &[
        l("weight", Value::uint(0, i32::MAX as u64))
            .set(Set::U32(Field::RealServer(|r| &mut r.weight)))
            .dflt("1"),
        l("lvs_method", METHOD)
            .dflt("NAT")
            .fallback("virtual_server lvs_method"),
        l("inhibit_on_failure", Value::Flag)
            .set(Set::On(Field::RealServer(|r| &mut r.inhibit_on_failure)))
            .dflt("off")
            .fallback("virtual_server inhibit_on_failure"),
        l("notify_up", Value::Script)
            .set(Set::Script(Field::RealServer(|r| &mut r.notify_up)))
            .dflt("none"),
        l("notify_down", Value::Script)
            .set(Set::Script(Field::RealServer(|r| &mut r.notify_down)))
            .dflt("none"),
        l("uthreshold", Value::uint(0, U32))
            .set(Set::U32(Field::RealServer(|r| &mut r.uthreshold)))
            .dflt("0 (none)"),
        l("lthreshold", Value::uint(0, U32))
            .set(Set::U32(Field::RealServer(|r| &mut r.lthreshold)))
            .dflt("0 (none)"),
        // check_data.c `validate_check_config`: an unset real server's smtp_alert takes
        // the global ones, else on; never the virtual server's
        l("smtp_alert", Value::Flag)
            .set(Set::On(Field::RealServer(|r| &mut r.smtp_alert)))
            .dflt("on")
            .fallback("global_defs smtp_alert_checker, then smtp_alert"),
        l("alpha", Value::Flag)
            .set(Set::On(Field::RealServer(|r| &mut r.alpha)))
            .dflt("off")
            .fallback("virtual_server alpha"),
        l("retry", Value::uint(1, U32))
            .set(Set::U32(Field::RealServer(|r| &mut r.retry)))
            .dflt("the checker's")
            .fallback("virtual_server retry"),
        l("delay_before_retry", Value::secs(0, TIMER_MAX))
            .set(Set::Seconds(Field::RealServer(|r| {
                &mut r.delay_before_retry
            })))
            .dflt("the checker's")
            .fallback("virtual_server delay_before_retry"),
        l("warmup", Value::secs(0, TIMER_MAX))
            .set(Set::Seconds(Field::RealServer(|r| &mut r.warmup)))
            .dflt("the checker's (the delay_loop)")
            .fallback("virtual_server warmup"),
        l("connect_timeout", Value::secs(1, TIMER_MAX))
            .set(Set::Seconds(Field::RealServer(|r| &mut r.connect_timeout)))
            .dflt("5")
            .fallback("virtual_server connect_timeout"),
        l("delay_loop", Value::secs(1, TIMER_MAX))
            .set(Set::Seconds(Field::RealServer(|r| &mut r.delay_loop)))
            .dflt("60")
            .fallback("virtual_server delay_loop"),
        l("virtualhost", Value::Text)
            .set(Set::Text(Field::RealServer(|r| &mut r.virtualhost)))
            .dflt("none")
            .fallback("virtual_server virtualhost"),
        l("snmp_name", Value::Text).dflt("none").kept(),
        l("TCP_CHECK", Value::Block("checker")).dflt("none"),
        l("HTTP_GET", Value::Block("checker")).dflt("none"),
        l("SSL_GET", Value::Block("checker")).dflt("none"),
        l("MISC_CHECK", Value::Block("checker")).dflt("none"),
        l("SMTP_CHECK", Value::Block("checker")).dflt("none"),
        l("DNS_CHECK", Value::Block("checker")).dflt("none"),
        l("UDP_CHECK", Value::Block("checker")).dflt("none"),
        l("PING_CHECK", Value::Block("checker")).dflt("none"),
        l("FILE_CHECK", Value::Block("checker")).dflt("none"),
        l("BFD_CHECK", Value::Block("checker")).dflt("none"),
    ],
};

/// A `url { ... }` block of an `HTTP_GET` or `SSL_GET` checker.
pub const URL: Section = Section {
    name: "url",
    keywords: &[
        l("path", Value::Text)
            .set(Set::Text(Field::Url(|u| &mut u.path)))
            .dflt("none (required)"),
        l("digest", Value::Other("32 hexadecimal characters")).dflt("none"),
        l(
            "status_code",
            Value::Other("CODE or CODE-CODE, 100..599, several"),
        )
        .dflt("200-299"),
        l("virtualhost", Value::Text)
            .set(Set::Text(Field::Url(|u| &mut u.virtualhost)))
            .dflt("none")
            .fallback("the checker's virtualhost"),
        l("regex", Value::Text)
            .set(Set::Text(Field::Url(|u| &mut u.regex)))
            .dflt("none")
            .not_acted(L, REGEX),
        l("regex_no_match", Value::Bare)
            .dflt("off")
            .raw()
            .not_acted(L, REGEX),
        l("regex_options", Value::Words)
            .dflt("none")
            .raw()
            .not_acted(L, REGEX),
        l("regex_stack", Value::Other("[MIN] MAX"))
            .dflt("PCRE2's")
            .raw()
            .not_acted(L, REGEX),
        l("regex_min_offset", Value::Text)
            .dflt("0")
            .raw()
            .not_acted(L, REGEX),
        l("regex_max_offset", Value::Text)
            .dflt("none (the whole page)")
            .raw()
            .not_acted(L, REGEX),
    ],
};

/// `FILE_CHECK { ... }` (keepalived/check/check_file.c).
pub const FILE_CHECK: Section = Section {
    name: "FILE_CHECK",
    keywords: &[
        l("track_file", Value::Text)
            .set(Set::Text(Field::FileCheck(|f| &mut f.track_file)))
            .dflt("none (required)"),
        l("weight", Value::int(-(i32::MAX as i64), i32::MAX as i64)).dflt("1"),
        l("dynamic", Value::Bare).dflt("off").raw().not_acted(
            L,
            "add the file's value times the weight to the real server's weight \
             instead of taking the real server out",
        ),
    ],
};

/// Connection options of the network checkers (all but MISC_CHECK, FILE_CHECK and
/// BFD_CHECK; check_api.c); unset, they come from the real server.
pub const CHECKER_CONNECT: Section = Section {
    name: "checker connection",
    keywords: &[
        l("connect_ip", Value::Ip)
            .set(Set::Ip(Field::Connect(|o| &mut o.connect_ip)))
            .dflt("the real server's address"),
        l("connect_port", Value::uint(1, 65535))
            .set(Set::U16(Field::Connect(|o| &mut o.connect_port)))
            .dflt("the real server's port"),
        l("bindto", Value::Ip)
            .set(Set::Ip(Field::Connect(|o| &mut o.bindto)))
            .dflt("none (the route's source)"),
        l("bind_port", Value::uint(1, 65535))
            .set(Set::U16(Field::Connect(|o| &mut o.bind_port)))
            .dflt("none (any)"),
        l("bind_if", Value::Text)
            .set(Set::Text(Field::Connect(|o| &mut o.bind_if)))
            .dflt("none"),
        l("connect_timeout", Value::secs(1, TIMER_MAX))
            .fallback("real_server connect_timeout, then virtual_server connect_timeout")
            .set(Set::Seconds(Field::Connect(|o| &mut o.connect_timeout)))
            .dflt("5"),
        l("fwmark", Value::uint(0, U32))
            .set(Set::U32(Field::Connect(|o| &mut o.fwmark)))
            .dflt("0 (none)"),
    ],
};

/// Settings of every checker but FILE_CHECK and BFD_CHECK (BFD_CHECK has an `alpha` row of
/// its own, setting the same field); unset, they come from the real server, then the
/// virtual server (check_parser.c `install_checker_common_keywords`).
pub const CHECKER_COMMON: Section = Section {
    name: "checker",
    keywords: &[
        l("retry", Value::uint(0, U32))
            .fallback("real_server retry, then virtual_server retry")
            .set(Set::U32(Field::Checker(|k| &mut k.retry)))
            .dflt("1; MISC_CHECK 0, DNS_CHECK 3"),
        l("delay_before_retry", Value::secs(0, TIMER_MAX))
            .fallback("real_server delay_before_retry, then virtual_server delay_before_retry")
            .set(Set::Seconds(Field::Checker(|k| &mut k.delay_before_retry)))
            .dflt("1; HTTP_GET and SSL_GET 3, DNS_CHECK the delay_loop"),
        l("warmup", Value::secs(0, TIMER_MAX))
            .fallback("real_server warmup, then virtual_server warmup")
            .set(Set::Seconds(Field::Checker(|k| &mut k.warmup)))
            .dflt("the delay_loop"),
        l("delay_loop", Value::secs(1, TIMER_MAX))
            .fallback("real_server delay_loop, then virtual_server delay_loop")
            .set(Set::Seconds(Field::Checker(|k| &mut k.delay_loop)))
            .dflt("60"),
        l("alpha", Value::Flag)
            .fallback("real_server alpha, then virtual_server alpha")
            .set(Set::On(Field::Checker(|k| &mut k.alpha)))
            .dflt("off"),
        l("log_all_failures", Value::Flag)
            .fallback("global_defs checker_log_all_failures")
            .set(Set::On(Field::Checker(|k| &mut k.log_all_failures)))
            .dflt("off"),
    ],
};

/// `HTTP_GET { ... }` and `SSL_GET { ... }` (check_http.c), besides
/// [`CHECKER_CONNECT`] and [`CHECKER_COMMON`].
pub const HTTP_GET: Section = Section {
    name: "HTTP_GET",
    keywords: &[
        l(
            "url",
            Value::Block("path, digest, status_code, virtualhost, regex"),
        )
        .dflt("none (required)"),
        l("http_protocol", Value::Other("1.0 | 1.0C | 1.1")).dflt("1.0"),
        l("virtualhost", Value::Text)
            .set(Set::Text(Field::Http(|h| &mut h.virtualhost)))
            .dflt("none")
            .fallback("real_server virtualhost, then virtual_server virtualhost"),
        l("fast_recovery", Value::Flag)
            .set(Set::On(Field::Http(|h| &mut h.fast_recovery)))
            .dflt("off")
            .not_acted(
                L,
                "check the urls one after the other, without the delay_loop between them, \
             while starting or recovering",
            ),
        l("nb_get_retry", Value::uint(0, U32)).dflt("1 (the retry)"),
        l("enable_sni", Value::Flag)
            .set(Set::On(Field::Http(|h| &mut h.enable_sni)))
            .dflt("off"),
        // check_http.c `sni_name_handler`, added after keepalived 2.4.3
        l("sni_name", Value::Text)
            .set(Set::Text(Field::Http(|h| &mut h.sni_name)))
            .dflt("the virtualhost")
            .later("after 2.4.3"),
    ],
};

/// `SSL_GET { ... }`: the keywords of [`HTTP_GET`].
pub const SSL_GET: Section = Section {
    name: "SSL_GET",
    keywords: HTTP_GET.keywords,
};

/// `MISC_CHECK { ... }` (check_misc.c).
pub const MISC_CHECK: Section = Section {
    name: "MISC_CHECK",
    keywords: &[
        l("misc_path", Value::Script)
            .set(Set::Script(Field::Misc(|m| &mut m.misc_path)))
            .dflt("none (required)"),
        // check_misc.c `misc_check_thread`: 0 runs the script for the virtual server's
        // delay_loop
        l("misc_timeout", Value::uint(0, U32 / 1_000_000))
            .set(Set::U32(Field::Misc(|m| &mut m.misc_timeout)))
            .dflt("0 (the virtual_server's delay_loop)"),
        l("misc_dynamic", Value::Bare)
            .set(Set::On(Field::Misc(|m| &mut m.misc_dynamic)))
            .dflt("off"),
        l("user", Value::Other("USER [GROUP]"))
            .dflt("keepalived_script if that user exists, else root")
            .fallback("global_defs script_user"),
    ],
};

/// `SMTP_CHECK { ... }` (check_smtp.c).
pub const SMTP_CHECK: Section = Section {
    name: "SMTP_CHECK",
    keywords: &[
        l("helo_name", Value::Text)
            .set(Set::Text(Field::Smtp(|s| &mut s.helo_name)))
            .dflt("smtpchecker.keepalived.org"),
        l(
            "host",
            Value::Block("connection options of one more server to check"),
        )
        .dflt("none (the real server)"),
    ],
};

/// `DNS_CHECK { ... }` (check_dns.c).
pub const DNS_CHECK: Section = Section {
    name: "DNS_CHECK",
    keywords: &[
        l("type", Value::Other("A|NS|CNAME|SOA|MX|TXT|AAAA")).dflt("SOA"),
        l("name", Value::Text)
            .set(Set::Text(Field::Dns(|d| &mut d.name)))
            .dflt("empty (the root)"),
    ],
};

/// `UDP_CHECK { ... }` (check_udp.c).
pub const UDP_CHECK: Section = Section {
    name: "UDP_CHECK",
    keywords: &[
        l("payload", Value::Text)
            .set(Set::Text(Field::Udp(|u| &mut u.payload)))
            .dflt("none (an empty datagram)"),
        l("require_reply", Value::Other("[HEX]")).dflt("off"),
        l("min_reply_length", Value::uint(0, 255))
            .set(Set::U32(Field::Udp(|u| &mut u.min_reply_length)))
            .dflt("0"),
        l("max_reply_length", Value::uint(0, 255))
            .set(Set::U32(Field::Udp(|u| &mut u.max_reply_length)))
            .dflt("255"),
    ],
};

/// `BFD_CHECK { ... }` (check_bfd.c).
pub const BFD_CHECK: Section = Section {
    name: "BFD_CHECK",
    keywords: &[
        l("name", Value::Text)
            .set(Set::Text(Field::BfdCheck(|b| &mut b.name)))
            .dflt("none (required)"),
        l("alpha", Value::Flag)
            .set(Set::On(Field::Checker(|k| &mut k.alpha)))
            .dflt("off")
            .fallback("real_server alpha, then virtual_server alpha"),
    ],
};
