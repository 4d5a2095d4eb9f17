//! One virtual router: the sans-IO state machine of RFC 9568 §6 / RFC 3768 §6
//! with keepalived's semantics where they differ (see [`crate::differences`]).
//!
//! Driving one instance by hand ([`crate::Node`] does this for every
//! instance of a host, with the receive path, sync groups and advert
//! encoding):
//!
//! ```
//! use vrrp_core::{Action, Event, Instance, InstanceConfig, State};
//! use vrrp_core::packet::Version;
//! use vrrp_core::time::Instant;
//!
//! let mut cfg = InstanceConfig::new("VI_1", 51, Version::V3, "10.0.0.2".parse().unwrap());
//! cfg.priority = 150;
//! cfg.vips = vec!["10.0.0.100".parse().unwrap()];
//! let mut vr = Instance::new(cfg).unwrap();
//!
//! vr.handle_event(Instant::ZERO, Event::Startup);
//! // Loop: wait for a packet or vr.poll_timeout(), feed it, then drain.
//! let deadline = vr.poll_timeout().unwrap(); // 3 s + Skew_Time(150)
//! assert_eq!(deadline, Instant::from_micros(3_414_062));
//! vr.handle_timeout(deadline);
//! while let Some(action) = vr.poll_action() {
//!     match action {
//!         Action::SendAdvert { priority } => {
//!             let adv = vr.advertisement(priority);
//!             // emit `adv` with the codec and send it to 224.0.0.18 (or
//!             // each unicast peer)
//!             assert_eq!(adv.priority, 150);
//!         }
//!         Action::AddVips => { /* install vr.vips() */ }
//!         Action::RemoveVips => { /* remove what was installed */ }
//!         Action::Announce { rounds, .. } => println!("GARP/NA x{rounds}"),
//!         Action::StateChanged { from, to, reason } => println!("{from} -> {to}: {reason}"),
//!         _ => {}
//!     }
//! }
//! assert_eq!(vr.state(), State::Master);
//! ```
//!
//! Received packets: check them with [`crate::packet::validate`] against
//! [`Instance::expectations`]; count a rejection with
//! [`Instance::note_rejected`]; decode an accepted one and pass it to
//! [`Instance::handle_advert`] with the IP source address.

use alloc::{boxed::Box, string::String, vec, vec::Vec};

use alloc_free::ActionQueue;
use core::net::IpAddr;

use crate::config::{ConfigError, InitialState, InstanceConfig, PRIORITY_OWNER, PRIORITY_RELEASE};
use crate::counters::{CounterStore, Counters, DropReason, NewMasterReason};
use crate::packet::{
    AddressList, Advertisement, Auth, ChecksumMode, EncodedAdvert, Expectations, Family,
    UnicastPeer, Version,
};
use crate::state::{Action, AnnounceReason, Event, Reason, State};
use crate::time::{Duration, Instant};
use crate::timers::{master_down_interval, skew_time};

mod alloc_free {
    use alloc::collections::VecDeque;

    use crate::state::Action;

    /// The action queue: a `VecDeque` that starts empty (no allocation) and
    /// grows one action at a time. Once it has been drained [`CALM`] times
    /// in a row holding at most [`KEEP`] actions, it gives back the room of
    /// a larger burst. A steady Master queues one advert per event, served
    /// by that room without allocating, and an event pattern that keeps
    /// queueing more keeps its room; the four or five actions of a state
    /// change, kept for good, would cost every instance of a large node
    /// about a hundred bytes.
    #[derive(Debug, Clone)]
    pub(super) struct ActionQueue {
        q: VecDeque<Action>,
        /// The most actions held since the last drain.
        peak: u8,
        /// Drains in a row with at most [`KEEP`] actions held.
        calm: u8,
    }

    /// Room a calm queue keeps.
    const KEEP: usize = 2;
    /// Calm drains after which the room of a larger burst is given back.
    const CALM: u8 = 3;

    impl ActionQueue {
        pub(super) fn new() -> Self {
            ActionQueue {
                q: VecDeque::new(),
                peak: 0,
                calm: 0,
            }
        }
        pub(super) fn push(&mut self, a: Action) {
            if self.q.len() == self.q.capacity() {
                self.q.reserve_exact(1);
            }
            self.q.push_back(a);
            self.peak = self.peak.max(u8::try_from(self.q.len()).unwrap_or(u8::MAX));
        }
        pub(super) fn pop(&mut self) -> Option<Action> {
            let a = self.q.pop_front();
            if a.is_none() {
                self.calm = if usize::from(self.peak) <= KEEP {
                    self.calm.saturating_add(1)
                } else {
                    0
                };
                self.peak = 0;
                if self.calm >= CALM && self.q.capacity() > KEEP {
                    self.q.shrink_to(KEEP);
                }
            }
            a
        }
        pub(super) fn clear(&mut self) {
            self.q.clear();
        }
    }
}

/// Why a running Master_Down_Timer will fire: the [`Reason`] of the
/// transition it causes, kept in one byte (a `Reason` takes 24).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DownCause {
    MasterDownTimer,
    MasterReleased,
    Preempted,
}

impl DownCause {
    fn reason(self) -> Reason {
        match self {
            DownCause::MasterDownTimer => Reason::MasterDownTimer,
            DownCause::MasterReleased => Reason::MasterReleased,
            DownCause::Preempted => Reason::Preempted,
        }
    }
}

/// Fault causes (keepalived `flags_if_fault`); Fault while any is set.
mod fault {
    pub(super) const INTERFACE: u8 = 1;
    pub(super) const TRACKER: u8 = 2;
    pub(super) const EXTERNAL: u8 = 4;
    pub(super) const SYNC_GROUP: u8 = 8;
}

/// A snapshot for status output (`vrrpd` JSON, SNMP-like views).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct InstanceStatus {
    /// Instance name.
    pub name: String,
    /// VRID.
    pub vrid: u8,
    /// Version.
    pub version: Version,
    /// Family.
    pub family: Family,
    /// Current state.
    pub state: State,
    /// Reason of the last state change.
    pub last_reason: Option<Reason>,
    /// Configured priority.
    pub base_priority: u8,
    /// Priority after trackers.
    pub effective_priority: u8,
    /// Our advert interval.
    pub advert_interval: Duration,
    /// Master_Adver_Interval in use (v3 Backup: learnt from the Master).
    pub master_adver_interval: Duration,
    /// Address of the Master last accepted (in Backup), or ours (in Master).
    pub master_address: Option<IpAddr>,
    /// Priority of that Master.
    pub master_priority: u8,
    /// `accept` mode.
    pub accept: bool,
    /// Tracker states, in config order.
    pub trackers_up: Vec<bool>,
    /// Counters.
    pub counters: Counters,
}

