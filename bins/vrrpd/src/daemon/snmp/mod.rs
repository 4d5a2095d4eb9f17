//! SNMP through an AgentX master (RFC 2741), as keepalived's VRRP process
//! serves it: `enable_snmp_rfcv3` / `enable_snmp_rfc` serve VRRPv3-MIB
//! (RFC 6527) read-only.
//!
//! * [`mib`]: the ordered OID → value table and its input;
//! * [`vrrpv3`]: VRRPv3-MIB as a pure function of the status snapshot;
//! * [`agent`]: the socket to the master and the session on it.

pub mod agent;
pub mod mib;
pub mod vrrpv3;

pub use agent::Snmp;
