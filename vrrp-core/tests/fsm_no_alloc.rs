//! The state machine allocates nothing per event once running: a counting
//! global allocator watches a Backup and a Master through thousands of
//! adverts, timeouts and tracker events.
#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use core::net::IpAddr;

use vrrp_core::packet::{AddressList, Advertisement, Auth, Version};
use vrrp_core::time::Instant;
use vrrp_core::{Event, Instance, InstanceConfig, State, TrackerConfig, TrackerKind};

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Only the test's own thread is counted: the test harness's threads
    /// (output capture, the slow-test timer) allocate when they like.
    static COUNTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn count() {
    if COUNTED.with(std::cell::Cell::get) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count();
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
    let before = ALLOCS.load(Ordering::Relaxed);
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
    let after = ALLOCS.load(Ordering::Relaxed);
    // The counter sees this thread's allocations.
    std::hint::black_box(vec![0u8; 64]);
    let seen = ALLOCS.load(Ordering::Relaxed) - after;
    COUNTED.with(|c| c.set(false));
    assert_eq!(seen, 1, "the counter works");
    assert!(actions > 30_000, "the loop did work: {actions} actions");
    assert_eq!(after - before, 0, "allocations in steady state");
    assert_eq!(b.state(), State::Backup);
}
