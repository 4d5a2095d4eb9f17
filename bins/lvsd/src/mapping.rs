//! keepalived.conf model → [`Desired`]: defaults, inheritance (checker → real
//! server → virtual server, docs/keepalived.md §5.1), groups expanded into services.
//! A virtual server that cannot be programmed (unknown scheduler, address
//! family mismatch, undefined group, ...) is reported with its file:line and
//! skipped; the others are kept.

use std::collections::{BTreeSet, HashSet};
use std::net::IpAddr;
use std::time::Duration;

use ipvs_sys::{
    AddressFamily, DaemonState, Destination, ForwardMethod, Protocol, Service, ServiceFlags,
    ServiceKey, SyncDaemon, Timeouts, TunnelFlags, TunnelType,
};
use keepalived_conf as kc;

use crate::model::*;
use keepalived_conf::command::split_config_command;

mod bfd;
pub mod diagnostics;
mod granularity;
pub use bfd::peer_spec;

/// Schedulers keepalived accepts (check_parser.c `lvs_sched_handler`).
pub const SCHEDULERS: &[&str] = &[
    "rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos",
];

/// Most services one `virtual_server_group` may expand to.
pub const MAX_GROUP_SERVICES: usize = 65_536;

/// The result of mapping a configuration.
#[derive(Debug, Clone, Default)]
pub struct Mapped {
    /// What to run.
    pub desired: Desired,
    /// Problems, in file order: errors ([`diagnostics::SKIPPED`]) for the
    /// virtual servers skipped, warnings ([`diagnostics::MAPPING`]) for the
    /// rest; see [`Mapped::line`] for their text.
    pub diagnostics: Vec<kc::Diagnostic>,
    /// The configuration's file names, indexed by [`kc::Span::file`].
    pub files: Vec<String>,
}

struct Ctx<'a> {
    cfg: &'a kc::Config,
    diags: Vec<kc::Diagnostic>,
}

impl Ctx<'_> {
    fn loc(&self, span: kc::Span) -> Location {
        let file = self
            .cfg
            .files
            .get(span.file.0 as usize)
            .map(String::as_str)
            .unwrap_or("?");
        format!("{file}:{}", span.line)
    }

    fn warn(&mut self, span: kc::Span, message: impl Into<String>) {
        self.diags
            .push(kc::Diagnostic::warning(diagnostics::MAPPING, span, message));
    }

    /// The virtual server at `span` is skipped because of `message`.
    fn skip(&mut self, span: kc::Span, message: impl Into<String>) {
        self.diags
            .push(kc::Diagnostic::error(diagnostics::SKIPPED, span, message));
    }
}

/// An error that skips one virtual server.
struct Skip(kc::Span, String);

fn v<T: Clone>(o: &kc::Opt<T>) -> Option<T> {
    o.as_ref().map(|s| s.value.clone())
}

/// Maps a parsed configuration.
pub fn map_config(cfg: &kc::Config) -> Mapped {
    let mut c = Ctx {
        cfg,
        diags: Vec::new(),
    };
    let g = &cfg.global_defs;
    let mut desired = Desired {
        timeouts: g.lvs_timeouts.as_ref().and_then(|t| {
            let t = &t.value;
            let out = Timeouts {
                tcp: t.tcp.unwrap_or(0),
                tcp_fin: t.tcpfin.unwrap_or(0),
                udp: t.udp.unwrap_or(0),
            };
            (out != Timeouts::default()).then_some(out)
        }),
        flush_at_start: v(&g.lvs_flush).unwrap_or(false),
        flush_on_stop: v(&g.lvs_flush_on_stop).unwrap_or(false),
        rs_init_notifies: v(&g.rs_init_notifies).unwrap_or(false),
        smtp: crate::alerts::smtp_config(g),
        router_id: v(&g.router_id).unwrap_or_else(crate::alerts::hostname),
        notify_fifos: crate::fifo::specs(g),
        script_policy: crate::script_policy::ScriptPolicy::of(g),
        // keepalived starts its checker process, and with it the checker's
        // SNMP agent, only when a virtual_server is written (main.c
        // `start_keepalived`); vrrpd then serves `global` itself
        snmp: (!cfg.virtual_servers.is_empty())
            .then(|| crate::snmp::Settings::of(g))
            .flatten(),
        vs_groups: std::sync::Arc::new(cfg.virtual_server_groups.clone()),
        lvs_sync_daemon: g.lvs_sync_daemon.as_ref().map(|s| s.value.clone()),
        ..Desired::default()
    };
    if let Some(sd) = &g.lvs_sync_daemon {
        match &sd.value.instance {
            Some(inst) => c.warn(
                sd.span,
                format!(
                    "lvs_sync_daemon follows vrrp_instance `{inst}`: its master/backup role is switched by the VRRP daemon, not by lvsd"
                ),
            ),
            None => {
                for state in [DaemonState::Master, DaemonState::Backup] {
                    let s = &sd.value;
                    let mut d = SyncDaemon::new(state, s.interface.clone(), u32::from(s.id.unwrap_or(0)));
                    d.sync_maxlen = s.maxlen;
                    d.mcast_port = s.port;
                    d.mcast_ttl = s.ttl;
                    d.mcast_group = s.group;
                    desired.sync_daemons.push(d);
                }
            }
        }
    }
    let mut seen_keys: HashSet<ServiceKey> = HashSet::new();
    let mut seen_ids: HashSet<String> = HashSet::new();
    for vs in &cfg.virtual_servers {
        match map_vs(&mut c, vs) {
            // Dropped with a warning already given (keepalived ignores it at start).
            Ok(None) => {}
            Ok(Some(mut m)) => {
                if let Some(dup) = m.services.iter().find(|s| seen_keys.contains(&s.key)) {
                    c.skip(
                        vs.key.span,
                        format!(
                            "service {} is already defined by an earlier virtual_server",
                            dup.key
                        ),
                    );
                    continue;
                }
                seen_keys.extend(m.services.iter().map(|s| s.key));
                let base = m.id.clone();
                let mut n = 2;
                while seen_ids.contains(&m.id) {
                    m.id = format!("{base}#{n}");
                    n += 1;
                }
                seen_ids.insert(m.id.clone());
                desired.virtual_servers.push(m);
            }
            Err(Skip(span, message)) => c.skip(span, message),
        }
    }
    let used: BTreeSet<String> = desired
        .virtual_servers
        .iter()
        .flat_map(|vs| &vs.real_servers)
        .flat_map(|rs| &rs.checkers)
        .filter_map(|ch| match &ch.kind {
            CheckKind::Bfd { name } => Some(name.clone()),
            _ => None,
        })
        .collect();
    desired.bfd_sessions = bfd::sessions(&mut c, &used);
    let mut mapped = Mapped {
        desired,
        diagnostics: c.diags,
        files: cfg.files.clone(),
    };
    mapped.sort_diagnostics();
    mapped
}

