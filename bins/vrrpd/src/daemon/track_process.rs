//! keepalived `vrrp_track_process` at run time: the kernel's process events
//! feed a [`ProcessTable`]; its quorum changes go to the router as tracker
//! up/down (vrrp_track.c `process_update_track_process_status`); delays run
//! on a timerfd ([`vrrp_linux::PreciseTimer`]). `/proc` is read at start, at a
//! reload and one second after lost events (keepalived `read_procs`,
//! `reinitialise_track_processes`), never polled.

use keepalived_runtime::proc_scan::{read_process, scan_processes};
use tracing::{error, info, warn};
use vrrp_linux::proc_events::{ProcEventKind, ProcEventSocket, ProcEvents, ProcEventsError};

use super::process_table::{Change, ProcessTable};
use super::router::Router;
use crate::spec::track_process::ProcessSpec;

/// Opens the process events socket, logging why when it cannot (keepalived
/// then counts no process at all; outside the initial network namespace the
/// kernel refuses the subscription: use `net_namespace`).
pub fn open_socket(rcvbuf: Option<(u32, bool)>) -> Option<ProcEventSocket> {
    match ProcEventSocket::open(rcvbuf) {
        Ok(s) => Some(s),
        Err(e @ ProcEventsError::NotSupported) => {
            error!("track_process not available: {e}");
            None
        }
        Err(e) => {
            error!(
                "process tracking unavailable: {e} (the kernel sends process events \
                 to the initial network namespace only; see `net_namespace`)"
            );
            None
        }
    }
}

/// The process tracker of the daemon's main loop.
#[derive(Debug, Default)]
pub struct ProcessTracker {
    table: ProcessTable,
    events: Option<ProcEvents>,
    /// Opened but not yet registered (before the runtime, `net_namespace`).
    pending: Option<ProcEventSocket>,
    timer: Option<vrrp_linux::PreciseTimer>,
}

impl ProcessTracker {
    /// A tracker that may use `socket`, opened before the daemon entered
    /// its network namespace.
    pub fn new(socket: Option<ProcEventSocket>) -> Self {
        ProcessTracker {
            pending: socket,
            ..ProcessTracker::default()
        }
    }

    /// Starts (or, at a reload, restarts) tracking `specs`: the socket is
    /// opened when first needed, `/proc` is read, and every tracker's
    /// quorum goes to the router (before [`Router::install`] at start).
    pub async fn start(
        &mut self,
        specs: &[ProcessSpec],
        rcvbuf: Option<(u32, bool)>,
        router: &mut Router,
    ) {
        self.table = ProcessTable::new(specs.to_vec());
        if self.table.is_empty() {
            return;
        }
        if self.events.is_none() {
            let sock = self.pending.take().or_else(|| open_socket(rcvbuf));
            self.events = sock.and_then(|s| match s.into_async() {
                Ok(e) => Some(e),
                Err(e) => {
                    error!("process events: {e}");
                    None
                }
            });
        }
        if self.timer.is_none() {
            match vrrp_linux::PreciseTimer::new() {
                Ok(t) => self.timer = Some(t),
                Err(e) => error!("track_process timer: {e}"),
            }
        }
        let procs = if self.events.is_some() {
            scan_processes(self.table.plan())
        } else {
            Vec::new()
        };
        let changes = self.table.start(&procs);
        for (name, up) in &changes {
            info!(
                track_process = %name,
                count = self.table.count(name).unwrap_or(0),
                "tracked process quorum {}",
                if *up { "present" } else { "absent" }
            );
        }
        apply(router, changes).await;
    }

    /// Every tracker's process count and quorum, by name (see
    /// [`ProcessTable::states`]).
    pub fn states(&self) -> std::collections::BTreeMap<String, (u32, bool)> {
        self.table.states()
    }

    /// Waits for quorum changes (never returns while nothing is tracked).
    /// Cancel-safe: state changes happen between awaits only.
    pub async fn next(&mut self) -> Vec<Change> {
        loop {
            let now = vrrp_linux::monotonic_now();
            if self.table.rescan_due(now) {
                if let Some(n) = self.events.as_ref().and_then(ProcEvents::grow_rcvbuf) {
                    info!(
                        "Setting global_def process_monitor_rcv_bufs to {n} - recommend \
                         updating configuration file"
                    );
                }
                let procs = scan_processes(self.table.plan());
                let out = self.table.rescan(&procs, now);
                if !out.is_empty() {
                    return out;
                }
                continue;
            }
            let deadline = self.table.next_deadline();
            if let Some(t) = self.timer.as_mut()
                && let Err(e) = t.set(deadline)
            {
                error!("track_process timer: {e}");
            }
            let Some(events) = self.events.as_mut() else {
                return std::future::pending().await;
            };
            let timer = self.timer.as_mut();
            tokio::select! {
                r = async {
                    match timer {
                        Some(t) => t.expired().await,
                        None => std::future::pending().await,
                    }
                } => {
                    if let Err(e) = r {
                        error!("track_process timer: {e}");
                    }
                    let out = self.table.on_timers(vrrp_linux::monotonic_now());
                    if !out.is_empty() {
                        return out;
                    }
                }
                ev = events.next() => {
                    let out = self.on_event(ev);
                    if !out.is_empty() {
                        return out;
                    }
                }
            }
        }
    }

    fn on_event(
        &mut self,
        ev: Result<vrrp_linux::proc_events::ProcEvent, ProcEventsError>,
    ) -> Vec<Change> {
        let now = vrrp_linux::monotonic_now();
        let ev = match ev {
            Ok(ev) => ev,
            Err(ProcEventsError::Overrun) => {
                warn!("process events lost; reading /proc again in 1 s");
                self.table.on_overrun(now);
                return Vec::new();
            }
            Err(e) => {
                error!("process monitor: {e}");
                self.events = None;
                return Vec::new();
            }
        };
        // Threads are not processes: only events with pid == tgid count
        // (keepalived `handle_proc_ev`).
        match ev.kind {
            ProcEventKind::Fork {
                parent_tgid,
                child_pid,
                child_tgid,
            } if child_pid == child_tgid => self.table.on_fork(parent_tgid, child_tgid, now),
            ProcEventKind::Exec { pid, tgid } if pid == tgid => {
                let info = read_process(tgid, self.table.plan());
                self.table.on_exec(tgid, info.as_ref())
            }
            ProcEventKind::Comm { pid, tgid, comm } if pid == tgid => {
                self.table.on_comm(tgid, comm.as_bytes())
            }
            ProcEventKind::Exit { pid, tgid } if pid == tgid => self.table.on_exit(tgid, now),
            _ => Vec::new(),
        }
    }
}

/// Gives the router every change (keepalived logs "Quorum gained/lost for
/// tracked process NAME").
pub async fn apply(router: &mut Router, changes: Vec<Change>) {
    for (name, up) in changes {
        router.on_track_process(&name, up).await;
    }
}

/// Logs a change as keepalived does.
pub fn log_changes(changes: &[Change]) {
    for (name, up) in changes {
        info!(
            "Quorum {} for tracked process {name}",
            if *up { "gained" } else { "lost" }
        );
    }
}
