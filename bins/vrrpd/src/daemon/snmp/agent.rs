//! The AgentX connection to the master agent (snmpd): agentx-subagent's
//! [`Link`] (connects, moves bytes, reconnects after the session's
//! back-off), answering reads from a [`Table`] built from the current status
//! snapshot with the MIBs enabled; KEEPALIVED-MIB's two writable instance
//! objects go through [`writes`] to the router.
//!
//! The main loop waits on [`Snmp::wait`] (cancel-safe) and hands the result
//! to [`Snmp::on_wake`].
//!
//! With a thousand instances the table holds some 34,000 variables: only
//! the snapshot is taken on the loop, the table is built on a blocking
//! thread ([`View::table_builder`]) and answers the requests of the next
//! [`TABLE_LIFETIME`] (a walk asks for one variable at a time), so adverts
//! are not held up by a walk, whatever the master does.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentx_subagent::link::{Link, TableBuilder, View, Wake as LinkWake};
use agentx_subagent::{Config, Oid, Registration, ResError, VarBind};
use tracing::{debug, warn};

use super::mib::{MibInput, Table};
use super::traps::{Enabled, TrapEvent, notifications};
use super::writes::{self, InstanceWrite};
use super::{
    keepalived, keepalived_files, keepalived_group_tracking, keepalived_processes,
    keepalived_routes, keepalived_scripts, keepalived_traps, vrrpv2, vrrpv3,
};
use crate::daemon::status::Snapshot;
use crate::spec::snmp::SnmpSpec;

/// keepalived's AgentX subagent identity (`KEEPALIVED-MIB::keepalived`).
const AGENT_ID: [u32; 10] = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 0];

/// How long one table answers the master's requests: values read through
/// SNMP are at most this old, except after a write, which starts a new
/// table.
pub const TABLE_LIFETIME: Duration = Duration::from_secs(1);

/// What woke the agent (opaque: hand it back to [`Snmp::on_wake`]).
#[derive(Debug)]
pub struct Wake(LinkWake);

/// One AgentX subagent serving the enabled MIBs.
#[derive(Debug)]
struct Agent {
    spec: Arc<SnmpSpec>,
    link: Link,
    /// When the instances started (their up-time).
    started: Instant,
    /// The writes of the Set transaction tested, waiting for its commit.
    tested: Option<Vec<(String, InstanceWrite)>>,
    /// Committed writes for the router.
    committed: Vec<(String, InstanceWrite)>,
}

fn registrations(spec: &SnmpSpec) -> Vec<Registration> {
    let mut r = Vec::new();
    if spec.rfcv2 {
        r.push(Registration::new(Oid::from(vrrpv2::ROOT)));
    }
    if spec.rfcv3 {
        r.push(Registration::new(Oid::from(vrrpv3::ROOT)));
    }
    if spec.keepalived.is_some() {
        // vrrp_snmp.c `vrrp_handles_global_oid`: `global` is the checker
        // side's when it serves SNMP (`SnmpSpec::global`)
        if spec.global {
            r.push(Registration::new(Oid::from(keepalived::GLOBAL_ROOT)));
        }
        r.push(Registration::new(Oid::from(keepalived::VRRP_ROOT)));
    }
    r
}

/// The view of one wake: the MIBs enabled, from the snapshot taken when
/// the master asks, and the Set transaction in progress.
struct Reads<'a, F: FnOnce() -> Snapshot> {
    spec: &'a Arc<SnmpSpec>,
    since_start: Duration,
    snapshot: Option<F>,
    taken: Option<Arc<Snapshot>>,
    tested: &'a mut Option<Vec<(String, InstanceWrite)>>,
    committed: &'a mut Vec<(String, InstanceWrite)>,
}

impl<F: FnOnce() -> Snapshot> Reads<'_, F> {
    /// The snapshot, taken once per wake and only when needed.
    fn snap(&mut self) -> Option<&Snapshot> {
        if self.taken.is_none() {
            self.taken = self.snapshot.take().map(|take| Arc::new(take()));
        }
        self.taken.as_deref()
    }
}

