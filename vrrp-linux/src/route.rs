//! rtnetlink routes and policy rules: add, replace, delete and dump, with the
//! messages keepalived 2.2.7 sends for `virtual_routes`/`static_routes`
//! (`vrrp_iproute.c netlink_route`) and `virtual_rules`/`static_rules`
//! (`vrrp_iprule.c netlink_rule`).

use std::net::IpAddr;

use netlink_packet_core::DefaultNla;
use netlink_packet_core::{NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE};
use netlink_packet_route::route::{MplsLabel, RouteMplsIpTunnel, RouteMplsTtlPropagation};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteIp6Tunnel, RouteIp6TunnelFlags, RouteIpTunnel,
    RouteIpTunnelFlags, RouteLwEnCapType, RouteLwTunnelEncap, RouteMessage, RouteMetric,
    RouteNextHop, RouteNextHopFlags, RoutePreference, RouteProtocol, RouteRealm, RouteScope,
    RouteType,
};
use netlink_packet_route::rule::{
    RuleAction, RuleAttribute, RuleFlags, RuleMessage, RulePortRange, RuleUidRange,
};
use netlink_packet_route::{AddressFamily, IpProtocol, RouteNetlinkMessage};

use crate::error::NetlinkError;
use crate::rtnl::Rtnl;

/// RTPROT_KEEPALIVED: the protocol keepalived marks its routes and rules with.
pub const RTPROT_KEEPALIVED: u8 = 18;

/// RT_SCOPE_NOWHERE: a delete request's scope, which matches any route's scope.
const RT_SCOPE_NOWHERE: u8 = 255;

/// RTN_UNICAST.
const RTN_UNICAST: u8 = 1;

/// How a new route meets existing ones with the same key (`ip route add`
/// semantics: NLM_F_CREATE plus one of these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddMode {
    /// NLM_F_CREATE alone: inserted before the others (keepalived's default);
    /// an identical route is an error with [`NetlinkError::is_already_exists`].
    #[default]
    Prepend,
    /// NLM_F_CREATE | NLM_F_EXCL: any route with the same key is an error.
    Exclusive,
    /// NLM_F_CREATE | NLM_F_APPEND.
    Append,
    /// NLM_F_CREATE | NLM_F_REPLACE: replaces the route with the same key.
    Replace,
}

impl AddMode {
    fn flags(self) -> u16 {
        NLM_F_CREATE
            | match self {
                AddMode::Prepend => 0,
                AddMode::Exclusive => NLM_F_EXCL,
                AddMode::Append => NLM_F_APPEND,
                AddMode::Replace => NLM_F_REPLACE,
            }
    }
}

/// One hop of a multipath route.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NexthopSpec {
    /// Gateway.
    pub gateway: Option<IpAddr>,
    /// Output interface.
    pub ifindex: Option<u32>,
    /// Weight 1..=256.
    pub weight: Option<u16>,
    /// RTNH_F_ONLINK.
    pub onlink: bool,
    /// This hop's RTA_ENCAP / RTA_ENCAP_TYPE (vrrp_iproute.c `add_nexthop`
    /// puts them after the hop's gateway).
    pub encap: Option<LwtEncap>,
}

/// A route to add or delete, with interface names already resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RouteSpec {
    /// IPv6 (else IPv4).
    pub ipv6: bool,
    /// Destination address.
    pub dst: IpAddr,
    /// Destination prefix length.
    pub dst_len: u8,
    /// Table number (RTA_TABLE beyond 255).
    pub table: u32,
    /// RTN_* type when one was configured (added routes default to unicast;
    /// a delete then matches any type).
    pub route_type: Option<u8>,
    /// RT_SCOPE_* when configured (adds default to universe).
    pub scope: Option<u8>,
    /// RTPROT_*.
    pub protocol: u8,
    /// TOS.
    pub tos: u8,
    /// RTA_PREFSRC.
    pub pref_src: Option<IpAddr>,
    /// RTA_SRC (IPv6 source routing) and its length.
    pub src: Option<(IpAddr, u8)>,
    /// RTA_GATEWAY.
    pub gateway: Option<IpAddr>,
    /// RTA_OIF.
    pub oif: Option<u32>,
    /// RTA_PRIORITY (`metric`).
    pub metric: Option<u32>,
    /// RTNH_F_ONLINK.
    pub onlink: bool,
    /// RTAX_* metrics (number, value).
    pub metrics: Vec<(u16, u32)>,
    /// RTAX_LOCK bits.
    pub lock: u32,
    /// RTA_PREF (IPv6 router preference).
    pub pref: Option<u8>,
    /// RTA_MULTIPATH hops.
    pub nexthops: Vec<NexthopSpec>,
    /// RTAX_CC_ALGO (`congctl`).
    pub congctl: Option<String>,
    /// RTA_FLOW (`realms`): source realm in the high 16 bits.
    pub realms: Option<u32>,
    /// RTA_EXPIRES (IPv6, seconds).
    pub expires: Option<u32>,
    /// RTA_ENCAP / RTA_ENCAP_TYPE: a lightweight tunnel.
    pub encap: Option<LwtEncap>,
    /// RTA_TTL_PROPAGATE, the byte as sent (the kernel's
    /// MPLS_TTL_PROP_*: 0 default, 1 enabled, 2 disabled).
    pub ttl_propagate: Option<u8>,
}

