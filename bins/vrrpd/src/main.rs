//! vrrpd: a VRRP daemon, a drop-in for keepalived's VRRP side.
//!
//! * `vrrpd [-f FILE] [-D] [-p PIDFILE] [--socket PATH]`: run the
//!   `vrrp_instance`s of a keepalived.conf (see [`daemon`]); with
//!   `--metrics-listen ADDR`, Prometheus metrics at `http://ADDR/metrics`.
//! * `vrrpd status [--socket PATH]`: the running daemon's instances as JSON.
//! * `vrrpd simulate FILE...`: run several nodes' configs on a virtual LAN.

mod daemon;
mod from_env;
mod simulate;
mod spec;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The control socket a daemon started with `-p PIDFILE` and `instance
/// NAME` uses by default in this network namespace (see
/// [`ha_daemon_kit::daemon_paths`]).
fn default_socket(pid_file: Option<&std::path::Path>, instance: Option<&str>) -> PathBuf {
    let ns = vrrp_linux::netns::current_tag();
    ha_daemon_kit::daemon_paths::default_file(
        "/run",
        "vrrpd",
        "sock",
        ha_daemon_kit::daemon_paths::Derivation {
            pid_file,
            namespace: ns.as_deref(),
            instance,
        },
    )
}

#[derive(Parser, Debug)]
#[command(
    name = "vrrpd",
    version,
    about = "VRRP daemon (v2 RFC 3768, v3 RFC 9568), a drop-in for keepalived's VRRP side",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(flatten)]
    daemon: ha_daemon_kit::cli::DaemonArgs,
    /// Unix socket serving `vrrpd status` (mode 0600). Default, derived as
    /// keepalived derives its pid files so that two daemons on one host never
    /// collide: with -p PIDFILE, PIDFILE with the extension .sock (`-p
    /// /run/a.pid`: /run/a.sock); else `/run/vrrpd[_NS][_INSTANCE].sock`, NS the
    /// network namespace (the config's net_namespace, or its name under
    /// /run/netns, else `net<inode>`; nothing in the host's) and INSTANCE the
    /// config's `instance NAME`.
    #[arg(long)]
    socket: Option<PathBuf>,
    /// File written with the JSON state on SIGUSR1 (keepalived: /tmp/keepalived.data):
    /// mode 0600, through a new randomly named file renamed over it, never
    /// through a symlink; a directory other users can write without the sticky
    /// bit is refused. Default as for --socket: PIDFILE with the extension
    /// .json, else `/tmp/vrrpd[_NS][_INSTANCE].json`.
    #[arg(long)]
    dump_file: Option<PathBuf>,
    /// Check the configuration, print diagnostics and exit (0 = usable).
    #[arg(short = 't', long = "config-test")]
    config_test: bool,
    /// Build the config from VIP, VRID, INTERFACE, PRIORITY, REAL_IP (and
    /// optional ADVERT_INT, VRRP_VERSION, AUTH_PASS, UNICAST_PEERS, NOPREEMPT,
    /// CHECK_PORT) instead of reading -f; see deploy/README.md.
    #[arg(long)]
    from_env: bool,
    /// With --from-env: print the generated config and exit.
    #[arg(long, requires = "from_env")]
    print_config: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Exit 0 when a TCP connection to HOST PORT opens (the --from-env CHECK_PORT probe).
    CheckTcp {
        /// Address to connect to.
        host: std::net::IpAddr,
        /// TCP port.
        port: u16,
        /// Connect timeout in seconds.
        #[arg(long, default_value_t = 3)]
        timeout: u64,
    },
    /// Print every instance of the running daemon as JSON.
    Status {
        /// The daemon's control socket (default: the daemon's default in this
        /// network namespace, for the -p and --instance given here).
        #[arg(long)]
        socket: Option<PathBuf>,
        /// The daemon's -p pid file, to find its default socket.
        #[arg(short = 'p', long = "pid-file")]
        pid_file: Option<PathBuf>,
        /// The `instance NAME` of the daemon's configuration, to find its
        /// default socket.
        #[arg(long)]
        instance: Option<String>,
    },
    /// Run nodes' keepalived.conf files together on a virtual LAN (no root).
    ///
    /// Each FILE is one node's keepalived.conf; nodes are numbered from 1 in
    /// argument order and share one segment. Interfaces named in the configs
    /// need not exist: node N sends from 10.0.0.N (IPv4) or fe80::N (IPv6)
    /// unless an instance sets unicast_src_ip or mcast_src_ip. Every node
    /// starts at t=0 unless its first event is a --start. Prints the state
    /// changes; with --json one object per line: {"t_ms","node","instance",
    /// "from","to","reason"}, and {"t_ms","node","event"} for crash/stop/start.
    /// Trackers keep their initial state (up; down with init_fail): scripts
    /// are not run and interfaces do not change in simulation.
    Simulate {
        /// keepalived.conf of node 1, node 2, ...
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Virtual seconds to run.
        #[arg(long, default_value = "30", value_parser = simulate::parse_secs)]
        until: vrrp_core::time::Instant,
        /// Crash NODE silently at SECS (no priority-0 advert, state lost).
        #[arg(long, value_name = "NODE@SECS")]
        crash: Vec<simulate::NodeAt>,
        /// Stop NODE cleanly at SECS (a Master sends priority 0, like SIGTERM).
        #[arg(long, value_name = "NODE@SECS")]
        stop: Vec<simulate::NodeAt>,
        /// Start (or restart) NODE at SECS.
        #[arg(long, value_name = "NODE@SECS")]
        start: Vec<simulate::NodeAt>,
        /// One-way latency of the segment in milliseconds (default 1 ms).
        #[arg(long, default_value_t = simulate::DEFAULT_LATENCY_MS)]
        latency: f64,
        /// Seed for the LAN's random choices.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(n) = cli.daemon.max_config_bytes {
        keepalived_conf::set_default_max_bytes(usize::try_from(n).unwrap_or(usize::MAX));
    }
    match keepalived_conf::limits::Limits::from_args(&cli.daemon.config_limit) {
        Ok(l) => keepalived_conf::limits::set_default_limits(l),
        Err(e) => {
            eprintln!("vrrpd: --config-limit: {e}");
            return ExitCode::from(2);
        }
    }
    match cli.command {
        Some(Command::Simulate {
            files,
            until,
            crash,
            stop,
            start,
            latency,
            seed,
            json,
        }) => {
            if !(latency.is_finite() && (0.0..=60_000.0).contains(&latency)) {
                eprintln!("vrrpd: --latency must be 0..60000 ms");
                return ExitCode::from(2);
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let latency_us = (latency * 1000.0).round() as u64;
            let (out, err, code) = simulate::run(&simulate::SimOptions {
                files,
                until,
                crash,
                stop,
                start,
                latency_us,
                seed,
                json,
            });
            eprint!("{err}");
            if let Err(e) = ha_daemon_kit::stdout::print(&out) {
                eprintln!("vrrpd: writing the output: {e}");
                return ExitCode::FAILURE;
            }
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
        Some(Command::Status {
            socket,
            pid_file,
            instance,
        }) => {
            let socket =
                socket.unwrap_or_else(|| default_socket(pid_file.as_deref(), instance.as_deref()));
            ha_daemon_kit::control::status_client("vrrpd", &socket)
        }
        Some(Command::CheckTcp {
            host,
            port,
            timeout,
        }) => from_env::check_tcp(host, port, timeout),
        None => {
            let metrics_limits = cli.daemon.metrics_limits();
            daemon::main(daemon::DaemonOptions {
                file: if cli.from_env {
                    // A generated config has no `instance`.
                    let socket = cli
                        .socket
                        .clone()
                        .unwrap_or_else(|| default_socket(cli.daemon.pid_file.as_deref(), None));
                    match from_env::prepare(cli.print_config, &socket) {
                        Ok(path) => {
                            from_env::forget_secrets();
                            path
                        }
                        Err(code) => return code,
                    }
                } else {
                    cli.daemon.file
                },
                detail: cli.daemon.detail,
                pid_file: cli.daemon.pid_file,
                metrics_limits,
                metrics_listen: cli.daemon.metrics_listen,
                socket: cli.socket,
                dump_file: cli.dump_file,
                config_test: cli.config_test,
            })
        }
    }
}
