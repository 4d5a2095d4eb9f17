//! A deterministic two-node simulation on virtual time: 1 ms latency,
//! optional loss, a peer that dies, a peer that goes AdminDown.

#![allow(clippy::unwrap_used)] // tests may unwrap
use bfd_core::packet::{Diagnostic, HEADER_LEN, State};
use bfd_core::time::{Duration, Instant};
use bfd_core::{Discard, Event, PeerKey, RxError, RxMeta, SessionConfig, Sessions};

const LATENCY: Duration = Duration::from_millis(1);

/// A small deterministic generator for jitter and loss.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 32) as u32
    }
}

struct Node {
    sessions: Sessions,
    me: PeerKey,
    alive: bool,
    sent: u32,
    events: Vec<Event>,
    last_rx: Option<Instant>,
}

struct Sim {
    now: Instant,
    nodes: [Node; 2],
    /// (deliver at, to node, bytes)
    wire: Vec<(Instant, usize, [u8; HEADER_LEN])>,
    rng: Lcg,
    loss_percent: u32,
}

fn addr(i: u8) -> PeerKey {
    PeerKey {
        remote: format!("192.0.2.{i}").parse().unwrap(),
        ifindex: 0,
        multihop: false,
    }
}

fn config(discr: u32) -> SessionConfig {
    SessionConfig {
        desired_min_tx: Duration::from_millis(300),
        required_min_rx: Duration::from_millis(300),
        detect_mult: 3,
        ..SessionConfig::new(discr)
    }
}

impl Sim {
    fn new(loss_percent: u32, seed: u64) -> Sim {
        let node = |me: u8, peer: u8, discr: u32| {
            let mut sessions = Sessions::new();
            sessions
                .add(addr(peer), config(discr), Instant::ZERO)
                .unwrap();
            Node {
                sessions,
                me: addr(me),
                alive: true,
                sent: 0,
                events: Vec::new(),
                last_rx: None,
            }
        };
        Sim {
            now: Instant::ZERO,
            nodes: [node(1, 2, 0x1111), node(2, 1, 0x2222)],
            wire: Vec::new(),
            rng: Lcg(seed),
            loss_percent,
        }
    }

    fn state(&self, i: usize) -> State {
        let s = &self.nodes[i].sessions;
        let d = s
            .discriminator_of(&addr(if i == 0 { 2 } else { 1 }))
            .unwrap();
        s.get(d).unwrap().state()
    }

    fn flush(&mut self, i: usize) {
        let now = self.now;
        while let Some((_, pkt)) = self.nodes[i].sessions.poll_transmit() {
            let mut buf = [0u8; HEADER_LEN];
            pkt.emit(&mut buf).unwrap();
            self.nodes[i].sent += 1;
            let lost = self.rng.next() % 100 < self.loss_percent;
            if !lost {
                self.wire.push((now + LATENCY, 1 - i, buf));
            }
        }
        while let Some((_, e)) = self.nodes[i].sessions.poll_event() {
            self.nodes[i].events.push(e);
        }
    }

    /// Advances to the next deadline or delivery, up to `until`.
    fn step(&mut self, until: Instant) -> bool {
        let next = self
            .nodes
            .iter()
            .filter(|n| n.alive)
            .filter_map(|n| n.sessions.poll_timeout())
            .chain(self.wire.iter().map(|w| w.0))
            .min();
        let Some(t) = next.filter(|&t| t <= until) else {
            self.now = until;
            return false;
        };
        self.now = t;
        let due: Vec<_> = self.wire.iter().filter(|w| w.0 <= t).copied().collect();
        self.wire.retain(|w| w.0 > t);
        for (_, to, bytes) in due {
            if !self.nodes[to].alive {
                continue;
            }
            let from = self.nodes[1 - to].me;
            let rx = RxMeta {
                peer: from,
                ttl: 255,
            };
            let mut rng = || self.rng.next();
            let r = self.nodes[to]
                .sessions
                .handle_datagram(t, rx, &bytes, &mut rng);
            // The only drop expected here: an AdminDown session discards.
            if let Err(e) = r {
                assert_eq!(e, RxError::Session(Discard::AdminDown));
            }
            self.nodes[to].last_rx = Some(t);
            self.flush(to);
        }
        for i in 0..2 {
            if self.nodes[i].alive {
                let mut rng = || self.rng.next();
                self.nodes[i].sessions.handle_timeout(t, &mut rng);
                self.flush(i);
            }
        }
        true
    }

    fn run_until(&mut self, until: Instant) {
        while self.step(until) {}
    }

    fn run_while(&mut self, until: Instant, mut cond: impl FnMut(&Sim) -> bool) {
        while cond(self) && self.step(until) {}
    }
}

