//! Property tests on the virtual LAN: random topologies of 2–8 routers,
//! random priorities, options, latencies and failures; the simulation's
//! invariants (one Master after convergence, failover within
//! Master_Down_Interval, no VIP on two routers once healed) must hold for
//! every random seed.
#![cfg(feature = "sim")]
#![allow(clippy::unwrap_used)]

use core::net::IpAddr;

use proptest::prelude::*;
use vrrp_core::packet::{Family, Version};
use vrrp_core::sim::{LinkParams, SimEvent, SplitMix64, VirtualLan};
use vrrp_core::time::{Duration, Instant};
use vrrp_core::timers::{master_down_interval, skew_time};
use vrrp_core::{Event, InstanceConfig, State};

/// 128 cases per property (a few seconds in debug); `PROPTEST_CASES`
/// overrides for longer soak runs.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128)
}

#[derive(Debug, Clone)]
struct Router {
    priority: u8,
    nopreempt: bool,
    preempt_delay_s: u64,
}

#[derive(Debug, Clone)]
struct Topo {
    version: Version,
    ipv6: bool,
    advert_cs: u64,
    routers: Vec<Router>,
    latency_us: u64,
    jitter_us: u64,
    seed: u64,
}

impl Topo {
    fn advert(&self) -> Duration {
        Duration::from_centis(self.advert_cs)
    }
    fn family(&self) -> Family {
        if self.ipv6 { Family::V6 } else { Family::V4 }
    }
    fn addr(&self, i: usize) -> IpAddr {
        // Shuffled so that address order and node order differ.
        let k = (i * 5 + 3) % 17 + 1;
        if self.ipv6 {
            format!("fe80::{k:x}").parse().unwrap()
        } else {
            format!("10.0.0.{k}").parse().unwrap()
        }
    }
    fn mdi(&self, prio: u8) -> Duration {
        master_down_interval(self.version, prio, self.advert(), 3)
    }
    fn skew(&self, prio: u8) -> Duration {
        skew_time(self.version, prio, self.advert())
    }
    fn max_mdi(&self) -> Duration {
        self.routers
            .iter()
            .map(|r| self.mdi(r.priority))
            .max()
            .unwrap()
    }
    fn max_delay(&self) -> Duration {
        Duration::from_micros(self.latency_us + self.jitter_us)
    }
    fn max_preempt_delay(&self) -> Duration {
        Duration::from_secs(
            self.routers
                .iter()
                .map(|r| r.preempt_delay_s)
                .max()
                .unwrap_or(0),
        )
    }
    fn lan(&self) -> VirtualLan {
        let mut lan = VirtualLan::new(self.seed);
        lan.set_default_link(self.link());
        for (i, r) in self.routers.iter().enumerate() {
            let mut c = InstanceConfig::new("VI_1", 7, self.version, self.addr(i));
            c.priority = r.priority;
            c.advert_interval = self.advert();
            c.nopreempt = r.nopreempt;
            c.preempt_delay = Duration::from_secs(r.preempt_delay_s);
            c.vips = vec![if self.ipv6 {
                "fd00::7".parse().unwrap()
            } else {
                "10.0.7.1".parse().unwrap()
            }];
            lan.add_node(format!("r{i}"), vec![c]).unwrap();
        }
        lan
    }
    fn link(&self) -> LinkParams {
        LinkParams {
            latency: Duration::from_micros(self.latency_us),
            jitter: Duration::from_micros(self.jitter_us),
            loss_ppm: 0,
            duplicate_ppm: 0,
        }
    }
    /// The master must be a router no preempting Backup outranks (RFC
    /// 9568 §6.4.2 with keepalived's equal-priority acceptance, nopreempt
    /// and preempt_delay).
    fn check_master(&self, lan: &VirtualLan) -> Result<usize, TestCaseError> {
        prop_assert_eq!(lan.stalled(), None, "advert storm");
        prop_assert_eq!(lan.encode_errors(), 0);
        for i in 0..self.routers.len() {
            let c = lan.instance(i, 0).unwrap().counters();
            prop_assert_eq!(
                (c.checksum_errors, c.packet_length_errors, c.other_errors),
                (0, 0, 0)
            );
        }
        let masters = lan.masters(self.family(), 7);
        if std::env::var_os("SIM_DEBUG").is_some() {
            for e in lan.timeline() {
                eprintln!("{} n{} {:?} {:?}", e.at, e.node, e.instance, e.kind);
            }
        }
        prop_assert_eq!(masters.len(), 1, "masters: {:?}", masters);
        let m = masters[0].0;
        let mp = self.routers[m].priority;
        for (i, r) in self.routers.iter().enumerate() {
            if i != m && lan.is_up(i) && !r.nopreempt {
                prop_assert!(
                    r.priority <= mp,
                    "preempting r{} ({}) above master r{} ({})",
                    i,
                    r.priority,
                    m,
                    mp
                );
            }
        }
        // Without nopreempt and with distinct priorities the highest wins.
        let top = self.routers.iter().map(|r| r.priority).max().unwrap();
        if self.routers.iter().all(|r| !r.nopreempt) {
            prop_assert_eq!(mp, top);
        }
        Ok(m)
    }
    fn start_all(&self, lan: &mut VirtualLan, spread_us: u64) {
        let mut rng = SplitMix64::new(self.seed ^ 0x5eed);
        for i in 0..self.routers.len() {
            let at = if spread_us == 0 {
                0
            } else {
                rng.up_to(spread_us)
            };
            lan.schedule(Instant::from_micros(at), SimEvent::Start(i));
        }
    }
    /// Time by which a fault-free LAN started within `spread` has converged.
    fn settle(&self) -> Duration {
        self.max_mdi().saturating_mul(2)
            + self.max_preempt_delay()
            + self.advert().saturating_mul(2)
            + Duration::from_secs(3)
    }
}

