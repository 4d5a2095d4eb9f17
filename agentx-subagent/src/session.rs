//! The subagent's side of one AgentX session (RFC 2741 §7), sans-IO.
//!
//! The caller owns the stream transport (usually `unix:/var/agentx/master`)
//! and the clock:
//!
//! * [`Session::new`] queues the Open; send what [`Session::poll_transmit`]
//!   yields, in order.
//! * Feed received bytes to [`Session::handle_bytes`] (any split: PDUs are
//!   reassembled and several in one read are all handled); Get, GetNext and
//!   GetBulk are answered at once from the caller's [`MibView`].
//! * Drain [`Session::poll_event`]; answer [`Event::Set`] phases with
//!   [`Session::answer_set`].
//! * Call [`Session::handle_timeout`] at [`Session::poll_timeout`] (response
//!   timeouts, Ping, re-open back-off).
//! * On [`Event::Lost`], send what `poll_transmit` still yields and close the
//!   transport; on [`Event::Reconnect`] connect again and call
//!   [`Session::reconnected`]. If the transport breaks first, call
//!   [`Session::connection_lost`].

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::pdu::{
    self, CloseReason, DecodeError, EncodeError, GetBulk, Oid, Open, Payload, Pdu, Register,
    ResError, Response, SearchRange, Value, VarBind,
};

/// sysUpTime.0 (SNMPv2-MIB), the first VarBind of a notification when present.
pub const SYS_UP_TIME_0: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 3, 0];
/// snmpTrapOID.0 (SNMPv2-MIB), the VarBind after sysUpTime.0 in a notification.
pub const SNMP_TRAP_OID_0: [u32; 11] = [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];

/// The VarBindList of an agentx-Notify-PDU (RFC 2741 §6.2.10): sysUpTime.0
/// first when given, snmpTrapOID.0 (`trap_oid`) next, then `varbinds`.
pub fn notification(
    sys_up_time: Option<u32>,
    trap_oid: Oid,
    varbinds: Vec<VarBind>,
) -> Vec<VarBind> {
    let mut vbs = Vec::with_capacity(varbinds.len() + 2);
    if let Some(t) = sys_up_time {
        vbs.push(VarBind::new(Oid::from(SYS_UP_TIME_0), Value::TimeTicks(t)));
    }
    vbs.push(VarBind::new(
        Oid::from(SNMP_TRAP_OID_0),
        Value::ObjectIdentifier(trap_oid),
    ));
    vbs.extend(varbinds);
    vbs
}

/// A region to register once the session is open (RFC 2741 §6.2.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    /// The region's root.
    pub subtree: Oid,
    /// `r.priority` (lower wins; 127 is the default).
    pub priority: u8,
    /// `r.range_subid` and `r.upper_bound`.
    pub range: Option<(u8, u32)>,
    /// `r.timeout` in seconds (0: the session's).
    pub timeout: u8,
    /// A non-default context.
    pub context: Option<Vec<u8>>,
}

impl Registration {
    /// The subtree at the default priority, without range or context.
    pub fn new(subtree: Oid) -> Self {
        Registration {
            subtree,
            priority: 127,
            range: None,
            timeout: 0,
            context: None,
        }
    }
}

/// Session parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `o.id` of the Open.
    pub id: Oid,
    /// `o.descr` of the Open.
    pub description: Vec<u8>,
    /// `o.timeout` in seconds (0: the master's default).
    pub timeout: u8,
    /// Regions registered, in order, after each successful Open.
    pub registrations: Vec<Registration>,
    /// How long to wait for the master's Response before the session is
    /// considered lost.
    pub response_timeout: Duration,
    /// Interval of Pings while open (keepalived uses 120 s); `None` for none.
    pub ping_interval: Option<Duration>,
    /// First wait before re-opening after a loss; doubled up to
    /// `reopen_backoff_max`, reset by a successful Open.
    pub reopen_backoff: Duration,
    /// Upper bound of the re-open wait.
    pub reopen_backoff_max: Duration,
    /// Largest payload accepted from the master; a longer header loses the
    /// session without buffering the payload.
    pub max_payload: u32,
    /// Most VarBinds in a GetBulk answer.
    pub max_bulk_varbinds: usize,
}

