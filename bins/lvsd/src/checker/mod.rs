//! Health checkers: each one a tokio task that checks its target, runs the
//! keepalived retry cycle ([`Fsm`], docs/keepalived.md §5.2) and reports verdict
//! changes on a channel.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::model::{CheckKind, CheckerSpec};
use crate::pool::Verdict;

pub mod dns;
pub mod file;
pub mod http;
pub mod http_response;
pub mod limits;
pub mod misc;
pub mod net;
pub mod ping;
pub mod smtp;
pub mod tcp_engine;
pub mod udp;
pub mod url_cycle;

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Passed.
    pub ok: bool,
    /// A new absolute weight for the real server (`misc_dynamic`, FILE_CHECK);
    /// `None` keeps the current one.
    pub weight: Option<i64>,
    /// Why it failed (for logs).
    pub reason: String,
}

impl Outcome {
    /// Passed.
    pub fn pass() -> Self {
        Outcome {
            ok: true,
            weight: None,
            reason: String::new(),
        }
    }

    /// Failed because of `reason`.
    pub fn fail(reason: impl Into<String>) -> Self {
        Outcome {
            ok: false,
            weight: None,
            reason: reason.into(),
        }
    }
}

/// Runs one check of `spec` (whose real server has configured weight `weight`).
pub async fn check_once(spec: &CheckerSpec, weight: i64) -> Outcome {
    // Each kind's future is boxed: the task of every checker holds this
    // future, so its size must not be that of the largest kind (UDP's 64 KiB
    // receive buffer, TLS state).
    match &spec.kind {
        CheckKind::Tcp => match net::tcp_connect(spec).await {
            Ok(_) => Outcome::pass(),
            Err(e) => Outcome::fail(format!("connect: {e}")),
        },
        CheckKind::Http(h) => Box::pin(http::check(spec, h)).await,
        CheckKind::Misc(m) => Box::pin(misc::check(m)).await,
        CheckKind::Smtp { helo_name } => Box::pin(smtp::check(spec, helo_name)).await,
        CheckKind::Dns { qtype, name } => Box::pin(dns::check(spec, *qtype, name)).await,
        CheckKind::Udp(u) => Box::pin(udp::check(spec, u)).await,
        CheckKind::Ping => Box::pin(ping::check(spec)).await,
        CheckKind::File(f) => file::check(f, weight),
        // Never run as a check: its session's events are its results.
        CheckKind::Bfd { name } => Outcome::fail(format!(
            "BFD_CHECK follows the events of bfd_instance `{name}`"
        )),
    }
}

/// keepalived's retry cycle for one checker, pure.
///
/// - Without alpha the checker starts UP with its retry counter pre-set to
///   `retry`, so the first failure at start marks it DOWN at once.
/// - With alpha it starts DOWN.
/// - While UP, a failure is retried after `delay_before_retry` until `retry`
///   retries failed; the next failure marks it DOWN (DOWN needs `retry + 1`
///   consecutive failures).
/// - A DOWN checker is checked every `delay_loop`; one success marks it UP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fsm {
    /// Current state.
    pub up: bool,
    retry_it: u32,
    retry: u32,
    first: bool,
}

impl Fsm {
    /// The state at start.
    pub fn new(alpha: bool, retry: u32) -> Self {
        Fsm {
            up: !alpha,
            retry_it: if alpha { 0 } else { retry },
            retry,
            first: true,
        }
    }

    /// Feeds one result; returns the delay until the next check and, on the
    /// first result or a state change, the new state.
    pub fn on_result(
        &mut self,
        ok: bool,
        delay_loop: Duration,
        delay_before_retry: Duration,
    ) -> (Duration, Option<bool>) {
        let first = std::mem::replace(&mut self.first, false);
        if ok {
            self.retry_it = 0;
            let changed = !self.up || first;
            self.up = true;
            return (delay_loop, changed.then_some(true));
        }
        if self.up {
            if self.retry_it < self.retry {
                self.retry_it += 1;
                return (delay_before_retry, None);
            }
            self.up = false;
            self.retry_it = 0;
            return (delay_loop, Some(false));
        }
        (delay_loop, first.then_some(false))
    }
}

/// A verdict report from a checker task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Which checker (the daemon's index).
    pub id: usize,
    /// Its new verdict.
    pub verdict: Verdict,
}

fn jitter(max: Duration) -> Duration {
    jitter_for(max, 0)
}

/// A random delay below `max` (zero for zero); `salt` (a checker id) keeps
/// checkers started in the same nanosecond apart.
fn jitter_for(max: Duration, salt: u64) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0) as u64;
    let mut x = seed
        ^ 0x9e37_79b9_7f4a_7c15
        ^ (std::process::id() as u64) << 32
        ^ salt.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    let nanos = max.as_nanos().max(1) as u64;
    Duration::from_nanos(x % nanos)
}

pub use limits::{CheckLimits, MAX_CONCURRENT_CHECKS, Permits};

