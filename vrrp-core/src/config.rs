//! Per-instance configuration: what keepalived calls a `vrrp_instance` block,
//! reduced to what the state machine needs (no interface names, no scripts).

use alloc::{string::String, vec::Vec};

use core::net::IpAddr;

use crate::packet::{Auth, Family, Version};
use crate::time::Duration;

/// Priority of the address owner (RFC 9568 §6.1).
pub const PRIORITY_OWNER: u8 = 255;
/// Priority a Master sends when it stops being Master (RFC 9568 §6.1).
pub const PRIORITY_RELEASE: u8 = 0;
/// keepalived's default `priority`.
pub const PRIORITY_DEFAULT: u8 = 100;

/// keepalived's `state MASTER|BACKUP`: a hint, not a command (see the crate
/// docs: below priority 255 it changes nothing about timing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum InitialState {
    /// `state MASTER`.
    Master,
    /// `state BACKUP`.
    Backup,
}

/// Gratuitous ARP / unsolicited NA schedule (keepalived `garp_*`,
/// docs/keepalived.md §3.12). Durations of zero switch a burst off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GarpConfig {
    /// `garp_master_delay`: second burst this long after becoming Master.
    pub master_delay: Duration,
    /// `garp_master_repeat`: rounds per burst on becoming Master.
    pub master_repeat: u32,
    /// `garp_master_refresh`: periodic refresh while Master (zero = off).
    pub master_refresh: Duration,
    /// `garp_master_refresh_repeat`: rounds per refresh.
    pub master_refresh_repeat: u32,
    /// `garp_lower_prio_delay`: second burst after hearing a lower priority.
    pub lower_prio_delay: Duration,
    /// `garp_lower_prio_repeat`: rounds when a Master hears a lower priority.
    pub lower_prio_repeat: u32,
}

impl Default for GarpConfig {
    /// keepalived's defaults: delay 5 s, repeat 5, refresh off (repeat 1),
    /// lower-priority delay/repeat equal to the master ones.
    fn default() -> Self {
        GarpConfig {
            master_delay: Duration::from_secs(5),
            master_repeat: 5,
            master_refresh: Duration::ZERO,
            master_refresh_repeat: 1,
            lower_prio_delay: Duration::from_secs(5),
            lower_prio_repeat: 5,
        }
    }
}

/// The kind of a tracked object: names of different kinds may be equal
/// (`track_interface { eth0 }` and `vrrp_script eth0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum TrackerKind {
    /// `track_interface`.
    Interface,
    /// `track_script` (a `vrrp_script`).
    Script,
    /// `track_file`.
    File,
    /// `track_process` (a `vrrp_track_process`: up while its quorum holds).
    Process,
    /// `track_bfd` (a `bfd_instance`: up while its BFD session is Up; down
    /// until the session first comes Up).
    Bfd,
}

/// One tracked object (interface, script, file, process, BFD: the state
/// machine does not care which) and how it moves the priority (keepalived
/// `track_*` with `weight W [reverse]`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TrackerConfig {
    /// What is tracked; with `name` it identifies the tracker across reloads.
    pub kind: TrackerKind,
    /// Name (unique within its kind, not across kinds).
    pub name: String,
    /// Weight −254..=254; 0 means "failure puts the instance in Fault".
    pub weight: i32,
    /// keepalived `reverse`: the weight applies to the opposite state.
    pub reverse: bool,
    /// State before the first tracker event (keepalived starts scripts in
    /// an init state; map that to `false` to start in Fault).
    pub initially_up: bool,
}

impl TrackerConfig {
    /// Priority adjustment this tracker contributes in state `up`
    /// (docs/keepalived.md §3.15 table).
    pub fn adjustment(&self, up: bool) -> i32 {
        match (self.weight, self.reverse) {
            (0, _) => 0,
            (w, false) if w > 0 => {
                if up {
                    w
                } else {
                    0
                }
            }
            (w, true) if w > 0 => {
                if up {
                    -w
                } else {
                    0
                }
            }
            (w, false) => {
                if up {
                    0
                } else {
                    w
                }
            }
            (w, true) => {
                if up {
                    0
                } else {
                    -w
                }
            }
        }
    }

