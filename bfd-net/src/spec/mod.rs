//! [`PeerSpec`]: one configured session, the transport-level view of a
//! keepalived `bfd_instance`, and its checks.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use bfd_core::SessionConfig;

use crate::error::SpecError;

/// One configured session (a keepalived `bfd_instance`).
///
/// [`PeerSpec::new`] gives keepalived's defaults (`bfd.h`, `bfd_parser.c`):
/// `min_rx` and `min_tx` 10 ms, `idle_tx` 1 s, `multiplier` 5, not passive,
/// `max_hops` 0, single hop, and `ttl` 255 for an IPv4 neighbor but 64 for an IPv6 one
/// (keepalived's IPv6 default; RFC 5881 §5 peers such as FRR's bfdd only
/// accept hop limit 255, so set `ttl` to 255 for them).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerSpec {
    /// The instance name, unique; events and status carry it.
    pub name: String,
    /// The peer's address (keepalived `neighbor_ip`).
    pub neighbor: IpAddr,
    /// The local address packets are sent from (keepalived `source_ip`);
    /// `None` lets the kernel choose.
    pub source: Option<IpAddr>,
    /// bfd.RequiredMinRxInterval (keepalived `min_rx`).
    pub min_rx: Duration,
    /// bfd.DesiredMinTxInterval once Up (keepalived `min_tx`).
    pub min_tx: Duration,
    /// The transmit interval while not Up (keepalived `idle_tx`), at least
    /// one second (RFC 5880 §6.8.3).
    pub idle_tx: Duration,
    /// bfd.DetectMult (keepalived `multiplier`).
    pub multiplier: u8,
    /// The Passive role (RFC 5880 §6.1): nothing is sent until the peer is
    /// heard.
    pub passive: bool,
    /// The TTL / hop limit of the packets we send (keepalived `ttl` /
    /// `hoplimit`).
    pub ttl: u8,
    /// A received packet is accepted when its TTL / hop limit is at least
    /// `ttl - max_hops` (keepalived `max_hops`, `bfd.c
    /// bfd_check_packet_ttl`); 255 accepts every TTL (keepalived's `max_hops
    /// -1`).
    pub max_hops: u8,
    /// Multihop BFD (RFC 5883): packets go to UDP port 4784 and are received
    /// there, and the session is selected by source and destination address
    /// (keepalived 2.2.8's `multihop` option; keepalived 2.2.7 only has
    /// 3784). How many hops are accepted is still `ttl` − `max_hops`.
    pub multihop: bool,
    /// The interface of an IPv6 link-local neighbor (fe80::/10): packets
    /// are sent with its scope, and the session takes packets from the
    /// neighbor on this interface only (RFC 5881 §3, selection by source
    /// address and interface). keepalived has no way to write this (its
    /// `neighbor_ip` takes no `%scope`).
    pub interface: Option<String>,
}

/// keepalived's default IPv6 hop limit for BFD (`bfd_parser.c`).
pub const DEFAULT_HOPLIMIT_V6: u8 = 64;

impl PeerSpec {
    /// A session with keepalived's defaults.
    pub fn new(name: impl Into<String>, neighbor: IpAddr) -> Self {
        let sc = SessionConfig::new(1);
        PeerSpec {
            name: name.into(),
            neighbor,
            source: None,
            min_rx: std_duration(sc.required_min_rx),
            min_tx: std_duration(sc.desired_min_tx),
            idle_tx: std_duration(sc.idle_tx),
            multiplier: sc.detect_mult,
            passive: false,
            ttl: match neighbor {
                IpAddr::V4(_) => bfd_core::packet::TTL,
                IpAddr::V6(_) => DEFAULT_HOPLIMIT_V6,
            },
            max_hops: 0,
            multihop: false,
            interface: None,
        }
    }

    /// Sets `source`.
    pub fn with_source(mut self, source: IpAddr) -> Self {
        self.source = Some(source);
        self
    }

    /// Sets `min_rx` and `min_tx`.
    pub fn with_intervals(mut self, min_rx: Duration, min_tx: Duration) -> Self {
        self.min_rx = min_rx;
        self.min_tx = min_tx;
        self
    }

    /// Sets `idle_tx`.
    pub fn with_idle_tx(mut self, idle_tx: Duration) -> Self {
        self.idle_tx = idle_tx;
        self
    }

    /// Sets `multiplier`.
    pub fn with_multiplier(mut self, multiplier: u8) -> Self {
        self.multiplier = multiplier;
        self
    }

    /// Sets `passive`.
    pub fn with_passive(mut self, passive: bool) -> Self {
        self.passive = passive;
        self
    }

    /// Sets `ttl`.
    pub fn with_ttl(mut self, ttl: u8) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets `max_hops`.
    pub fn with_max_hops(mut self, max_hops: u8) -> Self {
        self.max_hops = max_hops;
        self
    }

