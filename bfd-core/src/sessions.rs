//! [`Sessions`]: every BFD session of a host behind one sans-IO interface,
//! with the demultiplexing of RFC 5880 §6.8.6 and RFC 5881 §3 and the TTL
//! check of RFC 5881 §5.

use alloc::collections::{BTreeMap, VecDeque};
use core::net::IpAddr;

use crate::packet::{self, ControlPacket, ParseError};
use crate::session::{ConfigError, Discard, Event, Jitter, Session, SessionConfig};
use crate::time::Instant;

/// Where a session's packets come from: the peer's address, the interface
/// (RFC 5881 §3 selects a single-hop session by "source address ... and the
/// interface" when Your Discriminator is zero) and the kind of session. A
/// single-hop and a multihop session (RFC 5883, its own UDP port) to one
/// neighbor are two sessions, as in keepalived 2.2.8 (bfd_data.c
/// `find_bfd_by_addr` compares `multihop`). `ifindex` 0 means the caller
/// does not distinguish interfaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerKey {
    /// The peer's address (keepalived's `neighbor_ip`).
    pub remote: IpAddr,
    /// The interface index, or 0.
    pub ifindex: u32,
    /// A multihop session (RFC 5883): its packets arrive on the multihop
    /// port; the caller sets it from the socket a datagram came in on.
    pub multihop: bool,
}

impl PeerKey {
    /// A single-hop peer (RFC 5881) at `remote` on interface `ifindex`.
    pub const fn single_hop(remote: IpAddr, ifindex: u32) -> Self {
        PeerKey {
            remote,
            ifindex,
            multihop: false,
        }
    }

    /// A multihop peer (RFC 5883) at `remote`, on no particular interface.
    pub const fn multihop(remote: IpAddr) -> Self {
        PeerKey {
            remote,
            ifindex: 0,
            multihop: true,
        }
    }
}

/// What the IP layer tells about a received datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RxMeta {
    /// Source address and interface.
    pub peer: PeerKey,
    /// The received TTL / hop limit.
    pub ttl: u8,
}

/// Why [`Sessions::add`] refused a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum AddError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Another session has this local discriminator.
    #[error("local discriminator {0} is in use")]
    DuplicateDiscriminator(u32),
    /// Another session has this peer, from the same local address or with
    /// either of the two from any.
    #[error("a session for {0:?} exists")]
    DuplicatePeer(PeerKey),
}

/// Why [`Sessions::handle_datagram`] dropped a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum RxError {
    /// The TTL / hop limit is not 255 (RFC 5881 §5, unauthenticated
    /// sessions).
    #[error("TTL {0} is not 255")]
    Ttl(u8),
    /// The packet fails a check of RFC 5880 §6.8.6.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// "If the Your Discriminator field is nonzero, it MUST be used to select
    /// the session ...; if no session is found, the packet MUST be
    /// discarded" (§6.8.6).
    #[error("no session has discriminator {0}")]
    UnknownDiscriminator(u32),
    /// Your Discriminator is zero and no session has this peer.
    #[error("no session for {0:?}")]
    UnknownPeer(PeerKey),
    /// The packet names a session, but comes from another peer.
    #[error("discriminator {discriminator} belongs to another peer than {from:?}")]
    PeerMismatch {
        /// Your Discriminator.
        discriminator: u32,
        /// Where the packet came from.
        from: PeerKey,
    },
    /// The session discarded it.
    #[error(transparent)]
    Session(#[from] Discard),
}

#[derive(Clone, Debug)]
struct Entry {
    peer: PeerKey,
    /// The local address the session's packets are sent from and come to
    /// (keepalived's `source_ip`); None: any.
    source: Option<IpAddr>,
    session: Session,
}

/// The sessions of a host, keyed by local discriminator and by peer and
/// local address.
#[derive(Clone, Debug, Default)]
pub struct Sessions {
    by_discr: BTreeMap<u32, Entry>,
    by_peer: BTreeMap<(PeerKey, Option<IpAddr>), u32>,
    events: VecDeque<(u32, Event)>,
    /// Sessions that may have packets or events pending, so that draining
    /// does not scan every session.
    touched: VecDeque<u32>,
}

impl Sessions {
    /// No sessions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a session for `peer` from any local address; its first packet
    /// is due at `now`. See [`Sessions::add_with_source`].
    pub fn add(&mut self, peer: PeerKey, cfg: SessionConfig, now: Instant) -> Result<(), AddError> {
        self.add_with_source(peer, None, cfg, now)
    }