fn fwd(m: kc::LvsMethod) -> ForwardMethod {
    match m {
        kc::LvsMethod::Nat => ForwardMethod::Masq,
        kc::LvsMethod::Dr => ForwardMethod::Route,
        kc::LvsMethod::Tun => ForwardMethod::Tunnel,
    }
}

/// `lvs_method TUN [type ...] [port N] [csum...]` → IPVS_DEST_ATTR_TUN_TYPE/PORT/FLAGS
/// (only sent for tunnelling destinations; keepalived ipvs_nl_fill_dest_attr).
fn set_tunnel(dest: &mut Destination, opts: Option<kc::TunnelOptions>) {
    let Some(o) = opts else { return };
    if dest.fwd != ForwardMethod::Tunnel {
        return;
    }
    (dest.tun_type, dest.tun_port, dest.tun_flags) = tunnel_of(o);
}

/// The IPVS tunnel type, port and flags of `lvs_method TUN` options.
fn tunnel_of(o: kc::TunnelOptions) -> (TunnelType, u16, TunnelFlags) {
    let kind = match o.kind {
        kc::TunnelType::Ipip => TunnelType::Ipip,
        kc::TunnelType::Gue => TunnelType::Gue,
        kc::TunnelType::Gre => TunnelType::Gre,
    };
    let flags = match o.csum {
        kc::TunnelCsum::Nocsum => TunnelFlags::empty(),
        kc::TunnelCsum::Csum => TunnelFlags::CSUM,
        kc::TunnelCsum::Remcsum => TunnelFlags::REMCSUM,
    };
    (kind, o.port.unwrap_or(0), flags)
}

fn family_name(af: AddressFamily) -> &'static str {
    match af {
        AddressFamily::Inet => "IPv4",
        AddressFamily::Inet6 => "IPv6",
    }
}

/// Scheduler flags (`ops`, `sh-port`, ...).
fn sched_flags(vs: &kc::VirtualServer) -> ServiceFlags {
    let mut f = ServiceFlags::empty();
    for o in &vs.scheduler_flags {
        f |= match o.value {
            kc::SchedulerFlag::OnePacket => ServiceFlags::ONEPACKET,
            kc::SchedulerFlag::Sched1 => ServiceFlags::SCHED1,
            kc::SchedulerFlag::Sched2 => ServiceFlags::SCHED2,
            _ => ServiceFlags::SCHED3,
        };
    }
    f
}

fn ip_family_opt(vs: &kc::VirtualServer) -> Option<AddressFamily> {
    vs.ip_family.as_ref().map(|f| match f.value {
        kc::IpFamily::Inet6 => AddressFamily::Inet6,
        _ => AddressFamily::Inet,
    })
}

fn expand_range(first: IpAddr, last: IpAddr) -> Option<Vec<IpAddr>> {
    let mut out = Vec::new();
    match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let (a, b) = (u32::from(a), u32::from(b));
            if b < a || (b - a) as usize >= MAX_GROUP_SERVICES {
                return None;
            }
            out.extend((a..=b).map(|x| IpAddr::from(x.to_be_bytes())));
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            // Only the last 16 bits vary (docs/keepalived.md §2.8).
            let (sa, sb) = (a.segments(), b.segments());
            if sa[..7] != sb[..7] && u128::from(b) - u128::from(a) >= MAX_GROUP_SERVICES as u128 {
                return None;
            }
            let (lo, hi) = (sa[7], if sa[..7] == sb[..7] { sb[7] } else { 0xffff });
            if hi < lo {
                return None;
            }
            for x in lo..=hi {
                let mut s = sa;
                s[7] = x;
                out.push(IpAddr::from(s));
            }
        }
        _ => return None,
    }
    Some(out)
}

