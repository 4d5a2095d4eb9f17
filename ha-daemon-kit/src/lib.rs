//! A small kit for Linux daemons, shared by vrrpd and lvsd.
//!
//! Always available (libc only):
//!
//! - [`stdout`]: a command's output to stdout without a panic when the reader
//!   has gone (`| head`).
//! - [`daemon_paths`]: default names of the files a daemon creates, derived as
//!   keepalived derives its pid files.
//! - [`memory`]: free allocator pages handed back to the kernel, large
//!   blocks kept apart from the heap.
//!
//! With the `daemon` feature (default):
//!
//! - `cli`: keepalived's `-f`, `-D`, `-p` flags, the metrics listener's
//!   flags, logging, the open files limit.
//! - `control`: the status socket (one JSON reply per connection) and its
//!   client.
//! - `metrics`: the Prometheus (OpenMetrics) endpoint.
//! - `systemd`: `Type=notify` readiness, reload and stop notifications.
//!
//! The listeners leave the descriptor reserve of
//! `keepalived_runtime::fd_limit` free.
#![warn(missing_docs)]

#[cfg(feature = "daemon")]
pub mod cli;
#[cfg(feature = "daemon")]
pub mod control;
pub mod daemon_paths;
pub mod memory;
#[cfg(feature = "daemon")]
pub mod metrics;
pub mod stdout;
#[cfg(feature = "daemon")]
pub mod systemd;

pub use memory::{keep_large_blocks_apart, release_free_memory};

/// The crate README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Helpers for this crate's unit tests.
#[cfg(test)]
#[cfg(feature = "daemon")]
pub(crate) mod test_util {
    use std::path::PathBuf;

    /// A fresh empty directory under the temp dir, unique per test and process.
    pub(crate) fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ha-kit-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
