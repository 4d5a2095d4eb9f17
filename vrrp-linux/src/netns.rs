//! Entering named network namespaces (`/run/netns/NAME`, as made by `ip netns
//! add`) on one thread, for tests and tools.

use std::fs::File;
use std::os::fd::AsFd;

use crate::error::NetnsError;
use crate::sys;

/// Moves the calling thread into network namespace `name`. Sockets created
/// afterwards on this thread belong to it; other threads are unaffected.
pub fn enter_netns(name: &str) -> Result<(), NetnsError> {
    let path = format!("/run/netns/{name}");
    let f = File::open(&path).map_err(|source| NetnsError::Open {
        name: name.to_string(),
        source,
    })?;
    sys::setns_net(f.as_fd()).map_err(|source| NetnsError::Setns {
        name: name.to_string(),
        source,
    })
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

/// `if_nametoindex(3)` in the calling thread's namespace.
pub fn if_index(name: &str) -> Option<u32> {
    sys::if_nametoindex(name)
}