/// One virtual router instance (one VRID, one interface, one family).
///
/// Feed input with [`handle_advert`](Self::handle_advert),
/// [`handle_timeout`](Self::handle_timeout) and
/// [`handle_event`](Self::handle_event); after each call drain
/// [`poll_action`](Self::poll_action) and re-arm your timer with
/// [`poll_timeout`](Self::poll_timeout).
#[derive(Debug, Clone)]
pub struct Instance {
    cfg: InstanceConfig,
    state: State,
    last_reason: Option<Reason>,
    effective_priority: u8,
    /// Tracker states, in config order (boxed slices, here and below: they
    /// never grow, and a `Vec` would cost each instance 8 bytes more).
    trackers_up: Box<[bool]>,
    /// Values of value trackers (`Event::TrackerValue`); `None` for boolean ones.
    tracker_values: Box<[Option<i32>]>,
    fault_flags: u8,
    /// Master_Adver_Interval (RFC 9568 §6.1).
    master_adver_int: Duration,
    /// Master_Down_Timer deadline (Backup).
    master_down_at: Option<Instant>,
    /// Adver_Timer deadline (Master).
    advert_at: Option<Instant>,
    garp_delay_at: Option<Instant>,
    garp_refresh_at: Option<Instant>,
    garp_lower_at: Option<Instant>,
    /// keepalived `preempt_time`: while set and in the future, lower adverts
    /// are still accepted.
    preempt_until: Option<Instant>,
    /// Why the running down timer will fire (for the transition reason).
    down_cause: DownCause,
    master_address: Option<IpAddr>,
    master_priority: u8,
    /// Sync group membership: the down timer only raises `wants_master`.
    sync_member: bool,
    /// Two owners (docs/keepalived.md §3.6): when we, as the higher-address
    /// owner in Master, first heard another priority-255 advert, and how
    /// many periodic adverts we sent since.
    other_owner_since: Option<Instant>,
    other_owner_adverts: u32,
    /// Our effective priority is 254 because another owner kept advertising.
    owner_demoted: bool,
    /// Deadline after the last priority-255 advert from another owner: when
    /// it passes, the other owner is gone (restore 255, stop counting).
    other_owner_gone_at: Option<Instant>,
    wants_master: bool,
    actions: ActionQueue,
    counters: CounterStore,
    /// `unicast_peers` in the codec's form, for [`Instance::expectations`].
    peers: Box<[UnicastPeer]>,
    /// The advert encoded once per configuration ([`Instance::encoded_advert`]).
    encoded: Option<EncodedAdvert>,
}

impl Instance {
    /// A new instance in Initialize. Send [`Event::Startup`] to start it.
    pub fn new(config: InstanceConfig) -> Result<Self, ConfigError> {
        let cfg = config.validated()?;
        let trackers_up = cfg.trackers.iter().map(|t| t.initially_up).collect();
        let tracker_values = vec![None; cfg.trackers.len()].into_boxed_slice();
        let mut i = Instance {
            master_adver_int: cfg.advert_interval,
            cfg,
            state: State::Initialize,
            last_reason: None,
            effective_priority: 0,
            tracker_values,
            trackers_up,
            fault_flags: 0,
            master_down_at: None,
            advert_at: None,
            garp_delay_at: None,
            garp_refresh_at: None,
            garp_lower_at: None,
            preempt_until: None,
            down_cause: DownCause::MasterDownTimer,
            master_address: None,
            master_priority: 0,
            sync_member: false,
            other_owner_since: None,
            other_owner_adverts: 0,
            owner_demoted: false,
            other_owner_gone_at: None,
            wants_master: false,
            actions: ActionQueue::new(),
            counters: CounterStore::default(),
            peers: Box::default(),
            encoded: None,
        };
        i.peers = i.cfg.unicast_peer_checks();
        i.encoded = encode(&i.cfg);
        i.effective_priority = i.compute_priority();
        if i.tracker_fault() {
            i.fault_flags |= fault::TRACKER;
        }
        Ok(i)
    }

    // ---------------------------------------------------------------- accessors

