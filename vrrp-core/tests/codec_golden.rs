//! Golden vectors captured from keepalived 2.2.7 (see tests/data/README.md):
//! our `emit` reproduces each advertisement byte for byte from its fields,
//! `parse` yields those fields, the checksum verifies and `validate` accepts
//! it with the instance's expectations.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod codec_support;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use vrrp_core::packet::{
    AddressList, Advertisement, Auth, ChecksumMode, EncodedAdvert, Expectations, Family, Notes,
    RxMeta, UnicastPeer, Version, VrrpPacket, validate,
};

struct Golden {
    file: &'static str,
    src: IpAddr,
    dst: IpAddr,
    mode: ChecksumMode,
    advert: Advertisement,
}

fn ip4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse::<Ipv4Addr>().unwrap())
}
fn ip6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse::<Ipv6Addr>().unwrap())
}

fn advert(
    version: Version,
    vrid: u8,
    priority: u8,
    cs: u16,
    auth: Auth,
    addrs: &[IpAddr],
) -> Advertisement {
    Advertisement {
        version,
        vrid,
        priority,
        max_advert_int_cs: cs,
        auth,
        addresses: addrs.iter().collect::<AddressList>(),
    }
}

/// The fields each capture must carry, written from keepalived.conf.
fn goldens() -> Vec<Golden> {
    let src = ip4("10.99.0.1");
    let group = ip4("224.0.0.18");
    let peer = ip4("10.99.0.2");
    vec![
        Golden {
            file: "v2_ipv4_pass",
            src,
            dst: group,
            mode: ChecksumMode::Rfc,
            advert: advert(
                Version::V2,
                51,
                150,
                100,
                Auth::pass(b"golden"),
                &[ip4("10.99.0.51")],
            ),
        },
        Golden {
            file: "v3_ipv4_1addr",
            src,
            dst: group,
            mode: ChecksumMode::Rfc,
            advert: advert(Version::V3, 52, 200, 100, Auth::None, &[ip4("10.99.0.52")]),
        },
        Golden {
            file: "v3_ipv4_1addr_prio0",
            src,
            dst: group,
            mode: ChecksumMode::Rfc,
            advert: advert(Version::V3, 52, 0, 100, Auth::None, &[ip4("10.99.0.52")]),
        },
        Golden {
            file: "v3_ipv4_5addr",
            src,
            dst: group,
            mode: ChecksumMode::Rfc,
            advert: advert(
                Version::V3,
                53,
                120,
                50,
                Auth::None,
                &[
                    ip4("10.99.0.53"),
                    ip4("10.99.0.54"),
                    ip4("10.99.0.55"),
                    ip4("10.99.1.1"),
                    ip4("192.168.253.7"),
                ],
            ),
        },
        Golden {
            file: "v3_ipv6_2addr",
            src: ip6("fe80::a"),
            dst: ip6("ff02::12"),
            mode: ChecksumMode::Rfc,
            advert: advert(
                Version::V3,
                54,
                100,
                200,
                Auth::None,
                &[ip6("fe80::54"), ip6("fd00:99::54")],
            ),
        },
        Golden {
            file: "v3_ipv4_unicast",
            src,
            dst: peer,
            mode: ChecksumMode::Rfc,
            advert: advert(Version::V3, 55, 180, 100, Auth::None, &[ip4("10.99.0.155")]),
        },
        Golden {
            file: "v3_ipv4_unicast_old_checksum",
            src,
            dst: peer,
            mode: ChecksumMode::V3MulticastPseudoDestination,
            advert: advert(Version::V3, 56, 180, 100, Auth::None, &[ip4("10.99.0.156")]),
        },
    ]
}

