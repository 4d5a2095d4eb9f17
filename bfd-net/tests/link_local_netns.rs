//! IPv6 link-local neighbors (root; namespaces `g5-*`): one namespace U has
//! the same link-local address fe80::1 on two links, and the neighbor on
//! each link is fe80::2 — FRR bfdd on `eth0`, a second bfd-net runner on
//! `eth1`. Two sessions with the same neighbor address, told apart by
//! interface (RFC 5881 §3), come Up with their own peer (FRR's view of the
//! discriminators matches ours), and a failure on one link takes only that
//! session Down.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::IpAddr;
use std::time::Duration;

use bfd_net::{BfdEvent, PeerSpec, State};
use common::*;

const LL_US: &str = "fe80::1";
const LL_PEER: &str = "fe80::2";

fn spec(name: &str, neighbor: &str, source: &str, interface: &str) -> PeerSpec {
    PeerSpec::new(name, neighbor.parse::<IpAddr>().unwrap())
        .with_source(source.parse().unwrap())
        .with_interface(interface)
        .with_intervals(Duration::from_millis(100), Duration::from_millis(100))
        .with_multiplier(3)
        // RFC 5881 §5: FRR accepts single-hop packets with hop limit 255 only.
        .with_ttl(255)
}

#[test]
fn link_local_sessions_by_interface_with_frr_and_bfd_net() {
    if skip_netns_test("bfd-net link_local_netns", FRR_TOOLS) {
        return;
    }
    let nu = Netns::new("g5-llu");
    let n1 = Netns::new("g5-ll1");
    let n2 = Netns::new("g5-ll2");
    for (peer, ours) in [(&n1, "eth0"), (&n2, "eth1")] {
        sh(&[
            "ip", "link", "add", ours, "netns", &nu.0, "type", "veth", "peer", "name", "eth0",
            "netns", &peer.0,
        ]);
        for (ns, dev, addr) in [(&nu, ours, LL_US), (peer, "eth0", LL_PEER)] {
            sh(&[
                "ip",
                "-n",
                &ns.0,
                "addr",
                "add",
                &format!("{addr}/64"),
                "dev",
                dev,
                "nodad",
            ]);
            sh(&["ip", "-n", &ns.0, "link", "set", dev, "up"]);
        }
    }
    let frr = Frr::start(
        &n1,
        &format!(
            "bfd\n peer {LL_US} interface eth0 local-address {LL_PEER}\n  receive-interval 100\n  \
             transmit-interval 100\n  detect-multiplier 3\n !\n!\n"
        ),
    );
    let other = NsBfd::start(&n2, vec![spec("u", LL_US, LL_PEER, "eth0")]);
    let us = NsBfd::start(
        &nu,
        vec![
            spec("via-eth0", LL_PEER, LL_US, "eth0"),
            spec("via-eth1", LL_PEER, LL_US, "eth1"),
        ],
    );
    // Both sessions Up with the peer's Up seen (polled: the peer's state
    // arrives with its next packet after our Up).
    let both_up =
        |s: &bfd_net::SessionStatus| (s.local_state, s.remote_state) == (State::Up, State::Up);
    let s0 = us
        .wait_status("via-eth0", Duration::from_secs(15), both_up)
        .unwrap_or_else(|| {
            panic!(
                "not Up with FRR on eth0: {:?}\nbfdd log:\n{}",
                us.session("via-eth0"),
                frr.log()
            )
        });
    let s1 = us
        .wait_status("via-eth1", Duration::from_secs(15), both_up)
        .unwrap_or_else(|| panic!("not Up with bfd-net on eth1: {:?}", us.session("via-eth1")));
    assert_eq!(s0.interface.as_deref(), Some("eth0"));
    assert_eq!(s1.interface.as_deref(), Some("eth1"));
    assert_ne!(s0.remote_discriminator, s1.remote_discriminator);
    let p = frr
        .wait_peer(LL_US, Duration::from_secs(5), |p| p["status"] == "up")
        .unwrap_or_else(|| panic!("FRR not up: {:?}", frr.peer(LL_US)));
    assert_eq!(p["interface"], "eth0", "{p}");
    assert_eq!(p["id"].as_u64(), Some(u64::from(s0.remote_discriminator)));
    assert_eq!(
        p["remote-id"].as_u64(),
        Some(u64::from(s0.local_discriminator))
    );
    let o = other
        .wait_status("u", Duration::from_secs(5), both_up)
        .expect("the eth1 peer not Up");
    assert_eq!(o.remote_discriminator, s1.local_discriminator);
    assert_eq!(o.local_discriminator, s1.remote_discriminator);
    for s in [&s0, &s1] {
        assert_eq!(s.discards.total(), 0, "{:?}", s.discards);
    }

    // The eth1 peer goes silent: only the eth1 session goes Down.
    drop_bfd_out(&n2);
    let (_, ev) = us
        .wait_event(Duration::from_secs(5), |e| {
            matches!(e, BfdEvent::Down { .. })
        })
        .expect("no Down after the eth1 peer went silent");
    assert_eq!(ev.name(), "via-eth1");
    assert!(
        us.wait_event(Duration::from_secs(2), |e| matches!(
            e,
            BfdEvent::Down { .. }
        ))
        .is_none(),
        "a second Down"
    );
    let s0 = us.session("via-eth0");
    assert_eq!(s0.local_state, State::Up, "{s0:?}");
    assert_eq!(s0.down_events, 0);
    frr.wait_peer(LL_US, Duration::from_secs(2), |p| p["status"] == "up")
        .expect("FRR's session went down");
}
