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

/// The network namespace this process runs in, when it is not the host's:
/// its name under /run/netns (`ip netns exec NAME`), else `net<inode>` when
/// it differs from pid 1's. None in the host's namespace, or when it cannot
/// be told.
pub fn current_tag() -> Option<String> {
    use std::os::unix::fs::MetadataExt as _;
    let me = std::fs::metadata("/proc/self/ns/net").ok()?;
    let id = (me.dev(), me.ino());
    let named = std::fs::read_dir("/run/netns").ok().and_then(|dir| {
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

/// A daemon's default file `DIR/PROG.EXT`, or `DIR/PROG_NS.EXT` inside
/// network namespace NS ([`current_tag`]), so that daemons run one per
/// namespace do not collide on their sockets and dumps (keepalived names its
/// files after its `net_namespace` the same way, `make_file_name()`).
pub fn default_path(dir: &str, prog: &str, ext: &str) -> std::path::PathBuf {
    default_path_in(dir, prog, ext, current_tag().as_deref())
}

fn default_path_in(dir: &str, prog: &str, ext: &str, tag: Option<&str>) -> std::path::PathBuf {
    let name = match tag {
        // A name from /run/netns is one path component; keep it one.
        Some(t) => format!("{prog}_{}.{ext}", t.replace('/', "_")),
        None => format!("{prog}.{ext}"),
    };
    std::path::Path::new(dir).join(name)
}

/// `if_nametoindex(3)` in the calling thread's namespace.
pub fn if_index(name: &str) -> Option<u32> {
    sys::if_nametoindex(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_paths_carry_the_namespace() {
        assert_eq!(
            default_path_in("/run", "vrrpd", "sock", None),
            std::path::PathBuf::from("/run/vrrpd.sock")
        );
        assert_eq!(
            default_path_in("/tmp", "vrrpd", "json", Some("blue")),
            std::path::PathBuf::from("/tmp/vrrpd_blue.json")
        );
        assert_eq!(
            default_path_in("/run", "lvsd", "sock", Some("a/b")),
            std::path::PathBuf::from("/run/lvsd_a_b.sock")
        );
    }
}
