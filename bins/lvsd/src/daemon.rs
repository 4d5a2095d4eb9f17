//! The daemon: loads the configuration, starts checkers, keeps IPVS in step
//! with their verdicts, reloads on SIGHUP (keeping unchanged checkers and
//! their verdicts, touching only what changed), and on SIGTERM removes what
//! it added and exits.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use ipvs_sys::{IpvsClient, IpvsOps, Service, ServiceKey, SyncDaemon, Timeouts};
use keepalived_conf as kc;
use tokio::sync::mpsc;

use crate::checker::{self, Report};
use crate::mapping::{Mapped, map_config};
use crate::model::{CheckerSpec, Desired, RsKey};
use crate::pool::{Pool, ScriptRun, checker_fingerprint};
use crate::reconcile::{KernelService, Op, Reconciler};
use crate::status::{self, Query};

/// Most checker verdicts handled (and synced to IPVS) together.
const REPORT_BATCH: usize = 1024;

/// How long a notify or quorum script may run.
pub const SCRIPT_TIMEOUT: Duration = Duration::from_secs(60);

/// How long an `omega` script may run at shutdown before it is killed
/// (keepalived runs them with a one-second timer, `TIMER_HZ`).
pub const STOP_SCRIPT_TIMEOUT: Duration = Duration::from_secs(1);

/// The longest lvsd waits at shutdown for its scripts and SMTP alerts.
const STOP_WAIT: Duration = Duration::from_secs(10);

/// lvsd's view of IPVS: the table as [`KernelService`]s and batches of
/// [`Op`]s, on any [`IpvsOps`] (the kernel through [`IpvsClient`], or
/// ipvs-sys's in-memory table in tests). Implemented for every `IpvsOps`.
pub trait Kernel: IpvsOps {
    /// Every service with its destinations.
    fn dump(&mut self) -> Result<Vec<KernelService>, ipvs_sys::Error> {
        let mut out = Vec::new();
        for s in self.services()? {
            let d = self.destinations(&s)?;
            out.push(KernelService::new(s, d));
        }
        Ok(out)
    }

    /// One service with its destinations (`None`: absent).
    fn dump_one(&mut self, service: &Service) -> Result<Option<KernelService>, ipvs_sys::Error> {
        match self.service(service)? {
            Some(s) => {
                let d = self.destinations(&s)?;
                Ok(Some(KernelService::new(s, d)))
            }
            None => Ok(None),
        }
    }

    /// Runs requests in order; one result each.
    fn apply(&mut self, ops: &[Op]) -> Result<Vec<Result<(), ipvs_sys::Error>>, ipvs_sys::Error> {
        let reqs: Vec<_> = ops.iter().map(Op::request).collect();
        self.execute_batch(&reqs)
    }
}

impl<T: IpvsOps + ?Sized> Kernel for T {}

/// Daemon settings from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// The keepalived.conf.
    pub config: PathBuf,
    /// Config id for `@ID` lines.
    pub config_id: Option<String>,
    /// Control socket.
    pub socket: Option<PathBuf>,
    /// Prometheus listener.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Bounds on the Prometheus listener's clients.
    pub metrics_limits: ha_daemon_kit::metrics::Limits,
    /// Keep the IPVS entries at exit (keepalived `-I`).
    pub dont_release_ipvs: bool,
}

