//! The TCP_CHECK engine: every TCP_CHECK of the daemon in one task.
//!
//! A checker task per TCP_CHECK costs a tokio task (~550 B future plus its
//! header), a tokio timer entry per sleep and timeout, and a tokio IO
//! registration (epoll_ctl ADD and DEL) per check. Here one task owns a slab
//! of compact checker states (spec pointer, retry cycle, socket, generation),
//! one binary heap of deadlines, and one epoll instance of its own (itself
//! registered once with tokio) in which each connect in flight is added
//! one-shot; closing the socket removes it again, so a check costs socket,
//! connect, epoll_ctl, getsockopt(SO_ERROR) and close.
//!
//! Semantics are those of the checker tasks (`checker::run`) and keepalived's
//! check_tcp.c: the first check after a random delay up to `warmup`; a check
//! passes when the connection completes within `connect_timeout`; the next
//! check is scheduled from the completion of the previous one (`delay_loop`,
//! or `delay_before_retry` while retrying, [`Fsm`]); the connection is
//! closed gracefully (FIN) at once. At most [`MAX_CONCURRENT_CHECKS`]
//! connects are in flight; due checks beyond that wait their turn in order.

use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use rustix::event::epoll;
use socket2::{Domain, Socket, Type};
use tokio::io::unix::AsyncFd;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{Fsm, MAX_CONCURRENT_CHECKS, Report};
use crate::model::CheckerSpec;
use crate::pool::Verdict;

/// A request to the engine.
#[derive(Debug)]
enum Command {
    Add { id: usize, spec: Arc<CheckerSpec> },
    Remove { id: usize },
}

/// The daemon's side of the engine: adds and removes checkers. Dropping every
/// clone stops the engine (and closes its sockets).
#[derive(Debug, Clone)]
pub struct Engine {
    tx: mpsc::UnboundedSender<Command>,
}

impl Engine {
    /// Starts the engine task; verdict changes go to `reports`.
    pub fn spawn(reports: mpsc::UnboundedSender<Report>) -> io::Result<Engine> {
        let (tx, rx) = mpsc::unbounded_channel();
        let fd = epoll::create(epoll::CreateFlags::CLOEXEC)?;
        // SAFETY: the AsyncFd owns `fd` (an OwnedFd): it stays open and the
        // same descriptor until the AsyncFd is dropped.
        #[allow(unsafe_code)]
        let epoll = unsafe {
            AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE)
                .map_err(io::Error::from)?
        };
        tokio::spawn(run(State::new(reports), epoll, rx));
        Ok(Engine { tx })
    }

    /// Starts TCP_CHECK `spec` as checker `id` (its first verdict after the
    /// first check, like a checker task).
    pub fn add(&self, id: usize, spec: Arc<CheckerSpec>) {
        let _ = self.tx.send(Command::Add { id, spec });
    }

    /// Stops checker `id` (closing its connection if one is in flight).
    pub fn remove(&self, id: usize) {
        let _ = self.tx.send(Command::Remove { id });
    }
}

/// One checker's state: about 40 bytes.
struct Checker {
    id: usize,
    spec: Arc<CheckerSpec>,
    fsm: Fsm,
    /// The connection in flight.
    sock: Option<Socket>,
    /// The last verdict sent: 0 none yet, 1 down, 2 up.
    sent: u8,
}

/// A slab slot; `epoch` changes whenever a pending deadline or readiness of
/// the slot becomes stale (a check started or ended, the checker removed).
struct Slot {
    epoch: u32,
    checker: Option<Checker>,
}

/// What a deadline is for is read from the checker: a connect in flight
/// times out, otherwise the next check starts.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Deadline {
    at: Instant,
    slot: u32,
    epoch: u32,
}

/// The engine's state, apart from its epoll instance.
struct State {
    slots: Vec<Slot>,
    free: Vec<u32>,
    by_id: HashMap<usize, u32>,
    heap: BinaryHeap<std::cmp::Reverse<Deadline>>,
    /// Due checks waiting for a connect slot, oldest first.
    waiting: VecDeque<(u32, u32)>,
    in_flight: usize,
    reports: mpsc::UnboundedSender<Report>,
}

fn token(slot: u32, epoch: u32) -> u64 {
    (u64::from(slot) << 32) | u64::from(epoch)
}

fn untoken(t: u64) -> (u32, u32) {
    ((t >> 32) as u32, t as u32)
}

/// Opens a non-blocking socket with the checker's options and starts the
/// connect: `Ok(None)` when it completed at once, `Ok(Some(sock))` while in
/// progress.
fn start_connect(spec: &CheckerSpec) -> io::Result<Option<Socket>> {
    let addr = super::net::target(spec, 0);
    let sock = Socket::new(Domain::for_address(addr), Type::STREAM.nonblocking(), None)?;
    super::net::apply_options(socket2::SockRef::from(&sock), spec)?;
    if let Some((ip, port)) = spec.bind {
        sock.bind(&SocketAddr::new(ip, port).into())?;
    }
    match sock.connect(&addr.into()) {
        Ok(()) => Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(Some(sock)),
        Err(e) => Err(e),
    }
}

