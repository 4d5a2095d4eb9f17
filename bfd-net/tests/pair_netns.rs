//! Two `BfdRunner`s in two namespaces over a veth pair: Up, a path failure
//! made with nftables detected within the Detection Time, recovery; and
//! hostile datagrams (TTL 254, malformed) counted by reason (root only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use bfd_net::{BfdEvent, Diagnostic, PeerSpec, State};
use common::*;

const A: &str = "10.77.1.1";
const B: &str = "10.77.1.2";

fn spec(name: &str, neighbor: &str, source: &str) -> PeerSpec {
    PeerSpec::new(name, neighbor.parse().unwrap())
        .with_source(source.parse().unwrap())
        .with_intervals(Duration::from_millis(100), Duration::from_millis(100))
        .with_multiplier(3)
}

/// Detection Time 3 × 100 ms. The Down event must come no later than
/// that after the rule is in place (when the `nft` run returned) plus this
/// tolerance for thread scheduling on a loaded 2-core machine, and no
/// earlier than the Detection Time less one transmit interval (the last
/// packet that got through left at most 100 ms before `nft` started) less
/// 50 ms.
const TOLERANCE: Duration = Duration::from_millis(250);

#[test]
fn pair_up_path_failure_and_recovery() {
    if skip_netns_test("bfd-net pair_netns", &["ip", "nft"]) {
        return;
    }
    let (na, nb) = pair("bn-pa", "bn-pb", &format!("{A}/24"), &format!("{B}/24"));
    let ra = NsBfd::start(&na, vec![spec("to-b", B, A)]);
    let rb = NsBfd::start(&nb, vec![spec("to-a", A, B)]);
    let is_up = |e: &BfdEvent| matches!(e, BfdEvent::Up { .. });
    let t0 = Instant::now();
    assert!(
        ra.wait_event(Duration::from_secs(10), is_up).is_some(),
        "A not Up"
    );
    assert!(
        rb.wait_event(Duration::from_secs(10), is_up).is_some(),
        "B not Up"
    );
    eprintln!("both Up after {:?}", t0.elapsed());
    // A goes Up on B's Init and records B's Up only from B's next packet
    // (at most one transmit interval later).
    let sa = ra
        .wait_status("to-b", Duration::from_secs(2), |s| {
            (s.local_state, s.remote_state) == (State::Up, State::Up)
        })
        .expect("A does not see B Up");
    let sb = rb.session("to-a");
    assert_eq!(sa.remote_discriminator, sb.local_discriminator);
    assert_eq!(sb.remote_discriminator, sa.local_discriminator);
    assert_eq!(sa.tx_interval, Some(Duration::from_millis(100)));
    assert_eq!(sa.detection_time, Some(Duration::from_millis(300)));
    assert!(
        (49152..=65535).contains(&sa.source_port),
        "{}",
        sa.source_port
    );
    assert!(sa.packets_in > 0 && sa.packets_out > 0);
    assert_eq!(sa.discards.total(), 0, "{:?}", sa.discards);

    // Path failure: A's packets are dropped inside A's namespace.
    let (before, cut) = drop_bfd_out(&na);
    let (at, ev) = rb
        .wait_event(Duration::from_secs(5), |e| {
            matches!(e, BfdEvent::Down { .. })
        })
        .expect("no Down event on B");
    let took = at.duration_since(cut);
    let since_start = at.duration_since(before);
    eprintln!("B Down {took:?} after the rule was in place, {since_start:?} after nft started");
    assert_eq!(
        ev,
        BfdEvent::Down {
            name: "to-a".into(),
            diagnostic: Diagnostic::ControlDetectionTimeExpired
        }
    );
    assert!(took <= Duration::from_millis(300) + TOLERANCE, "{took:?}");
    assert!(since_start >= Duration::from_millis(150), "{since_start:?}");
    // A hears B go Down: a failure on A's side too (the peer did not
    // signal AdminDown).
    let (_, ev) = ra
        .wait_event(Duration::from_secs(3), |e| {
            matches!(e, BfdEvent::Down { .. })
        })
        .expect("no Down event on A");
    assert_eq!(
        ev,
        BfdEvent::Down {
            name: "to-b".into(),
            diagnostic: Diagnostic::NeighborSignaledSessionDown
        }
    );

    // Recovery.
    allow_bfd_out(&na);
    assert!(
        ra.wait_event(Duration::from_secs(10), is_up).is_some(),
        "A not Up again"
    );
    assert!(
        rb.wait_event(Duration::from_secs(10), is_up).is_some(),
        "B not Up again"
    );
    let sa2 = ra.session("to-b");
    assert_eq!(sa2.source_port, sa.source_port, "source port changed");
    // keepalived picks a new local discriminator when a session falls from
    // Up (bfd_scheduler.c `bfd_state_down`); so does bfd-net, and B learns
    // it from A's packets.
    assert_ne!(sa2.local_discriminator, sa.local_discriminator);
    rb.wait_status("to-a", Duration::from_secs(3), |s| {
        s.remote_discriminator == sa2.local_discriminator
    })
    .unwrap_or_else(|| {
        panic!(
            "B does not know A's new discriminator: {:?}",
            rb.session("to-a")
        )
    });
    assert_eq!((sa2.up_events, sa2.down_events), (2, 1));

    // keepalived-like shutdown: nothing more sent, B's Detection Time
    // expires.
    ra.stop(false);
    let (_, ev) = rb
        .wait_event(Duration::from_secs(3), |e| {
            matches!(e, BfdEvent::Down { .. })
        })
        .expect("no Down on B after A's shutdown");
    assert_eq!(
        ev,
        BfdEvent::Down {
            name: "to-a".into(),
            diagnostic: Diagnostic::ControlDetectionTimeExpired
        }
    );
}