#[test]
fn sessions_come_up_in_two_packets_each() {
    let mut sim = Sim::new(0, 1);
    sim.run_while(Instant::from_secs(10), |s| {
        s.state(0) != State::Up || s.state(1) != State::Up
    });
    assert_eq!((sim.state(0), sim.state(1)), (State::Up, State::Up));
    // Both send Down at t=0 and go Init on receipt; the first periodic Init
    // (within the jittered slow second) brings the other side Up, whose
    // interval drops to 300 ms so that its Up (with P) goes at once and
    // brings the first side Up; that side answers Final. Five packets.
    let sent = [sim.nodes[0].sent, sim.nodes[1].sent];
    assert_eq!(sent[0] + sent[1], 5, "{sent:?}");
    assert!(sent.contains(&2) && sent.contains(&3), "{sent:?}");
    assert!(sim.now <= Instant::from_millis(1001), "{}", sim.now);
    assert!(sim.now >= Instant::from_millis(751), "{}", sim.now);
    for n in &sim.nodes {
        let trail: Vec<_> = n.events.iter().map(|e| (e.from, e.to)).collect();
        assert_eq!(
            trail,
            [(State::Down, State::Init), (State::Init, State::Up)]
        );
    }
    // Stays Up without loss, at the negotiated 300 ms: in 30 s about 100
    // more packets each (75-100 % of 300 ms).
    let before = sim.nodes[0].sent;
    sim.run_until(sim.now + Duration::from_secs(30));
    assert_eq!((sim.state(0), sim.state(1)), (State::Up, State::Up));
    let sent = sim.nodes[0].sent - before;
    assert!((100..=134).contains(&sent), "{sent} packets in 30 s");
    assert!(sim.nodes.iter().all(|n| n.events.len() == 2));
}

#[test]
fn dead_peer_is_detected_within_detect_mult_intervals() {
    let mut sim = Sim::new(0, 2);
    sim.run_until(Instant::from_secs(5));
    assert_eq!((sim.state(0), sim.state(1)), (State::Up, State::Up));
    sim.nodes[1].alive = false;
    let died = sim.now;
    sim.run_while(Instant::from_secs(10), |s| s.state(0) == State::Up);
    let e = *sim.nodes[0].events.last().unwrap();
    assert_eq!((e.from, e.to), (State::Up, State::Down));
    assert_eq!(e.diagnostic, Diagnostic::ControlDetectionTimeExpired);
    assert!(e.is_failure());
    // Detect mult 3 × negotiated 300 ms after the last packet heard.
    let last = sim.nodes[0].last_rx.unwrap();
    assert!(last <= died);
    assert_eq!(e.at - last, Duration::from_millis(900));
    assert!(e.at - died <= Duration::from_millis(900));
}

#[test]
fn admin_down_is_not_a_failure_for_the_peer() {
    let mut sim = Sim::new(0, 3);
    sim.run_until(Instant::from_secs(5));
    assert_eq!(sim.state(0), State::Up);
    let d = sim.nodes[1].sessions.discriminator_of(&addr(1)).unwrap();
    let now = sim.now;
    sim.nodes[1]
        .sessions
        .get_mut(d)
        .unwrap()
        .set_admin_down(now, true, &mut || 0);
    sim.flush(1);
    sim.run_until(now + Duration::from_secs(5));
    assert_eq!(sim.state(1), State::AdminDown);
    assert_eq!(sim.state(0), State::Down);
    let e = *sim.nodes[0].events.last().unwrap();
    assert_eq!((e.from, e.to), (State::Up, State::Down));
    assert_eq!(e.diagnostic, Diagnostic::NeighborSignaledSessionDown);
    assert!(e.remote_admin_down);
    assert!(!sim.nodes[0].events.iter().any(Event::is_failure));
    // AdminDown is signalled at the slow rate: A stays Down, not Init.
    assert!(sim.nodes[0].events.len() == 3, "{:?}", sim.nodes[0].events);
}

#[test]
fn with_loss_detection_never_fires_while_packets_arrive() {
    let mut detections = 0;
    for seed in 0..8 {
        let mut sim = Sim::new(20, seed);
        let mut downs = 0;
        let mut up_seen = false;
        let end = Instant::from_secs(60);
        let mut seen = [0usize; 2];
        while sim.step(end) {
            for (node, seen) in sim.nodes.iter().zip(seen.iter_mut()) {
                for e in &node.events[*seen..] {
                    up_seen |= e.to == State::Up;
                    if e.is_failure() {
                        downs += 1;
                    }
                    if e.diagnostic == Diagnostic::ControlDetectionTimeExpired
                        && e.to == State::Down
                    {
                        detections += 1;
                        // Detection means 900 ms without any packet.
                        let last = node.last_rx.unwrap();
                        assert!(e.at - last >= Duration::from_millis(900), "seed {seed}");
                    }
                }
                *seen = node.events.len();
            }
        }
        assert!(up_seen, "seed {seed}: never Up at 20 % loss");
        // 20 % loss with detect mult 3: a detection needs three or four
        // losses in a row (0.8 %, 0.16 %), so a few per minute, each also
        // seen by the peer as a signalled Down (2 to 8 per seed here).
        assert!(downs < 20, "seed {seed}: {downs} failures");
    }
    assert!(detections > 0, "the timing check above ran");
}