impl Config {
    /// Defaults: 5 s response timeout, Ping every 120 s, back-off 1 s to
    /// 60 s, 1 MiB payloads, 1000 GetBulk VarBinds.
    pub fn new(id: Oid, description: impl Into<Vec<u8>>) -> Self {
        Config {
            id,
            description: description.into(),
            timeout: 0,
            registrations: Vec::new(),
            response_timeout: Duration::from_secs(5),
            ping_interval: Some(Duration::from_secs(120)),
            reopen_backoff: Duration::from_secs(1),
            reopen_backoff_max: Duration::from_secs(60),
            max_payload: 1 << 20,
            max_bulk_varbinds: 1000,
        }
    }
}

/// The caller's MIB, read in lexicographic OID order.
pub trait MibView {
    /// The value of exactly `oid`, or [`Value::NoSuchObject`] when no object
    /// of that name is served, or [`Value::NoSuchInstance`] when the object
    /// exists but not this instance (RFC 2741 §7.2.3.1).
    fn get(&self, oid: &Oid) -> Value;
    /// The first variable whose name is strictly greater than `oid`, with
    /// its value; `None` at the end of the view.
    fn get_next(&self, oid: &Oid) -> Option<(Oid, Value)>;
}

/// A phase of the master's four-phase Set (RFC 2741 §7.2.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetPhase {
    /// TestSet: validate these VarBinds and reserve resources; answer.
    Test(Vec<VarBind>),
    /// CommitSet: apply the tested values; answer.
    Commit,
    /// UndoSet: revert a commit; answer.
    Undo,
    /// CleanupSet: release resources; no answer (§7.2.4.4).
    Cleanup,
}

/// Why a session was lost.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LossReason {
    /// The master sent Close.
    MasterClosed(CloseReason),
    /// The master refused the Open.
    OpenFailed(ResError),
    /// A request to the master got no Response in time.
    Timeout,
    /// The master sent bytes that are not a valid PDU (a Close with
    /// reasonParseError is queued).
    Malformed(DecodeError),
    /// The master sent a PDU a master never sends (a Close with
    /// reasonProtocolError is queued).
    ProtocolError(u8),
    /// The caller reported the transport closed or broken.
    TransportClosed,
}

/// What the session tells the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The master accepted the Open.
    Opened {
        /// `h.sessionID` assigned by the master.
        session_id: u32,
    },
    /// The master answered a Register.
    Registered {
        /// The region.
        subtree: Oid,
        /// `NO_ERROR`, or why it refused (e.g. `DUPLICATE_REGISTRATION`).
        error: ResError,
    },
    /// A Set phase to perform; answer Test, Commit and Undo with
    /// [`Session::answer_set`].
    Set {
        /// `h.transactionID` of the Set.
        transaction_id: u32,
        /// The phase.
        phase: SetPhase,
    },
    /// The master answered a Notify.
    NotifyAnswered {
        /// The packet id [`Session::notify`] returned.
        packet_id: u32,
        /// `NO_ERROR` or the master's error.
        error: ResError,
    },
    /// The session is gone: flush `poll_transmit`, close the transport,
    /// and wait for [`Event::Reconnect`].
    Lost(LossReason),
    /// The back-off has passed: connect the transport again and call
    /// [`Session::reconnected`].
    Reconnect,
}

/// Misuse of the session by the caller.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The session is not open.
    #[error("the AgentX session is not open")]
    NotOpen,
    /// No Set phase of this transaction awaits an answer.
    #[error("no AgentX Set phase of transaction {0} awaits an answer")]
    NoPendingSet(u32),
    /// The PDU could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Open sent, no Response yet.
    Opening,
    /// Open with this session id.
    Open(u32),
    /// Lost; re-open after this instant.
    Backoff(Instant),
    /// Waiting for the caller's `reconnected`.
    AwaitTransport,
    /// Closed by the caller for good.
    Closed,
}

