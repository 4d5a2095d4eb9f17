//! A [`Session`] on a tokio socket to the master (feature `tokio`): connects
//! in a task, moves bytes between the socket and the session, answers reads
//! from the [`Table`] a [`View`] builds when the master asks something,
//! hands Set phases to the view, queues notifications raised before the
//! session opens, and connects again after the session's back-off when the
//! master goes away.
//!
//! The daemon's main loop waits on [`Link::wait`] (cancel-safe) and hands
//! the result to [`Link::on_wake`]. Reads and writes never block: a master
//! that stops reading only fills an output buffer, up to a limit beyond
//! which the session is dropped and opened again.
//!
//! A view whose table is costly to build (thousands of rows) hands a
//! builder ([`View::table_builder`]) that runs on a blocking thread while
//! the loop goes on; the requests wait for it, and the table then answers
//! every request for [`Link::set_table_lifetime`] (a walk asks for one
//! variable at a time), so its cost is paid once per lifetime, not once per
//! request.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::Interest;
use tokio::net::{TcpStream, UnixStream};
use tokio::task::JoinHandle;

use crate::address::AgentxAddress;
use crate::pdu::{CloseReason, Oid, ResError, VarBind, pdu_len};
use crate::session::{Config, Event, LossReason, Session, SetPhase};
use crate::table::Table;

/// How long a TCP connect to the master may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Largest read at once.
const READ_CHUNK: usize = 64 * 1024;

/// Bytes queued for a master that does not read beyond which the session
/// is dropped (and opened again after the back-off).
const OUTBOX_LIMIT: usize = 4 << 20;

/// Notifications raised before the session is open wait at most this long,
/// and at most [`QUEUE_LIMIT`] of them.
const QUEUE_MAX_AGE: Duration = Duration::from_secs(10);

/// See [`QUEUE_MAX_AGE`].
const QUEUE_LIMIT: usize = 64;

/// Requests received and not answered yet wait at most this many bytes
/// for a table being built; beyond it the socket is not read until the
/// table is there.
const PENDING_LIMIT: usize = 1 << 20;

/// How long one wake-up answers requests before it lets the loop go on.
pub const ANSWER_BUDGET: Duration = Duration::from_millis(5);

/// Builds a table away from the event loop.
pub type TableBuilder = Box<dyn FnOnce() -> Table + Send + 'static>;

/// What a subagent serves: the table of the moment, and the writable
/// objects (none by default).
pub trait View {
    /// The variables served now; called only when the master asked
    /// something.
    fn table(&mut self) -> Table;

    /// A builder of the same table to run on a blocking thread, for a view
    /// whose table is costly to build (taken with what it needs from the
    /// daemon's state now); `None` (the default) builds it on the loop with
    /// [`View::table`].
    fn table_builder(&mut self) -> Option<TableBuilder> {
        None
    }

    /// TestSet (RFC 2741 §7.2.4.1): check `varbinds` and remember them for
    /// the commit; the error and the 1-based index of the VarBind at fault.
    fn test_set(&mut self, varbinds: &[VarBind]) -> (ResError, u16) {
        let _ = varbinds;
        (ResError::NOT_WRITABLE, 1)
    }

    /// CommitSet: apply what the test accepted.
    fn commit_set(&mut self) -> ResError {
        ResError::COMMIT_FAILED
    }

    /// UndoSet: revert the commit.
    fn undo_set(&mut self) -> ResError {
        ResError::UNDO_FAILED
    }

    /// CleanupSet: forget what the test remembered.
    fn cleanup_set(&mut self) {}
}

/// A view with nothing in it, for the paths where only a loss can happen.
struct ReadOnly;

impl View for ReadOnly {
    fn table(&mut self) -> Table {
        Table::default()
    }
}

/// What the link logs about its master, said once per change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// The master could not be reached (the error is in the text).
    Unreachable,
    /// A session opened.
    Opened,
    /// The open session was lost.
    Lost,
    /// The master refused a registration.
    RegistrationRefused,
}

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

/// What woke the link (opaque: hand it back to [`Link::on_wake`]).
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
    /// A table built away from the loop is ready (None: its thread failed).
    Built(Option<Table>),
    /// Requests are left from the last wake-up's budget.
    Backlog,
}

/// A table being built on a blocking thread.
#[derive(Debug)]
struct Pending {
    task: JoinHandle<Table>,
    started: Instant,
}

