//! lvsd: health-checked IPVS load balancing from keepalived.conf `virtual_server`s.
//!
//! * `lvsd [-f FILE] [-D] [-p PIDFILE] [--socket PATH] [--metrics-listen ADDR]`: run.
//!   SIGHUP reloads, SIGTERM removes what lvsd added and exits 0.
//! * `lvsd status [--socket PATH]`: the running daemon's state as JSON.
//! * `lvsd -t [-f FILE]`: check the configuration, print the table it would program.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lvsd::daemon;

/// The control socket a daemon started with `-p PIDFILE` and `instance
/// NAME` uses by default in this network namespace (see
/// [`ha_daemon_kit::daemon_paths`]).
fn default_socket(pid_file: Option<&std::path::Path>, instance: Option<&str>) -> PathBuf {
    let ns = vrrp_linux::netns::current_tag();
    ha_daemon_kit::daemon_paths::default_file(
        "/run",
        "lvsd",
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
    name = "lvsd",
    version,
    about = "IPVS load balancer with health checks, driven by keepalived.conf virtual_servers",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(flatten)]
    daemon: ha_daemon_kit::cli::DaemonArgs,
    /// Unix socket serving `lvsd status` (mode 0600). Default, derived as
    /// keepalived derives its pid files so that two daemons on one host never
    /// collide: with -p PIDFILE, PIDFILE with the extension .sock (`-p
    /// /run/c.pid`: /run/c.sock); else `/run/lvsd[_NS][_INSTANCE].sock`, NS the
    /// network namespace (its name under /run/netns, else `net<inode>`;
    /// nothing in the host's) and INSTANCE the config's `instance NAME`.
    #[arg(long)]
    socket: Option<PathBuf>,
    /// Config id for `@ID` lines (keepalived -i).
    #[arg(short = 'i', long = "config-id")]
    config_id: Option<String>,
    /// Leave the IPVS entries in place at exit (keepalived -I).
    #[arg(short = 'I', long = "dont-release-ipvs")]
    dont_release_ipvs: bool,
    /// Check the configuration, print the IPVS table it describes and exit
    /// (0: no error; the daemon runs the usable services of a config with errors).
    #[arg(short = 't', long = "config-test")]
    config_test: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the running daemon's virtual servers, real servers, weights and
    /// checker verdicts as JSON.
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
}

/// Top-level sections whose errors matter to lvsd.
const USED_SECTIONS: &[&str] = &["global_defs", "virtual_server", "virtual_server_group"];