    /// Adds a session for `peer` whose packets leave from and come to the
    /// local address `source` (None: any); its first packet is due at
    /// `now`. A peer may have several sessions with distinct sources; one
    /// without a source excludes any other for that peer, as keepalived's
    /// key is the (neighbor, source) pair with an absent source matching
    /// every one (bfd_data.c `find_bfd_by_addr`, called by bfd_parser.c
    /// `bfd_end_handler`, which ignores the duplicate instance).
    pub fn add_with_source(
        &mut self,
        peer: PeerKey,
        source: Option<IpAddr>,
        cfg: SessionConfig,
        now: Instant,
    ) -> Result<(), AddError> {
        let discr = cfg.local_discriminator;
        if self.by_discr.contains_key(&discr) {
            return Err(AddError::DuplicateDiscriminator(discr));
        }
        if self
            .sources_of(peer)
            .any(|(s, _)| s.is_none() || source.is_none() || s == source)
        {
            return Err(AddError::DuplicatePeer(peer));
        }
        let session = Session::new(cfg, now)?;
        self.by_discr.insert(
            discr,
            Entry {
                peer,
                source,
                session,
            },
        );
        self.by_peer.insert((peer, source), discr);
        self.touched.push_back(discr);
        Ok(())
    }

    /// The sessions of `peer`: their sources and discriminators.
    fn sources_of(&self, peer: PeerKey) -> impl Iterator<Item = (Option<IpAddr>, u32)> + '_ {
        self.by_peer
            .range((peer, None)..)
            .take_while(move |((p, _), _)| *p == peer)
            .map(|((_, s), d)| (*s, *d))
    }

    /// Removes a session; returns it.
    pub fn remove(&mut self, discriminator: u32) -> Option<Session> {
        let e = self.by_discr.remove(&discriminator)?;
        self.by_peer.remove(&(e.peer, e.source));
        Some(e.session)
    }

    /// Gives the session with local discriminator `old` the discriminator
    /// `new`, keeping its state; its next packets carry `new` in My
    /// Discriminator, and the peer learns it from them (§6.8.6 sets
    /// bfd.RemoteDiscr from every packet). keepalived does this whenever a
    /// session falls from Up to Down (bfd_scheduler.c `bfd_state_down`);
    /// RFC 5880 §6.8.1 only asks that the value be unique and nonzero.
    /// Returns false, changing nothing, when there is no session `old`, or
    /// `new` is 0 or in use.
    pub fn rekey(&mut self, old: u32, new: u32) -> bool {
        if new == 0 || self.by_discr.contains_key(&new) {
            return false;
        }
        let Some(mut e) = self.by_discr.remove(&old) else {
            return false;
        };
        e.session.set_local_discriminator(new);
        self.by_peer.insert((e.peer, e.source), new);
        self.by_discr.insert(new, e);
        for (d, _) in self.events.iter_mut() {
            if *d == old {
                *d = new;
            }
        }
        for d in self.touched.iter_mut() {
            if *d == old {
                *d = new;
            }
        }
        self.touched.push_back(new);
        true
    }

    /// A session by local discriminator.
    pub fn get(&self, discriminator: u32) -> Option<&Session> {
        self.by_discr.get(&discriminator).map(|e| &e.session)
    }

    /// A session by local discriminator, mutably (to change timers or
    /// AdminDown).
    pub fn get_mut(&mut self, discriminator: u32) -> Option<&mut Session> {
        self.by_discr
            .get_mut(&discriminator)
            .map(|e| &mut e.session)
    }

    /// The local discriminator of a session with `peer` (the one of the
    /// lowest source when it has several).
    pub fn discriminator_of(&self, peer: &PeerKey) -> Option<u32> {
        self.sources_of(*peer).next().map(|(_, d)| d)
    }

    /// The local discriminator of the session a packet from `peer` to the
    /// local address `local` belongs to when it has no Your Discriminator:
    /// the session of that peer with source `local`, else its session
    /// without a source (keepalived bfd_data.c `find_bfd_by_addr` with the
    /// packet's source and destination). With `local` unknown, the peer's
    /// session without a source, else its only session.
    pub fn discriminator_for(&self, peer: &PeerKey, local: Option<IpAddr>) -> Option<u32> {
        if let Some(l) = local
            && let Some(&d) = self.by_peer.get(&(*peer, Some(l)))
        {
            return Some(d);
        }
        if let Some(&d) = self.by_peer.get(&(*peer, None)) {
            return Some(d);
        }
        let mut all = self.sources_of(*peer);
        match (local, all.next(), all.next()) {
            (None, Some((_, d)), None) => Some(d),
            _ => None,
        }
    }

    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.by_discr.len()
    }

    /// True without sessions.
    pub fn is_empty(&self) -> bool {
        self.by_discr.is_empty()
    }

    /// A received UDP payload (destination port 3784, or 4784 with
    /// `rx.peer.multihop`): TTL check, packet
    /// checks, demultiplexing, then the session's reception. Returns the
    /// local discriminator of the session that took it. The destination
    /// address is not known here; see [`Sessions::handle_datagram_to`].
    pub fn handle_datagram<J: Jitter + ?Sized>(
        &mut self,
        now: Instant,
        rx: RxMeta,
        payload: &[u8],
        jitter: &mut J,
    ) -> Result<u32, RxError> {
        self.handle_datagram_to(now, rx, None, payload, jitter)
    }

    /// [`Sessions::handle_datagram`] for a datagram sent to the local
    /// address `local` (when known): without Your Discriminator it selects
    /// the session as [`Sessions::discriminator_for`] does.
    pub fn handle_datagram_to<J: Jitter + ?Sized>(
        &mut self,
        now: Instant,
        rx: RxMeta,
        local: Option<IpAddr>,
        payload: &[u8],
        jitter: &mut J,
    ) -> Result<u32, RxError> {
        if rx.ttl != packet::TTL {
            return Err(RxError::Ttl(rx.ttl));
        }
        let pkt = ControlPacket::decode(payload)?;
        let discr = match pkt.your_discriminator {
            0 => self
                .discriminator_for(&rx.peer, local)
                .ok_or(RxError::UnknownPeer(rx.peer))?,
            d => d,
        };
        let entry = self
            .by_discr
            .get_mut(&discr)
            .ok_or(RxError::UnknownDiscriminator(discr))?;
        if entry.peer != rx.peer {
            return Err(RxError::PeerMismatch {
                discriminator: discr,
                from: rx.peer,
            });
        }
        let r = entry.session.handle_packet(now, &pkt, jitter);
        while let Some(e) = entry.session.poll_event() {
            self.events.push_back((discr, e));
        }
        self.touched.push_back(discr);
        r?;
        Ok(discr)
    }

    /// Runs every session's timers due at `now`.
    pub fn handle_timeout<J: Jitter + ?Sized>(&mut self, now: Instant, jitter: &mut J) {
        for (&discr, e) in self.by_discr.iter_mut() {
            if e.session.poll_timeout().is_some_and(|t| t <= now) {
                e.session.handle_timeout(now, jitter);
                while let Some(ev) = e.session.poll_event() {
                    self.events.push_back((discr, ev));
                }
                self.touched.push_back(discr);
            }
        }
    }

    /// The next packet to send and its peer (send it to UDP port
    /// [`packet::CONTROL_PORT`] with TTL 255, RFC 5881 §4-5). Only the
    /// sessions touched since the last drain are looked at.
    pub fn poll_transmit(&mut self) -> Option<(PeerKey, ControlPacket)> {
        while let Some(&discr) = self.touched.front() {
            if let Some(e) = self.by_discr.get_mut(&discr) {
                while let Some(ev) = e.session.poll_event() {
                    self.events.push_back((discr, ev));
                }
                if let Some(p) = e.session.poll_transmit() {
                    return Some((e.peer, p));
                }
            }
            self.touched.pop_front();
        }
        None
    }

    /// The next state change: the session's local discriminator and the
    /// event.
    pub fn poll_event(&mut self) -> Option<(u32, Event)> {
        // Events raised through `get_mut` (AdminDown) are collected here too.
        for &discr in &self.touched {
            if let Some(e) = self.by_discr.get_mut(&discr) {
                while let Some(ev) = e.session.poll_event() {
                    self.events.push_back((discr, ev));
                }
            }
        }
        self.events.pop_front()
    }

    /// The earliest deadline of all sessions.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.by_discr
            .values()
            .filter_map(|e| e.session.poll_timeout())
            .min()
    }
}
