//! The pool logic of one virtual server (keepalived's ipwrapper.c,
//! docs/keepalived.md §4.6 and §5.2), pure: checker verdicts in; the destinations each service
//! should hold and the scripts to run out.
//!
//! - A real server is alive iff every one of its checkers is up (no checker:
//!   always alive). Checkers start up, or down with `alpha`.
//! - A dead real server is absent, or present with weight 0 with
//!   `inhibit_on_failure`.
//! - Effective weight = configured weight + the checkers' dynamic deltas
//!   (`misc_dynamic`, FILE_CHECK), at least 0.
//! - Quorum: `sum` = total effective weight of alive servers; up→down when
//!   `sum == 0` or `sum < quorum - hysteresis`, down→up when `sum >= quorum +
//!   hysteresis`; initially up iff `sum >= quorum + hysteresis`.
//! - While the quorum is down, a configured `sorry_server` replaces the real
//!   servers (inhibited ones stay at weight 0); otherwise it is absent, or at
//!   weight 0 with `sorry_server_inhibit`.

use std::collections::HashSet;

use ipvs_sys::{Destination, ServiceKey};
use serde::Serialize;

use crate::model::{CheckerSpec, RsKey, VirtualServer, dest_for};

/// The current result of one checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Up (passing).
    pub up: bool,
    /// Weight change it asks for (`misc_dynamic`, FILE_CHECK); 0 otherwise.
    pub weight_delta: i64,
}

impl Verdict {
    /// Up with no weight change.
    pub const UP: Verdict = Verdict {
        up: true,
        weight_delta: 0,
    };
    /// Down.
    pub const DOWN: Verdict = Verdict {
        up: false,
        weight_delta: 0,
    };
}

/// A script the pool wants run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptRun {
    /// Why (`notify_up 10.0.0.2:80`, `quorum_down`, ...), for logs.
    pub reason: String,
    /// The command.
    pub argv: Vec<String>,
    /// Its own user (and group), else the default script user.
    pub user: Option<(String, Option<String>)>,
}

impl ScriptRun {
    /// A run of `cmd`, for `reason`.
    pub fn of(reason: String, cmd: &crate::model::Command) -> Self {
        ScriptRun {
            reason,
            argv: cmd.argv.clone(),
            user: cmd.user.clone(),
        }
    }
}

/// One real server's runtime state.
#[derive(Debug, Clone, Serialize)]
pub struct RsRuntime {
    /// Its key.
    pub key: RsKey,
    /// One verdict per checker, in configuration order.
    pub verdicts: Vec<Verdict>,
    /// Alive (every checker up).
    pub alive: bool,
    /// Started down with alpha and no result yet: the first failure still
    /// runs `notify_down` (docs/keepalived.md §5.2).
    #[serde(skip)]
    pub alpha_pending: bool,
}

/// One virtual server's runtime state.
#[derive(Debug, Clone)]
pub struct Pool {
    /// The configuration it runs (shared, so that a snapshot of the pools
    /// for SNMP does not copy it; an SNMP weight write copies it on write).
    pub vs: std::sync::Arc<VirtualServer>,
    /// Real servers, in configuration order.
    pub rs: Vec<RsRuntime>,
    /// Quorum state.
    pub quorum_up: bool,
}

/// A checker's identity across reloads: everything but its position.
pub fn checker_fingerprint(spec: &CheckerSpec) -> CheckerSpec {
    let mut s = spec.clone();
    s.location.clear();
    s
}

impl Pool {
    /// The state at start, or after a reload when `prior` is the pool of the
    /// same virtual server under the old configuration: verdicts of checkers
    /// that did not change are kept, and so is the quorum state.
    pub fn new(vs: VirtualServer, prior: Option<&Pool>) -> Pool {
        let rs: Vec<RsRuntime> = vs
            .real_servers
            .iter()
            .map(|r| {
                let old = prior.and_then(|p| {
                    p.vs.real_servers
                        .iter()
                        .zip(&p.rs)
                        .find(|(c, _)| c.key == r.key)
                });
                let mut used = HashSet::new();
                let verdicts: Vec<Verdict> = r
                    .checkers
                    .iter()
                    .map(|c| {
                        let fp = checker_fingerprint(c);
                        let kept = old.and_then(|(oc, ort)| {
                            oc.checkers.iter().enumerate().find_map(|(i, o)| {
                                (!used.contains(&i) && checker_fingerprint(o) == fp).then(|| {
                                    used.insert(i);
                                    ort.verdicts[i]
                                })
                            })
                        });
                        kept.unwrap_or(if c.alpha { Verdict::DOWN } else { Verdict::UP })
                    })
                    .collect();
                let alive = verdicts.iter().all(|v| v.up);
                let alpha_pending = match old {
                    Some((_, ort)) if !alive => ort.alpha_pending,
                    Some(_) => false,
                    None => !alive,
                };
                RsRuntime {
                    key: r.key,
                    verdicts,
                    alive,
                    alpha_pending,
                }
            })
            .collect();
        let mut p = Pool {
            vs: std::sync::Arc::new(vs),
            rs,
            quorum_up: true,
        };
        let sum = p.weight_sum();
        p.quorum_up = match prior {
            Some(old) => {
                if old.quorum_up {
                    !p.quorum_lost(sum)
                } else {
                    p.quorum_gained(sum)
                }
            }
            None => p.quorum_gained(sum),
        };
        p
    }

    /// Effective weight of real server `i`.
    pub fn weight(&self, i: usize) -> i64 {
        let base = i64::from(self.vs.real_servers[i].dest.weight);
        let delta: i64 = self.rs[i].verdicts.iter().map(|v| v.weight_delta).sum();
        (base + delta).clamp(0, i64::from(i32::MAX))
    }

