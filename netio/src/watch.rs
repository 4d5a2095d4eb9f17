//! Kernel event watch: interface up/down (RTMGRP_LINK) and address changes
//! (RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR), e.g. to track an instance's
//! interface for FAULT and to time failovers from the moment a VIP appears.

use std::collections::VecDeque;
use std::time::Instant;

use netlink_packet_core::NetlinkPayload;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::Socket;
use tokio::io::unix::AsyncFd;

use crate::error::NetlinkError;
use crate::netlink_conn::{open_socket, recv_datagram, split_messages};
use crate::rtnl::{AddressInfo, Interface};

const RTMGRP_LINK: u32 = 0x1;
const RTMGRP_IPV4_IFADDR: u32 = 0x10;
const RTMGRP_IPV6_IFADDR: u32 = 0x100;

/// What a [`NetWatcher`] listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchGroups {
    /// Link events (new, changed, removed interfaces).
    pub links: bool,
    /// IPv4 and IPv6 address events.
    pub addresses: bool,
}

impl WatchGroups {
    /// Links and addresses.
    pub const ALL: WatchGroups = WatchGroups {
        links: true,
        addresses: true,
    };

    fn bits(self) -> u32 {
        (if self.links { RTMGRP_LINK } else { 0 })
            | (if self.addresses {
                RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR
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
}

/// A kernel event with the time we read it from the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetEvent {
    /// When the datagram carrying it was received.
    pub received_at: Instant,
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
                let kind = match m.payload {
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(l)) => {
                        NetEventKind::LinkChanged(Interface::from_message(&l))
                    }
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelLink(l)) => {
                        NetEventKind::LinkRemoved(Interface::from_message(&l))
                    }
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewAddress(a)) => {
                        match AddressInfo::from_message(&a) {
                            Some(a) => NetEventKind::AddressAdded(a),
                            None => continue,
                        }
                    }
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelAddress(a)) => {
                        match AddressInfo::from_message(&a) {
                            Some(a) => NetEventKind::AddressRemoved(a),
                            None => continue,
                        }
                    }
                    _ => continue,
                };
                self.pending.push_back(NetEvent { received_at, kind });
            }
        }
    }
}
