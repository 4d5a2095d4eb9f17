//! Demultiplexing, the sync-group step and drain order, reconfiguration.

use core::net::IpAddr;

use super::*;
use crate::InstanceConfig;
use crate::packet::{ChecksumMode, RxMeta, Version};
use crate::state::Reason;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn cfg(name: &str, vrid: u8, prio: u8, addr: &str) -> InstanceConfig {
    let mut c = InstanceConfig::new(name, vrid, Version::V3, ip(addr));
    c.priority = prio;
    c.vips = vec![ip("10.0.0.100")];
    c
}

fn spec(c: InstanceConfig, ifindex: u32) -> InstanceSpec<&'static str> {
    InstanceSpec::new(c, ifindex, "data")
}

/// An advert as a peer with `c`'s VRID would send it from `src` to `dst`.
fn advert(c: &InstanceConfig, priority: u8, src: &str, dst: IpAddr, mode: ChecksumMode) -> Vec<u8> {
    let mut peer = c.clone();
    peer.primary_address = ip(src);
    let adv = Instance::new(peer).unwrap().advertisement(priority);
    let mut b = vec![0; adv.buffer_len()];
    adv.emit(&mut b, ip(src), dst, mode).unwrap();
    b
}

fn rx(src: &str, dst: IpAddr) -> RxMeta {
    RxMeta {
        src: ip(src),
        dst,
        ttl: 255,
    }
}

/// Outputs as (instance position or group marker, short name).
fn drain<T>(node: &mut Node<T>) -> (Vec<(InstanceId, u8)>, Vec<String>) {
    // The node's deadline is always its instances' earliest.
    let earliest = node
        .instances()
        .iter()
        .filter_map(Instance::poll_timeout)
        .min();
    assert_eq!(node.poll_timeout(), earliest);
    let mut tx = Vec::new();
    while let Some(t) = node.poll_transmit() {
        tx.push((t.instance, t.priority));
    }
    let mut out = Vec::new();
    while let Some(o) = node.poll_action() {
        out.push(match o {
            Output::Instance { id, action } => {
                let pos = node
                    .position(id)
                    .map_or("retired".into(), |p| p.to_string());
                match action {
                    Action::StateChanged { from, to, .. } => format!("{pos}:{from}->{to}"),
                    Action::AddVips => format!("{pos}:add"),
                    Action::RemoveVips => format!("{pos}:remove"),
                    Action::Announce { .. } => format!("{pos}:announce"),
                    other => format!("{pos}:{other:?}"),
                }
            }
            Output::GroupStateChanged { group, from, to } => {
                format!("group{group}:{}->{to}", from.map_or("none", State::as_str))
            }
        });
    }
    (tx, out)
}

