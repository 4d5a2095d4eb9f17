use proptest::prelude::*;

use super::*;

/// An IPv4 datagram of protocol 51 around `vrrp`, ICV not yet filled.
fn datagram(src: [u8; 4], dst: [u8; 4], ttl: u8, id: u16, seq: u32, vrrp: &[u8]) -> Vec<u8> {
    let total = u16::try_from(20 + AH_LEN + vrrp.len()).unwrap();
    let mut d = vec![0x45, 0xc0];
    d.extend_from_slice(&total.to_be_bytes());
    d.extend_from_slice(&id.to_be_bytes());
    d.extend_from_slice(&[0, 0, ttl, IPPROTO_AH, 0, 0]);
    d.extend_from_slice(&src);
    d.extend_from_slice(&dst);
    d.extend_from_slice(&AhHeader::for_vrrp(src, seq).to_bytes());
    d.extend_from_slice(vrrp);
    d
}

const VRRP: [u8; 20] = [
    0x21, 0x33, 0x64, 0x01, 0x02, 0x01, 0x6e, 0x03, 10, 99, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0,
];

#[test]
fn header_round_trips_and_has_keepalived_constants() {
    let h = AhHeader::for_vrrp([10, 99, 0, 1], 7);
    let b = h.to_bytes();
    assert_eq!(&b[..12], &[112, 4, 0, 0, 10, 99, 0, 1, 0, 0, 0, 7]);
    assert_eq!(AhHeader::parse(&b), Some(h));
    assert_eq!(AhHeader::parse(&b[..23]), None);
}

#[test]
fn key_is_pass_truncated_and_padded() {
    assert_eq!(AhKey::from_pass(b"abc").bytes(), b"abc\0\0\0\0\0");
    assert_eq!(AhKey::from_pass(b"0123456789").bytes(), b"01234567");
    assert_eq!(format!("{:?}", AhKey::from_pass(b"abc")), "AhKey(..)");
}

#[test]
fn sealed_datagram_opens_and_wrong_key_fails() {
    let key = AhKey::from_pass(b"secret");
    let mut d = datagram([10, 0, 0, 1], [224, 0, 0, 18], 255, 3, 9, &VRRP);
    seal(&mut d, &key, false).unwrap();
    let o = open(&d, &key, false).unwrap();
    assert_eq!(o.header.seq, 9);
    assert_eq!(&d[o.payload.clone()], &VRRP);
    assert_eq!(
        open(&d, &AhKey::from_pass(b"secreT"), false),
        Err(AhError::BadIcv)
    );
}

#[test]
fn spi_must_be_the_source() {
    let key = AhKey::from_pass(b"k");
    let mut d = datagram([10, 0, 0, 1], [224, 0, 0, 18], 255, 3, 9, &VRRP);
    d[24..28].copy_from_slice(&[10, 0, 0, 2]);
    seal(&mut d, &key, false).unwrap();
    assert_eq!(
        open(&d, &key, false),
        Err(AhError::BadSpi {
            spi: 0x0a00_0002,
            src: 0x0a00_0001
        })
    );
}

#[test]
fn structure_errors() {
    let key = AhKey::from_pass(b"k");
    let mut d = datagram([10, 0, 0, 1], [224, 0, 0, 18], 255, 3, 9, &VRRP);
    seal(&mut d, &key, false).unwrap();
    assert_eq!(open(&d[..43], &key, false), Err(AhError::Truncated));
    assert_eq!(open(&[], &key, false), Err(AhError::Truncated));
    let mut other = d.clone();
    other[9] = 112;
    assert_eq!(open(&other, &key, false), Err(AhError::NotAh(112)));
    let mut next = d.clone();
    next[20] = 6;
    assert_eq!(open(&next, &key, false), Err(AhError::NextHeader(6)));
    let mut v6 = d.clone();
    v6[0] = 0x65;
    assert_eq!(open(&v6, &key, false), Err(AhError::Truncated));
    assert_eq!(
        seal(&mut [0x45; 30], &key, false),
        Err(AhError::BufferTooShort)
    );
    assert!(AhError::BadIcv.is_auth_failure());
    assert!(
        AhError::Replay {
            received: 1,
            local: 1
        }
        .is_auth_failure()
    );
    assert!(!AhError::NextHeader(6).is_auth_failure());
}

