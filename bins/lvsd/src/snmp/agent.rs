//! The AgentX session serving the check subtree and KEEPALIVED-MIB's
//! `global` scalars (keepalived_runtime's `snmp_global`, registered by
//! keepalived's checker process whenever it serves SNMP: check_snmp.c
//! `check_snmp_agent_init`): agentx-subagent's [`Link`]
//! (connects, reconnects after the session's back-off, queues notifications
//! until the session opens), answering reads from [`check::add`] of a
//! snapshot of the pools taken at the time of the request, and taking `realServerWeight` writes
//! (check_snmp.c `check_snmp_realserver_weight`: the only writable object).
//!
//! The table is made when the master asks and answers only the requests of
//! that read from the socket (the link's table lifetime stays zero). On the
//! loop only a [`CheckSnapshot`] of the pools is taken (their configuration
//! is shared, not copied); the check subtree is built from it and the IPVS
//! counters are read from the kernel and added on a blocking thread
//! ([`View::table_builder`]), the requests waiting for it while the loop
//! goes on with the health checks.
//!
//! Writes are four-phase (RFC 2741 §7.2.4): TestSet checks every VarBind
//! names an existing real server's weight with an INTEGER of at least 0 and
//! remembers them; CommitSet hands them to the daemon, which applies them
//! after the wake-up; UndoSet cannot take an applied weight back.

use std::time::Instant;

use agentx_subagent::link::{Link, TableBuilder, View, Wake as LinkWake};
use agentx_subagent::table::Table;
use agentx_subagent::{Config, Oid, Registration, ResError, Value, VarBind};
use keepalived_runtime::snmp_global::{self, GLOBAL_ROOT, GlobalScalars};
use tracing::{debug, warn};

use super::Settings;
use super::check::{self, CHECK_ROOT, CheckInput, CheckSnapshot, weight_target};
use super::stats::{self, CounterReader};
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
    /// Where the counters are read.
    counters: CounterReader,
    /// What the last TestSet accepted.
    tested: Vec<WeightSet>,
}

/// One wake-up's view: the check subtree of the moment, and the Set phases.
struct Requests<'a, 'b> {
    input: &'a CheckInput<'b>,
    /// Reads the counters when a table is built.
    counters: &'a CounterReader,
    global: &'a GlobalScalars,
    tested: &'a mut Vec<WeightSet>,
    committed: Vec<WeightSet>,
}

/// The table without the counters, and what reading them needs.
fn without_counters(
    global: &GlobalScalars,
    input: &CheckInput<'_>,
) -> (Table, Vec<stats::PoolPlan>) {
    let mut t = Table::default();
    snmp_global::add(&mut t, global, VERSION);
    check::add(&mut t, input);
    (t, stats::plan(input.pools))
}

/// Adds the kernel's counters, read once for this table, to `t`
/// (check_snmp.c reads them from each handler through
/// `ipvs_update_stats`).
fn add_counters(t: &mut Table, plans: &[stats::PoolPlan], counters: &CounterReader) {
    let figures = counters.read(plans);
    stats::add(t, plans, &figures);
}

impl View for Requests<'_, '_> {
    /// The whole table on the calling thread (the link's fallback when a
    /// builder thread failed).
    fn table(&mut self) -> Table {
        let (mut t, plans) = without_counters(self.global, self.input);
        add_counters(&mut t, &plans, self.counters);
        t
    }