#[test]
fn demux_by_interface_family_and_vrid() {
    let a = cfg("a", 1, 100, "10.0.0.1");
    let c = cfg("c", 2, 100, "10.0.0.1");
    let mut node = Node::new(NodeConfig::new(vec![
        spec(a.clone(), 1),
        spec(a.clone(), 2),
        spec(c, 1),
    ]))
    .unwrap();
    node.handle_event_all(Instant::ZERO, Event::Startup);
    let _ = drain(&mut node);
    let group = Family::V4.group();
    let bytes = advert(&a, 100, "10.0.0.9", group, ChecksumMode::Rfc);
    let got = node
        .handle_datagram(Instant::ZERO, 2, &rx("10.0.0.9", group), &bytes)
        .unwrap();
    assert_eq!(Some(got.instance), node.id_at(1));
    assert_eq!(got.priority, 100);
    assert_eq!(got.ignored, None);
    assert_eq!(node.instances()[1].counters().rcvd_advertisements, 1);
    assert_eq!(node.instances()[0].counters().rcvd_advertisements, 0);
    // No instance on interface 3; one byte carries no VRID.
    assert_eq!(
        node.handle_datagram(Instant::ZERO, 3, &rx("10.0.0.9", group), &bytes),
        Err(RxError::NoInstance(DropReason::VridMismatch))
    );
    assert_eq!(
        node.handle_datagram(Instant::ZERO, 1, &rx("10.0.0.9", group), &bytes[..1]),
        Err(RxError::NoInstance(DropReason::Truncated))
    );
    // An IPv6 source finds no IPv4 instance.
    assert_eq!(
        node.handle_datagram(Instant::ZERO, 1, &rx("fe80::9", ip("ff02::12")), &bytes),
        Err(RxError::NoInstance(DropReason::VridMismatch))
    );
    let unmatched = node.unmatched_drops();
    assert_eq!(
        unmatched.get(&(3, Family::V4, DropReason::VridMismatch)),
        Some(&1)
    );
    assert_eq!(
        unmatched.get(&(1, Family::V4, DropReason::Truncated)),
        Some(&1)
    );
    assert_eq!(
        unmatched.get(&(1, Family::V6, DropReason::VridMismatch)),
        Some(&1)
    );
    // After set_paths the instance listens on its VMAC only.
    let id0 = node.id_at(0).unwrap();
    node.set_paths(id0, 7, 7);
    assert_eq!(node.paths(id0), Some((7, 7)));
    assert!(
        node.handle_datagram(Instant::ZERO, 1, &rx("10.0.0.9", group), &bytes)
            .is_err()
    );
    let got = node
        .handle_datagram(Instant::ZERO, 7, &rx("10.0.0.9", group), &bytes)
        .unwrap();
    assert_eq!(got.instance, id0);
}

#[test]
fn demux_unicast_instances_by_peer_and_count_rejections() {
    let mut a = cfg("a", 5, 100, "10.0.0.1");
    a.unicast_peers = vec![ip("10.0.0.2")];
    let mut b = cfg("b", 5, 100, "10.0.0.1");
    b.unicast_peers = vec![ip("10.0.0.3")];
    let mut node = Node::new(NodeConfig::new(vec![spec(a.clone(), 1), spec(b, 1)])).unwrap();
    node.handle_event_all(Instant::ZERO, Event::Startup);
    let _ = drain(&mut node);
    let me = ip("10.0.0.1");
    let from3 = advert(&a, 100, "10.0.0.3", me, ChecksumMode::Rfc);
    let got = node
        .handle_datagram(Instant::ZERO, 1, &rx("10.0.0.3", me), &from3)
        .unwrap();
    assert_eq!(Some(got.instance), node.id_at(1));
    // A stranger: the first candidate rejects it (check_unicast_src).
    let from4 = advert(&a, 100, "10.0.0.4", me, ChecksumMode::Rfc);
    let id0 = node.id_at(0).unwrap();
    assert_eq!(
        node.handle_datagram(Instant::ZERO, 1, &rx("10.0.0.4", me), &from4),
        Err(RxError::Rejected {
            instance: id0,
            reason: DropReason::UnknownUnicastSource
        })
    );
    let drops = node.rx_drops(id0).unwrap();
    assert_eq!(drops[DropReason::UnknownUnicastSource.index()], 1);
    assert_eq!(node.instances()[0].counters().unicast_peer_errors, 1);
    // A corrupted checksum is counted as such.
    let mut bad = advert(&a, 100, "10.0.0.2", me, ChecksumMode::Rfc);
    bad[6] ^= 0xff;
    assert_eq!(
        node.handle_datagram(Instant::ZERO, 1, &rx("10.0.0.2", me), &bad),
        Err(RxError::Rejected {
            instance: id0,
            reason: DropReason::BadChecksum
        })
    );
    assert_eq!(node.instances()[0].counters().checksum_errors, 1);
    // keepalived accepts the pre-1.3.6 unicast checksum (over 224.0.0.18).
    let old = advert(
        &a,
        100,
        "10.0.0.2",
        me,
        ChecksumMode::V3MulticastPseudoDestination,
    );
    let got = node
        .handle_datagram(Instant::ZERO, 1, &rx("10.0.0.2", me), &old)
        .unwrap();
    assert_eq!(got.instance, id0);
    assert!(got.notes.old_unicast_checksum);
}

