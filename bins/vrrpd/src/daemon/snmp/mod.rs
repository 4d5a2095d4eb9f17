//! SNMP through an AgentX master (RFC 2741), as keepalived's VRRP process
//! serves it: `enable_snmp_rfcv3` serves VRRPv3-MIB (RFC 6527),
//! `enable_snmp_rfcv2` VRRP-MIB (RFC 2787), `enable_snmp_rfc` both;
//! `enable_traps` adds their notifications; `enable_snmp_vrrp` serves
//! KEEPALIVED-MIB's global scalars and vrrp part, whose base priority and
//! preempt columns are writable as keepalived's are (accept answers a
//! write with noAccess, as keepalived 2.2.7 does).
//!
//! * [`keepalived`]: KEEPALIVED-MIB's global scalars;
//! * [`mib`]: the ordered OID → value table and its input;
//! * [`rows`]: the instance rows both MIBs walk and what they share;
//! * [`vrrpv3`]: VRRPv3-MIB as a pure function of the status snapshot;
//! * [`vrrpv2`]: VRRP-MIB (RFC 2787) likewise, for VRRPv2 IPv4 instances;
//! * [`traps`]: the notifications of both MIBs, from router events;
//! * [`keepalived_files`]: KEEPALIVED-MIB's track_file tables;
//! * [`keepalived_group_tracking`]: KEEPALIVED-MIB's sync group tracking
//!   tables;
//! * [`keepalived_processes`]: KEEPALIVED-MIB's process and tracked process
//!   tables;
//! * [`keepalived_routes`]: KEEPALIVED-MIB's route, next hop and rule
//!   tables;
//! * [`keepalived_scripts`]: KEEPALIVED-MIB's vrrpScriptTable;
//! * [`keepalived_traps`]: KEEPALIVED-MIB's state change notifications;
//! * [`writes`]: the objects an SNMP Set may change, and its checks;
//! * [`agent`]: the socket to the master and the session on it.

pub mod agent;
pub mod keepalived;
pub mod keepalived_files;
pub mod keepalived_group_tracking;
pub mod keepalived_processes;
pub mod keepalived_routes;
pub mod keepalived_scripts;
pub mod keepalived_traps;
pub mod mib;
pub mod rows;
pub mod traps;
pub mod vrrpv2;
pub mod vrrpv3;
pub mod writes;

pub use agent::Snmp;
pub use traps::{TrapEvent, TrapInstance};
pub use writes::InstanceWrite;