    /// A snapshot of the pools now, on the loop; the check subtree built
    /// from it and the counters read on the builder's blocking thread.
    fn table_builder(&mut self) -> Option<TableBuilder> {
        let snapshot = CheckSnapshot::of(self.input);
        let global = self.global.clone();
        let counters = self.counters.clone();
        Some(Box::new(move || {
            let (mut t, plans) = snapshot.with_input(|input| without_counters(&global, input));
            add_counters(&mut t, &plans, &counters);
            t
        }))
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
    /// Starts the session to the master `settings` names, reading the
    /// counters through `counters`.
    pub fn new(settings: Settings, counters: CounterReader) -> Agent {
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
            counters,
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
    /// the counters read from the kernel away from the loop; the weights
    /// committed, for the daemon to apply.
    pub fn on_wake(&mut self, wake: Wake, input: &CheckInput<'_>) -> Vec<WeightSet> {
        let mut view = Requests {
            input,
            counters: &self.counters,
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
            groups: &Default::default(),
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
        let counters = CounterReader::default();
        let mut view = Requests {
            input: &input,
            counters: &counters,
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

    /// A kernel stand-in that counts the services read and shows 7
    /// connections on each.
    struct Counting(std::sync::Arc<std::sync::atomic::AtomicUsize>);

    impl ipvs_sys::IpvsOps for Counting {
        fn services(&mut self) -> Result<Vec<ipvs_sys::Service>, ipvs_sys::Error> {
            Ok(Vec::new())
        }
        fn service(
            &mut self,
            s: &ipvs_sys::Service,
        ) -> Result<Option<ipvs_sys::Service>, ipvs_sys::Error> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut s = s.clone();
            s.stats.conns = 7;
            Ok(Some(s))
        }
        fn destinations(
            &mut self,
            _: &ipvs_sys::Service,
        ) -> Result<Vec<ipvs_sys::Destination>, ipvs_sys::Error> {
            Ok(Vec::new())
        }
        fn execute_batch(
            &mut self,
            r: &[ipvs_sys::Request],
        ) -> Result<Vec<Result<(), ipvs_sys::Error>>, ipvs_sys::Error> {
            Ok(r.iter().map(|_| Ok(())).collect())
        }
        fn flush(&mut self) -> Result<(), ipvs_sys::Error> {
            Ok(())
        }
        fn timeouts(&mut self) -> Result<ipvs_sys::Timeouts, ipvs_sys::Error> {
            Ok(ipvs_sys::Timeouts::default())
        }
        fn set_timeouts(&mut self, _: &ipvs_sys::Timeouts) -> Result<(), ipvs_sys::Error> {
            Ok(())
        }
        fn daemons(&mut self) -> Result<Vec<ipvs_sys::SyncDaemon>, ipvs_sys::Error> {
            Ok(Vec::new())
        }
        fn new_daemon(&mut self, _: &ipvs_sys::SyncDaemon) -> Result<(), ipvs_sys::Error> {
            Ok(())
        }
        fn del_daemon(&mut self, _: &ipvs_sys::SyncDaemon) -> Result<(), ipvs_sys::Error> {
            Ok(())
        }
    }

    /// One virtual server with one real server.
    fn one_pool() -> Vec<crate::pool::Pool> {
        let conf = "virtual_server 10.9.0.8 80 {\n lvs_sched rr\n lvs_method NAT\n\
 protocol TCP\n real_server 10.2.0.1 80 {\n }\n}\n";
        let parsed =
            keepalived_conf::parse_str("t.conf", conf, &keepalived_conf::LoadOptions::default());
        crate::mapping::map_config(&parsed.config)
            .desired
            .virtual_servers
            .into_iter()
            .map(|v| crate::pool::Pool::new(v, None))
            .collect()
    }

    #[test]
    fn the_kernel_is_read_on_the_builders_thread_only() {
        let pools = one_pool();
        let in_kernel = |_: &ipvs_sys::ServiceKey| true;
        let input = CheckInput {
            groups: &Default::default(),
            pools: &pools,
            in_kernel: &in_kernel,
            timeouts: None,
            sync_daemon: None,
        };
        let reads = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counters = CounterReader::new(Some(Box::new(Counting(reads.clone()))));
        let global = GlobalScalars::default();
        let mut tested = Vec::new();
        let mut view = Requests {
            input: &input,
            counters: &counters,
            global: &global,
            tested: &mut tested,
            committed: Vec::new(),
        };
        let build = view.table_builder().expect("a builder");
        // nothing read from the kernel on the calling (loop) thread
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 0);
        let loop_thread = std::thread::current().id();
        let (t, on) = std::thread::spawn(move || (build(), std::thread::current().id()))
            .join()
            .expect("the builder thread");
        assert_ne!(on, loop_thread);
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
        let vs_conns = Oid::from(CHECK_ROOT).child(&[3, 1, 27, 1]);
        assert_eq!(t.get(&vs_conns), Value::Gauge32(7));
        // the check subtree is in the built table too
        let vs_type = Oid::from(CHECK_ROOT).child(&[3, 1, 2, 1]);
        assert_eq!(t.get(&vs_type), Value::Integer(2));
        // one read per table: a second build reads again
        let again = view.table_builder().expect("a builder");
        let _ = again();
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    /// The builder holds a snapshot taken when the master asked: the pools
    /// may change on the loop while the table is built, and the table shows
    /// them as they were.
    #[test]
    fn the_builder_works_from_a_snapshot_taken_when_it_is_made() {
        let mut pools = one_pool();
        let in_kernel = |_: &ipvs_sys::ServiceKey| true;
        let global = GlobalScalars::default();
        let counters = CounterReader::default();
        let mut tested = Vec::new();
        let build = {
            let input = CheckInput {
                groups: &Default::default(),
                pools: &pools,
                in_kernel: &in_kernel,
                timeouts: None,
                sync_daemon: None,
            };
            let mut view = Requests {
                input: &input,
                counters: &counters,
                global: &global,
                tested: &mut tested,
                committed: Vec::new(),
            };
            view.table_builder().expect("a builder")
        };
        // the loop goes on: the real server fails, then the pools go
        assert!(pools[0].rs[0].alive);
        pools[0].rs[0].alive = false;
        pools.clear();
        let t = std::thread::spawn(build)
            .join()
            .expect("the builder thread");
        let rs_status = Oid::from(CHECK_ROOT).child(&[4, 1, 6, 1, 1]);
        assert_eq!(t.get(&rs_status), Value::Integer(1), "alive when asked");
        let vs_up = Oid::from(CHECK_ROOT).child(&[3, 1, 21, 1]);
        assert_eq!(t.get(&vs_up), Value::Gauge32(1));
    }

    #[test]
    fn without_a_kernel_handle_the_counters_are_zero() {
        let plans = stats::plan(&one_pool());
        assert_eq!(plans[0].services.len(), 1);
        let reads = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let with = CounterReader::new(Some(Box::new(Counting(reads))));
        assert_eq!(with.read(&plans)[0].vs.conns, 7);
        let without = CounterReader::new(None);
        let figures = without.read(&plans);
        assert_eq!(figures.len(), 1);
        assert_eq!(figures[0].vs, ipvs_sys::Stats::default());
        assert_eq!(figures[0].rs, vec![stats::DestStats::default()]);
    }
}
