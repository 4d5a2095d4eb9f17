//! Kernel event watch: interface up/down (RTMGRP_LINK), address changes
//! (RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR), deleted routes
//! (RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE) and deleted policy rules
//! (RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE), e.g. to track an instance's
//! interface for FAULT, to time failovers from the moment a VIP appears, and
//! to notice routes and rules deleted by someone else (keepalived_netlink.c
//! `netlink_route_filter`, `netlink_rule_filter`).

use std::collections::VecDeque;
use std::time::Instant;

use netlink_packet_core::NetlinkPayload;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::Socket;
use tokio::io::unix::AsyncFd;

use crate::error::NetlinkError;
use crate::netlink_conn::{open_socket, recv_datagram, split_messages};
use crate::route::{RouteEntry, RuleEntry};
use crate::rtnl::{AddressInfo, Interface};

const RTMGRP_LINK: u32 = 0x1;
const RTMGRP_IPV4_IFADDR: u32 = 0x10;
const RTMGRP_IPV6_IFADDR: u32 = 0x100;
/// 1 << (RTNLGRP_IPV4_ROUTE - 1).
const RTMGRP_IPV4_ROUTE: u32 = 0x40;
/// 1 << (RTNLGRP_IPV4_RULE - 1).
const RTMGRP_IPV4_RULE: u32 = 0x80;
/// 1 << (RTNLGRP_IPV6_ROUTE - 1).
const RTMGRP_IPV6_ROUTE: u32 = 0x400;
/// 1 << (RTNLGRP_IPV6_RULE - 1).
const RTMGRP_IPV6_RULE: u32 = 0x4_0000;

/// What a [`NetWatcher`] listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchGroups {
    /// Link events (new, changed, removed interfaces).
    pub links: bool,
    /// IPv4 and IPv6 address events.
    pub addresses: bool,
    /// IPv4 and IPv6 route events (only deletions are reported).
    pub routes: bool,
    /// IPv4 and IPv6 policy rule events (only deletions are reported).
    pub rules: bool,
}

impl WatchGroups {
    /// Links and addresses.
    pub const ALL: WatchGroups = WatchGroups {
        links: true,
        addresses: true,
        routes: false,
        rules: false,
    };

    fn bits(self) -> u32 {
        (if self.links { RTMGRP_LINK } else { 0 })
            | (if self.addresses {
                RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR
            } else {
                0
            })
            | (if self.routes {
                RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE
            } else {
                0
            })
            | (if self.rules {
                RTMGRP_IPV4_RULE | RTMGRP_IPV6_RULE
            } else {
                0
            })
    }
}

/// One kernel event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEventKind {
    /// An interface appeared or changed (flags, name, MTU...); check
    /// [`Interface::is_up`] / [`Interface::is_running`].
    LinkChanged(Interface),
    /// An interface was removed.
    LinkRemoved(Interface),
    /// An address was added.
    AddressAdded(AddressInfo),
    /// An address was removed.
    AddressRemoved(AddressInfo),
    /// A route was deleted (RTM_DELROUTE).
    RouteRemoved(RouteEntry),
    /// A policy rule was deleted (RTM_DELRULE).
    RuleRemoved(RuleEntry),
}

/// A kernel event with the time we read it from the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetEvent {
    /// When the datagram carrying it was received.
    pub received_at: Instant,
    /// The port id of the socket whose request caused it (`nlmsg_pid`; 0 for
    /// the kernel's own changes), see [`crate::Rtnl::port_id`].
    pub sender: u32,
    /// The event.
    pub kind: NetEventKind,
}

/// A stream of kernel network events.
#[derive(Debug)]
pub struct NetWatcher {
    sock: AsyncFd<Socket>,
    pending: VecDeque<NetEvent>,
}

impl NetWatcher {
    /// Subscribes to `groups` in the calling thread's network namespace. Must be
    /// called inside a tokio runtime. Events that happen before this returns are
    /// not reported: read the current state after opening.
    pub fn open(groups: WatchGroups) -> Result<NetWatcher, NetlinkError> {
        Ok(NetWatcher {
            sock: open_socket(groups.bits())?,
            pending: VecDeque::new(),
        })
    }

    /// The next event. [`NetlinkError::Overrun`] means events were lost: resync
    /// and keep calling.
    pub async fn next(&mut self) -> Result<NetEvent, NetlinkError> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Ok(e);
            }
            let data = recv_datagram(&self.sock).await?;
            let received_at = Instant::now();
            for m in split_messages(&data) {
                let Ok(m) = m else {
                    tracing::debug!("skipping undecodable netlink event");
                    continue;
                };
                let sender = m.header.port_number;
                let Some(kind) = event_of(m.payload) else {
                    continue;
                };
                self.pending.push_back(NetEvent {
                    received_at,
                    sender,
                    kind,
                });
            }
        }
    }
}

/// The event a decoded netlink message reports, if any.
fn event_of(payload: NetlinkPayload<RouteNetlinkMessage>) -> Option<NetEventKind> {
    let NetlinkPayload::InnerMessage(m) = payload else {
        return None;
    };
    Some(match m {
        RouteNetlinkMessage::NewLink(l) => NetEventKind::LinkChanged(Interface::from_message(&l)),
        RouteNetlinkMessage::DelLink(l) => NetEventKind::LinkRemoved(Interface::from_message(&l)),
        RouteNetlinkMessage::NewAddress(a) => {
            NetEventKind::AddressAdded(AddressInfo::from_message(&a)?)
        }
        RouteNetlinkMessage::DelAddress(a) => {
            NetEventKind::AddressRemoved(AddressInfo::from_message(&a)?)
        }
        RouteNetlinkMessage::DelRoute(r) => {
            NetEventKind::RouteRemoved(RouteEntry::from_message(&r))
        }
        RouteNetlinkMessage::DelRule(r) => NetEventKind::RuleRemoved(RuleEntry::from_message(&r)),
        _ => return None,
    })
}