/// Reports a virtual server dropped for having no real servers, in
/// keepalived's words. check_data.c `validate_check_config` drops it first
/// thing, whatever its sorry server, and before it removes duplicated real
/// servers (so those never empty one); "none" includes every real server
/// written having been skipped while read (check_parser.c `rs_handler`, the
/// family).
fn warn_no_real_servers(c: &mut Ctx, vs: &kc::VirtualServer, protocol: Protocol) {
    c.warn(
        vs.key.span,
        format!(
            "Virtual server {} has no real servers - ignoring",
            crate::alerts::vs_name(&vs.key.value, protocol)
        ),
    );
}

/// One `virtual_server`: `Ok(None)` when keepalived drops it without a configuration
/// error (a warning says why), `Err` when it is skipped with an error.
fn map_vs(c: &mut Ctx, vs: &kc::VirtualServer) -> Result<Option<VirtualServer>, Skip> {
    let hspan = vs.key.span;
    let location = c.loc(hspan);
    let sched = match &vs.lvs_sched {
        Some(s) if !SCHEDULERS.contains(&s.value.as_str()) => {
            return Err(Skip(s.span, format!("unknown scheduler `{}`", s.value)));
        }
        Some(s) => s.value.clone(),
        None => {
            c.warn(
                hspan,
                "no lvs_sched (lb_algo); using wlc as keepalived does",
            );
            "wlc".to_string()
        }
    };
    let method = match &vs.lvs_method {
        Some(m) => fwd(m.value),
        None => {
            c.warn(
                hspan,
                "no lvs_method (lb_kind); using NAT as keepalived does",
            );
            ForwardMethod::Masq
        }
    };
    let protocol = match v(&vs.protocol) {
        Some(kc::Protocol::Tcp) => Protocol::Tcp,
        Some(kc::Protocol::Udp) => Protocol::Udp,
        Some(kc::Protocol::Sctp) => Protocol::Sctp,
        None => {
            if !matches!(vs.key.value, kc::VirtualServerKey::Fwmark(_)) {
                c.warn(hspan, "no protocol; using UDP as keepalived does");
            }
            Protocol::Udp
        }
    };
    // Before anything about the group: keepalived finds an undefined or
    // other-family group only after this.
    if vs.real_servers.is_empty() {
        warn_no_real_servers(c, vs, protocol);
        return Ok(None);
    }
    // Service keys.
    let rs_family = vs
        .real_servers
        .first()
        .map(|r| AddressFamily::of(&r.ip.value));
    let (keys, id, vs_port): (Vec<ServiceKey>, String, Option<u16>) = match &vs.key.value {
        kc::VirtualServerKey::Address { ip, port } => {
            let key = ServiceKey::Inet {
                protocol,
                addr: *ip,
                port: port.unwrap_or(0),
            };
            (vec![key], key.to_string(), Some(port.unwrap_or(0)))
        }
        kc::VirtualServerKey::Fwmark(mark) => {
            // A granularity met before anything else gave the family decides
            // it (check_parser.c `pgr_handler`).
            let af = ip_family_opt(vs)
                .or_else(|| granularity_family(vs, method))
                .or(rs_family)
                .unwrap_or(AddressFamily::Inet);
            let key = ServiceKey::Fwmark { af, mark: *mark };
            (vec![key], key.to_string(), None)
        }
        kc::VirtualServerKey::Group(name) => {
            let Some(g) = c
                .cfg
                .virtual_server_groups
                .iter()
                .find(|g| &g.name.value == name)
            else {
                return Err(Skip(
                    hspan,
                    format!("virtual_server_group `{name}` is not defined"),
                ));
            };
            let mut keys = Vec::new();
            for e in &g.entries {
                match &e.kind {
                    kc::VsgEntryKind::Range { first, last, port } => {
                        let Some(addrs) = expand_range(*first, *last) else {
                            return Err(Skip(
                                e.span,
                                format!(
                                    "group `{name}`: range {first}-{last} is empty or larger than {MAX_GROUP_SERVICES} addresses"
                                ),
                            ));
                        };
                        keys.extend(addrs.into_iter().map(|addr| ServiceKey::Inet {
                            protocol,
                            addr,
                            port: port.unwrap_or(0),
                        }));
                    }
                    kc::VsgEntryKind::Fwmark { mark, family } => {
                        let af = match family.as_deref() {
                            Some("inet6") => AddressFamily::Inet6,
                            Some("inet") => AddressFamily::Inet,
                            _ => ip_family_opt(vs)
                                .or(rs_family)
                                .unwrap_or(AddressFamily::Inet),
                        };
                        keys.push(ServiceKey::Fwmark { af, mark: *mark });
                    }
                }
                if keys.len() > MAX_GROUP_SERVICES {
                    return Err(Skip(
                        e.span,
                        format!(
                            "group `{name}` expands to more than {MAX_GROUP_SERVICES} services"
                        ),
                    ));
                }
            }
            if keys.is_empty() {
                return Err(Skip(
                    hspan,
                    format!("virtual_server_group `{name}` is empty"),
                ));
            }
            (keys, format!("group {name}"), None)
        }
    };
    let families: HashSet<AddressFamily> = keys.iter().map(ServiceKey::af).collect();
    if families.len() > 1 {
        return Err(Skip(
            hspan,
            "the services of this virtual_server mix IPv4 and IPv6".to_string(),
        ));
    }
    let af = keys[0].af();
    if let kc::VirtualServerKey::Group(name) = &vs.key.value
        && let Some(own) = group_vs_family(vs, method)
        && own != af
    {
        // ipwrapper.c link_vsg_to_vs(): "address family doesn't match virtual
        // server - ignoring": the whole virtual server goes.
        c.warn(
            hspan,
            format!(
                "virtual_server group `{name}` holds {} services but the virtual server is {} (from ip_family or its first real or sorry server not tunnelled); the virtual server is ignored, as keepalived does",
                family_name(af),
                family_name(own)
            ),
        );
        return Ok(None);
    }
    // Persistence.
    let flags = sched_flags(vs);
    let mut timeout = v(&vs.persistence_timeout);
    let mut netmask = None;
    if let Some(gr) = &vs.persistence_granularity {
        // check_parser.c `pgr_handler`: a refused word is reported and the
        // service runs as if it had none (nor its implied timeout).
        match granularity::parse(&gr.value, af) {
            Ok(m) => {
                if af == AddressFamily::Inet && granularity::is_short_form(&gr.value) {
                    c.warn(
                        gr.span,
                        format!(
                            "persistence_granularity `{}` is the netmask {}, as keepalived reads it (a numeric IPv4 address, not a prefix length); write the netmask as four numbers",
                            gr.value,
                            std::net::Ipv4Addr::from(m)
                        ),
                    );
                }
                netmask = Some(m);
                timeout.get_or_insert(360);
            }
            Err(e) => {
                for message in e.messages() {
                    c.warn(gr.span, message);
                }
            }
        }
    }
    let portless = keys
        .iter()
        .any(|k| matches!(k, ServiceKey::Inet { port: 0, .. }));
    if portless && timeout.is_none() {
        timeout = Some(360);
    }
    let services: Vec<Service> = keys
        .iter()
        .map(|k| {
            let mut s = Service::new(*k, sched.clone());
            s.flags = flags;
            if let Some(t) = timeout {
                s.flags |= ServiceFlags::PERSISTENT;
                s.timeout = t;
                if let Some(m) = netmask {
                    s.netmask = m;
                }
            }
            s.pe_name = v(&vs.persistence_engine);
            s
        })
        .collect();

    // Defaults inherited by real servers and checkers.
    let g = &c.cfg.global_defs;
    let vs_smtp = v(&vs.smtp_alert)
        .or(v(&g.smtp_alert_checker))
        .or(v(&g.smtp_alert))
        .unwrap_or(false);
    // check_data.c `validate_check_config`: a real server without `smtp_alert` takes
    // the global settings, else on (keepalived keeps this for compatibility); the
    // virtual server's `smtp_alert` is not consulted.
    let rs_smtp = v(&g.smtp_alert_checker)
        .or(v(&g.smtp_alert))
        .unwrap_or(true);
    let vs_weight = v(&vs.weight).unwrap_or(1);
    let vs_inhibit = v(&vs.inhibit_on_failure).unwrap_or(false);
    // Exact capacities: a pushed-to Vec starts at 4 slots, which for
    // thousands of real servers with one checker each wasted ~1 KiB apiece.
    let mut real_servers: Vec<RealServer> = Vec::with_capacity(vs.real_servers.len());
    let mut seen_rs = HashSet::new();
    for rs in &vs.real_servers {
        let addr = rs.ip.value;
        let rs_af = AddressFamily::of(&addr);
        let m = rs
            .lvs_method
            .as_ref()
            .map(|m| fwd(m.value))
            .unwrap_or(method);
        if rs_af != af && m != ForwardMethod::Tunnel {
            // check_parser.c rs_handler(): "Address family of virtual server and real
            // server %s don't match - skipping real server."; the service keeps the others.
            c.warn(
                rs.ip.span,
                format!(
                    "real_server {addr} is {} but the virtual server is {} (only TUN may mix families); the real server is skipped, as keepalived does",
                    family_name(rs_af),
                    family_name(af)
                ),
            );
            continue;
        }
        let port = match m {
            ForwardMethod::Masq => rs.port.or(vs_port).unwrap_or(0),
            _ => vs_port.unwrap_or(0),
        };
        let key = RsKey { addr, port };
        // keepalived's FMT_RS, for the messages below.
        let rs_name = match &vs.key.value {
            kc::VirtualServerKey::Fwmark(_) => format!("[{addr}]:none:{port}"),
            _ => format!("[{addr}]:{}:{port}", crate::alerts::proto_name(protocol)),
        };
        if !seen_rs.insert(key) {
            // check_data.c `validate_check_config` (`rs_iseq`): the later one
            // goes, the virtual server keeps the first.
            c.warn(
                rs.ip.span,
                format!(
                    "VS {}: real server {rs_name} is duplicated - removing second rs",
                    crate::alerts::vs_name(&vs.key.value, protocol)
                ),
            );
            continue;
        }
        let weight = v(&rs.weight).unwrap_or(vs_weight);
        let mut dest = Destination::new(addr, port, m);
        // A real server's own `lvs_method` brings its own tunnel options; else
        // (also when its options were refused) the VS's: check_data.c
        // `alloc_rs` copies them and check_parser.c `svr_forwarding_handler`
        // leaves them on an error
        let tun = v(&rs.lvs_tunnel).or(v(&vs.lvs_tunnel));
        set_tunnel(&mut dest, tun);
        dest.weight = i32::try_from(weight).unwrap_or(i32::MAX);
        dest.upper_threshold = v(&rs.uthreshold).unwrap_or(0);
        dest.lower_threshold = v(&rs.lthreshold).unwrap_or(0);
        let mut checkers = Vec::with_capacity(rs.checkers.len());
        let mut bfd_seen = BTreeSet::new();
        for ch in &rs.checkers {
            if let kc::CheckerKind::Bfd(b) = &ch.kind
                && bfd::resolve(c, ch, b, &rs_name, &mut bfd_seen).is_none()
            {
                continue;
            }
            if let Some(spec) = map_checker(c, vs, rs, key, ch)? {
                checkers.push(std::sync::Arc::new(spec));
            }
        }
        real_servers.push(RealServer {
            key,
            location: c.loc(rs.ip.span),
            dest: crate::model::DestTemplate::of(&dest),
            inhibit_on_failure: v(&rs.inhibit_on_failure).unwrap_or(vs_inhibit),
            notify_up: rs
                .notify_up
                .as_ref()
                .and_then(|s| command(c, s))
                .map(Box::new),
            notify_down: rs
                .notify_down
                .as_ref()
                .and_then(|s| command(c, s))
                .map(Box::new),
            checkers,
            smtp_alert: v(&rs.smtp_alert).unwrap_or(rs_smtp),
            smtp_alert_written: v(&rs.smtp_alert),
            own_timers: rs_timers(rs),
            virtualhost: v(&rs.virtualhost).map(String::into_boxed_str),
            snmp_name: snmp_name(&rs.other),
        });
    }
    // Every real server written was skipped for its family.
    if real_servers.is_empty() {
        warn_no_real_servers(c, vs, protocol);
        return Ok(None);
    }
    let sorry_server = match &vs.sorry_server {
        Some(s) => {
            let sm = vs
                .sorry_server_lvs_method
                .as_ref()
                .map(|m| fwd(m.value))
                .unwrap_or(method);
            if AddressFamily::of(&s.value.ip) != af && sm != ForwardMethod::Tunnel {
                return Err(Skip(
                    s.span,
                    format!(
                        "sorry_server {} is not of the virtual server's family",
                        s.value.ip
                    ),
                ));
            }
            let port = s.value.port.or(vs_port).unwrap_or(0);
            let mut dest = Destination::new(s.value.ip, port, sm);
            if vs.sorry_server_lvs_method.is_none() {
                set_tunnel(&mut dest, v(&vs.lvs_tunnel));
            }
            Some(SorryServer {
                dest,
                port_from_service: s.value.port.is_none(),
                inhibit: v(&vs.sorry_server_inhibit).unwrap_or(false),
            })
        }
        None => None,
    };
    let (quorum, hysteresis) = quorum_limits(
        c,
        vs,
        hspan,
        &real_servers,
        &crate::alerts::vs_name(&vs.key.value, protocol),
    );
    Ok(Some(VirtualServer {
        id,
        location,
        services,
        real_servers,
        quorum,
        hysteresis,
        quorum_up: vs.quorum_up.as_ref().and_then(|s| command(c, s)),
        quorum_down: vs.quorum_down.as_ref().and_then(|s| command(c, s)),
        sorry_server,
        omega: v(&vs.omega).unwrap_or(false),
        smtp_alert: vs_smtp,
        alert_name: crate::alerts::vs_name(&vs.key.value, protocol),
        group: match &vs.key.value {
            kc::VirtualServerKey::Group(name) => Some(name.clone()),
            _ => None,
        },
        method,
        ha_suspend: match &vs.key.value {
            kc::VirtualServerKey::Address { ip, .. } if v(&vs.ha_suspend).unwrap_or(false) => {
                Some(*ip)
            }
            _ => None,
        },
        written: vs_written(vs),
        virtualhost: v(&vs.virtualhost).map(String::into_boxed_str),
        snmp_name: snmp_name(&vs.other),
    }))
}

