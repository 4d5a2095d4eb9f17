//! Two single-hop sessions to one neighbor that differ only in their
//! `source_ip`, against keepalived 2.2.7's BFD process holding a session to
//! each of our two addresses (root; skipped without keepalived). keepalived
//! keys sessions by the (neighbor, source) pair (bfd_data.c
//! `find_bfd_by_addr`), so both are sessions: both come Up, each paired
//! with keepalived's session of its own address, and when one address goes
//! away only its session falls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use bfd_net::{BfdEvent, Diagnostic, PeerSpec, State};
use common::*;

const US1: &str = "10.77.6.1";
const US2: &str = "10.77.6.11";
const KA: &str = "10.77.6.2";

fn ka_conf() -> String {
    let inst = |name: &str, nbr: &str| {
        format!(
            "bfd_instance {name} {{\n  neighbor_ip {nbr}\n  source_ip {KA}\n  \
             min_rx 100\n  min_tx 100\n  multiplier 3\n}}\n"
        )
    };
    format!(
        "global_defs {{ router_id bn-ka2 }}\n{}{}",
        inst("ka1", US1),
        inst("ka2", US2)
    )
}

fn spec(name: &str, source: &str) -> PeerSpec {
    PeerSpec::new(name, KA.parse().unwrap())
        .with_source(source.parse().unwrap())
        .with_intervals(Duration::from_millis(100), Duration::from_millis(100))
        .with_multiplier(3)
}

#[test]
fn two_sources_to_one_neighbor_with_keepalived() {
    if skip_netns_test("bfd-net two_sources_netns", &["keepalived"]) {
        return;
    }
    let dir = std::path::PathBuf::from("/tmp/bn-2src");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (nr, nk) = pair(
        "bn-2src-r",
        "bn-2src-k",
        &format!("{US1}/24"),
        &format!("{KA}/24"),
    );
    sh(&[
        "ip",
        "-n",
        &nr.0,
        "addr",
        "add",
        &format!("{US2}/24"),
        "dev",
        "eth0",
    ]);
    let ka = Keepalived::start(&nk, &dir, &ka_conf());
    let r = NsBfd::start(&nr, vec![spec("one", US1), spec("two", US2)]);
    for (ours, theirs) in [("one", "ka1"), ("two", "ka2")] {
        let s = r.wait_status(ours, Duration::from_secs(15), |s| {
            (s.local_state, s.remote_state) == (State::Up, State::Up)
        });
        assert!(
            s.is_some(),
            "{ours} not Up: {:?}\nkeepalived:\n{}",
            r.status(),
            ka.log()
        );
        assert!(
            ka.wait_log(
                &format!("({theirs}) Entering Up state"),
                1,
                Duration::from_secs(5)
            ),
            "keepalived's {theirs} not Up:\n{}",
            ka.log()
        );
    }
    let (one, two) = (r.session("one"), r.session("two"));
    assert_ne!(one.local_discriminator, two.local_discriminator);
    assert_ne!(one.remote_discriminator, two.remote_discriminator);
    for s in [&one, &two] {
        assert_eq!(s.discards.total(), 0, "{}: {:?}", s.name, s.discards);
    }
    // Stable: no event over several detection times.
    while r.next_event(Duration::from_millis(300)).is_some() {}
    assert!(r.next_event(Duration::from_secs(1)).is_none());

    // Our second address goes: keepalived's packets to it are not ours any
    // more, so "two" falls (Detection Time 300 ms) and "one" stays Up.
    sh(&[
        "ip",
        "-n",
        &nr.0,
        "addr",
        "del",
        &format!("{US2}/24"),
        "dev",
        "eth0",
    ]);
    let (_, ev) = r
        .wait_event(Duration::from_secs(5), |e| {
            matches!(e, BfdEvent::Down { .. })
        })
        .unwrap_or_else(|| panic!("no Down after removing {US2}: {:?}", r.status()));
    assert_eq!(
        ev,
        BfdEvent::Down {
            name: "two".into(),
            diagnostic: Diagnostic::ControlDetectionTimeExpired
        }
    );
    assert!(
        r.next_event(Duration::from_secs(1)).is_none(),
        "{:?}",
        r.status()
    );
    assert_eq!(r.session("one").local_state, State::Up);
    r.stop(false);
    ka.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
