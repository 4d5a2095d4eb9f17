//! Unit tests of the codec: layout, errors, checksum modes, every drop reason.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn v6(last: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, last))
}

const SRC4: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
const GROUP4: IpAddr = IpAddr::V4(VRRP_GROUP_V4);
const SRC6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1));
const GROUP6: IpAddr = IpAddr::V6(VRRP_GROUP_V6);

fn adv(version: Version, cs: u16, auth: Auth, addrs: &[IpAddr]) -> Advertisement {
    Advertisement {
        version,
        vrid: 7,
        priority: 100,
        max_advert_int_cs: cs,
        auth,
        addresses: addrs.iter().collect(),
    }
}

fn emit(a: &Advertisement, src: IpAddr, dst: IpAddr, mode: ChecksumMode) -> Vec<u8> {
    let mut buf = vec![0u8; a.buffer_len()];
    a.emit(&mut buf, src, dst, mode).unwrap();
    buf
}

/// Reference checksum, written independently of `checksum.rs`: 16 bits at a
/// time over an explicit pseudo-header + message with the field zeroed.
fn reference_checksum(pseudo: &[u8], msg: &[u8]) -> u16 {
    let mut m = msg.to_vec();
    m[6] = 0;
    m[7] = 0;
    let mut all = pseudo.to_vec();
    all.extend_from_slice(&m);
    if all.len() % 2 == 1 {
        all.push(0);
    }
    let mut acc: u32 = 0;
    for w in all.chunks(2) {
        acc += u32::from(u16::from_be_bytes([w[0], w[1]]));
    }
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

fn pseudo4(src: [u8; 4], dst: [u8; 4], len: usize) -> Vec<u8> {
    let mut p = src.to_vec();
    p.extend_from_slice(&dst);
    p.extend_from_slice(&[0, 112]);
    p.extend_from_slice(&(len as u16).to_be_bytes());
    p
}

#[test]
fn v3_ipv4_layout_and_checksum() {
    let a = adv(
        Version::V3,
        100,
        Auth::None,
        &[v4(10, 0, 0, 100), v4(10, 0, 0, 101)],
    );
    assert_eq!(a.buffer_len(), 16);
    let b = emit(&a, SRC4, GROUP4, ChecksumMode::Rfc);
    assert_eq!(&b[..6], &[0x31, 7, 100, 2, 0x00, 0x64]);
    assert_eq!(&b[8..], &[10, 0, 0, 100, 10, 0, 0, 101]);
    let want = reference_checksum(&pseudo4([10, 0, 0, 1], [224, 0, 0, 18], 16), &b);
    assert_eq!(u16::from_be_bytes([b[6], b[7]]), want);
}

#[test]
fn v3_ipv4_checksum_modes() {
    let a = adv(Version::V3, 100, Auth::None, &[v4(10, 0, 0, 100)]);
    let peer = v4(10, 0, 0, 2);
    let rfc = emit(&a, SRC4, peer, ChecksumMode::Rfc);
    let no_pseudo = emit(&a, SRC4, peer, ChecksumMode::V3WithoutPseudoHeader);
    let old = emit(&a, SRC4, peer, ChecksumMode::V3MulticastPseudoDestination);
    let ck = |b: &[u8]| u16::from_be_bytes([b[6], b[7]]);
    assert_eq!(
        ck(&rfc),
        reference_checksum(&pseudo4([10, 0, 0, 1], [10, 0, 0, 2], 12), &rfc)
    );
    assert_eq!(ck(&no_pseudo), reference_checksum(&[], &no_pseudo));
    assert_eq!(
        ck(&old),
        reference_checksum(&pseudo4([10, 0, 0, 1], [224, 0, 0, 18], 12), &old)
    );
    assert_ne!(ck(&rfc), ck(&no_pseudo));
    assert_ne!(ck(&rfc), ck(&old));
    // To the group, the old unicast rule is the RFC rule.
    assert_eq!(
        emit(&a, SRC4, GROUP4, ChecksumMode::Rfc),
        emit(&a, SRC4, GROUP4, ChecksumMode::V3MulticastPseudoDestination)
    );
    // Each verifies only under its own mode.
    for (bytes, mode) in [
        (&rfc, ChecksumMode::Rfc),
        (&no_pseudo, ChecksumMode::V3WithoutPseudoHeader),
        (&old, ChecksumMode::V3MulticastPseudoDestination),
    ] {
        let p = VrrpPacket::new_checked(&bytes[..], Family::V4).unwrap();
        for other in [
            ChecksumMode::Rfc,
            ChecksumMode::V3WithoutPseudoHeader,
            ChecksumMode::V3MulticastPseudoDestination,
        ] {
            assert_eq!(
                p.verify_checksum(SRC4, peer, other),
                other == mode,
                "{mode:?} vs {other:?}"
            );
        }
        assert_eq!(p.compute_checksum(SRC4, peer, mode), Some(ck(bytes)));
    }
}

#[test]
fn v3_ipv6_checksum_uses_ipv6_pseudo_header() {
    let a = adv(Version::V3, 4095, Auth::None, &[v6(1)]);
    assert_eq!(a.buffer_len(), 24);
    let b = emit(&a, SRC6, GROUP6, ChecksumMode::V3WithoutPseudoHeader);
    let mut pseudo = Vec::new();
    if let (IpAddr::V6(s), IpAddr::V6(d)) = (SRC6, GROUP6) {
        pseudo.extend_from_slice(&s.octets());
        pseudo.extend_from_slice(&d.octets());
    }
    pseudo.extend_from_slice(&24u32.to_be_bytes());
    pseudo.extend_from_slice(&[0, 0, 0, 112]);
    // The IPv4-only modes do not change IPv6.
    assert_eq!(
        u16::from_be_bytes([b[6], b[7]]),
        reference_checksum(&pseudo, &b)
    );
    assert_eq!(&b[4..6], &[0x0f, 0xff]);
    let p = VrrpPacket::new_checked(&b[..], Family::V6).unwrap();
    assert!(p.verify_checksum(SRC6, GROUP6, ChecksumMode::Rfc));
    assert!(!p.verify_checksum(SRC6, v6(9), ChecksumMode::Rfc));
    assert!(
        !p.verify_checksum(SRC4, GROUP4, ChecksumMode::Rfc),
        "wrong family"
    );
    assert_eq!(p.address(0), Some(v6(1)));
    assert_eq!(p.address(1), None);
}

#[test]
fn v2_layout_auth_and_checksum_without_pseudo_header() {
    let a = adv(
        Version::V2,
        300,
        Auth::pass(b"secret"),
        &[v4(192, 168, 1, 1)],
    );
    assert_eq!(a.buffer_len(), 20);
    let b = emit(&a, SRC4, GROUP4, ChecksumMode::Rfc);
    assert_eq!(&b[..6], &[0x21, 7, 100, 1, 1, 3]);
    assert_eq!(&b[12..], b"secret\0\0");
    assert_eq!(
        u16::from_be_bytes([b[6], b[7]]),
        reference_checksum(&[], &b)
    );
    // The v2 checksum ignores the addresses and every mode.
    assert_eq!(
        b,
        emit(
            &a,
            v4(1, 2, 3, 4),
            v4(5, 6, 7, 8),
            ChecksumMode::V3WithoutPseudoHeader
        )
    );
    let p = VrrpPacket::new_checked(&b[..], Family::V4).unwrap();
    assert_eq!(p.auth_type(), 1);
    assert_eq!(p.auth_data(), Some(*b"secret\0\0"));
    assert_eq!(p.advert_int_field(), 3);
    assert_eq!(p.max_advert_int_cs(), 300);
    assert_eq!(Advertisement::parse(&p).unwrap(), a);
}

#[test]
fn auth_pass_truncates_to_eight_bytes() {
    assert_eq!(Auth::pass(b"0123456789"), Auth::Pass(*b"01234567"));
    assert_eq!(Auth::pass(b""), Auth::Pass([0; 8]));
}

#[test]
fn v2_auth_types_decode() {
    for (auth, t) in [
        (Auth::None, 0u8),
        (Auth::Ah, 2),
        (Auth::Other(9, *b"abcdefgh"), 9),
    ] {
        let a = adv(Version::V2, 100, auth, &[v4(10, 0, 0, 1)]);
        let b = emit(&a, SRC4, GROUP4, ChecksumMode::Rfc);
        assert_eq!(b[4], t);
        assert_eq!(Advertisement::decode(&b, Family::V4).unwrap().auth, auth);
    }
    // Type 0 data is ignored on reception (RFC 3768 §5.3.6.1).
    let a = adv(Version::V2, 100, Auth::None, &[]);
    let mut b = emit(&a, SRC4, GROUP4, ChecksumMode::Rfc);
    b[9] = 0x55;
    assert_eq!(
        Advertisement::decode(&b, Family::V4).unwrap().auth,
        Auth::None
    );
}

#[test]
fn view_accessors_and_trailing_bytes() {
    let a = adv(
        Version::V3,
        0x123,
        Auth::None,
        &[v4(1, 2, 3, 4), v4(5, 6, 7, 8)],
    );
    let mut b = emit(&a, SRC4, GROUP4, ChecksumMode::Rfc);
    b[4] |= 0xa0; // reserved bits, ignored
    b.extend_from_slice(&[0xee; 3]);
    let p = VrrpPacket::new_checked(&b[..], Family::V4).unwrap();
    assert_eq!(p.version(), Version::V3);
    assert_eq!(p.packet_type(), 1);
    assert_eq!((p.vrid(), p.priority(), p.count_ip_addrs()), (7, 100, 2));
    assert_eq!(p.max_advert_int_cs(), 0x123);
    assert_eq!(p.reserved(), 0xa);
    assert_eq!(p.auth_type(), 0);
    assert_eq!(p.auth_data(), None);
    assert_eq!(p.message_len(), 16);
    assert_eq!(p.message(), &b[..16]);
    assert_eq!(p.trailing(), &[0xee; 3]);
    assert_eq!(p.address_bytes(), &[1, 2, 3, 4, 5, 6, 7, 8]);
    let addrs: Vec<IpAddr> = p.addresses().collect();
    assert_eq!(addrs, vec![v4(1, 2, 3, 4), v4(5, 6, 7, 8)]);
    assert_eq!(p.addresses().len(), 2);
    assert_eq!(p.addresses().next_back(), Some(v4(5, 6, 7, 8)));
    assert_eq!(p.address(usize::MAX), None);
    assert_eq!(Advertisement::parse(&p).unwrap(), a);
}

#[test]
fn new_checked_errors() {
    let a = adv(Version::V3, 100, Auth::None, &[v4(1, 2, 3, 4)]);
    let b = emit(&a, SRC4, GROUP4, ChecksumMode::Rfc);
    for n in 0..b.len() {
        let needed = if n < 4 { HEADER_LEN } else { 12 };
        assert_eq!(
            VrrpPacket::new_checked(&b[..n], Family::V4),
            Err(ParseError::Truncated { needed, got: n })
        );
    }
    // The same bytes read as IPv6 need 8 + 16.
    assert_eq!(
        VrrpPacket::new_checked(&b[..], Family::V6),
        Err(ParseError::Truncated {
            needed: 24,
            got: 12
        })
    );
    let mut bad = b.clone();
    bad[0] = 0x41;
    assert_eq!(
        VrrpPacket::new_checked(&bad[..], Family::V4),
        Err(ParseError::UnknownVersion(4))
    );
    let v2 = emit(
        &adv(Version::V2, 100, Auth::None, &[]),
        SRC4,
        GROUP4,
        ChecksumMode::Rfc,
    );
    assert_eq!(
        VrrpPacket::new_checked(&v2[..], Family::V6),
        Err(ParseError::V2OverIpv6)
    );
    // v2 needs its 8 auth bytes.
    assert_eq!(
        VrrpPacket::new_checked(&v2[..15], Family::V4),
        Err(ParseError::Truncated {
            needed: 16,
            got: 15
        })
    );
    let mut t = b.clone();
    t[0] = 0x32;
    let p = VrrpPacket::new_checked(&t[..], Family::V4).unwrap();
    assert_eq!(p.packet_type(), 2);
    assert_eq!(Advertisement::parse(&p), Err(ParseError::UnknownType(2)));
}

#[test]
fn parse_into_reuses_and_keeps_self_on_error() {
    let big = adv(
        Version::V3,
        100,
        Auth::None,
        &[v4(1, 1, 1, 1), v4(2, 2, 2, 2)],
    );
    let small = adv(Version::V3, 200, Auth::None, &[v4(3, 3, 3, 3)]);
    let mut scratch = big.clone();
    let b = emit(&small, SRC4, GROUP4, ChecksumMode::Rfc);
    scratch
        .parse_into(&VrrpPacket::new_checked(&b[..], Family::V4).unwrap())
        .unwrap();
    assert_eq!(scratch, small);
    let mut t = b.clone();
    t[0] = 0x3f;
    let before = scratch.clone();
    assert!(
        scratch
            .parse_into(&VrrpPacket::new_checked(&t[..], Family::V4).unwrap())
            .is_err()
    );
    assert_eq!(scratch, before);
}

#[test]
fn emit_errors() {
    let ok4 = adv(Version::V3, 100, Auth::None, &[v4(1, 2, 3, 4)]);
    let mut short = [0u8; 11];
    assert_eq!(
        ok4.emit(&mut short, SRC4, GROUP4, ChecksumMode::Rfc),
        Err(EmitError::BufferLength {
            expected: 12,
            got: 11
        })
    );
    let mut buf = [0u8; 12];
    assert_eq!(
        ok4.emit(&mut buf, SRC4, GROUP6, ChecksumMode::Rfc),
        Err(EmitError::FamilyMismatch)
    );
    assert_eq!(
        ok4.emit(&mut buf, SRC6, GROUP6, ChecksumMode::Rfc),
        Err(EmitError::FamilyMismatch)
    );

    let check = |a: Advertisement, src: IpAddr, dst: IpAddr, e: EmitError| {
        let mut buf = vec![0u8; a.buffer_len()];
        assert_eq!(
            a.emit(&mut buf, src, dst, ChecksumMode::Rfc),
            Err(e),
            "{a:?}"
        );
    };
    check(
        adv(Version::V2, 100, Auth::None, &[v6(1)]),
        SRC6,
        GROUP6,
        EmitError::V2RequiresIpv4,
    );
    for cs in [150, 25600, 1] {
        check(
            adv(Version::V2, cs, Auth::None, &[]),
            SRC4,
            GROUP4,
            EmitError::IntervalOutOfRange {
                version: Version::V2,
                centiseconds: cs,
            },
        );
    }
    check(
        adv(Version::V3, 4096, Auth::None, &[]),
        SRC4,
        GROUP4,
        EmitError::IntervalOutOfRange {
            version: Version::V3,
            centiseconds: 4096,
        },
    );
    check(
        adv(Version::V3, 100, Auth::Ah, &[]),
        SRC4,
        GROUP4,
        EmitError::AuthOnV3,
    );
    check(
        adv(Version::V2, 100, Auth::Other(1, [0; 8]), &[]),
        SRC4,
        GROUP4,
        EmitError::NonCanonicalAuth(1),
    );
    check(
        adv(Version::V3, 100, Auth::None, &[v4(1, 1, 1, 1), v6(1)]),
        SRC4,
        GROUP4,
        EmitError::FamilyMismatch,
    );
}

#[test]
fn max_addresses_round_trip() {
    let addrs: Vec<IpAddr> = (0..255u16).map(v6).collect();
    let a = adv(Version::V3, 100, Auth::None, &addrs);
    assert_eq!(a.buffer_len(), 8 + 255 * 16);
    let b = emit(&a, SRC6, GROUP6, ChecksumMode::Rfc);
    let p = VrrpPacket::new_checked(&b[..], Family::V6).unwrap();
    assert!(p.verify_checksum(SRC6, GROUP6, ChecksumMode::Rfc));
    assert_eq!(Advertisement::parse(&p).unwrap(), a);
}

// ---- validation -------------------------------------------------------------

const VIPS: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, 100)),
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, 101)),
];

