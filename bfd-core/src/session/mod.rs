//! One BFD session in Asynchronous mode (RFC 5880 §6): the state variables
//! of §6.8.1, reception (§6.8.6), the state diagram (§6.2), detection time
//! (§6.8.4), transmission with jitter (§6.8.7) and the poll sequence that
//! changes timers (§6.5, §6.8.3).
//!
//! Sans-IO in the style of `quinn-proto`: feed [`Session::handle_packet`]
//! and [`Session::handle_timeout`], then drain [`Session::poll_transmit`],
//! [`Session::poll_event`] and ask [`Session::poll_timeout`] for the next
//! deadline. The random bits for jitter come from the caller's [`Jitter`].
//!
//! Not implemented: authentication (packets with the A bit never get here,
//! see [`crate::packet::ParseError::Authenticated`]), the echo function and
//! local Demand mode (a remote's Demand bit is honoured, §6.6), as in
//! keepalived's BFD.

use alloc::collections::VecDeque;

use crate::packet::{ControlPacket, Diagnostic, State};
use crate::time::{Duration, Instant};

/// The source of random bits for transmit jitter (RFC 5880 §6.8.7). The
/// session draws one `u32` per scheduled periodic packet.
pub trait Jitter {
    /// A uniformly distributed 32-bit value.
    fn next_u32(&mut self) -> u32;
}

impl<F: FnMut() -> u32> Jitter for F {
    fn next_u32(&mut self) -> u32 {
        self()
    }
}

/// A session's configuration. [`SessionConfig::new`] gives keepalived's
/// `bfd_instance` defaults (`min_rx` 10 ms, `min_tx` 10 ms, `idle_tx`
/// 1000 ms, `multiplier` 5, not passive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// bfd.LocalDiscr: nonzero, unique among the local sessions (§6.8.1).
    pub local_discriminator: u32,
    /// bfd.DesiredMinTxInterval once Up (keepalived `min_tx`); nonzero.
    pub desired_min_tx: Duration,
    /// bfd.RequiredMinRxInterval (keepalived `min_rx`); zero asks the peer
    /// not to send periodic packets (§6.8.1).
    pub required_min_rx: Duration,
    /// The DesiredMinTxInterval used while not Up (keepalived `idle_tx`); at
    /// least one second (§6.8.3).
    pub idle_tx: Duration,
    /// bfd.DetectMult (keepalived `multiplier`); nonzero.
    pub detect_mult: u8,
    /// The Passive role (§6.1): send nothing until the peer is heard.
    pub passive: bool,
}

/// The longest interval the 32-bit microsecond fields can carry.
const MAX_INTERVAL: Duration = Duration::from_micros(u32::MAX as u64);

/// The floor on the transmit interval while not Up (RFC 5880 §6.8.3).
pub const SLOW_TX: Duration = Duration::from_secs(1);

impl SessionConfig {
    /// keepalived's defaults with the given local discriminator.
    pub const fn new(local_discriminator: u32) -> Self {
        SessionConfig {
            local_discriminator,
            desired_min_tx: Duration::from_millis(10),
            required_min_rx: Duration::from_millis(10),
            idle_tx: SLOW_TX,
            detect_mult: 5,
            passive: false,
        }
    }

    /// Checks the RFC's constraints on the values.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.local_discriminator == 0 {
            return Err(ConfigError::ZeroDiscriminator);
        }
        if self.detect_mult == 0 {
            return Err(ConfigError::ZeroDetectMult);
        }
        if self.desired_min_tx.is_zero() {
            return Err(ConfigError::ZeroDesiredMinTx);
        }
        if self.idle_tx < SLOW_TX {
            return Err(ConfigError::IdleTxBelowOneSecond(self.idle_tx));
        }
        for d in [self.desired_min_tx, self.required_min_rx, self.idle_tx] {
            if d > MAX_INTERVAL {
                return Err(ConfigError::IntervalTooLong(d));
            }
        }
        Ok(())
    }
}

