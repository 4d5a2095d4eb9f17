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

/// Connections served at once; more wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 8;

/// The time a client has to take the whole document.
pub const WRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Binds `path` (replacing a stale socket left by a dead daemon, refusing one
/// a live daemon still answers on, and refusing to remove anything that is
/// not a socket) and forwards every connection to `tx` as `wrap(reply)`. The
/// text sent on the reply is written to the client, followed by a newline.
///
/// The socket is mode 0600 whatever the umask, and a client whose peer
/// credentials (`SO_PEERCRED`) are neither root nor this daemon's user is
/// closed unanswered. At most [`MAX_CONNECTIONS`] are served at once, each
/// within [`WRITE_TIMEOUT`], and none eats into the descriptor reserve
/// ([`keepalived_runtime::fd_limit`]).
pub fn serve<Q: Send + 'static>(
    path: &Path,
    tx: mpsc::Sender<Q>,
    wrap: fn(Reply) -> Q,
) -> std::io::Result<()> {
    use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
    if let Ok(md) = std::fs::symlink_metadata(path) {
        if !md.file_type().is_socket() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists and is not a socket; not removing it",
                    path.display()
                ),
            ));
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                format!("{} is served by a running daemon", path.display()),
            ));
        }
        std::fs::remove_file(path)?;
    }
    let listener = UnixListener::bind(path)?;
    // Clients are checked by uid below too: the window between bind and
    // chmod lets nobody else in.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    let me = nix::unistd::geteuid().as_raw();
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    tokio::spawn(async move {
        loop {
            let Ok(slot) = std::sync::Arc::clone(&slots).acquire_owned().await else {
                return;
            };
            let mut stream = match listener.accept().await {
                Ok((s, _)) => s,
                Err(e) => {
                    if keepalived_runtime::fd_limit::is_local_shortage(&e) {
                        tracing::error!("control socket: out of file descriptors: {e}");
                    }
                    // EMFILE and the like: do not spin.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let uid = stream.peer_cred().map(|c| c.uid());
            if !matches!(uid, Ok(u) if u == 0 || u == me) {
                tracing::warn!(peer_uid = ?uid, "control socket: client refused (neither root nor uid {me})");
                continue;
            }
            if !keepalived_runtime::fd_limit::listener_may_accept() {
                tracing::warn!(
                    "control socket: client refused, the file descriptor reserve is reached"
                );
                continue;
            }
            let (otx, orx) = oneshot::channel();
            if tx.send(wrap(otx)).await.is_err() {
                return;
            }
            tokio::spawn(async move {
                let _slot = slot;
                if let Ok(text) = orx.await {
                    let write = async {
                        stream.write_all(text.as_bytes()).await?;
                        stream.write_all(b"\n").await?;
                        stream.shutdown().await
                    };
                    let _ = tokio::time::timeout(WRITE_TIMEOUT, write).await;
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
        std::env::temp_dir().join(format!("ha-kit-ctl-{tag}-{}.sock", std::process::id()))
    }

    #[tokio::test]
    async fn serves_the_main_loops_answer_and_replaces_a_stale_socket() {
        let path = tmp("serve");
        let _guard = RemoveOnDrop(Some(path.clone()));
        // A stale socket file nobody listens on. A script forked by another
        // test in this process may hold the listener until its exec closes
        // it, so wait (bounded) until the socket refuses connections.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        for _ in 0..200 {
            if std::os::unix::net::UnixStream::connect(&path).is_err() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
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

    #[tokio::test]
    async fn socket_is_0600_whatever_the_umask_and_a_file_is_not_removed() {
        use std::os::unix::fs::PermissionsExt as _;
        let path = tmp("mode");
        let _guard = RemoveOnDrop(Some(path.clone()));
        let (tx, _rx) = mpsc::channel::<Reply>(4);
        serve(&path, tx, |r| r).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let file = tmp("file");
        let _g2 = RemoveOnDrop(Some(file.clone()));
        std::fs::write(&file, "keepalived.conf contents\n").unwrap();
        let (tx, _rx) = mpsc::channel::<Reply>(4);
        let e = serve(&file, tx, |r| r).unwrap_err();
        assert!(e.to_string().contains("not a socket"), "{e}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "keepalived.conf contents\n"
        );
    }

    /// A client of another user (nobody, when the test runs as root) gets no
    /// answer; root does.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn clients_of_other_users_are_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        if !nix::unistd::geteuid().is_root() {
            eprintln!("not root: only this user's own client is checked");
        }
        let dir = crate::test_util::tmpdir("ctl-peer");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.join("d.sock");
        let (tx, mut rx) = mpsc::channel::<Reply>(4);
        serve(&path, tx, |r| r).unwrap();
        tokio::spawn(async move {
            while let Some(reply) = rx.recv().await {
                let _ = reply.send("{}".into());
            }
        });
        let p = path.clone();
        let own = tokio::task::spawn_blocking(move || fetch(&p))
            .await
            .unwrap();
        assert_eq!(own.unwrap(), "{}\n");
        if nix::unistd::geteuid().is_root() {
            // Make the socket reachable for nobody, so that only the
            // credential check stands in the way.
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
            let script = format!(
                "import socket; s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect('{}'); print(repr(s.recv(100)))",
                path.display()
            );
            let out = tokio::process::Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .args(["/usr/bin/python3", "-c", &script])
                .output()
                .await
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                stdout.trim(),
                "b''",
                "nobody got an answer: {stdout} {out:?}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
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