/// A route's lightweight tunnel (RTA_ENCAP), as keepalived's
/// vrrp_iproute.c `add_encap` sends it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LwtEncap {
    /// LWTUNNEL_ENCAP_IP / LWTUNNEL_ENCAP_IP6.
    Ip(EncapSpec),
    /// LWTUNNEL_ENCAP_MPLS: MPLS_IPTUNNEL_DST with these labels, outermost
    /// first, bottom-of-stack set on the last, traffic class and TTL 0
    /// (`add_encap_mpls`; keepalived sends no MPLS_IPTUNNEL_TTL).
    Mpls(Vec<u32>),
    /// LWTUNNEL_ENCAP_ILA: ILA_ATTR_LOCATOR only, the 64-bit locator in
    /// network byte order (`add_encap_ila`); the kernel's defaults apply to
    /// the checksum mode, identifier type and hook type.
    Ila(u64),
}

/// ILA_ATTR_LOCATOR (linux/ila.h), which netlink-packet-route has no type for.
const ILA_ATTR_LOCATOR: u16 = 1;

impl LwtEncap {
    /// The RTA_ENCAP attributes and the RTA_ENCAP_TYPE.
    fn attributes(&self) -> (Vec<RouteLwTunnelEncap>, RouteLwEnCapType) {
        match self {
            LwtEncap::Ip(e) => e.attributes(),
            LwtEncap::Mpls(labels) => {
                let stack = labels
                    .iter()
                    .enumerate()
                    .map(|(i, &label)| MplsLabel {
                        label,
                        traffic_class: 0,
                        bottom_of_stack: i + 1 == labels.len(),
                        ttl: 0,
                    })
                    .collect();
                (
                    vec![RouteLwTunnelEncap::Mpls(RouteMplsIpTunnel::Destination(
                        stack,
                    ))],
                    RouteLwEnCapType::Mpls,
                )
            }
            LwtEncap::Ila(locator) => (
                vec![RouteLwTunnelEncap::Other(DefaultNla::new(
                    ILA_ATTR_LOCATOR,
                    locator.to_be_bytes().to_vec(),
                ))],
                RouteLwEnCapType::Ila,
            ),
        }
    }
}

/// An `encap ip` / `encap ip6` of a route: the tunnel key a route sets for a
/// metadata-based tunnel device (LWTUNNEL_ENCAP_IP / LWTUNNEL_ENCAP_IP6).
/// Only the fields that are set are sent, as keepalived's `add_encap_ip`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EncapSpec {
    /// LWTUNNEL_ENCAP_IP6 (else LWTUNNEL_ENCAP_IP).
    pub ipv6: bool,
    /// LWTUNNEL_IP_ID (sent in network byte order).
    pub id: Option<u64>,
    /// LWTUNNEL_IP_DST, of the encapsulation's family.
    pub dst: Option<IpAddr>,
    /// LWTUNNEL_IP_SRC, of the encapsulation's family.
    pub src: Option<IpAddr>,
    /// LWTUNNEL_IP_TOS / LWTUNNEL_IP6_TC.
    pub tos: Option<u8>,
    /// LWTUNNEL_IP_TTL / LWTUNNEL_IP6_HOPLIMIT.
    pub ttl: Option<u8>,
    /// LWTUNNEL_IP_FLAGS / LWTUNNEL_IP6_FLAGS.
    pub flags: Option<u16>,
}

impl EncapSpec {
    /// The RTA_ENCAP attributes and the RTA_ENCAP_TYPE; an address of the
    /// other family is left out.
    fn attributes(&self) -> (Vec<RouteLwTunnelEncap>, RouteLwEnCapType) {
        let mut out = Vec::new();
        if self.ipv6 {
            let mut push = |t| out.push(RouteLwTunnelEncap::Ip6(t));
            if let Some(id) = self.id {
                push(RouteIp6Tunnel::Id(id));
            }
            if let Some(IpAddr::V6(a)) = self.dst {
                push(RouteIp6Tunnel::Destination(a));
            }
            if let Some(IpAddr::V6(a)) = self.src {
                push(RouteIp6Tunnel::Source(a));
            }
            if let Some(v) = self.tos {
                push(RouteIp6Tunnel::Tc(v));
            }
            if let Some(v) = self.ttl {
                push(RouteIp6Tunnel::Hoplimit(v));
            }
            if let Some(v) = self.flags {
                push(RouteIp6Tunnel::Flags(
                    RouteIp6TunnelFlags::from_bits_retain(v),
                ));
            }
            (out, RouteLwEnCapType::Ip6)
        } else {
            let mut push = |t| out.push(RouteLwTunnelEncap::Ip(t));
            if let Some(id) = self.id {
                push(RouteIpTunnel::Id(id));
            }
            if let Some(IpAddr::V4(a)) = self.dst {
                push(RouteIpTunnel::Destination(a));
            }
            if let Some(IpAddr::V4(a)) = self.src {
                push(RouteIpTunnel::Source(a));
            }
            if let Some(v) = self.tos {
                push(RouteIpTunnel::Tos(v));
            }
            if let Some(v) = self.ttl {
                push(RouteIpTunnel::Ttl(v));
            }
            if let Some(v) = self.flags {
                push(RouteIpTunnel::Flags(RouteIpTunnelFlags::from_bits_retain(
                    v,
                )));
            }
            (out, RouteLwEnCapType::Ip)
        }
    }
}

