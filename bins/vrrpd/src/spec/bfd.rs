//! `bfd_instance` sessions whose events go to the VRRP side and the
//! `track_bfd` entries of instances (docs/keepalived.md §3.36; keepalived
//! bfd_parser.c `bfd_end_handler`, vrrp_track.c `alloc_track_bfd`,
//! `initialise_track_bfd_state`). The sync-group side is in
//! [`crate::spec::sync_group`].
//!
//! keepalived-conf has already resolved each `track_bfd` entry against the
//! `bfd_instance`s written before it (weight and `reverse` included), so an
//! entry here always names a session the VRRP side knows.

use keepalived_conf::{Config, Diagnostic, TrackRef};
use vrrp_core::{TrackerConfig, TrackerKind};

/// One BFD session whose Up/Down events the VRRP side follows: the
/// transport's settings, keepalived's defaults applied (bfd-net's mapping of a
/// `bfd_instance`, shared with lvsd).
pub type BfdSpec = bfd_net::PeerSpec;

/// The sessions keepalived's BFD process runs and reports to its VRRP
/// process: every `bfd_instance` it can run whose events go to the VRRP side
/// (neither `vrrp` nor `checker` written, or `vrrp` written), tracked or not,
/// in file order.
pub fn bfd_specs(cfg: &Config) -> Vec<BfdSpec> {
    cfg.bfd_instances
        .iter()
        .filter(|b| b.to_vrrp())
        .filter_map(bfd_net::keepalived::peer_spec)
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
        // keepalived's defaults (bfd_parser.c): 10 ms, 10 ms, 1 s, 5, TTL 255
        assert_eq!(s[0], BfdSpec::new("a", "192.0.2.2".parse().unwrap()));
        assert_eq!(
            (
                s[0].min_rx,
                s[0].min_tx,
                s[0].idle_tx,
                s[0].multiplier,
                s[0].ttl
            ),
            (
                std::time::Duration::from_millis(10),
                std::time::Duration::from_millis(10),
                std::time::Duration::from_secs(1),
                5,
                255
            )
        );
        assert_eq!((s[1].ttl, s[1].max_hops), (64, 64));
        assert_eq!(s[1].min_rx, std::time::Duration::from_millis(20));
    }
}
