//! Scenario tests on the virtual LAN with exact expected timelines.
#![cfg(feature = "sim")]
#![allow(clippy::unwrap_used)]

use core::net::IpAddr;

use vrrp_core::packet::{Family, Version};
use vrrp_core::sim::{LinkParams, SimEvent, TimelineKind, VirtualLan};
use vrrp_core::time::{Duration, Instant};
use vrrp_core::{Action, Event, InstanceConfig, Reason, State, TrackerConfig, TrackerKind};

fn t(us: u64) -> Instant {
    Instant::from_micros(us)
}
fn secs(s: u64) -> Instant {
    Instant::from_micros(s * 1_000_000)
}
fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn cfg(version: Version, addr: &str, prio: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new("VI_1", 1, version, ip(addr));
    c.priority = prio;
    c.vips = vec![ip(if addr.contains(':') {
        "fd00::100"
    } else {
        "10.0.0.100"
    })];
    c
}

/// (µs, node, from, to, reason)
type Row = (u64, &'static str, State, State, Reason);

fn changes(lan: &VirtualLan) -> Vec<(u64, String, State, State, Reason)> {
    lan.state_changes()
        .map(|c| {
            (
                c.at.as_micros(),
                c.node_name.to_string(),
                c.from,
                c.to,
                c.reason,
            )
        })
        .collect()
}

fn assert_timeline(lan: &VirtualLan, want: &[Row]) {
    let got = changes(lan);
    let want: Vec<_> = want
        .iter()
        .map(|(t, n, f, to, r)| (*t, n.to_string(), *f, *to, *r))
        .collect();
    assert_eq!(got, want, "\n got: {got:#?}\nwant: {want:#?}");
}

fn two(version: Version, pa: u8, pb: u8) -> VirtualLan {
    let mut lan = VirtualLan::new(1);
    lan.add_node("a", vec![cfg(version, "10.0.0.1", pa)])
        .unwrap();
    lan.add_node("b", vec![cfg(version, "10.0.0.2", pb)])
        .unwrap();
    lan
}

use Reason::*;
use State::*;

#[test]
fn v3_100_and_90_first_master_at_3_609375() {
    let mut lan = two(Version::V3, 100, 90);
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.run_until(secs(600));
    assert_timeline(
        &lan,
        &[
            (0, "a", Initialize, Backup, Startup),
            (0, "b", Initialize, Backup, Startup),
            (3_609_375, "a", Backup, Master, MasterDownTimer),
        ],
    );
    // Backup learnt the master and kept counting adverts.
    let b = lan.instance(1, 0).unwrap();
    assert_eq!(b.state(), Backup);
    assert_eq!(b.counters().rcvd_advertisements, 597);
    assert_eq!(lan.instance(0, 0).unwrap().counters().master_transitions, 1);
    let st = lan.status();
    assert_eq!(st.len(), 2);
    assert_eq!(
        (st[0].node_name.as_str(), st[0].status.state),
        ("a", Master)
    );
    assert_eq!(
        (st[1].status.master_address, st[1].status.master_priority),
        (Some(ip("10.0.0.1")), 100)
    );
}

#[test]
fn priority_zero_release_takeover_after_skew_time() {
    let mut lan = two(Version::V3, 100, 90);
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.schedule(secs(10), SimEvent::Shutdown(0));
    lan.run_until(secs(30));
    // Skew_Time(90, 1 s) = 166/256 s = 648 437.5 µs → 648 437 µs.
    assert_timeline(
        &lan,
        &[
            (0, "a", Initialize, Backup, Startup),
            (0, "b", Initialize, Backup, Startup),
            (3_609_375, "a", Backup, Master, MasterDownTimer),
            (10_000_000, "a", Master, Stop, Shutdown),
            (10_648_437, "b", Backup, Master, MasterReleased),
        ],
    );
    assert_eq!(
        lan.instance(0, 0).unwrap().counters().sent_pri_zero_packets,
        1
    );
    assert_eq!(
        lan.instance(1, 0).unwrap().counters().rcvd_pri_zero_packets,
        1
    );
}

#[test]
fn silent_crash_takeover_after_master_down_interval_and_restart_preempts() {
    let mut lan = two(Version::V3, 100, 90);
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.schedule(t(10_200_000), SimEvent::Crash(0));
    lan.schedule(secs(20), SimEvent::Start(0));
    lan.run_until(secs(40));
    // Last advert from a at 9.609375; b: + 3 s + 0.648437 s.
    assert_timeline(
        &lan,
        &[
            (0, "a", Initialize, Backup, Startup),
            (0, "b", Initialize, Backup, Startup),
            (3_609_375, "a", Backup, Master, MasterDownTimer),
            (13_257_812, "b", Backup, Master, MasterDownTimer),
            (20_000_000, "a", Initialize, Backup, Startup),
            // a discards b's lower adverts and preempts after its own
            // Master_Down_Interval; b hears the higher priority at once.
            (23_609_375, "a", Backup, Master, Preempted),
            (
                23_609_375,
                "b",
                Master,
                Backup,
                HigherPriority {
                    priority: 100,
                    from: ip("10.0.0.1"),
                },
            ),
        ],
    );
}

#[test]
fn nopreempt_keeps_lower_master() {
    let mut lan = VirtualLan::new(1);
    let mut a = cfg(Version::V3, "10.0.0.1", 100);
    a.nopreempt = true;
    lan.add_node("a", vec![a]).unwrap();
    lan.add_node("b", vec![cfg(Version::V3, "10.0.0.2", 90)])
        .unwrap();
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.schedule(secs(5), SimEvent::Start(0));
    lan.run_until(secs(100));
    assert_timeline(
        &lan,
        &[
            (0, "b", Initialize, Backup, Startup),
            (3_648_437, "b", Backup, Master, MasterDownTimer),
            (5_000_000, "a", Initialize, Backup, Startup),
        ],
    );
}

#[test]
fn preempt_without_nopreempt() {
    let mut lan = two(Version::V3, 100, 90);
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.schedule(secs(5), SimEvent::Start(0));
    lan.run_until(secs(100));
    assert_timeline(
        &lan,
        &[
            (0, "b", Initialize, Backup, Startup),
            (3_648_437, "b", Backup, Master, MasterDownTimer),
            (5_000_000, "a", Initialize, Backup, Startup),
            (8_609_375, "a", Backup, Master, Preempted),
            (
                8_609_375,
                "b",
                Master,
                Backup,
                HigherPriority {
                    priority: 100,
                    from: ip("10.0.0.1"),
                },
            ),
        ],
    );
}

#[test]
fn preempt_delay_adds_to_master_down_interval() {
    let mut lan = VirtualLan::new(1);
    let mut a = cfg(Version::V3, "10.0.0.1", 100);
    a.preempt_delay = Duration::from_secs(10);
    lan.add_node("a", vec![a]).unwrap();
    lan.add_node("b", vec![cfg(Version::V3, "10.0.0.2", 90)])
        .unwrap();
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.schedule(secs(5), SimEvent::Start(0));
    lan.run_until(secs(100));
    // First lower advert at 5.648437 starts the delay (until 15.648437).
    // The advert at exactly 15.648437 is no longer accepted; the last
    // accepted one (14.648437) + 3.609375 = 18.257812.
    assert_timeline(
        &lan,
        &[
            (0, "b", Initialize, Backup, Startup),
            (3_648_437, "b", Backup, Master, MasterDownTimer),
            (5_000_000, "a", Initialize, Backup, Startup),
            (18_257_812, "a", Backup, Master, Preempted),
            (
                18_257_812,
                "b",
                Master,
                Backup,
                HigherPriority {
                    priority: 100,
                    from: ip("10.0.0.1"),
                },
            ),
        ],
    );
}

#[test]
fn v2_skew_does_not_scale_with_interval() {
    let mut lan = VirtualLan::new(1);
    for (n, a, p) in [("a", "10.0.0.1", 100), ("b", "10.0.0.2", 90)] {
        let mut c = cfg(Version::V2, a, p);
        c.advert_interval = Duration::from_secs(2);
        lan.add_node(n, vec![c]).unwrap();
    }
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.schedule(secs(20), SimEvent::Crash(0));
    lan.run_until(secs(60));
    // v2: 3×2 s + 156/256 s. a adverts at 6.609375 + 2k; last before 20 s
    // is 18.609375; b: + 6 s + 0.648437 s.
    assert_timeline(
        &lan,
        &[
            (0, "a", Initialize, Backup, Startup),
            (0, "b", Initialize, Backup, Startup),
            (6_609_375, "a", Backup, Master, MasterDownTimer),
            (25_257_812, "b", Backup, Master, MasterDownTimer),
        ],
    );
}

#[test]
fn v3_skew_scales_and_backup_learns_interval() {
    let mut lan = VirtualLan::new(1);
    let mut a = cfg(Version::V3, "10.0.0.1", 100);
    a.advert_interval = Duration::from_secs(2);
    lan.add_node("a", vec![a]).unwrap();
    // b configured with 1 s but learns the master's 2 s.
    lan.add_node("b", vec![cfg(Version::V3, "10.0.0.2", 90)])
        .unwrap();
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.schedule(secs(20), SimEvent::Crash(0));
    lan.run_until(secs(60));
    // a: 6 s + 156/256×2 s = 7.21875 s. b alone would fire at 3.648437 s:
    // b becomes master first! then a preempts.
    let got = changes(&lan);
    assert_eq!(
        got[2],
        (3_648_437, "b".into(), Backup, Master, MasterDownTimer)
    );
    // a (Backup, 100) discards b's lower adverts, times out at 7.21875.
    assert_eq!(got[3], (7_218_750, "a".into(), Backup, Master, Preempted));
    assert_eq!(got[4].0, 7_218_750);
    // After the crash at 20 s: a's adverts at 7.21875 + 2k, last 19.21875;
    // b uses the learnt interval: 3×2 s + 166/256×2 s = 7.296875 s.
    assert_eq!(
        got[5],
        (26_515_625, "b".into(), Backup, Master, MasterDownTimer)
    );
    assert_eq!(got.len(), 6);
}

#[test]
fn owner_255_goes_master_at_once() {
    let mut lan = two(Version::V3, 100, 90);
    lan.add_node("c", vec![cfg(Version::V3, "10.0.0.3", 255)])
        .unwrap();
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.schedule(secs(5), SimEvent::Start(2));
    lan.run_until(secs(30));
    assert_timeline(
        &lan,
        &[
            (0, "a", Initialize, Backup, Startup),
            (0, "b", Initialize, Backup, Startup),
            (3_609_375, "a", Backup, Master, MasterDownTimer),
            (5_000_000, "c", Initialize, Master, AddressOwner),
            (
                5_000_000,
                "a",
                Master,
                Backup,
                HigherPriority {
                    priority: 255,
                    from: ip("10.0.0.3"),
                },
            ),
        ],
    );
}

#[test]
fn equal_priority_higher_address_wins() {
    let mut lan = two(Version::V3, 100, 100);
    lan.set_default_link(LinkParams {
        latency: Duration::from_millis(1),
        ..LinkParams::default()
    });
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.run_until(secs(120));
    assert_timeline(
        &lan,
        &[
            (0, "a", Initialize, Backup, Startup),
            (0, "b", Initialize, Backup, Startup),
            (3_609_375, "a", Backup, Master, MasterDownTimer),
            (3_609_375, "b", Backup, Master, MasterDownTimer),
            (
                3_610_375,
                "a",
                Master,
                Backup,
                EqualPriorityHigherAddress {
                    from: ip("10.0.0.2"),
                },
            ),
        ],
    );
}

#[test]
fn equal_priority_in_backup_is_accepted_without_tie_break() {
    // b (higher address) starts later: it accepts a's equal priority and
    // stays Backup (keepalived: no address tie-break in Backup).
    let mut lan = two(Version::V3, 100, 100);
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(10), SimEvent::Start(1));
    lan.run_until(secs(120));
    assert_timeline(
        &lan,
        &[
            (0, "a", Initialize, Backup, Startup),
            (3_609_375, "a", Backup, Master, MasterDownTimer),
            (10_000_000, "b", Initialize, Backup, Startup),
        ],
    );
}

