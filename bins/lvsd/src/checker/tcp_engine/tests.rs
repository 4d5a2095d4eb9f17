use std::net::{Ipv4Addr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::model::{CheckKind, RsKey, Timing};

fn spec(
    port: u16,
    alpha: bool,
    retry: u32,
    delay_loop_ms: u64,
    timeout_ms: u64,
) -> Arc<CheckerSpec> {
    Arc::new(CheckerSpec {
        location: "test".into(),
        timing: Timing {
            connect_timeout: Duration::from_millis(timeout_ms),
            retry,
            delay_before_retry: Duration::from_millis(20),
            delay_loop: Duration::from_millis(delay_loop_ms),
            warmup: Duration::ZERO,
        },
        alpha,
        log_all_failures: false,
        target: RsKey {
            addr: Ipv4Addr::LOCALHOST.into(),
            port,
        },
        bind: None,
        bind_if: None,
        fwmark: None,
        kind: CheckKind::Tcp,
    })
}

/// A loopback listener that accepts (and closes) on a thread, counting.
fn sink() -> (u16, Arc<AtomicUsize>) {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = l.local_addr().expect("addr").port();
    let n = Arc::new(AtomicUsize::new(0));
    let c = n.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            drop(s);
            c.fetch_add(1, Ordering::SeqCst);
        }
    });
    (port, n)
}

/// A loopback port nobody listens on.
fn refused_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    l.local_addr().expect("addr").port()
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Report>) -> Report {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a report within 10 s")
        .expect("engine running")
}

#[tokio::test]
async fn alpha_checker_comes_up_against_a_listener() {
    let (port, accepted) = sink();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let e = Engine::spawn(tx).expect("engine");
    e.add(7, spec(port, true, 1, 10_000, 3_000));
    assert_eq!(
        next(&mut rx).await,
        Report {
            id: 7,
            verdict: Verdict::UP
        }
    );
    // The backend saw the connection.
    for _ in 0..100 {
        if accepted.load(Ordering::SeqCst) >= 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the listener accepted nothing");
}

#[tokio::test]
async fn refused_connect_is_down_at_once_without_alpha() {
    let port = refused_port();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let e = Engine::spawn(tx).expect("engine");
    e.add(1, spec(port, false, 3, 10_000, 3_000));
    // keepalived: without alpha the retry counter starts full, so the first
    // failure at start marks the checker down.
    assert_eq!(
        next(&mut rx).await,
        Report {
            id: 1,
            verdict: Verdict::DOWN
        }
    );
}

#[tokio::test]
async fn up_checker_goes_down_after_retry_plus_one_failures() {
    // Bound but not listening: refused. Learn the port, come up once by
    // listening, then stop listening.
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = l.local_addr().expect("addr").port();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let e = Engine::spawn(tx).expect("engine");
    e.add(3, spec(port, true, 2, 50, 1_000));
    assert_eq!(
        next(&mut rx).await,
        Report {
            id: 3,
            verdict: Verdict::UP
        }
    );
    drop(l);
    let t0 = Instant::now();
    assert_eq!(
        next(&mut rx).await,
        Report {
            id: 3,
            verdict: Verdict::DOWN
        }
    );
    // One failure after a delay_loop (50 ms), then two retries after
    // delay_before_retry (20 ms each): not sooner than 40 ms after the first
    // failure.
    assert!(
        t0.elapsed() >= Duration::from_millis(40),
        "{:?}",
        t0.elapsed()
    );
}

#[tokio::test]
async fn connect_timeout_fails_the_check() {
    // A listener that never accepts, its queue filled: further SYNs are
    // dropped, so the connect hangs until connect_timeout.
    let l = socket2::Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    l.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())
        .expect("bind");
    l.listen(0).expect("listen");
    let addr = l.local_addr().expect("addr").as_socket().expect("inet");
    let mut fill = Vec::new();
    for _ in 0..4 {
        if let Ok(s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            fill.push(s);
        }
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let e = Engine::spawn(tx).expect("engine");
    let t0 = Instant::now();
    e.add(9, spec(addr.port(), false, 0, 10_000, 300));
    assert_eq!(
        next(&mut rx).await,
        Report {
            id: 9,
            verdict: Verdict::DOWN
        }
    );
    assert!(
        t0.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t0.elapsed()
    );
}

#[tokio::test]
async fn more_checkers_than_the_in_flight_limit_all_come_up() {
    let (port, _) = sink();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let e = Engine::spawn(tx).expect("engine");
    let n = MAX_CONCURRENT_CHECKS * 2 + 17;
    for id in 0..n {
        e.add(id, spec(port, true, 1, 60_000, 5_000));
    }
    let mut up = std::collections::HashSet::new();
    while up.len() < n {
        let r = next(&mut rx).await;
        assert_eq!(r.verdict, Verdict::UP);
        assert!(up.insert(r.id), "checker {} reported twice", r.id);
    }
}

#[tokio::test]
async fn removed_checker_stops_checking_and_reporting() {
    let (port, accepted) = sink();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let e = Engine::spawn(tx).expect("engine");
    e.add(5, spec(port, true, 1, 20, 1_000));
    assert_eq!(next(&mut rx).await.id, 5);
    while accepted.load(Ordering::SeqCst) < 3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    e.remove(5);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let after = accepted.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        after,
        "checks after removal"
    );
    // Re-adding the id starts it afresh (first result reported again).
    e.add(5, spec(port, true, 1, 20, 1_000));
    assert_eq!(
        next(&mut rx).await,
        Report {
            id: 5,
            verdict: Verdict::UP
        }
    );
}

#[tokio::test]
async fn engine_stops_when_every_handle_is_dropped() {
    let (tx, mut rx) = mpsc::unbounded_channel::<Report>();
    let e = Engine::spawn(tx).expect("engine");
    drop(e);
    // The engine task held the only report sender: the channel closes.
    let r = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
    assert_eq!(r.expect("closed within 5 s"), None);
}

#[test]
fn checker_state_stays_compact() {
    // 10,000 checkers: the task per checker was ~550 B of future plus the
    // task header; a slot here must stay a small fraction of that.
    assert!(
        std::mem::size_of::<Slot>() <= 48,
        "{}",
        std::mem::size_of::<Slot>()
    );
    assert_eq!(
        untoken(token(123_456, u32::MAX - 1)),
        (123_456, u32::MAX - 1)
    );
}
