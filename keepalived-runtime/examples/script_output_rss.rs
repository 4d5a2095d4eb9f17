//! Runs one script through `keepalived_runtime::run_script` with a timeout and prints
//! this process's peak and current RSS and its open descriptors before and
//! after: `script_output_rss TIMEOUT_SECS ARGV...`. Used by
//! benches/script-output.sh.

use std::time::Duration;

fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .map(|l| l[field.len()..].trim().to_string())
        })
        .unwrap_or_default()
}

fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let secs: u64 = args.next().ok_or("usage: TIMEOUT_SECS ARGV...")?.parse()?;
    let argv: Vec<String> = args.collect();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let before = (status("VmHWM:"), status("VmRSS:"), fds());
    let outcome = rt.block_on(keepalived_runtime::run_script(
        &argv,
        Duration::from_secs(secs),
    ));
    let after = (status("VmHWM:"), status("VmRSS:"), fds());
    println!(
        "{argv:?}: {}; VmHWM {} -> {}, VmRSS {} -> {}, fds {} -> {}",
        match outcome {
            Ok(o) => format!("exit {:?} signal {:?}", o.code, o.signal),
            Err(e) => e.to_string(),
        },
        before.0,
        after.0,
        before.1,
        after.1,
        before.2,
        after.2,
    );
    Ok(())
}