/// Why the daemon could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DaemonError {
    /// IPVS is not usable.
    #[error("IPVS: {0}")]
    Ipvs(#[from] ipvs_sys::Error),
    /// A socket or signal could not be set up.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Loads and maps a configuration, logging every diagnostic and what
/// keepalived says about the default script user while it reads the file.
pub fn load(path: &std::path::Path, config_id: Option<String>) -> (Mapped, bool) {
    let opts = kc::LoadOptions {
        config_id,
        ..kc::LoadOptions::default()
    };
    let parsed = kc::load(path, &opts);
    for d in parsed.short_diagnostics() {
        tracing::warn!("{d}");
    }
    for d in kc::keywords::not_acted_on(&parsed, kc::keywords::Daemon::Lvsd) {
        tracing::warn!("{}", d.short(&parsed.sources));
    }
    crate::script_users::log_on_host(&parsed.config);
    let readable = !parsed.config.files.is_empty();
    let mut mapped = map_config(&parsed.config);
    let policy = mapped.desired.script_policy.resolve();
    let summary = crate::notify_load::summary(&mapped.desired, &policy);
    crate::checker::misc::disable_refused(&mut mapped.desired);
    crate::notify_load::disable_refused(&mut mapped.desired);
    crate::notify_load::log_summary(&summary, &policy);
    for d in &mapped.diagnostics {
        if d.is_error() {
            tracing::error!("{}", mapped.line(d));
        } else {
            tracing::warn!("{}", mapped.line(d));
        }
    }
    (mapped, readable)
}

/// [`load`] on a helper thread, then a copy of the result made on the
/// caller's thread: glibc gives the helper its own malloc arena, so the
/// parser's garbage is not interleaved with the long-lived configuration and
/// goes back to the kernel whole with [`crate::sys::release_freed_memory`]. Loaded in
/// place, a 58,000-line config left 5-10 MiB of fragmented free pages
/// resident (depending on hash seeds). Returns the desired state and whether
/// the file was readable.
pub fn load_compact(path: &std::path::Path, config_id: Option<String>) -> (Desired, bool) {
    let loaded = std::thread::scope(|s| {
        let id = config_id.clone();
        match std::thread::Builder::new()
            .name("lvsd-load".into())
            .spawn_scoped(s, move || load(path, id))
        {
            Ok(h) => h.join().ok(),
            Err(_) => None,
        }
    });
    let Some((mapped, readable)) = loaded else {
        let (mapped, readable) = load(path, config_id);
        return (mapped.desired, readable);
    };
    let mut desired = mapped.desired.clone();
    for vs in &mut desired.virtual_servers {
        for rs in &mut vs.real_servers {
            for c in &mut rs.checkers {
                *c = std::sync::Arc::new(CheckerSpec::clone(c));
            }
        }
    }
    drop(mapped);
    (desired, readable)
}

/// What identifies a running checker task across reloads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CheckerKey {
    vs: String,
    rs: RsKey,
    weight: i32,
    spec: CheckerSpec,
    ha_suspend: Option<std::net::IpAddr>,
}

impl CheckerKey {
    /// The key of checker `ck` of real server `rs` in `pool`.
    fn of(pool: &Pool, rs: usize, ck: usize) -> Option<CheckerKey> {
        let r = pool.vs.real_servers.get(rs)?;
        Some(CheckerKey {
            vs: pool.vs.id.clone(),
            rs: r.key,
            weight: r.dest.weight,
            spec: checker_fingerprint(r.checkers.get(ck)?),
            ha_suspend: pool.vs.ha_suspend,
        })
    }
}

/// A running checker task: where its verdicts go (indices into the pools).
/// Its key is recomputed from the pools at reload rather than stored, so
/// each of thousands of checkers does not keep another copy of its spec.
struct Slot {
    vs: usize,
    rs: usize,
    ck: usize,
    handle: checker::Handle,
}

/// The running state.
pub struct Daemon<K: Kernel> {
    kernel: K,
    config_name: String,
    desired: Desired,
    pools: Vec<Pool>,
    rec: Reconciler,
    slots: HashMap<usize, Slot>,
    next_id: usize,
    tx: mpsc::UnboundedSender<Report>,
    orig_timeouts: Option<Timeouts>,
    daemons: Vec<SyncDaemon>,
    scripts: tokio::task::JoinSet<()>,
    limits: checker::CheckLimits,
    /// The TCP_CHECK engine, started with the first TCP_CHECK.
    tcp: Option<checker::tcp_engine::Engine>,
    /// Open notify FIFOs (`notify_fifo`, `lvs_notify_fifo`).
    fifos: Vec<keepalived_runtime::notify_fifo::NotifyFifo>,
    /// Who scripts run as (`script_user`, `enable_script_security`).
    script_policy: crate::script_policy::Resolved,
    /// Addresses configured locally (None: unknown, `ha_suspend` does not
    /// suspend anything).
    local_addrs: Option<HashSet<std::net::IpAddr>>,
    /// Per `ha_suspend` address: whether its checkers may run.
    suspend: HashMap<std::net::IpAddr, tokio::sync::watch::Sender<bool>>,
    /// The BFD sessions of the `BFD_CHECK`s ([`Daemon::sync_bfd`]).
    bfd: crate::bfd::Sessions,
    /// The AgentX subagent (`enable_snmp_checker`).
    snmp: Option<crate::snmp::agent::Agent>,
}

/// Starts `scripts` (each checked and run as `policy` says, killed after
/// `timeout`) in `set`.
fn run_scripts(
    set: &mut tokio::task::JoinSet<()>,
    policy: &crate::script_policy::Resolved,
    scripts: Vec<ScriptRun>,
    timeout: Duration,
) {
    for s in scripts {
        let (argv, who) = match policy.prepare_as(&s.argv, s.user.as_ref()) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(reason = %s.reason, argv = ?s.argv, "not running script: {e}");
                continue;
            }
        };
        set.spawn(async move {
            tracing::info!(reason = %s.reason, ?argv, uid = who.uid, "running script");
            match keepalived_runtime::run_script_as(&argv, timeout, Some(who)).await {
                Ok(o) if o.success() => {}
                Ok(o) => tracing::warn!(reason = %s.reason, code = ?o.code, signal = ?o.signal, "script failed"),
                Err(e) => tracing::warn!(reason = %s.reason, "script: {e}"),
            }
        });
    }
}