#[test]
fn unicast_adverts_go_to_every_peer_with_the_unicast_ttl() {
    let mut a = cfg("a", 5, 100, "10.0.0.1");
    a.unicast_peers = vec![ip("10.0.0.2"), ip("10.0.0.3")];
    let mut s = spec(a, 4);
    s.unicast_ttl = 10;
    let mut node = Node::new(NodeConfig::new(vec![s])).unwrap();
    let id = node.id_at(0).unwrap();
    node.set_paths(id, 4, 9);
    node.handle_event_all(Instant::ZERO, Event::Startup);
    let t = node.poll_timeout().unwrap();
    node.handle_timeout(t);
    let first = node.poll_transmit().unwrap();
    let second = node.poll_transmit().unwrap();
    assert!(node.poll_transmit().is_none());
    for (k, (t, dst)) in [(first, "10.0.0.2"), (second, "10.0.0.3")]
        .into_iter()
        .enumerate()
    {
        assert_eq!((t.copy, t.dst, t.src), (k, ip(dst), ip("10.0.0.1")));
        assert_eq!((t.ifindex, t.hop_limit, t.priority), (9, 10, 100));
        let meta = RxMeta {
            src: t.src,
            dst: t.dst,
            ttl: 10,
        };
        let mut peer = cfg("peer", 5, 100, dst);
        peer.unicast_peers = vec![ip("10.0.0.1")];
        let peer = Instance::new(peer).unwrap();
        let v = crate::packet::validate(&meta, &t.payload, &peer.expectations()).unwrap();
        assert_eq!(v.packet.priority(), 100);
    }
}

/// `mcast_dst_ip` / `vrrp_mcast_group4`: adverts go to the configured group,
/// and a datagram reaches the instance of the group it was sent to; one to a
/// group no instance uses is dropped before any instance sees it (keepalived
/// binds each multicast socket to its group).
#[test]
fn multicast_groups_route_adverts_both_ways() {
    let mut a = cfg("a", 7, 100, "10.0.0.1");
    a.mcast_group = Some(ip("224.0.0.44"));
    let b = cfg("b", 7, 100, "10.0.0.1");
    let mut node = Node::new(NodeConfig::new(vec![
        spec(a.clone(), 1),
        spec(b.clone(), 1),
    ]))
    .unwrap();
    node.handle_event_all(Instant::ZERO, Event::Startup);
    let _ = drain(&mut node);
    // Sending: each instance to its own group.
    let t = node.poll_timeout().unwrap();
    node.handle_timeout(t);
    let mut dsts = Vec::new();
    while let Some(t) = node.poll_transmit() {
        dsts.push(t.dst);
    }
    dsts.sort();
    assert_eq!(dsts, [ip("224.0.0.18"), ip("224.0.0.44")]);
    // Receiving: by group.
    for (dst, want) in [("224.0.0.44", 0), ("224.0.0.18", 1)] {
        let bytes = advert(&a, 100, "10.0.0.9", ip(dst), ChecksumMode::Rfc);
        let got = node
            .handle_datagram(Instant::ZERO, 1, &rx("10.0.0.9", ip(dst)), &bytes)
            .unwrap();
        assert_eq!(Some(got.instance), node.id_at(want), "{dst}");
    }
    let other = ip("224.0.0.99");
    let bytes = advert(&a, 100, "10.0.0.9", other, ChecksumMode::Rfc);
    assert_eq!(
        node.handle_datagram(Instant::ZERO, 1, &rx("10.0.0.9", other), &bytes),
        Err(RxError::NoInstance(DropReason::DestinationMismatch))
    );
    assert_eq!(
        node.unmatched_drops()
            .get(&(1, Family::V4, DropReason::DestinationMismatch)),
        Some(&1)
    );
    // The group must be a multicast address of the instance's family.
    for bad in ["10.0.0.5", "ff02::12"] {
        let mut c = cfg("c", 8, 100, "10.0.0.1");
        c.mcast_group = Some(ip(bad));
        assert!(c.validated().is_err(), "{bad}");
    }
}

