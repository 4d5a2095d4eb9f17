//! vrrpd against keepalived 2.2.7 in network namespaces: runs
//! `tests-netns/vrrpd-interop.sh` (every scenario of issue 6, both ways round)
//! with this build's binary. Needs root, keepalived, tcpdump and python3;
//! otherwise it prints SKIPPED. `VRRPD_INTEROP_SCENARIOS="election reload"`
//! runs a subset; `VRRPD_INTEROP=0` skips it (loudly), for runs that call the
//! script directly.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::is_root;

#[test]
fn vrrpd_interoperates_with_keepalived() {
    if std::env::var("VRRPD_INTEROP").is_ok_and(|v| v == "0") {
        eprintln!("SKIPPED: vrrpd interop disabled with VRRPD_INTEROP=0");
        return;
    }
    if !is_root() {
        eprintln!("SKIPPED: vrrpd interop needs root (network namespaces, raw sockets)");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests-netns/vrrpd-interop.sh");
    let scenarios = std::env::var("VRRPD_INTEROP_SCENARIOS").unwrap_or_default();
    let out = Command::new("bash")
        .arg(&script)
        .args(scenarios.split_whitespace())
        .env("VRRPD", env!("CARGO_BIN_EXE_vrrpd"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    if stdout.contains("SKIPPED:") {
        eprintln!(
            "{}",
            stdout.lines().find(|l| l.contains("SKIPPED:")).unwrap()
        );
        return;
    }
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("not ok")).collect();
    assert!(
        out.status.success() && failed.is_empty(),
        "interop failures:\n{}\n--- stderr (tail) ---\n{}",
        failed.join("\n"),
        stderr
            .lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("vrrpd_interop:"))
        .unwrap();
    assert!(summary.ends_with(" 0 failed"), "{summary}");
    assert!(
        stdout.matches("\nok - ").count() >= 10,
        "too few checks ran:\n{stdout}"
    );
}
