//! The AgentX connection to the master agent (snmpd): connects, moves bytes
//! between the socket and the sans-IO [`Session`], answers reads from a
//! [`Table`] built from the current status snapshot, and connects again
//! after the session's back-off when the master goes away.
//!
//! The main loop waits on [`Snmp::wait`] (cancel-safe) and hands the result
//! to [`Snmp::on_wake`]. Reads and writes never block: a master that stops
//! reading only fills [`Agent::outbox`], and connecting runs in a task.

use std::collections::{BTreeSet, VecDeque};
use std::io;
use std::time::{Duration, Instant};

use agentx_subagent::{Config, Event, Oid, Registration, ResError, Session, SetPhase};
use tokio::io::Interest;
use tokio::net::{TcpStream, UnixStream};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use super::mib::{MibInput, Table};
use super::traps::{Enabled, Notification, TrapEvent, notifications};
use super::writes::{self, InstanceWrite};
use super::{
    keepalived, keepalived_files, keepalived_group_tracking, keepalived_processes,
    keepalived_routes, keepalived_scripts, keepalived_traps, vrrpv2, vrrpv3,
};
use crate::daemon::status::Snapshot;
use crate::spec::snmp::{AgentxAddress, SnmpSpec};

/// keepalived's AgentX subagent identity (`KEEPALIVED-MIB::keepalived`).
const AGENT_ID: [u32; 10] = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 0];

/// How long a TCP connect to the master may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Largest read at once.
const READ_CHUNK: usize = 64 * 1024;

/// Bytes queued for a master that does not read beyond which the session
/// is dropped (and opened again after the back-off).
const OUTBOX_LIMIT: usize = 4 << 20;

/// Notifications raised before the session is open (vrrpd connects to the
/// master after starting the instances, keepalived before) wait at most this
/// long, and at most [`QUEUE_LIMIT`] of them.
const QUEUE_MAX_AGE: Duration = Duration::from_secs(10);

/// See [`QUEUE_MAX_AGE`].
const QUEUE_LIMIT: usize = 64;

/// A connected stream to the master.
#[derive(Debug)]
enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Stream {
    async fn ready(&self, interest: Interest) -> io::Result<tokio::io::Ready> {
        match self {
            Stream::Unix(s) => s.ready(interest).await,
            Stream::Tcp(s) => s.ready(interest).await,
        }
    }
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.try_read(buf),
            Stream::Tcp(s) => s.try_read(buf),
        }
    }
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.try_write(buf),
            Stream::Tcp(s) => s.try_write(buf),
        }
    }
}

async fn connect(addr: AgentxAddress) -> io::Result<Stream> {
    match addr {
        AgentxAddress::Unix(p) => UnixStream::connect(p).await.map(Stream::Unix),
        AgentxAddress::Tcp(hp) => {
            match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(hp)).await {
                Ok(r) => r.map(Stream::Tcp),
                Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out")),
            }
        }
    }
}

#[derive(Debug)]
enum Conn {
    Down,
    Connecting(JoinHandle<io::Result<Stream>>),
    Up(Stream),
}

/// What woke the agent (opaque: hand it back to [`Snmp::on_wake`]).
#[derive(Debug)]
pub struct Wake(WakeKind);

#[derive(Debug)]
enum WakeKind {
    /// The socket has something to read, or room to write.
    Io(tokio::io::Ready),
    /// The session's deadline passed.
    Timer,
    /// A connect attempt finished.
    Connected(io::Result<Stream>),
}

/// One AgentX subagent serving the enabled MIBs.
#[derive(Debug)]
pub struct Agent {
    spec: SnmpSpec,
    session: Session,
    conn: Conn,
    outbox: Vec<u8>,
    started: Instant,
    /// When the agent started: sysUpTime.0 of its notifications.
    created: Instant,
    /// Notifications waiting for the session to open.
    queued: VecDeque<(Instant, Notification)>,
    /// The master could not be reached and it was said once.
    said_unreachable: bool,
    /// A session is open (its loss is worth an info line; failed connects
    /// are not).
    opened: bool,
    /// The writes of the Set transaction tested, by transaction id.
    tested: Option<(u32, Vec<(String, InstanceWrite)>)>,
    /// Committed writes for the router.
    committed: Vec<(String, InstanceWrite)>,
    /// The running instances, and the VRRPv3 ones among them, as of the
    /// last request (what a TestSet is checked against).
    running: BTreeSet<String>,
    v3: BTreeSet<String>,
}

