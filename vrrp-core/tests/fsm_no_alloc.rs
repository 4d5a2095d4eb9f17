//! The state machine allocates nothing per event once running: a counting
//! global allocator watches a Backup and a Master through thousands of
//! adverts, timeouts and tracker events, and a `Node` of Masters through
//! thousands of adverts sent (encoded once, patched per datagram, payloads
//! inline). It also measures what an instance keeps on the heap.
#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use core::net::IpAddr;

use vrrp_core::node::{InstanceSpec, Node, NodeConfig};
use vrrp_core::packet::{AddressList, Advertisement, Auth, Version};
use vrrp_core::time::Instant;
use vrrp_core::{Event, Instance, InstanceConfig, State, TrackerConfig, TrackerKind};

struct Counting;

thread_local! {
    /// Only the test's own thread is counted, and each test thread has its
    /// own counters: the test harness's threads (output capture, the
    /// slow-test timer) and the other tests allocate when they like.
    static COUNTED: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    /// Bytes allocated minus bytes freed while counted.
    static LIVE: Cell<i64> = const { Cell::new(0) };
}

fn counted() -> bool {
    // `try_with`: the slots may be gone while a thread is being torn down.
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

fn count(grown: i64) {
    if counted() {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        let _ = LIVE.try_with(|c| c.set(c.get() + grown));
    }
}

fn freed(bytes: usize) {
    if counted() {
        let _ = LIVE.try_with(|c| c.set(c.get() - bytes as i64));
    }
}

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

fn live() -> i64 {
    LIVE.with(Cell::get)
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count(l.size() as i64);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        freed(l.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count(n as i64 - l.size() as i64);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn adv(prio: u8) -> Advertisement {
    Advertisement {
        version: Version::V3,
        vrid: 1,
        priority: prio,
        max_advert_int_cs: 100,
        auth: Auth::None,
        addresses: [ip("10.0.0.100")].iter().collect::<AddressList>(),
    }
}

fn instance(prio: u8) -> Instance {
    let mut c = InstanceConfig::new("VI_1", 1, Version::V3, ip("10.0.0.2"));
    c.priority = prio;
    c.vips = vec![ip("10.0.0.100")];
    c.trackers = vec![TrackerConfig {
        kind: TrackerKind::Interface,
        name: "t".into(),
        weight: -5,
        reverse: false,
        initially_up: true,
    }];
    Instance::new(c).unwrap()
}

#[test]
fn steady_state_allocates_nothing() {
    let mut b = instance(100);
    let mut m = instance(200);
    let hi = adv(150);
    let lo = adv(100);
    let src = ip("10.0.0.1");
    b.handle_event(Instant::ZERO, Event::Startup);
    m.handle_event(Instant::ZERO, Event::Startup);
    let t = m.poll_timeout().unwrap();
    m.handle_timeout(t);
    while b.poll_action().is_some() {}
    while m.poll_action().is_some() {}
    assert_eq!(m.state(), State::Master);

    COUNTED.with(|c| c.set(true));
    let before = allocs();
    let mut actions = 0u64;
    for k in 1..=10_000u64 {
        let now = Instant::from_micros(10_000_000 + k * 100_000);
        b.handle_advert(now, src, &hi).unwrap();
        m.handle_advert(now, src, &lo).unwrap();
        if let Some(t) = m.poll_timeout().filter(|t| *t <= now) {
            m.handle_timeout(t);
        }
        let e = if k % 2 == 0 {
            Event::TrackerUp(0)
        } else {
            Event::TrackerDown(0)
        };
        m.handle_event(now, e);
        while let Some(a) = b.poll_action() {
            std::hint::black_box(a);
            actions += 1;
        }
        while let Some(a) = m.poll_action() {
            std::hint::black_box(a);
            actions += 1;
        }
        std::hint::black_box((b.poll_timeout(), m.poll_timeout()));
    }
    let after = allocs();
    // The counter sees this thread's allocations.
    std::hint::black_box(vec![0u8; 64]);
    let seen = allocs() - after;
    COUNTED.with(|c| c.set(false));
    assert_eq!(seen, 1, "the counter works");
    assert!(actions > 30_000, "the loop did work: {actions} actions");
    assert_eq!(after - before, 0, "allocations in steady state");
    assert_eq!(b.state(), State::Backup);
}

/// A node of `n` instances on one interface each with one VIP, as
/// `tests-netns/vrrpd-scale.sh` configures them (the last `unicast` ones with
/// two unicast peers).
fn node(n: usize, unicast: usize) -> Node {
    let specs = (0..n)
        .map(|i| {
            let vrid = u8::try_from(i % 250 + 1).unwrap();
            let k = u32::try_from(i / 250).unwrap();
            let mut c = InstanceConfig::new(
                format!("VI_{i}"),
                vrid,
                Version::V3,
                ip(&format!("10.90.{k}.1")),
            );
            c.vips = vec![ip(&format!("10.{}.0.{vrid}", 100 + k))];
            if i + unicast >= n {
                c.unicast_peers = vec![ip("10.90.0.2"), ip("10.90.0.3")];
            }
            InstanceSpec::new(c, 2 + k, ())
        })
        .collect();
    Node::new(NodeConfig::new(specs)).unwrap()
}

fn drain(node: &mut Node) -> usize {
    let mut sent = 0;
    while let Some(t) = node.poll_transmit() {
        assert!(t.payload.is_inline());
        std::hint::black_box(t);
        sent += 1;
    }
    while node.poll_action().is_some() {}
    sent
}

#[test]
fn a_node_sends_adverts_without_allocating() {
    // Few enough instances for the timer set to stay one B-tree leaf.
    let mut node = node(8, 2);
    node.handle_event_all(Instant::ZERO, Event::Startup);
    drain(&mut node);
    let mut now = node.poll_timeout().unwrap();
    node.handle_timeout(now);
    drain(&mut node);
    assert!(node.instances().iter().all(|i| i.state() == State::Master));
    // Steady state: the takeover queued a burst of actions per instance,
    // whose room each action queue gives back after a few calm adverts
    // (one reallocation per instance); from then on nothing is allocated.
    for _ in 0..16 {
        now = node.poll_timeout().unwrap();
        node.handle_timeout(now);
        drain(&mut node);
    }

    COUNTED.with(|c| c.set(true));
    let before = allocs();
    let mut sent = 0;
    for _ in 0..2_000 {
        now = node.poll_timeout().unwrap();
        node.handle_timeout(now);
        sent += drain(&mut node);
    }
    let after = allocs();
    COUNTED.with(|c| c.set(false));
    // Six multicast instances and two with two peers each.
    assert!(sent >= 2_000 * 10 / 8, "the loop sent: {sent}");
    assert_eq!(
        after - before,
        0,
        "allocations while sending {sent} adverts"
    );
}

/// What one instance keeps on the heap in a node, the encoded advert
/// included (its copy of the message: 12 bytes for one IPv4 VIP), with
/// every instance Master after a burst of adverts. Printed for
/// BENCHMARKING.md; the bound catches a regression.
#[test]
fn an_instance_keeps_little_on_the_heap() {
    let n = 2_000;
    COUNTED.with(|c| c.set(true));
    let before = live();
    let mut node = node(n, 0);
    let built = live();
    node.handle_event_all(Instant::ZERO, Event::Startup);
    drain(&mut node);
    let now = node.poll_timeout().unwrap();
    node.handle_timeout(now);
    drain(&mut node);
    let running = live();
    COUNTED.with(|c| c.set(false));
    assert!(node.instances().iter().all(|i| i.state() == State::Master));
    let per = |bytes: i64| bytes / i64::try_from(n).unwrap();
    println!(
        "heap per instance: {} B built, {} B running; inline: Instance {} B",
        per(built - before),
        per(running - before),
        std::mem::size_of::<Instance>()
    );
    // 891 B measured: the state machine (560 B inline), its node slot, the
    // name, VIPs, encoded advert and action queue; some room for the
    // allocator's rounding, none for a field that grows.
    assert!(per(running - before) < 900, "{} B", per(running - before));
    assert!(std::mem::size_of::<Instance>() <= 560);
}
