//! global `net_namespace NAME` (keepalived main.c): the daemon moves into
//! the named network namespace (`/run/netns/NAME`, as `ip netns add` makes
//! it) before anything else ([`vrrp_linux::netns`], shared with lvsd). The process events socket of
//! `vrrp_track_process` is opened first, in the initial namespace, which is
//! the only one the kernel sends process events to (keepalived opens it
//! before `setns()` for the same reason).

use std::path::PathBuf;

use keepalived_conf::LoadOptions;
use tracing::info;
use vrrp_linux::proc_events::ProcEventSocket;

use super::DaemonOptions;
use super::error::DaemonError;

/// What the configuration says about where the daemon runs: the first
/// `net_namespace` (keepalived ignores a second one), the process events
/// socket's buffer, and the first `instance NAME`.
#[derive(Default)]
struct Configured {
    namespace: Option<String>,
    rcvbuf: Option<(u32, bool)>,
    instance: Option<String>,
}

/// Reads [`Configured`] (the daemon reports the file's errors itself).
fn configured(o: &DaemonOptions) -> Configured {
    let parsed = keepalived_conf::load(&o.file, &LoadOptions::default());
    let g = &parsed.config.global_defs;
    let namespace = g.net_namespace.as_ref().map(|n| n.value.clone());
    let rcvbuf = namespace
        .as_ref()
        .and_then(|_| crate::spec::track_process::rcvbuf(g));
    Configured {
        namespace,
        rcvbuf,
        instance: g.instance.as_ref().map(|i| i.value.clone()),
    }
}

/// Where the daemon's files are, once the namespace and the configuration
/// are known.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Control socket.
    pub socket: PathBuf,
    /// SIGUSR1 dump file.
    pub dump_file: PathBuf,
}

/// Fills in the default socket and dump file (see [`ha_daemon_kit::daemon_paths`]):
/// from `-p`, else this namespace and the configuration's `instance`.
fn paths(o: &DaemonOptions, instance: Option<&str>) -> Paths {
    let ns = vrrp_linux::netns::current_tag();
    let d = ha_daemon_kit::daemon_paths::Derivation {
        pid_file: o.pid_file.as_deref(),
        namespace: ns.as_deref(),
        instance,
    };
    Paths {
        socket: o.socket.clone().unwrap_or_else(|| {
            ha_daemon_kit::daemon_paths::default_file("/run", "vrrpd", "sock", d)
        }),
        dump_file: o.dump_file.clone().unwrap_or_else(|| {
            ha_daemon_kit::daemon_paths::default_file("/tmp", "vrrpd", "json", d)
        }),
    }
}

/// Enters the configured namespace, if any, on this (the only runtime)
/// thread, before the runtime starts: every socket and thread made later
/// belongs to it. Default file names (control socket, dump file) are then
/// derived inside it. Returns the process events socket opened outside.
pub fn enter_configured(
    o: &DaemonOptions,
) -> Result<(Option<ProcEventSocket>, Paths), DaemonError> {
    if o.config_test {
        return Ok((None, paths(o, None)));
    }
    let c = configured(o);
    let Some(name) = c.namespace else {
        return Ok((None, paths(o, c.instance.as_deref())));
    };
    let proc_socket = super::track_process::open_socket(c.rcvbuf);
    vrrp_linux::netns::enter_netns(&name).map_err(|source| DaemonError::Namespace {
        name: name.clone(),
        source,
    })?;
    info!(namespace = %name, "running in network namespace {name}");
    Ok((proc_socket, paths(o, c.instance.as_deref())))
}
