//! The network namespace a daemon runs in: entering the configuration's
//! `net_namespace NAME` before anything else, as keepalived does (main.c
//! after reading the configuration, namespaces.c `set_namespaces`: it opens
//! `/run/netns/NAME`, as `ip netns add` makes it, and calls `setns()`; a
//! namespace that does not exist is not created, the daemon exits), and the
//! tag of the namespace a daemon runs in, for its default file names.
//!
//! Besides [`crate::memory`], the one module of the crate using `unsafe`
//! (`setns(2)`); the block has a `SAFETY:` note.
#![allow(unsafe_code)]

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

/// Where `ip netns add NAME` makes the namespace's file (keepalived's
/// `netns_dir`).
pub const NETNS_DIR: &str = "/run/netns";

/// Why a named network namespace could not be entered.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// `/run/netns/NAME` could not be opened (keepalived: "Failed to open").
    #[error("cannot open {}: {source}", .path.display())]
    Open {
        /// The namespace's file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// `setns(2)` refused it.
    #[error("setns() into {}: {source}", .path.display())]
    Setns {
        /// The namespace's file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Moves the calling thread into network namespace `name`
/// (`/run/netns/NAME`). Threads and sockets made afterwards by this thread
/// belong to it; threads already running are unaffected, so a daemon calls
/// this before it starts its runtime.
pub fn enter(name: &str) -> Result<(), NetnsError> {
    let path = PathBuf::from(NETNS_DIR).join(name);
    let f = File::open(&path).map_err(|source| NetnsError::Open {
        path: path.clone(),
        source,
    })?;
    // SAFETY: `f` is an open descriptor for the duration of the call, and
    // setns(2) reads nothing else from this process's memory.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc != 0 {
        return Err(NetnsError::Setns {
            path,
            source: std::io::Error::last_os_error(),
        });
    }
    Ok(())
}

/// The network namespace the calling thread runs in, when it is not the
/// host's: its name under /run/netns (`net_namespace NAME`, `ip netns exec
/// NAME`), else `net<inode>` when it differs from pid 1's. None in the
/// host's namespace, or when it cannot be told.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_namespace_is_an_error_naming_its_file() {
        let e = enter("lvns-no-such-namespace").unwrap_err();
        assert!(matches!(e, NetnsError::Open { .. }), "{e:?}");
        assert!(
            e.to_string().contains("/run/netns/lvns-no-such-namespace"),
            "{e}"
        );
    }
}