/// Members 0 and 1 form a group; 2 runs alone. Member 1 has the shorter
/// down timer and waits for member 0; after every input the instance
/// that got it is drained first, then the other members, then the group
/// state is reported.
#[test]
fn sync_group_step_and_drain_order() {
    let config = NodeConfig::new(vec![
        spec(cfg("m0", 1, 100, "10.0.0.1"), 1),
        spec(cfg("m1", 2, 200, "10.0.0.1"), 1),
        spec(cfg("solo", 3, 100, "10.0.0.1"), 1),
    ])
    .with_sync_groups(vec![("G".into(), vec![0, 1])]);
    let mut node = Node::new(config).unwrap();
    let ids: Vec<InstanceId> = node.ids().collect();
    node.handle_event_all(Instant::ZERO, Event::Startup);
    let (_, out) = drain(&mut node);
    assert_eq!(
        out,
        [
            "0:INIT->BACKUP",
            "1:INIT->BACKUP",
            "group0:none->BACKUP",
            "2:INIT->BACKUP"
        ]
    );
    // Member 1's timer: it only wants Master.
    let t1 = node.poll_timeout().unwrap();
    node.handle_timeout(t1);
    assert_eq!(drain(&mut node), (vec![], vec![]));
    assert!(node.instances()[1].wants_master());
    // Member 0's and the solo instance's timers (same deadline): the group
    // goes Master together, member 0 drained first.
    let t0 = node.poll_timeout().unwrap();
    assert!(t0 > t1);
    node.handle_timeout(t0);
    let (tx, out) = drain(&mut node);
    assert_eq!(tx, [(ids[0], 100), (ids[1], 200), (ids[2], 100)]);
    assert_eq!(
        out,
        [
            "0:add",
            "0:announce",
            "0:MASTER",
            "1:add",
            "1:announce",
            "1:MASTER",
            "group0:BACKUP->MASTER",
            "2:add",
            "2:announce",
            "2:MASTER",
        ]
        .map(|s| s.replace(":MASTER", ":BACKUP->MASTER"))
    );
    // A higher priority heard by member 1: both members leave Master,
    // member 1 first.
    let group = Family::V4.group();
    let c1 = cfg("m1", 2, 200, "10.0.0.1");
    let bytes = advert(&c1, 250, "10.0.0.9", group, ChecksumMode::Rfc);
    let got = node
        .handle_datagram(t0, 1, &rx("10.0.0.9", group), &bytes)
        .unwrap();
    assert_eq!(got.instance, ids[1]);
    let (_, out) = drain(&mut node);
    assert_eq!(
        out,
        [
            "1:remove",
            "1:MASTER->BACKUP",
            "0:remove",
            "0:MASTER->BACKUP",
            "group0:MASTER->BACKUP"
        ]
    );
    // A fault of member 0 takes the group to Fault, member 0 first.
    node.handle_event(t0, ids[0], Event::InterfaceDown);
    let (_, out) = drain(&mut node);
    assert_eq!(
        out,
        ["0:BACKUP->FAULT", "1:BACKUP->FAULT", "group0:BACKUP->FAULT"]
    );
    let reasons: Vec<Option<Reason>> = node
        .instances()
        .iter()
        .map(|i| i.status().last_reason)
        .collect();
    assert_eq!(reasons[1], Some(Reason::SyncGroupFault));
}

