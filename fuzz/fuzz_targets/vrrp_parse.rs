#![no_main]
//! Fuzz target `vrrp_parse`: arbitrary bytes through the VRRP receive path
//! (vrrp-core::packet): `VrrpPacket::new_checked`, every accessor, checksum
//! computation, `Advertisement::parse` and `validate` under varied
//! expectations. Nothing may panic; checked views must be self-consistent.
//!
//! Input: byte 0 selects family, version, checksum mode and policies;
//! byte 1 the TTL; the rest is the VRRP payload.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use vrrp_core::packet::{
    AddressCheck, Advertisement, Auth, ChecksumMode, Expectations, Family, RxMeta, UnicastPeer,
    Version, VrrpPacket, validate,
};

const MODES: [ChecksumMode; 3] = [
    ChecksumMode::Rfc,
    ChecksumMode::V3WithoutPseudoHeader,
    ChecksumMode::V3MulticastPseudoDestination,
];

fuzz_target!(|data: &[u8]| {
    let [sel, ttl, payload @ ..] = data else {
        return;
    };
    let family = if sel & 1 == 0 { Family::V4 } else { Family::V6 };
    let (src, dst, peer) = match family {
        Family::V4 => (
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            if sel & 2 == 0 {
                family.group()
            } else {
                IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2))
            },
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        ),
        Family::V6 => (
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
            if sel & 2 == 0 {
                family.group()
            } else {
                IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2))
            },
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
        ),
    };
    let mode = MODES[usize::from((sel >> 2) & 3) % 3];

    if let Ok(p) = VrrpPacket::new_checked(payload, family) {
        assert!(p.message_len() <= payload.len());
        assert_eq!(p.message().len() + p.trailing().len(), payload.len());
        assert_eq!(p.addresses().len(), usize::from(p.count_ip_addrs()));
        for (i, a) in p.addresses().enumerate() {
            assert_eq!(p.address(i), Some(a));
        }
        let _ = (
            p.vrid(),
            p.priority(),
            p.auth_type(),
            p.auth(),
            p.reserved(),
        );
        let _ = (p.advert_int_field(), p.max_advert_int_cs(), p.auth_data());
        // A computed checksum always verifies once written in.
        if let Some(ck) = p.compute_checksum(src, dst, mode) {
            let mut fixed = payload.to_vec();
            fixed[6..8].copy_from_slice(&ck.to_be_bytes());
            let q = VrrpPacket::new_checked(&fixed[..], family).expect("same header");
            assert!(q.verify_checksum(src, dst, mode));
        }
        match Advertisement::parse(&p) {
            Ok(adv) => {
                assert_eq!(adv.addresses.len(), usize::from(p.count_ip_addrs()));
                assert_eq!(adv.buffer_len(), p.message_len());
            }
            Err(_) => assert_ne!(p.packet_type(), 1),
        }
    }

    let vrid = payload.get(1).copied().unwrap_or(0);
    let addrs = [src, dst];
    let peers = [UnicastPeer {
        address: peer,
        min_ttl: 64,
        max_ttl: 255,
    }];
    for version in [Version::V2, Version::V3] {
        let mut exp = Expectations::new(version, vrid, family);
        exp.checksum = mode;
        exp.addresses = &addrs[..usize::from(sel >> 4) % 3];
        exp.address_check = [
            AddressCheck::Skip,
            AddressCheck::Report,
            AddressCheck::DropUnlessOwner,
        ][usize::from(sel >> 6) % 3];
        exp.accept_old_unicast_checksum = sel & 0x20 != 0;
        exp.auth = if sel & 0x10 != 0 {
            Auth::pass(b"fuzz")
        } else {
            Auth::None
        };
        if sel & 2 != 0 {
            exp.unicast_peers = &peers;
            exp.check_unicast_src = sel & 0x40 != 0;
        }
        let rx = RxMeta {
            src,
            dst,
            ttl: *ttl,
        };
        if let Ok(v) = validate(&rx, payload, &exp) {
            // Accepted packets are complete, exact, ours and checksummed.
            assert_eq!(v.packet.message_len(), payload.len());
            assert_eq!(v.packet.vrid(), vrid);
            assert_eq!(v.packet.version(), version);
            assert!(
                v.packet.verify_checksum(src, dst, mode)
                    || (v.notes.old_unicast_checksum
                        && v.packet.verify_checksum(
                            src,
                            dst,
                            ChecksumMode::V3MulticastPseudoDestination
                        ))
            );
        }
    }
});
