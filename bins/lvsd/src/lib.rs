//! lvsd: keeps the kernel's IPVS table equal to the healthy part of the
//! `virtual_server`s of a keepalived.conf.
//!
//! Layers, each testable alone:
//! - [`mapping`]: keepalived.conf model → [`model::Desired`];
//! - [`pool`]: per virtual server, checker verdicts → which destinations with
//!   which weights (alpha, inhibit_on_failure, quorum/hysteresis, sorry server)
//!   and which scripts to run;
//! - [`reconcile`]: desired table + kernel table + what we own → the minimal
//!   list of IPVS requests;
//! - [`checker`]: health checks as tokio tasks;
//! - [`daemon`]: signals, reload, status socket, metrics.
#![warn(missing_docs)]

pub mod alerts;
pub mod bfd;
pub mod checker;
pub mod daemon;
pub mod fifo;
pub mod mapping;
pub mod model;
pub mod namespace;
pub mod notify;
pub mod notify_load;
pub mod pool;
pub mod reconcile;
pub mod script_policy;
pub mod script_users;
pub mod snmp;
pub mod status;
pub mod sys;
