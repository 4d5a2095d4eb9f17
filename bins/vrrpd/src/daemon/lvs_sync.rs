//! `lvs_sync_daemon IFACE VRRP_INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR]`:
//! the VRRP side switches the kernel's IPVS connection-sync daemon between master and
//! backup as the named instance changes state, as keepalived's VRRP process does:
//!
//! - at start, and after a reload, the daemon for the instance's current role is started
//!   (master if the instance is Master, else backup; vrrp_daemon.c start/reload);
//! - becoming Master: stop the backup daemon, start the master one
//!   (vrrp.c vrrp_state_become_master → ipvswrapper.c ipvs_syncd_master);
//! - leaving Master for Backup or Fault: stop the master daemon, start the backup one
//!   (vrrp_state_leave_master → ipvs_syncd_backup);
//! - at exit the running daemon is stopped.
//!
//! The sync id defaults to the instance's VRID (keepalived's default).
//!
//! The IPVS netlink calls block, so they never run on the async runtime: a
//! [`SyncWorker`] thread owns the kernel handle and runs the start/stop
//! commands one at a time in the order they were sent ([`LvsSync`] only
//! queues them), so a stop never overtakes the start before it, also across a
//! reload that replaces the settings. [`SyncWorker::flush`] awaits everything
//! queued (at exit, before the process ends).

use std::sync::mpsc;

use ipvs_sys::{DaemonState, IpvsOps, SyncDaemon};
use tracing::{info, warn};
use vrrp_core::State;

pub use crate::spec::lvs_sync::SyncSpec;

fn role_name(r: DaemonState) -> &'static str {
    match r {
        DaemonState::Master => "master",
        DaemonState::Backup => "backup",
    }
}

/// A command for the worker thread.
#[derive(Debug)]
enum Cmd {
    Start(SyncDaemon, String),
    Stop(SyncDaemon),
    /// Answer once every earlier command has run.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// The thread that runs the IPVS sync-daemon calls in order. Cloning gives
/// another handle to the same thread; it ends when the last handle goes.
#[derive(Debug, Clone)]
pub struct SyncWorker {
    tx: mpsc::Sender<Cmd>,
}

impl SyncWorker {
    /// Starts the thread. `open` makes the kernel handle on it (again after
    /// a failure, at the next command), so neither opening nor any call
    /// blocks the caller.
    pub fn spawn<K, F>(open: F) -> std::io::Result<Self>
    where
        K: IpvsOps,
        F: FnMut() -> Result<K, ipvs_sys::Error> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("lvs-sync".into())
            .spawn(move || run_worker(open, &rx))?;
        Ok(SyncWorker { tx })
    }

    fn send(&self, cmd: Cmd) {
        if self.tx.send(cmd).is_err() {
            warn!("lvs_sync_daemon: the IPVS worker thread is gone");
        }
    }

    /// Waits (without blocking the runtime) until every command sent so far
    /// has run.
    pub async fn flush(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Cmd::Flush(tx));
        let _ = rx.await;
    }
}

fn run_worker<K: IpvsOps>(
    mut open: impl FnMut() -> Result<K, ipvs_sys::Error>,
    rx: &mpsc::Receiver<Cmd>,
) {
    let mut kernel: Option<K> = None;
    while let Ok(cmd) = rx.recv() {
        let d = match &cmd {
            Cmd::Flush(_) => None,
            Cmd::Start(d, _) | Cmd::Stop(d) => Some(d),
        };
        if d.is_some() && kernel.is_none() {
            match open() {
                Ok(k) => kernel = Some(k),
                Err(e) => warn!("lvs_sync_daemon: cannot open IPVS: {e}"),
            }
        }
        match (cmd, kernel.as_mut()) {
            (Cmd::Flush(done), _) => {
                let _ = done.send(());
            }
            (Cmd::Start(d, instance), Some(k)) => match k.new_daemon(&d) {
                Ok(()) => info!(iface = %d.mcast_ifn, syncid = d.syncid, role = role_name(d.state),
                    instance = %instance, "lvs_sync_daemon started"),
                Err(e) => {
                    warn!(iface = %d.mcast_ifn, role = role_name(d.state), "lvs_sync_daemon start: {e}");
                }
            },
            (Cmd::Stop(d), Some(k)) => {
                // keepalived stops the other role unconditionally; "not running" is normal.
                if let Err(e) = k.del_daemon(&d) {
                    tracing::debug!(role = role_name(d.state), "lvs_sync_daemon stop: {e}");
                }
            }
            (Cmd::Start(..) | Cmd::Stop(_), None) => {}
        }
    }
}

