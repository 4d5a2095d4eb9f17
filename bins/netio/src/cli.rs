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
    }
}