#[test]
fn preset_sets_the_environment_before_startup_only() {
    let mut node = Node::new(NodeConfig::new(vec![spec(cfg("a", 1, 100, "10.0.0.1"), 1)])).unwrap();
    let id = node.id_at(0).unwrap();
    assert!(node.preset(id, Event::InterfaceDown));
    assert!(!node.preset(id, Event::Startup));
    node.handle_event(Instant::ZERO, id, Event::Startup);
    assert_eq!(drain(&mut node).1, ["0:INIT->FAULT"]);
    assert!(!node.preset(id, Event::InterfaceUp));
}

#[test]
fn bad_configurations_are_refused() {
    let a = cfg("a", 1, 100, "10.0.0.1");
    let two = |groups: Vec<(String, Vec<usize>)>| {
        Node::new(
            NodeConfig::new(vec![spec(a.clone(), 1), spec(a.clone(), 2)]).with_sync_groups(groups),
        )
        .unwrap_err()
    };
    assert!(matches!(
        two(vec![("g".into(), vec![])]),
        NodeError::SyncGroup { .. }
    ));
    assert!(matches!(
        two(vec![("g".into(), vec![0, 2])]),
        NodeError::SyncGroup { .. }
    ));
    assert_eq!(
        two(vec![("g".into(), vec![0]), ("h".into(), vec![0, 1])]),
        NodeError::TwoGroups(0)
    );
    let mut bad = a.clone();
    bad.vrid = 0;
    let e = Node::new(NodeConfig::new(vec![spec(bad, 1)])).unwrap_err();
    assert!(e.to_string().starts_with("instance a: "), "{e}");
}