/// Every variable of the MIBs `spec` enables, from `snap`.
fn build_table(spec: &SnmpSpec, since_start: Duration, snap: &Snapshot) -> Table {
    let mut table = Table::default();
    let input = MibInput {
        snapshot: snap,
        since_start,
        traps: spec.traps,
    };
    if spec.rfcv2 {
        vrrpv2::add(&mut table, &input);
    }
    if spec.rfcv3 {
        vrrpv3::add(&mut table, &input);
    }
    if let Some(g) = &spec.keepalived {
        if spec.global {
            keepalived::add(&mut table, g);
        }
        keepalived::add_sync_groups(&mut table, g, snap);
        keepalived::add_instances(&mut table, g, snap);
        keepalived::add_addresses(&mut table, g, snap);
        keepalived::add_tracking(&mut table, g, snap);
        keepalived_scripts::add_scripts(&mut table, g, snap);
        keepalived_files::add_files(&mut table, g, snap);
        keepalived_group_tracking::add_group_tracking(&mut table, g);
        keepalived_processes::add_tracked_processes(&mut table, g, snap);
        keepalived_processes::add_processes(&mut table, g, snap);
        keepalived_routes::add_routes(&mut table, g, snap);
    }
    table
}

impl<F: FnOnce() -> Snapshot> View for Reads<'_, F> {
    fn table(&mut self) -> Table {
        let since_start = self.since_start;
        let spec = Arc::clone(self.spec);
        match self.snap() {
            Some(snap) => build_table(&spec, since_start, snap),
            None => Table::default(),
        }
    }

    /// The snapshot is taken here, on the loop; the table is built from it
    /// on the link's blocking thread.
    fn table_builder(&mut self) -> Option<TableBuilder> {
        self.snap();
        let snap = Arc::clone(self.taken.as_ref()?);
        let spec = Arc::clone(self.spec);
        let since_start = self.since_start;
        Some(Box::new(move || build_table(&spec, since_start, &snap)))
    }

    /// TestSet (RFC 2741 §7.2.4.1): every VarBind checked as keepalived's
    /// reserve phases check it ([`writes::test`]; only KEEPALIVED-MIB's base
    /// priority and preempt of a running instance are writable, and only
    /// with `enable_snmp_vrrp`).
    fn test_set(&mut self, varbinds: &[VarBind]) -> (ResError, u16) {
        let Some(g) = self.spec.keepalived.clone() else {
            return (ResError::NOT_WRITABLE, 1);
        };
        let (running, v3): (BTreeSet<String>, BTreeSet<String>) = match self.snap() {
            Some(snap) => (
                snap.instances.iter().map(|i| i.name.clone()).collect(),
                snap.instances
                    .iter()
                    .filter(|i| i.version == vrrp_core::packet::Version::V3)
                    .map(|i| i.name.clone())
                    .collect(),
            ),
            None => Default::default(),
        };
        let mut ok = Vec::new();
        for (i, vb) in varbinds.iter().enumerate() {
            match writes::test(&g, &running, &v3, vb) {
                Ok(w) => ok.push(w),
                Err(e) => return (e, u16::try_from(i + 1).unwrap_or(u16::MAX)),
            }
        }
        *self.tested = Some(ok);
        (ResError::NO_ERROR, 0)
    }

    /// CommitSet: the tested writes go to the router (they cannot fail).
    fn commit_set(&mut self) -> ResError {
        match self.tested.take() {
            Some(w) => {
                self.committed.extend(w);
                ResError::NO_ERROR
            }
            None => ResError::COMMIT_FAILED,
        }
    }

    /// UndoSet: keepalived has no undo, nor has this.
    fn undo_set(&mut self) -> ResError {
        ResError::UNDO_FAILED
    }

    /// CleanupSet: the transaction is forgotten.
    fn cleanup_set(&mut self) {
        *self.tested = None;
    }
}

