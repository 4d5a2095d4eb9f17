//! Raw IP sockets for VRRP (IP protocol 112), IPv4 and IPv6, on tokio.
//!
//! - IPv4: `socket(AF_INET, SOCK_RAW, 112)` with `IP_HDRINCL`. We build the
//!   20-byte IPv4 header ourselves as keepalived does (RFC 9568 §5.1.1: TTL 255,
//!   TOS 0xC0 internetwork control, an ID counter, the chosen source address), so
//!   one socket can send with any local source on any interface without bind();
//!   the kernel fills the header checksum. On receive the kernel hands us the IP
//!   header, from which we read TTL, source and destination; `IP_PKTINFO` gives the
//!   interface.
//! - IPv6: `socket(AF_INET6, SOCK_RAW, 112)`; the kernel builds the header. The
//!   source address and interface go in an `IPV6_PKTINFO` control message and the
//!   hop limit in `IPV6_HOPLIMIT` (RFC 9568 §5.1.2.3: 255). On receive
//!   `IPV6_RECVPKTINFO` and `IPV6_RECVHOPLIMIT` supply destination, interface and
//!   hop limit.
//!
//! Both disable multicast loopback and `IP(V6)_MULTICAST_ALL`, so a socket only sees
//! the groups it joined itself. The VRRP payload (header, addresses, checksum) is
//! the codec's business: this module never looks inside it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddrV6};
use std::ops::Range;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU16, Ordering};

use socket2::{Domain, InterfaceIndexOrAddress, Protocol, Socket, Type};
use tokio::io::unix::AsyncFd;

use crate::error::SocketError;
use crate::sys;

/// IANA protocol number of VRRP (RFC 9568 §5.1.1.3, §5.1.2.2).
pub const VRRP_PROTOCOL: u8 = vrrp_core::packet::IPPROTO_VRRP;
use vrrp_core::packet::ah::{self, AhHeader, AhKey};
use vrrp_core::packet::{Family, RxMeta};
pub use vrrp_core::packet::{VRRP_GROUP_V4, VRRP_GROUP_V6, VRRP_TTL};
/// TOS keepalived puts on IPv4 adverts (IPTOS_PREC_INTERNETCONTROL).
pub const VRRP_TOS: u8 = 0xc0;
/// Receive buffer size: larger than any VRRP packet (255 IPv6 addresses + headers).
pub const RECV_BUFFER_LEN: usize = 8192;

const IPV4_HEADER_LEN: usize = 20;

/// A received VRRP packet: its IP metadata and its payload.
///
/// [`VrrpSocket::recv`] gives the payload as its own bytes (`P = Vec<u8>`);
/// [`VrrpSocket::recv_into`] leaves it in the caller's buffer and gives where
/// (`P = Range<usize>`, see [`ReceivedPacket::payload_in`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedPacket<P = Vec<u8>> {
    /// Interface the packet arrived on.
    pub ifindex: u32,
    /// IP source address.
    pub src: IpAddr,
    /// IP destination address (the group, or our unicast address).
    pub dst: IpAddr,
    /// TTL (IPv4) or hop limit (IPv6) as received.
    pub ttl: u8,
    /// The VRRP payload (after the IP header), or where it lies in the buffer.
    pub payload: P,
    /// When the kernel received the packet (SO_TIMESTAMPNS, CLOCK_REALTIME),
    /// so that timers started by it (Skew_Time after a priority-0 advert) do
    /// not include the time the daemon took to wake up.
    pub received: Option<std::time::SystemTime>,
}

impl<P> ReceivedPacket<P> {
    /// The same packet with another payload (e.g. the bytes a range points at).
    pub fn with_payload<Q>(self, payload: Q) -> ReceivedPacket<Q> {
        ReceivedPacket {
            ifindex: self.ifindex,
            src: self.src,
            dst: self.dst,
            ttl: self.ttl,
            payload,
            received: self.received,
        }
    }

    /// The IP metadata vrrp-core's receive validation takes
    /// (`vrrp_core::packet::validate`).
    pub fn rx_meta(&self) -> RxMeta {
        RxMeta {
            src: self.src,
            dst: self.dst,
            ttl: self.ttl,
        }
    }
}

impl ReceivedPacket<Range<usize>> {
    /// The payload within the buffer given to [`VrrpSocket::recv_into`]
    /// (None when `buf` is not that buffer and too short).
    pub fn payload_in<'a>(&self, buf: &'a [u8]) -> Option<&'a [u8]> {
        buf.get(self.payload.clone())
    }
}

