//! Runs lvsd's TCP_CHECK tasks without IPVS, for profiling the per-check cost
//! on any machine (tests-vm-lvsd/bench-host.sh runs it in a network namespace
//! against `tcp_sink`). Prints the checks done and the CPU they took.
//! Usage: check_load CHECKERS SECONDS DELAY_LOOP_MS TARGET_IP[,TARGET_IP...]

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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = || -> ! {
        eprintln!("usage: check_load CHECKERS SECONDS DELAY_LOOP_MS TARGET_IP[,TARGET_IP...]");
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
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("check_load: {e}");
            std::process::exit(1)
        }
    };
    rt.block_on(async move {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(
            checker::MAX_CONCURRENT_CHECKS,
        ));
        let c0 = cpu_seconds();
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
            tasks.push(checker::spawn(i, spec, 1, tx.clone(), limit.clone(), None));
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
        let checks = n as u64 * secs * 1000 / dl.max(1);
        println!(
            "checkers={n} seconds={secs} delay_loop_ms={dl} up={up} checks~{checks} cpu_s={cpu:.3} us_per_check={:.1}",
            cpu * 1e6 / checks.max(1) as f64
        );
        for t in tasks {
            t.abort();
        }
    });
}
