//! Parsing (the checked view and `ControlPacket::decode`) and emitting a
//! control packet allocate nothing, nor does a steady-state Up packet through
//! `Sessions::handle_datagram` once the queues are warm: proved with a
//! counting global allocator whose counter is per thread (the test harness
//! allocates on its own threads meanwhile).

// A global allocator needs `unsafe impl GlobalAlloc`; that is the only unsafe
// code here and it only forwards to the system allocator.
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used)] // tests may unwrap

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr};

use bfd_core::packet::{ControlPacket, ControlPacketView, Diagnostic, HEADER_LEN, State};
use bfd_core::time::{Duration, Instant};
use bfd_core::{PeerKey, RxMeta, SessionConfig, Sessions};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn bump() {
    // `try_with`: the slot may be gone while a thread is being torn down.
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds the `GlobalAlloc` contract; the counter is a const-initialised
// thread-local `Cell` that itself never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        // SAFETY: same layout contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        // SAFETY: same layout contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        // SAFETY: `ptr` was allocated by `System` (through us) with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (through us) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations made by `f` on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> (u64, R) {
    let before = ALLOCS.with(Cell::get);
    let r = std::hint::black_box(f());
    (ALLOCS.with(Cell::get) - before, r)
}

fn up(my: u32, your: u32) -> ControlPacket {
    ControlPacket {
        diagnostic: Diagnostic::None,
        state: State::Up,
        poll: false,
        final_: false,
        control_plane_independent: false,
        demand: false,
        detect_mult: 3,
        my_discriminator: my,
        your_discriminator: your,
        desired_min_tx: 300_000,
        required_min_rx: 300_000,
        required_min_echo_rx: 0,
    }
}

#[test]
fn the_counter_sees_allocations() {
    let (n, v) = allocations(|| vec![1u8; 32]);
    assert!(n >= 1, "counting allocator is not counting");
    drop(v);
}

#[test]
fn parse_and_emit_allocate_nothing() {
    let pkt = up(0x2222, 0x1111);
    let mut buf = [0u8; HEADER_LEN];
    let (n, r) = allocations(|| pkt.emit(&mut buf));
    assert_eq!((n, r), (0, Ok(HEADER_LEN)));
    let (n, r) = allocations(|| ControlPacket::decode(&buf));
    assert_eq!((n, r), (0, Ok(pkt)));
    let (n, r) = allocations(|| {
        ControlPacketView::new_checked(&buf[..]).map(|v| (v.state(), v.my_discriminator()))
    });
    assert_eq!((n, r), (0, Ok((State::Up, 0x2222))));
    // Refusals allocate nothing either.
    for bad in [&buf[..3], &[0x40u8; 24][..], &[0xffu8; 64][..]] {
        let (n, r) = allocations(|| ControlPacket::decode(bad));
        assert!(r.is_err());
        assert_eq!(n, 0);
    }
}

#[test]
fn steady_state_reception_allocates_nothing() {
    let peer = PeerKey {
        remote: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
        ifindex: 0,
        multihop: false,
    };
    let cfg = SessionConfig {
        desired_min_tx: Duration::from_millis(300),
        required_min_rx: Duration::from_millis(300),
        detect_mult: 3,
        ..SessionConfig::new(0x1111)
    };
    let mut s = Sessions::new();
    s.add(peer, cfg, Instant::ZERO).unwrap();
    let rx = RxMeta { peer, ttl: 255 };
    let mut jitter = || 0x8000_0000u32;
    let mut buf = [0u8; HEADER_LEN];
    // Down → Init → Up, then a few rounds to warm the queues.
    let mut now = Instant::ZERO;
    for state in [State::Down, State::Up, State::Up, State::Up, State::Up] {
        let mut p = up(0x2222, 0x1111);
        p.state = state;
        if state == State::Down {
            p.your_discriminator = 0;
        }
        p.emit(&mut buf).unwrap();
        now += Duration::from_millis(100);
        let _ = s.handle_datagram(now, rx, &buf, &mut jitter);
        s.handle_timeout(now, &mut jitter);
        while s.poll_transmit().is_some() {}
        while s.poll_event().is_some() {}
    }
    assert_eq!(s.get(0x1111).unwrap().state(), State::Up);
    up(0x2222, 0x1111).emit(&mut buf).unwrap();
    now += Duration::from_millis(100);
    let (n, r) = allocations(|| {
        let r = s.handle_datagram(now, rx, &buf, &mut jitter);
        while s.poll_transmit().is_some() {}
        while s.poll_event().is_some() {}
        r
    });
    assert_eq!(r, Ok(0x1111));
    assert_eq!(n, 0, "Up packet reception allocated");
}