fn exp3() -> Expectations<'static> {
    let mut e = Expectations::new(Version::V3, 7, Family::V4);
    e.addresses = &VIPS;
    e
}

fn rx(ttl: u8) -> RxMeta {
    RxMeta {
        src: SRC4,
        dst: GROUP4,
        ttl,
    }
}

fn good3() -> Vec<u8> {
    emit(
        &adv(Version::V3, 100, Auth::None, &VIPS),
        SRC4,
        GROUP4,
        ChecksumMode::Rfc,
    )
}

fn reason(meta: RxMeta, bytes: &[u8], e: &Expectations<'_>) -> DropReason {
    validate(&meta, bytes, e).map(|_| ()).unwrap_err()
}

#[test]
fn validate_accepts_good_v3() {
    let b = good3();
    let v = validate(&rx(255), &b, &exp3()).unwrap();
    assert_eq!(v.notes, Notes::default());
    assert_eq!(v.packet.vrid(), 7);
    assert_eq!(v.packet.addresses().collect::<Vec<_>>(), VIPS);
}

#[test]
fn validate_drop_reasons_v3() {
    let b = good3();
    let e = exp3();
    let meta = rx(255);
    assert_eq!(
        reason(RxMeta { src: SRC6, ..meta }, &b, &e),
        DropReason::FamilyMismatch
    );
    assert_eq!(reason(meta, &b[..7], &e), DropReason::Truncated);
    assert_eq!(reason(meta, &b[..3], &e), DropReason::Truncated);
    assert_eq!(reason(meta, &b[..15], &e), DropReason::Truncated);
    let mut long = b.clone();
    long.push(0);
    assert_eq!(reason(meta, &long, &e), DropReason::TrailingBytes);
    let mut other = e;
    other.vrid = 8;
    assert_eq!(reason(meta, &b, &other), DropReason::VridMismatch);
    assert_eq!(reason(rx(254), &b, &e), DropReason::BadTtl);
    let mut v2 = e;
    v2.version = Version::V2;
    assert_eq!(reason(meta, &b, &v2), DropReason::VersionMismatch);
    let mut t = b.clone();
    t[0] = 0x30;
    assert_eq!(reason(meta, &t, &e), DropReason::BadType);
    let mut ck = b.clone();
    ck[7] ^= 1;
    assert_eq!(reason(meta, &ck, &e), DropReason::BadChecksum);
    let mut nopseudo = e;
    nopseudo.checksum = ChecksumMode::V3WithoutPseudoHeader;
    assert_eq!(reason(meta, &b, &nopseudo), DropReason::BadChecksum);
    let zero = emit(
        &adv(Version::V3, 0, Auth::None, &VIPS),
        SRC4,
        GROUP4,
        ChecksumMode::Rfc,
    );
    assert_eq!(reason(meta, &zero, &e), DropReason::ZeroAdvertInterval);
    let peers = [UnicastPeer::new(v4(10, 0, 0, 1))];
    let mut uni = e;
    uni.unicast_peers = &peers;
    assert_eq!(reason(meta, &b, &uni), DropReason::DestinationMismatch);
    let unicast_bytes = emit(
        &adv(Version::V3, 100, Auth::None, &VIPS),
        SRC4,
        v4(10, 0, 0, 2),
        ChecksumMode::Rfc,
    );
    let uni_meta = RxMeta {
        dst: v4(10, 0, 0, 2),
        ..meta
    };
    assert_eq!(
        reason(uni_meta, &unicast_bytes, &e),
        DropReason::DestinationMismatch
    );
    let mut owner = e;
    owner.is_owner = true;
    assert!(
        validate(&meta, &b, &owner).is_ok(),
        "owners accept by default"
    );
    owner.owner_ignores_adverts = true;
    assert_eq!(reason(meta, &b, &owner), DropReason::OwnerIgnoresAdverts);
}

