//! States, transition reasons and the inputs/outputs of an [`crate::Instance`].

use core::fmt;
use core::net::IpAddr;

/// Instance state: RFC 9568 §6.4 (Initialize, Backup, Master) plus
/// keepalived's Fault and Stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum State {
    /// Not started yet (RFC 9568 §6.4.1).
    Initialize,
    /// Listening to a Master (RFC 9568 §6.4.2).
    Backup,
    /// Forwarding for the virtual addresses (RFC 9568 §6.4.3).
    Master,
    /// keepalived FAULT: interface down or a weight-0 tracker failed; no
    /// adverts sent, none processed, VIPs removed.
    Fault,
    /// keepalived STOP: shut down cleanly.
    Stop,
}

impl State {
    /// Upper-case name as keepalived logs and notifies it.
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Initialize => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
            State::Stop => "STOP",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a state changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum Reason {
    /// `Event::Startup` (Initialize/Stop → Backup).
    Startup,
    /// Priority 255 at start-up goes straight to Master (RFC 9568 §6.4.1).
    AddressOwner,
    /// Master_Down_Timer fired: no advert from the Master (RFC 6527
    /// `masterNoResponse`).
    MasterDownTimer,
    /// Master_Down_Timer fired after the Master sent priority 0 (Skew_Time).
    MasterReleased,
    /// Master_Down_Timer fired while the only adverts heard were of a lower
    /// priority, which a preempting Backup discards (RFC 6527 `preempted`).
    Preempted,
    /// A Master heard a higher priority.
    HigherPriority {
        /// Priority heard.
        priority: u8,
        /// Its sender.
        from: IpAddr,
    },
    /// A Master heard its own priority from a higher address.
    EqualPriorityHigherAddress {
        /// Its sender.
        from: IpAddr,
    },
    /// The instance's interface went down.
    InterfaceDown,
    /// A weight-0 tracker failed (index into `InstanceConfig::trackers`).
    TrackerFailed(usize),
    /// `Event::FaultOn`.
    ExternalFault,
    /// A sync group member went Fault.
    SyncGroupFault,
    /// Every fault cleared.
    FaultCleared,
    /// The sync group moved this member along.
    SyncGroup,
    /// `Event::Shutdown`.
    Shutdown,
    /// `Event::VipRemoved`: a VIP of the Master was deleted by someone else.
    VipRemoved,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Startup => f.write_str("startup"),
            Reason::AddressOwner => f.write_str("address-owner"),
            Reason::MasterDownTimer => f.write_str("master-down-timer"),
            Reason::MasterReleased => f.write_str("master-released"),
            Reason::Preempted => f.write_str("preempted"),
            Reason::HigherPriority { priority, from } => {
                write!(f, "higher-priority({priority} from {from})")
            }
            Reason::EqualPriorityHigherAddress { from } => {
                write!(f, "equal-priority-higher-address({from})")
            }
            Reason::InterfaceDown => f.write_str("interface-down"),
            Reason::TrackerFailed(i) => write!(f, "tracker-failed({i})"),
            Reason::ExternalFault => f.write_str("fault"),
            Reason::SyncGroupFault => f.write_str("sync-group-fault"),
            Reason::FaultCleared => f.write_str("fault-cleared"),
            Reason::SyncGroup => f.write_str("sync-group"),
            Reason::Shutdown => f.write_str("shutdown"),
            Reason::VipRemoved => f.write_str("vip-removed"),
        }
    }
}

/// Why GARPs / unsolicited NAs are requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum AnnounceReason {
    /// First burst on becoming Master.
    BecameMaster,
    /// Second burst `garp_master_delay` later.
    MasterDelay,
    /// `garp_master_refresh`.
    Refresh,
    /// A Master heard a lower priority (`garp_lower_prio_repeat`).
    LowerPriority,
    /// Second burst `garp_lower_prio_delay` after that.
    LowerPriorityDelay,
}

/// Something the caller must do, drained with [`crate::Instance::poll_action`].
/// Apply them in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum Action {
    /// Send one advertisement with this priority to the multicast group, or
    /// to every `unicast_peers` entry. Build it with
    /// [`crate::Instance::advertisement`].
    SendAdvert {
        /// Priority to send (0 = release).
        priority: u8,
    },
    /// Make the installed virtual addresses equal to
    /// [`crate::Instance::vips`] (add the missing ones, remove others the
    /// caller installed for this instance).
    AddVips,
    /// Remove every virtual address installed for this instance.
    RemoveVips,
    /// Send `rounds` rounds of gratuitous ARP (IPv4) or unsolicited NA
    /// (IPv6) for every VIP now; the caller spaces packets by its
    /// `vrrp_garp_interval`.
    Announce {
        /// Rounds to send.
        rounds: u32,
        /// Why.
        reason: AnnounceReason,
    },
    /// The state changed (emitted after the actions of the transition, so
    /// a notify script runs once VIPs are in place, as keepalived does).
    StateChanged {
        /// Old state.
        from: State,
        /// New state.
        to: State,
        /// Why.
        reason: Reason,
    },
    /// The effective priority changed (keepalived `notify_priority_changes`).
    PriorityChanged {
        /// Old effective priority.
        from: u8,
        /// New effective priority.
        to: u8,
    },
    /// A Master heard a lower priority (keepalived
    /// `notify_master_rx_lower_pri`).
    MasterRxLowerPriority {
        /// Sender.
        from: IpAddr,
        /// Its priority.
        priority: u8,
    },
}

/// Non-packet input, fed with [`crate::Instance::handle_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum Event {
    /// Start (Initialize or Stop → Backup, Master for an owner, or Fault).
    Startup,
    /// Stop cleanly: a Master sends priority 0 and removes its VIPs.
    Shutdown,
    /// The interface came up.
    InterfaceUp,
    /// The interface went down (→ Fault).
    InterfaceDown,
    /// Tracker `index` (into `InstanceConfig::trackers`) is up.
    TrackerUp(usize),
    /// Tracker `index` is down.
    TrackerDown(usize),
    /// Value tracker `index` (keepalived `track_file`) now holds the value;
    /// see [`crate::TrackerConfig::value_effect`].
    TrackerValue(usize, i32),
    /// An external fault (keepalived: config fault, missing source IP, ...).
    FaultOn,
    /// The external fault cleared.
    FaultOff,
    /// One of a Master's VIPs was deleted by someone else (an RTM_DELADDR
    /// the daemon did not cause). The Master sends priority 0, removes its
    /// other VIPs, enters Backup and takes over again after Skew_Time unless
    /// an advert arrives first (docs/keepalived.md §3.24). Ignored in any
    /// other state.
    VipRemoved,
}
