use super::*;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}
fn at(v: u64) -> Instant {
    Instant::from_millis(v)
}

/// Maximal jitter reduction never drawn: intervals are exact.
fn nj() -> impl FnMut() -> u32 {
    || 0
}

fn cfg(discr: u32) -> SessionConfig {
    SessionConfig {
        desired_min_tx: ms(300),
        required_min_rx: ms(300),
        detect_mult: 3,
        ..SessionConfig::new(discr)
    }
}

/// Delivers every pending packet of `from` to `to` at `now`; returns them.
fn pump(now: Instant, from: &mut Session, to: &mut Session) -> Vec<ControlPacket> {
    let mut sent = Vec::new();
    while let Some(p) = from.poll_transmit() {
        // Every emitted packet passes the receive checks.
        let mut buf = [0u8; 24];
        p.emit(&mut buf).unwrap();
        assert_eq!(ControlPacket::decode(&buf), Ok(p));
        to.handle_packet(now, &p, &mut nj()).unwrap();
        sent.push(p);
    }
    sent
}

fn events(s: &mut Session) -> Vec<(State, State, Diagnostic)> {
    core::iter::from_fn(|| s.poll_event())
        .map(|e| (e.from, e.to, e.diagnostic))
        .collect()
}

/// Brings two sessions Up with zero latency; returns them at t = 1 s.
fn up_pair() -> (Session, Session) {
    let mut a = Session::new(cfg(1), at(0)).unwrap();
    let mut b = Session::new(cfg(2), at(0)).unwrap();
    a.handle_timeout(at(0), &mut nj());
    b.handle_timeout(at(0), &mut nj());
    pump(at(0), &mut a, &mut b);
    pump(at(0), &mut b, &mut a);
    for s in [&mut a, &mut b] {
        s.handle_timeout(at(1000), &mut nj());
    }
    pump(at(1000), &mut a, &mut b);
    pump(at(1000), &mut b, &mut a);
    (a, b)
}

#[test]
fn three_way_handshake() {
    let mut a = Session::new(cfg(1), at(0)).unwrap();
    let mut b = Session::new(cfg(2), at(0)).unwrap();
    assert_eq!(a.poll_timeout(), Some(at(0)), "first packet due at once");
    a.handle_timeout(at(0), &mut nj());
    let sent = pump(at(0), &mut a, &mut b);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].state, State::Down);
    assert_eq!(sent[0].your_discriminator, 0);
    // §6.8.3: not Up, so at least one second is advertised.
    assert_eq!(sent[0].desired_min_tx, 1_000_000);
    assert_eq!(sent[0].required_min_rx, 300_000);
    assert_eq!(b.state(), State::Init, "Down + Down -> Init");
    assert_eq!(b.remote_discriminator(), 1);
    b.handle_timeout(at(0), &mut nj());
    let sent = pump(at(0), &mut b, &mut a);
    assert_eq!(
        (sent[0].state, sent[0].your_discriminator),
        (State::Init, 1)
    );
    assert_eq!(a.state(), State::Up, "Down + Init -> Up");
    // Up: the faster 300 ms applies at once (a decrease, §6.8.3) and is
    // announced by a poll sequence.
    assert!(a.poll_active());
    assert_eq!(a.poll_timeout(), Some(at(300)));
    a.handle_timeout(at(300), &mut nj());
    let sent = pump(at(300), &mut a, &mut b);
    assert_eq!(sent[0].state, State::Up);
    assert!(sent[0].poll);
    assert_eq!(sent[0].desired_min_tx, 300_000);
    assert_eq!(b.state(), State::Up, "Init + Up -> Up");
    assert_eq!(events(&mut a), [(State::Down, State::Up, Diagnostic::None)]);
    assert_eq!(
        events(&mut b),
        [
            (State::Down, State::Init, Diagnostic::None),
            (State::Init, State::Up, Diagnostic::None)
        ]
    );
}

