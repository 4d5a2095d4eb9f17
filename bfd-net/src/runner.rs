//! [`BfdRunner`]: the handle the daemons hold. It checks specs and opens
//! sockets synchronously (so errors come back to the caller), and hands
//! them to the one task in [`crate::driver`] that runs every session.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use crate::driver::Driver;
use crate::error::{BfdNetError, SystemError};
use crate::handoff::{Command, Plan, Shared, lock};
use crate::rng::Rng;
use crate::socket::{self, Listen};
use crate::spec::{self, PeerSpec};
use crate::status::{BfdEvent, Discards, SessionStatus};

/// How many events wait in the client's queue; beyond that each session's
/// latest event waits in the runner (a client that stops reading must not
/// stall the sessions, and no session's last state is lost).
pub const EVENT_QUEUE: usize = 1024;

/// The BFD sessions of a process: one tokio task sends, receives and runs
/// the timers of all of them (RFC 5880 Asynchronous mode over RFC 5881
/// single-hop UDP).
#[derive(Debug)]
pub struct BfdRunner {
    cmd: mpsc::UnboundedSender<Command>,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

/// Checks `specs` and opens what they need that `running` (the sessions
/// now, by name) and `families` do not have yet.
fn plan(
    specs: Vec<PeerSpec>,
    running: &[SessionStatus],
    families: &[Listen],
) -> Result<Plan, BfdNetError> {
    spec::validate(&specs)?;
    let mut rng = Rng::from_os();
    let mut send = BTreeMap::new();
    let mut receive = Vec::new();
    for s in &specs {
        let keep = running.iter().any(|r| {
            r.name == s.name
                && r.neighbor == s.neighbor
                && r.source == s.source
                && r.multihop == s.multihop
                && r.interface == s.interface
        });
        if !keep {
            send.insert(s.name.clone(), socket::open_send(s, &mut rng)?);
        }
        let l = Listen::of(s);
        if !families.contains(&l) && !receive.iter().any(|(f, _)| *f == l) {
            receive.push((l, socket::open_receive(l)?));
        }
    }
    Ok(Plan {
        specs,
        send,
        receive,
    })
}

impl BfdRunner {
    /// Opens the sockets of `specs` and starts the task that runs them, on
    /// the current tokio runtime. Returns the handle and the clients' event
    /// stream.
    pub async fn start(
        specs: Vec<PeerSpec>,
    ) -> Result<(BfdRunner, mpsc::Receiver<BfdEvent>), BfdNetError> {
        let handle = tokio::runtime::Handle::try_current().map_err(SystemError::NoRuntime)?;
        let plan = plan(specs, &[], &[])?;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (ev_tx, ev_rx) = mpsc::channel(EVENT_QUEUE);
        let mut driver = Driver::new(ev_tx, cmd_rx, Arc::clone(&shared));
        driver.apply(plan);
        driver.publish();
        let task = handle.spawn(driver.run());
        Ok((
            BfdRunner {
                cmd: cmd_tx,
                shared,
                task,
            },
            ev_rx,
        ))
    }

    /// Replaces the sessions by `specs`, matched by name. A session whose
    /// spec is unchanged keeps its state; one whose `min_rx` / `min_tx`
    /// changed keeps it too and announces the new timers with a poll
    /// sequence (RFC 5880 §6.8.3); `ttl` and `max_hops` changes apply to
    /// the next packets; a changed `idle_tx`, `multiplier` or `passive`
    /// restarts the session (Down, same discriminator); a changed
    /// `neighbor` or `source` makes it a new session. Removed sessions stop
    /// sending, as keepalived does on reload (the peer sees its Detection
    /// Time expire).
    ///
    /// On error nothing changed.
    pub fn reconfigure(&self, specs: Vec<PeerSpec>) -> Result<(), BfdNetError> {
        if self.cmd.is_closed() {
            return Err(BfdNetError::Stopped);
        }
        let (running, families) = {
            let sh = lock(&self.shared);
            (sh.status.clone(), sh.families.clone())
        };
        let plan = plan(specs, &running, &families)?;
        self.cmd
            .send(Command::Apply(plan))
            .map_err(|_| BfdNetError::Stopped)
    }

    /// A snapshot of every session, in name order.
    pub fn status(&self) -> Vec<SessionStatus> {
        lock(&self.shared).status.clone()
    }

    /// Discarded datagrams that belong to no session (unknown source and
    /// discriminator, or from an address that is no neighbor).
    pub fn unattributed_discards(&self) -> Discards {
        lock(&self.shared).unattributed
    }

    /// Events replaced by a later event of their session while the receiver
    /// was not read ([`EVENT_QUEUE`] were waiting): the latest state of each
    /// session is always delivered, only states in between are skipped.
    pub fn events_dropped(&self) -> u64 {
        lock(&self.shared).events_dropped
    }

    /// Stops every session as keepalived's BFD process does when it exits
    /// (`bfd_scheduler.c bfd_dispatcher_release`): the sockets are closed
    /// and nothing more is sent, so the peers see their Detection Time
    /// expire (a failure for them, RFC 5882 §3.2).
    pub async fn shutdown(self) {
        self.stop(false).await;
    }

    /// Stops every session gracefully instead: each session that is not
    /// already AdminDown sends one AdminDown packet (RFC 5880 §6.8.16), so
    /// that the peers go Down without counting it as a failure (RFC 5882
    /// §3.2), then the sockets are closed. keepalived does not do this.
    pub async fn shutdown_admin_down(self) {
        self.stop(true).await;
    }

    async fn stop(self, admin_down: bool) {
        let (done, wait) = oneshot::channel();
        if self
            .cmd
            .send(Command::Shutdown { admin_down, done })
            .is_ok()
        {
            let _ = wait.await;
        }
        let _ = self.task.await;
    }
}