fn family(ipv6: bool) -> AddressFamily {
    if ipv6 {
        AddressFamily::Inet6
    } else {
        AddressFamily::Inet
    }
}

fn metric(id: u16, v: u32) -> Option<RouteMetric> {
    Some(match id {
        2 => RouteMetric::Mtu(v),
        3 => RouteMetric::Window(v),
        6 => RouteMetric::SsThresh(v),
        7 => RouteMetric::Cwnd(v),
        8 => RouteMetric::Advmss(v),
        9 => RouteMetric::Reordering(v),
        4 => RouteMetric::Rtt(v),
        5 => RouteMetric::RttVar(v),
        10 => RouteMetric::Hoplimit(v),
        11 => RouteMetric::InitCwnd(v),
        12 => RouteMetric::Features(v),
        13 => RouteMetric::RtoMin(v),
        14 => RouteMetric::InitRwnd(v),
        15 => RouteMetric::QuickAck(v),
        17 => RouteMetric::FastopenNoCookie(v),
        _ => return None,
    })
}

impl RouteSpec {
    /// `ip route` style text for logs and errors.
    pub fn describe(&self) -> String {
        let mut s = format!("{}/{}", self.dst, self.dst_len);
        if let Some(g) = self.gateway {
            s.push_str(&format!(" via {g}"));
        }
        if let Some(o) = self.oif {
            s.push_str(&format!(" ifindex {o}"));
        }
        if let Some(p) = self.pref_src {
            s.push_str(&format!(" src {p}"));
        }
        if let Some(m) = self.metric {
            s.push_str(&format!(" metric {m}"));
        }
        s.push_str(&format!(" table {}", self.table));
        s
    }

    /// The RTM_NEWROUTE / RTM_DELROUTE body keepalived builds
    /// (`vrrp_iproute.c netlink_route`).
    pub(crate) fn to_message(&self, delete: bool) -> RouteMessage {
        let mut m = RouteMessage::default();
        let h = &mut m.header;
        h.address_family = family(self.ipv6);
        if self.table < 256 {
            h.table = self.table as u8;
        } else {
            h.table = 0;
            m.attributes.push(RouteAttribute::Table(self.table));
        }
        let h = &mut m.header;
        if delete {
            h.scope = RouteScope::from(RT_SCOPE_NOWHERE);
            if let Some(t) = self.route_type {
                h.kind = RouteType::from(t);
            }
        } else {
            h.scope = RouteScope::Universe;
            h.kind = RouteType::from(self.route_type.unwrap_or(RTN_UNICAST));
        }
        h.protocol = RouteProtocol::from(self.protocol);
        if let Some(s) = self.scope {
            h.scope = RouteScope::from(s);
        }
        h.destination_prefix_length = self.dst_len;
        m.attributes
            .push(RouteAttribute::Destination(RouteAddress::from(self.dst)));
        if let Some((a, len)) = self.src {
            m.header.source_prefix_length = len;
            m.attributes
                .push(RouteAttribute::Source(RouteAddress::from(a)));
        }
        if let Some(p) = self.pref_src {
            m.attributes
                .push(RouteAttribute::PrefSource(RouteAddress::from(p)));
        }
        if let Some(g) = self.gateway {
            m.attributes
                .push(RouteAttribute::Gateway(RouteAddress::from(g)));
        }
        m.header.tos = self.tos;
        if let Some(o) = self.oif {
            m.attributes.push(RouteAttribute::Oif(o));
        }
        if let Some(p) = self.metric {
            m.attributes.push(RouteAttribute::Priority(p));
        }
        if self.onlink {
            m.header.flags = RouteFlags::Onlink;
        }
        let mut metrics: Vec<RouteMetric> = self
            .metrics
            .iter()
            .filter_map(|&(id, v)| metric(id, v))
            .collect();
        if let Some(r) = self.realms {
            m.attributes.push(RouteAttribute::Realm(RouteRealm {
                source: (r >> 16) as u16,
                destination: (r & 0xffff) as u16,
            }));
        }
        if let Some(e) = self.expires {
            m.attributes.push(RouteAttribute::Expires(e));
        }
        if let Some(t) = self.ttl_propagate {
            m.attributes
                .push(RouteAttribute::TtlPropagate(RouteMplsTtlPropagation::from(
                    t,
                )));
        }
        if let Some(e) = &self.encap {
            // vrrp_iproute.c add_encap: the nest, then its type
            let (nest, kind) = e.attributes();
            m.attributes.push(RouteAttribute::Encap(nest));
            m.attributes.push(RouteAttribute::EncapType(kind));
        }
        if let Some(c) = &self.congctl {
            metrics.push(RouteMetric::CcAlgo(c.clone()));
        }
        if let Some(p) = self.pref {
            m.attributes
                .push(RouteAttribute::Preference(RoutePreference::from(p)));
        }
        if !metrics.is_empty() {
            if self.lock != 0 {
                metrics.push(RouteMetric::Lock(self.lock));
            }
            m.attributes.push(RouteAttribute::Metrics(metrics));
        }
        if !self.nexthops.is_empty() {
            let hops = self
                .nexthops
                .iter()
                .map(|nh| {
                    let mut h = RouteNextHop::default();
                    if let Some(i) = nh.ifindex {
                        h.interface_index = i;
                    }
                    if let Some(w) = nh.weight {
                        h.hops = (w.saturating_sub(1) & 0xff) as u8;
                    }
                    if nh.onlink {
                        h.flags = RouteNextHopFlags::Onlink;
                    }
                    if let Some(g) = nh.gateway {
                        h.attributes
                            .push(RouteAttribute::Gateway(RouteAddress::from(g)));
                    }
                    if let Some(e) = &nh.encap {
                        let (nest, kind) = e.attributes();
                        h.attributes.push(RouteAttribute::Encap(nest));
                        h.attributes.push(RouteAttribute::EncapType(kind));
                    }
                    h
                })
                .collect();
            m.attributes.push(RouteAttribute::MultiPath(hops));
        }
        m
    }
}