#[test]
fn graceful_shutdown_is_no_failure_for_the_peer() {
    if skip_netns_test("bfd-net pair_netns", &["ip"]) {
        return;
    }
    let (na, nb) = pair("bn-ga", "bn-gb", "10.77.2.1/24", "10.77.2.2/24");
    let ra = NsBfd::start(&na, vec![spec("g", "10.77.2.2", "10.77.2.1")]);
    let rb = NsBfd::start(&nb, vec![spec("g", "10.77.2.1", "10.77.2.2")]);
    let is_up = |e: &BfdEvent| matches!(e, BfdEvent::Up { .. });
    assert!(ra.wait_event(Duration::from_secs(10), is_up).is_some());
    assert!(rb.wait_event(Duration::from_secs(10), is_up).is_some());
    ra.stop(true);
    let s = rb
        .wait_status("g", Duration::from_secs(3), |s| {
            s.local_state == State::Down
        })
        .expect("B did not go Down");
    assert_eq!(s.local_diagnostic, Diagnostic::NeighborSignaledSessionDown);
    assert_eq!(s.remote_state, State::AdminDown);
    assert!(
        rb.next_event(Duration::from_secs(1)).is_none(),
        "an event after the peer's AdminDown"
    );
    assert_eq!(rb.session("g").down_events, 0);
}

/// A valid-looking control packet: state `state`, My Discriminator `my`,
/// Your Discriminator `your`, 100 ms timers, Detect Mult 3.
fn packet(state: u8, my: u32, your: u32) -> Vec<u8> {
    let mut p = vec![0x20, state << 6, 3, 24];
    p.extend_from_slice(&my.to_be_bytes());
    p.extend_from_slice(&your.to_be_bytes());
    p.extend_from_slice(&100_000u32.to_be_bytes());
    p.extend_from_slice(&100_000u32.to_be_bytes());
    p.extend_from_slice(&0u32.to_be_bytes());
    p
}

#[test]
fn hostile_datagrams_are_counted_by_reason() {
    if skip_netns_test("bfd-net pair_netns hostile", &["ip", "python3"]) {
        return;
    }
    let (na, nb) = pair("bn-ha", "bn-hb", "10.77.3.1/24", "10.77.3.2/24");
    // A has a session with B; nothing runs in B but the python sender.
    let ra = NsBfd::start(&na, vec![spec("h", "10.77.3.2", "10.77.3.1")]);
    let me = ra.session("h").local_discriminator;
    let dst = "10.77.3.1";

    // TTL 254: dropped by the keepalived rule (254 + max_hops 0 < 255).
    send_udp(&nb, dst, 3784, 254, &packet(1, 0x5151, 0));
    let s = ra
        .wait_status("h", Duration::from_secs(3), |s| s.discards.ttl == 1)
        .expect("TTL 254 not counted");
    assert_eq!(s.packets_in, 0);
    assert_eq!(s.local_state, State::Down);

    let mut v2 = packet(1, 0x5151, 0);
    v2[0] = 0x40;
    let mut auth = packet(1, 0x5151, 0);
    auth[1] |= 0x04;
    auth[3] = 26;
    auth.extend_from_slice(&[1, 2]);
    let mut short_len = packet(1, 0x5151, 0);
    short_len[3] = 20;
    let mut zero_mult = packet(1, 0x5151, 0);
    zero_mult[2] = 0;
    let cases: Vec<Vec<u8>> = vec![
        vec![0x20, 0x40, 3],                 // truncated
        packet(1, 0x5151, 0)[..23].to_vec(), // truncated
        v2,
        auth,
        short_len,
        zero_mult,
        packet(1, 0x5151, me ^ 0xffff_0000), // unknown discriminator
        vec![0xff; 300],                     // garbage
    ];
    for c in &cases {
        send_udp(&nb, dst, 3784, 255, c);
    }
    let s = ra
        .wait_status("h", Duration::from_secs(3), |s| s.discards.total() == 9)
        .unwrap_or_else(|| panic!("{:?}", ra.session("h").discards));
    let d = s.discards;
    assert_eq!(
        (
            d.ttl,
            d.truncated,
            d.version,
            d.authentication,
            d.length,
            d.invalid,
            d.unknown_session
        ),
        (1, 2, 2, 1, 1, 1, 1),
        "{d:?}"
    );
    assert_eq!(s.packets_in, 0);
    assert_eq!(s.local_state, State::Down);

    // With max_hops 1 the same TTL 254 packet is accepted: A goes Init.
    let respec = spec("h", "10.77.3.2", "10.77.3.1").with_max_hops(1);
    ra.reconfigure(vec![respec]).unwrap();
    send_udp(&nb, dst, 3784, 254, &packet(1, 0x5151, 0));
    let s = ra
        .wait_status("h", Duration::from_secs(3), |s| s.packets_in == 1)
        .expect("TTL 254 with max_hops 1 not accepted");
    assert_eq!(s.local_state, State::Init);
    assert_eq!(s.remote_discriminator, 0x5151);
    assert_eq!(
        s.local_discriminator, me,
        "reconfigure restarted the session"
    );
    assert_eq!(s.discards.ttl, 1);
}
