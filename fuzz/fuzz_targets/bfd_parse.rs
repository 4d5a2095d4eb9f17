#![no_main]
//! Fuzz target `bfd_parse` (bfd-core): whatever `ControlPacket::decode`
//! accepts must emit and decode to the same packet, and re-emit the same
//! bytes except the Length byte (canonical 24); every byte string, accepted
//! or not, fed to a `Sessions` holding one session must not panic, and the
//! packets it then sends must pass the receive checks.
//!
//! Input: the UDP payload, handed to the session as from its peer with TTL
//! 255 at a virtual time that advances with each input byte.
use std::net::{IpAddr, Ipv4Addr};

use bfd_core::packet::{ControlPacket, HEADER_LEN};
use bfd_core::time::Instant;
use bfd_core::{PeerKey, RxMeta, SessionConfig, Sessions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = ControlPacket::decode(data) {
        let mut buf = [0u8; HEADER_LEN];
        assert_eq!(p.emit(&mut buf), Ok(HEADER_LEN));
        assert_eq!(ControlPacket::decode(&buf), Ok(p));
        assert_eq!(buf[..3], data[..3]);
        assert_eq!(buf[4..], data[4..HEADER_LEN]);
    }

    let peer = PeerKey {
        remote: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
        ifindex: 0,
        multihop: false,
    };
    let mut sessions = Sessions::new();
    if sessions.add(peer, SessionConfig::new(1), Instant::ZERO).is_err() {
        return;
    }
    let mut rnd = 0u32;
    let mut jitter = || {
        rnd = rnd.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        rnd
    };
    let rx = RxMeta { peer, ttl: 255 };
    // The input as a stream of 24-byte packets, 100 ms apart, with the
    // timers run in between.
    let mut now = Instant::ZERO;
    for chunk in data.chunks(HEADER_LEN) {
        now = Instant::from_micros(now.as_micros() + 100_000);
        let _ = sessions.handle_datagram(now, rx, chunk, &mut jitter);
        sessions.handle_timeout(now, &mut jitter);
        while let Some((_, p)) = sessions.poll_transmit() {
            let mut buf = [0u8; HEADER_LEN];
            assert_eq!(p.emit(&mut buf), Ok(HEADER_LEN));
            assert_eq!(ControlPacket::decode(&buf), Ok(p));
        }
        while sessions.poll_event().is_some() {}
    }
});
