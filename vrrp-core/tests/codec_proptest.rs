//! Property tests of the codec: every valid `Advertisement` round-trips
//! through emit → new_checked → verify → parse (and passes `validate` with
//! matching expectations); arbitrary bytes never panic `new_checked`, the
//! accessors, `parse` or `validate`, and whatever parses re-emits to an
//! equal advertisement; a cached [`EncodedAdvert`] patched for any priority
//! and destination equals a fresh encoding, also as an [`Instance`] and its
//! [`Node`] send it.

#![allow(clippy::unwrap_used)] // tests may unwrap

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use vrrp_core::node::{InstanceSpec, Node, NodeConfig};
use vrrp_core::packet::{
    AddressCheck, AddressList, Advertisement, Auth, ChecksumMode, EncodedAdvert, Expectations,
    Family, Notes, RxMeta, UnicastPeer, Version, VrrpPacket, validate,
};
use vrrp_core::time::Instant;
use vrrp_core::{Event, Instance, InstanceConfig};

fn ipv4() -> impl Strategy<Value = IpAddr> {
    any::<u32>().prop_map(|b| IpAddr::V4(Ipv4Addr::from_bits(b)))
}

fn ipv6() -> impl Strategy<Value = IpAddr> {
    any::<u128>().prop_map(|b| IpAddr::V6(Ipv6Addr::from_bits(b)))
}

fn auth_v2() -> impl Strategy<Value = Auth> {
    prop_oneof![
        Just(Auth::None),
        any::<[u8; 8]>().prop_map(Auth::Pass),
        Just(Auth::Ah),
        (3u8.., any::<[u8; 8]>()).prop_map(|(t, d)| Auth::Other(t, d)),
    ]
}

fn mode() -> impl Strategy<Value = ChecksumMode> {
    prop_oneof![
        Just(ChecksumMode::Rfc),
        Just(ChecksumMode::V3WithoutPseudoHeader),
        Just(ChecksumMode::V3MulticastPseudoDestination),
    ]
}

fn list(addrs: Vec<IpAddr>) -> AddressList {
    addrs.iter().collect()
}

/// A valid advertisement with a source and destination of its family.
fn advert_and_endpoints() -> impl Strategy<Value = (Advertisement, IpAddr, IpAddr)> {
    let v2 = (
        any::<u8>(),
        any::<u8>(),
        0u16..=255,
        auth_v2(),
        prop::collection::vec(ipv4(), 0..=255),
        ipv4(),
        ipv4(),
    )
        .prop_map(|(vrid, priority, secs, auth, a, s, d)| {
            let adv = Advertisement {
                version: Version::V2,
                vrid,
                priority,
                max_advert_int_cs: secs * 100,
                auth,
                addresses: list(a),
            };
            (adv, s, d)
        });
    let v3 = |addr: BoxedStrategy<IpAddr>| {
        (
            any::<u8>(),
            any::<u8>(),
            0u16..=4095,
            prop::collection::vec(addr.clone(), 0..=255),
            addr.clone(),
            addr,
        )
            .prop_map(|(vrid, priority, cs, a, s, d)| {
                let adv = Advertisement {
                    version: Version::V3,
                    vrid,
                    priority,
                    max_advert_int_cs: cs,
                    auth: Auth::None,
                    addresses: list(a),
                };
                (adv, s, d)
            })
    };
    prop_oneof![v2, v3(ipv4().boxed()), v3(ipv6().boxed())]
}

fn emit(a: &Advertisement, src: IpAddr, dst: IpAddr, mode: ChecksumMode) -> Vec<u8> {
    let mut buf = vec![0u8; a.buffer_len()];
    a.emit(&mut buf, src, dst, mode).unwrap();
    buf
}

