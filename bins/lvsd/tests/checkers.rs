//! Checkers against local listeners on 127.0.0.1 (loopback only, no root).
#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use lvsd::checker::{self, check_once};
use lvsd::model::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

const LO: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn spec(kind: CheckKind, port: u16) -> CheckerSpec {
    CheckerSpec {
        location: "test:1".into(),
        timing: Timing {
            connect_timeout: Duration::from_millis(500),
            retry: 1,
            delay_before_retry: Duration::from_millis(50),
            delay_loop: Duration::from_millis(100),
            warmup: Duration::ZERO,
        },
        alpha: false,
        log_all_failures: false,
        target: RsKey { addr: LO, port },
        bind: None,
        bind_if: None,
        fwmark: None,
        kind,
    }
}

/// A port with nothing listening (bound then closed).
async fn closed_port() -> u16 {
    let l = TcpListener::bind((LO, 0)).await.unwrap();
    l.local_addr().unwrap().port()
}

/// Serves `response` to every connection; returns the port and the requests seen.
async fn http_server(
    response: &'static [u8],
) -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let l = TcpListener::bind((LO, 0)).await.unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut req = Vec::new();
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = s.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    req.extend_from_slice(&buf[..n]);
                }
                let _ = tx.send(String::from_utf8_lossy(&req).into_owned());
                let _ = s.write_all(response).await;
            });
        }
    });
    (port, rx)
}

fn http(path: &str, digest: Option<&str>, status: Vec<(u16, u16)>, tls: bool) -> CheckKind {
    CheckKind::Http(Box::new(HttpSpec {
        tls,
        protocol: "1.0".into(),
        urls: vec![UrlSpec {
            path: path.into(),
            digest: digest.map(String::from),
            status,
            virtualhost: Some("www.example".into()),
        }],
        sni: None,
    }))
}

#[tokio::test]
async fn tcp_check_passes_on_a_listener_and_fails_on_a_closed_port() {
    let l = TcpListener::bind((LO, 0)).await.unwrap();
    let port = l.local_addr().unwrap().port();
    assert!(check_once(&spec(CheckKind::Tcp, port), 1).await.ok);
    assert!(
        !check_once(&spec(CheckKind::Tcp, closed_port().await), 1)
            .await
            .ok
    );
    // bindto a local address works; connect_port/connect_ip are the target.
    let mut s = spec(CheckKind::Tcp, port);
    s.bind = Some((LO, 0));
    assert!(check_once(&s, 1).await.ok);
}

#[tokio::test]
async fn tcp_check_times_out_within_connect_timeout() {
    // A listener whose backlog is full never completes new connections...
    // portable enough: an unroutable-in-loopback address is not allowed here, so
    // use a listener we never accept from with backlog 1 and fill it.
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind((LO, 0).into()).unwrap();
    let l = sock.listen(1).unwrap();
    let port = l.local_addr().unwrap().port();
    let mut fill = Vec::new();
    for _ in 0..8 {
        if let Ok(Ok(c)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect((LO, port)),
        )
        .await
        {
            fill.push(c);
        }
    }
    let t = std::time::Instant::now();
    let out = check_once(&spec(CheckKind::Tcp, port), 1).await;
    // Either the SYN was queued (pass) or it timed out; never longer than the timeout.
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    if !out.ok {
        assert!(out.reason.contains("connect_timeout"), "{}", out.reason);
    }
    drop(l);
}

#[tokio::test]
async fn http_get_status_digest_and_request_format() {
    let (port, mut reqs) =
        http_server(b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n").await;
    let good = http(
        "/health",
        Some("b1946ac92492d2347c6235b4d2611184"),
        vec![(200, 299)],
        false,
    );
    let out = check_once(&spec(good, port), 1).await;
    assert!(out.ok, "{}", out.reason);
    let req = reqs.recv().await.unwrap();
    assert_eq!(
        req,
        "GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: www.example\r\n\r\n"
    );
    let bad_digest = http(
        "/",
        Some("00000000000000000000000000000000"),
        vec![(200, 299)],
        false,
    );
    assert!(!check_once(&spec(bad_digest, port), 1).await.ok);
    let wrong_status = http("/", None, vec![(301, 302)], false);
    let out = check_once(&spec(wrong_status, port), 1).await;
    assert!(
        !out.ok && out.reason.contains("status 200"),
        "{}",
        out.reason
    );
    let (port503, _r) = http_server(b"HTTP/1.1 503 Unavailable\r\n\r\n").await;
    assert!(
        !check_once(&spec(http("/", None, vec![(200, 299)], false), port503), 1)
            .await
            .ok
    );
    assert!(
        !check_once(
            &spec(
                http("/", None, vec![(200, 299)], false),
                closed_port().await
            ),
            1
        )
        .await
        .ok
    );
}

#[tokio::test]
async fn ssl_get_over_tls_without_certificate_verification() {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let certs = vec![CertificateDer::from_pem_file(format!("{dir}/test-cert.pem")).unwrap()];
    let key = PrivateKeyDer::from_pem_file(format!("{dir}/test-key.pem")).unwrap();
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let l = TcpListener::bind((LO, 0)).await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(s).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let _ = tls.write_all(b"HTTP/1.0 200 OK\r\n\r\nsecure").await;
                let _ = tls.shutdown().await;
            });
        }
    });
    let digest = lvsd::checker::http::md5_hex(b"secure");
    let out = check_once(
        &spec(http("/", Some(&digest), vec![(200, 200)], true), port),
        1,
    )
    .await;
    assert!(out.ok, "{}", out.reason);
    // Plain HTTP against the TLS port fails.
    assert!(
        !check_once(&spec(http("/", None, vec![(200, 200)], false), port), 1)
            .await
            .ok
    );
}

