//! The BFD sessions of the configuration run by a [`bfd_net::BfdRunner`]
//! (docs/keepalived.md §3.35, §3.36): started from the [`BfdSpec`]s with
//! keepalived's values, reconfigured in place at a reload, their Up/Down
//! events forwarded as [`BfdReport`]s, stopped at exit as keepalived's BFD
//! process stops (nothing more is sent; no AdminDown).
//!
//! A session whose send socket cannot be bound (its `source_ip` is not an
//! address of this host yet) is not run: an error names it, its trackers
//! stay down, the other sessions run, and it is tried again every minute
//! (keepalived bfd_scheduler.c `bfd_open_fds` keeps such a session
//! AdminDown and `bfd_open_fd_out_thread` retries it every 60 s). The
//! receive sockets failing stops every session the same way, also retried.
//!
//! The transport runs on a thread of its own (a one-worker tokio runtime),
//! as keepalived runs BFD in a process of its own: the router's work on the
//! daemon's thread (netlink, scripts, a loaded machine's scheduling) must
//! not delay the packets of sessions whose Detection Time is 150 ms.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::Duration;

use bfd_net::{BfdEvent, BfdNetError, BfdRunner, PeerSpec, SessionStatus};
use tokio::sync::mpsc;
use tracing::{error, info, warn};

use super::BfdReport;
use crate::spec::bfd::BfdSpec;

/// How often sessions that could not be started are tried again
/// (keepalived bfd_scheduler.c `bfd_open_fd_out_thread`: 60 s).
pub const RETRY_INTERVAL: Duration = Duration::from_secs(60);

/// Why a session, or every session, is not running.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum BfdStartError {
    /// The session's send socket cannot be bound to its `source_ip`.
    #[error(
        "BFD_Instance({name}): bind to {addr}: {source}; the session is not run (retried every minute) and its trackers stay down"
    )]
    Bind {
        /// The session.
        name: String,
        /// The address.
        addr: IpAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The transport's thread could not be started.
    #[error("BFD sessions not run: starting their thread: {0}")]
    Thread(#[source] std::io::Error),
    /// The transport refused the sessions (a configuration it cannot run,
    /// or the receive sockets on port 3784 cannot be opened).
    #[error(
        "BFD sessions not run ({count} configured, retried every minute; their trackers stay down): {source}"
    )]
    Transport {
        /// How many sessions are not run.
        count: usize,
        /// What bfd-net said.
        source: BfdNetError,
    },
}

/// Whether a socket can be bound to `src` (what the transport's send
/// socket needs; a port of 0 leaves the choice to the kernel).
fn probe_bind(src: IpAddr) -> std::io::Result<()> {
    UdpSocket::bind(SocketAddr::new(src, 0)).map(drop)
}

/// The running sessions, the configured ones and those not running.
#[derive(Debug)]
pub struct BfdSessions {
    specs: Vec<BfdSpec>,
    runner: Option<BfdRunner>,
    /// Sessions not running, with the reason.
    failed: BTreeMap<String, String>,
    reports: mpsc::Sender<BfdReport>,
    /// The transport's own runtime (one worker thread), once started.
    rt: Option<tokio::runtime::Runtime>,
}

/// The transport's runtime: one worker thread named `bfd`.
fn bfd_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .thread_name("bfd")
        .enable_io()
        .enable_time()
        .build()
}