/// A policy rule to add or delete, interface names as the kernel takes them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleSpec {
    /// IPv6 (else IPv4).
    pub ipv6: bool,
    /// FR_ACT_* (1 to table, 2 goto, 3 nop, 6 blackhole, 7 unreachable, 8 prohibit).
    pub action: u8,
    /// Table for FR_ACT_TO_TBL (0: none, as with `l3mdev`).
    pub table: u32,
    /// FRA_GOTO target.
    pub goto: Option<u32>,
    /// FIB_RULE_INVERT (`not`).
    pub invert: bool,
    /// FRA_SRC and its length.
    pub from: Option<(IpAddr, u8)>,
    /// FRA_DST and its length.
    pub to: Option<(IpAddr, u8)>,
    /// FRA_PRIORITY.
    pub priority: u32,
    /// TOS.
    pub tos: u8,
    /// FRA_FWMARK.
    pub fwmark: Option<u32>,
    /// FRA_FWMASK.
    pub fwmask: Option<u32>,
    /// FRA_IFNAME.
    pub iif: Option<String>,
    /// FRA_OIFNAME.
    pub oif: Option<String>,
    /// FRA_UID_RANGE.
    pub uidrange: Option<(u32, u32)>,
    /// FRA_SUPPRESS_PREFIXLEN.
    pub suppress_prefixlength: Option<u32>,
    /// FRA_L3MDEV.
    pub l3mdev: bool,
    /// FRA_PROTOCOL.
    pub protocol: Option<u8>,
    /// FRA_FLOW (`realms`).
    pub realms: Option<u32>,
    /// FRA_SUPPRESS_IFGROUP.
    pub suppress_ifgroup: Option<u32>,
    /// FRA_IP_PROTO.
    pub ipproto: Option<u8>,
    /// FRA_SPORT_RANGE.
    pub sport: Option<(u16, u16)>,
    /// FRA_DPORT_RANGE.
    pub dport: Option<(u16, u16)>,
    /// FRA_TUN_ID (`tunnel-id`); 0 is not sent, as keepalived
    /// (vrrp_iprule.c `netlink_rule`).
    pub tun_id: Option<u64>,
}

impl RuleSpec {
    /// `ip rule` style text for logs and errors.
    pub fn describe(&self) -> String {
        let mut s = format!("pref {}", self.priority);
        if let Some((a, l)) = self.from {
            s.push_str(&format!(" from {a}/{l}"));
        }
        if let Some((a, l)) = self.to {
            s.push_str(&format!(" to {a}/{l}"));
        }
        if let Some(m) = self.fwmark {
            s.push_str(&format!(" fwmark {m:#x}"));
        }
        if self.table != 0 {
            s.push_str(&format!(" table {}", self.table));
        }
        s
    }

