//! What parsing a large configuration costs on the heap: a counting global
//! allocator follows the bytes live while 4,000 `vrrp_instance`s (the scale
//! envelope's configuration, BENCHMARKING.md) are read from a file, and what
//! the parse keeps. One test in this binary: the counters are process-wide
//! (the parse reads a large file in two parts, on two threads).
#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use keepalived_conf::LoadOptions;

struct Counting;

static COUNTED: AtomicBool = AtomicBool::new(false);
/// Bytes allocated minus bytes freed while counted.
static LIVE: AtomicI64 = AtomicI64::new(0);
/// The largest `LIVE` seen.
static PEAK: AtomicI64 = AtomicI64::new(0);

fn grow(bytes: i64) {
    if COUNTED.load(Ordering::Relaxed) {
        let now = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

// SAFETY: forwards to the system allocator unchanged; only counts bytes.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        grow(l.size() as i64);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        grow(-(l.size() as i64));
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        // the old block and the new one are both live while it copies
        grow(n as i64);
        grow(-(l.size() as i64));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The scale envelope's configuration (tests-netns/vrrpd-scale.sh `conf`):
/// `n` instances, 250 per interface, one /32 VIP each.
fn scale_conf(n: usize) -> String {
    let mut s = String::from(
        "global_defs {\n    router_id scale\n    vrrp_garp_master_delay 0\n    vrrp_garp_master_refresh 0\n}\n",
    );
    for i in 0..n {
        let (k, v) = (i / 250, i % 250 + 1);
        write!(
            s,
            "vrrp_instance VI_{i} {{\n    state BACKUP\n    interface eth{k}\n    virtual_router_id {v}\n    version 3\n    priority 100\n    advert_int 1\n    virtual_ipaddress {{\n        10.{}.0.{v}/32\n    }}\n}}\n",
            100 + k
        )
        .unwrap();
    }
    s
}

/// Reading 4,000 instances from a file keeps 1,144 bytes per instance (the
/// model: the instance, 936 bytes inline, its name and address list; 1,816
/// when the notify scripts, `use_vmac`, `use_ipvlan` and `authentication`
/// were held inline, 1,608 bytes an instance; 2,430 when a one-address list
/// was given room for four) and holds at most 2,967 per instance at once
/// (3,982 with the larger instance; 4,317 when the statement trees of the part read
/// ahead were all kept until the last was built and the instance list
/// doubled past its size for them). Printed by `cargo test -p keepalived-conf
/// --test model_heap -- --nocapture`; the bounds catch a regression.
#[test]
fn a_large_parse_keeps_little_per_instance() {
    let n = 4_000;
    let dir = std::env::temp_dir().join(format!("kc-model-heap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("scale.conf");
    std::fs::write(&path, scale_conf(n)).unwrap();

    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    COUNTED.store(true, Ordering::Relaxed);
    let parsed = keepalived_conf::load(&path, &LoadOptions::default());
    COUNTED.store(false, Ordering::Relaxed);
    let kept = LIVE.load(Ordering::Relaxed) - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;
    std::fs::remove_dir_all(&dir).unwrap();

    assert!(!parsed.has_errors());
    assert_eq!(parsed.config.vrrp_instances.len(), n);
    let per = |bytes: i64| bytes / i64::try_from(n).unwrap();
    println!(
        "heap per instance: {} B kept, {} B at the peak of the parse",
        per(kept),
        per(peak)
    );
    // some room for the allocator's rounding, none for a list that grows
    assert!(per(kept) < 1_200, "{} B kept", per(kept));
    assert!(per(peak) < 3_100, "{} B at the peak", per(peak));
}