/// A [`SessionConfig`] the RFC does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// bfd.LocalDiscr "MUST be nonzero" (§6.8.1).
    #[error("local discriminator is zero")]
    ZeroDiscriminator,
    /// bfd.DetectMult zero (a packet carrying it is discarded, §6.8.6).
    #[error("detect multiplier is zero")]
    ZeroDetectMult,
    /// bfd.DesiredMinTxInterval zero (reserved, §6.8.1).
    #[error("desired min tx interval is zero")]
    ZeroDesiredMinTx,
    /// The not-Up transmit interval is below one second (§6.8.3).
    #[error("idle tx interval {0} is below one second")]
    IdleTxBelowOneSecond(Duration),
    /// An interval does not fit 32 bits of microseconds (§4.1).
    #[error("interval {0} does not fit 32 bits of microseconds")]
    IntervalTooLong(Duration),
}

/// Why [`Session::handle_packet`] discarded a packet that parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Discard {
    /// Your Discriminator is nonzero and not this session's (§6.8.6: "select
    /// a session based on the value of Your Discriminator").
    #[error("your discriminator {0} is not this session's")]
    WrongDiscriminator(u32),
    /// The local session is AdminDown: the remote's variables were updated,
    /// then the packet was discarded (§6.8.6).
    #[error("session is AdminDown")]
    AdminDown,
}

/// A session state change (RFC 5880 §6.2), with what a client (VRRP's
/// `track_bfd`, a checker) needs to decide (RFC 5882 §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Event {
    /// When.
    pub at: Instant,
    /// The previous state.
    pub from: State,
    /// The new state.
    pub to: State,
    /// bfd.LocalDiag after the change.
    pub diagnostic: Diagnostic,
    /// The change was caused by the remote signalling AdminDown.
    pub remote_admin_down: bool,
}

impl Event {
    /// Up to Down for any reason but the remote's AdminDown: RFC 5882 §3.2
    /// says a remote AdminDown "MUST NOT" be taken as a failure of the path;
    /// keepalived's `bfd_state_fall` sends its Down event under the same
    /// condition.
    pub fn is_failure(&self) -> bool {
        self.from == State::Up && self.to == State::Down && !self.remote_admin_down
    }
}

/// One BFD session. See the [module documentation](self).
#[derive(Clone, Debug)]
pub struct Session {
    cfg: SessionConfig,
    // §6.8.1 state variables.
    state: State,
    remote_state: State,
    remote_discr: u32,
    local_diag: Diagnostic,
    remote_min_rx: Duration,
    remote_desired_tx: Duration,
    remote_detect_mult: u8,
    remote_demand: bool,
    // Timers as advertised in the packets we send, and as in effect
    // (§6.8.3: some changes wait for the poll sequence to end).
    advertised_tx: Duration,
    advertised_rx: Duration,
    tx_in_effect: Duration,
    rx_in_effect: Duration,
    poll_active: bool,
    // Scheduling.
    tx_interval: Option<Duration>,
    last_tx: Option<Instant>,
    next_tx: Option<Instant>,
    last_rx: Option<Instant>,
    pending_periodic: bool,
    pending_final: bool,
    events: VecDeque<Event>,
}

impl Session {
    /// A session in state Down (§6.8.1 initial values). Unless passive, its
    /// first packet is due at `now`.
    pub fn new(cfg: SessionConfig, now: Instant) -> Result<Session, ConfigError> {
        cfg.validate()?;
        let slow = cfg.desired_min_tx.max(cfg.idle_tx);
        let mut s = Session {
            cfg,
            state: State::Down,
            remote_state: State::Down,
            remote_discr: 0,
            local_diag: Diagnostic::None,
            // "This variable MUST be initialized to 1" (§6.8.1).
            remote_min_rx: Duration::from_micros(1),
            remote_desired_tx: Duration::ZERO,
            remote_detect_mult: 0,
            remote_demand: false,
            advertised_tx: slow,
            advertised_rx: cfg.required_min_rx,
            tx_in_effect: slow,
            rx_in_effect: cfg.required_min_rx,
            poll_active: false,
            tx_interval: None,
            last_tx: None,
            next_tx: None,
            last_rx: None,
            pending_periodic: false,
            pending_final: false,
            events: VecDeque::new(),
        };
        s.reschedule_tx(now, &mut || 0);
        Ok(s)
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.cfg
    }