    /// The RTM_NEWRULE / RTM_DELRULE body keepalived builds
    /// (`vrrp_iprule.c netlink_rule`).
    pub(crate) fn to_message(&self) -> RuleMessage {
        let mut m = RuleMessage::default();
        m.header.family = family(self.ipv6);
        m.header.tos = self.tos;
        m.header.action = RuleAction::from(self.action);
        if self.action == 1 && !self.l3mdev {
            if self.table < 256 {
                m.header.table = if self.table == 0 {
                    254
                } else {
                    self.table as u8
                };
            } else {
                m.attributes.push(RuleAttribute::Table(self.table));
            }
        }
        if self.invert {
            m.header.flags = RuleFlags::Invert;
        }
        if let Some((a, l)) = self.from {
            m.header.src_len = l;
            m.attributes.push(RuleAttribute::Source(a));
        }
        if let Some((a, l)) = self.to {
            m.header.dst_len = l;
            m.attributes.push(RuleAttribute::Destination(a));
        }
        m.attributes.push(RuleAttribute::Priority(self.priority));
        if let Some(v) = self.fwmark {
            m.attributes.push(RuleAttribute::FwMark(v));
        }
        if let Some(v) = self.fwmask {
            m.attributes.push(RuleAttribute::FwMask(v));
        }
        if let Some(r) = self.realms {
            m.attributes.push(RuleAttribute::Realm(RouteRealm {
                source: (r >> 16) as u16,
                destination: (r & 0xffff) as u16,
            }));
        }
        if let Some(v) = self.suppress_prefixlength {
            m.attributes.push(RuleAttribute::SuppressPrefixLen(v));
        }
        if let Some(v) = self.suppress_ifgroup {
            m.attributes.push(RuleAttribute::SuppressIfGroup(v));
        }
        if let Some(i) = &self.iif {
            m.attributes.push(RuleAttribute::Iifname(i.clone()));
        }
        if let Some(o) = &self.oif {
            m.attributes.push(RuleAttribute::Oifname(o.clone()));
        }
        if let Some((start, end)) = self.uidrange {
            m.attributes
                .push(RuleAttribute::UidRange(RuleUidRange { start, end }));
        }
        if self.l3mdev {
            m.attributes.push(RuleAttribute::L3MDev(true));
        }
        if let Some(p) = self.protocol {
            m.attributes
                .push(RuleAttribute::Protocol(RouteProtocol::from(p)));
        }
        if let Some(p) = self.ipproto {
            m.attributes
                .push(RuleAttribute::IpProtocol(IpProtocol::from(p)));
        }
        if let Some((start, end)) = self.sport {
            m.attributes
                .push(RuleAttribute::SourcePortRange(RulePortRange { start, end }));
        }
        if let Some((start, end)) = self.dport {
            m.attributes
                .push(RuleAttribute::DestinationPortRange(RulePortRange {
                    start,
                    end,
                }));
        }
        if let Some(id) = self.tun_id.filter(|id| *id != 0) {
            // emitted in network byte order by the crate
            m.attributes.push(RuleAttribute::TunId(id));
        }
        if let Some(g) = self.goto {
            m.attributes.push(RuleAttribute::Goto(g));
        }
        m
    }
}

/// A route as the kernel reports it (the fields a comparison needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    /// IPv6.
    pub ipv6: bool,
    /// Table (RTA_TABLE when present).
    pub table: u32,
    /// Destination and length (None: the family's default).
    pub dst: Option<(IpAddr, u8)>,
    /// RTPROT_*.
    pub protocol: u8,
    /// RTN_*.
    pub route_type: u8,
    /// RTA_OIF.
    pub oif: Option<u32>,
    /// RTA_GATEWAY.
    pub gateway: Option<IpAddr>,
    /// RTA_PRIORITY.
    pub metric: Option<u32>,
    /// The header's TOS.
    pub tos: u8,
}

/// A rule as the kernel reports it (the fields a comparison needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleEntry {
    /// IPv6.
    pub ipv6: bool,
    /// FRA_PRIORITY.
    pub priority: u32,
    /// Table (FRA_TABLE when present).
    pub table: u32,
    /// FRA_SRC and length.
    pub from: Option<(IpAddr, u8)>,
    /// FRA_PROTOCOL.
    pub protocol: Option<u8>,
    /// FR_ACT_* (1 table, 2 goto, 3 nop, 6 blackhole, 7 unreachable,
    /// 8 prohibit).
    pub action: u8,
    /// FRA_GOTO.
    pub goto: Option<u32>,
    /// FRA_DST and length.
    pub to: Option<(IpAddr, u8)>,
    /// The header's TOS.
    pub tos: u8,
    /// FIB_RULE_INVERT (`not`).
    pub invert: bool,
    /// FRA_FWMARK.
    pub fwmark: Option<u32>,
    /// FRA_FWMASK.
    pub fwmask: Option<u32>,
    /// FRA_IFNAME (`iif`).
    pub iif: Option<String>,
    /// FRA_OIFNAME (`oif`).
    pub oif: Option<String>,
}

