//! How many checks run at once, and for how long each may run.
//!
//! * Every check holds a permit of its virtual server and one of the daemon
//!   while it runs. A virtual server gets at most half of the daemon's
//!   permits, so however slow its backends are, the other virtual servers'
//!   checks always find permits.
//! * Every check has an overall deadline ([`deadline`]): `connect_timeout`
//!   covers the whole check (connect, request, the whole answer), as
//!   keepalived's checker timer does, and a backend that answers one byte at
//!   a time fails at the deadline instead of holding its permit for months.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::model::{CheckKind, CheckerSpec};

/// Checks in flight at once, daemon-wide: a burst of thousands of connects
/// (every checker of a large config starting together) would overflow the
/// backends' SYN queues and fail checks that would pass one by one.
pub const MAX_CONCURRENT_CHECKS: usize = 256;

/// Checks of one virtual server in flight at once.
pub const MAX_CONCURRENT_CHECKS_PER_VIRTUAL_SERVER: usize = MAX_CONCURRENT_CHECKS / 2;

/// After a MISC_CHECK's own `misc_timeout` (the script is killed then), the
/// time its kill and reaping may take before the check is abandoned.
pub const MISC_KILL_GRACE: Duration = Duration::from_secs(5);

/// The permits a checker task draws from: its virtual server's and the
/// daemon's.
#[derive(Debug, Clone)]
pub struct Permits {
    daemon: Arc<Semaphore>,
    virtual_server: Arc<Semaphore>,
}

/// Both permits of one running check.
#[derive(Debug)]
pub struct Held<'a> {
    _virtual_server: Option<SemaphorePermit<'a>>,
    _daemon: Option<SemaphorePermit<'a>>,
}

impl Permits {
    /// Permits for a checker of a virtual server with its own semaphore
    /// `virtual_server`, under the daemon-wide `daemon`.
    pub fn new(daemon: Arc<Semaphore>, virtual_server: Arc<Semaphore>) -> Self {
        Permits {
            daemon,
            virtual_server,
        }
    }

    /// Permits for one checker alone (tests, tools): `n` checks at once.
    pub fn single(n: usize) -> Self {
        let s = Arc::new(Semaphore::new(n));
        Permits::new(s.clone(), s)
    }

    /// Waits for the virtual server's permit, then the daemon's (in this
    /// order, so that a virtual server queueing for its own permits never
    /// holds daemon permits meanwhile).
    pub async fn acquire(&self) -> Held<'_> {
        let vs = self.virtual_server.acquire().await.ok();
        let daemon = if Arc::ptr_eq(&self.daemon, &self.virtual_server) {
            None
        } else {
            self.daemon.acquire().await.ok()
        };
        Held {
            _virtual_server: vs,
            _daemon: daemon,
        }
    }
}

/// The semaphores of the daemon and of each virtual server.
#[derive(Debug)]
pub struct CheckLimits {
    daemon: Arc<Semaphore>,
    per_virtual_server: std::collections::HashMap<String, Arc<Semaphore>>,
}

impl Default for CheckLimits {
    fn default() -> Self {
        CheckLimits {
            daemon: Arc::new(Semaphore::new(MAX_CONCURRENT_CHECKS)),
            per_virtual_server: Default::default(),
        }
    }
}

impl CheckLimits {
    /// The permits for a checker of virtual server `vs` (its id).
    pub fn permits(&mut self, vs: &str) -> Permits {
        let s = self
            .per_virtual_server
            .entry(vs.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(MAX_CONCURRENT_CHECKS_PER_VIRTUAL_SERVER)));
        Permits::new(self.daemon.clone(), s.clone())
    }

    /// Forgets the virtual servers not in `keep` (after a reload).
    pub fn retain(&mut self, keep: &std::collections::HashSet<&str>) {
        self.per_virtual_server
            .retain(|k, _| keep.contains(k.as_str()));
    }
}

/// The overall deadline of one check of `spec`: `connect_timeout` for the
/// network checks, the script's `misc_timeout` plus [`MISC_KILL_GRACE`] for
/// MISC_CHECK; None for FILE_CHECK (a bounded local read).
pub fn deadline(spec: &CheckerSpec) -> Option<Duration> {
    match &spec.kind {
        CheckKind::Misc(m) => Some(m.timeout.saturating_add(MISC_KILL_GRACE)),
        CheckKind::File(_) | CheckKind::Bfd { .. } => None,
        _ => Some(spec.timing.connect_timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_virtual_server_gets_at_most_half_of_the_daemons_permits() {
        let mut l = CheckLimits::default();
        let a = l.permits("A");
        let b = l.permits("B");
        let mut held = Vec::new();
        for _ in 0..MAX_CONCURRENT_CHECKS_PER_VIRTUAL_SERVER {
            held.push(a.acquire().await);
        }
        // A is at its share: its next check waits, B's does not.
        let more_a = tokio::time::timeout(Duration::from_millis(50), a.acquire()).await;
        assert!(more_a.is_err(), "A got more than its share");
        let got_b = tokio::time::timeout(Duration::from_millis(50), b.acquire()).await;
        assert!(got_b.is_ok(), "B starved by A");
        drop(held);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), a.acquire())
                .await
                .is_ok()
        );
    }
}