    /// True if this (weight 0) tracker puts the instance in Fault in state `up`.
    pub fn faults(&self, up: bool) -> bool {
        self.weight == 0 && (up == self.reverse)
    }

    /// Effect of a value tracker (keepalived `track_file`, vrrp_track.c
    /// `update_track_file_status`) holding `value`: `None` puts the instance
    /// in Fault, `Some(adj)` adds `adj` to the priority.
    ///
    /// Weight 0: a non-zero value (a zero value with `reverse`) is a Fault.
    /// Otherwise `value × weight` (negated with `reverse`) clamped to
    /// −254..=253, where −254 means Fault.
    pub fn value_effect(&self, value: i32) -> Option<i32> {
        if self.weight == 0 {
            return if (value != 0) != self.reverse {
                None
            } else {
                Some(0)
            };
        }
        let sign = if self.reverse { -1 } else { 1 };
        let status = (i64::from(value) * i64::from(self.weight) * sign).clamp(-254, 253);
        if status == -254 {
            None
        } else {
            i32::try_from(status).ok()
        }
    }
}

/// Configuration of one virtual router instance.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct InstanceConfig {
    /// Instance name (`vrrp_instance NAME`).
    pub name: String,
    /// Virtual router identifier 1..=255.
    pub vrid: u8,
    /// VRRP version (IPv6 requires v3).
    pub version: Version,
    /// Address family.
    pub family: Family,
    /// Base priority 1..=255 (255 = address owner).
    pub priority: u8,
    /// `advert_int`: v2 whole seconds 1..=255, v3 centiseconds 1..=4095.
    pub advert_interval: Duration,
    /// Our source address (`mcast_src_ip`/`unicast_src_ip` or the interface's
    /// primary address); used for the equal-priority tie-break.
    pub primary_address: IpAddr,
    /// `virtual_ipaddress`: the addresses advertised and installed.
    pub vips: Vec<IpAddr>,
    /// `state MASTER|BACKUP`; `None` = MASTER iff priority 255.
    pub initial_state: Option<InitialState>,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `preempt_delay` (0..=1000 s).
    pub preempt_delay: Duration,
    /// `accept` / `no_accept` (the IO layer enforces it; reported in status).
    pub accept: bool,
    /// `unicast_peer`: when non-empty, adverts go to these and only adverts
    /// from these are accepted.
    pub unicast_peers: Vec<IpAddr>,
    /// TTL / hop-limit ranges of the unicast peers given `min_ttl` /
    /// `max_ttl` (keepalived `unicast_peer { IP [min_ttl N] [max_ttl N] }`,
    /// checked in vrrp.c `vrrp_check_packet`: an advert from that peer whose
    /// TTL is outside the range is dropped). A peer of
    /// [`InstanceConfig::unicast_peers`] not listed here accepts any TTL; an
    /// entry for an address not in it has no effect.
    pub unicast_peer_ttl: Vec<crate::packet::UnicastPeer>,
    /// Tracked objects, in the order `Event::TrackerUp/Down(index)` uses.
    pub trackers: Vec<TrackerConfig>,
    /// GARP / NA schedule.
    pub garp: GarpConfig,
    /// v2 authentication (`authentication { auth_type PASS ... }`); v3 ignores it.
    pub auth: Auth,
    /// `down_timer_adverts` (RFC: 3).
    pub down_timer_adverts: u32,
    /// `lower_prio_no_advert`: a Master hearing a lower priority does not
    /// answer with an advert.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`: a Master hearing a higher priority sends
    /// one advert before going Backup.
    pub higher_prio_send_advert: bool,
    /// `owner_ignore_adverts`: an owner (255) ignores all adverts.
    pub owner_ignore_adverts: bool,
    /// The multicast group adverts go to and are accepted from
    /// (`mcast_dst_ip`, else `vrrp_mcast_group4` / `vrrp_mcast_group6`);
    /// `None` is the family's VRRP group, 224.0.0.18 / ff02::12 (RFC 9568
    /// §5.1.1.2, §5.1.2.2). Unused by unicast instances.
    pub mcast_group: Option<IpAddr>,
}

