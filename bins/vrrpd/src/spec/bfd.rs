//! `bfd_instance` sessions whose events go to the VRRP side and the
//! `track_bfd` entries of instances (docs/keepalived.md §3.36; keepalived
//! bfd_parser.c `bfd_end_handler`, vrrp_track.c `alloc_track_bfd`,
//! `initialise_track_bfd_state`). The sync-group side is in
//! [`crate::spec::sync_group`].
//!
//! keepalived-conf has already resolved each `track_bfd` entry against the
//! `bfd_instance`s written before it (weight and `reverse` included), so an
//! entry here always names a session the VRRP side knows.

use std::net::IpAddr;
use std::time::Duration;

use keepalived_conf::{Config, Diagnostic, TrackRef};
use vrrp_core::{TrackerConfig, TrackerKind};

/// One BFD session whose Up/Down events the VRRP side follows: what a BFD
/// transport needs to run it (keepalived's defaults applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BfdSpec {
    /// `bfd_instance NAME`: the name the events carry.
    pub name: String,
    /// `neighbor_ip`.
    pub neighbor: IpAddr,
    /// `source_ip`.
    pub source: Option<IpAddr>,
    /// `min_rx`: Required Min RX Interval (RFC 5880 §6.8.1).
    pub min_rx: Duration,
    /// `min_tx`: Desired Min TX Interval while Up.
    pub min_tx: Duration,
    /// `idle_tx`: the transmit interval while not Up.
    pub idle_tx: Duration,
    /// `multiplier`: Detect Mult.
    pub multiplier: u8,
    /// `passive`: wait for the peer's first packet.
    pub passive: bool,
    /// `ttl`/`hoplimit` of the packets sent.
    pub ttl: u8,
    /// `max_hops`: a received packet is accepted when its TTL plus this
    /// reaches `ttl` (−1..=255; keepalived bfd.c `bfd_check_packet_ttl`).
    pub max_hops: i16,
}

/// The sessions keepalived's BFD process runs and reports to its VRRP
/// process: every `bfd_instance` it can run whose events go to the VRRP side
/// (neither `vrrp` nor `checker` written, or `vrrp` written), tracked or not,
/// in file order.
pub fn bfd_specs(cfg: &Config) -> Vec<BfdSpec> {
    cfg.bfd_instances
        .iter()
        .filter(|b| b.session && b.to_vrrp())
        .filter_map(|b| {
            Some(BfdSpec {
                name: b.name.value.clone(),
                neighbor: b.neighbor_ip.as_ref()?.value,
                source: b.source_ip.as_ref().map(|s| s.value),
                min_rx: b.min_rx_value(),
                min_tx: b.min_tx_value(),
                idle_tx: b.idle_tx_value(),
                multiplier: b.multiplier_value(),
                passive: b.passive,
                ttl: b.ttl_value(),
                max_hops: b.max_hops_value(),
            })
        })
        .collect()
}

/// Settings of the sessions vrrpd runs that the BFD transport runs
/// differently from keepalived, warned at their line: `max_hops -1`
/// (keepalived bfd.c `bfd_check_packet_ttl` then accepts only a TTL above
/// `ttl`, so no packet sent with TTL 255) runs as `max_hops 0`.
pub fn session_warnings(cfg: &Config) -> Vec<Diagnostic> {
    cfg.bfd_instances
        .iter()
        .filter(|b| b.session && b.to_vrrp())
        .filter_map(|b| {
            let m = b.max_hops.as_ref()?;
            (m.value < 0).then(|| {
                Diagnostic::warning(
                    "vrrpd-bfd-max-hops",
                    m.span,
                    format!(
                        "bfd_instance `{}`: max_hops -1 is run as 0 (keepalived would accept \
                         only packets whose TTL is above ttl/hoplimit)",
                        b.name.value
                    ),
                )
            })
        })
        .collect()
}

/// The tracker of a `track_bfd` entry of an instance or a sync group. The
/// session is down until its first Up event (vrrp_track.c
/// `initialise_track_bfd_state`: `bfd_up` starts false), so a weight-0
/// tracker starts its instance in FAULT and a negative weight starts applied.
pub(crate) fn bfd_tracker(t: &TrackRef) -> TrackerConfig {
    TrackerConfig {
        kind: TrackerKind::Bfd,
        name: t.name.clone(),
        weight: t.weight.unwrap_or(0),
        reverse: t.reverse,
        initially_up: false,
    }
}

/// A `track_bfd` entry naming a session that never runs (keepalived's BFD
/// process dropped it): accepted as keepalived's VRRP process accepts it,
/// and said loudly, since the tracker stays down for good.
pub(crate) fn never_up_warning(cfg: &Config, t: &TrackRef, owner: &str) -> Option<Diagnostic> {
    let b = cfg.bfd_instances.iter().find(|b| b.name.value == t.name)?;
    (!b.session).then(|| {
        Diagnostic::warning(
            "vrrpd-track-bfd",
            t.span,
            format!(
                "({owner}) track_bfd `{}` names a bfd_instance keepalived runs no session for; \
                 it stays down (as in keepalived){}",
                t.name,
                if t.weight.unwrap_or(0) == 0 {
                    ", so the instance stays in FAULT"
                } else {
                    ""
                }
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalived_conf::{LoadOptions, parse_str};

    #[test]
    fn only_sessions_reported_to_vrrp_with_keepalived_defaults() {
        let p = parse_str(
            "t.conf",
            "bfd_instance a {\n neighbor_ip 192.0.2.2\n}\n\
             bfd_instance c {\n neighbor_ip 192.0.2.3\n checker\n}\n\
             bfd_instance v {\n neighbor_ip fd00::3\n vrrp\n checker\n min_rx 20\n max_hops 99\n}\n\
             bfd_instance x {\n source_ip 192.0.2.1\n}\n",
            &LoadOptions::default(),
        );
        let s = bfd_specs(&p.config);
        let names: Vec<&str> = s.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["a", "v"]);
        assert_eq!(
            s[0],
            BfdSpec {
                name: "a".into(),
                neighbor: "192.0.2.2".parse().unwrap(),
                source: None,
                min_rx: Duration::from_millis(10),
                min_tx: Duration::from_millis(10),
                idle_tx: Duration::from_secs(1),
                multiplier: 5,
                passive: false,
                ttl: 255,
                max_hops: 0,
            }
        );
        assert_eq!((s[1].ttl, s[1].max_hops), (64, 64));
        assert_eq!(s[1].min_rx, Duration::from_millis(20));
    }
}
