//! SNMP through an AgentX master (RFC 2741), as keepalived's checker
//! process serves it with `enable_snmp_checker`:
//!
//! * [`check`]: KEEPALIVED-MIB's `check` subtree as a pure function of the
//!   pools (or of a snapshot of them taken on the event loop and read on
//!   the AgentX link's blocking thread);
//! * [`stats`]: its IPVS counter and rate columns, read from the kernel
//!   when the master asks;
//! * [`traps`]: its `realServerStateChange` and
//!   `virtualServerQuorumStateChange` notifications;
//! * [`agent`]: the AgentX session (agentx-subagent's link) serving them
//!   and KEEPALIVED-MIB's `global` scalars, with `realServerWeight`
//!   writable.
//!
//! keepalived's checker process registers the `global` scalars whenever it
//! serves SNMP, and its VRRP process then leaves them (vrrp_snmp.c
//! `vrrp_handles_global_oid`); vrrpd reads the same file and leaves them to
//! lvsd likewise, so exactly one of the two registers them. Like
//! keepalived's checker process, lvsd serves SNMP only when a
//! `virtual_server` is written.

pub mod agent;
pub mod check;
pub mod stats;
pub mod traps;

pub use crate::model::SnmpSettings as Settings;

#[cfg(test)]
mod tests;