    /// The (validated) configuration.
    pub fn config(&self) -> &InstanceConfig {
        &self.cfg
    }
    /// Instance name.
    pub fn name(&self) -> &str {
        &self.cfg.name
    }
    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }
    /// Priority after trackers (keepalived `effective_priority`).
    pub fn effective_priority(&self) -> u8 {
        self.effective_priority
    }
    /// The virtual addresses (what [`Action::AddVips`] installs).
    pub fn vips(&self) -> &[IpAddr] {
        &self.cfg.vips
    }
    /// Counters (assembled on each call: the error counters are kept apart
    /// until the first error).
    pub fn counters(&self) -> Counters {
        self.counters.snapshot()
    }
    /// Master_Adver_Interval in use.
    pub fn master_adver_interval(&self) -> Duration {
        self.master_adver_int
    }
    /// Skew_Time for our effective priority and the current
    /// Master_Adver_Interval.
    pub fn skew_time(&self) -> Duration {
        skew_time(
            self.cfg.version,
            self.timer_priority(),
            self.master_adver_int,
        )
    }
    /// Master_Down_Interval for our effective priority and the current
    /// Master_Adver_Interval.
    pub fn master_down_interval(&self) -> Duration {
        master_down_interval(
            self.cfg.version,
            self.timer_priority(),
            self.master_adver_int,
            self.cfg.down_timer_adverts,
        )
    }
    /// True while a sync group holds this member back from Master because
    /// the others do not want Master yet.
    pub fn wants_master(&self) -> bool {
        self.wants_master
    }

    /// The advertisement to send for [`Action::SendAdvert`] with `priority`.
    ///
    /// Built from the configuration on each call (no allocation: the
    /// address list is inline) rather than kept per instance, because an
    /// [`Advertisement`] holds room for 255 addresses (over 4 KB) and a node
    /// may run thousands of instances. The send path uses
    /// [`Instance::encoded_advert`] instead.
    pub fn advertisement(&self, priority: u8) -> Advertisement {
        let mut a = build_template(&self.cfg);
        a.priority = priority;
        a
    }

    /// The advertisement encoded once for this configuration, from the
    /// primary address to the first destination (the multicast group, or
    /// the first unicast peer) with the RFC checksum
    /// ([`ChecksumMode::Rfc`]); [`EncodedAdvert::write`] gives the datagram
    /// for any priority and destination. Built again only when the
    /// configuration changes ([`Instance::reconfigure`]). `None` when the
    /// configuration cannot be encoded (addresses of another family than
    /// the instance's).
    pub fn encoded_advert(&self) -> Option<&EncodedAdvert> {
        self.encoded.as_ref()
    }

    /// What the codec's [`crate::packet::validate`] should expect of adverts
    /// for this instance: version, VRID, family, auth, interval, VIPs
    /// (mismatch reported, not dropped), unicast peers (source checked),
    /// `owner_ignore_adverts`, RFC checksum rule; a VRRPv3/IPv4 unicast
    /// advert whose checksum was computed over 224.0.0.18 is accepted too
    /// (keepalived 2.2.7 `vrrp_in_chk` detects that old unicast checksum
    /// unless `old_unicast_checksum` is configured). The IO layer may adjust
    /// the checksum fields before use.
    pub fn expectations(&self) -> Expectations<'_> {
        let c = &self.cfg;
        let mut e = Expectations::new(c.version, c.vrid, c.family);
        e.accept_old_unicast_checksum = true;
        e.auth = c.auth;
        e.advert_int_cs = c.advert_interval_cs();
        e.addresses = &c.vips;
        e.unicast_peers = &self.peers;
        e.check_unicast_src = !self.peers.is_empty();
        e.owner_ignores_adverts = c.owner_ignore_adverts;
        e.is_owner = c.is_owner();
        e
    }

    /// A status snapshot (allocates; not for the per-packet path).
    pub fn status(&self) -> InstanceStatus {
        InstanceStatus {
            name: self.cfg.name.clone(),
            vrid: self.cfg.vrid,
            version: self.cfg.version,
            family: self.cfg.family,
            state: self.state,
            last_reason: self.last_reason,
            base_priority: self.cfg.priority,
            effective_priority: self.effective_priority,
            advert_interval: self.cfg.advert_interval,
            master_adver_interval: self.master_adver_int,
            master_address: match self.state {
                State::Master => Some(self.cfg.primary_address),
                _ => self.master_address,
            },
            master_priority: match self.state {
                State::Master => self.effective_priority,
                _ => self.master_priority,
            },
            accept: self.cfg.accept,
            trackers_up: self.trackers_up.to_vec(),
            counters: self.counters.snapshot(),
        }
    }

    // ---------------------------------------------------------------- outputs

    /// Next action to perform, in order.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next; `None`
    /// when no timer runs (Initialize, Fault, Stop).
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.master_down_at,
            self.advert_at,
            self.garp_delay_at,
            self.garp_refresh_at,
            self.garp_lower_at,
            self.other_owner_gone_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Counts an advertisement the IO layer or the codec rejected before
    /// it reached [`handle_advert`](Self::handle_advert).
    pub fn note_rejected(&mut self, reason: DropReason) {
        self.counters.count_drop(reason);
    }

    // ---------------------------------------------------------------- inputs

    /// A received advertisement, already checked by the codec (length,
    /// checksum, TTL, type). `src` is the IP source address.
    ///
    /// Returns `Err` with the reason if the advert was dropped (it is also
    /// counted).
    pub fn handle_advert(
        &mut self,
        now: Instant,
        src: IpAddr,
        adv: &Advertisement,
    ) -> Result<(), DropReason> {
        // keepalived vrrp_dispatcher_read: FAULT/INIT/STOP discard unprocessed.
        if !matches!(self.state, State::Backup | State::Master) {
            return Ok(());
        }
        if let Err(r) = self.check_advert(src, adv) {
            self.counters.count_drop(r);
            return Err(r);
        }
        self.counters.rcvd_advertisements += 1;
        if adv.priority == PRIORITY_RELEASE {
            self.counters.rcvd_pri_zero_packets += 1;
        }
        if !self.address_list_matches(adv) {
            // docs/keepalived.md §3.9 step 14: logged and counted, still processed.
            self.counters.count_address_list_error();
        }
        match self.state {
            State::Backup => self.backup_rx(now, src, adv),
            State::Master => self.master_rx(now, src, adv),
            _ => {}
        }
        Ok(())
    }

    /// Runs every timer that expired at or before `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(t) = self.other_owner_gone_at
            && t <= now
        {
            // Before the down timer: a demoted owner in Backup takes over
            // at 255 when the other owner has gone.
            self.other_owner_gone(now);
        }
        if let Some(t) = self.master_down_at
            && t <= now
        {
            self.master_down_at = None;
            self.on_master_down(now);
        }
        if self.state != State::Master {
            return;
        }
        if let Some(t) = self.advert_at
            && t <= now
        {
            // RFC 9568 §6.4.3: send an advert, reset Adver_Timer.
            self.send_advert(self.effective_priority);
            self.advert_at = Some(now + self.cfg.advert_interval);
        }
        let g = self.cfg.garp;
        if let Some(t) = self.garp_delay_at
            && t <= now
        {
            self.garp_delay_at = None;
            self.announce(g.master_repeat, AnnounceReason::MasterDelay);
        }
        if let Some(t) = self.garp_lower_at
            && t <= now
        {
            self.garp_lower_at = None;
            self.announce(g.lower_prio_repeat, AnnounceReason::LowerPriorityDelay);
        }
        if let Some(t) = self.garp_refresh_at
            && t <= now
        {
            self.garp_refresh_at = Some(now + g.master_refresh);
            self.announce(g.master_refresh_repeat, AnnounceReason::Refresh);
        }
    }

    /// A non-packet event.
    pub fn handle_event(&mut self, now: Instant, ev: Event) {
        match ev {
            Event::Startup => self.startup(now),
            Event::Shutdown => self.shutdown(),
            Event::InterfaceUp => {
                self.set_fault_flag(now, fault::INTERFACE, false, Reason::InterfaceDown)
            }
            Event::InterfaceDown => {
                self.set_fault_flag(now, fault::INTERFACE, true, Reason::InterfaceDown)
            }
            Event::TrackerUp(i) => self.set_tracker(now, i, true),
            Event::TrackerDown(i) => self.set_tracker(now, i, false),
            Event::TrackerValue(i, v) => self.set_tracker_value(now, i, v),
            Event::FaultOn => {
                self.set_fault_flag(now, fault::EXTERNAL, true, Reason::ExternalFault)
            }
            Event::FaultOff => {
                self.set_fault_flag(now, fault::EXTERNAL, false, Reason::ExternalFault)
            }
            Event::VipRemoved => self.vip_removed(now),
        }
    }

    /// keepalived_netlink.c `set_vrrp_backup`, called from
    /// `netlink_if_address_filter` when an RTM_DELADDR removes a Master's
    /// VIP: `vrrp_state_leave_master` towards Backup with the advert flag
    /// (`vrrp_restore_interface` sends priority 0, then removes the VIPs),
    /// then `ms_down_timer = VRRP_TIMER_SKEW` so the instance takes over again
    /// after Skew_Time if nobody else does (docs/keepalived.md §3.24).
    fn vip_removed(&mut self, now: Instant) {
        if self.state != State::Master {
            return;
        }
        self.send_advert(PRIORITY_RELEASE);
        self.leave_master(now, State::Backup, Reason::VipRemoved);
        self.master_down_at = Some(now + self.skew_time());
    }

    /// Replaces the configuration keeping the state (keepalived reload
    /// matches instances and keeps their state). VRID, family and version
    /// may not change. Tracker states are kept by tracker kind and name and the
    /// tracker fault is re-evaluated. A Master re-installs its VIPs
    /// ([`Action::AddVips`]) and sends its next advert with the new priority;
    /// a Backup re-times its Master_Down_Timer from `now`.
    pub fn reconfigure(&mut self, now: Instant, config: InstanceConfig) -> Result<(), ConfigError> {
        let cfg = config.validated()?;
        if cfg.vrid != self.cfg.vrid
            || cfg.family != self.cfg.family
            || cfg.version != self.cfg.version
        {
            return Err(ConfigError::IdentityChanged);
        }
        // A tracker keeps its state under its kind and name (a reload may add, remove
        // or reorder trackers: a state kept by position would belong to
        // another tracker); new ones start from their initial state.
        let mut taken = vec![false; self.cfg.trackers.len()];
        let (trackers_up, tracker_values): (Vec<bool>, Vec<Option<i32>>) = cfg
            .trackers
            .iter()
            .map(|t| {
                let old = self
                    .cfg
                    .trackers
                    .iter()
                    .zip(taken.iter_mut())
                    .zip(self.trackers_up.iter().zip(&self.tracker_values))
                    .find(|((o, used), _)| !**used && o.kind == t.kind && o.name == t.name);
                match old {
                    Some(((_, used), (&up, &value))) => {
                        *used = true;
                        (up, value)
                    }
                    None => (t.initially_up, None),
                }
            })
            .unzip();
        self.trackers_up = trackers_up.into_boxed_slice();
        self.tracker_values = tracker_values.into_boxed_slice();
        let vips_changed = cfg.vips != self.cfg.vips;
        self.cfg = cfg;
        self.peers = self.cfg.unicast_peer_checks();
        self.encoded = encode(&self.cfg);
        match self.state {
            State::Master => {
                self.master_adver_int = self.cfg.advert_interval;
                if vips_changed {
                    self.actions.push(Action::AddVips);
                }
            }
            State::Backup => {
                if self.cfg.version == Version::V2 {
                    self.master_adver_int = self.cfg.advert_interval;
                }
                self.master_down_at = Some(now + self.master_down_interval());
            }
            _ => self.master_adver_int = self.cfg.advert_interval,
        }
        self.refresh_priority(now);
        // The tracker fault follows the new tracker set (a removed failing
        // tracker must not leave the instance in Fault).
        let failing = (0..self.trackers_up.len()).find(|&i| self.tracker_faults(i));
        let reason = failing.map_or_else(|| self.fault_reason(), Reason::TrackerFailed);
        self.set_fault_flag(now, fault::TRACKER, failing.is_some(), reason);
        Ok(())
    }

    // ---------------------------------------------------------------- internals

    fn timer_priority(&self) -> u8 {
        // docs/keepalived.md §3.3: the effective priority, 255 for an owner.
        if self.cfg.is_owner() {
            PRIORITY_OWNER
        } else {
            self.effective_priority
        }
    }

    fn check_advert(&self, src: IpAddr, adv: &Advertisement) -> Result<(), DropReason> {
        let src_family = match src {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        };
        if src_family != self.cfg.family {
            return Err(DropReason::Family);
        }
        if adv.version != self.cfg.version {
            return Err(DropReason::Version);
        }
        if adv.vrid != self.cfg.vrid {
            return Err(DropReason::Vrid);
        }
        if self.cfg.version == Version::V2 {
            // RFC 3768 §7.1 / docs/keepalived.md §3.9 step 6: auth, then interval.
            match (adv.auth, self.cfg.auth) {
                (Auth::Other(..), _) => return Err(DropReason::AuthInvalidType),
                (Auth::None, Auth::None) | (Auth::Ah, Auth::Ah) => {}
                (Auth::Pass(got), Auth::Pass(want)) => {
                    if !constant_time_eq(&got, &want) {
                        return Err(DropReason::AuthFailure);
                    }
                }
                _ => return Err(DropReason::AuthTypeMismatch),
            }
            if adv.max_advert_int_cs != self.cfg.advert_interval_cs() {
                return Err(DropReason::AdvertInterval);
            }
        } else if adv.max_advert_int_cs == 0 {
            return Err(DropReason::AdvertInterval);
        }
        if !self.cfg.unicast_peers.is_empty() && !self.cfg.unicast_peers.contains(&src) {
            return Err(DropReason::UnicastPeer);
        }
        if self.cfg.owner_ignore_adverts && self.cfg.is_owner() {
            return Err(DropReason::OwnerIgnore);
        }
        Ok(())
    }

    fn address_list_matches(&self, adv: &Advertisement) -> bool {
        let got = adv.addresses.as_slice();
        got.len() == self.cfg.vips.len() && self.cfg.vips.iter().all(|v| got.contains(v))
    }

    /// RFC 9568 §6.4.2 as keepalived's `vrrp_state_backup` does it
    /// (docs/keepalived.md §3.5).
    fn backup_rx(&mut self, now: Instant, src: IpAddr, adv: &Advertisement) {
        if self.owner_demoted && adv.priority == PRIORITY_OWNER {
            // The other owner is still there: keep 254.
            self.other_owner_gone_at = Some(now + self.master_down_interval());
        }
        if adv.priority == PRIORITY_RELEASE {
            // Master released: take over after Skew_Time.
            self.master_down_at = Some(now + self.skew_time());
            self.down_cause = DownCause::MasterReleased;
            return;
        }
        let eff = self.effective_priority;
        let delay_running =
            !self.cfg.preempt_delay.is_zero() && self.preempt_until.is_none_or(|t| t > now);
        if self.cfg.nopreempt || adv.priority >= eff || delay_running {
            // Accept: no address tie-break in Backup (docs/keepalived.md §8.15).
            if self.cfg.version == Version::V3 {
                self.master_adver_int = Duration::from_centis(u64::from(adv.max_advert_int_cs));
            }
            self.master_down_at = Some(now + self.master_down_interval());
            self.down_cause = DownCause::MasterDownTimer;
            if !self.cfg.preempt_delay.is_zero() {
                if adv.priority >= eff {
                    self.preempt_until = None;
                } else if self.preempt_until.is_none() {
                    self.preempt_until = Some(now + self.cfg.preempt_delay);
                }
            }
            self.master_address = Some(src);
            self.master_priority = adv.priority;
            self.wants_master = false;
        } else {
            // Lower priority and we may preempt: discard, timer keeps running.
            self.down_cause = DownCause::Preempted;
        }
    }

    /// RFC 9568 §6.4.3 as keepalived's `vrrp_state_master_rx` does it
    /// (docs/keepalived.md §3.6).
    fn master_rx(&mut self, now: Instant, src: IpAddr, adv: &Advertisement) {
        if adv.priority == PRIORITY_RELEASE {
            // Another router released: reassert at once.
            self.send_advert(self.effective_priority);
            self.advert_at = Some(now + self.cfg.advert_interval);
            return;
        }
        let eff = self.effective_priority;
        let ours = self.cfg.primary_address;
        let higher = adv.priority > eff || (adv.priority == eff && addr_gt(src, ours));
        if adv.priority == eff && src == ours {
            // Our own address at our priority: keepalived only warns.
            return;
        }
        if self.owner_demoted && adv.priority == PRIORITY_OWNER {
            self.other_owner_gone_at = Some(now + self.master_down_interval());
        }
        if !higher && adv.priority == PRIORITY_OWNER && eff == PRIORITY_OWNER {
            // We are the higher-address owner: yield only if the other owner
            // does not back off (docs/keepalived.md §3.6).
            self.other_owner_heard(now, adv);
            if self.owner_demoted {
                return;
            }
        }
        if higher {
            if self.cfg.higher_prio_send_advert {
                self.send_advert(eff);
            }
            let reason = if adv.priority > eff {
                Reason::HigherPriority {
                    priority: adv.priority,
                    from: src,
                }
            } else {
                Reason::EqualPriorityHigherAddress { from: src }
            };
            if self.cfg.version == Version::V3 {
                self.master_adver_int = Duration::from_centis(u64::from(adv.max_advert_int_cs));
            }
            self.master_address = Some(src);
            self.master_priority = adv.priority;
            self.leave_master(now, State::Backup, reason);
        } else {
            // Lower priority (or equal from a lower address): stay Master,
            // answer at once unless lower_prio_no_advert, re-announce.
            if !self.cfg.lower_prio_no_advert {
                self.send_advert(eff);
                self.advert_at = Some(now + self.cfg.advert_interval);
            }
            let g = self.cfg.garp;
            if g.lower_prio_repeat > 0 {
                self.announce(g.lower_prio_repeat, AnnounceReason::LowerPriority);
                if !g.lower_prio_delay.is_zero() {
                    self.garp_lower_at = Some(now + g.lower_prio_delay);
                }
            }
            self.actions.push(Action::MasterRxLowerPriority {
                from: src,
                priority: adv.priority,
            });
        }
    }

    /// docs/keepalived.md §3.6, two owners: the higher-address owner waits for
    /// 2 of its own adverts (periodic or replies) plus 1.2 × max(own, received advert
    /// interval) after the first advert of the other owner; if the other
    /// owner still advertises then, it drops to 254.
    fn other_owner_heard(&mut self, now: Instant, adv: &Advertisement) {
        self.other_owner_gone_at = Some(now + self.master_down_interval());
        let Some(since) = self.other_owner_since else {
            self.other_owner_since = Some(now);
            self.other_owner_adverts = 0;
            return;
        };
        let theirs = match self.cfg.version {
            Version::V3 => Duration::from_centis(u64::from(adv.max_advert_int_cs)),
            Version::V2 => self.cfg.advert_interval,
        };
        let longest = theirs.as_micros().max(self.cfg.advert_interval.as_micros());
        let wait = Duration::from_micros(longest.saturating_mul(6) / 5);
        if self.other_owner_adverts >= 2 && now.saturating_duration_since(since) >= wait {
            self.owner_demoted = true;
            self.other_owner_since = None;
            self.other_owner_adverts = 0;
            self.refresh_priority(now);
        }
    }

    /// No priority-255 advert from another owner for Master_Down_Interval.
    fn other_owner_gone(&mut self, now: Instant) {
        self.other_owner_gone_at = None;
        self.other_owner_since = None;
        self.other_owner_adverts = 0;
        if self.owner_demoted {
            self.owner_demoted = false;
            self.refresh_priority(now);
        }
    }

    fn on_master_down(&mut self, now: Instant) {
        if self.state != State::Backup {
            return;
        }
        if self.sync_member {
            // keepalived vrrp_sync_can_goto_master: wait for the others,
            // re-arm the timer; the SyncGroup decides.
            self.wants_master = true;
            self.master_down_at = Some(now + self.master_down_interval());
            return;
        }
        let reason = self.down_cause.reason();
        self.become_master(now, reason);
    }

    fn become_master(&mut self, now: Instant, reason: Reason) {
        let from = self.state;
        self.state = State::Master;
        self.wants_master = false;
        self.master_down_at = None;
        self.preempt_until = None;
        self.master_adver_int = self.cfg.advert_interval;
        // keepalived vrrp_state_master_tx: advert first, then VIPs, then GARP.
        self.send_advert(self.effective_priority);
        self.advert_at = Some(now + self.cfg.advert_interval);
        self.actions.push(Action::AddVips);
        let g = self.cfg.garp;
        self.announce(g.master_repeat, AnnounceReason::BecameMaster);
        self.garp_delay_at =
            (!g.master_delay.is_zero() && g.master_repeat > 0).then(|| now + g.master_delay);
        self.garp_refresh_at =
            (!g.master_refresh.is_zero()).then(|| now + g.master_delay + g.master_refresh);
        self.garp_lower_at = None;
        self.counters.master_transitions += 1;
        // keepalived's `next_master_reason`: priority(1) after a priority 0
        // advert (vrrp.c `vrrp_state_backup`), preempted(2) for a discarded
        // lower priority or the address owner (vrrp_scheduler.c
        // `vrrp_init_state`), masterNoResponse(3) otherwise.
        self.counters.new_master_reason = match reason {
            Reason::MasterReleased => NewMasterReason::Priority,
            Reason::AddressOwner | Reason::Preempted => NewMasterReason::Preempted,
            _ => NewMasterReason::MasterNoResponse,
        };
        self.transition(from, State::Master, reason);
    }

    /// Master → Backup/Fault/Stop.
    fn leave_master(&mut self, now: Instant, to: State, reason: Reason) {
        if to != State::Backup {
            // keepalived: leaving MASTER for FAULT or STOP sends priority 0.
            self.send_advert(PRIORITY_RELEASE);
        }
        self.actions.push(Action::RemoveVips);
        self.counters.released_master += 1;
        self.clear_master_timers();
        self.state = to;
        if to == State::Backup {
            self.master_down_at = Some(now + self.master_down_interval());
            self.down_cause = DownCause::MasterDownTimer;
        }
        self.transition(State::Master, to, reason);
    }

    fn clear_master_timers(&mut self) {
        self.advert_at = None;
        self.garp_delay_at = None;
        self.garp_refresh_at = None;
        self.garp_lower_at = None;
    }

    fn transition(&mut self, from: State, to: State, reason: Reason) {
        self.last_reason = Some(reason);
        self.actions.push(Action::StateChanged { from, to, reason });
    }

    fn send_advert(&mut self, priority: u8) {
        self.counters.sent_advertisements += 1;
        if priority == PRIORITY_RELEASE {
            self.counters.sent_pri_zero_packets += 1;
        }
        if self.other_owner_since.is_some() {
            // Two owners: count our adverts (periodic and replies).
            self.other_owner_adverts = self.other_owner_adverts.saturating_add(1);
        }
        self.actions.push(Action::SendAdvert { priority });
    }

    fn announce(&mut self, rounds: u32, reason: AnnounceReason) {
        if rounds > 0 && !self.cfg.vips.is_empty() {
            self.actions.push(Action::Announce { rounds, reason });
        }
    }

    fn enter_backup(&mut self, now: Instant, from: State, reason: Reason, down: Duration) {
        self.state = State::Backup;
        self.master_adver_int = self.cfg.advert_interval;
        self.master_down_at = Some(now + down);
        self.down_cause = DownCause::MasterDownTimer;
        self.master_address = None;
        self.master_priority = 0;
        self.preempt_until = None;
        self.transition(from, State::Backup, reason);
    }

    fn startup(&mut self, now: Instant) {
        if !matches!(self.state, State::Initialize | State::Stop) {
            return;
        }
        let from = self.state;
        self.master_adver_int = self.cfg.advert_interval;
        if self.fault_flags != 0 {
            self.state = State::Fault;
            let r = self.fault_reason();
            self.transition(from, State::Fault, r);
        } else if self.cfg.is_owner() && self.cfg.wanted_initial_state() == InitialState::Master {
            if self.sync_member {
                // docs/keepalived.md §3.4 (`vrrp_init_state`): a sync group
                // member that wants Master while its group is Backup waits
                // Advert_Interval + Skew_Time(255), then the group decides.
                let d = self.cfg.advert_interval
                    + skew_time(self.cfg.version, PRIORITY_OWNER, self.cfg.advert_interval);
                self.enter_backup(now, from, Reason::Startup, d);
            } else {
                // RFC 9568 §6.4.1: priority 255 goes straight to Master.
                self.become_master(now, Reason::AddressOwner);
            }
        } else {
            // docs/keepalived.md §3.4: `state MASTER` below 255 still waits the full
            // Master_Down_Interval in Backup.
            let d = self.master_down_interval();
            self.enter_backup(now, from, Reason::Startup, d);
        }
    }

    fn shutdown(&mut self) {
        match self.state {
            State::Master => {
                // now is irrelevant for Stop (no timers).
                self.leave_master(Instant::ZERO, State::Stop, Reason::Shutdown)
            }
            State::Backup | State::Fault => {
                let from = self.state;
                self.state = State::Stop;
                self.master_down_at = None;
                self.wants_master = false;
                self.transition(from, State::Stop, Reason::Shutdown);
            }
            State::Initialize | State::Stop => {}
        }
        self.forget_other_owner();
    }

    /// Leaving Master/Backup for Fault or Stop: the two-owner episode ends
    /// silently (keepalived never notifies an owner's priority).
    fn forget_other_owner(&mut self) {
        self.other_owner_gone_at = None;
        self.other_owner_since = None;
        self.other_owner_adverts = 0;
        if self.owner_demoted {
            self.owner_demoted = false;
            self.effective_priority = self.compute_priority();
        }
    }

    fn fault_reason(&self) -> Reason {
        if self.fault_flags & fault::INTERFACE != 0 {
            Reason::InterfaceDown
        } else if self.fault_flags & fault::TRACKER != 0 {
            let i = (0..self.trackers_up.len())
                .find(|&i| self.tracker_faults(i))
                .unwrap_or(0);
            Reason::TrackerFailed(i)
        } else if self.fault_flags & fault::EXTERNAL != 0 {
            Reason::ExternalFault
        } else {
            Reason::SyncGroupFault
        }
    }

    fn tracker_faults(&self, i: usize) -> bool {
        match (
            self.cfg.trackers.get(i),
            self.trackers_up.get(i),
            self.tracker_values.get(i),
        ) {
            (Some(t), _, Some(Some(v))) => t.value_effect(*v).is_none(),
            (Some(t), Some(&up), _) => t.faults(up),
            _ => false,
        }
    }

    /// Adjustment of tracker `i` (value trackers per keepalived track_file).
    fn tracker_adjustment(&self, i: usize) -> i32 {
        match (
            self.cfg.trackers.get(i),
            self.trackers_up.get(i),
            self.tracker_values.get(i),
        ) {
            (Some(t), _, Some(Some(v))) => t.value_effect(*v).unwrap_or(0),
            (Some(t), Some(&up), _) => t.adjustment(up),
            _ => 0,
        }
    }

    fn tracker_fault(&self) -> bool {
        (0..self.trackers_up.len()).any(|i| self.tracker_faults(i))
    }

    /// docs/keepalived.md §3.15: base + Σ adjustments clamped to 1..=254; an owner
    /// never changes.
    fn compute_priority(&self) -> u8 {
        if self.cfg.is_owner() {
            // docs/keepalived.md §3.6: 254 while another owner advertises.
            return if self.owner_demoted {
                PRIORITY_OWNER - 1
            } else {
                PRIORITY_OWNER
            };
        }
        let total: i32 = i32::from(self.cfg.priority)
            + (0..self.cfg.trackers.len())
                .map(|i| self.tracker_adjustment(i))
                .sum::<i32>();
        u8::try_from(total.clamp(1, 254)).unwrap_or(1)
    }

    /// keepalived vrrp_track.c `update_track_file_status`: the value moves
    /// the priority or (at −254 / weight 0) puts the instance in Fault.
    fn set_tracker_value(&mut self, now: Instant, i: usize, value: i32) {
        let Some(t) = self.cfg.trackers.get(i) else {
            return;
        };
        let up = t.value_effect(value).is_some();
        let (Some(slot), Some(up_slot)) =
            (self.tracker_values.get_mut(i), self.trackers_up.get_mut(i))
        else {
            return;
        };
        if *slot == Some(value) {
            return;
        }
        *slot = Some(value);
        *up_slot = up;
        self.tracker_changed(now, i);
    }

    fn set_tracker(&mut self, now: Instant, i: usize, up: bool) {
        let (Some(slot), Some(value)) =
            (self.trackers_up.get_mut(i), self.tracker_values.get_mut(i))
        else {
            return;
        };
        if *slot == up && value.is_none() {
            return;
        }
        *slot = up;
        *value = None;
        self.tracker_changed(now, i);
    }

    fn tracker_changed(&mut self, now: Instant, i: usize) {
        let failed_now = self.tracker_faults(i);
        self.refresh_priority(now);
        let flag = self.tracker_fault();
        let reason = if failed_now {
            Reason::TrackerFailed(i)
        } else {
            self.fault_reason()
        };
        self.set_fault_flag(now, fault::TRACKER, flag, reason);
    }

    fn refresh_priority(&mut self, _now: Instant) {
        let p = self.compute_priority();
        if p != self.effective_priority {
            let from = self.effective_priority;
            self.effective_priority = p;
            // keepalived's vrrp_set_effective_priority reports a change in
            // any state once running, FAULT included.
            if matches!(self.state, State::Backup | State::Master | State::Fault) {
                self.actions.push(Action::PriorityChanged { from, to: p });
            }
        }
    }

    fn set_fault_flag(&mut self, now: Instant, flag: u8, on: bool, reason: Reason) {
        let before = self.fault_flags;
        if on {
            self.fault_flags |= flag;
        } else {
            self.fault_flags &= !flag;
        }
        if before == self.fault_flags {
            return;
        }
        match self.state {
            State::Backup | State::Master if self.fault_flags != 0 => self.enter_fault(now, reason),
            State::Fault if self.fault_flags == 0 => self.leave_fault(now),
            _ => {}
        }
    }

    fn enter_fault(&mut self, now: Instant, reason: Reason) {
        match self.state {
            State::Master => self.leave_master(now, State::Fault, reason),
            State::Backup => {
                self.state = State::Fault;
                self.master_down_at = None;
                self.wants_master = false;
                self.transition(State::Backup, State::Fault, reason);
            }
            _ => {}
        }
        self.forget_other_owner();
    }

    fn leave_fault(&mut self, now: Instant) {
        self.master_adver_int = self.cfg.advert_interval;
        // docs/keepalived.md §3.17: Backup with 3×adv+Skew; an owner wanting Master
        // uses adv+Skew.
        let d = if self.cfg.is_owner() && self.cfg.wanted_initial_state() == InitialState::Master {
            self.cfg.advert_interval + self.skew_time()
        } else {
            self.master_down_interval()
        };
        self.enter_backup(now, State::Fault, Reason::FaultCleared, d);
    }

    // ---------------------------------------------------------------- sync group hooks

    pub(crate) fn set_sync_member(&mut self, on: bool) {
        self.sync_member = on;
    }

    /// True if this member has a fault of its own (not one the group imposed).
    pub(crate) fn has_own_fault(&self) -> bool {
        self.fault_flags & !fault::SYNC_GROUP != 0
    }

    pub(crate) fn set_sync_fault(&mut self, now: Instant, on: bool) {
        self.set_fault_flag(now, fault::SYNC_GROUP, on, Reason::SyncGroupFault);
    }

    pub(crate) fn sync_force_master(&mut self, now: Instant) {
        if self.state == State::Backup {
            self.become_master(now, Reason::SyncGroup);
        }
    }

    pub(crate) fn sync_force_backup(&mut self, now: Instant) {
        if self.state == State::Master {
            self.leave_master(now, State::Backup, Reason::SyncGroup);
        }
    }

    /// Drops pending actions (used when a simulated node crashes).
    pub fn discard_actions(&mut self) {
        self.actions.clear();
    }
}

