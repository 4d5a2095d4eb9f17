//! One single-hop and one multihop session to the same neighbor (RFC 5881,
//! RFC 5883; keepalived 2.2.8 keys sessions by neighbor, local address and
//! `multihop`): both are accepted, packets without Your Discriminator go to
//! the session of the port they came in on, and losing one kind's packets
//! takes only that session Down. A second session of the same kind to the
//! same neighbor is still refused.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use bfd_core::packet::State;
use bfd_core::time::Instant;
use bfd_core::{AddError, PeerKey, RxMeta, Sessions};
use common::{Host, config, jitter, state};

fn key(addr: &str, multihop: bool) -> PeerKey {
    PeerKey {
        remote: addr.parse().unwrap(),
        ifindex: 0,
        multihop,
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

/// Runs both hosts for `ms` milliseconds of virtual time ([`common::run`]),
/// delivering every packet at once except the kind `drop_multihop` names
/// (`Some(true)`: multihop packets are lost, `Some(false)`: single-hop).
fn run(
    a: &mut Sessions,
    b: &mut Sessions,
    from: Instant,
    ms: u64,
    drop_multihop: Option<bool>,
) -> Instant {
    common::run(a, b, from, ms, |w| {
        if drop_multihop == Some(w.peer.multihop) {
            return;
        }
        let src = match w.from {
            Host::A => "192.0.2.1",
            Host::B => "192.0.2.2",
        };
        // The receiver knows the kind from the port it came in on.
        let meta = RxMeta {
            peer: key(src, w.peer.multihop),
            ttl: 255,
        };
        let took =
            w.to.handle_datagram(w.now, meta, w.bytes, &mut jitter)
                .unwrap();
        // Each packet lands in the session of its own kind.
        let want = w.to.discriminator_of(&meta.peer).unwrap();
        assert_eq!(took, want, "{:?}", w.peer);
        assert_eq!(
            w.to.get(took).unwrap().remote_discriminator(),
            w.packet.my_discriminator
        );
    })
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