/// One AgentX session over a socket.
#[derive(Debug)]
pub struct Link {
    socket: AgentxAddress,
    session: Session,
    conn: Conn,
    outbox: Vec<u8>,
    /// When the link was made: sysUpTime.0 of its notifications.
    created: Instant,
    /// Notifications waiting for the session to open.
    queued: VecDeque<(Instant, Oid, Vec<VarBind>)>,
    /// The master could not be reached and it was said once.
    said_unreachable: bool,
    /// A session is open.
    opened: bool,
    /// What to say, and how (set by the caller).
    notices: Vec<(Notice, String)>,
    /// How long a table answers requests once built (zero: one table per
    /// read from the socket).
    table_lifetime: Duration,
    /// The last table built and when its build started.
    table: Option<(Instant, Arc<Table>)>,
    /// A table being built (the requests in `backlog` wait for it).
    pending: Option<Pending>,
    /// Bytes from the master not handed to the session yet.
    backlog: Vec<u8>,
    /// The table answering `backlog` when the last wake-up's budget ran out.
    answering: Option<Arc<Table>>,
}

impl Link {
    /// A session with `config`'s identity and registrations to the master
    /// at `socket`; the first connect starts now (in a tokio task).
    pub fn new(config: Config, socket: AgentxAddress, now: Instant) -> Link {
        let mut session = Session::new(config, now);
        // Session::new expects a connected transport: the first connect is
        // started here and the Open queued again once it succeeds. The loss
        // of that transport that never was is not an event: handled after
        // the connect, it would drop the new connection.
        session.connection_lost(now);
        while session.poll_event().is_some() {}
        while session.poll_transmit().is_some() {}
        let task = tokio::spawn(connect(socket.clone()));
        Link {
            socket,
            session,
            conn: Conn::Connecting(task),
            outbox: Vec::new(),
            created: now,
            queued: VecDeque::new(),
            said_unreachable: false,
            opened: false,
            notices: Vec::new(),
            table_lifetime: Duration::ZERO,
            table: None,
            pending: None,
            backlog: Vec::new(),
            answering: None,
        }
    }

    /// Lets one table answer the requests of `lifetime` from the start of
    /// its build (zero, the default: a table per read from the socket).
    /// Values are then up to `lifetime` old.
    pub fn set_table_lifetime(&mut self, lifetime: Duration) {
        self.table_lifetime = lifetime;
    }

    /// Forgets the table kept for [`Link::set_table_lifetime`], so that the
    /// next request sees the state of then (after a write, say).
    pub fn invalidate_table(&mut self) {
        self.table = None;
    }

    /// The master's address.
    pub fn socket(&self) -> &AgentxAddress {
        &self.socket
    }

    /// What happened to the session since the last call, for the caller's
    /// log: each notice once per change, with its detail.
    pub fn take_notices(&mut self) -> Vec<(Notice, String)> {
        std::mem::take(&mut self.notices)
    }

    /// Logs [`Link::take_notices`] as the daemons word them; `goes_on`
    /// names what keeps running while the master is unreachable ("VRRP
    /// goes on").
    pub fn log_notices(&mut self, goes_on: &str) {
        let socket = &self.socket;
        for (notice, detail) in std::mem::take(&mut self.notices) {
            match notice {
                Notice::Unreachable => tracing::warn!(
                    "AgentX master {socket} unreachable ({detail}); SNMP is off until it \
                     answers, {goes_on}"
                ),
                Notice::Opened => tracing::info!("AgentX: {detail} open with {socket}"),
                Notice::Lost => tracing::info!("AgentX: session with {socket} lost: {detail}"),
                Notice::RegistrationRefused => {
                    tracing::warn!("AgentX: the master refused to register {detail}")
                }
            }
        }
    }