impl Agent {
    fn new(spec: SnmpSpec, now: Instant) -> Agent {
        let mut cfg = Config::new(Oid::from(AGENT_ID), "vrrpd");
        cfg.registrations = registrations(&spec);
        if let Some(w) = &spec.unusable_socket {
            warn!(
                "snmp_socket {w}: not a unix or tcp AgentX address; using {}",
                spec.socket
            );
        }
        let mut link = Link::new(cfg, spec.socket.clone(), now);
        link.set_table_lifetime(TABLE_LIFETIME);
        Agent {
            spec: Arc::new(spec),
            link,
            started: Instant::now(),
            tested: None,
            committed: Vec::new(),
        }
    }

    fn log_notices(&mut self) {
        self.link.log_notices("VRRP goes on");
    }
}

/// The daemon's SNMP side: nothing when no MIB is enabled.
#[derive(Debug, Default)]
pub struct Snmp {
    agent: Option<Agent>,
}

impl Snmp {
    /// Starts serving `spec` (connecting to its master), or nothing.
    pub fn new(spec: Option<SnmpSpec>) -> Snmp {
        Snmp {
            agent: spec.map(|s| Agent::new(s, Instant::now())),
        }
    }

    /// After a reload: the same settings keep the session (the instances'
    /// up-time starts again, as keepalived's does); other settings replace
    /// it.
    pub fn reconfigure(&mut self, spec: Option<SnmpSpec>) {
        match (&mut self.agent, spec) {
            (Some(a), Some(s)) if *a.spec == s => a.started = Instant::now(),
            (_, spec) => {
                if let Some(mut old) = self.agent.take() {
                    old.link.close();
                }
                self.agent = spec.map(|s| Agent::new(s, Instant::now()));
            }
        }
    }

    /// Waits for the socket, the session's timer or a connect attempt
    /// (never, without SNMP). Cancel-safe.
    pub async fn wait(&mut self) -> Wake {
        match &mut self.agent {
            Some(a) => Wake(a.link.wait().await),
            None => std::future::pending().await,
        }
    }

    /// Handles what [`Snmp::wait`] returned; `snapshot` is called only when
    /// the master asked for something.
    ///
    /// Returns the SNMP writes committed meanwhile (instance name and
    /// change), for the router to apply.
    pub fn on_wake(
        &mut self,
        wake: Wake,
        snapshot: impl FnOnce() -> Snapshot,
    ) -> Vec<(String, InstanceWrite)> {
        let Some(a) = &mut self.agent else {
            return Vec::new();
        };
        let mut view = Reads {
            spec: &a.spec,
            since_start: Instant::now().saturating_duration_since(a.started),
            snapshot: Some(snapshot),
            taken: None,
            tested: &mut a.tested,
            committed: &mut a.committed,
        };
        a.link.on_wake(wake.0, &mut view);
        a.log_notices();
        if !a.committed.is_empty() {
            // the next read sees the write
            a.link.invalidate_table();
        }
        std::mem::take(&mut a.committed)
    }

    /// Sends the notifications `event` is worth, when `enable_traps` is on
    /// (queued briefly while the session is not open yet).
    pub fn notify(&mut self, event: &TrapEvent) {
        let Some(a) = &mut self.agent else { return };
        if !a.spec.traps {
            return;
        }
        let enabled = Enabled {
            rfcv2: a.spec.rfcv2,
            rfcv3: a.spec.rfcv3,
        };
        let mut all = notifications(event, enabled);
        if let Some(g) = &a.spec.keepalived {
            all.extend(keepalived_traps::notifications(event, g));
        }
        for n in all {
            debug!(trap = %n.trap, "AgentX: notification");
            a.link.notify(n.trap, n.varbinds);
        }
        a.log_notices();
    }

    /// Closes the session at shutdown.
    pub fn shutdown(&mut self) {
        if let Some(a) = &mut self.agent {
            a.link.close();
        }
    }
}
