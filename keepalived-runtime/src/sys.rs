//! Thin wrappers over the few system calls that tokio and nix do not cover
//! safely for running scripts: the child's identity and parent-death signal
//! set between fork and exec, process-group kill, and the registration of an
//! inotify descriptor with tokio's reactor.
//!
//! This is the only module of the crate allowed to use `unsafe`; each block has a
//! `SAFETY:` note. Everything here returns `io::Result` and never panics.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::AsRawFd;

/// A negative return value as the OS error.
fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Sends `signal` to the process group `pgid`.
pub fn kill_process_group(pgid: u32, signal: libc::c_int) -> io::Result<()> {
    let pgid =
        libc::pid_t::try_from(pgid).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: kill has no memory-safety preconditions.
    cvt(unsafe { libc::kill(-pgid, signal) }).map(|_| ())
}

/// Makes the child run as `uid:gid` the way keepalived 2.2.7 starts scripts
/// (lib/notify.c `set_script_env`): the group set first, then the
/// supplementary groups replaced by exactly that one group (the user's other
/// groups are *not* added: keepalived calls `setgroups(1, &gid)`, not
/// `initgroups`), then the user. Register it before any hook that must
/// survive the change of identity (the parent-death signal is cleared by a
/// change of effective ids). Without root only a change of ids that the
/// kernel allows succeeds; the supplementary groups are then left alone.
pub fn set_script_identity(cmd: &mut tokio::process::Command, uid: u32, gid: u32) {
    // SAFETY: the closure runs in the forked child before exec and only makes
    // the setgid/setgroups/setuid system calls, which are async-signal-safe;
    // it allocates nothing (the group list is on the stack).
    unsafe {
        cmd.pre_exec(move || {
            let groups = [gid as libc::gid_t];
            if libc::getegid() != gid {
                cvt(libc::setgid(gid))?;
            }
            // Only root may set them; a daemon run unprivileged (tests)
            // keeps its own.
            if libc::geteuid() == 0 {
                cvt(libc::setgroups(1, groups.as_ptr()))?;
            }
            if libc::geteuid() != uid {
                cvt(libc::setuid(uid))?;
            }
            Ok(())
        });
    }
}

/// Makes the child receive SIGTERM when this process dies (keepalived's
/// `PR_SET_PDEATHSIG` for notify scripts), with the system's transparent huge
/// page policy (`PR_SET_THP_DISABLE` cleared).
pub(crate) fn set_parent_death_signal(cmd: &mut tokio::process::Command) {
    // SAFETY: the closure runs in the forked child before exec and only calls
    // prctl, which is async-signal-safe; it allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGTERM as libc::c_ulong,
                0,
                0,
                0,
            ) < 0
            {
                return Err(io::Error::last_os_error());
            }
            // A daemon that opted out of transparent huge pages (lvsd) gives
            // its scripts the system's policy back (inherited otherwise).
            // Nothing to undo when it fails.
            libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0);
            Ok(())
        });
    }
}

/// Registers an object that owns its descriptor with tokio's reactor.
pub(crate) fn register_async<T: AsRawFd>(inner: T) -> io::Result<tokio::io::unix::AsyncFd<T>> {
    let interest = tokio::io::Interest::READABLE | tokio::io::Interest::WRITABLE;
    // SAFETY: only called with inotify::Inotify, which owns its descriptor for
    // its whole life and always returns that same one from as_raw_fd; the AsyncFd takes ownership, so the fd stays open while registered.
    unsafe { tokio::io::unix::AsyncFd::register_with_interest(inner, interest) }
        .map_err(|e| e.into_parts().1)
}
