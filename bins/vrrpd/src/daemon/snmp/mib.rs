//! What the MIB view is computed from. The ordered OID → value table the
//! AgentX session answers Get, GetNext and GetBulk from, and the value
//! encodings, are agentx-subagent's, shared with lvsd.

use std::time::Duration;

pub use agentx_subagent::table::{Table, timeticks, truth};

use crate::daemon::status::Snapshot;

/// What the MIB view is computed from: the daemon's status snapshot and the
/// time since the instances started.
#[derive(Debug)]
pub struct MibInput<'a> {
    /// The instances, as `vrrpd status` shows them.
    pub snapshot: &'a Snapshot,
    /// Time since the instances were started or last reloaded (keepalived
    /// resets every instance's up-time there: vrrp_scheduler.c
    /// `vrrp_init_state`).
    pub since_start: Duration,
    /// `enable_traps`: VRRP-MIB's `vrrpNotificationCntl` says enabled
    /// (vrrp_snmp.c `vrrp_rfcv2_snmp_node_info`).
    pub traps: bool,
}
