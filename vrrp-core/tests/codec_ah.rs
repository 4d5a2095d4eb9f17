//! AH-protected VRRPv2 adverts captured from keepalived 2.2.7 (see
//! tests/data/README.md, `auth_type AH`, `auth_pass secretpw`): our verifier
//! accepts each one, and building the datagram from its fields (source,
//! destination, TTL, IP identification, sequence number, advert) with the
//! same key reproduces keepalived's bytes, ICV included.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod codec_support;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use vrrp_core::packet::ah::{self, AhError, AhHeader, AhKey, IPPROTO_AH, SeqCounter};
use vrrp_core::packet::{AddressList, Advertisement, Auth, ChecksumMode, Family, Version};

fn capture(file: &str) -> Vec<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let bytes = std::fs::read(&path).unwrap();
    codec_support::read_pcap_ip(&bytes)
        .into_iter()
        .map(|mut ip| {
            // Drop any Ethernet padding past the IP total length.
            let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
            ip.truncate(total);
            ip
        })
        .collect()
}

fn key() -> AhKey {
    AhKey::from_pass(b"secretpw")
}

const SRC: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 1);

/// The datagram keepalived sends, built from its fields: IPv4 header as
/// keepalived's `vrrp_build_ip4` (TOS 0xC0, protocol 51, header checksum left
/// to the kernel), AH, then the VRRPv2 advert with auth type 2.
fn build(dst: Ipv4Addr, vrid: u8, id: u16, seq: u32, unicast: bool) -> Vec<u8> {
    let mut addresses = AddressList::default();
    assert!(addresses.push(IpAddr::V4(Ipv4Addr::new(10, 99, 0, 100))));
    let advert = Advertisement {
        version: Version::V2,
        vrid,
        priority: 100,
        max_advert_int_cs: 100,
        auth: Auth::Ah,
        addresses,
    };
    let mut vrrp = vec![0u8; advert.buffer_len()];
    advert
        .emit(
            &mut vrrp,
            IpAddr::V4(SRC),
            IpAddr::V4(dst),
            ChecksumMode::Rfc,
        )
        .unwrap();
    let total = u16::try_from(20 + ah::AH_LEN + vrrp.len()).unwrap();
    let mut d = vec![0x45, 0xc0];
    d.extend_from_slice(&total.to_be_bytes());
    d.extend_from_slice(&id.to_be_bytes());
    d.extend_from_slice(&[0, 0, 255, IPPROTO_AH, 0, 0]);
    d.extend_from_slice(&SRC.octets());
    d.extend_from_slice(&dst.octets());
    d.extend_from_slice(&AhHeader::for_vrrp(SRC.octets(), seq).to_bytes());
    d.extend_from_slice(&vrrp);
    ah::seal(&mut d, &key(), unicast).unwrap();
    d
}

fn check_capture(file: &str, dst: Ipv4Addr, vrid: u8, unicast: bool, count: usize) {
    let caps = capture(file);
    assert_eq!(caps.len(), count, "{file}: packets");
    let mut counter = SeqCounter::default();
    for (i, cap) in caps.iter().enumerate() {
        let opened = ah::open(cap, &key(), unicast).unwrap();
        let seq = u32::try_from(i + 1).unwrap();
        assert_eq!(opened.header.seq, seq, "{file}: keepalived numbers from 1");
        assert_eq!(opened.header.spi, u32::from(SRC));
        counter.accept(opened.header.seq).unwrap();
        let advert = Advertisement::decode(&cap[opened.payload.clone()], Family::V4).unwrap();
        assert_eq!(advert.auth, Auth::Ah);
        assert_eq!(advert.vrid, vrid);
        // The IP identification goes up with each advert, as the sequence.
        let id = u16::from_be_bytes([cap[4], cap[5]]);
        let mut ours = build(dst, vrid, id, seq, unicast);
        // The kernel fills the IP header checksum of a raw IP_HDRINCL send.
        let mut theirs = cap.clone();
        theirs[10..12].fill(0);
        ours[10..12].fill(0);
        assert_eq!(ours, theirs, "{file}: advert {i} differs from keepalived");
        assert_eq!(
            ah::open(cap, &AhKey::from_pass(b"secretpx"), unicast),
            Err(AhError::BadIcv)
        );
    }
    // Replaying the first advert is refused after the others.
    let first = ah::open(&caps[0], &key(), unicast).unwrap();
    assert!(matches!(
        counter.accept(first.header.seq),
        Err(AhError::Replay { .. })
    ));
}

#[test]
fn keepalived_multicast_ah_adverts_verify_and_rebuild() {
    check_capture(
        "v2_ipv4_ah.pcap",
        Ipv4Addr::new(224, 0, 0, 18),
        51,
        false,
        4,
    );
}

#[test]
fn keepalived_unicast_ah_adverts_verify_and_rebuild() {
    check_capture(
        "v2_ipv4_ah_unicast.pcap",
        Ipv4Addr::new(10, 99, 0, 2),
        52,
        true,
        2,
    );
    // The unicast ICV leaves the TTL out: checked as multicast it fails.
    let caps = capture("v2_ipv4_ah_unicast.pcap");
    assert_eq!(ah::open(&caps[0], &key(), false), Err(AhError::BadIcv));
}
