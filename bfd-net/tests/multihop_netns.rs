//! BFD across a router (root; namespaces `g5-*`): A — R — F, R forwarding,
//! so every packet between A and F arrives with its TTL lowered by one.
//!
//! * Multihop (RFC 5883) against FRR bfdd's `peer X multihop local-address
//!   Y`: our session with `multihop` sends to and listens on UDP 4784 and
//!   comes Up on both sides; a packet naming our session that arrives with
//!   a TTL too low for `max_hops` is dropped and counted.
//! * keepalived 2.2.7, which has no multihop port, runs a session across a
//!   router on 3784 with `max_hops 1`: ours with the same settings comes Up
//!   with it, and with `max_hops 0` both sides apply the same TTL rule
//!   (keepalived bfd.c `bfd_check_packet_ttl`) and drop each other's
//!   packets (TTL 254 < 255).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::IpAddr;
use std::time::Duration;

use bfd_net::{BfdEvent, Diagnostic, PeerSpec, State};
use common::*;

const A: &str = "10.78.1.1";
const F: &str = "10.78.2.1";

fn topology(tag: &str) -> (Netns, Netns, Netns) {
    routed(
        [
            &format!("g5-mha{tag}"),
            &format!("g5-mhr{tag}"),
            &format!("g5-mhf{tag}"),
        ],
        &format!("{A}/24"),
        "10.78.1.254/24",
        "10.78.2.254/24",
        &format!("{F}/24"),
    )
}

fn ours(multihop: bool, max_hops: u8) -> PeerSpec {
    PeerSpec::new("far", F.parse::<IpAddr>().unwrap())
        .with_source(A.parse().unwrap())
        .with_intervals(Duration::from_millis(100), Duration::from_millis(100))
        .with_multiplier(3)
        .with_ttl(255)
        .with_max_hops(max_hops)
        .with_multihop(multihop)
}

/// A BFD control packet (RFC 5880 §4.1) from `my` to `your`, in state Up,
/// or Down when `your` is 0 (§6.8.6 discards any other state without Your
/// Discriminator).
fn control_packet(my: u32, your: u32) -> Vec<u8> {
    let state = if your == 0 { 0x40 } else { 0xc0 };
    let mut p = vec![0x20, state, 3, 24];
    p.extend_from_slice(&my.to_be_bytes());
    p.extend_from_slice(&your.to_be_bytes());
    for v in [100_000u32, 100_000, 0] {
        p.extend_from_slice(&v.to_be_bytes());
    }
    p
}

