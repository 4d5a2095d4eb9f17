//! Gratuitous ARP and unsolicited Neighbour Advertisements, sent on an AF_PACKET
//! socket as keepalived does on becoming Master (RFC 9568 §6.4.1 (2), §6.4.2 (3);
//! keepalived vrrp_arp.c / vrrp_ndisc.c; reference §3.12).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;

use socket2::{Domain, Protocol, Socket, Type};

use crate::error::SocketError;
use crate::mac::MacAddr;
use crate::sys;

const ETH_P_ARP: u16 = 0x0806;
const ETH_P_IPV6: u16 = 0x86dd;
/// Length of a gratuitous ARP frame (Ethernet 14 + ARP 28; the NIC pads).
pub const GARP_FRAME_LEN: usize = 42;
/// Length of an unsolicited NA frame (Ethernet 14 + IPv6 40 + NA 24 + option 8).
pub const NA_FRAME_LEN: usize = 86;
/// IPv6 all-nodes group, destination of unsolicited NAs (RFC 4861 §7.2.6).
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// Builds a gratuitous ARP: an ARP request (op 1) from `mac`, broadcast, with
/// sender IP = target IP = `vip` and target hardware address ff:ff:ff:ff:ff:ff
/// (keepalived's choice; RFC 5227 §3 allows it).
pub fn garp_frame(mac: MacAddr, vip: Ipv4Addr) -> [u8; GARP_FRAME_LEN] {
    let mut f = [0u8; GARP_FRAME_LEN];
    f[0..6].copy_from_slice(&MacAddr::BROADCAST.0);
    f[6..12].copy_from_slice(&mac.0);
    f[12..14].copy_from_slice(&ETH_P_ARP.to_be_bytes());
    f[14..16].copy_from_slice(&1u16.to_be_bytes()); // htype Ethernet
    f[16..18].copy_from_slice(&0x0800u16.to_be_bytes()); // ptype IPv4
    f[18] = 6;
    f[19] = 4;
    f[20..22].copy_from_slice(&1u16.to_be_bytes()); // op request
    f[22..28].copy_from_slice(&mac.0);
    f[28..32].copy_from_slice(&vip.octets());
    f[32..38].copy_from_slice(&MacAddr::BROADCAST.0);
    f[38..42].copy_from_slice(&vip.octets());
    f
}

/// Builds an unsolicited Neighbour Advertisement for `vip` (RFC 4861 §4.4, §7.2.6):
/// to ff02::1 (Ethernet 33:33:00:00:00:01) from `vip`, hop limit 255, Override
/// set, Router set when `router`, with a Target Link-Layer Address option of `mac`.
pub fn unsolicited_na_frame(mac: MacAddr, vip: Ipv6Addr, router: bool) -> [u8; NA_FRAME_LEN] {
    let mut f = [0u8; NA_FRAME_LEN];
    f[0..6].copy_from_slice(&[0x33, 0x33, 0, 0, 0, 1]);
    f[6..12].copy_from_slice(&mac.0);
    f[12..14].copy_from_slice(&ETH_P_IPV6.to_be_bytes());
    let ip = &mut f[14..54];
    ip[0] = 0x60;
    ip[4..6].copy_from_slice(&32u16.to_be_bytes()); // payload length
    ip[6] = 58; // ICMPv6
    ip[7] = 255; // hop limit (RFC 4861 §7.1.2 requires 255)
    ip[8..24].copy_from_slice(&vip.octets());
    ip[24..40].copy_from_slice(&ALL_NODES.octets());
    let icmp = &mut f[54..86];
    icmp[0] = 136;
    icmp[4] = 0x20 | if router { 0x80 } else { 0 }; // O (and R)
    icmp[8..24].copy_from_slice(&vip.octets());
    icmp[24] = 2; // Target Link-Layer Address
    icmp[25] = 1; // 8 octets
    icmp[26..32].copy_from_slice(&mac.0);
    let sum = icmpv6_checksum(vip, ALL_NODES, &f[54..86]);
    f[56..58].copy_from_slice(&sum.to_be_bytes());
    f
}