    /// Waits for the socket, the session's timer or a connect attempt.
    /// Cancel-safe.
    pub async fn wait(&mut self) -> Wake {
        if self.answering.is_some() {
            tokio::task::yield_now().await;
            return Wake(WakeKind::Backlog);
        }
        let deadline = self.session.poll_timeout();
        let sleep = async {
            match deadline {
                Some(t) => tokio::time::sleep_until(t.into()).await,
                None => std::future::pending().await,
            }
        };
        let pending = &mut self.pending;
        let backlog = self.backlog.len();
        let outbox_empty = self.outbox.is_empty();
        Wake(match &mut self.conn {
            Conn::Down => {
                sleep.await;
                WakeKind::Timer
            }
            Conn::Connecting(task) => tokio::select! {
                r = task => WakeKind::Connected(r.unwrap_or_else(|e| Err(io::Error::other(e)))),
                () = sleep => WakeKind::Timer,
            },
            Conn::Up(s) => {
                // requests waiting for a table: read on only up to a limit
                let read = backlog < PENDING_LIMIT;
                let interest = match (read, outbox_empty) {
                    (true, true) => Some(Interest::READABLE),
                    (true, false) => Some(Interest::READABLE | Interest::WRITABLE),
                    (false, false) => Some(Interest::WRITABLE),
                    (false, true) => None,
                };
                let io = async {
                    match interest {
                        Some(i) => s.ready(i).await,
                        None => std::future::pending().await,
                    }
                };
                let built = async {
                    match pending {
                        Some(p) => (&mut p.task).await.ok(),
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    r = io => match r {
                        Ok(r) => WakeKind::Io(r),
                        Err(_) => WakeKind::Io(tokio::io::Ready::READ_CLOSED),
                    },
                    t = built => WakeKind::Built(t),
                    () = sleep => WakeKind::Timer,
                }
            }
        })
    }

    /// Handles what [`Link::wait`] returned; `view` answers the master.
    pub fn on_wake(&mut self, wake: Wake, view: &mut dyn View) {
        let now = Instant::now();
        match wake.0 {
            WakeKind::Connected(Ok(s)) => {
                self.conn = Conn::Up(s);
                self.outbox.clear();
                self.session.reconnected(now);
            }
            WakeKind::Connected(Err(e)) => {
                if !self.said_unreachable {
                    self.notices.push((Notice::Unreachable, e.to_string()));
                    self.said_unreachable = true;
                }
                self.conn = Conn::Down;
                // back to the back-off: the Open goes nowhere
                self.session.reconnected(now);
                self.session.connection_lost(now);
            }
            WakeKind::Timer => self.session.handle_timeout(now),
            WakeKind::Io(ready) => self.on_io(ready, now, view),
            WakeKind::Built(table) => {
                if let Some(p) = self.pending.take() {
                    // None: the builder panicked; answer from the loop
                    let t = Arc::new(table.unwrap_or_else(|| view.table()));
                    self.table = Some((p.started, Arc::clone(&t)));
                    self.feed(now, t);
                }
            }
            WakeKind::Backlog => {
                if let Some(t) = self.answering.take() {
                    self.feed(now, t);
                }
            }
        }
        self.drain_events(now, view);
        self.flush(now, view);
    }

    fn on_io(&mut self, ready: tokio::io::Ready, now: Instant, view: &mut dyn View) {
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
                    Err(_) => {
                        closed = true;
                        break;
                    }
                }
            }
        }
        if !data.is_empty() {
            self.answer(now, data, view);
        }
        if closed {
            self.session.connection_lost(now);
        }
    }

    /// Hands `data` from the master to the session with a table: the one
    /// kept while it lives, else a new one (built away from the loop when
    /// the view offers a builder: the data waits for it).
    fn answer(&mut self, now: Instant, data: Vec<u8>, view: &mut dyn View) {
        self.backlog.extend_from_slice(&data);
        if self.pending.is_some() || self.answering.is_some() {
            return;
        }
        if let Some((at, t)) = &self.table
            && now.saturating_duration_since(*at) < self.table_lifetime
        {
            let t = Arc::clone(t);
            self.feed(now, t);
            return;
        }
        match view.table_builder() {
            Some(build) => {
                self.pending = Some(Pending {
                    task: tokio::task::spawn_blocking(build),
                    started: now,
                });
            }
            None => {
                let t = Arc::new(view.table());
                if !self.table_lifetime.is_zero() {
                    self.table = Some((now, Arc::clone(&t)));
                }
                self.feed(now, t);
            }
        }
    }

    /// Hands the backlog to the session a PDU at a time, answering from
    /// `table`, until it is empty or [`ANSWER_BUDGET`] has passed (the rest
    /// waits for the next wake-up, which comes at once).
    fn feed(&mut self, now: Instant, table: Arc<Table>) {
        let start = Instant::now();
        while !self.backlog.is_empty() {
            if start.elapsed() >= ANSWER_BUDGET {
                self.answering = Some(table);
                return;
            }
            // a whole PDU; anything else (a part, a bad header) goes to the
            // session as it is, which keeps or rejects it
            let n = match pdu_len(&self.backlog, u32::MAX) {
                Ok(Some(n)) if n <= self.backlog.len() => n,
                _ => self.backlog.len(),
            };
            let chunk: Vec<u8> = self.backlog.drain(..n).collect();
            self.session.handle_bytes(now, &chunk, &*table);
        }
    }

    fn drain_events(&mut self, now: Instant, view: &mut dyn View) {
        while let Some(ev) = self.session.poll_event() {
            match ev {
                Event::Opened { session_id } => {
                    self.notices
                        .push((Notice::Opened, format!("session {session_id}")));
                    self.said_unreachable = false;
                    self.opened = true;
                    while let Some((at, trap, vbs)) = self.queued.pop_front() {
                        if now.saturating_duration_since(at) <= QUEUE_MAX_AGE {
                            self.send(now, trap, vbs);
                        }
                    }
                }
                Event::Registered { subtree, error } if error != ResError::NO_ERROR => {
                    self.notices
                        .push((Notice::RegistrationRefused, format!("{subtree}: {error:?}")));
                }
                Event::Set {
                    transaction_id,
                    phase,
                } => {
                    let answer = match phase {
                        SetPhase::Test(vbs) => Some(view.test_set(&vbs)),
                        SetPhase::Commit => Some((view.commit_set(), 0)),
                        SetPhase::Undo => Some((view.undo_set(), 0)),
                        SetPhase::Cleanup => {
                            view.cleanup_set();
                            None
                        }
                    };
                    if let Some((err, index)) = answer {
                        // a session lost meanwhile has no one to answer
                        let _ = self.session.answer_set(transaction_id, err, index);
                    }
                }
                Event::Lost(reason) => {
                    if std::mem::take(&mut self.opened) {
                        self.notices.push((Notice::Lost, loss_text(&reason)));
                    }
                    // what the session queued for the old transport goes with it
                    self.flush(now, view);
                    self.conn = Conn::Down;
                    self.outbox.clear();
                    if let Some(p) = self.pending.take() {
                        p.task.abort();
                    }
                    self.backlog.clear();
                    self.answering = None;
                }
                Event::Reconnect => {
                    self.conn = Conn::Connecting(tokio::spawn(connect(self.socket.clone())));
                }
                _ => {}
            }
        }
    }

    /// Sends a notification (RFC 2741 §6.2.10), or queues it until the
    /// session opens (at most 64, for at most 10 s).
    pub fn notify(&mut self, trap: Oid, varbinds: Vec<VarBind>) {
        let now = Instant::now();
        if self.session.session_id().is_some() {
            self.send(now, trap, varbinds);
        } else {
            if self.queued.len() >= QUEUE_LIMIT {
                self.queued.pop_front();
            }
            self.queued.push_back((now, trap, varbinds));
        }
        // only a loss can come of it: nothing asks the view
        self.flush(now, &mut ReadOnly);
    }

    /// Hands one notification to the open session, with the link's up-time
    /// as sysUpTime.0 as net-snmp's subagents send it.
    fn send(&mut self, now: Instant, trap: Oid, varbinds: Vec<VarBind>) {
        let centis = now.saturating_duration_since(self.created).as_millis() / 10;
        let up = Some(u32::try_from(centis).unwrap_or(u32::MAX));
        // a session lost meanwhile drops it, as net-snmp does
        let _ = self.session.notify(now, up, trap, varbinds);
    }

    /// Closes the session (at shutdown or before replacing the link).
    pub fn close(&mut self) {
        self.session.close(CloseReason::Shutdown);
        self.flush(Instant::now(), &mut ReadOnly);
    }

    fn flush(&mut self, now: Instant, view: &mut dyn View) {
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
                Err(_) => {
                    self.outbox.clear();
                    self.session.connection_lost(now);
                    self.drain_events(now, view);
                    return;
                }
            }
        }
        if self.outbox.len() > OUTBOX_LIMIT {
            self.notices.push((
                Notice::Lost,
                "the master does not read its answers; dropping the session".into(),
            ));
            self.outbox.clear();
            self.session.connection_lost(now);
            self.drain_events(now, view);
        }
    }
}

fn loss_text(r: &LossReason) -> String {
    format!("{r:?}")
}
