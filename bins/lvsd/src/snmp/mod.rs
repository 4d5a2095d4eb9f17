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

pub use crate::model::SnmpSettings as Settings;

#[cfg(test)]
mod tests;