fn registrations(spec: &SnmpSpec) -> Vec<Registration> {
    let mut r = Vec::new();
    if spec.rfcv2 {
        r.push(Registration::new(Oid::from(vrrpv2::ROOT)));
    }
    if spec.rfcv3 {
        r.push(Registration::new(Oid::from(vrrpv3::ROOT)));
    }
    if spec.keepalived.is_some() {
        r.push(Registration::new(Oid::from(keepalived::GLOBAL_ROOT)));
        r.push(Registration::new(Oid::from(keepalived::VRRP_ROOT)));
    }
    r
}

impl Agent {
    fn new(spec: SnmpSpec, now: Instant) -> Agent {
        let mut cfg = Config::new(Oid::from(AGENT_ID), "vrrpd");
        cfg.registrations = registrations(&spec);
        if let Some(w) = &spec.unusable_socket {
            warn!(
                "snmp_socket {w}: not a unix or tcp AgentX address; using {}",
                spec.socket
            );
        }
        let mut session = Session::new(cfg, now);
        // Session::new expects a connected transport: the first connect is
        // started here and the Open queued again once it succeeds.
        session.connection_lost(now);
        let task = tokio::spawn(connect(spec.socket.clone()));
        Agent {
            spec,
            session,
            conn: Conn::Connecting(task),
            outbox: Vec::new(),
            started: Instant::now(),
            created: now,
            queued: VecDeque::new(),
            said_unreachable: false,
            opened: false,
            tested: None,
            committed: Vec::new(),
            running: BTreeSet::new(),
            v3: BTreeSet::new(),
        }
    }

    async fn wait(&mut self) -> WakeKind {
        let deadline = self.session.poll_timeout();
        let sleep = async {
            match deadline {
                Some(t) => tokio::time::sleep_until(t.into()).await,
                None => std::future::pending().await,
            }
        };
        match &mut self.conn {
            Conn::Down => {
                sleep.await;
                WakeKind::Timer
            }
            Conn::Connecting(task) => tokio::select! {
                r = task => WakeKind::Connected(r.unwrap_or_else(|e| Err(io::Error::other(e)))),
                () = sleep => WakeKind::Timer,
            },
            Conn::Up(s) => {
                let interest = if self.outbox.is_empty() {
                    Interest::READABLE
                } else {
                    Interest::READABLE | Interest::WRITABLE
                };
                tokio::select! {
                    r = s.ready(interest) => match r {
                        Ok(r) => WakeKind::Io(r),
                        Err(_) => WakeKind::Io(tokio::io::Ready::READ_CLOSED),
                    },
                    () = sleep => WakeKind::Timer,
                }
            }
        }
    }

    fn on_wake(&mut self, wake: WakeKind, snapshot: impl FnOnce() -> Snapshot) {
        let now = Instant::now();
        match wake {
            WakeKind::Connected(Ok(s)) => {
                debug!("AgentX: connected to {}", self.spec.socket);
                self.conn = Conn::Up(s);
                self.outbox.clear();
                self.session.reconnected(now);
            }
            WakeKind::Connected(Err(e)) => {
                if !self.said_unreachable {
                    warn!(
                        "AgentX master {} unreachable ({e}); SNMP is off until it answers, \
                         VRRP goes on",
                        self.spec.socket
                    );
                    self.said_unreachable = true;
                } else {
                    debug!("AgentX master {}: {e}", self.spec.socket);
                }
                self.conn = Conn::Down;
                // back to the back-off: the Open goes nowhere
                self.session.reconnected(now);
                self.session.connection_lost(now);
            }
            WakeKind::Timer => self.session.handle_timeout(now),
            WakeKind::Io(ready) => self.on_io(ready, now, snapshot),
        }
        self.drain_events(now);
        self.flush(now);
    }

