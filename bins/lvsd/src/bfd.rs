//! The BFD sessions lvsd runs for its `BFD_CHECK`s (docs/keepalived.md §3.38):
//! a `bfd_net::BfdRunner` started with the first session, reconfigured on
//! reload, stopped when no session is left and at exit. Its Up/Down events
//! become checker verdicts in [`crate::daemon::Daemon::on_bfd_event`].

use bfd_net::{BfdEvent, BfdRunner, PeerSpec};
use tokio::sync::mpsc;

use crate::status::BfdStatus;

/// The runner and its event stream (none while no session is configured).
#[derive(Debug, Default)]
pub struct Sessions {
    runner: Option<BfdRunner>,
    events: Option<mpsc::Receiver<BfdEvent>>,
}

impl Sessions {
    /// Runs exactly `specs`: starts the runner for the first sessions,
    /// reconfigures it (sessions kept by name keep their state, as
    /// keepalived's BFD process does on reload), stops it when `specs` is
    /// empty. A failure (a socket that cannot be opened, port 3784 taken by
    /// another process) is logged; the BFD_CHECKs then get no events and
    /// their real servers keep their state.
    pub async fn apply(&mut self, specs: Vec<PeerSpec>) {
        if specs.is_empty() {
            self.shutdown().await;
            return;
        }
        let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
        match &self.runner {
            Some(r) => match r.reconfigure(specs) {
                Ok(()) => tracing::info!(sessions = ?names, "BFD sessions reconfigured"),
                Err(e) => tracing::error!(
                    "BFD: cannot reconfigure the sessions ({e}); the previous ones keep running"
                ),
            },
            None => match BfdRunner::start(specs).await {
                Ok((r, rx)) => {
                    tracing::info!(sessions = ?names, "BFD sessions started");
                    self.runner = Some(r);
                    self.events = Some(rx);
                }
                Err(e) => tracing::error!(
                    "BFD: cannot run the sessions of the BFD_CHECKs ({e}); their real servers \
                     keep their state"
                ),
            },
        }
    }

    /// The next session event; never returns while no runner is running.
    pub async fn next_event(&mut self) -> BfdEvent {
        loop {
            let Some(rx) = self.events.as_mut() else {
                return std::future::pending().await;
            };
            match rx.recv().await {
                Some(ev) => return ev,
                None => {
                    tracing::error!("BFD: the session task stopped; no more BFD events");
                    self.events = None;
                }
            }
        }
    }

    /// Each session's state as an event: Up, or Down for any other state.
    /// keepalived's BFD process sends these to the checkers when it starts
    /// and after each reload (bfd_scheduler.c `bfd_register_workers` calls
    /// `bfd_event_send` for every session), beside the Up and Up→Down events.
    pub fn current_states(&self) -> Vec<BfdEvent> {
        let Some(r) = &self.runner else {
            return Vec::new();
        };
        r.status()
            .into_iter()
            .map(|s| {
                if s.local_state == bfd_net::State::Up {
                    BfdEvent::Up { name: s.name }
                } else {
                    BfdEvent::Down {
                        name: s.name,
                        diagnostic: s.local_diagnostic,
                    }
                }
            })
            .collect()
    }

    /// Every session, in name order.
    pub fn status(&self) -> Vec<BfdStatus> {
        self.runner
            .as_ref()
            .map(|r| r.status().iter().map(BfdStatus::of).collect())
            .unwrap_or_default()
    }

    /// Stops every session as keepalived's BFD process does at exit: the
    /// sockets close and nothing more is sent (the peers see their Detection
    /// Time expire).
    pub async fn shutdown(&mut self) {
        self.events = None;
        if let Some(r) = self.runner.take() {
            r.shutdown().await;
            tracing::info!("BFD sessions stopped");
        }
    }
}