/// Four instances, all Master; the reload keeps one, reconfigures one,
/// restarts one (other interface), drops one and adds one.
#[test]
fn reconfigure_matches_old_and_new_instances() {
    let (a, b, c, d) = (
        cfg("a", 1, 100, "10.0.0.1"),
        cfg("b", 2, 100, "10.0.0.1"),
        cfg("c", 3, 100, "10.0.0.1"),
        cfg("d", 4, 100, "10.0.0.1"),
    );
    let mut node = Node::new(NodeConfig::new(vec![
        spec(a.clone(), 1),
        spec(b.clone(), 1),
        spec(c.clone(), 1),
        spec(d, 1),
    ]))
    .unwrap();
    let old: Vec<InstanceId> = node.ids().collect();
    node.handle_event_all(Instant::ZERO, Event::Startup);
    let t = node.poll_timeout().unwrap();
    node.handle_timeout(t);
    let _ = drain(&mut node);
    assert!(node.instances().iter().all(|i| i.state() == State::Master));
    // Some drops on b, kept across its reconfiguration.
    let mut bad = advert(&b, 100, "10.0.0.9", Family::V4.group(), ChecksumMode::Rfc);
    bad[6] ^= 1;
    let _ = node.handle_datagram(t, 1, &rx("10.0.0.9", Family::V4.group()), &bad);

    let mut b2 = b.clone();
    b2.priority = 150;
    let e = cfg("e", 5, 100, "10.0.0.1");
    let new = NodeConfig::new(vec![
        InstanceSpec::new(e, 1, "e"),
        InstanceSpec::new(b2, 1, "b2"),
        InstanceSpec::new(a, 1, "a2"),
        InstanceSpec::new(c, 2, "c2"),
    ]);
    let r = node.reconfigure(t, new, |_, _| Carry::Keep).unwrap();
    assert_eq!(r.kept, [old[0]]);
    assert_eq!(r.reconfigured, [(old[1], "data")]);
    assert_eq!(r.retired, [old[2], old[3]]);
    assert_eq!(r.fresh.len(), 2);
    assert!(r.refused.is_empty());
    let now: Vec<InstanceId> = node.ids().collect();
    assert_eq!(now[1..3], [old[1], old[0]]);
    let states: Vec<State> = node.instances().iter().map(Instance::state).collect();
    assert_eq!(
        states,
        [
            State::Initialize,
            State::Master,
            State::Master,
            State::Initialize
        ]
    );
    // The kept instance keeps its old data, the reconfigured one the new.
    assert_eq!(node.data(old[0]), Some(&"data"));
    assert_eq!(node.data(old[1]), Some(&"b2"));
    assert_eq!(
        node.rx_drops(old[1]).unwrap()[DropReason::BadChecksum.index()],
        1
    );
    // The retired Masters release (priority 0) and remove their VIPs.
    let (tx, out) = drain(&mut node);
    assert_eq!(tx, [(old[2], 0), (old[3], 0)]);
    assert_eq!(
        out,
        [
            "retired:remove",
            "retired:MASTER->STOP",
            "retired:remove",
            "retired:MASTER->STOP",
            "1:PriorityChanged { from: 100, to: 150 }"
        ]
    );
    assert_eq!(
        node.instance(old[2]).map(Instance::state),
        Some(State::Stop)
    );
    assert_eq!(node.take_retired(), [(old[2], "data"), (old[3], "data")]);
    assert!(node.instance(old[2]).is_none());
    // The caller's verdict can force a restart; a new sync group too.
    let spec_of = |i: &Instance, d| InstanceSpec::new(i.config().clone(), 1, d);
    let again = NodeConfig::new(vec![spec_of(&node.instances()[2], "a3")]);
    let r = node.reconfigure(t, again, |_, _| Carry::Restart).unwrap();
    assert_eq!(r.retired.len(), 4);
    assert!(r.kept.is_empty());
    let _ = drain(&mut node);
    let _ = node.take_retired();
    let cur = node.instances()[0].config().clone();
    let grouped = NodeConfig::new(vec![InstanceSpec::new(cur, 1, "g")])
        .with_sync_groups(vec![("G".into(), vec![0])]);
    let r = node.reconfigure(t, grouped, |_, _| Carry::Keep).unwrap();
    assert_eq!((r.kept.len(), r.fresh.len()), (0, 1));
    // A refused configuration changes nothing.
    let before: Vec<InstanceId> = node.ids().collect();
    let mut broken = cfg("x", 1, 100, "10.0.0.1");
    broken.vrid = 0;
    assert!(
        node.reconfigure(
            t,
            NodeConfig::new(vec![InstanceSpec::new(broken, 1, "x")]),
            |_, _| { Carry::Keep }
        )
        .is_err()
    );
    assert_eq!(node.ids().collect::<Vec<_>>(), before);
    assert_eq!(node.sync_groups().len(), 1);
}

#[test]
fn group_state_report_survives_a_reload_by_name() {
    let config = || {
        NodeConfig::new(vec![spec(cfg("m0", 1, 100, "10.0.0.1"), 1)])
            .with_sync_groups(vec![("G".into(), vec![0])])
    };
    let mut node = Node::new(config()).unwrap();
    node.handle_event_all(Instant::ZERO, Event::Startup);
    assert!(
        drain(&mut node)
            .1
            .contains(&"group0:none->BACKUP".to_string())
    );
    let r = node
        .reconfigure(Instant::ZERO, config(), |_, _| Carry::Keep)
        .unwrap();
    assert_eq!(r.kept.len(), 1);
    // Same group state after the reload: not reported again.
    let id = node.id_at(0).unwrap();
    node.handle_event(Instant::ZERO, id, Event::TrackerUp(0));
    assert_eq!(drain(&mut node).1, Vec::<String>::new());
}

