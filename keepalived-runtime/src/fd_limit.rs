//! File descriptors as a budget the daemons manage: the soft
//! `RLIMIT_NOFILE` raised to the hard limit at start, a reserve that the
//! network listeners (metrics, control socket) never eat into, so that
//! `vrrp_script`s, checker sockets and reloads always find descriptors, and
//! a test for "the process is out of descriptors" so that callers report it
//! loudly instead of taking it for a failed check.

use std::io;

/// Descriptors kept free for the daemons' own work (scripts' pipes, checker
/// sockets, netlink on reload): a listener refuses a client when fewer than
/// this many remain below the soft limit.
pub const RESERVE: u64 = 64;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (keepalived raises its
/// limit too, `set_max_file_limit()`); returns the (old, new) soft limits.
pub fn raise_nofile_limit() -> io::Result<(u64, u64)> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).map_err(io::Error::from)?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).map_err(io::Error::from)?;
    }
    Ok((soft, soft.max(hard)))
}

/// The soft `RLIMIT_NOFILE`.
pub fn nofile_limit() -> io::Result<u64> {
    use nix::sys::resource::{Resource, getrlimit};
    getrlimit(Resource::RLIMIT_NOFILE)
        .map(|(soft, _)| soft)
        .map_err(io::Error::from)
}

/// How many descriptors this process has open (entries of /proc/self/fd).
pub fn open_fds() -> io::Result<u64> {
    let mut n = 0u64;
    for e in std::fs::read_dir("/proc/self/fd")? {
        e?;
        n += 1;
    }
    // read_dir's own descriptor is one of the entries.
    Ok(n.saturating_sub(1))
}

/// Whether a listener may take one more descriptor without eating into
/// [`RESERVE`]. When the count cannot be read, it may (the accept itself
/// then fails with EMFILE if the process is really out).
pub fn listener_may_accept() -> bool {
    match (nofile_limit(), open_fds()) {
        (Ok(limit), Ok(open)) => open.saturating_add(RESERVE) < limit,
        _ => true,
    }
}

/// Descriptors left below which [`near_exhaustion`] says yes.
pub const EXHAUSTION_MARGIN: u64 = 16;

/// Whether this process is (nearly) out of descriptors: fewer than
/// [`EXHAUSTION_MARGIN`] left below the soft limit. A check or script that
/// failed then may have failed for that reason alone.
pub fn near_exhaustion() -> bool {
    match (nofile_limit(), open_fds()) {
        (Ok(limit), Ok(open)) => open.saturating_add(EXHAUSTION_MARGIN) >= limit,
        _ => false,
    }
}

/// Whether `e` says the process or the system ran out of descriptors
/// (EMFILE, ENFILE), or of memory for a new socket or process (ENOBUFS,
/// ENOMEM, EAGAIN from fork): a local shortage, not the fault of what was
/// being checked.
pub fn is_local_shortage(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM | libc::EAGAIN)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_descriptors_and_knows_a_shortage() {
        let files: Vec<_> = (0..50)
            .filter_map(|_| std::fs::File::open("/proc/self/status").ok())
            .collect();
        let open = open_fds().unwrap_or(0);
        assert!(files.len() == 50 && open >= 50, "{open}");
        assert!(is_local_shortage(&io::Error::from_raw_os_error(
            libc::EMFILE
        )));
        assert!(is_local_shortage(&io::Error::from_raw_os_error(
            libc::ENFILE
        )));
        assert!(!is_local_shortage(&io::Error::from_raw_os_error(
            libc::ECONNREFUSED
        )));
        let limit = nofile_limit().unwrap_or(0);
        assert!(limit > 0);
    }
}
