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

/// Default control socket: /run/lvsd.sock, or /run/lvsd_NS.sock inside
/// network namespace NS.
fn default_socket() -> PathBuf {
    netio::netns::default_path("/run", "lvsd", "sock")
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
    daemon: netio::cli::DaemonArgs,
    /// Unix socket serving `lvsd status` (mode 0600). Inside a network
    /// namespace other than the host's, the default is /run/lvsd_NS.sock (NS:
    /// its name under /run/netns, else `net<inode>`), so daemons run one per
    /// namespace do not collide.
    #[arg(long, default_value_os_t = default_socket())]
    socket: PathBuf,
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
        /// The daemon's control socket (the daemon's default in this network
        /// namespace).
        #[arg(long, default_value_os_t = default_socket())]
        socket: PathBuf,
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
        eprintln!("{d}");
    }
    if let Err(e) = netio::stdout::print(&lvsd::model::table_text(&mapped.desired)) {
        eprintln!("lvsd: writing the table: {e}");
        return ExitCode::FAILURE;
    }
    if parsed.config.files.is_empty()
        || diagnostics
            .iter()
            .any(keepalived_conf::Diagnostic::is_error)
        || mapped.diagnostics.iter().any(|d| d.skipped)
    {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Status { socket }) = &cli.command {
        return netio::control::status_client("lvsd", socket);
    }
    if cli.config_test {
        return config_test(&cli);
    }
    netio::cli::init_logging(cli.daemon.detail);
    netio::cli::raise_fd_limit();
    if let Some(p) = &cli.daemon.pid_file
        && let Err(e) = netio::safe_file::write_file(
            p,
            format!("{}\n", std::process::id()).as_bytes(),
            netio::safe_file::PID_FILE_MODE,
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
        socket: Some(cli.socket.clone()),
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
