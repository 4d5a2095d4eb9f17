//! The VRRP multicast groups joined on the instances' receive interfaces.

use std::collections::HashSet;
use std::net::IpAddr;

use tracing::{debug, warn};
use vrrp_core::packet::Family;

use crate::daemon::host::Host;

use super::Router;

impl<H: Host> Router<H> {
    /// Joins each multicast instance's group on its receive interface
    /// (keepalived joins one per (interface, group) socket,
    /// `open_vrrp_read_socket`) and leaves those no instance uses any more.
    pub(super) fn join_groups(&mut self) {
        let wanted: HashSet<(IpAddr, u32)> = self
            .node
            .ids()
            .filter_map(|id| {
                let c = self.node.instance(id)?.config();
                let (rx, _) = self.node.paths(id)?;
                // An interface that does not exist yet (dynamic_interfaces) has none.
                (c.unicast_peers.is_empty() && rx != 0).then_some((c.multicast_group(), rx))
            })
            .collect();
        let stale: Vec<(IpAddr, u32)> = self.joined.difference(&wanted).copied().collect();
        for (group, idx) in stale {
            self.joined.remove(&(group, idx));
            if self.host.has_socket(Family::of(group)) {
                // The interface may be gone (a removed VMAC): nothing to leave.
                if let Err(e) = self.host.leave_multicast(group, idx) {
                    debug!(ifindex = idx, %group, "leaving the multicast group: {e}");
                }
            }
        }
        for (group, idx) in wanted {
            if self.joined.contains(&(group, idx)) {
                continue;
            }
            if self.host.has_socket(Family::of(group)) {
                match self.host.join_multicast(group, idx) {
                    Ok(()) => {
                        self.joined.insert((group, idx));
                    }
                    Err(e) => warn!(ifindex = idx, %group, "joining the VRRP group: {e}"),
                }
            }
        }
    }
}