fn config_test(cli: &Cli) -> ExitCode {
    let opts = keepalived_conf::LoadOptions {
        config_id: cli.config_id.clone(),
        ..Default::default()
    };
    let parsed = keepalived_conf::load(&cli.daemon.file, &opts);
    // Errors in the VRRP sections are keepalived's VRRP process's business, not the
    // checker's: warnings here, as vrrpd does with `virtual_server`.
    let mut diagnostics = keepalived_conf::sections::demote_unused(&parsed, USED_SECTIONS, "lvsd");
    diagnostics.extend(keepalived_conf::keywords::not_acted_on(
        &parsed,
        keepalived_conf::keywords::Daemon::Lvsd,
    ));
    diagnostics.sort_by_key(|d| d.span);
    for d in &diagnostics {
        eprintln!("{}", d.short(&parsed.sources));
    }
    let mapped = lvsd::mapping::map_config(&parsed.config);
    for d in &mapped.diagnostics {
        eprintln!("{}", mapped.line(d));
    }
    // The script users keepalived resolves while reading (warnings: the
    // daemon removes the MISC_CHECKs and notify/quorum scripts concerned
    // when it loads the file).
    for d in &lvsd::script_users::check_on_host(&parsed.config) {
        eprintln!("{}", mapped.line(d));
    }
    if let Err(e) = ha_daemon_kit::stdout::print(&lvsd::model::table_text(&mapped.desired)) {
        eprintln!("lvsd: writing the table: {e}");
        return ExitCode::FAILURE;
    }
    if parsed.config.files.is_empty()
        || diagnostics
            .iter()
            .any(keepalived_conf::Diagnostic::is_error)
        || mapped
            .diagnostics
            .iter()
            .any(keepalived_conf::Diagnostic::is_error)
    {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(n) = cli.daemon.max_config_bytes {
        keepalived_conf::set_default_max_bytes(usize::try_from(n).unwrap_or(usize::MAX));
    }
    match keepalived_conf::limits::Limits::from_args(&cli.daemon.config_limit) {
        Ok(l) => keepalived_conf::limits::set_default_limits(l),
        Err(e) => {
            eprintln!("lvsd: --config-limit: {e}");
            return ExitCode::from(2);
        }
    }
    if let Some(Command::Status {
        socket,
        pid_file,
        instance,
    }) = &cli.command
    {
        let socket = socket
            .clone()
            .unwrap_or_else(|| default_socket(pid_file.as_deref(), instance.as_deref()));
        return ha_daemon_kit::control::status_client("lvsd", &socket);
    }
    if cli.config_test {
        return config_test(&cli);
    }
    ha_daemon_kit::cli::init_logging(cli.daemon.detail);
    ha_daemon_kit::cli::raise_fd_limit();
    // `net_namespace` first, as keepalived: the pid file, the sockets, IPVS
    // and the checkers all belong to the namespace.
    let startup = lvsd::namespace::Startup::load(&cli.daemon.file, cli.config_id.clone());
    match lvsd::namespace::enter(&startup) {
        Ok(Some(name)) => tracing::info!(namespace = %name, "running in network namespace {name}"),
        Ok(None) => {}
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("lvsd: {e}");
            return ExitCode::FAILURE;
        }
    }
    if let Some(p) = &cli.daemon.pid_file
        && let Err(e) = keepalived_runtime::safe_file::write_file(
            p,
            format!("{}\n", std::process::id()).as_bytes(),
            keepalived_runtime::safe_file::PID_FILE_MODE,
        )
    {
        eprintln!("lvsd: pid file: {e}");
        return ExitCode::FAILURE;
    }
    lvsd::sys::disable_huge_pages();
    // One thread: the checks are IO-bound and the IPVS calls are short.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lvsd: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let opts = daemon::Options {
        config: cli.daemon.file.clone(),
        config_id: cli.config_id.clone(),
        socket: Some(cli.socket.clone().unwrap_or_else(|| {
            default_socket(cli.daemon.pid_file.as_deref(), startup.instance.as_deref())
        })),
        metrics_listen: cli.daemon.metrics_listen,
        metrics_limits: cli.daemon.metrics_limits(),
        dont_release_ipvs: cli.dont_release_ipvs,
    };
    let r = rt.block_on(daemon::run(opts));
    if let Some(p) = &cli.daemon.pid_file {
        let _ = std::fs::remove_file(p);
    }
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("lvsd: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Two lvsd told apart by `-p` or by `instance NAME` get different default
    /// sockets (keepalived derives its pid files from both); the IPVS the
    /// daemon needs to start is not available to unit tests, so this checks
    /// the derivation the daemon uses.
    #[test]
    fn default_socket_follows_the_pid_file_and_the_instance() {
        let a = default_socket(Some(std::path::Path::new("/run/k/a.pid")), None);
        let b = default_socket(Some(std::path::Path::new("/run/k/b.pid")), None);
        assert_eq!(a, PathBuf::from("/run/k/a.sock"));
        assert_eq!(b, PathBuf::from("/run/k/b.sock"));
        let one = default_socket(None, Some("one"));
        let two = default_socket(None, Some("two"));
        assert_ne!(one, two);
        assert!(one.to_string_lossy().ends_with("_one.sock"), "{one:?}");
        let dir = std::env::temp_dir().join(format!("lvsd-inst-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("k.conf");
        std::fs::write(&conf, "instance first\ninstance second\n").unwrap();
        let startup = lvsd::namespace::Startup::load(&conf, None);
        assert_eq!(startup.instance.as_deref(), Some("first"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
