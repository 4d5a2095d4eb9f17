//! The BFD sessions run for the configuration and their reports fed to
//! the instances that track them.

use tracing::info;
use vrrp_core::node::InstanceId;

use crate::daemon::host::Host;

use super::Router;
use crate::daemon::bfd::{BfdSessions, BfdStates};

/// The BFD side of the router.
#[derive(Default)]
pub(super) struct BfdFeed {
    /// Whether each BFD session is Up (keepalived `bfd_up`; down until its
    /// first Up).
    pub(super) states: BfdStates,
    /// The BFD sessions run for the configuration (their status is part of
    /// the snapshot).
    pub(super) sessions: Option<BfdSessions>,
}

impl<H: Host> Router<H> {
    /// A BFD session's report: a change of its state goes to every instance
    /// tracking it as `TrackerUp`/`TrackerDown` (vrrp_scheduler.c
    /// `vrrp_handle_bfd_event`; docs/keepalived.md §3.36).
    pub async fn on_bfd(&mut self, report: crate::daemon::bfd::BfdReport) {
        let Some(up) = self.bfd.states.record(&report) else {
            return;
        };
        info!(
            bfd = report.name(),
            state = if up { "UP" } else { "DOWN" },
            "tracked BFD session changed"
        );
        self.send_bfd(report.name(), up).await;
    }

    /// Gives every instance tracking session `name` its tracker events.
    pub(super) async fn send_bfd(&mut self, name: &str, up: bool) {
        let now = self.host.now();
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            let evs = self.node.data(id).map_or(Vec::new(), |s| {
                crate::daemon::bfd::tracker_events(&s.spec.trackers, name, up)
            });
            if evs.is_empty() {
                continue;
            }
            self.node.handle_events(now, id, evs);
            self.flush().await;
        }
    }

    /// After a reload: forgets sessions no longer configured and sends the
    /// Up ones again (a reload may have renumbered the trackers; a session
    /// keeps its state by name, vrrp.c `clear_diff_bfd`).
    pub async fn refresh_bfd(&mut self, specs: &[crate::spec::bfd::BfdSpec]) {
        self.bfd.states.retain(specs);
        for name in self.bfd.states.up_sessions() {
            self.send_bfd(&name, true).await;
        }
    }

    /// Hands the running BFD sessions to the router, whose snapshot shows
    /// them.
    pub fn set_bfd_sessions(&mut self, s: crate::daemon::bfd::BfdSessions) {
        self.bfd.sessions = Some(s);
    }

    /// The running BFD sessions, to reconfigure or retry them.
    pub fn bfd_sessions(&mut self) -> Option<&mut crate::daemon::bfd::BfdSessions> {
        self.bfd.sessions.as_mut()
    }

    /// Whether some BFD session could not be started (retried every minute).
    pub fn bfd_needs_retry(&self) -> bool {
        self.bfd.sessions.as_ref().is_some_and(|b| b.needs_retry())
    }

    /// Takes the BFD sessions out, to stop them.
    pub fn take_bfd_sessions(&mut self) -> Option<crate::daemon::bfd::BfdSessions> {
        self.bfd.sessions.take()
    }
}