impl Drop for BfdSessions {
    fn drop(&mut self) {
        // a runtime may not be dropped (blocking) inside the daemon's own
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl BfdSessions {
    /// No sessions yet; events will be reported on `reports`.
    pub fn new(reports: mpsc::Sender<BfdReport>) -> BfdSessions {
        BfdSessions {
            specs: Vec::new(),
            runner: None,
            failed: BTreeMap::new(),
            reports,
            rt: None,
        }
    }

    /// How many sessions run.
    pub fn len(&self) -> usize {
        self.runner.as_ref().map_or(0, |r| r.status().len())
    }

    /// Runs `specs`, replacing the sessions now run: the first call starts
    /// the transport; later ones (a reload) reconfigure it, so a session
    /// with the same name and addresses keeps its state and changed
    /// `min_rx`/`min_tx` are announced with a poll sequence (RFC 5880
    /// §6.8.3; keepalived bfd.c `bfd_copy_state` at a reload). Errors are
    /// logged and returned; the sessions that can run, run.
    pub async fn apply(&mut self, specs: &[BfdSpec]) -> Vec<BfdStartError> {
        self.specs = specs.to_vec();
        self.failed.clear();
        let mut errors = Vec::new();
        let mut run = Vec::new();
        for s in specs {
            match s.source.map(probe_bind) {
                Some(Err(e)) => errors.push(BfdStartError::Bind {
                    name: s.name.clone(),
                    addr: s.source.unwrap_or(s.neighbor),
                    source: e,
                }),
                _ => run.push(s.clone()),
            }
        }
        for e in &errors {
            if let BfdStartError::Bind { name, .. } = e {
                self.failed.insert(name.clone(), e.to_string());
            }
        }
        let count = run.len();
        let names: Vec<String> = run.iter().map(|p| p.name.clone()).collect();
        let result = match &self.runner {
            Some(r) => r.reconfigure(run),
            None if run.is_empty() => Ok(()),
            None => match self.start_runner(run) {
                Ok(Some((r, events))) => {
                    tokio::spawn(forward(events, self.reports.clone()));
                    self.runner = Some(r);
                    Ok(())
                }
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            },
        };
        if let Err(e) = result {
            let e = BfdStartError::Transport { count, source: e };
            for n in names {
                self.failed.insert(n, e.to_string());
            }
            errors.push(e);
        }
        for e in &errors {
            error!("{e}");
        }
        if !specs.is_empty() && errors.is_empty() {
            info!(sessions = self.len(), "BFD sessions running");
        }
        errors
    }

    /// Starts the transport for `run` on its own runtime (created on first
    /// use); `Ok(None)` when that runtime cannot be made (logged).
    #[allow(clippy::type_complexity, reason = "BfdRunner::start's own result")]
    fn start_runner(
        &mut self,
        run: Vec<PeerSpec>,
    ) -> Result<Option<(BfdRunner, mpsc::Receiver<BfdEvent>)>, BfdNetError> {
        if self.rt.is_none() {
            match bfd_runtime() {
                Ok(rt) => self.rt = Some(rt),
                Err(e) => {
                    let e = BfdStartError::Thread(e);
                    error!("{e}");
                    for p in &run {
                        self.failed.insert(p.name.clone(), e.to_string());
                    }
                    return Ok(None);
                }
            }
        }
        let Some(h) = self.rt.as_ref().map(|rt| rt.handle().clone()) else {
            return Ok(None);
        };
        // Handle::block_on from a plain thread: BfdRunner::start spawns its
        // task on the runtime it is called in.
        std::thread::scope(|s| {
            s.spawn(move || h.block_on(BfdRunner::start(run)))
                .join()
                .unwrap_or(Err(BfdNetError::Stopped))
        })
        .map(Some)
    }

    /// Each configured session's state now as a report: Up when the
    /// transport has it Up, Down otherwise (also after the peer's AdminDown,
    /// which sent no event). keepalived's BFD process sends every session's
    /// state to the VRRP process when it (re)starts (bfd_scheduler.c
    /// `bfd_register_workers` → bfd_event.c `bfd_event_send`), so after a
    /// reload a session taken down by its peer counts as down.
    pub fn current_reports(&self) -> Vec<BfdReport> {
        let running: Vec<SessionStatus> =
            self.runner.as_ref().map(|r| r.status()).unwrap_or_default();
        self.specs
            .iter()
            .map(|s| {
                let up = running
                    .iter()
                    .any(|r| r.name == s.name && r.local_state == bfd_net::State::Up);
                if up {
                    BfdReport::Up(s.name.clone())
                } else {
                    BfdReport::Down(s.name.clone())
                }
            })
            .collect()
    }

    /// Whether some configured session is not running (then
    /// [`BfdSessions::retry`] is due every [`RETRY_INTERVAL`]).
    pub fn needs_retry(&self) -> bool {
        !self.failed.is_empty()
    }

    /// Tries the sessions that are not running again.
    pub async fn retry(&mut self) {
        if self.needs_retry() {
            let specs = self.specs.clone();
            let errors = self.apply(&specs).await;
            if errors.is_empty() {
                info!("BFD: every configured session now runs");
            }
        }
    }

    /// Each configured session's state, timers and counters, in name
    /// order; a session not running carries its error.
    pub fn status(&self) -> Vec<crate::daemon::status::BfdSessionSnapshot> {
        let running: Vec<SessionStatus> =
            self.runner.as_ref().map(|r| r.status()).unwrap_or_default();
        let mut out: Vec<_> = self
            .specs
            .iter()
            .map(|s| {
                let st = running.iter().find(|r| r.name == s.name);
                crate::daemon::status::BfdSessionSnapshot::new(
                    s,
                    st,
                    self.failed.get(&s.name).cloned(),
                )
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Stops every session as keepalived's BFD process does at exit
    /// (bfd_scheduler.c `bfd_dispatcher_release`): nothing more is sent and
    /// the peers see their Detection Time expire.
    pub async fn shutdown(mut self) {
        if let Some(r) = self.runner.take() {
            info!(sessions = r.status().len(), "stopping BFD sessions");
            r.shutdown().await;
        }
    }
}

/// Forwards the transport's events as reports until either side closes.
async fn forward(mut events: mpsc::Receiver<BfdEvent>, reports: mpsc::Sender<BfdReport>) {
    while let Some(ev) = events.recv().await {
        let report = match ev {
            BfdEvent::Up { name } => BfdReport::Up(name),
            BfdEvent::Down { name, diagnostic } => {
                info!("BFD_Instance({name}) Down ({diagnostic:?})");
                BfdReport::Down(name)
            }
            other => {
                warn!("BFD event not handled: {other:?}");
                continue;
            }
        };
        if reports.send(report).await.is_err() {
            break;
        }
    }
}
