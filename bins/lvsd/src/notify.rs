//! Pool state changes as notification events (keepalived's `do_rs_notifies` and
//! `update_quorum_state`, docs/keepalived.md §4.6 and §5.4), for the notifiers that are not
//! scripts: SMTP alerts and notify FIFOs. Scripts stay with [`crate::pool`].
//!
//! The events come from comparing a pool before and after a verdict, so the pool
//! logic itself is unchanged.

use crate::model::RsKey;
use crate::pool::{Pool, ScriptRun};

/// One change worth telling the outside world about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A real server became alive (`up`) or failed.
    RealServer {
        /// The virtual server's id (`TCP 10.0.0.1:80`).
        vs: String,
        /// The real server.
        rs: RsKey,
        /// Alive now.
        up: bool,
    },
    /// The virtual server's quorum was gained (`up`) or lost.
    Quorum {
        /// The virtual server's id.
        vs: String,
        /// Quorum up now.
        up: bool,
    },
}

/// What a pool looked like before a change: alive flags and quorum.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Per real server: alive, and still waiting for its first alpha result.
    alive: Vec<(bool, bool)>,
    quorum_up: bool,
}

impl Snapshot {
    /// Records `pool`'s state.
    pub fn of(pool: &Pool) -> Snapshot {
        Snapshot {
            alive: pool.rs.iter().map(|r| (r.alive, r.alpha_pending)).collect(),
            quorum_up: pool.quorum_up,
        }
    }

    /// The events between this snapshot and `pool` now (real servers first, in
    /// configuration order, then the quorum, as keepalived reports them). An
    /// alpha server's first failure is an event although it was not alive
    /// (keepalived runs its down notifiers then: `RS ... DOWN` seen in the VM).
    pub fn changes(&self, pool: &Pool) -> Vec<Event> {
        let mut out: Vec<Event> = pool
            .rs
            .iter()
            .zip(&self.alive)
            .filter(|(now, (was, pending))| {
                now.alive != *was || (*pending && !now.alpha_pending && !now.alive)
            })
            .map(|(now, _)| Event::RealServer {
                vs: pool.vs.id.clone(),
                rs: now.key,
                up: now.alive,
            })
            .collect();
        if pool.quorum_up != self.quorum_up {
            out.push(Event::Quorum {
                vs: pool.vs.id.clone(),
                up: pool.quorum_up,
            });
        }
        out
    }
}

/// `rs_init_notifies` (keepalived ipwrapper.c init_service_rs): every real server that
/// is alive when its virtual server is installed, and was not alive under `prior`
/// (the same virtual server before a reload), gets its up notifications: the
/// `notify_up` script and the event for the other notifiers.
pub fn initial_up(pool: &Pool, prior: Option<&Pool>) -> (Vec<ScriptRun>, Vec<Event>) {
    let mut scripts = Vec::new();
    let mut events = Vec::new();
    for (cfg, rt) in pool.vs.real_servers.iter().zip(&pool.rs) {
        let was_alive = prior.is_some_and(|p| p.rs.iter().any(|o| o.key == rt.key && o.alive));
        if !rt.alive || was_alive {
            continue;
        }
        let why = format!("notify_up {} (rs_init_notifies)", rt.key);
        let n = rs_notice(pool, rt.key, cfg.notify_up.as_deref(), true, why);
        scripts.extend(n.0);
        events.push(n.1);
    }
    (scripts, events)
}

/// A real server's notification: its script (if configured) and its event.
fn rs_notice(
    pool: &Pool,
    rs: RsKey,
    script: Option<&crate::model::Command>,
    up: bool,
    reason: String,
) -> (Option<ScriptRun>, Event) {
    let run = script.map(|cmd| ScriptRun::of(reason, cmd));
    let event = Event::RealServer {
        vs: pool.vs.id.clone(),
        rs,
        up,
    };
    (run, event)
}

