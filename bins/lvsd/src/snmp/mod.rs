//! SNMP through an AgentX master (RFC 2741), as keepalived's checker
//! process serves it with `enable_snmp_checker`:
//!
//! * [`check`]: KEEPALIVED-MIB's `check` subtree as a pure function of the
//!   pools;
//! * [`traps`]: its `realServerStateChange` and
//!   `virtualServerQuorumStateChange` notifications;
//! * [`agent`]: the AgentX session (agentx-subagent's link) serving them,
//!   with `realServerWeight` writable.
//!
//! The `global` scalars stay with vrrpd: keepalived's checker process
//! serves them when it runs with SNMP (vrrp_snmp.c
//! `vrrp_handles_global_oid`), lvsd does not yet.

pub mod agent;
pub mod check;
pub mod traps;

use agentx_subagent::address::{AgentxAddress, DEFAULT_SOCKET};
use keepalived_conf::GlobalDefs;

/// What lvsd serves over AgentX (`enable_snmp_checker`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The master's address (`snmp_socket`, default net-snmp's).
    pub socket: AgentxAddress,
    /// `enable_traps`: send the checker notifications.
    pub traps: bool,
    /// `snmp_socket` as written when lvsd cannot use it (the default is
    /// used, and the daemon says so).
    pub unusable_socket: Option<String>,
}

impl Settings {
    /// The settings of `global_defs`; `None` without `enable_snmp_checker`
    /// (keepalived check_daemon.c `start_check`: the agent starts only
    /// then).
    pub fn of(g: &GlobalDefs) -> Option<Settings> {
        g.enable_snmp_checker.as_ref()?;
        let written = g.snmp_socket.as_ref().map(|s| &s.value);
        let parsed = written.map(|w| AgentxAddress::parse(w));
        Some(Settings {
            socket: parsed
                .clone()
                .flatten()
                .unwrap_or_else(|| AgentxAddress::Unix(DEFAULT_SOCKET.into())),
            traps: g.enable_traps.is_some(),
            unusable_socket: match parsed {
                Some(None) => written.cloned(),
                _ => None,
            },
        })
    }
}

#[cfg(test)]
mod tests;