impl State {
    fn new(reports: mpsc::UnboundedSender<Report>) -> State {
        State {
            slots: Vec::new(),
            free: Vec::new(),
            by_id: HashMap::new(),
            heap: BinaryHeap::new(),
            waiting: VecDeque::new(),
            in_flight: 0,
            reports,
        }
    }

    /// Room for the checkers `cmds` add, reserved exactly: the slab and the
    /// deadline heap are held for the daemon's life, and doubling would
    /// leave up to half of them unused (~0.5 MiB at 10,000 checkers).
    fn reserve_for(&mut self, cmds: &[Command]) {
        let adds = cmds
            .iter()
            .filter(|c| matches!(c, Command::Add { .. }))
            .count();
        if adds == 0 {
            return;
        }
        self.slots
            .reserve_exact(adds.saturating_sub(self.free.len()));
        self.heap.reserve_exact(adds);
    }

    fn schedule(&mut self, slot: u32, after: Duration, now: Instant) {
        let epoch = self.slots[slot as usize].epoch;
        self.heap.push(std::cmp::Reverse(Deadline {
            at: now + after,
            slot,
            epoch,
        }));
    }

    fn command(&mut self, cmd: Command, now: Instant) {
        match cmd {
            Command::Add { id, spec } => {
                self.remove(id);
                let warmup = super::jitter_for(spec.timing.warmup, id as u64);
                let checker = Checker {
                    id,
                    fsm: Fsm::new(spec.alpha, spec.timing.retry),
                    spec,
                    sock: None,
                    sent: 0,
                };
                let slot = match self.free.pop() {
                    Some(s) => {
                        self.slots[s as usize].checker = Some(checker);
                        s
                    }
                    None => {
                        self.slots.push(Slot {
                            epoch: 0,
                            checker: Some(checker),
                        });
                        (self.slots.len() - 1) as u32
                    }
                };
                self.by_id.insert(id, slot);
                self.schedule(slot, warmup, now);
            }
            Command::Remove { id } => self.remove(id),
        }
    }

    fn remove(&mut self, id: usize) {
        let Some(slot) = self.by_id.remove(&id) else {
            return;
        };
        let s = &mut self.slots[slot as usize];
        s.epoch = s.epoch.wrapping_add(1);
        if let Some(c) = s.checker.take()
            && c.sock.is_some()
        {
            self.in_flight -= 1;
        }
        self.free.push(slot);
    }

    /// A deadline passed: start the check, or fail the connect in flight.
    fn due(&mut self, d: Deadline, epoll: &OwnedFd, now: Instant) {
        let s = &self.slots[d.slot as usize];
        if s.epoch != d.epoch {
            return;
        }
        let Some(c) = &s.checker else { return };
        if c.sock.is_some() {
            self.finish(d.slot, Err(super::net::timed_out()), now);
        } else if self.in_flight >= MAX_CONCURRENT_CHECKS {
            self.waiting.push_back((d.slot, d.epoch));
        } else {
            self.start(d.slot, epoll, now);
        }
    }

    fn start(&mut self, slot: u32, epoll: &OwnedFd, now: Instant) {
        let s = &mut self.slots[slot as usize];
        s.epoch = s.epoch.wrapping_add(1);
        let epoch = s.epoch;
        let Some(c) = s.checker.as_mut() else { return };
        let started = start_connect(&c.spec).and_then(|sock| match sock {
            None => Ok(None),
            Some(sock) => {
                epoll::add(
                    epoll,
                    sock.as_fd(),
                    epoll::EventData::new_u64(token(slot, epoch)),
                    epoll::EventFlags::OUT | epoll::EventFlags::ONESHOT,
                )?;
                Ok(Some(sock))
            }
        });
        match started {
            Ok(Some(sock)) => {
                let timeout = c.spec.timing.connect_timeout;
                c.sock = Some(sock);
                self.in_flight += 1;
                self.schedule(slot, timeout, now);
            }
            Ok(None) => self.finish(slot, Ok(()), now),
            Err(e) if keepalived_runtime::fd_limit::is_local_shortage(&e) => {
                // No socket for the check: lvsd's trouble, not the server's.
                tracing::error!(checker = %c.spec.location, target = %c.spec.target,
                    "check not run: {e}; the server keeps its state (out of file descriptors?)");
                let retry = c.spec.timing.delay_before_retry.max(Duration::from_secs(1));
                self.schedule(slot, retry, now);
            }
            Err(e) => self.finish(slot, Err(e), now),
        }
    }

    /// The socket of a connect in flight became writable: it completed.
    fn ready(&mut self, t: u64, now: Instant) {
        let (slot, epoch) = untoken(t);
        let Some(s) = self.slots.get(slot as usize) else {
            return;
        };
        if s.epoch != epoch {
            return;
        }
        let Some(sock) = s.checker.as_ref().and_then(|c| c.sock.as_ref()) else {
            return;
        };
        let result = match sock.take_error() {
            Ok(None) => Ok(()),
            Ok(Some(e)) | Err(e) => Err(e),
        };
        self.finish(slot, result, now);
    }

