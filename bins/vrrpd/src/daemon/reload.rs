//! A SIGHUP reload is made ready off the main loop: the interfaces are read
//! (an asynchronous netlink dump the loop polls between its other work), then
//! the configuration is read, checked, mapped and turned into the node's
//! configuration on a blocking thread ([`start`]), while the loop keeps
//! sending adverts and answering packets; only the result is applied on the
//! loop ([`super::router::Router::reload_prepared`]). keepalived re-reads its
//! configuration in the VRRP process itself (`reload_vrrp_thread`), so a
//! large configuration delays its adverts; here neither the parse nor the
//! building of 1,000 instances' configurations does.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use vrrp_linux::Rtnl;

use super::error::LoadError;
use super::host::HostView;
use super::router::Prepared;
use super::script_policy;
use crate::spec::load;
use crate::spec::mapping::Mapped;

/// A configuration made ready to apply and the interfaces it was mapped
/// against.
pub(super) type Loaded = (Prepared, HostView);

/// Reads, checks and maps `path` against `host`, then prepares it for
/// [`super::router::Router::reload_prepared`] (blocking: files, script
/// checks). Diagnostics go to stderr.
pub(super) fn parse(path: &Path, host: HostView) -> Result<Loaded, LoadError> {
    let (mapped, host) = parse_mapped(path, host)?;
    Ok((Prepared::new(mapped, &host), host))
}

/// Reads, checks and maps `path` against `host` (blocking: files, script
/// checks). Diagnostics go to stderr.
pub(super) fn parse_mapped(path: &Path, host: HostView) -> Result<(Mapped, HostView), LoadError> {
    let mut loaded = load::load(path, &host);
    super::local_igmp::check_kernel(&mut loaded, Path::new(super::local_igmp::SYSCTL));
    let text = loaded.render();
    if !text.is_empty() {
        eprint!("{text}");
    }
    crate::spec::script_users::log_on_host(&loaded.parsed.config);
    if loaded.has_errors() {
        return Err(LoadError::Refused(path.to_path_buf()));
    }
    let mut mapped = loaded.mapped;
    script_policy::apply_script_policy(&mut mapped);
    Ok((mapped, host))
}

/// A reload in progress; resolves to its result.
pub(super) struct Pending<'a, T>(Pin<Box<dyn Future<Output = Result<T, LoadError>> + 'a>>);

impl<T> std::fmt::Debug for Pending<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending")
    }
}

/// Starts reloading `path`: the interfaces read through `rtnl`, then
/// [`parse`] on tokio's blocking pool.
pub(super) fn start(rtnl: &Rtnl, path: PathBuf) -> Pending<'_, Loaded> {
    Pending(Box::pin(async move {
        let host = HostView::read(rtnl).await.map_err(LoadError::Interfaces)?;
        join(tokio::task::spawn_blocking(move || parse(&path, host))).await
    }))
}

/// Runs `parse` on tokio's blocking pool.
#[cfg(test)]
fn spawn_parse<T, F>(parse: F) -> Pending<'static, T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, LoadError> + Send + 'static,
{
    Pending(Box::pin(join(tokio::task::spawn_blocking(parse))))
}

/// The result of a blocking parse; a parse that panicked is an error.
async fn join<T>(handle: tokio::task::JoinHandle<Result<T, LoadError>>) -> Result<T, LoadError> {
    handle
        .await
        .unwrap_or_else(|e| Err(LoadError::ParserFailed(e)))
}

impl<T> Future for Pending<'_, T> {
    type Output = Result<T, LoadError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

/// Waits for `pending` if there is one; never resolves otherwise (a
/// `select!` branch that stays idle).
pub(super) async fn finished<T>(pending: &mut Option<Pending<'_, T>>) -> Result<T, LoadError> {
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

    /// Each load (start or reload) logs what keepalived's VRRP process says
    /// about the default script user while it reads the file: here "Error
    /// setting global script uid/gid" for a `script_user` that does not
    /// resolve, logged before the file's errors refuse it.
    #[test]
    fn a_load_logs_an_unknown_script_user() {
        let dir = std::env::temp_dir().join(format!("vrrpd-load-log-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("k.conf");
        std::fs::write(
            &conf,
            "global_defs {\n script_user vrrpd-no-such-user\n}\n\
             vrrp_script chk {\n script /bin/true\n}\n",
        )
        .unwrap();
        let log = dir.join("log");
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(std::fs::File::create(&log).unwrap()))
            .finish();
        let _ = tracing::subscriber::with_default(subscriber, || {
            parse_mapped(&conf, HostView::default())
        });
        let text = std::fs::read_to_string(&log).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let said = text
            .lines()
            .filter(|l| l.contains("WARN") && l.ends_with("Error setting global script uid/gid"))
            .count();
        assert_eq!(said, 1, "{text}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn no_pending_reload_never_finishes() {
        let mut none: Option<Pending<'static, ()>> = None;
        let r = tokio::time::timeout(Duration::from_millis(20), finished(&mut none)).await;
        assert!(r.is_err());
    }
}