fn load(file: &str) -> codec_support::IpVrrp {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(format!("{file}.pcap"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut packets = codec_support::read_pcap(&bytes);
    assert_eq!(packets.len(), 1, "{file}: one packet per capture");
    packets.remove(0)
}

#[test]
fn emit_reproduces_every_capture_byte_for_byte() {
    for g in goldens() {
        let cap = load(g.file);
        assert_eq!(
            (cap.src, cap.dst, cap.ttl),
            (g.src, g.dst, 255),
            "{}",
            g.file
        );
        let mut buf = vec![0u8; g.advert.buffer_len()];
        g.advert.emit(&mut buf, g.src, g.dst, g.mode).unwrap();
        assert_eq!(buf, cap.payload, "{}: emit differs from keepalived", g.file);
    }
}

/// The send path's cached encoding, made for another priority and another
/// destination and then patched (RFC 1624), gives keepalived's bytes too.
#[test]
fn a_patched_cached_advert_reproduces_every_capture() {
    for g in goldens() {
        let cap = load(g.file);
        let mut other = g.advert.clone();
        other.priority = g.advert.priority.wrapping_add(77);
        let elsewhere = match g.dst {
            IpAddr::V4(_) => ip4("192.0.2.77"),
            IpAddr::V6(_) => ip6("2001:db8::77"),
        };
        let cached = EncodedAdvert::new(&other, g.src, elsewhere, g.mode).unwrap();
        let mut buf = vec![0u8; cached.len()];
        cached.write(&mut buf, g.advert.priority, g.dst).unwrap();
        assert_eq!(
            buf, cap.payload,
            "{}: patched advert differs from keepalived",
            g.file
        );
    }
}

#[test]
fn parse_yields_the_configured_fields() {
    for g in goldens() {
        let cap = load(g.file);
        let family = Family::of(g.src);
        let p = VrrpPacket::new_checked(&cap.payload[..], family).unwrap();
        assert!(p.trailing().is_empty(), "{}", g.file);
        assert!(
            p.verify_checksum(g.src, g.dst, g.mode),
            "{}: checksum",
            g.file
        );
        assert_eq!(Advertisement::parse(&p).unwrap(), g.advert, "{}", g.file);
        assert_eq!(
            p.addresses().collect::<Vec<_>>(),
            g.advert.addresses.as_slice()
        );
    }
}

#[test]
fn old_unicast_checksum_differs_from_the_rfc_one() {
    // keepalived's old_unicast_checksum puts 224.0.0.18 in the pseudo-header
    // of a packet sent to 10.99.0.2: the RFC rule must reject it, the
    // matching mode accept it.
    let cap = load("v3_ipv4_unicast_old_checksum");
    let p = VrrpPacket::new_checked(&cap.payload[..], Family::V4).unwrap();
    assert!(!p.verify_checksum(cap.src, cap.dst, ChecksumMode::Rfc));
    assert!(p.verify_checksum(cap.src, cap.dst, ChecksumMode::V3MulticastPseudoDestination));
    let ok = load("v3_ipv4_unicast");
    let p = VrrpPacket::new_checked(&ok.payload[..], Family::V4).unwrap();
    assert!(p.verify_checksum(ok.src, ok.dst, ChecksumMode::Rfc));
    assert!(!p.verify_checksum(ok.src, ok.dst, ChecksumMode::V3MulticastPseudoDestination));
}

#[test]
fn validate_accepts_every_capture() {
    for g in goldens() {
        let cap = load(g.file);
        let family = Family::of(g.src);
        let peers = [UnicastPeer::new(g.src)];
        let mut exp = Expectations::new(g.advert.version, g.advert.vrid, family);
        exp.auth = g.advert.auth;
        exp.advert_int_cs = g.advert.max_advert_int_cs;
        exp.addresses = g.advert.addresses.as_slice();
        exp.checksum = g.mode;
        if !g.dst.is_multicast() {
            exp.unicast_peers = &peers;
            exp.check_unicast_src = true;
        }
        let rx = RxMeta {
            src: cap.src,
            dst: cap.dst,
            ttl: cap.ttl,
        };
        let v = validate(&rx, &cap.payload, &exp).unwrap_or_else(|r| panic!("{}: {r}", g.file));
        assert_eq!(v.notes, Notes::default(), "{}", g.file);
        assert_eq!(v.packet.priority(), g.advert.priority);
    }
}