/// The events in one datagram, undecodable messages skipped.
#[cfg(test)]
fn events_of(data: &[u8]) -> Vec<NetEventKind> {
    split_messages(data)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|m| event_of(m.payload))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{RouteSpec, RuleSpec};
    use netlink_packet_core::{NetlinkHeader, NetlinkMessage};

    fn datagram(m: RouteNetlinkMessage) -> Vec<u8> {
        let mut msg =
            NetlinkMessage::new(NetlinkHeader::default(), NetlinkPayload::InnerMessage(m));
        msg.finalize();
        let mut buf = vec![0; msg.buffer_len()];
        msg.serialize(&mut buf);
        buf
    }

    fn route() -> RouteSpec {
        RouteSpec {
            ipv6: false,
            dst: "10.9.0.0".parse().unwrap(),
            dst_len: 16,
            table: 1000,
            route_type: None,
            scope: None,
            protocol: crate::route::RTPROT_KEEPALIVED,
            tos: 0,
            pref_src: None,
            src: None,
            gateway: Some("10.0.0.1".parse().unwrap()),
            oif: Some(3),
            metric: Some(50),
            onlink: false,
            metrics: Vec::new(),
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
            ipv6: true,
            action: 1,
            table: 100,
            goto: None,
            invert: true,
            from: Some(("2001:db8::".parse().unwrap(), 64)),
            to: Some(("2001:db8:1::".parse().unwrap(), 48)),
            priority: 16384,
            tos: 0,
            fwmark: Some(7),
            fwmask: Some(0xff),
            iif: Some("eth0".into()),
            oif: None,
            uidrange: None,
            suppress_prefixlength: None,
            l3mdev: false,
            protocol: Some(18),
            realms: None,
            suppress_ifgroup: None,
            ipproto: None,
            sport: None,
            dport: None,
            tun_id: None,
        }
    }

    #[test]
    fn deleted_route_is_parsed() {
        let d = datagram(RouteNetlinkMessage::DelRoute(route().to_message(false)));
        let ev = events_of(&d);
        let [NetEventKind::RouteRemoved(r)] = ev.as_slice() else {
            panic!("{ev:?}");
        };
        assert_eq!(r.dst, Some(("10.9.0.0".parse().unwrap(), 16)));
        assert_eq!(
            (r.table, r.metric, r.oif, r.protocol),
            (1000, Some(50), Some(3), 18)
        );
        assert_eq!(r.gateway, Some("10.0.0.1".parse().unwrap()));
        // an added route is not an event
        let d = datagram(RouteNetlinkMessage::NewRoute(route().to_message(false)));
        assert!(events_of(&d).is_empty());
    }

    /// The sender (`nlmsg_pid`) is the header's port number.
    #[test]
    fn sender_is_the_port_number() {
        let mut h = NetlinkHeader::default();
        h.port_number = 77;
        let mut msg = NetlinkMessage::new(
            h,
            NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelRoute(route().to_message(false))),
        );
        msg.finalize();
        let mut buf = vec![0; msg.buffer_len()];
        msg.serialize(&mut buf);
        let m = split_messages(&buf).remove(0).unwrap();
        assert_eq!(m.header.port_number, 77);
    }

    #[test]
    fn deleted_rule_is_parsed() {
        let d = datagram(RouteNetlinkMessage::DelRule(rule().to_message()));
        let ev = events_of(&d);
        let [NetEventKind::RuleRemoved(r)] = ev.as_slice() else {
            panic!("{ev:?}");
        };
        assert!(r.ipv6 && r.invert);
        assert_eq!((r.priority, r.table, r.action), (16384, 100, 1));
        assert_eq!(r.from, Some(("2001:db8::".parse().unwrap(), 64)));
        assert_eq!(r.to, Some(("2001:db8:1::".parse().unwrap(), 48)));
        assert_eq!(
            (r.fwmark, r.fwmask, r.protocol),
            (Some(7), Some(0xff), Some(18))
        );
        assert_eq!(r.iif.as_deref(), Some("eth0"));
        assert_eq!(r.oif, None);
    }

    /// Every truncation of a valid datagram, and a length field pointing past
    /// the end, decode to nothing or to events without panicking.
    #[test]
    fn truncated_and_lying_datagrams_are_skipped() {
        for m in [
            RouteNetlinkMessage::DelRoute(route().to_message(false)),
            RouteNetlinkMessage::DelRule(rule().to_message()),
        ] {
            let d = datagram(m);
            for n in 0..d.len() {
                assert!(events_of(&d[..n]).is_empty(), "{n} bytes decoded");
            }
            let mut lying = d.clone();
            let len = u32::try_from(d.len() + 64).unwrap();
            lying[..4].copy_from_slice(&len.to_ne_bytes());
            let _ = events_of(&lying);
            // an attribute length larger than the message
            let mut bad_attr = d.clone();
            let at = bad_attr.len() - 8;
            bad_attr[at] = 0xff;
            let _ = events_of(&bad_attr);
        }
    }

    #[test]
    fn groups_map_to_rtnetlink_bits() {
        let all = WatchGroups {
            links: false,
            addresses: false,
            routes: true,
            rules: true,
        };
        assert_eq!(all.bits(), 0x40 | 0x400 | 0x80 | 0x4_0000);
        assert_eq!(WatchGroups::ALL.bits(), 0x1 | 0x10 | 0x100);
    }
}