/// One packet to send.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// Outgoing interface (0: let the kernel route; give it for multicast and
    /// link-local destinations).
    pub ifindex: u32,
    /// Source address (IPv4: written into our header; IPv6: `IPV6_PKTINFO`;
    /// unspecified lets the kernel choose).
    pub src: IpAddr,
    /// Destination: the VRRP group or a unicast peer.
    pub dst: IpAddr,
    /// TTL / hop limit, normally [`VRRP_TTL`].
    pub ttl: u8,
    /// The VRRP message as emitted by the codec (checksum already filled).
    pub payload: &'a [u8],
    /// IPv4 only: put the message in an IPsec Authentication Header
    /// (`auth_type AH`); the datagram goes out as IP protocol 51.
    pub ah: Option<AhSeal>,
}

/// What an AH-protected advert needs besides the message: keepalived's
/// `vrrp_build_ipsecah` and `vrrp_update_pkt` (see
/// [`vrrp_core::packet::ah`]).
#[derive(Debug, Clone, Copy)]
pub struct AhSeal {
    /// The key made from `auth_pass`.
    pub key: AhKey,
    /// The sequence number of this advert.
    pub seq: u32,
    /// The instance uses unicast peers (the TTL is then outside the ICV).
    pub unicast: bool,
}

/// A raw VRRP socket registered with tokio.
#[derive(Debug)]
pub struct VrrpSocket {
    fd: AsyncFd<Socket>,
    family: Family,
    ip_id: AtomicU16,
}

fn opt(option: &'static str) -> impl FnOnce(std::io::Error) -> SocketError {
    move |source| SocketError::Option { option, source }
}

impl VrrpSocket {
    /// Opens a raw VRRP socket. With `bind_device` the socket only sees and sends
    /// on that interface (`SO_BINDTODEVICE`); without it one socket serves every
    /// interface and each packet reports its `ifindex`. Must be called inside a
    /// tokio runtime; needs CAP_NET_RAW.
    pub fn open(family: Family, bind_device: Option<&str>) -> Result<Self, SocketError> {
        Self::open_protocol(family, VRRP_PROTOCOL, bind_device)
    }

    /// Opens a raw IPv4 socket of protocol 51 to receive AH-protected
    /// adverts (keepalived `open_vrrp_read_socket` with `IPPROTO_AH` for an
    /// instance with `auth_type AH`). It receives whole datagrams as
    /// [`open`](Self::open)'s IPv4 socket does; sending AH adverts needs no
    /// socket of its own (see [`Outgoing::ah`]).
    pub fn open_ah(bind_device: Option<&str>) -> Result<Self, SocketError> {
        Self::open_protocol(Family::V4, ah::IPPROTO_AH, bind_device)
    }

    fn open_protocol(
        family: Family,
        protocol: u8,
        bind_device: Option<&str>,
    ) -> Result<Self, SocketError> {
        let (domain, what) = match (family, protocol) {
            (Family::V4, ah::IPPROTO_AH) => (Domain::IPV4, "IPv4 AH"),
            (Family::V4, _) => (Domain::IPV4, "IPv4 VRRP"),
            (Family::V6, _) => (Domain::IPV6, "IPv6 VRRP"),
        };
        let sock = Socket::new(
            domain,
            Type::RAW.nonblocking().cloexec(),
            Some(Protocol::from(i32::from(protocol))),
        )
        .map_err(|source| SocketError::Open { what, source })?;
        let fd = sock.as_raw_fd();
        match family {
            Family::V4 => {
                sock.set_header_included_v4(true)
                    .map_err(opt("IP_HDRINCL"))?;
                sys::set_int_opt(fd, libc::IPPROTO_IP, libc::IP_PKTINFO, 1)
                    .map_err(opt("IP_PKTINFO"))?;
                sock.set_multicast_loop_v4(false)
                    .map_err(opt("IP_MULTICAST_LOOP"))?;
                sock.set_multicast_all_v4(false)
                    .map_err(opt("IP_MULTICAST_ALL"))?;
                sock.set_multicast_ttl_v4(u32::from(VRRP_TTL))
                    .map_err(opt("IP_MULTICAST_TTL"))?;
                sock.set_tos_v4(u32::from(VRRP_TOS))
                    .map_err(opt("IP_TOS"))?;
            }
            Family::V6 => {
                sys::set_int_opt(fd, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1)
                    .map_err(opt("IPV6_RECVPKTINFO"))?;
                sock.set_recv_hoplimit_v6(true)
                    .map_err(opt("IPV6_RECVHOPLIMIT"))?;
                sock.set_multicast_loop_v6(false)
                    .map_err(opt("IPV6_MULTICAST_LOOP"))?;
                sock.set_multicast_all_v6(false)
                    .map_err(opt("IPV6_MULTICAST_ALL"))?;
                sock.set_multicast_hops_v6(u32::from(VRRP_TTL))
                    .map_err(opt("IPV6_MULTICAST_HOPS"))?;
                sock.set_unicast_hops_v6(u32::from(VRRP_TTL))
                    .map_err(opt("IPV6_UNICAST_HOPS"))?;
            }
        }
        // Kernel receive timestamps on every packet (ReceivedPacket::received).
        sys::set_int_opt(fd, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)
            .map_err(opt("SO_TIMESTAMPNS"))?;
        if let Some(dev) = bind_device {
            sock.bind_device(Some(dev.as_bytes()))
                .map_err(opt("SO_BINDTODEVICE"))?;
        }
        let fd = sys::register_async(sock).map_err(|source| SocketError::Open { what, source })?;
        Ok(VrrpSocket {
            fd,
            family,
            ip_id: AtomicU16::new(1),
        })
    }