#[test]
fn tracker_weight_lowers_priority_and_backup_preempts() {
    let mut lan = VirtualLan::new(1);
    let mut a = cfg(Version::V3, "10.0.0.1", 100);
    a.trackers = vec![TrackerConfig {
        kind: TrackerKind::Interface,
        name: "chk".into(),
        weight: -20,
        reverse: false,
        initially_up: true,
    }];
    lan.add_node("a", vec![a]).unwrap();
    lan.add_node("b", vec![cfg(Version::V3, "10.0.0.2", 90)])
        .unwrap();
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.schedule(
        secs(10),
        SimEvent::Instance {
            node: 0,
            instance: 0,
            event: Event::TrackerDown(0),
        },
    );
    lan.run_until(secs(30));
    // a's adverts now carry 80 < 90: b discards them; its timer from the
    // last accepted advert (9.609375) fires at 13.257812.
    assert_timeline(
        &lan,
        &[
            (0, "a", Initialize, Backup, Startup),
            (0, "b", Initialize, Backup, Startup),
            (3_609_375, "a", Backup, Master, MasterDownTimer),
            (13_257_812, "b", Backup, Master, Preempted),
            (
                13_257_812,
                "a",
                Master,
                Backup,
                HigherPriority {
                    priority: 90,
                    from: ip("10.0.0.2"),
                },
            ),
        ],
    );
    assert_eq!(lan.instance(0, 0).unwrap().effective_priority(), 80);
}