impl<K: Kernel> Daemon<K> {
    /// Takes over IPVS with `desired`: flush if asked, read the table, set
    /// timeouts and sync daemons, program every service, start checkers.
    pub fn start(
        mut kernel: K,
        config_name: String,
        desired: Desired,
        tx: mpsc::UnboundedSender<Report>,
    ) -> Result<Self, DaemonError> {
        if desired.flush_at_start {
            tracing::info!("lvs_flush: flushing the IPVS table");
            kernel.flush()?;
        }
        let table = kernel.dump()?;
        tracing::info!(services = table.len(), "read the IPVS table");
        let script_policy = desired.script_policy.resolve();
        let mut d = Daemon {
            kernel,
            config_name,
            desired: Desired::default(),
            pools: Vec::new(),
            rec: Reconciler::new(table),
            slots: HashMap::new(),
            next_id: 0,
            tx,
            orig_timeouts: None,
            daemons: Vec::new(),
            scripts: tokio::task::JoinSet::new(),
            limits: checker::CheckLimits::default(),
            tcp: None,
            fifos: crate::fifo::open(&desired.notify_fifos, &script_policy),
            script_policy,
            local_addrs: None,
            suspend: HashMap::new(),
            bfd: crate::bfd::Sessions::default(),
            snmp: None,
        };
        d.snmp = desired.snmp.clone().map(|s| d.new_agent(s));
        d.install(desired);
        Ok(d)
    }

    /// The pools (for status and tests).
    pub fn pools(&self) -> &[Pool] {
        &self.pools
    }

    /// The reconciler (for status and tests).
    pub fn reconciler(&self) -> &Reconciler {
        &self.rec
    }

    fn apply_globals(&mut self, desired: &Desired) {
        if desired.timeouts != self.desired.timeouts {
            if self.orig_timeouts.is_none() {
                match self.kernel.timeouts() {
                    Ok(t) => self.orig_timeouts = Some(t),
                    Err(e) => tracing::warn!("reading IPVS timeouts: {e}"),
                }
            }
            let t = desired.timeouts.or(self.orig_timeouts);
            if let Some(t) = t
                && let Err(e) = self.kernel.set_timeouts(&t)
            {
                tracing::error!("lvs_timeouts: {e}");
            }
        }
        if desired.sync_daemons != self.desired.sync_daemons {
            for old in std::mem::take(&mut self.daemons) {
                if let Err(e) = self.kernel.del_daemon(&old) {
                    tracing::warn!("stopping sync daemon: {e}");
                }
            }
            for sd in &desired.sync_daemons {
                match self.kernel.new_daemon(sd) {
                    Ok(()) => {
                        tracing::info!(state = ?sd.state, iface = %sd.mcast_ifn, syncid = sd.syncid, "sync daemon started");
                        self.daemons.push(sd.clone());
                    }
                    Err(e) => tracing::error!("lvs_sync_daemon on {}: {e}", sd.mcast_ifn),
                }
            }
        }
    }