    /// The socket's IP version.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The underlying socket (for options this type does not wrap).
    pub fn socket(&self) -> &Socket {
        self.fd.get_ref()
    }

    /// Joins the VRRP group (224.0.0.18 / ff02::12) on interface `ifindex`
    /// (`IP_ADD_MEMBERSHIP` with `ip_mreqn`, `IPV6_JOIN_GROUP`).
    pub fn join_group(&self, ifindex: u32) -> Result<(), SocketError> {
        self.join_multicast(self.family.group(), ifindex)
    }

    /// Leaves the VRRP group on interface `ifindex`.
    pub fn leave_group(&self, ifindex: u32) -> Result<(), SocketError> {
        self.leave_multicast(self.family.group(), ifindex)
    }

    /// Joins multicast `group` on interface `ifindex` (keepalived
    /// `if_join_vrrp_group`: `IP_ADD_MEMBERSHIP` with `ip_mreqn`,
    /// `IPV6_JOIN_GROUP`). With `IP(V6)_MULTICAST_ALL` off the socket then
    /// receives that group's datagrams arriving on that interface only.
    pub fn join_multicast(&self, group: IpAddr, ifindex: u32) -> Result<(), SocketError> {
        let sock = self.fd.get_ref();
        match (self.family, group) {
            (Family::V4, IpAddr::V4(g)) => sock
                .join_multicast_v4_n(&g, &InterfaceIndexOrAddress::Index(ifindex))
                .map_err(opt("IP_ADD_MEMBERSHIP")),
            (Family::V6, IpAddr::V6(g)) => sock
                .join_multicast_v6(&g, ifindex)
                .map_err(opt("IPV6_JOIN_GROUP")),
            _ => Err(SocketError::FamilyMismatch { addr: group }),
        }
    }

    /// Leaves multicast `group` on interface `ifindex` (keepalived
    /// `if_leave_vrrp_group`).
    pub fn leave_multicast(&self, group: IpAddr, ifindex: u32) -> Result<(), SocketError> {
        let sock = self.fd.get_ref();
        match (self.family, group) {
            (Family::V4, IpAddr::V4(g)) => sock
                .leave_multicast_v4_n(&g, &InterfaceIndexOrAddress::Index(ifindex))
                .map_err(opt("IP_DROP_MEMBERSHIP")),
            (Family::V6, IpAddr::V6(g)) => sock
                .leave_multicast_v6(&g, ifindex)
                .map_err(opt("IPV6_LEAVE_GROUP")),
            _ => Err(SocketError::FamilyMismatch { addr: group }),
        }
    }

    /// Sets the default interface for multicast sends (`IP_MULTICAST_IF` by index /
    /// `IPV6_MULTICAST_IF`). [`send`](Self::send) also names the interface per
    /// packet, so this only matters for sends with `ifindex` 0.
    pub fn set_multicast_interface(&self, ifindex: u32) -> Result<(), SocketError> {
        let sock = self.fd.get_ref();
        match self.family {
            Family::V4 => sys::set_multicast_if_v4_index(sock.as_raw_fd(), ifindex)
                .map_err(opt("IP_MULTICAST_IF")),
            Family::V6 => sock
                .set_multicast_if_v6(ifindex)
                .map_err(opt("IPV6_MULTICAST_IF")),
        }
    }

