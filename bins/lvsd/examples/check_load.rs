//! Runs lvsd's TCP_CHECK tasks without IPVS, for profiling the per-check cost
//! on any machine (tests-vm-lvsd/bench-host.sh runs it in a network namespace
//! against `tcp_sink`). Prints the checks done and the CPU they took.
//! Usage: [ENGINE=1] check_load CHECKERS SECONDS DELAY_LOOP_MS TARGET_IP[,TARGET_IP...]
//!        check_load --config FILE SECONDS
//! The second form runs the whole daemon (config load, pools, reconciler,
//! batching) on FILE with an IPVS stand-in that accepts every request, and
//! prints the requests, CPU and resident memory at the end.

use std::net::IpAddr;
use std::time::Duration;

use lvsd::checker;
use lvsd::model::{CheckKind, CheckerSpec, RsKey, Timing};

fn cpu_seconds() -> f64 {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one rusage into the buffer it is given.
    #[allow(unsafe_code)]
    let ru = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, ru.as_mut_ptr());
        ru.assume_init()
    };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

/// An IPVS that accepts everything and holds nothing.
struct NullKernel {
    requests: usize,
}

impl ipvs_sys::IpvsOps for NullKernel {
    fn services(&mut self) -> Result<Vec<ipvs_sys::Service>, ipvs_sys::Error> {
        Ok(Vec::new())
    }
    fn service(
        &mut self,
        _: &ipvs_sys::Service,
    ) -> Result<Option<ipvs_sys::Service>, ipvs_sys::Error> {
        Ok(None)
    }
    fn destinations(
        &mut self,
        _: &ipvs_sys::Service,
    ) -> Result<Vec<ipvs_sys::Destination>, ipvs_sys::Error> {
        Ok(Vec::new())
    }
    fn execute_batch(
        &mut self,
        reqs: &[ipvs_sys::Request],
    ) -> Result<Vec<Result<(), ipvs_sys::Error>>, ipvs_sys::Error> {
        self.requests += reqs.len();
        Ok(reqs.iter().map(|_| Ok(())).collect())
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

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Tcp ActiveOpens of this network namespace: connects started (check_load
/// runs alone in its namespace, so these are its checks).
fn active_opens() -> u64 {
    let s = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let mut tcp = s.lines().filter(|l| l.starts_with("Tcp:"));
    let (Some(h), Some(v)) = (tcp.next(), tcp.next()) else {
        return 0;
    };
    h.split_whitespace()
        .zip(v.split_whitespace())
        .find(|(k, _)| *k == "ActiveOpens")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("check_load: {e}");
            std::process::exit(1)
        }
    }
}

fn daemon_mode(file: &str, secs: u64) {
    runtime().block_on(async move {
        let c0 = cpu_seconds();
        let (desired, _) = lvsd::daemon::load_compact(std::path::Path::new(file), None);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let kernel = NullKernel { requests: 0 };
        let mut d = match lvsd::daemon::Daemon::start(kernel, file.into(), desired, tx) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("check_load: {e}");
                std::process::exit(1)
            }
        };
        let started = cpu_seconds() - c0;
        lvsd::sys::release_freed_memory();
        let rss_started = rss_kib();
        let t0 = tokio::time::Instant::now();
        let deadline = t0 + Duration::from_secs(secs);
        // The second half of the run is the steady state (convergence takes
        // a few seconds): CPU and connects per check are measured there.
        let half = t0 + Duration::from_secs(secs / 2);
        let mut steady: Option<(f64, u64)> = None;
        let mut batch = Vec::new();
        let mut reports = 0usize;
        loop {
            tokio::select! {
                n = rx.recv_many(&mut batch, 1024) => {
                    reports += n;
                    d.on_reports(batch.drain(..));
                }
                _ = tokio::time::sleep_until(half), if steady.is_none() => {
                    steady = Some((cpu_seconds(), active_opens()));
                }
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        let (sc, so) = steady.unwrap_or((c0, 0));
        let (scpu, sconn) = (cpu_seconds() - sc, active_opens().saturating_sub(so));
        println!(
            "steady (last {}s): cpu_s={scpu:.3} connects={sconn} us_per_check={:.1}",
            secs - secs / 2,
            scpu * 1e6 / sconn.max(1) as f64
        );
        let alive: usize = d
            .pools()
            .iter()
            .map(|p| p.rs.iter().filter(|r| r.alive).count())
            .sum();
        println!(
            "config={file} seconds={secs} start_cpu_s={started:.3} cpu_s={:.3} reports={reports} alive={alive} rss_kib_started={rss_started} rss_kib={}",
            cpu_seconds() - c0,
            rss_kib()
        );
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "--config" {
        let Ok(secs) = args[3].parse() else {
            eprintln!("check_load: SECONDS: not a number");
            std::process::exit(2)
        };
        daemon_mode(&args[2], secs);
        return;
    }
    let usage = || -> ! {
        eprintln!(
            "usage: check_load CHECKERS SECONDS DELAY_LOOP_MS TARGET_IP[,TARGET_IP...]\n       check_load --config FILE SECONDS"
        );
        std::process::exit(2)
    };
    if args.len() != 5 {
        usage();
    }
    let (Ok(n), Ok(secs), Ok(dl)) = (
        args[1].parse::<usize>(),
        args[2].parse::<u64>(),
        args[3].parse::<u64>(),
    ) else {
        usage()
    };
    let targets: Vec<IpAddr> = args[4].split(',').filter_map(|a| a.parse().ok()).collect();
    if targets.is_empty() {
        usage();
    }
    runtime().block_on(async move {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let limit = checker::Permits::single(checker::MAX_CONCURRENT_CHECKS);
        // ENGINE=1: the TCP_CHECK engine (as lvsd runs TCP_CHECK); else a
        // task per checker (as lvsd runs the other kinds).
        let engine = std::env::var("ENGINE").is_ok_and(|v| v == "1");
        let mut tcp = None;
        let c0 = cpu_seconds();
        let o0 = active_opens();
        let mut tasks = Vec::new();
        for i in 0..n {
            let spec = CheckerSpec {
                location: format!("check_load:{i}"),
                timing: Timing {
                    connect_timeout: Duration::from_secs(3),
                    retry: 1,
                    delay_before_retry: Duration::from_secs(1),
                    delay_loop: Duration::from_millis(dl),
                    warmup: Duration::ZERO,
                },
                alpha: true,
                log_all_failures: false,
                target: RsKey {
                    addr: targets[i % targets.len()],
                    port: 80,
                },
                bind: None,
                bind_if: None,
                fwmark: None,
                kind: CheckKind::Tcp,
            };
            let spec = std::sync::Arc::new(spec);
            if engine {
                tasks.push(checker::start(i, spec, 1, &tx, &limit, None, &mut tcp));
            } else {
                tasks.push(checker::Handle::Task(checker::spawn(i, spec, 1, tx.clone(), limit.clone(), None)));
            }
        }
        let mut up = 0usize;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            tokio::select! {
                r = rx.recv() => match r {
                    Some(r) if r.verdict.up => up += 1,
                    Some(_) => {}
                    None => break,
                },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        let cpu = cpu_seconds() - c0;
        let checks = active_opens().saturating_sub(o0);
        println!(
            "engine={engine} checkers={n} seconds={secs} delay_loop_ms={dl} up={up} connects={checks} cpu_s={cpu:.3} us_per_check={:.1} rss_kib={}",
            cpu * 1e6 / checks.max(1) as f64,
            rss_kib()
        );
        for t in tasks {
            t.abort();
        }
    });
}