async fn smtp_server(banner: &'static str) -> u16 {
    let l = TcpListener::bind((LO, 0)).await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let _ = s.write_all(banner.as_bytes()).await;
                let mut buf = [0u8; 512];
                let n = s.read(&mut buf).await.unwrap_or(0);
                if buf[..n].starts_with(b"HELO lvsd.test\r\n") {
                    let _ = s.write_all(b"250 hello\r\n").await;
                } else {
                    let _ = s.write_all(b"500 what\r\n").await;
                }
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(b"221 bye\r\n").await;
            });
        }
    });
    port
}

#[tokio::test]
async fn smtp_check_banner_helo_quit() {
    let kind = || CheckKind::Smtp {
        helo_name: "lvsd.test".into(),
    };
    let port = smtp_server("220-first line\r\n220 ready\r\n").await;
    let out = check_once(&spec(kind(), port), 1).await;
    assert!(out.ok, "{}", out.reason);
    let port = smtp_server("554 go away\r\n").await;
    assert!(!check_once(&spec(kind(), port), 1).await.ok);
    let bad_helo = CheckKind::Smtp {
        helo_name: "other".into(),
    };
    let port = smtp_server("220 ready\r\n").await;
    assert!(!check_once(&spec(bad_helo, port), 1).await.ok);
}

#[tokio::test]
async fn dns_check_needs_a_matching_response_with_rcode_0() {
    for (rcode, ok) in [(0u8, true), (3, false)] {
        let s = UdpSocket::bind((LO, 0)).await.unwrap();
        let port = s.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            let (n, from) = s.recv_from(&mut buf).await.unwrap();
            // Query for example.org. type A with RD.
            assert_eq!(&buf[12..n], b"\x07example\x03org\x00\x00\x01\x00\x01");
            assert_eq!(buf[2], 1);
            let mut r = buf[..n].to_vec();
            r[2] |= 0x80;
            r[3] = 0x80 | rcode;
            s.send_to(&r, from).await.unwrap();
        });
        let kind = CheckKind::Dns {
            qtype: 1,
            name: "example.org".into(),
        };
        assert_eq!(check_once(&spec(kind, port), 1).await.ok, ok);
    }
    // Silence fails after connect_timeout.
    let s = UdpSocket::bind((LO, 0)).await.unwrap();
    let kind = CheckKind::Dns {
        qtype: 6,
        name: String::new(),
    };
    assert!(
        !check_once(&spec(kind, s.local_addr().unwrap().port()), 1)
            .await
            .ok
    );
}

#[tokio::test]
async fn udp_check_reply_pattern_silence_and_port_unreachable() {
    let s = UdpSocket::bind((LO, 0)).await.unwrap();
    let port = s.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut buf = [0u8; 512];
        loop {
            let (n, from) = s.recv_from(&mut buf).await.unwrap();
            if &buf[..n] == b"\x01\x02" {
                s.send_to(b"\x0a\x71", from).await.unwrap();
            }
        }
    });
    let u = |req: Option<Vec<(u8, u8)>>, payload: &[u8]| {
        CheckKind::Udp(Box::new(UdpSpec {
            payload: Some(payload.to_vec()),
            require_reply: req,
            min_reply_length: 0,
            max_reply_length: 255,
        }))
    };
    let pat = Some(vec![(0x0a, 0xff), (0x01, 0x0f)]);
    assert!(
        check_once(&spec(u(pat.clone(), b"\x01\x02"), port), 1)
            .await
            .ok
    );
    let wrong = Some(vec![(0x0b, 0xff)]);
    assert!(!check_once(&spec(u(wrong, b"\x01\x02"), port), 1).await.ok);
    // The server stays silent to other payloads: passes without require_reply...
    assert!(check_once(&spec(u(None, b"\x09"), port), 1).await.ok);
    // ...and fails with it.
    assert!(!check_once(&spec(u(pat, b"\x09"), port), 1).await.ok);
    // ICMP port unreachable from a closed port fails.
    let closed = {
        let c = UdpSocket::bind((LO, 0)).await.unwrap();
        c.local_addr().unwrap().port()
    };
    assert!(!check_once(&spec(u(None, b"\x09"), closed), 1).await.ok);
}

