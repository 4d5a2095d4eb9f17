//! Arbitrary datagrams and timer calls never panic a `Sessions`, and what
//! it sends always passes the receive checks (the `bfd_parse` fuzz target's
//! property, run as a proptest).
#![allow(clippy::unwrap_used)] // tests may unwrap

use bfd_core::packet::{ControlPacket, HEADER_LEN, State};
use bfd_core::time::{Duration, Instant};
use bfd_core::{PeerKey, RxMeta, SessionConfig, Sessions};
use proptest::prelude::*;

/// Mostly well-formed packets from the peer (discriminator 1 ours, 9
/// theirs), some arbitrary bytes.
fn datagram() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (
            0u8..4,
            any::<(bool, bool)>(),
            1u8..5,
            prop::bool::ANY,
            1u32..2_000_000,
            0u32..2_000_000
        )
            .prop_map(|(sta, (p, f), mult, ours, tx, rx)| {
                let pkt = ControlPacket {
                    diagnostic: bfd_core::Diagnostic::None,
                    state: State::from_bits(sta),
                    poll: p && !f,
                    final_: f,
                    control_plane_independent: false,
                    demand: false,
                    detect_mult: mult,
                    my_discriminator: 9,
                    your_discriminator: if ours || sta > 1 { 1 } else { 0 },
                    desired_min_tx: tx,
                    required_min_rx: rx,
                    required_min_echo_rx: 0,
                };
                let mut buf = vec![0u8; HEADER_LEN];
                pkt.emit(&mut buf).unwrap();
                buf
            }),
        proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

proptest! {
    #[test]
    fn sessions_survive_any_input(
        steps in proptest::collection::vec((datagram(), 0u64..1_500_000, any::<u32>(), 0u8..8), 1..60)
    ) {
        let peer = PeerKey { remote: "192.0.2.9".parse().unwrap(), ifindex: 0, multihop: false };
        let mut s = Sessions::new();
        let cfg = SessionConfig {
            desired_min_tx: Duration::from_millis(50),
            required_min_rx: Duration::from_millis(50),
            detect_mult: 3,
            ..SessionConfig::new(1)
        };
        s.add(peer, cfg, Instant::ZERO).unwrap();
        let mut now = Instant::ZERO;
        for (bytes, dt, r, op) in steps {
            now += Duration::from_micros(dt);
            let mut jitter = || r;
            match op {
                0 => s.get_mut(1).unwrap().set_admin_down(now, true, &mut jitter),
                1 => s.get_mut(1).unwrap().set_admin_down(now, false, &mut jitter),
                2 => {
                    let tx = Duration::from_micros(u64::from(r % 2_000_000) + 1);
                    s.get_mut(1).unwrap().set_timers(now, tx, tx, &mut jitter).unwrap();
                }
                _ => {}
            }
            let _ = s.handle_datagram(now, RxMeta { peer, ttl: 255 }, &bytes, &mut jitter);
            if s.poll_timeout().is_some_and(|t| t <= now) {
                s.handle_timeout(now, &mut jitter);
            }
            while let Some((to, p)) = s.poll_transmit() {
                prop_assert_eq!(to, peer);
                let mut buf = [0u8; HEADER_LEN];
                p.emit(&mut buf).unwrap();
                prop_assert_eq!(ControlPacket::decode(&buf), Ok(p));
                // §6.8.3: at least 1 s advertised while not Up.
                if p.state != State::Up {
                    prop_assert!(p.desired_min_tx >= 1_000_000, "{:?}", p);
                }
            }
            while let Some((d, e)) = s.poll_event() {
                prop_assert_eq!(d, 1);
                prop_assert!(e.from != e.to);
            }
        }
    }
}