    /// Switches to `desired`: keeps unchanged checkers (and their verdicts),
    /// removes services that left the configuration, syncs the rest.
    fn install(&mut self, mut desired: Desired) {
        self.apply_globals(&desired);
        // Pools, keeping the old state of virtual servers with the same id.
        // Running checker tasks by key, from the pools they were started for.
        let mut running: HashMap<CheckerKey, Vec<(usize, Slot)>> = HashMap::new();
        for (id, slot) in self.slots.drain() {
            match self
                .pools
                .get(slot.vs)
                .and_then(|p| CheckerKey::of(p, slot.rs, slot.ck))
            {
                Some(key) => running.entry(key).or_default().push((id, slot)),
                None => slot.handle.abort(),
            }
        }
        let mut old: HashMap<String, Pool> = std::mem::take(&mut self.pools)
            .into_iter()
            .map(|p| (p.vs.id.clone(), p))
            .collect();
        let mut init_scripts = Vec::new();
        let mut init_events = Vec::new();
        let init_notifies = desired.rs_init_notifies;
        // The pools own the virtual servers (no second copy in `desired`).
        self.pools = std::mem::take(&mut desired.virtual_servers)
            .into_iter()
            .map(|vs| {
                let prior = old.get(&vs.id);
                let p = Pool::new(vs, prior);
                if init_notifies {
                    let (s, e) = crate::notify::initial_up(&p, prior);
                    init_scripts.extend(s);
                    init_events.extend(e);
                }
                if prior.is_none() {
                    let (s, e) = crate::notify::initial_quorum(&p);
                    init_scripts.extend(s);
                    init_events.extend(e);
                }
                p
            })
            .collect();
        old.clear();
        run_scripts(
            &mut self.scripts,
            &self.script_policy,
            init_scripts,
            SCRIPT_TIMEOUT,
        );
        // Checker tasks.
        for list in running.values_mut() {
            list.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
        }
        let mut kept = 0usize;
        let mut started = 0usize;
        for (vi, p) in self.pools.iter().enumerate() {
            for (ri, rs) in p.vs.real_servers.iter().enumerate() {
                for (ci, spec) in rs.checkers.iter().enumerate() {
                    let key = CheckerKey {
                        vs: p.vs.id.clone(),
                        rs: rs.key,
                        weight: rs.dest.weight,
                        spec: checker_fingerprint(spec),
                        ha_suspend: p.vs.ha_suspend,
                    };
                    if let Some((id, mut slot)) = running.get_mut(&key).and_then(Vec::pop) {
                        (slot.vs, slot.rs, slot.ck) = (vi, ri, ci);
                        self.slots.insert(id, slot);
                        kept += 1;
                        continue;
                    }
                    let id = self.next_id;
                    self.next_id += 1;
                    let handle = checker::start(
                        id,
                        spec.clone(),
                        i64::from(rs.dest.weight),
                        &self.tx,
                        &self.limits.permits(&p.vs.id),
                        p.vs.ha_suspend.map(|ip| {
                            let present = self.local_addrs.as_ref().is_none_or(|a| a.contains(&ip));
                            self.suspend
                                .entry(ip)
                                .or_insert_with(|| tokio::sync::watch::Sender::new(present))
                                .subscribe()
                        }),
                        &mut self.tcp,
                    );
                    self.slots.insert(
                        id,
                        Slot {
                            vs: vi,
                            rs: ri,
                            ck: ci,
                            handle,
                        },
                    );
                    started += 1;
                }
            }
        }
        let mut stopped = 0usize;
        for (_, slot) in running.into_values().flatten() {
            slot.handle.abort();
            stopped += 1;
        }
        tracing::info!(
            virtual_servers = self.pools.len(),
            checkers_started = started,
            checkers_kept = kept,
            checkers_stopped = stopped,
            "configuration installed"
        );
        // Kernel: services gone from the configuration, then everything else.
        let keep: HashSet<ServiceKey> = self
            .pools
            .iter()
            .flat_map(|p| p.vs.services.iter().map(|s| s.key))
            .collect();
        let mut ops = Vec::new();
        for k in self.rec.owned_except(&keep) {
            ops.extend(self.rec.remove_service(&k));
        }
        for i in 0..self.pools.len() {
            ops.extend(self.sync_ops(i));
        }
        self.execute(ops);
        self.desired = desired;
        self.emit(init_events, crate::notify::Phase::Start);
    }

    fn sync_ops(&mut self, vs: usize) -> Vec<Op> {
        let p = &self.pools[vs];
        let mut ops = Vec::new();
        for s in &p.vs.services {
            let dests = p.destinations(&s.key);
            let managed = p.managed(&s.key);
            ops.extend(self.rec.sync_service(s, &dests, &managed));
        }
        ops
    }

