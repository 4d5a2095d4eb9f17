//! One single-hop and one multihop session to the same neighbor (RFC 5881,
//! RFC 5883; keepalived 2.2.8 keys sessions by neighbor, local address and
//! `multihop`): both are accepted, packets without Your Discriminator go to
//! the session of the port they came in on, and losing one kind's packets
//! takes only that session Down. A second session of the same kind to the
//! same neighbor is still refused.
#![allow(clippy::unwrap_used)] // tests may unwrap

use bfd_core::packet::{HEADER_LEN, State};
use bfd_core::time::{Duration, Instant};
use bfd_core::{AddError, PeerKey, RxMeta, SessionConfig, Sessions};

fn key(addr: &str, multihop: bool) -> PeerKey {
    PeerKey {
        remote: addr.parse().unwrap(),
        ifindex: 0,
        multihop,
    }
}

fn config(discr: u32) -> SessionConfig {
    SessionConfig {
        desired_min_tx: Duration::from_millis(100),
        required_min_rx: Duration::from_millis(100),
        detect_mult: 3,
        ..SessionConfig::new(discr)
    }
}

/// Host A (192.0.2.1) and host B (192.0.2.2), each with a single-hop and a
/// multihop session to the other.
fn hosts() -> (Sessions, Sessions) {
    let mut a = Sessions::new();
    a.add(key("192.0.2.2", false), config(1), Instant::ZERO)
        .unwrap();
    a.add(key("192.0.2.2", true), config(2), Instant::ZERO)
        .unwrap();
    let mut b = Sessions::new();
    b.add(key("192.0.2.1", false), config(11), Instant::ZERO)
        .unwrap();
    b.add(key("192.0.2.1", true), config(12), Instant::ZERO)
        .unwrap();
    (a, b)
}

/// Runs both hosts for `ms` milliseconds of virtual time in 1 ms steps,
/// delivering every packet at once except the kind `drop_multihop` names
/// (`Some(true)`: multihop packets are lost, `Some(false)`: single-hop).
fn run(
    a: &mut Sessions,
    b: &mut Sessions,
    from: Instant,
    ms: u64,
    drop_multihop: Option<bool>,
) -> Instant {
    let mut jitter = || 0x8000_0000u32;
    let mut now = from;
    for _ in 0..ms {
        now += Duration::from_millis(1);
        a.handle_timeout(now, &mut jitter);
        b.handle_timeout(now, &mut jitter);
        for (a_sends, src) in [(true, "192.0.2.1"), (false, "192.0.2.2")] {
            let (tx, rx) = if a_sends {
                (&mut *a, &mut *b)
            } else {
                (&mut *b, &mut *a)
            };
            while let Some((peer, pkt)) = tx.poll_transmit() {
                if drop_multihop == Some(peer.multihop) {
                    continue;
                }
                let mut buf = [0u8; HEADER_LEN];
                let len = pkt.emit(&mut buf).unwrap();
                // The receiver knows the kind from the port it came in on.
                let meta = RxMeta {
                    peer: key(src, peer.multihop),
                    ttl: 255,
                };
                let took = rx
                    .handle_datagram(now, meta, &buf[..len], &mut jitter)
                    .unwrap();
                // Each packet lands in the session of its own kind.
                let want = rx.discriminator_of(&meta.peer).unwrap();
                assert_eq!(took, want, "{peer:?}");
            }
        }
        while a.poll_event().is_some() {}
        while b.poll_event().is_some() {}
    }
    now
}

fn state(s: &Sessions, discr: u32) -> State {
    s.get(discr).unwrap().state()
}

#[test]
fn both_kinds_to_one_neighbor_come_up_and_fail_alone() {
    let (mut a, mut b) = hosts();
    assert_eq!(a.len(), 2);
    let now = run(&mut a, &mut b, Instant::ZERO, 5_000, None);
    for (s, d) in [(&a, 1), (&a, 2), (&b, 11), (&b, 12)] {
        assert_eq!(state(s, d), State::Up, "session {d}");
    }
    // Each session learnt the discriminator of its own kind on the peer.
    assert_eq!(a.get(1).unwrap().remote_discriminator(), 11);
    assert_eq!(a.get(2).unwrap().remote_discriminator(), 12);

    // Multihop packets are lost: only the multihop sessions fall (the
    // Detection Time is 300 ms; 2 s is ample).
    let now = run(&mut a, &mut b, now, 2_000, Some(true));
    assert_eq!(state(&a, 1), State::Up);
    assert_eq!(state(&b, 11), State::Up);
    assert_eq!(state(&a, 2), State::Down);
    assert_eq!(state(&b, 12), State::Down);

    // Back, then the single-hop packets are lost: the other way round.
    let now = run(&mut a, &mut b, now, 5_000, None);
    assert_eq!(state(&a, 2), State::Up);
    run(&mut a, &mut b, now, 2_000, Some(false));
    assert_eq!(state(&a, 1), State::Down);
    assert_eq!(state(&b, 11), State::Down);
    assert_eq!(state(&a, 2), State::Up);
    assert_eq!(state(&b, 12), State::Up);
}

#[test]
fn one_session_per_neighbor_and_kind() {
    let (mut a, _) = hosts();
    for multihop in [false, true] {
        let k = key("192.0.2.2", multihop);
        assert_eq!(
            a.add(k, config(3), Instant::ZERO),
            Err(AddError::DuplicatePeer(k))
        );
    }
    assert_eq!(a.discriminator_of(&key("192.0.2.2", false)), Some(1));
    assert_eq!(a.discriminator_of(&key("192.0.2.2", true)), Some(2));
    // Removing one kind leaves the other.
    assert!(a.remove(2).is_some());
    assert_eq!(a.discriminator_of(&key("192.0.2.2", true)), None);
    assert_eq!(a.discriminator_of(&key("192.0.2.2", false)), Some(1));
}