#[derive(Clone, Debug)]
enum Pending {
    Open,
    Register(usize),
    Notify,
    Ping,
}

/// One AgentX subagent session.
#[derive(Debug)]
pub struct Session {
    config: Config,
    state: State,
    rx: Vec<u8>,
    tx: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    next_packet_id: u32,
    pending: BTreeMap<u32, (Pending, Instant)>,
    next_ping: Option<Instant>,
    backoff: Duration,
    /// The Set phase awaiting `answer_set`: transaction and packet ids.
    pending_set: Option<(u32, u32)>,
}

impl Session {
    /// A session over a freshly connected transport: the Open is queued.
    pub fn new(config: Config, now: Instant) -> Self {
        let backoff = config.reopen_backoff;
        let mut s = Session {
            config,
            state: State::AwaitTransport,
            rx: Vec::new(),
            tx: VecDeque::new(),
            events: VecDeque::new(),
            next_packet_id: 1,
            pending: BTreeMap::new(),
            next_ping: None,
            backoff,
            pending_set: None,
        };
        s.reconnected(now);
        s
    }

    /// The session id while open.
    pub fn session_id(&self) -> Option<u32> {
        match self.state {
            State::Open(id) => Some(id),
            _ => None,
        }
    }

    /// The next PDU to write to the transport.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.tx.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let pending = self.pending.values().map(|(_, d)| *d).min();
        let other = match self.state {
            State::Open(_) => self.next_ping,
            State::Backoff(t) => Some(t),
            _ => None,
        };
        [pending, other].into_iter().flatten().min()
    }

    /// Expires response timeouts (a master that does not answer is taken
    /// as lost, RFC 2741 §7.1.9), sends Pings, ends the back-off.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.pending.values().any(|(_, d)| *d <= now) {
            self.lose(now, LossReason::Timeout);
            return;
        }
        match self.state {
            State::Open(id) => {
                if let (Some(at), Some(every)) = (self.next_ping, self.config.ping_interval)
                    && at <= now
                {
                    // RFC 2741 §6.2.11: the subagent checks the master is alive.
                    // A Ping (header and optional context) always encodes.
                    let _ = self.request(now, id, None, Payload::Ping, Pending::Ping);
                    self.next_ping = Some(now + every);
                }
            }
            State::Backoff(t) if t <= now => {
                self.state = State::AwaitTransport;
                self.events.push_back(Event::Reconnect);
            }
            _ => {}
        }
    }

    /// The caller connected a new transport: the Open is queued (§7.1.1).
    pub fn reconnected(&mut self, now: Instant) {
        self.rx.clear();
        self.tx.clear();
        self.pending.clear();
        self.pending_set = None;
        self.next_ping = None;
        self.state = State::Opening;
        let open = Payload::Open(Open {
            timeout: self.config.timeout,
            id: self.config.id.clone(),
            description: self.config.description.clone(),
        });
        if self.request(now, 0, None, open, Pending::Open).is_err() {
            // Only an over-long configured id can fail; reported as a
            // refused Open so the caller hears of it.
            self.lose(now, LossReason::OpenFailed(ResError::OPEN_FAILED));
        }
    }

    /// The caller's transport closed or broke.
    pub fn connection_lost(&mut self, now: Instant) {
        if matches!(self.state, State::Opening | State::Open(_)) {
            self.lose(now, LossReason::TransportClosed);
        }
    }

    /// Ends the session for good: a Close with `reason` is queued when open
    /// (RFC 2741 §7.1.8) and nothing is re-opened.
    pub fn close(&mut self, reason: CloseReason) {
        if let State::Open(id) = self.state {
            self.queue(&Pdu::new(id, 0, 0, Payload::Close(reason)));
        }
        self.pending.clear();
        self.state = State::Closed;
    }

    /// Sends a notification (RFC 2741 §6.2.10, §7.1.10): sysUpTime.0 when
    /// `sys_up_time` is given, then snmpTrapOID.0, then `varbinds`. Without
    /// sysUpTime.0 the master puts in its own (§6.2.10: it is optional,
    /// snmpTrapOID.0 is not). Returns the packet id that
    /// [`Event::NotifyAnswered`] will carry.
    pub fn notify(
        &mut self,
        now: Instant,
        sys_up_time: Option<u32>,
        trap_oid: Oid,
        varbinds: Vec<VarBind>,
    ) -> Result<u32, SessionError> {
        let State::Open(id) = self.state else {
            return Err(SessionError::NotOpen);
        };
        let vbs = notification(sys_up_time, trap_oid, varbinds);
        Ok(self.request(now, id, None, Payload::Notify(vbs), Pending::Notify)?)
    }

    /// Answers the Test, Commit or Undo phase of `transaction_id`:
    /// `error` and the 1-based `index` of the failing VarBind (0 for none).
    pub fn answer_set(
        &mut self,
        transaction_id: u32,
        error: ResError,
        index: u16,
    ) -> Result<(), SessionError> {
        let State::Open(id) = self.state else {
            return Err(SessionError::NotOpen);
        };
        match self.pending_set {
            Some((t, packet_id)) if t == transaction_id => {
                self.pending_set = None;
                let r = Response {
                    sys_up_time: 0,
                    error,
                    index,
                    varbinds: Vec::new(),
                };
                self.queue(&Pdu::new(
                    id,
                    transaction_id,
                    packet_id,
                    Payload::Response(r),
                ));
                Ok(())
            }
            _ => Err(SessionError::NoPendingSet(transaction_id)),
        }
    }

    /// Bytes read from the transport. Complete PDUs are handled in order;
    /// Get, GetNext and GetBulk are answered from `mib`.
    pub fn handle_bytes(&mut self, now: Instant, data: &[u8], mib: &dyn MibView) {
        if !matches!(self.state, State::Opening | State::Open(_)) {
            return;
        }
        self.rx.extend_from_slice(data);
        loop {
            let len = match pdu::pdu_len(&self.rx, self.config.max_payload) {
                Ok(Some(len)) if len <= self.rx.len() => len,
                Ok(_) => return,
                Err(e) => return self.malformed(now, e),
            };
            let decoded = Pdu::decode(&self.rx[..len]);
            self.rx.drain(..len);
            match decoded {
                Ok(p) => self.handle_pdu(now, p, mib),
                Err(e) => return self.malformed(now, e),
            }
            if !matches!(self.state, State::Opening | State::Open(_)) {
                return;
            }
        }
    }

    fn malformed(&mut self, now: Instant, e: DecodeError) {
        self.lose(now, LossReason::Malformed(e));
        // A Close with reasonParseError (RFC 2741 §6.2.2) before dropping.
        self.queue(&Pdu::new(0, 0, 0, Payload::Close(CloseReason::ParseError)));
    }

    fn handle_pdu(&mut self, now: Instant, p: Pdu, mib: &dyn MibView) {
        let open_id = self.session_id();
        match p.payload {
            Payload::Response(r) => self.handle_response(now, p.session_id, p.packet_id, r),
            Payload::Close(reason) => self.lose(now, LossReason::MasterClosed(reason)),
            Payload::Get(_) | Payload::GetNext(_) | Payload::GetBulk(_) if open_id.is_none() => {}
            Payload::Get(ranges) => {
                // RFC 2741 §7.2.3.1.
                let vbs = ranges.iter().map(|r| get_exact(mib, &r.start)).collect();
                self.respond(p.session_id, p.transaction_id, p.packet_id, vbs);
            }
            Payload::GetNext(ranges) => {
                // RFC 2741 §7.2.3.2.
                let vbs = ranges.iter().map(|r| next_in_range(mib, r)).collect();
                self.respond(p.session_id, p.transaction_id, p.packet_id, vbs);
            }
            Payload::GetBulk(g) => {
                let vbs = get_bulk(mib, g, self.config.max_bulk_varbinds);
                self.respond(p.session_id, p.transaction_id, p.packet_id, vbs);
            }
            Payload::TestSet(vbs) => {
                self.set_phase(p.transaction_id, p.packet_id, SetPhase::Test(vbs))
            }
            Payload::CommitSet => self.set_phase(p.transaction_id, p.packet_id, SetPhase::Commit),
            Payload::UndoSet => self.set_phase(p.transaction_id, p.packet_id, SetPhase::Undo),
            Payload::CleanupSet => {
                // RFC 2741 §7.2.4.4: no Response to CleanupSet.
                if self.pending_set.is_some_and(|(t, _)| t == p.transaction_id) {
                    self.pending_set = None;
                }
                self.events.push_back(Event::Set {
                    transaction_id: p.transaction_id,
                    phase: SetPhase::Cleanup,
                });
            }
            other => {
                let ty = other.type_code();
                self.lose(now, LossReason::ProtocolError(ty));
                self.queue(&Pdu::new(
                    open_id.unwrap_or(0),
                    0,
                    0,
                    Payload::Close(CloseReason::ProtocolError),
                ));
            }
        }
    }

    fn set_phase(&mut self, transaction_id: u32, packet_id: u32, phase: SetPhase) {
        if self.session_id().is_none() {
            return;
        }
        self.pending_set = Some((transaction_id, packet_id));
        self.events.push_back(Event::Set {
            transaction_id,
            phase,
        });
    }

    fn handle_response(&mut self, now: Instant, session_id: u32, packet_id: u32, r: Response) {
        // Responses are matched by packet id, in whatever order they come
        // (RFC 2741 §6.1: h.packetID); unknown ids are stale and ignored.
        let Some((kind, _)) = self.pending.remove(&packet_id) else {
            return;
        };
        match kind {
            Pending::Open if r.error == ResError::NO_ERROR => {
                self.state = State::Open(session_id);
                self.backoff = self.config.reopen_backoff;
                self.next_ping = self.config.ping_interval.map(|i| now + i);
                self.events.push_back(Event::Opened { session_id });
                // RFC 2741 §7.1.4: register the regions this subagent serves.
                for i in 0..self.config.registrations.len() {
                    let reg = &self.config.registrations[i];
                    let mut pdu = Pdu::new(
                        session_id,
                        0,
                        0,
                        Payload::Register(Register {
                            timeout: reg.timeout,
                            priority: reg.priority,
                            range: reg.range,
                            subtree: reg.subtree.clone(),
                        }),
                    );
                    pdu.context = reg.context.clone();
                    if self.request_pdu(now, pdu, Pending::Register(i)).is_err() {
                        // An over-long configured subtree.
                        let subtree = self.config.registrations[i].subtree.clone();
                        self.events.push_back(Event::Registered {
                            subtree,
                            error: ResError::PARSE_ERROR,
                        });
                    }
                }
            }
            Pending::Open => self.lose(now, LossReason::OpenFailed(r.error)),
            Pending::Register(i) => {
                let subtree = self.config.registrations[i].subtree.clone();
                self.events.push_back(Event::Registered {
                    subtree,
                    error: r.error,
                });
            }
            Pending::Notify => self.events.push_back(Event::NotifyAnswered {
                packet_id,
                error: r.error,
            }),
            Pending::Ping if r.error == ResError::NOT_OPEN => {
                self.lose(now, LossReason::MasterClosed(CloseReason::Other))
            }
            Pending::Ping => {}
        }
    }

    fn respond(&mut self, session_id: u32, transaction_id: u32, packet_id: u32, vbs: Vec<VarBind>) {
        let r = Response {
            sys_up_time: 0,
            error: ResError::NO_ERROR,
            index: 0,
            varbinds: vbs,
        };
        let pdu = Pdu::new(session_id, transaction_id, packet_id, Payload::Response(r));
        if pdu.to_bytes().is_err() {
            // An OID from the view longer than 128 sub-identifiers.
            let r = Response {
                sys_up_time: 0,
                error: ResError::GEN_ERR,
                index: 0,
                varbinds: Vec::new(),
            };
            self.queue(&Pdu::new(
                session_id,
                transaction_id,
                packet_id,
                Payload::Response(r),
            ));
        } else {
            self.queue(&pdu);
        }
    }

    fn request(
        &mut self,
        now: Instant,
        session_id: u32,
        context: Option<Vec<u8>>,
        payload: Payload,
        kind: Pending,
    ) -> Result<u32, EncodeError> {
        let mut pdu = Pdu::new(session_id, 0, 0, payload);
        pdu.context = context;
        self.request_pdu(now, pdu, kind)
    }

    fn request_pdu(
        &mut self,
        now: Instant,
        mut pdu: Pdu,
        kind: Pending,
    ) -> Result<u32, EncodeError> {
        let id = self.next_packet_id;
        self.next_packet_id = self.next_packet_id.wrapping_add(1).max(1);
        pdu.packet_id = id;
        let bytes = pdu.to_bytes()?;
        self.tx.push_back(bytes);
        self.pending
            .insert(id, (kind, now + self.config.response_timeout));
        Ok(id)
    }

    fn queue(&mut self, pdu: &Pdu) {
        if let Ok(b) = pdu.to_bytes() {
            self.tx.push_back(b);
        }
    }

    fn lose(&mut self, now: Instant, reason: LossReason) {
        self.rx.clear();
        self.tx.clear();
        self.pending.clear();
        self.pending_set = None;
        self.next_ping = None;
        if self.state != State::Closed {
            self.state = State::Backoff(now + self.backoff);
            self.backoff = self
                .backoff
                .saturating_mul(2)
                .min(self.config.reopen_backoff_max);
        }
        self.events.push_back(Event::Lost(reason));
    }
}

