//! Criterion bench `codec`: VRRP parse + checksum verification and emit
//! (vrrp-core::packet). Targets on the project's 2-core machine: parse+verify
//! of a 1-address VRRPv3/IPv4 advert < 20 ns, emit < 20 ns.
//!
//! Per case:
//! * `parse_verify/view/*`: `VrrpPacket::new_checked` + `verify_checksum`
//!   (the zero-copy receive path);
//! * `parse_verify/owned/*`: the same + `Advertisement::parse_into` a reused
//!   advertisement (every field and address decoded);
//! * `parse_verify/fresh/*`: the same with `Advertisement::parse`, which
//!   builds a new 255-slot `AddressList` each time;
//! * `validate/*`: the full receive checks with matching expectations;
//! * `emit/*`: `Advertisement::emit` (with checksum) into a buffer;
//! * `encoded_write/*`: `EncodedAdvert::write`, the node's send path: the
//!   cached message copied with another priority and destination, checksum
//!   updated incrementally (RFC 1624).
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use criterion::{Criterion, criterion_group, criterion_main};
use vrrp_core::packet::{
    AddressList, Advertisement, Auth, ChecksumMode, EncodedAdvert, Expectations, Family, RxMeta,
    Version, VrrpPacket, validate,
};

struct Case {
    name: &'static str,
    advert: Advertisement,
    src: IpAddr,
    dst: IpAddr,
    family: Family,
}

fn cases() -> Vec<Case> {
    let v4 = |n: u8| -> AddressList {
        (1..=n)
            .map(|i| IpAddr::V4(Ipv4Addr::new(10, 0, 0, i)))
            .collect()
    };
    let adv = |version, auth, addresses| Advertisement {
        version,
        vrid: 51,
        priority: 150,
        max_advert_int_cs: 100,
        auth,
        addresses,
    };
    let src4 = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 254));
    let group4 = Family::V4.group();
    vec![
        Case {
            name: "v3_ipv4_1addr",
            advert: adv(Version::V3, Auth::None, v4(1)),
            src: src4,
            dst: group4,
            family: Family::V4,
        },
        Case {
            name: "v3_ipv4_16addr",
            advert: adv(Version::V3, Auth::None, v4(16)),
            src: src4,
            dst: group4,
            family: Family::V4,
        },
        Case {
            name: "v3_ipv6_1addr",
            advert: adv(
                Version::V3,
                Auth::None,
                [IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x51))]
                    .iter()
                    .collect(),
            ),
            src: IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
            dst: Family::V6.group(),
            family: Family::V6,
        },
        Case {
            name: "v2_ipv4_1addr_pass",
            advert: adv(Version::V2, Auth::pass(b"secret"), v4(1)),
            src: src4,
            dst: group4,
            family: Family::V4,
        },
    ]
}

fn bench(c: &mut Criterion) {
    let mode = ChecksumMode::Rfc;
    for case in cases() {
        let mut buf = vec![0u8; case.advert.buffer_len()];
        case.advert
            .emit(&mut buf, case.src, case.dst, mode)
            .expect("bench advert emits");
        let mut scratch = case.advert.clone();
        let mut exp = Expectations::new(case.advert.version, case.advert.vrid, case.family);
        exp.auth = case.advert.auth;
        exp.addresses = case.advert.addresses.as_slice();
        let rx = RxMeta {
            src: case.src,
            dst: case.dst,
            ttl: 255,
        };

        c.bench_function(&format!("parse_verify/view/{}", case.name), |b| {
            b.iter(|| {
                let p = VrrpPacket::new_checked(black_box(&buf[..]), case.family).expect("valid");
                black_box(p.verify_checksum(black_box(case.src), black_box(case.dst), mode))
            })
        });
        c.bench_function(&format!("parse_verify/owned/{}", case.name), |b| {
            b.iter(|| {
                let p = VrrpPacket::new_checked(black_box(&buf[..]), case.family).expect("valid");
                let ok = p.verify_checksum(black_box(case.src), black_box(case.dst), mode);
                scratch.parse_into(&p).expect("valid");
                black_box((ok, &scratch));
            })
        });
        c.bench_function(&format!("parse_verify/fresh/{}", case.name), |b| {
            b.iter(|| {
                let p = VrrpPacket::new_checked(black_box(&buf[..]), case.family).expect("valid");
                let ok = p.verify_checksum(black_box(case.src), black_box(case.dst), mode);
                black_box((ok, Advertisement::parse(&p).expect("valid")))
            })
        });
        c.bench_function(&format!("validate/{}", case.name), |b| {
            b.iter(|| black_box(validate(black_box(&rx), black_box(&buf[..]), &exp).is_ok()))
        });
        let mut out = vec![0u8; case.advert.buffer_len()];
        c.bench_function(&format!("emit/{}", case.name), |b| {
            b.iter(|| {
                black_box(&case.advert)
                    .emit(
                        black_box(&mut out[..]),
                        black_box(case.src),
                        black_box(case.dst),
                        mode,
                    )
                    .expect("valid");
                black_box(&out);
            })
        });
        let encoded =
            EncodedAdvert::new(&case.advert, case.src, case.dst, mode).expect("bench advert emits");
        // Another destination of the family (a second unicast peer).
        let other = match case.dst {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::new(10, 0, 0, 254)),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0xfe)),
        };
        c.bench_function(&format!("encoded_write/{}", case.name), |b| {
            b.iter(|| {
                encoded
                    .write(black_box(&mut out[..]), black_box(90), black_box(other))
                    .expect("valid");
                black_box(&out);
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
