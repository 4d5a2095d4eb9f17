//! `lvsd status` JSON, the control socket that serves it, and the optional
//! Prometheus text endpoint.

use std::io::Read as _;
use std::path::Path;

use serde::Serialize;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::{mpsc, oneshot};

use crate::model::CheckKind;
use crate::pool::Pool;
use crate::reconcile::Reconciler;

/// What a client asked for.
#[derive(Debug)]
pub enum Query {
    /// The JSON status document.
    Json(oneshot::Sender<String>),
    /// Prometheus text.
    Metrics(oneshot::Sender<String>),
}

/// Status of the daemon.
#[derive(Debug, Serialize)]
pub struct Status {
    /// The configuration file.
    pub config: String,
    /// Virtual servers.
    pub virtual_servers: Vec<VsStatus>,
}

/// One virtual server.
#[derive(Debug, Serialize)]
pub struct VsStatus {
    /// `TCP 10.0.0.1:80`, `FWM 5`, `group NAME`.
    pub id: String,
    /// file:line.
    pub location: String,
    /// IPVS services and whether the kernel holds them.
    pub services: Vec<ServiceStatus>,
    /// `quorum`.
    pub quorum: u64,
    /// `hysteresis`.
    pub hysteresis: u64,
    /// Quorum state.
    pub quorum_up: bool,
    /// Total effective weight of alive real servers.
    pub weight_sum: u64,
    /// The sorry server replaces the real servers.
    pub sorry_server_active: bool,
    /// Real servers.
    pub real_servers: Vec<RsStatus>,
}

/// One IPVS service.
#[derive(Debug, Serialize)]
pub struct ServiceStatus {
    /// The key.
    pub key: String,
    /// Scheduler.
    pub scheduler: String,
    /// Present in the kernel (as far as lvsd knows).
    pub in_kernel: bool,
    /// Destinations in the kernel: `addr:port` → weight.
    pub destinations: Vec<(String, i32)>,
}

/// One real server.
#[derive(Debug, Serialize)]
pub struct RsStatus {
    /// `addr:port`.
    pub address: String,
    /// file:line.
    pub location: String,
    /// Configured weight.
    pub weight: i32,
    /// Configured weight plus dynamic changes.
    pub effective_weight: i64,
    /// Every checker passes.
    pub alive: bool,
    /// `inhibit_on_failure`.
    pub inhibit_on_failure: bool,
    /// Checkers.
    pub checkers: Vec<CheckerStatus>,
}

/// One checker's verdict.
#[derive(Debug, Serialize)]
pub struct CheckerStatus {
    /// `TCP_CHECK`, `HTTP_GET`, ...
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// file:line.
    pub location: String,
    /// Passing.
    pub up: bool,
    /// Weight change it asks for.
    pub weight_delta: i64,
}

/// The keepalived name of a checker type.
pub fn kind_name(k: &CheckKind) -> &'static str {
    match k {
        CheckKind::Tcp => "TCP_CHECK",
        CheckKind::Http(h) if h.tls => "SSL_GET",
        CheckKind::Http(_) => "HTTP_GET",
        CheckKind::Misc(_) => "MISC_CHECK",
        CheckKind::Smtp { .. } => "SMTP_CHECK",
        CheckKind::Dns { .. } => "DNS_CHECK",
        CheckKind::Udp(_) => "UDP_CHECK",
        CheckKind::Ping => "PING_CHECK",
        CheckKind::File(_) => "FILE_CHECK",
    }
}

