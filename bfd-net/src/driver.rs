//! The one task that runs every session: it waits for a datagram on the
//! receive sockets, a command, or the earliest deadline of
//! [`bfd_core::Sessions::poll_timeout`] (no per-session timers), feeds
//! bfd-core, then sends what it has to send and reports what changed.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bfd_core::packet::{ControlPacket, HEADER_LEN, State, TTL};
use bfd_core::time::Instant as CoreInstant;
use bfd_core::{Discard, PeerKey, RxError, RxMeta, Sessions};
use tokio::io::Interest;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::handoff::{Command, Plan, Shared, lock};
use crate::outbox::Outbox;
use crate::rng::Rng;
use crate::socket::{self, Family, Listen};
use crate::spec::{PeerSpec, std_duration};
use crate::status::{BfdEvent, Discards, SessionStatus};
use crate::sys;

/// Receive buffer: a control packet is 24 bytes (more with authentication,
/// which is refused anyway); larger datagrams are counted as oversized.
const RX_BUF: usize = 512;
/// Datagrams read per wake-up of one socket before the timers get a turn.
const RX_BURST: usize = 64;

/// Which receive socket a datagram came in on, and to which address.
#[derive(Clone, Copy, Debug)]
struct Arrival {
    /// The multihop port (4784).
    multihop: bool,
    /// The destination address, when the kernel reported it.
    dst: Option<IpAddr>,
    /// The interface it came in on (0: unknown).
    ifindex: u32,
}

/// One session's transport side.
#[derive(Debug)]
struct Slot {
    spec: PeerSpec,
    socket: UdpSocket,
    port: u16,
    /// The interface of a link-local neighbor, 0 otherwise: the scope of
    /// sent packets and part of the session's [`PeerKey`].
    ifindex: u32,
    packets_in: u64,
    packets_out: u64,
    send_errors: u64,
    discards: Discards,
    up_events: u64,
    down_events: u64,
    last_change: Option<std::time::Instant>,
}

impl Slot {
    /// Where the session's packets go: the neighbor (with the interface's
    /// scope when link-local) on 3784, or 4784 for multihop.
    fn destination(&self) -> SocketAddr {
        socket::scoped(
            self.spec.neighbor,
            Listen::of(&self.spec).port(),
            self.ifindex,
        )
    }
}

/// See the [module documentation](self).
#[derive(Debug)]
pub(crate) struct Driver {
    sessions: Sessions,
    slots: BTreeMap<u32, Slot>,
    rx4: Option<UdpSocket>,
    rx6: Option<UdpSocket>,
    /// The multihop receive sockets (UDP 4784, RFC 5883).
    mh4: Option<UdpSocket>,
    mh6: Option<UdpSocket>,
    epoch: std::time::Instant,
    rng: Rng,
    events: mpsc::Sender<BfdEvent>,
    cmds: mpsc::UnboundedReceiver<Command>,
    shared: Arc<Mutex<Shared>>,
    unattributed: Discards,
    outbox: Outbox,
}