/// When a notification is sent: it selects the SMTP alert's text (keepalived
/// `do_vs_notifies` / `clear_service_rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A checker verdict changed something.
    Change,
    /// The virtual server was just installed (start, or new at a reload).
    Start,
    /// lvsd is stopping (`omega`).
    Shutdown,
}

/// keepalived 2.2.7 when it installs a virtual server (ipwrapper.c
/// `init_service_vs` → `update_quorum_state(vs, init)`): a quorum that is up
/// runs `quorum_up` and tells the other notifiers ("Starting with quorum
/// up"); a quorum that is down does so (`quorum_down`) only when a sorry
/// server takes over. Seen in the VM: `VS [10.1.1.1]:tcp:80 UP` on the FIFO
/// and `quorum_up` run at start; nothing for a quorum-down virtual server
/// without a sorry server.
pub fn initial_quorum(pool: &Pool) -> (Vec<ScriptRun>, Vec<Event>) {
    let (script, name) = if pool.quorum_up {
        (&pool.vs.quorum_up, "quorum_up")
    } else if pool.vs.sorry_server.is_some() {
        (&pool.vs.quorum_down, "quorum_down")
    } else {
        return (vec![], vec![]);
    };
    let scripts = script
        .iter()
        .map(|cmd| ScriptRun::of(format!("{name} {} (start)", pool.vs.id), cmd))
        .collect();
    let events = vec![Event::Quorum {
        vs: pool.vs.id.clone(),
        up: pool.quorum_up,
    }];
    (scripts, events)
}