impl InstanceConfig {
    /// The unicast peers in the codec's form: each of
    /// [`InstanceConfig::unicast_peers`] with its TTL range from
    /// [`InstanceConfig::unicast_peer_ttl`] (0..=255 when it has none).
    pub fn unicast_peer_checks(&self) -> alloc::boxed::Box<[crate::packet::UnicastPeer]> {
        self.unicast_peers
            .iter()
            .map(|a| {
                self.unicast_peer_ttl
                    .iter()
                    .find(|p| p.address == *a)
                    .copied()
                    .unwrap_or(crate::packet::UnicastPeer::new(*a))
            })
            .collect()
    }

    /// A config with keepalived's defaults: priority 100, advert 1 s,
    /// preempt, accept, no trackers, no auth, GARP 5×, 5 s delay.
    pub fn new(
        name: impl Into<String>,
        vrid: u8,
        version: Version,
        primary_address: IpAddr,
    ) -> Self {
        let family = match primary_address {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        };
        InstanceConfig {
            name: name.into(),
            vrid,
            version,
            family,
            priority: PRIORITY_DEFAULT,
            advert_interval: Duration::from_secs(1),
            primary_address,
            vips: Vec::new(),
            initial_state: None,
            nopreempt: false,
            preempt_delay: Duration::ZERO,
            accept: true,
            unicast_peers: Vec::new(),
            unicast_peer_ttl: Vec::new(),
            trackers: Vec::new(),
            garp: GarpConfig::default(),
            auth: Auth::None,
            down_timer_adverts: 3,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            owner_ignore_adverts: false,
            mcast_group: None,
        }
    }

    /// The multicast group of a multicast instance: [`Self::mcast_group`]
    /// or the family's VRRP group (keepalived `vrrp_complete_instance` fills
    /// `mcast_daddr` the same way).
    pub fn multicast_group(&self) -> IpAddr {
        self.mcast_group.unwrap_or(self.family.group())
    }

    /// The state the instance wants at start-up (keepalived: MASTER iff
    /// priority 255 unless `state` says otherwise).
    pub fn wanted_initial_state(&self) -> InitialState {
        self.initial_state
            .unwrap_or(if self.priority == PRIORITY_OWNER {
                InitialState::Master
            } else {
                InitialState::Backup
            })
    }

    /// True if this instance owns the addresses (priority 255).
    pub fn is_owner(&self) -> bool {
        self.priority == PRIORITY_OWNER
    }

    /// The advert interval in centiseconds as sent on the wire.
    pub fn advert_interval_cs(&self) -> u16 {
        u16::try_from(self.advert_interval.as_centis()).unwrap_or(u16::MAX)
    }