#[test]
fn interface_down_is_fault_and_recovery_preempts() {
    let mut lan = two(Version::V3, 100, 90);
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.schedule(
        secs(10),
        SimEvent::Instance {
            node: 0,
            instance: 0,
            event: Event::InterfaceDown,
        },
    );
    lan.schedule(
        secs(20),
        SimEvent::Instance {
            node: 0,
            instance: 0,
            event: Event::InterfaceUp,
        },
    );
    lan.run_until(secs(40));
    assert_timeline(
        &lan,
        &[
            (0, "a", Initialize, Backup, Startup),
            (0, "b", Initialize, Backup, Startup),
            (3_609_375, "a", Backup, Master, MasterDownTimer),
            // Fault from Master sends priority 0: b takes over after skew.
            (10_000_000, "a", Master, Fault, InterfaceDown),
            (10_648_437, "b", Backup, Master, MasterReleased),
            (20_000_000, "a", Fault, Backup, FaultCleared),
            (23_609_375, "a", Backup, Master, Preempted),
            (
                23_609_375,
                "b",
                Master,
                Backup,
                HigherPriority {
                    priority: 100,
                    from: ip("10.0.0.1"),
                },
            ),
        ],
    );
}

#[test]
fn weight_zero_tracker_faults() {
    let mut lan = VirtualLan::new(1);
    let mut a = cfg(Version::V3, "10.0.0.1", 100);
    a.trackers = vec![TrackerConfig {
        kind: TrackerKind::Interface,
        name: "eth1".into(),
        weight: 0,
        reverse: false,
        initially_up: false,
    }];
    lan.add_node("a", vec![a]).unwrap();
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(
        secs(2),
        SimEvent::Instance {
            node: 0,
            instance: 0,
            event: Event::TrackerUp(0),
        },
    );
    lan.run_until(secs(10));
    assert_timeline(
        &lan,
        &[
            (0, "a", Initialize, Fault, TrackerFailed(0)),
            (2_000_000, "a", Fault, Backup, FaultCleared),
            (5_609_375, "a", Backup, Master, MasterDownTimer),
        ],
    );
}