/// Calls every accessor of a checked view (they must not panic).
fn touch<T: AsRef<[u8]>>(p: &VrrpPacket<T>, src: IpAddr, dst: IpAddr) -> usize {
    let mut n = usize::from(p.vrid())
        + usize::from(p.priority())
        + usize::from(p.packet_type())
        + usize::from(p.count_ip_addrs())
        + usize::from(p.auth_type())
        + usize::from(p.advert_int_field())
        + usize::from(p.max_advert_int_cs())
        + usize::from(p.reserved())
        + usize::from(p.checksum())
        + p.message().len()
        + p.trailing().len()
        + p.address_bytes().len()
        + p.addresses().count()
        + p.address(0).map_or(0, |_| 1)
        + p.auth_data().map_or(0, |d| d.len());
    let _ = p.auth();
    for m in [
        ChecksumMode::Rfc,
        ChecksumMode::V3WithoutPseudoHeader,
        ChecksumMode::V3MulticastPseudoDestination,
    ] {
        n += usize::from(p.verify_checksum(src, dst, m));
        n += p.compute_checksum(src, dst, m).map_or(0, usize::from);
    }
    n
}

/// An address of `like`'s family from arbitrary bits.
fn same_family(like: IpAddr, bits: u128) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from_bits(bits as u32)),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from_bits(bits)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// RFC 1624 incremental update: the cached message with another
    /// priority and destination is byte for byte a fresh encoding.
    #[test]
    fn patched_cached_advert_equals_fresh_encoding(
        (adv, src, dst) in advert_and_endpoints(),
        mode in mode(),
        priority in any::<u8>(),
        other in any::<u128>(),
        to_other in any::<bool>(),
    ) {
        let cached = EncodedAdvert::new(&adv, src, dst, mode).unwrap();
        prop_assert_eq!(cached.as_bytes(), &emit(&adv, src, dst, mode)[..]);
        let to = if to_other { same_family(src, other) } else { dst };
        let mut out = vec![0u8; cached.len()];
        cached.write(&mut out, priority, to).unwrap();
        let mut fresh = adv.clone();
        fresh.priority = priority;
        prop_assert_eq!(out, emit(&fresh, src, to, mode));
    }

    /// What an instance's node sends, for arbitrary VIP sets, unicast peers
    /// and priorities (trackers move it; priority 0 on shutdown), equals the
    /// advertisement encoded afresh for each destination.
    #[test]
    fn node_sends_what_a_fresh_encoding_gives(
        v6 in any::<bool>(),
        v2 in any::<bool>(),
        vips in prop::collection::vec(any::<u128>(), 0..40),
        peers in prop::collection::vec(any::<u128>(), 0..4),
        base in 1u8..=255,
        weight in -254i32..=254,
        src in any::<u128>(),
    ) {
        let v2 = v2 && !v6;
        let like = if v6 { IpAddr::V6(Ipv6Addr::UNSPECIFIED) } else { IpAddr::V4(Ipv4Addr::UNSPECIFIED) };
        let version = if v2 { Version::V2 } else { Version::V3 };
        let mut c = InstanceConfig::new("VI", 9, version, same_family(like, src));
        c.priority = base;
        c.vips = vips.iter().map(|&b| same_family(like, b)).collect();
        c.vips.dedup();
        c.unicast_peers = peers.iter().map(|&b| same_family(like, b)).collect();
        if v2 {
            c.auth = Auth::pass(b"pw");
        }
        c.trackers = vec![vrrp_core::TrackerConfig {
            kind: vrrp_core::TrackerKind::Interface,
            name: "t".into(),
            weight,
            reverse: false,
            initially_up: true,
        }];
        let Ok(inst) = Instance::new(c.clone()) else {
            return Ok(());
        };
        let fresh = |priority: u8, dst: IpAddr| {
            emit(&inst.advertisement(priority), c.primary_address, dst, ChecksumMode::Rfc)
        };
        let mut node = Node::new(NodeConfig::new(vec![InstanceSpec::new(c.clone(), 3, ())])).unwrap();
        let id = node.id_at(0).unwrap();
        node.handle_event_all(Instant::ZERO, Event::Startup);
        // Master, then the tracker down (priority moves), then shutdown (0).
        let mut now = Instant::ZERO;
        let mut sent = 0;
        for step in 0..3 {
            match step {
                0 => {
                    now = node.poll_timeout().unwrap();
                    node.handle_timeout(now);
                }
                1 => node.handle_event(now, id, Event::TrackerDown(0)),
                _ => node.handle_event(now, id, Event::Shutdown),
            }
            while let Some(t) = node.poll_transmit() {
                prop_assert_eq!(&t.payload[..], &fresh(t.priority, t.dst)[..]);
                prop_assert_eq!(t.payload.is_inline(), t.payload.len() <= vrrp_core::node::INLINE_PAYLOAD);
                sent += 1;
            }
            while node.poll_action().is_some() {}
        }
        prop_assert_eq!(node.encode_errors(), 0);
        prop_assert!(sent > 0);
    }

    #[test]
    fn valid_advertisements_round_trip((adv, src, dst) in advert_and_endpoints(), mode in mode()) {
        let family = Family::of(src);
        let bytes = emit(&adv, src, dst, mode);
        prop_assert_eq!(bytes.len(), adv.buffer_len());
        let p = VrrpPacket::new_checked(&bytes[..], family).unwrap();
        prop_assert!(p.trailing().is_empty());
        prop_assert!(p.verify_checksum(src, dst, mode));
        prop_assert_eq!(p.compute_checksum(src, dst, mode), Some(p.checksum()));
        prop_assert_eq!(Advertisement::parse(&p).unwrap(), adv.clone());
        // A scratch advertisement refilled in place gives the same value.
        let mut scratch = Advertisement::decode(&bytes, family).unwrap();
        scratch.addresses.clear();
        scratch.parse_into(&p).unwrap();
        prop_assert_eq!(scratch, adv);
    }

    #[test]
    fn valid_advertisements_pass_validation((adv, src, _) in advert_and_endpoints(), mode in mode()) {
        // Zero v3 intervals (erratum 8301) and unknown v2 auth types are
        // dropped on purpose; everything else valid must be accepted.
        prop_assume!(adv.max_advert_int_cs != 0 || adv.version == Version::V2);
        prop_assume!(!matches!(adv.auth, Auth::Other(..)));
        let family = Family::of(src);
        let dst = family.group();
        let bytes = emit(&adv, src, dst, mode);
        let mut exp = Expectations::new(adv.version, adv.vrid, family);
        exp.auth = adv.auth;
        exp.advert_int_cs = adv.max_advert_int_cs;
        exp.addresses = adv.addresses.as_slice();
        exp.checksum = mode;
        let v = validate(&RxMeta { src, dst, ttl: 255 }, &bytes, &exp);
        prop_assert!(v.is_ok(), "{:?}", v);
        let v = v.unwrap();
        prop_assert_eq!(v.notes, Notes::default());
        prop_assert_eq!(v.packet.message(), &bytes[..]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        v6 in any::<bool>(),
        ttl in any::<u8>(),
        vrid in any::<u8>(),
        src4 in ipv4(), dst4 in ipv4(), src6 in ipv6(), dst6 in ipv6(),
        check in 0u8..3,
        unicast in any::<bool>(),
    ) {
        let (family, src, dst) = if v6 { (Family::V6, src6, dst6) } else { (Family::V4, src4, dst4) };
        if let Ok(p) = VrrpPacket::new_checked(&bytes[..], family) {
            touch(&p, src, dst);
            // Mixed-family endpoints are answered, not panicked on.
            touch(&p, src4, dst6);
            if let Ok(adv) = Advertisement::parse(&p) {
                // Whatever parses re-emits, and re-parses to the same value.
                let again = emit(&adv, src, dst, ChecksumMode::Rfc);
                prop_assert_eq!(Advertisement::decode(&again, family).unwrap(), adv);
            }
        }
        let _ = Advertisement::decode(&bytes, family);
        let peers = [UnicastPeer::new(src)];
        for version in [Version::V2, Version::V3] {
            let mut exp = Expectations::new(version, vrid, family);
            exp.address_check = [AddressCheck::Skip, AddressCheck::Report, AddressCheck::DropUnlessOwner][usize::from(check)];
            exp.accept_old_unicast_checksum = true;
            exp.auth = Auth::pass(b"x");
            if unicast {
                exp.unicast_peers = &peers;
                exp.check_unicast_src = true;
            }
            let _ = validate(&RxMeta { src, dst, ttl }, &bytes, &exp);
            // With a forced header so validation gets past the first checks.
            let mut forced = bytes.clone();
            if forced.len() >= 8 {
                forced[0] = if version == Version::V2 { 0x21 } else { 0x31 };
                forced[1] = vrid;
            }
            let _ = validate(&RxMeta { src, dst, ttl }, &forced, &exp);
        }
    }
}