    /// Checks the config and applies keepalived's silent corrections
    /// (`vrrp_complete_instance`): `state MASTER` clears `nopreempt` and
    /// `preempt_delay`; priority 255 clears `nopreempt`. Returns the
    /// corrected config or the first error.
    pub fn validated(mut self) -> Result<Self, ConfigError> {
        if self.vrid == 0 {
            return Err(ConfigError::Vrid);
        }
        if self.priority == 0 {
            return Err(ConfigError::Priority(self.priority));
        }
        let fam = |a: &IpAddr| match a {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        };
        if self.family == Family::V6 && self.version == Version::V2 {
            return Err(ConfigError::V2WithIpv6);
        }
        if fam(&self.primary_address) != self.family {
            return Err(ConfigError::FamilyMismatch(self.primary_address));
        }
        if let Some(a) = self
            .vips
            .iter()
            .chain(self.unicast_peers.iter())
            .find(|a| fam(a) != self.family)
        {
            return Err(ConfigError::FamilyMismatch(*a));
        }
        if let Some(g) = self.mcast_group {
            if fam(&g) != self.family {
                return Err(ConfigError::FamilyMismatch(g));
            }
            if !g.is_multicast() {
                return Err(ConfigError::NotMulticast(g));
            }
        }
        if self.vips.len() > crate::packet::MAX_ADDRESSES {
            return Err(ConfigError::TooManyVips(self.vips.len()));
        }
        let us = self.advert_interval.as_micros();
        match self.version {
            // RFC 3768 §5.3.7: 8-bit whole seconds.
            Version::V2 => {
                if !us.is_multiple_of(1_000_000) || !(1..=255).contains(&(us / 1_000_000)) {
                    return Err(ConfigError::AdvertInterval(self.advert_interval));
                }
            }
            // RFC 9568 §5.2.7: 12-bit centiseconds.
            Version::V3 => {
                if !us.is_multiple_of(10_000) || !(1..=4095).contains(&(us / 10_000)) {
                    return Err(ConfigError::AdvertInterval(self.advert_interval));
                }
            }
        }
        if self.preempt_delay > Duration::from_secs(1000) {
            return Err(ConfigError::PreemptDelay(self.preempt_delay));
        }
        if self.down_timer_adverts == 0 || self.down_timer_adverts > 100 {
            return Err(ConfigError::DownTimerAdverts(self.down_timer_adverts));
        }
        if let Some(t) = self
            .trackers
            .iter()
            .find(|t| !(-254..=254).contains(&t.weight))
        {
            return Err(ConfigError::TrackerWeight(t.weight));
        }
        if self.wanted_initial_state() == InitialState::Master || self.is_owner() {
            self.nopreempt = false;
        }
        if self.wanted_initial_state() == InitialState::Master {
            self.preempt_delay = Duration::ZERO;
        }
        if self.is_owner() {
            // keepalived: an owner's priority never changes; weighted
            // trackers on an owner are removed (weight-0 ones stay).
            self.trackers.retain(|t| t.weight == 0);
            self.accept = true;
        }
        Ok(self)
    }
}

