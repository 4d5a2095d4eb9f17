//! What keepalived-compatible daemons run around their protocol, with
//! keepalived's semantics (see `docs/keepalived.md` of the repository).
//!
//! - [`run_script`]: notify scripts with a timeout, as another user
//!   ([`run_script_as`]); their output is logged, bounded ([`script_output`]);
//!   [`script_security`] checks them as keepalived does; [`load_users`]
//!   says which script users keepalived finds missing while it reads the file.
//! - [`notify_fifo`]: keepalived's notify FIFO lines.
//! - [`track_file`]: keepalived `track_file` values watched with inotify.
//! - [`proc_scan`]: which processes a keepalived `vrrp_track_process` counts.
//! - [`smtp`]: keepalived's e-mail alerts.
//! - [`safe_file`]: files the daemons write (dump, pid file, generated
//!   config) without following planted symlinks (keepalived's `fopen_safe`).
//! - [`fd_limit`]: the descriptor budget (RLIMIT_NOFILE raised, a reserve
//!   the listeners leave free).
//! - [`snmp_global`]: KEEPALIVED-MIB's `global` scalars, served by vrrpd
//!   and lvsd alike.
//! - [`script_text`]: a script's command line as KEEPALIVED-MIB shows it.
//!
//! Everything is Linux-only; nothing here touches the network except the SMTP
//! client.
#![warn(missing_docs)]

pub mod error;
pub mod fd_limit;
pub mod load_users;
pub mod notify_fifo;
pub mod proc_scan;
pub mod safe_file;
pub mod script;
pub mod script_output;
pub mod script_security;
pub mod script_text;
pub mod smtp;
pub mod snmp_global;
mod sys;
pub mod track_file;

pub use error::ScriptError;
pub use script::{ScriptOutcome, run_script, run_script_as};
pub use script_security::{RunAs, ScriptRefused, ScriptUserError, UserError};
pub use sys::{kill_process_group, set_script_identity};

/// The crate README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Helpers for this crate's unit tests.
#[cfg(test)]
pub(crate) mod test_util {
    use std::path::PathBuf;

    /// A fresh empty directory under the temp dir, unique per test and process.
    pub(crate) fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ka-runtime-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