#[test]
fn sync_group_fault_and_master_move_together() {
    let mut lan = VirtualLan::new(1);
    let mk = |addr: &str, p: u8| {
        let mut c1 = cfg(Version::V3, addr, p);
        c1.name = "VI_1".into();
        let mut c2 = cfg(Version::V3, addr, p);
        c2.name = "VI_2".into();
        c2.vrid = 2;
        vec![c1, c2]
    };
    let g = || vec![("G".to_string(), vec![0, 1])];
    lan.add_node_with("a", mk("10.0.0.1", 100), vec![0, 0], g())
        .unwrap();
    lan.add_node_with("b", mk("10.0.0.2", 90), vec![0, 0], g())
        .unwrap();
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.schedule(
        secs(10),
        SimEvent::Instance {
            node: 0,
            instance: 1,
            event: Event::InterfaceDown,
        },
    );
    lan.run_until(secs(20));
    let got: Vec<_> = lan
        .state_changes()
        .map(|c| {
            (
                c.at.as_micros(),
                c.node_name.to_string(),
                c.instance_name.to_string(),
                c.from,
                c.to,
                c.reason,
            )
        })
        .collect();
    let w = |t: u64, n: &str, i: &str, f: State, to: State, r: Reason| {
        (t, n.to_string(), i.to_string(), f, to, r)
    };
    assert_eq!(
        got,
        vec![
            w(0, "a", "VI_1", Initialize, Backup, Startup),
            w(0, "a", "VI_2", Initialize, Backup, Startup),
            w(0, "b", "VI_1", Initialize, Backup, Startup),
            w(0, "b", "VI_2", Initialize, Backup, Startup),
            // VI_1's timer fires first, but it waits for VI_2 (same
            // deadline, later in the queue); then both go together, the
            // one whose timer fired last first.
            w(3_609_375, "a", "VI_2", Backup, Master, SyncGroup),
            w(3_609_375, "a", "VI_1", Backup, Master, SyncGroup),
            // VI_2's interface fails: the whole group goes Fault.
            w(10_000_000, "a", "VI_2", Master, Fault, InterfaceDown),
            w(10_000_000, "a", "VI_1", Master, Fault, SyncGroupFault),
            w(10_648_437, "b", "VI_1", Backup, Master, SyncGroup),
            w(10_648_437, "b", "VI_2", Backup, Master, SyncGroup),
        ],
        "{got:#?}"
    );
}