#[test]
fn going_up_starts_a_poll_sequence_to_the_fast_timers() {
    let mut a = Session::new(cfg(1), at(0)).unwrap();
    let mut b = Session::new(cfg(2), at(0)).unwrap();
    a.handle_timeout(at(0), &mut nj());
    pump(at(0), &mut a, &mut b);
    b.handle_timeout(at(0), &mut nj());
    pump(at(0), &mut b, &mut a);
    assert_eq!((a.state(), b.state()), (State::Up, State::Init));
    assert!(a.poll_active() && !b.poll_active());
    // a's next periodic packet polls with its Up timers; b goes Up, answers
    // Final at once and starts its own poll.
    a.handle_timeout(at(300), &mut nj());
    let p = a.poll_transmit().unwrap();
    assert!(p.poll && !p.final_);
    b.handle_packet(at(300), &p, &mut nj()).unwrap();
    assert_eq!(b.state(), State::Up);
    assert!(b.poll_active());
    let f = b.poll_transmit().unwrap();
    assert!(
        f.final_ && !f.poll,
        "Final sent without waiting for the timer"
    );
    assert_eq!(b.poll_transmit(), None);
    a.handle_packet(at(300), &f, &mut nj()).unwrap();
    assert!(!a.poll_active());
    // §6.8.7: max(DesiredMinTx 300 ms, RemoteMinRx 300 ms).
    assert_eq!(a.transmit_interval(), Some(ms(300)));
    // b's own poll, answered by a.
    let t = b.poll_timeout().unwrap();
    b.handle_timeout(t, &mut nj());
    let p = b.poll_transmit().unwrap();
    assert!(p.poll);
    a.handle_packet(t, &p, &mut nj()).unwrap();
    b.handle_packet(t, &a.poll_transmit().unwrap(), &mut nj())
        .unwrap();
    assert!(!b.poll_active());
    assert_eq!(b.transmit_interval(), Some(ms(300)));
}

#[test]
fn detection_time_expiry_is_a_failure() {
    let (mut a, mut b) = up_pair();
    events(&mut a);
    // Finish both poll sequences so that 300 ms timers are in effect.
    for _ in 0..4 {
        let t = a.poll_timeout().unwrap().min(b.poll_timeout().unwrap());
        a.handle_timeout(t, &mut nj());
        b.handle_timeout(t, &mut nj());
        pump(t, &mut a, &mut b);
        pump(t, &mut b, &mut a);
        pump(t, &mut a, &mut b);
    }
    assert!(!a.poll_active() && !b.poll_active());
    // §6.8.4: remote Detect Mult 3 × max(300 ms, 300 ms).
    assert_eq!(a.detection_time(), Some(ms(900)));
    let last_rx = a.last_rx.unwrap();
    // b dies: a only runs its timers.
    let mut t = last_rx;
    while a.state() == State::Up {
        t = a.poll_timeout().unwrap();
        a.handle_timeout(t, &mut nj());
        while a.poll_transmit().is_some() {}
    }
    assert_eq!(t, last_rx + ms(900));
    let e = a.poll_event().unwrap();
    assert_eq!((e.from, e.to), (State::Up, State::Down));
    assert_eq!(e.diagnostic, Diagnostic::ControlDetectionTimeExpired);
    assert!(e.is_failure());
    assert_eq!(a.remote_discriminator(), 0, "§6.8.1: reset on expiry");
    // Back to the slow rate, with the diagnostic in the packets.
    a.handle_timeout(a.poll_timeout().unwrap(), &mut nj());
    let p = a.poll_transmit().unwrap();
    assert_eq!(
        (p.state, p.diagnostic),
        (State::Down, Diagnostic::ControlDetectionTimeExpired)
    );
    assert_eq!(p.desired_min_tx, 1_000_000);
    assert_eq!(p.your_discriminator, 0);
}

#[test]
fn remote_admin_down_is_not_a_failure() {
    let (mut a, mut b) = up_pair();
    events(&mut a);
    events(&mut b);
    b.set_admin_down(at(1100), true, &mut nj());
    assert_eq!(b.state(), State::AdminDown);
    let e = b.poll_event().unwrap();
    assert!(!e.is_failure(), "local AdminDown is not a failure either");
    b.handle_timeout(b.poll_timeout().unwrap(), &mut nj());
    let p = b.poll_transmit().unwrap();
    assert_eq!(
        (p.state, p.diagnostic),
        (State::AdminDown, Diagnostic::AdministrativelyDown)
    );
    a.handle_packet(at(2000), &p, &mut nj()).unwrap();
    assert_eq!(a.state(), State::Down);
    let e = a.poll_event().unwrap();
    assert_eq!((e.from, e.to), (State::Up, State::Down));
    assert_eq!(e.diagnostic, Diagnostic::NeighborSignaledSessionDown);
    assert!(e.remote_admin_down && !e.is_failure());
    // While AdminDown, b discards what it hears and stays put.
    a.handle_timeout(a.poll_timeout().unwrap(), &mut nj());
    let q = a.poll_transmit().unwrap();
    assert_eq!(
        b.handle_packet(at(2100), &q, &mut nj()),
        Err(Discard::AdminDown)
    );
    assert_eq!(b.state(), State::AdminDown);
    // Re-enabled, b is Down and the handshake starts again.
    b.set_admin_down(at(2200), false, &mut nj());
    assert_eq!(b.state(), State::Down);
    b.handle_packet(at(2300), &q, &mut nj()).unwrap();
    assert_eq!(b.state(), State::Init);
}

