//! The session a keepalived.conf `bfd_instance` describes (feature
//! `keepalived-conf`): the one mapping from keepalived-conf's typed block to a
//! [`PeerSpec`], shared by every daemon that runs keepalived's BFD sessions.

use keepalived_conf::BfdInstance;

use crate::spec::PeerSpec;

/// The session `b` describes with keepalived 2.2.7's values (bfd_parser.c
/// defaults as keepalived-conf resolved them), or `None` when keepalived's
/// BFD process drops the block (no or malformed neighbour, mixed families, a
/// neighbour/source pair already used: `BfdInstance::session` is false).
///
/// keepalived's `max_hops -1` is stored in a `uint8_t` as 255, which
/// bfd_scheduler.c `bfd_handle_packet` takes as "no TTL check"; it maps to
/// `max_hops` 255 here, which accepts every TTL too.
pub fn peer_spec(b: &BfdInstance) -> Option<PeerSpec> {
    if !b.session {
        return None;
    }
    let neighbor = b.neighbor_ip.as_ref()?.value;
    let mut s = PeerSpec::new(b.name.value.clone(), neighbor)
        .with_intervals(b.min_rx_value(), b.min_tx_value())
        .with_idle_tx(b.idle_tx_value())
        .with_multiplier(b.multiplier_value())
        .with_passive(b.passive_value())
        .with_ttl(b.ttl_value())
        .with_max_hops(u8::try_from(b.max_hops_value()).unwrap_or(u8::MAX))
        .with_multihop(b.multihop);
    if let Some(src) = &b.source_ip {
        s = s.with_source(src.value);
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn first(text: &str) -> BfdInstance {
        let parsed = keepalived_conf::parse_str("t.conf", text, &Default::default());
        parsed
            .config
            .bfd_instances
            .into_iter()
            .next()
            .expect("a bfd_instance")
    }

    #[test]
    fn keepalived_defaults_and_written_values() {
        let s = peer_spec(&first("bfd_instance b1 {\n neighbor_ip 10.0.0.2\n}\n")).expect("runs");
        assert_eq!(s.name, "b1");
        assert_eq!(
            (s.min_rx, s.min_tx),
            (Duration::from_millis(10), Duration::from_millis(10))
        );
        assert_eq!((s.idle_tx, s.multiplier), (Duration::from_secs(1), 5));
        assert_eq!(
            (s.ttl, s.max_hops, s.passive, s.source),
            (255, 0, false, None)
        );
        let s = peer_spec(&first(
            "bfd_instance b2 {\n neighbor_ip fe80::2\n source_ip fe80::1\n min_rx 50\n \
             min_tx 60\n idle_tx 2000\n multiplier 3\n passive\n max_hops 1\n}\n",
        ))
        .expect("runs");
        assert_eq!(
            (s.min_rx, s.min_tx),
            (Duration::from_millis(50), Duration::from_millis(60))
        );
        assert_eq!(
            (s.idle_tx, s.multiplier, s.passive),
            (Duration::from_secs(2), 3, true)
        );
        assert_eq!((s.ttl, s.max_hops), (64, 1), "IPv6 hop limit default 64");
        assert_eq!(s.source, Some("fe80::1".parse().expect("addr")));
    }

    #[test]
    fn multihop_keyword_is_keepalived_2_2_8_and_warned() {
        let text = "bfd_instance m {\n neighbor_ip 10.0.0.2\n max_hops 2\n multihop\n}\n\
                    bfd_instance n {\n neighbor_ip 10.0.0.3\n multihop no\n}\n";
        let parsed = keepalived_conf::parse_str("t.conf", text, &Default::default());
        let specs: Vec<_> = parsed
            .config
            .bfd_instances
            .iter()
            .filter_map(peer_spec)
            .collect();
        assert_eq!(
            specs
                .iter()
                .map(|s| (s.multihop, s.max_hops))
                .collect::<Vec<_>>(),
            [(true, 2), (false, 0)]
        );
        let warned = parsed
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("keepalived 2.2.8"))
            .count();
        assert_eq!(warned, 2, "{:?}", parsed.diagnostics);
    }

    #[test]
    fn a_single_hop_and_a_multihop_block_to_one_neighbor_both_run() {
        let text = "bfd_instance s {\n neighbor_ip 10.0.0.2\n}\n\
                    bfd_instance m {\n neighbor_ip 10.0.0.2\n multihop\n}\n\
                    bfd_instance d {\n neighbor_ip 10.0.0.2\n multihop\n}\n";
        let parsed = keepalived_conf::parse_str("t.conf", text, &Default::default());
        let specs: Vec<_> = parsed
            .config
            .bfd_instances
            .iter()
            .filter_map(peer_spec)
            .collect();
        // `d` repeats `m`'s kind: keepalived drops it, so it runs nothing.
        assert_eq!(
            specs
                .iter()
                .map(|s| (s.name.as_str(), s.multihop))
                .collect::<Vec<_>>(),
            [("s", false), ("m", true)]
        );
        assert_eq!(crate::spec::validate(&specs), Ok(()));
    }

    #[test]
    fn dropped_blocks_run_nothing_and_max_hops_minus_one_checks_no_ttl() {
        assert!(peer_spec(&first("bfd_instance b1 {\n min_rx 50\n}\n")).is_none());
        let b = first("bfd_instance b1 {\n neighbor_ip 10.0.0.2\n max_hops -1\n}\n");
        assert_eq!(peer_spec(&b).map(|s| s.max_hops), Some(255));
    }
}