    /// A check ended: close its connection, run the retry cycle, report a
    /// changed verdict, schedule the next check, let a waiting one start.
    fn finish(&mut self, slot: u32, result: io::Result<()>, now: Instant) {
        let s = &mut self.slots[slot as usize];
        s.epoch = s.epoch.wrapping_add(1);
        let Some(c) = s.checker.as_mut() else { return };
        if c.sock.take().is_some() {
            self.in_flight -= 1;
        }
        if let Err(e) = &result
            && (c.spec.log_all_failures || c.fsm.up)
        {
            tracing::info!(checker = %c.spec.location, target = %c.spec.target, reason = %format!("connect: {e}"), "check failed");
        }
        let t = &c.spec.timing;
        let (next, _) = c
            .fsm
            .on_result(result.is_ok(), t.delay_loop, t.delay_before_retry);
        let up = c.fsm.up;
        let code = if up { 2 } else { 1 };
        let report = (c.sent != code).then_some(c.id);
        c.sent = code;
        if let Some(id) = report {
            let verdict = if up { Verdict::UP } else { Verdict::DOWN };
            let _ = self.reports.send(Report { id, verdict });
        }
        self.schedule(slot, next, now);
    }

    /// Starts waiting checks while connect slots are free.
    fn start_waiting(&mut self, epoll: &OwnedFd, now: Instant) {
        while self.in_flight < MAX_CONCURRENT_CHECKS
            && let Some((slot, epoch)) = self.waiting.pop_front()
        {
            let s = &self.slots[slot as usize];
            if s.epoch == epoch && s.checker.as_ref().is_some_and(|c| c.sock.is_none()) {
                self.start(slot, epoll, now);
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|d| d.0.at)
    }

    /// Runs every deadline that passed.
    fn expire(&mut self, epoll: &OwnedFd, now: Instant) {
        while self.heap.peek().is_some_and(|d| d.0.at <= now) {
            if let Some(std::cmp::Reverse(d)) = self.heap.pop() {
                self.due(d, epoll, now);
            }
        }
        // Stale deadlines of removed checkers or finished connects are
        // dropped when they come up; compact when they pile up.
        if self.heap.len() > 4 * self.by_id.len() + 1024 {
            let slots = &self.slots;
            self.heap
                .retain(|d| slots[d.0.slot as usize].epoch == d.0.epoch);
        }
    }
}

/// Events read per epoll_wait.
const BATCH: usize = 64;

/// Reads up to [`BATCH`] ready events off the engine's epoll instance,
/// appending them to `tokens`, without waiting.
fn drain(epoll: &OwnedFd, tokens: &mut Vec<u64>) -> io::Result<usize> {
    let mut buf = [const { std::mem::MaybeUninit::<epoll::Event>::uninit() }; BATCH];
    let zero = rustix::event::Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let (events, _) = epoll::wait(epoll, &mut buf, Some(&zero))?;
    tokens.extend(events.iter().map(|e| e.data.u64()));
    Ok(events.len())
}

async fn run(mut st: State, epoll: AsyncFd<OwnedFd>, mut rx: mpsc::UnboundedReceiver<Command>) {
    // One clock read per wakeup (it is a syscall on some virtual machines).
    let mut tokens: Vec<u64> = Vec::with_capacity(MAX_CONCURRENT_CHECKS);
    let mut cmds = Vec::with_capacity(256);
    let sleep = tokio::time::sleep_until(Instant::now());
    tokio::pin!(sleep);
    loop {
        let deadline = st.next_deadline();
        if let Some(at) = deadline
            && sleep.deadline() != at
        {
            sleep.as_mut().reset(at);
        }
        tokio::select! {
            n = rx.recv_many(&mut cmds, 256) => {
                if n == 0 {
                    return; // every Engine handle dropped
                }
            }
            guard = epoll.readable() => {
                let mut guard = match guard {
                    Ok(g) => g,
                    Err(e) => {
                        tracing::error!("TCP_CHECK engine: epoll: {e}");
                        return;
                    }
                };
                loop {
                    match drain(epoll.get_ref(), &mut tokens) {
                        Ok(0) => {
                            guard.clear_ready();
                            break;
                        }
                        Ok(n) => {
                            if n < BATCH {
                                // Drained: an event from now on is a new edge
                                // of the epoll descriptor for tokio.
                                guard.clear_ready();
                                break;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            tracing::error!("TCP_CHECK engine: epoll_wait: {e}");
                            guard.clear_ready();
                            break;
                        }
                    }
                }
            }
            () = &mut sleep, if deadline.is_some() => {}
        }
        let now = Instant::now();
        st.reserve_for(&cmds);
        for c in cmds.drain(..) {
            st.command(c, now);
        }
        for t in tokens.drain(..) {
            st.ready(t, now);
        }
        st.expire(epoll.get_ref(), now);
        st.start_waiting(epoll.get_ref(), now);
    }
}

#[cfg(test)]
mod tests;