#[test]
fn unicast_accepts_only_listed_peers() {
    let mut lan = VirtualLan::new(1);
    let mut a = cfg(Version::V3, "10.0.0.1", 100);
    a.unicast_peers = vec![ip("10.0.0.2")];
    let mut b = cfg(Version::V3, "10.0.0.2", 90);
    b.unicast_peers = vec![ip("10.0.0.1")];
    // c sends to a and b, but neither lists c: its adverts are dropped,
    // and nobody sends to c, so c becomes Master on its own.
    let mut c = cfg(Version::V3, "10.0.0.3", 110);
    c.unicast_peers = vec![ip("10.0.0.1"), ip("10.0.0.2")];
    lan.add_node("a", vec![a]).unwrap();
    lan.add_node("b", vec![b]).unwrap();
    lan.add_node("c", vec![c]).unwrap();
    for n in 0..3 {
        lan.schedule(secs(0), SimEvent::Start(n));
    }
    lan.run_until(secs(30));
    assert_timeline(
        &lan,
        &[
            (0, "a", Initialize, Backup, Startup),
            (0, "b", Initialize, Backup, Startup),
            (0, "c", Initialize, Backup, Startup),
            (3_570_312, "c", Backup, Master, MasterDownTimer),
            (3_609_375, "a", Backup, Master, MasterDownTimer),
        ],
    );
    // c's adverts every second from 3.570312 s (Skew_Time(110) = 146/256 s): 27 to each of a and b.
    assert_eq!(
        lan.instance(0, 0).unwrap().counters().unicast_peer_errors,
        27
    );
    assert_eq!(
        lan.instance(1, 0).unwrap().counters().unicast_peer_errors,
        27
    );
    assert_eq!(lan.instance(1, 0).unwrap().state(), Backup);
}

#[test]
fn ipv6_v3_works() {
    let mut lan = VirtualLan::new(1);
    lan.add_node("a", vec![cfg(Version::V3, "fe80::1", 100)])
        .unwrap();
    lan.add_node("b", vec![cfg(Version::V3, "fe80::2", 90)])
        .unwrap();
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.run_until(secs(10));
    assert_eq!(lan.masters(Family::V6, 1), vec![(0, 0)]);
}