#[tokio::test]
async fn ping_check_on_loopback() {
    let out = check_once(&spec(CheckKind::Ping, 0), 1).await;
    if !out.ok && out.reason.contains("ermission") {
        eprintln!(
            "SKIPPED: PING_CHECK needs root or net.ipv4.ping_group_range: {}",
            out.reason
        );
        return;
    }
    assert!(out.ok, "{}", out.reason);
}

#[tokio::test]
async fn file_check_weights_from_the_tracked_file() {
    let dir = std::env::temp_dir().join(format!("lvsd-file-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("w");
    std::fs::write(&path, "4\n").unwrap();
    let kind = CheckKind::File(Box::new(FileSpec {
        path: path.clone(),
        weight: 2,
        reverse: false,
    }));
    let out = check_once(&spec(kind, 0), 3).await;
    assert_eq!((out.ok, out.weight), (true, Some(11)));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn checker_task_reports_down_after_retry_plus_one_failures_and_up_again() {
    let l = TcpListener::bind((LO, 0)).await.unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let limit = checker::Permits::single(1);
    let h = checker::spawn(
        7,
        std::sync::Arc::new(spec(CheckKind::Tcp, port)),
        1,
        tx,
        limit,
        None,
    );
    let first = rx.recv().await.unwrap();
    assert_eq!((first.id, first.verdict.up), (7, true));
    let t = std::time::Instant::now();
    drop(l);
    let down = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(!down.verdict.up);
    // delay_loop 100 ms + (retry 1 + 1) connects + delay_before_retry 50 ms.
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    let l = TcpListener::bind((LO, port)).await.unwrap();
    let up = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(up.verdict.up);
    h.abort();
    drop(l);
}

/// Sends `head`, then `filler` again and again (paced, so what the client
/// does not read stays small) until the client goes away; reports how many
/// filler bytes were written.
async fn endless_server(
    head: &'static [u8],
    filler: &'static [u8],
) -> (u16, tokio::sync::mpsc::UnboundedReceiver<u64>) {
    let l = TcpListener::bind((LO, 0)).await.unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = s.read(&mut buf).await;
                let mut sent = 0u64;
                if s.write_all(head).await.is_ok() {
                    // At most 64 MiB: the test ends even if the client never stops.
                    while sent < 64 << 20 && s.write_all(filler).await.is_ok() {
                        sent += filler.len() as u64;
                        if sent.is_multiple_of(64 * 1024) {
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                    }
                }
                let _ = tx.send(sent);
            });
        }
    });
    (port, rx)
}

const FF_KIB: &[u8] = &[0xff; 1024];

#[tokio::test]
async fn http_get_stops_after_the_head_of_an_endless_body_without_digest() {
    let (port, mut sent) = endless_server(b"HTTP/1.0 200 OK\r\n\r\n", FF_KIB).await;
    let out = check_once(&spec(http("/", None, vec![(200, 200)], false), port), 1).await;
    assert!(out.ok, "{}", out.reason);
    let sent = tokio::time::timeout(Duration::from_secs(30), sent.recv())
        .await
        .unwrap()
        .unwrap();
    // The kernel's socket buffers take a few MiB; the checker read none of it.
    assert!(sent < 12 << 20, "the server wrote {sent} bytes");
}

#[tokio::test]
async fn http_get_digest_of_an_endless_body_fails_after_a_bounded_read() {
    let (port, mut sent) = endless_server(b"HTTP/1.0 200 OK\r\n\r\n", FF_KIB).await;
    let want = lvsd::checker::http::md5_hex(b"x");
    let out = check_once(
        &spec(http("/", Some(&want), vec![(200, 200)], false), port),
        1,
    )
    .await;
    assert!(!out.ok && out.reason.contains("digest"), "{}", out.reason);
    let sent = tokio::time::timeout(Duration::from_secs(30), sent.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(sent < 32 << 20, "the server wrote {sent} bytes");
}

#[tokio::test]
async fn http_get_fails_on_endless_headers() {
    let (port, mut sent) = endless_server(
        b"HTTP/1.0 200 OK\r\n",
        b"X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
    )
    .await;
    let out = check_once(&spec(http("/", None, vec![(200, 200)], false), port), 1).await;
    assert!(!out.ok && out.reason.contains("header"), "{}", out.reason);
    let sent = tokio::time::timeout(Duration::from_secs(30), sent.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(sent < 12 << 20, "the server wrote {sent} bytes");
}
