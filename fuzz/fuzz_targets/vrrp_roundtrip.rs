#![no_main]
//! Fuzz target `vrrp_roundtrip` (vrrp-core::packet): whatever
//! `Advertisement::parse` accepts must emit (with a valid checksum) and
//! re-parse to the same advertisement; canonical inputs (checksum right,
//! reserved bits zero, type-0/2 auth data zero, no trailing bytes) must
//! re-emit byte for byte.
//!
//! Input: byte 0 selects family and checksum mode; the rest is the payload.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use vrrp_core::packet::{Advertisement, Auth, ChecksumMode, Family, Version, VrrpPacket};

const MODES: [ChecksumMode; 3] = [
    ChecksumMode::Rfc,
    ChecksumMode::V3WithoutPseudoHeader,
    ChecksumMode::V3MulticastPseudoDestination,
];

fuzz_target!(|data: &[u8]| {
    let [sel, payload @ ..] = data else {
        return;
    };
    let family = if sel & 1 == 0 { Family::V4 } else { Family::V6 };
    let (src, dst) = match family {
        Family::V4 => (
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            if sel & 2 == 0 {
                family.group()
            } else {
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2))
            },
        ),
        Family::V6 => (
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
            if sel & 2 == 0 {
                family.group()
            } else {
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2))
            },
        ),
    };
    let mode = MODES[usize::from((sel >> 2) & 3) % 3];

    let Ok(p) = VrrpPacket::new_checked(payload, family) else {
        return;
    };
    let Ok(adv) = Advertisement::parse(&p) else {
        return;
    };
    let mut out = vec![0u8; adv.buffer_len()];
    adv.emit(&mut out, src, dst, mode)
        .expect("a parsed advertisement always emits");
    let q = VrrpPacket::new_checked(&out[..], family).expect("emitted bytes are complete");
    assert!(q.verify_checksum(src, dst, mode));
    assert!(q.trailing().is_empty());
    assert_eq!(Advertisement::parse(&q).expect("re-parse"), adv);

    let canonical = p.trailing().is_empty()
        && p.compute_checksum(src, dst, mode) == Some(p.checksum())
        && p.reserved() == 0
        && !(adv.version == Version::V2
            && matches!(adv.auth, Auth::None | Auth::Ah)
            && p.auth_data() != Some([0; 8]));
    if canonical {
        assert_eq!(
            &out[..],
            p.message(),
            "canonical input must re-emit identically"
        );
    }
});