#[test]
fn v2_password_mismatch_is_dropped_by_the_codec() {
    use vrrp_core::packet::Auth;
    let mut lan = VirtualLan::new(1);
    let mut a = cfg(Version::V2, "10.0.0.1", 100);
    a.auth = Auth::Pass(*b"secret\0\0");
    let mut b = cfg(Version::V2, "10.0.0.2", 90);
    b.auth = Auth::Pass(*b"other\0\0\0");
    lan.add_node("a", vec![a]).unwrap();
    lan.add_node("b", vec![b]).unwrap();
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.run_until(secs(10));
    // Neither hears the other: two Masters, auth failures counted.
    assert_eq!(lan.masters(Family::V4, 1).len(), 2);
    assert!(lan.instance(0, 0).unwrap().counters().auth_failures >= 6);
    assert!(lan.instance(1, 0).unwrap().counters().auth_failures >= 6);
    assert_eq!(lan.encode_errors(), 0);
}

#[test]
fn packet_timeline_records_sends_receives_and_losses() {
    let mut lan = two(Version::V3, 100, 90);
    lan.record_packets(true);
    lan.set_default_link(LinkParams {
        latency: Duration::from_millis(2),
        ..LinkParams::default()
    });
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.schedule(t(5_000_000), SimEvent::DropAdverts { node: 0, count: 2 });
    lan.run_until(t(8_000_000));
    use vrrp_core::sim::TimelineKind as K;
    let pk: Vec<(u64, usize, String)> = lan
        .timeline()
        .iter()
        .filter_map(|e| match &e.kind {
            K::AdvertSent { priority } => {
                Some((e.at.as_micros(), e.node, format!("sent {priority}")))
            }
            K::AdvertReceived { from, priority } => Some((
                e.at.as_micros(),
                e.node,
                format!("rcvd {priority} from n{from}"),
            )),
            K::AdvertLost { to } => Some((e.at.as_micros(), e.node, format!("lost to n{to}"))),
            _ => None,
        })
        .collect();
    let w = |t: u64, n: usize, s: &str| (t, n, s.to_string());
    assert_eq!(
        pk,
        vec![
            w(3_609_375, 0, "sent 100"),
            w(3_611_375, 1, "rcvd 100 from n0"),
            w(4_609_375, 0, "sent 100"),
            w(4_611_375, 1, "rcvd 100 from n0"),
            w(5_609_375, 0, "sent 100"),
            w(5_609_375, 0, "lost to n1"),
            w(6_609_375, 0, "sent 100"),
            w(6_609_375, 0, "lost to n1"),
            w(7_609_375, 0, "sent 100"),
            w(7_611_375, 1, "rcvd 100 from n0"),
        ]
    );
    // Two lost adverts: no failover.
    assert_eq!(lan.instance(1, 0).unwrap().state(), Backup);
}

