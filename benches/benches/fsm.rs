//! Criterion bench `fsm`: the VRRP state machine and the virtual LAN
//! (vrrp-core `Instance` and `sim::VirtualLan`).
//!
//! * `instance/backup_rx`: a Backup accepting its Master's advert
//!   (`handle_advert` + drain actions + `poll_timeout`), one event per
//!   iteration;
//! * `instance/master_rx_lower`: a Master hearing a lower priority, which
//!   answers with an advert and GARP actions (4 actions drained);
//! * `instance/master_timeout`: a Master's advert timer (`handle_timeout`
//!   + one `SendAdvert`);
//! * `lan/1000_instances_1h`: 1,000 instances (500 VRIDs in pairs, each
//!   pair on its own segment, v3, 1 s adverts, 1 ms latency) started at
//!   t=0 and run for one simulated hour: wall time per hour.
use std::hint::black_box;
use std::net::IpAddr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vrrp_core::packet::{AddressList, Advertisement, Auth, Version};
use vrrp_core::sim::{LinkParams, SimEvent, VirtualLan};
use vrrp_core::time::{Duration, Instant};
use vrrp_core::{Event, Instance, InstanceConfig, State};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

fn config(prio: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new("VI_1", 1, Version::V3, ip("10.0.0.2"));
    c.priority = prio;
    c.vips = vec![ip("10.0.0.100")];
    c
}

fn advert(prio: u8) -> Advertisement {
    Advertisement {
        version: Version::V3,
        vrid: 1,
        priority: prio,
        max_advert_int_cs: 100,
        auth: Auth::None,
        addresses: [ip("10.0.0.100")].iter().collect::<AddressList>(),
    }
}

fn started(prio: u8, master: bool) -> Option<Instance> {
    let mut i = Instance::new(config(prio)).ok()?;
    i.handle_event(Instant::ZERO, Event::Startup);
    if master {
        let t = i.poll_timeout()?;
        i.handle_timeout(t);
    }
    while i.poll_action().is_some() {}
    Some(i)
}

fn instance(c: &mut Criterion) {
    let mut g = c.benchmark_group("instance");
    g.throughput(Throughput::Elements(1));
    let src = ip("10.0.0.1");

    if let Some(mut b) = started(100, false) {
        let adv = advert(150);
        let mut now = 0u64;
        g.bench_function("backup_rx", |bench| {
            bench.iter(|| {
                now += 1_000;
                let r = b.handle_advert(Instant::from_micros(now), src, black_box(&adv));
                while let Some(a) = b.poll_action() {
                    black_box(a);
                }
                black_box((r, b.poll_timeout()))
            })
        });
    }

    if let Some(mut m) = started(200, true) {
        let adv = advert(100);
        let mut now = 10_000_000u64;
        g.bench_function("master_rx_lower", |bench| {
            bench.iter(|| {
                now += 1_000;
                let r = m.handle_advert(Instant::from_micros(now), src, black_box(&adv));
                while let Some(a) = m.poll_action() {
                    black_box(a);
                }
                black_box((r, m.poll_timeout()))
            })
        });
        assert_eq!(m.state(), State::Master);
    }

    if let Some(mut m) = started(200, true) {
        g.bench_function("master_timeout", |bench| {
            bench.iter(|| {
                let t = m.poll_timeout().unwrap_or(Instant::ZERO);
                m.handle_timeout(t);
                while let Some(a) = m.poll_action() {
                    black_box(a);
                }
            })
        });
    }
    g.finish();
}

/// 1,000 instances: 500 pairs, one segment per pair.
fn thousand() -> VirtualLan {
    let mut lan = VirtualLan::new(7);
    lan.set_default_link(LinkParams {
        latency: Duration::from_millis(1),
        ..LinkParams::default()
    });
    let mut a = Vec::new();
    let mut b = Vec::new();
    let mut segs = Vec::new();
    for k in 0..500u32 {
        let vrid = u8::try_from(k % 255 + 1).unwrap_or(1);
        let mut ca = InstanceConfig::new(format!("VI_{k}"), vrid, Version::V3, ip("10.0.0.1"));
        ca.priority = 150;
        ca.vips = vec![ip("10.1.0.1")];
        let mut cb = ca.clone();
        cb.primary_address = ip("10.0.0.2");
        cb.priority = 100;
        a.push(ca);
        b.push(cb);
        segs.push(k);
    }
    if let (Ok(na), Ok(nb)) = (
        lan.add_node_with("a", a, segs.clone(), Vec::new()),
        lan.add_node_with("b", b, segs, Vec::new()),
    ) {
        lan.schedule(Instant::ZERO, SimEvent::Start(na));
        lan.schedule(Instant::ZERO, SimEvent::Start(nb));
    }
    lan
}

fn lan(c: &mut Criterion) {
    let mut g = c.benchmark_group("lan");
    g.sample_size(10);
    g.bench_function("1000_instances_1h", |bench| {
        bench.iter(|| {
            let mut lan = thousand();
            lan.run_until(Instant::from_micros(3_600_000_000));
            let (sent, delivered) = lan.packet_counts();
            assert!(sent > 500 * 3_500 && delivered == sent);
            black_box(lan.state_changes().count())
        })
    });
    g.finish();
}

criterion_group!(benches, instance, lan);
criterion_main!(benches);