#[test]
fn multihop_with_frr_and_ttl_security() {
    if skip_netns_test("bfd-net multihop_netns frr", FRR_TOOLS) {
        return;
    }
    let (na, _nr, nf) = topology("f");
    // FRR's multihop peers accept TTL ≥ 254 by default (`minimum-ttl`).
    let frr = Frr::start(
        &nf,
        &format!(
            "bfd\n peer {A} multihop local-address {F}\n  receive-interval 100\n  \
             transmit-interval 100\n  detect-multiplier 3\n !\n!\n"
        ),
    );
    let r = NsBfd::start(&na, vec![ours(true, 1)]);
    let is_up = |e: &BfdEvent| matches!(e, BfdEvent::Up { .. });
    assert!(
        r.wait_event(Duration::from_secs(15), is_up).is_some(),
        "not Up with FRR over one router; bfdd log:\n{}\nstatus {:?}",
        frr.log(),
        r.session("far")
    );
    let p = frr
        .wait_peer(A, Duration::from_secs(5), |p| p["status"] == "up")
        .unwrap_or_else(|| panic!("FRR not up: {:?}", frr.peer(A)));
    assert_eq!(p["multihop"], true, "{p}");
    // Our Up is recorded before FRR's next packet tells us FRR is Up too.
    let s = r
        .wait_status("far", Duration::from_secs(3), |s| {
            s.remote_state == State::Up
        })
        .expect("FRR's Up not seen");
    assert!(s.multihop);
    assert_eq!(p["id"].as_u64(), Some(u64::from(s.remote_discriminator)));
    assert_eq!(
        p["remote-id"].as_u64(),
        Some(u64::from(s.local_discriminator))
    );
    assert_eq!(s.detection_time, Some(Duration::from_millis(300)));
    assert_eq!(s.discards.total(), 0, "{:?}", s.discards);

    // TTL security: sent with TTL 254 from F, the packet arrives with 253;
    // 253 + max_hops 1 < 255, so it is dropped and counted, and the session
    // stays Up.
    let pkt = control_packet(s.remote_discriminator, s.local_discriminator);
    for _ in 0..3 {
        send_udp(&nf, A, bfd_net::MULTIHOP_CONTROL_PORT, 254, &pkt);
    }
    let s = r
        .wait_status("far", Duration::from_secs(3), |s| s.discards.ttl >= 3)
        .unwrap_or_else(|| panic!("TTL 253 not counted: {:?}", r.session("far")));
    assert_eq!(s.local_state, State::Up);
    // The same packet with TTL 255 (arriving with 254) is accepted.
    let before = s.packets_in;
    send_udp(&nf, A, bfd_net::MULTIHOP_CONTROL_PORT, 255, &pkt);
    let s = r
        .wait_status("far", Duration::from_secs(3), |s| s.packets_in > before)
        .expect("packets stopped");
    assert_eq!(s.discards.ttl, 3, "{:?}", s.discards);
    // RFC 5883 §3: without Your Discriminator the session is found by
    // source and destination; the same packet to another address of ours
    // than the session's source is not the session's.
    na.sh(&["ip", "addr", "add", "10.78.1.2/24", "dev", "eth0"]);
    send_udp(
        &nf,
        "10.78.1.2",
        bfd_net::MULTIHOP_CONTROL_PORT,
        255,
        &control_packet(s.remote_discriminator, 0),
    );
    r.wait_status("far", Duration::from_secs(3), |s| {
        s.discards.peer_mismatch >= 1
    })
    .unwrap_or_else(|| panic!("wrong destination not refused: {:?}", r.session("far")));
    // Only the multihop port is open: a multihop-only runner has no
    // single-hop receive socket.
    let ports = na.sh(&["ss", "-Hnlu"]);
    assert!(ports.contains(":4784"), "{ports}");
    assert!(!ports.contains(":3784"), "{ports}");
    assert!(
        r.next_event(Duration::from_millis(500)).is_none(),
        "the session flapped"
    );

    // The path dies: Down within the detection time.
    let (before, _) = drop_bfd_out_port(&nf, bfd_net::MULTIHOP_CONTROL_PORT);
    let (t, ev) = r
        .wait_event(Duration::from_secs(5), |e| {
            matches!(e, BfdEvent::Down { .. })
        })
        .expect("no Down after the drop");
    assert_eq!(
        ev,
        BfdEvent::Down {
            name: "far".into(),
            diagnostic: Diagnostic::ControlDetectionTimeExpired
        }
    );
    // 300 ms detection time; up to 1 s more on a loaded 2-core machine.
    let took = t.duration_since(before);
    assert!(took < Duration::from_millis(1300), "Down after {took:?}");
    eprintln!("multihop Down {took:?} after the drop (detection time 300 ms)");
}