fn topo(allow_options: bool) -> impl Strategy<Value = Topo> {
    (
        2usize..=8,
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![50u64, 100, 100, 200]),
        0u64..=5_000,
        0u64..=1_000,
        any::<u64>(),
    )
        .prop_flat_map(
            move |(n, v2, ipv6, advert_cs, latency_us, jitter_us, seed)| {
                let router = (
                    prop_oneof![
                        4 => 1u8..=254,
                        5 => prop::sample::select(vec![90u8, 100, 100, 110]),
                        1 => Just(255u8),
                    ],
                    prop::bool::weighted(if allow_options { 0.25 } else { 0.0 }),
                    prop_oneof![4 => Just(0u64), 1 => 1u64..=5],
                )
                    .prop_map(move |(priority, nopreempt, pd)| Router {
                        priority,
                        nopreempt,
                        preempt_delay_s: if allow_options { pd } else { 0 },
                    });
                prop::collection::vec(router, n).prop_map(move |mut routers| {
                    // At most one address owner (two owners fight in keepalived).
                    let mut seen_owner = false;
                    for r in &mut routers {
                        if r.priority == 255 {
                            if seen_owner {
                                r.priority = 254;
                            }
                            seen_owner = true;
                        }
                    }
                    let v2 = v2 && !ipv6;
                    Topo {
                        version: if v2 { Version::V2 } else { Version::V3 },
                        ipv6,
                        // v2 needs whole seconds.
                        advert_cs: if v2 {
                            advert_cs.div_ceil(100) * 100
                        } else {
                            advert_cs
                        },
                        routers,
                        latency_us,
                        jitter_us,
                        seed,
                    }
                })
            },
        )
}

fn state_change_count(lan: &VirtualLan) -> usize {
    lan.state_changes().count()
}

