//! BFD session events into the `track_bfd` trackers of every instance
//! (docs/keepalived.md §3.36; keepalived vrrp_scheduler.c
//! `vrrp_handle_bfd_event`).
//!
//! A BFD transport reports [`BfdReport`]s on a tokio channel; the router
//! keeps the last state of each session in [`BfdStates`] and hands a change
//! to every instance tracking the session as `TrackerUp`/`TrackerDown`, the
//! path `track_process` and `track_script` take, so priorities, FAULT and
//! sync groups follow as for those. [`start_sessions`] starts the
//! transport ([`sessions`], a `bfd_net::BfdRunner`) from the
//! configuration's [`BfdSpec`]s; a session that never comes Up keeps its
//! trackers down, as in keepalived.

use std::collections::HashMap;

use tokio::sync::mpsc;
use vrrp_core::Event;

use crate::spec::bfd::BfdSpec;
use crate::spec::mapping::TrackerSource;

pub mod sessions;
pub use sessions::BfdSessions;

/// Room in the report channel (a burst of sessions changing at once).
pub const REPORT_QUEUE: usize = 64;

/// One event of a BFD session as the transport reports it: `Up`, and `Down`
/// only after `Up` and not when the peer signalled AdminDown (keepalived
/// bfd_scheduler.c `bfd_state_fall`; RFC 5882 §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BfdReport {
    /// The session named so came Up.
    Up(String),
    /// The session named so went Down.
    Down(String),
}

impl BfdReport {
    /// The session's `bfd_instance` name.
    pub fn name(&self) -> &str {
        match self {
            BfdReport::Up(n) | BfdReport::Down(n) => n,
        }
    }

    /// True for `Up`.
    pub fn is_up(&self) -> bool {
        matches!(self, BfdReport::Up(_))
    }
}

/// The last known state of each session (keepalived `vrrp_tracked_bfd_t`
/// `bfd_up`): down until its first `Up`.
#[derive(Debug, Default, Clone)]
pub struct BfdStates {
    up: HashMap<String, bool>,
}

impl BfdStates {
    /// Records `r`; the new state when it changes one (a repeated state and a
    /// `Down` of a session never Up change nothing, as in
    /// `vrrp_handle_bfd_event`).
    pub fn record(&mut self, r: &BfdReport) -> Option<bool> {
        let up = r.is_up();
        let was = self.up.get(r.name()).copied().unwrap_or(false);
        if was == up {
            return None;
        }
        self.up.insert(r.name().to_string(), up);
        Some(up)
    }

    /// Whether the session is Up now.
    pub fn is_up(&self, name: &str) -> bool {
        self.up.get(name).copied().unwrap_or(false)
    }

    /// Forgets sessions that are no longer configured (a reload keeps the
    /// state of the others: vrrp.c `clear_diff_bfd`).
    pub fn retain(&mut self, specs: &[BfdSpec]) {
        self.up.retain(|n, _| specs.iter().any(|s| &s.name == n));
    }

    /// The sessions known Up, for re-sending after a reload.
    pub fn up_sessions(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .up
            .iter()
            .filter(|(_, u)| **u)
            .map(|(n, _)| n.clone())
            .collect();
        v.sort();
        v
    }
}

/// The events for the trackers in `sources` (one instance's, in config
/// order) that watch session `name` now being `up`.
pub fn tracker_events(sources: &[TrackerSource], name: &str, up: bool) -> Vec<Event> {
    sources
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s, TrackerSource::Bfd(n) if n == name))
        .map(|(k, _)| {
            if up {
                Event::TrackerUp(k)
            } else {
                Event::TrackerDown(k)
            }
        })
        .collect()
}

/// Starts the BFD transport for `specs`, reporting their Up/Down events
/// on `reports` ([`BfdSessions::apply`]; errors are logged, and the
/// sessions that can run, run).
pub async fn start_sessions(specs: &[BfdSpec], reports: &mpsc::Sender<BfdReport>) -> BfdSessions {
    let mut s = BfdSessions::new(reports.clone());
    s.apply(specs).await;
    s
}

#[cfg(test)]
mod tests;