/// A running checker: its own task, or a TCP_CHECK in the shared engine.
#[derive(Debug)]
pub enum Handle {
    /// A checker task.
    Task(tokio::task::JoinHandle<()>),
    /// Checker `id` of the TCP_CHECK engine.
    Engine(tcp_engine::Engine, usize),
    /// A BFD_CHECK: no task; the daemon feeds it its session's events.
    Events,
}

impl Handle {
    /// Stops the checker.
    pub fn abort(&self) {
        match self {
            Handle::Task(h) => h.abort(),
            Handle::Engine(e, id) => e.remove(*id),
            Handle::Events => {}
        }
    }
}

/// Starts checker `id` like [`spawn`], but a TCP_CHECK without `ha_suspend`
/// runs in `engine` (started on first use) instead of a task of its own.
pub fn start(
    id: usize,
    spec: std::sync::Arc<CheckerSpec>,
    weight: i64,
    tx: &mpsc::UnboundedSender<Report>,
    limit: &Permits,
    active: Option<tokio::sync::watch::Receiver<bool>>,
    engine: &mut Option<tcp_engine::Engine>,
) -> Handle {
    if matches!(spec.kind, CheckKind::Bfd { .. }) {
        return Handle::Events;
    }
    if matches!(spec.kind, CheckKind::Tcp) && active.is_none() {
        let e = match engine {
            Some(e) => Some(e.clone()),
            None => match tcp_engine::Engine::spawn(tx.clone()) {
                Ok(e) => {
                    *engine = Some(e.clone());
                    Some(e)
                }
                Err(err) => {
                    tracing::warn!("TCP_CHECK engine: {err}; using a task per checker");
                    None
                }
            },
        };
        if let Some(e) = e {
            e.add(id, spec);
            return Handle::Engine(e, id);
        }
    }
    Handle::Task(spawn(id, spec, weight, tx.clone(), limit.clone(), active))
}

/// Starts the task of checker `id`: first check after a random delay up to
/// `warmup`, then the retry cycle. `weight` is the configured weight of the
/// real server. Each check holds the permits of `limit` and ends by its
/// deadline ([`limits::deadline`]; a check past it fails). Verdicts are sent when
/// they change (and after the first check). With `active` (`ha_suspend`), no
/// check runs while it is false: the verdict and the IPVS entries stay as
/// they are, as keepalived's disabled checkers (check_api.c
/// `update_checker_activity`); checks resume as soon as it turns true. The
/// task shares `spec` with the configuration instead of holding a copy
/// (thousands of checkers).
pub fn spawn(
    id: usize,
    spec: std::sync::Arc<CheckerSpec>,
    weight: i64,
    tx: mpsc::UnboundedSender<Report>,
    limit: Permits,
    active: Option<tokio::sync::watch::Receiver<bool>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(id, spec, weight, tx, limit, active))
}

/// One check of `spec` (URL `url` of an HTTP checker) under the permits of
/// `limit` and within its deadline ([`limits::deadline`]): a check still
/// running at the deadline fails.
async fn judged_check(
    spec: &CheckerSpec,
    weight: i64,
    url: Option<usize>,
    limit: &Permits,
) -> Outcome {
    let _permits = limit.acquire().await;
    let check = async {
        match (&spec.kind, url) {
            (CheckKind::Http(h), Some(u)) => Box::pin(http::check_url(spec, h, u)).await,
            _ => check_once(spec, weight).await,
        }
    };
    match limits::deadline(spec) {
        Some(d) => tokio::time::timeout(d, check)
            .await
            .unwrap_or_else(|_| Outcome::fail(format!("no complete answer within {d:?}"))),
        None => check.await,
    }
}