impl RuleEntry {
    /// The fields of a decoded RTM_NEWRULE / RTM_DELRULE body (the
    /// decoder checks every attribute's length).
    pub(crate) fn from_message(m: &RuleMessage) -> RuleEntry {
        let mut e = RuleEntry {
            ipv6: m.header.family == AddressFamily::Inet6,
            priority: 0,
            table: u32::from(m.header.table),
            from: None,
            protocol: None,
            action: u8::from(m.header.action),
            goto: None,
            to: None,
            tos: m.header.tos,
            invert: m.header.flags.contains(RuleFlags::Invert),
            fwmark: None,
            fwmask: None,
            iif: None,
            oif: None,
        };
        for a in &m.attributes {
            match a {
                RuleAttribute::Priority(p) => e.priority = *p,
                RuleAttribute::Table(t) => e.table = *t,
                RuleAttribute::Source(s) => e.from = Some((*s, m.header.src_len)),
                RuleAttribute::Destination(d) => e.to = Some((*d, m.header.dst_len)),
                RuleAttribute::Protocol(p) => e.protocol = Some(u8::from(*p)),
                RuleAttribute::Goto(g) => e.goto = Some(*g),
                RuleAttribute::FwMark(v) => e.fwmark = Some(*v),
                RuleAttribute::FwMask(v) => e.fwmask = Some(*v),
                RuleAttribute::Iifname(n) => e.iif = Some(n.clone()),
                RuleAttribute::Oifname(n) => e.oif = Some(n.clone()),
                _ => {}
            }
        }
        e
    }
}

fn addr_of(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(v) => Some(IpAddr::V4(*v)),
        RouteAddress::Inet6(v) => Some(IpAddr::V6(*v)),
        _ => None,
    }
}

impl RouteEntry {
    /// The fields of a decoded RTM_NEWROUTE / RTM_DELROUTE body (the
    /// decoder checks every attribute's length).
    pub(crate) fn from_message(m: &RouteMessage) -> RouteEntry {
        let mut e = RouteEntry {
            ipv6: m.header.address_family == AddressFamily::Inet6,
            table: u32::from(m.header.table),
            dst: None,
            protocol: u8::from(m.header.protocol),
            route_type: u8::from(m.header.kind),
            oif: None,
            gateway: None,
            metric: None,
            tos: m.header.tos,
        };
        for a in &m.attributes {
            match a {
                RouteAttribute::Table(t) => e.table = *t,
                RouteAttribute::Destination(d) => {
                    e.dst = addr_of(d).map(|d| (d, m.header.destination_prefix_length));
                }
                RouteAttribute::Oif(o) => e.oif = Some(*o),
                RouteAttribute::Gateway(g) => e.gateway = addr_of(g),
                RouteAttribute::Priority(p) => e.metric = Some(*p),
                _ => {}
            }
        }
        e
    }
}

impl Rtnl {
    /// Adds (or with [`AddMode::Replace`] replaces) a route.
    pub async fn add_route(&self, r: &RouteSpec, mode: AddMode) -> Result<(), NetlinkError> {
        self.conn()
            .request(
                RouteNetlinkMessage::NewRoute(r.to_message(false)),
                mode.flags(),
                &|| format!("add route {}", r.describe()),
            )
            .await
            .map(drop)
    }

    /// Deletes a route (an absent one is an error with
    /// [`NetlinkError::is_not_found`]).
    pub async fn del_route(&self, r: &RouteSpec) -> Result<(), NetlinkError> {
        self.conn()
            .request(
                RouteNetlinkMessage::DelRoute(r.to_message(true)),
                0,
                &|| format!("delete route {}", r.describe()),
            )
            .await
            .map(drop)
    }

    /// Every route of a family, all tables.
    pub async fn routes(&self, ipv6: bool) -> Result<Vec<RouteEntry>, NetlinkError> {
        let mut m = RouteMessage::default();
        m.header.address_family = family(ipv6);
        let replies = self
            .conn()
            .request(RouteNetlinkMessage::GetRoute(m), NLM_F_DUMP, &|| {
                "dump routes".into()
            })
            .await?;
        Ok(replies
            .iter()
            .filter_map(|r| match r {
                RouteNetlinkMessage::NewRoute(m) => Some(RouteEntry::from_message(m)),
                _ => None,
            })
            .collect())
    }

    /// Adds a policy rule (NLM_F_CREATE | NLM_F_EXCL, as keepalived: an
    /// identical rule is an error with [`NetlinkError::is_already_exists`]).
    pub async fn add_rule(&self, r: &RuleSpec) -> Result<(), NetlinkError> {
        self.conn()
            .request(
                RouteNetlinkMessage::NewRule(r.to_message()),
                NLM_F_CREATE | NLM_F_EXCL,
                &|| format!("add rule {}", r.describe()),
            )
            .await
            .map(drop)
    }

    /// Deletes a policy rule.
    pub async fn del_rule(&self, r: &RuleSpec) -> Result<(), NetlinkError> {
        self.conn()
            .request(RouteNetlinkMessage::DelRule(r.to_message()), 0, &|| {
                format!("delete rule {}", r.describe())
            })
            .await
            .map(drop)
    }