/// What virtualServerTable shows of `vs`'s own settings.
/// `snmp_name`: the last one written with exactly one word (check_parser.c
/// `vs_snmp_name_handler`, `rs_snmp_name_handler` refuse any other).
fn snmp_name(other: &[kc::RawSetting]) -> Option<Box<str>> {
    other
        .iter()
        .rev()
        .filter(|r| r.keyword == "snmp_name")
        .find_map(|r| match r.args.as_slice() {
            [name] => Some(name.clone().into_boxed_str()),
            _ => None,
        })
}

/// A real server's own timer settings, `None` when it writes none.
fn rs_timers(rs: &kc::RealServer) -> Option<Box<crate::model::RsTimers>> {
    let t = crate::model::RsTimers {
        delay_loop: v(&rs.delay_loop),
        connect_timeout: v(&rs.connect_timeout),
        retry: v(&rs.retry),
        delay_before_retry: v(&rs.delay_before_retry),
        warmup: v(&rs.warmup),
        alpha: v(&rs.alpha),
    };
    (t != crate::model::RsTimers::default()).then(|| Box::new(t))
}

/// The family keepalived reads `persistence_granularity` in, when it is
/// written (check_parser.c `pgr_handler`): the virtual server's family as
/// known at that line (its address; `ip_family` or a real server not
/// tunnelled written before it), else IPv4 if the word holds a dot and
/// IPv6 if not. That family then becomes the virtual server's.
fn granularity_family(vs: &kc::VirtualServer, method: ForwardMethod) -> Option<AddressFamily> {
    let gr = vs.persistence_granularity.as_ref()?;
    if let kc::VirtualServerKey::Address { ip, .. } = &vs.key.value {
        return Some(AddressFamily::of(ip));
    }
    let before =
        ip_family_opt(vs).filter(|_| vs.ip_family.as_ref().is_some_and(|f| f.span < gr.span));
    let rs_before = || {
        vs.real_servers
            .iter()
            .filter(|r| r.ip.span < gr.span)
            .find(|r| {
                r.lvs_method
                    .as_ref()
                    .map(|m| fwd(m.value))
                    .unwrap_or(method)
                    != ForwardMethod::Tunnel
            })
            .map(|r| AddressFamily::of(&r.ip.value))
    };
    Some(
        before
            .or_else(rs_before)
            .unwrap_or(if gr.value.contains('.') {
                AddressFamily::Inet
            } else {
                AddressFamily::Inet6
            }),
    )
}