/// The body of a checker task (see [`spawn`]).
async fn run(
    id: usize,
    spec: std::sync::Arc<CheckerSpec>,
    weight: i64,
    tx: mpsc::UnboundedSender<Report>,
    limit: Permits,
    mut active: Option<tokio::sync::watch::Receiver<bool>>,
) {
    // spec.timing is read in place: a copy would add 80 bytes to each of
    // thousands of tasks.
    let mut fsm = Fsm::new(spec.alpha, spec.timing.retry);
    let mut delta: i64 = 0;
    let mut last: Option<Verdict> = None;
    let mut urls = match &spec.kind {
        CheckKind::Http(h) => Some(url_cycle::UrlCycle::new(h.urls.len())),
        _ => None,
    };
    tokio::time::sleep(jitter(spec.timing.warmup)).await;
    loop {
        if let Some(rx) = active.as_mut()
            && rx.wait_for(|a| *a).await.is_err()
        {
            return; // the daemon dropped the switch: the checker is gone
        }
        // Boxed: the permits and the deadline would grow every checker
        // task by ~200 bytes while it sleeps.
        let url = urls.as_ref().map(url_cycle::UrlCycle::current);
        let out = Box::pin(judged_check(&spec, weight, url, &limit)).await;
        if !out.ok && keepalived_runtime::fd_limit::near_exhaustion() {
            // The check could not tell anything about the server: lvsd is
            // out of descriptors (its sockets or pipes failed). Loudly, and
            // without a change of the server's state.
            tracing::error!(checker = %spec.location, target = %spec.target, reason = %out.reason,
                "check not judged: lvsd is out of file descriptors; the server keeps its state");
            tokio::time::sleep(spec.timing.delay_before_retry.max(Duration::from_secs(1))).await;
            continue;
        }
        if !out.ok && (spec.log_all_failures || fsm.up) {
            tracing::info!(checker = %spec.location, target = %spec.target, reason = %out.reason, "check failed");
        }
        if let Some(w) = out.weight {
            delta = w - weight;
        }
        let t = &spec.timing;
        let counts = urls.as_mut().is_none_or(|c| c.feed(out.ok, fsm.up));
        let (mut next, _) = if counts {
            fsm.on_result(out.ok, t.delay_loop, t.delay_before_retry)
        } else {
            (t.delay_loop, None)
        };
        if matches!(spec.kind, CheckKind::File(_)) {
            next = next.min(Duration::from_secs(1));
        }
        let verdict = Verdict {
            up: fsm.up,
            weight_delta: if fsm.up { delta } else { 0 },
        };
        if last != Some(verdict) {
            last = Some(verdict);
            if tx.send(Report { id, verdict }).is_err() {
                return;
            }
        }
        tokio::time::sleep(next).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DL: Duration = Duration::from_secs(10);
    const DBR: Duration = Duration::from_secs(2);

    #[test]
    fn first_failure_at_start_is_down_without_alpha() {
        let mut f = Fsm::new(false, 3);
        assert_eq!(f.on_result(false, DL, DBR), (DL, Some(false)));
    }

    #[test]
    fn retry_plus_one_failures_mark_down_after_a_success() {
        let mut f = Fsm::new(false, 2);
        assert_eq!(f.on_result(true, DL, DBR), (DL, Some(true)));
        assert_eq!(f.on_result(false, DL, DBR), (DBR, None));
        assert_eq!(f.on_result(false, DL, DBR), (DBR, None));
        assert_eq!(f.on_result(false, DL, DBR), (DL, Some(false)));
        assert_eq!(f.on_result(false, DL, DBR), (DL, None));
        assert_eq!(f.on_result(true, DL, DBR), (DL, Some(true)));
        // A success in between resets the count.
        assert_eq!(f.on_result(false, DL, DBR), (DBR, None));
        assert_eq!(f.on_result(true, DL, DBR), (DL, None));
        assert_eq!(f.on_result(false, DL, DBR), (DBR, None));
        assert_eq!(f.on_result(false, DL, DBR), (DBR, None));
        assert!(f.up);
    }

    #[test]
    fn alpha_starts_down_and_reports_the_first_result() {
        let mut f = Fsm::new(true, 1);
        assert!(!f.up);
        assert_eq!(f.on_result(false, DL, DBR), (DL, Some(false)));
        assert_eq!(f.on_result(false, DL, DBR), (DL, None));
        assert_eq!(f.on_result(true, DL, DBR), (DL, Some(true)));
    }

    #[test]
    fn retry_zero_goes_down_on_the_first_failure() {
        let mut f = Fsm::new(false, 0);
        f.on_result(true, DL, DBR);
        assert_eq!(f.on_result(false, DL, DBR), (DL, Some(false)));
    }

    fn tcp_spec() -> CheckerSpec {
        crate::model::CheckerSpec {
            location: String::new(),
            timing: crate::model::Timing {
                connect_timeout: DL,
                retry: 0,
                delay_before_retry: DL,
                delay_loop: DL,
                warmup: DL,
            },
            alpha: false,
            log_all_failures: false,
            target: crate::model::RsKey {
                addr: std::net::Ipv4Addr::LOCALHOST.into(),
                port: 1,
            },
            bind: None,
            bind_if: None,
            fwmark: None,
            kind: CheckKind::Tcp,
        }
    }

    #[test]
    fn a_checker_future_stays_small() {
        let spec = tcp_spec();
        let f = check_once(&spec, 1);
        assert!(
            std::mem::size_of_val(&f) < 2048,
            "{}",
            std::mem::size_of_val(&f)
        );
    }

    #[test]
    fn a_checker_task_stays_small() {
        let (tx, _rx) = mpsc::unbounded_channel();
        let f = run(
            0,
            std::sync::Arc::new(tcp_spec()),
            1,
            tx,
            Permits::single(1),
            None,
        );
        // 10,000 checkers hold 10,000 of these: 784 bytes when each task
        // held its own spec and timing copy, 488 with the shared spec (552
        // with the url cycle and the ha_suspend switch).
        assert!(
            std::mem::size_of_val(&f) <= 640,
            "{}",
            std::mem::size_of_val(&f)
        );
    }

    #[test]
    fn jitter_stays_below_its_bound() {
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
        for _ in 0..100 {
            assert!(jitter(Duration::from_millis(5)) < Duration::from_millis(5));
        }
    }
}