/// Builds the status document.
pub fn build(config: &str, pools: &[Pool], rec: &Reconciler) -> Status {
    let virtual_servers = pools
        .iter()
        .map(|p| VsStatus {
            id: p.vs.id.clone(),
            location: p.vs.location.clone(),
            services: p
                .vs
                .services
                .iter()
                .map(|s| {
                    let k = rec.kernel().get(&s.key);
                    ServiceStatus {
                        key: s.key.to_string(),
                        scheduler: s.scheduler.clone(),
                        in_kernel: k.is_some(),
                        destinations: k
                            .map(|k| {
                                k.dests
                                    .values()
                                    .map(|d| {
                                        (
                                            crate::model::RsKey {
                                                addr: d.addr,
                                                port: d.port,
                                            }
                                            .to_string(),
                                            d.weight,
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }
                })
                .collect(),
            quorum: p.vs.quorum,
            hysteresis: p.vs.hysteresis,
            quorum_up: p.quorum_up,
            weight_sum: p.weight_sum(),
            sorry_server_active: p.sorry_active(),
            real_servers: p
                .vs
                .real_servers
                .iter()
                .zip(&p.rs)
                .enumerate()
                .map(|(i, (c, r))| RsStatus {
                    address: c.key.to_string(),
                    location: c.location.clone(),
                    weight: c.dest.weight,
                    effective_weight: p.weight(i),
                    alive: r.alive,
                    inhibit_on_failure: c.inhibit_on_failure,
                    checkers: c
                        .checkers
                        .iter()
                        .zip(&r.verdicts)
                        .map(|(s, v)| CheckerStatus {
                            kind: kind_name(&s.kind),
                            location: s.location.clone(),
                            up: v.up,
                            weight_delta: v.weight_delta,
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Status {
        config: config.to_string(),
        virtual_servers,
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Prometheus text exposition of a status.
pub fn metrics(s: &Status) -> String {
    let mut out = String::new();
    out.push_str("# HELP lvsd_virtual_server_quorum_up 1 while the virtual server has quorum.\n# TYPE lvsd_virtual_server_quorum_up gauge\n");
    for v in &s.virtual_servers {
        out.push_str(&format!(
            "lvsd_virtual_server_quorum_up{{vs=\"{}\"}} {}\n",
            esc(&v.id),
            u8::from(v.quorum_up)
        ));
    }
    out.push_str("# HELP lvsd_real_server_up 1 while every checker of the real server passes.\n# TYPE lvsd_real_server_up gauge\n");
    for v in &s.virtual_servers {
        for r in &v.real_servers {
            out.push_str(&format!(
                "lvsd_real_server_up{{vs=\"{}\",rs=\"{}\"}} {}\n",
                esc(&v.id),
                esc(&r.address),
                u8::from(r.alive)
            ));
        }
    }
    out.push_str("# HELP lvsd_real_server_weight Effective weight of the real server.\n# TYPE lvsd_real_server_weight gauge\n");
    for v in &s.virtual_servers {
        for r in &v.real_servers {
            out.push_str(&format!(
                "lvsd_real_server_weight{{vs=\"{}\",rs=\"{}\"}} {}\n",
                esc(&v.id),
                esc(&r.address),
                r.effective_weight
            ));
        }
    }
    out
}

/// Serves the control socket: every connection gets the JSON document.
pub fn serve_socket(path: &Path, tx: mpsc::Sender<Query>) -> std::io::Result<()> {
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                format!("{} is served by a running daemon", path.display()),
            ));
        }
        std::fs::remove_file(path)?;
    }
    let listener = UnixListener::bind(path)?;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (otx, orx) = oneshot::channel();
            if tx.send(Query::Json(otx)).await.is_err() {
                return;
            }
            tokio::spawn(async move {
                if let Ok(text) = orx.await {
                    let _ = stream.write_all(text.as_bytes()).await;
                    let _ = stream.write_all(b"\n").await;
                    let _ = stream.shutdown().await;
                }
            });
        }
    });
    Ok(())
}

/// Serves Prometheus text on every HTTP request to `listener`.
pub fn serve_metrics(listener: TcpListener, tx: mpsc::Sender<Query>) {
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ =
                    tokio::time::timeout(std::time::Duration::from_secs(2), stream.read(&mut buf))
                        .await;
                let (otx, orx) = oneshot::channel();
                if tx.send(Query::Metrics(otx)).await.is_err() {
                    return;
                }
                if let Ok(body) = orx.await {
                    let head = format!(
                        "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(body.as_bytes()).await;
                    let _ = stream.shutdown().await;
                }
            });
        }
    });
}

/// `lvsd status`: prints the daemon's JSON; false on failure.
pub fn client(socket: &Path) -> bool {
    match std::os::unix::net::UnixStream::connect(socket) {
        Ok(mut s) => {
            let mut text = String::new();
            match s.read_to_string(&mut text) {
                Ok(_) => {
                    print!("{text}");
                    true
                }
                Err(e) => {
                    eprintln!("lvsd status: reading {}: {e}", socket.display());
                    false
                }
            }
        }
        Err(e) => {
            eprintln!(
                "lvsd status: cannot connect to {}: {e} (is lvsd running? see --socket)",
                socket.display()
            );
            false
        }
    }
}
