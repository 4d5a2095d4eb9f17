//! Interop with keepalived 2.2.7's own BFD process (a configuration with
//! only a `bfd_instance` starts just that child): both sides Up with the
//! same view of the session, and the same behaviour on exit on both sides —
//! keepalived sends nothing when it stops and neither does
//! `BfdRunner::shutdown`, so each peer sees its Detection Time expire
//! (root; skipped without keepalived).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use bfd_net::{BfdEvent, Diagnostic, PeerSpec, State};
use common::*;

const US: &str = "10.77.5.1";
const KA: &str = "10.77.5.2";

fn ka_conf() -> String {
    format!(
        "global_defs {{ router_id bn-ka }}\n\
         bfd_instance kabfd {{\n  neighbor_ip {US}\n  source_ip {KA}\n  \
         min_rx 100\n  min_tx 100\n  multiplier 3\n}}\n"
    )
}

#[test]
fn keepalived_bfd_peer() {
    if skip_netns_test("bfd-net keepalived_netns", &["keepalived"]) {
        return;
    }
    let dir = std::path::PathBuf::from("/tmp/bn-ka-bfd");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (nr, nk) = pair("bn-kr", "bn-kk", &format!("{US}/24"), &format!("{KA}/24"));
    let ka = Keepalived::start(&nk, &dir, &ka_conf());
    let spec = PeerSpec::new("ka", KA.parse().unwrap())
        .with_source(US.parse().unwrap())
        .with_intervals(Duration::from_millis(100), Duration::from_millis(100))
        .with_multiplier(3);
    let r = NsBfd::start(&nr, vec![spec]);
    wait_up_with_keepalived(&r, &ka, "over IPv4");
    // Our side records keepalived's Up from its next packet after its log line.
    let s = r
        .wait_status("ka", Duration::from_secs(2), |s| {
            (s.local_state, s.remote_state) == (State::Up, State::Up)
        })
        .expect("keepalived's Up not seen");
    assert_eq!(s.tx_interval, Some(Duration::from_millis(100)));
    assert_eq!(s.detection_time, Some(Duration::from_millis(300)));
    assert!(s.remote_discriminator != 0);
    assert_eq!(s.discards.total(), 0, "{:?}", s.discards);
    // Stable for a while (no flap at 100 ms × 3 over 2 s).
    assert!(r.next_event(Duration::from_secs(2)).is_none());

    // keepalived exits: it sends no AdminDown, so our Detection Time
    // expires and that is a failure.
    ka.stop();
    let (_, ev) = r
        .wait_event(Duration::from_secs(3), |e| {
            matches!(e, BfdEvent::Down { .. })
        })
        .expect("no Down event after keepalived stopped");
    assert_eq!(
        ev,
        BfdEvent::Down {
            name: "ka".into(),
            diagnostic: Diagnostic::ControlDetectionTimeExpired
        }
    );

    // Again with a fresh keepalived, and now we stop: keepalived sees the
    // same thing from our side.
    let ka = Keepalived::start(&nk, &dir, &ka_conf());
    wait_up_with_keepalived(&r, &ka, "started again");
    r.stop(false);
    assert!(
        ka.wait_log(
            "(kabfd) Entering Down state (Local diagnostic - Control Detection Time Expired",
            1,
            Duration::from_secs(5)
        ),
        "keepalived did not see our exit as a detection timeout:\n{}",
        ka.log()
    );
    ka.stop();
    drop(nr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// IPv6 with keepalived's default hop limit 64 on both sides (keepalived
/// sends and checks 64, and so does a `PeerSpec` with its defaults): Up; then
/// keepalived's packets dropped by nftables take our session Down within
/// the detection time, and keepalived, hearing our Down, follows; the drop
/// removed, both come Up again.
#[test]
fn keepalived_ipv6_default_hoplimit_and_path_drop() {
    if skip_netns_test("bfd-net keepalived_netns ipv6", &["keepalived", "nft"]) {
        return;
    }
    let (us, ka_addr) = ("fd00:78:6::1", "fd00:78:6::2");
    let dir = std::path::PathBuf::from("/tmp/g5-ka6-bfd");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (nr, nk) = pair(
        "g5-k6r",
        "g5-k6k",
        &format!("{us}/64"),
        &format!("{ka_addr}/64"),
    );
    let ka = Keepalived::start(
        &nk,
        &dir,
        &format!(
            "global_defs {{ router_id g5-ka6 }}\n\
             bfd_instance kabfd {{\n  neighbor_ip {us}\n  source_ip {ka_addr}\n  \
             min_rx 100\n  min_tx 100\n  multiplier 3\n}}\n"
        ),
    );
    let spec = PeerSpec::new("ka6", ka_addr.parse().unwrap())
        .with_source(us.parse().unwrap())
        .with_intervals(Duration::from_millis(100), Duration::from_millis(100))
        .with_multiplier(3);
    assert_eq!(spec.ttl, 64, "keepalived's IPv6 default");
    let r = NsBfd::start(&nr, vec![spec]);
    let both_up =
        |s: &bfd_net::SessionStatus| (s.local_state, s.remote_state) == (State::Up, State::Up);
    r.wait_status("ka6", Duration::from_secs(15), both_up)
        .unwrap_or_else(|| panic!("not Up with keepalived over IPv6:\n{}", ka.log()));
    assert!(
        ka.wait_log("(kabfd) Entering Up state", 1, Duration::from_secs(5)),
        "keepalived not Up:\n{}",
        ka.log()
    );
    assert_eq!(r.session("ka6").discards.total(), 0);

    let (before, _) = drop_bfd_out(&nk);
    let (t, ev) = r
        .wait_event(Duration::from_secs(5), |e| {
            matches!(e, BfdEvent::Down { .. })
        })
        .expect("no Down after keepalived's packets were dropped");
    assert_eq!(
        ev,
        BfdEvent::Down {
            name: "ka6".into(),
            diagnostic: Diagnostic::ControlDetectionTimeExpired
        }
    );
    // Detection time 300 ms; up to 1 s more on a loaded 2-core machine.
    let took = t.duration_since(before);
    assert!(took < Duration::from_millis(1300), "Down after {took:?}");
    eprintln!("IPv6 Down {took:?} after the drop (detection time 300 ms)");
    assert!(
        ka.wait_log("(kabfd) Entering Down state", 1, Duration::from_secs(5)),
        "keepalived did not follow our Down:\n{}",
        ka.log()
    );
    allow_bfd_out(&nk);
    r.wait_status("ka6", Duration::from_secs(15), both_up)
        .unwrap_or_else(|| panic!("not Up again:\n{}", ka.log()));
    assert!(
        ka.wait_log("(kabfd) Entering Up state", 2, Duration::from_secs(5)),
        "keepalived not Up again:\n{}",
        ka.log()
    );
    ka.stop();
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
}
