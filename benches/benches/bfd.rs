//! Criterion bench `bfd` (bfd-core): the control packet codec and one
//! session's receive-and-reply step. On the project's 2-core machine, loaded
//! (`cargo bench -p benches --bench bfd -- --warm-up-time 1
//! --measurement-time 3`): decode 11 ns, emit 9 ns, sessions_rx_up 50 ns.
//!
//! * `bfd/decode`: `ControlPacket::decode` of an Up packet (view checks and
//!   the RFC 5880 §6.8.6 packet checks);
//! * `bfd/emit`: `ControlPacket::emit` into a 24-byte buffer;
//! * `bfd/sessions_rx_up`: `Sessions::handle_datagram` of a steady-state Up
//!   packet (TTL check, decode, demux by discriminator, reception) for one
//!   of 1 000 sessions, then draining `poll_transmit`.
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use bfd_core::packet::{ControlPacket, Diagnostic, HEADER_LEN, State};
use bfd_core::time::{Duration, Instant};
use bfd_core::{PeerKey, RxMeta, SessionConfig, Sessions};
use criterion::{Criterion, criterion_group, criterion_main};

fn up(my: u32, your: u32) -> ControlPacket {
    ControlPacket {
        diagnostic: Diagnostic::None,
        state: State::Up,
        poll: false,
        final_: false,
        control_plane_independent: false,
        demand: false,
        detect_mult: 3,
        my_discriminator: my,
        your_discriminator: your,
        desired_min_tx: 300_000,
        required_min_rx: 300_000,
        required_min_echo_rx: 0,
    }
}

fn peer(i: u32) -> PeerKey {
    PeerKey {
        remote: IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)),
        ifindex: 0,
        multihop: false,
    }
}

fn bench(c: &mut Criterion) {
    let mut bytes = [0u8; HEADER_LEN];
    let pkt = up(0x2222, 0x1111);
    if pkt.emit(&mut bytes).is_err() {
        return;
    }
    c.bench_function("bfd/decode", |b| {
        b.iter(|| ControlPacket::decode(black_box(&bytes)))
    });
    c.bench_function("bfd/emit", |b| {
        let mut out = [0u8; HEADER_LEN];
        b.iter(|| black_box(&pkt).emit(black_box(&mut out)))
    });

    // 1 000 sessions brought Up by hand: Init from each peer, then Up.
    let mut sessions = Sessions::new();
    let mut jitter = || 0u32;
    for i in 1..=1000u32 {
        let cfg = SessionConfig {
            desired_min_tx: Duration::from_millis(300),
            required_min_rx: Duration::from_millis(300),
            detect_mult: 3,
            ..SessionConfig::new(i)
        };
        if sessions.add(peer(i), cfg, Instant::ZERO).is_err() {
            return;
        }
        let mut p = up(10_000 + i, i);
        p.state = State::Init;
        let mut buf = [0u8; HEADER_LEN];
        if p.emit(&mut buf).is_err() {
            return;
        }
        let rx = RxMeta {
            peer: peer(i),
            ttl: 255,
        };
        let _ = sessions.handle_datagram(Instant::ZERO, rx, &buf, &mut jitter);
    }
    while sessions.poll_transmit().is_some() {}
    let target = 500u32;
    let mut buf = [0u8; HEADER_LEN];
    if up(10_000 + target, target).emit(&mut buf).is_err() {
        return;
    }
    let rx = RxMeta {
        peer: peer(target),
        ttl: 255,
    };
    let mut now = Instant::ZERO;
    c.bench_function("bfd/sessions_rx_up", |b| {
        b.iter(|| {
            now += Duration::from_millis(1);
            let r = sessions.handle_datagram(now, rx, black_box(&buf), &mut jitter);
            while sessions.poll_transmit().is_some() {}
            r
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