    /// Changes bfd.LocalDiscr; packets from now on carry `d` (see
    /// [`crate::Sessions::rekey`]).
    pub(crate) fn set_local_discriminator(&mut self, d: u32) {
        self.cfg.local_discriminator = d;
    }
    /// bfd.SessionState.
    pub fn state(&self) -> State {
        self.state
    }
    /// bfd.RemoteSessionState.
    pub fn remote_state(&self) -> State {
        self.remote_state
    }
    /// bfd.LocalDiag.
    pub fn local_diagnostic(&self) -> Diagnostic {
        self.local_diag
    }
    /// bfd.RemoteDiscr (0 until heard, and again after Detection Time).
    pub fn remote_discriminator(&self) -> u32 {
        self.remote_discr
    }
    /// True while a poll sequence is under way (§6.5).
    pub fn poll_active(&self) -> bool {
        self.poll_active
    }

    /// The periodic transmit interval before jitter (§6.8.7): the larger of
    /// the DesiredMinTxInterval in effect and bfd.RemoteMinRxInterval; `None`
    /// when no periodic packet may be sent (the peer's RequiredMinRx is 0,
    /// the Passive role before the peer is heard, or the peer's Demand mode).
    pub fn transmit_interval(&self) -> Option<Duration> {
        // §6.8.7: "MUST NOT transmit ... if bfd.RemoteDiscr is zero and the
        // system is taking the Passive role"; "MUST NOT periodically transmit
        // ... if bfd.RemoteMinRxInterval is zero"; with the remote in Demand
        // mode and both Up, only a poll sequence is sent (§6.6).
        if self.cfg.passive && self.remote_discr == 0 {
            return None;
        }
        if self.remote_min_rx.is_zero() {
            return None;
        }
        if self.remote_demand
            && self.state == State::Up
            && self.remote_state == State::Up
            && !self.poll_active
        {
            return None;
        }
        Some(self.tx_in_effect.max(self.remote_min_rx))
    }

    /// The Detection Time in Asynchronous mode (§6.8.4): the remote's Detect
    /// Mult times the larger of the RequiredMinRxInterval in effect and the
    /// last received Desired Min TX Interval. `None` before a packet is
    /// received.
    pub fn detection_time(&self) -> Option<Duration> {
        if self.remote_detect_mult == 0 {
            return None;
        }
        Some(
            self.rx_in_effect
                .max(self.remote_desired_tx)
                .saturating_mul(u64::from(self.remote_detect_mult)),
        )
    }

    fn detect_deadline(&self) -> Option<Instant> {
        match (self.last_rx, self.detection_time()) {
            (Some(t), Some(d)) if self.remote_discr != 0 => Some(t + d),
            _ => None,
        }
    }

    /// Processes a received packet that [`ControlPacket::parse`] accepted and
    /// that was demultiplexed to this session (RFC 5880 §6.8.6 after the
    /// packet-only checks).
    pub fn handle_packet<J: Jitter + ?Sized>(
        &mut self,
        now: Instant,
        pkt: &ControlPacket,
        jitter: &mut J,
    ) -> Result<(), Discard> {
        if pkt.your_discriminator != 0 && pkt.your_discriminator != self.cfg.local_discriminator {
            return Err(Discard::WrongDiscriminator(pkt.your_discriminator));
        }
        self.remote_discr = pkt.my_discriminator;
        self.remote_state = pkt.state;
        self.remote_demand = pkt.demand;
        self.remote_min_rx = Duration::from_micros(u64::from(pkt.required_min_rx));
        self.remote_desired_tx = Duration::from_micros(u64::from(pkt.desired_min_tx));
        self.remote_detect_mult = pkt.detect_mult;
        // "If the Final (F) bit is set and the local system is sending a Poll
        // Sequence, the Poll Sequence MUST be terminated."
        if pkt.final_ && self.poll_active {
            self.end_poll();
        }
        if self.state == State::AdminDown {
            self.reschedule_tx(now, jitter);
            return Err(Discard::AdminDown);
        }
        // The packet counts for the Detection Time from here on.
        self.last_rx = Some(now);
        if pkt.state == State::AdminDown {
            if self.state != State::Down {
                self.local_diag = Diagnostic::NeighborSignaledSessionDown;
                self.transition(now, State::Down, true);
            }
        } else {
            match (self.state, pkt.state) {
                (State::Down, State::Down) => self.transition(now, State::Init, false),
                (State::Down, State::Init) => self.transition(now, State::Up, false),
                (State::Init, State::Init | State::Up) => self.transition(now, State::Up, false),
                (State::Up, State::Down) => {
                    self.local_diag = Diagnostic::NeighborSignaledSessionDown;
                    self.transition(now, State::Down, false);
                }
                _ => {}
            }
        }
        // "If the Poll (P) bit is set, send a BFD Control packet to the
        // remote system with the Poll (P) bit clear, and the Final (F) bit
        // set" (§6.8.6), "as soon as practicable, without respect to the
        // transmission timer" (§6.8.7).
        if pkt.poll {
            self.pending_final = true;
        }
        self.reschedule_tx(now, jitter);
        Ok(())
    }

