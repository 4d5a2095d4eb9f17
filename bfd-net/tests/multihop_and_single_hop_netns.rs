//! A single-hop (RFC 5881, UDP 3784) and a multihop (RFC 5883, UDP 4784)
//! session to the same neighbor at once, against FRR bfdd holding `peer X`
//! and `peer X multihop` (root; namespaces `bfdx-*`). keepalived 2.2.8
//! allows one of each kind per neighbor (bfd_data.c `find_bfd_by_addr`
//! compares `multihop`); both come Up, each with its own discriminators, and
//! dropping one port's packets takes only that session Down.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::IpAddr;
use std::time::Duration;

use bfd_net::{BfdEvent, Diagnostic, PeerSpec, State};
use common::*;

const US: &str = "10.79.0.1";
const FRR: &str = "10.79.0.2";

fn spec(name: &str, multihop: bool) -> PeerSpec {
    PeerSpec::new(name, FRR.parse::<IpAddr>().unwrap())
        .with_source(US.parse().unwrap())
        .with_intervals(Duration::from_millis(100), Duration::from_millis(100))
        .with_multiplier(3)
        .with_ttl(255)
        .with_multihop(multihop)
}

/// FRR's entry for our address of the given kind.
fn frr_peer(frr: &Frr, multihop: bool) -> Option<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(&frr.vtysh(&["show bfd peers json"])).ok()?;
    v.as_array()?
        .iter()
        .find(|p| p["peer"].as_str() == Some(US) && p["multihop"].as_bool() == Some(multihop))
        .cloned()
}

/// Polls FRR's entry of one kind until `pred` holds, for at most `timeout`.
fn wait_frr(
    frr: &Frr,
    multihop: bool,
    timeout: Duration,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> Option<serde_json::Value> {
    let end = std::time::Instant::now() + timeout;
    loop {
        if let Some(p) = frr_peer(frr, multihop)
            && pred(&p)
        {
            return Some(p);
        }
        if std::time::Instant::now() >= end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn both_up(r: &NsBfd) -> bool {
    ["single", "multi"].iter().all(|n| {
        r.wait_status(n, Duration::from_secs(15), |s| {
            (s.local_state, s.remote_state) == (State::Up, State::Up)
        })
        .is_some()
    })
}

#[test]
fn single_hop_and_multihop_to_one_neighbor_with_frr() {
    if skip_netns_test("bfd-net multihop_and_single_hop_netns", FRR_TOOLS) {
        return;
    }
    let (na, nf) = pair(
        "bfdx-mxa",
        "bfdx-mxf",
        &format!("{US}/24"),
        &format!("{FRR}/24"),
    );
    let timers = "  receive-interval 100\n  transmit-interval 100\n  detect-multiplier 3\n !\n";
    let frr = Frr::start(
        &nf,
        &format!(
            "bfd\n peer {US} local-address {FRR}\n{timers} \
             peer {US} multihop local-address {FRR}\n{timers}!\n"
        ),
    );
    let r = NsBfd::start(&na, vec![spec("single", false), spec("multi", true)]);
    assert!(
        both_up(&r),
        "not both Up: {:?}\nbfdd log:\n{}",
        r.status(),
        frr.log()
    );
    let (single, multi) = (r.session("single"), r.session("multi"));
    assert!(!single.multihop && multi.multihop);
    assert_ne!(single.local_discriminator, multi.local_discriminator);
    // Each of our sessions is paired with FRR's session of its own kind.
    for (s, mh) in [(&single, false), (&multi, true)] {
        let p = wait_frr(&frr, mh, Duration::from_secs(5), |p| p["status"] == "up")
            .unwrap_or_else(|| panic!("FRR multihop={mh} not up: {:?}", frr_peer(&frr, mh)));
        assert_eq!(
            p["id"].as_u64(),
            Some(u64::from(s.remote_discriminator)),
            "{p}"
        );
        assert_eq!(
            p["remote-id"].as_u64(),
            Some(u64::from(s.local_discriminator)),
            "{p}"
        );
        assert_eq!(s.discards.total(), 0, "{:?}", s.discards);
    }
    let ports = na.sh(&["ss", "-Hnlu"]);
    assert!(
        ports.contains(":3784") && ports.contains(":4784"),
        "{ports}"
    );

    // FRR's multihop packets are dropped: only "multi" goes Down (detection
    // time 300 ms; 5 s is a generous bound on a loaded machine), "single"
    // stays Up.
    drop_bfd_out_port(&nf, bfd_net::MULTIHOP_CONTROL_PORT);
    let (_, ev) = r
        .wait_event(Duration::from_secs(5), |e| {
            matches!(e, BfdEvent::Down { .. })
        })
        .unwrap_or_else(|| panic!("no Down after dropping 4784: {:?}", r.status()));
    assert_eq!(
        ev,
        BfdEvent::Down {
            name: "multi".into(),
            diagnostic: Diagnostic::ControlDetectionTimeExpired
        }
    );
    // Several detection times later the single-hop session is still Up and
    // raised no event.
    assert!(
        r.next_event(Duration::from_secs(1)).is_none(),
        "{:?}",
        r.status()
    );
    assert_eq!(r.session("single").local_state, State::Up);
    assert_ne!(r.session("multi").local_state, State::Up);
    wait_frr(&frr, false, Duration::from_secs(3), |p| p["status"] == "up")
        .expect("FRR's single-hop session left Up");

    // Allowed again: both Up; then the single-hop port is dropped and only
    // "single" goes Down.
    allow_bfd_out(&nf);
    assert!(both_up(&r), "not both Up again: {:?}", r.status());
    // Drain the Up event(s).
    while r.next_event(Duration::from_millis(300)).is_some() {}
    drop_bfd_out_port(&nf, 3784);
    let (_, ev) = r
        .wait_event(Duration::from_secs(5), |e| {
            matches!(e, BfdEvent::Down { .. })
        })
        .unwrap_or_else(|| panic!("no Down after dropping 3784: {:?}", r.status()));
    assert_eq!(
        ev,
        BfdEvent::Down {
            name: "single".into(),
            diagnostic: Diagnostic::ControlDetectionTimeExpired
        }
    );
    assert!(
        r.next_event(Duration::from_secs(1)).is_none(),
        "{:?}",
        r.status()
    );
    assert_eq!(r.session("multi").local_state, State::Up);
    assert_ne!(r.session("single").local_state, State::Up);
    allow_bfd_out(&nf);
}