/// keepalived 2.2.7 at SIGTERM (check_daemon.c stop path → ipwrapper.c
/// `clear_services` → `clear_service_vs` → `clear_service_rs` and
/// `update_vs_notifies(vs, stopping)`), checked against keepalived in the
/// VM:
/// - without `omega`: nothing (keepalived only sends SNMP traps);
/// - with `omega`: every real server that is alive *and* in the IPVS table
///   (not while the sorry server replaces it; not a dead inhibited one) gets
///   `notify_down` and `RS ... DOWN`; then the virtual server gets
///   `quorum_down` and `VS ... DOWN` — always, even when its quorum was
///   already down;
/// - with `lvs_flush_on_stop` (`flushed`) the table is flushed instead, and
///   only the virtual server's notifiers run.
///
/// Real servers first, in configuration order, then the virtual server.
/// With `-I` (`dont_release_ipvs`) keepalived skips all of this.
pub fn at_shutdown(pool: &Pool, flushed: bool) -> (Vec<ScriptRun>, Vec<Event>) {
    let mut scripts = Vec::new();
    let mut events = Vec::new();
    if !pool.vs.omega {
        return (scripts, events);
    }
    if !flushed && !pool.sorry_active() {
        for (cfg, rt) in pool.vs.real_servers.iter().zip(&pool.rs) {
            if !rt.alive {
                continue;
            }
            let why = format!("notify_down {} (omega)", rt.key);
            let n = rs_notice(pool, rt.key, cfg.notify_down.as_deref(), false, why);
            scripts.extend(n.0);
            events.push(n.1);
        }
    }
    if let Some(cmd) = &pool.vs.quorum_down {
        scripts.push(ScriptRun::of(
            format!("quorum_down {} (omega)", pool.vs.id),
            cmd,
        ));
    }
    events.push(Event::Quorum {
        vs: pool.vs.id.clone(),
        up: false,
    });
    (scripts, events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::map_config;
    use crate::pool::Verdict;

    fn pool(text: &str) -> Pool {
        let parsed = keepalived_conf::parse_str("t.conf", text, &Default::default());
        let m = map_config(&parsed.config);
        Pool::new(m.desired.virtual_servers[0].clone(), None)
    }

    const CONF: &str = "virtual_server 10.1.0.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n\
        real_server 10.2.0.1 80 {\n notify_up \"/bin/up one\"\n TCP_CHECK {\n }\n }\n\
        real_server 10.2.0.2 80 {\n alpha\n notify_up \"/bin/up two\"\n TCP_CHECK {\n }\n }\n}\n";

    #[test]
    fn initial_notifies_only_for_alive_new_servers() {
        let p = pool(CONF);
        let (scripts, events) = initial_up(&p, None);
        assert_eq!(scripts.len(), 1);
        assert_eq!(scripts[0].argv, ["/bin/up", "one"]);
        assert_eq!(
            events,
            [Event::RealServer {
                vs: "TCP 10.1.0.1:80".into(),
                rs: p.rs[0].key,
                up: true
            }]
        );
        // After a reload nothing new is alive: no notifies again.
        let again = Pool::new(crate::model::VirtualServer::clone(&p.vs), Some(&p));
        assert_eq!(initial_up(&again, Some(&p)), (vec![], vec![]));
    }

    #[test]
    fn snapshot_reports_rs_then_quorum() {
        let mut p = pool(CONF);
        let before = Snapshot::of(&p);
        p.set_verdict(0, 0, Verdict::DOWN);
        let ev = before.changes(&p);
        assert_eq!(
            ev,
            [
                Event::RealServer {
                    vs: "TCP 10.1.0.1:80".into(),
                    rs: p.rs[0].key,
                    up: false
                },
                Event::Quorum {
                    vs: "TCP 10.1.0.1:80".into(),
                    up: false
                }
            ]
        );
        let before = Snapshot::of(&p);
        p.set_verdict(1, 0, Verdict::UP);
        assert_eq!(before.changes(&p).len(), 2);
    }

    #[test]
    fn first_failure_of_an_alpha_server_is_an_event() {
        let mut p = pool(CONF);
        let before = Snapshot::of(&p);
        p.set_verdict(1, 0, Verdict::DOWN);
        let down = Event::RealServer {
            vs: "TCP 10.1.0.1:80".into(),
            rs: p.rs[1].key,
            up: false,
        };
        assert_eq!(before.changes(&p), [down]);
        // Only the first one.
        let before = Snapshot::of(&p);
        p.set_verdict(1, 0, Verdict::DOWN);
        assert_eq!(before.changes(&p), []);
    }

    /// keepalived.conf text with `body` inside one virtual server.
    fn vs_pool(body: &str) -> Pool {
        pool(&format!(
            "virtual_server 10.1.0.1 80 {{\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n{body}\n}}\n"
        ))
    }

    const RS2: &str = "quorum_up /bin/qup\n quorum_down /bin/qdown\n\
        real_server 10.2.0.1 80 {\n notify_down \"/bin/down one\"\n TCP_CHECK {\n }\n }\n\
        real_server 10.2.0.2 80 {\n notify_down \"/bin/down two\"\n TCP_CHECK {\n }\n }\n";

    fn argvs(s: &[ScriptRun]) -> Vec<String> {
        s.iter().map(|r| r.argv.join(" ")).collect()
    }

    fn lines(p: &Pool, e: &[Event]) -> Vec<String> {
        e.iter().map(|e| crate::fifo::line(e, p)).collect()
    }

    #[test]
    fn shutdown_without_omega_tells_nobody() {
        let p = vs_pool(RS2);
        assert_eq!(at_shutdown(&p, false), (vec![], vec![]));
        assert_eq!(at_shutdown(&p, true), (vec![], vec![]));
    }

    #[test]
    fn omega_shutdown_notifies_alive_servers_then_the_virtual_server() {
        // Seen in keepalived 2.2.7 (VM): notify_down of each alive server, its
        // RS line, then quorum_down and the VS line.
        let mut p = vs_pool(&format!("omega\n{RS2}"));
        let (s, e) = at_shutdown(&p, false);
        assert_eq!(argvs(&s), ["/bin/down one", "/bin/down two", "/bin/qdown"]);
        assert_eq!(
            lines(&p, &e),
            [
                "RS [10.2.0.1]:tcp:80 [10.1.0.1]:tcp:80 DOWN\n",
                "RS [10.2.0.2]:tcp:80 [10.1.0.1]:tcp:80 DOWN\n",
                "VS [10.1.0.1]:tcp:80 DOWN\n"
            ]
        );
        // A dead server is not told again.
        p.set_verdict(0, 0, Verdict::DOWN);
        let (s, e) = at_shutdown(&p, false);
        assert_eq!(argvs(&s), ["/bin/down two", "/bin/qdown"]);
        assert_eq!(e.len(), 2);
        // Quorum already down (no sorry server; quorum 2 of 1+1, one failed):
        // the alive server and the virtual server are still told, quorum_down
        // runs again (keepalived, VM).
        let mut p = vs_pool(&format!("omega\n quorum 2\n{RS2}"));
        p.set_verdict(1, 0, Verdict::DOWN);
        assert!(!p.quorum_up);
        let (s, e) = at_shutdown(&p, false);
        assert_eq!(argvs(&s), ["/bin/down one", "/bin/qdown"]);
        assert_eq!(
            lines(&p, &e),
            [
                "RS [10.2.0.1]:tcp:80 [10.1.0.1]:tcp:80 DOWN\n",
                "VS [10.1.0.1]:tcp:80 DOWN\n"
            ]
        );
        // lvs_flush_on_stop: only the virtual server's notifiers.
        let p = vs_pool(&format!("omega\n{RS2}"));
        let (s, e) = at_shutdown(&p, true);
        assert_eq!(argvs(&s), ["/bin/qdown"]);
        assert_eq!(lines(&p, &e), ["VS [10.1.0.1]:tcp:80 DOWN\n"]);
    }

    #[test]
    fn omega_shutdown_skips_servers_replaced_by_the_sorry_server_and_inhibited_ones() {
        // quorum 2 of weights 1+1 with a sorry server: one failure brings the
        // sorry server in and takes the alive one out of IPVS; keepalived then
        // tells only the virtual server at shutdown.
        let mut p = vs_pool(&format!(
            "omega\n quorum 2\n sorry_server 10.3.0.1 80\n{RS2}"
        ));
        p.set_verdict(1, 0, Verdict::DOWN);
        assert!(p.sorry_active());
        let (s, e) = at_shutdown(&p, false);
        assert_eq!(argvs(&s), ["/bin/qdown"]);
        assert_eq!(lines(&p, &e), ["VS [10.1.0.1]:tcp:80 DOWN\n"]);
        // inhibit_on_failure: the failed server stays at weight 0 but is not
        // alive: no notification for it.
        let mut p = vs_pool(&format!(
            "omega\n{}",
            RS2.replace(
                "notify_down \"/bin/down one\"",
                "inhibit_on_failure\n notify_down \"/bin/down one\""
            )
        ));
        p.set_verdict(0, 0, Verdict::DOWN);
        let (s, _) = at_shutdown(&p, false);
        assert_eq!(argvs(&s), ["/bin/down two", "/bin/qdown"]);
    }

    #[test]
    fn start_tells_an_up_quorum_and_a_down_one_only_with_a_sorry_server() {
        // keepalived 2.2.7 (VM): `VS ... UP` and quorum_up at start.
        let p = vs_pool(RS2);
        let (s, e) = initial_quorum(&p);
        assert_eq!(argvs(&s), ["/bin/qup"]);
        assert_eq!(lines(&p, &e), ["VS [10.1.0.1]:tcp:80 UP\n"]);
        // alpha: starts with every server down.
        let p = vs_pool(&format!("alpha\n{RS2}"));
        assert!(!p.quorum_up);
        assert_eq!(initial_quorum(&p), (vec![], vec![]));
        let p = vs_pool(&format!("alpha\n sorry_server 10.3.0.1 80\n{RS2}"));
        let (s, e) = initial_quorum(&p);
        assert_eq!(argvs(&s), ["/bin/qdown"]);
        assert_eq!(lines(&p, &e), ["VS [10.1.0.1]:tcp:80 DOWN\n"]);
    }
}
