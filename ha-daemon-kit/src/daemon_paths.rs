//! Default names of the files a daemon creates (control socket, SIGUSR1
//! dump), derived the way keepalived 2.2.7 derives its pid files (main.c
//! after reading the configuration, `make_pidfile_name`), so that two
//! daemons on one host never collide on a default:
//!
//! * with `-p PIDFILE`, beside the pid file and named after it
//!   (`-p /run/a.pid`: `/run/a.sock`, `/run/a.json`): two daemons never share
//!   a pid file, so they never share these either;
//! * else `DIR/PROG[_NS][_INSTANCE].EXT`: NS is the network namespace the
//!   daemon runs in (the configuration's `net_namespace`, or the one it was
//!   started in) and INSTANCE the
//!   configuration's top-level `instance NAME` (keepalived names its pid
//!   files `keepalived_INSTANCE.pid` and keeps them apart per namespace).
//!
//! An explicit `--socket` / `--dump-file` is always used as given.

use std::path::{Path, PathBuf};

/// What the default names depend on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Derivation<'a> {
    /// The `-p` pid file, if any.
    pub pid_file: Option<&'a Path>,
    /// The network namespace's tag (None in the host's namespace).
    pub namespace: Option<&'a str>,
    /// The configuration's `instance NAME`.
    pub instance: Option<&'a str>,
}

/// One path component: a `/` in a name would make another directory.
fn component(s: &str) -> String {
    s.replace('/', "_")
}

/// The default file of `prog` with extension `ext` (see the module
/// documentation); `dir` is used when there is no pid file.
pub fn default_file(dir: &str, prog: &str, ext: &str, d: Derivation<'_>) -> PathBuf {
    if let Some(pid) = d.pid_file.filter(|p| p.file_name().is_some()) {
        let derived = pid.with_extension(ext);
        // `-p x.sock` must not make the socket the pid file itself.
        if derived == pid {
            let mut name = pid.as_os_str().to_owned();
            name.push(".");
            name.push(ext);
            return PathBuf::from(name);
        }
        return derived;
    }
    let mut name = prog.to_string();
    for part in [d.namespace, d.instance].into_iter().flatten() {
        name.push('_');
        name.push_str(&component(part));
    }
    Path::new(dir).join(format!("{name}.{ext}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_from_pid_file_namespace_and_instance() {
        let d = Derivation::default();
        assert_eq!(
            default_file("/run", "vrrpd", "sock", d),
            PathBuf::from("/run/vrrpd.sock")
        );
        let d = Derivation {
            namespace: Some("blue"),
            instance: Some("i/1"),
            pid_file: None,
        };
        assert_eq!(
            default_file("/tmp", "vrrpd", "json", d),
            PathBuf::from("/tmp/vrrpd_blue_i_1.json")
        );
        let d = Derivation {
            instance: Some("one"),
            ..Derivation::default()
        };
        assert_eq!(
            default_file("/run", "lvsd", "sock", d),
            PathBuf::from("/run/lvsd_one.sock")
        );
        // The pid file wins: it is already unique per daemon.
        let d = Derivation {
            pid_file: Some(Path::new("/run/k/a.pid")),
            namespace: Some("blue"),
            instance: Some("one"),
        };
        assert_eq!(
            default_file("/run", "vrrpd", "sock", d),
            PathBuf::from("/run/k/a.sock")
        );
        assert_eq!(
            default_file("/tmp", "vrrpd", "json", d),
            PathBuf::from("/run/k/a.json")
        );
        let d = Derivation {
            pid_file: Some(Path::new("/run/x.sock")),
            ..Derivation::default()
        };
        assert_eq!(
            default_file("/run", "vrrpd", "sock", d),
            PathBuf::from("/run/x.sock.sock")
        );
    }
}
