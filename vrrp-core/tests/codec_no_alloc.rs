//! The receive path (checked view, checksum, validation, reading the address
//! list, decoding), emit and the AH codec allocate nothing: proved with a
//! counting global allocator whose counter is per thread (the test harness
//! allocates on its own threads meanwhile).

// A global allocator needs `unsafe impl GlobalAlloc`; that is the only unsafe
// code here and it only forwards to the system allocator.
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used)] // tests may unwrap

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use vrrp_core::packet::{
    AddressCheck, AddressList, Advertisement, Auth, ChecksumMode, DropReason, Expectations, Family,
    RxMeta, UnicastPeer, Version, VrrpPacket, validate,
};

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

fn advert(version: Version, auth: Auth, addrs: &[IpAddr]) -> Advertisement {
    Advertisement {
        version,
        vrid: 42,
        priority: 200,
        max_advert_int_cs: 100,
        auth,
        addresses: addrs.iter().collect::<AddressList>(),
    }
}

#[test]
fn the_counter_sees_allocations() {
    let (n, v) = allocations(|| vec![1u8; 32]);
    assert!(n >= 1, "counting allocator is not counting");
    drop(v);
}

#[test]
fn receive_and_emit_allocate_nothing() {
    let v4: Vec<IpAddr> = (1..=16u8)
        .map(|i| IpAddr::V4(Ipv4Addr::new(10, 0, 0, i)))
        .collect();
    let v6: Vec<IpAddr> = (1..=4u16)
        .map(|i| IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, i)))
        .collect();
    let src4 = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 200));
    let src6 = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1));
    let cases = [
        (
            advert(Version::V2, Auth::pass(b"secret"), &v4),
            src4,
            Family::V4,
        ),
        (advert(Version::V3, Auth::None, &v4[..1]), src4, Family::V4),
        (advert(Version::V3, Auth::None, &v4), src4, Family::V4),
        (advert(Version::V3, Auth::None, &v6), src6, Family::V6),
    ];
    // Everything the measured code touches is built beforehand.
    let mut scratch = advert(Version::V3, Auth::None, &[]);
    for (adv, src, family) in &cases {
        let dst = family.group();
        let mut buf = vec![0u8; adv.buffer_len()];
        let peers = [UnicastPeer::new(*src)];
        let mut exp = Expectations::new(adv.version, adv.vrid, *family);
        exp.auth = adv.auth;
        exp.addresses = adv.addresses.as_slice();
        let rx = RxMeta {
            src: *src,
            dst,
            ttl: 255,
        };

        let (n, r) = allocations(|| adv.emit(&mut buf, *src, dst, ChecksumMode::Rfc));
        r.unwrap();
        assert_eq!(n, 0, "emit allocated ({adv:?})");

        let (n, sum) = allocations(|| {
            let p = VrrpPacket::new_checked(&buf[..], *family).unwrap();
            let mut sum = u64::from(p.verify_checksum(*src, dst, ChecksumMode::Rfc));
            sum += p.addresses().map(|a| u64::from(a.is_ipv4())).sum::<u64>();
            sum += u64::from(p.vrid()) + u64::from(p.priority()) + u64::from(p.max_advert_int_cs());
            sum += p.auth_data().map_or(0, |d| u64::from(d[0]));
            sum
        });
        assert!(sum > 0);
        assert_eq!(n, 0, "view/checksum/address iteration allocated ({adv:?})");

        let (n, v) = allocations(|| validate(&rx, &buf, &exp).map(|v| v.notes));
        v.unwrap();
        assert_eq!(n, 0, "validate allocated ({adv:?})");

        // Validation with every policy enabled, on the drop paths too.
        let (n, drops) = allocations(|| {
            let mut e = exp;
            e.address_check = AddressCheck::DropUnlessOwner;
            e.accept_old_unicast_checksum = true;
            let bad_ttl = validate(&RxMeta { ttl: 1, ..rx }, &buf, &e).err();
            e.unicast_peers = &peers;
            e.check_unicast_src = true;
            let unicast = validate(&rx, &buf, &e).err();
            let truncated = validate(&rx, &buf[..buf.len() - 1], &e).err();
            [bad_ttl, unicast, truncated]
        });
        assert_eq!(
            drops,
            [
                Some(DropReason::BadTtl),
                Some(DropReason::DestinationMismatch),
                Some(DropReason::Truncated)
            ]
        );
        assert_eq!(n, 0, "validate (drop paths) allocated ({adv:?})");

        let (n, r) = allocations(|| {
            let p = VrrpPacket::new_checked(&buf[..], *family).unwrap();
            scratch.parse_into(&p)
        });
        r.unwrap();
        assert_eq!(&scratch, adv);
        assert_eq!(n, 0, "parse_into allocated ({adv:?})");

        let (n, parsed) = allocations(|| Advertisement::decode(&buf, *family));
        assert_eq!(parsed.as_ref(), Ok(adv));
        assert_eq!(n, 0, "decode allocated ({adv:?})");
    }
}

#[test]
fn ah_seal_open_and_sequence_allocate_nothing() {
    use vrrp_core::packet::ah::{self, AhHeader, AhKey, SeqCounter};
    let mut d = vec![0x45, 0xc0, 0, 64, 0, 1, 0, 0, 255, ah::IPPROTO_AH, 0, 0];
    d.extend_from_slice(&[10, 0, 0, 1, 224, 0, 0, 18]);
    d.extend_from_slice(&AhHeader::for_vrrp([10, 0, 0, 1], 1).to_bytes());
    d.extend_from_slice(&[
        0x21, 1, 100, 1, 2, 1, 0, 0, 10, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    let key = AhKey::from_pass(b"secret");
    let (n, ()) = allocations(|| {
        ah::seal(&mut d, &key, false).unwrap();
        let o = ah::open(&d, &key, false).unwrap();
        let mut c = SeqCounter::default();
        c.accept(o.header.seq).unwrap();
        assert_eq!(c.next_to_send(), 2);
        assert!(ah::open(&d, &AhKey::from_pass(b"x"), false).is_err());
    });
    assert_eq!(n, 0);
}