/// Equal deadlines run in the order they were set (keepalived's timer
/// tree): the member started last completes the group and is drained first.
#[test]
fn equal_deadlines_run_in_the_order_they_were_set() {
    let first_master = |order: [usize; 2]| {
        let config = NodeConfig::new(vec![
            spec(cfg("m0", 1, 100, "10.0.0.1"), 1),
            spec(cfg("m1", 2, 100, "10.0.0.1"), 1),
        ])
        .with_sync_groups(vec![("G".into(), vec![0, 1])]);
        let mut node = Node::new(config).unwrap();
        for k in order {
            let id = node.id_at(k).unwrap();
            node.handle_event(Instant::ZERO, id, Event::Startup);
        }
        let _ = drain(&mut node);
        let t = node.poll_timeout().unwrap();
        node.handle_timeout(t);
        let (tx, out) = drain(&mut node);
        assert_eq!(tx.len(), 2);
        out.into_iter().find(|o| o.ends_with("BACKUP->MASTER"))
    };
    assert_eq!(first_master([0, 1]).as_deref(), Some("1:BACKUP->MASTER"));
    assert_eq!(first_master([1, 0]).as_deref(), Some("0:BACKUP->MASTER"));
}

/// What one instance costs a node inline: no room for 255 addresses per
/// instance (the advert is kept encoded, on the heap, at its own length;
/// `tests/fsm_no_alloc.rs` measures the heap side).
#[test]
fn an_instance_is_small() {
    assert!(
        core::mem::size_of::<Instance>() <= 560,
        "{} bytes",
        core::mem::size_of::<Instance>()
    );
    assert!(core::mem::size_of::<crate::packet::Advertisement>() > 4096);
}

/// A burst of adverts from many instances grows the output queue once; when
/// it is drained the queue gives the room back down to `QUEUE_KEEP`.
#[test]
fn drained_queues_give_back_a_burst() {
    let n = 2000usize;
    let instances = (0..n)
        .map(|i| {
            let vrid = u8::try_from(i % 250 + 1).unwrap();
            spec(
                cfg(&format!("VI_{i}"), vrid, 100, "10.0.0.1"),
                2 + u32::try_from(i / 250).unwrap(),
            )
        })
        .collect();
    let mut node = Node::new(NodeConfig::new(instances)).unwrap();
    node.handle_event_all(Instant::ZERO, Event::Startup);
    let _ = drain(&mut node);
    // Every instance becomes Master at the same deadline and sends.
    let t = node.poll_timeout().unwrap();
    node.handle_timeout(t);
    assert!(node.queues.transmits.len() >= n);
    let (tx, _) = drain(&mut node);
    assert!(tx.len() >= n, "{}", tx.len());
    assert!(node.queues.transmits.capacity() <= QUEUE_KEEP);
    assert!(node.queues.outputs.capacity() <= QUEUE_KEEP);
}

/// keepalived `set_vrrp_backup`: a deleted VIP sends every Master of the
/// group to Backup with priority 0, and each takes over again after its
/// Skew_Time when nobody answers.
#[test]
fn a_removed_vip_releases_the_group_and_returns_after_skew_time() {
    let config = NodeConfig::new(vec![
        spec(cfg("m0", 1, 100, "10.0.0.1"), 1),
        spec(cfg("m1", 2, 200, "10.0.0.1"), 1),
        spec(cfg("solo", 3, 100, "10.0.0.1"), 1),
    ])
    .with_sync_groups(vec![("G".into(), vec![0, 1])]);
    let mut node = Node::new(config).unwrap();
    let ids: Vec<InstanceId> = node.ids().collect();
    node.handle_event_all(Instant::ZERO, Event::Startup);
    let mut now = Instant::ZERO;
    for _ in 0..4 {
        now = node.poll_timeout().unwrap();
        node.handle_timeout(now);
    }
    let _ = drain(&mut node);
    assert!(node.instances().iter().all(|i| i.state() == State::Master));
    // The solo Master is not touched by a group member's VIP.
    node.vip_removed(now, ids[1]);
    let (tx, out) = drain(&mut node);
    assert_eq!(tx, [(ids[1], 0), (ids[0], 0)]);
    assert_eq!(
        out,
        [
            "1:remove",
            "1:MASTER->BACKUP",
            "0:remove",
            "0:MASTER->BACKUP",
            "group0:MASTER->BACKUP"
        ]
    );
    assert_eq!(node.instances()[2].state(), State::Master);
    assert_eq!(
        node.instances()[1].status().last_reason,
        Some(Reason::VipRemoved)
    );
    // The next deadline is Skew_Time, not Master_Down_Interval: for
    // priority 200 at 1 s, (256 - 200) / 256 s.
    let skew = node.instances()[1].skew_time();
    assert_eq!(skew.as_micros(), 218_750);
    assert_eq!(node.poll_timeout(), Some(now + skew));
    let mut back = Vec::new();
    let mut t = now;
    for _ in 0..2 {
        t = node.poll_timeout().unwrap();
        assert!(t <= now + node.instances()[0].skew_time());
        node.handle_timeout(t);
        back.extend(drain(&mut node).1);
    }
    assert!(
        back.contains(&"group0:BACKUP->MASTER".to_string()),
        "{back:?}"
    );
    // A Backup ignores it.
    node.handle_event(t, ids[0], Event::InterfaceDown);
    let _ = drain(&mut node);
    node.vip_removed(t, ids[0]);
    assert_eq!(drain(&mut node), (vec![], vec![]));
}