    /// Every policy rule of a family.
    pub async fn rules(&self, ipv6: bool) -> Result<Vec<RuleEntry>, NetlinkError> {
        let mut m = RuleMessage::default();
        m.header.family = family(ipv6);
        let replies = self
            .conn()
            .request(RouteNetlinkMessage::GetRule(m), NLM_F_DUMP, &|| {
                "dump rules".into()
            })
            .await?;
        Ok(replies
            .iter()
            .filter_map(|r| match r {
                RouteNetlinkMessage::NewRule(m) => Some(RuleEntry::from_message(m)),
                _ => None,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RouteSpec {
        RouteSpec {
            ipv6: false,
            dst: "10.9.0.0".parse().unwrap(),
            dst_len: 16,
            table: 254,
            route_type: None,
            scope: None,
            protocol: RTPROT_KEEPALIVED,
            tos: 0,
            pref_src: None,
            src: None,
            gateway: Some("10.0.0.1".parse().unwrap()),
            oif: Some(3),
            metric: Some(50),
            onlink: false,
            metrics: vec![(2, 1400)],
            lock: 1 << 2,
            pref: None,
            nexthops: Vec::new(),
            congctl: None,
            realms: None,
            expires: None,
            encap: None,
            ttl_propagate: None,
        }
    }

    #[test]
    fn add_and_delete_messages_follow_keepalived() {
        let s = spec();
        let add = s.to_message(false);
        assert_eq!(u8::from(add.header.kind), RTN_UNICAST);
        assert_eq!(u8::from(add.header.scope), 0);
        assert_eq!(u8::from(add.header.protocol), 18);
        assert_eq!(add.header.table, 254);
        assert!(add.attributes.contains(&RouteAttribute::Priority(50)));
        assert!(add.attributes.contains(&RouteAttribute::Oif(3)));
        assert!(add.attributes.contains(&RouteAttribute::Metrics(vec![
            RouteMetric::Mtu(1400),
            RouteMetric::Lock(4)
        ])));
        let del = s.to_message(true);
        assert_eq!(u8::from(del.header.scope), RT_SCOPE_NOWHERE);
        assert_eq!(u8::from(del.header.kind), 0);
        let mut big = spec();
        big.table = 1000;
        let m = big.to_message(false);
        assert_eq!(m.header.table, 0);
        assert!(m.attributes.contains(&RouteAttribute::Table(1000)));
        let e = RouteEntry::from_message(&m);
        assert_eq!((e.table, e.metric, e.oif), (1000, Some(50), Some(3)));
    }

    /// vrrp_iproute.c add_encap: the set fields in RTA_ENCAP, then
    /// RTA_ENCAP_TYPE; nothing without an encapsulation.
    #[test]
    fn encap_is_sent_with_its_type() {
        let mut r = spec();
        assert!(
            !r.to_message(false)
                .attributes
                .iter()
                .any(|a| matches!(a, RouteAttribute::Encap(_) | RouteAttribute::EncapType(_)))
        );
        r.encap = Some(LwtEncap::Ip(EncapSpec {
            ipv6: false,
            id: Some(100),
            dst: Some("10.9.0.2".parse().unwrap()),
            src: None,
            tos: None,
            ttl: Some(9),
            flags: None,
        }));
        let m = r.to_message(false);
        assert!(m.attributes.contains(&RouteAttribute::Encap(vec![
            RouteLwTunnelEncap::Ip(RouteIpTunnel::Id(100)),
            RouteLwTunnelEncap::Ip(RouteIpTunnel::Destination("10.9.0.2".parse().unwrap())),
            RouteLwTunnelEncap::Ip(RouteIpTunnel::Ttl(9)),
        ])));
        assert!(
            m.attributes
                .contains(&RouteAttribute::EncapType(RouteLwEnCapType::Ip))
        );
        r.ttl_propagate = Some(1);
        assert!(
            r.to_message(false)
                .attributes
                .contains(&RouteAttribute::TtlPropagate(
                    RouteMplsTtlPropagation::Enabled
                ))
        );
    }

    /// vrrp_iproute.c add_nexthop: a hop's encapsulation goes inside its
    /// rtnexthop (after the gateway), counted in the hop's length; a hop
    /// without one has neither attribute.
    #[test]
    fn nexthop_encap_is_inside_its_hop() {
        use netlink_packet_core::Emitable;
        let hop = |gw: &str, encap| NexthopSpec {
            gateway: Some(gw.parse().unwrap()),
            ifindex: Some(3),
            weight: None,
            onlink: false,
            encap,
        };
        let mut r = spec();
        r.gateway = None;
        r.nexthops = vec![
            hop(
                "10.0.0.1",
                Some(LwtEncap::Ip(EncapSpec {
                    ipv6: false,
                    id: Some(1),
                    dst: Some("10.9.0.9".parse().unwrap()),
                    src: None,
                    tos: None,
                    ttl: None,
                    flags: None,
                })),
            ),
            hop("10.0.0.2", None),
        ];
        let m = r.to_message(false);
        let Some(RouteAttribute::MultiPath(hops)) = m
            .attributes
            .iter()
            .find(|a| matches!(a, RouteAttribute::MultiPath(_)))
        else {
            panic!("no RTA_MULTIPATH in {m:?}")
        };
        let attr = RouteAttribute::MultiPath(hops.clone());
        let mut out = vec![0; attr.buffer_len()];
        attr.emit(&mut out);
        // rtnexthop 8 + RTA_GATEWAY 8 + RTA_ENCAP (4 + id 12 + dst 8) 24
        // + RTA_ENCAP_TYPE 8; the second hop: rtnexthop 8 + RTA_GATEWAY 8
        assert_eq!(u16::from_ne_bytes([out[4], out[5]]), 48);
        assert_eq!(u16::from_ne_bytes([out[52], out[53]]), 16);
        assert_eq!(out.len(), 4 + 48 + 16);
        // RTA_ENCAP (22) then RTA_ENCAP_TYPE (21), as add_encap
        assert_eq!(u16::from_ne_bytes([out[22], out[23]]), 22, "RTA_ENCAP");
        assert_eq!(u16::from_ne_bytes([out[46], out[47]]), 21, "RTA_ENCAP_TYPE");
        assert!(
            !m.attributes
                .iter()
                .any(|a| matches!(a, RouteAttribute::Encap(_))),
            "the route itself has no encapsulation"
        );
    }

    /// RTA_ENCAP and RTA_ENCAP_TYPE of `e` as bytes on the wire.
    fn encap_bytes(e: LwtEncap) -> Vec<u8> {
        use netlink_packet_core::Emitable;
        let (nest, kind) = e.attributes();
        let attrs = [RouteAttribute::Encap(nest), RouteAttribute::EncapType(kind)];
        let mut out = vec![0; attrs.as_slice().buffer_len()];
        attrs.as_slice().emit(&mut out);
        out
    }

    /// The bytes `ip route add 10.3.0.0/16 encap mpls 100/32 ...` and
    /// `ip route add 2001:db8:1:2:2000::/67 encap ila 2001:0:0:beef ...`
    /// (iproute2 6.1) send for the encapsulation, read from their
    /// RTM_NEWROUTE: MPLS_IPTUNNEL_DST with label << 12 and the
    /// bottom-of-stack bit on the last label, ILA_ATTR_LOCATOR in network
    /// order. keepalived's `add_encap_mpls` / `add_encap_ila` write the same
    /// payload. One difference, kept: iproute2 sets NLA_F_NESTED (0x8000) on
    /// the RTA_ENCAP type, keepalived's `rta_nest` and this crate do not (the
    /// kernel reads both).
    #[test]
    fn encap_mpls_and_ila_bytes_as_iproute2() {
        let mpls = [
            0x10, 0x00, 0x16, 0x00, // RTA_ENCAP (iproute2: 0x16, 0x80), 16 bytes
            0x0c, 0x00, 0x01, 0x00, // MPLS_IPTUNNEL_DST, 12 bytes
            0x00, 0x06, 0x40, 0x00, // 100
            0x00, 0x02, 0x01, 0x00, // 32, bottom of stack
            0x06, 0x00, 0x15, 0x00, 0x01, 0x00, 0x00, 0x00, // RTA_ENCAP_TYPE mpls
        ];
        assert_eq!(encap_bytes(LwtEncap::Mpls(vec![100, 32])), mpls);
        let ila = [
            0x10, 0x00, 0x16, 0x00, // RTA_ENCAP (iproute2: 0x16, 0x80), 16 bytes
            0x0c, 0x00, 0x01, 0x00, // ILA_ATTR_LOCATOR, 12 bytes
            0x20, 0x01, 0x00, 0x00, 0x00, 0x00, 0xbe, 0xef, // 2001:0:0:beef
            0x06, 0x00, 0x15, 0x00, 0x03, 0x00, 0x00, 0x00, // RTA_ENCAP_TYPE ila
        ];
        assert_eq!(encap_bytes(LwtEncap::Ila(0x2001_0000_0000_beef)), ila);
        // one label: bottom of stack on it
        assert_eq!(
            encap_bytes(LwtEncap::Mpls(vec![0xfffff]))[8..12],
            [0xff, 0xff, 0xf1, 0x00]
        );
    }

    #[test]
    fn rule_message_carries_table_priority_and_source() {
        let r = RuleSpec {
            ipv6: false,
            action: 1,
            table: 100,
            goto: None,
            invert: true,
            from: Some(("10.1.0.5".parse().unwrap(), 32)),
            to: None,
            priority: 100,
            tos: 0,
            fwmark: Some(7),
            fwmask: None,
            iif: Some("eth0".into()),
            oif: None,
            uidrange: None,
            suppress_prefixlength: None,
            l3mdev: false,
            protocol: Some(18),
            realms: None,
            suppress_ifgroup: None,
            ipproto: Some(6),
            sport: None,
            dport: Some((80, 81)),
            tun_id: Some(42),
        };
        let m = r.to_message();
        assert_eq!(m.header.table, 100);
        assert_eq!(m.header.src_len, 32);
        assert!(m.header.flags.contains(RuleFlags::Invert));
        assert!(m.attributes.contains(&RuleAttribute::Priority(100)));
        assert!(m.attributes.contains(&RuleAttribute::TunId(42)));
        assert!(m.attributes.contains(&RuleAttribute::FwMark(7)));
        assert!(
            m.attributes
                .contains(&RuleAttribute::Iifname("eth0".into()))
        );
    }
}