/// The same over IPv6 (hop limit 255 sent, 254 received): the IPv6
/// multihop receive socket and its destination address.
#[test]
fn multihop_ipv6_with_frr() {
    if skip_netns_test("bfd-net multihop_netns frr6", FRR_TOOLS) {
        return;
    }
    let (a6, f6) = ("fd00:78:1::1", "fd00:78:2::1");
    let (na, _nr, nf) = routed(
        ["g5-mha6", "g5-mhr6", "g5-mhf6"],
        &format!("{a6}/64"),
        "fd00:78:1::fe/64",
        "fd00:78:2::fe/64",
        &format!("{f6}/64"),
    );
    let frr = Frr::start(
        &nf,
        &format!(
            "bfd\n peer {a6} multihop local-address {f6}\n  receive-interval 100\n  \
             transmit-interval 100\n  detect-multiplier 3\n !\n!\n"
        ),
    );
    let spec = PeerSpec::new("far6", f6.parse::<IpAddr>().unwrap())
        .with_source(a6.parse().unwrap())
        .with_intervals(Duration::from_millis(100), Duration::from_millis(100))
        .with_multiplier(3)
        .with_ttl(255)
        .with_max_hops(1)
        .with_multihop(true);
    let r = NsBfd::start(&na, vec![spec]);
    let s = r
        .wait_status("far6", Duration::from_secs(15), |s| {
            (s.local_state, s.remote_state) == (State::Up, State::Up)
        })
        .unwrap_or_else(|| {
            panic!(
                "not Up with FRR over IPv6 across a router: {:?}\nbfdd log:\n{}",
                r.session("far6"),
                frr.log()
            )
        });
    let p = frr
        .wait_peer(a6, Duration::from_secs(5), |p| p["status"] == "up")
        .unwrap_or_else(|| panic!("FRR not up: {:?}", frr.peer(a6)));
    assert_eq!(p["multihop"], true, "{p}");
    assert_eq!(p["id"].as_u64(), Some(u64::from(s.remote_discriminator)));
    assert_eq!(s.discards.total(), 0, "{:?}", s.discards);
    let ports = na.sh(&["ss", "-Hnlu6"]);
    assert!(ports.contains(":4784"), "{ports}");
}

#[test]
fn across_a_router_with_keepalived_2_2_7() {
    if skip_netns_test("bfd-net multihop_netns keepalived", &["keepalived"]) {
        return;
    }
    let dir = std::path::PathBuf::from("/tmp/g5-mh-ka");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (na, _nr, nf) = topology("k");
    let conf = |max_hops: i16| {
        format!(
            "global_defs {{ router_id g5-ka }}\n\
             bfd_instance kabfd {{\n  neighbor_ip {A}\n  source_ip {F}\n  \
             min_rx 100\n  min_tx 100\n  multiplier 3\n  max_hops {max_hops}\n}}\n"
        )
    };
    let ka = Keepalived::start(&nf, &dir, &conf(1));
    let r = NsBfd::start(&na, vec![ours(false, 1)]);
    wait_up_with_keepalived(&r, &ka, "over one router");
    let s = r
        .wait_status("far", Duration::from_secs(3), |s| {
            s.remote_state == State::Up
        })
        .expect("keepalived's Up not seen");
    assert!(!s.multihop);
    assert_eq!(s.discards.ttl, 0, "{:?}", s.discards);
    ka.stop();

    // max_hops 0 on both sides: keepalived drops our packets (254 < 255)
    // and we drop its packets, counted.
    let ka = Keepalived::start(&nf, &dir, &conf(0));
    r.reconfigure(vec![ours(false, 0)]).unwrap();
    let s = r
        .wait_status("far", Duration::from_secs(10), |s| s.discards.ttl >= 3)
        .unwrap_or_else(|| panic!("keepalived's TTL 254 not dropped: {:?}", r.session("far")));
    assert_ne!(s.local_state, State::Up, "{s:?}");
    assert!(s.packets_out > 0);
    // keepalived never comes Up either: it drops ours by the same rule.
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !ka.log().contains("(kabfd) Entering Up state"),
        "keepalived came Up with max_hops 0 across a router:\n{}",
        ka.log()
    );
    assert_ne!(r.session("far").local_state, State::Up);
    ka.stop();

    // keepalived's `max_hops -1` is stored as 255 (bfd.h `uint8_t
    // max_hops`), which bfd_scheduler.c `bfd_handle_packet` takes as "no
    // TTL check": keepalived comes Up with our TTL 254.
    let ka = Keepalived::start(&nf, &dir, &conf(-1));
    r.reconfigure(vec![ours(false, 1)]).unwrap();
    assert!(
        ka.wait_log("(kabfd) Entering Up state", 1, Duration::from_secs(15)),
        "keepalived with max_hops -1 not Up across a router:\n{}",
        ka.log()
    );
    ka.stop();
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
}