/// One `lvs_sync_daemon` following one instance; its calls go to a
/// [`SyncWorker`] and never block.
#[derive(Debug)]
pub struct LvsSync {
    spec: SyncSpec,
    worker: SyncWorker,
    /// The daemon asked for last (started unless the kernel refused).
    role: Option<DaemonState>,
}

impl LvsSync {
    /// Starts the daemon for `current` (the instance's state now).
    pub fn begin(spec: SyncSpec, worker: SyncWorker, current: State) -> Self {
        let mut s = LvsSync {
            spec,
            worker,
            role: None,
        };
        let role = if current == State::Master {
            DaemonState::Master
        } else {
            DaemonState::Backup
        };
        s.start(role);
        s
    }

    /// The settings it runs.
    pub fn spec(&self) -> &SyncSpec {
        &self.spec
    }

    /// The role asked for last.
    #[cfg(test)]
    pub fn role(&self) -> Option<DaemonState> {
        self.role
    }

    fn daemon(&self, role: DaemonState) -> SyncDaemon {
        let mut d = self.spec.daemon.clone();
        d.state = role;
        d
    }

    fn start(&mut self, role: DaemonState) {
        self.worker
            .send(Cmd::Start(self.daemon(role), self.spec.instance.clone()));
        self.role = Some(role);
    }

    fn stop(&mut self, role: DaemonState) {
        self.worker.send(Cmd::Stop(self.daemon(role)));
        if self.role == Some(role) {
            self.role = None;
        }
    }

    /// Instance `instance` went from `from` to `to`.
    pub fn on_state(&mut self, instance: &str, from: State, to: State) {
        if instance != self.spec.instance {
            return;
        }
        match to {
            State::Master => {
                self.stop(DaemonState::Backup);
                self.start(DaemonState::Master);
            }
            State::Backup | State::Fault if from == State::Master => {
                self.stop(DaemonState::Master);
                self.start(DaemonState::Backup);
            }
            _ => {}
        }
    }

