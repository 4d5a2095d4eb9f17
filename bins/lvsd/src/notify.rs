//! Pool state changes as notification events (keepalived's `do_rs_notifies` and
//! `update_quorum_state`, reference §4.6 and §5.4), for the notifiers that are not
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
    alive: Vec<bool>,
    quorum_up: bool,
}

impl Snapshot {
    /// Records `pool`'s state.
    pub fn of(pool: &Pool) -> Snapshot {
        Snapshot {
            alive: pool.rs.iter().map(|r| r.alive).collect(),
            quorum_up: pool.quorum_up,
        }
    }

    /// The events between this snapshot and `pool` now (real servers first, in
    /// configuration order, then the quorum, as keepalived reports them).
    pub fn changes(&self, pool: &Pool) -> Vec<Event> {
        let mut out: Vec<Event> = pool
            .rs
            .iter()
            .zip(&self.alive)
            .filter(|(now, was)| now.alive != **was)
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
        if let Some(argv) = &cfg.notify_up {
            scripts.push(ScriptRun {
                reason: format!("notify_up {} (rs_init_notifies)", rt.key),
                argv: argv.clone(),
            });
        }
        events.push(Event::RealServer {
            vs: pool.vs.id.clone(),
            rs: rt.key,
            up: true,
        });
    }
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
        let again = Pool::new(p.vs.clone(), Some(&p));
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
}
