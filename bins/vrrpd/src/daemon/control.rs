//! The control socket (`vrrpd status`, served by `netio::control`), the
//! Prometheus endpoint (`--metrics-listen`, `netio::metrics`) and the SIGUSR1
//! dump file. All three render one [`Snapshot`](super::status::Snapshot).

use std::path::{Path, PathBuf};

use super::router::Router;
use super::status::{Query, render_metrics};

/// Answers one control request from the current state.
pub fn answer(q: Query, router: &Router) {
    match q {
        Query::Json(r) => {
            let _ = r.send(router.status_json());
        }
        Query::Metrics(r) => {
            let _ = r.send(render_metrics(&router.snapshot()));
        }
    }
}

/// Writes `text` to `path` atomically (temp file + rename).
pub fn write_dump(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = PathBuf::from(path);
    tmp.set_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