fn first_master_after(lan: &VirtualLan, t: Instant) -> Option<(Instant, usize)> {
    lan.state_changes()
        .find(|c| c.at >= t && c.to == State::Master)
        .map(|c| (c.at, c.node))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// After random crashes, restarts, shutdowns, partitions, loss and
    /// interface faults, once the LAN is whole and loss-free for long
    /// enough: exactly one Master, the one the rules choose.
    #[test]
    fn converges_to_the_right_master_after_chaos(t in topo(true)) {
        let mut lan = t.lan();
        t.start_all(&mut lan, 3_000_000);
        let n = t.routers.len();
        let mut rng = SplitMix64::new(t.seed);
        for _ in 0..rng.up_to(6) {
            let at = Instant::from_micros(rng.up_to(30_000_000));
            let node = usize::try_from(rng.up_to(n as u64 - 1)).unwrap();
            let back = at + Duration::from_micros(1_000_000 + rng.up_to(9_000_000));
            match rng.up_to(4) {
                0 => {
                    lan.schedule(at, SimEvent::Crash(node));
                    lan.schedule(back, SimEvent::Start(node));
                }
                1 => {
                    lan.schedule(at, SimEvent::Shutdown(node));
                    lan.schedule(back, SimEvent::Start(node));
                }
                2 => {
                    let (a, b): (Vec<usize>, Vec<usize>) = (0..n).partition(|_| rng.up_to(1) == 0);
                    lan.schedule(at, SimEvent::Partition(vec![a, b]));
                    lan.schedule(back, SimEvent::Heal);
                }
                3 => {
                    lan.schedule(at, SimEvent::SetDefaultLink(LinkParams { loss_ppm: 300_000, duplicate_ppm: 100_000, ..t.link() }));
                    lan.schedule(back, SimEvent::SetDefaultLink(t.link()));
                }
                _ => {
                    lan.schedule(at, SimEvent::Instance { node, instance: 0, event: Event::InterfaceDown });
                    lan.schedule(back, SimEvent::Instance { node, instance: 0, event: Event::InterfaceUp });
                }
            }
        }
        // From 45 s everything is healed (all repair events happen ≤ 40 s).
        let whole = Instant::from_micros(45_000_000);
        lan.run_until(whole);
        lan.schedule(whole, SimEvent::Heal);
        lan.schedule(whole, SimEvent::SetDefaultLink(t.link()));
        for i in 0..n {
            lan.schedule(whole, SimEvent::Start(i));
        }
        lan.run_until(whole + t.settle());
        t.check_master(&lan)?;
    }

    /// A converged, fault-free LAN never changes state again, also when the
    /// Master loses up to two consecutive adverts.
    #[test]
    fn stable_network_and_two_lost_adverts(t in topo(true), lost in 0u32..=2, at_us in 0u64..2_000_000) {
        let mut lan = t.lan();
        t.start_all(&mut lan, 0);
        let settled = Instant::ZERO + t.settle();
        lan.run_until(settled);
        let m = t.check_master(&lan)?;
        let before = state_change_count(&lan);
        if lost > 0 {
            lan.schedule(settled + Duration::from_micros(at_us), SimEvent::DropAdverts { node: m, count: lost });
        }
        lan.run_for(Duration::from_secs(300));
        prop_assert_eq!(state_change_count(&lan), before, "state changed in a stable network");
    }

    /// A silent Master crash: a Backup is Master exactly Master_Down_Interval
    /// after the last advert it received.
    #[test]
    fn silent_crash_failover_within_master_down_interval(t in topo(true), at_us in 0u64..2_000_000) {
        prop_assume!(t.routers.len() >= 2);
        let mut lan = t.lan();
        t.start_all(&mut lan, 0);
        let settled = Instant::ZERO + t.settle();
        lan.run_until(settled);
        let m = t.check_master(&lan)?;
        let crash = settled + Duration::from_micros(at_us);
        lan.schedule(crash, SimEvent::Crash(m));
        // Let the packets already on the wire arrive.
        lan.run_until(crash + t.max_delay());
        let last_rx: Vec<Option<Instant>> = (0..t.routers.len()).map(|i| lan.last_advert_received(i, 0)).collect();
        lan.run_for(t.max_mdi() + t.advert());
        let (tm, nm) = first_master_after(&lan, crash).expect("a Backup took over");
        let rx = last_rx[nm].expect("the new master had heard the old one");
        prop_assert_eq!(tm, rx + t.mdi(t.routers[nm].priority));
    }

    /// A clean shutdown of the Master (priority 0): a Backup is Master
    /// within Skew_Time plus the link delay.
    #[test]
    fn priority_zero_release_within_skew_time(t in topo(true), at_us in 0u64..2_000_000) {
        let mut lan = t.lan();
        t.start_all(&mut lan, 0);
        let settled = Instant::ZERO + t.settle();
        lan.run_until(settled);
        let m = t.check_master(&lan)?;
        let stop = settled + Duration::from_micros(at_us);
        lan.schedule(stop, SimEvent::Shutdown(m));
        lan.run_for(Duration::from_micros(at_us) + t.max_mdi());
        let (tm, nm) = first_master_after(&lan, stop).expect("a Backup took over");
        let d = tm - stop;
        let skew = t.skew(t.routers[nm].priority);
        prop_assert!(d >= skew + Duration::from_micros(t.latency_us), "took over too early: {}", d);
        prop_assert!(d <= skew + t.max_delay(), "took {} > skew {} + delay", d, skew);
    }

    /// Two Masters after a partition heal resolve within one advert interval
    /// plus the link delay.
    #[test]
    fn two_masters_after_heal_resolve_within_one_interval(t in topo(true), split in any::<u64>(), at_us in 0u64..2_000_000) {
        let n = t.routers.len();
        let mut lan = t.lan();
        t.start_all(&mut lan, 0);
        let settled = Instant::ZERO + t.settle();
        lan.run_until(settled);
        t.check_master(&lan)?;
        // A split with both sides non-empty.
        let cut = 1 + (split % (n as u64 - 1)) as usize;
        let (a, b): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| i < cut);
        lan.schedule(settled, SimEvent::Partition(vec![a, b]));
        let heal = settled + t.settle() + Duration::from_micros(at_us);
        lan.run_until(heal);
        prop_assert_eq!(lan.masters(t.family(), 7).len(), 2, "one master per side before the heal");
        lan.schedule(heal, SimEvent::Heal);
        lan.run_until(heal + t.advert() + t.max_delay());
        prop_assert_eq!(lan.masters(t.family(), 7).len(), 1, "still two masters after the heal");
        lan.run_until(heal + t.settle());
        t.check_master(&lan)?;
    }
}

#[test]
fn same_seed_same_timeline() {
    let run = |seed| {
        let mut lan = VirtualLan::new(seed);
        lan.set_default_link(LinkParams {
            latency: Duration::from_millis(1),
            jitter: Duration::from_millis(3),
            loss_ppm: 200_000,
            duplicate_ppm: 100_000,
        });
        for i in 0..4u8 {
            let mut c = InstanceConfig::new(
                "VI_1",
                1,
                Version::V3,
                format!("10.0.0.{}", i + 1).parse().unwrap(),
            );
            c.priority = 100 + i;
            lan.add_node(format!("n{i}"), vec![c]).unwrap();
            lan.schedule(Instant::ZERO, SimEvent::Start(usize::from(i)));
        }
        lan.schedule(Instant::from_micros(20_000_000), SimEvent::Crash(3));
        lan.run_until(Instant::from_micros(120_000_000));
        lan.timeline().to_vec()
    };
    assert_eq!(run(42), run(42));
    assert!(!run(42).is_empty());
}
