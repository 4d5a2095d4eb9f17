//! Two hosts, A and B, each with a [`Sessions`], run against each other in
//! virtual time: the loop the demultiplexing tests share. What a packet
//! carries on the way (its receive metadata, the address it was sent to)
//! and whether it is lost is each test's, through the `deliver` callback of
//! [`run`].

use bfd_core::packet::{ControlPacket, HEADER_LEN, State};
use bfd_core::time::{Duration, Instant};
use bfd_core::{PeerKey, SessionConfig, Sessions};

/// The host a packet comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// Host A, the first argument of [`run`].
    A,
    /// Host B, the second.
    B,
}

/// A packet on its way from one host to the other.
pub struct Wire<'a> {
    /// The sender.
    pub from: Host,
    /// The sender's key of the session that sent it.
    pub peer: PeerKey,
    /// The packet as sent.
    pub packet: &'a ControlPacket,
    /// Its bytes on the wire.
    pub bytes: &'a [u8],
    /// The receiving host's sessions.
    pub to: &'a mut Sessions,
    /// The virtual time it arrives at (at once).
    pub now: Instant,
}

/// The jitter of these runs: always the middle of the range.
pub fn jitter() -> u32 {
    0x8000_0000
}

/// A session of `discr` sending and expecting a packet every 100 ms,
/// Detection Time 300 ms.
pub fn config(discr: u32) -> SessionConfig {
    SessionConfig {
        desired_min_tx: Duration::from_millis(100),
        required_min_rx: Duration::from_millis(100),
        detect_mult: 3,
        ..SessionConfig::new(discr)
    }
}

/// The state of session `discr` of `s`.
pub fn state(s: &Sessions, discr: u32) -> State {
    s.get(discr).unwrap().state()
}

/// Runs both hosts for `ms` milliseconds of virtual time from `from` in
/// 1 ms steps: each step fires both hosts' timers, then hands every packet
/// A sends, then every packet B sends, to `deliver` (which hands it to the
/// receiver, or drops it), and discards both hosts' events. Returns the
/// time reached.
pub fn run(
    a: &mut Sessions,
    b: &mut Sessions,
    from: Instant,
    ms: u64,
    mut deliver: impl FnMut(Wire<'_>),
) -> Instant {
    let mut jitter = jitter;
    let mut now = from;
    for _ in 0..ms {
        now += Duration::from_millis(1);
        a.handle_timeout(now, &mut jitter);
        b.handle_timeout(now, &mut jitter);
        for sender in [Host::A, Host::B] {
            let (tx, rx) = match sender {
                Host::A => (&mut *a, &mut *b),
                Host::B => (&mut *b, &mut *a),
            };
            while let Some((peer, packet)) = tx.poll_transmit() {
                let mut buf = [0u8; HEADER_LEN];
                let len = packet.emit(&mut buf).unwrap();
                deliver(Wire {
                    from: sender,
                    peer,
                    packet: &packet,
                    bytes: &buf[..len],
                    to: &mut *rx,
                    now,
                });
            }
        }
        while a.poll_event().is_some() {}
        while b.poll_event().is_some() {}
    }
    now
}
