//! A SIGHUP reload is parsed off the main loop: the configuration is read,
//! checked and mapped on a blocking thread ([`spawn_parse`]) while the loop
//! keeps sending adverts and answering packets, and only the result is
//! applied on the loop. keepalived re-reads its configuration in the VRRP
//! process itself (`reload_vrrp_thread`), so a large configuration delays
//! its adverts; here the parse does not.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::task::JoinHandle;

use super::error::LoadError;
use super::host::HostView;
use super::script_policy;
use crate::spec::load;
use crate::spec::mapping::Mapped;

/// A parsed configuration and the interfaces it was mapped against.
pub(super) type Loaded = (Mapped, HostView);

/// Reads, checks and maps `path` against `host` (blocking: files, script
/// checks). Diagnostics go to stderr.
pub(super) fn parse(path: &Path, host: HostView) -> Result<Loaded, LoadError> {
    let mut loaded = load::load(path, &host);
    super::local_igmp::check_kernel(&mut loaded, Path::new(super::local_igmp::SYSCTL));
    let text = loaded.render();
    if !text.is_empty() {
        eprint!("{text}");
    }
    if loaded.has_errors() {
        return Err(LoadError::Refused(path.to_path_buf()));
    }
    let mut mapped = loaded.mapped;
    script_policy::apply_script_policy(&mut mapped);
    Ok((mapped, host))
}

/// A parse running on a blocking thread; resolves to its result.
#[derive(Debug)]
pub(super) struct Pending<T>(JoinHandle<Result<T, LoadError>>);

/// Runs `parse` on tokio's blocking pool.
pub(super) fn spawn_parse<T, F>(parse: F) -> Pending<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, LoadError> + Send + 'static,
{
    Pending(tokio::task::spawn_blocking(parse))
}

impl<T> Future for Pending<T> {
    type Output = Result<T, LoadError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.unwrap_or_else(|e| Err(LoadError::ParserFailed(e))))
    }
}

/// Waits for `pending` if there is one; never resolves otherwise (a
/// `select!` branch that stays idle).
pub(super) async fn finished<T>(pending: &mut Option<Pending<T>>) -> Result<T, LoadError> {
    match pending.as_mut() {
        Some(p) => p.await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The parse blocks until a task on the loop's own (single) thread
    /// releases it: that can only happen if the parse is not on the loop.
    #[tokio::test(flavor = "current_thread")]
    async fn the_loop_runs_while_a_reload_parses() {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let mut pending = Some(spawn_parse(move || {
            wait.recv_timeout(Duration::from_secs(10))
                .map(|()| "parsed")
                .map_err(|_| LoadError::Refused("the loop never ran during the parse".into()))
        }));
        let mut ticks = 0u32;
        let result = loop {
            tokio::select! {
                r = finished(&mut pending) => break r,
                _ = tokio::task::yield_now() => {
                    ticks += 1;
                    if ticks == 3 {
                        release.send(()).unwrap();
                    }
                }
            }
        };
        assert!(matches!(result, Ok("parsed")), "{result:?}");
        assert!(ticks >= 3);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn no_pending_reload_never_finishes() {
        let mut none: Option<Pending<()>> = None;
        let r = tokio::time::timeout(Duration::from_millis(20), finished(&mut none)).await;
        assert!(r.is_err());
    }
}
