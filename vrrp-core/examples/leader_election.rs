//! Leader election with VRRP over your own transport: three members, each
//! a `Node` with one instance, pass adverts through an in-memory bus (use
//! UDP, a message queue, ... instead). The Master is the leader. The leader
//! steps down cleanly at 10 s, and the next priority takes over at once.
//!
//! Run with `cargo run -p vrrp-core --example leader_election`.

use std::collections::VecDeque;

use vrrp_core::node::{InstanceSpec, Node, NodeConfig, Output, Transmit};
use vrrp_core::packet::{RxMeta, Version};
use vrrp_core::time::{Duration, Instant};
use vrrp_core::{Action, Event, InstanceConfig, State};

/// The interface number every member uses on the bus.
const BUS: u32 = 1;

fn member(addr: &str, priority: u8) -> Node {
    let mut cfg = InstanceConfig::new("leader", 7, Version::V3, addr.parse().expect("address"));
    cfg.priority = priority;
    cfg.advert_interval = Duration::from_millis(100);
    Node::new(NodeConfig::new(vec![InstanceSpec::new(cfg, BUS, ())])).expect("valid config")
}

fn main() {
    let names = ["a", "b", "c"];
    let mut nodes =
        [("10.0.0.1", 150), ("10.0.0.2", 100), ("10.0.0.3", 50)].map(|(a, p)| member(a, p));
    let mut leader = None;
    let mut bus: VecDeque<(usize, Transmit)> = VecDeque::new();
    let mut now = Instant::ZERO;
    let step_down = Instant::from_secs(10);
    let mut stepped_down = false;
    for n in &mut nodes {
        n.handle_event_all(now, Event::Startup);
    }
    while now < Instant::from_secs(20) {
        // Drain every member: datagrams onto the bus, then the actions.
        for (k, n) in nodes.iter_mut().enumerate() {
            while let Some(t) = n.poll_transmit() {
                bus.push_back((k, t));
            }
            while let Some(out) = n.poll_action() {
                if let Output::Instance {
                    action: Action::StateChanged { to, reason, .. },
                    ..
                } = out
                {
                    println!("{now}: {} is {to} ({reason})", names[k]);
                    match to {
                        State::Master => leader = Some(names[k]),
                        _ if leader == Some(names[k]) => leader = None,
                        _ => {}
                    }
                }
            }
        }
        // Deliver one datagram to every other member (no latency here).
        if let Some((from, t)) = bus.pop_front() {
            let rx = RxMeta {
                src: t.src,
                dst: t.dst,
                ttl: t.hop_limit,
            };
            for (k, n) in nodes.iter_mut().enumerate() {
                if k != from {
                    // A drop is counted by the node; nothing to do here.
                    let _ = n.handle_datagram(now, BUS, &rx, &t.payload);
                }
            }
            continue;
        }
        // Nothing in flight: jump to the next deadline.
        let next = nodes.iter().filter_map(Node::poll_timeout).min();
        if !stepped_down && next.is_none_or(|t| t >= step_down) {
            now = step_down;
            stepped_down = true;
            println!("{now}: a steps down");
            nodes[0].handle_event_all(now, Event::Shutdown);
            continue;
        }
        let Some(next) = next else { break };
        now = next;
        for n in &mut nodes {
            n.handle_timeout(now);
        }
    }
    println!("leader at {now}: {}", leader.unwrap_or("none"));
    assert_eq!(leader, Some("b"));
}

#[test]
fn the_next_priority_leads_after_the_step_down() {
    main();
}