    /// IPv6 only: let the kernel compute the VRRP checksum on send and verify it on
    /// receive (`IPV6_CHECKSUM` at offset 6, as keepalived does). Off by default:
    /// the codec computes it and the daemon counts bad checksums itself, which the
    /// kernel's silent drops would hide.
    pub fn set_kernel_checksum_v6(&self, on: bool) -> Result<(), SocketError> {
        if self.family != Family::V6 {
            return Err(SocketError::FamilyMismatch {
                addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            });
        }
        let offset = if on { 6 } else { -1 };
        sys::set_int_opt(
            self.fd.get_ref().as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_CHECKSUM,
            offset,
        )
        .map_err(opt("IPV6_CHECKSUM"))
    }

    /// Turns multicast loopback on or off (off by default, as keepalived).
    pub fn set_multicast_loop(&self, on: bool) -> Result<(), SocketError> {
        let sock = self.fd.get_ref();
        match self.family {
            Family::V4 => sock
                .set_multicast_loop_v4(on)
                .map_err(opt("IP_MULTICAST_LOOP")),
            Family::V6 => sock
                .set_multicast_loop_v6(on)
                .map_err(opt("IPV6_MULTICAST_LOOP")),
        }
    }

    /// Receives one packet into `buf` (use [`RECV_BUFFER_LEN`] bytes).
    ///
    /// `Malformed` and `MissingAncillary` errors concern one datagram only: count
    /// them and call again. `Recv` is a socket failure.
    pub async fn recv_into(
        &self,
        buf: &mut [u8],
    ) -> Result<ReceivedPacket<Range<usize>>, SocketError> {
        loop {
            let mut guard = self.fd.readable().await.map_err(SocketError::Recv)?;
            match guard.try_io(|fd| sys::recvmsg_ip(fd.as_raw_fd(), buf)) {
                Ok(Ok(meta)) => return self.finish_recv(meta, buf),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Ok(Err(e)) => return Err(SocketError::Recv(e)),
                Err(_would_block) => continue,
            }
        }
    }

    /// Receives one packet into a fresh buffer.
    pub async fn recv(&self) -> Result<ReceivedPacket, SocketError> {
        let mut buf = vec![0u8; RECV_BUFFER_LEN];
        let info = self.recv_into(&mut buf).await?;
        let payload = info
            .payload_in(&buf)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        Ok(info.with_payload(payload))
    }

    fn finish_recv(
        &self,
        meta: sys::RecvMeta,
        buf: &[u8],
    ) -> Result<ReceivedPacket<Range<usize>>, SocketError> {
        if meta.truncated {
            return Err(SocketError::Malformed(
                "datagram longer than the receive buffer",
            ));
        }
        let data = buf
            .get(..meta.len)
            .ok_or(SocketError::Malformed("length beyond buffer"))?;
        let ifindex = meta
            .ifindex
            .ok_or(SocketError::MissingAncillary("packet info (ifindex)"))?;
        match self.family {
            Family::V4 => {
                let ip = parse_ipv4_header(data)?;
                Ok(ReceivedPacket {
                    ifindex,
                    src: IpAddr::V4(ip.src),
                    dst: IpAddr::V4(ip.dst),
                    ttl: ip.ttl,
                    payload: ip.payload,
                    received: meta.timestamp,
                })
            }
            Family::V6 => {
                let src = meta
                    .src
                    .ok_or(SocketError::MissingAncillary("source address"))?;
                let dst = meta
                    .dst
                    .ok_or(SocketError::MissingAncillary("IPV6_PKTINFO"))?;
                let ttl = meta
                    .hop_limit
                    .ok_or(SocketError::MissingAncillary("IPV6_HOPLIMIT"))?;
                Ok(ReceivedPacket {
                    ifindex,
                    src,
                    dst,
                    ttl,
                    payload: 0..meta.len,
                    received: meta.timestamp,
                })
            }
        }
    }

