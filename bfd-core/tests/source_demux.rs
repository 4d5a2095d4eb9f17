//! Two sessions of one kind to the same neighbor that differ in their local
//! (source) address, as keepalived 2.2.7 allows (its key is the neighbor and
//! source pair, an absent source matching every source: bfd_data.c
//! `find_bfd_by_addr`): both are accepted, packets without Your
//! Discriminator go to the session of the local address they were sent to,
//! and losing one address's packets takes only that session Down. A session
//! without a source, or a second one with the same source, is refused.
#![allow(clippy::unwrap_used)] // tests may unwrap

use core::net::IpAddr;

mod common;

use bfd_core::packet::State;
use bfd_core::time::Instant;
use bfd_core::{AddError, PeerKey, RxMeta, Sessions};
use common::{Host, config, jitter, state};

/// Host A's two addresses and host B's one.
const A1: &str = "192.0.2.1";
const A2: &str = "192.0.2.11";
const B: &str = "192.0.2.2";

fn ip(a: &str) -> IpAddr {
    a.parse().unwrap()
}

fn key(addr: &str) -> PeerKey {
    PeerKey::single_hop(ip(addr), 0)
}

/// Host A with sessions 1 (from A1) and 2 (from A2) to B; host B with
/// sessions 11 to A1 and 12 to A2.
fn hosts() -> (Sessions, Sessions) {
    let mut a = Sessions::new();
    a.add_with_source(key(B), Some(ip(A1)), config(1), Instant::ZERO)
        .unwrap();
    a.add_with_source(key(B), Some(ip(A2)), config(2), Instant::ZERO)
        .unwrap();
    let mut b = Sessions::new();
    b.add(key(A1), config(11), Instant::ZERO).unwrap();
    b.add(key(A2), config(12), Instant::ZERO).unwrap();
    (a, b)
}

/// Runs both hosts for `ms` milliseconds of virtual time ([`common::run`]),
/// delivering every packet at once except those from or to `lost` (one of
/// A's addresses).
fn run(a: &mut Sessions, b: &mut Sessions, from: Instant, ms: u64, lost: Option<&str>) -> Instant {
    common::run(a, b, from, ms, |w| match w.from {
        // A to B: the source is the sending session's.
        Host::A => {
            let src = if w.packet.my_discriminator == 1 {
                A1
            } else {
                A2
            };
            if lost == Some(src) {
                return;
            }
            let meta = RxMeta {
                peer: key(src),
                ttl: 255,
            };
            w.to.handle_datagram(w.now, meta, w.bytes, &mut jitter)
                .unwrap();
        }
        // B to A: A tells its sessions apart by the destination address.
        Host::B => {
            if Some(w.peer.remote) == lost.map(ip) {
                return;
            }
            let meta = RxMeta {
                peer: key(B),
                ttl: 255,
            };
            let took =
                w.to.handle_datagram_to(w.now, meta, Some(w.peer.remote), w.bytes, &mut jitter)
                    .unwrap();
            let want = if w.peer.remote == ip(A1) { 1 } else { 2 };
            assert_eq!(
                took, want,
                "a packet to {} went to session {took}",
                w.peer.remote
            );
        }
    })
}

#[test]
fn two_sources_to_one_neighbor_come_up_and_fail_alone() {
    let (mut a, mut b) = hosts();
    assert_eq!(a.len(), 2);
    let now = run(&mut a, &mut b, Instant::ZERO, 5_000, None);
    for (s, d) in [(&a, 1), (&a, 2), (&b, 11), (&b, 12)] {
        assert_eq!(state(s, d), State::Up, "session {d}");
    }
    assert_eq!(a.get(1).unwrap().remote_discriminator(), 11);
    assert_eq!(a.get(2).unwrap().remote_discriminator(), 12);

    // A2's packets are lost: only the sessions of A2 fall.
    run(&mut a, &mut b, now, 2_000, Some(A2));
    assert_eq!(state(&a, 1), State::Up);
    assert_eq!(state(&b, 11), State::Up);
    assert_eq!(state(&a, 2), State::Down);
    assert_eq!(state(&b, 12), State::Down);
}

#[test]
fn the_neighbor_and_source_pair_is_the_key() {
    let (mut a, _) = hosts();
    // The same source again, or no source beside sourced sessions.
    for source in [Some(ip(A1)), Some(ip(A2)), None] {
        assert_eq!(
            a.add_with_source(key(B), source, config(3), Instant::ZERO),
            Err(AddError::DuplicatePeer(key(B))),
            "{source:?}"
        );
    }
    // A third source is another session.
    a.add_with_source(key(B), Some(ip("192.0.2.21")), config(3), Instant::ZERO)
        .unwrap();
    assert_eq!(a.len(), 3);

    // Without a source, a session excludes every other to that neighbor.
    let mut c = Sessions::new();
    c.add(key(B), config(1), Instant::ZERO).unwrap();
    assert_eq!(
        c.add_with_source(key(B), Some(ip(A1)), config(2), Instant::ZERO),
        Err(AddError::DuplicatePeer(key(B)))
    );
    // ...and takes every packet from it.
    assert_eq!(c.discriminator_for(&key(B), Some(ip(A2))), Some(1));
    assert_eq!(c.discriminator_for(&key(B), None), Some(1));
}

#[test]
fn packets_without_your_discriminator_go_by_destination() {
    let (mut a, _) = hosts();
    assert_eq!(a.discriminator_for(&key(B), Some(ip(A1))), Some(1));
    assert_eq!(a.discriminator_for(&key(B), Some(ip(A2))), Some(2));
    // To an address no session has, or unknown with two candidates: none.
    assert_eq!(a.discriminator_for(&key(B), Some(ip("192.0.2.99"))), None);
    assert_eq!(a.discriminator_for(&key(B), None), None);
    assert_eq!(a.discriminator_for(&key("192.0.2.3"), Some(ip(A1))), None);
    // One left: an unknown destination finds it; a rekeyed session keeps
    // its source.
    assert!(a.remove(2).is_some());
    assert_eq!(a.discriminator_for(&key(B), None), Some(1));
    assert_eq!(a.discriminator_for(&key(B), Some(ip(A2))), None);
    assert!(a.rekey(1, 7));
    assert_eq!(a.discriminator_for(&key(B), Some(ip(A1))), Some(7));
    assert_eq!(a.discriminator_of(&key(B)), Some(7));
    // The freed pair can be used again.
    a.add_with_source(key(B), Some(ip(A2)), config(2), Instant::ZERO)
        .unwrap();
    assert_eq!(a.discriminator_for(&key(B), Some(ip(A2))), Some(2));
}