fn vs_written(vs: &kc::VirtualServer) -> crate::model::VsWritten {
    let d = crate::model::VsWritten::default();
    crate::model::VsWritten {
        delay_loop: v(&vs.delay_loop).unwrap_or(d.delay_loop),
        connect_timeout: v(&vs.connect_timeout).unwrap_or(d.connect_timeout),
        retry: v(&vs.retry),
        delay_before_retry: v(&vs.delay_before_retry),
        warmup: v(&vs.warmup),
        alpha: v(&vs.alpha).unwrap_or(false),
        inhibit: v(&vs.inhibit_on_failure).unwrap_or(false),
        weight: v(&vs.weight).unwrap_or(d.weight),
        granularity: vs
            .persistence_granularity
            .as_ref()
            .and_then(|g| {
                let method = vs
                    .lvs_method
                    .as_ref()
                    .map_or(ForwardMethod::Masq, |m| fwd(m.value));
                granularity::held(&g.value, granularity_family(vs, method)?)
            })
            .unwrap_or(d.granularity),
        tunnel: v(&vs.lvs_tunnel).map(tunnel_of).unwrap_or(d.tunnel),
    }
}

/// The address family keepalived gives a `virtual_server group`: `ip_family`, else the
/// first real server not tunnelled (check_parser.c `rs_end_handler`), else a sorry server
/// not tunnelled (`vs_end_handler`); `None` when nothing sets it (the group decides).
fn group_vs_family(vs: &kc::VirtualServer, method: ForwardMethod) -> Option<AddressFamily> {
    let not_tunnel = |m: &kc::Opt<kc::LvsMethod>| {
        m.as_ref().map(|m| fwd(m.value)).unwrap_or(method) != ForwardMethod::Tunnel
    };
    ip_family_opt(vs)
        .or_else(|| {
            vs.real_servers
                .iter()
                .find(|r| not_tunnel(&r.lvs_method))
                .map(|r| AddressFamily::of(&r.ip.value))
        })
        .or_else(|| {
            vs.sorry_server
                .as_ref()
                .filter(|_| not_tunnel(&vs.sorry_server_lvs_method))
                .map(|s| AddressFamily::of(&s.value.ip))
        })
}