    /// Total effective weight of alive real servers.
    pub fn weight_sum(&self) -> u64 {
        (0..self.rs.len())
            .filter(|&i| self.rs[i].alive)
            .map(|i| self.weight(i) as u64)
            .sum()
    }

    fn quorum_gained(&self, sum: u64) -> bool {
        sum >= self.vs.quorum + self.vs.hysteresis && sum > 0
    }

    fn quorum_lost(&self, sum: u64) -> bool {
        sum == 0 || sum < self.vs.quorum - self.vs.hysteresis
    }

    /// True while the sorry server replaces the real servers.
    pub fn sorry_active(&self) -> bool {
        self.vs.sorry_server.is_some() && !self.quorum_up
    }

    /// Records checker `checker` of real server `rs`; returns the scripts to run.
    pub fn set_verdict(&mut self, rs: usize, checker: usize, verdict: Verdict) -> Vec<ScriptRun> {
        let mut out = Vec::new();
        let (Some(r), Some(cfg)) = (self.rs.get_mut(rs), self.vs.real_servers.get(rs)) else {
            return out;
        };
        let Some(slot) = r.verdicts.get_mut(checker) else {
            return out;
        };
        *slot = verdict;
        let was = r.alive;
        r.alive = r.verdicts.iter().all(|v| v.up);
        let key = r.key;
        if r.alive != was || (r.alpha_pending && !r.alive && !verdict.up) {
            r.alpha_pending = false;
            let (script, what) = if r.alive {
                (&cfg.notify_up, "notify_up")
            } else {
                (&cfg.notify_down, "notify_down")
            };
            tracing::info!(
                vs = %self.vs.id,
                rs = %key,
                state = if r.alive { "UP" } else { "DOWN" },
                "real server state changed"
            );
            if let Some(cmd) = script {
                out.push(ScriptRun::of(format!("{what} {key}"), cmd));
            }
        }
        out.extend(self.update_quorum());
        out
    }

    /// Sets real server `rs`'s weight (an SNMP write of realServerWeight)
    /// and re-evaluates the quorum, as keepalived's ipwrapper.c
    /// `update_svr_wgt` does; returns the quorum scripts to run.
    pub fn set_weight(&mut self, rs: usize, weight: i32) -> Vec<ScriptRun> {
        let Some(cfg) = self.vs.real_servers.get(rs) else {
            return Vec::new();
        };
        if cfg.dest.weight == weight {
            return Vec::new();
        }
        tracing::info!(vs = %self.vs.id, rs = %cfg.key, from = cfg.dest.weight, to = weight,
            "real server weight changed over SNMP");
        // copied here if an SNMP snapshot still shares it
        let vs = std::sync::Arc::make_mut(&mut self.vs);
        if let Some(cfg) = vs.real_servers.get_mut(rs) {
            cfg.dest.weight = weight;
        }
        self.update_quorum()
    }

    fn update_quorum(&mut self) -> Vec<ScriptRun> {
        let sum = self.weight_sum();
        let was = self.quorum_up;
        self.quorum_up = if was {
            !self.quorum_lost(sum)
        } else {
            self.quorum_gained(sum)
        };
        if was == self.quorum_up {
            return Vec::new();
        }
        tracing::info!(vs = %self.vs.id, weight_sum = sum, quorum = self.vs.quorum,
            state = if self.quorum_up { "UP" } else { "DOWN" }, "quorum state changed");
        let (script, what) = if self.quorum_up {
            (&self.vs.quorum_up, "quorum_up")
        } else {
            (&self.vs.quorum_down, "quorum_down")
        };
        script
            .iter()
            .map(|cmd| ScriptRun::of(format!("{what} {}", self.vs.id), cmd))
            .collect()
    }

    /// The destinations `service` (one of this virtual server's) should hold.
    pub fn destinations(&self, service: &ServiceKey) -> Vec<Destination> {
        let mut out: Vec<Destination> = Vec::new();
        let sorry = self.sorry_active();
        for (i, (cfg, rt)) in self.vs.real_servers.iter().zip(&self.rs).enumerate() {
            let weight = if rt.alive && !sorry {
                self.weight(i)
            } else if cfg.inhibit_on_failure {
                0
            } else {
                continue;
            };
            let mut d = dest_for(service, &cfg.dest.destination());
            d.weight = weight as i32;
            out.push(d);
        }
        if let Some(s) = &self.vs.sorry_server
            && (sorry || s.inhibit)
        {
            let mut d = s.dest.clone();
            if s.port_from_service
                && let ServiceKey::Inet { port, .. } = service
            {
                d.port = *port;
            }
            d = dest_for(service, &d);
            d.weight = if sorry { 1 } else { 0 };
            // The sorry server may be one of the real servers: one entry only.
            out.retain(|o| (o.addr, o.port) != (d.addr, d.port) || !sorry);
            if !out.iter().any(|o| (o.addr, o.port) == (d.addr, d.port)) {
                out.push(d);
            }
        }
        out
    }

    /// Every destination key this virtual server may program in `service`
    /// (its real servers and sorry server), whether present now or not.
    pub fn managed(&self, service: &ServiceKey) -> HashSet<(std::net::IpAddr, u16)> {
        let mut out: HashSet<_> = self
            .vs
            .real_servers
            .iter()
            .map(|r| {
                let d = dest_for(service, &r.dest.destination());
                (d.addr, d.port)
            })
            .collect();
        if let Some(s) = &self.vs.sorry_server {
            let mut d = s.dest.clone();
            if s.port_from_service
                && let ServiceKey::Inet { port, .. } = service
            {
                d.port = *port;
            }
            let d = dest_for(service, &d);
            out.insert((d.addr, d.port));
        }
        out
    }
}

#[cfg(test)]
mod tests;