    /// Runs requests; kernel disagreements are resolved as keepalived does
    /// (EEXIST on add and ENOENT on delete are success; SET_DEST on a missing
    /// destination becomes NEW_DEST); other failures re-read the service.
    fn execute(&mut self, ops: Vec<Op>) {
        if ops.is_empty() {
            return;
        }
        let verbose = ops.len() <= 64;
        for op in &ops {
            if verbose {
                tracing::info!("ipvs: {op}");
            } else {
                tracing::debug!("ipvs: {op}");
            }
        }
        if !verbose {
            tracing::info!(requests = ops.len(), "ipvs: batch");
        }
        let results = match self.kernel.apply(&ops) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!("ipvs: {e}");
                return;
            }
        };
        let mut stale: Vec<Service> = Vec::new();
        let mut retry = Vec::new();
        for (op, r) in ops.iter().zip(results) {
            let Err(e) = r else { continue };
            let errno = e.errno();
            match (op, errno) {
                (Op::NewService(_) | Op::NewDest(..), Some(libc::EEXIST)) => {}
                (Op::DelService(_) | Op::DelDest(..), Some(libc::ENOENT | libc::ESRCH)) => {}
                (Op::SetDest(s, d), Some(libc::ENOENT)) => {
                    retry.push(Op::NewDest(s.clone(), d.clone()))
                }
                _ => {
                    tracing::error!("ipvs: {op}: {e}");
                    if !stale.iter().any(|s| s.key == op.service().key) {
                        stale.push(op.service().clone());
                    }
                }
            }
        }
        if !retry.is_empty()
            && let Ok(rs) = self.kernel.apply(&retry)
        {
            for (op, r) in retry.iter().zip(rs) {
                if let Err(e) = r {
                    tracing::error!("ipvs: {op}: {e}");
                    stale.push(op.service().clone());
                }
            }
        }
        for s in stale {
            match self.kernel.dump_one(&s) {
                Ok(fresh) => self.rec.refresh(s.key, fresh),
                Err(e) => tracing::error!("ipvs: re-reading {}: {e}", s.key),
            }
        }
    }

    /// A checker's verdict arrived.
    pub fn on_report(&mut self, r: Report) {
        self.on_reports([r]);
    }

    /// Verdicts that arrived together: each is recorded in order (scripts and
    /// events as if alone), then every virtual server they touched is synced
    /// in one IPVS batch, one netlink round trip instead of one per verdict
    /// (at start thousands of first verdicts arrive within milliseconds).
    pub fn on_reports(&mut self, reports: impl IntoIterator<Item = Report>) {
        let mut touched = std::collections::BTreeSet::new();
        for r in reports {
            if let Some(vs) = self.record(r) {
                touched.insert(vs);
            }
        }
        let mut ops = Vec::new();
        for vs in touched {
            ops.extend(self.sync_ops(vs));
        }
        self.execute(ops);
    }

    /// Records one verdict; returns its virtual server's index.
    fn record(&mut self, r: Report) -> Option<usize> {
        let Some(slot) = self.slots.get(&r.id) else {
            return None; // a checker stopped by a reload
        };
        let (vs, rs, ck) = (slot.vs, slot.rs, slot.ck);
        let before = crate::notify::Snapshot::of(&self.pools[vs]);
        let scripts = self.pools[vs].set_verdict(rs, ck, r.verdict);
        run_scripts(
            &mut self.scripts,
            &self.script_policy,
            scripts,
            SCRIPT_TIMEOUT,
        );
        let events = before.changes(&self.pools[vs]);
        self.emit(events, crate::notify::Phase::Change);
        Some(vs)
    }

    /// Runs the BFD sessions the configuration's `BFD_CHECK`s need (after
    /// start and after each reload), then hands every session's current
    /// state to the checkers as keepalived's BFD process does when it starts
    /// or reloads (bfd_scheduler.c `bfd_register_workers`): at start each
    /// session is Down, so a BFD_CHECK without `alpha` fails at once and its
    /// real server leaves until the session comes Up (docs/keepalived.md
    /// §3.38); after a reload a new BFD_CHECK takes its session's state.
    pub async fn sync_bfd(&mut self) {
        self.bfd.apply(self.desired.bfd_sessions.clone()).await;
        for ev in self.bfd.current_states() {
            self.on_bfd_event(&ev);
        }
    }

    /// The next event of a BFD session lvsd runs (never returns while it
    /// runs none), for [`Daemon::on_bfd_event`].
    pub async fn next_bfd_event(&mut self) -> bfd_net::BfdEvent {
        self.bfd.next_event().await
    }

    /// A BFD session went Up or Down: every `BFD_CHECK` following it takes
    /// that result through the checker path, so weights, quorum, notify
    /// scripts, FIFOs and alerts follow as for any checker (keepalived
    /// check_bfd.c `bfd_check_handle_event`, which calls
    /// `update_svr_checker_state`). A result equal to the checker's is no
    /// change.
    pub fn on_bfd_event(&mut self, ev: &bfd_net::BfdEvent) {
        let up = matches!(ev, bfd_net::BfdEvent::Up { .. });
        let mut reports = Vec::new();
        for (id, slot) in &self.slots {
            let Some(pool) = self.pools.get(slot.vs) else {
                continue;
            };
            let Some(spec) = pool
                .vs
                .real_servers
                .get(slot.rs)
                .and_then(|r| r.checkers.get(slot.ck))
            else {
                continue;
            };
            if !matches!(&spec.kind, crate::model::CheckKind::Bfd { name } if name == ev.name()) {
                continue;
            }
            let current = pool
                .rs
                .get(slot.rs)
                .and_then(|r| r.verdicts.get(slot.ck))
                .is_some_and(|v| v.up);
            if current != up {
                tracing::info!(
                    "BFD check of [{}] RS({}) is {}",
                    ev.name(),
                    crate::alerts::rs_name(pool.vs.real_servers[slot.rs].key, pool),
                    if up { "UP" } else { "DOWN" }
                );
            }
            reports.push(Report {
                id: *id,
                verdict: if up {
                    crate::pool::Verdict::UP
                } else {
                    crate::pool::Verdict::DOWN
                },
            });
        }
        reports.sort_by_key(|r| r.id);
        self.on_reports(reports);
    }

    /// Hands pool events to the notifiers other than scripts (notify FIFOs,
    /// then SMTP alerts, keepalived's order).
    fn emit(&mut self, events: Vec<crate::notify::Event>, phase: crate::notify::Phase) {
        for e in events {
            tracing::debug!(event = ?e, "notification event");
            let vs = match &e {
                crate::notify::Event::RealServer { vs, .. }
                | crate::notify::Event::Quorum { vs, .. } => vs,
            };
            let Some(pool) = self.pools.iter().find(|p| &p.vs.id == vs) else {
                continue;
            };
            if let Some(agent) = &mut self.snmp {
                use crate::snmp::traps::{Change, notification};
                let change = match &e {
                    crate::notify::Event::RealServer { rs, .. } => pool
                        .vs
                        .real_servers
                        .iter()
                        .position(|r| r.key == *rs)
                        .map(Change::RealServer),
                    crate::notify::Event::Quorum { .. }
                        if phase == crate::notify::Phase::Shutdown =>
                    {
                        Some(Change::QuorumStopping)
                    }
                    crate::notify::Event::Quorum { .. } => Some(Change::Quorum),
                };
                if let Some(n) = change.and_then(|c| notification(pool, c, &self.desired.router_id))
                {
                    agent.notify(n);
                }
            }
            if !self.fifos.is_empty() {
                let line = crate::fifo::line(&e, pool);
                for f in &mut self.fifos {
                    f.write_line(&line);
                }
            }
            let Some(cfg) = &self.desired.smtp else {
                continue;
            };
            if let Some((subject, body)) =
                crate::alerts::mail(&e, pool, &self.desired.router_id, phase)
            {
                crate::alerts::send(&mut self.scripts, cfg, subject, body);
            }
        }
    }

    /// The addresses configured locally now (from a netlink dump): `ha_suspend`
    /// checkers of absent addresses stop checking, the others run.
    pub fn set_local_addresses(&mut self, addrs: HashSet<std::net::IpAddr>) {
        self.local_addrs = Some(addrs);
        self.update_suspended();
    }

    /// The local addresses can no longer be followed: no checker stays suspended.
    pub fn forget_local_addresses(&mut self) {
        self.local_addrs = None;
        self.update_suspended();
    }

    /// An address was added to (`present`) or removed from an interface.
    pub fn address_event(&mut self, addr: std::net::IpAddr, present: bool) {
        let addrs = self.local_addrs.get_or_insert_with(HashSet::new);
        if present {
            addrs.insert(addr);
        } else {
            addrs.remove(&addr);
        }
        self.update_suspended();
    }

    /// keepalived check_api.c `update_checker_activity`: each `ha_suspend`
    /// address's checkers run iff it is local.
    fn update_suspended(&mut self) {
        for (ip, tx) in &self.suspend {
            let present = self.local_addrs.as_ref().is_none_or(|a| a.contains(ip));
            tx.send_if_modified(|active| {
                if *active == present {
                    return false;
                }
                tracing::info!(
                    vip = %ip,
                    "{} healthcheckers of the virtual servers on {ip} (ha_suspend)",
                    if present { "activating" } else { "suspending" }
                );
                *active = present;
                true
            });
        }
    }

    /// SIGHUP: re-reads the configuration.
    pub fn reload(&mut self, desired: Desired) {
        let policy_changed = desired.script_policy != self.desired.script_policy;
        self.script_policy = desired.script_policy.resolve();
        if desired.notify_fifos != self.desired.notify_fifos || policy_changed {
            self.fifos.clear(); // closes (and removes what we created) first
            self.fifos = crate::fifo::open(&desired.notify_fifos, &self.script_policy);
        }
        if desired.snmp.as_ref() != self.snmp.as_ref().map(|a| a.settings()) {
            if let Some(mut old) = self.snmp.take() {
                old.close();
            }
            self.snmp = desired.snmp.clone().map(|s| self.new_agent(s));
        }
        self.install(desired);
    }

    /// An SNMP agent for `settings`, with a kernel handle of its own for
    /// the counters.
    fn new_agent(&self, settings: crate::snmp::Settings) -> crate::snmp::agent::Agent {
        let handle = self.kernel.another_handle().unwrap_or_else(|e| {
            tracing::warn!("SNMP: no IPVS handle for the counters ({e}): they show 0");
            None
        });
        let counters = crate::snmp::stats::CounterReader::new(handle);
        crate::snmp::agent::Agent::new(settings, counters)
    }

    /// Handles what the SNMP agent's wait returned: answers the master from
    /// the pools, and applies the weights it wrote.
    fn on_snmp(&mut self, wake: crate::snmp::agent::Wake) {
        let Some(agent) = self.snmp.as_mut() else {
            return;
        };
        let rec = &self.rec;
        let in_kernel = |k: &ipvs_sys::ServiceKey| rec.kernel().get(k).is_some();
        let input = crate::snmp::check::CheckInput {
            groups: &self.desired.vs_groups,
            pools: &self.pools,
            in_kernel: &in_kernel,
            timeouts: self.desired.timeouts,
            sync_daemon: self.desired.lvs_sync_daemon.as_ref(),
        };
        for set in agent.on_wake(wake, &input) {
            self.apply_weight(set);
        }
    }

    /// A realServerWeight write: the weight, the quorum, the scripts and
    /// notifications it is worth, then the kernel (ipwrapper.c
    /// `update_svr_wgt`).
    fn apply_weight(&mut self, set: crate::snmp::agent::WeightSet) {
        let Some(pool) = self.pools.get_mut(set.vs) else {
            return;
        };
        let before = crate::notify::Snapshot::of(pool);
        let scripts = pool.set_weight(set.rs, set.weight);
        run_scripts(
            &mut self.scripts,
            &self.script_policy,
            scripts,
            SCRIPT_TIMEOUT,
        );
        let events = before.changes(&self.pools[set.vs]);
        self.emit(events, crate::notify::Phase::Change);
        let ops = self.sync_ops(set.vs);
        self.execute(ops);
    }

    /// The status document (with the BFD sessions lvsd runs).
    fn status(&self) -> status::Status {
        let mut st = status::build(&self.config_name, &self.pools, &self.rec);
        st.bfd = self.bfd.status();
        st
    }

    /// The status document as JSON.
    pub fn status_json(&self) -> String {
        serde_json::to_string_pretty(&self.status())
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// One line for systemd's `STATUS=`: virtual and alive real servers.
    pub fn summary(&self) -> String {
        let st = status::build(&self.config_name, &self.pools, &self.rec);
        let rs: Vec<_> = st
            .virtual_servers
            .iter()
            .flat_map(|v| &v.real_servers)
            .collect();
        format!(
            "running {} virtual server(s), {}/{} real server(s) alive",
            st.virtual_servers.len(),
            rs.iter().filter(|r| r.alive).count(),
            rs.len()
        )
    }

    /// Prometheus text of the current state.
    pub fn metrics(&self) -> String {
        status::metrics(&self.status())
    }

    /// SIGTERM: stops checkers, removes what we added (unless `keep`, keepalived
    /// `-I`) and tells the notifiers of `omega` virtual servers
    /// ([`crate::notify::at_shutdown`]: scripts killed after
    /// [`STOP_SCRIPT_TIMEOUT`], FIFO lines, SMTP alerts), restores timeouts,
    /// stops our sync daemons, then waits (at most 10 s) for scripts and
    /// alerts, and closes the notify FIFOs (stopping their fifo scripts).
    pub async fn shutdown(mut self, keep: bool) {
        for (_, s) in self.slots.drain() {
            s.handle.abort();
        }
        self.bfd.shutdown().await;
        if !keep {
            let ops = self.rec.shutdown();
            self.execute(ops);
            let flushed = self.desired.flush_on_stop;
            if flushed {
                tracing::info!("lvs_flush_on_stop: flushing the IPVS table");
                if let Err(e) = self.kernel.flush() {
                    tracing::error!("flush: {e}");
                }
            }
            let mut scripts = Vec::new();
            let mut events = Vec::new();
            for p in &self.pools {
                let (s, e) = crate::notify::at_shutdown(p, flushed);
                scripts.extend(s);
                events.extend(e);
            }
            run_scripts(
                &mut self.scripts,
                &self.script_policy,
                scripts,
                STOP_SCRIPT_TIMEOUT,
            );
            self.emit(events, crate::notify::Phase::Shutdown);
        }
        if let Some(t) = self.orig_timeouts
            && let Err(e) = self.kernel.set_timeouts(&t)
        {
            tracing::warn!("restoring IPVS timeouts: {e}");
        }
        for d in std::mem::take(&mut self.daemons) {
            if let Err(e) = self.kernel.del_daemon(&d) {
                tracing::warn!("stopping sync daemon: {e}");
            }
        }
        let _ = tokio::time::timeout(STOP_WAIT, async {
            while self.scripts.join_next().await.is_some() {}
        })
        .await;
        if let Some(a) = &mut self.snmp {
            a.close();
        }
        // The FIFOs last: their shutdown lines are written above. Awaiting
        // close() stops each fifo script (SIGTERM to its group, SIGKILL after
        // the grace) before the runtime ends, instead of a background stop
        // that the runtime's end could cut short.
        for f in std::mem::take(&mut self.fifos) {
            f.close().await;
        }
    }
}