/// ICMPv6 checksum over the IPv6 pseudo-header and `msg` (RFC 4443 §2.3).
pub fn icmpv6_checksum(src: Ipv6Addr, dst: Ipv6Addr, msg: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |b: &[u8]| {
        for c in b.chunks(2) {
            let hi = u32::from(c[0]) << 8;
            let lo = c.get(1).map_or(0, |v| u32::from(*v));
            sum = sum.wrapping_add(hi | lo);
        }
    };
    add(&src.octets());
    add(&dst.octets());
    let len = u32::try_from(msg.len()).unwrap_or(u32::MAX);
    add(&len.to_be_bytes());
    add(&[0, 0, 0, 58]);
    add(msg);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An AF_PACKET socket for sending GARPs and NAs. It receives nothing
/// (protocol 0).
#[derive(Debug)]
pub struct Announcer {
    sock: Socket,
}

impl Announcer {
    /// Opens the socket (needs CAP_NET_RAW).
    pub fn open() -> Result<Announcer, SocketError> {
        let sock = Socket::new(Domain::PACKET, Type::RAW.cloexec(), Some(Protocol::from(0)))
            .map_err(|source| SocketError::Open {
                what: "AF_PACKET",
                source,
            })?;
        Ok(Announcer { sock })
    }

    /// Sends one gratuitous ARP for `vip` out of `ifindex` from `mac` (the
    /// interface's MAC, or the VMAC).
    pub fn send_garp(&self, ifindex: u32, mac: MacAddr, vip: Ipv4Addr) -> Result<(), SocketError> {
        let frame = garp_frame(mac, vip);
        sys::packet_sendto(
            self.sock.as_raw_fd(),
            &frame,
            ifindex,
            ETH_P_ARP,
            MacAddr::BROADCAST.0,
        )
        .map(drop)
        .map_err(|source| SocketError::Send {
            dst: vip.into(),
            source,
        })
    }

    /// Sends one unsolicited NA for `vip` out of `ifindex` from `mac`; `router`
    /// sets the R flag (keepalived: when forwarding is on for the interface).
    pub fn send_na(
        &self,
        ifindex: u32,
        mac: MacAddr,
        vip: Ipv6Addr,
        router: bool,
    ) -> Result<(), SocketError> {
        let frame = unsolicited_na_frame(mac, vip, router);
        sys::packet_sendto(
            self.sock.as_raw_fd(),
            &frame,
            ifindex,
            ETH_P_IPV6,
            [0x33, 0x33, 0, 0, 0, 1],
        )
        .map(drop)
        .map_err(|source| SocketError::Send {
            dst: vip.into(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x0a]);

    #[test]
    fn garp_layout() {
        let f = garp_frame(MAC, Ipv4Addr::new(10, 9, 9, 9));
        assert_eq!(&f[0..6], &[0xff; 6]);
        assert_eq!(&f[6..12], &MAC.0);
        assert_eq!(&f[12..14], &[0x08, 0x06]);
        assert_eq!(&f[20..22], &[0, 1]);
        assert_eq!(&f[28..32], &[10, 9, 9, 9]);
        assert_eq!(&f[38..42], &[10, 9, 9, 9]);
        assert_eq!(&f[32..38], &[0xff; 6]);
    }

    #[test]
    fn na_layout_and_checksum_verifies() {
        let vip: Ipv6Addr = "fd00::99".parse().unwrap();
        let f = unsolicited_na_frame(MAC, vip, false);
        assert_eq!(&f[0..6], &[0x33, 0x33, 0, 0, 0, 1]);
        assert_eq!(f[14 + 7], 255);
        assert_eq!(f[54], 136);
        assert_eq!(f[58], 0x20);
        assert_eq!(&f[80..86], &MAC.0);
        // A correct checksum makes the sum over the message (with it) zero.
        assert_eq!(icmpv6_checksum(vip, ALL_NODES, &f[54..86]), 0);
        let r = unsolicited_na_frame(MAC, vip, true);
        assert_eq!(r[58], 0xa0);
        assert_eq!(icmpv6_checksum(vip, ALL_NODES, &r[54..86]), 0);
    }

    #[test]
    fn checksum_matches_known_value() {
        // odd length handled: one trailing byte padded with zero
        let a = icmpv6_checksum(Ipv6Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED, &[0x01]);
        // sum = len(1) + nh(58) + 0x0100 = 0x013b -> !0x013b
        assert_eq!(a, !0x013b);
    }
}