#[test]
fn sequence_rules_follow_keepalived() {
    let mut c = SeqCounter::default();
    assert_eq!(c.next_to_send(), 1);
    assert_eq!(c.next_to_send(), 2);
    // Receive: only strictly greater numbers are accepted, and learnt.
    assert_eq!(
        c.accept(2),
        Err(AhError::Replay {
            received: 2,
            local: 2
        })
    );
    assert_eq!(c.accept(10), Ok(()));
    assert_eq!(c.seq, 10);
    assert!(c.accept(5).is_err());
    assert_eq!(c.next_to_send(), 11);
    // Master hearing a lower priority: continue from its number + 1.
    c.sync_from_lower_priority(3);
    assert_eq!(c.seq, 4);
    assert_eq!(c.next_to_send(), 5);
    c.sync_from_lower_priority(u32::MAX);
    assert_eq!(c.seq, 0);
    // The end of the counter: it stays and is marked cycled.
    let mut end = SeqCounter::starting_at(0xFFFF_FFFD);
    assert_eq!(end.next_to_send(), 0xFFFF_FFFE);
    assert!(!end.cycled);
    assert_eq!(end.next_to_send(), 0xFFFF_FFFE);
    assert!(end.cycled);
    let mut kept = end;
    kept.yielded();
    assert!(!kept.cycled);
    assert_eq!(kept.seq, 0xFFFF_FFFE);
    let mut backup = end;
    backup.accepted_in_backup();
    assert!(!backup.cycled);
    end.becoming_master();
    assert_eq!(end, SeqCounter::default());
    // Not cycled: becoming Master keeps the number.
    let mut c = SeqCounter::starting_at(40);
    c.becoming_master();
    assert_eq!(c.seq, 40);
}

proptest! {
    #[test]
    fn any_covered_byte_change_breaks_the_icv(
        pass in proptest::collection::vec(any::<u8>(), 1..12),
        vrrp in proptest::collection::vec(any::<u8>(), 8..64),
        id in any::<u16>(),
        seq in any::<u32>(),
        unicast in any::<bool>(),
        at in any::<prop::sample::Index>(),
        flip in 1u8..,
    ) {
        let key = AhKey::from_pass(&pass);
        let mut d = datagram([192, 0, 2, 1], [224, 0, 0, 18], 255, id, seq, &vrrp);
        seal(&mut d, &key, unicast).unwrap();
        let o = open(&d, &key, unicast).unwrap();
        prop_assert_eq!(o.header.seq, seq);
        prop_assert_eq!(&d[o.payload], &vrrp[..]);
        let i = at.index(d.len());
        let mut t = d.clone();
        t[i] ^= flip;
        // Mutable fields (TOS, flags/fragment, header checksum; TTL for
        // unicast) are outside the ICV, every other byte inside it.
        let mutable = matches!(i, 1 | 6 | 7 | 10 | 11) || (unicast && i == 8);
        let r = open(&t, &key, unicast);
        if mutable {
            prop_assert!(r.is_ok());
        } else {
            prop_assert!(r.is_err(), "byte {} changed and still accepted", i);
        }
    }

    #[test]
    fn accepted_sequence_numbers_strictly_increase(
        start in any::<u32>(),
        rx in proptest::collection::vec(any::<u32>(), 0..40),
    ) {
        let mut c = SeqCounter::starting_at(start);
        let mut last = start;
        for r in rx {
            let ok = c.accept(r).is_ok();
            prop_assert_eq!(ok, r > last);
            if ok {
                last = r;
            }
            prop_assert_eq!(c.seq, last);
        }
    }
}