    /// Sends one VRRP packet.
    pub async fn send(&self, pkt: &Outgoing<'_>) -> Result<(), SocketError> {
        if Family::of(pkt.src) != self.family {
            return Err(SocketError::FamilyMismatch { addr: pkt.src });
        }
        let dst = pkt.dst;
        let send_err = |source| SocketError::Send { dst, source };
        let datagram;
        let v4_dst = match (self.family, pkt.src, pkt.dst) {
            (Family::V4, IpAddr::V4(src), IpAddr::V4(d)) => {
                let id = self.next_ip_id();
                datagram = match &pkt.ah {
                    None => build_ipv4_datagram(src, d, pkt.ttl, id, VRRP_PROTOCOL, pkt.payload)?,
                    Some(seal) => build_ah_datagram(src, d, pkt.ttl, id, seal, pkt.payload)?,
                };
                Some(d)
            }
            (Family::V6, _, IpAddr::V6(_)) => {
                datagram = Vec::new();
                None
            }
            _ => return Err(SocketError::FamilyMismatch { addr: pkt.dst }),
        };
        loop {
            let mut guard = self.fd.writable().await.map_err(send_err)?;
            let res = guard.try_io(|fd| {
                let raw = fd.as_raw_fd();
                match (v4_dst, pkt.src, pkt.dst) {
                    (Some(d), _, _) => {
                        // keepalived sends multicast with MSG_DONTROUTE (vrrp.c).
                        let flags = if d.is_multicast() {
                            libc::MSG_DONTROUTE
                        } else {
                            0
                        };
                        sys::sendmsg_v4(raw, &datagram, d, pkt.ifindex, flags)
                    }
                    (None, IpAddr::V6(src), IpAddr::V6(d)) => {
                        let scope = if needs_scope(&d) { pkt.ifindex } else { 0 };
                        let src = (!src.is_unspecified()).then_some(src);
                        sys::sendmsg_v6(
                            raw,
                            pkt.payload,
                            SocketAddrV6::new(d, 0, 0, scope),
                            src,
                            pkt.ifindex,
                            Some(pkt.ttl),
                        )
                    }
                    _ => Err(std::io::Error::from(std::io::ErrorKind::InvalidInput)),
                }
            });
            match res {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Ok(Err(e)) => return Err(send_err(e)),
                Err(_would_block) => continue,
            }
        }
    }

    fn next_ip_id(&self) -> u16 {
        // keepalived never sends ID 0 (the kernel would pick one).
        loop {
            let id = self.ip_id.fetch_add(1, Ordering::Relaxed);
            if id != 0 {
                return id;
            }
        }
    }
}

fn needs_scope(addr: &Ipv6Addr) -> bool {
    let seg0 = addr.segments()[0];
    (seg0 & 0xffc0) == 0xfe80 || (addr.is_multicast() && (seg0 & 0x000f) <= 2)
}

/// Fields of a received IPv4 header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ipv4Fields {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    pub payload: Range<usize>,
}

/// Reads the IPv4 header the kernel delivers on a raw socket (RFC 791 §3.1).
pub(crate) fn parse_ipv4_header(data: &[u8]) -> Result<Ipv4Fields, SocketError> {
    let first = *data
        .first()
        .ok_or(SocketError::Malformed("empty datagram"))?;
    if first >> 4 != 4 {
        return Err(SocketError::Malformed("not an IPv4 header"));
    }
    let ihl = usize::from(first & 0x0f) * 4;
    if ihl < IPV4_HEADER_LEN || data.len() < ihl {
        return Err(SocketError::Malformed("truncated IPv4 header"));
    }
    let total = usize::from(u16::from_be_bytes([data[2], data[3]]));
    let end = if total >= ihl && total <= data.len() {
        total
    } else {
        data.len()
    };
    Ok(Ipv4Fields {
        ttl: data[8],
        src: Ipv4Addr::new(data[12], data[13], data[14], data[15]),
        dst: Ipv4Addr::new(data[16], data[17], data[18], data[19]),
        payload: ihl..end,
    })
}

/// The AH-protected datagram (keepalived `vrrp_build_pkt` with
/// `vrrp_build_ipsecah`): the IPv4 header of protocol 51, the AH header with
/// the sender's address as SPI, the VRRP message, then the ICV computed over
/// all of it ([`ah::seal`]).
pub(crate) fn build_ah_datagram(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ttl: u8,
    id: u16,
    seal: &AhSeal,
    vrrp: &[u8],
) -> Result<Vec<u8>, SocketError> {
    let mut payload = Vec::with_capacity(ah::AH_LEN + vrrp.len());
    payload.extend_from_slice(&AhHeader::for_vrrp(src.octets(), seal.seq).to_bytes());
    payload.extend_from_slice(vrrp);
    let mut d = build_ipv4_datagram(src, dst, ttl, id, ah::IPPROTO_AH, &payload)?;
    ah::seal(&mut d, &seal.key, seal.unicast)
        .map_err(|_| SocketError::Malformed("AH datagram too short"))?;
    Ok(d)
}

