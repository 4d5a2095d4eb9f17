//! The AgentX session serving the check subtree and KEEPALIVED-MIB's
//! `global` scalars (keepalived_runtime's `snmp_global`, registered by
//! keepalived's checker process whenever it serves SNMP: check_snmp.c
//! `check_snmp_agent_init`): agentx-subagent's [`Link`]
//! (connects, reconnects after the session's back-off, queues notifications
//! until the session opens), answering reads from [`check::add`] of the
//! pools at the time of the request, and taking `realServerWeight` writes
//! (check_snmp.c `check_snmp_realserver_weight`: the only writable object).
//!
//! Writes are four-phase (RFC 2741 §7.2.4): TestSet checks every VarBind
//! names an existing real server's weight with an INTEGER of at least 0 and
//! remembers them; CommitSet hands them to the daemon, which applies them
//! after the wake-up; UndoSet cannot take an applied weight back.

use std::time::Instant;

use agentx_subagent::link::{Link, View, Wake as LinkWake};
use agentx_subagent::table::Table;
use agentx_subagent::{Config, Oid, Registration, ResError, Value, VarBind};
use keepalived_runtime::snmp_global::{self, GLOBAL_ROOT, GlobalScalars};
use tracing::{debug, warn};

use super::Settings;
use super::check::{self, CHECK_ROOT, CheckInput, weight_target};
use super::stats::{self, ReadService};
use super::traps::Notification;

/// keepalived's AgentX subagent identity (`KEEPALIVED-MIB::keepalived`).
const AGENT_ID: [u32; 10] = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 0];

/// What KEEPALIVED-MIB's `version` scalar shows: lvsd's own version.
pub const VERSION: &str = concat!("lvsd v", env!("CARGO_PKG_VERSION"));

/// What woke the agent (opaque: hand it back to [`Agent::on_wake`]).
#[derive(Debug)]
pub struct Wake(LinkWake);

/// A weight written over SNMP: the virtual server's and the real server's
/// positions (from 0) and the new weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightSet {
    /// The virtual server's position among the pools.
    pub vs: usize,
    /// The real server's position in its `real_server` list.
    pub rs: usize,
    /// The weight.
    pub weight: i32,
}

/// The subagent.
#[derive(Debug)]
pub struct Agent {
    settings: Settings,
    link: Link,
    /// What the last TestSet accepted.
    tested: Vec<WeightSet>,
}

/// One wake-up's view: the check subtree of the moment, and the Set phases.
struct Requests<'a, 'b> {
    input: &'a CheckInput<'b>,
    /// Reads a service's counters when a table is built.
    read: &'a mut ReadService<'b>,
    global: &'a GlobalScalars,
    tested: &'a mut Vec<WeightSet>,
    committed: Vec<WeightSet>,
}

impl View for Requests<'_, '_> {
    fn table(&mut self) -> Table {
        let mut t = Table::default();
        snmp_global::add(&mut t, self.global, VERSION);
        check::add(&mut t, self.input);
        // the kernel's counters, read once for this table (check_snmp.c
        // reads them from each handler through `ipvs_update_stats`)
        let figures = stats::read(self.input.pools, self.read);
        stats::add(&mut t, self.input.pools, &figures);
        t
    }

    fn test_set(&mut self, varbinds: &[VarBind]) -> (ResError, u16) {
        self.tested.clear();
        let root = Oid::from(CHECK_ROOT);
        for (i, vb) in varbinds.iter().enumerate() {
            let at = u16::try_from(i + 1).unwrap_or(u16::MAX);
            let Some((vs, rs)) = weight_target(self.input.pools, &vb.name) else {
                // a weight column without such a row, anything else of ours,
                // or not ours at all
                let weight_col = root.child(&[4, 1, check::RS_WEIGHT_COLUMN]);
                let err = if vb.name.starts_with(&weight_col) {
                    ResError::NO_CREATION
                } else {
                    ResError::NOT_WRITABLE
                };
                self.tested.clear();
                return (err, at);
            };
            let Value::Integer(weight) = vb.value else {
                self.tested.clear();
                return (ResError::WRONG_TYPE, at);
            };
            if weight < 0 {
                self.tested.clear();
                return (ResError::WRONG_VALUE, at);
            }
            self.tested.push(WeightSet { vs, rs, weight });
        }
        (ResError::NO_ERROR, 0)
    }

