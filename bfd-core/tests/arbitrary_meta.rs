//! The `bfd_sessions` fuzz target's property as a proptest: two sessions,
//! datagrams from either peer or a stranger with any TTL after any time
//! step, AdminDown toggles and timer changes in between. Nothing panics, a
//! datagram is only taken by the session of its source, every packet sent
//! passes the receive checks, and after the timers run no deadline is in the
//! past.
#![allow(clippy::unwrap_used)] // tests may unwrap

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bfd_core::packet::{ControlPacket, HEADER_LEN, State};
use bfd_core::time::{Duration, Instant};
use bfd_core::{PeerKey, RxMeta, SessionConfig, Sessions};
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Step {
    ctl: u8,
    ttl: u8,
    step_ms: u8,
    payload: Vec<u8>,
}

/// A packet that the session of `peer` may take: mostly valid, with its
/// discriminators from the small set in use.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (
            0u8..4,
            any::<bool>(),
            1u8..4,
            0u32..4,
            0u32..4,
            1u32..200_000
        )
            .prop_map(|(sta, poll, mult, my, your, iv)| {
                let p = ControlPacket {
                    diagnostic: bfd_core::Diagnostic::None,
                    state: State::from_bits(sta),
                    poll,
                    final_: !poll,
                    control_plane_independent: false,
                    demand: false,
                    detect_mult: mult,
                    my_discriminator: my + 8,
                    your_discriminator: your,
                    desired_min_tx: iv,
                    required_min_rx: iv,
                    required_min_echo_rx: 0,
                };
                let mut b = vec![0u8; HEADER_LEN];
                let _ = p.emit(&mut b);
                b
            }),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (
            any::<u8>(),
            prop_oneof![Just(255u8), any::<u8>()],
            any::<u8>(),
            payload(),
        )
            .prop_map(|(ctl, ttl, step_ms, payload)| Step {
                ctl,
                ttl,
                step_ms,
                payload,
            }),
        0..60,
    )
}

proptest! {
    #[test]
    fn sessions_survive_any_source_and_ttl(steps in steps()) {
        let peers = [
            PeerKey { remote: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)), ifindex: 0, multihop: false },
            PeerKey { remote: IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2)), ifindex: 0, multihop: false },
            PeerKey { remote: IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)), ifindex: 0, multihop: false },
        ];
        let mut sessions = Sessions::new();
        let short = SessionConfig {
            desired_min_tx: Duration::from_millis(50),
            required_min_rx: Duration::from_millis(50),
            detect_mult: 3,
            ..SessionConfig::new(1)
        };
        sessions.add(peers[0], short, Instant::ZERO).unwrap();
        sessions.add(peers[1], SessionConfig::new(2), Instant::ZERO).unwrap();
        let mut rnd = 0x1234_5678u32;
        let mut jitter = || {
            rnd = rnd.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            rnd
        };
        let mut now = Instant::ZERO;
        let mut admin_down = false;
        for s in steps {
            now += Duration::from_millis(u64::from(s.step_ms));
            if s.ctl & 0x08 != 0 {
                admin_down = !admin_down;
                sessions.get_mut(1).unwrap().set_admin_down(now, admin_down, &mut jitter);
            }
            if s.ctl & 0x10 != 0 {
                let iv = Duration::from_millis(10 + u64::from(s.step_ms));
                prop_assert!(sessions.get_mut(2).unwrap().set_timers(now, iv, iv, &mut jitter).is_ok());
            }
            let src = peers[usize::from(s.ctl & 3) % 3];
            let rx = RxMeta { peer: src, ttl: s.ttl };
            if let Ok(discr) = sessions.handle_datagram(now, rx, &s.payload, &mut jitter) {
                prop_assert_eq!(sessions.discriminator_of(&src), Some(discr));
                prop_assert_eq!(s.ttl, 255);
            }
            if s.ctl & 0x04 != 0 {
                sessions.handle_timeout(now, &mut jitter);
            }
            while let Some((_, p)) = sessions.poll_transmit() {
                let mut buf = [0u8; HEADER_LEN];
                prop_assert_eq!(p.emit(&mut buf), Ok(HEADER_LEN));
                prop_assert_eq!(ControlPacket::decode(&buf), Ok(p));
            }
            while sessions.poll_event().is_some() {}
            if s.ctl & 0x04 != 0 {
                prop_assert!(sessions.poll_timeout().is_none_or(|t| t > now));
            }
        }
    }
}