    fn on_io(
        &mut self,
        ready: tokio::io::Ready,
        now: Instant,
        snapshot: impl FnOnce() -> Snapshot,
    ) {
        let Conn::Up(s) = &self.conn else { return };
        let mut data = Vec::new();
        let mut closed = ready.is_read_closed() && !ready.is_readable();
        if ready.is_readable() {
            let mut buf = vec![0u8; READ_CHUNK];
            // bounded: at most 16 chunks per wake-up, the rest next time
            for _ in 0..16 {
                match s.try_read(&mut buf) {
                    Ok(0) => {
                        closed = true;
                        break;
                    }
                    Ok(n) => data.extend_from_slice(buf.get(..n).unwrap_or_default()),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        debug!("AgentX read: {e}");
                        closed = true;
                        break;
                    }
                }
            }
        }
        if !data.is_empty() {
            let snap = snapshot();
            self.running = snap.instances.iter().map(|i| i.name.clone()).collect();
            self.v3 = snap
                .instances
                .iter()
                .filter(|i| i.version == vrrp_core::packet::Version::V3)
                .map(|i| i.name.clone())
                .collect();
            let mut table = Table::default();
            let input = MibInput {
                snapshot: &snap,
                since_start: now.saturating_duration_since(self.started),
                traps: self.spec.traps,
            };
            if self.spec.rfcv2 {
                vrrpv2::add(&mut table, &input);
            }
            if self.spec.rfcv3 {
                vrrpv3::add(&mut table, &input);
            }
            if let Some(g) = &self.spec.keepalived {
                keepalived::add(&mut table, g);
                keepalived::add_sync_groups(&mut table, g, &snap);
                keepalived::add_instances(&mut table, g, &snap);
                keepalived::add_addresses(&mut table, g, &snap);
                keepalived::add_tracking(&mut table, g, &snap);
                keepalived_scripts::add_scripts(&mut table, g, &snap);
                keepalived_files::add_files(&mut table, g, &snap);
                keepalived_group_tracking::add_group_tracking(&mut table, g);
                keepalived_processes::add_tracked_processes(&mut table, g, &snap);
                keepalived_processes::add_processes(&mut table, g, &snap);
                keepalived_routes::add_routes(&mut table, g, &snap);
            }
            self.session.handle_bytes(now, &data, &table);
        }
        if closed {
            self.session.connection_lost(now);
        }
    }

    /// One phase of a Set (RFC 2741 §7.2.4): TestSet checks every VarBind
    /// as keepalived's reserve phases do ([`writes::test`]; only
    /// KEEPALIVED-MIB's three instance objects are writable, and only with
    /// `enable_snmp_vrrp`), CommitSet hands the writes to the router (they
    /// cannot fail), UndoSet cannot undo them (keepalived has no undo
    /// either), CleanupSet forgets the transaction.
    fn set_phase(&mut self, transaction_id: u32, phase: SetPhase) -> Option<(ResError, u16)> {
        match phase {
            SetPhase::Test(vbs) => {
                let Some(g) = &self.spec.keepalived else {
                    return Some((ResError::NOT_WRITABLE, 1));
                };
                let mut ok = Vec::new();
                for (i, vb) in vbs.iter().enumerate() {
                    match writes::test(g, &self.running, &self.v3, vb) {
                        Ok(w) => ok.push(w),
                        Err(e) => {
                            let index = u16::try_from(i + 1).unwrap_or(u16::MAX);
                            return Some((e, index));
                        }
                    }
                }
                self.tested = Some((transaction_id, ok));
                Some((ResError::NO_ERROR, 0))
            }
            SetPhase::Commit => match self.tested.take() {
                Some((t, w)) if t == transaction_id => {
                    self.committed.extend(w);
                    Some((ResError::NO_ERROR, 0))
                }
                _ => Some((ResError::COMMIT_FAILED, 0)),
            },
            SetPhase::Undo => Some((ResError::UNDO_FAILED, 0)),
            SetPhase::Cleanup => {
                self.tested = None;
                None
            }
        }
    }

    fn drain_events(&mut self, now: Instant) {
        while let Some(ev) = self.session.poll_event() {
            match ev {
                Event::Opened { session_id } => {
                    info!(
                        "AgentX: session {session_id} open with {}",
                        self.spec.socket
                    );
                    self.said_unreachable = false;
                    self.opened = true;
                    while let Some((at, n)) = self.queued.pop_front() {
                        if now.saturating_duration_since(at) <= QUEUE_MAX_AGE {
                            self.send(now, n);
                        }
                    }
                }
                Event::Registered { subtree, error } if error != ResError::NO_ERROR => {
                    warn!("AgentX: the master refused to register {subtree}: {error:?}");
                }
                Event::Registered { .. } | Event::NotifyAnswered { .. } => {}
                Event::Set {
                    transaction_id,
                    phase,
                } => {
                    let answer = self.set_phase(transaction_id, phase);
                    if let Some((err, index)) = answer
                        && let Err(e) = self.session.answer_set(transaction_id, err, index)
                    {
                        debug!("AgentX: {e}");
                    }
                }
                Event::Lost(reason) => {
                    if std::mem::take(&mut self.opened) {
                        info!("AgentX: session with {} lost: {reason:?}", self.spec.socket);
                    } else {
                        debug!("AgentX: no session with {}: {reason:?}", self.spec.socket);
                    }
                    // what the session queued for the old transport goes with it
                    self.flush(now);
                    self.conn = Conn::Down;
                    self.outbox.clear();
                }
                Event::Reconnect => {
                    self.conn = Conn::Connecting(tokio::spawn(connect(self.spec.socket.clone())));
                }
                _ => {}
            }
        }
    }

    /// Sends `event`'s notifications (with `enable_traps`), or queues them
    /// until the session opens.
    fn notify(&mut self, event: &TrapEvent) {
        if !self.spec.traps {
            return;
        }
        let now = Instant::now();
        let enabled = Enabled {
            rfcv2: self.spec.rfcv2,
            rfcv3: self.spec.rfcv3,
        };
        let mut all = notifications(event, enabled);
        if let Some(g) = &self.spec.keepalived {
            all.extend(keepalived_traps::notifications(event, g));
        }
        for n in all {
            if self.session.session_id().is_some() {
                self.send(now, n);
            } else {
                if self.queued.len() >= QUEUE_LIMIT {
                    self.queued.pop_front();
                }
                self.queued.push_back((now, n));
            }
        }
        self.flush(now);
    }

    /// Hands one notification to the open session (RFC 2741 §6.2.10), with
    /// the agent's up-time as sysUpTime.0 as net-snmp's subagents send it.
    fn send(&mut self, now: Instant, n: Notification) {
        let centis = now.saturating_duration_since(self.created).as_millis() / 10;
        let up = Some(u32::try_from(centis).unwrap_or(u32::MAX));
        debug!(trap = %n.trap, "AgentX: notification");
        if let Err(e) = self.session.notify(now, up, n.trap, n.varbinds) {
            debug!("AgentX: notification not sent: {e}");
        }
    }

    fn flush(&mut self, now: Instant) {
        let Conn::Up(s) = &self.conn else {
            while self.session.poll_transmit().is_some() {}
            return;
        };
        while let Some(b) = self.session.poll_transmit() {
            self.outbox.extend_from_slice(&b);
        }
        while !self.outbox.is_empty() {
            match s.try_write(&self.outbox) {
                Ok(n) => {
                    self.outbox.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    debug!("AgentX write: {e}");
                    self.outbox.clear();
                    self.session.connection_lost(now);
                    self.drain_events(now);
                    return;
                }
            }
        }
        if self.outbox.len() > OUTBOX_LIMIT {
            warn!("AgentX: the master does not read its answers; dropping the session");
            self.outbox.clear();
            self.session.connection_lost(now);
            self.drain_events(now);
        }
    }
}