/// Unsigned numeric compare of addresses in network order (keepalived
/// `inet_inaddrcmp`), used for the equal-priority tie-break.
fn addr_gt(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => a.to_bits() > b.to_bits(),
        (IpAddr::V6(a), IpAddr::V6(b)) => a.to_bits() > b.to_bits(),
        _ => false,
    }
}

fn constant_time_eq(a: &[u8; 8], b: &[u8; 8]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The cached encoding of `cfg`'s advert (see [`Instance::encoded_advert`]).
fn encode(cfg: &InstanceConfig) -> Option<EncodedAdvert> {
    let dst = cfg
        .unicast_peers
        .first()
        .copied()
        .unwrap_or_else(|| cfg.multicast_group());
    let adv = build_template(cfg);
    EncodedAdvert::new(&adv, cfg.primary_address, dst, ChecksumMode::Rfc).ok()
}

fn build_template(cfg: &InstanceConfig) -> Advertisement {
    Advertisement {
        version: cfg.version,
        vrid: cfg.vrid,
        priority: if cfg.is_owner() {
            PRIORITY_OWNER
        } else {
            cfg.priority
        },
        max_advert_int_cs: cfg.advert_interval_cs(),
        auth: match cfg.version {
            Version::V2 => cfg.auth,
            Version::V3 => Auth::None,
        },
        addresses: cfg.vips.iter().collect::<AddressList>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TrackerConfig, TrackerKind};

    fn inst(prio: u8) -> Instance {
        let mut c = InstanceConfig::new("VI", 1, Version::V3, "10.0.0.2".parse().unwrap());
        c.priority = prio;
        c.vips = vec!["10.0.0.100".parse().unwrap()];
        Instance::new(c).unwrap()
    }

    fn drain(i: &mut Instance) -> Vec<Action> {
        core::iter::from_fn(|| i.poll_action()).collect()
    }

    #[test]
    fn value_trackers_move_priority_and_fault() {
        let mut c = InstanceConfig::new("VI", 1, Version::V3, "10.0.0.2".parse().unwrap());
        c.priority = 100;
        c.vips = vec!["10.0.0.100".parse().unwrap()];
        c.trackers = vec![
            TrackerConfig {
                kind: TrackerKind::Interface,
                name: "file".into(),
                weight: -10,
                reverse: false,
                initially_up: true,
            },
            TrackerConfig {
                kind: TrackerKind::Interface,
                name: "file0".into(),
                weight: 0,
                reverse: false,
                initially_up: true,
            },
        ];
        let mut i = Instance::new(c).unwrap();
        i.handle_event(Instant::ZERO, Event::TrackerValue(0, 3));
        i.handle_event(Instant::ZERO, Event::Startup);
        assert_eq!((i.state(), i.effective_priority()), (State::Backup, 70));
        i.handle_event(Instant::ZERO, Event::TrackerValue(0, -5));
        assert_eq!(i.effective_priority(), 150);
        // value × weight ≤ -254 → Fault; back to a small value → Backup.
        i.handle_event(Instant::ZERO, Event::TrackerValue(0, 26));
        assert_eq!(i.state(), State::Fault);
        i.handle_event(Instant::ZERO, Event::TrackerValue(0, 0));
        assert_eq!((i.state(), i.effective_priority()), (State::Backup, 100));
        // weight 0: any non-zero value is a Fault.
        i.handle_event(Instant::ZERO, Event::TrackerValue(1, 2));
        assert_eq!(i.state(), State::Fault);
        assert_eq!(i.status().last_reason, Some(Reason::TrackerFailed(1)));
        i.handle_event(Instant::ZERO, Event::TrackerValue(1, 0));
        assert_eq!(i.state(), State::Backup);
    }

    #[test]
    fn reconfigure_keeps_tracker_state_by_name() {
        let t = |name: &str, weight| TrackerConfig {
            kind: TrackerKind::Interface,
            name: name.into(),
            weight,
            reverse: false,
            initially_up: true,
        };
        let mut c = InstanceConfig::new("VI", 1, Version::V3, "10.0.0.2".parse().unwrap());
        c.priority = 100;
        c.vips = vec!["10.0.0.100".parse().unwrap()];
        c.trackers = vec![t("file", -10), t("chk", 0)];
        let mut i = Instance::new(c.clone()).unwrap();
        i.handle_event(Instant::ZERO, Event::Startup);
        i.handle_event(Instant::ZERO, Event::TrackerValue(0, 3));
        assert_eq!((i.state(), i.effective_priority()), (State::Backup, 70));
        // Same count, other tracker at index 0: its value must not follow
        // the position (a boolean tracker `other` starts up, weight 5).
        let mut c2 = c.clone();
        c2.trackers = vec![t("other", 5), t("file", -10)];
        i.reconfigure(Instant::ZERO, c2).unwrap();
        assert_eq!(i.effective_priority(), 100 + 5 - 30);
        // The failing weight-0 tracker removed by a reload: Fault ends.
        i.handle_event(Instant::ZERO, Event::TrackerValue(1, 0));
        i.reconfigure(Instant::ZERO, c.clone()).unwrap();
        i.handle_event(Instant::ZERO, Event::TrackerDown(1));
        assert_eq!(i.state(), State::Fault);
        let mut c3 = c;
        c3.trackers = vec![t("file", -10)];
        i.reconfigure(Instant::ZERO, c3).unwrap();
        assert_eq!((i.state(), i.effective_priority()), (State::Backup, 100));
    }

    #[test]
    fn reconfigure_keeps_tracker_state_by_kind_and_name() {
        let t = |kind, weight| TrackerConfig {
            kind,
            name: "chk".into(),
            weight,
            reverse: false,
            initially_up: true,
        };
        let mut c = InstanceConfig::new("VI", 1, Version::V3, "10.0.0.2".parse().unwrap());
        c.priority = 100;
        c.vips = vec!["10.0.0.100".parse().unwrap()];
        c.trackers = vec![t(TrackerKind::Interface, -10), t(TrackerKind::Script, -20)];
        let mut i = Instance::new(c.clone()).unwrap();
        i.handle_event(Instant::ZERO, Event::Startup);
        i.handle_event(Instant::ZERO, Event::TrackerDown(0));
        assert_eq!(i.effective_priority(), 90);
        // Same name, other kinds, reordered: the interface stays down.
        c.trackers.reverse();
        i.reconfigure(Instant::ZERO, c).unwrap();
        assert_eq!(i.effective_priority(), 90);
    }

    /// A Master at 150 (10.0.0.2), reached through Master_Down_Interval.
    fn master_at_150(no_advert: bool) -> (Instance, Instant) {
        let mut c = InstanceConfig::new("VI", 1, Version::V3, "10.0.0.2".parse().unwrap());
        c.priority = 150;
        c.vips = vec!["10.0.0.100".parse().unwrap()];
        c.lower_prio_no_advert = no_advert;
        let mut i = Instance::new(c).unwrap();
        i.handle_event(Instant::ZERO, Event::Startup);
        let now = i.poll_timeout().unwrap();
        i.handle_timeout(now);
        assert_eq!(i.state(), State::Master);
        drain(&mut i);
        (i, now)
    }

    /// vrrp.c `vrrp_state_master_rx`: a lower priority, or the same priority
    /// from a lower address, is answered and reported once per advert
    /// (keepalived `notify_master_rx_lower_pri`); a higher one is not.
    #[test]
    fn master_hearing_lower_priority_reports_it_each_time() {
        let (mut i, now) = master_at_150(false);
        let low = i.advertisement(100);
        let from: IpAddr = "10.0.0.9".parse().unwrap();
        for k in 1..=2u64 {
            let t = now + Duration::from_millis(100 * k);
            i.handle_advert(t, from, &low).unwrap();
            let acts = drain(&mut i);
            let reports: Vec<_> = acts
                .iter()
                .filter(|a| matches!(a, Action::MasterRxLowerPriority { .. }))
                .collect();
            assert_eq!(
                reports,
                vec![&Action::MasterRxLowerPriority {
                    from,
                    priority: 100
                }]
            );
            assert!(acts.contains(&Action::SendAdvert { priority: 150 }));
            assert_eq!(i.state(), State::Master);
        }
        // Same priority from a lower address: still "lower".
        let same = i.advertisement(150);
        let lower_addr: IpAddr = "10.0.0.1".parse().unwrap();
        i.handle_advert(now + Duration::from_millis(300), lower_addr, &same)
            .unwrap();
        assert!(drain(&mut i).contains(&Action::MasterRxLowerPriority {
            from: lower_addr,
            priority: 150
        }));
        // A higher priority: the Master yields, nothing "lower" is reported.
        let high = i.advertisement(200);
        i.handle_advert(now + Duration::from_millis(400), from, &high)
            .unwrap();
        let acts = drain(&mut i);
        assert_eq!(i.state(), State::Backup);
        assert!(
            !acts
                .iter()
                .any(|a| matches!(a, Action::MasterRxLowerPriority { .. }))
        );
    }

    /// `lower_prio_no_advert` suppresses the answer, not the report.
    #[test]
    fn lower_priority_report_without_answer() {
        let (mut i, now) = master_at_150(true);
        let low = i.advertisement(100);
        let from: IpAddr = "10.0.0.9".parse().unwrap();
        i.handle_advert(now + Duration::from_millis(100), from, &low)
            .unwrap();
        let acts = drain(&mut i);
        assert!(acts.contains(&Action::MasterRxLowerPriority {
            from,
            priority: 100
        }));
        assert!(!acts.iter().any(|a| matches!(a, Action::SendAdvert { .. })));
    }

    /// vrrp_track.c `vrrp_set_effective_priority`: a weighted tracker moving
    /// the priority of an instance in Fault is reported too.
    #[test]
    fn priority_change_in_fault_is_reported() {
        let mut c = InstanceConfig::new("VI", 1, Version::V3, "10.0.0.2".parse().unwrap());
        c.priority = 100;
        c.vips = vec!["10.0.0.100".parse().unwrap()];
        c.trackers = vec![TrackerConfig {
            kind: TrackerKind::Interface,
            name: "w".into(),
            weight: 10,
            reverse: false,
            initially_up: true,
        }];
        // up: +10; the value 2 then counts 2 × 10
        let mut i = Instance::new(c).unwrap();
        i.handle_event(Instant::ZERO, Event::Startup);
        i.handle_event(Instant::ZERO, Event::InterfaceDown);
        assert_eq!((i.state(), i.effective_priority()), (State::Fault, 110));
        drain(&mut i);
        i.handle_event(Instant::ZERO, Event::TrackerValue(0, 2));
        assert_eq!(
            drain(&mut i),
            vec![Action::PriorityChanged { from: 110, to: 120 }]
        );
        assert_eq!(i.state(), State::Fault);
    }

    #[test]
    fn events_before_startup_only_set_flags() {
        let mut i = inst(100);
        i.handle_event(Instant::ZERO, Event::InterfaceDown);
        i.handle_event(Instant::ZERO, Event::TrackerDown(7)); // no such tracker: ignored
        assert!(drain(&mut i).is_empty());
        assert_eq!(i.poll_timeout(), None);
        i.handle_event(Instant::ZERO, Event::Startup);
        assert_eq!(i.state(), State::Fault);
        i.handle_event(Instant::ZERO, Event::InterfaceUp);
        assert_eq!(i.state(), State::Backup);
        assert_eq!(i.poll_timeout(), Some(Instant::from_micros(3_609_375)));
    }

    /// Two owners (docs/keepalived.md §3.6): we are 10.0.0.2, the other owner
    /// 10.0.0.1 keeps advertising 255 every second.
    fn owner_hearing_other_owner(rounds: u64) -> Instance {
        let mut i = inst(255);
        i.handle_event(Instant::ZERO, Event::Startup);
        assert_eq!(i.state(), State::Master);
        let other = i.advertisement(255);
        for k in 0..rounds {
            let now = Instant::from_micros(k * 1_000_000 + 500_000);
            i.handle_timeout(now);
            i.handle_advert(now, "10.0.0.1".parse().unwrap(), &other)
                .unwrap();
        }
        i
    }

    #[test]
    fn two_owners_fault_ends_demotion_silently() {
        // Heard at 0.5 s (reply: 1 own advert), 1.5 s (periodic at 1.5 s,
        // 2 own, but only 1 s < 1.2 s elapsed), 2.5 s: 2 s ≥ 1.2 s → 254.
        let i = owner_hearing_other_owner(2);
        assert_eq!(i.effective_priority(), 255);
        let mut i = owner_hearing_other_owner(3);
        assert_eq!(i.effective_priority(), 254);
        assert!(drain(&mut i).contains(&Action::PriorityChanged { from: 255, to: 254 }));
        let now = Instant::from_micros(2_600_000);
        i.handle_event(now, Event::InterfaceDown);
        assert_eq!(i.state(), State::Fault);
        assert_eq!(i.effective_priority(), 255);
        assert!(
            !drain(&mut i)
                .iter()
                .any(|a| matches!(a, Action::PriorityChanged { .. }))
        );
        assert_eq!(i.poll_timeout(), None);
    }

    #[test]
    fn two_owners_other_gone_before_drop_keeps_255() {
        let mut i = owner_hearing_other_owner(2);
        drain(&mut i);
        // Last heard at 1.5 s; Master_Down_Interval(255) = 3.003906 s.
        let gone = Instant::from_micros(4_503_906);
        i.handle_timeout(Instant::from_micros(4_503_905));
        assert!(i.other_owner_since.is_some());
        i.handle_timeout(gone);
        assert!(i.other_owner_since.is_none());
        assert_eq!(i.effective_priority(), 255);
        assert!(
            !drain(&mut i)
                .iter()
                .any(|a| matches!(a, Action::PriorityChanged { .. }))
        );
        // A new 255 advert starts counting from scratch.
        let other = i.advertisement(255);
        let now = Instant::from_micros(5_000_000);
        i.handle_advert(now, "10.0.0.1".parse().unwrap(), &other)
            .unwrap();
        assert_eq!(i.other_owner_since, Some(now));
    }

    #[test]
    fn adverts_ignored_outside_backup_and_master() {
        let mut i = inst(100);
        let a = i.advertisement(200);
        assert_eq!(
            i.handle_advert(Instant::ZERO, "10.0.0.1".parse().unwrap(), &a),
            Ok(())
        );
        assert_eq!(i.counters().rcvd_advertisements, 0);
    }

    #[test]
    fn family_mismatch_and_codec_reasons_are_counted() {
        let mut i = inst(100);
        i.handle_event(Instant::ZERO, Event::Startup);
        let a = i.advertisement(200);
        let r = i.handle_advert(Instant::ZERO, "fe80::1".parse().unwrap(), &a);
        assert_eq!(r, Err(DropReason::Family));
        i.note_rejected(crate::packet::DropReason::BadChecksum.into());
        i.note_rejected(crate::packet::DropReason::BadTtl.into());
        let c = i.counters();
        assert_eq!(
            (c.family_errors, c.checksum_errors, c.ip_ttl_errors),
            (1, 1, 1)
        );
    }

    #[test]
    fn reconfigure_keeps_state_and_applies_priority() {
        let mut i = inst(100);
        i.handle_event(Instant::ZERO, Event::Startup);
        let t = i.poll_timeout().unwrap();
        i.handle_timeout(t);
        drain(&mut i);
        let mut c = i.config().clone();
        c.priority = 120;
        c.vips.push("10.0.0.101".parse().unwrap());
        i.reconfigure(t, c.clone()).unwrap();
        assert_eq!(i.state(), State::Master);
        assert_eq!(
            drain(&mut i),
            vec![
                Action::AddVips,
                Action::PriorityChanged { from: 100, to: 120 }
            ]
        );
        assert_eq!(i.advertisement(120).addresses.len(), 2);
        c.vrid = 9;
        assert_eq!(i.reconfigure(t, c), Err(ConfigError::IdentityChanged));
        let s = i.status();
        assert_eq!(
            (s.state, s.effective_priority, s.master_address),
            (State::Master, 120, Some(i.config().primary_address))
        );
    }

    #[test]
    fn expectations_mirror_the_config() {
        let mut c = InstanceConfig::new("VI", 4, Version::V2, "10.0.0.2".parse().unwrap());
        c.advert_interval = Duration::from_secs(3);
        c.unicast_peers = vec!["10.0.0.9".parse().unwrap()];
        let i = Instance::new(c).unwrap();
        let e = i.expectations();
        assert_eq!((e.vrid, e.version, e.advert_int_cs), (4, Version::V2, 300));
        assert_eq!(e.unicast_peers.len(), 1);
        assert!(e.check_unicast_src);
    }

    /// vrrp.c `vrrp_check_packet`: a unicast peer's `min_ttl`/`max_ttl`
    /// bound the TTL of its adverts; the others accept any TTL, and after a
    /// reload the new range applies.
    #[test]
    fn unicast_peer_ttl_ranges_reach_the_expectations() {
        use crate::packet::UnicastPeer;
        let a: IpAddr = "10.0.0.9".parse().unwrap();
        let b: IpAddr = "10.0.0.10".parse().unwrap();
        let mut c = InstanceConfig::new("VI", 4, Version::V2, "10.0.0.2".parse().unwrap());
        c.unicast_peers = vec![a, b];
        c.unicast_peer_ttl = vec![UnicastPeer {
            address: a,
            min_ttl: 10,
            max_ttl: 64,
        }];
        let mut i = Instance::new(c.clone()).unwrap();
        let got: Vec<(IpAddr, u8, u8)> = i
            .expectations()
            .unicast_peers
            .iter()
            .map(|p| (p.address, p.min_ttl, p.max_ttl))
            .collect();
        assert_eq!(got, [(a, 10, 64), (b, 0, 255)]);
        c.unicast_peer_ttl[0].max_ttl = 255;
        i.reconfigure(Instant::ZERO, c).unwrap();
        assert_eq!(i.expectations().unicast_peers[0].max_ttl, 255);
    }
}
