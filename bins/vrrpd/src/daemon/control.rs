//! The control socket: `vrrpd status` connects, the daemon writes one JSON
//! document and closes. Also the SIGUSR1 dump file.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tokio::io::AsyncWriteExt as _;
use tokio::net::UnixListener;
use tokio::sync::{mpsc, oneshot};

/// A status request from a socket client; answer with the JSON text.
pub type StatusRequest = oneshot::Sender<String>;

/// Binds `path` (replacing a stale socket) and forwards every connection as a
/// [`StatusRequest`] on `tx`.
pub fn serve(path: &Path, tx: mpsc::Sender<StatusRequest>) -> std::io::Result<()> {
    if path.exists() {
        // A stale socket from a previous run; a live daemon would answer.
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
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let (otx, orx) = oneshot::channel();
            if tx.send(otx).await.is_err() {
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

/// Writes `text` to `path` atomically (temp file + rename).
pub fn write_dump(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = PathBuf::from(path);
    tmp.set_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// `vrrpd status`: prints the daemon's JSON.
pub fn status_client(socket: &Path) -> ExitCode {
    match std::os::unix::net::UnixStream::connect(socket) {
        Ok(mut s) => {
            let mut text = String::new();
            match s.read_to_string(&mut text) {
                Ok(_) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("vrrpd status: reading {}: {e}", socket.display());
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!(
                "vrrpd status: cannot connect to {}: {e} (is vrrpd running? see --socket)",
                socket.display()
            );
            ExitCode::FAILURE
        }
    }
}