/// `quorum` and `hysteresis` as keepalived 2.2.7 validates them
/// (check_data.c `validate_check_config`): a quorum above the sum of the real
/// servers' weights is lowered to that sum, then a hysteresis not below the
/// quorum is lowered to quorum−1 (to 0 for a quorum of 0, where keepalived's
/// unsigned arithmetic wraps). Both are warnings, worded as keepalived's.
fn quorum_limits(
    c: &mut Ctx,
    vs: &kc::VirtualServer,
    hspan: kc::Span,
    real_servers: &[RealServer],
    name: &str,
) -> (u64, u64) {
    let mut quorum = u64::from(v(&vs.quorum).unwrap_or(1));
    let weights: u64 = real_servers
        .iter()
        .map(|r| u64::try_from(r.dest.weight).unwrap_or(0))
        .sum();
    if !real_servers.is_empty() && quorum > weights {
        let span = vs.quorum.as_ref().map_or(vs.key.span, |q| q.span);
        c.warn(
            span,
            format!(
                "Warning - quorum {quorum} for {name} exceeds total weight of real servers \
                 {weights}, reducing quorum to {weights}"
            ),
        );
        quorum = weights;
    }
    let hysteresis = u64::from(v(&vs.hysteresis).unwrap_or(0));
    if hysteresis < quorum || (quorum == 0 && hysteresis == 0) {
        return (quorum, hysteresis);
    }
    let lowered = quorum.saturating_sub(1);
    c.warn(
        vs.hysteresis.as_ref().map_or(hspan, |h| h.span),
        format!(
            "Virtual server {name}: hysteresis {hysteresis} >= quorum {quorum}; setting \
             hysteresis to {lowered}"
        ),
    );
    (quorum, lowered)
}

