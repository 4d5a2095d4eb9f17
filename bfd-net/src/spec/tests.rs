use std::net::IpAddr;
use std::time::Duration;

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn defaults_are_keepalived_ones() {
    let v4 = PeerSpec::new("a", ip("192.0.2.1"));
    assert_eq!(v4.min_rx, Duration::from_millis(10));
    assert_eq!(v4.min_tx, Duration::from_millis(10));
    assert_eq!(v4.idle_tx, Duration::from_secs(1));
    assert_eq!(
        (v4.multiplier, v4.passive, v4.ttl, v4.max_hops),
        (5, false, 255, 0)
    );
    assert_eq!(PeerSpec::new("b", ip("2001:db8::1")).ttl, 64);
}

#[test]
fn validation_names_the_fault() {
    let a = PeerSpec::new("a", ip("192.0.2.1"));
    assert_eq!(validate(std::slice::from_ref(&a)), Ok(()));
    assert_eq!(
        validate(&[a.clone(), PeerSpec::new("a", ip("192.0.2.2"))]),
        Err(SpecError::DuplicateName("a".into()))
    );
    assert!(matches!(
        validate(&[a.clone(), PeerSpec::new("b", ip("192.0.2.1"))]),
        Err(SpecError::DuplicateNeighbor { .. })
    ));
    assert_eq!(
        validate(&[PeerSpec::new("", ip("192.0.2.1"))]),
        Err(SpecError::EmptyName)
    );
    for bad in ["0.0.0.0", "224.0.0.18", "255.255.255.255", "::", "ff02::1"] {
        assert!(
            matches!(
                validate(&[PeerSpec::new("x", ip(bad))]),
                Err(SpecError::BadNeighbor { .. })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        validate(&[a.clone().with_source(ip("2001:db8::1"))]),
        Err(SpecError::FamilyMismatch { .. })
    ));
    assert!(matches!(
        validate(&[a.clone().with_ttl(0)]),
        Err(SpecError::ZeroTtl { .. })
    ));
    assert!(matches!(
        validate(&[a.clone().with_multiplier(0)]),
        Err(SpecError::Timers { .. })
    ));
    assert!(matches!(
        validate(&[a.clone().with_idle_tx(Duration::from_millis(500))]),
        Err(SpecError::Timers { .. })
    ));
    assert!(matches!(
        validate(&[a.with_intervals(Duration::from_millis(10), Duration::ZERO)]),
        Err(SpecError::Timers { .. })
    ));
}

#[test]
fn session_config_carries_the_timers() {
    let s = PeerSpec::new("a", ip("192.0.2.1"))
        .with_intervals(Duration::from_millis(300), Duration::from_millis(200))
        .with_multiplier(3)
        .with_passive(true);
    let c = s.session_config(7).unwrap();
    assert_eq!(c.local_discriminator, 7);
    assert_eq!(c.required_min_rx.as_micros(), 300_000);
    assert_eq!(c.desired_min_tx.as_micros(), 200_000);
    assert_eq!((c.detect_mult, c.passive), (3, true));
}

#[test]
fn link_local_neighbors_are_unique_per_interface() {
    let ll = |i: &str| PeerSpec::new(format!("s-{i}"), ip("fe80::2")).with_interface(i);
    assert_eq!(validate(&[ll("eth0"), ll("eth1")]), Ok(()));
    let mut again = ll("eth0");
    again.name = "t".into();
    assert!(matches!(
        validate(&[ll("eth0"), again]),
        Err(SpecError::DuplicateNeighbor { .. })
    ));
    assert!(matches!(
        validate(&[PeerSpec::new("g", ip("2001:db8::2")).with_interface("eth0")]),
        Err(SpecError::InterfaceNotLinkLocal { .. })
    ));
    assert!(is_link_local(ip("febf::1")) && !is_link_local(ip("fec0::1")));
}

#[test]
fn one_single_hop_and_one_multihop_session_per_neighbor() {
    let single = PeerSpec::new("single", ip("192.0.2.1"));
    let multi = PeerSpec::new("multi", ip("192.0.2.1")).with_multihop(true);
    assert_eq!(validate(&[single.clone(), multi.clone()]), Ok(()));
    let mut multi2 = multi.clone();
    multi2.name = "multi2".into();
    assert!(matches!(
        validate(&[single, multi, multi2]),
        Err(SpecError::DuplicateNeighbor { name, .. }) if name == "multi2"
    ));
}

#[test]
fn the_neighbor_and_source_pair_is_the_key_as_in_keepalived() {
    let n = ip("192.0.2.1");
    let from = |name: &str, s: Option<&str>| {
        let p = PeerSpec::new(name, n);
        match s {
            Some(s) => p.with_source(ip(s)),
            None => p,
        }
    };
    // Two sources: two sessions, single-hop or multihop.
    let a = from("a", Some("192.0.2.10"));
    let b = from("b", Some("192.0.2.11"));
    assert_eq!(validate(&[a.clone(), b.clone()]), Ok(()));
    let (am, bm) = (a.clone().with_multihop(true), b.clone().with_multihop(true));
    assert_eq!(validate(&[am.clone(), bm]), Ok(()));
    // The same source twice, or one session without a source beside one
    // with: keepalived's duplicate, refused with the second session's name.
    for (first, second) in [
        (a.clone(), from("c", Some("192.0.2.10"))),
        (a.clone(), from("c", None)),
        (from("d", None), from("c", Some("192.0.2.10"))),
        (am, from("c", Some("192.0.2.10")).with_multihop(true)),
    ] {
        let e = validate(&[first, second.clone()]).unwrap_err();
        assert_eq!(
            e,
            SpecError::DuplicateNeighbor {
                name: "c".into(),
                neighbor: n,
                source_ip: second.source,
            }
        );
        assert!(e.to_string().contains("neighbor 192.0.2.1"), "{e}");
    }
    let e = validate(&[a, from("c", Some("192.0.2.10"))]).unwrap_err();
    assert!(e.to_string().contains("from source 192.0.2.10"), "{e}");
}