    /// Runs the timers due at `now`: Detection Time expiry (§6.8.4) and the
    /// periodic transmission (§6.8.7).
    pub fn handle_timeout<J: Jitter + ?Sized>(&mut self, now: Instant, jitter: &mut J) {
        if self.detect_deadline().is_some_and(|d| d <= now) {
            // §6.8.1: bfd.RemoteDiscr is reset when a Detection Time passes
            // without a packet; §6.8.4: Init or Up go Down with diag 1.
            self.remote_discr = 0;
            self.remote_state = State::Down;
            self.remote_demand = false;
            self.last_rx = None;
            if matches!(self.state, State::Init | State::Up) {
                self.local_diag = Diagnostic::ControlDetectionTimeExpired;
                self.transition(now, State::Down, false);
            }
            self.reschedule_tx(now, jitter);
        }
        if self.next_tx.is_some_and(|t| t <= now) {
            self.pending_periodic = true;
            self.last_tx = Some(now);
            self.next_tx = self
                .tx_interval
                .map(|iv| now + jittered(iv, self.cfg.detect_mult, jitter.next_u32()));
        }
    }

    /// The next packet to send to the peer, if any: a Final first, then a
    /// due periodic packet (with P during a poll sequence).
    pub fn poll_transmit(&mut self) -> Option<ControlPacket> {
        if self.pending_final {
            self.pending_final = false;
            return Some(self.packet(false, true));
        }
        if self.pending_periodic {
            self.pending_periodic = false;
            return Some(self.packet(self.poll_active, false));
        }
        None
    }

    /// The next state change, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next deadline for [`Session::handle_timeout`]; `None` when
    /// nothing is scheduled. Drain [`Session::poll_transmit`] first.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.next_tx, self.detect_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Puts the session into AdminDown (`true`, diag 7) or takes it out into
    /// Down (`false`) (§6.8.16). An AdminDown session keeps signalling its
    /// state at the slow rate, so that the peer goes Down without counting
    /// it as a failure (RFC 5882 §3.2).
    pub fn set_admin_down<J: Jitter + ?Sized>(&mut self, now: Instant, down: bool, jitter: &mut J) {
        match (down, self.state) {
            (true, State::AdminDown) | (false, State::Down | State::Init | State::Up) => {}
            (true, _) => {
                self.local_diag = Diagnostic::AdministrativelyDown;
                self.last_rx = None;
                self.transition(now, State::AdminDown, false);
            }
            (false, State::AdminDown) => {
                self.local_diag = Diagnostic::None;
                self.transition(now, State::Down, false);
            }
        }
        self.reschedule_tx(now, jitter);
    }

    /// Changes bfd.DesiredMinTxInterval (once Up) and
    /// bfd.RequiredMinRxInterval (§6.8.3): while Up this starts a poll
    /// sequence, and an increase of the transmit interval or a decrease of
    /// the receive interval only takes effect when it ends.
    pub fn set_timers<J: Jitter + ?Sized>(
        &mut self,
        now: Instant,
        desired_min_tx: Duration,
        required_min_rx: Duration,
        jitter: &mut J,
    ) -> Result<(), ConfigError> {
        let cfg = SessionConfig {
            desired_min_tx,
            required_min_rx,
            ..self.cfg
        };
        cfg.validate()?;
        self.cfg = cfg;
        self.update_timers();
        self.reschedule_tx(now, jitter);
        Ok(())
    }