#[test]
fn validate_unicast() {
    let dst = v4(10, 0, 0, 2);
    let b = emit(
        &adv(Version::V3, 100, Auth::None, &VIPS),
        SRC4,
        dst,
        ChecksumMode::Rfc,
    );
    let peers = [UnicastPeer {
        address: SRC4,
        min_ttl: 60,
        max_ttl: 255,
    }];
    let mut e = exp3();
    e.unicast_peers = &peers;
    // No TTL rule for unicast unless check_unicast_src (docs/keepalived.md §3.9).
    let meta = RxMeta {
        src: SRC4,
        dst,
        ttl: 1,
    };
    assert!(validate(&meta, &b, &e).is_ok());
    e.check_unicast_src = true;
    assert_eq!(reason(meta, &b, &e), DropReason::UnicastTtlOutOfRange);
    assert!(validate(&RxMeta { ttl: 64, ..meta }, &b, &e).is_ok());
    let stranger = v4(10, 0, 0, 9);
    let sb = emit(
        &adv(Version::V3, 100, Auth::None, &VIPS),
        stranger,
        dst,
        ChecksumMode::Rfc,
    );
    assert_eq!(
        reason(
            RxMeta {
                src: stranger,
                dst,
                ttl: 255
            },
            &sb,
            &e
        ),
        DropReason::UnknownUnicastSource
    );

    // Old unicast checksum (keepalived ≤ 1.3.6 / old_unicast_checksum).
    let old = emit(
        &adv(Version::V3, 100, Auth::None, &VIPS),
        SRC4,
        dst,
        ChecksumMode::V3MulticastPseudoDestination,
    );
    let meta = RxMeta { ttl: 255, ..meta };
    assert_eq!(reason(meta, &old, &e), DropReason::BadChecksum);
    e.accept_old_unicast_checksum = true;
    assert!(
        validate(&meta, &old, &e)
            .unwrap()
            .notes
            .old_unicast_checksum
    );
    assert!(!validate(&meta, &b, &e).unwrap().notes.old_unicast_checksum);
    e.checksum = ChecksumMode::V3MulticastPseudoDestination;
    e.accept_old_unicast_checksum = false;
    assert!(
        !validate(&meta, &old, &e)
            .unwrap()
            .notes
            .old_unicast_checksum
    );
}

