//! The sockets of RFC 5881 and RFC 5883: one receive socket per address
//! family on UDP port 3784 (single hop) and, for multihop sessions, on 4784,
//! and one send socket per session bound to its source address and a port
//! in 49152–65535 (keepalived `bfd_scheduler.c bfd_open_fd_in`,
//! `bfd_open_fd_out`).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::os::fd::AsRawFd;

use bfd_core::packet::{CONTROL_PORT, SOURCE_PORTS};
use socket2::{Domain, Protocol, Socket, Type};

use crate::error::SystemError;
use crate::rng::Rng;
use crate::spec::PeerSpec;
use crate::sys;

/// An address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Family {
    V4,
    V6,
}

impl Family {
    pub(crate) fn of(a: IpAddr) -> Family {
        match a {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    fn unspecified(self) -> IpAddr {
        match self {
            Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }

    fn domain(self) -> Domain {
        match self {
            Family::V4 => Domain::IPV4,
            Family::V6 => Domain::IPV6,
        }
    }
}

/// The UDP destination port of multihop control packets (RFC 5883 §2;
/// keepalived 2.2.8's `multihop` option, `BFD_MULTIHOP_CONTROL_PORT`).
pub const MULTIHOP_CONTROL_PORT: u16 = 4784;

/// One receive socket: a family, single hop (3784) or multihop (4784).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Listen {
    pub family: Family,
    pub multihop: bool,
}

impl Listen {
    /// The receive socket the session with `spec` needs.
    pub(crate) fn of(spec: &PeerSpec) -> Listen {
        Listen {
            family: Family::of(spec.neighbor),
            multihop: spec.multihop,
        }
    }

    /// The UDP port: 3784, or 4784 for multihop.
    pub(crate) fn port(self) -> u16 {
        if self.multihop {
            MULTIHOP_CONTROL_PORT
        } else {
            CONTROL_PORT
        }
    }
}

fn sock_err(what: &'static str) -> impl FnOnce(io::Error) -> SystemError {
    move |source| SystemError::Socket { what, source }
}

/// The receive socket of `l` on `*:3784` (or `*:4784`), non-blocking,
/// reporting the TTL / hop limit and destination address of each datagram.
/// The IPv6 one is IPv6-only, so each family has its own socket (keepalived
/// uses one dual-stack socket; the packets seen are the same).
pub(crate) fn open_receive(l: Listen) -> Result<Socket, SystemError> {
    let family = l.family;
    let what = match (family, l.multihop) {
        (Family::V4, false) => "IPv4 receive",
        (Family::V6, false) => "IPv6 receive",
        (Family::V4, true) => "IPv4 multihop receive",
        (Family::V6, true) => "IPv6 multihop receive",
    };
    let s =
        Socket::new(family.domain(), Type::DGRAM, Some(Protocol::UDP)).map_err(sock_err(what))?;
    s.set_nonblocking(true).map_err(sock_err(what))?;
    sys::set_recv_pktinfo(s.as_raw_fd(), family == Family::V6).map_err(sock_err(what))?;
    match family {
        Family::V4 => sys::set_recv_ttl_v4(s.as_raw_fd()).map_err(sock_err(what))?,
        Family::V6 => {
            s.set_only_v6(true).map_err(sock_err(what))?;
            s.set_recv_hoplimit_v6(true).map_err(sock_err(what))?;
        }
    }
    let addr = SocketAddr::new(family.unspecified(), l.port());
    s.bind(&addr.into())
        .map_err(|source| SystemError::Bind { what, addr, source })?;
    Ok(s)
}

/// A session's send socket: non-blocking, TTL / hop limit `spec.ttl`,
/// bound to `spec.source` (or the unspecified address) and a free port
/// of 49152–65535 tried from a random start, as keepalived's
/// `bfd_open_fd_out` does (which, without a source address, leaves the port
/// to the kernel; here the RFC 5881 §4 range holds in both cases). A
/// link-local source is bound with the scope of the session's interface.
pub(crate) fn open_send(spec: &PeerSpec, rng: &mut Rng) -> Result<SendSocket, SystemError> {
    let what = "send";
    let family = Family::of(spec.neighbor);
    let ifindex = match &spec.interface {
        None => 0,
        Some(i) => sys::if_index(i).map_err(|source| SystemError::Interface {
            name: spec.name.clone(),
            interface: i.clone(),
            source,
        })?,
    };
    let s =
        Socket::new(family.domain(), Type::DGRAM, Some(Protocol::UDP)).map_err(sock_err(what))?;
    s.set_nonblocking(true).map_err(sock_err(what))?;
    set_ttl(&s, family, spec.ttl).map_err(sock_err(what))?;
    if family == Family::V6 {
        s.set_only_v6(true).map_err(sock_err(what))?;
    }
    let ip = spec.source.unwrap_or_else(|| family.unspecified());
    let (lo, hi) = (*SOURCE_PORTS.start(), *SOURCE_PORTS.end());
    let first = rng.in_range(lo, hi);
    let mut port = first;
    loop {
        let addr = scoped(ip, port, ifindex);
        match s.bind(&addr.into()) {
            Ok(()) => {
                return Ok(SendSocket {
                    socket: s,
                    port,
                    ifindex,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {}
            Err(source) => return Err(SystemError::Bind { what, addr, source }),
        }
        port = if port == hi { lo } else { port + 1 };
        if port == first {
            return Err(SystemError::NoSourcePort {
                name: spec.name.clone(),
                addr: ip,
            });
        }
    }
}

/// A session's send socket, its source port, and the index of its
/// interface (0 without one).
#[derive(Debug)]
pub(crate) struct SendSocket {
    pub socket: Socket,
    pub port: u16,
    pub ifindex: u32,
}

/// `ip`:`port`, with the scope `ifindex` when `ip` is IPv6 link-local.
pub(crate) fn scoped(ip: IpAddr, port: u16, ifindex: u32) -> SocketAddr {
    match ip {
        IpAddr::V6(v6) if crate::spec::is_link_local(ip) => {
            SocketAddr::V6(SocketAddrV6::new(v6, port, 0, ifindex))
        }
        _ => SocketAddr::new(ip, port),
    }
}

/// Sets the TTL (IPv4) or unicast hop limit (IPv6) of sent packets.
pub(crate) fn set_ttl(s: &Socket, family: Family, ttl: u8) -> io::Result<()> {
    match family {
        Family::V4 => s.set_ttl_v4(u32::from(ttl)),
        Family::V6 => s.set_unicast_hops_v6(u32::from(ttl)),
    }
}