/// A configuration the state machine cannot run. The caller (config file,
/// API user) is at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// VRID 0.
    #[error("virtual_router_id must be 1..=255")]
    Vrid,
    /// Priority 0 (reserved for release).
    #[error("priority {0} outside 1..=255")]
    Priority(u8),
    /// VRRPv2 is IPv4 only.
    #[error("VRRPv2 cannot run over IPv6")]
    V2WithIpv6,
    /// An address of the wrong family.
    #[error("address {0} is not of the instance's family")]
    FamilyMismatch(IpAddr),
    /// A multicast group that is not a multicast address.
    #[error("{0} is not a multicast address")]
    NotMulticast(IpAddr),
    /// More than 255 VIPs.
    #[error("{0} virtual addresses, at most 255 fit in an advertisement")]
    TooManyVips(usize),
    /// Interval not representable for the version.
    #[error(
        "advert interval {0} not representable (v2: 1..=255 whole s, v3: 0.01..=40.95 s in centiseconds)"
    )]
    AdvertInterval(Duration),
    /// preempt_delay above 1000 s.
    #[error("preempt_delay {0} above 1000 s")]
    PreemptDelay(Duration),
    /// down_timer_adverts outside 1..=100.
    #[error("down_timer_adverts {0} outside 1..=100")]
    DownTimerAdverts(u32),
    /// Tracker weight outside −254..=254.
    #[error("tracker weight {0} outside -254..=254")]
    TrackerWeight(i32),
    /// A reconfiguration changed VRID, family or version.
    #[error("reconfiguration may not change vrid, family or version")]
    IdentityChanged,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> InstanceConfig {
        InstanceConfig::new("VI", 1, Version::V3, "10.0.0.1".parse().unwrap())
    }

    #[test]
    fn value_trackers_follow_keepalived_track_file() {
        let t = |weight, reverse| TrackerConfig {
            kind: TrackerKind::Interface,
            name: "f".into(),
            weight,
            reverse,
            initially_up: true,
        };
        // Weight 0: non-zero is Fault (zero with reverse).
        assert_eq!(t(0, false).value_effect(0), Some(0));
        assert_eq!(t(0, false).value_effect(-3), None);
        assert_eq!(t(0, true).value_effect(0), None);
        assert_eq!(t(0, true).value_effect(7), Some(0));
        // value × weight, negated by reverse, clamped to -254..=253.
        assert_eq!(t(1, false).value_effect(20), Some(20));
        assert_eq!(t(-10, false).value_effect(3), Some(-30));
        assert_eq!(t(10, true).value_effect(3), Some(-30));
        assert_eq!(t(2, false).value_effect(1000), Some(253));
        assert_eq!(t(1, false).value_effect(-253), Some(-253));
        assert_eq!(t(1, false).value_effect(-254), None);
        assert_eq!(t(254, false).value_effect(i32::MIN), None);
        assert_eq!(t(-254, true).value_effect(i32::MAX), Some(253));
    }

    #[test]
    fn tracker_weights_follow_keepalived_table() {
        let t = |weight, reverse| TrackerConfig {
            kind: TrackerKind::Interface,
            name: "x".into(),
            weight,
            reverse,
            initially_up: true,
        };
        assert_eq!(
            (
                t(10, false).adjustment(true),
                t(10, false).adjustment(false)
            ),
            (10, 0)
        );
        assert_eq!(
            (t(10, true).adjustment(true), t(10, true).adjustment(false)),
            (-10, 0)
        );
        assert_eq!(
            (
                t(-10, false).adjustment(true),
                t(-10, false).adjustment(false)
            ),
            (0, -10)
        );
        assert_eq!(
            (
                t(-10, true).adjustment(true),
                t(-10, true).adjustment(false)
            ),
            (0, 10)
        );
        assert!(t(0, false).faults(false) && !t(0, false).faults(true));
        assert!(t(0, true).faults(true) && !t(0, true).faults(false));
        assert!(!t(5, false).faults(false));
    }

    #[test]
    fn keepalived_corrections() {
        let mut c = base();
        c.initial_state = Some(InitialState::Master);
        c.nopreempt = true;
        c.preempt_delay = Duration::from_secs(5);
        let c = c.validated().unwrap();
        assert!(!c.nopreempt);
        assert_eq!(c.preempt_delay, Duration::ZERO);

        let mut c = base();
        c.priority = 255;
        c.accept = false;
        c.trackers = vec![
            TrackerConfig {
                kind: TrackerKind::Interface,
                name: "w".into(),
                weight: 10,
                reverse: false,
                initially_up: true,
            },
            TrackerConfig {
                kind: TrackerKind::Interface,
                name: "z".into(),
                weight: 0,
                reverse: false,
                initially_up: true,
            },
        ];
        let c = c.validated().unwrap();
        assert_eq!(c.wanted_initial_state(), InitialState::Master);
        assert!(c.accept);
        assert_eq!(
            c.trackers.len(),
            1,
            "weighted trackers removed from an owner"
        );
    }

    #[test]
    fn rejects_bad_configs() {
        let e = |f: &dyn Fn(&mut InstanceConfig)| {
            let mut c = base();
            f(&mut c);
            c.validated().unwrap_err()
        };
        assert_eq!(e(&|c| c.vrid = 0), ConfigError::Vrid);
        assert_eq!(e(&|c| c.priority = 0), ConfigError::Priority(0));
        assert!(matches!(
            e(&|c| c.advert_interval = Duration::from_millis(1005)),
            ConfigError::AdvertInterval(_)
        ));
        assert!(matches!(
            e(&|c| {
                c.version = Version::V2;
                c.advert_interval = Duration::from_millis(1500)
            }),
            ConfigError::AdvertInterval(_)
        ));
        assert!(matches!(
            e(&|c| c.vips = vec!["fd00::1".parse().unwrap()]),
            ConfigError::FamilyMismatch(_)
        ));
        assert_eq!(
            e(&|c| {
                c.primary_address = "fe80::1".parse().unwrap();
                c.family = Family::V6;
                c.version = Version::V2;
            }),
            ConfigError::V2WithIpv6
        );
        assert!(matches!(
            e(&|c| c.preempt_delay = Duration::from_secs(1001)),
            ConfigError::PreemptDelay(_)
        ));
        assert_eq!(
            e(&|c| c.down_timer_adverts = 0),
            ConfigError::DownTimerAdverts(0)
        );
        assert!(base().validated().is_ok());
    }
}
