//! The configuration side of vrrpd: a keepalived.conf read and mapped onto vrrp-core's
//! instance and sync-group configurations plus the settings the runtime needs (VIPs,
//! VMACs, trackers, scripts, FIFOs, the IPVS sync daemon). It imports nothing from the
//! runtime (`crate::daemon`), which is built on top of it.
//!
//! - [`load`]: reading the file and keeping the diagnostics of the sections vrrpd uses;
//! - [`mapping`]: `vrrp_instance` → instance specs with keepalived's defaults, one
//!   section or concern at a time:
//!   - [`addresses`]: virtual addresses, the advert source and the family;
//!   - [`protocol`]: version, priority and state, authentication;
//!   - [`timers`]: `advert_int` and the GARP schedule;
//!   - [`unicast`]: the interface, unicast peers and source;
//!   - [`tracking`]: the trackers (interfaces, scripts, files, processes, BFD);
//!   - [`notify`]: the notify scripts;
//! - [`accept`]: why an instance's accept mode is on or off;
//! - [`strict`]: strict mode's corrections beyond accept mode;
//! - [`sync_group`]: `vrrp_sync_group` tracking and notify scripts;
//! - [`vmac`]: `use_vmac` / `vmac_xmit_base`, and the link an instance runs on;
//! - [`track_process`]: `vrrp_track_process` and the entries that track one;
//! - [`bfd`]: `bfd_instance` sessions reported to the VRRP side and `track_bfd`;
//! - [`mail`]: `smtp_alert` e-mails on state changes;
//! - [`ipvlan`]: `use_ipvlan` (an ipvlan instead of a VMAC);
//! - [`mcast`]: the multicast group of an instance (`mcast_dst_ip`, `vrrp_mcast_group4/6`);
//! - [`lvs_sync`]: `lvs_sync_daemon` resolved against the instances;
//! - [`routes`]: `virtual_routes`/`virtual_rules` and the static addresses, routes and rules;
//! - [`snmp`]: the MIBs served over AgentX and the master's address;
//! - [`vip_dev`]: a virtual address whose `dev` does not exist;
//! - [`script_users`]: `-t`'s word on script users that do not resolve here,
//!   and the default-user lines the daemon logs at each load.

pub mod accept;
pub mod addresses;
pub mod bfd;
pub mod ipvlan;
pub mod load;
pub mod lvs_sync;
pub mod mail;
pub mod mapping;
pub mod mcast;
pub mod notify;
pub mod protocol;
pub mod routes;
pub mod script_users;
pub mod snmp;
pub mod strict;
pub mod sync_group;
pub mod timers;
pub mod track_process;
pub mod tracking;
pub mod unicast;
pub mod vip_dev;
pub mod vmac;