#[test]
fn validate_v2_auth_and_interval() {
    let pass = Auth::pass(b"golden");
    let b = emit(
        &adv(Version::V2, 100, pass, &VIPS),
        SRC4,
        GROUP4,
        ChecksumMode::Rfc,
    );
    let mut e = exp3();
    e.version = Version::V2;
    e.auth = pass;
    let meta = rx(255);
    assert!(validate(&meta, &b, &e).is_ok());
    let mut wrong = e;
    wrong.auth = Auth::pass(b"golden!");
    assert_eq!(reason(meta, &b, &wrong), DropReason::AuthFailure);
    wrong.auth = Auth::None;
    assert_eq!(reason(meta, &b, &wrong), DropReason::AuthTypeMismatch);
    wrong.auth = Auth::Ah;
    assert_eq!(reason(meta, &b, &wrong), DropReason::AuthTypeMismatch);
    let unknown = emit(
        &adv(Version::V2, 100, Auth::Other(3, [0; 8]), &VIPS),
        SRC4,
        GROUP4,
        ChecksumMode::Rfc,
    );
    assert_eq!(reason(meta, &unknown, &e), DropReason::UnknownAuthType);
    let mut slow = e;
    slow.advert_int_cs = 200;
    assert_eq!(reason(meta, &b, &slow), DropReason::AdvertIntervalMismatch);
    let ah = emit(
        &adv(Version::V2, 100, Auth::Ah, &VIPS),
        SRC4,
        GROUP4,
        ChecksumMode::Rfc,
    );
    let mut ahe = e;
    ahe.auth = Auth::Ah;
    assert!(validate(&meta, &ah, &ahe).is_ok());
}