/// The daemon's SNMP side: nothing when no MIB is enabled.
#[derive(Debug, Default)]
pub struct Snmp {
    agent: Option<Agent>,
}

impl Snmp {
    /// Starts serving `spec` (connecting to its master), or nothing.
    pub fn new(spec: Option<SnmpSpec>) -> Snmp {
        Snmp {
            agent: spec.map(|s| Agent::new(s, Instant::now())),
        }
    }

    /// After a reload: the same settings keep the session (the instances'
    /// up-time starts again, as keepalived's does); other settings replace
    /// it.
    pub fn reconfigure(&mut self, spec: Option<SnmpSpec>) {
        match (&mut self.agent, spec) {
            (Some(a), Some(s)) if a.spec == s => a.started = Instant::now(),
            (_, spec) => {
                if let Some(mut old) = self.agent.take() {
                    old.session.close(agentx_subagent::CloseReason::Shutdown);
                    old.flush(Instant::now());
                }
                self.agent = spec.map(|s| Agent::new(s, Instant::now()));
            }
        }
    }

    /// Waits for the socket, the session's timer or a connect attempt
    /// (never, without SNMP). Cancel-safe.
    pub async fn wait(&mut self) -> Wake {
        match &mut self.agent {
            Some(a) => Wake(a.wait().await),
            None => std::future::pending().await,
        }
    }

    /// Handles what [`Snmp::wait`] returned; `snapshot` is called only when
    /// the master asked for something.
    ///
    /// Returns the SNMP writes committed meanwhile (instance name and
    /// change), for the router to apply.
    pub fn on_wake(
        &mut self,
        wake: Wake,
        snapshot: impl FnOnce() -> Snapshot,
    ) -> Vec<(String, InstanceWrite)> {
        match &mut self.agent {
            Some(a) => {
                a.on_wake(wake.0, snapshot);
                std::mem::take(&mut a.committed)
            }
            None => Vec::new(),
        }
    }

    /// Sends the notifications `event` is worth, when `enable_traps` is on
    /// (queued briefly while the session is not open yet).
    pub fn notify(&mut self, event: &TrapEvent) {
        if let Some(a) = &mut self.agent {
            a.notify(event);
        }
    }

    /// Closes the session at shutdown.
    pub fn shutdown(&mut self) {
        if let Some(a) = &mut self.agent {
            a.session.close(agentx_subagent::CloseReason::Shutdown);
            a.flush(Instant::now());
        }
    }
}
