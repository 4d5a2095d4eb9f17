//! kaconf: check, format and dump keepalived.conf.
//!
//! - `kaconf check [-f] FILE...`: diagnostics on stderr; exit 0 when there are no errors
//!   (warnings allowed), 1 on errors in any file (like `keepalived -t`, which uses 4/5/6
//!   instead). Several files (one per router) are also checked together:
//!   `keepalived_conf::lint::tracking_weights` warns when tracker weights can never move the
//!   Master.
//! - `kaconf dump FILE`: the typed model as JSON on stdout (exit 1 on errors, after printing).
//! - `kaconf fmt FILE`: the file canonically formatted on stdout.

use clap::{Parser, Subcommand};
use keepalived_conf::{LoadOptions, Parsed, format_source, load};
// A reader that went away (`kaconf dump FILE | head`) is not an error.
use ha_daemon_kit::stdout::print as print_out;
use std::path::PathBuf;
use std::process::ExitCode;

// The parser allocates a few small blocks per statement; mimalloc makes that about twice
// as fast as glibc malloc (see BENCHMARKING.md). Its `override` feature replaces
// `malloc`/`free` themselves, so Rust's default allocator (which calls `malloc` for the
// usual alignments) reaches mimalloc's fast path directly, not the aligned-allocation path
// `mimalloc::MiMalloc` always takes.
use mimalloc as _;

#[derive(Parser)]
#[command(
    name = "kaconf",
    version,
    about = "check, format and dump keepalived.conf"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args)]
struct Common {
    /// Config id for `@ID` conditional lines (keepalived's `-i`); default: host name.
    #[arg(short = 'i', long = "config-id")]
    config_id: Option<String>,
    /// Print diagnostics one per line (`file:line:col: severity: message`).
    #[arg(long)]
    short: bool,
    /// Read large files in one go on one thread (`LoadOptions::split_min_bytes`; by
    /// default they are read in two parts on two threads when that is safe; same result).
    #[arg(long, hide = true)]
    no_split: bool,
    /// Largest configuration read, in bytes (files, includes and generated
    /// lines, counted before they are read or made; default 6 MiB).
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    max_config_bytes: Option<u64>,
    /// Raise (or lower) a limit on what the configuration holds, counted
    /// before it is built: NAME=N, repeatable. Limits and defaults:
    /// vrrp_instance=10000, virtual_server=10000, real_server=50000,
    /// address=100000 (virtual and static addresses), route=20000 (routes
    /// and rules), section=10000 (other top-level statements),
    /// section_statements=100000 (statements in one section). keepalived
    /// has no such limits; a configuration over one is refused.
    #[arg(long, value_name = "NAME=N", value_parser = config_limit)]
    config_limit: Vec<String>,
}

/// Checks one `--config-limit` value.
fn config_limit(spec: &str) -> Result<String, keepalived_conf::limits::LimitError> {
    keepalived_conf::limits::Limits::default().apply(spec)?;
    Ok(spec.to_string())
}

#[derive(Subcommand)]
enum Cmd {
    /// Check a configuration; exit 0 if valid (warnings allowed), 1 on errors.
    Check {
        /// Configuration file (keepalived's `-f FILE` form is accepted).
        #[arg(
            short = 'f',
            long = "use-file",
            value_name = "FILE",
            conflicts_with = "file_pos"
        )]
        file: Option<PathBuf>,
        /// Configuration files: several routers' files are also checked together (e.g.
        /// tracking weights that can never move the Master from one router to another).
        #[arg(value_name = "FILE")]
        file_pos: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// Also print warnings (default: yes; `--quiet` shows errors only).
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print the typed model as JSON.
    Dump {
        /// Configuration file.
        file: PathBuf,
        #[command(flatten)]
        common: Common,
        /// Compact JSON on one line.
        #[arg(long)]
        compact: bool,
    },
    /// Print the file canonically formatted.
    Fmt {
        /// Configuration file.
        file: PathBuf,
    },
}

fn report(p: &Parsed, common: &Common, quiet: bool) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    for d in &p.diagnostics {
        if quiet && !d.is_error() {
            continue;
        }
        let text = if common.short {
            d.short(&p.sources) + "\n"
        } else {
            d.render(&p.sources) + "\n"
        };
        let _ = err.write_all(text.as_bytes());
    }
    let errors = p.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = p.diagnostics.len() - errors;
    if errors > 0 || (warnings > 0 && !quiet) {
        let _ = writeln!(err, "{errors} error(s), {warnings} warning(s)");
    }
}

fn opts(common: &Common) -> LoadOptions {
    LoadOptions {
        config_id: common.config_id.clone(),
        split_min_bytes: if common.no_split {
            usize::MAX
        } else {
            LoadOptions::default().split_min_bytes
        },
        max_bytes: common
            .max_config_bytes
            .map_or(LoadOptions::default().max_bytes, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            }),
        // each value was checked by the parser (`config_limit`)
        limits: keepalived_conf::limits::Limits::from_args(&common.config_limit)
            .unwrap_or_default(),
        ..LoadOptions::default()
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Check {
            file,
            file_pos,
            common,
            quiet,
        } => {
            let paths: Vec<PathBuf> = file.into_iter().chain(file_pos).collect();
            if paths.is_empty() {
                eprintln!("kaconf check: a configuration FILE is required");
                return ExitCode::from(2);
            }
            // check needs no virtual servers in the model: they are validated and dropped
            // as they are read
            let o = opts(&common);
            let parsed: Vec<Parsed> = paths
                .iter()
                .map(|p| keepalived_conf::check_file(p, &o))
                .collect();
            for p in &parsed {
                report(p, &common, quiet);
            }
            // cross-file checks: warnings only
            let configs: Vec<&keepalived_conf::Config> = parsed.iter().map(|p| &p.config).collect();
            let findings = keepalived_conf::lint::tracking_weights(&configs);
            if !quiet && !findings.is_empty() {
                use std::io::Write;
                let mut err = std::io::stderr().lock();
                for f in &findings {
                    let d = &f.diagnostic;
                    let text = if common.short {
                        d.short(&parsed[f.config].sources)
                    } else {
                        d.render(&parsed[f.config].sources)
                    };
                    let _ = writeln!(err, "{text}");
                }
                let _ = writeln!(
                    err,
                    "{} warning(s) from checking the files together",
                    findings.len()
                );
            }
            let code = if parsed.iter().any(Parsed::has_errors) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
            // the process ends here: freeing the file text and the model piece by piece
            // would only cost time
            std::mem::forget(parsed);
            code
        }
        Cmd::Dump {
            file,
            common,
            compact,
        } => {
            let p = load(&file, &opts(&common));
            report(&p, &common, true);
            let json = if compact {
                serde_json::to_string(&p.config)
            } else {
                serde_json::to_string_pretty(&p.config)
            };
            let written = match json {
                Ok(j) => print_out(&(j + "\n")),
                Err(e) => {
                    eprintln!("kaconf dump: {e}");
                    return ExitCode::from(2);
                }
            };
            if let Err(e) = written {
                eprintln!("kaconf dump: writing the model: {e}");
                return ExitCode::from(2);
            }
            if p.has_errors() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Cmd::Fmt { file } => match std::fs::read(&file) {
            Ok(bytes) => match print_out(&format_source(&String::from_utf8_lossy(&bytes))) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kaconf fmt: writing the output: {e}");
                    ExitCode::from(2)
                }
            },
            Err(e) => {
                eprintln!("kaconf fmt: cannot read {}: {e}", file.display());
                ExitCode::from(2)
            }
        },
    }
}
