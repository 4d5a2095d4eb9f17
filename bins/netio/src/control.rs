//! The daemons' local control socket: a client connects to a unix stream
//! socket, the daemon writes one document (JSON status) and closes. Shared by
//! `vrrpd status` and `lvsd status`.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tokio::io::AsyncWriteExt as _;
use tokio::net::UnixListener;
use tokio::sync::{mpsc, oneshot};

/// Where the daemon's main loop puts the answer to one request.
pub type Reply = oneshot::Sender<String>;

/// Binds `path` (replacing a stale socket left by a dead daemon, refusing one
/// a live daemon still answers on) and forwards every connection to `tx` as
/// `wrap(reply)`. The text sent on the reply is written to the client,
/// followed by a newline.
pub fn serve<Q: Send + 'static>(
    path: &Path,
    tx: mpsc::Sender<Q>,
    wrap: fn(Reply) -> Q,
) -> std::io::Result<()> {
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
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                // EMFILE and the like: do not spin.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            };
            let (otx, orx) = oneshot::channel();
            if tx.send(wrap(otx)).await.is_err() {
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

/// Reads the whole document from the daemon listening on `socket`.
pub fn fetch(socket: &Path) -> std::io::Result<String> {
    let mut s = std::os::unix::net::UnixStream::connect(socket)?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    Ok(text)
}

/// `PROG status`: prints the daemon's document; failure (with the reason on
/// stderr) when no daemon answers.
pub fn status_client(prog: &str, socket: &Path) -> ExitCode {
    let mut s = match std::os::unix::net::UnixStream::connect(socket) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "{prog} status: cannot connect to {}: {e} (is {prog} running? see --socket)",
                socket.display()
            );
            return ExitCode::FAILURE;
        }
    };
    let mut text = String::new();
    match s.read_to_string(&mut text) {
        Ok(_) => match crate::stdout::print(&text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{prog} status: writing the output: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("{prog} status: reading {}: {e}", socket.display());
            ExitCode::FAILURE
        }
    }
}

/// Removes a file (pid file, socket) when dropped.
#[derive(Debug)]
pub struct RemoveOnDrop(pub Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!("netio-ctl-{tag}-{}.sock", std::process::id()))
    }

    #[tokio::test]
    async fn serves_the_main_loops_answer_and_replaces_a_stale_socket() {
        let path = tmp("serve");
        let _guard = RemoveOnDrop(Some(path.clone()));
        // A stale socket file nobody listens on.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let (tx, mut rx) = mpsc::channel::<Reply>(4);
        serve(&path, tx, |r| r).unwrap();
        // A second daemon on the same path is refused while the first runs.
        let (tx2, _rx2) = mpsc::channel::<Reply>(4);
        let e = serve(&path, tx2, |r| r).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AddrInUse);
        // The main loop: answers every request (the refused daemon's probe
        // connection is one too).
        tokio::spawn(async move {
            while let Some(reply) = rx.recv().await {
                let _ = reply.send("{\"ok\":true}".into());
            }
        });
        let p = path.clone();
        let got = tokio::task::spawn_blocking(move || fetch(&p))
            .await
            .unwrap();
        assert_eq!(got.unwrap(), "{\"ok\":true}\n");
    }

    #[test]
    fn client_without_daemon_fails() {
        let path = tmp("none");
        assert_eq!(
            status_client("testd", &path),
            ExitCode::FAILURE,
            "no daemon must be a failure"
        );
        assert!(fetch(&path).is_err());
    }
}
