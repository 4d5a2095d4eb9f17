#![no_main]
//! Fuzz target `bfd_sessions` (bfd-core): `Sessions::handle_datagram` with
//! arbitrary receive metadata. Two sessions (peers 192.0.2.2 and
//! 2001:db8::2); each datagram comes from one of three sources (the two
//! peers and a stranger) with an arbitrary TTL after an arbitrary time step,
//! and an AdminDown toggle or a timer change may come in between. Nothing may
//! panic, a datagram is taken only by the session of its source and only
//! with TTL 255, every packet sent passes the receive checks, and after the
//! timers run no deadline is in the past. `bfd-core/tests/arbitrary_meta.rs` runs the same property as a
//! proptest.
//!
//! Input, repeated: one control byte (bits 0-1 source, bit 2 run the timers,
//! bit 3 AdminDown toggle of session 1, bit 4 timer change of session 2,
//! bits 5-7 length class), one TTL byte, one time step byte (ms), then the
//! payload (0, 3, 23, 24, 26, 28, 40 or 64 bytes, cut at the end of input).
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bfd_core::packet::{ControlPacket, HEADER_LEN};
use bfd_core::time::{Duration, Instant};
use bfd_core::{PeerKey, RxMeta, SessionConfig, Sessions};
use libfuzzer_sys::fuzz_target;

const LENGTHS: [usize; 8] = [0, 3, 23, 24, 26, 28, 40, 64];

fuzz_target!(|data: &[u8]| {
    let peers = [
        PeerKey {
            remote: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
            ifindex: 0,
            multihop: false,
        },
        PeerKey {
            remote: IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2)),
            ifindex: 0,
            multihop: false,
        },
        PeerKey {
            remote: IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)),
            ifindex: 0,
            multihop: false,
        },
    ];
    let mut sessions = Sessions::new();
    let short = SessionConfig {
        desired_min_tx: Duration::from_millis(50),
        required_min_rx: Duration::from_millis(50),
        detect_mult: 3,
        ..SessionConfig::new(1)
    };
    if sessions.add(peers[0], short, Instant::ZERO).is_err()
        || sessions
            .add(peers[1], SessionConfig::new(2), Instant::ZERO)
            .is_err()
    {
        return;
    }
    let mut rnd = 0x1234_5678u32;
    let mut jitter = || {
        rnd = rnd.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        rnd
    };
    let mut now = Instant::ZERO;
    let mut admin_down = false;
    let mut rest = data;
    while let [ctl, ttl, step, tail @ ..] = rest {
        let len = LENGTHS[usize::from(ctl >> 5)].min(tail.len());
        let (payload, next) = tail.split_at(len);
        rest = next;
        now += Duration::from_millis(u64::from(*step));
        if ctl & 0x08 != 0 {
            admin_down = !admin_down;
            if let Some(s) = sessions.get_mut(1) {
                s.set_admin_down(now, admin_down, &mut jitter);
            }
        }
        if ctl & 0x10 != 0
            && let Some(s) = sessions.get_mut(2)
        {
            let iv = Duration::from_millis(10 + u64::from(*step));
            assert!(s.set_timers(now, iv, iv, &mut jitter).is_ok());
        }
        let src = peers[usize::from(ctl & 3) % 3];
        let rx = RxMeta {
            peer: src,
            ttl: *ttl,
        };
        if let Ok(discr) = sessions.handle_datagram(now, rx, payload, &mut jitter) {
            assert_eq!(sessions.discriminator_of(&src), Some(discr));
            assert_eq!(*ttl, 255);
        }
        if ctl & 0x04 != 0 {
            sessions.handle_timeout(now, &mut jitter);
        }
        while let Some((_, p)) = sessions.poll_transmit() {
            let mut buf = [0u8; HEADER_LEN];
            assert_eq!(p.emit(&mut buf), Ok(HEADER_LEN));
            assert_eq!(ControlPacket::decode(&buf), Ok(p));
        }
        while sessions.poll_event().is_some() {}
        if ctl & 0x04 != 0 {
            assert!(sessions.poll_timeout().is_none_or(|t| t > now));
        }
    }
});