/// Builds the IPv4 datagram for IP_HDRINCL (keepalived's `vrrp_build_ip4`): version
/// 4, IHL 5, TOS 0xC0, no fragmentation flags, `protocol` (112, or 51 for AH).
/// The kernel fills the header checksum.
pub(crate) fn build_ipv4_datagram(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ttl: u8,
    id: u16,
    protocol: u8,
    payload: &[u8],
) -> Result<Vec<u8>, SocketError> {
    let total = IPV4_HEADER_LEN + payload.len();
    let total16 =
        u16::try_from(total).map_err(|_| SocketError::PayloadTooLong { len: payload.len() })?;
    let mut d = Vec::with_capacity(total);
    d.extend_from_slice(&[0x45, VRRP_TOS]);
    d.extend_from_slice(&total16.to_be_bytes());
    d.extend_from_slice(&id.to_be_bytes());
    d.extend_from_slice(&[0, 0, ttl, protocol, 0, 0]);
    d.extend_from_slice(&src.octets());
    d.extend_from_slice(&dst.octets());
    d.extend_from_slice(payload);
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_header_round_trip() {
        let d = build_ipv4_datagram(
            Ipv4Addr::new(10, 0, 0, 1),
            VRRP_GROUP_V4,
            255,
            7,
            VRRP_PROTOCOL,
            &[1, 2, 3, 4],
        )
        .unwrap();
        assert_eq!(d.len(), 24);
        assert_eq!(d[1], 0xc0);
        assert_eq!(&d[4..6], &[0, 7]);
        assert_eq!(d[9], 112);
        let f = parse_ipv4_header(&d).unwrap();
        assert_eq!(f.src, Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(f.dst, VRRP_GROUP_V4);
        assert_eq!(f.ttl, 255);
        assert_eq!(&d[f.payload], &[1, 2, 3, 4]);
    }

    #[test]
    fn ipv4_header_rejects_garbage() {
        assert!(parse_ipv4_header(&[]).is_err());
        assert!(parse_ipv4_header(&[0x65; 40]).is_err());
        assert!(
            parse_ipv4_header(&[
                0x46, 0, 0, 20, 0, 0, 0, 0, 255, 112, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8
            ])
            .is_err()
        );
        assert!(parse_ipv4_header(&[0x44; 20]).is_err());
    }

    #[test]
    fn ipv4_header_with_options_skips_them() {
        let mut d = build_ipv4_datagram(
            Ipv4Addr::new(10, 0, 0, 1),
            VRRP_GROUP_V4,
            1,
            1,
            VRRP_PROTOCOL,
            &[9],
        )
        .unwrap();
        d[0] = 0x46;
        d.splice(20..20, [1, 1, 1, 0]);
        d[3] = 25;
        let f = parse_ipv4_header(&d).unwrap();
        assert_eq!(f.payload, 24..25);
        assert_eq!(f.ttl, 1);
    }

    #[test]
    fn oversized_payload_is_refused() {
        let big = vec![0u8; 70_000];
        assert!(matches!(
            build_ipv4_datagram(
                Ipv4Addr::LOCALHOST,
                VRRP_GROUP_V4,
                255,
                1,
                VRRP_PROTOCOL,
                &big
            ),
            Err(SocketError::PayloadTooLong { .. })
        ));
    }

    #[test]
    fn ah_datagram_opens_with_its_key() {
        let key = AhKey::from_pass(b"secret");
        let seal = AhSeal {
            key,
            seq: 5,
            unicast: false,
        };
        let src = Ipv4Addr::new(10, 0, 0, 1);
        let d = build_ah_datagram(src, VRRP_GROUP_V4, 255, 9, &seal, &[7; 20]).unwrap();
        assert_eq!(d.len(), 20 + ah::AH_LEN + 20);
        assert_eq!(d[9], ah::IPPROTO_AH);
        let opened = ah::open(&d, &key, false).unwrap();
        assert_eq!(opened.header.seq, 5);
        assert_eq!(opened.header.spi, u32::from(src));
        assert_eq!(&d[opened.payload], &[7; 20]);
        assert!(ah::open(&d, &AhKey::from_pass(b"other"), false).is_err());
    }

    #[test]
    fn scope_needed_for_link_local_and_ff02() {
        assert!(needs_scope(&VRRP_GROUP_V6));
        assert!(needs_scope(&"fe80::1".parse().unwrap()));
        assert!(!needs_scope(&"fd00::1".parse().unwrap()));
        assert!(!needs_scope(&"ff05::1".parse().unwrap()));
    }
}