#[test]
fn demux_and_ttl() {
    let mut s = Sessions::new();
    s.add(addr(2), config(7), Instant::ZERO).unwrap();
    assert!(s.add(addr(3), config(7), Instant::ZERO).is_err());
    assert!(s.add(addr(2), config(8), Instant::ZERO).is_err());
    let mut peer = Sessions::new();
    peer.add(addr(1), config(9), Instant::ZERO).unwrap();
    peer.handle_timeout(Instant::ZERO, &mut || 0);
    let (_, p) = peer.poll_transmit().unwrap();
    let mut buf = [0u8; HEADER_LEN];
    p.emit(&mut buf).unwrap();
    let rx = |i, ttl| RxMeta { peer: addr(i), ttl };
    let t = Instant::ZERO;
    assert_eq!(
        s.handle_datagram(t, rx(2, 254), &buf, &mut || 0),
        Err(RxError::Ttl(254))
    );
    // Your Discriminator 0: by peer address.
    assert_eq!(
        s.handle_datagram(t, rx(4, 255), &buf, &mut || 0),
        Err(RxError::UnknownPeer(addr(4)))
    );
    assert_eq!(s.handle_datagram(t, rx(2, 255), &buf, &mut || 0), Ok(7));
    assert_eq!(s.get(7).unwrap().state(), State::Init);
    // Nonzero Your Discriminator: by discriminator.
    let mut q = p;
    q.state = State::Init;
    q.your_discriminator = 8;
    q.emit(&mut buf).unwrap();
    assert_eq!(
        s.handle_datagram(t, rx(2, 255), &buf, &mut || 0),
        Err(RxError::UnknownDiscriminator(8))
    );
    q.your_discriminator = 7;
    q.emit(&mut buf).unwrap();
    assert_eq!(
        s.handle_datagram(t, rx(3, 255), &buf, &mut || 0),
        Err(RxError::PeerMismatch {
            discriminator: 7,
            from: addr(3)
        })
    );
    assert_eq!(s.handle_datagram(t, rx(2, 255), &buf, &mut || 0), Ok(7));
    assert_eq!(s.get(7).unwrap().state(), State::Up);
    let (d, e) = s.poll_event().unwrap();
    assert_eq!((d, e.to), (7, State::Init));
    assert_eq!(s.poll_event().unwrap().1.to, State::Up);
    assert!(s.remove(7).is_some());
    assert!(s.is_empty());
    assert_eq!(
        s.handle_datagram(t, rx(2, 255), &buf, &mut || 0),
        Err(RxError::UnknownDiscriminator(7))
    );
}

#[test]
fn admin_down_through_get_mut_is_reported() {
    let mut s = Sessions::new();
    s.add(addr(2), config(7), Instant::ZERO).unwrap();
    s.get_mut(7)
        .unwrap()
        .set_admin_down(Instant::ZERO, true, &mut || 0);
    let (d, e) = s.poll_event().unwrap();
    assert_eq!((d, e.from, e.to), (7, State::Down, State::AdminDown));
    assert_eq!(e.diagnostic, Diagnostic::AdministrativelyDown);
    assert!(s.poll_event().is_none());
    // Its first packet says so.
    s.handle_timeout(Instant::ZERO, &mut || 0);
    let (to, p) = s.poll_transmit().unwrap();
    assert_eq!((to, p.state), (addr(2), State::AdminDown));
    assert!(s.poll_transmit().is_none());
}

#[test]
fn rekey_keeps_the_session_and_the_peer_follows() {
    let mut sim = Sim::new(0, 7);
    sim.run_until(Instant::from_secs(5));
    assert_eq!((sim.state(0), sim.state(1)), (State::Up, State::Up));
    let s0 = &mut sim.nodes[0].sessions;
    assert!(!s0.rekey(0x1111, 0), "0 is no discriminator");
    assert!(!s0.rekey(0x9999, 0x3333), "no such session");
    assert!(s0.rekey(0x1111, 0x3333));
    assert!(s0.get(0x1111).is_none());
    assert_eq!(s0.discriminator_of(&addr(2)), Some(0x3333));
    assert_eq!(s0.get(0x3333).unwrap().config().local_discriminator, 0x3333);
    // The peer learns it from the next packet and nothing flaps.
    sim.run_until(sim.now + Duration::from_secs(2));
    assert_eq!((sim.state(0), sim.state(1)), (State::Up, State::Up));
    let s1 = &sim.nodes[1].sessions;
    assert_eq!(s1.get(0x2222).unwrap().remote_discriminator(), 0x3333);
    assert!(sim.nodes.iter().all(|n| n.events.len() == 2));
}