/// A notify/quorum script line with its optional `USER [GROUP]`, split as
/// keepalived splits it (`alloc_strvec_quoted_escaped`); `None` with a
/// warning when keepalived would ignore the script (an unterminated quote, a
/// trailing backslash, nothing to run).
fn command(c: &mut Ctx, s: &kc::Spanned<kc::Script>) -> Option<Command> {
    match split_config_command(&s.value.command) {
        Ok(argv) => Some(Command {
            argv,
            user: s.value.user.clone().map(|u| (u, s.value.group.clone())),
        }),
        Err(e) => {
            c.warn(
                s.span,
                format!("{e}: the script is ignored, as keepalived ignores it"),
            );
            None
        }
    }
}

fn dns_qtype(t: &str) -> Option<u16> {
    Some(match t.to_ascii_uppercase().as_str() {
        "A" => 1,
        "NS" => 2,
        "CNAME" => 5,
        "SOA" => 6,
        "MX" => 15,
        "TXT" => 16,
        "AAAA" => 28,
        _ => return None,
    })
}

/// Hex with `x` wildcard nibbles → (value, mask) bytes.
fn hex_pattern(s: &str) -> Option<Vec<(u8, u8)>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|p| {
            let nib = |c: u8| -> Option<(u8, u8)> {
                match c {
                    b'x' | b'X' => Some((0, 0)),
                    _ => (c as char).to_digit(16).map(|d| (d as u8, 0xf)),
                }
            };
            let (hv, hm) = nib(p[0])?;
            let (lv, lm) = nib(p[1])?;
            Some(((hv << 4) | lv, (hm << 4) | lm))
        })
        .collect()
}