    /// Sets `multihop`.
    pub fn with_multihop(mut self, multihop: bool) -> Self {
        self.multihop = multihop;
        self
    }

    /// Sets `interface` (for an IPv6 link-local neighbor).
    pub fn with_interface(mut self, interface: impl Into<String>) -> Self {
        self.interface = Some(interface.into());
        self
    }

    /// The bfd-core configuration with local discriminator `discr`, checked
    /// against RFC 5880's constraints.
    pub fn session_config(&self, discr: u32) -> Result<SessionConfig, SpecError> {
        let cfg = SessionConfig {
            desired_min_tx: core_duration(self.min_tx),
            required_min_rx: core_duration(self.min_rx),
            idle_tx: core_duration(self.idle_tx),
            detect_mult: self.multiplier,
            passive: self.passive,
            ..SessionConfig::new(discr)
        };
        cfg.validate().map_err(|source| SpecError::Timers {
            name: self.name.clone(),
            source,
        })?;
        Ok(cfg)
    }

    /// The same session on the wire: same neighbor and source, so the
    /// session can keep its socket and state.
    pub(crate) fn same_endpoints(&self, other: &PeerSpec) -> bool {
        self.neighbor == other.neighbor
            && self.source == other.source
            && self.multihop == other.multihop
            && self.interface == other.interface
    }

    /// Changes that bfd-core cannot apply to a running session (they
    /// restart it); `min_rx`/`min_tx` go through a poll sequence instead.
    pub(crate) fn same_session_shape(&self, other: &PeerSpec) -> bool {
        self.idle_tx == other.idle_tx
            && self.multiplier == other.multiplier
            && self.passive == other.passive
    }

    fn check(&self) -> Result<(), SpecError> {
        if self.name.is_empty() {
            return Err(SpecError::EmptyName);
        }
        let n = self.neighbor;
        if n.is_unspecified() || n.is_multicast() {
            return Err(SpecError::BadNeighbor {
                name: self.name.clone(),
                neighbor: n,
            });
        }
        if let IpAddr::V4(v4) = n
            && v4.is_broadcast()
        {
            return Err(SpecError::BadNeighbor {
                name: self.name.clone(),
                neighbor: n,
            });
        }
        if let Some(src) = self.source
            && src.is_ipv4() != n.is_ipv4()
        {
            return Err(SpecError::FamilyMismatch {
                name: self.name.clone(),
                neighbor: n,
                source_ip: src,
            });
        }
        if let Some(i) = &self.interface
            && !is_link_local(n)
        {
            return Err(SpecError::InterfaceNotLinkLocal {
                name: self.name.clone(),
                neighbor: n,
                interface: i.clone(),
            });
        }
        if self.ttl == 0 {
            return Err(SpecError::ZeroTtl {
                name: self.name.clone(),
            });
        }
        self.session_config(1).map(|_| ())
    }
}

/// An IPv6 link-local address (fe80::/10).
pub(crate) fn is_link_local(a: IpAddr) -> bool {
    matches!(a, IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80)
}

/// Checks every spec and that names are unique, and that a neighbor (on an
/// interface) has at most one session of each kind from each source
/// address. keepalived's key is the (neighbor, source) pair, a session
/// without `source_ip` matching every source (bfd_data.c
/// `find_bfd_by_addr`; bfd_parser.c `bfd_end_handler` ignores the
/// duplicate): two sessions to one neighbor from two sources are distinct,
/// as their packets go to different local addresses, and so are one
/// single-hop and one multihop session (keepalived 2.2.8 compares
/// `multihop` too), as their packets arrive on different ports (RFC 5883
/// §2).
pub(crate) fn validate(specs: &[PeerSpec]) -> Result<(), SpecError> {
    let mut names = BTreeSet::new();
    let mut seen: Vec<&PeerSpec> = Vec::with_capacity(specs.len());
    for s in specs {
        s.check()?;
        if !names.insert(s.name.as_str()) {
            return Err(SpecError::DuplicateName(s.name.clone()));
        }
        if seen.iter().any(|e| {
            (e.neighbor, e.interface.as_deref(), e.multihop)
                == (s.neighbor, s.interface.as_deref(), s.multihop)
                && (e.source.is_none() || s.source.is_none() || e.source == s.source)
        }) {
            return Err(SpecError::DuplicateNeighbor {
                name: s.name.clone(),
                neighbor: s.neighbor,
                source_ip: s.source,
            });
        }
        seen.push(s);
    }
    Ok(())
}

/// std → bfd-core duration (microseconds, saturating).
pub(crate) fn core_duration(d: Duration) -> bfd_core::time::Duration {
    bfd_core::time::Duration::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// bfd-core → std duration.
pub(crate) fn std_duration(d: bfd_core::time::Duration) -> Duration {
    Duration::from_micros(d.as_micros())
}

#[cfg(test)]
mod tests;
