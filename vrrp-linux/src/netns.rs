//! Named network namespaces (`/run/netns/NAME`, as `ip netns add` makes
//! them): entering one on the calling thread, running a closure inside one,
//! and telling which one a thread runs in.
//!
//! A daemon enters the configuration's `net_namespace NAME` before anything
//! else, as keepalived does (main.c after reading the configuration,
//! namespaces.c `set_namespaces`: it opens `/run/netns/NAME` and calls
//! `setns()`; a namespace that does not exist is not created, the daemon
//! exits). Tests and tools use [`run_in_netns`].

use std::fs::File;
use std::os::fd::AsFd;
use std::path::Path;

use crate::error::NetnsError;
use crate::sys;

/// Where `ip netns add NAME` makes the namespace's file (keepalived's
/// `netns_dir`).
pub const NETNS_DIR: &str = "/run/netns";

/// Moves the calling thread into network namespace `name`
/// (`/run/netns/NAME`). Sockets and threads made afterwards by this thread
/// belong to it; threads already running are unaffected, so a daemon calls
/// this before it starts its runtime.
pub fn enter_netns(name: &str) -> Result<(), NetnsError> {
    let path = Path::new(NETNS_DIR).join(name);
    let f = File::open(&path).map_err(|source| NetnsError::Open {
        path: path.clone(),
        source,
    })?;
    sys::setns_net(f.as_fd()).map_err(|source| NetnsError::Setns { path, source })
}

/// Runs `f` on a new thread inside network namespace `name` and returns its result.
pub fn run_in_netns<T, F>(name: &str, f: F) -> Result<T, NetnsError>
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    std::thread::scope(|s| {
        let h = s.spawn(|| {
            enter_netns(name)?;
            Ok(f())
        });
        match h.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// The network namespace the calling thread runs in, when it is not the
/// host's: its name under [`NETNS_DIR`] (`net_namespace NAME`, `ip netns
/// exec NAME`), else `net<inode>` when it differs from pid 1's. None in the
/// host's namespace, or when it cannot be told. The daemons derive their
/// default file names from it.
pub fn current_tag() -> Option<String> {
    use std::os::unix::fs::MetadataExt as _;
    let me = std::fs::metadata("/proc/thread-self/ns/net").ok()?;
    let id = (me.dev(), me.ino());
    let named = std::fs::read_dir(NETNS_DIR).ok().and_then(|dir| {
        dir.flatten().find_map(|e| {
            let md = std::fs::metadata(e.path()).ok()?;
            ((md.dev(), md.ino()) == id).then(|| e.file_name().to_string_lossy().into_owned())
        })
    });
    if named.is_some() {
        return named;
    }
    let host = std::fs::metadata("/proc/1/ns/net").ok()?;
    ((host.dev(), host.ino()) != id).then(|| format!("net{}", me.ino()))
}

/// `if_nametoindex(3)` in the calling thread's namespace.
pub fn if_index(name: &str) -> Option<u32> {
    sys::if_nametoindex(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_namespace_is_an_error_naming_its_file() {
        let e = enter_netns("no-such-namespace-here").unwrap_err();
        assert!(matches!(e, NetnsError::Open { .. }), "{e:?}");
        assert!(
            e.to_string().contains("/run/netns/no-such-namespace-here"),
            "{e}"
        );
        let e = run_in_netns("no-such-namespace-here", || 1).unwrap_err();
        assert!(matches!(e, NetnsError::Open { .. }), "{e:?}");
    }
}