/// docs/keepalived.md §3.6, two address owners. "a" (10.0.0.1) ignores
/// adverts (`owner_ignore_adverts`) so it never backs off; "b" (10.0.0.2,
/// the higher address) hears a's 255 adverts from t=0, counts 2 of its own
/// adverts (the replies at 0 s and 1 s) and 1.2 × 1 s, drops to 254 on a's
/// advert at 2 s, then yields on a's advert at 3 s. When "a" stops (at
/// 10 s, release sent), b restores 255 and takes over.
#[test]
fn two_owners_higher_address_drops_to_254_then_restores() {
    let mut lan = VirtualLan::new(1);
    let mut ca = cfg(Version::V3, "10.0.0.1", 255);
    ca.owner_ignore_adverts = true;
    lan.add_node("a", vec![ca]).unwrap();
    lan.add_node("b", vec![cfg(Version::V3, "10.0.0.2", 255)])
        .unwrap();
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.schedule(secs(0), SimEvent::Start(1));
    lan.record_packets(true);
    lan.schedule(secs(10), SimEvent::Crash(0));
    let b_prio = |lan: &VirtualLan| lan.instance(1, 0).unwrap().effective_priority();
    // a's adverts reach b at 0 s and 1 s: only one own advert counted by
    // the second, so b stays 255 until a's advert at 2 s.
    lan.run_until(t(1_999_999));
    assert_eq!(b_prio(&lan), 255);
    lan.run_until(secs(2));
    assert_eq!(b_prio(&lan), 254);
    assert_eq!(lan.instance(1, 0).unwrap().state(), Master);
    // a crashed at 10 s; its last advert was at 9 s: b restores 255 at
    // 9 s + Master_Down_Interval(255) = 12.003906 s, just before its down
    // timer makes it Master at 255.
    lan.run_until(t(12_003_905));
    assert_eq!(b_prio(&lan), 254);
    lan.run_until(secs(20));
    assert_eq!(b_prio(&lan), 255);
    assert_timeline(
        &lan,
        &[
            (0, "a", Initialize, Master, AddressOwner),
            (0, "b", Initialize, Master, AddressOwner),
            (
                3_000_000,
                "b",
                Master,
                Backup,
                HigherPriority {
                    priority: 255,
                    from: ip("10.0.0.1"),
                },
            ),
            (12_003_906, "b", Backup, Master, MasterDownTimer),
        ],
    );
    let b_events = |f: &dyn Fn(&TimelineKind) -> Option<String>| -> Vec<(u64, String)> {
        lan.timeline()
            .iter()
            .filter(|e| e.node == 1)
            .filter_map(|e| f(&e.kind).map(|x| (e.at.as_micros(), x)))
            .collect()
    };
    let prio_changes = b_events(&|k| match k {
        TimelineKind::Action(Action::PriorityChanged { from, to }) => Some(format!("{from}->{to}")),
        _ => None,
    });
    assert_eq!(
        prio_changes,
        vec![
            (2_000_000, "255->254".to_string()),
            (12_003_906, "254->255".to_string())
        ]
    );
    let sent = b_events(&|k| match k {
        TimelineKind::AdvertSent { priority } => Some(priority.to_string()),
        _ => None,
    });
    // Startup advert and reply at 0 s, periodic and reply at 1 s, last 255
    // at 2 s (demoted on a's advert, no reply), 254 at 3 s, then 255 again
    // from the restore at 12.003906 s.
    let mut want: Vec<(u64, String)> = [0, 0, 1_000_000, 1_000_000, 2_000_000]
        .into_iter()
        .map(|t| (t, "255".to_string()))
        .collect();
    want.push((3_000_000, "254".to_string()));
    want.extend((0..8).map(|k| (12_003_906 + k * 1_000_000, "255".to_string())));
    assert_eq!(sent, want);
}

/// docs/keepalived.md §3.4: a sync group member that is an owner wanting
/// Master starts in Backup with Advert_Interval + Skew_Time(255) =
/// 1.003906 s instead of going Master at once; the group goes Master when
/// the other member's Master_Down_Interval (100: 3.609375 s) ends too.
#[test]
fn sync_group_owner_waits_adver_int_plus_skew_255_at_startup() {
    let mut lan = VirtualLan::new(1);
    let mut c1 = cfg(Version::V3, "10.0.0.1", 255);
    c1.name = "VI_1".into();
    let mut c2 = cfg(Version::V3, "10.0.0.1", 100);
    c2.name = "VI_2".into();
    c2.vrid = 2;
    lan.add_node_with(
        "a",
        vec![c1, c2],
        vec![0, 0],
        vec![("G".to_string(), vec![0, 1])],
    )
    .unwrap();
    lan.schedule(secs(0), SimEvent::Start(0));
    lan.run_until(t(1_003_905));
    assert!(!lan.instance(0, 0).unwrap().wants_master());
    assert_eq!(
        lan.instance(0, 0).unwrap().poll_timeout(),
        Some(t(1_003_906))
    );
    lan.run_until(t(1_003_906));
    assert!(lan.instance(0, 0).unwrap().wants_master());
    lan.run_until(secs(10));
    let got: Vec<_> = lan
        .state_changes()
        .map(|c| (c.at.as_micros(), c.instance_name.to_string(), c.from, c.to))
        .collect();
    let w = |t: u64, i: &str, f: State, to: State| (t, i.to_string(), f, to);
    assert_eq!(
        got,
        vec![
            w(0, "VI_1", Initialize, Backup),
            w(0, "VI_2", Initialize, Backup),
            w(3_609_375, "VI_2", Backup, Master),
            w(3_609_375, "VI_1", Backup, Master),
        ]
    );
}
