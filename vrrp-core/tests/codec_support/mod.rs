//! Helpers shared by the codec integration tests: a minimal pcap reader for
//! the golden captures and a pcap writer for the tshark oracle (both written
//! here from the pcap format description, libpcap's `pcap-savefile(5)`).
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One IP packet carrying VRRP, as the IP layer saw it.
#[derive(Clone, Debug)]
pub struct IpVrrp {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ttl: u8,
    pub payload: Vec<u8>,
}

const LINKTYPE_ETHERNET: u32 = 1;
pub const LINKTYPE_RAW: u32 = 101;

/// Reads every packet of a classic little- or big-endian pcap file of
/// Ethernet or raw-IP frames and returns the VRRP ones.
pub fn read_pcap(bytes: &[u8]) -> Vec<IpVrrp> {
    read_pcap_ip(bytes)
        .iter()
        .filter_map(|ip| parse_ip(ip))
        .collect()
}

/// Reads every packet of a classic little- or big-endian pcap file of
/// Ethernet or raw-IP frames and returns each one's IP datagram.
pub fn read_pcap_ip(bytes: &[u8]) -> Vec<Vec<u8>> {
    assert!(bytes.len() >= 24, "pcap too short");
    let magic = u32::from_le_bytes(bytes[0..4].try_into().unwrap());
    let le = match magic {
        0xa1b2_c3d4 | 0xa1b2_3c4d => true,
        0xd4c3_b2a1 | 0x4d3c_b2a1 => false,
        m => panic!("not a pcap file (magic {m:#x})"),
    };
    let u32_at = |b: &[u8], o: usize| {
        let w: [u8; 4] = b[o..o + 4].try_into().unwrap();
        if le {
            u32::from_le_bytes(w)
        } else {
            u32::from_be_bytes(w)
        }
    };
    let linktype = u32_at(bytes, 20);
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let incl = u32_at(bytes, at + 8) as usize;
        let frame = &bytes[at + 16..at + 16 + incl];
        at += 16 + incl;
        let ip = match linktype {
            LINKTYPE_ETHERNET => {
                let mut off = 12;
                let mut ethertype = u16::from_be_bytes([frame[off], frame[off + 1]]);
                while ethertype == 0x8100 || ethertype == 0x88a8 {
                    off += 4;
                    ethertype = u16::from_be_bytes([frame[off], frame[off + 1]]);
                }
                &frame[off + 2..]
            }
            LINKTYPE_RAW => frame,
            l => panic!("unsupported pcap link type {l}"),
        };
        out.push(ip.to_vec());
    }
    out
}

/// IPv4 (honouring IHL and total length) or IPv6 (no extension headers) with
/// protocol 112.
pub fn parse_ip(ip: &[u8]) -> Option<IpVrrp> {
    match ip.first()? >> 4 {
        4 => {
            let ihl = usize::from(ip[0] & 0x0f) * 4;
            let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
            if ip[9] != 112 {
                return None;
            }
            let src: [u8; 4] = ip[12..16].try_into().unwrap();
            let dst: [u8; 4] = ip[16..20].try_into().unwrap();
            Some(IpVrrp {
                src: IpAddr::V4(Ipv4Addr::from(src)),
                dst: IpAddr::V4(Ipv4Addr::from(dst)),
                ttl: ip[8],
                payload: ip[ihl..total].to_vec(),
            })
        }
        6 => {
            let plen = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
            if ip[6] != 112 {
                return None;
            }
            let src: [u8; 16] = ip[8..24].try_into().unwrap();
            let dst: [u8; 16] = ip[24..40].try_into().unwrap();
            Some(IpVrrp {
                src: IpAddr::V6(Ipv6Addr::from(src)),
                dst: IpAddr::V6(Ipv6Addr::from(dst)),
                ttl: ip[7],
                payload: ip[40..40 + plen].to_vec(),
            })
        }
        _ => None,
    }
}

/// Wraps a VRRP payload in an IPv4 header (TOS 0xc0 as keepalived sends,
/// header checksum filled) or an IPv6 header, per the address family.
pub fn ip_packet(src: IpAddr, dst: IpAddr, ttl: u8, payload: &[u8]) -> Vec<u8> {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let total = (20 + payload.len()) as u16;
            let mut h = vec![0x45, 0xc0];
            h.extend_from_slice(&total.to_be_bytes());
            h.extend_from_slice(&[0, 1, 0, 0, ttl, 112, 0, 0]);
            h.extend_from_slice(&s.octets());
            h.extend_from_slice(&d.octets());
            let mut acc: u32 = h
                .chunks(2)
                .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
                .sum();
            while acc > 0xffff {
                acc = (acc & 0xffff) + (acc >> 16);
            }
            h[10..12].copy_from_slice(&(!(acc as u16)).to_be_bytes());
            h.extend_from_slice(payload);
            h
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let mut h = vec![0x6c, 0, 0, 0];
            h.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            h.extend_from_slice(&[112, ttl]);
            h.extend_from_slice(&s.octets());
            h.extend_from_slice(&d.octets());
            h.extend_from_slice(payload);
            h
        }
        _ => panic!("mixed families"),
    }
}

/// A classic pcap file (little-endian, microseconds) of raw IP packets.
pub fn write_pcap(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    f.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    f.extend_from_slice(&65535u32.to_le_bytes()); // snaplen
    f.extend_from_slice(&LINKTYPE_RAW.to_le_bytes());
    for (i, p) in packets.iter().enumerate() {
        f.extend_from_slice(&(1_700_000_000u32 + i as u32).to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&(p.len() as u32).to_le_bytes());
        f.extend_from_slice(&(p.len() as u32).to_le_bytes());
        f.extend_from_slice(p);
    }
    f
}