/// RFC 2741 §7.2.3.1: the exact name; endOfMibView is not a Get answer.
fn get_exact(mib: &dyn MibView, oid: &Oid) -> VarBind {
    let v = match mib.get(oid) {
        Value::EndOfMibView => Value::NoSuchObject,
        v => v,
    };
    VarBind::new(oid.clone(), v)
}

/// RFC 2741 §7.2.3.2: the first variable in the SearchRange (from `start`,
/// included when `include`, up to `end` excluded), else `start` with
/// endOfMibView.
fn next_in_range(mib: &dyn MibView, r: &SearchRange) -> VarBind {
    if r.include {
        let v = mib.get(&r.start);
        if !v.is_exception() {
            return VarBind::new(r.start.clone(), v);
        }
    }
    match mib.get_next(&r.start) {
        // A view answering with a name not after `start` would make the
        // master walk forever: treated as the end.
        Some((name, v))
            if name > r.start && !v.is_exception() && (r.end.is_null() || name < r.end) =>
        {
            VarBind::new(name, v)
        }
        _ => VarBind::new(r.start.clone(), Value::EndOfMibView),
    }
}

/// RFC 2741 §7.2.3.3: `non_repeaters` GetNexts, then up to
/// `max_repetitions` rounds over the other ranges, stopping when every
/// repeater has reached endOfMibView or `cap` VarBinds are collected.
fn get_bulk(mib: &dyn MibView, g: GetBulk, cap: usize) -> Vec<VarBind> {
    let n = usize::from(g.non_repeaters).min(g.ranges.len());
    let mut out: Vec<VarBind> = g.ranges[..n]
        .iter()
        .map(|r| next_in_range(mib, r))
        .collect();
    let mut repeaters: Vec<SearchRange> = g.ranges[n..].to_vec();
    if repeaters.is_empty() {
        return out;
    }
    for _ in 0..g.max_repetitions {
        if out.len() + repeaters.len() > cap {
            break;
        }
        let mut all_end = true;
        for r in &mut repeaters {
            let vb = next_in_range(mib, r);
            if vb.value != Value::EndOfMibView {
                all_end = false;
                r.start = vb.name.clone();
                r.include = false;
            }
            out.push(vb);
        }
        if all_end {
            break;
        }
    }
    out
}
