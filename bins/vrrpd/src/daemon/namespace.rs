//! global `net_namespace NAME` (keepalived main.c): the daemon moves into
//! the named network namespace (`/run/netns/NAME`, as `ip netns add` makes
//! it) before anything else. The process events socket of
//! `vrrp_track_process` is opened first, in the initial namespace, which is
//! the only one the kernel sends process events to (keepalived opens it
//! before `setns()` for the same reason).

use keepalived_conf::LoadOptions;
use netio::proc_events::ProcEventSocket;
use tracing::info;

use super::DaemonOptions;

/// The first `net_namespace` of the configuration (keepalived ignores a
/// second one) and the process events socket's buffer; None when there is
/// no namespace (the daemon reports the file's errors itself).
fn configured(o: &DaemonOptions) -> Option<(String, Option<(u32, bool)>)> {
    let parsed = keepalived_conf::load(&o.file, &LoadOptions::default());
    let name = parsed
        .config
        .other
        .iter()
        .find(|s| s.keyword == "net_namespace")
        .and_then(|s| s.args.first().cloned())?;
    Some((
        name,
        crate::spec::track_process::rcvbuf(&parsed.config.global_defs),
    ))
}

/// Enters the configured namespace, if any, on this (the only runtime)
/// thread, before the runtime starts: every socket and thread made later
/// belongs to it. Default file names that depend on the namespace
/// (control socket, dump file) are computed again inside it. Returns the
/// process events socket opened outside.
pub fn enter_configured(o: &mut DaemonOptions) -> Result<Option<ProcEventSocket>, String> {
    if o.config_test {
        return Ok(None);
    }
    let Some((name, rcvbuf)) = configured(o) else {
        return Ok(None);
    };
    let host_socket = netio::netns::default_path("/run", "vrrpd", "sock");
    let host_dump = netio::netns::default_path("/tmp", "vrrpd", "json");
    let proc_socket = super::track_process::open_socket(rcvbuf);
    netio::netns::enter_netns(&name)
        .map_err(|e| format!("Unable to set network namespace {name} - exiting: {e}"))?;
    if o.socket == host_socket {
        o.socket = netio::netns::default_path("/run", "vrrpd", "sock");
    }
    if o.dump_file == host_dump {
        o.dump_file = netio::netns::default_path("/tmp", "vrrpd", "json");
    }
    info!(namespace = %name, "running in network namespace {name}");
    Ok(proc_socket)
}