#[test]
fn remote_down_while_up_is_a_failure() {
    let (mut a, b) = up_pair();
    events(&mut a);
    let mut p = b.packet(false, false);
    p.state = State::Down;
    a.handle_packet(at(1100), &p, &mut nj()).unwrap();
    let e = a.poll_event().unwrap();
    assert_eq!(e.diagnostic, Diagnostic::NeighborSignaledSessionDown);
    assert!(e.is_failure());
}

#[test]
fn passive_waits_for_the_peer() {
    let mut p = Session::new(
        SessionConfig {
            passive: true,
            ..cfg(7)
        },
        at(0),
    )
    .unwrap();
    assert_eq!(p.poll_timeout(), None);
    p.handle_timeout(at(5000), &mut nj());
    assert_eq!(p.poll_transmit(), None);
    let mut a = Session::new(cfg(1), at(0)).unwrap();
    a.handle_timeout(at(0), &mut nj());
    pump(at(0), &mut a, &mut p);
    assert_eq!(p.state(), State::Init);
    assert_eq!(
        p.poll_timeout(),
        Some(at(0)),
        "sends once the peer is known"
    );
}

#[test]
fn wrong_discriminator_is_discarded_untouched() {
    let mut a = Session::new(cfg(1), at(0)).unwrap();
    let mut b = Session::new(cfg(2), at(0)).unwrap();
    b.handle_timeout(at(0), &mut nj());
    let mut p = b.poll_transmit().unwrap();
    p.your_discriminator = 99;
    assert_eq!(
        a.handle_packet(at(0), &p, &mut nj()),
        Err(Discard::WrongDiscriminator(99))
    );
    assert_eq!((a.state(), a.remote_discriminator()), (State::Down, 0));
}

#[test]
fn poll_from_the_peer_is_answered_with_final() {
    let mut a = Session::new(cfg(1), at(0)).unwrap();
    let mut b = Session::new(cfg(2), at(0)).unwrap();
    b.handle_timeout(at(0), &mut nj());
    let mut p = b.poll_transmit().unwrap();
    p.poll = true;
    a.handle_packet(at(10), &p, &mut nj()).unwrap();
    let f = a.poll_transmit().unwrap();
    assert!(f.final_ && !f.poll);
    assert_eq!(f.your_discriminator, 2);
}

#[test]
fn remote_min_rx_zero_stops_periodic_transmission() {
    let mut a = Session::new(cfg(1), at(0)).unwrap();
    let mut b = Session::new(
        SessionConfig {
            required_min_rx: Duration::ZERO,
            ..cfg(2)
        },
        at(0),
    )
    .unwrap();
    b.handle_timeout(at(0), &mut nj());
    pump(at(0), &mut b, &mut a);
    assert_eq!(a.transmit_interval(), None);
    a.handle_timeout(at(0), &mut nj()); // the first packet was due at 0 already
    while a.poll_transmit().is_some() {}
    a.handle_timeout(at(10_000), &mut nj());
    assert_eq!(a.poll_transmit(), None);
}

#[test]
fn slower_tx_while_up_waits_for_the_final() {
    let (mut a, mut b) = up_pair();
    // Complete a's first poll sequence.
    let t = a.poll_timeout().unwrap();
    a.handle_timeout(t, &mut nj());
    pump(t, &mut a, &mut b);
    pump(t, &mut b, &mut a);
    assert!(!a.poll_active());
    assert_eq!(a.transmit_interval(), Some(ms(300)));
    a.set_timers(t, ms(500), ms(300), &mut nj()).unwrap();
    assert!(a.poll_active());
    assert_eq!(
        a.transmit_interval(),
        Some(ms(300)),
        "increase deferred (§6.8.3)"
    );
    let t2 = a.poll_timeout().unwrap();
    a.handle_timeout(t2, &mut nj());
    let p = a.poll_transmit().unwrap();
    assert!(p.poll);
    assert_eq!(p.desired_min_tx, 500_000);
    b.handle_packet(t2, &p, &mut nj()).unwrap();
    let f = b.poll_transmit().unwrap();
    a.handle_packet(t2, &f, &mut nj()).unwrap();
    assert!(!a.poll_active());
    assert_eq!(a.transmit_interval(), Some(ms(500)));
    // A faster one applies at once.
    a.set_timers(t2, ms(100), ms(300), &mut nj()).unwrap();
    assert_eq!(
        a.transmit_interval(),
        Some(ms(300)),
        "bounded by the peer's RequiredMinRx"
    );
    assert_eq!(a.tx_in_effect, ms(100));
}