fn map_checker(
    c: &mut Ctx,
    vs: &kc::VirtualServer,
    rs: &kc::RealServer,
    key: RsKey,
    ch: &kc::Checker,
) -> Result<Option<CheckerSpec>, Skip> {
    // checker, else real server, else virtual server, else keepalived's default
    let t = kc::effective::checker(ch, rs, vs);
    let timing = Timing {
        connect_timeout: t.connect_timeout,
        retry: t.retry,
        delay_before_retry: t.delay_before_retry,
        delay_loop: t.delay_loop,
        warmup: t.warmup,
    };
    let alpha = t.alpha;
    let target = RsKey {
        addr: v(&ch.connect.connect_ip).unwrap_or(key.addr),
        // keepalived's checker copies the real server's address as written, port
        // included (check_api.c checker_set_dst()), before DR/TUN or a fwmark service
        // make IPVS ignore that port: the checker still connects to it.
        port: v(&ch.connect.connect_port).or(rs.port).unwrap_or(key.port),
    };
    let bind = v(&ch.connect.bindto).map(|ip| (ip, v(&ch.connect.bind_port).unwrap_or(0)));
    let network = !matches!(
        ch.kind,
        kc::CheckerKind::Misc(_)
            | kc::CheckerKind::File(_)
            | kc::CheckerKind::Bfd(_)
            | kc::CheckerKind::Ping
    );
    if network && target.port == 0 && !matches!(ch.kind, kc::CheckerKind::Dns(_)) {
        return Err(Skip(
            ch.span,
            "checker has no port: set connect_port (the real server has none)".to_string(),
        ));
    }
    let vhost = v(&rs.virtualhost).or(v(&vs.virtualhost));
    let kind = match &ch.kind {
        kc::CheckerKind::Tcp => CheckKind::Tcp,
        kc::CheckerKind::Http(h) | kc::CheckerKind::Ssl(h) => {
            let tls = matches!(ch.kind, kc::CheckerKind::Ssl(_));
            let checker_vhost = v(&h.virtualhost).or(vhost);
            let mut urls = Vec::new();
            for u in &h.urls {
                let Some(path) = v(&u.path) else { continue };
                let status = if u.status_code.is_empty() {
                    vec![(200, 299)]
                } else {
                    u.status_code.iter().map(|s| s.value).collect()
                };
                urls.push(UrlSpec {
                    path,
                    digest: v(&u.digest).map(|d| d.to_ascii_lowercase()),
                    status,
                    virtualhost: v(&u.virtualhost).or(checker_vhost.clone()),
                });
            }
            if urls.is_empty() {
                // keepalived 2.2.7 (`keepalived -t`): "HTTP/SSL_GET checker has
                // no urls specified - ignoring": the checker goes, the virtual
                // and real server stay.
                c.warn(
                    ch.span,
                    "HTTP_GET/SSL_GET has no url with a path; checker ignored (as keepalived does)",
                );
                return Ok(None);
            }
            let sni = v(&h.sni_name).or_else(|| {
                v(&h.enable_sni)
                    .unwrap_or(false)
                    .then(|| checker_vhost.clone())
                    .flatten()
            });
            CheckKind::Http(Box::new(HttpSpec {
                tls,
                protocol: v(&h.http_protocol)
                    .map(|p| p.to_ascii_uppercase())
                    .unwrap_or_else(|| "1.0".to_string()),
                urls,
                sni,
            }))
        }
        kc::CheckerKind::Misc(m) => {
            let Some(path) = &m.misc_path else {
                return Ok(None);
            };
            let argv = split_config_command(&path.value.command)
                .map_err(|e| Skip(path.span, format!("misc_path: {e}")))?;
            // Only the checker's `user`: keepalived reads nothing after the
            // command of `misc_path` (check_misc.c `misc_path_handler`).
            let user = v(&m.user).map(|u| (u.user, u.group));
            CheckKind::Misc(Box::new(MiscSpec {
                argv,
                // check_misc.c `misc_check_thread`: 0 (or unset) is the virtual
                // server's delay_loop
                timeout: v(&m.misc_timeout)
                    .filter(|&s| s > 0)
                    .map(|s| Duration::from_secs(u64::from(s)))
                    .unwrap_or(v(&vs.delay_loop).unwrap_or(Duration::from_secs(60))),
                dynamic: v(&m.misc_dynamic).unwrap_or(false),
                user,
                policy: crate::script_policy::ScriptPolicy::of(&c.cfg.global_defs),
            }))
        }
        kc::CheckerKind::Smtp(s) => CheckKind::Smtp {
            helo_name: v(&s.helo_name).unwrap_or_else(|| "smtpchecker.keepalived.org".to_string()),
        },
        kc::CheckerKind::Dns(d) => {
            let t = v(&d.r#type).unwrap_or_else(|| "SOA".to_string());
            let Some(qtype) = dns_qtype(&t) else {
                return Err(Skip(ch.span, format!("unknown DNS query type `{t}`")));
            };
            CheckKind::Dns {
                qtype,
                name: v(&d.name).unwrap_or_default(),
            }
        }
        kc::CheckerKind::Udp(u) => {
            let payload = match &u.payload {
                Some(p) => match hex_pattern(&p.value) {
                    Some(b) if b.iter().all(|(_, m)| *m == 0xff) => {
                        Some(b.into_iter().map(|(v, _)| v).collect())
                    }
                    _ => {
                        return Err(Skip(
                            p.span,
                            format!("payload `{}` is not hexadecimal", p.value),
                        ));
                    }
                },
                None => None,
            };
            let require_reply = match &u.require_reply {
                Some(r) => match &r.value {
                    Some(p) => match hex_pattern(p) {
                        Some(b) => Some(b),
                        None => {
                            return Err(Skip(
                                r.span,
                                format!("require_reply `{p}` is not a hex pattern"),
                            ));
                        }
                    },
                    None => Some(Vec::new()),
                },
                None => None,
            };
            CheckKind::Udp(Box::new(UdpSpec {
                payload,
                require_reply,
                min_reply_length: v(&u.min_reply_length).unwrap_or(0) as usize,
                max_reply_length: v(&u.max_reply_length).unwrap_or(255) as usize,
            }))
        }
        kc::CheckerKind::Ping => CheckKind::Ping,
        kc::CheckerKind::File(f) => {
            let Some(name) = &f.track_file else {
                return Err(Skip(ch.span, "FILE_CHECK has no track_file".to_string()));
            };
            let Some(tf) = c
                .cfg
                .track_files
                .iter()
                .find(|t| t.name.value == name.value)
            else {
                return Err(Skip(
                    name.span,
                    format!("track_file `{}` is not defined", name.value),
                ));
            };
            let Some(path) = v(&tf.file) else {
                return Err(Skip(
                    tf.name.span,
                    format!("track_file `{}` has no file", name.value),
                ));
            };
            CheckKind::File(Box::new(FileSpec {
                path: path.into(),
                weight: i64::from(v(&f.weight).or(v(&tf.weight)).unwrap_or(1)),
                reverse: f.reverse || (f.weight.is_none() && tf.reverse),
            }))
        }
        // Resolved by `bfd::resolve` before (a dropped one never gets here).
        kc::CheckerKind::Bfd(b) => CheckKind::Bfd {
            name: v(&b.name).unwrap_or_default(),
        },
    };
    Ok(Some(CheckerSpec {
        location: c.loc(ch.span),
        timing,
        alpha,
        log_all_failures: v(&ch.log_all_failures).unwrap_or(false),
        target,
        bind,
        bind_if: v(&ch.connect.bind_if),
        fwmark: v(&ch.connect.fwmark),
        kind,
    }))
}

#[cfg(test)]
mod tests;
