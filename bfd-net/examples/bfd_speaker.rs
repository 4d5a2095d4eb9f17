//! A BFD speaker for tests: one session to a neighbor, run until a signal.
//!
//! ```text
//! bfd_speaker NAME NEIGHBOR SOURCE INTERVAL_MS MULTIPLIER
//! ```
//!
//! `min_rx` and `min_tx` are both `INTERVAL_MS`. Up and Down events are
//! printed on stdout. SIGTERM stops with one AdminDown packet (RFC 5880
//! §6.8.16, `BfdRunner::shutdown_admin_down`), which keepalived's BFD
//! process never sends; SIGINT stops silently (the peer's Detection Time
//! expires), as keepalived does; SIGKILL is silence as well.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use bfd_net::{BfdEvent, BfdRunner, PeerSpec};
use tokio::signal::unix::{SignalKind, signal};

/// The command line, parsed.
fn spec(args: &[String]) -> Option<PeerSpec> {
    let [name, neighbor, source, interval, mult] = args else {
        return None;
    };
    let neighbor: IpAddr = neighbor.parse().ok()?;
    let source: IpAddr = source.parse().ok()?;
    let interval = Duration::from_millis(interval.parse().ok()?);
    Some(
        PeerSpec::new(name.as_str(), neighbor)
            .with_source(source)
            .with_intervals(interval, interval)
            .with_multiplier(mult.parse().ok()?)
            .with_ttl(255),
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(spec) = spec(&args) else {
        eprintln!("usage: bfd_speaker NAME NEIGHBOR SOURCE INTERVAL_MS MULTIPLIER");
        return ExitCode::from(2);
    };
    let (runner, mut events) = match BfdRunner::start(vec![spec]).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bfd_speaker: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        eprintln!("bfd_speaker: cannot catch signals");
        return ExitCode::FAILURE;
    };
    loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Some(BfdEvent::Up { name }) => println!("{name} Up"),
                Some(BfdEvent::Down { name, diagnostic }) => println!("{name} Down {diagnostic:?}"),
                Some(_) => {}
                None => return ExitCode::FAILURE,
            },
            _ = term.recv() => {
                runner.shutdown_admin_down().await;
                println!("AdminDown sent");
                return ExitCode::SUCCESS;
            }
            _ = int.recv() => {
                runner.shutdown().await;
                return ExitCode::SUCCESS;
            }
        }
    }
}