    /// Stops the running daemon (queued: [`SyncWorker::flush`] waits for it).
    pub fn end(mut self) {
        if let Some(r) = self.role {
            self.stop(r);
            info!(role = role_name(r), "lvs_sync_daemon stopped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use ipvs_sys::testing::InMemoryIpvs;
    use ipvs_sys::{Destination, Error, Request, Service, Timeouts};
    use std::sync::{Arc, Condvar, Mutex};
    use std::time::Duration;

    /// An in-memory kernel recording its sync-daemon calls; each call waits
    /// until the gate is open, then takes `delay` (a slow netlink answer), and
    /// records when it begins and ends.
    #[derive(Clone, Default)]
    struct Log {
        table: Arc<Mutex<InMemoryIpvs>>,
        calls: Arc<Mutex<Vec<String>>>,
        delay: Duration,
        gate: Arc<(Mutex<bool>, Condvar)>,
    }

    impl Log {
        /// Calls take `delay` and wait for [`Log::open_gate`].
        fn slow(delay: Duration) -> Self {
            Log {
                delay,
                ..Log::default()
            }
        }
        fn open_gate(&self) {
            *self.gate.0.lock().unwrap() = true;
            self.gate.1.notify_all();
        }
        fn record(&self, what: String) {
            self.calls.lock().unwrap().push(format!("begin {what}"));
            if !self.delay.is_zero() {
                let mut open = self.gate.0.lock().unwrap();
                while !*open {
                    open = self.gate.1.wait(open).unwrap();
                }
                drop(open);
                std::thread::sleep(self.delay);
            }
            self.calls.lock().unwrap().push(format!("end {what}"));
        }
        fn raw(&self) -> Vec<String> {
            self.calls.lock().unwrap().clone()
        }
        /// The calls, one line each (begin/end pairs folded).
        fn calls(&self) -> Vec<String> {
            let all = self.calls.lock().unwrap().clone();
            for pair in all.chunks(2) {
                assert_eq!(
                    pair[0].strip_prefix("begin "),
                    pair[1].strip_prefix("end "),
                    "calls overlap: {all:?}"
                );
            }
            all.iter()
                .filter_map(|c| c.strip_prefix("begin ").map(str::to_string))
                .collect()
        }
        fn worker(&self) -> SyncWorker {
            let me = self.clone();
            SyncWorker::spawn(move || Ok(me.clone())).unwrap()
        }
    }

    impl IpvsOps for Log {
        fn services(&mut self) -> Result<Vec<Service>, Error> {
            self.table.lock().unwrap().services()
        }
        fn service(&mut self, s: &Service) -> Result<Option<Service>, Error> {
            self.table.lock().unwrap().service(s)
        }
        fn destinations(&mut self, s: &Service) -> Result<Vec<Destination>, Error> {
            self.table.lock().unwrap().destinations(s)
        }
        fn execute_batch(&mut self, r: &[Request]) -> Result<Vec<Result<(), Error>>, Error> {
            self.table.lock().unwrap().execute_batch(r)
        }
        fn flush(&mut self) -> Result<(), Error> {
            self.table.lock().unwrap().flush()
        }
        fn timeouts(&mut self) -> Result<Timeouts, Error> {
            self.table.lock().unwrap().timeouts()
        }
        fn set_timeouts(&mut self, t: &Timeouts) -> Result<(), Error> {
            self.table.lock().unwrap().set_timeouts(t)
        }
        fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error> {
            self.table.lock().unwrap().daemons()
        }
        fn new_daemon(&mut self, d: &SyncDaemon) -> Result<(), Error> {
            self.record(format!(
                "start {} {} {}",
                role_name(d.state),
                d.mcast_ifn,
                d.syncid
            ));
            self.table.lock().unwrap().new_daemon(d)
        }
        fn del_daemon(&mut self, d: &SyncDaemon) -> Result<(), Error> {
            self.record(format!("stop {}", role_name(d.state)));
            self.table.lock().unwrap().del_daemon(d)
        }
    }

    /// `n` rounds of backup → master → backup on eth1, then `tail`.
    fn cycles(n: usize, tail: &[&str]) -> Vec<String> {
        let round = [
            "start backup eth1 51",
            "stop backup",
            "start master eth1 51",
            "stop master",
        ];
        let mut v: Vec<String> = round
            .iter()
            .cycle()
            .take(4 * n)
            .map(|c| c.to_string())
            .collect();
        v.extend(tail.iter().map(|c| c.to_string()));
        v
    }

    fn spec() -> SyncSpec {
        SyncSpec {
            instance: "VI_1".into(),
            daemon: SyncDaemon::new(DaemonState::Backup, "eth1", 51),
        }
    }

    #[tokio::test]
    async fn follows_the_instance_in_keepalived_order() {
        let log = Log::default();
        let worker = log.worker();
        {
            let mut s = LvsSync::begin(spec(), worker.clone(), State::Initialize);
            assert_eq!(s.role(), Some(DaemonState::Backup));
            s.on_state("VI_2", State::Backup, State::Master); // another instance
            s.on_state("VI_1", State::Initialize, State::Backup); // already backup
            s.on_state("VI_1", State::Backup, State::Master);
            assert_eq!(s.role(), Some(DaemonState::Master));
            s.on_state("VI_1", State::Master, State::Fault);
            s.on_state("VI_1", State::Fault, State::Backup); // stays backup
            s.on_state("VI_1", State::Backup, State::Master);
            s.on_state("VI_1", State::Master, State::Backup);
            s.on_state("VI_1", State::Backup, State::Master);
            s.end();
        }
        worker.flush().await;
        assert_eq!(log.calls(), cycles(3, &[]));
    }

    fn resolved(text: &str) -> (Option<SyncSpec>, usize) {
        let p = keepalived_conf::parse_str("t.conf", text, &Default::default());
        let (m, d) = crate::spec::mapping::map_config(
            &p.config,
            &crate::spec::mapping::SimResolver { node: 3 },
        );
        (m.lvs_sync, d.len())
    }

    const VI: &str = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n";

    #[test]
    fn resolves_settings_and_defaults_the_id_to_the_vrid() {
        let (s, n) = resolved(&format!(
            "global_defs {{\n lvs_sync_daemon eth1 VI_1 maxlen 1400 port 9000 ttl 2 group 239.1.1.1\n}}\n{VI}"
        ));
        assert_eq!(n, 0);
        let s = s.unwrap();
        assert_eq!(s.instance, "VI_1");
        let d = &s.daemon;
        assert_eq!((d.mcast_ifn.as_str(), d.syncid), ("eth1", 51));
        assert_eq!(
            (d.sync_maxlen, d.mcast_port, d.mcast_ttl),
            (Some(1400), Some(9000), Some(2))
        );
        assert_eq!(d.mcast_group, Some("239.1.1.1".parse().unwrap()));
        let (s, _) = resolved(&format!(
            "global_defs {{\n lvs_sync_daemon eth1 VI_1 id 7\n}}\n{VI}"
        ));
        assert_eq!(s.unwrap().daemon.syncid, 7);
        // No instance: lvsd's business; unknown instance: a warning, nothing run.
        assert_eq!(
            resolved(&format!("global_defs {{\n lvs_sync_daemon eth1\n}}\n{VI}")),
            (None, 0)
        );
        assert_eq!(
            resolved(&format!(
                "global_defs {{\n lvs_sync_daemon eth1 VI_9\n}}\n{VI}"
            )),
            (None, 1)
        );
    }

    #[tokio::test]
    async fn starts_as_master_when_the_instance_already_is() {
        let log = Log::default();
        let worker = log.worker();
        LvsSync::begin(spec(), worker.clone(), State::Master).end();
        worker.flush().await;
        assert_eq!(log.calls(), ["start master eth1 51", "stop master"]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn slow_calls_keep_their_order_and_never_block_the_caller() {
        let log = Log::slow(Duration::from_millis(30));
        let worker = log.worker();
        let mut s = LvsSync::begin(spec(), worker.clone(), State::Backup);
        s.on_state("VI_1", State::Backup, State::Master);
        s.on_state("VI_1", State::Master, State::Backup);
        s.end();
        // A reload with other settings: the old daemon's stop (queued above)
        // runs before the new one starts.
        let mut other = spec();
        other.daemon.mcast_ifn = "eth2".into();
        LvsSync::begin(other, worker.clone(), State::Master).end();
        // Everything is queued while the first call hangs in the "kernel"
        // (the gate is shut): nothing waited for it, and this single-thread
        // runtime still runs its tasks.
        let ticks = tokio::spawn(async {
            for _ in 0..3 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            3
        });
        assert_eq!(ticks.await.unwrap(), 3);
        for _ in 0..200 {
            if !log.raw().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            log.raw(),
            ["begin start backup eth1 51"],
            "one call at a time"
        );
        log.open_gate();
        worker.flush().await;
        assert_eq!(
            log.calls(),
            cycles(
                1,
                &[
                    "start backup eth1 51",
                    "stop backup",
                    "start master eth2 51",
                    "stop master"
                ]
            )
        );
    }

    #[tokio::test]
    async fn a_kernel_that_cannot_be_opened_is_retried_at_the_next_command() {
        let log = Log::default();
        let tries = Arc::new(Mutex::new(0));
        let (l, t) = (log.clone(), tries.clone());
        let worker = SyncWorker::spawn(move || {
            let mut n = t.lock().unwrap();
            *n += 1;
            if *n == 1 {
                Err(Error::FamilyNotFound)
            } else {
                Ok(l.clone())
            }
        })
        .unwrap();
        let mut s = LvsSync::begin(spec(), worker.clone(), State::Backup);
        s.on_state("VI_1", State::Backup, State::Master);
        worker.flush().await;
        assert_eq!(*tries.lock().unwrap(), 2);
        assert_eq!(log.calls(), ["stop backup", "start master eth1 51"]);
    }
}
