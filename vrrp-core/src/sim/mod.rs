//! A deterministic virtual LAN (cargo feature `sim`).
//!
//! Each node is a [`Node`] (its instances on numbered segments, its sync
//! groups). Adverts travel between nodes of the same segment, VRID and
//! family (multicast) or to the listed `unicast_peers`, over links with
//! latency, jitter (which reorders), loss, duplication and partitions.
//! Nodes can be started, crashed silently (state lost), restarted, shut
//! down cleanly, and their instances fed interface, tracker and fault
//! events. Virtual time jumps from one deadline to the next, so an hour of
//! network runs in milliseconds; a run is a pure function of the random seed and
//! the schedule.
//!
//! The LAN simulates only the network and the hosts' lives; everything
//! VRRP is the [`Node`] a daemon drives: datagrams from
//! [`Node::poll_transmit`] are carried as bytes and handed to the
//! receivers' [`Node::handle_datagram`] (demultiplexing, codec validation,
//! decoding, the state machine, the sync-group step).
//!
//! ```
//! use vrrp_core::{InstanceConfig, State, packet::Version, sim::{SimEvent, VirtualLan}};
//! use vrrp_core::time::Instant;
//! let mut lan = VirtualLan::new(1);
//! let mut a = InstanceConfig::new("VI_1", 1, Version::V3, "10.0.0.1".parse().unwrap());
//! a.priority = 100;
//! let mut b = InstanceConfig::new("VI_1", 1, Version::V3, "10.0.0.2".parse().unwrap());
//! b.priority = 90;
//! let na = lan.add_node("a", vec![a]).unwrap();
//! let nb = lan.add_node("b", vec![b]).unwrap();
//! lan.schedule(Instant::ZERO, SimEvent::Start(na));
//! lan.schedule(Instant::ZERO, SimEvent::Start(nb));
//! lan.run_until(Instant::from_micros(10_000_000));
//! let c: Vec<_> = lan.state_changes().filter(|c| c.to == State::Master).collect();
//! assert_eq!(c[0].at, Instant::from_micros(3_609_375));
//! assert_eq!(c[0].node_name, "a");
//! ```

mod lan;
mod rng;

pub use lan::{
    LinkParams, NodeError, NodeId, NodeInstanceStatus, SimEvent, StateChange, TimelineEvent,
    TimelineKind, VirtualLan,
};
pub use rng::SplitMix64;

#[allow(unused_imports)]
use crate::Node;