    fn commit_set(&mut self) -> ResError {
        // "There is no way to fail" (keepalived's commit)
        self.committed.append(&mut *self.tested);
        ResError::NO_ERROR
    }

    fn undo_set(&mut self) -> ResError {
        ResError::UNDO_FAILED
    }

    fn cleanup_set(&mut self) {
        self.tested.clear();
    }
}

impl Agent {
    /// Starts the session to the master `settings` names.
    pub fn new(settings: Settings) -> Agent {
        let mut cfg = Config::new(Oid::from(AGENT_ID), "lvsd");
        cfg.registrations = vec![
            Registration::new(Oid::from(GLOBAL_ROOT)),
            Registration::new(Oid::from(CHECK_ROOT)),
        ];
        if let Some(w) = &settings.unusable_socket {
            warn!(
                "snmp_socket {w}: not a unix or tcp AgentX address; using {}",
                settings.socket
            );
        }
        let link = Link::new(cfg, settings.socket.clone(), Instant::now());
        Agent {
            settings,
            link,
            tested: Vec::new(),
        }
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Waits for the socket, the session's timer or a connect attempt.
    /// Cancel-safe.
    pub async fn wait(&mut self) -> Wake {
        Wake(self.link.wait().await)
    }

    /// Handles what [`Agent::wait`] returned, answering from `input` and
    /// the counters `read` gets from the kernel (called only when a table is
    /// built for the master's requests); the weights committed, for the
    /// daemon to apply.
    pub fn on_wake<'b>(
        &mut self,
        wake: Wake,
        input: &CheckInput<'b>,
        read: &mut ReadService<'b>,
    ) -> Vec<WeightSet> {
        let mut view = Requests {
            input,
            read,
            global: &self.settings.global,
            tested: &mut self.tested,
            committed: Vec::new(),
        };
        self.link.on_wake(wake.0, &mut view);
        let committed = view.committed;
        self.log_notices();
        committed
    }

    /// Sends a notification (with `enable_traps`).
    pub fn notify(&mut self, n: Notification) {
        if !self.settings.traps {
            return;
        }
        debug!(trap = %n.trap, "AgentX: notification");
        self.link.notify(n.trap, n.varbinds);
        self.log_notices();
    }

    /// Closes the session.
    pub fn close(&mut self) {
        self.link.close();
    }

    fn log_notices(&mut self) {
        self.link.log_notices("the load balancer goes on");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentx_subagent::MibView;

    #[test]
    fn the_view_serves_the_global_scalars_beside_the_check_subtree() {
        let in_kernel = |_: &ipvs_sys::ServiceKey| true;
        let input = CheckInput {
            groups: &[],
            pools: &[],
            in_kernel: &in_kernel,
            timeouts: None,
            sync_daemon: None,
        };
        let global = GlobalScalars {
            router_id: Some("lb1".into()),
            lvs_flush: true,
            ..GlobalScalars::default()
        };
        let mut tested = Vec::new();
        let mut read = |_: &ipvs_sys::Service| None;
        let mut view = Requests {
            input: &input,
            read: &mut read,
            global: &global,
            tested: &mut tested,
            committed: Vec::new(),
        };
        let t = view.table();
        let g = |sub: &[u32]| t.get(&Oid::from(GLOBAL_ROOT).child(sub));
        assert_eq!(g(&[1, 0]), Value::OctetString(VERSION.as_bytes().to_vec()));
        assert_eq!(g(&[2, 0]), Value::OctetString(b"lb1".to_vec()));
        assert_eq!(g(&[6, 0]), Value::Integer(1));
        // the check subtree's scalars are there too
        assert!(t.iter().any(|(o, _)| o.starts_with(&Oid::from(CHECK_ROOT))));
    }
}