    fn packet(&self, poll: bool, final_: bool) -> ControlPacket {
        let us = |d: Duration| u32::try_from(d.as_micros()).unwrap_or(u32::MAX);
        // §6.8.7 "Transmitting BFD Control Packets": the field contents.
        ControlPacket {
            diagnostic: self.local_diag,
            state: self.state,
            poll,
            final_,
            control_plane_independent: false,
            demand: false,
            detect_mult: self.cfg.detect_mult,
            my_discriminator: self.cfg.local_discriminator,
            your_discriminator: self.remote_discr,
            desired_min_tx: us(self.advertised_tx),
            required_min_rx: us(self.advertised_rx),
            required_min_echo_rx: 0,
        }
    }

    fn transition(&mut self, now: Instant, to: State, remote_admin_down: bool) {
        let from = self.state;
        if from == to {
            return;
        }
        self.state = to;
        self.events.push_back(Event {
            at: now,
            from,
            to,
            diagnostic: self.local_diag,
            remote_admin_down,
        });
        if from == State::Up || to == State::Up {
            self.update_timers();
        }
    }

    /// §6.8.3: the DesiredMinTxInterval is at least one second while not
    /// Up; a change while Up starts a poll sequence.
    fn update_timers(&mut self) {
        let up = self.state == State::Up;
        let tx = if up {
            self.cfg.desired_min_tx
        } else {
            self.cfg.desired_min_tx.max(self.cfg.idle_tx)
        };
        let rx = self.cfg.required_min_rx;
        if (tx, rx) == (self.advertised_tx, self.advertised_rx) {
            return;
        }
        self.advertised_tx = tx;
        self.advertised_rx = rx;
        if up {
            self.poll_active = true;
            // "If bfd.DesiredMinTxInterval is increased and bfd.SessionState
            // is Up, the actual transmission interval used MUST NOT change
            // until the Poll Sequence ... has terminated"; "if
            // bfd.RequiredMinRxInterval is reduced and bfd.SessionState is
            // Up, the previous value ... MUST be used when calculating the
            // Detection Time for the remote system until the Poll Sequence
            // has terminated."
            if tx < self.tx_in_effect {
                self.tx_in_effect = tx;
            }
            if rx > self.rx_in_effect {
                self.rx_in_effect = rx;
            }
        } else {
            self.end_poll();
        }
    }

    fn end_poll(&mut self) {
        self.poll_active = false;
        self.tx_in_effect = self.advertised_tx;
        self.rx_in_effect = self.advertised_rx;
    }

    /// Re-plans the next periodic packet when the interval changed, or when
    /// transmission becomes allowed or forbidden.
    fn reschedule_tx<J: Jitter + ?Sized>(&mut self, now: Instant, jitter: &mut J) {
        let iv = self.transmit_interval();
        if iv == self.tx_interval && (iv.is_none() || self.next_tx.is_some()) {
            return;
        }
        self.tx_interval = iv;
        let planned = self.next_tx;
        self.next_tx = iv.map(|iv| match self.last_tx {
            None => now,
            Some(last) => {
                let at = (last + jittered(iv, self.cfg.detect_mult, jitter.next_u32())).max(now);
                // A longer interval starts after the packet already planned:
                // the peer's Detection Time still counts on it (leaving Up
                // raises the interval to 1 s, and the packet that tells the
                // peer must not come later than it expects one).
                planned.map_or(at, |p| p.min(at))
            }
        });
    }
}

/// The interval reduced by a random 0–25 %, or 10–25 % when bfd.DetectMult
/// is 1 (RFC 5880 §6.8.7: "the interval MUST be reduced by a random value
/// of 0 to 25%"; with DetectMult 1 "MUST be no more than 90% of the
/// negotiated transmission interval, and MUST be no less than 75%").
pub fn jittered(interval: Duration, detect_mult: u8, random: u32) -> Duration {
    let us = u128::from(interval.as_micros());
    let (floor_pct, span_pct) = if detect_mult == 1 { (10, 15) } else { (0, 25) };
    let reduction = us * floor_pct / 100 + us * span_pct * u128::from(random) / (100 << 32);
    Duration::from_micros(u64::try_from(us - reduction).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests;
