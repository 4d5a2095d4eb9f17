//! A minimal Prometheus scrape endpoint (`--metrics-listen ADDR`) for the
//! daemons: HTTP/1.1 on hyper, `GET /metrics` answers with the text the
//! daemon's main loop renders (OpenMetrics text via `prometheus-client`),
//! anything else gets 404. The main loop owns the state, so every scrape is
//! a request on a channel, like the control socket.

use std::convert::Infallible;
use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, error, warn};

use crate::control::Reply;

/// The content type of the exposition `prometheus-client` writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Bounds on the clients of the endpoint: a scraper needs one connection
/// every few seconds, so anything beyond a handful is refused at once, and a
/// client that is slow to send its request or to take the answer is dropped.
/// Without them, idle connections used up the daemon's descriptors until a
/// `vrrp_script` could not start (the instance went FAULT) or every checker
/// socket failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; further ones are closed as accepted.
    pub max_connections: usize,
    /// The time a client has to send its request headers.
    pub header_timeout: std::time::Duration,
    /// The time one connection may last from accept to close, answer
    /// included.
    pub connection_timeout: std::time::Duration,
    /// The largest request head read (hyper's buffer; 8 KiB is its minimum).
    pub max_request_bytes: usize,
}

/// The default of `--metrics-max-connections`.
pub const DEFAULT_MAX_CONNECTIONS: u16 = 16;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: DEFAULT_MAX_CONNECTIONS as usize,
            header_timeout: std::time::Duration::from_secs(2),
            connection_timeout: std::time::Duration::from_secs(10),
            max_request_bytes: 8192,
        }
    }
}

/// Binds `addr` and serves scrapes in the background within `limits`; every
/// `GET /metrics` sends `wrap(reply)` on `tx` and answers with the text the
/// daemon puts on the reply. A connection beyond `limits.max_connections`,
/// or one that would leave fewer than [`keepalived_runtime::fd_limit::RESERVE`]
/// descriptors free, is closed as soon as it is accepted. Keep-alive is off:
/// one request per connection. Returns the bound address (port 0 picks a
/// free port).
pub async fn serve<Q: Send + 'static>(
    addr: SocketAddr,
    tx: mpsc::Sender<Q>,
    wrap: fn(Reply) -> Q,
    limits: Limits,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    tokio::spawn(async move {
        let mut refused = RefusalLog::default();
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    if keepalived_runtime::fd_limit::is_local_shortage(&e) {
                        error!("metrics listener: out of file descriptors: {e}");
                    }
                    // Do not spin on EMFILE and the like.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Ok(slot) = std::sync::Arc::clone(&slots).try_acquire_owned() else {
                refused.note(peer, "connection limit reached", limits.max_connections);
                drop(stream);
                continue;
            };
            if !keepalived_runtime::fd_limit::listener_may_accept() {
                refused.note(
                    peer,
                    "file descriptor reserve reached",
                    limits.max_connections,
                );
                drop(stream);
                continue;
            }
            let tx = tx.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let svc = hyper::service::service_fn(move |req| answer(req, tx.clone(), wrap));
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(limits.header_timeout)
                    .keep_alive(false)
                    .max_buf_size(limits.max_request_bytes.max(8192))
                    .serve_connection(TokioIo::new(stream), svc);
                match tokio::time::timeout(limits.connection_timeout, conn).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => debug!(%peer, "metrics connection: {e}"),
                    Err(_) => {
                        debug!(%peer, "metrics connection: dropped after {:?}", limits.connection_timeout)
                    }
                }
            });
        }
    });
    Ok(local)
}

/// Refused connections, logged at most once every ten seconds with a count.
#[derive(Default)]
struct RefusalLog {
    since: Option<std::time::Instant>,
    count: u64,
}

impl RefusalLog {
    fn note(&mut self, peer: SocketAddr, why: &str, max: usize) {
        self.count += 1;
        let now = std::time::Instant::now();
        if self
            .since
            .is_none_or(|t| now.duration_since(t) >= std::time::Duration::from_secs(10))
        {
            warn!(
                %peer,
                refused = self.count,
                max_connections = max,
                "metrics connection refused: {why}"
            );
            self.since = Some(now);
            self.count = 0;
        }
    }
}

fn text(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

async fn answer<Q>(
    req: Request<Incoming>,
    tx: mpsc::Sender<Q>,
    wrap: fn(Reply) -> Q,
) -> Result<Response<Full<Bytes>>, Infallible> {
    const PLAIN: &str = "text/plain; charset=utf-8";
    if req.uri().path() != "/metrics" {
        return Ok(text(
            StatusCode::NOT_FOUND,
            PLAIN,
            "not found; metrics are at /metrics\n".into(),
        ));
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Ok(text(
            StatusCode::METHOD_NOT_ALLOWED,
            PLAIN,
            "GET /metrics\n".into(),
        ));
    }
    let (otx, orx) = oneshot::channel();
    if tx.send(wrap(otx)).await.is_err() {
        return Ok(text(
            StatusCode::SERVICE_UNAVAILABLE,
            PLAIN,
            "daemon stopping\n".into(),
        ));
    }
    Ok(match orx.await {
        Ok(body) => text(StatusCode::OK, CONTENT_TYPE, body),
        Err(_) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            PLAIN,
            "daemon stopping\n".into(),
        ),
    })
}

/// Label pairs of a metric family (`Family<Labels, Gauge>`), in the order
/// they are rendered.
pub type Labels = Vec<(String, String)>;

/// [`Labels`] from `[("instance", "VI_1"), ...]`.
pub fn labels<const N: usize>(pairs: [(&str, &str); N]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// The OpenMetrics text of `reg` (empty if encoding fails, which only a
/// failing `fmt::Write` can cause).
pub fn render(reg: &prometheus_client::registry::Registry) -> String {
    let mut out = String::new();
    if prometheus_client::encoding::text::encode(&mut out, reg).is_err() {
        out.clear();
    }
    out
}

/// Blocking `GET path` on `addr` (HTTP/1.0, for tests and probes): the status
/// code and the body.
pub fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    use std::io::{Read as _, Write as _};
    let mut s = std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(5))?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP response");
    let (head, body) = raw.split_once("\r\n\r\n").ok_or_else(bad)?;
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(bad)?;
    Ok((code, body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn scrape_gets_the_main_loops_text_and_other_paths_404() {
        let (tx, mut rx) = mpsc::channel::<Reply>(4);
        let addr = serve("127.0.0.1:0".parse().unwrap(), tx, |r| r, Limits::default())
            .await
            .unwrap();
        tokio::spawn(async move {
            while let Some(r) = rx.recv().await {
                let _ = r.send("# EOF\n".into());
            }
        });
        let (code, body) = tokio::task::spawn_blocking(move || http_get(addr, "/metrics"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((code, body.as_str()), (200, "# EOF\n"));
        let (code, _) = tokio::task::spawn_blocking(move || http_get(addr, "/"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(code, 404);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn scrape_after_the_daemon_stopped_is_503() {
        let (tx, rx) = mpsc::channel::<Reply>(4);
        let addr = serve("127.0.0.1:0".parse().unwrap(), tx, |r| r, Limits::default())
            .await
            .unwrap();
        drop(rx);
        let (code, _) = tokio::task::spawn_blocking(move || http_get(addr, "/metrics"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(code, 503);
    }
}