#[test]
fn validate_v3_notes() {
    let meta = rx(255);
    let e = exp3();
    let mut b = emit(
        &adv(Version::V3, 50, Auth::None, &VIPS[..1]),
        SRC4,
        GROUP4,
        ChecksumMode::Rfc,
    );
    let n = validate(&meta, &b, &e).unwrap().notes;
    assert!(n.advert_interval_mismatch && n.address_list_mismatch && !n.reserved_bits_set);
    // Reserved bits: set them and fix the checksum.
    b[4] |= 0xf0;
    b[6] = 0;
    b[7] = 0;
    let ck = VrrpPacket::new_checked(&b[..], Family::V4)
        .unwrap()
        .compute_checksum(SRC4, GROUP4, ChecksumMode::Rfc)
        .unwrap();
    b[6..8].copy_from_slice(&ck.to_be_bytes());
    assert!(validate(&meta, &b, &e).unwrap().notes.reserved_bits_set);
}

#[test]
fn validate_address_check_policies() {
    let meta = rx(255);
    let swapped = [VIPS[1], VIPS[0]];
    let same_set = emit(
        &adv(Version::V3, 100, Auth::None, &swapped),
        SRC4,
        GROUP4,
        ChecksumMode::Rfc,
    );
    let mut e = exp3();
    assert!(
        !validate(&meta, &same_set, &e)
            .unwrap()
            .notes
            .address_list_mismatch
    );
    let dup = [VIPS[0], VIPS[0]];
    let dup_b = emit(
        &adv(Version::V3, 100, Auth::None, &dup),
        SRC4,
        GROUP4,
        ChecksumMode::Rfc,
    );
    assert!(
        validate(&meta, &dup_b, &e)
            .unwrap()
            .notes
            .address_list_mismatch
    );
    let fewer = emit(
        &adv(Version::V3, 100, Auth::None, &VIPS[..1]),
        SRC4,
        GROUP4,
        ChecksumMode::Rfc,
    );
    e.address_check = AddressCheck::DropUnlessOwner;
    assert_eq!(reason(meta, &fewer, &e), DropReason::AddressListMismatch);
    let mut owner_adv = adv(Version::V3, 100, Auth::None, &VIPS[..1]);
    owner_adv.priority = 255;
    let owner_b = emit(&owner_adv, SRC4, GROUP4, ChecksumMode::Rfc);
    assert!(
        validate(&meta, &owner_b, &e)
            .unwrap()
            .notes
            .address_list_mismatch
    );
    e.address_check = AddressCheck::Skip;
    assert!(
        !validate(&meta, &fewer, &e)
            .unwrap()
            .notes
            .address_list_mismatch
    );
}

#[test]
fn drop_reason_keys_are_dense_and_unique() {
    for (i, r) in DropReason::ALL.iter().enumerate() {
        assert_eq!(r.index(), i);
        assert!(!r.to_string().is_empty());
    }
    let mut names: Vec<&str> = DropReason::ALL.iter().map(|r| r.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), DropReason::ALL.len());
    assert_eq!(
        DropReason::BadChecksum.mib_counter(),
        Some("vrrpv3RouterChecksumErrors")
    );
}
