//! The control socket (`vrrpd status`, served by `ha_daemon_kit::control`), the
//! Prometheus endpoint (`--metrics-listen`, `ha_daemon_kit::metrics`) and the SIGUSR1
//! dump file. All three render one [`Snapshot`](super::status::Snapshot).

use std::path::Path;

use super::router::Router;
use super::status::{Detail, Query, render_metrics};

/// Answers one control request from the current state.
pub fn answer(q: Query, router: &Router) {
    match q {
        Query::Json(r) => {
            let _ = r.send(router.status_json());
        }
        Query::Metrics(r) => {
            let _ = r.send(render_metrics(&router.snapshot(Detail::Light)));
        }
    }
}

/// Writes `text` to `path`, mode 0600, through a random `O_EXCL|O_NOFOLLOW`
/// file renamed over it (`keepalived_runtime::safe_file`; keepalived's
/// CVE-2018-19044/19045/19046 were this dump following symlinks in /tmp).
pub fn write_dump(
    path: &Path,
    text: &str,
) -> Result<(), keepalived_runtime::safe_file::SafeFileError> {
    keepalived_runtime::safe_file::write_private(path, text.as_bytes())
}

#[cfg(test)]
mod tests;