/// With equal Skew_Times the instance whose VIP was deleted is re-armed
/// last, so the group's return to Master starts with it (keepalived sets its
/// timer after its group's).
#[test]
fn a_removed_vip_returns_its_own_instance_first() {
    let config = NodeConfig::new(vec![
        spec(cfg("m0", 1, 100, "10.0.0.1"), 1),
        spec(cfg("m1", 2, 100, "10.0.0.1"), 1),
    ])
    .with_sync_groups(vec![("G".into(), vec![0, 1])]);
    let mut node = Node::new(config).unwrap();
    let ids: Vec<InstanceId> = node.ids().collect();
    node.handle_event_all(Instant::ZERO, Event::Startup);
    let mut now = Instant::ZERO;
    while node.instances().iter().any(|i| i.state() != State::Master) {
        now = node.poll_timeout().unwrap();
        node.handle_timeout(now);
    }
    let _ = drain(&mut node);
    for (removed, first) in [(ids[1], "1:add"), (ids[0], "0:add")] {
        node.vip_removed(now, removed);
        let (tx, _) = drain(&mut node);
        assert_eq!(tx.len(), 2, "one priority 0 each");
        let mut out = Vec::new();
        for _ in 0..2 {
            now = node.poll_timeout().unwrap();
            node.handle_timeout(now);
            out.extend(drain(&mut node).1);
        }
        let adds: Vec<&String> = out.iter().filter(|o| o.ends_with(":add")).collect();
        assert_eq!(adds.first().map(|s| s.as_str()), Some(first), "{out:?}");
    }
}

/// An SNMP-style edit of one instance's priority keeps its state and
/// sends the next advert with the new priority; an invalid edit changes
/// nothing.
#[test]
fn edit_instance_keeps_state_and_applies_priority() {
    let a = cfg("a", 1, 100, "10.0.0.1");
    let mut node = Node::new(NodeConfig::new(vec![spec(a, 1)])).unwrap();
    let id = node.ids().next().unwrap();
    node.handle_event_all(Instant::ZERO, Event::Startup);
    let t = node.poll_timeout().unwrap();
    node.handle_timeout(t);
    let _ = drain(&mut node);
    assert_eq!(node.instance(id).unwrap().state(), State::Master);
    node.edit_instance(t, id, |c| c.priority = 180).unwrap();
    let inst = node.instance(id).unwrap();
    assert_eq!(inst.state(), State::Master);
    assert_eq!(inst.config().priority, 180);
    assert!(node.edit_instance(t, id, |c| c.vrid = 9).is_err());
    assert_eq!(node.instance(id).unwrap().config().vrid, 1);
}