#[test]
fn slow_rate_while_not_up() {
    // A lone session: never Up, packets at least 750 ms apart (1 s minus
    // at most 25 % jitter), whatever the configured 10 ms.
    let mut a = Session::new(SessionConfig::new(1), at(0)).unwrap();
    let mut r = 0x1234_5678u32;
    let mut rnd = move || {
        r = r.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        r
    };
    let mut times = Vec::new();
    while times.len() < 50 {
        let t = a.poll_timeout().unwrap();
        a.handle_timeout(t, &mut rnd);
        if a.poll_transmit().is_some() {
            times.push(t);
        }
    }
    let gaps: Vec<u64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_micros())
        .collect();
    assert!(
        gaps.iter().all(|&g| (750_000..=1_000_000).contains(&g)),
        "{gaps:?}"
    );
    assert!(gaps.iter().any(|&g| g < 900_000), "jitter is applied");
}

#[test]
fn jitter_bounds() {
    let s = Duration::from_secs(1);
    assert_eq!(jittered(s, 3, 0), s);
    assert_eq!(jittered(s, 3, u32::MAX).as_micros(), 750_001);
    assert_eq!(jittered(s, 1, 0).as_micros(), 900_000);
    assert_eq!(jittered(s, 1, u32::MAX).as_micros(), 750_001);
    assert_eq!(jittered(s, 3, 1 << 31).as_micros(), 875_000);
}

#[test]
fn config_is_checked() {
    let bad = |c: SessionConfig| Session::new(c, at(0)).map(|_| ()).unwrap_err();
    assert_eq!(bad(SessionConfig::new(0)), ConfigError::ZeroDiscriminator);
    assert_eq!(
        bad(SessionConfig {
            detect_mult: 0,
            ..cfg(1)
        }),
        ConfigError::ZeroDetectMult
    );
    assert_eq!(
        bad(SessionConfig {
            desired_min_tx: Duration::ZERO,
            ..cfg(1)
        }),
        ConfigError::ZeroDesiredMinTx
    );
    assert_eq!(
        bad(SessionConfig {
            idle_tx: ms(999),
            ..cfg(1)
        }),
        ConfigError::IdleTxBelowOneSecond(ms(999))
    );
    let long = Duration::from_micros(u64::from(u32::MAX) + 1);
    assert_eq!(
        bad(SessionConfig {
            required_min_rx: long,
            ..cfg(1)
        }),
        ConfigError::IntervalTooLong(long)
    );
}

proptest::proptest! {
    #[test]
    fn jitter_stays_in_range(us in 1u64..=u64::from(u32::MAX), mult in 1u8..=255, r: u32) {
        let iv = Duration::from_micros(us);
        let j = jittered(iv, mult, r).as_micros();
        let hi = if mult == 1 { us * 90 / 100 } else { us };
        proptest::prop_assert!(j <= hi && j * 4 >= us * 3, "{} -> {}", us, j);
    }
}

#[test]
fn state_diagram_of_6_2() {
    let peer = |state| ControlPacket {
        diagnostic: Diagnostic::None,
        state,
        poll: false,
        final_: false,
        control_plane_independent: false,
        demand: false,
        detect_mult: 3,
        my_discriminator: 9,
        your_discriminator: if state <= State::Down { 0 } else { 1 },
        desired_min_tx: 300_000,
        required_min_rx: 300_000,
        required_min_echo_rx: 0,
    };
    let session_in = |state: State| {
        let mut s = Session::new(cfg(1), at(0)).unwrap();
        let path: &[State] = match state {
            State::Down => &[],
            State::Init => &[State::Down],
            _ => &[State::Down, State::Init],
        };
        for &p in path {
            s.handle_packet(at(0), &peer(p), &mut nj()).unwrap();
        }
        assert_eq!(s.state(), state);
        events(&mut s);
        s
    };
    use State::*;
    let expected = [
        // (local, received, new local state)
        (Down, AdminDown, Down),
        (Down, Down, Init),
        (Down, Init, Up),
        (Down, Up, Down),
        (Init, AdminDown, Down),
        (Init, Down, Init),
        (Init, Init, Up),
        (Init, Up, Up),
        (Up, AdminDown, Down),
        (Up, Down, Down),
        (Up, Init, Up),
        (Up, Up, Up),
    ];
    for (local, received, new) in expected {
        let mut s = session_in(local);
        s.handle_packet(at(1), &peer(received), &mut nj()).unwrap();
        assert_eq!(s.state(), new, "{local:?} + {received:?}");
        assert_eq!(
            s.poll_event().is_some(),
            local != new,
            "{local:?} + {received:?}"
        );
        if new == Down && local != Down {
            assert_eq!(
                s.local_diagnostic(),
                Diagnostic::NeighborSignaledSessionDown
            );
        }
    }
}
