//! Command-line flags and start-up chores shared by the daemons (vrrpd,
//! lvsd): keepalived's `-f`, `-D`, `-p`, the metrics listener, logging.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Flags every daemon takes (flatten into the daemon's clap parser).
#[derive(clap::Args, Debug, Clone)]
pub struct DaemonArgs {
    /// keepalived configuration file.
    #[arg(
        short = 'f',
        long = "use-file",
        default_value = "/etc/keepalived/keepalived.conf"
    )]
    pub file: PathBuf,
    /// Detailed logging (debug level; RUST_LOG overrides).
    #[arg(short = 'D', long = "log-detail")]
    pub detail: bool,
    /// Write the process id to this file (removed on exit).
    #[arg(short = 'p', long = "pid-file")]
    pub pid_file: Option<PathBuf>,
    /// Serve Prometheus metrics over HTTP at ADDR/metrics (e.g. 127.0.0.1:9650).
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// Metrics connections served at once; more are closed as accepted
    /// (each one holds a file descriptor the daemon needs for scripts and
    /// checks). Clients also get 2 s to send their request and 10 s in all.
    #[arg(long, value_name = "N", default_value_t = crate::metrics::DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub metrics_max_connections: u16,
    /// Largest configuration read, in bytes: the main file, every include
    /// and every line `~SEQ`/`~LST` and multi-line definitions generate,
    /// counted before they are read or made (default 6 MiB; keepalived has
    /// no such limit). A file over it is not read.
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_config_bytes: Option<u64>,
    /// Raise (or lower) a limit on what the configuration holds, counted
    /// before it is built: NAME=N, repeatable. Limits and defaults:
    /// vrrp_instance=10000, virtual_server=10000, real_server=50000,
    /// address=100000 (virtual and static addresses), route=20000 (routes
    /// and rules), section=10000 (other top-level statements),
    /// section_statements=100000 (statements in one section). keepalived
    /// has no such limits; a configuration over one is refused.
    #[arg(long, value_name = "NAME=N")]
    pub config_limit: Vec<String>,
}

impl DaemonArgs {
    /// The metrics endpoint's bounds from the flags.
    pub fn metrics_limits(&self) -> crate::metrics::Limits {
        crate::metrics::Limits {
            max_connections: usize::from(self.metrics_max_connections),
            ..crate::metrics::Limits::default()
        }
    }
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (see
/// [`keepalived_runtime::fd_limit`]) and logs the result; call once logging is set up.
pub fn raise_fd_limit() {
    match keepalived_runtime::fd_limit::raise_nofile_limit() {
        Ok((old, new)) if old != new => {
            tracing::info!("open files limit raised from {old} to {new}");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("cannot raise the open files limit: {e}"),
    }
}

/// Logs to stderr at info (debug with `detail`); `RUST_LOG` overrides.
pub fn init_logging(detail: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if detail { "debug" } else { "info" })
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct T {
        #[command(flatten)]
        d: DaemonArgs,
    }

    #[test]
    fn keepalived_flags_and_defaults() {
        let t = T::try_parse_from(["x"]).unwrap();
        assert_eq!(t.d.file, PathBuf::from("/etc/keepalived/keepalived.conf"));
        assert!(!t.d.detail && t.d.pid_file.is_none() && t.d.metrics_listen.is_none());
        let t = T::try_parse_from([
            "x",
            "-f",
            "/tmp/k.conf",
            "-D",
            "-p",
            "/run/x.pid",
            "--metrics-listen",
            "127.0.0.1:9650",
        ])
        .unwrap();
        assert_eq!(t.d.file, PathBuf::from("/tmp/k.conf"));
        assert!(t.d.detail);
        assert_eq!(t.d.pid_file, Some(PathBuf::from("/run/x.pid")));
        assert_eq!(t.d.metrics_listen, Some("127.0.0.1:9650".parse().unwrap()));
        assert!(T::try_parse_from(["x", "--metrics-listen", "nonsense"]).is_err());
        assert_eq!(t.d.metrics_limits(), crate::metrics::Limits::default());
        let t = T::try_parse_from(["x", "--metrics-max-connections", "3"]).unwrap();
        assert_eq!(t.d.metrics_limits().max_connections, 3);
        assert!(T::try_parse_from(["x", "--metrics-max-connections", "0"]).is_err());
    }
}