/// Runs the daemon on the kernel's IPVS until SIGTERM/SIGINT.
pub async fn run(opts: Options) -> Result<(), DaemonError> {
    run_with(opts, IpvsClient::new()?).await
}

/// [`run`] on `kernel` (the kernel's IPVS, or a stand-in in tests).
pub async fn run_with<K: Kernel>(opts: Options, kernel: K) -> Result<(), DaemonError> {
    use tokio::signal::unix::{SignalKind, signal};
    let (desired, _) = load_compact(&opts.config, opts.config_id.clone());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let name = opts.config.display().to_string();
    let mut d = Daemon::start(kernel, name, desired, tx)?;
    d.sync_bfd().await;
    crate::sys::release_freed_memory();
    let (qtx, mut qrx) = mpsc::channel::<Query>(16);
    if let Some(p) = &opts.socket {
        ha_daemon_kit::control::serve(p, qtx.clone(), Query::Json)?;
    }
    if let Some(addr) = opts.metrics_listen {
        let bound =
            ha_daemon_kit::metrics::serve(addr, qtx.clone(), Query::Metrics, opts.metrics_limits)
                .await?;
        tracing::info!("metrics at http://{bound}/metrics");
    }
    // ha_suspend: follow the local addresses (open the watch before the dump
    // so that no change falls between them).
    let mut watcher = match vrrp_linux::NetWatcher::open(vrrp_linux::WatchGroups {
        links: false,
        addresses: true,
        routes: false,
        rules: false,
    }) {
        Ok(w) => {
            resync_addresses(&mut d).await;
            Some(w)
        }
        Err(e) => {
            tracing::warn!("cannot watch local addresses ({e}): ha_suspend suspends nothing");
            None
        }
    };
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tracing::info!("lvsd running");
    // systemd Type=notify: the table is programmed and the sockets are up.
    ha_daemon_kit::systemd::ready(&d.summary());
    let mut reports = Vec::with_capacity(REPORT_BATCH);
    loop {
        tokio::select! {
            _ = rx.recv_many(&mut reports, REPORT_BATCH), if !rx.is_closed() => {
                d.on_reports(reports.drain(..));
            }
            ev = d.bfd.next_event() => d.on_bfd_event(&ev),
            w = snmp_wait(&mut d.snmp) => d.on_snmp(w),
            Some(q) = qrx.recv() => match q {
                Query::Json(o) => { let _ = o.send(d.status_json()); }
                Query::Metrics(o) => { let _ = o.send(d.metrics()); }
            },
            _ = hup.recv() => {
                tracing::info!("SIGHUP: reloading {}", opts.config.display());
                ha_daemon_kit::systemd::reloading(&format!("reloading {}", opts.config.display()));
                let (desired, readable) = load_compact(&opts.config, opts.config_id.clone());
                if readable {
                    d.reload(desired);
                    d.sync_bfd().await;
                    crate::sys::release_freed_memory();
                } else {
                    tracing::error!("cannot read {}; keeping the running configuration", opts.config.display());
                }
                ha_daemon_kit::systemd::ready(&d.summary());
            }
            ev = next_net_event(&mut watcher) => match ev {
                Ok(vrrp_linux::NetEvent { kind: vrrp_linux::NetEventKind::AddressAdded(a), .. }) => d.address_event(a.addr, true),
                Ok(vrrp_linux::NetEvent { kind: vrrp_linux::NetEventKind::AddressRemoved(a), .. }) => d.address_event(a.addr, false),
                Ok(_) => {}
                Err(vrrp_linux::NetlinkError::Overrun) => resync_addresses(&mut d).await,
                Err(e) => {
                    tracing::warn!("address watch failed ({e}): ha_suspend suspends nothing from now on");
                    watcher = None;
                    d.forget_local_addresses();
                }
            },
            _ = term.recv() => break,
            _ = int.recv() => break,
            Some(_) = d.scripts.join_next(), if !d.scripts.is_empty() => {}
        }
    }
    tracing::info!("stopping");
    ha_daemon_kit::systemd::stopping("stopping: removing the IPVS entries lvsd added");
    d.shutdown(opts.dont_release_ipvs).await;
    if let Some(p) = &opts.socket {
        let _ = std::fs::remove_file(p);
    }
    Ok(())
}

/// What woke the SNMP agent, or never without one.
async fn snmp_wait(a: &mut Option<crate::snmp::agent::Agent>) -> crate::snmp::agent::Wake {
    match a {
        Some(a) => a.wait().await,
        None => std::future::pending().await,
    }
}

/// The next address event, or never without a watcher.
async fn next_net_event(
    w: &mut Option<vrrp_linux::NetWatcher>,
) -> Result<vrrp_linux::NetEvent, vrrp_linux::NetlinkError> {
    match w {
        Some(w) => w.next().await,
        None => std::future::pending().await,
    }
}

/// Reads every local address (netlink dump) into the daemon for `ha_suspend`.
async fn resync_addresses<K: Kernel>(d: &mut Daemon<K>) {
    let dump = match vrrp_linux::Rtnl::open() {
        Ok(r) => r.addresses(None).await,
        Err(e) => Err(e),
    };
    match dump {
        Ok(addrs) => d.set_local_addresses(addrs.into_iter().map(|a| a.addr).collect()),
        Err(e) => tracing::warn!("reading local addresses: {e}"),
    }
}

#[cfg(test)]
mod tests;
