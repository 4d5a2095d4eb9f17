//! Scripts, track files and notify FIFOs around the router (keepalived
//! notify.c, track_file.c, vrrp_notify.c):
//!
//! Who the scripts run as is decided before, by
//! [`apply_script_policy`](super::script_policy::apply_script_policy).
//! - [`TrackFiles`]: `init_file`, initial values and the inotify watcher.
//! - [`open_fifos`]: the notify FIFOs and their reader scripts.

use keepalived_runtime::notify_fifo::NotifyFifo;
use keepalived_runtime::script_security::lookup_user;
use keepalived_runtime::track_file::{FileChange, TrackFileWatcher, init_file, read_value};
use tokio::sync::mpsc;
use tracing::{error, info, warn};

use super::router::Router;
use crate::spec::mapping::{Mapped, TrackFileSpec};

/// A `track_file` value from the watcher: (name, value).
pub type FileValue = (String, i32);

/// Opens the notify FIFOs of `m` (after [`apply_script_policy`](super::script_policy::apply_script_policy)); a FIFO
/// that cannot be opened is logged and skipped, as keepalived does.
pub fn open_fifos(m: &Mapped) -> Vec<NotifyFifo> {
    let mut out = Vec::new();
    for f in &m.notify_fifos {
        let owner = match &f.owner {
            Some((u, g)) => match lookup_user(u, g.as_deref()) {
                Ok(o) => Some(o),
                Err(e) => {
                    warn!(fifo = %f.path.display(), "fifo owner: {e}");
                    None
                }
            },
            None => None,
        };
        let script = f.script.as_ref().map(|c| (c.argv.as_slice(), c.run_as));
        match NotifyFifo::open(&f.path, owner, script) {
            Ok(fifo) => {
                info!(fifo = %f.path.display(), "notify fifo open");
                out.push(fifo);
            }
            Err(e) => error!(fifo = %f.path.display(), "unable to open notify fifo: {e}"),
        }
    }
    out
}

/// The track files' watcher task.
#[derive(Debug, Default)]
pub struct TrackFiles {
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TrackFiles {
    /// (Re)starts watching `files`: `init_file` (not overwriting on
    /// reload), the current values to the router, then a watcher task that
    /// sends every change to `tx`.
    pub async fn start(
        &mut self,
        files: &[TrackFileSpec],
        reload: bool,
        router: &mut Router,
        tx: &mpsc::Sender<FileValue>,
    ) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
        for f in files {
            if let Some((value, overwrite)) = f.init
                && let Err(e) = init_file(&f.path, value, overwrite, reload)
            {
                warn!(track_file = %f.name, "unable to initialise track file: {e}");
            }
            if let Some(v) = read_value(&f.path) {
                router.on_track_file(&f.name, v).await;
            }
        }
        if files.is_empty() {
            return;
        }
        let paths: Vec<_> = files.iter().map(|f| f.path.clone()).collect();
        let mut watcher = match TrackFileWatcher::new(&paths) {
            Ok(w) => w,
            Err(e) => {
                error!("unable to monitor track files: {e}");
                return;
            }
        };
        let files = files.to_vec();
        let tx = tx.clone();
        self.task = Some(tokio::spawn(async move {
            loop {
                let changes = match watcher.next().await {
                    Ok(c) => c,
                    Err(e) => {
                        error!("track file watch: {e}");
                        return;
                    }
                };
                for ch in changes {
                    let (i, value) = match ch {
                        FileChange::Removed(i) => (i, Some(0)),
                        FileChange::Changed(i) => {
                            (i, files.get(i).and_then(|f| read_value(&f.path)))
                        }
                    };
                    if let (Some(f), Some(v)) = (files.get(i), value)
                        && tx.send((f.name.clone(), v)).await.is_err()
                    {
                        return;
                    }
                }
            }
        }));
    }
}

impl Drop for TrackFiles {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}