async fn readable(s: &Option<UdpSocket>) {
    match s {
        Some(s) => {
            if s.readable().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

fn to_tokio(s: socket2::Socket) -> Option<UdpSocket> {
    match UdpSocket::from_std(s.into()) {
        Ok(u) => Some(u),
        Err(e) => {
            tracing::error!("BFD: cannot register socket with tokio: {e}");
            None
        }
    }
}

impl Driver {
    pub(crate) fn new(
        events: mpsc::Sender<BfdEvent>,
        cmds: mpsc::UnboundedReceiver<Command>,
        shared: Arc<Mutex<Shared>>,
    ) -> Self {
        Driver {
            sessions: Sessions::new(),
            slots: BTreeMap::new(),
            rx4: None,
            rx6: None,
            mh4: None,
            mh6: None,
            epoch: std::time::Instant::now(),
            rng: Rng::from_os(),
            events,
            cmds,
            shared,
            unattributed: Discards::default(),
            outbox: Outbox::default(),
        }
    }

    fn now(&self) -> CoreInstant {
        CoreInstant::from_micros(
            u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX),
        )
    }

    /// Runs until shut down or until the handle is dropped.
    pub(crate) async fn run(mut self) {
        loop {
            self.outbox.retry(&self.events);
            self.flush();
            self.publish();
            let deadline = self
                .sessions
                .poll_timeout()
                .and_then(|t| self.epoch.checked_add(Duration::from_micros(t.as_micros())))
                .map(tokio::time::Instant::from_std);
            let sleep = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = readable(&self.rx4) => self.receive(Listen { family: Family::V4, multihop: false }),
                _ = readable(&self.rx6) => self.receive(Listen { family: Family::V6, multihop: false }),
                _ = readable(&self.mh4) => self.receive(Listen { family: Family::V4, multihop: true }),
                _ = readable(&self.mh6) => self.receive(Listen { family: Family::V6, multihop: true }),
                cmd = self.cmds.recv() => match cmd {
                    Some(Command::Apply(plan)) => self.apply(plan),
                    Some(Command::Shutdown { admin_down, done }) => {
                        self.shutdown(admin_down);
                        let _ = done.send(());
                        return;
                    }
                    None => return,
                },
                _ = sleep => {
                    let now = self.now();
                    self.sessions.handle_timeout(now, &mut self.rng);
                }
            }
        }
    }

    fn shutdown(&mut self, admin_down: bool) {
        if admin_down {
            let now = self.now();
            for (&d, slot) in self.slots.iter_mut() {
                let Some(s) = self.sessions.get_mut(d) else {
                    continue;
                };
                if s.state() == State::AdminDown {
                    continue;
                }
                s.set_admin_down(now, true, &mut self.rng);
                // RFC 5880 §6.8.16: the peer learns of the AdminDown from
                // the next packet; it is sent now, since nothing follows.
                let pkt = admin_down_packet(s, &slot.spec);
                let mut buf = [0u8; HEADER_LEN];
                if let Ok(len) = pkt.emit(&mut buf) {
                    let to = slot.destination();
                    match slot.socket.try_send_to(&buf[..len], to) {
                        Ok(_) => slot.packets_out += 1,
                        Err(_) => slot.send_errors += 1,
                    }
                }
            }
        }
        for (_, slot) in std::mem::take(&mut self.slots) {
            tracing::info!("BFD_Instance({}) stopped", slot.spec.name);
        }
        self.publish();
    }

    /// Applies checked specs (see `BfdRunner::reconfigure`).
    pub(crate) fn apply(&mut self, mut plan: Plan) {
        let now = self.now();
        for (l, s) in plan.receive.drain(..) {
            let slot = self.receive_socket(l);
            if slot.is_none() {
                *slot = to_tokio(s);
            }
        }
        let wanted: BTreeMap<&str, &PeerSpec> =
            plan.specs.iter().map(|s| (s.name.as_str(), s)).collect();
        // Sessions removed, or whose addresses changed, go first so that
        // their neighbor is free for the new ones.
        let gone: Vec<u32> = self
            .slots
            .iter()
            .filter(|(_, slot)| {
                wanted
                    .get(slot.spec.name.as_str())
                    .is_none_or(|w| !w.same_endpoints(&slot.spec))
            })
            .map(|(d, _)| *d)
            .collect();
        for d in gone {
            self.sessions.remove(d);
            if let Some(slot) = self.slots.remove(&d) {
                tracing::info!("BFD_Instance({}) removed", slot.spec.name);
            }
        }
        for spec in &plan.specs {
            let existing = self
                .slots
                .iter()
                .find(|(_, s)| s.spec.name == spec.name)
                .map(|(d, _)| *d);
            match existing {
                Some(d) => self.update(d, spec, now),
                None => {
                    let sock = match plan.send.remove(&spec.name) {
                        Some(s) => Ok(s),
                        None => socket::open_send(spec, &mut self.rng),
                    };
                    match sock {
                        Ok(s) => self.add(spec, s, now),
                        Err(e) => tracing::error!("BFD_Instance({}): {e}", spec.name),
                    }
                }
            }
        }
    }

    fn fresh_discriminator(&mut self) -> u32 {
        // keepalived `bfd.c bfd_get_random_discr`: random, nonzero, unique.
        for _ in 0..1000 {
            let d = (self.rng.next_u64() >> 32) as u32;
            if d != 0 && !self.slots.contains_key(&d) {
                return d;
            }
        }
        (1..=u32::MAX)
            .find(|d| !self.slots.contains_key(d))
            .unwrap_or(1)
    }

    fn add(&mut self, spec: &PeerSpec, sock: socket::SendSocket, now: CoreInstant) {
        let socket::SendSocket {
            socket: sock,
            port,
            ifindex,
        } = sock;
        let discr = self.fresh_discriminator();
        let cfg = match spec.session_config(discr) {
            Ok(c) => c,
            Err(e) => return tracing::error!("{e}"),
        };
        let Some(socket) = to_tokio(sock) else { return };
        let peer = PeerKey {
            remote: spec.neighbor,
            ifindex,
            multihop: spec.multihop,
        };
        if let Err(e) = self.sessions.add_with_source(peer, spec.source, cfg, now) {
            return tracing::error!("BFD_Instance({}): {e}", spec.name);
        }
        tracing::info!(
            "BFD_Instance({}) neighbor {} from port {port}, discriminator {discr}",
            spec.name,
            spec.neighbor
        );
        self.slots.insert(
            discr,
            Slot {
                spec: spec.clone(),
                socket,
                port,
                ifindex,
                packets_in: 0,
                packets_out: 0,
                send_errors: 0,
                discards: Discards::default(),
                up_events: 0,
                down_events: 0,
                last_change: None,
            },
        );
    }

    fn update(&mut self, discr: u32, spec: &PeerSpec, now: CoreInstant) {
        let Some(slot) = self.slots.get_mut(&discr) else {
            return;
        };
        if slot.spec == *spec {
            return;
        }
        if slot.spec.ttl != spec.ttl
            && let Err(e) = socket::set_ttl(
                &socket2::SockRef::from(&slot.socket),
                Family::of(spec.neighbor),
                spec.ttl,
            )
        {
            tracing::error!("BFD_Instance({}): setting ttl: {e}", spec.name);
        }
        let cfg = match spec.session_config(discr) {
            Ok(c) => c,
            Err(e) => return tracing::error!("{e}"),
        };
        if slot.spec.same_session_shape(spec) {
            if let Some(s) = self.sessions.get_mut(discr) {
                // RFC 5880 §6.8.3: a poll sequence while Up.
                if let Err(e) =
                    s.set_timers(now, cfg.desired_min_tx, cfg.required_min_rx, &mut self.rng)
                {
                    tracing::error!("BFD_Instance({}): {e}", spec.name);
                }
            }
        } else {
            tracing::info!("BFD_Instance({}) restarted for its new settings", spec.name);
            let peer = PeerKey {
                remote: spec.neighbor,
                ifindex: slot.ifindex,
                multihop: spec.multihop,
            };
            self.sessions.remove(discr);
            if let Err(e) = self.sessions.add_with_source(peer, spec.source, cfg, now) {
                tracing::error!("BFD_Instance({}): {e}", spec.name);
            }
        }
        slot.spec = spec.clone();
    }

    fn receive_socket(&mut self, l: Listen) -> &mut Option<UdpSocket> {
        match (l.family, l.multihop) {
            (Family::V4, false) => &mut self.rx4,
            (Family::V6, false) => &mut self.rx6,
            (Family::V4, true) => &mut self.mh4,
            (Family::V6, true) => &mut self.mh6,
        }
    }

    /// Reads what is queued on one receive socket.
    fn receive(&mut self, l: Listen) {
        let mut buf = [0u8; RX_BUF];
        for _ in 0..RX_BURST {
            let Some(sock) = self.receive_socket(l).as_ref() else {
                return;
            };
            let fd = sock.as_raw_fd();
            let r = sock.try_io(Interest::READABLE, || sys::recv_with_ttl(fd, &mut buf));
            match r {
                Ok(rx) => {
                    let len = rx.len.min(buf.len());
                    let to = Arrival {
                        multihop: l.multihop,
                        dst: rx.dst,
                        ifindex: rx.ifindex,
                    };
                    self.datagram(rx.src, rx.ttl, to, rx.truncated, &buf[..len]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    tracing::warn!("BFD: recvmsg: {e}");
                    return;
                }
            }
        }
    }

    /// One received datagram: the keepalived TTL rule of the session it
    /// belongs to, then bfd-core's checks and demultiplexing. Whatever the
    /// bytes, this only counts and returns.
    fn datagram(
        &mut self,
        src: Option<IpAddr>,
        ttl: Option<u8>,
        to: Arrival,
        truncated: bool,
        payload: &[u8],
    ) {
        let Some(src) = src else {
            self.unattributed.other += 1;
            return;
        };
        // RFC 5881 §3: without Your Discriminator a session is found by
        // source address and interface; sessions of global neighbors are
        // keyed with interface 0. The port it came in on tells a multihop
        // session from a single-hop one to the same neighbor (RFC 5883 §3;
        // keepalived 2.2.8 bfd_scheduler.c `bfd_handle_packet` passes it to
        // `find_bfd_by_addr`).
        let on_if = PeerKey {
            remote: src,
            ifindex: to.ifindex,
            multihop: to.multihop,
        };
        let any_if = PeerKey {
            remote: src,
            ifindex: 0,
            multihop: to.multihop,
        };
        // Among sessions to one neighbor from several sources, the
        // destination address picks one (keepalived `find_bfd_by_addr`
        // with the packet's destination); failing that, a session of the
        // neighbor takes the discard counts.
        let by_src = self
            .sessions
            .discriminator_for(&on_if, to.dst)
            .or_else(|| self.sessions.discriminator_for(&any_if, to.dst))
            .or_else(|| self.sessions.discriminator_of(&on_if))
            .or_else(|| self.sessions.discriminator_of(&any_if));
        if truncated {
            self.discards_of(by_src).oversized += 1;
            return;
        }
        let pkt = match ControlPacket::decode(payload) {
            Ok(p) => p,
            Err(e) => {
                self.discards_of(by_src).count_parse(&e);
                return;
            }
        };
        let discr = match pkt.your_discriminator {
            0 => by_src,
            d => Some(d),
        };
        let Some(slot) = discr.and_then(|d| self.slots.get_mut(&d)) else {
            self.discards_of(by_src).unknown_session += 1;
            return;
        };
        // RFC 5883 §2-3: multihop sessions live on their own port and are
        // selected by source and destination address (keepalived 2.2.8
        // `bfd_handle_packet`, `find_bfd_by_addr` with `multihop`): a packet
        // on the other port belongs to no session. Without Your
        // Discriminator a packet addressed to another local address than the
        // session's source is not the session's (keepalived `find_bfd_by_addr`
        // compares them in that case only, single hop or multihop).
        if slot.spec.multihop != to.multihop {
            slot.discards.unknown_session += 1;
            return;
        }
        if pkt.your_discriminator == 0
            && let (Some(want), Some(dst)) = (slot.spec.source, to.dst)
            && want != dst
        {
            slot.discards.peer_mismatch += 1;
            return;
        }
        // keepalived `bfd.c bfd_check_packet_ttl`: drop when TTL + max_hops
        // < ttl (a packet without a TTL report is not checked there either).
        if let Some(t) = ttl
            && u16::from(t) + u16::from(slot.spec.max_hops) < u16::from(slot.spec.ttl)
        {
            slot.discards.ttl += 1;
            return;
        }
        // The session's key as this packet shows it: bfd-core refuses it
        // (peer mismatch) when the address or, for a link-local neighbor,
        // the interface is not the session's.
        let peer = if slot.ifindex == 0 { any_if } else { on_if };
        let now = self.now();
        // The TTL rule above replaces bfd-core's strict RFC 5881 §5 check.
        let meta = RxMeta { peer, ttl: TTL };
        match self
            .sessions
            .handle_datagram_to(now, meta, to.dst, payload, &mut self.rng)
        {
            Ok(d) => {
                if let Some(s) = self.slots.get_mut(&d) {
                    s.packets_in += 1;
                }
            }
            Err(e) => {
                let d = self.discards_of(discr);
                match e {
                    RxError::Parse(p) => d.count_parse(&p),
                    RxError::UnknownDiscriminator(_) | RxError::UnknownPeer(_) => {
                        d.unknown_session += 1
                    }
                    RxError::PeerMismatch { .. } => d.peer_mismatch += 1,
                    RxError::Session(Discard::AdminDown) => d.admin_down += 1,
                    _ => d.other += 1,
                }
            }
        }
    }

    fn discards_of(&mut self, discr: Option<u32>) -> &mut Discards {
        match discr.and_then(|d| self.slots.get_mut(&d)) {
            Some(s) => &mut s.discards,
            None => &mut self.unattributed,
        }
    }

    /// Reports every state change, then sends every pending packet (so a
    /// packet announcing a fall from Up already carries the new
    /// discriminator, as keepalived's does), then reports what sending
    /// raised.
    fn flush(&mut self) {
        self.report();
        self.transmit();
        self.report();
    }

    fn transmit(&mut self) {
        while let Some((_, pkt)) = self.sessions.poll_transmit() {
            let Some(slot) = self.slots.get_mut(&pkt.my_discriminator) else {
                continue;
            };
            let mut buf = [0u8; HEADER_LEN];
            let Ok(len) = pkt.emit(&mut buf) else {
                continue;
            };
            let to = slot.destination();
            match slot.socket.try_send_to(&buf[..len], to) {
                Ok(_) => slot.packets_out += 1,
                Err(e) => {
                    slot.send_errors += 1;
                    tracing::debug!("BFD_Instance({}): send to {to}: {e}", slot.spec.name);
                }
            }
        }
    }

    fn report(&mut self) {
        while let Some((discr, ev)) = self.sessions.poll_event() {
            // keepalived `bfd_scheduler.c bfd_state_down`: a session that
            // falls from Up takes a new random local discriminator.
            let discr = if ev.from == State::Up && ev.to == State::Down {
                self.rekey(discr)
            } else {
                discr
            };
            let Some(slot) = self.slots.get_mut(&discr) else {
                continue;
            };
            slot.last_change = Some(std::time::Instant::now());
            // keepalived `bfd_scheduler.c bfd_state_up` / `bfd_state_fall`.
            tracing::info!(
                "BFD_Instance({}) Entering {:?} state (local diagnostic {:?}, remote {:?})",
                slot.spec.name,
                ev.to,
                ev.diagnostic,
                self.sessions.get(discr).map(|s| s.remote_state())
            );
            let event = if ev.to == State::Up {
                slot.up_events += 1;
                BfdEvent::Up {
                    name: slot.spec.name.clone(),
                }
            } else if ev.is_failure() {
                slot.down_events += 1;
                BfdEvent::Down {
                    name: slot.spec.name.clone(),
                    diagnostic: ev.diagnostic,
                }
            } else {
                continue;
            };
            self.outbox.push(&self.events, event);
        }
    }

    /// Moves session `old` to a fresh discriminator; returns the one it has
    /// now.
    fn rekey(&mut self, old: u32) -> u32 {
        let new = self.fresh_discriminator();
        if !self.sessions.rekey(old, new) {
            return old;
        }
        if let Some(slot) = self.slots.remove(&old) {
            tracing::info!(
                "BFD_Instance({}) discriminator {old} -> {new}",
                slot.spec.name
            );
            self.slots.insert(new, slot);
        }
        new
    }

    /// Publishes the status snapshot.
    pub(crate) fn publish(&self) {
        let mut status: Vec<SessionStatus> = self
            .slots
            .iter()
            .filter_map(|(&d, slot)| {
                let s = self.sessions.get(d)?;
                Some(SessionStatus {
                    name: slot.spec.name.clone(),
                    neighbor: slot.spec.neighbor,
                    source: slot.spec.source,
                    source_port: slot.port,
                    multihop: slot.spec.multihop,
                    interface: slot.spec.interface.clone(),
                    local_state: s.state(),
                    remote_state: s.remote_state(),
                    local_diagnostic: s.local_diagnostic(),
                    local_discriminator: d,
                    remote_discriminator: s.remote_discriminator(),
                    tx_interval: s.transmit_interval().map(std_duration),
                    detection_time: s.detection_time().map(std_duration),
                    poll_active: s.poll_active(),
                    packets_in: slot.packets_in,
                    packets_out: slot.packets_out,
                    send_errors: slot.send_errors,
                    discards: slot.discards,
                    up_events: slot.up_events,
                    down_events: slot.down_events,
                    last_state_change: slot.last_change,
                })
            })
            .collect();
        status.sort_by(|a, b| a.name.cmp(&b.name));
        let mut families = Vec::new();
        for (family, multihop, s) in [
            (Family::V4, false, &self.rx4),
            (Family::V6, false, &self.rx6),
            (Family::V4, true, &self.mh4),
            (Family::V6, true, &self.mh6),
        ] {
            if s.is_some() {
                families.push(Listen { family, multihop });
            }
        }
        let mut sh = lock(&self.shared);
        sh.status = status;
        sh.unattributed = self.unattributed;
        sh.families = families;
        sh.events_dropped = self.outbox.superseded();
    }
}

/// The packet an AdminDown session sends (RFC 5880 §6.8.7 field contents;
/// not Up, so the transmit interval advertised is at least `idle_tx`).
fn admin_down_packet(s: &bfd_core::Session, spec: &PeerSpec) -> ControlPacket {
    let us = |d: Duration| u32::try_from(d.as_micros()).unwrap_or(u32::MAX);
    ControlPacket {
        diagnostic: s.local_diagnostic(),
        state: s.state(),
        poll: false,
        final_: false,
        control_plane_independent: false,
        demand: false,
        detect_mult: spec.multiplier,
        my_discriminator: s.config().local_discriminator,
        your_discriminator: s.remote_discriminator(),
        desired_min_tx: us(spec.min_tx.max(spec.idle_tx)),
        required_min_rx: us(spec.min_rx),
        required_min_echo_rx: 0,
    }
}
